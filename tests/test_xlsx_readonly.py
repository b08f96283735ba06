"""A workbook that is read-only for the user sheets-sync runs as is never written (SPEC 5).

The atomic replace needs only a writable folder: renamed over a read-only file, a new file would
take the place of one the team (or the admin) made read-only. So the write checks the file and
its folder for that user first, and says in one sentence what to change; it is transient, tried
again every cycle, and the emails of the cycle still go out and are summed up.

Root ignores file permissions, so these run the worker as `nobody` (setpriv) in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.samples import copy_sample

NOBODY = 65534
TEAM = 1000  # another user: the one who made the workbook
TODAY = dt.date(2026, 11, 26)  # a Thursday
REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run the worker as an unprivileged user",
)

WRITE = """
import sys
from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite, Changes
from sheets_sync.sources.xlsx import XlsxSource

source = XlsxSource(sys.argv[1])
snapshot = source.read(["Partners"])
try:
    source.write(snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "changed"),)))
except SourceError as e:
    print(f"transient={e.transient} {e}")
else:
    print("written")
"""


def as_nobody(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(REPO), "HOME": "/nonexistent"}
    command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", sys.executable, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


@functools.cache
def why_nobody_cannot_run_python() -> str:
    """'' when that user can run this Python with sheets-sync and the test servers' packages; else
    why not. The interpreter and the venv must be readable by it (not so when they live in /root).
    Asked once per test process."""
    probe = as_nobody("-c", "import aiosmtpd, python_calamine, sheets_sync.cli")
    return "" if probe.returncode == 0 else probe.stderr.strip()[-200:] or f"exit {probe.returncode}"


@pytest.fixture(scope="module")
def nobody_runs_python() -> None:
    why = why_nobody_cannot_run_python()
    if why:
        pytest.skip(f"the unprivileged user cannot run this Python: {why}")


@pytest.fixture
def folder(nobody_runs_python) -> Iterator[Path]:
    """A folder that user can reach (pytest's own tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="sheets-sync-readonly-"))
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def workbook(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["ID", "Partner"])
    ws.append(["P-1", "Acme"])
    wb.save(path)
    return path


def chown(path: Path, uid: int, mode: int) -> None:
    os.chown(path, uid, uid)
    os.chmod(path, mode)


def test_a_workbook_read_only_for_the_user_in_a_folder_it_may_write_is_not_replaced(folder):
    shared = folder / "shared"
    shared.mkdir()
    chown(shared, NOBODY, 0o755)  # the worker's user may create and rename files here...
    path = workbook(shared / "book.xlsx")
    chown(path, TEAM, 0o644)  # ...but the workbook is another user's, read-only for everyone else
    before, inode = path.read_bytes(), path.stat().st_ino

    result = as_nobody("-c", WRITE, str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"transient=True The workbook {path} is read-only for the user sheets-sync runs as (uid {NOBODY}): "
        f"nothing was written. Give that user write permission to the file (or run sheets-sync as its "
        f"owner, uid {TEAM}), and the next cycle writes it."
    )
    assert path.read_bytes() == before and path.stat().st_ino == inode and path.stat().st_uid == TEAM
    assert sorted(p.name for p in shared.iterdir()) == ["book.xlsx"]  # no temporary file left


def test_a_workbook_in_a_folder_the_user_cannot_write_says_so(folder):
    locked = folder / "locked"
    locked.mkdir()
    chown(locked, 0, 0o755)
    path = workbook(locked / "book.xlsx")
    chown(path, NOBODY, 0o644)  # the file is the worker's, the folder is not
    before = path.read_bytes()

    result = as_nobody("-c", WRITE, str(path))

    assert result.returncode == 0, result.stderr
    out = result.stdout.strip()
    assert out.startswith(
        f"transient=True The folder {locked} of the workbook {path} is not writable for "
        f"the user sheets-sync runs as (uid {NOBODY}): nothing was written."
    )
    assert "write permission to the folder" in out
    assert path.read_bytes() == before


def test_a_writable_workbook_is_still_written_by_that_user(folder):
    """The check is no blanket refusal: the same user, with the permissions, writes as before."""
    own = folder / "own"
    own.mkdir()
    chown(own, NOBODY, 0o755)
    path = workbook(own / "book.xlsx")
    chown(path, NOBODY, 0o644)
    result = as_nobody("-c", WRITE, str(path))
    assert result.stdout.strip() == "written", result.stdout + result.stderr


def test_once_with_a_read_only_workbook_still_sums_up_the_emails_it_sent(folder):
    """`sheets-sync once` as that user: the outbox gets the emails, the summary says so, the sheet is
    left alone with one clear sentence why, and the exit code is 0 or 1 (the cycle-level rule)."""
    team = folder / "team"
    config = copy_sample(team, "en", TODAY)
    for path in (team, *team.iterdir()):
        os.chown(path, NOBODY, NOBODY)
    book = team / "partners.xlsx"
    chown(book, 0, 0o644)
    before = book.read_bytes()

    result = as_nobody("-m", "sheets_sync", "-c", str(config), "once", "--today", TODAY.isoformat(), cwd=team)

    output = result.stdout + result.stderr
    sent = sorted((team / "outbox").glob("*.eml"))
    assert sent, output  # the emails went out...
    assert f"{len(sent)} sent" in result.stdout, output  # ...and the summary counts them
    assert f"is read-only for the user sheets-sync runs as (uid {NOBODY})" in output
    assert "Traceback" not in output
    assert result.returncode in (0, 1), output
    assert book.read_bytes() == before and book.stat().st_uid == 0
    print(f"once with a read-only workbook exits {result.returncode}")
