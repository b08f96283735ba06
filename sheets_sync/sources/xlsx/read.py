"""Reading a workbook's bytes with python-calamine into the Tables the core sees.

calamine reads 40,000 activities in ~0.5 s where openpyxl needs 5-10 s (bench/bench_xlsx_io.py).
Errors from a file calamine cannot parse (python_calamine.CalamineError) are left to the caller,
which knows whether the file was caught half-written.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import python_calamine

from sheets_sync.errors import SourceError
from sheets_sync.model import CellValue
from sheets_sync.sources import Table
from sheets_sync.sources.xlsx.book import Book
from sheets_sync.sources.xlsx.package import Package
from sheets_sync.sources.xlsx.parts import relationships


def read_tables(data: bytes, tab_names: list[str]) -> dict[str, Table]:
    """The named tabs (matched ignoring case and surrounding spaces), keyed by their names in the
    workbook. A tab that does not exist, or is a chart sheet, is absent."""
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    worksheet = python_calamine.SheetTypeEnum.WorkSheet
    worksheets = [m.name for m in book.sheets_metadata if m.typ == worksheet]
    tables: dict[str, Table] = {}
    for wanted in tab_names:
        name = _find_name(worksheets, wanted)
        if name is not None and name not in tables:
            values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            tables[name] = _table(name, values)
    return tables


def tab_marks(data: bytes) -> tuple[frozenset[str], frozenset[str]]:
    """The tabs the worker marked as its own (its Dashboard), and the tabs holding objects (chart
    sheets; worksheets with drawings, comments, tables or controls); none when they cannot be read."""
    try:
        book = Book(Package(data))
        tab = book.marked_dashboard()
        objects = frozenset(name for name, part in book.parts.items() if not part or _has_objects(book, part))
    except SourceError:  # the read itself succeeded: a package the patcher refuses is its own story
        return frozenset(), frozenset()
    return (frozenset([tab]) if tab else frozenset()), objects


def _has_objects(book: Book, part: str) -> bool:
    """Anything hanging off the sheet beyond printer settings: a drawing (charts, images), comments, ..."""
    return any(not r.get("Type", "").endswith("/printerSettings") for r in relationships(book.package, part))


def _find_name(names: list[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    key = wanted.strip().casefold()
    return next((n for n in names if n.strip().casefold() == key), None)


# A cell as calamine reads it: a str, float, bool, date, datetime or time, or a timedelta for a
# duration ([h]:mm) cell, which CellValue has no place for and which passes through as it is.
_Read = Any


def _table(name: str, values: list[list[_Read]]) -> Table:
    """Row 1 as header text, the rest as values; `rows[i]` stays sheet row i + 2."""
    header = [_header_text(v) for v in values[0]] if values else []
    rows = [_row(r) for r in values[1:]]
    while rows and not rows[-1]:
        rows.pop()
    while header and not header[-1]:
        header.pop()
    # A column with data but no header still counts, so that new columns never land on it.
    width = max([len(header), *map(len, rows)])
    header.extend([""] * (width - len(header)))
    return Table(name=name, header=tuple(header), rows=rows)


def _row(values: list[_Read]) -> list[CellValue]:
    # calamine reads an empty cell (and an error such as #N/A) as '' and every number as a float.
    row = [
        None if v == "" else int(v) if type(v) is float and v.is_integer() and -1e15 < v < 1e15 else v
        for v in values
    ]
    while row and row[-1] is None:
        row.pop()
    return row


def _header_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if type(value) is float and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()
