"""The workbook's cell styles (`styles.xml`): finding or appending the few a written cell needs.

A date the worker writes into a cell without a date format gets a copy of that cell's style (font,
fill, borders kept) with the format `yyyy-mm-dd`; the Dashboard's first row is bold. A style that
is needed again is found, never appended twice, so repeated writes leave the part as it was. The
team's styles are never changed: new entries go at the end of their lists.
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

    def __init__(self, package: Package, workbook_part: str):
        self._package, self._workbook = package, workbook_part
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
        xf.set("numFmtId", str(self._number_format(FORMATS[kind]) if kind in FORMATS else 0))
        xf.set("applyNumberFormat", "1")
        return self._add_xf(xf)

    def _add_xf(self, xf: etree._Element) -> int:
        xfs = self._xfs()
        wanted = _canonical(xf)
        for i, existing in enumerate(xfs):
            if _canonical(existing) == wanted:
                return i
        xfs.append(xf)
        xfs.set("count", str(len(xfs)))
        self._changed = True
        return len(xfs) - 1

    def bold(self) -> int:
        """A bold copy of the default style (the Dashboard's first row)."""
        if (0, "bold") in self._cache:
            return self._cache[(0, "bold")]
        fonts = self._load().find(q("fonts"))
        if fonts is None or not len(fonts):
            raise PackageError("its styles part has no fonts")
        font = copy.deepcopy(fonts[0])
        for old in font.findall(q("b")):
            font.remove(old)
        font.insert(0, etree.Element(q("b")))
        wanted = _canonical(font)
        index = next((i for i, f in enumerate(fonts) if _canonical(f) == wanted), None)
        if index is None:
            fonts.append(font)
            fonts.set("count", str(len(fonts)))
            index, self._changed = len(fonts) - 1, True
        xf = copy.deepcopy(self._xf(0))
        xf.set("fontId", str(index))
        xf.set("applyFont", "1")
        self._cache[(0, "bold")] = self._add_xf(xf)
        return self._cache[(0, "bold")]

    def save(self) -> None:
        if self._changed and self._root is not None:
            self._package.write(self._name, serialize(self._root))
