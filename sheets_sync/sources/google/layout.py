"""The write plan of the Google source and the spreadsheet `batchUpdate` requests it may need first:
a Dashboard tab to create, a grid to grow, date formats (and, from `look.py`, the look of the worker
columns it creates). Pure: no I/O here."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sheets_sync.errors import SourceError
from sheets_sync.model import Changes

JsonObject = dict[str, Any]  # a request body (or a part of one) as the Sheets API takes it
GROW_ROWS_BY = 100  # grow a full grid by at least this many rows, so appends rarely need a layout request


@dataclass
class WritePlan:
    """Everything one write sends, gathered before any request is made."""

    cells: dict[str, dict[tuple[int, int], Any]] = field(default_factory=lambda: defaultdict(dict))
    need: dict[str, tuple[int, int]] = field(default_factory=dict)  # tab -> (rows, columns) it must have
    column_dates: dict[tuple[str, int], str] = field(default_factory=dict)  # (tab, column) -> pattern
    # (tab, column) -> (first appended row, pattern)
    tail_dates: dict[tuple[str, int], tuple[int, str]] = field(default_factory=dict)
    cell_dates: list[tuple[str, int, int, str]] = field(default_factory=list)  # Dashboard cells
    new_dashboard: tuple[str, int, int, list[int]] | None = None  # title, rows, columns, widths
    skipped: int = 0
    # filled by layout_requests: what the layout request sets up
    sheet_ids: dict[str, int] = field(default_factory=dict)
    grid: dict[str, tuple[int, int]] = field(default_factory=dict)  # tab -> (rows, columns) after it
    tails: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    # the columns this write creates, and what it writes there (for the look: see `look.py`)
    created: dict[str, dict[int, str]] = field(default_factory=dict)  # tab -> column -> its header
    widest: dict[tuple[str, int], str] = field(default_factory=dict)  # (tab, column) -> longest text
    # filled by look_requests: what the look requests set up
    styled: set[tuple[int, int]] = field(default_factory=set)  # (sheetId, column)
    frozen: dict[str, tuple[int, int]] = field(default_factory=dict)  # tab -> (rows, columns) frozen

    def widen(self, tab: str, column: int, text: str) -> None:
        """`text` goes into `column`, one of the columns this write creates: keep the longest."""
        if len(text) > len(self.widest.get((tab, column), "")):
            self.widest[(tab, column)] = text

    def put(self, tab: str, row: int, column: int, raw: Any) -> None:
        self.cells[tab][(row, column)] = raw
        rows, cols = self.need.get(tab, (0, 0))
        self.need[tab] = (max(rows, row), max(cols, column))


def layout_requests(
    out: WritePlan,
    ids: dict[str, int],
    grid: dict[str, tuple[int, int]],
    formatted: set[tuple[int, int]],
    tail_formatted: dict[tuple[int, int], tuple[int, int]],
) -> list[JsonObject]:
    """The spreadsheet batchUpdate requests `out` needs before its values: the Dashboard tab, a
    bigger grid, date formats (a column once; appended rows' dates from the first one down). `ids`
    and `grid` are each tab's sheetId and (rows, columns) now; `formatted` and `tail_formatted` what
    earlier requests formatted. Fills `out.sheet_ids`, `out.grid` and `out.tails`; [] when nothing is needed.
    """
    requests_: list[JsonObject] = []
    ids = dict(ids)
    if out.new_dashboard is not None:
        title, rows, cols, widths = out.new_dashboard
        ids[title] = new_sheet_id(set(ids.values()))
        grid[title] = (rows, cols)
        properties = {
            "sheetId": ids[title],
            "title": title,
            "gridProperties": {"rowCount": rows, "columnCount": cols},
        }
        requests_.append({"addSheet": {"properties": properties}})
        bold = {"textFormat": {"bold": True}}
        requests_.append(
            repeat_cell(ids[title], (0, 1), (0, cols), bold, "userEnteredFormat.textFormat.bold")
        )
        requests_.extend(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": ids[title],
                        "dimension": "COLUMNS",
                        "startIndex": i,
                        "endIndex": i + 1,
                    },
                    "properties": {"pixelSize": w * 7},
                    "fields": "pixelSize",
                }
            }
            for i, w in enumerate(widths)
        )
    for tab, (rows, cols) in out.need.items():
        have_rows, have_cols = grid[tab]
        if cols > have_cols:
            requests_.append(append_dimension(ids[tab], "COLUMNS", cols - have_cols))
        if rows > have_rows:
            more = max(rows - have_rows, GROW_ROWS_BY)
            requests_.append(append_dimension(ids[tab], "ROWS", more))
            have_rows += more
        out.grid[tab] = (have_rows, max(cols, have_cols))
    for (tab, column), pattern in out.column_dates.items():
        if (ids[tab], column) not in formatted:
            requests_.append(date_format(ids[tab], (1, None), column, pattern))
    for (tab, column), (first, pattern) in out.tail_dates.items():
        done = tail_formatted.get((ids[tab], column))
        if done is None or first < done[0] or out.need[tab][0] > done[1]:
            requests_.append(date_format(ids[tab], (first - 1, out.grid[tab][0]), column, pattern))
            out.tails[(ids[tab], column)] = (first, out.grid[tab][0])
    for title, row, column, pattern in out.cell_dates:
        requests_.append(date_format(ids[title], (row - 1, row), column, pattern))
    out.sheet_ids = ids
    return requests_


# --- requests ------------------------------------


def refuse_dashboard_over_data(changes: Changes) -> None:
    if changes.dashboard is None:
        return
    name = changes.dashboard[0].strip().casefold()
    data_tabs = {*changes.new_headers, *(w.tab for w in changes.cells), *changes.appends}
    if name in {t.strip().casefold() for t in data_tabs}:
        # A config that names the Dashboard like a data tab would wipe the team's rows.
        raise SourceError(
            f'Refusing to rewrite "{changes.dashboard[0]}" as the Dashboard: it is also a data tab.'
        )


def new_sheet_id(taken: set[int]) -> int:
    while True:
        sheet_id = random.randrange(1, 2**31 - 1)
        if sheet_id not in taken:
            return sheet_id


def grid_range(sheet_id: int, rows: tuple[int, int | None], cols: tuple[int, int]) -> JsonObject:
    grid = {
        "sheetId": sheet_id,
        "startRowIndex": rows[0],
        "startColumnIndex": cols[0],
        "endColumnIndex": cols[1],
    }
    if rows[1] is not None:
        grid["endRowIndex"] = rows[1]
    return grid


def repeat_cell(
    sheet_id: int, rows: tuple[int, int | None], cols: tuple[int, int], fmt: JsonObject, fields: str
) -> JsonObject:
    return {
        "repeatCell": {
            "range": grid_range(sheet_id, rows, cols),
            "cell": {"userEnteredFormat": fmt},
            "fields": fields,
        }
    }


def date_format(sheet_id: int, rows: tuple[int, int | None], column: int, pattern: str) -> JsonObject:
    kind = "DATE_TIME" if "h" in pattern else "DATE"
    return repeat_cell(
        sheet_id,
        rows,
        (column - 1, column),
        {"numberFormat": {"type": kind, "pattern": pattern}},
        "userEnteredFormat.numberFormat",
    )


def append_dimension(sheet_id: int, dimension: str, length: int) -> JsonObject:
    return {"appendDimension": {"sheetId": sheet_id, "dimension": dimension, "length": length}}
