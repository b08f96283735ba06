"""Every key a config file may have. Any other key is a mistake (usually a typo), reported with
its full key path before any value is read, so that `followup: {mdoe: send}` cannot quietly
leave follow-ups in draft mode.
"""

from __future__ import annotations

import difflib
from typing import Any

from sheets_sync.errors import ConfigError

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
    return f"{path}: unknown key.{hint} Known keys{' in ' + parent[:-1] if parent else ''}: {', '.join(known)}."
