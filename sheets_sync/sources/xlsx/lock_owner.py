"""What a lock file says: who opened the workbook, and when (LibreOffice only).

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

Both parsers never raise: what they cannot make sense of names nobody ("").
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

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


def parse_excel_owner(data: bytes) -> str:
    """The user name in an MS Office owner file (``~$<name>``), "" when it names nobody readably.

    The UTF-16 copy is preferred; the ANSI copy is used only when it is plain ASCII or valid UTF-8
    (the code page it was written in is unknown, and a name in the wrong alphabet would mislead).
    """
    try:
        data = bytes(data[:READ_LIMIT])
        return clean(_excel_owner(data))
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
        user = clean(_field_text(fields[0]))
        if not user and len(fields) > 1:
            user = clean(_field_text(fields[1]))
        since = _libreoffice_time(_field_text(fields[3])) if len(fields) > 3 else None
        return user, since
    except Exception:
        return "", None


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


def clean(text: str) -> str:
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
