"""YAML configuration into frozen, validated dataclasses; every error names its key path.

Each key is declared once, as a field of the dataclasses below ("the table", in the order of
config.example.yaml): `setting(kind, default)` gives the dataclass its field and default, the
reader its kind (sheets_sync/settings/kinds.py) and `KEYS` the key, so that any other key is
refused. A new key is one line in the table, and its entry in config.example.yaml (a test checks
that each documents the other). The kinds that build this module's own classes (ranks, holidays)
and the checks that involve another key come first, as the table refers to them.
"""

# ruff: noqa: RUF009  (setting() and section() return a dataclasses.field(); ruff cannot see through them)

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from sheets_sync.errors import ConfigError
from sheets_sync.model import Tab, language_code
from sheets_sync.rules.calendar import WorkCalendar
from sheets_sync.settings.keys import At, check_keys, key_tree, read, required_keys, section, setting
from sheets_sync.settings.kinds import (
    a_folder,
    activity_types,
    address,
    choice,
    clock,
    column_names,
    currency_code,
    days_of_week,
    duration,
    duties,
    file_path,
    known_zone,
    lower,
    month_day,
    tab_names,
    text,
    upper,
    whole,
)

CONFIG_ENV = "SHEETS_SYNC_CONFIG"


# --- the kinds that build this module's classes, and the checks that involve another key -------


def _ranks(value: Any, at: At) -> dict[str, RankRule]:
    """The default ranks, changed per rank and per key by `ranks:`; `B: null` drops B.

    Null removes a rank as it removes a key in a JSON merge patch (RFC 7386). A new rank must give
    `every` and `grace`: it has no rhythm of its own to fall back on, and borrowing default_rank's
    would silently tie its cadence to whichever rank is the default. Its `requires` defaults to none.
    """
    if not isinstance(value, dict):
        raise ConfigError(f"{at}: expected a mapping of rank names to {{every, grace, requires}}.")
    defaults = _default_ranks()
    ranks = dict(defaults)
    seen: dict[str, str] = {}
    for key, rank in value.items():
        name, where = str(key).strip().upper(), f"{at}.{key}"
        if not name:
            raise ConfigError(f"{at}: a rank needs a name (e.g. A, B, Gold).")
        if name in seen:
            raise ConfigError(f"{where}: the same rank as {at}.{seen[name]} (rank names ignore case).")
        seen[name] = str(key)
        if rank is None:
            ranks.pop(name, None)
            continue
        if not isinstance(rank, dict):
            raise ConfigError(f"{where}: expected {{every, grace, requires}}, e.g. {{every: 14, grace: 7}}.")
        base = defaults.get(name)
        for part in () if base else required_keys(RankRule):  # every, grace
            if rank.get(part) is None:
                raise ConfigError(
                    f"{where}.{part}: required for a new rank ({', '.join(defaults)} have "
                    f"defaults; {name} has none), e.g. {{every: 60, grace: 14}}."
                )
        ranks[name] = read(RankRule, rank, where, at.base_dir, base)
    if not ranks:
        raise ConfigError(f"{at}: at least one rank is needed.")
    return ranks


def _holidays(value: Any, at: At) -> tuple[Holiday, ...]:
    """`greetings.holidays`: a mapping of names to dates ("MM-DD", "DD.MM", a full date), or to
    {date, the name in other languages (ru: Новый год), and the greeting's own `subject` and `line`,
    each one text or one per language}; or a list of {name, date, ...}."""
    if isinstance(value, list) and all(isinstance(item, dict) and "name" in item for item in value):
        value = {str(item["name"]): {k: v for k, v in item.items() if k != "name"} for item in value}
    if not isinstance(value, dict):
        raise ConfigError(f'{at}: expected a mapping of names to dates, e.g. {{"New Year": "01-01"}}.')
    out = []
    for name, date in value.items():
        where = f"{at}.{name}"
        names: dict[str, str] = {}
        own: dict[str, tuple[tuple[str, str], ...]] = {}
        if isinstance(date, dict):
            for key, text in date.items():
                key = str(key).strip()
                if key in HOLIDAY_WORDS:
                    own[key] = _greeting_words(text, f"{where}.{key}")
                elif key != "date":
                    names[language_code(key)] = _holiday_text(
                        text, f"{where}.{key}", "its name in that language", fields=()
                    )
            date = date.get("date")
        month, day = month_day(date, where)
        out.append(
            Holiday(
                str(name),
                month,
                day,
                tuple(sorted(names.items())),
                own.get("subject", ()),
                own.get("line", ()),
            )
        )
    return tuple(out)


HOLIDAY_WORDS = ("subject", "line")  # a holiday's own greeting, besides its date and names
GREETING_FIELDS = ("name", "holiday")  # what {…} in them may stand for: the first name, the holiday's name
EVERY_LANGUAGE = "*"  # the language of a holiday's own words given as one text


def _greeting_words(value: Any, at: str) -> tuple[tuple[str, str], ...]:
    """A holiday's own `subject` or `line`: one text (every language), or language -> text."""
    if not isinstance(value, dict):
        return ((EVERY_LANGUAGE, _holiday_text(value, at, 'the greeting, e.g. "Happy Diwali, {name}!"')),)
    found = {
        language_code(str(k)): _holiday_text(v, f"{at}.{k}", 'the greeting, e.g. "Happy Diwali, {name}!"')
        for k, v in value.items()
    }
    return tuple(sorted(found.items()))


def _holiday_text(value: Any, at: str, what: str, fields: tuple[str, ...] = GREETING_FIELDS) -> str:
    """One line of text; in a greeting's words, {name} is the first name and {holiday} the
    holiday's name (`fields`), and any other {…} is a mistake."""
    if value is None or isinstance(value, (dict, list)):
        raise ConfigError(f"{at}: expected text: {what}.")
    found = " ".join(str(value).split())
    if not found:
        raise ConfigError(f"{at}: empty: {what}.")
    for field in re.findall(r"\{([^{}]*)\}", found) if fields else ():
        if field not in fields:
            raise ConfigError(
                f"{at}: {{{field}}} is not known: the text may hold {{name}} (the contact's first name) "
                "and {holiday} (the holiday's name)."
            )
    return found


def _a_sheet(source: SourceConfig, at: At) -> None:
    if source.kind == "xlsx" and source.path is None:
        raise ConfigError(f"{at}.path: required for source.kind xlsx (the workbook's file path).")
    if source.kind == "google" and not source.spreadsheet:
        raise ConfigError(f"{at}.spreadsheet: required for source.kind google (a key or a URL).")


def _one_of_ranks(name: str, at: At) -> None:
    ranks = at.earlier["ranks"]
    if name not in ranks:
        raise ConfigError(f'{at}: "{name}" is not one of ranks ({", ".join(ranks)}).')


def _a_work_calendar(subdivision: str, at: At) -> None:
    """What a cycle would refuse later is refused here, so that `check` and every other command agree."""
    WorkCalendar(
        at.earlier["workdays"], at.earlier["holidays_country"], subdivision
    )  # an unknown country or subdivision


# --- the table: every key, its kind and its default ---------------------------------------------


@dataclass(frozen=True)
class SourceConfig:
    kind: str = setting(choice("xlsx", "google"), "xlsx")
    path: Path | None = setting(file_path, None)
    spreadsheet: str = setting(text, "")
    credentials: Path | None = setting(file_path, None)


@dataclass(frozen=True)
class RankRule:
    every: int = setting(whole(minimum=1))  # days between touches
    grace: int = setting(whole())  # days after Next touch before a partner counts as overdue
    requires: frozenset[str] = setting(duties, frozenset())


def _default_ranks() -> dict[str, RankRule]:
    return {
        "A": RankRule(7, 3, frozenset({"manager", "training"})),
        "B": RankRule(14, 7),
        "C": RankRule(30, 14),
    }


@dataclass(frozen=True)
class NewsletterConfig:
    every_days: int = setting(whole(minimum=1), 30)
    audience: str = setting(choice("sleeping", "all"), "sleeping")


@dataclass(frozen=True)
class FollowupConfig:
    mode: str = setting(choice("draft", "send", "remind"), "draft")
    within_hours: int = setting(whole("hours"), 24)
    lookback_days: int = setting(whole(), 14)


@dataclass(frozen=True)
class Holiday:
    name: str
    month: int
    day: int
    names: tuple[tuple[str, str], ...] = ()  # (language, its name there), e.g. (("ru", "Новый год"),)
    # The greeting's own Subject and opening line, (language, text), EVERY_LANGUAGE for one text:
    # they come before the built-in words of the templates (`{name}`: the contact's first name).
    subjects: tuple[tuple[str, str], ...] = ()
    lines: tuple[tuple[str, str], ...] = ()

    def name_in(self, language: str) -> str:
        """The holiday's name in `language` ("ru", "ru-RU"), else the name it is configured under."""
        return dict(self.names).get(language_code(language), self.name)

    def words_in(self, language: str) -> tuple[str, str]:
        """The holiday's own (Subject, line) in `language`, each '' when the config gives none;
        when it gives only one of them, both are that one."""
        code = language_code(language)
        subjects, lines = dict(self.subjects), dict(self.lines)
        subject = subjects.get(code) or subjects.get(EVERY_LANGUAGE, "")
        line = lines.get(code) or lines.get(EVERY_LANGUAGE, "")
        return subject or line, line or subject


@dataclass(frozen=True)
class GreetingsConfig:
    mode: str = setting(choice("remind", "send"), "remind")
    remind_days_before: int = setting(whole(), 3)
    holidays: tuple[Holiday, ...] = setting(_holidays, ())


@dataclass(frozen=True)
class OnboardingConfig:
    sales_kit_url: str = setting(text, "")
    training_reminder_days: int = setting(whole(), 14)


@dataclass(frozen=True)
class GoalsConfig:
    currency: str = setting(currency_code, "")  # ISO 4217 (EUR, USD, RUB): of Goal amount and Amount


@dataclass(frozen=True)
class DigestConfig:
    at: dt.time = setting(clock, dt.time(9, 0))
    fallback: str = setting(address, "")


@dataclass(frozen=True)
class XlsxConfig:
    # seconds of blocked writes (a lock file) before digests and health say so
    lock_warn_after: int = setting(duration, 1800)


@dataclass(frozen=True)
class SmtpConfig:
    host: str = setting(text, "localhost")
    port: int = setting(whole(None, minimum=1), 587)
    security: str = setting(choice("starttls", "ssl", "none"), "starttls")
    username: str = setting(text, "")
    password_env: str = setting(text, "SHEETS_SYNC_SMTP_PASSWORD")

    def password(self) -> str:
        """The password from the environment (or a file named by `<VAR>_FILE`), never the YAML."""
        return secret(self.password_env)


def secret(variable: str) -> str:
    """The value of environment variable `variable`, else of the file `<variable>_FILE` names ('');
    raises ConfigError when that file cannot be read."""
    if os.environ.get(variable):
        return os.environ[variable]
    path = os.environ.get(variable + "_FILE")
    if not path:
        return ""
    try:
        return Path(path).read_text("utf-8").strip()
    except (OSError, UnicodeError) as exc:  # raised when the secret is needed, not at config load
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else "it is not UTF-8 text"
        raise ConfigError(
            f"The environment variable {variable}_FILE names {path}, which cannot be read ({why}). "
            f"Point it at a readable file that holds the password (a Docker secret is mounted under "
            f"/run/secrets/), or set {variable} itself."
        ) from None


def _an_inbox(inbox: InboxConfig, at: At) -> None:
    """An inbox is configured by its host; the rest of its keys mean nothing without one."""
    if inbox.host and not inbox.mailbox_address:
        raise ConfigError(
            f"{at}.address: the team inbox's own email address is needed (Reply-To and the unsubscribe "
            "address name it), e.g. address: partners@yourstartup.example."
        )
    if not inbox.host and (inbox.username or inbox.address):
        raise ConfigError(
            f"{at}.host: the IMAP server of the team inbox is missing, e.g. host: imap.gmail.com."
        )


@dataclass(frozen=True)
class InboxConfig:
    """The team mailbox read over IMAP (SPEC 4a); no `host`: no inbox, and nothing of 4a happens."""

    host: str = setting(text, "")
    port: int = setting(whole(None, minimum=1), 993)
    security: str = setting(choice("ssl", "starttls", "none"), "ssl")
    username: str = setting(text, "")
    password_env: str = setting(text, "SHEETS_SYNC_IMAP_PASSWORD")
    folder: str = setting(text, "INBOX")
    address: str = setting(address, "")

    @property
    def enabled(self) -> bool:
        return bool(self.host)

    @property
    def mailbox_address(self) -> str:
        """The inbox's bare address: `address`, else a username that is an address ('' when neither)."""
        found = self.address or (self.username if "@" in self.username else "")
        return found.rsplit("<", 1)[-1].rstrip(">").strip().lower()

    def password(self) -> str:
        """The password from the environment (or a file named by `<VAR>_FILE`), never the YAML."""
        return secret(self.password_env)


@dataclass(frozen=True)
class MailConfig:
    transport: str = setting(choice("outbox", "smtp"), "outbox")
    sender: str = setting(address, "partners@example.com", key="from")
    smtp: SmtpConfig = section(SmtpConfig)
    outbox_dir: Path = setting(file_path, Path("outbox"))
    max_per_minute: int = setting(whole(None, minimum=1), 30)
    max_per_day: int = setting(whole(None, minimum=1), 500)
    unsubscribe_url: str = setting(text, "")


@dataclass(frozen=True)
class Config:
    base_dir: Path = Path(".")  # not a key: the config file's folder
    source: SourceConfig = section(SourceConfig, check=_a_sheet)
    timezone: str = setting(text, "UTC", check=known_zone)
    poll_every: int = setting(duration, 60)  # seconds
    language: str = setting(lower, "en")
    date_order: str = setting(choice("DMY", "MDY", upper=True), "DMY")  # for ambiguous DD/MM/YYYY text
    ranks: dict[str, RankRule] = setting(_ranks, factory=_default_ranks, names=RankRule)
    default_rank: str = setting(upper, "C", check=_one_of_ranks)
    soon_days: int = setting(whole(), 3)
    touch_types: frozenset[str] = setting(
        activity_types, frozenset({"meeting", "call", "visit", "email", "message", "event"})
    )
    workdays: frozenset[int] = setting(days_of_week, frozenset(range(5)))  # 0 = Monday
    holidays_country: str = setting(upper, "", key="holidays.country")
    holidays_subdivision: str = setting(text, "", key="holidays.subdivision", check=_a_work_calendar)
    sleeping_after_days: int = setting(whole(), 60, key="sleeping.after_days")
    newsletter: NewsletterConfig = section(NewsletterConfig)
    followup: FollowupConfig = section(FollowupConfig)
    greetings: GreetingsConfig = section(GreetingsConfig)
    onboarding: OnboardingConfig = section(OnboardingConfig)
    goals: GoalsConfig = section(GoalsConfig)
    digest: DigestConfig = section(DigestConfig)
    xlsx: XlsxConfig = section(XlsxConfig)
    mail: MailConfig = section(MailConfig)
    inbox: InboxConfig = section(InboxConfig, check=_an_inbox)
    state_dir: Path = setting(file_path, Path("state"))
    templates_dir: Path | None = setting(file_path, None, check=a_folder)
    columns: dict[str, dict[str, str]] = setting(column_names, factory=dict)  # tab -> default -> team's
    tabs: dict[str, str] = setting(tab_names, factory=dict)  # default tab name -> the team's name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rank_rule(self, rank: str) -> RankRule:
        return self.ranks.get(rank) or self.ranks[self.default_rank]

    def tab_name(self, tab: Tab) -> str:
        return self.tabs.get(tab.value, tab.value)

    def column_name(self, tab: Tab, column: str) -> str:
        return self.columns.get(tab.value, {}).get(column, column)


KEYS = key_tree(Config)  # every key the file may hold, nested as in the YAML


# --- loading ------------------------------------------------------------------------------


def find_config_path(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get(CONFIG_ENV) or "config.yaml")


def load_config(path: Path) -> Config:
    """Read and validate a config file; relative paths are relative to the file's folder."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the configuration file {path} ({exc.strerror}). Create one with "
            "`sheets-sync init`, or point to it with -c/--config or SHEETS_SYNC_CONFIG."
        ) from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level.")
    return parse_config(data, path.resolve().parent)


def parse_config(data: dict[str, Any], base_dir: Path) -> Config:
    """Refuse an unknown key anywhere first, then read each key in the order the table declares them."""
    check_keys(data, KEYS, _no_password)
    return dataclasses.replace(read(Config, data, "", base_dir), base_dir=base_dir)


def _no_password(path: str, name: str, data: dict[str, Any]) -> str | None:
    if "password" not in name.lower():
        return None
    if path.startswith("mail."):
        section, where, default = (data.get("mail") or {}).get("smtp"), "mail.smtp", SmtpConfig.password_env
    elif path.startswith("inbox."):
        section, where, default = data.get("inbox"), "inbox", InboxConfig.password_env
    else:
        return None
    variable = section.get("password_env") if isinstance(section, dict) else None
    variable = str(variable or default).strip()
    return (
        f"{path}: a password is never read from the config file. Remove it, and set the environment "
        f"variable {variable} (the one {where}.password_env names) to the password, or "
        f"{variable}_FILE to a file that holds it."
    )
