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
import re
from typing import Any

from openpyxl.utils import get_column_letter


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: str = "INVALID_ARGUMENT"):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


# --- the schema ----------------------------------------------------------------------------------

S = "scalar"
ANY = "any"  # a message the fake does not look inside
CONDITION_TYPES = frozenset(
    [
        "NUMBER_GREATER",
        "NUMBER_GREATER_THAN_EQ",
        "NUMBER_LESS",
        "NUMBER_LESS_THAN_EQ",
        "NUMBER_EQ",
        "NUMBER_NOT_EQ",
        "NUMBER_BETWEEN",
        "NUMBER_NOT_BETWEEN",
        "TEXT_CONTAINS",
        "TEXT_NOT_CONTAINS",
        "TEXT_STARTS_WITH",
        "TEXT_ENDS_WITH",
        "TEXT_EQ",
        "TEXT_IS_EMAIL",
        "TEXT_IS_URL",
        "DATE_EQ",
        "DATE_BEFORE",
        "DATE_AFTER",
        "DATE_ON_OR_BEFORE",
        "DATE_ON_OR_AFTER",
        "DATE_BETWEEN",
        "DATE_NOT_BETWEEN",
        "DATE_IS_VALID",
        "ONE_OF_RANGE",
        "ONE_OF_LIST",
        "BLANK",
        "NOT_BLANK",
        "CUSTOM_FORMULA",
        "BOOLEAN",
        "TEXT_NOT_EQ",
        "DATE_NOT_EQ",
        "FILTER_EXPRESSION",
    ]
)
SCHEMA: dict[str, dict[str, Any]] = {
    "Request": {
        "addSheet": "AddSheetRequest",
        "deleteSheet": {"sheetId": S},
        "appendDimension": {"sheetId": S, "dimension": S, "length": S},
        "insertDimension": {"range": "DimensionRange", "inheritFromBefore": S},
        "deleteDimension": {"range": "DimensionRange"},
        "updateSheetProperties": {"properties": "SheetProperties", "fields": S},
        "repeatCell": {"range": "GridRange", "cell": "CellData", "fields": S},
        "updateDimensionProperties": {
            "range": "DimensionRange",
            "dataSourceSheetRange": ANY,
            "properties": "DimensionProperties",
            "fields": S,
        },
        "addConditionalFormatRule": {"rule": "ConditionalFormatRule", "index": S},
    },
    "AddSheetRequest": {"properties": "SheetProperties"},
    "SheetProperties": {
        "sheetId": S,
        "title": S,
        "index": S,
        "sheetType": S,
        "gridProperties": "GridProperties",
        "hidden": S,
        "tabColor": "Color",
        "tabColorStyle": "ColorStyle",
        "rightToLeft": S,
    },
    "GridProperties": {
        "rowCount": S,
        "columnCount": S,
        "frozenRowCount": S,
        "frozenColumnCount": S,
        "hideGridlines": S,
        "rowGroupControlAfter": S,
        "columnGroupControlAfter": S,
    },
    "GridRange": {
        "sheetId": S,
        "startRowIndex": S,
        "endRowIndex": S,
        "startColumnIndex": S,
        "endColumnIndex": S,
    },
    "DimensionRange": {"sheetId": S, "dimension": S, "startIndex": S, "endIndex": S},
    "DimensionProperties": {
        "hiddenByFilter": S,
        "hiddenByUser": S,
        "pixelSize": S,
        "developerMetadata": ANY,
        "dataSourceColumnReference": ANY,
    },
    "CellData": {
        "userEnteredValue": "ExtendedValue",
        "userEnteredFormat": "CellFormat",
        "hyperlink": S,
        "note": S,
        "textFormatRuns": ANY,
        "dataValidation": ANY,
        "pivotTable": ANY,
    },
    "ExtendedValue": {
        "numberValue": S,
        "stringValue": S,
        "boolValue": S,
        "formulaValue": S,
        "errorValue": ANY,
    },
    "CellFormat": {
        "numberFormat": "NumberFormat",
        "backgroundColor": "Color",
        "backgroundColorStyle": "ColorStyle",
        "borders": ANY,
        "padding": "Padding",
        "horizontalAlignment": S,
        "verticalAlignment": S,
        "wrapStrategy": S,
        "textDirection": S,
        "textFormat": "TextFormat",
        "hyperlinkDisplayType": S,
        "textRotation": ANY,
    },
    "NumberFormat": {"type": S, "pattern": S},
    "Padding": {"top": S, "right": S, "bottom": S, "left": S},
    "TextFormat": {
        "foregroundColor": "Color",
        "foregroundColorStyle": "ColorStyle",
        "fontFamily": S,
        "fontSize": S,
        "bold": S,
        "italic": S,
        "strikethrough": S,
        "underline": S,
        "link": ANY,
    },
    "Color": {"red": S, "green": S, "blue": S, "alpha": S},
    "ColorStyle": {"rgbColor": "Color", "themeColor": S},
    "ConditionalFormatRule": {"ranges": ["GridRange"], "booleanRule": "BooleanRule", "gradientRule": ANY},
    "BooleanRule": {"condition": "BooleanCondition", "format": "CellFormat"},
    "BooleanCondition": {"type": S, "values": ["ConditionValue"]},
    "ConditionValue": {"relativeDate": S, "userEnteredValue": S},
}
ONE_VALUE = frozenset(
    ["TEXT_EQ", "TEXT_NOT_EQ", "TEXT_CONTAINS", "TEXT_NOT_CONTAINS", "TEXT_STARTS_WITH", "TEXT_ENDS_WITH"]
)  # condition types that take exactly one value
CONDITIONAL_FORMAT = {  # what a conditional format may set
    "backgroundColor": None,
    "backgroundColorStyle": None,
    "textFormat": {"bold", "italic", "strikethrough", "underline", "foregroundColor", "foregroundColorStyle"},
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _fields(kind: Any) -> dict[str, Any] | None:
    if isinstance(kind, dict):
        return kind
    return SCHEMA.get(kind) if isinstance(kind, str) else None


def check_body(body: dict) -> None:
    """Every request of a batch against the schema, before any applies (as the API parses JSON)."""
    for i, request in enumerate(body.get("requests", [])):
        _check(request, "Request", f"requests[{i}]")


def _check(value: Any, kind: Any, at: str) -> None:
    fields = _fields(kind)
    if fields is None or not isinstance(value, dict):
        return
    for name, inner in value.items():
        if name not in fields:
            raise ApiError(
                400, f"Invalid JSON payload received. Unknown name \"{name}\" at '{at}': Cannot find field."
            )
        where = f"{at}.{_snake(name)}"
        if isinstance(fields[name], list):
            for j, item in enumerate(inner if isinstance(inner, list) else [inner]):
                _check(item, fields[name][0], f"{where}[{j}]")
        else:
            _check(inner, fields[name], where)
    if kind == "BooleanCondition" and value.get("type") not in CONDITION_TYPES:
        raise ApiError(
            400,
            f"Invalid value at '{at}.type' (type.googleapis.com/google.apps.sheets.v4.ConditionType), "
            f'"{value.get("type")}"',
        )


def parse_mask(mask: str, root: str, where: str) -> list[tuple[str, ...]]:
    """A FieldMask as the API takes it (`a.b,c`, `a/b`, `a(b,c)`), each path checked against `root`."""
    paths: list[tuple[str, ...]] = []
    stack: list[tuple[str, ...]] = [()]
    name = ""
    for ch in mask.replace(" ", "") + ",":
        if ch in ",()":
            path = stack[-1] + tuple(p for p in re.split(r"[./]", name) if p)
            if ch == "(":
                stack.append(path)
            else:
                if name:
                    paths.append(path)
                if ch == ")":
                    if len(stack) == 1:
                        raise ApiError(400, f"Invalid {where}: Invalid field mask: {mask}")
                    stack.pop()
            name = ""
        else:
            name += ch
    if len(stack) != 1:
        raise ApiError(400, f"Invalid {where}: Invalid field mask: {mask}")
    if not paths:
        raise ApiError(
            400,
            f"Invalid {where}: At least one field must be listed in 'fields'. "
            "(Use '*' to indicate all fields.)",
        )
    for path in paths:
        if path == ("*",):
            raise ApiError(400, f"Invalid {where}: the fake does not model '*' masks")
        kind: Any = root
        for part in path:
            fields = _fields(kind)
            if fields is None or part not in fields:
                raise ApiError(400, f"Invalid {where}: Invalid field mask path: {'.'.join(path)}")
            kind = fields[part]
    return paths


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
