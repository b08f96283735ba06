"""From the tables a source read to the Book the planner sees: each tab's headers mapped
(`headers`), its rows parsed (`rows`), every row given an ID, the Dashboard tab recognised.

Columns may be in any order. Every malformed cell becomes a Problem for its row's Sync note;
nothing here raises for bad data, only for a missing tab or required header.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sheets_sync.config import Config
from sheets_sync.errors import ConfigError
from sheets_sync.i18n import Words, words
from sheets_sync.model import (
    TAB_SPECS,
    Book,
    CellValue,
    Problem,
    Tab,
)
from sheets_sync.rules.dashboard import is_worker_dashboard
from sheets_sync.sheet import cells, rows
from sheets_sync.sheet.headers import Sheet, duplicate_headers, map_headers, normalize_header
from sheets_sync.sources import Snapshot, Table


@dataclass
class ReadBook:
    """The workbook as read: its sheets, the parsed Book, the problems and the IDs to fill."""

    sheets: dict[Tab, Sheet]
    book: Book
    problems: list[Problem]
    new_ids: dict[Tab, dict[int, str]]  # sheet row -> the ID the worker fills in
    ids: dict[Tab, dict[int, str]]  # every parsed row's ID, filled or new
    dashboard: Table | None
    next_ids: dict[Tab, Callable[[], str]] = field(default_factory=dict)  # IDs for appended rows
    dashboard_taken: bool = False  # a tab of the team's has the Dashboard's name: no Dashboard is written
    # A problem of a header cell whose text another column has too -> that cell's 0-based column.
    header_cells: dict[Problem, int] = field(default_factory=dict)

    def cell_ref(self, problem: Problem) -> str:
        sheet = self.sheets.get(problem.tab)
        name = sheet.table.name if sheet else problem.tab.value
        quoted = f"'{name}'" if re.search(r"\W", name) else name
        if problem in self.header_cells:
            return f"{quoted}!{cells.column_letters(self.header_cells[problem] + 1)}{problem.row}"
        for column, i in sheet.columns.items() if sheet else ():
            if sheet is not None and (
                sheet.header_text(column) == problem.column or column.value == problem.column
            ):
                return f"{quoted}!{cells.column_letters(i + 1)}{problem.row}"
        return f"{quoted}!{problem.row}:{problem.row}"


# --- reading ------------------------------------------------------------------------------


def tab_names(config: Config) -> list[str]:
    return [config.tab_name(tab) for tab in (*TAB_SPECS, Tab.DASHBOARD)]


def read_book(snapshot: Snapshot, config: Config) -> ReadBook:
    """Map every tab's headers and parse its rows. Raises ConfigError for a missing tab or header."""
    by_name = {normalize_header(name): table for name, table in snapshot.tables.items()}
    sheets = {}
    problems: list[Problem] = []
    header_cells: dict[Problem, int] = {}
    for tab in TAB_SPECS:
        name = config.tab_name(tab)
        table = by_name.get(normalize_header(name))
        if table is None:
            raise ConfigError(
                f'The workbook has no tab "{name}" ({tab.value}); it has: '
                f"{', '.join(snapshot.tables) or 'none'}. "
                "Add the tab, or map its name under `tabs:` in the config (tabs: "
                f"{{{tab.value}: Your name}})."
            )
        sheets[tab] = map_headers(tab, table, config)
        header_cells.update(duplicate_headers(sheets[tab], config))
    problems.extend(header_cells)
    ids, new_ids, next_ids, duplicates = _assign_ids(sheets, problems, words(config.language))
    partners = rows.parse_partners(sheets[Tab.PARTNERS], ids[Tab.PARTNERS], problems, config)
    lookup = rows.partner_lookup(partners)
    book = Book(
        partners=partners,
        contacts=rows.parse_contacts(sheets[Tab.CONTACTS], ids[Tab.CONTACTS], lookup, problems, config),
        activities=rows.parse_activities(
            sheets[Tab.ACTIVITIES], ids[Tab.ACTIVITIES], lookup, problems, config
        ),
        news=rows.parse_news(sheets[Tab.NEWS], ids[Tab.NEWS], problems, config),
        duplicate_ids=frozenset(duplicates),
    )
    name = config.tab_name(Tab.DASHBOARD)
    dashboard = by_name.get(normalize_header(name))
    chart_sheet = dashboard is None and normalize_header(name) in {
        normalize_header(t) for t in snapshot.object_tabs
    }
    if chart_sheet or (dashboard is not None and not _is_workers(dashboard, snapshot)):
        problems.append(
            Problem(
                Tab.DASHBOARD,
                1,
                "",
                (
                    f'The tab "{dashboard.name if dashboard else name}" was not made by sheets-sync, so it '
                    "is left alone and the Dashboard is not written. Rename that tab, or give the "
                    f"Dashboard another name in the config (tabs: {{Dashboard: Partners dashboard}})."
                ),
            )
        )
        return ReadBook(
            sheets,
            book,
            problems,
            new_ids,
            ids,
            None,
            next_ids,
            dashboard_taken=True,
            header_cells=header_cells,
        )
    return ReadBook(sheets, book, problems, new_ids, ids, dashboard, next_ids, header_cells=header_cells)


def _is_workers(dashboard: Table, snapshot: Snapshot) -> bool:
    """A Dashboard tab the worker may rewrite: marked as its own, made by it before marks existed,
    or empty: no value and no object such as a chart (e.g. a tab Google's layout request created
    in a cycle whose values then failed to land)."""
    empty = (
        not any(dashboard.header) and not any(dashboard.rows) and dashboard.name not in snapshot.object_tabs
    )
    return dashboard.name in snapshot.worker_tabs or is_worker_dashboard(dashboard.header) or empty


def _is_blank_row(row: list[CellValue], headed: list[int]) -> bool:
    """Blank under every column that has a header: a stray value beside the table is no row to number."""
    return all(cells.is_blank(row[i]) for i in headed if i < len(row))


def _assign_ids(
    sheets: dict[Tab, Sheet], problems: list[Problem], w: Words
) -> tuple[dict[Tab, dict[int, str]], dict[Tab, dict[int, str]], dict[Tab, Callable[[], str]], set[str]]:
    """Every non-blank row gets an ID: its own, or a new one numbered after the highest in use.

    New IDs copy the style the team already uses (`P-0042` or `P0042`), else `P-0001`.
    """
    ids: dict[Tab, dict[int, str]] = {}
    duplicates: set[str] = set()
    new_ids: dict[Tab, dict[int, str]] = {}
    next_ids: dict[Tab, Callable[[], str]] = {}
    for tab, sheet in sheets.items():
        prefix = TAB_SPECS[tab].id_prefix
        id_column = TAB_SPECS[tab].id_column
        pattern = re.compile(rf"^{prefix}(-?)(\d+)$")
        seen: dict[str, int] = {}
        ids[tab], new_ids[tab], missing = {}, {}, []
        highest, separator, width = 0, "-", 4
        headed = [i for i, h in enumerate(sheet.table.header) if not cells.is_blank(h)]
        for index, row in enumerate(sheet.table.rows):
            if _is_blank_row(row, headed):
                continue
            number = sheet.table.row_number(index)
            value = cells.as_text(sheet.get(row, id_column))
            if not value:
                missing.append(number)
                continue
            if value in seen:
                duplicates.add(value)
                problems.append(
                    Problem(
                        tab,
                        number,
                        sheet.header_text(id_column),
                        w.text(
                            "cell.duplicate_id",
                            value=cells.shown(value, 60, quoted=False, breaks=True),
                            row=str(seen[value]),
                        ),
                    )
                )
            else:
                seen[value] = number
            ids[tab][number] = value
            m = pattern.match(value)
            if m and int(m[2]) >= highest:
                highest, separator, width = int(m[2]), m[1], len(m[2])
        numbers = itertools.count(highest + 1)
        next_ids[tab] = functools.partial(_next_id, prefix, separator, width, numbers)
        for number in missing:
            ids[tab][number] = new_ids[tab][number] = next_ids[tab]()
    return ids, new_ids, next_ids, duplicates


def _next_id(prefix: str, separator: str, width: int, numbers: Iterator[int]) -> str:
    return f"{prefix}{separator}{next(numbers):0{width}d}"


LOG_ID_PREFIX = f"{TAB_SPECS[Tab.ACTIVITIES].id_prefix}-log-"  # how every ID of a log row starts


def log_row_id(key: str) -> str:
    """The ID of the Activities row that logs the send whose ledger key is `key`, e.g. `A-log-k3q9m2x7ra`.

    Derived from the key alone, so every cycle gives that row the same ID: a row a write put in the
    sheet although the write seemed to fail is recognised and not appended again. Never of the
    numbered form of the team's IDs (`A-0042`, `A0042`), so it neither collides with them nor moves
    the numbering of the IDs the worker fills in.
    """
    digest = base64.b32encode(hashlib.sha256(key.encode("utf-8")).digest()).decode("ascii").lower()
    return f"{LOG_ID_PREFIX}{digest[:10]}"  # 50 bits: no collision in practice
