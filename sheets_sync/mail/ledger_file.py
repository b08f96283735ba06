"""The ledger's file on its disk: opening it safely, telling its faults apart, keeping room to write.

`Ledger` (ledger.py) holds the records; this module decides whether the file can be trusted:

- a file that cannot be read as a ledger (garbage, truncated) is *damaged*;
- a missing or empty file where the marker `ledger.exists` says one existed is *lost* (the marker
  is written next to the ledger when it is first opened, so a vanished ledger is not mistaken for a
  fresh start);
- a file that can be read but not written (permissions, a read-only mount, a full disk) is opened
  read-only: the worker still plans and writes the sheet, and `check_room` refuses every send;
- before each send `check_room` also wants MIN_FREE_BYTES free and a reserve of RESERVE_BYTES held
  in `ledger.reserve`, which `release_reserve` frees when the disk fills while a message is on the
  wire, so that the record of a message the server has just accepted still lands.
Every fault is one LedgerError naming the file and the fix.
"""

from __future__ import annotations

import functools
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from sheets_sync.errors import LedgerError
from sheets_sync.files import write_atomic

MARKER_FILE = "ledger.exists"
RESERVE_FILE = "ledger.reserve"
MIN_FREE_BYTES = 4 * 1024 * 1024  # free space on the ledger's disk below which nothing is sent
RESERVE_BYTES = 1024 * 1024
_MARKER_TEXT = (
    "sheets-sync keeps its send ledger (what it has emailed) in {ledger}, next to this file.\n"
    "This marker says that a ledger has existed here: if the ledger goes missing, sheets-sync stops\n"
    "sending instead of starting afresh (which would send everything again). Do not delete it.\n"
    "To recover a lost ledger, restore it from a backup or run `sheets-sync rebuild-ledger`.\n"
)
REBUILD = "run `sheets-sync rebuild-ledger` to rebuild it from what the sheet records"


class LedgerFile:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.marker = self.path.parent / MARKER_FILE
        self.reserve = self.path.parent / RESERVE_FILE
        self.read_only = ""  # why the open file can be read but not written ('' when it can be)
        self._identity: tuple[int, int] | None = None

    def open(self, prepare: Callable[[sqlite3.Connection], None], schema_version: int) -> sqlite3.Connection:
        """A connection to the ledger, `prepare`d (its schema) when writable; raises LedgerError."""
        try:
            exists = self.path.exists()
            empty = exists and self.path.stat().st_size == 0
        except OSError as exc:  # a folder on the way that this user may not enter
            raise LedgerError(
                f"Cannot reach the send ledger {self.path}: {exc.strerror or exc}. Make {self.path.parent} "
                "(and the folders above it) readable and writable for the user sheets-sync runs as (uid "
                f"{os.getuid()})."
            ) from None
        if (not exists or empty) and self.marker.exists():
            what = "is empty (truncated)" if empty else "is missing"
            raise LedgerError(
                f"The send ledger {self.path} {what}, but a ledger has existed there ({self.marker} says "
                f"so). Starting afresh would send again what was already sent, so nothing is sent. Restore "
                f"the ledger from a backup, or {REBUILD}."
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LedgerError(
                f"Cannot create the state directory {self.path.parent}: {exc.strerror or exc}. Set "
                f"`state_dir` in the config to a folder the user sheets-sync runs as can write."
            ) from None
        db = None
        try:
            db = self._connect(prepare)
            _check(db)
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as exc:
            if db is not None:
                db.close()
            raise self.fault("open", exc) from None
        if version < schema_version:  # read-only, so an older schema cannot be upgraded: not damage
            db.close()
            raise LedgerError(
                f"The send ledger {self.path} must be upgraded (schema {version} to {schema_version}) but "
                f"cannot be written ({self.read_only}). Nothing is sent until it can: free space on its "
                f"disk or make {self.path.parent} writable for the user sheets-sync runs as (uid "
                f"{os.getuid()}).",
                readable=True,
            )
        st = os.stat(self.path)
        self._identity = (st.st_dev, st.st_ino)
        if not self.read_only and not self.marker.exists():
            try:
                write_atomic(self.marker, _MARKER_TEXT.format(ledger=self.path.name).encode("utf-8"))
            except OSError as exc:
                self.read_only = f"cannot write {self.marker}: {exc.strerror or exc}"
        return db

    def _connect(self, prepare: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
        try:
            # Autocommit: every write is one statement (or an explicit transaction), committed at once.
            db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            prepare(db)
            self.read_only = ""
            return db
        except sqlite3.OperationalError as exc:
            if not self.path.exists() or not is_unwritable(exc):
                raise
            self.read_only = f"{exc}; {getattr(exc, 'sqlite_errorname', '')}"
        # Readable but not writable: read it, send nothing. `immutable` lets SQLite read a WAL
        # database whose -shm file it cannot create (a full disk, a read-only folder).
        uri = self.path.resolve().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
            db.execute("PRAGMA user_version").fetchone()
            return db
        except sqlite3.OperationalError:
            return sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)

    def is_same_file(self) -> bool:
        """Whether the file at `path` is still the one opened (not deleted, not replaced)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False
        return (st.st_dev, st.st_ino) == self._identity

    def replaced(self) -> LedgerError:
        return LedgerError(
            f"The send ledger {self.path} was deleted or replaced while sheets-sync was running. Nothing "
            f"is sent until it is back: restore it from a backup (stop the worker first), or {REBUILD}."
        )

    def fault(self, operation: str, exc: sqlite3.Error) -> LedgerError:
        name = getattr(exc, "sqlite_errorname", "") or type(exc).__name__
        if is_unwritable(exc):
            return LedgerError(
                f"The send ledger {self.path} cannot be written ({exc}; {name}). Nothing more is sent "
                f"until it can: free space on its disk (it may be full) or make {self.path.parent} writable "
                f"for the user sheets-sync runs as (uid {os.getuid()}).",
                readable=True,
            )
        return LedgerError(
            f"The send ledger {self.path} is damaged ({exc}; {name}; while trying to {operation}). Nothing "
            "is sent until it is fixed: restore it from a backup, or run `sheets-sync rebuild-ledger`, "
            "which moves the damaged file aside and rebuilds the ledger from what the sheet records."
        )

    def check_room(self) -> None:
        """The ledger can take a send's two records; raises LedgerError(readable=True) when not."""
        if self.read_only:
            raise LedgerError(
                f"The send ledger {self.path} cannot be written, only read ({self.read_only}). Nothing is "
                f"sent until sheets-sync can record what it sends: if its disk is full, free space on it; "
                f"if it is read-only, make {self.path} and {self.path.parent} writable for the user "
                f"sheets-sync runs as (uid {os.getuid()}).",
                readable=True,
            )
        try:
            free = shutil.disk_usage(self.path.parent).free
        except OSError as exc:
            raise LedgerError(
                f"Cannot check the free space of {self.path.parent}: {exc}.", readable=True
            ) from None
        if free < MIN_FREE_BYTES or not self._hold_reserve():
            raise LedgerError(
                f"The disk of the state directory {self.path.parent} is full ({free // 1024} KiB free; "
                f"sheets-sync needs {MIN_FREE_BYTES // (1024 * 1024)} MiB to record what it sends). "
                f"Nothing is sent until there is room: free space on that disk.",
                readable=True,
            )

    def _hold_reserve(self) -> bool:
        """RESERVE_BYTES really written to the reserve file (a sparse file would hold no space)."""
        try:
            if self.reserve.exists() and self.reserve.stat().st_size >= RESERVE_BYTES:
                return True
            with self.reserve.open("wb") as f:
                f.write(bytes(RESERVE_BYTES))
                f.flush()
                os.fsync(f.fileno())
            return True
        except OSError:
            self.reserve.unlink(missing_ok=True)
            return False

    def release_reserve(self) -> bool:
        """Free the reserve for a record that found the disk full; False when there is none."""
        try:
            self.reserve.unlink()
        except OSError:
            return False
        return True


def _check(db: sqlite3.Connection) -> None:
    """Reads every page once (quick_check): garbage or a truncated file fails here, not mid-cycle."""
    result = db.execute("PRAGMA quick_check").fetchone()
    if result is None or result[0] != "ok":
        raise sqlite3.DatabaseError(f"quick_check: {result[0] if result else 'no answer'}")


def is_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)


def is_unwritable(exc: sqlite3.Error) -> bool:
    """Permissions, a read-only mount, a full disk: the file itself may well be fine.

    A full disk often shows as an I/O error (SQLITE_IOERR_SHMSIZE: the -shm file cannot grow)."""
    name = getattr(exc, "sqlite_errorname", "")
    prefixes = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_FULL", "SQLITE_IOERR")
    return name.startswith(prefixes) or "readonly" in str(exc) or is_full(exc)


P = ParamSpec("P")
R = TypeVar("R")
L = TypeVar("L", bound="OnLedgerFile")
Method = Callable[Concatenate[L, P], R]


class OnLedgerFile(Protocol):
    """What `guarded` needs of the object whose methods it guards: its ledger file."""

    @property
    def file(self) -> LedgerFile: ...


def guarded(operation: str) -> Callable[[Method[L, P, R]], Method[L, P, R]]:
    """Turn SQLite's errors in a method of the ledger into one LedgerError naming the file and the fix."""

    def wrap(method: Method[L, P, R]) -> Method[L, P, R]:
        @functools.wraps(method)
        def guarded_method(ledger: L, /, *args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return method(ledger, *args, **kwargs)
            except sqlite3.Error as exc:
                # The disk filled between check_room and this write (another program, or the
                # message itself): free the reserve and try once more, so that the record of a
                # message the server has just accepted is not lost.
                if not is_full(exc) or not ledger.file.release_reserve():
                    raise ledger.file.fault(operation, exc) from None
            try:
                return method(ledger, *args, **kwargs)
            except sqlite3.Error as exc:
                raise ledger.file.fault(operation, exc) from None

        return guarded_method

    return wrap
