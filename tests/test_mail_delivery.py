"""deliver(): order, caps, once-only sending and failures, through real SMTP on loopback."""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from zoneinfo import ZoneInfo

import pytest
from smtp_server import REFUSAL, RecordingHandler, SmtpServer, make_message

from sheets_sync.config import MailConfig, SmtpConfig
from sheets_sync.mail import SessionError
from sheets_sync.mail.delivery import MAX_PACING_WAIT, STOPPING, TRANSIENT_STREAK, deliver
from sheets_sync.mail.ledger import Ledger
from sheets_sync.mail.smtp import SmtpTransport
from sheets_sync.model import MessageKind

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=BERLIN)
MAIL = MailConfig(transport="smtp", max_per_minute=1000, max_per_day=10_000)


class FakeClock:
    """Monotonic seconds that move only when deliver sleeps (or the test says so)."""

    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def ledger(tmp_path):
    with Ledger(tmp_path / "state" / "ledger.sqlite3") as ledger:
        yield ledger


@pytest.fixture
def server():
    with SmtpServer() as server:
        yield server


def smtp(server: SmtpServer) -> SmtpTransport:
    return SmtpTransport(SmtpConfig(host=server.host, port=server.port, security="none"), "acme.example")


def run(messages, server, ledger, config=MAIL, now=NOW, clock=None):
    clock = clock or FakeClock()
    with smtp(server) as transport:
        return deliver(messages, transport, ledger, config, now, clock=clock, sleep=clock.sleep)


def keys(messages) -> list[str]:
    return [m.key for m in messages]


def mixed_batch() -> list:
    kinds = {
        "digest": ["digest:anna@acme.example:2026-11-26"],
        "newsletter": [f"newsletter:C-{n}:2026-11-26" for n in range(3)],
        "greeting": ["greeting:C-9:birthday-2026"],
        "sales-kit": ["sales-kit:P-4", "sales-kit:P-2"],
        "follow-up": ["follow-up:A-3", "follow-up:A-1"],
    }
    batch = [make_message(k) for ks in kinds.values() for k in ks]
    random.Random(7).shuffle(batch)
    return batch


def test_priority_follow_ups_then_sales_kits_greetings_newsletters_digests(server, ledger):
    batch = mixed_batch()
    report = run(batch, server, ledger)
    order = [MessageKind(m.key.split(":")[0]) for m in batch]
    expected = sorted(batch, key=lambda m: list(MessageKind).index(m.kind))  # stable within a kind
    assert [m.key for m, _ in report.sent] == keys(expected)
    assert [r.key for r in server.handler.received] == keys(expected)
    assert order != sorted(order, key=list(MessageKind).index)  # the input really was mixed
    assert server.handler.connections == 1


def test_a_second_delivery_of_the_same_messages_sends_nothing(server, ledger):
    batch = mixed_batch()
    run(batch, server, ledger)
    again = run([make_message(k) for k in keys(batch)], server, ledger, now=NOW + dt.timedelta(hours=3))
    assert again.sent == [] and sorted(keys(again.already_sent)) == sorted(keys(batch))
    assert len(server.handler.received) == len(batch)
    assert server.handler.connections == 1  # nothing to send: not even a connection


def test_max_per_minute_defers_the_rest_in_priority_order(server, ledger):
    batch = mixed_batch()
    capped = MailConfig(max_per_minute=4, max_per_day=100)
    clock = FakeClock()
    in_order = keys(sorted(batch, key=lambda m: list(MessageKind).index(m.kind)))
    first = run(batch, server, ledger, capped, clock=clock)
    assert keys(m for m, _ in first.sent) == in_order[:4]
    assert {k.split(":")[0] for k in in_order[:4]} == {"follow-up", "sales-kit"}
    assert len(first.deferred) == len(batch) - 4
    assert {why for _, why in first.deferred} == {"max_per_minute reached (4 sent in the last minute)"}
    assert clock.slept == []  # the window frees in a minute: deferred, not slept
    second = run(batch, server, ledger, capped, now=NOW + dt.timedelta(seconds=30))
    assert second.sent == [] and len(second.deferred) == len(batch) - 4
    third = run(batch, server, ledger, capped, now=NOW + dt.timedelta(seconds=61))
    assert keys(m for m, _ in third.sent) == in_order[4:8]
    assert keys(m for m, _ in third.deferred) == ["digest:anna@acme.example:2026-11-26"]
    assert len(third.already_sent) == 4 and len(third.deferred) == 1


def test_a_slot_freeing_within_seconds_is_waited_for(server, ledger):
    for n in range(3):  # the previous cycle sent three, 58 s ago
        ledger.finish(make_message(f"newsletter:C-{n}:2026-11-25"), NOW - dt.timedelta(seconds=58), {})
    clock = FakeClock()
    report = run([make_message("follow-up:A-1")], server, ledger, MailConfig(max_per_minute=3), clock=clock)
    assert len(report.sent) == 1 and report.deferred == []
    assert clock.slept == [pytest.approx(2.0)] and MAX_PACING_WAIT >= 2.0
    assert ledger.entries()[-1].sent_at == NOW + dt.timedelta(seconds=2)  # the send time follows the clock


def test_max_per_day_counts_from_local_midnight(server, ledger):
    just_after_midnight = dt.datetime(2026, 11, 26, 0, 30, tzinfo=BERLIN)
    yesterday = dt.datetime(2026, 11, 25, 23, 50, tzinfo=BERLIN)
    for n in range(5):
        ledger.finish(make_message(f"newsletter:C-{n}:2026-11-25"), yesterday, {})
    # 00:05 in Berlin is still 25 November in UTC: it counts, because the day is the team's
    ledger.finish(make_message("follow-up:A-0"), dt.datetime(2026, 11, 26, 0, 5, tzinfo=BERLIN), {})
    batch = [make_message(f"follow-up:A-{n}") for n in range(1, 5)]
    report = run(
        batch, server, ledger, MailConfig(max_per_minute=100, max_per_day=3), now=just_after_midnight
    )
    assert keys(m for m, _ in report.sent) == ["follow-up:A-1", "follow-up:A-2"]
    assert [(m.key, why) for m, why in report.deferred] == [
        ("follow-up:A-3", "max_per_day reached (3 sent today)"),
        ("follow-up:A-4", "max_per_day reached (3 sent today)"),
    ]
    assert "2 deferred (max_per_day reached (3 sent today))" in report.summary()


def test_what_the_caps_defer_is_recorded_in_the_ledger_as_of_the_cycle(server, ledger):
    batch = [make_message(f"greeting:C-{n}:birthday:2026") for n in range(3)]
    report = run(batch, server, ledger, MailConfig(max_per_minute=100, max_per_day=1), clock=FakeClock())
    assert keys(m for m, _ in report.deferred) == ["greeting:C-1:birthday:2026", "greeting:C-2:birthday:2026"]
    assert ledger.deferred(MessageKind.GREETING) == {
        "greeting:C-1:birthday:2026": NOW,
        "greeting:C-2:birthday:2026": NOW,
    }
    next_day = run(
        batch, server, ledger, MailConfig(max_per_minute=100, max_per_day=1), now=NOW + dt.timedelta(days=1)
    )
    assert keys(m for m, _ in next_day.sent) == ["greeting:C-1:birthday:2026"]
    assert ledger.deferred(MessageKind.GREETING) == {
        "greeting:C-2:birthday:2026": NOW
    }  # first put off on the day


def test_a_pending_key_is_sent_again_with_its_first_message_id(server, ledger):
    crashed = make_message("follow-up:A-1")
    ledger.begin(crashed, NOW - dt.timedelta(minutes=5))  # the worker died before the ledger's "sent"
    rerendered = make_message("follow-up:A-1", body="rendered again\n")
    rerendered.email.replace_header("Message-ID", "<different@acme.example>")
    report = run([rerendered], server, ledger)
    assert keys(m for m, _ in report.sent) == ["follow-up:A-1"]
    [got] = server.handler.received
    assert got.message_id == crashed.message_id
    assert rerendered.email["Message-ID"] == "<different@acme.example>"  # the caller's message is untouched
    assert ledger.status("follow-up:A-1") == "sent"


def test_refused_recipients_are_reported_and_recorded(server, ledger):
    server.handler.refuse = frozenset({"gone@p.example"})
    partly = make_message("follow-up:A-1", to=("gone@p.example", "anna@p.example"))
    wholly = make_message("follow-up:A-2", to=("gone@p.example",))
    fine = make_message("sales-kit:P-1")
    report = run([fine, wholly, partly], server, ledger)
    assert [(m.key, refused) for m, refused in report.sent] == [
        ("follow-up:A-1", {"gone@p.example": REFUSAL}),
        ("sales-kit:P-1", {}),
    ]
    [(failed, why)] = report.failed
    assert failed.key == "follow-up:A-2" and REFUSAL in why
    assert report.refused == {"gone@p.example": REFUSAL}
    assert ledger.status("follow-up:A-2") == "failed"
    assert {e.key: e.refused for e in ledger.entries()}["follow-up:A-1"] == {"gone@p.example": REFUSAL}


def test_a_refused_message_is_not_retried_the_same_day_unless_its_recipients_change(server, ledger):
    server.handler.refuse = frozenset({"gone@p.example"})
    bad = make_message("follow-up:A-2", to=("gone@p.example",))
    first = run([bad], server, ledger)
    connections = server.handler.connections
    later = run([bad], server, ledger, now=NOW + dt.timedelta(hours=2))
    assert later.failed == first.failed and later.refused == {"gone@p.example": REFUSAL}
    assert server.handler.connections == connections  # the server was not asked again
    fixed = run(
        [make_message("follow-up:A-2", to=("anna@p.example",))],
        server,
        ledger,
        now=NOW + dt.timedelta(hours=3),
    )
    assert keys(m for m, _ in fixed.sent) == ["follow-up:A-2"]
    next_day = run([make_message("follow-up:A-3", to=("gone@p.example",))], server, ledger)
    run(
        [make_message("follow-up:A-3", to=("gone@p.example",))],
        server,
        ledger,
        now=NOW + dt.timedelta(days=1),
    )
    assert len(next_day.failed) == 1 and server.handler.connections == connections + 3


def test_4xx_defers_and_a_streak_defers_the_rest_of_the_cycle(server, ledger):
    server.handler.data_reply = "451 4.3.0 try again later"
    batch = [make_message(f"newsletter:C-{n}:2026-11-26") for n in range(6)]
    report = run(batch, server, ledger)
    assert report.sent == [] and len(report.deferred) == 6
    reasons = [why for _, why in report.deferred]
    assert all("451 4.3.0 try again later" in why for why in reasons)
    assert reasons[TRANSIENT_STREAK].startswith(
        f"the mail server deferred {TRANSIENT_STREAK} messages in a row"
    )
    assert ledger.status(batch[0].key) == "pending" and ledger.status(batch[-1].key) is None
    assert ledger.deferred(MessageKind.NEWSLETTER) == {m.key: NOW for m in batch}  # tried or not
    server.handler.data_reply = ""
    again = run(batch, server, ledger, now=NOW + dt.timedelta(minutes=1))
    assert len(again.sent) == 6 and sorted(server.handler.message_ids().values()) == [1] * 6
    assert ledger.deferred(MessageKind.NEWSLETTER) == {}


def test_a_dropped_connection_mid_cycle_loses_and_repeats_nothing(ledger):
    with SmtpServer(RecordingHandler(drop_after=4)) as server:
        batch = [make_message(f"newsletter:C-{n}:2026-11-26") for n in range(10)]
        report = run(batch, server, ledger)
    assert len(report.sent) == 10
    assert sorted(server.handler.message_ids().values()) == [1] * 10
    assert server.handler.connections == 3


def test_an_unreachable_server_defers_everything(ledger):
    with SmtpServer() as server:
        pass  # stopped: nothing listens on its port any more
    report = run([make_message("follow-up:A-1"), make_message("greeting:C-1:birthday-2026")], server, ledger)
    assert report.sent == [] and len(report.deferred) == 2
    assert all("Cannot connect" in why for _, why in report.deferred)


def test_a_refused_login_stops_delivery_and_propagates(tmp_path, ledger, monkeypatch):
    from smtp_server import make_tls

    tls = make_tls(tmp_path / "tls")
    monkeypatch.setenv("SHEETS_SYNC_SMTP_PASSWORD", "wrong")
    with SmtpServer(tls=tls, users={"bot": "right"}) as server:
        config = SmtpConfig(host=server.host, port=server.port, security="starttls", username="bot")
        with (
            SmtpTransport(config, ssl_context=tls.client_context()) as transport,
            pytest.raises(SessionError) as raised,
        ):
            deliver(
                [make_message("follow-up:A-1"), make_message("follow-up:A-2")], transport, ledger, MAIL, NOW
            )
    assert raised.value.permanent and "wrong" not in str(raised.value)
    assert server.handler.connections == 1 and ledger.entries() == []


def test_a_naive_now_is_refused(server, ledger):
    with pytest.raises(ValueError, match="aware"):
        run([make_message("follow-up:A-1")], server, ledger, now=dt.datetime(2026, 11, 26, 9))


# --- stopping: SIGTERM sets the worker's stop event -------------------------------------------


class SignalDuringSend:
    """A transport whose `nth` send is when the stop signal arrives (the message is on the wire)."""

    def __init__(self, inner, stop: threading.Event, nth: int):
        self.inner, self.stop, self.nth, self.sends = inner, stop, nth, 0

    def __enter__(self):
        self.inner.__enter__()
        return self

    def __exit__(self, *exc):
        self.inner.__exit__(*exc)

    def send(self, email):
        self.sends += 1
        if self.sends == self.nth:
            self.stop.set()
        return self.inner.send(email)


def test_a_stop_finishes_the_message_on_the_wire_and_defers_the_rest_untouched(server, ledger):
    batch = mixed_batch()
    in_order = keys(sorted(batch, key=lambda m: list(MessageKind).index(m.kind)))
    stop, clock = threading.Event(), FakeClock()
    with SignalDuringSend(smtp(server), stop, nth=2) as transport:
        report = deliver(batch, transport, ledger, MAIL, NOW, clock=clock, sleep=clock.sleep, stop=stop)
    assert keys(m for m, _ in report.sent) == in_order[:2] and transport.sends == 2
    assert [(m.key, why) for m, why in report.deferred] == [(k, STOPPING) for k in in_order[2:]]
    assert [r.key for r in server.handler.received] == in_order[:2]
    assert {e.key for e in ledger.entries()} == set(in_order[:2])  # recorded sent, both of them
    assert all(ledger.status(k) is None for k in in_order[2:])  # the rest: not even pending
    assert f"{len(batch) - 2} deferred (the worker is stopping)" in report.summary()
    after_restart = run(batch, server, ledger, now=NOW + dt.timedelta(minutes=1))
    assert keys(m for m, _ in after_restart.sent) == in_order[2:]
    assert sorted(server.handler.message_ids().values()) == [1] * len(batch)  # all of them, once


def test_a_stop_ends_the_wait_for_a_max_per_minute_slot(server, ledger):
    for n in range(3):  # a slot frees in 2 s: deliver waits for it (MAX_PACING_WAIT) unless stopped
        ledger.finish(make_message(f"newsletter:C-{n}:2026-11-25"), NOW - dt.timedelta(seconds=58), {})
    stop = threading.Event()
    timer = threading.Timer(0.2, stop.set)  # SIGTERM during the wait; the real clock, the real wait
    timer.start()
    started = time.monotonic()
    with smtp(server) as transport:
        report = deliver(
            [make_message("follow-up:A-1"), make_message("follow-up:A-2")],
            transport,
            ledger,
            MailConfig(max_per_minute=3),
            NOW,
            stop=stop,
        )
    timer.cancel()
    assert time.monotonic() - started < 1.5
    assert report.sent == [] and [why for _, why in report.deferred] == [STOPPING] * 2
    assert server.handler.received == [] and ledger.status("follow-up:A-1") is None
