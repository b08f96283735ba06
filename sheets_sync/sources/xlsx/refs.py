"""A1-style cell references and ranges (`X5`, `A1:C3`), 1-based."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from sheets_sync.sheet.cells import column_letters

_CELL = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d+)")
MAX_ROW, MAX_COLUMN = 1_048_576, 16_384


@cache
def column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def cell_ref(row: int, column: int) -> str:
    return f"{column_letters(column)}{row}"


def parse_cell(ref: str) -> tuple[int, int]:
    """(row, column) of `X5`; ValueError for anything else."""
    match = _CELL.fullmatch(ref.strip())
    if match is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    row, column = int(match.group(2)), column_index(match.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= column <= MAX_COLUMN):
        raise ValueError(f"not a cell reference: {ref!r}")
    return row, column


@dataclass(frozen=True)
class Area:
    min_row: int
    min_col: int
    max_row: int
    max_col: int

    def contains(self, row: int, column: int) -> bool:
        return self.min_row <= row <= self.max_row and self.min_col <= column <= self.max_col

    def absolute(self) -> str:
        """`$A$1:$C$3`, as defined names write ranges."""
        start = f"${column_letters(self.min_col)}${self.min_row}"
        end = f"${column_letters(self.max_col)}${self.max_row}"
        return start if start == end else f"{start}:{end}"

    def __str__(self) -> str:
        start, end = cell_ref(self.min_row, self.min_col), cell_ref(self.max_row, self.max_col)
        return start if start == end else f"{start}:{end}"


def parse_area(ref: str) -> Area:
    """`A1:C3` or `B2`; ValueError for anything else (whole rows, columns or several ranges)."""
    first, _, second = ref.strip().partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(second) if second else (r1, c1)
    return Area(min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
