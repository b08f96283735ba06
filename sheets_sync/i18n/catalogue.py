"""The message catalogue: every word sheets-sync writes for the team, in each of LANGUAGES.

A typed Python table rather than gettext files: the entries are few, the rules call them by key,
and mypy and one test (tests/test_i18n.py) check that every entry exists in every language with
the same placeholders, and that a plural entry has every form CLDR's plural rules of that language
ask for. Placeholders are `str.format` fields; `Words.text` fills dates, numbers and counts in the
language's CLDR forms.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "FALLBACK", "LANGUAGES", "Plural"]

LANGUAGES = ("en", "ru")
FALLBACK = "en"


@dataclass(frozen=True)
class Plural:
    """An entry whose words depend on a number (`count`): one form per CLDR plural category
    (en: one, other; ru: one, few, many, other)."""

    one: str
    other: str
    few: str = ""
    many: str = ""

    def form(self, category: str) -> str:
        return getattr(self, category, "") or self.other

    def forms(self) -> dict[str, str]:
        return {c: f for c in ("one", "few", "many", "other") if (f := getattr(self, c))}


Entry = dict[str, "str | Plural"]

CATALOGUE: dict[str, Entry] = {
    # --- Touch status (SPEC: the team's language) ---------------------------------------------
    "status.churned": {"en": "churned", "ru": "ушёл"},
    "status.paused": {"en": "paused", "ru": "пауза"},
    "status.snoozed": {"en": "snoozed", "ru": "отложен"},
    "status.onboarding": {"en": "onboarding", "ru": "подключение"},
    "status.sleeping": {"en": "sleeping", "ru": "спит"},
    "status.overdue": {"en": "overdue", "ru": "просрочен"},
    "status.due": {"en": "due", "ru": "пора"},
    "status.soon": {"en": "soon", "ru": "скоро"},
    "status.ok": {"en": "ok", "ru": "в норме"},
    # --- the worker's columns ------------------------------------------------------------------
    "column.note": {
        "en": "Written by sheets-sync, rewritten every cycle: type your notes in a column of your own.",
        "ru": "Заполняет sheets-sync и переписывает каждый цикл: свои заметки пишите в своём столбце.",
    },
    # --- counts and weekdays -------------------------------------------------------------------
    "days": {
        "en": Plural(one="{count} day", other="{count} days"),
        "ru": Plural(one="{count} день", few="{count} дня", many="{count} дней", other="{count} дня"),
    },
    "for_weekday": {"en": "for {weekday}", "ru": "на {weekday}"},
}
