"""The charts of the worker's own Dashboard tab: one drawing part related to its worksheet part, and
one chart part per chart related to the drawing (`rules.dashboard.Chart` says what each shows).

They are the worker's, like the tab: made anew from the Dashboard's rows each time it is rewritten
(the charts' cached values with it, so an application that does not recalculate shows the same
numbers), in the parts the tab already has when it has them (found through its relationships), else
in new parts with the first free names. Written only where the bytes change. The team's parts are
never read or written here.

Each chart is a stacked horizontal bar chart (DrawingML `c:barChart`, `barDir` bar, `grouping`
stacked, `overlap` 100) over the Dashboard's own cells: categories from the block's first column,
one series per column after it, named by the block's header row; placed by a one-cell anchor with a
fixed size in pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from sheets_sync.model import CellValue
from sheets_sync.rules.dashboard import Chart
from sheets_sync.sources.xlsx.book import quote_sheet
from sheets_sync.sources.xlsx.package import Package
from sheets_sync.sources.xlsx.parts import (
    REL,
    add_content_type,
    add_relationship,
    relationships,
    target,
)
from sheets_sync.sources.xlsx.refs import Area

DRAWING_REL = f"{REL}/drawing"
CHART_REL = f"{REL}/chart"
DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
EMU_PER_PIXEL = 9525
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def place_charts(
    package: Package, sheet_part: str, tab: str, rows: Sequence[Sequence[CellValue]], charts: Sequence[Chart]
) -> str:
    """Write the drawing and chart parts of `charts` for the worksheet `sheet_part` (the tab `tab`,
    holding `rows`); returns the Id of the sheet's relationship to its drawing (for `<drawing r:id>`)."""
    drawing_rel = next((r for r in relationships(package, sheet_part) if r.get("Type") == DRAWING_REL), None)
    if drawing_rel is not None:
        drawing, rid = target(sheet_part, drawing_rel), drawing_rel.get("Id", "")
    else:
        drawing = _free_name(package, "xl/drawings/drawing{}.xml")
        rid = add_relationship(package, sheet_part, DRAWING_REL, drawing)
        add_content_type(package, drawing, DRAWING_TYPE)
    existing = [
        (r.get("Id", ""), target(drawing, r))
        for r in relationships(package, drawing)
        if r.get("Type") == CHART_REL and package.has(drawing) and r.get("TargetMode") != "External"
    ]
    chart_ids = []
    for i, chart in enumerate(charts):
        if i < len(existing):
            chart_rid, part = existing[i]
        else:
            part = _free_name(package, "xl/charts/chart{}.xml")
            chart_rid = add_relationship(package, drawing, CHART_REL, part)
            add_content_type(package, part, CHART_TYPE)
        _write(package, part, chart_xml(chart, tab, rows))
        chart_ids.append(chart_rid)
    _write(package, drawing, drawing_xml(charts, chart_ids))
    return rid


def _write(package: Package, part: str, data: bytes) -> None:
    if not package.has(part) or package.read(part) != data:
        package.write(part, data)


def _free_name(package: Package, pattern: str) -> str:
    number = 1
    while package.has(pattern.format(number)):
        number += 1
    return pattern.format(number)


def drawing_xml(charts: Sequence[Chart], chart_ids: Sequence[str]) -> bytes:
    anchors = []
    for i, (chart, rid) in enumerate(zip(charts, chart_ids, strict=True), start=1):
        (row, column), (width, height) = chart.anchor, chart.size
        anchors.append(
            f"<xdr:oneCellAnchor><xdr:from><xdr:col>{column - 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>"
            f'<xdr:ext cx="{width * EMU_PER_PIXEL}" cy="{height * EMU_PER_PIXEL}"/>'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{i + 1}" '
            f'name="{escape(chart.title, {chr(34): "&quot;"})}"/><xdr:cNvGraphicFramePr/>'
            '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{C}"><c:chart xmlns:c="{C}" xmlns:r="{REL}" r:id="{rid}"/>'
            "</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:oneCellAnchor>"
        )
    return (
        _DECLARATION + f'<xdr:wsDr xmlns:xdr="{XDR}" xmlns:a="{A}">' + "".join(anchors) + "</xdr:wsDr>"
    ).encode()


def _cell(rows: Sequence[Sequence[CellValue]], row: int, column: int) -> CellValue:
    values = rows[row - 1] if 0 < row <= len(rows) else ()
    return values[column - 1] if 0 < column <= len(values) else None


def _ref(tab: str, area: Area) -> str:
    return escape(f"{quote_sheet(tab)}!{area.absolute()}")


def _text(value: CellValue) -> str:
    return "" if value is None else escape(value.isoformat() if hasattr(value, "isoformat") else str(value))


def _str_cache(values: Sequence[CellValue]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{_text(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strCache><c:ptCount val="{len(values)}"/>{points}</c:strCache>'


def _num_cache(values: Sequence[CellValue]) -> str:
    points = "".join(
        f'<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>'
        for i, v in enumerate(values)
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    )
    count = f'<c:ptCount val="{len(values)}"/>'
    return f"<c:numCache><c:formatCode>General</c:formatCode>{count}{points}</c:numCache>"


def _rich(text: str, size: int, bold: bool) -> str:
    b = ' b="1"' if bold else ' b="0"'
    return (
        f'<c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"{b}/></a:pPr>'
        f'<a:r><a:rPr lang="en-US" sz="{size}"{b}/><a:t>{escape(text)}</a:t></a:r></a:p></c:rich>'
    )


def _labels(size: int) -> str:
    return (
        f'<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr><a:defRPr sz="{size}"/></a:pPr>'
        '<a:endParaRPr lang="en-US"/></a:p></c:txPr>'
    )


def chart_xml(chart: Chart, tab: str, rows: Sequence[Sequence[CellValue]]) -> bytes:
    first, last = chart.header + 1, chart.header + chart.categories
    categories = Area(first, chart.column, last, chart.column)
    category_values = [_cell(rows, r, chart.column) for r in range(first, last + 1)]
    series = []
    for i in range(chart.series):
        column = chart.column + 1 + i
        name = Area(chart.header, column, chart.header, column)
        values = Area(first, column, last, column)
        series.append(
            f'<c:ser><c:idx val="{i}"/><c:order val="{i}"/>'
            f"<c:tx><c:strRef><c:f>{_ref(tab, name)}</c:f>{_str_cache([_cell(rows, chart.header, column)])}"
            "</c:strRef></c:tx>"
            f'<c:spPr><a:solidFill><a:srgbClr val="{chart.colours[i]}"/></a:solidFill></c:spPr>'
            '<c:invertIfNegative val="0"/>'
            f"<c:cat><c:strRef><c:f>{_ref(tab, categories)}</c:f>{_str_cache(category_values)}"
            "</c:strRef></c:cat>"
            f"<c:val><c:numRef><c:f>{_ref(tab, values)}</c:f>"
            f"{_num_cache([_cell(rows, r, column) for r in range(first, last + 1)])}</c:numRef></c:val>"
            "</c:ser>"
        )
    # Categories top to bottom as in the sheet (the axis reversed), the values' axis at the bottom.
    return (
        _DECLARATION + f'<c:chartSpace xmlns:c="{C}" xmlns:a="{A}" xmlns:r="{REL}">'
        '<c:roundedCorners val="0"/><c:chart>'
        f'<c:title><c:tx>{_rich(chart.title, 1200, True)}</c:tx><c:overlay val="0"/></c:title>'
        '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/>'
        '<c:barChart><c:barDir val="bar"/><c:grouping val="stacked"/><c:varyColors val="0"/>'
        + "".join(series)
        + '<c:gapWidth val="50"/><c:overlap val="100"/><c:axId val="101"/><c:axId val="102"/></c:barChart>'
        '<c:catAx><c:axId val="101"/><c:scaling><c:orientation val="maxMin"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="l"/><c:numFmt formatCode="General" sourceLinked="0"/><c:majorTickMark val="none"/>'
        f'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{_labels(900)}<c:crossAx val="102"/>'
        '<c:crosses val="autoZero"/><c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
        '<c:noMultiLvlLbl val="0"/></c:catAx>'
        '<c:valAx><c:axId val="102"/><c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/>'
        '<c:axPos val="b"/><c:majorGridlines/><c:numFmt formatCode="0" sourceLinked="0"/>'
        f'<c:majorTickMark val="out"/><c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>{_labels(900)}'
        '<c:crossAx val="101"/><c:crosses val="max"/><c:crossBetween val="between"/></c:valAx>'
        "</c:plotArea>"
        f'<c:legend><c:legendPos val="b"/><c:overlay val="0"/>{_labels(900)}</c:legend>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
    ).encode()


def chart_parts(package: Package, sheet_part: str) -> list[str]:
    """The chart parts of a worksheet's drawing, in order (for the tests)."""
    out = []
    for rel in relationships(package, sheet_part):
        if rel.get("Type") == DRAWING_REL:
            drawing = target(sheet_part, rel)
            out += [target(drawing, r) for r in relationships(package, drawing) if r.get("Type") == CHART_REL]
    return out


__all__ = ["CHART_REL", "DRAWING_REL", "chart_parts", "chart_xml", "drawing_xml", "place_charts"]
