"""Excel Tables and filters that the worker's new columns and appended rows extend.

A worker column added right after a Table (or a sheet's filter) joins it, and rows appended right
below one become part of it, so that the team's sorting and filtering keep covering everything.
A Table with a totals row is not extended downwards (its totals row would have to move).
"""

from __future__ import annotations

from sheets_sync.sources.xlsx.package import Package
from sheets_sync.sources.xlsx.parts import TABLE_REL, parse, q, relationships, serialize, target
from sheets_sync.sources.xlsx.refs import Area, parse_area
from sheets_sync.sources.xlsx.sheet_xml import attribute_span


def _grown(area: Area, new_columns: list[int], last: int, new_last: int) -> Area:
    max_col = area.max_col
    for column in sorted(new_columns):
        if area.min_row == 1 and column == max_col + 1:
            max_col = column
    max_row = new_last if area.min_row <= last <= area.max_row < new_last else area.max_row
    return Area(area.min_row, area.min_col, max_row, max_col)


def grow_filter(
    tail: bytes, p: bytes, new_columns: list[int], last: int, new_last: int
) -> tuple[bytes, Area | None]:
    """The sheet's own `<autoFilter ref=...>` (in the XML after sheetData), grown; and its new range
    when it grew (the workbook's hidden `_xlnm._FilterDatabase` name must follow, see book.py)."""
    found = attribute_span(tail, p + b"autoFilter", b"ref")
    if found is None:
        return tail, None
    try:
        area = parse_area(found[0].decode())
    except ValueError:
        return tail, None
    grown = _grown(area, new_columns, last, new_last)
    if grown == area:
        return tail, None
    return tail[: found[1]] + str(grown).encode() + tail[found[2] :], grown


def grow_tables(package: Package, sheet_part: str, headers: dict[int, str], last: int, new_last: int) -> None:
    """The sheet's Tables, grown by the new header columns (`headers`: column -> text) and appended rows."""
    for relationship in relationships(package, sheet_part):
        if relationship.get("Type") != TABLE_REL:
            continue
        name = target(sheet_part, relationship)
        if not package.has(name):
            continue
        root = parse(package, name)
        try:
            area = parse_area(root.get("ref", ""))
        except ValueError:
            continue
        header_rows = int(root.get("headerRowCount", "1") or 0)
        totals = int(root.get("totalsRowCount", "0") or 0)
        columns = root.find(q("tableColumns"))
        names = {c.get("name", "").strip().casefold() for c in columns} if columns is not None else set()
        joining = [
            c
            for c, text in sorted(headers.items())
            if header_rows and columns is not None and text.strip() and text.strip().casefold() not in names
        ]
        grown = _grown(area, joining, last, new_last if not totals else last)
        if grown == area:
            continue
        if columns is not None:  # (none joins a table without tableColumns: see `joining`)
            for column in range(area.max_col + 1, grown.max_col + 1):
                entry = columns.makeelement(q("tableColumn"), {})
                entry.set("id", str(max((int(c.get("id", "0")) for c in columns), default=0) + 1))
                entry.set("name", headers[column])
                columns.append(entry)
                columns.set("count", str(len(columns)))
        root.set("ref", str(grown))
        auto_filter = root.find(q("autoFilter"))
        if auto_filter is not None:
            auto_filter.set(
                "ref", str(Area(grown.min_row, grown.min_col, grown.max_row - totals, grown.max_col))
            )
        package.write(name, serialize(root))
