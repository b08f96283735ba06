"""The ledger fails closed: every state and output fault, through the CLI, against a real SMTP server.

Each test runs `sheets-sync` on a copy of the sample workbook with mail going to aiosmtpd on
127.0.0.1: `once`, `health` and `rebuild-ledger` in this process through the CLI's `main` (the `cli`
fixture of conftest.py), `run` in a subprocess (it is stopped with SIGTERM), and the worker as
another user in a subprocess (setpriv). Each breaks the state the way real hosts do (a full disk: a
small tmpfs; read-only: a read-only bind mount; a deleted, emptied, truncated or overwritten ledger;
a deleted state_dir; an outbox that cannot be written), runs more cycles, and counts what the server
received by Message-ID: nothing may arrive twice. The mounts need root (CI runs as root); without it
those tests are skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from sheets_sync.mail.ledger import LEDGER_FILE, MARKER_FILE
from tests.conftest import Cli
from tests.disk import fill, mounted, small_disk
from tests.samples import copy_sample
from tests.smtp_server import RecordingHandler, SmtpServer

TODAY = "2026-12-02"  # a Wednesday: the digests are due at noon, when `--today` runs
TRACEBACK = "Traceback (most recent call last)"


class Team:
    """The sample as `sheets-sync init` writes it (for the real date, as init does), sending
    through `server`; `run(...)` is a command of the CLI in this process."""

    def __init__(self, cli: Cli, folder: Path, server: SmtpServer, state: Path | None = None):
        self.cli = cli
        self.folder = folder
        self.server = server
        self.config = copy_sample(folder)
        settings = yaml.safe_load(self.config.read_text())
        settings["mail"].update(
            transport="smtp", smtp={"host": server.host, "port": server.port, "security": "none"}
        )
        self.state = state or folder / "state"
        settings["state_dir"] = str(self.state)
        self.settings = settings
        self.save()

    def save(self) -> None:
        self.config.write_text(yaml.safe_dump(self.settings))

    @property
    def ledger(self) -> Path:
        return self.state / LEDGER_FILE

    def run(self, *args: str, today: str | None = TODAY) -> subprocess.CompletedProcess:
        extra = ("--today", today) if today and args and args[0] in ("once", "rebuild-ledger") else ()
        return self.cli("-c", str(self.config), *args, *extra)

    def received(self) -> int:
        return len(self.server.handler.received)

    def assert_no_duplicate(self) -> None:
        twice = {mid: n for mid, n in self.server.handler.message_ids().items() if n > 1}
        assert not twice, f"delivered more than once: {twice}"


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer(RecordingHandler()) as running:
        yield running


@pytest.fixture
def team(cli, tmp_path, server) -> Team:
    return Team(cli, tmp_path / "team", server)


def assert_one_paragraph(result: subprocess.CompletedProcess, *words: str) -> None:
    assert TRACEBACK not in result.stderr and TRACEBACK not in result.stdout
    for word in words:
        assert word in result.stderr, result.stderr


def assert_unhealthy(team: Team, *words: str) -> str:
    health = team.run("health")
    assert health.returncode == 1, health.stdout
    for word in words:
        assert word in health.stdout, health.stdout
    return health.stdout


# --- the ledger lost or damaged ------------------------------------------------------------


def _delete(team: Team) -> None:
    team.ledger.unlink()
    for extra in ("-wal", "-shm"):
        Path(f"{team.ledger}{extra}").unlink(missing_ok=True)


def _empty(team: Team) -> None:
    _checkpoint(team)
    team.ledger.write_bytes(b"")


def _truncate(team: Team) -> None:
    _checkpoint(team)
    data = team.ledger.read_bytes()
    team.ledger.write_bytes(data[: len(data) // 2])


def _garbage(team: Team) -> None:
    _checkpoint(team)
    team.ledger.write_bytes(os.urandom(64 * 1024))


def _state_dir(team: Team) -> None:
    shutil.rmtree(team.state)


def _checkpoint(team: Team) -> None:
    """Fold the WAL into the file and drop it, so the fault hits the data itself."""
    import sqlite3

    with sqlite3.connect(team.ledger) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for extra in ("-wal", "-shm"):
        Path(f"{team.ledger}{extra}").unlink(missing_ok=True)


FAULTS = {
    "deleted": _delete,
    "emptied": _empty,
    "truncated": _truncate,
    "garbage": _garbage,
    "state_dir deleted": _state_dir,
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_lost_or_damaged_ledger_sends_nothing_until_rebuilt_and_then_nothing_twice(team, fault):
    first = team.run("once")
    assert first.returncode == 0, first.stderr
    sent = team.received()
    assert sent >= 10  # follow-ups, sales kits, newsletters and the day's digests
    book = next(team.folder.glob("*.xlsx"))

    FAULTS[fault](team)
    before = book.read_bytes()
    again = team.run("once")
    assert again.returncode == 1
    assert_one_paragraph(again, str(team.ledger), "rebuild-ledger")
    assert team.received() == sent, "nothing goes out while the ledger is lost"
    assert book.read_bytes() == before, "nor is the sheet written from an empty memory"
    assert_unhealthy(team, "ledger")

    rebuilt = team.run("rebuild-ledger")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "Rebuilt the send ledger" in rebuilt.stdout and "digest" in rebuilt.stdout
    if fault in ("truncated", "garbage"):
        assert "moved aside" in rebuilt.stdout and list(team.state.glob(f"{LEDGER_FILE}.damaged-*"))

    after = team.run("once")
    assert after.returncode == 0, after.stderr
    assert team.received() == sent, "nothing already sent goes out again"
    team.assert_no_duplicate()
    assert team.run("health").returncode == 0

    next_day = team.run("once", today="2026-12-03")  # and the worker goes on as before
    assert next_day.returncode == 0, next_day.stderr
    assert team.received() > sent
    team.assert_no_duplicate()


def test_a_ledger_restored_from_an_older_backup_sends_nothing_twice(team):
    assert team.run("once", today="2026-12-01").returncode == 0
    backup = team.folder / "backup"
    shutil.copytree(team.state, backup)
    assert team.run("once").returncode == 0  # the next day: more follow-ups, newsletters, the digests
    sent = team.received()
    shutil.rmtree(team.state)
    shutil.copytree(backup, team.state)  # the backup knows nothing of the second day
    again = team.run("once")
    assert again.returncode == 0, again.stderr
    assert team.received() == sent, "what the sheet shows as sent is not sent again"
    team.assert_no_duplicate()


def test_a_fresh_state_dir_next_to_a_fresh_sheet_is_a_fresh_start(team):
    assert not team.state.exists()
    first = team.run("once")
    assert first.returncode == 0, first.stderr
    assert team.received() > 0 and (team.state / MARKER_FILE).exists()


def _can_mount() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("mount") is not None


needs_mount = pytest.mark.skipif(not _can_mount(), reason="mounting a tmpfs or a read-only bind needs root")


@pytest.fixture
def small_state(tmp_path) -> Iterator[Path]:
    """A state_dir on a 16 MiB tmpfs of its own."""
    with small_disk(tmp_path / "state") as state:
        yield state


def start_run(team: Team) -> subprocess.Popen:
    team.settings["poll_every"] = 1
    team.save()
    return subprocess.Popen(
        [sys.executable, "-m", "sheets_sync", "-c", str(team.config), "--log-format", "json", "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_run(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(json.loads(line) for line in lines), "with --log-format json every line is JSON"
    assert TRACEBACK not in err
    return err


LOST = ("deleted or replaced", "is missing", "is new")


@pytest.mark.parametrize("fault", ["ledger", "state_dir"])
def test_a_ledger_deleted_while_run_is_polling_stops_sending_and_run_keeps_polling(team, fault):
    """`run` plans for the real date: whatever its first cycle sends is counted, then the fault."""
    proc = start_run(team)
    try:
        _wait_for(lambda: "last_attempt" in _health(team))  # the first cycle is over: its sends are in
        sent = team.received()
        first = _health(team)["last_attempt"]
        _wait_for(lambda: _health(team)["last_attempt"] != first)  # a cycle with the ledger open
        _delete(team) if fault == "ledger" else shutil.rmtree(team.state)
        book = next(team.folder.glob("*.xlsx"))
        os.utime(book)  # the workbook "changed": a cycle reads it all
        _wait_for(lambda: any(w in _health(team).get("last_error", "") for w in LOST))
        failed_at = _health(team)["last_attempt"]
        _wait_for(lambda: _health(team)["last_attempt"] != failed_at)  # it polls on, and still refuses
        assert any(w in _health(team)["last_error"] for w in LOST)
        assert proc.poll() is None, "run must not die"
        assert_unhealthy(team)
    finally:
        stop_run(proc)
    assert team.received() == sent


@needs_mount
def test_run_on_a_full_disk_sends_nothing_and_sends_it_all_once_the_disk_is_freed(
    cli, tmp_path, server, small_state
):
    team = Team(cli, tmp_path / "team", server, state=small_state)
    filler = fill(small_state, leave=256 * 1024)  # room for a small ledger and health.json, not for sending
    proc = start_run(team)
    try:
        _wait_for(lambda: "full" in _health(team).get("last_error", ""))
        failed_at = _health(team)["last_attempt"]
        _wait_for(lambda: _health(team)["last_attempt"] != failed_at)
        assert team.received() == 0
        assert_unhealthy(team, "full")
        filler.unlink()  # no edit of the workbook: run must try again by itself
        _wait_for(lambda: team.received() > 0 and not _health(team).get("last_error"))
        assert team.run("health").returncode == 0
    finally:
        stop_run(proc)
    team.assert_no_duplicate()


def test_run_with_a_garbage_ledger_keeps_polling_and_says_why(team):
    team.state.mkdir(parents=True)
    team.ledger.write_bytes(b"not a database " * 1000)
    proc = start_run(team)
    try:
        _wait_for(lambda: "damaged" in _health(team).get("last_error", ""))
        failed_at = _health(team)["last_attempt"]
        _wait_for(lambda: _health(team)["last_attempt"] != failed_at)
        assert proc.poll() is None
        assert_unhealthy(team, "damaged")
    finally:
        stop_run(proc)
    assert team.received() == 0


def _health(team: Team) -> dict:
    try:
        return json.loads((team.state / "health.json").read_text())
    except (OSError, ValueError):
        return {}


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


# --- a full disk and a read-only state (mounts: root only) ---------------------------------


@needs_mount
def test_a_full_disk_stops_sending_writes_the_sheet_and_sends_nothing_twice_once_freed(
    cli, tmp_path, server, small_state
):
    team = Team(cli, tmp_path / "team", server, state=small_state)
    book = next(team.folder.glob("*.xlsx"))
    filler = fill(small_state)
    before = book.read_bytes()
    full = team.run("once")
    assert full.returncode == 1
    assert_one_paragraph(full, str(small_state))
    assert team.received() == 0
    assert book.read_bytes() == before  # a ledger that cannot even be created: nothing read from it
    assert_unhealthy(team)

    filler.unlink()
    first = team.run("once")
    assert first.returncode == 0, first.stderr
    sent = team.received()

    filler = fill(small_state)
    before = book.read_bytes()
    full = team.run("once", today="2026-12-03")
    assert full.returncode == 1
    assert_one_paragraph(full, "full")
    assert team.received() == sent, "nothing is sent while the ledger has no room"
    assert book.read_bytes() != before, "the ledger reads fine: the sheet is still brought up to date"
    assert_unhealthy(team, "full")

    filler.unlink()
    freed = team.run("once", today="2026-12-03")
    assert freed.returncode == 0, freed.stderr
    assert team.received() > sent
    team.assert_no_duplicate()


@needs_mount
def test_the_disk_filling_while_a_message_is_on_the_wire_never_loses_its_record(cli, tmp_path, small_state):
    """The server accepts a message while the disk fills: its `sent` record still lands (the
    ledger's reserve), sending stops, and the next cycles send it never again."""
    state = small_state
    filled: list[Path] = []

    class FillingHandler(RecordingHandler):
        async def handle_DATA(self, server, session, envelope):
            reply = await super().handle_DATA(server, session, envelope)
            if len(self.received) == 3 and not filled:
                filled.append(fill(state))
            return reply

    with SmtpServer(FillingHandler()) as server:
        team = Team(cli, tmp_path / "team", server, state=state)
        result = team.run("once")
        assert result.returncode == 1
        assert_one_paragraph(result, "full")
        assert team.received() == 3, "sending stops once the disk is full"
        filled[0].unlink()
        for _ in range(2):
            again = team.run("once")
            assert again.returncode == 0, again.stderr
        team.assert_no_duplicate()
        assert team.received() > 3


@needs_mount
def test_a_read_only_state_dir_sends_nothing_and_says_so(cli, tmp_path, server):
    state = tmp_path / "state"
    team = Team(cli, tmp_path / "team", server, state=state)
    assert team.run("once").returncode == 0
    sent = team.received()
    with mounted("--bind", str(state), str(state)):
        subprocess.run(["mount", "-o", "remount,ro,bind", str(state)], check=True)
        ro = team.run("once", today="2026-12-03")
        assert ro.returncode == 1
        assert_one_paragraph(ro, str(team.ledger), "read-only")
        assert team.received() == sent
        assert "Sent" in ro.stdout  # the summary is still printed
        assert_unhealthy(team, "not writable")
    after = team.run("once", today="2026-12-03")
    assert after.returncode == 0, after.stderr
    assert team.received() > sent
    team.assert_no_duplicate()


@needs_mount
def test_an_outbox_that_cannot_be_written_fails_the_cycle_and_health(cli, tmp_path, server):
    team = Team(cli, tmp_path / "team", server)
    team.settings["mail"]["transport"] = "outbox"
    team.save()
    outbox = team.folder / team.settings["mail"]["outbox_dir"]
    outbox.mkdir(parents=True, exist_ok=True)
    with mounted("--bind", str(outbox), str(outbox)):
        subprocess.run(["mount", "-o", "remount,ro,bind", str(outbox)], check=True)
        result = team.run("once")
        assert result.returncode == 1
        assert_one_paragraph(result, "outbox folder", "deferred")
        assert_unhealthy(team, "outbox")
    again = team.run("once")
    assert again.returncode == 0, again.stderr
    assert len(list(outbox.glob("*.eml"))) >= 10


# --- health tells the truth about the mail server ------------------------------------------


def test_a_server_that_puts_off_every_message_turns_health_unhealthy_after_three_polls(cli, tmp_path):
    with SmtpServer(RecordingHandler(data_reply="451 4.3.0 try again later")) as server:
        team = Team(cli, tmp_path / "team", server)
        for poll in range(3):
            result = team.run("once")
            assert result.returncode == 0, result.stderr  # a 4xx is a deferral, not a failed cycle
            health = team.run("health")
            assert (health.returncode == 0) == (poll < 2), health.stdout
        assert "451" in health.stdout and "3 cycles" in health.stdout
        server.handler.data_reply = ""
        assert team.run("once").returncode == 0
        assert team.run("health").returncode == 0
        team.assert_no_duplicate()


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_today_outside_1900_2200_is_a_usage_error(cli, tmp_path, server, day):
    team = Team(cli, tmp_path / "team", server)
    result = team.run("once", today=day)
    assert result.returncode == 2
    assert "between 1900 and 2200" in result.stderr and TRACEBACK not in result.stderr


# --- a ledger read-only by its permissions (the worker as an unprivileged user) -------------


def test_a_ledger_the_worker_may_read_but_not_write_sends_nothing_until_its_permissions_are_fixed(
    cli, server
):
    """chmod, not a mount: root ignores permissions, so the worker runs as `nobody` (setpriv)."""
    from tests.test_xlsx_readonly import NOBODY, as_nobody, why_nobody_cannot_run_python

    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run the worker as an unprivileged user")
    if why_nobody_cannot_run_python():
        pytest.skip(f"the unprivileged user cannot run this Python: {why_nobody_cannot_run_python()}")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="sheets-sync-ledger-perm-"))
    try:
        os.chmod(folder, 0o755)
        team = Team(cli, folder / "team", server)
        for path in [team.folder, *team.folder.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)

        def once(today: str) -> subprocess.CompletedProcess:
            return as_nobody("-m", "sheets_sync", "-c", str(team.config), "once", "--today", today)

        first = once("2026-12-01")
        assert first.returncode == 0, first.stderr
        sent = team.received()
        for path in [team.state, *team.state.iterdir()]:  # the admin takes the state directory over
            os.chown(path, 0, 0)
        ro = once(TODAY)
        assert ro.returncode == 1
        assert (
            TRACEBACK not in ro.stderr and "cannot be written" in ro.stderr and str(team.ledger) in ro.stderr
        )
        assert team.received() == sent
        health = as_nobody("-m", "sheets_sync", "-c", str(team.config), "health")
        assert health.returncode == 1 and "not writable" in health.stdout
        for path in [team.state, *team.state.iterdir()]:
            os.chown(path, NOBODY, NOBODY)
        fixed = once(TODAY)
        assert fixed.returncode == 0, fixed.stderr
        assert team.received() > sent
        team.assert_no_duplicate()
    finally:
        shutil.rmtree(folder)
