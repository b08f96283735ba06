"""The kinds of values a config key holds: each reads what the YAML gives (never None) into the
config's value, or raises a ConfigError that names the key path (`at`)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.numbers import list_currencies

from sheets_sync.errors import ConfigError, TemplateError
from sheets_sync.mail.compose.message import parse_address
from sheets_sync.model import TAB_SPECS, Tab
from sheets_sync.settings.keys import At, Kind
from sheets_sync.sheet.cells import activity_type

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DUTIES = frozenset({"manager", "training"})


def text(value: Any, at: At) -> str:
    if isinstance(value, (dict, list)):
        raise ConfigError(f"{at}: expected text, got {type(value).__name__}.")
    return str(value).strip()


def lower(value: Any, at: At) -> str:
    return text(value, at).lower()


def upper(value: Any, at: At) -> str:
    return text(value, at).upper()


def currency_code(value: Any, at: At) -> str:
    """An ISO 4217 code that CLDR knows (EUR, USD, RUB), or empty."""
    code = upper(value, at)
    if code and code not in list_currencies():
        raise ConfigError(f'{at}: expected a currency code such as EUR, USD or RUB, got "{code}".')
    return code


def text_list(value: Any, at: At) -> list[str]:
    """A list, or text with commas ("meeting, call")."""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise ConfigError(f"{at}: expected a list, got {value!r}.")
    return [str(v).strip() for v in value]


def address(value: Any, at: At) -> str:
    """An email address, optionally with a name ("Partner team <partners@x.example>"); '' stays ''."""
    found = text(value, at)
    if found:
        try:
            parse_address(found)
        except TemplateError as exc:
            example = '"Partner team <partners@yourstartup.example>"'
            raise ConfigError(f"{at}: {exc}, e.g. {example}.") from None
    return found


def choice(*choices: str, upper: bool = False) -> Kind[str]:
    def read_choice(value: Any, at: At) -> str:
        found = text(value, at)
        found = found.upper() if upper else found.lower()
        if found not in choices:
            raise ConfigError(f'{at}: expected one of {", ".join(choices)}, got "{found}".')
        return found

    return read_choice


def whole(unit: str | None = "days", *, minimum: int = 0) -> Kind[int]:
    """A whole number (of `unit`, for the message), at least `minimum`."""

    def read_whole(value: Any, at: At) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a whole number" + (f" of {unit}" if unit else "")
            raise ConfigError(f'{at}: expected {what} (at least {minimum}), got "{value}".')
        return value

    return read_whole


def duration(value: Any, at: At) -> int:
    """Seconds, from a number of seconds or text such as 30s, 5m, 1h."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    m = re.fullmatch(r"\s*(\d+)\s*(s|sec|m|min|h)?\s*", str(value))
    if not m or int(m[1]) == 0:
        raise ConfigError(f'{at}: expected a duration such as 30s, 5m or 1h, got "{value}".')
    return int(m[1]) * {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[m[2]]


def clock(value: Any, at: At) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int):  # YAML 1.1 reads 09:00 unquoted as sexagesimal 540
        value = f"{value // 60}:{value % 60:02d}"
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
    if not m or int(m[1]) > 23 or int(m[2]) > 59:
        raise ConfigError(f'{at}: expected a time of day such as "09:00", got "{value}".')
    return dt.time(int(m[1]), int(m[2]))


def file_path(value: Any, at: At) -> Path | None:
    """A file's or a folder's path, relative to the config file's folder; '' gives None: the default."""
    if value == "":
        return None
    found = Path(os.path.expanduser(str(value)))
    return found if found.is_absolute() else at.base_dir / found


# --- values with a shape of their own -----------------------------------------------------------


def duties(value: Any, at: At) -> frozenset[str]:
    """A rank's `requires`: manager (a Manager is set) and/or training (Trained is filled)."""
    found = frozenset(d.lower() for d in text_list(value, at))
    if found - DUTIES:
        raise ConfigError(f"{at}: unknown duty {sorted(found - DUTIES)[0]!r} (known: manager, training).")
    return found


def activity_types(value: Any, at: At) -> frozenset[str]:
    return frozenset(activity_type(t) for t in text_list(value, at))


def days_of_week(value: Any, at: At) -> frozenset[int]:
    """Weekday numbers (0 = Monday), from a list [Mon, Tue, ...] or ranges ("Mon-Fri", "Sat-Mon")."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ConfigError(f'{at}: expected a list of days such as [Mon, Tue, Wed, Thu, Fri] or "Mon-Fri".')
    days: set[int] = set()
    for item in items:
        span = [part.strip()[:3] for part in str(item).strip().lower().split("-")]
        if not all(p in WEEKDAYS for p in span) or len(span) > 2:
            raise ConfigError(
                f'{at}: "{item}" is not a day of the week (Mon ... Sun, or a range like Mon-Fri).'
            )
        first, last = WEEKDAYS.index(span[0]), WEEKDAYS.index(span[-1])
        days.update(range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)])
    if not days:
        raise ConfigError(f"{at}: at least one working day is needed.")
    return frozenset(days)


def month_day(value: Any, where: str) -> tuple[int, int]:
    """A holiday's day of the year: "MM-DD", "DD.MM", or a full date whose year is ignored."""
    if isinstance(value, dt.date):
        return value.month, value.day
    found = str(value).strip()
    month = day = 0
    if m := re.fullmatch(r"(?:\d{4}-)?(\d{1,2})-(\d{1,2})", found):
        month, day = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})(?:\.\d{4})?", found):
        month, day = int(m[2]), int(m[1])
    try:
        dt.date(2024, month, day)
    except ValueError:
        raise ConfigError(f'{where}: expected "MM-DD" or "DD.MM", got "{found}".') from None
    return month, day


def tab_names(value: Any, at: At) -> dict[str, str]:
    """`tabs`: default tab name -> the team's; the Dashboard's must be a name spreadsheets accept."""
    tabs = _renames(value, at.path, {t.value for t in TAB_SPECS} | {Tab.DASHBOARD.value})
    _check_tab_name(tabs.get(Tab.DASHBOARD.value, Tab.DASHBOARD.value))
    names = [" ".join(tabs.get(t.value, t.value).split()).casefold() for t in Tab]
    if len(set(names)) < len(names):
        raise ConfigError(
            f"{at}: two tabs have the same name; each of Partners, Contacts, Activities, News "
            "and Dashboard needs its own tab (the Dashboard is rewritten as a whole)."
        )
    return tabs


def column_names(value: Any, at: At) -> dict[str, dict[str, str]]:
    """`columns`: tab -> default header -> the team's."""
    tabs = value or {}
    if not isinstance(tabs, dict):
        raise ConfigError(f"{at}: expected a mapping of tabs to {{default header: your header}}.")
    out = {}
    for tab_name, renames in tabs.items():
        try:
            spec = TAB_SPECS[Tab(tab_name)]
        except (ValueError, KeyError):
            raise ConfigError(
                f"{at}.{tab_name}: unknown tab (known: Partners, Contacts, Activities, News)."
            ) from None
        out[tab_name] = _renames(renames, f"{at}.{tab_name}", {c.value for c in spec.columns})
    return out


def _renames(value: Any, where: str, known: set[str]) -> dict[str, str]:
    renames = value or {}
    if not isinstance(renames, dict):
        raise ConfigError(f"{where}: expected a mapping of default names to your names.")
    for name, new in renames.items():
        if name not in known:
            raise ConfigError(f"{where}.{name}: unknown name (known: {', '.join(sorted(known))}).")
        if not isinstance(new, str) or not new.strip():
            raise ConfigError(f"{where}.{name}: expected the name your sheet uses, got {new!r}.")
    return {str(k): str(v).strip() for k, v in renames.items()}


def _check_tab_name(name: str) -> None:
    """The Dashboard is a tab the worker creates: its name must be one Excel and Google accept."""
    bad = sorted(set(name) & set(":\\/?*[]"))
    if (
        not name.strip()
        or len(name) > 31
        or bad
        or name.startswith("'")
        or name.endswith("'")
        or name.casefold() == "history"
    ):
        why = (
            f"it contains {' '.join(bad)}" if bad else "it is empty, over 31 characters, quoted or 'History'"
        )
        raise ConfigError(
            f'tabs.Dashboard: "{name}" cannot be a tab name ({why}). Choose a name of at most '
            "31 characters without : \\ / ? * [ ]."
        )


# --- checks: run on the default too --------------------------------------------------------------


def known_zone(name: str, at: At) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f'{at}: unknown time zone "{name}" (e.g. Europe/Berlin).') from None


def a_folder(folder: Path | None, at: At) -> None:
    if folder is not None and not folder.is_dir():
        raise ConfigError(f"{at}: {folder} is not a folder.")
