"""Notes (legacy comments) on cells the worker writes: the worker columns' header cells.

A note in an .xlsx is three things: an entry in the sheet's comments part (`xl/commentsN.xml`), a
shape in the sheet's VML drawing (`xl/drawings/vmlDrawingN.vml`, which Excel needs to show it) and
the sheet's `<legacyDrawing r:id>` pointing at that drawing, with their relationships and content
types. A sheet without notes gets all of them made; a sheet with the team's gets the worker's
appended to the team's parts as bytes, before their closing tags, so every note of the team's
stays byte for byte.

Left out (the sheet gets no notes: a note is not worth the risk of a file Excel must repair):
a comments part without a drawing to show it, two comments parts or legacy drawings, a drawing
that is not one `<xml>` element or whose shape ids would leave the block its `o:idmap` reserves,
a sheet whose XML after its cells is not read with certainty (see sheet_layout.py), and a cell
that has a note of the team's already.
"""

from __future__ import annotations

import logging
import re
from xml.sax.saxutils import escape

from lxml import etree

from sheets_sync.sources.xlsx.package import Package, PackageError
from sheets_sync.sources.xlsx.parts import (
    MAIN,
    REL,
    add_content_type,
    add_relationship,
    parse,
    q,
    relationships,
    target,
)
from sheets_sync.sources.xlsx.refs import parse_cell
from sheets_sync.sources.xlsx.sheet_layout import find_children, insert_child, parse_child

logger = logging.getLogger(__name__)

AUTHOR = "sheets-sync"
COMMENTS_REL = f"{REL}/comments"
VML_REL = f"{REL}/vmlDrawing"
COMMENTS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
_VML_NS = {
    b"v": b"urn:schemas-microsoft-com:vml",
    b"o": b"urn:schemas-microsoft-com:office:office",
    b"x": b"urn:schemas-microsoft-com:office:excel",
}
_NOTE_TYPE = b"_x0000_t202"  # the shape type of a note's text box, as Excel names it
_SHAPE_TYPE = (
    b'<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    b'<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
_SHAPE_IDS = re.compile(rb"_x0000_s(\d+)")
_IDMAP = re.compile(rb"<o:idmap\b[^>]*?\sdata\s*=\s*[\"']([\d,\s]*)[\"']")


class _Skip(Exception):
    """This sheet's notes are left out, for the reason given."""


def add_notes(
    package: Package,
    sheet_part: str,
    tail: bytes,
    p: bytes,
    namespaces: dict[bytes, bytes],
    notes: dict[str, str],
) -> bytes:
    """Add `notes` (cell reference -> text) to the sheet `sheet_part`, whose bytes after sheetData
    are `tail` (prefix `p`, root declarations `namespaces`); returns the new tail. Writes the
    comments and drawing parts into `package`; changes nothing when the sheet's notes are left out."""
    try:
        return _add(package, sheet_part, tail, p, namespaces, notes)
    except _Skip as why:
        logger.info("%s: the worker's column notes are left out: %s", sheet_part, why)
        return tail


def _add(
    package: Package,
    sheet_part: str,
    tail: bytes,
    p: bytes,
    namespaces: dict[bytes, bytes],
    notes: dict[str, str],
) -> bytes:
    rels = relationships(package, sheet_part)
    comments = [target(sheet_part, r) for r in rels if r.get("Type") == COMMENTS_REL]
    legacy = find_children(tail, p, "legacyDrawing")
    if legacy is None:
        raise _Skip("the XML after its cells is not read with certainty")
    if len(comments) > 1 or len(legacy) > 1:
        raise _Skip("it has two comments parts or legacy drawings")
    vml = ""
    if legacy:
        element = parse_child(legacy[0], namespaces)
        by_id = {x.get("Id"): x for x in rels}
        rel = by_id.get(element.get(q("id", REL))) if element is not None else None
        if rel is None or rel.get("Type") != VML_REL or not package.has(target(sheet_part, rel)):
            raise _Skip("its legacy drawing is not a VML part of its own")
        vml = target(sheet_part, rel)
    elif comments:
        raise _Skip("its comments part has no drawing to show the notes")
    if comments and not package.has(comments[0]):
        raise _Skip("its comments part is missing")

    comments_xml = package.read(comments[0]) if comments else None
    notes = {ref: text for ref, text in notes.items() if ref not in _commented(comments_xml)}
    if not notes:
        return tail
    vml_xml = package.read(vml) if vml else None
    shapes = _shapes(package, vml_xml, notes)
    grown_comments = _comments(comments_xml, notes)
    r = next((k for k, v in namespaces.items() if k and v == REL.encode()), None)

    def legacy_drawing(rid: bytes) -> bytes | None:
        declare = b"" if r else b' xmlns:r="' + REL.encode() + b'"'
        drawing = b"<" + p + b"legacyDrawing" + declare + b" " + (r or b"r") + b':id="' + rid + b'"/>'
        return insert_child(tail, p, "legacyDrawing", drawing, namespaces)

    if vml_xml is None and legacy_drawing(b"rId1") is None:
        raise _Skip("its legacy drawing has no place in its XML")
    # nothing is written before this line: every reason to leave the notes out is known by now
    comments_part = comments[0] if comments else _free_name(package, "xl/comments{}.xml")
    package.write(comments_part, grown_comments)
    if not comments:
        add_relationship(package, sheet_part, COMMENTS_REL, comments_part)
        add_content_type(package, comments_part, COMMENTS_TYPE)
    if vml_xml is not None:
        package.write(vml, vml_xml[: vml_xml.rindex(b"</xml>")] + shapes + b"</xml>")
        return tail
    vml = _free_name(package, "xl/drawings/vmlDrawing{}.vml")
    package.write(vml, shapes)
    rid = add_relationship(package, sheet_part, VML_REL, vml)
    _vml_content_type(package, vml)
    grown = legacy_drawing(rid.encode())
    if grown is None:  # not reached: the same element with another id had its place
        raise PackageError(f"{sheet_part}: cannot place its legacy drawing")
    return grown


def _free_name(package: Package, pattern: str) -> str:
    number = 1
    while package.has(pattern.format(number)):
        number += 1
    return pattern.format(number)


def _commented(xml: bytes | None) -> set[str]:
    """The cells that have a note in a comments part."""
    if xml is None:
        return set()
    try:
        root = etree.fromstring(xml, _PARSER)
    except etree.XMLSyntaxError as e:
        raise _Skip(f"its comments part does not parse ({e})") from e
    if root.tag != q("comments"):
        raise _Skip("its comments part is not SpreadsheetML comments")
    return {c.get("ref", "").upper() for c in root.iter(q("comment"))}


def _append(xml: bytes, prefix: bytes, name: bytes, inner: bytes) -> bytes:
    """`inner` appended to the one `<name>` element of `xml`, before its closing tag."""
    close = b"</" + prefix + name + b">"
    if xml.count(close) == 1:
        at = xml.index(close)
        return xml[:at] + inner + xml[at:]
    empty = re.findall(rb"<" + re.escape(prefix + name) + rb"\s*/>", xml)
    if xml.count(close) == 0 and len(empty) == 1:
        return xml.replace(empty[0], b"<" + prefix + name + b">" + inner + close, 1)
    raise _Skip(f"its comments part has no single {name.decode()} list")


def _comments(xml: bytes | None, notes: dict[str, str]) -> bytes:
    """The comments part with `notes` appended (the author `sheets-sync` too, once)."""
    if xml is None:
        xml = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<comments xmlns="'
            + MAIN.encode()
            + b'"><authors/><commentList/></comments>'
        )
    root = etree.fromstring(xml, _PARSER)
    prefix = (root.prefix.encode() + b":") if root.prefix else b""
    authors = [a.text or "" for a in root.iter(q("author"))]
    if AUTHOR in authors:
        author = authors.index(AUTHOR)
    else:
        author = len(authors)
        xml = _append(xml, prefix, b"authors", b"<%bauthor>%b</%bauthor>" % (prefix, AUTHOR.encode(), prefix))
    entries = b"".join(
        b'<%bcomment ref="%b" authorId="%d"><%btext><%bt xml:space="preserve">%b</%bt></%btext></%bcomment>'
        % (prefix, ref.encode(), author, prefix, prefix, escape(text).encode(), prefix, prefix, prefix)
        for ref, text in notes.items()
    )
    grown = _append(xml, prefix, b"commentList", entries)
    try:
        count = len(list(etree.fromstring(grown, _PARSER).iter(q("comment"))))
    except etree.XMLSyntaxError as e:
        raise _Skip(f"its comments part would not parse ({e})") from e
    if count != len(list(root.iter(q("comment")))) + len(notes):
        raise _Skip("its comments part does not take the notes where they belong")
    return grown


def _shapes(package: Package, vml: bytes | None, notes: dict[str, str]) -> bytes:
    """The VML shapes of `notes`, to append to the drawing `vml`; a whole new drawing for None."""
    if vml is None:
        taken = [n for name in _vml_parts(package) for n in _blocks(package.read(name))]
        block = max(taken, default=0) + 1
        first, head = (
            block * 1024 + 1,
            (
                b'<xml xmlns:v="urn:schemas-microsoft-com:vml" '
                b'xmlns:o="urn:schemas-microsoft-com:office:office" '
                b'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
                b'<o:idmap v:ext="edit" data="%d"/></o:shapelayout>' % block + _SHAPE_TYPE
            ),
        )
        return head + _note_shapes(first, notes) + b"</xml>"
    root = re.search(rb"<xml\b[^>]*>", vml)
    if root is None or not vml.rstrip().endswith(b"</xml>") or vml.count(b"</xml>") != 1:
        raise _Skip("its VML drawing is not one <xml> element")
    found = re.finditer(rb"xmlns:(\w+)\s*=\s*([\"'])(.*?)\2", root.group(0))
    declared = {m.group(1): m.group(3) for m in found}
    # openpyxl declares them on each shape instead of the root: the new shapes do likewise
    local = any(declared.get(k) != v for k, v in _VML_NS.items())
    used = [int(n) for n in _SHAPE_IDS.findall(vml)]
    blocks = _blocks(vml)
    first = max(used, default=max(blocks, default=1) * 1024) + 1
    if blocks and not any(b * 1024 < first and first + len(notes) <= (b + 1) * 1024 for b in blocks):
        raise _Skip("its VML drawing has no shape ids left in its block")
    has_type = re.search(rb"\sid\s*=\s*[\"']" + _NOTE_TYPE + rb"[\"']", vml) is not None
    stacked = len(re.findall(rb"<(?:\w+:)?shape\b", vml))  # the new notes go on top of them
    shapes = (b"" if has_type else _SHAPE_TYPE) + _note_shapes(first, notes, stacked)
    return _declared(shapes) if local else shapes


def _declared(shapes: bytes) -> bytes:
    """Each shape (and shape type) declaring the v, o and x prefixes itself."""
    declarations = b"".join(b' xmlns:%b="%b"' % (k, v) for k, v in _VML_NS.items())
    return re.sub(rb"<(v:shape(?:type)?)\b", lambda m: b"<" + m.group(1) + declarations, shapes)


def _vml_parts(package: Package) -> list[str]:
    return [name for name in package.names() if name.lower().endswith(".vml")]


def _blocks(vml: bytes) -> list[int]:
    """The shape-id blocks (of 1,024) a VML drawing's `o:idmap` reserves."""
    found = []
    for match in _IDMAP.finditer(vml):
        found += [int(n) for n in re.findall(rb"\d+", match.group(1))]
    return found


def _note_shapes(first: int, notes: dict[str, str], stacked: int = 0) -> bytes:
    out = []
    for number, ref in enumerate(notes, start=first):
        row, column = parse_cell(ref)
        anchor = b"%d, 15, %d, 2, %d, 15, %d, 2" % (column, max(row - 2, 0), column + 3, max(row - 2, 0) + 5)
        out.append(
            b'<v:shape id="_x0000_s%d" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;'
            b'margin-top:1.5pt;width:216pt;height:59.25pt;z-index:%d;visibility:hidden" fillcolor="#ffffe1" '
            b'o:insetmode="auto"><v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
            b'<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
            b'<div style="text-align:left"></div></v:textbox>'
            b'<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            b"<x:Anchor>%b</x:Anchor><x:AutoFill>False</x:AutoFill><x:Row>%d</x:Row><x:Column>%d</x:Column>"
            b"</x:ClientData></v:shape>" % (number, stacked + number - first + 1, anchor, row - 1, column - 1)
        )
    return b"".join(out)


def _vml_content_type(package: Package, part: str) -> None:
    """VML parts are typed by their extension, as Excel does, unless the package types them already."""
    root = parse(package, "[Content_Types].xml")
    for entry in root:
        if entry.get("Extension", "").lower() == "vml" or entry.get("PartName", "").lstrip("/") == part:
            return
    add_content_type(package, part, VML_TYPE)
