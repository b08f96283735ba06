"""The fake Sheets API's embedded charts: `addChart` (and `deleteEmbeddedObject`), checked as the
real service checks them, kept on their sheet and listed in the metadata (`charts`), as
spreadsheets.get lists them.

Checked, so a request the real API would refuse fails here too:
- the schema (importing this module adds the chart messages to tests/fake_sheets_schema.SCHEMA, so
  an unknown field is the real "Invalid JSON payload received. Unknown name ..."), and the enums the
  chart uses (BasicChartType, BasicChartLegendPosition, BasicChartStackedType,
  BasicChartAxisPosition), with the real "Invalid value at ..." message, before anything applies;
- a ChartSpec has exactly one kind of chart, an EmbeddedObjectPosition exactly one of sheetId,
  overlayPosition and newSheet, and a chartId is not one the spreadsheet has already;
- a basic chart has at most one domain ("Only a single domain is supported"); every source range is
  on a sheet of the spreadsheet, within its grid, one row or one column (exactly one dimension of
  length 1), and the domain and every series have as many source ranges, of the same length;
- a series' targetAxis is a minor axis of the chart's type (BOTTOM_AXIS for BAR, LEFT_AXIS or
  RIGHT_AXIS for the others), stackedType only on the types that stack (AREA, BAR, COLUMN, COMBO,
  STEPPED_AREA), and an overlay's anchor cell inside its sheet's grid.

The wording of the structural messages is the fake's own; the JSON and enum messages are the real
ones. Charts are not drawn: a test looks at what was asked (`Sheet.charts`, the request log).
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from tests.fake_sheets_schema import ANY, SCHEMA, ApiError, S

__all__ = ["HANDLERS", "check_body"]

CHART_SCHEMA: dict[str, dict[str, Any]] = {
    "AddChartRequest": {"chart": "EmbeddedChart"},
    "DeleteEmbeddedObjectRequest": {"objectId": S},
    "EmbeddedChart": {"chartId": S, "spec": "ChartSpec", "position": "EmbeddedObjectPosition", "border": ANY},
    "ChartSpec": {
        "title": S,
        "altText": S,
        "titleTextFormat": "TextFormat",
        "titleTextPosition": ANY,
        "subtitle": S,
        "subtitleTextFormat": "TextFormat",
        "subtitleTextPosition": ANY,
        "fontName": S,
        "maximized": S,
        "backgroundColor": "Color",
        "backgroundColorStyle": "ColorStyle",
        "dataSourceChartProperties": ANY,
        "filterSpecs": ANY,
        "sortSpecs": ANY,
        "hiddenDimensionStrategy": S,
        "basicChart": "BasicChartSpec",
        "pieChart": ANY,
        "bubbleChart": ANY,
        "candlestickChart": ANY,
        "orgChart": ANY,
        "histogramChart": ANY,
        "waterfallChart": ANY,
        "treemapChart": ANY,
        "scorecardChart": ANY,
    },
    "BasicChartSpec": {
        "chartType": S,
        "legendPosition": S,
        "axis": ["BasicChartAxis"],
        "domains": ["BasicChartDomain"],
        "series": ["BasicChartSeries"],
        "headerCount": S,
        "threeDimensional": S,
        "interpolateNulls": S,
        "stackedType": S,
        "lineSmoothing": S,
        "compareMode": S,
        "totalDataLabel": ANY,
    },
    "BasicChartAxis": {
        "position": S,
        "title": S,
        "format": "TextFormat",
        "titleTextPosition": ANY,
        "viewWindowOptions": ANY,
    },
    "BasicChartDomain": {"domain": "ChartData", "reversed": S},
    "BasicChartSeries": {
        "series": "ChartData",
        "targetAxis": S,
        "type": S,
        "lineStyle": ANY,
        "dataLabel": ANY,
        "pointStyle": ANY,
        "color": "Color",
        "colorStyle": "ColorStyle",
        "styleOverrides": ANY,
    },
    "ChartData": {
        "sourceRange": "ChartSourceRange",
        "groupRule": ANY,
        "aggregateType": S,
        "columnReference": ANY,
    },
    "ChartSourceRange": {"sources": ["GridRange"]},
    "EmbeddedObjectPosition": {"sheetId": S, "overlayPosition": "OverlayPosition", "newSheet": S},
    "OverlayPosition": {
        "anchorCell": "GridCoordinate",
        "offsetXPixels": S,
        "offsetYPixels": S,
        "widthPixels": S,
        "heightPixels": S,
    },
    "GridCoordinate": {"sheetId": S, "rowIndex": S, "columnIndex": S},
}
SCHEMA.update(CHART_SCHEMA)
SCHEMA["Request"].update(
    {"addChart": "AddChartRequest", "deleteEmbeddedObject": "DeleteEmbeddedObjectRequest"}
)

CHART_TYPES = (
    "BASIC_CHART_TYPE_UNSPECIFIED",
    "BAR",
    "LINE",
    "AREA",
    "COLUMN",
    "SCATTER",
    "COMBO",
    "STEPPED_AREA",
)
ENUMS = {  # (a field of a message) -> (the enum's name, its values)
    ("BasicChartSpec", "chartType"): ("BasicChartType", CHART_TYPES),
    ("BasicChartSpec", "legendPosition"): (
        "BasicChartLegendPosition",
        (
            "BASIC_CHART_LEGEND_POSITION_UNSPECIFIED",
            "BOTTOM_LEGEND",
            "LEFT_LEGEND",
            "RIGHT_LEGEND",
            "TOP_LEGEND",
            "NO_LEGEND",
        ),
    ),
    ("BasicChartSpec", "stackedType"): (
        "BasicChartStackedType",
        ("BASIC_CHART_STACKED_TYPE_UNSPECIFIED", "NOT_STACKED", "STACKED", "PERCENT_STACKED"),
    ),
    ("BasicChartAxis", "position"): (
        "BasicChartAxisPosition",
        ("BASIC_CHART_AXIS_POSITION_UNSPECIFIED", "BOTTOM_AXIS", "LEFT_AXIS", "RIGHT_AXIS"),
    ),
    ("BasicChartSeries", "targetAxis"): (
        "BasicChartAxisPosition",
        ("BASIC_CHART_AXIS_POSITION_UNSPECIFIED", "BOTTOM_AXIS", "LEFT_AXIS", "RIGHT_AXIS"),
    ),
}
STACKING = frozenset({"AREA", "BAR", "COLUMN", "COMBO", "STEPPED_AREA"})
CHART_KINDS = (
    "basicChart",
    "pieChart",
    "bubbleChart",
    "candlestickChart",
    "orgChart",
    "histogramChart",
    "waterfallChart",
    "treemapChart",
    "scorecardChart",
)
_IDS = itertools.count(1_000_001)


def check_body(body: dict) -> None:
    """The chart enums of every request of a batch, before any applies (as the API parses JSON)."""
    for i, request in enumerate(body.get("requests", [])):
        chart = (request.get("addChart") or {}).get("chart")
        if chart is not None:
            _enums(
                chart.get("spec", {}).get("basicChart"),
                "BasicChartSpec",
                f"requests[{i}].add_chart.chart.spec.basic_chart",
            )


def _enums(value: Any, kind: str, at: str) -> None:
    if not isinstance(value, dict):
        return
    for name, inner in value.items():
        where = f"{at}.{_snake(name)}"
        if (kind, name) in ENUMS:
            enum, allowed = ENUMS[(kind, name)]
            if inner not in allowed:
                raise ApiError(
                    400,
                    f"Invalid value at '{where}' "
                    f'(type.googleapis.com/google.apps.sheets.v4.{enum}), "{inner}"',
                )
        inner_kind = CHART_SCHEMA.get(kind, {}).get(name)
        if isinstance(inner_kind, list):
            for j, item in enumerate(inner if isinstance(inner, list) else [inner]):
                _enums(item, inner_kind[0], f"{where}[{j}]")
        elif isinstance(inner_kind, str):
            _enums(inner, inner_kind, where)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _all_charts(book) -> list[dict]:
    return [chart for sheet in book.sheets for chart in sheet.charts]


def _source(book, source: dict, where: str) -> tuple[int, bool, tuple[int, int]]:
    """A chart's source range: its sheetId, whether it is a column, its (start, end) along it."""
    sheet = book.by_id(source.get("sheetId", 0), where)
    r0, c0 = source.get("startRowIndex", 0), source.get("startColumnIndex", 0)
    r1, c1 = source.get("endRowIndex", sheet.rows), source.get("endColumnIndex", sheet.cols)
    if min(r0, c0) < 0 or r0 >= r1 or c0 >= c1 or r1 > sheet.rows or c1 > sheet.cols:
        raise ApiError(
            400, f"Invalid {where}: the source range {source} is not within the grid of '{sheet.title}'"
        )
    if (r1 - r0 == 1) == (c1 - c0 == 1) and not (r1 - r0 == 1 and c1 - c0 == 1):
        raise ApiError(
            400, f"Invalid {where}: exactly one dimension of a source range must have a length of 1"
        )
    column = c1 - c0 == 1
    return sheet.sheet_id, column, ((r0, r1) if column else (c0, c1))


def _sources(book, data: dict | None, where: str) -> list[tuple[int, bool, tuple[int, int]]]:
    sources = ((data or {}).get("sourceRange") or {}).get("sources") or []
    if not sources:
        raise ApiError(400, f"Invalid {where}: a domain or series needs a source range")
    return [_source(book, s, f"{where}.sourceRange.sources[{i}]") for i, s in enumerate(sources)]


def _check_basic(book, basic: dict, where: str) -> None:
    kind = basic.get("chartType", "BASIC_CHART_TYPE_UNSPECIFIED")
    if kind == "BASIC_CHART_TYPE_UNSPECIFIED":
        raise ApiError(400, f"Invalid {where}: a basic chart needs a chartType")
    if (
        basic.get("stackedType") not in (None, "BASIC_CHART_STACKED_TYPE_UNSPECIFIED", "NOT_STACKED")
        and kind not in STACKING
    ):
        raise ApiError(400, f"Invalid {where}: stackedType is not supported for the chart type {kind}")
    domains = basic.get("domains") or []
    if len(domains) > 1:
        raise ApiError(400, f"Invalid {where}: Only a single domain is supported.")
    shape = [_sources(book, d.get("domain"), f"{where}.domains[{i}].domain") for i, d in enumerate(domains)]
    series = basic.get("series") or []
    if not series:
        raise ApiError(400, f"Invalid {where}: a chart needs at least one series")
    minor = ("BOTTOM_AXIS",) if kind == "BAR" else ("LEFT_AXIS", "RIGHT_AXIS")
    for i, s in enumerate(series):
        at = f"{where}.series[{i}]"
        shape.append(_sources(book, s.get("series"), f"{at}.series"))
        axis = s.get("targetAxis")
        if axis not in (None, "BASIC_CHART_AXIS_POSITION_UNSPECIFIED") and axis not in minor:
            raise ApiError(
                400, f"Invalid {at}: targetAxis {axis} is not a minor axis of a {kind} chart ({minor})"
            )
    first = shape[0]
    for ranges in shape[1:]:
        if len(ranges) != len(first) or any(
            a[1] != b[1] or a[2][1] - a[2][0] != b[2][1] - b[2][0] for a, b in zip(ranges, first, strict=True)
        ):
            raise ApiError(
                400,
                f"Invalid {where}: the domain and each series must have as many source ranges, "
                "of the same length",
            )


def add_chart(book, args: dict, where: str) -> dict:
    chart = copy.deepcopy(args.get("chart") or {})
    spec = chart.get("spec") or {}
    kinds = [k for k in CHART_KINDS if k in spec]
    if len(kinds) != 1:
        raise ApiError(400, f"Invalid {where}: a ChartSpec needs exactly one kind of chart, not {kinds}")
    if "basicChart" in spec:
        _check_basic(book, spec["basicChart"], f"{where}.chart.spec.basicChart")
    position = chart.get("position") or {}
    placed = [k for k in ("sheetId", "overlayPosition", "newSheet") if k in position]
    if len(placed) != 1:
        raise ApiError(
            400, f"Invalid {where}: a position needs exactly one of sheetId, overlayPosition and newSheet"
        )
    if "overlayPosition" not in position:
        raise ApiError(400, f"Invalid {where}: the fake places charts over a grid (overlayPosition) only")
    anchor = position["overlayPosition"].get("anchorCell") or {}
    sheet = book.by_id(anchor.get("sheetId", 0), where)
    if not (0 <= anchor.get("rowIndex", 0) < sheet.rows and 0 <= anchor.get("columnIndex", 0) < sheet.cols):
        raise ApiError(
            400, f"Invalid {where}: the anchor cell {anchor} is not in the grid of '{sheet.title}'"
        )
    taken = {c["chartId"] for c in _all_charts(book)}
    if "chartId" in chart and chart["chartId"] in taken:
        raise ApiError(400, f"Invalid {where}: An object with id {chart['chartId']} already exists.")
    chart.setdefault("chartId", next(i for i in _IDS if i not in taken))
    sheet.charts.append(chart)
    return {"addChart": {"chart": copy.deepcopy(chart)}}


def delete_embedded_object(book, args: dict, where: str) -> dict:
    for sheet in book.sheets:
        for chart in list(sheet.charts):
            if chart["chartId"] == args.get("objectId"):
                sheet.charts.remove(chart)
                return {}
    raise ApiError(400, f"Invalid {where}: No object with id: {args.get('objectId')}")


HANDLERS = {"addChart": add_chart, "deleteEmbeddedObject": delete_embedded_object}
