"""Formatting a catalogue entry in one language: the values a message names (dates, numbers, counts)
in that language's CLDR forms, through Babel. Pure: no I/O beyond Babel's packaged locale data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from sheets_sync.i18n.catalogue import CATALOGUE, FALLBACK, LANGUAGES, Plural
from sheets_sync.model.plan import TouchStatus

__all__ = ["Words", "words"]


class Words:
    """The catalogue in one language. Dates in running text are the language's own
    ("2 декабря", "2 December"); a date of another year carries its year."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else FALLBACK
        self.locale = Locale.parse(self.language)

    def text(self, key: str, /, **values: Any) -> str:
        """The entry `key` with `values` filled in; a value with a `count` picks the plural form."""
        entry = CATALOGUE[key][self.language]
        if isinstance(entry, Plural):
            entry = entry.form(self.plural_category(values["count"]))
        return entry.format(**{name: self._shown(value) for name, value in values.items()})

    def status(self, status: TouchStatus) -> str:
        """A Touch status as the team reads it: "overdue" ("просрочен")."""
        return self.text(f"status.{status.value}")

    def days(self, count: int) -> str:
        """ "3 days" ("3 дня", "5 дней")."""
        return self.text("days", count=count)

    def plural_category(self, count: int | float | Decimal) -> str:
        """CLDR's plural category of `count` in this language: one, few, many, other."""
        return str(self.locale.plural_form(abs(count)))

    def number(self, value: int | float | Decimal) -> str:
        """14 550 000 (ru), 14,550,000 (en)."""
        return format_decimal(value, locale=self.locale)

    def money(self, value: int | float | Decimal, currency: str) -> str:
        """275 000 ₽ (ru, RUB), €275,000 (en, EUR): whole amounts without their cents."""
        whole = value == int(value)
        pattern = None
        if whole:
            pattern = self.locale.currency_formats["standard"].pattern.replace(".00", "").replace(",00", "")
        return format_currency(value, currency, format=pattern, locale=self.locale, currency_digits=not whole)

    def date(self, value: dt.date, today: dt.date | None = None) -> str:
        """A date in running text: "2 December" ("2 декабря"), with the year when it is not
        `today`'s year (or when there is no `today`)."""
        same_year = today is not None and value.year == today.year
        skeleton = "MMMMd" if same_year else "yMMMMd"
        return format_date(value, self.locale.datetime_skeletons[skeleton].pattern, locale=self.locale)

    def weekday(self, value: dt.date) -> str:
        """The weekday as a sentence names it on its own: "Wednesday" ("среда")."""
        return format_date(value, "EEEE", locale=self.locale)

    def for_weekday(self, value: dt.date) -> str:
        """ "for Wednesday" ("на среду"): the object form of the weekday, which CLDR has no field
        for. Its relative-day patterns have it: "через {0} среду" ("in {0} Wednesday") holds the
        accusative, so the weekday is read from there rather than from a hand-written table."""
        field = self.locale._data["date_fields"][_WEEKDAY_FIELDS[value.weekday()]]
        inflected = field["future"]["one"].split("{0}", 1)[1].strip()
        return self.text("for_weekday", weekday=inflected)

    def _shown(self, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return self.date(value)
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return self.number(value)
        return value


_WEEKDAY_FIELDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@cache
def words(language: str) -> Words:
    """The catalogue in `language` ("ru", "ru-RU", "EN"); an unknown language is English."""
    return Words(language.split("-")[0].strip().lower())
