"""Applying Changes to a workbook loaded with openpyxl, in memory: no file I/O.

New worker headers look like their neighbours and join the Excel Table or filter they extend;
appended rows join the table or filter right above them; text is written as text (never a
formula) and dates as real date cells; the Dashboard tab is rewritten as a whole.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from copy import copy

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.styles import Font
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.table import TableColumn

from sheets_sync.errors import SourceError
from sheets_sync.model import CellValue, CellWrite, Changes

logger = logging.getLogger(__name__)

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_TEXT = 32_767  # Excel's limit for one cell; longer text makes Excel "repair" the file


def apply_changes(workbook: openpyxl.Workbook, changes: Changes) -> None:
    """New headers, then cells, then appended rows, then the Dashboard; a missing tab is a SourceError."""
    for tab, headers in changes.new_headers.items():
        sheet = _sheet(workbook, tab)
        for column, text in sorted(headers):
            _set_header(sheet, column, text)
    for write in changes.cells:
        _set_cell(_sheet(workbook, write.tab), write)
    for tab, rows in changes.appends.items():
        if rows:
            _append(_sheet(workbook, tab), rows)
    if changes.dashboard is not None:
        name = changes.dashboard[0]
        if name in {*changes.new_headers, *(w.tab for w in changes.cells), *changes.appends}:
            # A config that names the Dashboard like a data tab would wipe the team's rows.
            raise SourceError(f'Refusing to rewrite "{name}" as the Dashboard: it is also a data tab.')
        _write_dashboard(workbook, *changes.dashboard)


def _sheet(workbook: openpyxl.Workbook, tab: str):
    if tab in workbook.sheetnames:
        sheet = workbook[tab]
        if hasattr(sheet, "cell"):
            return sheet
    raise SourceError(f'The workbook has no worksheet "{tab}" to write to; nothing was written.')


def _set_cell(sheet, write: CellWrite) -> None:
    cell = sheet.cell(row=write.row, column=write.column)
    if isinstance(cell, MergedCell):  # inside a merged range: only its top-left cell holds a value
        logger.warning("%s!%s is part of merged cells; not written", sheet.title, cell.coordinate)
        return
    if cell.data_type == "f":
        # The team's formula. The read saw only its result, and an empty result looks like an empty
        # ID or Follow-up cell to fill; but nothing the team typed is ever overwritten.
        logger.info("%s!%s holds a formula; not written", sheet.title, cell.coordinate)
        return
    set_value(cell, write.value)


def set_value(cell, value: CellValue) -> None:
    """Write one value: text stays text (never a formula), dates become real date cells."""
    if value is None:
        cell.value = None
    elif isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_TEXT]
        cell.data_type = "s"  # openpyxl would store "=..." as a formula and "#N/A" as an error
    elif isinstance(value, dt.datetime):
        keep = _is_date_format(cell.number_format)
        cell.value = value.replace(tzinfo=None)
        if not keep:
            cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        keep = _is_date_format(cell.number_format) and any(c in cell.number_format.lower() for c in "dy")
        cell.value = value
        if not keep:
            cell.number_format = DATE_FORMAT
    elif isinstance(value, float) and not math.isfinite(value):
        set_value(cell, str(value))  # Excel has no NaN or infinity
    elif isinstance(value, (bool, int, float, dt.time)):
        cell.value = value
    else:
        raise SourceError(f"Cannot write a {type(value).__name__} into {cell.coordinate}: {value!r}")


def _is_date_format(number_format: str | None) -> bool:
    return bool(number_format) and number_format != "General" and is_date_format(number_format)


def _set_header(sheet, column: int, text: str) -> None:
    """A new header looks like the one before it: same style, same width."""
    cell = sheet.cell(row=1, column=column)
    set_value(cell, text)
    previous = sheet._cells.get((1, column - 1))  # _cells: read without creating cells
    if previous is not None and previous.has_style:
        cell._style = copy(previous._style)
    before = _dimension(sheet, column - 1)
    if before is not None and before.width and _dimension(sheet, column) is None:  # <col>s must not overlap
        sheet.column_dimensions[get_column_letter(column)].width = before.width
    _extend_columns(sheet, column, text)


def _dimension(sheet, column: int):
    """The column's dimension entry, which may be a range of columns (read without creating one)."""
    for dimension in sheet.column_dimensions.values():
        low = dimension.min or column_index_from_string(dimension.index)
        high = dimension.max or low
        if low <= column <= high:
            return dimension
    return None


def _extend_columns(sheet, column: int, text: str) -> None:
    """A worker column added right after a table or a filter joins it (Excel Tables, filters)."""
    if sheet.auto_filter.ref:
        min_col, min_row, max_col, max_row = range_boundaries(sheet.auto_filter.ref)
        if min_row == 1 and max_col == column - 1:
            sheet.auto_filter.ref = _ref(min_col, min_row, column, max_row)
    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        names = {c.name.strip().casefold() for c in table.tableColumns}
        if (min_row != 1 or max_col != column - 1 or not table.headerRowCount or not text.strip()
                or text.strip().casefold() in names):
            continue
        next_id = max((c.id for c in table.tableColumns), default=0) + 1
        table.tableColumns.append(TableColumn(id=next_id, name=text))
        table.ref = _ref(min_col, min_row, column, max_row)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = _ref(min_col, min_row, column, max_row - (table.totalsRowCount or 0))


def _last_row(sheet) -> int:
    """The last row holding anything (a value or a formula); styled empty rows do not count."""
    last = 0
    for (row, _), cell in sheet._cells.items():
        if row > last and cell._value is not None and cell._value != "":
            last = row
    return last


def _append(sheet, rows: Sequence[Sequence[CellValue]]) -> None:
    last = _last_row(sheet)
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value is not None:  # leaves the team's pre-filled formulas in other columns alone
                set_value(sheet.cell(row=last + offset, column=column), value)
    _extend_rows(sheet, last, last + len(rows))


def _extend_rows(sheet, last: int, new_last: int) -> None:
    """Rows appended right below a filter or an Excel Table become part of it."""
    if sheet.auto_filter.ref:
        min_col, min_row, max_col, max_row = range_boundaries(sheet.auto_filter.ref)
        if min_row <= last <= max_row < new_last:
            sheet.auto_filter.ref = _ref(min_col, min_row, max_col, new_last)
    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if table.totalsRowCount or not min_row <= last <= max_row < new_last:
            continue
        table.ref = _ref(min_col, min_row, max_col, new_last)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = table.ref


def _ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def _write_dashboard(workbook: openpyxl.Workbook, name: str, rows: Iterable[Sequence[CellValue]]) -> None:
    """Create the tab at the end, or clear it (keeping its column widths); bold the first row."""
    rows = list(rows)
    created = name not in workbook.sheetnames
    if created:
        sheet = workbook.create_sheet(name)
    else:
        sheet = _sheet(workbook, name)
        for merged in list(sheet.merged_cells.ranges):
            sheet.merged_cells.remove(merged)
        sheet.delete_rows(1, sheet.max_row)
    bold = Font(bold=True)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None or r == 1:
                cell = sheet.cell(row=r, column=c)
                set_value(cell, value)
                if r == 1:
                    cell.font = bold
    if created:
        for c in range(1, max((len(v) for v in rows), default=0) + 1):
            longest = max((len(_display(v[c - 1])) for v in rows if len(v) >= c), default=0)
            sheet.column_dimensions[get_column_letter(c)].width = min(max(longest + 2, 10), 60)


def _display(value: CellValue) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)

