"""The workbook as a zip package: read parts, replace or add a few, copy every other member as is.

Python's zipfile can only re-compress what it copies, which costs seconds on a large workbook and
changes bytes nobody asked to change. No well-kept library copies zip members raw, so this module
does it itself: an unchanged member is copied verbatim (local header, compressed data, data
descriptor), its central-directory record too with only its offset updated; a replaced member gets
a fresh local header and record built from the old record, keeping its name, flags and attributes.
Zip64 archives (over 4 GB or 65,535 members: no real workbook) are refused rather than guessed at.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from sheets_sync.errors import SourceError

_LOCAL = struct.Struct("<4sHHHHHIIIHH")  # signature ... name length, extra length
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_DESCRIPTOR_FLAG = 0x08
_UTF8_FLAG = 0x800
_MAX_32 = 0xFFFFFFFF


class PackageError(SourceError):
    """The file is not a zip package this module can rewrite safely."""


class _Member:
    __slots__ = ("central", "end", "name", "start")

    def __init__(self, name: str, central: bytes, start: int, end: int):
        self.name, self.central, self.start, self.end = name, central, start, end


class Package:
    """An .xlsx/.xlsm file in memory. Part names are zip member names, e.g. `xl/workbook.xml`."""

    def __init__(self, data: bytes):
        self._data = data
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError) as e:
            raise PackageError(f"it is not a valid zip package ({e})") from e
        self._members, self._comment = _members(data)
        self._names = {m.name for m in self._members}
        self._new: dict[str, bytes] = {}  # replaced or added parts, by name
        self._read: dict[str, bytes] = {}  # original parts already decompressed
        self._added: list[str] = []

    def has(self, name: str) -> bool:
        return name in self._names or name in self._new

    def names(self) -> list[str]:
        """Every part's name: the file's, in its order, then the added ones."""
        return [m.name for m in self._members] + self._added

    def read(self, name: str) -> bytes:
        if name in self._new:
            return self._new[name]
        return self._original(name)

    def write(self, name: str, data: bytes) -> None:
        """Replace a part, or add it at the end of the package."""
        if name not in self._names and name not in self._new:
            self._added.append(name)
        self._new[name] = data

    def is_changed(self) -> bool:
        return any(
            name not in self._names or self._original(name) != data for name, data in self._new.items()
        )

    def _original(self, name: str) -> bytes:
        """The part as the file holds it, decompressed once."""
        if name not in self._read:
            try:
                self._read[name] = self._zip.read(name)
            except KeyError:
                raise PackageError(f"the part {name} is missing") from None
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError) as e:
                raise PackageError(f"the part {name} cannot be read ({e})") from e
        return self._read[name]

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        records: list[bytes] = []
        for member in self._members:
            offset = out.tell()
            if member.name in self._new:
                local, central = _fresh_entry(member.central, self._new[member.name], offset)
                out.write(local)
                records.append(central)
            else:
                out.write(self._data[member.start : member.end])
                records.append(member.central[:42] + struct.pack("<I", offset) + member.central[46:])
        for name in self._added:
            local, central = _fresh_entry(_new_central(name), self._new[name], out.tell())
            out.write(local)
            records.append(central)
        start = out.tell()
        for record in records:
            out.write(record)
        size = out.tell() - start
        if len(records) > 0xFFFF or start > _MAX_32:
            raise PackageError("the workbook would need a Zip64 archive")
        out.write(_END.pack(_END_SIG, 0, 0, len(records), len(records), size, start, len(self._comment)))
        out.write(self._comment)
        return out.getvalue()


def _members(data: bytes) -> tuple[list[_Member], bytes]:
    """Every member's central record and where its local entry lies, in central-directory order;
    and the archive's comment."""
    end = data.rfind(_END_SIG, max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + _END.size:
        raise PackageError("its zip directory is missing")
    _, disk, _, _, count, size, offset, comment_length = _END.unpack_from(data, end)
    comment = data[end + _END.size : end + _END.size + comment_length]
    if disk or count == 0xFFFF or offset == _MAX_32 or size == _MAX_32:
        raise PackageError("it is a multi-part or Zip64 archive")
    records, position = [], offset
    for _ in range(count):
        if data[position : position + 4] != _CENTRAL_SIG:
            raise PackageError("its zip directory is damaged")
        fields = _CENTRAL.unpack_from(data, position)
        name_len, extra_len, comment_len, local = fields[10], fields[11], fields[12], fields[16]
        length = _CENTRAL.size + name_len + extra_len + comment_len
        raw_name = data[position + _CENTRAL.size : position + _CENTRAL.size + name_len]
        name = raw_name.decode("utf-8" if fields[3] & _UTF8_FLAG else "cp437")
        if fields[8] == _MAX_32 or fields[9] == _MAX_32 or local == _MAX_32:
            raise PackageError("it is a Zip64 archive")
        records.append((local, name, data[position : position + length]))
        position += length
    starts = sorted({local for local, _, _ in records})
    ends = dict(zip(starts, [*starts[1:], offset], strict=False))
    members = []
    for local, name, central in records:
        if data[local : local + 4] != _LOCAL_SIG:
            raise PackageError(f"the entry of {name} is damaged")
        members.append(_Member(name, central, local, ends[local]))
    return members, comment


def _new_central(name: str) -> bytes:
    """A central record for a new part: deflated, UTF-8 name, regular file (rw-r--r--)."""
    raw = name.encode("utf-8")
    return (
        _CENTRAL.pack(
            _CENTRAL_SIG,
            0x031E,
            20,
            _UTF8_FLAG,
            zipfile.ZIP_DEFLATED,
            0,
            0x21,
            0,
            0,
            0,
            len(raw),
            0,
            0,
            0,
            0,
            0o100644 << 16,
            0,
        )
        + raw
    )


def _fresh_entry(central: bytes, data: bytes, offset: int) -> tuple[bytes, bytes]:
    """A local entry and central record for `data`, keeping the old record's name and attributes."""
    fields = list(_CENTRAL.unpack_from(central))
    name_len, extra_len, comment_len = fields[10], fields[11], fields[12]
    name = central[_CENTRAL.size : _CENTRAL.size + name_len]
    comment = central[
        _CENTRAL.size + name_len + extra_len : _CENTRAL.size + name_len + extra_len + comment_len
    ]
    method = zipfile.ZIP_STORED if fields[4] == zipfile.ZIP_STORED else zipfile.ZIP_DEFLATED
    if method == zipfile.ZIP_DEFLATED:
        # Level 1: a large sheet's XML deflates 4x faster than at 6, for a file ~15% larger.
        compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
        body = compressor.compress(data) + compressor.flush()
    else:
        body = data
    crc = zlib.crc32(data)
    if len(body) > _MAX_32 or len(data) > _MAX_32:
        raise PackageError("a part would need a Zip64 archive")
    flags = fields[3] & ~_DESCRIPTOR_FLAG & ~0x06  # no data descriptor, no compression-level bits
    version = max(fields[2], 20)
    local = (
        _LOCAL.pack(
            _LOCAL_SIG, version, flags, method, fields[5], fields[6], crc, len(body), len(data), name_len, 0
        )
        + name
    )
    record = _CENTRAL.pack(
        _CENTRAL_SIG,
        fields[1],
        version,
        flags,
        method,
        fields[5],
        fields[6],
        crc,
        len(body),
        len(data),
        name_len,
        0,
        comment_len,
        0,
        fields[14],
        fields[15],
        offset,
    )
    return local + body, record + name + comment
