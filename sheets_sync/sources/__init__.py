"""Where the sheet lives. A source reads tables and writes changes; it decides nothing."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

from sheets_sync.model import CellValue, Changes


@dataclass(frozen=True)
class Table:
    """One tab as read: the header row (row 1) and the rows below it.

    `rows[i]` is sheet row i + 2; rows may be shorter than the header (trailing blanks trimmed).
    Header cells are text ('' when empty).
    """

    name: str
    header: tuple[str, ...]
    rows: list[list[CellValue]]

    def row_number(self, index: int) -> int:
        return index + 2


@dataclass(frozen=True)
class Snapshot:
    """Every tab that was read, by its name in the workbook, and a version to detect edits.

    `worker_tabs` names the tabs the source knows the worker created (a mark in the file); a source
    that keeps no such mark leaves it empty, and the Dashboard is then recognised by its content.
    `object_tabs` names the tabs that hold what their cells do not show (chart sheets; charts,
    images or comments on a worksheet): never "empty", so never taken for a Dashboard to write.
    """

    tables: dict[str, Table]
    version: Hashable
    worker_tabs: frozenset[str] = frozenset()
    object_tabs: frozenset[str] = frozenset()


class Source(Protocol):
    def fingerprint(self) -> Hashable:
        """A cheap token that changes whenever the workbook may have changed (no parsing)."""

    def read(self, tab_names: list[str]) -> Snapshot:
        """Read the named tabs; a tab that does not exist is absent from the snapshot."""

    def write(self, snapshot: Snapshot, changes: Changes) -> Hashable:
        """Apply `changes` to what `snapshot` read; returns the new fingerprint.

        Raises SourceError(transient=True) and writes nothing when the workbook is locked or
        changed since `snapshot` was read.
        """
