"""The fake Sheets API's spreadsheet `batchUpdate`, as the real service checks and applies it: the
request bodies against the API's schema, field masks, and the requests that format and lay out a
tab (repeatCell, updateSheetProperties, updateDimensionProperties, addConditionalFormatRule).

Checked as the real API checks them, so a request it would refuse fails here too:
- every name in a request body must be a field of its message (else the 400 "Invalid JSON payload
  received. Unknown name ... Cannot find field.", for the whole batch, before anything applies), and
  an enum must hold one of its values (ConditionType);
- a fields mask (`a.b`, `a/b` or `a(b,c)`, comma-separated) must name fields of the request's
  message (CellData, SheetProperties, DimensionProperties), and at least one;
- ranges must lie within the grid as the earlier requests of the batch left it; frozen rows and
  columns must leave some unfrozen and cut no merged cell;
- a conditional format may set only bold, italic, strikethrough, underline, the text colour and the
  background colour (what the API documents it applies); TEXT_EQ takes exactly one value.

The wording of the fake's messages for masks and ranges is its own; the JSON and enum messages are
the real ones. What the fake does not model (values through repeatCell, `*` masks, row heights) is a
400 too, so a test never passes on a request the fake only pretended to apply.
"""

from __future__ import annotations

import copy
from typing import Any

from openpyxl.utils import get_column_letter

from tests.fake_sheets_schema import CONDITIONAL_FORMAT, ONE_VALUE, ApiError, check_body, parse_mask

__all__ = ["HANDLERS", "ApiError", "Assignment", "assign", "check_body"]


# --- formats as assignments ------------------------------------------------------------------------

Assignment = tuple[tuple[str, ...], Any]  # (a path in CellFormat, its value; None clears it)
_MISSING = object()


def get_path(value: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def assign(target: dict, path: tuple[str, ...], value: Any) -> None:
    """What a field mask does: the field at `path` becomes `value`, or is cleared when it is None."""
    if not path:
        target.clear()
        target.update(copy.deepcopy(value or {}))
        return
    for part in path[:-1]:
        if not isinstance(target.get(part), dict):
            target[part] = {}
        target = target[part]
    if value is None:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = copy.deepcopy(value)


# --- the requests --------------------------------------------------------------------------------


def _grid_box(sheet, r: dict, where: str) -> tuple[int, int, int, int]:
    """A GridRange as (r0, r1, c0, c1), 0-based and half-open, bounded by the grid; past it is a 400."""
    r0, c0 = r.get("startRowIndex", 0), r.get("startColumnIndex", 0)
    r1, c1 = r.get("endRowIndex", sheet.rows), r.get("endColumnIndex", sheet.cols)
    if min(r0, c0) < 0 or r0 > r1 or c0 > c1:
        raise ApiError(400, f"Invalid {where}: invalid range {r}")
    if r1 > sheet.rows or c1 > sheet.cols:
        cells = f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(max(c1, 1))}{max(r1, 1)}"
        raise ApiError(
            400,
            f"Invalid {where}: Range ('{sheet.title}'!{cells}) exceeds grid limits. "
            f"Max rows: {sheet.rows}, max columns: {sheet.cols}",
        )
    return r0, r1, c0, c1


def repeat_cell(book, args: dict, where: str) -> dict:
    r = args.get("range", {})
    sheet = book.by_id(r.get("sheetId", 0), where)
    r0, r1, c0, c1 = _grid_box(sheet, r, where)
    cell = args.get("cell", {})
    assignments: list[Assignment] = []
    notes: list[tuple[str, ...]] = []
    for path in parse_mask(args.get("fields", ""), "CellData", where):
        if path[0] == "userEnteredFormat":
            assignments.append((path[1:], get_path(cell.get("userEnteredFormat"), path[1:])))
        elif path == ("note",):
            notes.append(path)
        else:
            raise ApiError(400, f"Invalid {where}: the fake does not model {'.'.join(path)} in repeatCell")
    if assignments:
        sheet.add_assignments(
            r.get("startRowIndex", 0),
            r.get("endRowIndex"),
            r.get("startColumnIndex", 0),
            r.get("endColumnIndex"),
            tuple(assignments),
        )
    if notes:
        for row in range(r0 + 1, r1 + 1):
            for col in range(c0 + 1, c1 + 1):
                if cell.get("note"):
                    sheet.notes[(row, col)] = cell["note"]
                else:
                    sheet.notes.pop((row, col), None)
    return {}


def update_sheet_properties(book, args: dict, where: str) -> dict:
    p = args.get("properties", {})
    sheet = book.by_id(p.get("sheetId", 0), where)
    grid = p.get("gridProperties", {})
    for path in parse_mask(args.get("fields", ""), "SheetProperties", where):
        if path == ("title",):
            sheet.title = p.get("title", "")
        elif path[0] == "gridProperties" and len(path) == 2 and path[1] in GRID_FIELDS:
            setattr(sheet, GRID_FIELDS[path[1]], grid.get(path[1], 0))
        else:
            raise ApiError(400, f"Invalid {where}: the fake does not model {'.'.join(path)}")
    if not 0 <= sheet.frozen_rows < sheet.rows:
        raise ApiError(400, f"Invalid {where}: You can't freeze all visible rows on the sheet.")
    if not 0 <= sheet.frozen_cols < sheet.cols:
        raise ApiError(400, f"Invalid {where}: You can't freeze all visible columns on the sheet.")
    for m in sheet.merges:
        if m.get("startRowIndex", 0) < sheet.frozen_rows < m.get("endRowIndex", 0):
            raise ApiError(
                400, f"Invalid {where}: You can't freeze rows which contain only part of a merged cell."
            )
        if m.get("startColumnIndex", 0) < sheet.frozen_cols < m.get("endColumnIndex", 0):
            raise ApiError(
                400, f"Invalid {where}: You can't freeze columns which contain only part of a merged cell."
            )
    sheet.cells = {k: v for k, v in sheet.cells.items() if k[0] <= sheet.rows and k[1] <= sheet.cols}
    return {}


GRID_FIELDS = {
    "rowCount": "rows",
    "columnCount": "cols",
    "frozenRowCount": "frozen_rows",
    "frozenColumnCount": "frozen_cols",
}


def update_dimension_properties(book, args: dict, where: str) -> dict:
    r = args.get("range", {})
    sheet = book.by_id(r.get("sheetId", 0), where)
    paths = parse_mask(args.get("fields", ""), "DimensionProperties", where)
    if r.get("dimension") != "COLUMNS" or paths != [("pixelSize",)]:
        raise ApiError(400, f"Invalid {where}: the fake models column widths (pixelSize) only")
    start, end = r.get("startIndex", 0), r.get("endIndex", sheet.cols)
    if not 0 <= start < end <= sheet.cols:
        raise ApiError(
            400, f"Invalid {where}: columns [{start}, {end}) are not in the grid of {sheet.cols} columns"
        )
    size = args.get("properties", {}).get("pixelSize", 0)
    if not isinstance(size, int) or size < 0:
        raise ApiError(400, f"Invalid {where}: pixelSize must be a non-negative integer, not {size!r}")
    for c in range(start, end):
        sheet.widths[c] = size
    return {}


def add_conditional_format_rule(book, args: dict, where: str) -> dict:
    rule = args.get("rule") or {}
    ranges = rule.get("ranges") or []
    if not ranges:
        raise ApiError(400, f"Invalid {where}: A conditional format rule must have at least one range.")
    sheets = {book.by_id(r.get("sheetId", 0), where).sheet_id for r in ranges}
    if len(sheets) > 1:
        raise ApiError(400, f"Invalid {where}: All ranges of a conditional format rule must be on one sheet.")
    sheet = book.by_id(sheets.pop(), where)
    for r in ranges:
        _grid_box(sheet, r, where)
    if ("booleanRule" in rule) == ("gradientRule" in rule):
        raise ApiError(400, f"Invalid {where}: A rule must be either a booleanRule or a gradientRule.")
    boolean = rule.get("booleanRule")
    if boolean is not None:
        condition = boolean.get("condition") or {}
        values = condition.get("values") or []
        if condition.get("type") in ONE_VALUE and len(values) != 1:
            raise ApiError(400, f"Invalid {where}: {condition['type']} requires exactly one ConditionValue.")
        for name, value in (boolean.get("format") or {}).items():
            allowed = CONDITIONAL_FORMAT.get(name, _MISSING)
            if allowed is _MISSING or (allowed is not None and set(value) - allowed):
                raise ApiError(
                    400,
                    f"Invalid {where}: Conditional formatting can only set bold, italic, strikethrough, "
                    f"underline, the text colour and the background colour, not {name} {value}",
                )
    index = args.get("index", 0)
    if not 0 <= index <= len(sheet.conditional):
        raise ApiError(
            400, f"Invalid {where}: index {index} is past the {len(sheet.conditional)} rules of the sheet"
        )
    sheet.conditional.insert(index, copy.deepcopy(rule))
    return {}


HANDLERS = {
    "repeatCell": repeat_cell,
    "updateSheetProperties": update_sheet_properties,
    "updateDimensionProperties": update_dimension_properties,
    "addConditionalFormatRule": add_conditional_format_rule,
}
