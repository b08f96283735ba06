"""Formatting a catalogue entry in one language: the values a message names (dates, numbers, counts)
in that language's CLDR forms, through Babel. Pure: no I/O beyond Babel's packaged locale data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache, lru_cache
from string import Formatter
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from sheets_sync.i18n.catalogue import CATALOGUE, FALLBACK, LANGUAGES, Plural
from sheets_sync.model.plan import TouchStatus

__all__ = ["Words", "is_missing_marker", "is_open_follow_up", "is_reminded", "read_term", "terms_of", "words"]


class Words:
    """The catalogue in one language, as of `today` (a date of today's year is written without its
    year). Dates in the team's text: ISO in English (sortable, what an English sheet shows),
    CLDR's "2 декабря" in Russian (SPEC section 8)."""

    def __init__(self, language: str, today: dt.date | None = None) -> None:
        self.language = language if language in LANGUAGES else FALLBACK
        self.locale = Locale.parse(self.language)
        self.today = today

    def text(self, key: str, /, **values: Any) -> str:
        """The entry `key` with `values` filled in; a value with a `count` picks the plural form.
        `{Name}` in an entry is the value `name` with a capital first letter."""
        entry = CATALOGUE[key][self.language]
        if isinstance(entry, Plural):
            entry = entry.form(self.plural_category(values["count"]))
        shown = {name: self._shown(value) for name, value in values.items()}
        for field in _capitalized(entry):
            value = str(shown[field[0].lower() + field[1:]])
            shown[field] = value[:1].upper() + value[1:]
        return entry.format(**shown)

    def status(self, status: TouchStatus) -> str:
        """A Touch status as the team reads it: "overdue" ("просрочен")."""
        return self.text(f"status.{status.value}")

    def days(self, count: int) -> str:
        """ "3 days" ("3 дня", "5 дней")."""
        return self.text("days", count=count)

    def plural_category(self, count: int | float | Decimal) -> str:
        """CLDR's plural category of `count` in this language: one, few, many, other."""
        return _plural_category(-count if count < 0 else count, self.language)

    def number(self, value: int | float | Decimal) -> str:
        """14 550 000 (ru), 14,550,000 (en); at most two decimals, only when there are any."""
        return _number(value, self.language)

    def percent(self, share: float) -> str:
        """0.67 -> "67%" (en), "67 %" (ru), rounded half up to a whole percent."""
        return _percent(int(share * 100 + 0.5), self.language)

    def money(self, value: int | float | Decimal, currency: str) -> str:
        """275 000 ₽ (ru, RUB), €275,000 (en, EUR): whole amounts without their cents."""
        return _money(value, currency, self.language)

    def date(self, value: dt.date) -> str:
        """A date in the team's running text: 2026-12-02 (en), "2 декабря" (with its year in
        another year than `today`'s) (ru)."""
        if self.language == "en":
            return value.isoformat()
        return self.long_date(value)

    def long_date(self, value: dt.date) -> str:
        """ "2 December" ("2 декабря"), with the year when it is not `today`'s year."""
        same_year = self.today is not None and value.year == self.today.year
        skeleton = "MMMMd" if same_year else "yMMMMd"
        return format_date(value, self.locale.datetime_skeletons[skeleton].pattern, locale=self.locale)

    def moment(self, value: dt.datetime) -> str:
        """A local date and time for a record that stays (a Follow-up cell): always with its year,
        2026-12-02 09:05 (en), 02.12.2026 09:05 (ru, CLDR's short date)."""
        return f"{self.record_date(value.date())} {value:%H:%M}"

    def record_date(self, value: dt.date) -> str:
        """A date in a record that stays (an Email status cell): always with its year, 2026-12-02
        (en), 02.12.2026 (ru, CLDR's short date)."""
        return value.isoformat() if self.language == "en" else format_date(value, "short", locale=self.locale)

    def type_name(self, kind: str) -> str:
        """An Activities Type in the team's language ("встреча"); a type of the team's own as typed."""
        key = f"type.{kind}"
        return self.text(key) if key in CATALOGUE else kind

    def weekday(self, value: dt.date) -> str:
        """The weekday as a sentence names it on its own: "Wednesday" ("среда")."""
        return format_date(value, "EEEE", locale=self.locale)

    def weekday_object(self, value: dt.date) -> str:
        """The weekday as the object of "for" ("на среду"), which CLDR has no field for. Its
        relative-day patterns have it: "через {0} среду" ("in {0} Wednesday") holds the
        accusative, so it is read from there rather than from a hand-written table."""
        field = self.locale._data["date_fields"][_WEEKDAY_FIELDS[value.weekday()]]
        return str(field["future"]["one"]).split("{0}", 1)[1].strip()

    def for_weekday(self, value: dt.date) -> str:
        """ "for Wednesday" ("на среду")."""
        return self.text("for_weekday", weekday=self.weekday_object(value))

    def _shown(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:  # most values: the cheapest test first (the planner formats ~8 a partner)
            return value
        if kind is dt.date:
            return self.date(value)
        if kind is int or kind is Decimal:
            return self.number(value)
        return value


def is_missing_marker(text: str) -> bool:
    """Whether a Follow-up cell holds the worker's own "missing next steps" marker (any language)."""
    return read_term("marker", text) == "missing"


def is_reminded(text: str) -> bool:
    """Whether a Follow-up cell says the digest reminded the manager (any language)."""
    typed = _normal(text)
    return any(
        typed.startswith(_normal(t)) for t in CATALOGUE["marker.reminded"].values() if isinstance(t, str)
    )


def is_open_follow_up(text: str) -> bool:
    """A Follow-up cell the worker may still fill: empty, or its own missing-next-steps marker."""
    return not text.strip() or is_missing_marker(text)


def read_term(group: str, text: str) -> str:
    """The canonical (English) word of `group` ("status", "stage", "type") that `text` is in any
    language of the catalogue: "Просрочен" -> "overdue", "ушел" -> "churned"; else `text`
    normalised (lower case, single spaces)."""
    if len(text) <= _REMEMBERED:  # a Type or a status cell: a few words, typed again on every row
        return _read_short(group, text)
    return _read(group, text)


_REMEMBERED = 64  # longer cells are read each time: remembering them would cost memory


def _read(group: str, text: str) -> str:
    return _terms(group).get(_normal(text), " ".join(text.split()).casefold())


_read_short = lru_cache(maxsize=4096)(_read)


def terms_of(group: str) -> frozenset[str]:
    """Every word of `group` in every language, as the team may type it."""
    return frozenset(_terms(group))


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold().replace("ё", "е")


@cache
def _terms(group: str) -> dict[str, str]:
    prefix = f"{group}."
    found: dict[str, str] = {}
    for key, entry in CATALOGUE.items():
        if key.startswith(prefix):
            for text in entry.values():
                if isinstance(text, str):
                    found[_normal(text)] = key[len(prefix) :]
    return found


@lru_cache(maxsize=1024)
def _capitalized(entry: str) -> tuple[str, ...]:
    """The fields of `entry` written with a capital ({Type}): its value, capitalised."""
    return tuple(name for _, name, _, _ in Formatter().parse(entry) if name and name[0].isupper())


@lru_cache(maxsize=4096)
def _plural_category(count: int | float | Decimal, language: str) -> str:
    return str(Locale.parse(language).plural_form(count))


@lru_cache(maxsize=8192)
def _number(value: int | float | Decimal, language: str) -> str:
    # Babel spends ~50 microseconds a number; the planner writes a few ones per partner, most of
    # them small counts of days: remembered, a 10,000-partner plan does not pay it 30,000 times.
    return format_decimal(value, format="#,##0.##", locale=language)


@lru_cache(maxsize=4096)
def _percent(whole_percent: int, language: str) -> str:
    return format_percent(whole_percent / 100, locale=language)


@lru_cache(maxsize=8192)
def _money(value: int | float | Decimal, currency: str, language: str) -> str:
    # remembered as numbers are (see _number): Babel's formatting is the planner's largest cost
    locale = Locale.parse(language)
    whole = value == int(value)
    pattern = (
        locale.currency_formats["standard"].pattern.replace(".00", "").replace(",00", "") if whole else None
    )
    return format_currency(value, currency, format=pattern, locale=locale, currency_digits=not whole)


_WEEKDAY_FIELDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache(maxsize=64)  # a long-running worker asks for a new day every day
def words(language: str, today: dt.date | None = None) -> Words:
    """The catalogue in `language` ("ru", "ru-RU", "EN") as of `today`; an unknown language is English."""
    return Words(language.split("-")[0].strip().lower(), today)
