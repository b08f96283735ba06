"""The workbook part (`xl/workbook.xml`): which tab is which part, the date system, the worker's marks.

Edited only to ask for a recalculation when the file is next opened (`calcPr fullCalcOnLoad`: the
cells the worker writes may feed the team's formulas, whose cached results it keeps as they were)
and to create the worker's own Dashboard tab, which a hidden defined name marks as the worker's.
"""

from __future__ import annotations

from lxml import etree

from sheets_sync.errors import SourceError
from sheets_sync.sources.xlsx.package import Package, PackageError
from sheets_sync.sources.xlsx.parts import (
    MAIN,
    REL,
    WORKSHEET_REL,
    WORKSHEET_TYPE,
    add_content_type,
    add_relationship,
    parse,
    q,
    relationships,
    serialize,
    target,
    workbook_part,
)
from sheets_sync.sources.xlsx.refs import Area

DASHBOARD_MARK = "SheetsSync.Dashboard"  # a hidden name pointing at the worker's Dashboard tab
_BEFORE_DEFINED_NAMES = (
    "fileVersion",
    "fileSharing",
    "workbookPr",
    "workbookProtection",
    "bookViews",
    "sheets",
    "functionGroups",
    "externalReferences",
)
_BEFORE_CALC = (*_BEFORE_DEFINED_NAMES, "definedNames")


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _sheet_of(reference: str) -> str:
    """The tab a reference such as `'My tab'!$A$1` points at."""
    sheet = reference.rpartition("!")[0].strip()
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        sheet = sheet[1:-1].replace("''", "'")
    return sheet


class Book:
    def __init__(self, package: Package):
        self.package = package
        self.part = workbook_part(package)
        self.root = parse(package, self.part)
        if self.root.tag != q("workbook"):
            raise PackageError(
                "it is not a transitional SpreadsheetML workbook (Strict Open XML is not supported)"
            )
        self._changed = False
        rels = {r.get("Id"): r for r in relationships(package, self.part)}
        self.parts: dict[str, str] = {}  # tab name -> worksheet part ('' for a chart sheet or a broken link)
        sheets = self.root.find(q("sheets"))
        for sheet in sheets if sheets is not None else ():
            rel = rels.get(sheet.get(q("id", REL)))
            worksheet = rel if rel is not None and rel.get("Type") == WORKSHEET_REL else None
            self.parts[sheet.get("name", "")] = target(self.part, worksheet) if worksheet is not None else ""
        properties = self.root.find(q("workbookPr"))
        self.date1904 = properties is not None and properties.get("date1904", "").lower() in ("1", "true")

    def worksheet(self, tab: str) -> str:
        part = self.parts.get(tab, "")
        if not part or not self.package.has(part):
            raise SourceError(f'The workbook has no worksheet "{tab}" to write to; nothing was written.')
        return part

    def marked_dashboard(self) -> str | None:
        """The tab the worker's mark points at: scoped to that tab (`localSheetId`, which office
        suites keep in step when tabs move, and drop with the tab) and naming it."""
        tabs = list(self.parts)
        for name in self.root.iter(q("definedName")):
            if name.get("name") != DASHBOARD_MARK:
                continue
            tab = _sheet_of(name.text or "")
            scope = name.get("localSheetId", "")
            if scope.isdigit() and int(scope) < len(tabs) and tabs[int(scope)] == tab:
                return tab
        return None

    def set_filter_range(self, tab: str, area: Area) -> None:
        """Keep the hidden name of a tab's filter (`_xlnm._FilterDatabase`) on its grown range:
        LibreOffice rebuilds the filter from that name when it opens the file."""
        scope = str(list(self.parts).index(tab))
        for name in self.root.iter(q("definedName")):
            if name.get("name") == "_xlnm._FilterDatabase" and name.get("localSheetId") == scope:
                reference = f"{quote_sheet(tab)}!{area.absolute()}"
                if name.text != reference:
                    name.text, self._changed = reference, True

    def recalculate_on_open(self) -> None:
        calc = self.root.find(q("calcPr"))
        if calc is None:
            calc = self._insert(etree.Element(q("calcPr")), _BEFORE_CALC)
        if calc.get("fullCalcOnLoad") not in ("1", "true"):
            calc.set("fullCalcOnLoad", "1")
            self._changed = True

    def add_worksheet(self, tab: str, xml: bytes) -> str:
        """A new tab at the end; returns its part name."""
        number = len(self.parts) + 1
        while self.package.has(f"xl/worksheets/sheet{number}.xml"):
            number += 1
        part = f"xl/worksheets/sheet{number}.xml"
        self.package.write(part, xml)
        rid = add_relationship(self.package, self.part, WORKSHEET_REL, part)
        add_content_type(self.package, part, WORKSHEET_TYPE)
        sheets = self.root.find(q("sheets"))
        assert sheets is not None  # every workbook lists its tabs there (SpreadsheetML requires it)
        ids = [int(s.get("sheetId", "0") or 0) for s in sheets]
        sheet = etree.SubElement(sheets, q("sheet"))
        sheet.set("name", tab)
        sheet.set("sheetId", str(max(ids, default=0) + 1))
        sheet.set(q("id", REL), rid)
        self.parts[tab] = part
        self._changed = True
        return part

    def mark_dashboard(self, tab: str) -> None:
        reference = f"{quote_sheet(tab)}!$A$1"
        scope = str(list(self.parts).index(tab))
        names = self.root.find(q("definedNames"))
        if names is None:
            names = self._insert(etree.Element(q("definedNames")), _BEFORE_DEFINED_NAMES)
        wanted = {"name": DASHBOARD_MARK, "localSheetId": scope, "hidden": "1"}
        for name in list(names.iter(q("definedName"))):
            if name.get("name") != DASHBOARD_MARK:
                continue
            if dict(name.attrib) == wanted and name.text == reference:
                return
            names.remove(name)  # made again below: on this tab, hidden (LibreOffice unhides it)
        mark = etree.SubElement(names, q("definedName"))
        mark.set("name", DASHBOARD_MARK)
        mark.set("localSheetId", scope)
        mark.set("hidden", "1")
        mark.text = reference
        self._changed = True

    def _insert(self, element: etree._Element, after: tuple[str, ...]) -> etree._Element:
        """Insert where the schema's order puts it: right after the last element that precedes it
        (elements of other namespaces, e.g. Excel's `xr:revisionPtr`, may sit anywhere before)."""
        wanted = {q(tag) for tag in after}
        position = 0
        for i, child in enumerate(self.root):
            if child.tag in wanted:
                position = i + 1
        self.root.insert(position, element)
        self._changed = True
        return element

    def save(self) -> None:
        if self._changed:
            self.package.write(self.part, serialize(self.root))


__all__ = ["DASHBOARD_MARK", "MAIN", "Book"]
