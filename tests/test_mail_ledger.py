"""The send ledger: pending -> sent, failures, counts for the caps, what the sheet has not logged yet."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from smtp_server import make_message

from sheets_sync.config import Config
from sheets_sync.mail.ledger import LEDGER_FILE, Ledger, SendStatus, open_ledger
from sheets_sync.model import MessageKind, Outcome, Received

T0 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "state" / "deep" / LEDGER_FILE) as ledger:
        yield ledger


def test_a_key_goes_pending_then_sent(ledger):
    m = make_message("follow-up:A-1", to=("Anna@P.example",), cc=("boss@acme.example",))
    assert ledger.status(m.key) is None
    ledger.begin(m, T0)
    assert ledger.status(m.key) == "pending"
    assert ledger.entries() == [] and ledger.sent_since(T0) == 0
    ledger.finish(m, T0 + dt.timedelta(seconds=1), {})
    assert ledger.status(m.key) == "sent"
    [entry] = ledger.entries()
    assert (entry.key, entry.kind, entry.message_id) == (m.key, MessageKind.FOLLOW_UP, m.message_id)
    assert entry.recipients == ("anna@p.example", "boss@acme.example")
    assert entry.sent_at == T0 + dt.timedelta(seconds=1) and entry.sent_at.tzinfo == dt.UTC
    assert entry.subject == m.subject


def test_the_file_is_in_wal_mode_and_survives_reopening(tmp_path):
    path = tmp_path / LEDGER_FILE
    with Ledger(path) as ledger:
        ledger.finish(make_message("follow-up:A-1"), T0, {"x@p.example": "550 5.1.1 no such user"})
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with Ledger(path) as again:
        assert again.status("follow-up:A-1") == "sent"
        assert again.entries()[0].refused == {"x@p.example": "550 5.1.1 no such user"}


def test_open_ledger_lives_in_state_dir(tmp_path):
    with open_ledger(Config(state_dir=tmp_path / "state")) as ledger:
        assert (
            ledger.path == tmp_path / "state" / LEDGER_FILE and not ledger.path.exists()
        )  # opened on first use
        ledger.verify()
        assert ledger.path.exists() and ledger.marker.exists()


def test_begin_never_downgrades_a_sent_key_and_keeps_the_first_message_id(ledger):
    m = make_message("follow-up:A-1")
    ledger.begin(m, T0)
    other_id = make_message("follow-up:A-1")
    other_id.email.replace_header("Message-ID", "<another@acme.example>")
    ledger.begin(other_id, T0)
    assert ledger.lookup(m.key).message_id == m.message_id  # a resend must carry the first one
    ledger.finish(m, T0, {})
    ledger.begin(m, T0 + dt.timedelta(hours=1))
    ledger.fail(m, T0, "550 nope")
    assert ledger.status(m.key) == "sent"


def test_a_failure_is_recorded_with_its_reason_and_retried_by_begin(ledger):
    m = make_message("follow-up:A-1", to=("gone@p.example",))
    ledger.begin(m, T0)
    ledger.fail(m, T0, "Every recipient was refused", {"gone@p.example": "550 5.1.1 no such user"})
    [failure] = ledger.failures()
    assert failure.status is SendStatus.FAILED and failure.reason == "Every recipient was refused"
    assert failure.refused == {"gone@p.example": "550 5.1.1 no such user"} and failure.sent_at == T0
    assert ledger.entries() == []
    ledger.begin(m, T0 + dt.timedelta(days=1))
    assert ledger.status(m.key) == "pending" and ledger.failures() == []


def test_sent_since_and_send_times_count_only_sent_messages(ledger):
    for n in range(5):
        m = make_message(f"newsletter:C-{n}:2026-11-26")
        ledger.begin(m, T0)
        if n < 4:
            ledger.finish(m, T0 + dt.timedelta(seconds=20 * n), {})
    assert ledger.sent_since(T0) == 4
    assert ledger.sent_since(T0 + dt.timedelta(seconds=20)) == 3
    assert ledger.sent_since(T0 + dt.timedelta(hours=1)) == 0
    berlin = T0.astimezone(dt.timezone(dt.timedelta(hours=1)))  # the same instant in another zone
    assert ledger.sent_since(berlin) == 4
    assert ledger.send_times(T0 + dt.timedelta(seconds=30)) == [
        T0 + dt.timedelta(seconds=40),
        T0 + dt.timedelta(seconds=60),
    ]


def test_naive_datetimes_are_refused(ledger):
    with pytest.raises(ValueError, match="aware"):
        ledger.sent_since(dt.datetime(2026, 11, 26))


def test_unlogged_until_marked_logged(ledger):
    for n in range(3):
        m = make_message(f"greeting:C-{n}:birthday-2026", MessageKind.GREETING)
        ledger.finish(m, T0 + dt.timedelta(minutes=n), {})
    assert [e.key for e in ledger.unlogged()] == [f"greeting:C-{n}:birthday-2026" for n in range(3)]
    ledger.mark_logged(iter(["greeting:C-0:birthday-2026", "greeting:C-2:birthday-2026"]))
    assert [e.key for e in ledger.unlogged()] == ["greeting:C-1:birthday-2026"]
    assert len(ledger.entries()) == 3


def test_last_sent_by_key_prefix(ledger):
    for key, minutes in [
        ("newsletter:C-7:2026-10-01", 0),
        ("newsletter:C-7:2026-11-01", 5),
        ("newsletter:C-70:2026-12-01", 9),
        ("newsletter:C-8:2026-12-01", 9),
    ]:
        ledger.finish(make_message(key), T0 + dt.timedelta(minutes=minutes), {})
    ledger.begin(
        make_message("newsletter:C-7:2026-12-01"), T0 + dt.timedelta(minutes=20)
    )  # pending: not sent
    assert ledger.last_sent("newsletter:C-7:") == T0 + dt.timedelta(minutes=5)
    assert ledger.last_sent("newsletter:C-9:") is None


def greeting(n: int):
    return make_message(f"greeting:C-{n}:birthday:2026", MessageKind.GREETING)


def test_deferred_keys_are_remembered_until_they_go_out(ledger):
    later = T0 + dt.timedelta(days=1)
    ledger.defer([(greeting(n), "max_per_day reached (5 sent today)") for n in range(4)], T0)
    ledger.defer([(greeting(0), "max_per_day reached (5 sent today)")], later)  # put off again: first stays
    ledger.defer([(make_message("newsletter:C-0:2026-11-26"), "max_per_minute reached")], T0)
    assert ledger.deferred(MessageKind.GREETING) == {f"greeting:C-{n}:birthday:2026": T0 for n in range(4)}
    assert list(ledger.deferred(MessageKind.NEWSLETTER)) == ["newsletter:C-0:2026-11-26"]

    ledger.finish(greeting(1), later, {})
    ledger.fail(greeting(2), later, "550 5.1.1 no such user")  # refused for good: not retried as late
    ledger.begin(greeting(3), later)  # in flight (a crash, a 4xx): still put off
    ledger.begin(greeting(4), later)  # in flight on its first try: counts from then
    assert ledger.deferred(MessageKind.GREETING) == {
        "greeting:C-0:birthday:2026": T0,
        "greeting:C-3:birthday:2026": T0,
        "greeting:C-4:birthday:2026": later,
    }


def test_rows_of_deferred_keys_sent_since_are_pruned(ledger, tmp_path):
    ledger.defer([(greeting(n), "max_per_day") for n in range(3)], T0)
    ledger.finish(greeting(0), T0 + dt.timedelta(days=1), {})
    ledger.defer([(greeting(1), "max_per_day")], T0 + dt.timedelta(days=1))
    rows = sqlite3.connect(ledger.path).execute("SELECT key FROM deferrals ORDER BY key").fetchall()
    assert rows == [("greeting:C-1:birthday:2026",), ("greeting:C-2:birthday:2026",)]


def test_a_version_1_ledger_gains_the_deferrals_table_and_keeps_its_sends(tmp_path):
    path = tmp_path / LEDGER_FILE
    with Ledger(path) as ledger:
        ledger.finish(make_message("follow-up:A-1"), T0, {})
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE deferrals; PRAGMA user_version = 1;")
    db.close()
    with Ledger(path) as again:
        again.defer([(greeting(0), "max_per_day")], T0)
        assert again.status("follow-up:A-1") == "sent"
        assert list(again.deferred(MessageKind.GREETING)) == ["greeting:C-0:birthday:2026"]


def test_a_version_4_ledger_gains_the_return_dates_and_keeps_what_it_received(tmp_path):
    path = tmp_path / LEDGER_FILE
    bounce = Received("<b@mx>", Outcome.BOUNCE, T0, "P-1", "anna@northwind.example", reason="550 5.1.1")
    with Ledger(path) as ledger:
        ledger.record_received("box", 7, 10, [bounce], T0)
    db = sqlite3.connect(path)  # as schema 4 made it: no returns_on column
    db.executescript("ALTER TABLE received DROP COLUMN returns_on; PRAGMA user_version = 4;")
    db.close()
    away = Received("<a@x>", Outcome.AWAY, T0, "P-1", "kai@x.example", returns_on=dt.date(2026, 12, 7))
    with Ledger(path) as again:
        again.record_received("box", 7, 11, [away], T0)
        got = {r.message_id: r for r in again.received()}
        assert got["<b@mx>"].reason == "550 5.1.1" and got["<b@mx>"].returns_on is None
        assert got["<a@x>"].returns_on == dt.date(2026, 12, 7) and got["<a@x>"].seen == T0
        assert again.mailbox_cursor("box") == (7, 11)
