"""From the tables a source read to the Book the planner sees, and from a Plan back to cell changes.

Headers are matched by name (the config may rename them; case and surrounding spaces are
ignored), so columns may be in any order. Every malformed cell becomes a Problem for its row's
Sync note; nothing here raises for bad data, only for a missing tab or required header.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sheets_sync.config import Config
from sheets_sync.errors import ConfigError
from sheets_sync.model import (
    TAB_SPECS,
    Activity,
    ActivityColumn,
    Book,
    CellValue,
    Contact,
    ContactColumn,
    Direction,
    NewsColumn,
    NewsItem,
    Partner,
    PartnerColumn,
    Problem,
    Stage,
    Tab,
)
from sheets_sync.rules.context import known_types, nearest_type
from sheets_sync.rules.dashboard import is_worker_dashboard
from sheets_sync.sheet import cells, dates
from sheets_sync.sources import Snapshot, Table

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_MAX_EMAIL = 254  # RFC 5321: no server takes a longer address


def normalize_header(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass
class Sheet:
    """One tab: where each known column sits (0-based), and the worker columns it will gain."""

    tab: Tab
    table: Table
    columns: dict[StrEnum, int]
    added: dict[StrEnum, int] = field(default_factory=dict)
    _titles: dict[int, str] = field(default_factory=dict, repr=False)  # header_text's, by column

    def index(self, column: StrEnum) -> int | None:
        found = self.columns.get(column)
        return found if found is not None else self.added.get(column)

    def get(self, row: list[CellValue], column: StrEnum) -> CellValue:
        i = self.columns.get(column)
        return row[i] if i is not None and i < len(row) else None

    def header_text(self, column: StrEnum) -> str:
        """The column's header as problems name it: one line, short (a header matches with any
        whitespace around it, so a matching one may still be a huge cell)."""
        i = self.columns.get(column)
        if i is None:
            return str(column)
        title = self._titles.get(i)
        if title is None:
            title = self._titles[i] = cells.shown(self.table.header[i], 60, quoted=False)
        return title


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
        for column, i in (sheet.columns.items() if sheet else ()):
            if sheet.header_text(column) == problem.column or column.value == problem.column:
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
                f'The workbook has no tab "{name}" ({tab.value}); it has: {", ".join(snapshot.tables) or "none"}. '
                f"Add the tab, or map its name under `tabs:` in the config (tabs: {{{tab.value}: Your name}})."
            )
        sheets[tab] = _map_headers(tab, table, config)
        header_cells.update(_duplicate_headers(sheets[tab], config))
    problems.extend(header_cells)
    ids, new_ids, next_ids, duplicates = _assign_ids(sheets, problems)
    partners = _parse_partners(sheets[Tab.PARTNERS], ids[Tab.PARTNERS], problems, config)
    lookup = _partner_lookup(partners)
    book = Book(
        partners=partners,
        contacts=_parse_contacts(sheets[Tab.CONTACTS], ids[Tab.CONTACTS], lookup, problems, config),
        activities=_parse_activities(sheets[Tab.ACTIVITIES], ids[Tab.ACTIVITIES], lookup, problems, config),
        news=_parse_news(sheets[Tab.NEWS], ids[Tab.NEWS], problems, config),
        duplicate_ids=frozenset(duplicates),
    )
    name = config.tab_name(Tab.DASHBOARD)
    dashboard = by_name.get(normalize_header(name))
    chart_sheet = dashboard is None and normalize_header(name) in {normalize_header(t) for t in snapshot.object_tabs}
    if chart_sheet or (dashboard is not None and not _is_workers(dashboard, snapshot)):
        problems.append(Problem(Tab.DASHBOARD, 1, "", (
            f'The tab "{dashboard.name if dashboard else name}" was not made by sheets-sync, so it is left '
            f"alone and the Dashboard is not written. Rename that tab, or give the Dashboard another name "
            f"in the config (tabs: {{Dashboard: Partners dashboard}})."
        )))  # fmt: skip
        return ReadBook(sheets, book, problems, new_ids, ids, None, next_ids, dashboard_taken=True,
                        header_cells=header_cells)  # fmt: skip
    return ReadBook(sheets, book, problems, new_ids, ids, dashboard, next_ids, header_cells=header_cells)


def _is_workers(dashboard: Table, snapshot: Snapshot) -> bool:
    """A Dashboard tab the worker may rewrite: marked as its own, made by it before marks existed,
    or empty: no value and no object such as a chart (e.g. a tab Google's layout request created
    in a cycle whose values then failed to land)."""
    empty = not any(dashboard.header) and not any(dashboard.rows) and dashboard.name not in snapshot.object_tabs
    return dashboard.name in snapshot.worker_tabs or is_worker_dashboard(dashboard.header) or empty


def _map_headers(tab: Tab, table: Table, config: Config) -> Sheet:
    spec = TAB_SPECS[tab]
    position = {}
    for i, text in enumerate(table.header):
        position.setdefault(normalize_header(text), i)
    columns = {}
    for column in spec.columns:
        i = position.get(normalize_header(config.column_name(tab, column.value)))
        if i is not None:
            columns[column] = i
    missing = [c for c in spec.required if c not in columns]
    if missing:
        raise ConfigError(
            f'The "{table.name}" tab has no "{config.column_name(tab, missing[0].value)}" column (required). '
            f'Its headers in row 1 are: {", ".join(h for h in table.header if h) or "none"}. Add the column, '
            f"or map its name in the config: columns: {{{tab.value}: {{{missing[0].value}: Your header}}}}."
        )
    width = len(table.header)
    added = {}
    # ID and Follow-up are the team's columns, but the worker fills their empty cells: added if missing
    filled = (spec.columns.ID, ActivityColumn.FOLLOW_UP) if tab is Tab.ACTIVITIES else (spec.columns.ID,)  # type: ignore[attr-defined]
    for column in (*filled, *spec.worker):
        if column not in columns:
            added[column] = width + len(added)
    return Sheet(tab, table, columns, added)


def _duplicate_headers(sheet: Sheet, config: Config) -> dict[Problem, int]:
    """A problem for each column headed like an earlier column the worker reads or writes, with
    that column's index: the first is the one read, and the team should know the other is not.
    Columns the worker ignores may share a header; no one is misled by it."""
    names = {normalize_header(config.column_name(sheet.tab, c.value)) for c in sheet.columns}
    first: dict[str, int] = {}
    found = {}
    for i, text in enumerate(sheet.table.header):
        if _is_blank(text):
            continue
        key = normalize_header(text)
        if key not in names:
            continue
        if key not in first:
            first[key] = i
            continue
        a, b = cells.column_letters(first[key] + 1), cells.column_letters(i + 1)
        shown = cells.shown(sheet.table.header[first[key]], 60)
        message = f"two columns are headed {shown} ({a} and {b}): the first one ({a}) is read"
        found[Problem(sheet.tab, 1, cells.shown(text, 60, quoted=False), message)] = i
    return found


def _is_blank(value: CellValue) -> bool:
    return value is None or (type(value) is str and not value.strip())


def _is_blank_row(row: list[CellValue], headed: list[int]) -> bool:
    """Blank under every column that has a header: a stray value beside the table is no row to number."""
    return all(_is_blank(row[i]) for i in headed if i < len(row))


def _assign_ids(sheets: dict[Tab, Sheet], problems: list[Problem]):
    """Every non-blank row gets an ID: its own, or a new one numbered after the highest in use.

    New IDs copy the style the team already uses (`P-0042` or `P0042`), else `P-0001`.
    """
    ids: dict[Tab, dict[int, str]] = {}
    duplicates: set[str] = set()
    new_ids: dict[Tab, dict[int, str]] = {}
    next_ids: dict[Tab, Callable[[], str]] = {}
    for tab, sheet in sheets.items():
        prefix = TAB_SPECS[tab].id_prefix
        id_column = TAB_SPECS[tab].columns.ID  # type: ignore[attr-defined]
        pattern = re.compile(rf"^{prefix}(-?)(\d+)$")
        seen: dict[str, int] = {}
        ids[tab], new_ids[tab], missing = {}, {}, []
        highest, separator, width = 0, "-", 4
        headed = [i for i, h in enumerate(sheet.table.header) if not _is_blank(h)]
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
                problems.append(Problem(tab, number, sheet.header_text(id_column),
                                        f"duplicate ID {cells.shown(value, 60, quoted=False, breaks=True)} "
                                        f"(also on row {seen[value]}): nothing is sent "
                                        "for either row until the copy's ID is cleared (a new one is then "
                                        "filled in)"))  # fmt: skip
            else:
                seen[value] = number
            ids[tab][number] = value
            m = pattern.match(value)
            if m and int(m[2]) >= highest:
                highest, separator, width = int(m[2]), m[1], len(m[2])
        numbers = itertools.count(highest + 1)
        next_ids[tab] = lambda p=prefix, s=separator, w=width, n=numbers: f"{p}{s}{next(n):0{w}d}"
        for number in missing:
            ids[tab][number] = new_ids[tab][number] = next_ids[tab]()
    return ids, new_ids, next_ids, duplicates


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


class _Row:
    """Reads one row's cells, collecting problems instead of raising.

    The row is padded to the header's width once, so that reading a cell is one dict lookup and
    one index: a large workbook reads ~750,000 cells a cycle.
    """

    __slots__ = ("columns", "date_order", "number", "problems", "row", "sheet")

    def __init__(self, sheet: Sheet, row, number: int, problems: list[Problem], date_order: str):
        width = len(sheet.table.header)
        if len(row) < width:
            row = row + [None] * (width - len(row))
        self.sheet, self.row, self.number, self.problems, self.date_order = sheet, row, number, problems, date_order
        self.columns = sheet.columns

    def value(self, column: StrEnum) -> CellValue:
        i = self.columns.get(column)
        return None if i is None else self.row[i]

    def _parse(self, column: StrEnum, parse: Callable, default=None, treated_as: str = ""):
        """`parse(cell)`; a cell it cannot read is a problem, and `default` (said so with `treated_as`)."""
        i = self.columns.get(column)
        value = None if i is None else self.row[i]
        if value is None:
            return default
        try:
            result = parse(value)
        except cells.BadCell as exc:
            self.problem(column, f"{exc}: treated as {treated_as}" if treated_as else str(exc))
            return default
        return default if result is None else result

    def problem(self, column: StrEnum, message: str) -> None:
        self.problems.append(Problem(self.sheet.tab, self.number, self.sheet.header_text(column), message))

    def text(self, column: StrEnum) -> str:
        i = self.columns.get(column)
        value = None if i is None else self.row[i]
        if type(value) is str:
            return value.strip()
        return cells.as_text(value)

    def date(self, column: StrEnum) -> dt.date | None:
        i = self.columns.get(column)
        value = None if i is None else self.row[i]
        if type(value) is dt.date:  # the common case, kept cheap for big workbooks
            return value
        return self._parse(column, lambda v: dates.parse_date(v, self.date_order))

    def boolean(self, column: StrEnum, default: bool) -> bool:
        return self._parse(column, lambda v: cells.parse_bool(v, default), default)

    def numeric(self, column: StrEnum) -> float | None:
        return self._parse(column, cells.parse_number)

    def birthday(self, column: StrEnum):
        return self._parse(column, lambda v: dates.parse_birthday(v, self.date_order))

    def direction(self, column: StrEnum) -> Direction:
        return self._parse(column, cells.parse_direction, Direction.OUT, Direction.OUT.value)

    def period(self, column: StrEnum) -> tuple[dt.date, dt.date] | None:
        return self._parse(column, dates.parse_period, None, "the current year")

    def email(self, column: StrEnum) -> str:
        text = self.text(column)
        if text and (len(text) > _MAX_EMAIL or not _EMAIL.match(text)):
            self.problem(column, f"not an email address: {cells.shown(text, 60, breaks=True)}")
            return ""
        return text.lower()


def _rows(sheet: Sheet, ids: dict[int, str], problems: list[Problem], config: Config):
    for index, row in enumerate(sheet.table.rows):
        number = sheet.table.row_number(index)
        if number in ids:
            yield _Row(sheet, row, number, problems, config.date_order), ids[number]


def _parse_partners(sheet: Sheet, ids, problems, config: Config) -> tuple[Partner, ...]:
    c = PartnerColumn
    partners = []
    for r, row_id in _rows(sheet, ids, problems, config):
        name = r.text(c.PARTNER)
        if not name:
            r.problem(c.PARTNER, "no partner name: row skipped")
            continue
        stage_text = r.text(c.STAGE).lower()
        try:
            stage = Stage(stage_text) if stage_text else Stage.ACTIVE
        except ValueError:
            r.problem(c.STAGE, f"unknown stage {cells.shown(stage_text, breaks=True)} "
                               "(onboarding, active, paused, churned): treated as active")  # fmt: skip
            stage = Stage.ACTIVE
        partners.append(Partner(
            row=r.number, id=row_id, name=name, rank=_rank(r, config), stage=stage,
            manager=r.email(c.MANAGER), since=r.date(c.SINCE), snooze_until=r.date(c.SNOOZE_UNTIL),
            goal=r.text(c.GOAL), goal_target=r.numeric(c.GOAL_TARGET), goal_amount=r.numeric(c.GOAL_AMOUNT),
            goal_period=r.period(c.GOAL_PERIOD), trained=r.date(c.TRAINED),
            sales_kit_sent=r.date(c.SALES_KIT_SENT), last_newsletter=r.date(c.LAST_NEWSLETTER),
            previous_status=r.text(c.TOUCH_STATUS).lower(),
        ))  # fmt: skip
    return tuple(partners)


def _rank(r: _Row, config: Config) -> str:
    """The Rank as typed, upper-cased. One the config does not have is a problem; a blank one is not
    (many teams leave new partners unranked): the planner notes that it uses default_rank."""
    typed = r.text(PartnerColumn.RANK)
    if typed and typed.upper() not in config.ranks:
        r.problem(PartnerColumn.RANK, f'unknown rank {cells.shown(typed, breaks=True)} ({", ".join(config.ranks)}): '
                                      f"treated as {config.default_rank}")  # fmt: skip
    return typed.upper()


def _partner_lookup(partners: tuple[Partner, ...]) -> dict[str, int]:
    """Partner references may be an ID or a name (any case); IDs win over names."""
    lookup: dict[str, int] = {}
    for p in partners:
        lookup.setdefault(p.id.casefold(), p.row)
    for p in partners:
        lookup.setdefault(p.name.casefold(), p.row)
    return lookup


def _partner_ref(r: _Row, column: StrEnum, lookup: dict[str, int]) -> int | None:
    ref = r.text(column)
    if not ref:
        r.problem(column, "no partner given")
        return None
    found = lookup.get(ref.casefold())
    if found is None:
        r.problem(column, f"unknown partner {cells.shown(ref, 60, breaks=True)} "
                          "(not a Partner name or ID on the Partners tab)")
    return found


def _parse_contacts(sheet: Sheet, ids, lookup, problems, config: Config) -> tuple[Contact, ...]:
    c = ContactColumn
    return tuple(
        Contact(
            row=r.number, id=row_id, partner_row=_partner_ref(r, c.PARTNER, lookup), name=r.text(c.NAME),
            email=r.email(c.EMAIL), role=r.text(c.ROLE), champion=r.boolean(c.CHAMPION, False),
            birthday=r.birthday(c.BIRTHDAY), language=r.text(c.LANGUAGE).lower(),
            newsletter=r.boolean(c.NEWSLETTER, True), unsubscribed=r.boolean(c.UNSUBSCRIBED, False),
            left_company=r.boolean(c.LEFT_COMPANY, False), last_greeting=r.date(c.LAST_GREETING),
        )
        for r, row_id in _rows(sheet, ids, problems, config)
    )


def _parse_activities(sheet: Sheet, ids, lookup, problems, config: Config) -> tuple[Activity, ...]:
    c = ActivityColumn
    activities = []
    known = known_types(config)
    for r, row_id in _rows(sheet, ids, problems, config):
        date = r.date(c.DATE)
        if date is None and r.value(c.DATE) is None:
            r.problem(c.DATE, "no date: the row is not counted")
        typed = r.text(c.TYPE)
        kind = cells.activity_type(typed)
        if not typed:
            r.problem(c.TYPE, "no type (meeting, call, email, deal, ...): not counted as a touch")
        elif kind not in known:
            r.problem(c.TYPE, _unknown_type(typed, kind, known, config))
        activities.append(Activity(
            row=r.number, id=row_id, date=date, partner_row=_partner_ref(r, c.PARTNER, lookup),
            type=kind, direction=r.direction(c.DIRECTION), contact=r.text(c.CONTACT),
            summary=r.text(c.SUMMARY), agreements=r.text(c.AGREEMENTS), next_steps=r.text(c.NEXT_STEPS),
            owner=r.text(c.OWNER), due=r.date(c.DUE), done=r.boolean(c.DONE, False),
            amount=r.numeric(c.AMOUNT), follow_up=r.text(c.FOLLOW_UP),
        ))  # fmt: skip
    return tuple(activities)


def _unknown_type(typed: str, kind: str, known: frozenset[str], config: Config) -> str:
    """A typo such as "meting" would silently not count as a touch and get no follow-up: say so,
    with the type it most likely means (Russian words as the team types them, see cells)."""
    nearest = nearest_type(kind, known | set(cells.TYPE_WORDS))
    if nearest:
        return f"unknown Type {cells.shown(typed, breaks=True)}: did you mean {nearest}? (not counted as a touch)"
    return (f"unknown Type {cells.shown(typed, breaks=True)} ({', '.join(sorted(config.touch_types))}, deal): "
            "not counted as a touch")  # fmt: skip


def _parse_news(sheet: Sheet, ids, problems, config: Config) -> tuple[NewsItem, ...]:
    """Category is kept as typed: no rule reads it, and the newsletter template shows any label (the
    four it knows in their colours), so a category of the team's own is no problem."""
    c = NewsColumn
    return tuple(
        NewsItem(
            row=r.number, id=row_id, date=r.date(c.DATE), title=r.text(c.TITLE), body=r.text(c.BODY),
            link=r.text(c.LINK), category=r.text(c.CATEGORY).lower(), publish=r.boolean(c.PUBLISH, True),
        )
        for r, row_id in _rows(sheet, ids, problems, config)
    )
