"""The Sheets API's schema as the fake's spreadsheet `batchUpdate` checks requests against it (see
tests/fake_sheets_format.py): the fields of each message a request may name, the ConditionType enum,
and fields masks (`a.b`, `a/b` or `a(b,c)`, comma-separated) checked against a message.

Only the messages the worker's requests (and the tests') use are spelled out; a field whose message
the fake does not model is `ANY` (its inside is not checked).
"""

from __future__ import annotations

import re
from typing import Any


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
