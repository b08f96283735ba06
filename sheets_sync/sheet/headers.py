"""Where each column sits in a tab: headers matched by name (case and surrounding whitespace
ignored, renamed by the config), the worker columns a tab will gain, and two columns headed alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sheets_sync.config import Config
from sheets_sync.errors import ConfigError
from sheets_sync.i18n import words
from sheets_sync.model import TAB_SPECS, ActivityColumn, CellValue, ContactColumn, Problem, Tab
from sheets_sync.sheet import cells
from sheets_sync.sources import Table


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

    def position(self, column: StrEnum) -> int:
        """Where a column the worker writes sits (0-based): in the tab, or added by this cycle."""
        found = self.index(column)
        if found is None:  # not reached: map_headers adds every column the worker writes
            raise KeyError(f"{column} is neither in the {self.tab.value} tab nor added to it")
        return found

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


def worker_columns(tab: Tab, config: Config) -> tuple[StrEnum, ...]:
    """The columns the worker writes in `tab`. Email status only with an inbox: without one nothing
    fills it, and the team's sheet gains no column that would stay empty."""
    worker = TAB_SPECS[tab].worker
    return worker if config.inbox.enabled else tuple(c for c in worker if c is not ContactColumn.EMAIL_STATUS)


def map_headers(tab: Tab, table: Table, config: Config) -> Sheet:
    spec = TAB_SPECS[tab]
    position: dict[str, int] = {}
    for i, text in enumerate(table.header):
        position.setdefault(normalize_header(text), i)
    columns: dict[StrEnum, int] = {}
    for column in spec.columns:
        found = position.get(normalize_header(config.column_name(tab, column.value)))
        if found is not None:
            columns[column] = found
    missing = [c for c in spec.required if c not in columns]
    if missing:
        raise ConfigError(
            f'The "{table.name}" tab has no "{config.column_name(tab, missing[0].value)}" column (required). '
            f"Its headers in row 1 are: {', '.join(h for h in table.header if h) or 'none'}. Add the column, "
            f"or map its name in the config: columns: {{{tab.value}: {{{missing[0].value}: Your header}}}}."
        )
    width = len(table.header)
    added: dict[StrEnum, int] = {}
    # ID and Follow-up are the team's columns, but the worker fills their empty cells: added if missing
    filled = (spec.id_column, ActivityColumn.FOLLOW_UP) if tab is Tab.ACTIVITIES else (spec.id_column,)
    for column in (*filled, *worker_columns(tab, config)):
        if column not in columns:
            added[column] = width + len(added)
    return Sheet(tab, table, columns, added)


def duplicate_headers(sheet: Sheet, config: Config) -> dict[Problem, int]:
    """A problem for each column headed like an earlier column the worker reads or writes, with
    that column's index: the first is the one read, and the team should know the other is not.
    Columns the worker ignores may share a header; no one is misled by it."""
    names = {normalize_header(config.column_name(sheet.tab, c.value)) for c in sheet.columns}
    first: dict[str, int] = {}
    found = {}
    for i, text in enumerate(sheet.table.header):
        if cells.is_blank(text):
            continue
        key = normalize_header(text)
        if key not in names:
            continue
        if key not in first:
            first[key] = i
            continue
        a, b = cells.column_letters(first[key] + 1), cells.column_letters(i + 1)
        shown = cells.shown(sheet.table.header[first[key]], 60)
        message = words(config.language).text("cell.two_columns", header=shown, first=a, second=b)
        found[Problem(sheet.tab, 1, cells.shown(text, 60, quoted=False), message)] = i
    return found
