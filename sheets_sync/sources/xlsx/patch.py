"""A cycle's Changes applied to the workbook's bytes, part by part; every other part left as it was.

Touched: the worksheets that get cells (their XML only where cells change), `styles.xml` when a
date needs a date format, the Tables and filters that new columns or appended rows extend,
`workbook.xml` (recalculate on open; the Dashboard's entry and mark) and, to create the Dashboard,
the workbook's relationships and content types. Anything that cannot be edited safely raises a
PatchError or PackageError (SourceErrors) before a single byte is produced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sheets_sync.errors import SourceError
from sheets_sync.model import CellValue, Changes
from sheets_sync.sheet.look import HEADER_FILL, Look
from sheets_sync.sources.xlsx.book import Book
from sheets_sync.sources.xlsx.cell_values import Encoded, clean_text, encode
from sheets_sync.sources.xlsx.dashboard_sheet import write_dashboard
from sheets_sync.sources.xlsx.look import dress, plan, written
from sheets_sync.sources.xlsx.package import Package
from sheets_sync.sources.xlsx.sheet_xml import Worksheet
from sheets_sync.sources.xlsx.styles import Styles
from sheets_sync.sources.xlsx.tables import grow_filter, grow_tables


@dataclass
class Outcome:
    data: bytes  # the new file; the bytes given when nothing changed
    changed: bool = False
    skipped: list[str] = field(default_factory=list)  # 'Partners!B5': cells holding formulas, left alone


@dataclass(frozen=True)
class _WorkerHeader(Encoded):
    """The header of a worker column this write creates: it gets the look (look.py)."""


def patch(
    data: bytes,
    changes: Changes,
    look: Look | None = None,
    header_rows: Mapping[str, Sequence[str]] | None = None,
) -> Outcome:
    """`look`: how the worker columns `changes` create look (None: like the team's last header);
    `header_rows`: each tab's header row as read (where its Partner column is)."""
    package = Package(data)
    book = Book(package)
    styles = Styles(package, book.part, look.date_formats if look else None)
    outcome = Outcome(data)

    edits: dict[str, dict[int, dict[int, Encoded]]] = defaultdict(lambda: defaultdict(dict))
    headers: dict[str, dict[int, str]] = defaultdict(dict)
    for tab, new in changes.new_headers.items():
        for column, text in new:
            edits[tab][1][column] = encode(text)
            headers[tab][column] = clean_text(text)
    for write in changes.cells:
        edits[write.tab][write.row][write.column] = encode(write.value, book.date1904)

    for tab in sorted({*edits, *(t for t, rows in changes.appends.items() if rows)}):
        part = book.worksheet(tab)
        sheet = Worksheet(package.read(part), tab)
        rows = changes.appends.get(tab, ())
        last = sheet.last_row() if rows else 0
        for offset, values in enumerate(rows, start=1):
            for column, value in enumerate(values, start=1):
                if value is not None:  # the team's pre-filled cells in other columns stay
                    edits[tab][last + offset][column] = encode(value, book.date1904)
        sheet.tail, filtered = grow_filter(
            sheet.tail, sheet.p, list(headers.get(tab, ())), last, last + len(rows)
        )
        if filtered is not None:
            book.set_filter_range(tab, filtered)
        new_headers = headers.get(tab, {})
        dressed = plan(look, tab, new_headers, (header_rows or {}).get(tab, ())) if look else None
        for column in sorted(new_headers):
            if dressed is None or column not in dressed.headers:
                sheet.copy_width(column)
        if look is not None and dressed is not None:
            dress(package, part, sheet, styles, look, dressed, written(changes, tab, dressed.headers))
            for column in dressed.headers:  # styled as the team's header (or its row), then dressed
                edits[tab][1][column] = _WorkerHeader(
                    edits[tab][1][column].kind, edits[tab][1][column].payload
                )

        def default_style(
            row: int, column: int, sheet: Worksheet = sheet, new_headers: dict[int, str] = new_headers
        ) -> int:
            if row == 1 and column in new_headers:  # a new header looks like the team's last one
                while column in new_headers:
                    column -= 1
                return sheet.cell_style(1, column)
            return sheet.column_style(column)

        def style_for(style: int, value: Encoded) -> int:
            if isinstance(value, _WorkerHeader):
                return styles.header(style, HEADER_FILL)
            return styles.style_for(style, value)

        patched = sheet.patch(dict(edits[tab]), style_for, default_style)
        outcome.skipped += [f"{tab}!{ref}" for ref in patched.skipped]
        package.write(part, patched.xml)
        grow_tables(package, part, new_headers, last, last + len(rows))

    if changes.dashboard is not None:
        _write_dashboard(book, styles, *changes.dashboard, data_tabs={*edits, *changes.appends})

    if package.is_changed():
        book.recalculate_on_open()  # the team's formulas may read the cells just written
        styles.save()
        book.save()
        outcome.data, outcome.changed = package.to_bytes(), True
    return outcome


def _write_dashboard(
    book: Book, styles: Styles, name: str, rows: Sequence[Sequence[CellValue]], data_tabs: set[str]
) -> None:
    if name in data_tabs:  # a config that names the Dashboard like a data tab would wipe the team's rows
        raise SourceError(f'Refusing to rewrite "{name}" as the Dashboard: it is also a data tab.')
    write_dashboard(book, styles, name, rows)
