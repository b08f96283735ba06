import datetime as dt
import re
from pathlib import Path

import pytest

from sheets_sync.config import KEYS, Config, load_config, parse_config
from sheets_sync.errors import ConfigError
from sheets_sync.settings.keys import ANY_NAME, LEAF

BASE = {"source": {"kind": "xlsx", "path": "partners.xlsx"}}


def parse(extra: dict | None = None) -> Config:
    return parse_config({**BASE, **(extra or {})}, Path("/team"))


def test_defaults_follow_the_spec():
    config = parse()
    assert (config.ranks["A"].every, config.ranks["A"].grace) == (7, 3)
    assert (config.ranks["B"].every, config.ranks["B"].grace) == (14, 7)
    assert (config.ranks["C"].every, config.ranks["C"].grace) == (30, 14)
    assert config.ranks["A"].requires == {"manager", "training"}
    assert config.default_rank == "C"
    assert config.soon_days == 3
    assert config.workdays == {0, 1, 2, 3, 4}
    assert config.sleeping_after_days == 60
    assert (config.newsletter.every_days, config.newsletter.audience) == (30, "sleeping")
    assert (config.followup.mode, config.followup.within_hours, config.followup.lookback_days) == (
        "draft",
        24,
        14,
    )
    assert (config.greetings.mode, config.greetings.remind_days_before) == ("remind", 3)
    assert config.onboarding.training_reminder_days == 14
    assert config.digest.at == dt.time(9, 0)
    assert config.source.path == Path("/team/partners.xlsx")
    assert config.mail.transport == "outbox"
    assert config.mail.smtp.password_env == "SHEETS_SYNC_SMTP_PASSWORD"


@pytest.mark.parametrize(
    ("extra", "path_in_message"),
    [
        ({"ranks": {"A": {"every": "weekly"}}}, "ranks.A.every"),
        ({"ranks": {"A": {"requires": ["lunch"]}}}, "ranks.A.requires"),
        ({"soon_days": -1}, "soon_days"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"followup": {"mode": "shout"}}, "followup.mode"),
        ({"digest": {"at": "25:00"}}, "digest.at"),
        ({"workdays": ["Mon", "Funday"]}, "workdays"),
        ({"default_rank": "Z"}, "default_rank"),
        ({"greetings": {"holidays": {"New Year": "13-01"}}}, "greetings.holidays.New Year"),
        ({"poll_every": "often"}, "poll_every"),
        ({"tabs": {"Partnerz": "P"}}, "tabs.Partnerz"),
        ({"columns": {"Partners": {"Rnk": "Ранг"}}}, "columns.Partners.Rnk"),
        ({"mail": {"smtp": {"security": "tls1"}}}, "mail.smtp.security"),
        ({"colour": "blue"}, "colour"),
        ({"tabs": {"Dashboard": "partners "}}, "tabs"),
        ({"holidays": {"country": "XX"}}, "holidays.country"),
        ({"holidays": {"country": "DE", "subdivision": "ZZ"}}, "holidays.country"),
        ({"templates_dir": "no-such-folder"}, "templates_dir"),
        ({"mail": {"from": "the partner team"}}, "mail.from"),
        ({"mail": {"from": "Team <partners@a.example>, b@b.example"}}, "mail.from"),
        ({"digest": {"fallback": "partnerships"}}, "digest.fallback"),
    ],
)
def test_errors_name_the_key_path(extra, path_in_message):
    with pytest.raises(ConfigError) as info:
        parse(extra)
    assert str(info.value).startswith(path_in_message + ":")


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        (
            {"A": {"every": 5}},
            {"A": (5, 3, {"manager", "training"}), "B": (14, 7, set()), "C": (30, 14, set())},
        ),
        (
            {"b": {"grace": 2, "requires": ["manager"]}},
            {"A": (7, 3, {"manager", "training"}), "B": (14, 2, {"manager"}), "C": (30, 14, set())},
        ),
        ({"A": {"requires": []}, "C": None}, {"A": (7, 3, set()), "B": (14, 7, set())}),
        (
            {"Gold": {"every": 3, "grace": 1}},
            {
                "A": (7, 3, {"manager", "training"}),
                "B": (14, 7, set()),
                "C": (30, 14, set()),
                "GOLD": (3, 1, set()),
            },
        ),
        (
            {"A": None, "B": None, "C": None, "D": {"every": 60, "grace": 20, "requires": ["training"]}},
            {"D": (60, 20, {"training"})},
        ),
    ],
)
def test_ranks_change_the_defaults_per_rank_and_per_key(ranks, expected):
    default_rank = "D" if "D" in expected else "B" if "C" not in expected else "C"
    config = parse({"ranks": ranks, "default_rank": default_rank})
    assert {name: (r.every, r.grace, set(r.requires)) for name, r in config.ranks.items()} == expected


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        ({"D": {"every": 60}}, "ranks.D.grace: required for a new rank"),
        ({"D": {"grace": 5}}, "ranks.D.every: required for a new rank"),
        ({"D": {}}, "ranks.D.every: required for a new rank"),
        ({"A": 5}, "ranks.A: expected {every, grace, requires}"),
        ({"A": {"every": 0}}, "ranks.A.every: expected a whole number of days (at least 1)"),
        ({"A": {"grace": 2}, "a": {"every": 3}}, "ranks.a: the same rank as ranks.A"),
        ({"A": None, "B": None, "C": None}, "ranks: at least one rank is needed"),
        ({"C": None}, 'default_rank: "C" is not one of ranks (A, B)'),
        (["A", "B"], "ranks: expected a mapping"),
    ],
)
def test_ranks_errors_name_the_key_path(ranks, message):
    with pytest.raises(ConfigError) as info:
        parse({"ranks": ranks})
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"followup": {"mdoe": "send"}},
            "followup.mdoe: unknown key. Did you mean followup.mode? Known keys in followup: "
            "mode, within_hours, lookback_days.",
        ),
        ({"ranks": {"A": {"evry": 5}}}, "ranks.A.evry: unknown key. Did you mean ranks.A.every?"),
        (
            {"ranks": {"Gold": {"every": 3, "grace": 1, "requires": [], "budget": 5}}},
            "ranks.Gold.budget: unknown key.",
        ),
        (
            {"mail": {"smtp": {"hots": "mx.example"}}},
            "mail.smtp.hots: unknown key. Did you mean mail.smtp.host?",
        ),
        ({"mail": {"smpt": {"host": "mx.example"}}}, "mail.smpt: unknown key. Did you mean mail.smtp?"),
        ({"holidays": {"contry": "DE"}}, "holidays.contry: unknown key. Did you mean holidays.country?"),
        (
            {"source": {"kind": "xlsx", "path": "p.xlsx", "pth": "q.xlsx"}},
            "source.pth: unknown key. Did you mean source.path?",
        ),
        (
            {"greetings": {"holiday": {"New Year": "01-01"}}},
            "greetings.holiday: unknown key. Did you mean greetings.holidays?",
        ),
        ({"timezon": "UTC"}, "timezon: unknown key. Did you mean timezone? Known keys: source, timezone,"),
        ({"sleeping": {"after": 30}}, "sleeping.after: unknown key. Did you mean sleeping.after_days?"),
        ({"digest": {"time": "08:00"}}, "digest.time: unknown key. Known keys in digest: at, fallback."),
    ],
)
def test_an_unknown_key_at_any_level_is_an_error_naming_its_path(extra, message):
    with pytest.raises(ConfigError) as info:
        parse(extra)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("smtp", "variable"),
    [
        ({"password": "hunter2"}, "SHEETS_SYNC_SMTP_PASSWORD"),
        ({"password_env": "TEAM_SMTP_PW", "password": "hunter2"}, "TEAM_SMTP_PW"),
    ],
)
def test_a_password_in_the_yaml_is_refused_and_never_repeated(smtp, variable):
    with pytest.raises(ConfigError) as info:
        parse({"mail": {"transport": "smtp", "smtp": {"host": "mx.example", **smtp}}})
    text = str(info.value)
    assert text.startswith("mail.smtp.password: a password is never read from the config file")
    assert f"set the environment variable {variable} " in text and f"{variable}_FILE" in text
    assert "hunter2" not in text


def test_a_key_that_is_known_elsewhere_is_still_unknown_where_it_is():
    with pytest.raises(ConfigError, match=r"^followup\.every_days: unknown key"):
        parse({"followup": {"every_days": 3}})


def test_names_the_team_chooses_are_not_keys():
    config = parse(
        {
            "ranks": {"Gold": {"every": 3, "grace": 1}},
            "default_rank": "Gold",
            "tabs": {"Partners": "Партнёры"},
            "columns": {"Contacts": {"Email": "Почта"}},
            "greetings": {"holidays": {"Any name at all": "01-01", "8 Марта": "03-08"}},
        }
    )
    assert "GOLD" in config.ranks and len(config.greetings.holidays) == 2


def _leaves(node: dict, where: str = "") -> list[str]:
    found = []
    for key, below in node.items():
        path = where + ("A" if key == ANY_NAME else key)  # a rank's keys, as the keys of rank A
        found += [path] if below is LEAF else _leaves(below, path + ".")
    return found


def _put(data: dict, path: str, value) -> dict:
    *above, last = path.split(".")
    node = data
    for part in above:
        node = node.setdefault(part, {})
    node[last] = value
    return data


@pytest.mark.parametrize("path", _leaves(KEYS))
def test_every_declared_key_is_read(path):
    """A key declared but never read would be ignored: a value no kind accepts is refused naming the
    key (or the name below it: tabs.x), and a value any kind accepts (a path) changes the config."""
    data = _put({"source": dict(BASE["source"])}, path, {"x": {}})
    try:
        config = parse_config(data, Path("/team"))
    except ConfigError as exc:
        assert re.match(re.escape(path) + "[:.]", str(exc)), str(exc)
    else:
        assert config != parse(), f"{path} was not read"


def test_what_a_cycle_would_refuse_is_refused_on_loading(tmp_path):
    (tmp_path / "my-templates").mkdir()
    config = parse_config(
        {
            **BASE,
            "holidays": {"country": "de", "subdivision": "BY"},
            "templates_dir": "my-templates",
            "mail": {"from": "Partner team <partners@team.example>"},
        },
        tmp_path,
    )
    assert (config.holidays_country, config.templates_dir) == ("DE", tmp_path / "my-templates")
    assert config.mail.sender == "Partner team <partners@team.example>"


def test_source_path_is_required_for_xlsx():
    with pytest.raises(ConfigError, match="source.path"):
        parse_config({"source": {"kind": "xlsx"}}, Path("/team"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        (["Sun", "Mon", "Tue", "Wed", "Thu"], {6, 0, 1, 2, 3}),
        ("Sat-Mon", {5, 6, 0}),
    ],
)
def test_workdays_accept_lists_and_ranges(value, expected):
    assert parse({"workdays": value}).workdays == expected


@pytest.mark.parametrize(("value", "seconds"), [(90, 90), ("30s", 30), ("5m", 300), ("1h", 3600)])
def test_poll_every_reads_durations(value, seconds):
    assert parse({"poll_every": value}).poll_every == seconds


def test_unquoted_clock_time_that_yaml_reads_as_a_number(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("source: {kind: xlsx, path: p.xlsx}\ndigest: {at: 08:30}\n")
    assert load_config(path).digest.at == dt.time(8, 30)


def test_renames_and_holidays():
    config = parse(
        {
            "tabs": {"Partners": "Партнёры"},
            "columns": {"Partners": {"Partner": "Партнёр", "Rank": "Ранг"}},
            "greetings": {"holidays": {"New Year": "01-01", "8 March": "08.03"}},
        }
    )
    assert config.tab_name(config_tab("Partners")) == "Партнёры"
    assert config.column_name(config_tab("Partners"), "Rank") == "Ранг"
    assert [(h.name, h.month, h.day) for h in config.greetings.holidays] == [
        ("New Year", 1, 1),
        ("8 March", 3, 8),
    ]


def config_tab(name):
    from sheets_sync.model import Tab

    return Tab(name)


def test_missing_file_names_the_fix(tmp_path):
    with pytest.raises(ConfigError, match="sheets-sync init"):
        load_config(tmp_path / "nope.yaml")


def test_password_comes_from_the_environment_never_the_yaml(monkeypatch, tmp_path):
    config = parse({"mail": {"smtp": {"password_env": "MY_SMTP_PW"}}})
    monkeypatch.setenv("MY_SMTP_PW", "s3cret")
    assert config.mail.smtp.password() == "s3cret"
    monkeypatch.delenv("MY_SMTP_PW")
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    monkeypatch.setenv("MY_SMTP_PW_FILE", str(secret))
    assert config.mail.smtp.password() == "from-file"


@pytest.mark.parametrize(
    "holidays",
    [
        {"New Year": "01-01", "8 March": "08.03"},
        {"New Year": dt.date(2027, 1, 1), "8 March": "2027-03-08"},  # a full date: its year is ignored
        [{"name": "New Year", "date": "01-01"}, {"name": "8 March", "date": "8.03"}],
        {"New Year": {"date": "01-01", "ru": "Новый год"}, "8 March": {"date": "03-08", "RU": "8 Марта"}},
    ],
)
def test_greeting_holidays_in_the_shapes_a_team_writes(holidays):
    config = parse_config(
        {"source": {"kind": "xlsx", "path": "p.xlsx"}, "greetings": {"holidays": holidays}}, Path("/t")
    )
    assert [(h.name, h.month, h.day) for h in config.greetings.holidays] == [
        ("New Year", 1, 1),
        ("8 March", 3, 8),
    ]
    new_year = config.greetings.holidays[0]
    assert new_year.name_in("en") == "New Year"
    assert new_year.name_in("ru-RU") == (
        "Новый год" if isinstance(holidays, dict) and isinstance(holidays["New Year"], dict) else "New Year"
    )


@pytest.mark.parametrize("name", ["Q4/Q1 view", "x" * 32, "a:b", "[dash]", "'quoted'", "History", " "])
def test_a_dashboard_name_no_spreadsheet_accepts_is_a_config_error(name):
    with pytest.raises(ConfigError, match="tabs.Dashboard"):
        parse_config({"source": {"path": "book.xlsx"}, "tabs": {"Dashboard": name}}, Path("."))
