"""Writing sample tables to an .xlsx file the way a team's workbook looks: a styled, frozen,
filterable header row and real date cells (openpyxl's write-only mode, so large tables are fast).

Only the team's columns are written here; the worker's are added by its first cycle, looking as
the worker's own columns look (sources/xlsx/look.py): so the team's header fill is not theirs.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Tables = dict[str, tuple[list[str], list[list[object]]]]  # tab name -> (header, rows of cell values)
HEADER_FILL = "EDEDED"  # a light grey: the worker's columns are pale blue (sheet.look.HEADER_FILL)
_HEADER_FONT = Font(name="Calibri", size=11, bold=True, color="1F3864")
_HEADER_FILL = PatternFill("solid", fgColor=HEADER_FILL)
_HEADER_BORDER = Border(bottom=Side(style="thin", color="8EA9DB"))


def write_workbook(
    path: Path, tables: Tables, *, date_format: str = "yyyy-mm-dd", freeze: dict[str, str] | None = None
) -> None:
    """Write tables as an .xlsx: a styled, frozen, filterable header row; dates as real date cells.
    `freeze`: tab -> the first cell that scrolls, where more than the header row is frozen.

    Streams rows (openpyxl write-only mode): 200,000 rows take seconds, not minutes. The file is
    written beside `path` and moved into place, so nobody ever opens half a workbook.
    """
    wb = Workbook(write_only=True)
    for title, (header, rows) in tables.items():
        ws: WriteOnlyWorksheet = wb.create_sheet(title)  # a write-only workbook's (its stubs say Any)
        # types-openpyxl's WriteOnlyWorksheet lacks the column_dimensions and auto_filter that it
        # gets from Worksheet._setup at run time
        for col, width in enumerate(_widths(header, rows), 1):
            ws.column_dimensions[get_column_letter(col)].width = width  # type: ignore[attr-defined]
        ws.freeze_panes = (freeze or {}).get(title, "A2")
        ws.auto_filter = AutoFilter(ref=f"A1:{get_column_letter(max(1, len(header)))}{len(rows) + 1}")  # type: ignore[attr-defined]
        ws.append([_header_cell(ws, name) for name in header])
        if date_format == "yyyy-mm-dd":  # openpyxl's own format for a date: no per-cell style needed
            for row in rows:
                ws.append(row)
        else:
            for row in rows:
                ws.append([_date_cell(ws, v, date_format) if isinstance(v, dt.date) else v for v in row])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def _widths(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[float]:
    widths = [len(str(h)) + 4 for h in header]
    for row in rows[:200]:
        for i, v in enumerate(row[: len(widths)]):
            shown = 12 if isinstance(v, dt.date) else len(str(v)) if v is not None else 0
            widths[i] = max(widths[i], shown + 2)
    return [min(w, 48) for w in widths]


def _header_cell(ws: WriteOnlyWorksheet, name: str) -> Cell:
    cell = WriteOnlyCell(ws, value=name)
    cell.font, cell.fill, cell.border = _HEADER_FONT, _HEADER_FILL, _HEADER_BORDER
    cell.alignment = Alignment(vertical="center")
    return cell


def _date_cell(ws: WriteOnlyWorksheet, value: dt.date, number_format: str) -> Cell:
    # types-openpyxl's WriteOnlyCell leaves out the date that Cell (which it makes) takes as a value
    cell = WriteOnlyCell(ws, value=value)  # type: ignore[arg-type]
    cell.number_format = number_format
    return cell
