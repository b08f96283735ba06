"""The workbook's cell styles (`styles.xml`): finding or appending the few a written cell needs.

A date the worker writes into a cell without a date format gets a copy of that cell's style (font,
fill, borders kept) with the date format of the team's language (`yyyy-mm-dd`, `dd.mm.yyyy`); the
Dashboard's first row is bold; a worker column's header is bold on a fill of its own, and its Touch
status colours are differential formats. A style that is needed again is found, never appended
twice, so repeated writes leave the part as it was. The team's styles are never changed: new
entries go at the end of their lists.
"""

from __future__ import annotations

import copy
import re

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from sheets_sync.sources.xlsx.cell_values import Encoded
from sheets_sync.sources.xlsx.package import Package, PackageError
from sheets_sync.sources.xlsx.parts import (
    MAIN,
    STYLES_REL,
    add_content_type,
    add_relationship,
    parse,
    q,
    relationships,
    serialize,
    target,
)

FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "time": "hh:mm"}
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
_CJK_DATES = {*range(27, 37), *range(50, 59)}  # locale-dependent built-in date formats
_MINIMAL = (
    f'<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
    'patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


_BEFORE_DXFS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles")


def _argb(rgb: str) -> str:
    """RGB hex as styles.xml writes a colour: opaque ARGB."""
    return "FF" + rgb.upper()


def _index(element: etree._Element, name: str) -> int:
    value = element.get(name, "0") or "0"
    return int(value) if value.isdigit() else 0


# An element's tag (as lxml holds it), attributes, text and children's: equal for the same style entry
Canonical = tuple[object, list[tuple[str, str]], str, tuple["Canonical", ...]]


def _canonical(element: etree._Element) -> Canonical:
    """What makes two style entries the same: tags, attributes and children (not namespace prefixes)."""
    return (
        element.tag,
        sorted(element.attrib.items()),
        (element.text or "").strip(),
        tuple(_canonical(child) for child in element),
    )


class Styles:
    """`styles.xml` of one workbook, loaded when a cell first needs a style of its own."""

    def __init__(self, package: Package, workbook_part: str, date_formats: tuple[str, str] | None = None):
        """`date_formats`: of a date and of a date and time the worker writes, in the team's
        language (`sheet.look.DATE_FORMATS`); ISO by default."""
        self._package, self._workbook = package, workbook_part
        date, datetime = date_formats or (FORMATS["date"], FORMATS["datetime"])
        self._formats = {**FORMATS, "date": date, "datetime": datetime}
        self._root: etree._Element | None = None
        self._name = ""
        self._changed = False
        self._cache: dict[tuple[int, str], int] = {}

    def _load(self) -> etree._Element:
        if self._root is None:
            found = [
                target(self._workbook, r)
                for r in relationships(self._package, self._workbook)
                if r.get("Type") == STYLES_REL
            ]
            if found and self._package.has(found[0]):
                self._name, self._root = found[0], parse(self._package, found[0])
            else:  # a workbook some tool wrote without styles: give it the minimal one Excel would
                self._name = "xl/styles.xml"
                while self._package.has(self._name):
                    self._name = self._name.replace(".xml", "1.xml")
                self._root = etree.fromstring(_MINIMAL)
                add_relationship(self._package, self._workbook, STYLES_REL, self._name)
                add_content_type(self._package, self._name, STYLES_TYPE)
                self._changed = True
            if self._root.find(q("cellXfs")) is None:
                raise PackageError("its styles part has no cell styles")
        return self._root

    def _xfs(self) -> etree._Element:
        xfs = self._load().find(q("cellXfs"))
        assert xfs is not None  # _load refuses a styles part without it
        return xfs

    def style_for(self, style: int, value: Encoded) -> int:
        """The style a cell of style `style` needs to show `value`: itself, unless a date needs a date
        format, or a number would show as a date (a worker cell the team formatted as dates)."""
        if not (value.is_dated or (value.is_number and style)):
            return style
        key = (style, value.kind)
        if key not in self._cache:
            if value.is_number:
                shows = not self._shows(style, "time")
                self._cache[key] = style if shows else self._with_format(style, "number")
            else:
                shows = self._shows(style, value.kind)
                self._cache[key] = style if shows else self._with_format(style, value.kind)
        return self._cache[key]

    def _xf(self, style: int) -> etree._Element:
        xfs = self._xfs()
        return xfs[style] if 0 <= style < len(xfs) else xfs[0]

    def _format_code(self, number_format: int) -> str:
        if number_format < 164:
            return BUILTIN_FORMATS.get(number_format, "General")
        for entry in self._load().iter(q("numFmt")):
            if entry.get("numFmtId") == str(number_format):
                return entry.get("formatCode", "General")
        return "General"

    def _shows(self, style: int, kind: str) -> bool:
        """Whether the style already shows a `kind` (date: with a day or year, not just a time)."""
        number_format = int(self._xf(style).get("numFmtId", "0") or 0)
        if kind == "date" and number_format in _CJK_DATES:
            return True
        code = self._format_code(number_format)
        if code == "General" or not is_date_format(code):
            return False
        plain = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code).lower()
        has_date = "d" in plain or "y" in plain
        return has_date if kind == "date" else (has_date or kind == "time")

    def _number_format(self, code: str) -> int:
        root = self._load()
        formats = root.find(q("numFmts"))
        if formats is None:
            formats = etree.Element(q("numFmts"))
            root.insert(0, formats)
        ids = [164]
        for entry in formats.iter(q("numFmt")):
            if entry.get("formatCode") == code:
                return int(entry.get("numFmtId", "0"))
            ids.append(int(entry.get("numFmtId", "0")) + 1)
        entry = etree.SubElement(formats, q("numFmt"))
        entry.set("numFmtId", str(max(ids)))
        entry.set("formatCode", code)
        formats.set("count", str(len(formats)))
        self._changed = True
        return max(ids)

    def _with_format(self, style: int, kind: str) -> int:
        xf = copy.deepcopy(self._xf(style))
        xf.set("numFmtId", str(self._number_format(self._formats[kind]) if kind in self._formats else 0))
        xf.set("applyNumberFormat", "1")
        return self._add_xf(xf)

    def _add_xf(self, xf: etree._Element) -> int:
        return self._find_or_append(self._xfs(), xf)

    def bold(self) -> int:
        """A bold copy of the default style (the Dashboard's first row)."""
        if (0, "bold") not in self._cache:
            xf = copy.deepcopy(self._xf(0))
            xf.set("fontId", str(self._bold_font(0)))
            xf.set("applyFont", "1")
            self._cache[(0, "bold")] = self._add_xf(xf)
        return self._cache[(0, "bold")]

    def header(self, style: int, fill: str) -> int:
        """A copy of style `style` (a header cell's: its borders and alignment kept) in bold, on a
        solid fill of RGB hex `fill`: a worker column's header."""
        key = (style, f"header {fill}")
        if key not in self._cache:
            fills = self._list("fills")
            entry = etree.Element(q("fill"))
            pattern = etree.SubElement(entry, q("patternFill"), patternType="solid")
            etree.SubElement(pattern, q("fgColor"), rgb=_argb(fill))
            etree.SubElement(pattern, q("bgColor"), indexed="64")
            xf = copy.deepcopy(self._xf(style))
            font = _index(xf, "fontId")
            readable = font if self._is_bold(font) and not self._is_light(font) else self._bold_font(font)
            xf.set("fontId", str(readable))
            xf.set("fillId", str(self._find_or_append(fills, entry)))
            xf.set("applyFont", "1")
            xf.set("applyFill", "1")
            self._cache[key] = self._add_xf(xf)
        return self._cache[key]

    def aligned(self, style: int, horizontal: str) -> int:
        """A copy of style `style` aligned `horizontal` (left, center, right): the Dashboard's
        numbers, aligned as the titles above them."""
        key = (style, f"aligned {horizontal}")
        if key not in self._cache:
            xf = copy.deepcopy(self._xf(style))
            for old in xf.findall(q("alignment")):
                xf.remove(old)
            xf.insert(0, etree.Element(q("alignment"), horizontal=horizontal))  # an xf's first child
            xf.set("applyAlignment", "1")
            self._cache[key] = self._add_xf(xf)
        return self._cache[key]

    def dxf(self, fill: str, font: str) -> int:
        """The index of a differential format (a conditional format's look): text in RGB hex
        `font` on a solid `fill`. Found or appended to `<dxfs>`, which is made where it is missing."""
        root = self._load()
        dxfs = root.find(q("dxfs"))
        if dxfs is None:
            dxfs = etree.Element(q("dxfs"))
            after = [i for i, child in enumerate(root) if child.tag in {q(t) for t in _BEFORE_DXFS}]
            root.insert(after[-1] + 1 if after else 0, dxfs)
            dxfs.set("count", "0")
            self._changed = True
        entry = etree.Element(q("dxf"))
        etree.SubElement(etree.SubElement(entry, q("font")), q("color"), rgb=_argb(font))
        pattern = etree.SubElement(etree.SubElement(entry, q("fill")), q("patternFill"))
        etree.SubElement(pattern, q("bgColor"), rgb=_argb(fill))  # a dxf's solid fill, as Excel writes it
        return self._find_or_append(dxfs, entry)

    def _list(self, name: str) -> etree._Element:
        found = self._load().find(q(name))
        if found is None or not len(found):
            raise PackageError(f"its styles part has no {name}")
        return found

    def _is_bold(self, font: int) -> bool:
        fonts = self._list("fonts")
        found = fonts[font].find(q("b")) if 0 <= font < len(fonts) else None
        return found is not None and found.get("val", "1").lower() in ("1", "true")

    def _bold_font(self, font: int) -> int:
        """The index of a bold copy of font `font` (the first font when there is no such font)."""
        fonts = self._list("fonts")
        bold = copy.deepcopy(fonts[font] if 0 <= font < len(fonts) else fonts[0])
        for old in bold.findall(q("b")):
            bold.remove(old)
        bold.insert(0, etree.Element(q("b")))
        if self._is_light(font):  # white on the team's dark header: unreadable on a pale fill
            for colour in bold.findall(q("color")):
                bold.remove(colour)
        return self._find_or_append(fonts, bold)

    def _is_light(self, font: int) -> bool:
        """Whether font `font` is white or nearly (an RGB one, the theme's light colours, the palette's
        white): text meant for a dark fill."""
        fonts = self._list("fonts")
        colour = fonts[font].find(q("color")) if 0 <= font < len(fonts) else None
        if colour is None:
            return False
        rgb, theme, indexed = colour.get("rgb", ""), colour.get("theme"), colour.get("indexed")
        if len(rgb) in (6, 8) and all(c in "0123456789abcdefABCDEF" for c in rgb):
            red, green, blue = (int(rgb[-6:][i : i + 2], 16) for i in (0, 2, 4))
            return 0.299 * red + 0.587 * green + 0.114 * blue > 160
        return theme in ("0", "2") or indexed in ("1", "9")

    def _find_or_append(self, entries: etree._Element, entry: etree._Element) -> int:
        """The index of the entry of `entries` equal to `entry`, appended (and counted) if none is."""
        wanted = _canonical(entry)
        for i, existing in enumerate(entries):
            if _canonical(existing) == wanted:
                return i
        entries.append(entry)
        entries.set("count", str(len(entries)))
        self._changed = True
        return len(entries) - 1

    def save(self) -> None:
        if self._changed and self._root is not None:
            self._package.write(self._name, serialize(self._root))
