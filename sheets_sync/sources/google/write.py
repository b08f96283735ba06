"""Writing a cycle's changes to a Google Sheet, in a fixed number of requests, safe under live edits.

Requests, when something must be written: one `values:batchGet` (FORMULA render) re-reading the
header row and the columns about to be written (whole tabs when rows are appended or rows without an
ID are written), then one `values:batchUpdate` (RAW) with every cell, appended row and the Dashboard;
plus, only when the layout must change, one `batchUpdate` before it (grow the grid, create the
Dashboard, date formats on the columns dates are written to: once per column per process; and the
look of the worker columns it creates, in that same request: see `look.py`).

Safe under live edits: every write is re-targeted, after the re-read, to where its row is now
(by ID; by identical content for a row read without an ID), and lands only if the cell still shows
what the cycle read. The re-read uses FORMULA render, so a team's formula shows as its text and is
never taken for the empty cell its result looks like: it is never written over. A header row that
changed in between (a column inserted, deleted, renamed) puts the whole write off to the next cycle.
Text is written RAW, so it can never become a formula.

Safe when the values write fails, whether or not it landed (a 429, or a timeout or a 5xx that may
come after Google applied it): it is not replayed as it was, seconds later, onto rows the team may
have sorted, inserted or appended meanwhile. Each retry (same jittered backoff, 5 tries in all, cut
short by a stop) re-reads and re-targets first: a row whose ID the re-read shows is not appended
again, a cell already showing the value to write is left as it is, and new headers already there
count as written. Appended rows go to explicit rows below the last one, never through an append.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence

from gspread.urls import SPREADSHEET_VALUES_BATCH_UPDATE_URL
from gspread.utils import Dimension, ValueInputOption, ValueRenderOption

from sheets_sync.errors import SourceError
from sheets_sync.model import CellValue, CellWrite, Changes
from sheets_sync.sheet.look import DATE_FORMATS, Look
from sheets_sync.sources import Snapshot, Table
from sheets_sync.sources.google.a1 import a1, letter, parse_range, quote_title
from sheets_sync.sources.google.api import is_transient
from sheets_sync.sources.google.dashboard import dashboard_requests, dashboard_widths
from sheets_sync.sources.google.layout import (
    JsonObject,
    WritePlan,
    layout_requests,
    refuse_dashboard_over_data,
)
from sheets_sync.sources.google.look import look_requests
from sheets_sync.sources.google.look import shown as shown_text
from sheets_sync.sources.google.spreadsheet import API_ERRORS, Sheet, Spreadsheet
from sheets_sync.sources.google.values import (
    Current,
    Locator,
    blocks,
    date_pattern,
    from_api,
    header_text,
    is_written,
    same,
    to_raw,
    trimmed,
)

logger = logging.getLogger(__name__)

_VALUES_WRITE = SPREADSHEET_VALUES_BATCH_UPDATE_URL % "-"  # for log lines and stop messages
Rows = tuple[tuple[CellValue, ...], ...]


class SheetWriter:
    """Writes changes to `spreadsheet`; remembers the date formats it set, so each is set once.
    `look`: how the worker columns it creates look (None: as the sheet's defaults)."""

    def __init__(self, spreadsheet: Spreadsheet, look: Look | None = None):
        self._spreadsheet = spreadsheet
        self._http = spreadsheet.http
        self.look = look
        self._date_formats = look.date_formats if look else DATE_FORMATS["en"]
        self._formatted: set[tuple[int, int]] = set()  # (sheetId, column) given a date format
        self._tail_formatted: dict[tuple[int, int], tuple[int, int]] = {}  # -> (first row, last row)
        # (sheetId, column) given their look by a layout request whose headers have not landed yet:
        # a retry, or the next cycle after a values write that failed, does not add its rules again
        self._styled: set[tuple[int, int]] = set()

    def write(self, snapshot: Snapshot, changes: Changes) -> None:
        """Re-read, re-target every write to where its row is now, then write it in one request.

        Raises SourceError(transient=True) when a request fails after its retries or the header row
        changed since `snapshot` was read; nothing is written then, unless a try of the values write
        landed though its answer was lost. Cells whose row is gone or which the team changed in the
        meantime are skipped: the next cycle recomputes them.
        """
        refuse_dashboard_over_data(changes)
        sent = self._http.requests_sent
        by_tab: dict[str, list[CellWrite]] = defaultdict(list)
        for w in changes.cells:
            by_tab[w.tab].append(w)
        tabs = list(
            dict.fromkeys(
                [*by_tab, *(t for t, rows in changes.appends.items() if rows), *changes.new_headers]
            )
        )
        sheets = self._spreadsheet.ensure_metadata()
        for tab in tabs:
            if tab not in sheets or tab not in snapshot.tables:
                raise SourceError(
                    f'The spreadsheet has no tab "{tab}" to write to; nothing was written.', transient=True
                )
        # The values write gets one try per plan: every retry re-reads and re-targets first (see
        # `_send_values`), so a retry seconds later never replays positions the team has moved since.
        for attempt in range(1, self._http.policy.tries + 1):
            if attempt > 1:
                self._http.check_stop("post", _VALUES_WRITE, attempt)
            out = self._plan(snapshot, changes, tabs, by_tab)
            if self._send_values(out, attempt):
                self._styled.clear()  # the new headers are there: a column made again is styled again
                break
        logger.log(
            logging.INFO if out.skipped else logging.DEBUG,
            "wrote %d cells to the Google Sheet in %d requests; %d put off (rows moved or edited meanwhile)",
            sum(map(len, out.cells.values())),
            self._http.requests_sent - sent,
            out.skipped,
        )

    def _plan(
        self, snapshot: Snapshot, changes: Changes, tabs: list[str], by_tab: dict[str, list[CellWrite]]
    ) -> WritePlan:
        """Re-read, place every write where its row is now, and send the layout request it needs."""
        out = WritePlan()
        current = self._reread(snapshot, changes, tabs, by_tab) if tabs else {}
        for tab in tabs:
            self._place(out, tab, snapshot.tables[tab], current[tab], changes, by_tab.get(tab, []))
        if changes.dashboard is not None:
            self._place_dashboard(out, snapshot, *changes.dashboard)
        layout = self._layout(out, current, changes.dashboard)
        if layout:
            self._spreadsheet.api(
                "write", self._http.batch_update, self._spreadsheet.key, {"requests": layout}
            )
            self._after_layout(out)
        return out

    def _send_values(self, out: WritePlan, attempt: int) -> bool:
        """The one values:batchUpdate of `out`, one try: True when done (or nothing is left to write),
        False after a transient failure, having waited the backoff before the next try.

        A 5xx or a timeout may have come after Google applied the write. The next try plans again
        from a fresh re-read, which is safe then too: a row whose ID it shows is not appended again,
        and a cell already showing the value to write is left as it is (`_place`).
        """
        data = [
            {"range": a1(tab, b.row0, b.col0, b.row1, b.col1), "values": b.values}
            for tab, written in out.cells.items()
            for b in blocks(written)
        ]
        if not data:
            return True
        body = {"valueInputOption": ValueInputOption.raw, "data": data}
        try:
            with self._http.one_try():
                self._http.values_batch_update(self._spreadsheet.key, body)
        except API_ERRORS as e:
            if attempt == self._http.policy.tries or not is_transient(e):
                raise self._spreadsheet.translate(e, "write") from e
            self._http.back_off("post", _VALUES_WRITE, e, attempt)
            return False
        return True

    def _reread(
        self, snapshot: Snapshot, changes: Changes, tabs: list[str], by_tab: dict[str, list[CellWrite]]
    ) -> dict[str, Current]:
        """One values:batchGet (COLUMNS, FORMULA render): each tab's header row and the columns about
        to be written, or the whole tab when rows will be appended or a row read without an ID is
        written. A formula comes back as its text ('=...'): see `Current` and `Locator`."""
        known = self._spreadsheet.sheets
        assert known is not None  # write() fetched the metadata
        ranges, slots = [], []
        for tab in tabs:
            sheet, table = known[tab], snapshot.tables[tab]
            id_col = changes.id_columns.get(tab)
            locator = Locator(
                table, Current([], {}, 0, 0), id_col if id_col and id_col <= sheet.cols else None
            )
            if changes.appends.get(tab) or any(locator.by_content(w.row) for w in by_tab.get(tab, ())):
                ranges.append(quote_title(tab))
                slots.append((tab, 0))
                continue
            ranges.append(f"{quote_title(tab)}!1:1")
            slots.append((tab, -1))
            for column in sorted({id_col or 0, *(w.column for w in by_tab.get(tab, ()))} - {0}):
                if column <= sheet.cols:  # beyond the grid: a new column, empty by definition
                    ranges.append(f"{quote_title(tab)}!{letter(column)}:{letter(column)}")
                    slots.append((tab, column))
        # FORMULA render: a team's formula re-reads as its text, never as the (empty) result the read
        # saw, so it never "still shows what the cycle read" and is never written over.
        answer = self._spreadsheet.get(ranges, Dimension.cols, "write", ValueRenderOption.formula)
        sheets = self._spreadsheet.sheets or {}
        current = {tab: Current([], {}, sheets[tab].rows, sheets[tab].cols) for tab in tabs}
        for (tab, slot), value_range in zip(slots, answer.get("valueRanges", []), strict=False):
            now, box = current[tab], parse_range(value_range["range"])
            columns = [[from_api(v) for v in column] for column in value_range.get("values", [])]
            if slot == -1:
                now.header, now.cols = [c[0] if c else None for c in columns], box.col1
            else:
                now.rows = box.row1
                for i, values in enumerate(columns):
                    now.columns[box.col0 + i] = values
                if slot == 0:
                    now.full, now.cols = True, box.col1
                    now.header = [c[0] if c else None for c in columns]
        return current

    def _place(
        self, out: WritePlan, tab: str, table: Table, now: Current, changes: Changes, writes: list[CellWrite]
    ) -> None:
        new_headers = changes.new_headers.get(tab, ())
        header = now.header_texts(table.header)
        landed = bool(new_headers) and header == _with_headers(table.header, new_headers)
        if header != trimmed(table.header) and not landed:  # landed: by an earlier try of this write
            raise SourceError(
                f'The columns of "{tab}" changed since the sheet was read (a column inserted, deleted or '
                "renamed); nothing written, will retry next cycle.",
                transient=True,
            )
        created = {} if landed or self.look is None else dict(new_headers)
        if created:
            out.created[tab] = created
        id_col = changes.id_columns.get(tab)
        locator = Locator(table, now, id_col)
        for w in writes:
            target = locator.where(w.row)
            shown = now.value(target, w.column) if target is not None else None
            if target is not None and is_written(shown, w.value):
                continue  # an earlier try of this write landed though its answer was lost: done
            if target is None or not same(shown, locator.as_read(w.row, w.column)):
                out.skipped += 1  # its row is gone, ambiguous, or the team changed the cell meanwhile
                continue
            out.put(tab, target, w.column, to_raw(w.value))
            if w.column in created:
                out.widen(tab, w.column, shown_text(w.value))
            pattern = date_pattern(w.value, self._date_formats)
            if pattern:
                out.column_dates[(tab, w.column)] = pattern
        for column, text in () if landed else new_headers:
            out.put(tab, 1, column, to_raw(text))
        # A row whose ID is there now landed in an earlier write that seemed to fail: not again.
        rows = [r for r in changes.appends.get(tab) or () if not locator.shows_id(_cell(r, id_col))]
        first = now.last_row() + 1
        for offset, values in enumerate(rows):
            for column, value in enumerate(values, start=1):
                if value is not None:  # an appended row leaves the other cells alone
                    out.put(tab, first + offset, column, to_raw(value))
                    if column in created:
                        out.widen(tab, column, shown_text(value))
                    pattern = date_pattern(value, self._date_formats)
                    if pattern:
                        out.tail_dates.setdefault((tab, column), (first, pattern))
        if rows:
            rows_needed, cols = out.need.get(tab, (0, 0))
            out.need[tab] = (max(rows_needed, first + len(rows) - 1), cols)

    def _place_dashboard(
        self, out: WritePlan, snapshot: Snapshot, name: str, rows: tuple[tuple[CellValue, ...], ...]
    ) -> None:
        """The whole tab in one block: the new rows, and '' over whatever the old content covered."""
        title = self._spreadsheet.find(name)
        old = snapshot.tables.get(title) if title else None
        old_height = 1 + len(old.rows) if old is not None and (any(old.header) or old.rows) else 0
        old_width = len(old.header) if old is not None else 0
        width = max([old_width, *(len(r) for r in rows)], default=0)
        height = max(old_height, len(rows))
        title = title or name
        if title not in (self._spreadsheet.sheets or {}):
            widths = dashboard_widths(rows)  # characters, as the xlsx source sizes them
            out.new_dashboard = (title, max(height + 20, 100), max(width + 2, 12), widths)
        for r in range(1, height + 1):
            values = rows[r - 1] if r <= len(rows) else ()
            for c in range(1, width + 1):
                value = values[c - 1] if c <= len(values) else None
                pattern = date_pattern(value, self._date_formats)
                if r == 1 and pattern:
                    value = header_text(value)  # the first row is read back as text: keep it text
                elif pattern:
                    out.cell_dates.append((title, r, c, pattern))
                out.put(title, r, c, to_raw(value))

    # --- layout -----------------------------------------------------------------------------

    def _layout(
        self, out: WritePlan, current: dict[str, Current], dashboard: tuple[str, Rows] | None = None
    ) -> list[JsonObject]:
        """The spreadsheet batchUpdate requests the values need first; [] when none. A Dashboard
        tab it creates gets its section titles and charts there, once (see `dashboard.py`)."""
        sheets = self._spreadsheet.sheets or {}
        ids = {t: s.sheet_id for t, s in sheets.items()}
        grid = {t: (s.rows, s.cols) for t, s in sheets.items()}
        grid.update({t: (c.rows, c.cols) for t, c in current.items()})
        requests_ = layout_requests(out, ids, grid, self._formatted, self._tail_formatted)
        if self.look is not None and out.created:
            headers = {t: c.header_texts() for t, c in current.items()}
            requests_ += look_requests(self.look, out, sheets, headers, self._styled)
        if out.new_dashboard is not None and dashboard is not None:
            title, _, columns, _ = out.new_dashboard
            requests_ += dashboard_requests(out.sheet_ids[title], dashboard[1], columns)
        return requests_

    def _after_layout(self, out: WritePlan) -> None:
        """The layout request succeeded: remember what it changed."""
        ids = out.sheet_ids
        if out.new_dashboard is not None and self._spreadsheet.sheets is not None:
            title, rows, cols, _ = out.new_dashboard
            self._spreadsheet.sheets[title] = Sheet(title, ids[title], rows, cols)
        for tab, (rows, cols) in out.grid.items():
            sheet = (self._spreadsheet.sheets or {}).get(tab)
            if sheet is not None:
                sheet.rows, sheet.cols = max(sheet.rows, rows), max(sheet.cols, cols)
        self._formatted.update((ids[tab], column) for tab, column in out.column_dates)
        self._tail_formatted.update(out.tails)
        self._styled.update(out.styled)
        for tab, (rows, cols) in out.frozen.items():
            sheet = (self._spreadsheet.sheets or {}).get(tab)
            if sheet is not None:
                sheet.frozen_rows, sheet.frozen_cols = rows, cols


def _cell(values: Sequence[CellValue], column: int | None) -> CellValue:
    return values[column - 1] if column and column <= len(values) else None


def _with_headers(header: tuple[str, ...], new_headers: tuple[tuple[int, str], ...]) -> list[str]:
    """The header row as read, with the worker's new column headers written in."""
    texts = list(header)
    for column, text in new_headers:
        texts.extend([""] * (column - len(texts)))
        texts[column - 1] = header_text(text)
    return trimmed(texts)
