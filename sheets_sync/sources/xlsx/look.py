"""How the worker's own columns look in an .xlsx (`sheets_sync.sheet.look`), set in the write that
creates them and never again, so whatever the team restyles later stays as they made it.

For each worker column a write creates (the ID and Follow-up columns the worker adds are the
team's: they look like the team's last header, as before):
- its header cell: bold, on HEADER_FILL (a new cell style appended to styles.xml), with the column
  note (a legacy comment: `notes.py`);
- its width, from its header and what the write puts in it (`<cols>`; a column that already has a
  width of its own keeps it);
- the Touch status column of the Partners tab: one conditional-format rule (cell equals the status
  word) per status colour, most urgent first, each a differential format appended to styles.xml;
- on the Partners tab, when the sheet has no pane of its own: the header row frozen, and the
  columns up to Partner too when it is among the first three (never through merged cells).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from sheets_sync.model import CellValue, Changes
from sheets_sync.sheet.headers import normalize_header
from sheets_sync.sheet.look import MAX_FROZEN_COLUMNS, Look, column_note, column_width, status_colours
from sheets_sync.sources.xlsx.notes import add_notes
from sheets_sync.sources.xlsx.package import Package
from sheets_sync.sources.xlsx.refs import MAX_ROW, cell_ref
from sheets_sync.sources.xlsx.sheet_layout import freeze, insert_child, max_priority, set_width
from sheets_sync.sources.xlsx.sheet_xml import Worksheet
from sheets_sync.sources.xlsx.styles import Styles


@dataclass(frozen=True)
class TabLook:
    """The look one write gives one tab: the worker columns it creates, by column (1-based)."""

    headers: dict[int, str]  # column -> its header
    narrow: frozenset[int]
    status: int | None  # the Touch status column, when this write creates it
    freeze: tuple[int, int] | None  # (rows, columns) to freeze, when the sheet has no pane yet


def plan(look: Look, tab: str, created: dict[int, str], header: Sequence[str]) -> TabLook | None:
    """The look of the columns created in `tab` (`created`: column -> header; `header`: the tab's
    header row as read, before them); None when none of them is a worker column."""
    name = normalize_header(tab)
    ours = look.worker.get(name, frozenset())
    headers = {c: text for c, text in sorted(created.items()) if normalize_header(text) in ours}
    if not headers:
        return None
    narrow = look.narrow.get(name, frozenset())
    status, frozen = None, None
    if name == look.partners:
        status = next((c for c, t in headers.items() if normalize_header(t) == look.touch_status), None)
        partner = next((i for i, t in enumerate(header, start=1) if normalize_header(t) == look.partner), 0)
        frozen = (1, partner if partner <= MAX_FROZEN_COLUMNS else 0)
    return TabLook(
        headers=headers,
        narrow=frozenset(c for c, t in headers.items() if normalize_header(t) in narrow),
        status=status,
        freeze=frozen,
    )


def shown(value: CellValue) -> str:
    """About what a cell shows of a value the worker writes (its widest line): for its width."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return f"{value:.10g}"
    if value is None:
        return ""
    return max(str(value).splitlines() or [""], key=len)


def written(changes: Changes, tab: str, columns: dict[int, str]) -> dict[int, list[str]]:
    """What `changes` put below the header of each of `columns` of `tab`, as shown."""
    out: dict[int, list[str]] = {c: [] for c in columns}
    for write in changes.cells:
        if write.tab == tab and write.column in out and write.row > 1 and write.value is not None:
            out[write.column].append(shown(write.value))
    for values in changes.appends.get(tab, ()):
        for column, value in enumerate(values, start=1):
            if column in out and value is not None:
                out[column].append(shown(value))
    return out


def dress(
    package: Package,
    part: str,
    sheet: Worksheet,
    styles: Styles,
    look: Look,
    tab: TabLook,
    values: dict[int, list[str]],
) -> None:
    """Give `sheet` (the worksheet part `part`) the look of `tab`'s new columns, outside their
    cells: widths, the frozen pane, the Touch status colours, the notes. Each is left out where the
    sheet's XML is not read with certainty (see sheet_layout.py and notes.py)."""
    for column, header in tab.headers.items():
        width = column_width(header, values.get(column, []), narrow=column in tab.narrow)
        sheet.head = set_width(sheet.head, sheet.p, column, width) or sheet.head
    if tab.freeze is not None:
        rows, columns = tab.freeze
        # never through merged cells: a pane would cut them in two
        if any(a.min_row <= rows < a.max_row for a in sheet.merged):
            rows = 0
        if any(a.min_col <= columns < a.max_col for a in sheet.merged):
            columns = 0
        if rows or columns:
            top_left = cell_ref(rows + 1, columns + 1)
            sheet.head = freeze(sheet.head, sheet.p, rows, columns, top_left) or sheet.head
    if tab.status is not None:
        element = _status_rules(sheet, styles, look.language, tab.status)
        sheet.tail = (
            insert_child(sheet.tail, sheet.p, "conditionalFormatting", element, sheet.namespaces)
            or sheet.tail
        )
    notes = {cell_ref(1, column): column_note(look.language) for column in tab.headers}
    sheet.tail = add_notes(package, part, sheet.tail, sheet.p, sheet.namespaces, notes)


def _status_rules(sheet: Worksheet, styles: Styles, language: str, column: int) -> bytes:
    """One `<conditionalFormatting>` over the column below its header: a rule per status word."""
    p = sheet.p
    area = f"{cell_ref(2, column)}:{cell_ref(MAX_ROW, column)}".encode()
    priority = max_priority(sheet.tail)
    rules = []
    for offset, (word, colour) in enumerate(status_colours(language), start=1):
        formula = escape('"' + word.replace('"', '""') + '"').encode()
        rules.append(
            b'<%bcfRule type="cellIs" dxfId="%d" priority="%d" operator="equal">'
            b"<%bformula>%b</%bformula></%bcfRule>"
            % (p, styles.dxf(colour.fill, colour.font), priority + offset, p, formula, p, p)
        )
    return b'<%bconditionalFormatting sqref="%b">%b</%bconditionalFormatting>' % (p, area, b"".join(rules), p)
