"""The ledger's own guards, one at a time: what it raises, what it remembers, what health says."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import disk
import pytest
from disk import fill
from smtp_server import make_message

from sheets_sync.config import Config
from sheets_sync.errors import LedgerError
from sheets_sync.mail.ledger import LEDGER_FILE, MARKER_FILE, RESERVE_FILE, Ledger, SendStatus
from sheets_sync.rules.dashboard import DIGESTS, digest_dates_shown
from sheets_sync.runtime.cycle import CycleReport
from sheets_sync.runtime.health import HEALTH_FILE, is_healthy, read_health, record_health

T0 = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


def test_a_fresh_ledger_writes_its_marker_and_is_unverified_until_told(tmp_path):
    with Ledger(tmp_path / LEDGER_FILE) as ledger:
        ledger.verify()
        assert (tmp_path / MARKER_FILE).exists() and not ledger.is_verified
        ledger.mark_verified(T0, "test")
        assert ledger.is_verified
    with Ledger(tmp_path / LEDGER_FILE) as again:
        again.verify()
        assert again.is_verified


@pytest.mark.parametrize("damage", [b"", b"SQLite format 3\x00" + b"\x00" * 50, b"garbage " * 4096])
def test_a_damaged_or_emptied_ledger_next_to_its_marker_raises_naming_the_file_and_the_fix(tmp_path, damage):
    path = tmp_path / LEDGER_FILE
    with Ledger(path) as ledger:
        ledger.verify()
        ledger.begin(make_message("follow-up:A-1"), T0)
    path.write_bytes(damage)
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    with Ledger(path) as ledger, pytest.raises(LedgerError) as raised:
        ledger.verify()
    assert str(path) in str(raised.value) and "rebuild-ledger" in str(raised.value)
    assert not raised.value.readable


def test_a_ledger_replaced_under_a_running_worker_is_noticed_at_the_next_cycle(tmp_path):
    path = tmp_path / LEDGER_FILE
    with Ledger(path) as ledger:
        ledger.verify()
        ledger.verify()  # the same file: fine
        os.replace(path, tmp_path / "elsewhere")
        with pytest.raises(LedgerError, match="deleted or replaced"):
            ledger.verify()


def test_check_room_holds_a_reserve_of_real_bytes(tmp_path):
    with Ledger(tmp_path / LEDGER_FILE) as ledger:
        ledger.check_room()
        reserve = tmp_path / RESERVE_FILE
        assert reserve.stat().st_size >= 1024 * 1024
        assert reserve.stat().st_blocks * 512 >= 1024 * 1024, "a sparse file would hold no space"


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A folder on an 8 MiB tmpfs of its own (mounting needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    with disk.small_disk(tmp_path / "state", "8m") as state:
        yield state


def test_a_sent_record_refused_by_a_full_disk_is_kept_in_memory_and_written_once_it_can_be(small_disk):
    state = small_disk
    ledger = Ledger(state / LEDGER_FILE)
    ledger.verify()
    m = make_message("follow-up:A-7")
    ledger.begin(m, T0)
    filler = fill(state)  # and no reserve left to release: the record cannot land
    with pytest.raises(LedgerError) as raised:
        ledger.finish(m, T0, {})  # the server accepted it; the disk refuses the record
    assert raised.value.readable and "full" in str(raised.value)
    assert ledger.status(m.key) is SendStatus.SENT, "this process never sends it again"
    assert [e.key for e in ledger.entries()] == [m.key] and ledger.sent_since(T0) == 1
    with pytest.raises(LedgerError, match="full"):
        ledger.check_room()
    filler.unlink()
    ledger.verify()  # the next cycle: writes it down
    ledger.close()
    with Ledger(state / LEDGER_FILE) as again:
        assert again.status(m.key) is SendStatus.SENT


def test_the_reserve_lets_the_sent_record_land_on_a_disk_that_filled_while_the_message_was_on_the_wire(
    small_disk,
):
    state = small_disk
    with Ledger(state / LEDGER_FILE) as ledger:
        ledger.check_room()  # before the send: holds the reserve
        m = make_message("follow-up:A-8")
        ledger.begin(m, T0)
        fill(state)
        ledger.finish(m, T0, {})  # lands: the reserve was released for it
        assert not (state / RESERVE_FILE).exists()
        with pytest.raises(LedgerError, match="full"):
            ledger.check_room()  # and nothing more is sent
    with Ledger(state / LEDGER_FILE) as again:
        assert again.status(m.key) is SendStatus.SENT


def test_adopt_records_what_the_sheet_shows_without_touching_what_the_ledger_knows(tmp_path):
    from sheets_sync.mail.ledger import LedgerEntry
    from sheets_sync.model import MessageKind

    with Ledger(tmp_path / LEDGER_FILE) as ledger:
        sent = make_message("follow-up:A-1")
        ledger.begin(sent, T0)
        ledger.finish(sent, T0, {})
        entries = [
            LedgerEntry(
                "follow-up:A-1", MessageKind.FOLLOW_UP, "<x@y>", ("a@b",), sent_at=T0 + dt.timedelta(days=1)
            ),
            LedgerEntry(
                "digest:anna@x.example:2026-12-02",
                MessageKind.DIGEST,
                "<d@y>",
                ("anna@x.example",),
                sent_at=T0,
            ),
        ]
        assert ledger.adopt(entries) == 1
        assert ledger.lookup("follow-up:A-1").sent_at == T0  # kept as it was
        assert ledger.digest_dates() == {"anna@x.example": T0}
        assert ledger.unlogged() == [e for e in ledger.unlogged() if e.key == "follow-up:A-1"]


def test_the_dashboard_digest_block_reads_back_what_it_wrote():
    rows = [
        ("Partners dashboard", "as of", dt.date(2026, 12, 2)),
        (),
        ("Most overdue", "Rank"),
        ("(none)",),
        (),
        DIGESTS,
        ("anna@x.example", "2026-12-02"),
        ("Ben@X.example", 46358.0),
        ("bad", "soon"),
        (),
        ("Digests", "Last sent"),
        ("late@x.example", "2026-12-01"),
    ]
    assert digest_dates_shown(rows) == {
        "anna@x.example": dt.date(2026, 12, 2),
        "ben@x.example": dt.date(2026, 12, 2),
    }
    assert digest_dates_shown([("Digests",)]) == {}


def test_health_is_kept_in_memory_when_the_disk_refuses_the_file(tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the state directory should be")
    config = Config(state_dir=blocker / "state")
    record_health(config, T0, ok=False, error="the ledger is damaged")  # no exception
    assert read_health(config)["last_error"] == "the ledger is damaged"
    assert "kept in memory" in caplog.text


def test_a_workbook_left_unwritten_for_any_reason_turns_health_unhealthy_after_lock_warn_after(tmp_path):
    config = Config(state_dir=tmp_path / "state")
    why = (
        "The workbook /w/partners.xlsx is read-only for the user sheets-sync runs as (uid 10001): "
        "nothing was written."
    )
    report = CycleReport(T0.date(), plan=object(), not_written=why)  # type: ignore[arg-type]
    record_health(config, T0, ok=True, report=report)
    assert is_healthy(config, T0 + dt.timedelta(minutes=5))[0]
    record_health(config, T0 + dt.timedelta(minutes=31), ok=True, report=report)
    ok, reason = is_healthy(config, T0 + dt.timedelta(minutes=31))
    assert not ok and "read-only" in reason and "since 2026-12-02T11:00" in reason
    written = CycleReport(T0.date(), plan=object(), written=True)  # type: ignore[arg-type]
    record_health(config, T0 + dt.timedelta(minutes=32), ok=True, report=written)
    assert is_healthy(config, T0 + dt.timedelta(minutes=32))[0]
    assert json.loads((config.state_dir / HEALTH_FILE).read_text())["unwritten_since"] is None


def test_health_names_a_lost_or_damaged_ledger_and_an_unwritable_outbox(tmp_path):
    config = Config(state_dir=tmp_path / "state")
    with Ledger(config.state_dir / LEDGER_FILE) as ledger:
        ledger.verify()
    record_health(config, T0, ok=True)
    (config.state_dir / LEDGER_FILE).write_bytes(b"junk" * 100)
    ok, why = is_healthy(config, T0)
    assert not ok and "damaged" in why
    (config.state_dir / LEDGER_FILE).unlink()
    ok, why = is_healthy(config, T0)
    assert not ok and "lost" in why and "rebuild-ledger" in why


def test_a_ledger_from_before_the_verified_mark_counts_as_verified(tmp_path):
    """Upgrading must not turn every existing install's ledger into a 'new ledger next to an old sheet'."""
    import sqlite3

    path = tmp_path / LEDGER_FILE
    with sqlite3.connect(path) as db:  # a schema-2 ledger, as the previous release left it
        db.executescript(
            "CREATE TABLE sends (key TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, message_id "
            "TEXT NOT NULL,"
            " recipients TEXT NOT NULL, subject TEXT NOT NULL DEFAULT '', refused TEXT NOT NULL DEFAULT '{}',"
            " reason TEXT NOT NULL DEFAULT '', begun_at REAL NOT NULL, sent_at REAL, failed_at REAL,"
            " logged INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
            "CREATE TABLE deferrals (key TEXT PRIMARY KEY, kind TEXT NOT NULL, first_at REAL NOT NULL,"
            " last_at REAL NOT NULL, reason TEXT NOT NULL DEFAULT '') WITHOUT ROWID; PRAGMA user_version = 2;"
        )
    with Ledger(path) as ledger:
        ledger.verify()
        assert ledger.is_verified and (tmp_path / MARKER_FILE).exists()


def test_a_hand_edited_health_file_neither_breaks_health_nor_the_next_record(tmp_path):
    config = Config(state_dir=tmp_path / "state")
    config.state_dir.mkdir()
    (config.state_dir / HEALTH_FILE).write_text(
        json.dumps({"stalled_cycles": "x", "last_success": 5, "last_error": ""})
    )
    ok, why = is_healthy(config, T0)
    assert not ok and "damaged" in why
    report = CycleReport(T0.date(), plan=object())  # type: ignore[arg-type]
    record_health(config, T0, ok=True, report=report)
    assert is_healthy(config, T0)[0]
