"""A1 notation as the Sheets API speaks it: a tab's quoted title, ranges to text and back."""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.utils import column_index_from_string

from sheets_sync.errors import SourceError
from sheets_sync.sheet.cells import column_letters

_RANGE = re.compile(
    r"^(?P<sheet>'(?:[^']|'')*'|[^!]*)!(?P<c0>[A-Z]+)(?P<r0>\d+)(?::(?P<c1>[A-Z]+)(?P<r1>\d+))?$"
)


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


letter = column_letters  # 1 -> A, 27 -> AA (the sheet mapping's own, for every source)
column_number = column_index_from_string  # A -> 1, AA -> 27


def a1(title: str, row0: int, col0: int, row1: int | None = None, col1: int | None = None) -> str:
    """`'Tab'!B2:D9` (1-based, inclusive)."""
    start = f"{quote_title(title)}!{letter(col0)}{row0}"
    return start if row1 is None else f"{start}:{letter(col1 or col0)}{row1}"


@dataclass(frozen=True)
class Box:
    """A range as the API answered it: 1-based inclusive corners (the API clips ranges to the grid)."""

    row0: int
    col0: int
    row1: int
    col1: int


def parse_range(text: str) -> Box:
    """`Sheet1!A1:Z1000` or `'🌵 x'!B4` as the API returns them."""
    match = _RANGE.match(text)
    if match is None:
        raise SourceError(f"Google Sheets answered with a range this version does not understand: {text!r}")
    col0, row0 = column_number(match["c0"]), int(match["r0"])
    col1 = column_number(match["c1"]) if match["c1"] else col0
    row1 = int(match["r1"]) if match["r1"] else row0
    return Box(row0, col0, row1, col1)
