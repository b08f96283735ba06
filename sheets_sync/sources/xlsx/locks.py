"""Who has the workbook open: the lock files Excel and LibreOffice leave next to a document.

Two formats, both read defensively (a lock file on a shared drive is untrusted input):

Excel's "owner file" ``~$<name>``
    A small binary file, 165 bytes for Excel and PowerPoint, 162 for Word. Byte 0 is the length of
    the user name (the name from Office's options, at most 52 characters), then the name itself in
    the Windows ANSI code page, padded with spaces (zeros in Word's) up to offset 55 (54 for Word).
    There a 2-byte little-endian length repeats, followed by the same name in UTF-16LE; spaces
    (``20 00`` pairs) or leftovers fill up the rest. The file records no time, so `Lock.since` is
    None and `Lock.modified` (the file's mtime) is the best hint of when the workbook was opened.
    Source: LibreOffice's reverse engineering of MS Office 2016 in svl/source/misc/
    msodocumentlockfile.cxx (which also writes such files when its option
    Filter/Microsoft/Import/CreateMSOLockFiles is on). Only Word shortens the name of its owner
    file (``~$`` + the name without its first two characters when the stem has 8 or more
    characters, without the first one when it has 7); Excel writes ``~$`` + the full name. We
    still look for the shortened forms, after the exact one, because missing a lock (and writing
    over someone's edits) costs far more than waiting one cycle for nothing.

LibreOffice's (and OpenOffice's) ``.~lock.<name>#``
    One UTF-8 record of five fields, each ending in ``,`` except the last, which ends in ``;``:
    the user name from Tools > Options > User Data (empty when never set), the system account,
    the host, the local time the document was opened as ``DD.MM.YYYY HH:MM``, and the URL of the
    user profile, e.g. ``Anna Petrova,anna,laptop-7,01.12.2026 09:14,file:///home/anna/.config/
    libreoffice/4;``. A backslash escapes ``\\``, ``,`` and ``;`` inside a field; nothing is quoted
    and no newline follows. LibreOffice shows the user name, or the account when the name is empty,
    and so do we. Source: svl/source/misc/lockfilecommon.cxx (ParseEntry, ParseName,
    EscapeCharacters, GenerateOwnEntry, GetCurrentLocalTime) and include/svl/lockfilecommon.hxx
    (LockFileComponent: OOOUSERNAME, SYSUSERNAME, LOCALHOST, EDITTIME, USERURL). The lock file
    lives next to the symlink-resolved document. The parser is more lenient than LibreOffice's:
    a missing final ``;`` (when all five fields are there), extra fields, and CSV-style double
    quotes around a field are accepted.

`find_lock` never raises: a lock file it cannot read or make sense of (empty, truncated, binary
garbage, too big, a FIFO or a device) is still a lock, with an unknown user ("").
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = ["Lock", "Program", "find_lock", "parse_excel_owner", "parse_libreoffice_lock"]

EXCEL_PREFIX = "~$"
LIBREOFFICE_PREFIX = ".~lock."
LIBREOFFICE_SUFFIX = "#"

READ_LIMIT = 8192
"""Bytes read from a lock file at most; a bigger file is in neither format (its user is unknown)."""

MAX_TEXT = 100
"""Characters kept of a user name (or a file name in a message)."""

_MSO_NAME_MAX = 54  # MS Office allows 52 characters; a little slack for other writers
_MSO_UTF16_OFFSETS = (55, 54)  # Excel and PowerPoint, then Word
_MSO_PAD_END = 54  # the ANSI copy is padded (spaces or zeros) up to here at least

_COMMA, _SEMICOLON, _QUOTE, _BACKSLASH = 0x2C, 0x3B, 0x22, 0x5C
_CONTROL_BYTES_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LO_DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}) +(\d{1,2}):(\d{2})(?::(\d{2}))?")


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
        user = _clean(self.user)  # find_lock's users are clean already; a caller's may not be
        words = [f"open in {self.program}"]
        if user:
            words.append(f"by {user}")
        if self.since is not None:
            words.append(f"since {self.since:%Y-%m-%d %H:%M}")
        if not user:
            words.append(f"(lock file {_clean(self.path.name)})")
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


def parse_excel_owner(data: bytes) -> str:
    """The user name in an MS Office owner file (``~$<name>``), "" when it names nobody readably.

    The UTF-16 copy is preferred; the ANSI copy is used only when it is plain ASCII or valid UTF-8
    (the code page it was written in is unknown, and a name in the wrong alphabet would mislead).
    """
    try:
        data = bytes(data[:READ_LIMIT])
        return _clean(_excel_owner(data))
    except Exception:
        return ""


def parse_libreoffice_lock(text_or_bytes: str | bytes) -> tuple[str, dt.datetime | None]:
    """(user, since) from a LibreOffice lock file's contents; ("", None) when it is not one.

    `user` is the LibreOffice user name, or the system account when that is empty; `since` the
    naive local date-time the document was opened at, None when missing or malformed.
    """
    try:
        if isinstance(text_or_bytes, str):
            data = text_or_bytes.encode("utf-8", "surrogatepass")
        else:
            data = bytes(text_or_bytes)
        fields = _libreoffice_fields(data)
        if fields is None:
            return "", None
        user = _clean(_field_text(fields[0]))
        if not user and len(fields) > 1:
            user = _clean(_field_text(fields[1]))
        since = _libreoffice_time(_field_text(fields[3])) if len(fields) > 3 else None
        return user, since
    except Exception:
        return "", None


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


# Excel's owner file


def _excel_owner(data: bytes) -> str:
    if not data:
        return ""
    for offset in _MSO_UTF16_OFFSETS:
        if len(data) < offset + 2:
            continue
        length = int.from_bytes(data[offset : offset + 2], "little")
        raw = data[offset + 2 : offset + 2 + 2 * length]
        if not 1 <= length <= _MSO_NAME_MAX or len(raw) != 2 * length:
            continue
        try:
            name = raw.decode("utf-16-le")  # strict: a lone surrogate is not a name
        except UnicodeDecodeError:
            continue
        if _plausible_name(name):
            return name
    return _excel_ansi_name(data)


def _excel_ansi_name(data: bytes) -> str:
    length = data[0]
    raw = data[1 : 1 + length]
    if not 1 <= length <= _MSO_NAME_MAX or len(raw) != length:
        return ""
    if any(b < 0x20 or b == 0x7F for b in raw):
        return ""
    if any(b not in (0x00, 0x20) for b in data[1 + length : _MSO_PAD_END]):
        return ""  # not padded as Office pads it: not an owner file
    try:
        name = raw.decode("utf-8")  # ASCII, or a writer that used UTF-8
    except UnicodeDecodeError:
        return ""
    return name if _plausible_name(name) else ""


def _plausible_name(name: str) -> bool:
    return (
        any(ch.isalnum() for ch in name)
        and "\ufffd" not in name
        and not any(unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") for ch in name)
    )


# LibreOffice's lock file


def _libreoffice_fields(data: bytes) -> list[bytes] | None:
    """The first record's fields, unescaped; None when there is no plausible record."""
    cut = len(data) > READ_LIMIT
    data = data[:READ_LIMIT]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    fields: list[bytes] = []
    i = 0
    separator: int | None = _COMMA
    while separator == _COMMA:
        field, i, separator = _next_field(data, i)
        fields.append(field)
    if separator != _SEMICOLON and (cut or len(fields) < 5):
        return None  # truncated: no ';' and not even the five fields
    if _CONTROL_BYTES_RE.search(data, 0, i):
        return None  # binary, or hostile: LibreOffice writes no control characters
    return fields


def _next_field(data: bytes, i: int) -> tuple[bytes, int, int | None]:
    """(field, where the next one starts, the separator that ended it: ',', ';' or None at the end)."""
    if data[i : i + 1] == b'"':
        quoted = _quoted_field(data, i)
        if quoted is not None:
            return quoted
    field = bytearray()
    end = len(data)
    while i < end:
        byte = data[i]
        if byte == _BACKSLASH:  # escapes the next byte (LibreOffice escapes only \ , ;)
            field += data[i + 1 : i + 2]
            i += 2
        elif byte in (_COMMA, _SEMICOLON):
            return bytes(field), i + 1, byte
        else:
            field.append(byte)
            i += 1
    return bytes(field), end, None


def _quoted_field(data: bytes, i: int) -> tuple[bytes, int, int | None] | None:
    """A CSV-style "quoted" field (never written by LibreOffice, which escapes instead); None when
    the quotes do not close right before a separator or the end: the quote is then just a character."""
    field = bytearray()
    end = len(data)
    i += 1
    while i < end:
        byte = data[i]
        i += 1
        if byte != _QUOTE:
            field.append(byte)
        elif data[i : i + 1] == b'"':
            field.append(_QUOTE)
            i += 1
        elif i == end:
            return bytes(field), end, None
        elif data[i] in (_COMMA, _SEMICOLON):
            return bytes(field), i + 1, data[i]
        else:
            return None
    return None


def _field_text(field: bytes) -> str:
    """A field as text; "" when it is not UTF-8 or carries control characters (binary garbage)."""
    try:
        text = field.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text):
        return ""
    return text


def _libreoffice_time(text: str) -> dt.datetime | None:
    match = _LO_DATE_RE.fullmatch(text.strip())
    if not match:
        return None
    day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
    try:
        return dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


# Untrusted text


def _clean(text: str) -> str:
    """No control or format characters, whitespace collapsed, at most MAX_TEXT characters."""
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch.isspace() or category in ("Zl", "Zp"):
            kept.append(" ")
        elif category[0] != "C":
            kept.append(ch)
    cleaned = " ".join("".join(kept).split())
    if len(cleaned) > MAX_TEXT:
        cleaned = cleaned[: MAX_TEXT - 1].rstrip() + "…"
    return cleaned
