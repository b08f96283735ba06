"""YAML configuration into frozen, validated dataclasses; every error names its key path."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from sheets_sync.config_keys import DEFAULT_PASSWORD_ENV, Reader, check_keys
from sheets_sync.errors import ConfigError
from sheets_sync.model import TAB_SPECS, Tab
from sheets_sync.rules.calendar import WorkCalendar
from sheets_sync.sheet.cells import activity_type

CONFIG_ENV = "SHEETS_SYNC_CONFIG"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DUTIES = frozenset({"manager", "training"})


@dataclass(frozen=True)
class RankRule:
    every: int  # days between touches
    grace: int  # days after Next touch before a partner counts as overdue
    requires: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SourceConfig:
    kind: str = "xlsx"
    path: Path | None = None
    spreadsheet: str = ""
    credentials: Path | None = None


@dataclass(frozen=True)
class NewsletterConfig:
    every_days: int = 30
    audience: str = "sleeping"  # sleeping | all


@dataclass(frozen=True)
class FollowupConfig:
    mode: str = "draft"  # draft | send | remind
    within_hours: int = 24
    lookback_days: int = 14


@dataclass(frozen=True)
class Holiday:
    name: str
    month: int
    day: int
    names: tuple[tuple[str, str], ...] = ()  # (language, its name there), e.g. (("ru", "Новый год"),)

    def name_in(self, language: str) -> str:
        """The holiday's name in `language` ("ru", "ru-RU"), else the name it is configured under."""
        return dict(self.names).get(language.split("-")[0].strip().lower(), self.name)


@dataclass(frozen=True)
class GreetingsConfig:
    mode: str = "remind"  # remind | send
    remind_days_before: int = 3
    holidays: tuple[Holiday, ...] = ()


@dataclass(frozen=True)
class OnboardingConfig:
    sales_kit_url: str = ""
    training_reminder_days: int = 14


@dataclass(frozen=True)
class DigestConfig:
    at: dt.time = dt.time(9, 0)
    fallback: str = ""


@dataclass(frozen=True)
class SmtpConfig:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str = ""
    password_env: str = DEFAULT_PASSWORD_ENV

    def password(self) -> str:
        """The password from the environment (or a file named by `<VAR>_FILE`), never the YAML."""
        if os.environ.get(self.password_env):
            return os.environ[self.password_env]
        path = os.environ.get(self.password_env + "_FILE")
        return Path(path).read_text().strip() if path else ""


@dataclass(frozen=True)
class MailConfig:
    transport: str = "outbox"  # outbox | smtp
    sender: str = "partners@example.com"  # the `from` key
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    outbox_dir: Path = Path("outbox")
    max_per_minute: int = 30
    max_per_day: int = 500
    unsubscribe_url: str = ""


@dataclass(frozen=True)
class XlsxConfig:
    lock_warn_after: int = 1800  # seconds of blocked writes (a lock file) before digests and health say so


def _default_ranks() -> dict[str, RankRule]:
    return {
        "A": RankRule(7, 3, frozenset({"manager", "training"})),
        "B": RankRule(14, 7),
        "C": RankRule(30, 14),
    }


@dataclass(frozen=True)
class Config:
    base_dir: Path = Path(".")
    source: SourceConfig = field(default_factory=SourceConfig)
    timezone: str = "UTC"
    poll_every: int = 60  # seconds
    language: str = "en"
    date_order: str = "DMY"  # DMY | MDY, for ambiguous DD/MM/YYYY text
    ranks: dict[str, RankRule] = field(default_factory=_default_ranks)
    default_rank: str = "C"
    soon_days: int = 3
    touch_types: frozenset[str] = frozenset({"meeting", "call", "visit", "email", "message", "event"})
    workdays: frozenset[int] = frozenset(range(5))  # 0 = Monday
    holidays_country: str = ""
    holidays_subdivision: str = ""
    sleeping_after_days: int = 60
    newsletter: NewsletterConfig = field(default_factory=NewsletterConfig)
    followup: FollowupConfig = field(default_factory=FollowupConfig)
    greetings: GreetingsConfig = field(default_factory=GreetingsConfig)
    onboarding: OnboardingConfig = field(default_factory=OnboardingConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    xlsx: XlsxConfig = field(default_factory=XlsxConfig)
    state_dir: Path = Path("state")
    templates_dir: Path | None = None
    tabs: dict[str, str] = field(default_factory=dict)  # default tab name -> the team's name
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # tab -> default -> team's

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rank_rule(self, rank: str) -> RankRule:
        return self.ranks.get(rank) or self.ranks[self.default_rank]

    def tab_name(self, tab: Tab) -> str:
        return self.tabs.get(tab.value, tab.value)

    def column_name(self, tab: Tab, column: str) -> str:
        return self.columns.get(tab.value, {}).get(column, column)


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
    check_keys(data)
    r = Reader(data)
    defaults = Config()

    kind = r.choice("source.kind", ("xlsx", "google"), "xlsx")
    source = SourceConfig(
        kind=kind,
        path=r.path("source.path", base_dir, None),
        spreadsheet=r.text("source.spreadsheet", ""),
        credentials=r.path("source.credentials", base_dir, None),
    )
    if kind == "xlsx" and source.path is None:
        raise ConfigError("source.path: required for source.kind xlsx (the workbook's file path).")
    if kind == "google" and not source.spreadsheet:
        raise ConfigError("source.spreadsheet: required for source.kind google (a key or a URL).")

    timezone = r.text("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f'timezone: unknown time zone "{timezone}" (e.g. Europe/Berlin).') from None

    ranks = _ranks(r, defaults.ranks)
    default_rank = r.text("default_rank", "C").upper()
    if default_rank not in ranks:
        raise ConfigError(f'default_rank: "{default_rank}" is not one of ranks ({", ".join(ranks)}).')

    # What a cycle would refuse later is refused here, so that `check` and every other command agree.
    workdays = _workdays(r)
    holidays_country = r.text("holidays.country", "").upper()
    holidays_subdivision = r.text("holidays.subdivision", "")
    WorkCalendar(workdays, holidays_country, holidays_subdivision)  # an unknown country or subdivision
    templates_dir = r.path("templates_dir", base_dir, None)
    if templates_dir is not None and not templates_dir.is_dir():
        raise ConfigError(f"templates_dir: {templates_dir} is not a folder.")

    tabs = _renames(r, "tabs", {t.value for t in TAB_SPECS} | {Tab.DASHBOARD.value})
    _check_tab_name(tabs.get(Tab.DASHBOARD.value, Tab.DASHBOARD.value))
    names = [" ".join(tabs.get(t.value, t.value).split()).casefold() for t in Tab]
    if len(set(names)) < len(names):
        raise ConfigError("tabs: two tabs have the same name; each of Partners, Contacts, Activities, News "
                          "and Dashboard needs its own tab (the Dashboard is rewritten as a whole).")
    return Config(
        base_dir=base_dir,
        source=source,
        timezone=timezone,
        poll_every=r.duration("poll_every", defaults.poll_every),
        language=r.text("language", "en").lower(),
        date_order=r.choice("date_order", ("DMY", "MDY"), "DMY", upper=True),
        ranks=ranks,
        default_rank=default_rank,
        soon_days=r.days("soon_days", defaults.soon_days),
        touch_types=frozenset(activity_type(t) for t in r.text_list("touch_types", sorted(defaults.touch_types))),
        workdays=workdays,
        holidays_country=holidays_country,
        holidays_subdivision=holidays_subdivision,
        sleeping_after_days=r.days("sleeping.after_days", defaults.sleeping_after_days),
        newsletter=NewsletterConfig(
            every_days=r.days("newsletter.every_days", 30, minimum=1),
            audience=r.choice("newsletter.audience", ("sleeping", "all"), "sleeping"),
        ),
        followup=FollowupConfig(
            mode=r.choice("followup.mode", ("draft", "send", "remind"), "draft"),
            within_hours=r.days("followup.within_hours", 24, unit="hours"),
            lookback_days=r.days("followup.lookback_days", 14),
        ),
        greetings=GreetingsConfig(
            mode=r.choice("greetings.mode", ("remind", "send"), "remind"),
            remind_days_before=r.days("greetings.remind_days_before", 3),
            holidays=_holidays(r),
        ),
        onboarding=OnboardingConfig(
            sales_kit_url=r.text("onboarding.sales_kit_url", ""),
            training_reminder_days=r.days("onboarding.training_reminder_days", 14),
        ),
        digest=DigestConfig(
            at=r.clock("digest.at", dt.time(9, 0)),
            fallback=r.address("digest.fallback", ""),
        ),
        mail=MailConfig(
            transport=r.choice("mail.transport", ("outbox", "smtp"), "outbox"),
            sender=r.address("mail.from", "partners@example.com"),
            smtp=SmtpConfig(
                host=r.text("mail.smtp.host", "localhost"),
                port=r.days("mail.smtp.port", 587, unit="port", minimum=1),
                security=r.choice("mail.smtp.security", ("starttls", "ssl", "none"), "starttls"),
                username=r.text("mail.smtp.username", ""),
                password_env=r.text("mail.smtp.password_env", DEFAULT_PASSWORD_ENV),
            ),
            outbox_dir=r.path("mail.outbox_dir", base_dir, Path("outbox")),
            max_per_minute=r.days("mail.max_per_minute", 30, unit="messages", minimum=1),
            max_per_day=r.days("mail.max_per_day", 500, unit="messages", minimum=1),
            unsubscribe_url=r.text("mail.unsubscribe_url", ""),
        ),
        xlsx=XlsxConfig(lock_warn_after=r.duration("xlsx.lock_warn_after", XlsxConfig.lock_warn_after)),
        state_dir=r.path("state_dir", base_dir, Path("state")),
        templates_dir=templates_dir,
        tabs=tabs,
        columns=_column_renames(r),
    )


def _check_tab_name(name: str) -> None:
    """The Dashboard is a tab the worker creates: its name must be one Excel and Google accept."""
    bad = sorted(set(name) & set(":\\/?*[]"))
    if not name.strip() or len(name) > 31 or bad or name.startswith("'") or name.endswith("'") \
            or name.casefold() == "history":  # fmt: skip
        why = f"it contains {' '.join(bad)}" if bad else "it is empty, over 31 characters, quoted or 'History'"
        raise ConfigError(f'tabs.Dashboard: "{name}" cannot be a tab name ({why}). Choose a name of at most '
                          "31 characters without : \\ / ? * [ ].")


def _ranks(r: Reader, defaults: dict[str, RankRule]) -> dict[str, RankRule]:
    """The default ranks, changed per rank and per key by `ranks:`; `B: null` drops B.

    Null removes a rank as it removes a key in a JSON merge patch (RFC 7386). A new rank must give
    `every` and `grace`: it has no rhythm of its own to fall back on, and borrowing default_rank's
    would silently tie its cadence to whichever rank is the default. Its `requires` defaults to none.
    """
    raw = r.get("ranks", None)
    if raw is None:
        return dict(defaults)
    if not isinstance(raw, dict):
        raise ConfigError("ranks: expected a mapping of rank names to {every, grace, requires}.")
    ranks = dict(defaults)
    seen: dict[str, str] = {}
    for key, value in raw.items():
        name, where = str(key).strip().upper(), f"ranks.{key}"
        if not name:
            raise ConfigError("ranks: a rank needs a name (e.g. A, B, Gold).")
        if name in seen:
            raise ConfigError(f"{where}: the same rank as ranks.{seen[name]} (rank names ignore case).")
        seen[name] = str(key)
        if value is None:
            ranks.pop(name, None)
            continue
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected {{every, grace, requires}}, e.g. {{every: 14, grace: 7}}.")
        base = defaults.get(name)
        if base is None:
            for part in ("every", "grace"):
                if value.get(part) is None:
                    raise ConfigError(f"{where}.{part}: required for a new rank ({', '.join(defaults)} have "
                                      f"defaults; {name} has none), e.g. {{every: 60, grace: 14}}.")  # fmt: skip
            base = RankRule(every=1, grace=0)
        rank = Reader(value, where)
        requires = frozenset(d.lower() for d in rank.text_list("requires", sorted(base.requires)))
        if requires - DUTIES:
            raise ConfigError(f"{where}.requires: unknown duty {sorted(requires - DUTIES)[0]!r} (known: manager, training).")
        ranks[name] = RankRule(
            every=rank.days("every", base.every, minimum=1),
            grace=rank.days("grace", base.grace),
            requires=requires,
        )
    if not ranks:
        raise ConfigError("ranks: at least one rank is needed.")
    return ranks


def _workdays(r: Reader) -> frozenset[int]:
    raw = r.get("workdays", None)
    if raw is None:
        return frozenset(range(5))
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list):
        raise ConfigError('workdays: expected a list of days such as [Mon, Tue, Wed, Thu, Fri] or "Mon-Fri".')
    days: set[int] = set()
    for item in items:
        text = str(item).strip().lower()
        span = [part.strip()[:3] for part in text.split("-")]
        if not all(p in WEEKDAYS for p in span) or len(span) > 2:
            raise ConfigError(f'workdays: "{item}" is not a day of the week (Mon ... Sun, or a range like Mon-Fri).')
        first, last = WEEKDAYS.index(span[0]), WEEKDAYS.index(span[-1])
        days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    if not days:
        raise ConfigError("workdays: at least one working day is needed.")
    return frozenset(days)


def _holidays(r: Reader) -> tuple[Holiday, ...]:
    """`greetings.holidays`: a mapping of names to dates ("MM-DD", "DD.MM", a full date), or to
    {date, and the name in other languages, e.g. ru: Новый год}; or a list of {name, date, ...}."""
    raw = r.get("greetings.holidays", None)
    if raw is None:
        return ()
    if isinstance(raw, list) and all(isinstance(item, dict) and "name" in item for item in raw):
        raw = {str(item["name"]): {k: v for k, v in item.items() if k != "name"} for item in raw}
    if not isinstance(raw, dict):
        raise ConfigError('greetings.holidays: expected a mapping of names to dates, e.g. {"New Year": "01-01"}.')
    out = []
    for name, value in raw.items():
        where = f"greetings.holidays.{name}"
        names: dict[str, str] = {}
        if isinstance(value, dict):
            names = {str(k).lower(): str(v).strip() for k, v in value.items() if k != "date"}
            value = value.get("date")
        month, day = _month_day(value, where)
        out.append(Holiday(str(name), month, day, tuple(sorted(names.items()))))
    return tuple(out)


def _month_day(value: Any, where: str) -> tuple[int, int]:
    """A holiday's day of the year: "MM-DD", "DD.MM", or a full date whose year is ignored."""
    if isinstance(value, dt.date):
        return value.month, value.day
    text = str(value).strip()
    month = day = 0
    if m := re.fullmatch(r"(?:\d{4}-)?(\d{1,2})-(\d{1,2})", text):
        month, day = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})(?:\.\d{4})?", text):
        month, day = int(m[2]), int(m[1])
    try:
        dt.date(2024, month, day)
    except ValueError:
        raise ConfigError(f'{where}: expected "MM-DD" or "DD.MM", got "{text}".') from None
    return month, day


def _renames(r: Reader, key: str, known: set[str]) -> dict[str, str]:
    raw = r.get(key, None) or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{key}: expected a mapping of default names to your names.")
    for name, value in raw.items():
        if name not in known:
            raise ConfigError(f"{key}.{name}: unknown name (known: {', '.join(sorted(known))}).")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{key}.{name}: expected the name your sheet uses, got {value!r}.")
    return {str(k): str(v).strip() for k, v in raw.items()}


def _column_renames(r: Reader) -> dict[str, dict[str, str]]:
    raw = r.get("columns", None) or {}
    if not isinstance(raw, dict):
        raise ConfigError("columns: expected a mapping of tabs to {default header: your header}.")
    out = {}
    for tab_name in raw:
        try:
            spec = TAB_SPECS[Tab(tab_name)]
        except (ValueError, KeyError):
            raise ConfigError(f"columns.{tab_name}: unknown tab (known: Partners, Contacts, Activities, News).") from None
        out[tab_name] = _renames(r, f"columns.{tab_name}", {c.value for c in spec.columns})
    return out
