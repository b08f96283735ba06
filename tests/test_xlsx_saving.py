"""A workbook caught while another program saves it in place is "being saved", not "not a valid .xlsx".

Some programs (and file-sync tools, and network shares) rewrite the file in place: for a moment it
is truncated, then half-written. A read that finds a broken zip looks again after a short pause:
if the file grew, shrank or was touched since the read started, or a lock file appeared, it is
being saved (a transient SourceError: trying again next cycle). A file that stays broken is still
"not a valid .xlsx". The files here are real, and so is the thread that writes them.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.errors import SourceError
from sheets_sync.sources.xlsx import XlsxSource

SAVING = "is being saved by another program; trying again next cycle"


def workbook(path: Path, partners: int = 300) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["ID", "Partner"])
    for n in range(partners):
        ws.append([f"P-{n}", f"Partner number {n}"])
    wb.save(path)
    return path.read_bytes()


class Watched(XlsxSource):
    """The real source, telling the test when it has taken the file's bytes (and their fstat)."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.loaded = threading.Event()

    def _load_bytes(self):
        out = super()._load_bytes()
        self.loaded.set()
        return out


def rewrite_in_place(path: Path, data: bytes, start: int) -> None:
    """What an in-place save does after the truncation: the rest of the bytes, into the same file."""
    with open(path, "r+b") as f:
        f.seek(start)
        f.write(data[start:])


def read_while(source: Watched, action) -> SourceError:
    """`source.read` with `action` run by another thread as soon as the bytes were taken."""

    def act():
        if source.loaded.wait(10):
            action()

    thread = threading.Thread(target=act)
    thread.start()
    try:
        with pytest.raises(SourceError) as caught:
            source.read(["Partners"])
    finally:
        thread.join()
    return caught.value


@pytest.mark.parametrize("cut", [0, 0.5], ids=["truncated", "half-written"])
def test_a_file_completed_just_after_the_read_is_being_saved(tmp_path, cut):
    path = tmp_path / "book.xlsx"
    data = workbook(path)
    half = int(len(data) * cut)
    path.write_bytes(data[:half])  # the save has begun: truncated, then part of the bytes
    source = Watched(path)

    error = read_while(source, lambda: rewrite_in_place(path, data, half))

    assert str(error) == f"{path} {SAVING}."
    assert error.transient and "not a valid" not in str(error)
    assert path.read_bytes() == data and source.read(["Partners"]).tables  # and the next cycle reads it


def test_a_lock_file_appearing_means_it_is_being_saved(tmp_path):
    path = tmp_path / "book.xlsx"
    data = workbook(path)
    path.write_bytes(data[: len(data) // 3])
    lock = tmp_path / ".~lock.book.xlsx#"

    error = read_while(Watched(path), lambda: lock.write_text("Anna,anna,laptop,26.11.2026 08:10,file:///x;"))

    assert SAVING in str(error) and error.transient


def test_a_file_that_stays_broken_is_not_a_valid_xlsx(tmp_path):
    path = tmp_path / "book.xlsx"
    data = workbook(path)
    path.write_bytes(data[: len(data) // 2])
    started = time.monotonic()
    with pytest.raises(SourceError) as caught:
        XlsxSource(path).read(["Partners"])
    assert "is not a valid .xlsx file" in str(caught.value) and not caught.value.transient
    assert SAVING not in str(caught.value)
    assert time.monotonic() - started < 3  # one short look again, not a wait


def test_a_thread_saving_in_place_over_and_over_is_never_called_invalid(tmp_path):
    """The real race: a writer truncates and rewrites the file in small pieces, again and again,
    while the worker reads it. Each read either gets the whole workbook or says it is being saved."""
    path = tmp_path / "book.xlsx"
    data = workbook(path, partners=2000)
    stop = threading.Event()

    def save_in_place_repeatedly():
        while not stop.is_set():
            with open(path, "wb") as f:  # truncates: the same inode, as an in-place save
                for start in range(0, len(data), 4096):
                    f.write(data[start : start + 4096])
                    f.flush()
                    time.sleep(0.002)
            time.sleep(0.01)

    writer = threading.Thread(target=save_in_place_repeatedly)
    writer.start()
    outcomes = []
    try:
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline and len(outcomes) < 12:
            try:
                tables = XlsxSource(path).read(["Partners"]).tables
                outcomes.append("read" if len(tables["Partners"].rows) == 2000 else "short")
            except SourceError as e:
                outcomes.append("saving" if SAVING in str(e) and e.transient else str(e))
    finally:
        stop.set()
        writer.join()
    assert "saving" in outcomes  # the race was met: the test could have failed
    assert set(outcomes) <= {"read", "saving"}, [o for o in outcomes if o not in ("read", "saving")]
