"""A local .xlsx/.xlsm workbook on disk: its fingerprint, lock files, loading its bytes, the atomic replace.

Reading is `read.py`'s job (python-calamine: ~0.5 s for 40,000 activities); writing is `patch.py`'s,
which edits the zip package in place, so that everything the team made (charts, images, pivot
tables, macros, comments, formulas and their cached results, other tabs) comes back byte for byte.
The new file is written to a temporary file next to the original and renamed over it.
Nothing is written while Excel or LibreOffice holds the file open (its lock file) or when the file
changed after it was read: the cycle is retried, and the worker recomputes everything from a fresh read.
A file that does not read as a workbook while another program rewrites it in place is "being saved",
retried next cycle too; one that stays broken is "not a valid .xlsx".
"""

from __future__ import annotations

import gc
import io
import logging
import os
import stat
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import NamedTuple

import python_calamine

from sheets_sync.errors import LockedError, SourceError
from sheets_sync.model import Changes
from sheets_sync.sheet.look import Look
from sheets_sync.sources import Snapshot
from sheets_sync.sources.xlsx.locks import Lock, find_lock
from sheets_sync.sources.xlsx.patch import patch
from sheets_sync.sources.xlsx.read import read_tables, tab_marks

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".~sheets-sync."
STALE_TEMP_SECONDS = 3600
SETTLE_SECONDS = 0.3  # how long a broken-looking file is watched for a save still writing it


class Fingerprint(NamedTuple):
    """What `stat` says about the workbook, and whether Excel or LibreOffice has it open."""

    mtime_ns: int
    size: int
    inode: int
    locked: bool

    def same_file(self, other: object) -> bool:
        """Same bytes on disk (the lock flag aside: opening a file in Excel does not change it)."""
        return isinstance(other, tuple) and len(other) == 4 and tuple(self[:3]) == tuple(other[:3])


class XlsxSource:
    """The workbook at `path`. See `sheets_sync.sources.Source` for the contract. `look`
    (`Look.from_config(config)`): how the worker columns it creates look; None: like the team's
    last header."""

    def __init__(self, path: Path, look: Look | None = None):
        self.path = Path(path)
        self.look = look

    def __repr__(self) -> str:
        return f"XlsxSource({str(self.path)!r})"

    # --- change detection -------------------------------------------------------------------

    def fingerprint(self) -> Fingerprint:
        return self._fingerprint(self._stat())

    def lock(self) -> Lock | None:
        """Who has the workbook open in Excel (`~$<name>`) or LibreOffice (`.~lock.<name>#`), if anyone."""
        return find_lock(self.path)

    def _stat(self) -> os.stat_result:
        try:
            return os.stat(self.path)
        except (
            FileNotFoundError
        ):  # unreachable like a network share that is not mounted: exit 1, retried in `run`
            raise SourceError(
                f"The workbook {self.path} does not exist. Check `source.path` in the config, "
                f"or create a sample workbook with `sheets-sync init`."
            ) from None
        except OSError as e:
            raise _io_error("open", self.path, e) from e

    def _fingerprint(self, st: os.stat_result) -> Fingerprint:
        return Fingerprint(st.st_mtime_ns, st.st_size, st.st_ino, self.lock() is not None)

    def _load_bytes(self) -> tuple[bytes, Fingerprint]:
        """The file's bytes and the fingerprint of exactly those bytes (fstat of the open file)."""
        self._stat()  # a clear SourceError when it is missing
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except FileNotFoundError:  # renamed away between stat and open (Excel saving): retry
            raise self._changed_error() from None
        except OSError as e:
            raise _io_error("read", self.path, e) from e
        return data, self._fingerprint(st)

    # --- reading ----------------------------------------------------------------------------

    def read(self, tab_names: list[str]) -> Snapshot:
        """Read the named tabs (matched ignoring case and surrounding spaces) with calamine.

        Tables are keyed and named by the tab's name in the workbook. A tab that does not exist,
        or is a chart sheet, is absent.
        """
        data, version = self._load_bytes()
        self._check_format(data, version)
        try:
            with _gc_paused():
                tables = read_tables(data, tab_names)
        except python_calamine.CalamineError as e:
            raise self._unreadable_error(version, e) from e
        marked, objects = tab_marks(data)
        return Snapshot(tables=tables, version=version, worker_tabs=marked, object_tabs=objects)

    def _check_format(self, data: bytes, version: Fingerprint) -> None:
        if data[:4] == b"\xd0\xcf\x11\xe0":  # an OLE2 container: .xls, or an encrypted .xlsx
            raise SourceError(
                f"The workbook {self.path} is an old-style .xls file or is password-protected. "
                "Save it from Excel as an unprotected Excel Workbook (.xlsx)."
            )
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.getinfo("xl/workbook.xml")
        except (zipfile.BadZipFile, KeyError, ValueError) as e:
            raise self._unreadable_error(version, e) from e

    def _unreadable_error(self, version: Fingerprint, error: Exception) -> SourceError:
        if self._is_being_saved(version):  # caught it half-written: read again next cycle
            return SourceError(
                f"{self.path} is being saved by another program; trying again next cycle.", transient=True
            )
        return SourceError(
            f"The workbook {self.path} is not a valid .xlsx file ({error}). Open it in Excel and save it "
            f"as an Excel Workbook (.xlsx), or point `source.path` at the right file."
        )

    def _is_being_saved(self, version: Fingerprint) -> bool:
        """Whether a file that did not read as a workbook is being rewritten in place right now.

        The evidence: its size or mtime changed since `version` (the fstat of the bytes read), or a
        lock file appeared. A writer may pause between its writes, so a file that looks unchanged is
        looked at once more after SETTLE_SECONDS; one that is still unchanged is truly broken.
        """
        for pause in (0.0, SETTLE_SECONDS):
            time.sleep(pause)
            try:
                now = self._fingerprint(os.stat(self.path))
            except OSError:  # gone for a moment: replaced by a save that renames
                return True
            if not version.same_file(now) or (now.locked and not version.locked):
                return True
        return False

    # --- writing ----------------------------------------------------------------------------

    def write(self, snapshot: Snapshot, changes: Changes) -> Fingerprint:
        """Patch `changes` into the file and replace it atomically; returns the new fingerprint.

        Raises SourceError(transient=True), having written nothing, when the workbook is open in
        Excel or changed on disk since `snapshot` was read (checked before reading it and again just
        before the replace); a permanent SourceError, having written nothing, when it cannot be
        edited safely (see patch.py). A patch that changes no byte leaves the file untouched.
        """
        if changes.is_empty():
            return self.fingerprint()
        self._check_unchanged(snapshot.version)
        data, version = self._load_bytes()
        if not version.same_file(snapshot.version):
            raise self._changed_error()
        target = Path(os.path.realpath(self.path))
        self._check_writable(target)
        self._remove_stale_temps(target)
        started = time.monotonic()
        try:
            headers = {name: table.header for name, table in snapshot.tables.items()}
            outcome = patch(data, changes, self.look, headers)
        except SourceError as e:
            raise SourceError(f"{self.path}: {e}") from e
        except Exception as e:  # a bug must not leave a half-made file: nothing has been written yet
            logger.exception("patching %s failed", self.path)
            raise SourceError(
                f"Cannot edit {self.path} safely ({type(e).__name__}: {e}). Nothing was written."
            ) from e
        for ref in outcome.skipped:
            logger.info("%s holds a formula; not written", ref)
        if not outcome.changed:
            return version
        new = self._replace(outcome.data, target, snapshot.version)
        logger.debug("wrote %s in %.2f s", self.path, time.monotonic() - started)
        return new

    def _check_writable(self, target: Path) -> None:
        """Refuse, having written nothing, a workbook its permissions keep from this process's user.

        The replace itself needs only the folder: renamed over a file the team (or an admin) made
        read-only, the new file would quietly take its place. Root passes `os.access` for any file,
        so a file without its owner's write bit counts as read-only too. Transient: the next cycle
        tries again, so a fixed permission needs no restart.
        """
        uid = os.geteuid() if hasattr(os, "geteuid") else None
        who = "the user sheets-sync runs as" + (f" (uid {uid})" if uid is not None else "")
        st = self._stat()
        if not st.st_mode & stat.S_IWUSR or not _may(target, os.W_OK):
            owner = st.st_uid
            instead = ""
            if uid is not None and owner not in (0, uid):  # running as root is no advice to give
                instead = f" (or run sheets-sync as its owner, uid {owner})"
            raise SourceError(
                f"The workbook {self.path} is read-only for {who}: nothing was written. Give that user "
                f"write permission to the file{instead}, and the next cycle writes it.",
                transient=True,
            )
        if not _may(target.parent, os.W_OK | os.X_OK):
            raise SourceError(
                f"The folder {target.parent} of the workbook {self.path} is not writable for {who}: nothing "
                "was written. sheets-sync saves the workbook as a new file beside it, renamed over the old "
                "one, so give that user write permission to the folder.",
                transient=True,
            )

    def _check_unchanged(self, version: object) -> None:
        lock = self.lock()
        if lock is not None:
            raise LockedError(
                f"{self.path} is {lock.describe()} - nothing written, will retry next cycle. "
                f"If nobody has it open, delete the leftover lock file {lock.path}.",
                lock.describe(),
            )
        try:
            current = self._fingerprint(os.stat(self.path))
        except FileNotFoundError:
            raise self._changed_error() from None
        except OSError as e:
            raise _io_error("open", self.path, e) from e
        if not current.same_file(version):
            raise self._changed_error()

    def _changed_error(self) -> SourceError:
        return SourceError(
            f"{self.path} changed on disk since it was read - nothing written, will retry next cycle.",
            transient=True,
        )

    def _replace(self, data: bytes, target: Path, version: object) -> Fingerprint:
        """Write `data` to a temporary file beside the workbook, then rename it over the workbook."""
        try:
            original = os.stat(target)
            prefix = f"{TEMP_PREFIX}{target.name}."
            fd, temp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
        except OSError as e:
            raise _io_error("write", self.path, e) from e
        temp, replaced = Path(temp_name), False
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temp, stat.S_IMODE(original.st_mode))
            _try_chown(temp, original)
            self._check_unchanged(version)  # the team may have saved while we worked
            os.replace(temp, target)
            replaced = True
        except SourceError:
            raise
        except OSError as e:  # a full disk, a share gone offline, Windows refusing to replace an open file
            raise _io_error("write", self.path, e) from e
        finally:
            if not replaced:
                _remove(temp)
        _fsync_folder(target.parent)
        return self.fingerprint()

    def _remove_stale_temps(self, target: Path) -> None:
        """Temporary files left by a worker killed mid-save (never those of a save in progress)."""
        cutoff = time.time() - STALE_TEMP_SECONDS
        for temp in target.parent.glob(f"{TEMP_PREFIX}{target.name}.*.tmp"):
            try:
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
            except OSError:
                pass


@contextmanager
def _gc_paused() -> Iterator[None]:
    """calamine hands back ~600,000 Python values for a large workbook; the cyclic garbage collector
    would scan them again and again while they are made, for nothing to free."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- file-system helpers --------------------------------------------------------------------


def _io_error(action: str, path: Path, error: OSError) -> SourceError:
    """File-system trouble (a share offline, a full disk, a file in use) is worth retrying."""
    return SourceError(f"Cannot {action} the workbook {path}: {error.strerror or error}.", transient=True)


def _may(path: Path, mode: int) -> bool:
    """os.access for this process's effective user where the platform can (setuid, setpriv)."""
    return os.access(path, mode, effective_ids=os.access in os.supports_effective_ids)


def _remove(path: Path) -> None:
    with suppress(OSError):
        path.unlink()


def _try_chown(path: Path, original: os.stat_result) -> None:
    """Keep the owner when we may (running as root in a container); otherwise it is ours."""
    if hasattr(os, "chown") and (original.st_uid, original.st_gid) != (os.getuid(), os.getgid()):
        with suppress(OSError):
            os.chown(path, original.st_uid, original.st_gid)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
