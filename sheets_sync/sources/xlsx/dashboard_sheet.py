"""The worker's own Dashboard tab, written as a whole worksheet part.

The tab is the worker's (book.py marks it), so its XML is made anew each time rather than patched;
only its column widths are kept from the tab it replaces, in case someone widened a column.
Charts, when they come, are the worker's too: a drawing part related to this sheet part
(parts.add_relationship, add_content_type) and a `<drawing r:id>` element that this function adds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence

from sheets_sync.model import CellValue
from sheets_sync.sources.xlsx.cell_values import Encoded, encode
from sheets_sync.sources.xlsx.parts import MAIN, REL
from sheets_sync.sources.xlsx.refs import Area
from sheets_sync.sources.xlsx.sheet_xml import cell_xml

_COLS = re.compile(rb"<(?:[\w.-]+:)?cols\b.*?</(?:[\w.-]+:)?cols>", re.S)


def _display(value: CellValue) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)


def _widths(rows: Sequence[Sequence[CellValue]]) -> bytes:
    width = max((len(r) for r in rows), default=0)
    cols = []
    for c in range(1, width + 1):
        longest = max((len(_display(r[c - 1])) for r in rows if len(r) >= c), default=0)
        cols.append(
            b'<col min="%d" max="%d" width="%d" customWidth="1"/>' % (c, c, min(max(longest + 2, 10), 60))
        )
    return b"<cols>" + b"".join(cols) + b"</cols>" if cols else b""


def kept_widths(old_xml: bytes | None) -> bytes | None:
    """The `<cols>` of the Dashboard being replaced, when it is in the default namespace."""
    if not old_xml:
        return None
    match = _COLS.search(old_xml)
    return match.group(0) if match and match.group(0).startswith(b"<cols") else None


def dashboard_xml(
    rows: Sequence[Sequence[CellValue]],
    *,
    date1904: bool,
    bold: int,
    style_for: Callable[[int, Encoded], int],
    cols: bytes | None = None,
) -> bytes:
    """A worksheet holding `rows` from A1, the first row in style `bold`."""
    out = []
    for r, values in enumerate(rows, start=1):
        cells = b"".join(
            cell_xml(b"", r, c, encoded, style_for(bold if r == 1 else 0, encoded))
            for c, encoded in ((c, encode(v, date1904)) for c, v in enumerate(values, start=1))
        )
        if cells:
            out.append(b'<row r="%d">' % r + cells + b"</row>")
    width = max((len(r) for r in rows), default=1) or 1
    dimension = str(Area(1, 1, max(len(rows), 1), width)).encode()
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<worksheet xmlns="' + MAIN.encode() + b'" xmlns:r="' + REL.encode() + b'">'
        b'<dimension ref="' + dimension + b'"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        b'<sheetFormatPr defaultRowHeight="15"/>'
        + (cols if cols is not None else _widths(rows))
        + b"<sheetData>"
        + b"".join(out)
        + b"</sheetData>"
        b'<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        b'footer="0.3"/></worksheet>'
    )
