"""From a Plan back to the sheet: the cells the worker owns, where they differ from what it shows.

Only worker columns, empty `ID` cells and empty (or the worker's own) `Follow-up` cells are ever
written; rows logged in Activities are appended; the Dashboard is rewritten whole when it changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import StrEnum

from sheets_sync.config import Config
from sheets_sync.i18n import Words, is_missing_marker, is_open_follow_up, words
from sheets_sync.model import (
    TAB_SPECS,
    ActivityColumn,
    Book,
    CellValue,
    CellWrite,
    Changes,
    ContactColumn,
    FollowUpState,
    PartnerColumn,
    Plan,
    Problem,
    Tab,
)
from sheets_sync.sheet import cells, dates
from sheets_sync.sheet.headers import Sheet
from sheets_sync.sheet.workbook import ReadBook


def is_same(old: CellValue, new: CellValue) -> bool:
    """Whether a cell already shows `new`, forgiving how a source returns dates and numbers."""
    if new is None or new == "":
        return old is None or (isinstance(old, str) and not old.strip())
    if isinstance(new, dt.date):
        if isinstance(old, dt.datetime):
            return old.time() == dt.time() and old.date() == new
        if isinstance(old, (int, float)) and not isinstance(old, bool):
            return dates.to_serial(new) == old
        return old == new
    if isinstance(new, (int, float)) and isinstance(old, (int, float)) and not isinstance(old, bool):
        return float(old) == float(new)
    return old == new


def build_changes(
    rb: ReadBook,
    plan: Plan,
    dashboard: tuple[tuple[CellValue, ...], ...] | None,
    config: Config,
    *,
    book: Book | None = None,
    appends: Iterable[dict[ActivityColumn, CellValue]] = (),
    notes: dict[tuple[Tab, int], list[str]] | None = None,
) -> Changes:
    """The cells the worker owns, where they differ from what the sheet shows now.

    `book` is `rb.book` brought up to date with what was sent (see records.remember); `appends`
    are Activities rows to log; `notes` are extra Sync notes by (tab, row), e.g. a template error.
    """
    book = book or rb.book
    writer = _Writer(rb)
    w = words(config.language, plan.today)
    all_notes = _problem_notes(rb.problems)
    for where, extra in (notes or {}).items():
        all_notes.setdefault(where, []).extend(extra)
    state_by_row = {s.row: s for s in plan.partners}
    sheet = rb.sheets[Tab.PARTNERS]
    c = PartnerColumn
    for partner in book.partners:
        writer.set(sheet, partner.row, c.SALES_KIT_SENT, partner.sales_kit_sent, only_if_later=True)
        writer.set(sheet, partner.row, c.LAST_NEWSLETTER, partner.last_newsletter, only_if_later=True)
    for row in rb.ids[Tab.PARTNERS]:
        state = state_by_row.get(row)
        row_notes = all_notes.get((Tab.PARTNERS, row), [])
        if state is not None:
            writer.set(sheet, row, c.LAST_TOUCH, state.last_touch)
            writer.set(sheet, row, c.LAST_RESPONSE, state.last_response)
            writer.set(sheet, row, c.NEXT_TOUCH, state.next_touch)
            writer.set(sheet, row, c.TOUCH_STATUS, w.status(state.status))
            writer.set(sheet, row, c.DAYS_LATE, state.days_late)
            writer.set(sheet, row, c.NEXT_ACTION, state.next_action)
            writer.set(sheet, row, c.GOAL_PROGRESS, state.goal_progress)
            row_notes = [*row_notes, *state.notes]
        writer.set(sheet, row, c.SYNC_NOTE, _join(row_notes))

    for contact in book.contacts:
        writer.set(
            rb.sheets[Tab.CONTACTS],
            contact.row,
            ContactColumn.LAST_GREETING,
            contact.last_greeting,
            only_if_later=True,
        )
        if config.inbox.enabled:  # what the inbox says of the address (rules.inbox.take_in)
            writer.set(rb.sheets[Tab.CONTACTS], contact.row, ContactColumn.EMAIL_STATUS, contact.email_status)
    for tab, planned in ((Tab.CONTACTS, plan.contact_notes), (Tab.ACTIVITIES, plan.activity_notes)):
        sheet = rb.sheets[tab]
        column = TAB_SPECS[tab].sync_note_column
        for row in rb.ids[tab]:
            writer.set(sheet, row, column, _join([*all_notes.get((tab, row), []), *planned.get(row, ())]))

    _write_followups(writer, rb, book, plan, w)
    for tab, new in rb.new_ids.items():
        sheet = rb.sheets[tab]
        for row, row_id in new.items():
            writer.set(sheet, row, TAB_SPECS[tab].id_column, row_id)

    appended = _positional(rb, appends)
    return Changes(
        new_headers=_new_headers(rb, config),
        cells=tuple(writer.cells),
        appends={rb.sheets[Tab.ACTIVITIES].table.name: appended} if appended else {},
        dashboard=_dashboard_change(rb, dashboard, config),
        id_columns={s.table.name: s.position(TAB_SPECS[tab].id_column) + 1 for tab, s in rb.sheets.items()},
    )


def _write_followups(writer: _Writer, rb: ReadBook, book: Book, plan: Plan, w: Words) -> None:
    """Follow-up cells: what was sent; else the missing-next-steps marker, taken back once it no
    longer applies.

    The worker writes only into an empty cell or over its own marker: the team's text stays.
    """
    sheet = rb.sheets[Tab.ACTIVITIES]
    missing = {t.activity_row for t in plan.followups if t.state is FollowUpState.MISSING_NEXT_STEPS}
    marker = w.text("marker.missing")
    for as_read, now in zip(rb.book.activities, book.activities, strict=False):
        if not is_open_follow_up(as_read.follow_up):
            continue
        if not is_open_follow_up(now.follow_up):
            writer.set(sheet, now.row, ActivityColumn.FOLLOW_UP, now.follow_up)  # a follow-up went out
        elif now.row in missing:
            writer.set(sheet, now.row, ActivityColumn.FOLLOW_UP, marker)
        elif is_missing_marker(as_read.follow_up):
            writer.set(sheet, now.row, ActivityColumn.FOLLOW_UP, None)


def _positional(
    rb: ReadBook, rows: Iterable[dict[ActivityColumn, CellValue]]
) -> tuple[tuple[CellValue, ...], ...]:
    """Activities rows by column position, each with its ID (a new one if it has none).

    A row whose ID the sheet already shows is left out: it got there in a write that seemed to fail.
    """
    sheet = rb.sheets[Tab.ACTIVITIES]
    width = len(sheet.table.header) + len(sheet.added)
    present = set(rb.ids[Tab.ACTIVITIES].values())
    out = []
    for values in rows:
        row_id = values.get(ActivityColumn.ID) or rb.next_ids[Tab.ACTIVITIES]()
        if row_id in present:
            continue
        row: list[CellValue] = [None] * width
        for column, value in {**values, ActivityColumn.ID: row_id}.items():
            i = sheet.index(column)
            if i is not None:
                row[i] = value
        out.append(tuple(row))
    return tuple(out)


def _problem_notes(problems: list[Problem]) -> dict[tuple[Tab, int], list[str]]:
    notes: dict[tuple[Tab, int], list[str]] = {}
    for p in problems:
        notes.setdefault((p.tab, p.row), []).append(f"{p.column}: {p.message}" if p.column else p.message)
    return notes


def _join(notes: list[str] | tuple[str, ...]) -> str:
    return "; ".join(dict.fromkeys(notes))  # in order, each once


class _Writer:
    """Collects cell writes, skipping cells that already show the value."""

    def __init__(self, rb: ReadBook):
        self.rb = rb
        self.cells: list[CellWrite] = []

    def set(
        self, sheet: Sheet, row: int, column: StrEnum, value: CellValue, *, only_if_later: bool = False
    ) -> None:
        """Write `value` unless the cell already shows it.

        `only_if_later`: a record of a send is only ever filled in or moved forward, never cleared.
        """
        i = sheet.index(column)
        cells_row = sheet.table.rows[row - 2]
        old = cells_row[i] if i is not None and i < len(cells_row) else None
        if is_same(old, value) or (only_if_later and value is None):
            return
        if i is None:  # not reached: map_headers adds every column the worker writes
            raise KeyError(f"{column} is neither in the {sheet.tab.value} tab nor added to it")
        row_id = self.rb.ids[sheet.tab].get(row, "")
        self.cells.append(CellWrite(sheet.table.name, row, row_id, i + 1, value))


def _new_headers(rb: ReadBook, config: Config) -> dict[str, tuple[tuple[int, str], ...]]:
    """Missing worker columns (and ID) are added at the end of the header row, in the team's names."""
    return {
        sheet.table.name: tuple(
            (i + 1, config.column_name(tab, column.value)) for column, i in sheet.added.items()
        )
        for tab, sheet in rb.sheets.items()
        if sheet.added
    }


def _dashboard_change(
    rb: ReadBook, rows: tuple[tuple[CellValue, ...], ...] | None, config: Config
) -> tuple[str, tuple[tuple[CellValue, ...], ...]] | None:
    """The Dashboard is rewritten as a whole, and only when its content changed."""
    if rows is None or rb.dashboard_taken:
        return None
    if rb.dashboard is None:
        return (config.tab_name(Tab.DASHBOARD), tuple(rows))
    # a source returns the header row as text, so the first row is compared as text
    as_read = (tuple(cells.as_text(v) for v in rows[0]), *rows[1:]) if rows else ()
    if _same_rows([rb.dashboard.header, *rb.dashboard.rows], as_read):
        return None
    return (rb.dashboard.name, tuple(rows))


def _same_rows(old: Sequence[Sequence[CellValue]], new: Sequence[Sequence[CellValue]]) -> bool:
    def trimmed(row: Sequence[CellValue]) -> list[CellValue]:
        values = list(row)
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        return values

    before = [trimmed(r) for r in old]
    after = [trimmed(r) for r in new]
    while before and not before[-1]:
        before.pop()
    while after and not after[-1]:
        after.pop()
    return len(before) == len(after) and all(
        len(a) == len(b) and all(is_same(x, y) for x, y in zip(a, b, strict=False))
        for a, b in zip(before, after, strict=False)
    )
