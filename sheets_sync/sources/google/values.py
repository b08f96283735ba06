"""Pure helpers of the Google source: cell values to and from the API, where each row read is now,
and the fewest ranges that carry a set of cell writes. No I/O here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sheets_sync.errors import SourceError
from sheets_sync.model import CellValue
from sheets_sync.sheet import cells, dates
from sheets_sync.sources import Table

MAX_TEXT = 50_000  # Google Sheets' limit for one cell
_T = TypeVar("_T")
RowKey = tuple[tuple[str, CellValue], ...]  # a row's cells with their types: equal only for the same content
DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm"

# --- values ------------------------------------------------------------------------------------


def from_api(value: Any) -> CellValue:
    """A value as the API returns it with UNFORMATTED_VALUE (or FORMULA) / SERIAL_NUMBER: '' is an
    empty cell, a whole float is an int (dates arrive as serial numbers and are parsed by the
    workbook layer)."""
    kind = type(value)
    if kind is str:
        return value if value else None
    if kind is float and value.is_integer() and -1e15 < value < 1e15:
        return int(value)
    cell: CellValue = value  # a JSON number or boolean (dates come as serial numbers)
    return cell


def to_raw(value: CellValue) -> Any:
    """A value for a RAW write: text stays text (never a formula), dates become serial numbers,
    None becomes '' (which clears the cell)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime):
        return dates.to_serial(value.replace(tzinfo=None))
    if isinstance(value, dt.date):
        return dates.to_serial(value)
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86_400
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)  # JSON has no NaN or infinity
    raise SourceError(f"Cannot write a {type(value).__name__} into a Google Sheet: {value!r}")


def date_pattern(value: CellValue, formats: tuple[str, str] = (DATE_PATTERN, DATETIME_PATTERN)) -> str | None:
    """The number format a written value needs to show as a date, if it is one: `formats` (a date,
    a date and time) are the team's language's (`sheet.look.DATE_FORMATS`)."""
    if isinstance(value, dt.datetime):
        return formats[1]
    if isinstance(value, dt.date):
        return formats[0]
    return None


def header_text(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return cells.as_text(value)


def _trim(values: list[_T]) -> list[_T]:
    while values and (values[-1] is None or values[-1] == ""):
        values.pop()
    return values


def table(name: str, values: list[list[Any]]) -> Table:
    """A tab read with majorDimension ROWS: row 1 as header text, the rest as values.

    Like the xlsx source: `rows[i]` is sheet row i + 2, trailing blanks trimmed, and a column with
    data but no header still counts (so that new columns never land on it).
    """
    header = _trim([header_text(from_api(v)) for v in values[0]]) if values else []
    rows = [_trim([from_api(v) for v in row]) for row in values[1:]]
    while rows and not rows[-1]:
        rows.pop()
    width = max([len(header), *map(len, rows)])
    header.extend([""] * (width - len(header)))
    return Table(name=name, header=tuple(header), rows=rows)


def same(a: CellValue, b: CellValue) -> bool:
    """Exactly the same cell content (1 is not TRUE, '1' is not 1)."""
    return type(a) is type(b) and a == b


def is_written(shown: CellValue, value: CellValue) -> bool:
    """Whether a re-read cell already shows `value` as a RAW write of it would store it (an earlier
    try landed, or the team typed the same): writing it again would change nothing."""
    return same(shown, from_api(to_raw(value)))


def is_formula(value: CellValue) -> bool:
    """Whether a cell re-read with FORMULA render holds a formula: it comes back as its text, '=...'.

    Text the worker or the team stored as text and that starts with '=' looks the same; where it
    matters (locating rows) it is then taken for what the read showed, which text equals anyway.
    """
    return isinstance(value, str) and value.startswith("=")


# --- where rows are now -------------------------------------------------------------------------


@dataclass
class Current:
    """One tab as re-read just before writing (majorDimension COLUMNS, FORMULA render): the header
    row, some columns (or all of them when `full`) and the grid's size now.

    FORMULA render shows every cell as UNFORMATTED_VALUE does (numbers, serial dates, booleans,
    text), except that a formula shows as its text ('=IF(...)') instead of its result. So a team's
    formula whose result is empty no longer looks like an empty cell to fill: the "still shows what
    the cycle read" check before each write skips it, as the xlsx source skips formula cells.
    """

    header: list[CellValue]
    columns: dict[int, list[CellValue]]  # 1-based column -> its cells from row 1
    rows: int
    cols: int
    full: bool = False

    def value(self, row: int, column: int) -> CellValue:
        values = self.columns.get(column)
        return values[row - 1] if values is not None and row - 1 < len(values) else None

    def header_texts(self, as_read: Sequence[str] = ()) -> list[str]:
        """The header row now; a formula in it counts as the text the read showed in its column
        (headers are not formulas in practice, and their result cannot be known from this re-read)."""
        texts = [
            (as_read[i] if i < len(as_read) else "") if is_formula(v) else header_text(v)
            for i, v in enumerate(self.header)
        ]
        return _trim(texts)

    def last_row(self) -> int:
        """The last row holding anything (at least the header row). A formula counts, even one whose
        result is empty: rows appended below it never land on a team's formula."""
        last = 1
        for values in self.columns.values():
            for i in range(len(values) - 1, last - 1, -1):
                if values[i] is not None:
                    last = i + 1
                    break
        return last


def _key(values: Sequence[CellValue]) -> RowKey:
    return tuple((type(v).__name__, v) for v in _trim(list(values)))


@dataclass
class Locator:
    """Where each row of `table` (as read) is now, in `current` (as re-read).

    A row read with an ID of its own is wherever that ID is now (None when it is gone or now appears
    twice). A row read without an ID, or with one that several rows shared, can only be recognised
    by its content: it is where exactly one row with the very same cells (its ID cell included) is
    now. Such rows need the whole tab re-read (`by_content`).

    The re-read shows formulas as their text (FORMULA render) and the read showed their results.
    To compare whole rows, a formula cell counts as what the read showed in the same place (`seen`):
    a row that stayed put matches itself, formulas and all, with exact hashing as before; a row
    holding a formula that moved meanwhile now stands beside another row's read value, matches
    nothing and waits a cycle. An ID made by a formula (`id_now`) is likewise the ID the read showed
    on that row, but only while the ID column is where the read saw it: a row moved, inserted or
    deleted above it could otherwise hand it a gone row's ID. Then it counts as no ID and its row
    waits a cycle. Still possible: rows that all have formula IDs swapped among themselves (a sort
    of those rows only) while every cell about to be written still shows what was read; a formula
    ID that follows its row is rare (most are ROW()-based, an ID by position), and the worker's
    cells are rewritten by the next cycle.
    """

    table: Table
    current: Current
    id_column: int | None
    _by_id: dict[str, list[int]] | None = field(default=None, repr=False)
    _by_content: dict[RowKey, list[int]] | None = field(default=None, repr=False)
    _shared: set[str] | None = field(default=None, repr=False)
    _in_place: bool | None = field(default=None, repr=False)

    def read_id(self, row: int) -> str:
        return cells.as_text(self.as_read(row, self.id_column)) if self.id_column else ""

    def as_read(self, row: int, column: int) -> CellValue:
        values = self.table.rows[row - 2] if 0 <= row - 2 < len(self.table.rows) else []
        return values[column - 1] if 0 < column <= len(values) else None

    def seen(self, row: int, column: int) -> CellValue:
        """The re-read cell, for locating rows: a formula counts as what the read showed there."""
        value = self.current.value(row, column)
        return self.as_read(row, column) if is_formula(value) else value

    def id_now(self, row: int) -> str:
        """The ID row `row` shows now; a formula: the ID the read showed there, if that is still sure."""
        value = self.current.value(row, self.id_column) if self.id_column else None
        if not is_formula(value):
            return cells.as_text(value)
        return self.read_id(row) if self._id_column_in_place() else ""

    def _id_column_in_place(self) -> bool:
        """Whether every ID cell that is not a formula shows what the read showed in the same row."""
        if self._in_place is None:
            column = self.id_column or 0
            last = max(len(self.current.columns.get(column, ())), len(self.table.rows) + 1)
            self._in_place = all(
                is_formula(self.current.value(r, column))
                or cells.as_text(self.current.value(r, column)) == cells.as_text(self.as_read(r, column))
                for r in range(2, last + 1)
            )
        return self._in_place

    def _row_now(self, row: int) -> list[CellValue]:
        return _trim([self.seen(row, c) for c in range(1, max(self.current.columns, default=0) + 1)])

    def by_content(self, row: int) -> bool:
        row_id = self.read_id(row)
        return not row_id or row_id in self._shared_ids()

    def where(self, row: int) -> int | None:
        if self.by_content(row):
            if not self.current.full:
                return None
            key = _key(self.table.rows[row - 2]) if 0 <= row - 2 < len(self.table.rows) else ()
            if _key(self._row_now(row)) == key:
                return row
            found = self._contents().get(key, [])
        else:
            row_id = self.read_id(row)
            if self.id_now(row) == row_id:
                return row
            found = self._ids().get(row_id, [])
        return found[0] if len(found) == 1 else None

    def shows_id(self, value: CellValue) -> bool:
        """Whether some row shows this ID now (`current` must hold the ID column)."""
        row_id = cells.as_text(value)
        return bool(row_id) and self.id_column is not None and row_id in self._ids()

    def _shared_ids(self) -> set[str]:
        if self._shared is None:
            seen: set[str] = set()
            self._shared = set()
            for number in range(2, len(self.table.rows) + 2):
                row_id = cells.as_text(self.as_read(number, self.id_column)) if self.id_column else ""
                if row_id in seen:
                    self._shared.add(row_id)
                seen.add(row_id)
        return self._shared

    def _ids(self) -> dict[str, list[int]]:
        if self._by_id is None:
            self._by_id = defaultdict(list)
            for i in range(2, len(self.current.columns.get(self.id_column or 0, ())) + 1):
                text = self.id_now(i)
                if text:
                    self._by_id[text].append(i)
        return self._by_id

    def _contents(self) -> dict[RowKey, list[int]]:
        if self._by_content is None:
            self._by_content = defaultdict(list)
            for row in range(2, self.current.last_row() + 1):
                self._by_content[_key(self._row_now(row))].append(row)
        return self._by_content


# --- the fewest ranges --------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A rectangle of values to write: 1-based inclusive corners, rows of values."""

    row0: int
    col0: int
    row1: int
    col1: int
    values: list[list[Any]]


def blocks(cells_by_position: dict[tuple[int, int], Any]) -> list[Block]:
    """Runs of adjacent cells in a row, stacked into rectangles while consecutive rows have the
    same run: the worker's columns of a whole tab become one block. Never spans an unwritten cell."""
    by_row: dict[int, dict[int, Any]] = defaultdict(dict)
    for (row, column), value in cells_by_position.items():
        by_row[row][column] = value
    done: list[Block] = []
    open_: dict[
        tuple[int, int], tuple[int, int, list[list[Any]]]
    ] = {}  # (col0, col1) -> (row0, row1, values)
    for row in sorted(by_row):
        for col0, col1, values in _runs(by_row[row]):
            block = open_.get((col0, col1))
            if block is not None and block[1] == row - 1:
                open_[(col0, col1)] = (block[0], row, block[2])  # (an existing key keeps its place)
                block[2].append(values)
                continue
            if block is not None:
                done.append(Block(block[0], col0, block[1], col1, block[2]))
            open_[(col0, col1)] = (row, row, [values])
    done.extend(Block(r0, c0, r1, c1, v) for (c0, c1), (r0, r1, v) in open_.items())
    return sorted(done, key=lambda b: (b.row0, b.col0))


def _runs(row: dict[int, Any]) -> Iterable[tuple[int, int, list[Any]]]:
    columns = sorted(row)
    start = 0
    for i in range(1, len(columns) + 1):
        if i == len(columns) or columns[i] != columns[i - 1] + 1:
            yield columns[start], columns[i - 1], [row[c] for c in columns[start:i]]
            start = i


def trimmed(values: Sequence[str]) -> list[str]:
    """Header texts without the trailing blanks."""
    values = list(values)
    while values and not values[-1]:
        values.pop()
    return values
