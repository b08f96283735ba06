"""Who has the workbook open: the lock files Excel and LibreOffice leave next to a document.

The two formats are read by `lock_owner`.

`find_lock` never raises: a lock file it cannot read or make sense of (empty, truncated, binary
garbage, too big, a FIFO or a device) is still a lock, with an unknown user ("").
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sheets_sync.sources.xlsx.lock_owner import READ_LIMIT, clean, parse_excel_owner, parse_libreoffice_lock

__all__ = ["Lock", "Program", "find_lock", "parse_excel_owner", "parse_libreoffice_lock"]

EXCEL_PREFIX = "~$"
LIBREOFFICE_PREFIX = ".~lock."
LIBREOFFICE_SUFFIX = "#"


class Program(StrEnum):
    """The program holding the workbook open, as users know it."""

    EXCEL = "Excel"
    LIBREOFFICE = "LibreOffice"


@dataclass(frozen=True)
class Lock:
    """A lock file found next to a workbook.

    `user` is "" when the file names nobody (or could not be read); `since` is the local wall-clock
    time LibreOffice recorded on the machine that opened the workbook (naive: that machine's time
    zone is unknown), None for Excel, whose owner file carries no time; `modified` is the lock
    file's mtime in UTC, a fallback for when the workbook was opened.
    """

    path: Path
    program: Program
    user: str = ""
    since: dt.datetime | None = None
    modified: dt.datetime | None = None

    def describe(self) -> str:
        """A short phrase: 'open in LibreOffice by Anna Petrova since 2026-12-01 09:14'.

        The lock file's name is mentioned only when the user is unknown: then it is the only
        thing to go by, and most likely a leftover of a crash that someone has to delete.
        """
        user = clean(self.user)  # find_lock's users are clean already; a caller's may not be
        words = [f"open in {self.program}"]
        if user:
            words.append(f"by {user}")
        if self.since is not None:
            words.append(f"since {self.since:%Y-%m-%d %H:%M}")
        if not user:
            words.append(f"(lock file {clean(self.path.name)})")
        return " ".join(words)


def find_lock(workbook: Path) -> Lock | None:
    """The lock file Excel or LibreOffice keeps next to `workbook`, or None when there is none.

    Looks in the workbook's folder and, for a symlink, in its target's folder under the target's
    name. A LibreOffice lock wins over an Excel one (LibreOffice may write both, and its lock says
    more), an exact Excel name over a shortened one. Never raises.
    """
    try:
        places = _places(Path(workbook))
        for program, name_of in (
            (Program.LIBREOFFICE, _libreoffice_names),
            (Program.EXCEL, _excel_names),
            (Program.EXCEL, _shortened_excel_names),
        ):
            for folder, name in places:
                for lock_name in name_of(name):
                    if name_of is _shortened_excel_names and _belongs_to_sibling(folder, lock_name):
                        continue
                    lock = _lock_at(folder / lock_name, program)
                    if lock is not None:
                        return lock
    except Exception:
        return None
    return None


# Where to look


def _places(workbook: Path) -> list[tuple[Path, str]]:
    places = []
    if workbook.name:
        places.append((workbook.parent, workbook.name))
    try:
        real = workbook.resolve()
    except (OSError, RuntimeError, ValueError):
        real = None
    if real is not None and real.name and (real.parent, real.name) not in places:
        places.append((real.parent, real.name))
    return places


def _libreoffice_names(name: str) -> list[str]:
    return [f"{LIBREOFFICE_PREFIX}{name}{LIBREOFFICE_SUFFIX}"]


def _excel_names(name: str) -> list[str]:
    return [f"{EXCEL_PREFIX}{name}"]


def _shortened_excel_names(name: str) -> list[str]:
    """Word's shortened owner-file names (see the module's docstring), should Excel ever use them."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if len(stem) >= 8:
        return [f"{EXCEL_PREFIX}{name[2:]}"]
    if len(stem) == 7:
        return [f"{EXCEL_PREFIX}{name[1:]}"]
    return []


def _belongs_to_sibling(folder: Path, lock_name: str) -> bool:
    """``~$rtners.xlsx`` is first of all the owner file of ``rtners.xlsx``, if that exists."""
    try:
        return os.path.lexists(folder / lock_name[len(EXCEL_PREFIX) :])
    except (OSError, ValueError):
        return False


def _lock_at(path: Path, program: Program) -> Lock | None:
    try:
        info = os.lstat(path)
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(info.st_mode):
        return None
    data, info = _read_head(path, info)
    user, since = "", None
    if data:
        if program is Program.LIBREOFFICE:
            user, since = parse_libreoffice_lock(data)
        else:
            user = parse_excel_owner(data)
    return Lock(path=path, program=program, user=user, since=since, modified=_utc(info.st_mtime))


def _read_head(path: Path, info: os.stat_result) -> tuple[bytes | None, os.stat_result]:
    """Up to READ_LIMIT bytes of a regular file; None for anything else or anything bigger."""
    flags = os.O_RDONLY
    for extra in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
        flags |= getattr(os, extra, 0)
    try:
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None, info
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > READ_LIMIT:
            return None, info
        chunks, size = [], 0
        while size <= READ_LIMIT:
            chunk = os.read(fd, READ_LIMIT + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        return (None if len(data) > READ_LIMIT else data), info
    except OSError:
        return None, info
    finally:
        os.close(fd)


def _utc(timestamp: float) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(timestamp, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
