"""The worker's own Dashboard tab, written as a whole worksheet part, with its charts.

The tab is the worker's (book.py marks it), so its XML is made anew each time rather than patched:
its section titles bold on the header fill and its numbers aligned as their titles, its columns as
wide as `rules.dashboard.dashboard_layout` says (a column someone widened stays as wide), printed
landscape one page wide, and its charts in a drawing part of their own (dashboard_charts.py) that a
`<drawing r:id>` element of the sheet points at.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from sheets_sync.model import CellValue
from sheets_sync.rules.dashboard import dashboard_layout
from sheets_sync.sheet.look import HEADER_FILL
from sheets_sync.sources.xlsx.book import Book
from sheets_sync.sources.xlsx.cell_values import Encoded, encode
from sheets_sync.sources.xlsx.dashboard_charts import place_charts
from sheets_sync.sources.xlsx.parts import MAIN, REL
from sheets_sync.sources.xlsx.refs import Area
from sheets_sync.sources.xlsx.sheet_xml import cell_xml
from sheets_sync.sources.xlsx.styles import Styles

_COLS = re.compile(rb"<(?:[\w.-]+:)?cols\b.*?</(?:[\w.-]+:)?cols>", re.S)
_COL = re.compile(rb"<(?:[\w.-]+:)?col\b([^>]*)>")
_ATTRIBUTE = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _display(value: CellValue) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)


def _widths(rows: Sequence[Sequence[CellValue]]) -> list[int]:
    width = max((len(r) for r in rows), default=0)
    out = []
    for c in range(1, width + 1):
        longest = max((len(_display(r[c - 1])) for r in rows if len(r) >= c), default=0)
        out.append(min(max(longest + 2, 10), 60))
    return out


def _cols(widths: Sequence[float]) -> bytes:
    cols = [
        b'<col min="%d" max="%d" width="%s" customWidth="1"/>' % (c, c, (b"%g" % w))
        for c, w in enumerate(widths, start=1)
    ]
    return b"<cols>" + b"".join(cols) + b"</cols>" if cols else b""


def kept_widths(old_xml: bytes | None) -> bytes | None:
    """The `<cols>` of the Dashboard being replaced, when it is in the default namespace."""
    if not old_xml:
        return None
    match = _COLS.search(old_xml)
    return match.group(0) if match and match.group(0).startswith(b"<cols") else None


def _old_widths(old_xml: bytes | None) -> dict[int, float]:
    """Column -> width, of the `<cols>` of the Dashboard being replaced."""
    cols = kept_widths(old_xml)
    out: dict[int, float] = {}
    for attributes in _COL.findall(cols or b""):
        found = {m[1]: m[2] or m[3] for m in _ATTRIBUTE.finditer(attributes)}
        try:
            first, last, width = int(found[b"min"]), int(found[b"max"]), float(found[b"width"])
        except (KeyError, ValueError):
            continue
        for c in range(first, min(last, 200) + 1):
            out[c] = width
    return out


def dashboard_xml(
    rows: Sequence[Sequence[CellValue]],
    *,
    date1904: bool,
    bold: int,
    style_for: Callable[[int, Encoded], int],
    cols: bytes | None = None,
    headings: Sequence[tuple[int, int, int]] | None = None,
    number: int = 0,
    drawing: str | None = None,
) -> bytes:
    """A worksheet holding `rows` from A1: the cells of `headings` ((row, first column, last
    column), blank ones too; default: the first row's) in style `bold`, other numbers in style
    `number`; `drawing`: the r:id of its drawing."""
    bold_cells = (
        {(1, c) for c in range(1, len(rows[0]) + 1)}
        if headings is None and rows
        else {(r, c) for r, first, last in headings or () for c in range(first, last + 1)}
    )
    out = []
    for r, values in enumerate(rows, start=1):
        width = max([len(values), *(c for row, c in bold_cells if row == r)]) if bold_cells else len(values)
        cells = []
        for c in range(1, width + 1):
            encoded = encode(values[c - 1] if c <= len(values) else None, date1904)
            style = bold if (r, c) in bold_cells else number if encoded.is_number else 0
            cells.append(cell_xml(b"", r, c, encoded, style_for(style, encoded)))
        if any(cells):
            out.append(b'<row r="%d">' % r + b"".join(cells) + b"</row>")
    width = max((len(r) for r in rows), default=1) or 1
    dimension = str(Area(1, 1, max(len(rows), 1), width)).encode()
    setup = (
        b'<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>' if drawing is not None else b""
    )
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="'
        + MAIN.encode()
        + b'" xmlns:r="'
        + REL.encode()
        + b'">'
        + (b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if drawing is not None else b"")
        + b'<dimension ref="'
        + dimension
        + b'"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        b'<sheetFormatPr defaultRowHeight="15"/>'
        + (cols if cols is not None else _cols(_widths(rows)))
        + b"<sheetData>"
        + b"".join(out)
        + b"</sheetData>"
        b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        + setup
        + (b'<drawing r:id="' + drawing.encode() + b'"/>' if drawing is not None else b"")
        + b"</worksheet>"
    )


def write_dashboard(book: Book, styles: Styles, name: str, rows: Sequence[Sequence[CellValue]]) -> None:
    """Create or rewrite the Dashboard tab `name` with `rows`, its charts, and its mark."""
    rows = list(rows)
    layout = dashboard_layout(rows)
    old = book.package.read(book.worksheet(name)) if name in book.parts else None
    kept = _old_widths(old)  # a column someone widened stays as wide
    computed = dict(enumerate(layout.widths, start=1))
    count = max([len(layout.widths), *kept])
    widths = [max(computed.get(c, 10), kept.get(c, 0)) for c in range(1, count + 1)]

    def xml(drawing: str | None) -> bytes:
        return dashboard_xml(
            rows,
            date1904=book.date1904,
            bold=styles.header(0, HEADER_FILL),
            style_for=styles.style_for,
            cols=_cols(widths),
            headings=layout.headings,
            number=styles.aligned(0, "left"),
            drawing=drawing,
        )

    part = book.add_worksheet(name, xml(None)) if old is None else book.worksheet(name)
    drawing = place_charts(book.package, part, name, rows, layout.charts) if layout.charts else None
    new = xml(drawing)
    if new != book.package.read(part):
        book.package.write(part, new)
    book.mark_dashboard(name)


__all__ = ["dashboard_xml", "kept_widths", "write_dashboard"]
