"""Reading one cell value into a Python value: text, dates, birthdays, yes/no, directions,
numbers (dates, birthdays and goal periods: `dates`).

Values arrive as python-calamine reads an .xlsx (None, str, int, float, bool, date, datetime, time,
timedelta) or as the Google Sheets API returns them with UNFORMATTED_VALUE and SERIAL_NUMBER dates
(dates are numbers such as 46352 or 46352.5, text is str). Every parser returns None for a blank
cell and raises `BadCell` with a short sentence for anything it cannot read; the caller turns that
sentence into the row's Sync note. No other exception escapes, whatever the cell holds.

"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re

from sheets_sync.i18n import read_term, words
from sheets_sync.model import Direction

__all__ = [
    "BadCell",
    "as_text",
    "is_blank",
    "one_line",
    "parse_bool",
    "parse_direction",
    "parse_number",
    "shown",
]


class BadCell(ValueError):
    """A cell that cannot be read as what its column holds: the catalogue entry `cell.<key>` and
    its values, shown to the team in its language (`message`); `str()` is the English text (for
    config errors, which the operator reads)."""

    def __init__(self, key: str, *, wanted: str = "", **values: str) -> None:
        self.key, self.wanted, self.values = key, wanted, values
        super().__init__(self.message("en"))

    def message(self, language: str) -> str:
        """`wanted`: what the column holds, the catalogue's `wanted.<wanted>` ("a date", "дата")."""
        w = words(language)
        wanted = {"wanted": w.text(f"wanted.{self.wanted}")} if self.wanted else {}
        return w.text(f"cell.{self.key}", **wanted, **self.values)


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
    if isinstance(value, str):
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


def reject_non_text(value: object, wanted: str) -> BadCell:
    """The error for a cell whose type already shows it is not `wanted` (a catalogue `wanted.` key)."""
    if isinstance(value, bool):
        return BadCell("as_bool", wanted=wanted, value=shown(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return BadCell("as_date", wanted=wanted, value=shown(value))
    if isinstance(value, dt.time):
        return BadCell("as_time", wanted=wanted, value=shown(value))
    if isinstance(value, dt.timedelta):
        return BadCell("as_duration", wanted=wanted, value=shown(value))
    if isinstance(value, (int, float)):
        return BadCell("as_number", wanted=wanted, value=shown(value))
    return BadCell("not", wanted=wanted, value=shown(value))


# --- Activity types -----------------------------------------------------------------------


# A Russian-speaking team types its activities in Russian: the catalogue's type words ("встреча",
# "рассылка") mean the types the rules know. Any other type is kept as typed.
def activity_type(text: str) -> str:
    """An Activities `Type` as the rules name it: lower case, the team's words in English."""
    return read_term("type", text)


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
        raise BadCell("not", wanted="bool", value=shown(value))
    if isinstance(value, str):
        word = value.strip().casefold()
        if not word:
            return default
        if word in _YES:
            return True
        if word in _NO:
            return False
        raise BadCell("not", wanted="bool", value=shown(value))
    raise reject_non_text(value, "bool")


# --- Direction ----------------------------------------------------------------------------

# Like yes/no, the Russian words a team types too (входящий/исходящий and their abbreviations).
_DIRECTIONS = {
    "in": Direction.IN,
    "inbound": Direction.IN,
    "incoming": Direction.IN,
    "вх": Direction.IN,
    "входящий": Direction.IN,
    "входящее": Direction.IN,
    "out": Direction.OUT,
    "outbound": Direction.OUT,
    "outgoing": Direction.OUT,
    "исх": Direction.OUT,
    "исходящий": Direction.OUT,
    "исходящее": Direction.OUT,
}  # the words a team types for in and out; anything else is a problem of its cell


def parse_direction(value: object) -> Direction | None:
    """An Activities `Direction`: in or out (any case; inbound/outbound, incoming/outgoing, вх/исх,
    входящий/исходящий); blank is None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise reject_non_text(value, "direction")
    word = value.strip().casefold()
    if not word:
        return None
    found = _DIRECTIONS.get(word.removesuffix("."))
    if found is None:
        raise BadCell("unknown_direction", value=shown(value))
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
        number: float
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise BadCell("not", wanted="number", value=shown(value))
        return number
    if not isinstance(value, str):
        raise reject_non_text(value, "number")
    text = value.strip()
    if not text:
        return None
    if text[0] == "=":
        raise BadCell("as_formula", wanted="number", value=shown(text))
    typed = _read_number_text(text)
    if typed is None:
        raise BadCell("not", wanted="number", value=shown(text))
    return typed


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


@functools.cache
def column_letters(column: int) -> str:
    """A column's letters in A1 references, 1-based: 1 -> A, 27 -> AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
