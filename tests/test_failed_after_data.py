"""A message the server refuses after DATA (552 too large, 554 rejected) is noted on its row (SPEC 4).

The row is the one the message was for: the activity's for a follow-up, the contact's for a greeting
or a newsletter, the partner's for a sales kit. It is not asked again the same day (the existing
rule for a 5xx), and the note goes once a later send succeeds. Cycles run on the sample workbook
against a real SMTP server on 127.0.0.1.
"""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.config import load_config
from sheets_sync.i18n import words
from sheets_sync.mail.smtp import SmtpTransport
from sheets_sync.model import Activity, Book, Contact, MessageKind, Partner, Tab, key_target
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.sending import Failed, Mailer, refusal_notes
from sheets_sync.sheet.records import Sent
from sheets_sync.sources.xlsx import XlsxSource
from tests import books
from tests.samples import copy_sample
from tests.smtp_server import RecordingHandler, SmtpServer

TODAY = dt.date(2026, 11, 26)  # a Thursday
TOO_LARGE = "552 5.3.4 Message size exceeds fixed maximum message size"
TOO_LARGE_REASON = f"The SMTP server refused the message: {TOO_LARGE}"  # as mail/smtp.py words it
# the tab whose row a refused message of each kind is noted on (SPEC 4)
TAB_OF = {
    MessageKind.FOLLOW_UP: Tab.ACTIVITIES,
    MessageKind.SALES_KIT: Tab.PARTNERS,
    MessageKind.NEWSLETTER: Tab.CONTACTS,
}


@pytest.fixture
def team(tmp_path):
    return load_config(copy_sample(tmp_path / "team", "en", TODAY))


def at(config, day=TODAY, hour=12):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(config.timezone))


def sheet(config, tab):
    return books.rows(config.source.path, config.tab_name(tab))


def note_of(config, tab, row_id):
    [row] = [r for r in sheet(config, tab) if r["ID"] == row_id]
    return str(row["Sync note"] or "")


def cycle_through(server, team, now):
    smtp = dataclasses.replace(team.mail.smtp, host=server.host, port=server.port, security="none")
    config = dataclasses.replace(team, mail=dataclasses.replace(team.mail, transport="smtp", smtp=smtp))
    mailer = Mailer.from_config(config)
    mailer.transport = lambda: SmtpTransport(smtp)
    return run_once(XlsxSource(config.source.path), config, now, mailer=mailer)


def received_keys(handler, kind):
    return [r.data for r in handler.received if f"X-Sheets-Sync-Kind: {kind.value}".encode() in r.data]


@pytest.mark.parametrize("kind", list(TAB_OF), ids=lambda k: k.value)
def test_a_message_refused_after_data_is_noted_on_its_row_and_not_retried_that_day(team, kind):
    handler = RecordingHandler(kind_replies={kind.value: TOO_LARGE})
    with SmtpServer(handler) as server:
        first = cycle_through(server, team, at(team))
        refused = [m for m, _ in first.delivery.failed if m.kind is kind]
        assert refused and not [m for m, _ in first.delivery.sent if m.kind is kind]
        assert [m for m, _ in first.delivery.sent if m.kind is not kind]  # the others still went
        for message in refused:
            note = note_of(team, TAB_OF[kind], key_target(message.key))
            assert f"{kind.value} not sent: the mail server refused it on {TODAY}: {TOO_LARGE}" in note

        handler.kind_replies.clear()  # the server would take it now, but it is not asked again today
        later = cycle_through(server, team, at(team, hour=15))
        assert {m.key for m, _ in later.delivery.failed} >= {m.key for m in refused}
        assert received_keys(handler, kind) == []
        for message in refused:
            assert f"refused it on {TODAY}: 552" in note_of(team, TAB_OF[kind], key_target(message.key))

        tomorrow = cycle_through(server, team, at(team, TODAY + dt.timedelta(days=1)))
    delivered = {key_target(m.key) for m, _ in tomorrow.delivery.sent if m.kind is kind}
    assert delivered >= {
        key_target(m.key) for m in refused
    }  # the next day it goes (a newsletter: the next day's)
    for message in refused:  # sent at last: the note goes
        assert "refused it" not in note_of(team, TAB_OF[kind], key_target(message.key))


def test_a_554_is_noted_once_with_the_servers_reply(team):
    handler = RecordingHandler(kind_replies={"follow-up": "554 5.7.1 Message rejected as spam"})
    with SmtpServer(handler) as server:
        report = cycle_through(server, team, at(team))
    [failed, *_] = [m for m, _ in report.delivery.failed]
    note = note_of(team, Tab.ACTIVITIES, key_target(failed.key))
    assert (
        note.count(f"follow-up not sent: the mail server refused it on {TODAY}: 554 5.7.1 Message rej") == 1
    )


# --- which row: a plain function over the ledger's records ----------------------------------------

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
BOOK = Book(
    partners=(Partner(row=2, id="P-1", name="Northwind"),),
    contacts=(Contact(row=5, id="C-1", partner_row=2, email="anna@northwind.example"),),
    activities=(Activity(row=9, id="A-1", date=TODAY, partner_row=2, type="meeting"),),
)


def _failed(key, kind, reason, refused):
    """A failure as `failed_sends` hands it over from the ledger: with the server's reason."""
    return Failed(key, kind, ("anna@northwind.example",), NOW, "subject", refused, reason=reason)


@pytest.mark.parametrize(
    "key, kind, where",
    [
        ("follow-up:A-1:draft", MessageKind.FOLLOW_UP, (Tab.ACTIVITIES, 9)),
        ("follow-up:A-1", MessageKind.FOLLOW_UP, (Tab.ACTIVITIES, 9)),
        ("greeting:C-1:birthday:2026", MessageKind.GREETING, (Tab.CONTACTS, 5)),
        ("newsletter:C-1:2026-11-26", MessageKind.NEWSLETTER, (Tab.CONTACTS, 5)),
        ("sales-kit:P-1", MessageKind.SALES_KIT, (Tab.PARTNERS, 2)),
    ],
)
def test_the_note_goes_on_the_row_the_message_was_for(key, kind, where):
    notes = refusal_notes(BOOK, [_failed(key, kind, TOO_LARGE_REASON, {})], words("en"))
    assert notes == {where: [f"{kind.value} not sent: the mail server refused it on 2026-11-26: {TOO_LARGE}"]}


def test_a_russian_teams_note_is_russian():
    notes = refusal_notes(
        BOOK, [_failed("sales-kit:P-1", MessageKind.SALES_KIT, TOO_LARGE_REASON, {})], words("ru")
    )
    assert notes == {
        (Tab.PARTNERS, 2): [
            "не отправлено (набор для продаж): почтовый сервер отклонил письмо "
            f"26 ноября 2026\u202fг.: {TOO_LARGE}"
        ]
    }


def test_no_row_for_a_digest_or_a_row_that_is_gone():
    gone = _failed("follow-up:A-404", MessageKind.FOLLOW_UP, TOO_LARGE_REASON, {})
    digest = _failed(
        "digest:boss@acme.example:2026-11-26", MessageKind.DIGEST, "The SMTP server refused it", {}
    )
    assert refusal_notes(BOOK, [gone, digest], words("en")) == {}


def test_a_message_refused_for_every_recipient_is_noted_on_the_contacts_only():
    """5xx at RCPT for everyone: the address is the problem, and its contact's note says so."""
    every_one = _failed(
        "newsletter:C-1:2026-11-26",
        MessageKind.NEWSLETTER,
        "Every recipient was refused (...)",
        {"anna@northwind.example": "550 5.1.1 no such user"},
    )
    notes = refusal_notes(BOOK, [every_one], words("en"))
    assert list(notes) == [(Tab.CONTACTS, 5)] and len(notes[(Tab.CONTACTS, 5)]) == 1
    assert "email refused by the mail server" in notes[(Tab.CONTACTS, 5)][0]


def test_a_send_that_succeeds_later_leaves_no_note():
    """The ledger's failures are only those not sent since; a plain Sent is never a refusal after DATA."""
    sent = Sent("sales-kit:P-1", MessageKind.SALES_KIT, ("anna@northwind.example",), NOW)
    assert refusal_notes(BOOK, [sent], words("en")) == {}


def test_a_later_message_of_the_kind_for_the_row_clears_the_note():
    """Last month's newsletter refused, this month's delivered: the old refusal is history."""
    old = dataclasses.replace(
        _failed("newsletter:C-1:2026-10-26", MessageKind.NEWSLETTER, TOO_LARGE_REASON, {}),
        sent_at=NOW - dt.timedelta(days=31),
    )
    newer = Sent("newsletter:C-1:2026-11-26", MessageKind.NEWSLETTER, ("anna@northwind.example",), NOW)
    assert refusal_notes(BOOK, [newer, old], words("en")) == {}
    assert list(refusal_notes(BOOK, [old], words("en"))) == [(Tab.CONTACTS, 5)]


def test_a_refusal_after_data_keeps_the_addresses_own_refusal():
    """An address refused at RCPT yesterday, then a message to it refused after DATA: both are said."""
    rcpt = _failed(
        "newsletter:C-1:2026-11-25",
        MessageKind.NEWSLETTER,
        "Every recipient was refused (...)",
        {"anna@northwind.example": "550 5.1.1 no such user"},
    )
    rcpt = dataclasses.replace(rcpt, sent_at=NOW - dt.timedelta(days=1))
    data = _failed("greeting:C-1:birthday:2026", MessageKind.GREETING, TOO_LARGE_REASON, {})
    [note] = refusal_notes(BOOK, [rcpt, data], words("en")).values()
    assert len(note) == 2 and "550 5.1.1 no such user" in note[0] and "greeting not sent" in note[1]
