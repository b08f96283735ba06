"""The sample workspace (`sheets-sync init`), the table generator and config.example.yaml."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.config import Config, SourceConfig, load_config
from sheets_sync.errors import ConfigError
from sheets_sync.model import TAB_SPECS, Tab
from sheets_sync.sample.workspace import TEAM_COLUMNS, generate_tables, write_sample
from sheets_sync.sample.xlsx import HEADER_FILL as SAMPLE_HEADER_FILL
from sheets_sync.sample.xlsx import write_workbook
from sheets_sync.sheet.cells import parse_bool
from sheets_sync.sheet.dates import parse_birthday, parse_date
from sheets_sync.sheet.look import HEADER_FILL
from tests.samples import copy_sample

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 26)  # a Thursday
DATA_TABS = (Tab.PARTNERS, Tab.CONTACTS, Tab.ACTIVITIES, Tab.NEWS)
# Edge days: a Monday (the last working day is 3 days back), 27 Feb of a leap year (a birthday
# two days ahead falls on 29 Feb), the turn of the year, a Sunday at a month end.
EDGE_DAYS = [dt.date(2026, 11, 23), dt.date(2028, 2, 27), dt.date(2026, 12, 31), dt.date(2026, 5, 31)]


def read_sample(folder: Path):
    """The config and the workbook's rows as dicts keyed by default column names."""
    config = load_config(folder / "config.yaml")
    wb = openpyxl.load_workbook(folder / "partners.xlsx")
    tables = {}
    for tab in DATA_TABS:
        ws = wb[config.tabs.get(tab.value, tab.value)]
        rows = list(ws.iter_rows(values_only=True))
        back = {config.column_name(tab, c): c for c in TEAM_COLUMNS[tab]}
        header = [back[h] for h in rows[0]]
        tables[tab] = [dict(zip(header, row, strict=False)) for row in rows[1:]]
    return config, wb, tables


@pytest.fixture(scope="module", params=["en", "ru"])
def sample(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"sample-{request.param}")
    copy_sample(folder, request.param, today=TODAY)  # write_sample's files (tests/samples.py), built once
    return (request.param, *read_sample(folder))


# --- the config that init writes ---------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, zone, country", [("en", "Europe/Berlin", "DE"), ("ru", "Europe/Moscow", "RU")]
)
def test_sample_config_loads_with_the_essentials(tmp_path, lang, zone, country):
    path = copy_sample(tmp_path, lang, today=TODAY)
    config = load_config(path)
    assert path == tmp_path / "config.yaml"
    assert (config.source.kind, config.source.path) == ("xlsx", tmp_path / "partners.xlsx")
    assert (config.timezone, config.holidays_country, config.language) == (zone, country, lang)
    assert config.mail.transport == "outbox" and config.mail.outbox_dir == tmp_path / "outbox"
    assert config.state_dir == tmp_path / "state"
    assert config.digest.fallback.endswith(".example")
    assert config.onboarding.sales_kit_url.startswith("https://")
    days = {(h.month, h.day) for h in config.greetings.holidays}
    assert (1, 1) in days
    # nothing that does not fit everyone: no 23 February or 8 March (a team may add them itself)
    assert days.isdisjoint({(2, 23), (3, 8)}) and config.greetings.holidays[0].name in (
        "New Year",
        "Новый год",
    )
    assert "config.example.yaml" in path.read_text(encoding="utf-8")


def test_russian_config_renames_every_tab_and_column(tmp_path):
    config = load_config(copy_sample(tmp_path, "ru", today=TODAY))
    assert set(config.tabs) == {t.value for t in Tab}
    assert config.tabs["Dashboard"] == "Панель" and config.tabs["Partners"] == "Партнёры"
    for tab, spec in TAB_SPECS.items():
        names = config.columns[tab.value]
        assert set(names) == {c.value for c in spec.columns}, tab  # the worker's columns too
        assert all(re.search("[а-яё]", n, re.I) for n in names.values() if n != "Код"), names
        assert len({n.casefold() for n in names.values()}) == len(names), f"{tab}: two columns share a name"
    assert config.columns["Partners"]["Last touch"] == "Последний контакт"
    assert config.columns["Partners"]["Sync note"] == "Заметка синхронизации"


def test_init_refuses_to_overwrite_a_config(tmp_path):
    path = write_sample(tmp_path, "en", today=TODAY)
    path.write_text(path.read_text() + "# the team's edit\n")
    before = (path.read_bytes(), (tmp_path / "partners.xlsx").read_bytes())
    with pytest.raises(ConfigError, match="already exists"):
        write_sample(tmp_path, "ru", today=TODAY)
    assert (path.read_bytes(), (tmp_path / "partners.xlsx").read_bytes()) == before


def test_init_refuses_to_overwrite_a_workbook(tmp_path):
    (tmp_path / "partners.xlsx").write_bytes(b"the team's workbook")
    with pytest.raises(ConfigError, match="partners.xlsx already exists"):
        write_sample(tmp_path, "en", today=TODAY)
    assert (tmp_path / "partners.xlsx").read_bytes() == b"the team's workbook"
    assert not (tmp_path / "config.yaml").exists()


def test_init_creates_the_folder_and_rejects_unknown_languages(tmp_path):
    assert write_sample(tmp_path / "new" / "dir", "en", today=TODAY).exists()
    with pytest.raises(ConfigError, match="--lang"):
        write_sample(tmp_path / "fr", "fr", today=TODAY)


# --- the sample workbook -----------------------------------------------------------------------


def test_workbook_has_the_tabs_and_headers_the_config_names(sample):
    lang, config, wb, _ = sample
    assert wb.sheetnames == [config.tabs.get(t.value, t.value) for t in DATA_TABS]
    for tab in DATA_TABS:
        ws = wb[config.tabs.get(tab.value, tab.value)]
        header = [c.value for c in ws[1]]
        assert header == [config.column_name(tab, c) for c in TEAM_COLUMNS[tab]]
        for required in TAB_SPECS[tab].required:
            assert config.column_name(tab, required.value) in header
        assert not set(header) & {config.column_name(tab, c.value) for c in TAB_SPECS[tab].worker}
        # the team's header: bold on light grey (the worker's columns get a fill of their own)
        assert ws["A1"].font.b and ws["A1"].fill.fgColor.rgb.endswith(SAMPLE_HEADER_FILL)
        assert SAMPLE_HEADER_FILL != HEADER_FILL
        # frozen: the header row, and on Partners the columns up to Partner too (as the worker would)
        assert ws.freeze_panes == ("C2" if tab is Tab.PARTNERS else "A2")
        assert ws.auto_filter.ref.startswith("A1:")
        assert ws.column_dimensions["B"].width >= 8
    if lang == "ru":
        assert wb.sheetnames == ["Партнёры", "Контакты", "Активности", "Новости"]


def test_every_cell_reads_with_the_products_parsers(sample):
    lang, _config, _wb, t = sample
    dates = {
        Tab.PARTNERS: ("Since", "Snooze until", "Trained"),
        Tab.ACTIVITIES: ("Date", "Due"),
        Tab.NEWS: ("Date",),
    }
    bools = {
        Tab.CONTACTS: ("Champion", "Newsletter", "Unsubscribed", "Left company"),
        Tab.ACTIVITIES: ("Done",),
        Tab.NEWS: ("Publish",),
    }
    for tab, columns in dates.items():
        for row in t[tab]:
            for c in columns:
                parse_date(row[c])
    for tab, columns in bools.items():
        for row in t[tab]:
            for c in columns:
                parse_bool(row[c])
                if row[c] is not None:
                    assert row[c] in (("yes", "no") if lang == "en" else ("да", "нет"))
    for row in t[Tab.CONTACTS]:
        parse_birthday(row["Birthday"])
        assert row["Email"].endswith(".example")  # a demo never mails a real company
    managers = ("anna", "ben", "chloe", "dmitri", "olga", "pavel", "irina", "sergey")
    used = {p["Manager"] for p in t[Tab.PARTNERS] if p["Manager"]}
    assert used <= {f"{n}@yourstartup.example" for n in managers}


def test_the_teams_date_habits(sample):
    lang, config, wb, t = sample
    dates = [row["Date"] for row in t[Tab.ACTIVITIES]]
    as_text = [d for d in dates if isinstance(d, str)]
    assert 0 < len(as_text) < len(dates) / 2
    pattern = r"\d{4}-\d{2}-\d{2}" if lang == "en" else r"\d{2}\.\d{2}\.\d{4}"
    assert all(re.fullmatch(pattern, d) for d in as_text)
    ws = wb[config.tabs.get("Activities", "Activities")]
    formats = {c.number_format for c in ws["B"][1:] if isinstance(c.value, dt.datetime)}
    assert formats == {"yyyy-mm-dd" if lang == "en" else "dd.mm.yyyy"}
    birthdays = [c["Birthday"] for c in t[Tab.CONTACTS] if c["Birthday"] is not None]
    assert any(isinstance(b, dt.datetime) for b in birthdays)
    assert any(isinstance(b, str) and re.fullmatch(r"\d{2}\.\d{2}", b) for b in birthdays)  # no year


def test_partners_cover_every_rank_stage_and_duty(sample):
    _, _config, _, t = sample
    partners = t[Tab.PARTNERS]
    assert len(partners) >= 28
    ranks = {p["Rank"] for p in partners}
    assert ranks == {"A", "B", "C", None}  # blank ones too; an unknown one would make `check` fail
    assert {p["Stage"] for p in partners} >= {"onboarding", "active", "paused", "churned", None}
    assert 3 <= len({p["Manager"] for p in partners if p["Manager"]}) <= 4
    assert any(p["Rank"] == "A" and not p["Manager"] for p in partners)  # a missing rank duty
    assert any(parse_date(p["Snooze until"]) and parse_date(p["Snooze until"]) > TODAY for p in partners)
    periods = {p["Goal period"] for p in partners if p["Goal period"]}
    assert {"2026", "2026-Q4", "2026-11"} <= periods
    assert any(p["Goal target"] for p in partners) and any(p["Goal amount"] for p in partners)
    assert any(p["Trained"] for p in partners) and any(not p["Trained"] for p in partners)
    ids = [p["ID"] for p in partners if p["ID"]]
    assert 0 < len(partners) - len(ids) <= 3 and len(set(ids)) == len(ids)  # a few for the worker
    assert len({p["Partner"] for p in partners}) == len(partners)


def test_contacts_have_champions_and_birthdays_soon(sample):
    _, _, _, t = sample
    contacts = t[Tab.CONTACTS]
    per_partner = {}
    for c in contacts:
        per_partner[c["Partner"]] = per_partner.get(c["Partner"], 0) + 1
    assert sorted(per_partner.values())[len(per_partner) // 2] in (2, 3, 4)  # the median
    champions = [c for c in contacts if parse_bool(c["Champion"])]
    soon = [c for c in champions if _days_to_birthday(parse_birthday(c["Birthday"]), TODAY) <= 3]
    assert soon and all(not parse_bool(c["Left company"]) for c in soon)
    assert any(b and (b.month, b.day) == (2, 29) for b in (parse_birthday(c["Birthday"]) for c in contacts))
    assert any(parse_bool(c["Newsletter"]) is False for c in contacts)
    assert any(parse_bool(c["Unsubscribed"]) for c in contacts)
    assert any(parse_bool(c["Left company"]) for c in contacts)
    assert {c["Language"] for c in contacts} >= {"en", "ru"}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("today", EDGE_DAYS, ids=str)
def test_activities_give_the_first_cycle_work_on_any_day(tmp_path, lang, today):
    write_sample(tmp_path, lang, today=today)
    _, _, t = read_sample(tmp_path)
    partners, acts = t[Tab.PARTNERS], t[Tab.ACTIVITIES]
    for a in acts:
        a["date"] = parse_date(a["Date"])
    two_way = [a for a in acts if a["Type"] in ("meeting", "call", "visit")]
    recent = [a for a in two_way if 0 <= (today - a["date"]).days <= 3 and not a["Follow-up"]]
    assert any(a["Type"] == "meeting" and a["Agreements"] and a["Next steps"] for a in recent)
    week = [a for a in two_way if 0 <= (today - a["date"]).days <= 7 and not a["Follow-up"]]
    assert any(not a["Agreements"] and not a["Next steps"] for a in week)  # missing next steps
    assert any(a["date"] > today for a in two_way)  # booked
    assert any(a["Type"] == "deal" and a["Amount"] for a in acts)
    assert any(a["Direction"] == "in" for a in acts)
    assert any(parse_date(a["Due"]) and not parse_bool(a["Done"]) for a in acts)  # open next steps
    assert min(a["date"] for a in acts) <= today - dt.timedelta(days=170)
    last = {}
    for a in acts:
        key = a["Partner"]
        last[key] = max(last.get(key, a["date"]), a["date"])
    names = {p["ID"]: p["Partner"] for p in partners if p["ID"]}
    by_name = {names.get(k, k): d for k, d in last.items()}
    assert any(p["Partner"] not in by_name for p in partners)  # no activity at all
    assert any(
        (today - by_name[p["Partner"]]).days >= 90
        for p in partners
        if p["Partner"] in by_name and p["Stage"] != "churned"
    )  # sleeping
    assert 0 < sum(1 for a in acts if not a["ID"]) <= 5


def test_news_items(sample):
    _lang, _, _, t = sample
    news = t[Tab.NEWS]
    assert 8 <= len(news) <= 10
    assert {n["Category"] for n in news} == {"product", "roadmap", "case", "event"}
    assert sum(1 for n in news if parse_bool(n["Publish"], True) is False) == 1
    assert sum(1 for n in news if (TODAY - parse_date(n["Date"])).days <= 31) >= 3
    assert all(n["Title"] and n["Link"].startswith("https://") for n in news)


def test_the_sample_is_the_same_for_the_same_day(tmp_path):
    for name in ("a", "b"):
        write_sample(tmp_path / name, "ru", today=TODAY)
    first, second = (read_sample(tmp_path / name)[2] for name in ("a", "b"))
    assert first == second
    write_sample(tmp_path / "c", "ru", today=TODAY + dt.timedelta(days=1))
    later = read_sample(tmp_path / "c")[2]
    assert later != first and len(later[Tab.PARTNERS]) == len(first[Tab.PARTNERS])


# --- generate_tables and write_workbook ----------------------------------------------------------


SIZES = [(300, 1000, 5000, 20), (1, 0, 3, 0), (1, 1, 0, 1), (0, 0, 0, 0), (7, 3, 11, 25)]


@pytest.mark.parametrize("sizes", SIZES, ids=str)
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_generate_tables_sizes_are_exact(sizes, lang):
    partners, contacts, activities, news = sizes
    tables = generate_tables(TODAY, partners, contacts, activities, news=news, lang=lang)
    assert [len(rows) for _, rows in tables.values()] == list(sizes)
    for (header, rows), tab in zip(tables.values(), DATA_TABS, strict=False):
        assert len(header) == len(TEAM_COLUMNS[tab]) and all(len(r) == len(header) for r in rows)
        ids = [r[0] for r in rows]
        assert all(ids) and len(set(ids)) == len(ids)


def test_generate_tables_needs_a_partner_for_contacts_and_activities():
    with pytest.raises(ValueError):
        generate_tables(TODAY, 0, 1, 0)


def test_generate_tables_is_deterministic():
    a = generate_tables(TODAY, 40, 100, 500, seed=3)
    assert a == generate_tables(TODAY, 40, 100, 500, seed=3)
    assert a != generate_tables(TODAY, 40, 100, 500, seed=4)
    assert list(a) == ["Partners", "Contacts", "Activities", "News"]
    russian = generate_tables(TODAY, 1, 1, 1, lang="ru")
    assert list(russian) == ["Партнёры", "Контакты", "Активности", "Новости"]


def test_generated_names_and_emails_stay_unique_beyond_the_word_lists():
    tables = generate_tables(TODAY, 1200, 3000, 0, news=0)
    names = [r[1] for r in tables["Partners"][1]]
    header, rows = tables["Contacts"]
    emails = [r[header.index("Email")] for r in rows]
    assert len(set(names)) == len(names) and len(set(emails)) == len(emails)


def test_generated_activities_are_in_date_order_around_today():
    header, rows = generate_tables(TODAY, 50, 120, 2000)["Activities"]
    dates = [parse_date(r[header.index("Date")]) for r in rows]
    assert dates == sorted(dates)
    assert TODAY - dt.timedelta(days=400) <= dates[0] and dates[-1] <= TODAY + dt.timedelta(days=14)
    assert any(d > TODAY for d in dates) and sum(d >= TODAY - dt.timedelta(days=180) for d in dates) > 1500


@pytest.mark.parametrize("lang, number_format", [("en", "yyyy-mm-dd"), ("ru", "dd.mm.yyyy")])
def test_write_workbook_round_trips(tmp_path, lang, number_format):
    tables = generate_tables(TODAY, 20, 50, 300, news=5, lang=lang)
    path = tmp_path / "out" / "book.xlsx"
    write_workbook(path, tables, date_format=number_format)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(tables) and not list(tmp_path.glob("out/.*tmp"))
    for title, (header, rows) in tables.items():
        ws = wb[title]
        read = list(ws.iter_rows(values_only=True))
        assert list(read[0]) == header and len(read) == len(rows) + 1
        for got, want in zip(read[1:], rows, strict=False):
            assert [g.date() if isinstance(g, dt.datetime) else g for g in got] == want
        dated = [c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, dt.datetime)]
        assert dated and {c.number_format for c in dated} == {number_format}


# --- config.example.yaml -------------------------------------------------------------------------


def test_config_example_loads_and_every_value_is_the_default():
    config = load_config(ROOT / "config.example.yaml")
    assert config.source == SourceConfig(kind="xlsx", path=ROOT / "partners.xlsx")
    defaults = Config()
    expected = dataclasses.replace(
        defaults,
        base_dir=ROOT,
        source=config.source,
        state_dir=ROOT / defaults.state_dir,
        mail=dataclasses.replace(defaults.mail, outbox_dir=ROOT / defaults.mail.outbox_dir),
    )
    assert config == expected
    assert (config.ranks["A"].every, config.ranks["A"].grace) == (7, 3)
    assert config.ranks["A"].requires == {"manager", "training"}
    assert (config.ranks["C"].every, config.ranks["C"].grace, config.default_rank) == (30, 14, "C")
    assert config.followup.lookback_days == 14 and config.digest.at == dt.time(9, 0)


def test_config_example_comments_every_key():
    for number, line in enumerate((ROOT / "config.example.yaml").read_text(encoding="utf-8").splitlines(), 1):
        key = re.match(r"\s*([A-Za-z_]+):\s*(\S.*)?$", line)
        nothing_to_check = not key or not key[2] or key[2].startswith("{}") or line.lstrip().startswith("#")
        if (
            not nothing_to_check
            and key[1] not in ("every", "grace", "requires", "path", "host")
            and "#" not in line
        ):
            pytest.fail(f"config.example.yaml line {number} has no comment: {line.strip()}")


def _days_to_birthday(birthday, today: dt.date) -> int:
    if birthday is None:
        return 999
    for year in (today.year, today.year + 1):
        day = 28 if (birthday.month, birthday.day) == (2, 29) and year % 4 else birthday.day
        when = dt.date(year, birthday.month, day)
        if when >= today:
            return (when - today).days
    return 999
