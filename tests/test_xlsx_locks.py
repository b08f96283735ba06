"""Lock files next to a workbook: Excel's owner file ``~$<name>``, LibreOffice's ``.~lock.<name>#``.

Byte-exact samples of both formats (as MS Office and LibreOffice write them), damaged and hostile
files, the places find_lock looks in, and one lock file made by a real LibreOffice when installed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import time
import unicodedata
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheets_sync.sources.xlsx import lock_owner, locks
from sheets_sync.sources.xlsx.locks import (
    Lock,
    Program,
    find_lock,
    parse_excel_owner,
    parse_libreoffice_lock,
)

# --- Excel's owner file ----------------------------------------------------------------------

# "Anna Petrova" as Excel writes it: the length, the ANSI name, spaces up to offset 55, the length
# again as 2 bytes, the name in UTF-16LE, then ' \0' pairs up to 165 bytes.
ANNA_EXCEL = (
    b"\x0c"
    + b"Anna Petrova"
    + b" " * 42
    + b"\x0c\x00"
    + b"A\x00n\x00n\x00a\x00 \x00P\x00e\x00t\x00r\x00o\x00v\x00a\x00"
    + b" \x00" * 42
)

# "Анна Петрова" from Excel on a Russian Windows: the ANSI copy is in code page 1251.
ANNA_CYRILLIC_EXCEL = (
    b"\x0c"
    + b"\xc0\xed\xed\xe0 \xcf\xe5\xf2\xf0\xee\xe2\xe0"
    + b" " * 42
    + b"\x0c\x00"
    + b"\x10\x04\x3d\x04\x3d\x04\x30\x04\x20\x00\x1f\x04\x35\x04\x42\x04\x40\x04\x3e\x04\x32\x04\x30\x04"
    + b" \x00" * 42
)

# An owner file for "Анна Petrova" written by LibreOffice 7.4 (option CreateMSOLockFiles on): its
# "ANSI" copy is the low byte of each UTF-16 unit (garbage for Cyrillic), the UTF-16 copy is right.
ANNA_BY_LIBREOFFICE = bytes.fromhex(
    "0c103d3d3020506574726f766120202020202020202020202020202020202020202020202020202020202020"
    "20202020202020202020200c0010043d043d043004200050006500740072006f007600610020002000200020"
    "0020002000200020002000200020002000200020002000200020002000200020002000200020002000200020"
    "002000200020002000200020002000200020002000200020002000200020002000"
)


def owner_file(name: str, ansi: bytes | None = None, *, app: str = "excel") -> bytes:
    """An owner file laid out byte by byte as MS Office 2016 writes it (Word: 162 bytes, zeros)."""
    if ansi is None:
        ansi = name.encode("cp1252", "replace")
    head = bytes([len(name)]) + ansi
    if app == "word":
        head, size, fill = head.ljust(54, b"\x00"), 162, b"\x00\x00"
    elif app == "powerpoint":
        head, size, fill = (head + b"\x00").ljust(55, b" "), 165, b" \x00"
    else:
        head, size, fill = head.ljust(55, b" "), 165, b" \x00"
    data = head + len(name).to_bytes(2, "little") + name.encode("utf-16-le")
    while len(data) < size:
        data += fill
    return data[:size]


def test_the_literal_samples_are_what_the_layout_says():
    assert len(ANNA_EXCEL) == len(ANNA_CYRILLIC_EXCEL) == len(ANNA_BY_LIBREOFFICE) == 165
    assert owner_file("Anna Petrova") == ANNA_EXCEL
    assert owner_file("Анна Петрова", "Анна Петрова".encode("cp1251")) == ANNA_CYRILLIC_EXCEL
    assert len(owner_file("Anna", app="word")) == 162


@pytest.mark.parametrize(
    ("data", "user"),
    [
        (ANNA_EXCEL, "Anna Petrova"),
        (ANNA_CYRILLIC_EXCEL, "Анна Петрова"),
        (ANNA_BY_LIBREOFFICE, "Анна Petrova"),
        (owner_file("Anna Petrova", app="word"), "Anna Petrova"),
        (owner_file("Anna Petrova", app="powerpoint"), "Anna Petrova"),
        (owner_file("Jörg Müller"), "Jörg Müller"),
        (owner_file("李小龍"), "李小龍"),
        (owner_file("x" * 52), "x" * 52),  # the longest name Office allows
        (owner_file("y" * 32), "y" * 32),  # length 0x20, the same byte as the padding
        (owner_file("y" * 32, app="word"), "y" * 32),
        (owner_file("A"), "A"),
        (owner_file("  Anna  Petrova "), "Anna Petrova"),
        (owner_file("Anna\u202ePetrova"), "AnnaPetrova"),  # a right-to-left override is dropped
        (ANNA_EXCEL[:-30], "Anna Petrova"),  # trailing padding cut: the UTF-16 copy is complete
        (ANNA_EXCEL + b"garbage after the end", "Anna Petrova"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_owner_file_names(data, user):
    assert parse_excel_owner(data) == user


@pytest.mark.parametrize(
    ("data", "user"),
    [
        (ANNA_EXCEL[:40], "Anna Petrova"),  # the UTF-16 copy is gone, the ASCII one is whole
        (ANNA_EXCEL[:60], "Anna Petrova"),  # the UTF-16 copy is cut short
        (ANNA_CYRILLIC_EXCEL[:40], ""),  # a code page 1251 copy: which code page is not known
        (ANNA_BY_LIBREOFFICE[:40], ""),  # control bytes in the ANSI copy
        (ANNA_EXCEL[:8], ""),  # cut inside the name
        (b"\x0c", ""),
        (b"", ""),
        (b"\x00" * 165, ""),
        (b" " * 165, ""),
        (b"\xff" * 165, ""),
        (bytes(range(256)), ""),
        (bytes(range(255, -1, -1)) * 4, ""),
        (b"\x0cAnna Petrova" + b"\x07" * 152, ""),  # not padded the way Office pads
        (owner_file("Anna\x07Petrova", b"Anna\x07Petrova"), ""),  # a control character inside
        (b"\x0c" + b"\x00" * 54 + b"\x0c\x00" + b"\x00\xd8" * 12 + b" \x00" * 42, ""),  # surrogates
        (b"<?xml version='1.0'?><not-an-owner-file/>" * 4, ""),
    ],
)
def test_owner_files_that_name_nobody(data, user):
    assert parse_excel_owner(data) == user


def test_owner_file_names_are_capped():
    # not from Office (52 at most), but a hostile or broken writer; both copies are checked
    assert parse_excel_owner(owner_file("z" * 53)) == "z" * 53
    assert parse_excel_owner(owner_file("z" * 60)) == ""


# --- LibreOffice's lock file -----------------------------------------------------------------

PROFILE = "file:///home/anna/.config/libreoffice/4"
SINCE = dt.datetime(2026, 12, 1, 9, 14)


@pytest.mark.parametrize(
    ("content", "user", "since"),
    [
        (f"Anna Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE};", "Anna Petrova", SINCE),
        (f",anna,laptop-7,01.12.2026 09:14,{PROFILE};", "anna", SINCE),  # no name set: the account
        (f",,laptop-7,01.12.2026 09:14,{PROFILE};", "", SINCE),
        (rf"Petrova\, Anna,anna,laptop-7,01.12.2026 09:14,{PROFILE};", "Petrova, Anna", SINCE),
        (rf"A\;B\\C,anna,laptop-7,01.12.2026 09:14,{PROFILE};", r"A;B\C", SINCE),
        (rf",DOMAIN\\anna,laptop-7,01.12.2026 09:14,{PROFILE};", r"DOMAIN\anna", SINCE),
        (f'"Petrova, Anna",anna,laptop-7,01.12.2026 09:14,{PROFILE};', "Petrova, Anna", SINCE),
        (f'"Anna ""Ann"" P.",anna,laptop-7,"01.12.2026 09:14",{PROFILE};', 'Anna "Ann" P.', SINCE),
        (f"Anna Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE}", "Anna Petrova", SINCE),  # no ';'
        (f"Anna Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE}\n", "Anna Petrova", SINCE),
        (f"Anna Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE};\n", "Anna Petrova", SINCE),
        (f"Anna Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE},x,y\\,z;", "Anna Petrova", SINCE),
        (
            f"Anna Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE};Boris,b,h,02.12.2026 10:00,x;",
            "Anna Petrova",
            SINCE,
        ),
        (f"Анна Петрова,anna,laptop-7,01.12.2026 09:14,{PROFILE};", "Анна Петрова", SINCE),
        (f"\ufeffAnna,anna,laptop-7,01.12.2026 09:14,{PROFILE};", "Anna", SINCE),
        (f"Anna,anna,laptop-7,1.2.2026 9:05,{PROFILE};", "Anna", dt.datetime(2026, 2, 1, 9, 5)),
        (f"Anna,anna,laptop-7,01.12.2026 09:14:30,{PROFILE};", "Anna", SINCE.replace(second=30)),
        (f"Anna,anna,laptop-7,32.13.2026 25:99,{PROFILE};", "Anna", None),
        (f"Anna,anna,laptop-7,2026-12-01 09:14,{PROFILE};", "Anna", None),
        (f"Anna,anna,laptop-7,,{PROFILE};", "Anna", None),
        ("Anna;", "Anna", None),
        ('"Bob,bob,h,01.12.2026 09:14,x;', '"Bob', SINCE),  # quotes that do not close a field
        ('"Bob" Smith,bob,h,01.12.2026 09:14,x;', '"Bob" Smith', SINCE),
        ('Bob "B" Smith,bob,h,01.12.2026 09:14,x;', 'Bob "B" Smith', SINCE),
        ('"Bob ""B"" Smith,bob,h,01.12.2026 09:14,x;', '"Bob ""B"" Smith', SINCE),
        ("Anna\tPetrova,anna,h,01.12.2026 09:14,x;", "Anna Petrova", SINCE),
        ("Anna\x1b[31mPetrova,anna,h,01.12.2026 09:14,x;", "", None),  # terminal escapes: hostile
        ("Anna,anna,h,01.12.2026 09:14,x;\x00\x01\x02", "Anna", SINCE),  # what follows the record
        ("Anna\u200fPetrova,anna,h,01.12.2026 09:14,x;", "AnnaPetrova", SINCE),
        ("N" * 500 + ",anna,h,01.12.2026 09:14,x;", "N" * 99 + "…", SINCE),
    ],
)
def test_libreoffice_lock_lines(content, user, since):
    assert parse_libreoffice_lock(content) == (user, since)
    assert parse_libreoffice_lock(content.encode("utf-8")) == (user, since)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b";",
        b"\n",
        b"Anna Pet",  # truncated
        b",anna,lapt",  # truncated
        b"Anna,anna,laptop-7,01.12",  # truncated before the fourth ','
        b"\x00" * 100,
        b"\xff\xfe\x00A\x00n\x00n\x00a",
        bytes(range(256)),
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # someone saved a workbook here
        b"A" * 20000,  # too big to be a lock line, and no ';' in what is read
    ],
)
def test_libreoffice_locks_that_name_nobody(data):
    assert parse_libreoffice_lock(data) == ("", None)


def test_a_field_that_is_not_utf8_falls_back_to_the_account():
    line = b"J\xf6rg M\xfcller,joerg,laptop-7,01.12.2026 09:14,file:///x;"
    assert parse_libreoffice_lock(line) == ("joerg", SINCE)


# --- Never raising on anything ---------------------------------------------------------------


def _is_clean(text: str) -> bool:
    return (
        isinstance(text, str)
        and len(text) <= lock_owner.MAX_TEXT
        and text == text.strip()
        and not any(unicodedata.category(ch)[0] == "C" for ch in text)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_parsers_never_raise_on_bytes(data):
    assert _is_clean(parse_excel_owner(data))
    user, since = parse_libreoffice_lock(data)
    assert _is_clean(user)
    assert since is None or isinstance(since, dt.datetime)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_the_libreoffice_parser_never_raises_on_text(text):
    user, since = parse_libreoffice_lock(text)
    assert _is_clean(user)
    assert since is None or isinstance(since, dt.datetime)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=165, max_size=165), st.integers(0, 164), st.binary(max_size=8))
def test_the_owner_parser_never_raises_on_damaged_owner_files(noise, at, patch):
    data = bytearray(ANNA_CYRILLIC_EXCEL)
    data[at : at + len(patch)] = patch
    assert _is_clean(parse_excel_owner(bytes(data)))
    assert _is_clean(parse_excel_owner(noise))


NAMES = st.text(
    st.characters(whitelist_categories=("Lu", "Ll", "Lo", "Nd", "Zs", "Po", "Pd"), max_codepoint=0xFFFF),
    min_size=1,
    max_size=52,
).filter(lambda name: any(ch.isalnum() for ch in name))


def _escape(field: str) -> str:  # LockFileCommon::EscapeCharacters
    return field.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


@settings(max_examples=200, deadline=None)
@given(NAMES, st.sampled_from(["excel", "word", "powerpoint"]))
def test_any_office_name_comes_back(name, app):
    assert parse_excel_owner(owner_file(name, app=app)) == lock_owner.clean(name)


@settings(max_examples=200, deadline=None)
@given(
    NAMES.filter(lambda name: not name.startswith('"')),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=40),
)
def test_any_libreoffice_name_comes_back(name, host):  # a name in "quotes" loses them
    line = f"{_escape(name)},anna,{_escape(host)},01.12.2026 09:14,{PROFILE};"
    assert parse_libreoffice_lock(line) == (lock_owner.clean(name), SINCE)


# --- find_lock -------------------------------------------------------------------------------


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "partners.xlsx"
    path.write_bytes(b"PK not really a workbook")
    return path


def _lo_lock(workbook: Path) -> Path:
    return workbook.with_name(f".~lock.{workbook.name}#")


def _excel_lock(workbook: Path) -> Path:
    return workbook.with_name(f"~${workbook.name}")


def test_no_lock_file(workbook):
    assert find_lock(workbook) is None


def test_other_workbooks_locks_are_not_this_ones(workbook):
    for name in (
        "~$partners.xlsm",
        ".~lock.partners.xls#",
        ".~lock.partners.xlsx",
        "~$Partners.xlsx",
        ".~lock.~$partners.xlsx#",
        "~$partners.xlsx.tmp",
    ):
        (workbook.parent / name).write_bytes(ANNA_EXCEL)
    assert find_lock(workbook) is None


def test_a_workbook_that_does_not_exist_yet(tmp_path):
    assert find_lock(tmp_path / "missing.xlsx") is None
    assert find_lock(tmp_path / "nowhere" / "missing.xlsx") is None


@pytest.mark.parametrize("path", [Path(""), Path("/"), Path("bad\x00name.xlsx")])
def test_odd_workbook_paths(path):
    assert find_lock(path) is None


def test_a_libreoffice_lock(workbook):
    lock_file = _lo_lock(workbook)
    lock_file.write_bytes(f"Анна Петрова,anna,laptop-7,01.12.2026 09:14,{PROFILE};".encode())
    os.utime(lock_file, (1_790_000_000, 1_790_000_000))
    lock = find_lock(workbook)
    assert lock == Lock(
        path=lock_file,
        program=Program.LIBREOFFICE,
        user="Анна Петрова",
        since=SINCE,
        modified=dt.datetime.fromtimestamp(1_790_000_000, dt.UTC),
    )
    assert lock.modified.tzinfo is dt.UTC
    assert lock.describe() == "open in LibreOffice by Анна Петрова since 2026-12-01 09:14"


def test_an_excel_lock(workbook):
    _excel_lock(workbook).write_bytes(ANNA_CYRILLIC_EXCEL)
    lock = find_lock(workbook)
    assert (lock.path, lock.program, lock.user, lock.since) == (
        _excel_lock(workbook),
        Program.EXCEL,
        "Анна Петрова",
        None,
    )
    assert abs(lock.modified - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert lock.describe() == "open in Excel by Анна Петрова"


def test_libreoffice_lock_comes_first(workbook):
    # LibreOffice writes both when its "create MSO lock files" option is on; its own says more
    _excel_lock(workbook).write_bytes(ANNA_BY_LIBREOFFICE)
    _lo_lock(workbook).write_text(f"Анна Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE};")
    assert find_lock(workbook).program is Program.LIBREOFFICE
    _lo_lock(workbook).unlink()
    assert find_lock(workbook).program is Program.EXCEL


def test_an_empty_lock_file_of_each_program(workbook):
    _excel_lock(workbook).touch()
    assert find_lock(workbook).describe() == "open in Excel (lock file ~$partners.xlsx)"
    _lo_lock(workbook).touch()
    assert find_lock(workbook).describe() == "open in LibreOffice (lock file .~lock.partners.xlsx#)"


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00" * 4096,
        random.Random(7).randbytes(165).replace(b",", b"").replace(b";", b""),
        b"\xff" * 165,
        ANNA_EXCEL[:5],
        b"Anna Pet",
        f"Anna,anna,laptop-7,01.12.2026 09:14,{PROFILE};".encode() + b" " * 10_000,  # too big
        b"x" * 1_000_000,
    ],
    ids=["empty", "zeros", "random", "ff", "truncated-excel", "truncated-lo", "oversized", "huge"],
)
@pytest.mark.parametrize("program", [Program.EXCEL, Program.LIBREOFFICE])
def test_unreadable_content_is_still_a_lock(workbook, content, program):
    lock_file = _excel_lock(workbook) if program is Program.EXCEL else _lo_lock(workbook)
    lock_file.write_bytes(content)
    lock = find_lock(workbook)
    assert (lock.path, lock.program, lock.user, lock.since) == (lock_file, program, "", None)
    assert lock.modified is not None
    assert lock_file.name in lock.describe()


def test_a_lock_file_that_cannot_be_opened(workbook, monkeypatch):
    _lo_lock(workbook).write_text(f"Anna,anna,laptop-7,01.12.2026 09:14,{PROFILE};")
    real_open = os.open

    def denied(path, *args, **kwargs):
        if Path(path) == _lo_lock(workbook):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(locks.os, "open", denied)
    lock = find_lock(workbook)
    assert (lock.program, lock.user) == (Program.LIBREOFFICE, "")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_not_read(workbook):
    os.mkfifo(_excel_lock(workbook))  # reading it would block forever
    lock = find_lock(workbook)
    assert (lock.program, lock.user) == (Program.EXCEL, "")


def test_a_dangling_symlink_is_still_a_lock(workbook):
    try:
        _lo_lock(workbook).symlink_to(workbook.parent / "gone")
    except OSError:
        pytest.skip("no symlinks here")
    assert find_lock(workbook).user == ""


def test_a_folder_with_a_lock_files_name_is_not_a_lock(workbook):
    _lo_lock(workbook).mkdir()
    _excel_lock(workbook).mkdir()
    assert find_lock(workbook) is None


# Excel writes "~$" + the full name; Word (only) shortens it: "~$" + name[2:] for stems of 8 or
# more characters, name[1:] for 7. The shortened forms are looked for after the exact one.


def test_the_exact_excel_name_wins_over_a_shortened_one(workbook):
    (workbook.parent / "~$rtners.xlsx").write_bytes(owner_file("Boris"))
    _excel_lock(workbook).write_bytes(ANNA_EXCEL)
    assert find_lock(workbook).user == "Anna Petrova"


@pytest.mark.parametrize(
    ("name", "lock_name"),
    [
        ("partners.xlsx", "~$rtners.xlsx"),
        ("partner.xlsx", "~$artner.xlsx"),
        ("team partners 2026.xlsx", "~$am partners 2026.xlsx"),
    ],
)
def test_a_shortened_owner_file_name(tmp_path, name, lock_name):
    (tmp_path / name).write_bytes(b"PK")
    (tmp_path / lock_name).write_bytes(ANNA_EXCEL)
    lock = find_lock(tmp_path / name)
    assert (lock.path, lock.program, lock.user) == (tmp_path / lock_name, Program.EXCEL, "Anna Petrova")


def test_a_shortened_name_that_is_another_workbooks_own_lock(tmp_path):
    (tmp_path / "partners.xlsx").write_bytes(b"PK")
    (tmp_path / "rtners.xlsx").write_bytes(b"PK")
    (tmp_path / "~$rtners.xlsx").write_bytes(ANNA_EXCEL)
    assert find_lock(tmp_path / "partners.xlsx") is None
    assert find_lock(tmp_path / "rtners.xlsx").user == "Anna Petrova"


@pytest.mark.parametrize(
    ("name", "lock_name"),
    [("plan.xlsx", "~$an.xlsx"), ("budget.xlsx", "~$dget.xlsx"), ("budget.xlsx", "~$udget.xlsx")],
)
def test_short_names_are_not_shortened(tmp_path, name, lock_name):
    (tmp_path / name).write_bytes(b"PK")
    (tmp_path / lock_name).write_bytes(ANNA_EXCEL)
    assert find_lock(tmp_path / name) is None


# A symlinked workbook: LibreOffice puts its lock next to the link's target, under the target's
# name; whatever opened it through the link may have put one next to the link.


@pytest.fixture
def linked(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "real").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "real" / "partners-2026.xlsx"
    target.write_bytes(b"PK")
    link = tmp_path / "links" / "partners.xlsx"
    try:
        link.symlink_to(target)
    except OSError:
        pytest.skip("no symlinks here")
    return link, target


def test_a_lock_next_to_the_symlinks_target(linked):
    link, target = linked
    _lo_lock(target).write_text(f"Anna Petrova,anna,laptop-7,01.12.2026 09:14,{PROFILE};")
    lock = find_lock(link)
    assert (lock.path, lock.user) == (_lo_lock(target), "Anna Petrova")
    assert find_lock(target) == lock


def test_a_lock_next_to_the_symlink(linked):
    link, target = linked
    _excel_lock(link).write_bytes(ANNA_EXCEL)
    assert find_lock(link).path == _excel_lock(link)
    assert find_lock(target) is None  # the target's folder knows nothing of the link


def test_a_symlink_loop(tmp_path):
    loop = tmp_path / "partners.xlsx"
    loop.symlink_to(tmp_path / "partners.xlsx")
    assert find_lock(loop) is None
    _excel_lock(loop).write_bytes(ANNA_EXCEL)
    assert find_lock(loop).user == "Anna Petrova"


# --- describe() --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lock", "phrase"),
    [
        (
            Lock(Path("/s/.~lock.partners.xlsx#"), Program.LIBREOFFICE, "Anna Petrova", SINCE),
            "open in LibreOffice by Anna Petrova since 2026-12-01 09:14",
        ),
        (Lock(Path("/s/~$partners.xlsx"), Program.EXCEL, "Anna Petrova"), "open in Excel by Anna Petrova"),
        (Lock(Path("/s/~$partners.xlsx"), Program.EXCEL, ""), "open in Excel (lock file ~$partners.xlsx)"),
        (
            Lock(Path("/s/.~lock.partners.xlsx#"), Program.LIBREOFFICE, "", SINCE),
            "open in LibreOffice since 2026-12-01 09:14 (lock file .~lock.partners.xlsx#)",
        ),
        (
            Lock(Path("/s/~$a\nb\x1b.xlsx"), Program.EXCEL, "", None, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)),
            "open in Excel (lock file ~$a b.xlsx)",
        ),
        (
            Lock(Path("/s/~$x.xlsx"), Program.EXCEL, " Anna\x1b[2J\n Petrova "),
            "open in Excel by Anna[2J Petrova",
        ),
        (Lock(Path("/s/~$x.xlsx"), Program.EXCEL, "\u200b\x00"), "open in Excel (lock file ~$x.xlsx)"),
    ],
)
def test_describe(lock, phrase):
    assert lock.describe() == phrase


def test_program_names():
    assert [str(p) for p in Program] == ["Excel", "LibreOffice"]
    assert f"{Program.LIBREOFFICE}" == "LibreOffice"


# --- a real LibreOffice ------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice") else None)

# givenname + sn make LibreOffice's user name; CreateMSOLockFiles makes it write "~$<name>" too
REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.UserProfile/Data">
 <prop oor:name="givenname" oor:op="fuse"><value>Анна</value></prop></item>
<item oor:path="/org.openoffice.UserProfile/Data">
 <prop oor:name="sn" oor:op="fuse"><value>Petrova, Jr.; \\x</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Filter/Microsoft/Import">
 <prop oor:name="CreateMSOLockFiles" oor:op="fuse"><value>true</value></prop></item>
</oor:items>
"""


def test_a_real_libreoffice_lock(tmp_path):
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail("soffice (LibreOffice) is not installed, and CI is set")
        pytest.skip("soffice (LibreOffice) is not installed")
    folder = tmp_path / "shared drive"
    folder.mkdir()
    workbook = folder / "partners.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "Partner"
    book.save(workbook)
    profile = tmp_path / "lo-lock-test-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(REGISTRY, encoding="utf-8")
    log = tmp_path / "soffice.log"
    opened = dt.datetime.now()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                SOFFICE,
                "--headless",
                "--norestore",
                "--nologo",
                f"-env:UserInstallation={profile.as_uri()}",
                str(workbook),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "HOME": str(tmp_path)},
        )
    lo_lock, excel_lock = _lo_lock(workbook), _excel_lock(workbook)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lock = find_lock(workbook)
            if lock is not None and lock.user and excel_lock.exists() and excel_lock.stat().st_size >= 162:
                break
            if process.poll() is not None and lock is None:
                time.sleep(0.5)  # exited: whatever it left is there by now
                if find_lock(workbook) is None:
                    break
            time.sleep(0.05)
        lo_data = lo_lock.read_bytes() if lo_lock.exists() else b""
        excel_data = excel_lock.read_bytes() if excel_lock.exists() else b""
    finally:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    detail = log.read_text(errors="replace")[-2000:]
    assert lo_data, f"LibreOffice made no lock file in 30 s; it said:\n{detail}"

    # the format as the module's docstring has it: five escaped fields, ',' between, ';' at the end
    text = lo_data.decode("utf-8")
    assert text.startswith("Анна Petrova\\, Jr.\\; \\\\x,") and text.endswith(";") and "\n" not in text
    fields = text[len("Анна Petrova\\, Jr.\\; \\\\x,") : -1].split(",")
    assert len(fields) == 4 and fields[3] == profile.as_uri()
    user, since = parse_libreoffice_lock(lo_data)
    assert user == "Анна Petrova, Jr.; \\x"
    assert opened.replace(second=0, microsecond=0) - dt.timedelta(minutes=1) <= since
    assert since <= dt.datetime.now() + dt.timedelta(minutes=1)

    lock = find_lock(workbook)
    assert (lock.path, lock.program, lock.user, lock.since) == (lo_lock, Program.LIBREOFFICE, user, since)
    assert lock.describe() == f"open in LibreOffice by {user} since {since:%Y-%m-%d %H:%M}"

    # and the owner file it wrote in Excel's layout
    assert len(excel_data) == 165, f"no ~$ owner file from LibreOffice; it said:\n{detail}"
    assert excel_data[55:57] == bytes([len(user), 0])
    assert parse_excel_owner(excel_data) == user
    lo_lock.unlink()
    lock = find_lock(workbook)
    assert (lock.path, lock.program, lock.user, lock.since) == (excel_lock, Program.EXCEL, user, None)
