"""Reading one cell value into a Python value: text, dates, birthdays, yes/no, directions,
numbers, goal periods.

Values arrive as python-calamine reads an .xlsx (None, str, int, float, bool, date, datetime, time,
timedelta) or as the Google Sheets API returns them with UNFORMATTED_VALUE and SERIAL_NUMBER dates
(dates are numbers such as 46352 or 46352.5, text is str). Every parser returns None for a blank
cell and raises `BadCell` with a short sentence for anything it cannot read; the caller turns that
sentence into the row's Sync note. No other exception escapes, whatever the cell holds.

Serial numbers count days since 1899-12-30 (serial 1 is 1899-12-31, 43831 is 2020-01-01); the
fraction is the time of day. Times are wall-clock: no time zone is ever applied here.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

from sheets_sync.model import Birthday, Direction

__all__ = [
    "BadCell",
    "as_text",
    "from_serial",
    "is_blank",
    "one_line",
    "parse_birthday",
    "parse_bool",
    "parse_date",
    "parse_direction",
    "parse_number",
    "parse_period",
    "shown",
    "to_serial",
]


class BadCell(ValueError):
    """A cell that cannot be read as what its column holds; the message is shown to the team."""


# --- Serial numbers -----------------------------------------------------------------------

# 1899-12-30 as a proleptic ordinal: serial = ordinal - _EPOCH_ORDINAL. Using this epoch makes
# every serial from 61 on agree with Excel and Google; below that Excel's fictitious 1900-02-29
# shifts Excel by a day, which matters to no partnership.
_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
_MIN_SERIAL = 1
_MAX_SERIAL = dt.date.max.toordinal() - _EPOCH_ORDINAL  # 2958465, 9999-12-31
_SERIAL_DIGITS = len(str(_MAX_SERIAL))
_SECONDS_PER_DAY = 86_400


def to_serial(value: dt.date | dt.datetime) -> int | float:
    """The spreadsheet serial number of a date (an int) or a datetime (a float, wall-clock time)."""
    days = value.toordinal() - _EPOCH_ORDINAL
    if not isinstance(value, dt.datetime):
        return days
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    serial = days + seconds / _SECONDS_PER_DAY
    # Near the top of the range a float cannot hold 23:59:59.999999; never round into the next day.
    if serial >= days + 1:
        serial = math.nextafter(days + 1, 0)
    return serial


def from_serial(number: int | float) -> dt.date:
    """The date of a serial number; the fraction (time of day) is dropped."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise BadCell(f"not a date: {shown(number)}")
    # Written so that NaN fails too.
    if not _MIN_SERIAL <= number < _MAX_SERIAL + 1:
        if 0 <= number < _MIN_SERIAL:
            raise BadCell(f"a time, not a date: {shown(number)}")
        raise BadCell(f"not a date: {shown(number)}")
    return dt.date.fromordinal(_EPOCH_ORDINAL + int(number))


# --- Text ---------------------------------------------------------------------------------


def is_blank(value: object) -> bool:
    """True for an empty cell: None, '' or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: object) -> str:
    """The cell as trimmed text, written the way a person would type it back.

    Whole floats lose their `.0` (the xlsx and Google APIs return 12 as 12.0), dates are ISO
    (`2026-11-20`, `2026-11-20 14:30` when the time is not midnight), booleans are yes/no.
    """
    if value is None:
        return ""
    kind = type(value)
    if kind is str:
        return value.strip()
    if kind is bool:
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return f"{value.date().isoformat()} {value:%H:%M}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return f"{value:%H:%M:%S}" if value.second else f"{value:%H:%M}"
    return str(value).strip()


_SHOWN_MAX = 40
# Characters that would break a line or rearrange what a terminal shows: C0 and C1 controls, DEL,
# Unicode's line and paragraph separators, and the bidirectional marks, embeddings and isolates.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def one_line(text: str) -> str:
    """`text` with line breaks, tabs and other control characters written as escapes (\\n, \\r,
    \\t, \\x1b, \\u2028): one line in a report or a cell, and a CR or LF in a cell still visible."""
    return _UNPRINTABLE.sub(_escape, text) if _UNPRINTABLE.search(text) else text


def shown(value: object, limit: int = _SHOWN_MAX, *, quoted: bool = True, breaks: bool = False) -> str:
    """A cell's value as a problem quotes it: one line, at most `limit` characters (cut with an
    ellipsis), in double quotes unless `quoted` is false. Runs of whitespace, line breaks included,
    become one space; with `breaks`, line breaks and tabs are shown as \\n, \\r, \\t instead (a
    reference that matches nothing because of a stray line break says so). Other control
    characters are escaped either way (see `one_line`)."""
    # A checkbox or boolean cell as the sheet shows it.
    raw = ("TRUE" if value else "FALSE") if isinstance(value, bool) else as_text(value)
    head = raw[: 4 * limit]  # only the head is looked at: a huge cell costs no more than a short one
    text = head if breaks else " ".join(head.split())
    if len(text) > limit or len(raw) > len(head):
        text = text[: limit - 1] + "…"
    text = one_line(text)
    return f'"{text}"' if quoted else text


def _reject_non_text(value: object, wanted: str) -> BadCell:
    """The error for a cell whose type already shows it is not `wanted`."""
    if isinstance(value, bool):
        return BadCell(f"a yes/no value, not {wanted}: {shown(value)}")
    if isinstance(value, (dt.date, dt.datetime)):
        return BadCell(f"a date, not {wanted}: {shown(value)}")
    if isinstance(value, dt.time):
        return BadCell(f"a time, not {wanted}: {shown(value)}")
    if isinstance(value, dt.timedelta):
        return BadCell(f"a duration, not {wanted}: {shown(value)}")
    if isinstance(value, (int, float)):
        return BadCell(f"a number, not {wanted}: {shown(value)}")
    return BadCell(f"not {wanted}: {shown(value)}")


# --- Dates --------------------------------------------------------------------------------

# re.ASCII: only 0-9 are digits, so lookalike digits from other scripts are rejected, not read.
_TIME = r"(?:(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?)"
_ISO_RE = re.compile(rf"(\d{{4}})-(\d{{1,2}})-(\d{{1,2}})(?:(?:T|\s+){_TIME})?", re.ASCII)
_DOTTED_RE = re.compile(rf"(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}|\d{{2}})(?:\s+{_TIME})?", re.ASCII)
_SLASHED_RE = re.compile(rf"(\d{{1,2}})/(\d{{1,2}})/(\d{{4}})(?:\s+{_TIME})?", re.ASCII)
# Birthdays may leave the year out.
_DOTTED_NO_YEAR_RE = re.compile(r"(\d{1,2})\.(\d{1,2})", re.ASCII)
_SLASHED_NO_YEAR_RE = re.compile(r"(\d{1,2})/(\d{1,2})", re.ASCII)
_ISO_NO_YEAR_RE = re.compile(r"--(\d{2})-(\d{2})", re.ASCII)

# A year any 29 February exists in, to check a day and month that come without a year.
_LEAP_YEAR = 2000


def parse_date(value: object, date_order: str = "DMY") -> dt.date | None:
    """The date in a cell, or None when it is blank.

    Accepts date cells, serial numbers (also as digit-only text), `YYYY-MM-DD`, `DD.MM.YYYY`,
    `DD.MM.YY` (20YY) and `DD/MM/YYYY` (`MM/DD/YYYY` when `date_order` is "MDY"), each optionally
    followed by `HH:MM[:SS]` after a space (or `T` for ISO). The time is checked, then dropped.
    """
    # Fast paths first: this runs for every date cell of every row, every cycle.
    kind = type(value)
    if kind is dt.date:
        return value  # type: ignore[return-value]
    if kind is str:
        if len(value) == 10:  # type: ignore[arg-type]
            date = _parse_ten_chars(value)  # type: ignore[arg-type]
            if date is not None:
                return date
        return _parse_date_text(value, date_order)  # type: ignore[arg-type]
    if kind is float or kind is int:
        return from_serial(value)  # type: ignore[arg-type]
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_serial(value)
    if isinstance(value, str):
        return _parse_date_text(value, date_order)
    raise _reject_non_text(value, "a date")


def _parse_ten_chars(text: str) -> dt.date | None:
    """`YYYY-MM-DD` or `DD.MM.YYYY` without a regex, or None to leave it to the full parser."""
    try:
        if text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)
        # isascii: isdigit() also says yes to digits of other scripts and to "²".
        if text[2] == "." and text[5] == "." and text.isascii():
            day, month, year = text[:2], text[3:5], text[6:]
            if day.isdigit() and month.isdigit() and year.isdigit():
                return dt.date(int(year), int(month), int(day))
    except ValueError:
        pass  # the full parser explains what is wrong with it
    return None


def _parse_date_text(value: str, date_order: str) -> dt.date | None:
    text = value.strip()
    if not text:
        return None
    if text[0] == "=":
        raise BadCell(f"a formula, not a date: {shown(text)}")
    if text.isascii() and text.isdigit():
        if len(text) > _SERIAL_DIGITS:
            raise BadCell(f"not a date: {shown(text)}")
        return from_serial(int(text))
    if match := _ISO_RE.fullmatch(text):
        year, month, day = match.group(1, 2, 3)
    elif match := _DOTTED_RE.fullmatch(text):
        day, month, year = match.group(1, 2, 3)
        if len(year) == 2:
            year = "20" + year
    elif match := _SLASHED_RE.fullmatch(text):
        day, month, year = match.group(1, 2, 3)
        if date_order == "MDY":
            day, month = month, day
    else:
        raise BadCell(f"not a date: {shown(text)}")
    _check_time(match.group(4, 5, 6), text)
    return _make_date(int(year), int(month), int(day), text)


def _check_time(parts: tuple[str | None, ...], text: str) -> None:
    hour, minute, second = (int(part) if part else 0 for part in parts)
    if hour > 23 or minute > 59 or second > 59:
        raise BadCell(f"not a date: {shown(text)}")


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadCell(f"not a date: {shown(text)}") from None


def parse_birthday(value: object, date_order: str = "DMY") -> Birthday | None:
    """A birthday, with its year when the cell has one, or None when the cell is blank.

    Accepts everything `parse_date` does, plus `DD.MM`, `--MM-DD` and `DD/MM` (`MM/DD` when
    `date_order` is "MDY"). 29 February is a valid birthday without a year.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 367:
        # A serial in 1900 is no one's birthday: it is "29.02" that the sheet turned into the
        # number 29.02. Guessing back the day and month is unsafe (15.10 arrives as 15.1).
        raise BadCell(f"a number, not a birthday: {shown(value)}")
    if isinstance(value, str):
        text = value.strip()
        if match := _DOTTED_NO_YEAR_RE.fullmatch(text):
            day, month = match.group(1, 2)
            return _make_birthday(int(month), int(day), text)
        if match := _ISO_NO_YEAR_RE.fullmatch(text):
            month, day = match.group(1, 2)
            return _make_birthday(int(month), int(day), text)
        if match := _SLASHED_NO_YEAR_RE.fullmatch(text):
            day, month = match.group(1, 2)
            if date_order == "MDY":
                day, month = month, day
            return _make_birthday(int(month), int(day), text)
    date = parse_date(value, date_order)
    return None if date is None else Birthday(date.month, date.day, date.year)


def _make_birthday(month: int, day: int, text: str) -> Birthday:
    _make_date(_LEAP_YEAR, month, day, text)  # validates the day of the month
    return Birthday(month, day)


# --- Activity types -----------------------------------------------------------------------

# A Russian-speaking team types its activities in Russian: these words mean the types the rules
# know (touch_types, two-way types, follow-ups, deals). Any other type is kept as typed.
TYPE_WORDS = {
    "встреча": "meeting", "звонок": "call", "визит": "visit", "письмо": "email",
    "сообщение": "message", "мероприятие": "event", "сделка": "deal",
}  # fmt: skip


def activity_type(text: str) -> str:
    """An Activities `Type` as the rules name it: lower case, the Russian words above in English."""
    word = " ".join(text.split()).casefold()
    return TYPE_WORDS.get(word, word)


# --- Yes/no -------------------------------------------------------------------------------

_YES = frozenset({"yes", "y", "true", "1", "x", "✓", "✔", "да", "д"})
_NO = frozenset({"no", "n", "false", "0", "нет", "н"})


def parse_bool(value: object, default: bool | None = None) -> bool | None:
    """A yes/no cell: yes/no, y/n, true/false, 1/0, x, ✓, a checkbox, да/нет; blank is `default`."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == 1:
            return True
        if value == 0:
            return False
        raise BadCell(f"not a yes/no value: {shown(value)}")
    if isinstance(value, str):
        word = value.strip().casefold()
        if not word:
            return default
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise BadCell(f"not a yes/no value: {shown(value)}")
    raise _reject_non_text(value, "a yes/no value")


# --- Direction ----------------------------------------------------------------------------

# Like yes/no, the Russian words a team types too (входящий/исходящий and their abbreviations).
_DIRECTIONS = {
    "in": Direction.IN, "inbound": Direction.IN, "incoming": Direction.IN,
    "вх": Direction.IN, "входящий": Direction.IN, "входящее": Direction.IN,
    "out": Direction.OUT, "outbound": Direction.OUT, "outgoing": Direction.OUT,
    "исх": Direction.OUT, "исходящий": Direction.OUT, "исходящее": Direction.OUT,
}  # fmt: skip  (the words a team types for in and out; anything else is a problem of its cell)


def parse_direction(value: object) -> Direction | None:
    """An Activities `Direction`: in or out (any case; inbound/outbound, incoming/outgoing, вх/исх,
    входящий/исходящий); blank is None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _reject_non_text(value, "a direction (in or out)")
    word = value.strip().casefold()
    if not word:
        return None
    found = _DIRECTIONS.get(word.removesuffix("."))
    if found is None:
        raise BadCell(f"unknown direction {shown(value)} (in or out)")
    return found


# --- Numbers ------------------------------------------------------------------------------

# Currency symbols and the spaces people and locales put between thousands.
_SPACES = " \u00a0\u202f\u2009"
_DROP = str.maketrans("", "", "$€£₽")
_NUMBER_RE = re.compile(r"([+\-\u2212]?)(\d(?:[\d,. ]*\d)?)", re.ASCII)
# Thousands groups with one kind of separator: 1,200,000 or 1.200.000 or 1 200 000.
_GROUPED_RE = re.compile(r"[1-9]\d{0,2}([,. ])\d{3}(?:\1\d{3})*", re.ASCII)
_NON_DIGIT_RE = re.compile(r"\D", re.ASCII)


def parse_number(value: object) -> float | None:
    """A number from a number cell or from text such as `1 200`, `1,200.50`, `1200,50`, `$1,500`.

    With both `,` and `.` the last one is the decimal separator; a lone `,` followed by exactly
    three digits separates thousands (`1,200`), otherwise it is the decimal point (`1,5`).
    """
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise BadCell(f"not a number: {shown(value)}")
        return number
    if not isinstance(value, str):
        raise _reject_non_text(value, "a number")
    text = value.strip()
    if not text:
        return None
    if text[0] == "=":
        raise BadCell(f"a formula, not a number: {shown(text)}")
    number = _read_number_text(text)
    if number is None:
        raise BadCell(f"not a number: {shown(text)}")
    return number


def _read_number_text(text: str) -> float | None:
    compact = text.translate(_DROP).strip()
    for space in _SPACES[1:]:
        compact = compact.replace(space, " ")
    match = _NUMBER_RE.fullmatch(compact)
    if not match:
        return None
    sign, body = match.groups()
    whole, fraction = _split_decimal(body)
    if fraction is not None and not fraction.isdigit():
        return None
    if not whole.isdigit():
        if not _GROUPED_RE.fullmatch(whole):
            return None  # separators in the wrong places: "1,2,3", "12 34"
        whole = _NON_DIGIT_RE.sub("", whole)
    number = float(f"{whole}.{fraction or 0}")
    if not math.isfinite(number):
        return None
    return -number if sign in ("-", "\u2212") else number


def _split_decimal(body: str) -> tuple[str, str | None]:
    """The whole part (thousands separators still in) and the fraction digits, if any."""
    comma, dot = body.rfind(","), body.rfind(".")
    if comma >= 0 and dot >= 0:
        point = max(comma, dot)
    elif comma >= 0:
        point = -1 if body.count(",") > 1 or _is_thousands_comma(body, comma) else comma
    elif dot >= 0:
        point = dot if body.count(".") == 1 else -1
    else:
        point = -1
    if point < 0:
        return body, None
    return body[:point], body[point + 1 :]


def _is_thousands_comma(body: str, comma: int) -> bool:
    """`1,200` is twelve hundred; `0,125` and `1234,567` are decimals."""
    before, after = body[:comma], body[comma + 1 :]
    return len(after) == 3 and after.isdigit() and _GROUPED_RE.fullmatch(f"{before},{after}") is not None


# --- Goal periods -------------------------------------------------------------------------

_YEAR_RE = re.compile(r"(\d{4})(?:\.0+)?", re.ASCII)
_QUARTER_RES = (
    re.compile(r"(\d{4})\s*[-/ ]?\s*q([1-4])", re.ASCII),  # 2026-Q4, 2026 Q4
    re.compile(r"q([1-4])\s*[-/ ]?\s*(\d{4})", re.ASCII),  # Q4 2026, Q4/2026
)
_MONTH_RES = (
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})(?:-01(?:[ t]00:00(?::00)?)?)?", re.ASCII),  # 2026-11 (or 2026-11-01)
    re.compile(r"(\d{1,2})\s*[/.]\s*(\d{4})", re.ASCII),  # 11.2026, 11/2026
)
_PERIOD_FORMS = "a year (2026), quarter (2026-Q4) or month (2026-11)"


def parse_period(value: object) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a `Goal period`: a year ("2026"), a quarter ("2026-Q4", "Q4 2026")
    or a month ("2026-11", "11.2026"); None when the cell is blank.

    A date cell (or a serial number) is a month typed as "2026-11" that the spreadsheet turned
    into a date.
    """
    if value is None:
        return None
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(value, dt.date) or (is_number and value > 9999):
        day = parse_date(value)
        return _months(day.year, day.month, 1)
    text = as_text(value) if is_number else value
    if not isinstance(text, str):
        raise _reject_non_text(value, _PERIOD_FORMS)
    text = text.strip().lower()
    if not text:
        return None
    try:
        if m := _YEAR_RE.fullmatch(text):
            return _months(int(m[1]), 1, 12)
        for i, pattern in enumerate(_QUARTER_RES):
            if m := pattern.fullmatch(text):
                year, quarter = (int(m[1]), int(m[2])) if i == 0 else (int(m[2]), int(m[1]))
                return _months(year, 3 * quarter - 2, 3)
        for i, pattern in enumerate(_MONTH_RES):
            if m := pattern.fullmatch(text):
                year, month = (int(m[1]), int(m[2])) if i == 0 else (int(m[2]), int(m[1]))
                return _months(year, month, 1)
    except (ValueError, OverflowError):  # year 0, month 13
        pass
    raise BadCell(f"not {_PERIOD_FORMS}: {shown(value)}")


def _months(year: int, month: int, count: int) -> tuple[dt.date, dt.date]:
    """The first day of `month` and the last day of the `count`-th month from it."""
    end_year, end_month = year + (month + count - 1) // 12, (month + count - 1) % 12 + 1
    last = dt.date(9999, 12, 31) if end_year > 9999 else dt.date(end_year, end_month, 1) - dt.timedelta(days=1)
    return dt.date(year, month, 1), last


@functools.cache
def column_letters(column: int) -> str:
    """A column's letters in A1 references, 1-based: 1 -> A, 27 -> AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
