"""A worksheet's layout outside its rows, edited as bytes like its cells (`sheet_xml`): column widths
(`<cols>`), a frozen pane (`<sheetViews>`), and new elements after `<sheetData>` in the schema's
order (`conditionalFormatting`, `legacyDrawing`). Every other byte stays as it was.

Each edit reads what it edits with certainty or does nothing: it returns None, and the caller
leaves that part of the look out (an unread shape is never guessed at).
"""

from __future__ import annotations

import re

from lxml import etree

from sheets_sync.sources.xlsx.sheet_rows import ATTRIBUTE

# CT_Worksheet: the elements that may follow sheetData, in their order
AFTER_SHEET_DATA = (
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
)
_RANK = {name: i for i, name in enumerate(AFTER_SHEET_DATA)}
_NAME = rb"[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?"
# a tag whose attribute values are quoted (an unescaped `>` may sit in one)
_TAG = re.compile(rb"<(/?)(" + _NAME + rb")((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")


def _declarations(namespaces: dict[bytes, bytes]) -> bytes:
    return b"".join(b' xmlns%s="%s"' % (b":" + k if k else b"", v) for k, v in namespaces.items())


def _well_formed(xml: bytes, namespaces: dict[bytes, bytes]) -> bool:
    """Whether a run of worksheet children parses, under the worksheet's namespace declarations."""
    try:
        etree.fromstring(b"<w" + _declarations(namespaces) + b">" + xml + b"</w>")
    except etree.XMLSyntaxError:
        return False
    return True


def _children(tail: bytes) -> tuple[list[tuple[bytes, int, int]], int] | None:
    """The worksheet's children in `tail` (`</sheetData>` and what follows) as (tag name, start,
    end), and where `</worksheet>` starts; None when the tail holds anything but tags and text
    (comments, CDATA, processing instructions) or does not nest."""
    if b"<!" in tail or b"<?" in tail:
        return None
    tags = list(_TAG.finditer(tail))
    if len(tags) != tail.count(b"<") or not tags or not tags[0].group(1):
        return None  # some `<` does not open a tag this reads, or the tail does not start with a close
    found: list[tuple[bytes, int, int]] = []
    depth, start, name = 0, 0, b""
    for tag in tags[1:]:
        closing, qualified, empty = tag.group(1), tag.group(2), tag.group(4)
        if closing:
            if depth == 0:
                return (found, tag.start()) if not tail[tag.end() :].strip() else None
            depth -= 1
            if depth == 0:
                if qualified != name:
                    return None
                found.append((name, start, tag.end()))
        elif empty:
            if depth == 0:
                found.append((qualified, tag.start(), tag.end()))
        else:
            if depth == 0:
                name, start = qualified, tag.start()
            depth += 1
    return None


def find_children(tail: bytes, p: bytes, name: str) -> list[bytes] | None:
    """The worksheet's `name` elements after sheetData, as bytes (None: the tail is not read)."""
    children = _children(tail)
    if children is None:
        return None
    return [tail[start:end] for qualified, start, end in children[0] if qualified == p + name.encode()]


def parse_child(xml: bytes, namespaces: dict[bytes, bytes]) -> etree._Element | None:
    """One worksheet child, parsed under the worksheet's namespace declarations."""
    try:
        wrapper = etree.fromstring(b"<w" + _declarations(namespaces) + b">" + xml + b"</w>")
    except etree.XMLSyntaxError:
        return None
    return wrapper[0] if len(wrapper) == 1 else None


def insert_child(
    tail: bytes, p: bytes, name: str, element: bytes, namespaces: dict[bytes, bytes]
) -> bytes | None:
    """`tail` with `element` (a `name` element) where CT_Worksheet's order puts it: after the last
    child that may precede it (after others of its kind), else right after `</sheetData>`.
    Children of other namespaces (`mc:AlternateContent`) are never taken as a place to follow."""
    children = _children(tail)
    if children is None:
        return None
    rank = _RANK[name]
    first = tail.index(b">") + 1  # right after </sheetData>
    at = first
    for qualified, _, end in children[0]:
        local = _local(qualified, p)
        if local in _RANK and _RANK[local] <= rank:
            at = end
    grown = tail[:at] + element + tail[at:]
    again = _children(grown)
    if again is None or not _well_formed(grown[first : again[1]], namespaces):
        return None
    return grown


def _local(qualified: bytes, p: bytes) -> str:
    """A child's name in the worksheet's namespace ('' for one of another namespace)."""
    if not qualified.startswith(p) or b":" in qualified[len(p) :]:
        return ""
    return qualified[len(p) :].decode()


def max_priority(tail: bytes) -> int:
    """The highest priority of the sheet's conditional-format rules (theirs and Excel 2010's)."""
    rules = re.finditer(rb"<(?:[\w.-]+:)?cfRule\b[^>]*?\spriority\s*=\s*[\"'](\d+)[\"']", tail)
    return max((int(m.group(1)) for m in rules), default=0)


# --- the head: widths and panes ---------------------------------------------------------------


def _attributes(tag: bytes) -> list[tuple[bytes, bytes]]:
    return [(m.group(1), m.group(3)) for m in ATTRIBUTE.finditer(tag)]


def _col(p: bytes, attributes: list[tuple[bytes, bytes]]) -> bytes:
    return b"<" + p + b"col" + b"".join(b' %s="%s"' % (k, v) for k, v in attributes) + b"/>"


def _with(attributes: list[tuple[bytes, bytes]], **values: bytes) -> list[tuple[bytes, bytes]]:
    """The attributes with some set (replaced where present, appended where not)."""
    wanted = {k.encode(): v for k, v in values.items()}
    out = [(k, wanted.pop(k, v)) for k, v in attributes]
    return out + list(wanted.items())


def set_width(head: bytes, p: bytes, column: int, width: float) -> bytes | None:
    """`head` (the worksheet's bytes up to `<sheetData>`) with `column` `width` characters wide.
    A `<col>` range that covers the column without a width of its own (LibreOffice writes one for
    the columns after the last used one) is split around it; None when the column already has a
    custom width (the team's, kept) or the `<cols>` element is not read with certainty."""
    entry = [(b"min", b"%d" % column), (b"max", b"%d" % column)]
    entry += [(b"width", b"%g" % width), (b"customWidth", b"1")]
    cols = re.search(rb"<" + re.escape(p) + rb"cols\b[^>]*?(/?)>", head)
    if cols is None:
        data = re.search(rb"<" + re.escape(p) + rb"sheetData\b", head)
        if data is None:
            return None
        element = b"<" + p + b"cols>" + _col(p, entry) + b"</" + p + b"cols>"
        return head[: data.start()] + element + head[data.start() :]
    if cols.group(1):  # <cols/>
        element = b"<" + p + b"cols>" + _col(p, entry) + b"</" + p + b"cols>"
        return head[: cols.start()] + element + head[cols.end() :]
    close = head.find(b"</" + p + b"cols>", cols.end())
    if close < 0:
        return None
    inside = head[cols.end() : close]
    at = len(inside)  # where the new entry goes: before the first range to its right
    for match in re.finditer(rb"<" + re.escape(p) + rb"col\b[^>]*>", inside):
        tag = match.group(0)
        if not tag.endswith(b"/>"):
            return None
        attributes = _attributes(tag)
        values = dict(attributes)
        try:
            low, high = int(values[b"min"]), int(values[b"max"])
        except (KeyError, ValueError):
            return None
        if low <= column <= high:
            if values.get(b"customWidth", b"").lower() in (b"1", b"true") or any(
                b'"' in v for v in values.values()
            ):
                return None
            pieces = []
            if low < column:
                pieces.append(_col(p, _with(attributes, max=b"%d" % (column - 1))))
            custom = {"min": entry[0][1], "max": entry[1][1], "width": entry[2][1], "customWidth": b"1"}
            pieces.append(_col(p, _with(attributes, **custom)))
            if column < high:
                pieces.append(_col(p, _with(attributes, min=b"%d" % (column + 1))))
            start, end = cols.end() + match.start(), cols.end() + match.end()
            return head[:start] + b"".join(pieces) + head[end:]
        if low > column:
            at = min(at, match.start())
    at += cols.end()
    return head[:at] + _col(p, entry) + head[at:]


def freeze(head: bytes, p: bytes, rows: int, columns: int, top_left: str) -> bytes | None:
    """`head` with the first `rows` rows and `columns` columns frozen (`top_left`: the first cell
    that scrolls), in the sheet's one view; None when it has a pane of its own (frozen or split)
    or more than one view (windows someone arranged)."""
    pe = re.escape(p)
    split = (b' xSplit="%d"' % columns if columns else b"") + (b' ySplit="%d"' % rows if rows else b"")
    active = b"bottomRight" if rows and columns else b"bottomLeft" if rows else b"topRight"
    pane = (
        b"<"
        + p
        + b"pane"
        + split
        + b' topLeftCell="'
        + top_left.encode()
        + b'" activePane="'
        + active
        + b'" state="frozen"/>'
    )
    views = re.search(rb"<" + pe + rb"sheetViews\b[^>]*?(/?)>", head)
    if views is None or views.group(1):
        before = re.search(rb"<" + pe + rb"(?:sheetFormatPr|cols|sheetData)\b", head)
        if before is None:
            return None
        start, end = (views.start(), views.end()) if views else (before.start(), before.start())
        element = b'<%bsheetViews><%bsheetView workbookViewId="0">%b</%bsheetView></%bsheetViews>' % (
            p,
            p,
            pane,
            p,
            p,
        )
        return head[:start] + element + head[end:]
    close = head.find(b"</" + p + b"sheetViews>", views.end())
    if close < 0:
        return None
    inside = head[views.end() : close]
    opened = list(re.finditer(rb"<" + pe + rb"sheetView\b[^>]*>", inside))
    if len(opened) != 1 or re.search(rb"<" + pe + rb"pane\b", inside):
        return None
    tag = opened[0].group(0)
    at = views.end() + opened[0].end()
    if tag.endswith(b"/>"):
        opening = tag[:-2].rstrip() + b">"
        start = views.end() + opened[0].start()
        return head[:start] + opening + pane + b"</" + p + b"sheetView>" + head[at:]
    return head[:at] + pane + head[at:]
