"""Patching one worksheet's XML: set some cells, leave every other byte as it was.

A sheet of 40,000 rows is 20-30 MB of XML, and the worker changes a few hundred cells in it. So
the sheet is not parsed as a tree: `<row>` start tags are found with one regular-expression pass
(rows cannot nest, and `<` cannot appear unescaped in cell text); a cell that changes is found by
its reference, and a row is cut into all its cells only when a cell must be inserted. Each cell
that is rewritten is parsed by lxml first, so anything the patcher does not understand where a
cell must go ends the write with a PatchError instead of a guess: a comment or CDATA section
inside the sheet data, rows out of order or without numbers, a cell holding a picture or a linked
data type, a merged range. A cell holding a formula, or inside the range an array formula spills
into, is never written (the team's; the read saw only its result): it is skipped and reported.

No library edits a worksheet in place like this (openpyxl and the others load the whole workbook
and write it anew, dropping what they do not model), hence this module.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from sheets_sync.sources.xlsx.cell_values import Encoded
from sheets_sync.sources.xlsx.parts import MAIN
from sheets_sync.sources.xlsx.refs import Area, cell_ref, column_index, parse_area
from sheets_sync.sources.xlsx.sheet_rows import (
    ATTRIBUTE,
    CELL_REF,
    PatchError,
    SheetRows,
    attributes,
    whole_number,
)

__all__ = ["PatchError", "Patched", "StyleFor", "Worksheet", "attribute_span", "cell_xml"]

StyleFor = Callable[[int, Encoded], int]  # (the cell's current style index, the value) -> its style


def cell_xml(p: bytes, row: int, column: int, value: Encoded, style: int, keep_empty: bool = False) -> bytes:
    """One `<c>` holding `value` in style `style` (prefix `p`); b"" for an empty, unstyled cell."""
    ref = cell_ref(row, column).encode()
    s = b' s="%d"' % style if style else b""
    if value.kind == "empty":
        return b"<" + p + b'c r="' + ref + b'"' + s + b"/>" if (style or keep_empty) else b""
    opening = b"<" + p + b'c r="' + ref + b'"' + s
    if value.kind == "text":
        # xml:space="preserve" always: some readers drop a text of only spaces or line breaks.
        inner = b'<%bt xml:space="preserve">%b</%bt>' % (p, value.payload, p)
        return opening + b' t="inlineStr"><%bis>%b</%bis></%bc>' % (p, inner, p, p)
    t = b' t="b"' if value.kind == "bool" else b""
    return opening + t + b"><%bv>%b</%bv></%bc>" % (p, value.payload, p, p)


@dataclass
class Patched:
    xml: bytes
    skipped: list[str] = field(default_factory=list)  # cells not written: they hold the team's formulas


def attribute_span(xml: bytes, tag: bytes, name: bytes) -> tuple[bytes, int, int] | None:
    """The value of attribute `name` of the first `<tag ...>` in `xml`, and where that value lies
    (either quote, spaces around `=`): (value, start, end)."""
    element = re.search(rb"<" + re.escape(tag) + rb"\b[^>]*>", xml)
    if element is None:
        return None
    for match in ATTRIBUTE.finditer(element.group(0)):
        if match.group(1) == name:
            return match.group(3), element.start() + match.start(3), element.start() + match.end(3)
    return None


class Worksheet(SheetRows):
    """One worksheet part, read by `SheetRows`, and the cells a cycle writes into it."""

    # --- writing --------------------------------------------------------------------------

    def patch(
        self,
        edits: dict[int, dict[int, Encoded]],
        style_for: StyleFor,
        default_style: Callable[[int, int], int],
    ) -> Patched:
        """Set `edits` ({row: {column: value}}, 1-based); returns the new XML.

        `style_for` gives the style a value needs in a cell of a given style (a date format);
        `default_style(row, column)` the style a new cell takes (from its column, say).
        """
        result = Patched(b"")
        if not edits:
            result.xml = self.head + self.body + self.tail
            return result
        for row, columns in edits.items():
            for column in columns:
                for area in self.merged:
                    if area.contains(row, column):
                        raise self._error(f"{cell_ref(row, column)} is inside the merged cells {area}")
        protected = self._array_areas()
        numbers = self.numbers
        body = memoryview(self.body)  # slices without copies; join makes the one copy
        pieces: list[bytes | memoryview] = []
        position = 0  # in body
        for row in sorted(edits):
            cells = edits[row]
            skipped = [c for c in cells if any(a.contains(row, c) for a in protected)]
            result.skipped += [cell_ref(row, c) for c in skipped]
            cells = {c: v for c, v in cells.items() if c not in skipped}
            i = bisect.bisect_left(numbers, row)
            if i < len(numbers) and numbers[i] == row:
                start, end = self._span(i, position)
                pieces.append(body[position:start])
                pieces.append(
                    self._edit_row(self.body[start:end], row, cells, style_for, default_style, result)
                )
                position = end
            else:  # a new row, before the first existing row numbered above it
                at = self._offset(i, position) if i < len(numbers) else len(self.body)
                pieces.append(body[position:at])
                pieces.append(self._new_row(row, cells, style_for, default_style))
                position = at
        pieces.append(body[position:])
        written = [
            (row, c)
            for row, cells in edits.items()
            for c, v in cells.items()
            if v.kind != "empty" and cell_ref(row, c) not in result.skipped
        ]
        head = self._grow_dimension(written) if written else self.head
        result.xml = head + b"".join(pieces) + self.tail
        return result

    def _new_row(
        self,
        row: int,
        cells: dict[int, Encoded],
        style_for: StyleFor,
        default_style: Callable[[int, int], int],
    ) -> bytes:
        out = [
            self._cell_xml(row, c, v, style_for(default_style(row, c), v)) for c, v in sorted(cells.items())
        ]
        body = b"".join(x for x in out if x)
        if not body:
            return b""
        return b"<" + self.p + b'row r="%d">' % row + body + b"</" + self.p + b"row>"

    def _edit_row(
        self,
        segment: bytes,
        row: int,
        cells: dict[int, Encoded],
        style_for: StyleFor,
        default_style: Callable[[int, int], int],
        result: Patched,
    ) -> bytes:
        opening = self._row_start.match(segment)
        assert opening is not None  # the segment begins where the row's start tag was found
        tag = opening.group(0)
        if tag.endswith(b"/>"):
            inner = b""
            trailer = segment[opening.end() :]
            tag = tag[:-2].rstrip() + b">"
            close = b"</" + self.p + b"row>"
        else:
            end = segment.rfind(b"</" + self.p + b"row>")
            if end < 0:
                raise self._error(f"row {row} is not closed")
            inner = segment[opening.end() : end]
            close = b"</" + self.p + b"row>"
            trailer = segment[end + len(close) :]
        if trailer.strip():
            raise self._error(f"something other than a row follows row {row}")
        in_place = self._rewrite_in_place(inner, row, cells, style_for, result)
        if in_place is not None:
            return tag + in_place + close + trailer
        attrs = attributes(tag)
        custom = attrs.get(b"customFormat") in (b"1", b"true")
        row_style = (
            whole_number(attrs.get(b"s", b"0"), f"the style of row {row}", self._error) if custom else 0
        )

        # Cut the row into its cells, each with its column; what lies between them must be blank.
        tokens: list[tuple[int, bytes, bool]] = []  # column, XML, whether it says its `r`
        extension, position, column = b"", 0, 0
        for match in self._cell.finditer(inner):
            start, xml = match.start(), match.group(0)
            if start != position and inner[position:start].strip():
                raise self._error(f"row {row} holds something other than cells")
            ref = CELL_REF.search(xml, 0, xml.find(b">"))
            column = column_index(ref.group(1).decode()) if ref else column + 1
            tokens.append((column, xml, ref is not None))
            position = match.end()
        rest = inner[position:]
        if rest.strip():
            if not rest.lstrip().startswith(b"<" + self.p + b"extLst"):
                raise self._error(f"row {row} holds something other than cells")
            extension = rest
        if any(b[0] <= a[0] for a, b in itertools.pairwise(tokens)):
            raise self._error(f"the cells of row {row} are out of order")

        out: list[bytes] = []
        pending = sorted(cells.items())
        for col, xml, has_ref in tokens:
            while pending and pending[0][0] < col:
                c, value = pending.pop(0)
                out.append(
                    self._cell_xml(row, c, value, style_for(row_style or default_style(row, c), value))
                )
            if pending and pending[0][0] == col:
                _, value = pending.pop(0)
                out.append(self._rewrite(row, col, xml, value, style_for, result))
            else:
                out.append(xml if has_ref else self._with_ref(xml, row, col))
        for c, value in pending:
            out.append(self._cell_xml(row, c, value, style_for(row_style or default_style(row, c), value)))
        present = [t[0] for t in tokens] + [c for c, v in cells.items() if v.kind != "empty"]
        if present:
            tag = self._grow_spans(tag, min(present), max(present))
        return tag + b"".join(out) + extension + close + trailer

    def _rewrite_in_place(
        self, inner: bytes, row: int, cells: dict[int, Encoded], style_for: StyleFor, result: Patched
    ) -> bytes | None:
        """The row's cells with `cells` rewritten, when each of them is already there, once, under
        its own `r` (the usual day: the worker's cells exist): no need to cut the whole row into
        cells. None when a cell must be inserted, and the whole row is cut up instead."""
        found = []
        for column, value in cells.items():
            needle = b"<" + self.p + b'c r="' + cell_ref(row, column).encode() + b'"'
            at = inner.find(needle)
            if at < 0 or inner.find(needle, at + 1) >= 0:
                return None
            match = self._cell.match(inner, at)
            if match is None:
                return None
            found.append((at, match.end(), column, value))
        found.sort()
        out, position = [], 0
        for start, end, column, value in found:
            out += [
                inner[position:start],
                self._rewrite(row, column, inner[start:end], value, style_for, result),
            ]
            position = end
        out.append(inner[position:])
        return b"".join(out)

    def _with_ref(self, xml: bytes, row: int, column: int) -> bytes:
        """A cell written without `r` (allowed) gets one, so that cells inserted before it keep it in
        place."""
        cut = len(b"<" + self.p + b"c")
        return xml[:cut] + b' r="' + cell_ref(row, column).encode() + b'"' + xml[cut:]

    def _rewrite(
        self, row: int, column: int, xml: bytes, value: Encoded, style_for: StyleFor, result: Patched
    ) -> bytes:
        element = self._parse_cell(xml, row, column)
        if element.find(f"{{{MAIN}}}f") is not None:
            result.skipped.append(cell_ref(row, column))
            return xml
        if element.get("vm") is not None or element.find(f"{{{MAIN}}}extLst") is not None:
            raise self._error(f"{cell_ref(row, column)} holds a picture or a linked data type")
        style = whole_number(
            (element.get("s") or "0").encode(), f"the style of {cell_ref(row, column)}", self._error
        )
        return self._cell_xml(row, column, value, style_for(style, value), keep_empty=style != 0)

    def _parse_cell(self, xml: bytes, row: int, column: int) -> etree._Element:
        declarations = b"".join(
            b' xmlns%s="%s"' % (b":" + k if k else b"", v) for k, v in self.namespaces.items()
        )
        try:
            wrapper = etree.fromstring(b"<w" + declarations + b">" + xml + b"</w>")
        except etree.XMLSyntaxError as e:
            raise self._error(f"{cell_ref(row, column)} does not parse ({e})") from e
        if len(wrapper) != 1 or wrapper[0].tag != f"{{{MAIN}}}c":
            raise self._error(f"{cell_ref(row, column)} is not a plain cell")
        return wrapper[0]

    def _cell_xml(self, row: int, column: int, value: Encoded, style: int, keep_empty: bool = False) -> bytes:
        return cell_xml(self.p, row, column, value, style, keep_empty)

    def _grow_spans(self, tag: bytes, first: int, last: int) -> bytes:
        """`spans` is an optimisation hint ("1:14"); it must not claim fewer columns than the row has."""
        found = attribute_span(tag, self.p + b"row", b"spans")
        if found is None:
            return tag
        low, _, high = found[0].partition(b":")
        if not (low.isdigit() and high.isdigit()) or (int(low) <= first and int(high) >= last):
            return tag
        spans = b"%d:%d" % (min(int(low), first), max(int(high), last))
        return tag[: found[1]] + spans + tag[found[2] :]

    def _grow_dimension(self, cells: list[tuple[int, int]]) -> bytes:
        """`<dimension ref=...>` grown to cover the cells written."""
        found = attribute_span(self.head, self.p + b"dimension", b"ref")
        if found is None:
            return self.head
        try:
            area = parse_area(found[0].decode())
        except ValueError:
            return self.head
        rows, columns = [r for r, _ in cells], [c for _, c in cells]
        grown = Area(
            min(area.min_row, *rows),
            min(area.min_col, *columns),
            max(area.max_row, *rows),
            max(area.max_col, *columns),
        )
        if grown == area:
            return self.head
        return self.head[: found[1]] + str(grown).encode() + self.head[found[2] :]
