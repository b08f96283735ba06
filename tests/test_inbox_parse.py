"""Headers into Envelopes, messages into kinds, and a reply's new text (sheets_sync.inbox: parse,
classify, newtext), on messages written the way real clients write them, English and Russian."""

from __future__ import annotations

import datetime as dt
from email import message_from_bytes
from email.header import Header

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheets_sync.inbox.classify import classify
from sheets_sync.inbox.newtext import new_text
from sheets_sync.inbox.parse import envelope_of
from sheets_sync.model import IncomingKind, unsubscribe_token


def raw(*headers: str, body: str = "Hello.\n", charset: str = "utf-8") -> bytes:
    head = "\r\n".join(headers)
    return (f"{head}\r\nContent-Type: text/plain; charset={charset}\r\n\r\n").encode() + body.encode(charset)


def test_an_envelope_reads_addresses_names_ids_and_dates():
    ru_name = Header("Артём Орлов", "koi8-r").encode()
    ru_subject = Header("Re: Встреча в среду", "windows-1251").encode()
    e = envelope_of(
        7,
        raw(
            f"From: {ru_name} <Artem.Orlov@Partner.Example>",
            "To: Team <partners@team.example>, b@x.example",
            "Cc: c@x.example",
            f"Subject: {ru_subject}",
            "Date: Wed, 02 Dec 2026 10:15:00 +0300",
            "Message-ID: <abc.1@partner.example>",
            "In-Reply-To: <sent.2@team.example>",
            "References: <root@team.example> <sent.1@team.example> <sent.2@team.example>",
        ),
        None,
    )
    assert (e.uid, e.sender, e.sender_name) == (7, "artem.orlov@partner.example", "Артём Орлов")
    assert e.to == ("partners@team.example", "b@x.example") and e.cc == ("c@x.example",)
    assert e.subject == "Re: Встреча в среду"
    assert e.date == dt.datetime(2026, 12, 2, 7, 15, tzinfo=dt.UTC)
    assert e.message_id == "<abc.1@partner.example>"
    assert e.replies_to == ("<sent.2@team.example>", "<sent.1@team.example>", "<root@team.example>")
    assert not (e.automatic or e.maybe_bounce or e.own or e.unsubscribe)


def test_a_message_without_an_id_or_date_gets_a_stable_id_and_the_servers_date():
    headers = raw("From: a@x.example", "Subject: hi")
    when = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    first, again = envelope_of(1, headers, when), envelope_of(99, headers, None)
    assert first.message_id == again.message_id and first.message_id.startswith("<noid.")
    assert first.date == when and again.date is None


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: vacation",
        "Precedence: auto_reply",
        "Subject: Out of Office: Re: our meeting",
        "Subject: Automatic reply: Pricing",
        "Subject: Автоответ: Re: встреча",
        "Subject: Re: Нет на месте",
        "Subject: В отпуске до 7 декабря",
    ],
)
def test_automatic_messages_are_told_by_their_headers(header):
    assert envelope_of(1, raw("From: a@x.example", header), None).automatic


@pytest.mark.parametrize(
    ("headers", "lists"),
    [
        (("Precedence: bulk",), ()),
        (("List-Unsubscribe: <https://vendor.example/u>",), ()),
        (("List-Id: News <news.vendor.example>",), ("news@vendor.example",)),
        (  # a Google Group as the team address
            (
                "List-Id: <partners.team.example>",
                "List-Post: <https://groups.google.com/a/team.example/group/partners/post>,"
                " <mailto:partners@team.example>",
                "Precedence: list",
            ),
            ("partners@team.example",),
        ),
    ],
)
def test_list_mail_is_bulk_not_automatic_and_names_its_list(headers, lists):
    e = envelope_of(1, raw("From: a@x.example", *headers), None)
    assert e.bulk and not e.automatic and e.lists == lists


def test_auto_submitted_no_is_a_person():
    assert not envelope_of(1, raw("From: a@x.example", "Auto-Submitted: no"), None).automatic


@pytest.mark.parametrize(
    "headers",
    [
        ("From: MAILER-DAEMON@mx.example", "Subject: Undelivered Mail Returned to Sender"),
        ("From: postmaster@mail.ru", "Subject: Недоставленное сообщение"),
        (
            "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
            "Subject: Delivery Status Notification (Failure)",
        ),
        ("From: x@mx.example", "Content-Type: multipart/report; report-type=delivery-status; boundary=b"),
        ("From: x@mx.example", "X-Failed-Recipients: a@b.example"),
    ],
)
def test_bounces_are_flagged_by_their_headers(headers):
    assert envelope_of(1, raw(*headers), None).maybe_bounce


def test_the_workers_own_mail_and_unsubscribes_are_flagged():
    assert envelope_of(1, raw("From: partners@team.example", "X-Sheets-Sync-Kind: newsletter"), None).own
    e = envelope_of(1, raw("From: a@x.example", "Subject: unsubscribe 3f9a0c2e71b44d15"), None)
    assert e.unsubscribe and unsubscribe_token(e.subject) == "3f9a0c2e71b44d15"
    assert (
        classify(e, raw("From: a@x.example", "Subject: unsubscribe 3f9a0c2e71b44d15")).kind
        is IncomingKind.UNSUBSCRIBE
    )


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            "Yes, Tuesday works.\n\nOn Mon, 30 Nov 2026 at 10:00, Anna <a@x> wrote:\n> When?\n",
            "Yes, Tuesday works.",
        ),
        ("Да, подходит.\n\n30.11.2026, 10:00, Анна <a@x> пишет:\n> Когда?\n", "Да, подходит."),
        (
            "Договорились.\n\nПн, 30 нояб. 2026 г. в 10:00, Анна <a@x>:\n> Когда?\n",
            "Договорились. Пн, 30 нояб. 2026 г. в 10:00, Анна <a@x>:",
        ),
        ("Fine by me.\n\n-----Original Message-----\nFrom: Anna\nSent: Monday\n", "Fine by me."),
        ("Принято.\n\n-----Исходное сообщение-----\nОт: Анна\n", "Принято."),
        ("Thanks!\n-- \nLena Vogel\nHead of Partnerships\n", "Thanks!"),
        ("> quoted first\nMy answer\n", "My answer"),
    ],
)
def test_the_new_text_leaves_out_the_quote_and_the_signature(body, text):
    assert new_text(message_from_bytes(raw("From: a@x.example", body=body))) == text


def test_the_new_text_of_an_html_only_message_and_its_length_bound():
    html = (
        b"From: a@x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>See <b>you</b> soon</p><blockquote>old</blockquote>"
    )
    assert new_text(message_from_bytes(html)) == "See you soon"
    long = new_text(message_from_bytes(raw("From: a@x.example", body="word " * 500)), limit=50)
    assert len(long) <= 50 and long.endswith("…")


def test_a_person_an_out_of_office_and_a_dsn_are_told_apart():
    person = raw("From: a@x.example", "Subject: Re: pricing", body="Sounds good.\n")
    assert classify(envelope_of(1, person, None), person).kind is IncomingKind.EMAIL
    away = raw("From: a@x.example", "Subject: Re: pricing", body="I am out of the office until 2026-12-07.\n")
    result = classify(envelope_of(1, away, None), away)
    assert (result.kind, result.returns_on) == (IncomingKind.AUTO_REPLY, dt.date(2026, 12, 7))
    dsn = (
        b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nSorry.\r\n\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; Anna@Partner.Example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 <anna@partner.example>: Recipient address rejected:\r\n"
        b" User unknown in virtual mailbox table\r\n\r\n"
        b"Final-Recipient: rfc822; slow@partner.example\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n--b--\r\n"
    )
    bounce = classify(envelope_of(1, dsn, None), dsn)
    assert bounce.kind is IncomingKind.BOUNCE
    ((address, reason),) = [(b.address, b.reason) for b in bounce.bounced]  # the delay is no bounce
    assert address == "anna@partner.example"
    assert reason == "550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.integers(min_value=1, max_value=2**32 - 1))
def test_no_bytes_make_parsing_or_classifying_raise(data, uid):
    e = envelope_of(uid, data, None)
    assert e.message_id.startswith("<")
    classify(e, data)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300), st.text(max_size=300))
def test_no_header_text_makes_parsing_raise(subject, sender):
    msg = f"From: {sender}\r\nSubject: {subject}\r\nMessage-ID: {subject}\r\n\r\n{sender}".encode(
        "utf-8", "surrogatepass"
    )
    classify(envelope_of(1, msg, None), msg)
