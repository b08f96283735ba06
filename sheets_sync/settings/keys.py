"""The config file's keys: which exist, and typed access to them by key path.

Any key not in KEYS is a mistake (usually a typo), reported with its full key path before any
value is read, so that `followup: {mdoe: send}` cannot quietly leave follow-ups in draft mode.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import Any

from sheets_sync.errors import ConfigError, TemplateError
from sheets_sync.mail.compose.message import parse_address

DEFAULT_PASSWORD_ENV = "SHEETS_SYNC_SMTP_PASSWORD"

LEAF = None  # a value: its own reader checks it (`tabs`, `columns` and `greetings.holidays` map names)
ANY_NAME = "*"  # the keys here are names the team chooses (ranks), each with the same keys below


def _leaves(names: str) -> dict[str, None]:
    return dict.fromkeys(names.split(), LEAF)


KEYS: dict[str, Any] = {
    "source": _leaves("kind path spreadsheet credentials"),
    **_leaves("timezone poll_every language date_order"),
    "ranks": {ANY_NAME: _leaves("every grace requires")},
    **_leaves("default_rank soon_days touch_types workdays"),
    "holidays": _leaves("country subdivision"),
    "sleeping": _leaves("after_days"),
    "newsletter": _leaves("every_days audience"),
    "followup": _leaves("mode within_hours lookback_days"),
    "greetings": _leaves("mode remind_days_before holidays"),
    "onboarding": _leaves("sales_kit_url training_reminder_days"),
    "digest": _leaves("at fallback"),
    "xlsx": _leaves("lock_warn_after"),
    "mail": {
        **_leaves("transport from"),
        "smtp": _leaves("host port security username password_env"),
        **_leaves("outbox_dir max_per_minute max_per_day unsubscribe_url"),
    },
    **_leaves("state_dir templates_dir columns tabs"),
}


def check_keys(data: dict[str, Any]) -> None:
    """Raise ConfigError for the first key `KEYS` does not have, naming its full path."""
    _check(data, KEYS, "", data)


def _check(node: dict[Any, Any], known: dict[str, Any], where: str, data: dict[str, Any]) -> None:
    for key, value in node.items():
        name = str(key)
        path = where + name
        if ANY_NAME in known:
            below = known[ANY_NAME]
        elif name in known:
            below = known[name]
        else:
            raise ConfigError(_unknown(path, name, known, data))
        if below is not LEAF and isinstance(value, dict):
            _check(value, below, path + ".", data)  # a value of the wrong shape is its reader's to report


def _unknown(path: str, name: str, known: dict[str, Any], data: dict[str, Any]) -> str:
    if path.startswith("mail.") and "password" in name.lower():
        smtp = (data.get("mail") or {}).get("smtp")
        variable = smtp.get("password_env") if isinstance(smtp, dict) else None
        variable = str(variable or DEFAULT_PASSWORD_ENV).strip()
        return (f"{path}: a password is never read from the config file. Remove it, and set the environment "
                f"variable {variable} (the one mail.smtp.password_env names) to the password, or "
                f"{variable}_FILE to a file that holds it.")  # fmt: skip
    parent = path[: -len(name)]
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" Did you mean {parent}{close[0]}?" if close else ""
    where = f" in {parent[:-1]}" if parent else ""
    return f"{path}: unknown key.{hint} Known keys{where}: {', '.join(known)}."


class Reader:
    """Typed access to nested keys by dotted path, with errors that name the path.

    `prefix` is where `data` sits in the whole config ("ranks.A"), for the error messages.
    """

    _missing = object()

    def __init__(self, data: dict[str, Any], prefix: str = ""):
        self.data = data
        self.prefix = prefix + "." if prefix else ""

    def get(self, path: str, default: Any) -> Any:
        node: Any = self.data
        for part in path.split("."):
            if not isinstance(node, dict):
                raise ConfigError(f"{self.prefix}{path}: expected a mapping above this key.")
            node = node.get(part, self._missing)
            if node is self._missing:
                return default
        return default if node is None else node

    def text(self, path: str, default: str) -> str:
        value = self.get(path, default)
        if isinstance(value, (dict, list)):
            raise ConfigError(f"{self.prefix}{path}: expected text, got {type(value).__name__}.")
        return str(value).strip()

    def text_list(self, path: str, default: list[str]) -> list[str]:
        value = self.get(path, default)
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ConfigError(f"{self.prefix}{path}: expected a list, got {value!r}.")
        return [str(v).strip() for v in value]

    def address(self, path: str, default: str) -> str:
        """An email address, optionally with a name ("Partner team <partners@x.example>"); '' stays ''."""
        value = self.text(path, default)
        if value:
            try:
                parse_address(value)
            except TemplateError as exc:
                example = '"Partner team <partners@yourstartup.example>"'
                raise ConfigError(f"{self.prefix}{path}: {exc}, e.g. {example}.") from None
        return value

    def choice(self, path: str, choices: tuple[str, ...], default: str, upper: bool = False) -> str:
        value = self.text(path, default)
        value = value.upper() if upper else value.lower()
        if value not in choices:
            raise ConfigError(f'{self.prefix}{path}: expected one of {", ".join(choices)}, got "{value}".')
        return value

    def days(self, path: str, default: int, *, unit: str = "days", minimum: int = 0) -> int:
        value = self.get(path, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            what = "a whole number" + (f" of {unit}" if unit not in ("port", "messages") else "")
            raise ConfigError(f'{self.prefix}{path}: expected {what} (at least {minimum}), got "{value}".')
        return value

    def duration(self, path: str, default: int) -> int:
        """Seconds, from a number of seconds or text such as 30s, 5m, 1h."""
        value = self.get(path, default)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        m = re.fullmatch(r"\s*(\d+)\s*(s|sec|m|min|h)?\s*", str(value))
        if not m or int(m[1]) == 0:
            raise ConfigError(f'{self.prefix}{path}: expected a duration such as 30s, 5m or 1h, got "{value}".')
        return int(m[1]) * {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[m[2]]

    def clock(self, path: str, default: dt.time) -> dt.time:
        value = self.get(path, default)
        if isinstance(value, dt.time):
            return value
        if isinstance(value, int):  # YAML 1.1 reads 09:00 unquoted as sexagesimal 540
            value = f"{value // 60}:{value % 60:02d}"
        m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(value))
        if not m or int(m[1]) > 23 or int(m[2]) > 59:
            raise ConfigError(f'{self.prefix}{path}: expected a time of day such as "09:00", got "{value}".')
        return dt.time(int(m[1]), int(m[2]))

    def path(self, path: str, base_dir: Path, default: Path | None) -> Path | None:
        value = self.get(path, default)
        if value is None or value == "":
            return None
        p = Path(os.path.expanduser(str(value)))
        return p if p.is_absolute() else base_dir / p
