"""A worksheet part cut into the bytes before `<sheetData>`, its rows, and the bytes after, and
what the patcher reads there before it writes: row offsets, cells, styles, columns, array formulas.

The part is never parsed as a tree (see `sheet_xml`): rows are found by their start tags, and
anything this cannot read with certainty (comments or CDATA among the rows, rows out of order or
without numbers, odd merged ranges, another encoding, Strict Open XML) is a PatchError.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from sheets_sync.errors import SourceError
from sheets_sync.sources.xlsx.parts import MAIN
from sheets_sync.sources.xlsx.refs import Area, column_index, parse_area

_NAME = rb"[A-Za-z_][\w.-]*"
_ROOT = re.compile(rb"<(?:(" + _NAME + rb"):)?worksheet\b[^>]*>")
_NS = re.compile(rb"\sxmlns(?::(" + _NAME + rb"))?\s*=\s*([\"'])(.*?)\2", re.S)
ATTRIBUTE = re.compile(rb"\s(" + _NAME + rb"(?::" + _NAME + rb")?)\s*=\s*([\"'])(.*?)\2", re.S)
CELL_REF = re.compile(rb"\sr\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?\d+")
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?encoding\s*=\s*[\"']([^\"']+)", re.S)


class PatchError(SourceError):
    """The sheet cannot be edited safely: nothing is written."""


def attributes(tag: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(3) for m in ATTRIBUTE.finditer(tag)}


def whole_number(value: bytes, what: str, error: Callable[[str], Exception]) -> int:
    if not value.strip().isdigit():
        raise error(f"{what} is {value.decode(errors='replace')!r}, not a number")
    return int(value)


class SheetRows:
    """One worksheet part, cut into the bytes before `<sheetData>`, its rows, and the bytes after."""

    def __init__(self, xml: bytes, tab: str):
        self.tab = tab
        declared = _DECLARATION.match(xml)
        if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
            raise self._error(f"it is encoded in {declared.group(1).decode(errors='replace')}, not UTF-8")
        root = _ROOT.search(xml)
        if root is None:
            raise self._error("its XML has no worksheet element")
        prefix = root.group(1)
        self.p = prefix + b":" if prefix else b""
        self.namespaces = {(m.group(1) or b""): m.group(3) for m in _NS.finditer(root.group(0))}
        if self.namespaces.get(prefix or b"") != MAIN.encode():
            raise self._error(
                "it is not a transitional SpreadsheetML worksheet (Strict Open XML is not supported)"
            )
        p = re.escape(self.p)
        self._row_start = re.compile(rb"<" + p + rb"row\b[^>]*>")
        self._cell = re.compile(rb"<" + p + rb"c\b[^>]*?/>|<" + p + rb"c\b[^>]*>.*?</" + p + rb"c>", re.S)
        self._formula_tag = re.compile(rb"<" + p + rb"f\b[^>]*>")
        data = re.compile(rb"<" + p + rb"sheetData\b[^>]*?(/?)>").search(xml, root.end())
        if data is None:
            raise self._error("it has no sheetData element")
        if data.group(1):  # <sheetData/>: no rows yet
            self.head = xml[: data.start()] + b"<" + self.p + b"sheetData>"
            body, self.tail = b"", b"</" + self.p + b"sheetData>" + xml[data.end() :]
        else:
            end = xml.find(b"</" + self.p + b"sheetData>", data.end())
            if end < 0:
                raise self._error("its sheetData element is not closed")
            self.head, body, self.tail = xml[: data.end()], xml[data.end() : end], xml[end:]
        self.body = body
        self._cols_of_head: tuple[bytes, list[tuple[int, int, dict[bytes, bytes], int, int]]] | None = None
        # Row numbers, ascending. Excel, LibreOffice and Google write `r` first: then one pass finds
        # the numbers (and that nothing else starts there: no comment, CDATA, PI or odd row), and a
        # row's offset is searched for only when it is edited: a sheet of 40,000 rows with three
        # edits costs a few string searches. Anything else takes the general, slower pass.
        self._offsets: list[int] | None = None
        numbers = re.findall(rb"<(?:" + p + rb'row r="(\d+)"|' + p + rb"row|[!?])", body)
        if not all(numbers):
            if b"<!" in body or b"<?" in body:
                raise self._error("its rows hold XML comments or CDATA, which sheets-sync does not edit")
            numbered = re.compile(rb"<" + p + rb"row\b(?:[^>]*?\sr\s*=\s*[\"'](\d+)[\"'])?")
            found = [(m.group(1), m.start()) for m in numbered.finditer(body)]
            if any(number is None for number, _ in found):
                raise self._error("it has rows without row numbers")
            numbers, self._offsets = [n for n, _ in found], [o for _, o in found]
        self.numbers = [int(n) for n in numbers]
        for a, b in zip(self.numbers, self.numbers[1:], strict=False):
            if b <= a:
                raise self._error(f"its rows are out of order (row {b} after row {a})")
        if self.numbers and body[: self._offset(0)].strip():
            raise self._error("its sheetData holds something other than rows")
        self.merged: list[Area] = []
        for tag in re.findall(rb"<" + p + rb"mergeCell\b[^>]*>", self.tail):
            ref = attributes(tag).get(b"ref", b"")
            try:
                self.merged.append(parse_area(ref.decode()))
            except ValueError:
                raise self._error(
                    f"it has merged cells over the range {ref.decode(errors='replace')!r}"
                ) from None

    def _error(self, why: str) -> PatchError:
        return PatchError(f'Cannot edit the tab "{self.tab}": {why}. Nothing was written.')

    # --- reading --------------------------------------------------------------------------

    def _offset(self, index: int, after: int = 0) -> int:
        """Where the `index`-th row's start tag is in body (searching from `after`, for speed)."""
        if self._offsets is not None:
            return self._offsets[index]
        found = self.body.find(b"<" + self.p + b'row r="%d"' % self.numbers[index], after)
        if found < 0:
            raise self._error(f"row {self.numbers[index]} cannot be found again")
        return found

    def _span(self, index: int, after: int = 0) -> tuple[int, int]:
        start = self._offset(index, after)
        end = self._offset(index + 1, start + 1) if index + 1 < len(self.numbers) else len(self.body)
        return start, end

    def _segment(self, index: int) -> bytes:
        start, end = self._span(index)
        return self.body[start:end]

    def last_row(self) -> int:
        """The last row holding anything: a value, text or a formula (styled empty rows do not count)."""
        p = re.escape(self.p)
        content = re.compile(rb"<" + p + rb"v>\s*[^<\s]|<" + p + rb"f\b|<" + p + rb"t\b[^>]*>[^<]")
        end = len(self.body)
        for index in range(len(self.numbers) - 1, -1, -1):
            if self._offsets is not None:
                start = self._offsets[index]
            else:
                start = self.body.rfind(b"<" + self.p + b'row r="%d"' % self.numbers[index], 0, end)
            if content.search(self.body, start, end):
                return self.numbers[index]
            end = start
        return 0

    def _row_cells(self, row: int) -> list[tuple[int, bytes]]:
        """The cells of `row` as (column, start tag); none when the row does not exist."""
        numbers = self.numbers
        i = bisect.bisect_left(numbers, row)
        if i == len(numbers) or numbers[i] != row:
            return []
        cells, column = [], 0
        for match in self._cell.finditer(self._segment(i)):
            tag = match.group(0)[: match.group(0).find(b">") + 1]
            ref = CELL_REF.search(tag)
            column = column_index(ref.group(1).decode()) if ref else column + 1
            cells.append((column, tag))
        return cells

    def cell_style(self, row: int, column: int) -> int:
        """The style index of a cell (0 when it has none or does not exist)."""
        for c, tag in self._row_cells(row):
            if c == column:
                style = attributes(tag).get(b"s", b"0")
                return int(style) if style.isdigit() else 0
        return 0

    def _cols(self) -> list[tuple[int, int, dict[bytes, bytes], int, int]]:
        """The `<col>` entries: (min, max, attributes, start, end offset in head)."""
        if self._cols_of_head is not None and self._cols_of_head[0] is self.head:
            return self._cols_of_head[1]
        found = []
        for match in re.finditer(rb"<" + re.escape(self.p) + rb"col\b[^>]*>", self.head):
            attrs = attributes(match.group(0))
            try:
                found.append((int(attrs[b"min"]), int(attrs[b"max"]), attrs, match.start(), match.end()))
            except (KeyError, ValueError):
                continue
        self._cols_of_head = (self.head, found)
        return found

    def column_style(self, column: int) -> int:
        """The style a column gives its new cells (a `<col style=...>`)."""
        for low, high, attrs, _, _ in self._cols():
            if low <= column <= high:
                style = attrs.get(b"style", b"0")
                return int(style) if style.isdigit() else 0
        return 0

    def copy_width(self, column: int) -> None:
        """A new column as wide as the one before it, when that one has a width and this one none."""
        cols = self._cols()
        if any(low <= column <= high for low, high, *_ in cols):
            return
        before = next((c for c in cols if c[0] <= column - 1 <= c[1]), None)
        if before is None or b"width" not in before[2]:
            return
        entry = (
            b"<"
            + self.p
            + b'col min="%d" max="%d" width="%s" customWidth="1"/>' % (column, column, before[2][b"width"])
        )
        following = next((c for c in cols if c[0] > column), None)  # <col>s are in column order
        at = following[3] if following else max(c[4] for c in cols)
        self.head = self.head[:at] + entry + self.head[at:]

    def _array_areas(self) -> list[Area]:
        """Ranges the team's array formulas (and data tables) fill: their cells hold no <f> of their own."""
        areas: list[Area] = []
        if b"array" not in self.body and b"dataTable" not in self.body:  # a quick no, mostly
            return areas
        for match in self._formula_tag.finditer(self.body):
            attrs = attributes(match.group(0))
            if attrs.get(b"t") in (b"array", b"dataTable") and b"ref" in attrs:
                try:
                    areas.append(parse_area(attrs[b"ref"].decode()))
                except ValueError:
                    raise self._error(f"a formula has the range {attrs[b'ref']!r}") from None
        return areas
