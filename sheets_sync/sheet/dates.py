"""Reading dates from cells: real date cells, serial numbers, typed dates (ISO, 1.12.2026, 12/1/2026),
birthdays without a year, and goal periods (2026, 2026-Q4, 2026-11).

Serial numbers count days since 1899-12-30 (serial 1 is 1899-12-31, 43831 is 2020-01-01); the
fraction is the time of day. Times are wall-clock: no time zone is ever applied here. Like every
cell parser (see `cells`), these return None for a blank cell and raise `BadCell` otherwise.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from sheets_sync.model import Birthday
from sheets_sync.sheet.cells import BadCell, as_text, reject_non_text, shown

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
        raise BadCell("not", wanted="date", value=shown(number))
    # Written so that NaN fails too.
    if not _MIN_SERIAL <= number < _MAX_SERIAL + 1:
        if 0 <= number < _MIN_SERIAL:
            raise BadCell("as_time", wanted="date", value=shown(number))
        raise BadCell("not", wanted="date", value=shown(number))
    return dt.date.fromordinal(_EPOCH_ORDINAL + int(number))


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
    # Fast paths first: this runs for every date cell of every row, every cycle. `type() is`, not
    # isinstance: a datetime is a date too, and it is the cheapest test; mypy does not narrow on it.
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
    raise reject_non_text(value, "date")


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
        raise BadCell("as_formula", wanted="date", value=shown(text))
    if text.isascii() and text.isdigit():
        if len(text) > _SERIAL_DIGITS:
            raise BadCell("not", wanted="date", value=shown(text))
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
        raise BadCell("not", wanted="date", value=shown(text))
    _check_time(match.group(4, 5, 6), text)
    return _make_date(int(year), int(month), int(day), text)


def _check_time(parts: tuple[str | None, ...], text: str) -> None:
    hour, minute, second = (int(part) if part else 0 for part in parts)
    if hour > 23 or minute > 59 or second > 59:
        raise BadCell("not", wanted="date", value=shown(text))


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise BadCell("not", wanted="date", value=shown(text)) from None


def parse_birthday(value: object, date_order: str = "DMY") -> Birthday | None:
    """A birthday, with its year when the cell has one, or None when the cell is blank.

    Accepts everything `parse_date` does, plus `DD.MM`, `--MM-DD` and `DD/MM` (`MM/DD` when
    `date_order` is "MDY"). 29 February is a valid birthday without a year.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 367:
        # A serial in 1900 is no one's birthday: it is "29.02" that the sheet turned into the
        # number 29.02. Guessing back the day and month is unsafe (15.10 arrives as 15.1).
        raise BadCell("as_number", wanted="birthday", value=shown(value))
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


# --- Goal periods -------------------------------------------------------------------------

_YEAR_RE = re.compile(r"(\d{4})(?:\.0+)?", re.ASCII)
_QUARTER_RES = (
    re.compile(r"(\d{4})\s*[-/ ]?\s*q([1-4])", re.ASCII),  # 2026-Q4, 2026 Q4
    re.compile(r"q([1-4])\s*[-/ ]?\s*(\d{4})", re.ASCII),  # Q4 2026, Q4/2026
)
_MONTH_RES = (
    re.compile(
        r"(\d{4})\s*[-/.]\s*(\d{1,2})(?:-01(?:[ t]00:00(?::00)?)?)?", re.ASCII
    ),  # 2026-11 (or 2026-11-01)
    re.compile(r"(\d{1,2})\s*[/.]\s*(\d{4})", re.ASCII),  # 11.2026, 11/2026
)


def parse_period(value: object) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a `Goal period`: a year ("2026"), a quarter ("2026-Q4", "Q4 2026")
    or a month ("2026-11", "11.2026"); None when the cell is blank.

    A date cell (or a serial number) is a month typed as "2026-11" that the spreadsheet turned
    into a date.
    """
    if value is None:
        return None
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(value, dt.date) or (isinstance(value, (int, float)) and is_number and value > 9999):
        day = parse_date(value)
        if day is None:  # not reached: a date or a number always reads as a date or raises
            return None
        return _months(day.year, day.month, 1)
    text = as_text(value) if is_number else value
    if not isinstance(text, str):
        raise reject_non_text(value, "period")
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
    raise BadCell("not", wanted="period", value=shown(value))


def _months(year: int, month: int, count: int) -> tuple[dt.date, dt.date]:
    """The first day of `month` and the last day of the `count`-th month from it."""
    end_year, end_month = year + (month + count - 1) // 12, (month + count - 1) % 12 + 1
    last = (
        dt.date(9999, 12, 31) if end_year > 9999 else dt.date(end_year, end_month, 1) - dt.timedelta(days=1)
    )
    return dt.date(year, month, 1), last
