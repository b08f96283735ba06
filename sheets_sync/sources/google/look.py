"""How the worker's own columns look on a Google Sheet (`sheets_sync.sheet.look`), as requests of the
one layout `batchUpdate` that creates them. Pure: no I/O here.

Set once, in the request that adds a worker column's header cell, and only on the columns a write
creates: never sent again, so whatever the team restyles stays as they made it. For each created
worker column:
- its header cell: HEADER_FILL and bold, and the column note (one `repeatCell` per run of adjacent
  columns, its fields mask exactly those three);
- its width (`updateDimensionProperties` pixelSize), from the widest value the write puts there (else
  its header);
- the Touch status column of the Partners tab: one conditional-format rule (`TEXT_EQ`) per status
  colour, most urgent first;
- on the Partners tab, when the sheet has nothing frozen yet: the header row frozen, and the columns
  up to Partner too when it is among the first three. Never across a merged cell the metadata shows
  (the API refuses that, and the whole layout request with it: nothing would be written).

The ID and Follow-up columns the worker adds are the team's columns: they get none of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sheets_sync.model import CellValue
from sheets_sync.sheet.headers import normalize_header
from sheets_sync.sheet.look import (
    HEADER_FILL,
    MAX_FROZEN_COLUMNS,
    Look,
    column_note,
    column_width,
    status_colours,
)
from sheets_sync.sources.google.layout import JsonObject, WritePlan, grid_range
from sheets_sync.sources.google.spreadsheet import Sheet
from sheets_sync.sources.google.values import header_text

PIXELS_PER_CHARACTER = 7  # Arial 10, the Sheets default: about 7 px a character
PADDING_PIXELS = 10  # the cell's padding (3 px each side) and a little air
HEADER_FIELDS = "userEnteredFormat.backgroundColor,userEnteredFormat.textFormat.bold,note"


def shown(value: CellValue) -> str:
    """A value as the sheet shows it once written (dates in the formats the writer gives them)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return header_text(value)


def look_requests(
    look: Look,
    out: WritePlan,
    sheets: Mapping[str, Sheet],
    headers: Mapping[str, Sequence[str]],
    styled: set[tuple[int, int]],
) -> list[JsonObject]:
    """The look of every worker column `out` creates, after `layout_requests` filled `out.sheet_ids`
    and `out.grid`. `sheets`: the metadata (frozen rows and columns, merged cells); `headers`: each
    written tab's header row now; `styled`: (sheetId, column) given their look by an earlier request
    whose headers have not landed yet (not again). Fills `out.styled` and `out.frozen`."""
    requests_: list[JsonObject] = []
    for tab, created in out.created.items():
        sheet_id = out.sheet_ids[tab]
        columns = [c for c in look.worker_columns(tab, created) if (sheet_id, c) not in styled]
        if not columns:
            continue
        out.styled.update((sheet_id, c) for c in columns)
        requests_.extend(_header_cells(look, sheet_id, columns))
        narrow = look.narrow.get(normalize_header(tab), frozenset())
        for column in columns:
            header = created[column]
            values = [out.widest[(tab, column)]] if (tab, column) in out.widest else []
            width = column_width(header, values, narrow=normalize_header(header) in narrow)
            requests_.append(_column_width(sheet_id, column, width))
        if normalize_header(tab) != look.partners:
            continue
        status = [c for c in columns if normalize_header(created[c]) == look.touch_status]
        if status:
            requests_.extend(_status_rules(look, sheet_id, status[0]))
        sheet = sheets.get(tab)
        if sheet is not None and (sheet.frozen_rows, sheet.frozen_cols) == (0, 0):
            requests_.extend(_freeze(out, tab, sheet, look, headers.get(tab, ())))
    return requests_


def rgb(hex_colour: str) -> JsonObject:
    """'DDE7F0' -> the Sheets API's Color (red, green and blue from 0 to 1)."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def _header_cells(look: Look, sheet_id: int, columns: list[int]) -> list[JsonObject]:
    """One repeatCell per run of adjacent columns: fill, bold and the note of their header cells."""
    cell = {
        "userEnteredFormat": {"backgroundColor": rgb(HEADER_FILL), "textFormat": {"bold": True}},
        "note": column_note(look.language),
    }
    runs: list[list[int]] = []
    for column in columns:
        if runs and runs[-1][-1] == column - 1:
            runs[-1].append(column)
        else:
            runs.append([column])
    return [
        {
            "repeatCell": {
                "range": grid_range(sheet_id, (0, 1), (run[0] - 1, run[-1])),
                "cell": cell,
                "fields": HEADER_FIELDS,
            }
        }
        for run in runs
    ]


def _column_width(sheet_id: int, column: int, characters: int) -> JsonObject:
    return {
        "updateDimensionProperties": {
            "range": {
                "sheetId": sheet_id,
                "dimension": "COLUMNS",
                "startIndex": column - 1,
                "endIndex": column,
            },
            "properties": {"pixelSize": characters * PIXELS_PER_CHARACTER + PADDING_PIXELS},
            "fields": "pixelSize",
        }
    }


def _status_rules(look: Look, sheet_id: int, column: int) -> list[JsonObject]:
    """Every status colour on the Touch status column below its header, most urgent first (at the
    top of the tab's rules: for these cells the worker's colours win over a rule of the whole tab)."""
    cells = grid_range(sheet_id, (1, None), (column - 1, column))
    return [
        {
            "addConditionalFormatRule": {
                "rule": {
                    "ranges": [cells],
                    "booleanRule": {
                        "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": word}]},
                        "format": {
                            "backgroundColor": rgb(colour.fill),
                            "textFormat": {"foregroundColor": rgb(colour.font)},
                        },
                    },
                },
                "index": index,
            }
        }
        for index, (word, colour) in enumerate(status_colours(look.language))
    ]


def _freeze(out: WritePlan, tab: str, sheet: Sheet, look: Look, header: Sequence[str]) -> list[JsonObject]:
    """Freeze the header row, and the columns up to Partner when it is among the first three: what
    the API allows of it (a row or column left unfrozen, never all of the grid, no merged cell cut)."""
    rows, cols = out.grid.get(tab, (sheet.rows, sheet.cols))
    partner = [
        i for i, text in enumerate(header[:MAX_FROZEN_COLUMNS], 1) if normalize_header(text) == look.partner
    ]
    row_count = 1 if rows > 1 and not any(r0 < 1 < r1 for r0, r1, _, _ in sheet.merges) else 0
    column_count = partner[0] if partner else 0
    if column_count >= cols or any(c0 < column_count < c1 for _, _, c0, c1 in sheet.merges):
        column_count = 0
    grid: JsonObject = {}
    if row_count:
        grid["frozenRowCount"] = row_count
    if column_count:
        grid["frozenColumnCount"] = column_count
    if not grid:
        return []
    out.frozen[tab] = (row_count, column_count)
    return [
        {
            "updateSheetProperties": {
                "properties": {"sheetId": sheet.sheet_id, "gridProperties": grid},
                "fields": ",".join(f"gridProperties.{name}" for name in grid),
            }
        }
    ]
