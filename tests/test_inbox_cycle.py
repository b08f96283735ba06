"""The team inbox through whole cycles (SPEC 4a): the sample workbook, a real IMAP server on loopback
(pymap in-process and Dovecot), the outbox, the ledger. What a partner's answer, a manager's Cc, a
bounce, an out-of-office and an unsubscribe do to the sheet, each exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import email.utils
import re
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.config import load_config
from sheets_sync.errors import InboxError
from sheets_sync.inbox.imap import Mailbox
from sheets_sync.model import Tab
from sheets_sync.runtime.cycle import WorkerState, run_once
from sheets_sync.runtime.health import INBOX_FAILED_POLLS, is_healthy, record_cycle
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sources.xlsx import XlsxSource
from tests import books
from tests.imap_servers import free_port
from tests.inbox_mail import INBOX_ADDRESS, dsn
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)  # a Thursday


def at(config, day=TODAY, hour=12, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(config.timezone))


@pytest.fixture
def team(tmp_path, imap):
    """The sample team, its inbox on the test server."""
    config = load_config(copy_sample(tmp_path / "team", "en", TODAY))
    return dataclasses.replace(config, inbox=imap.inbox_config(address=INBOX_ADDRESS)), imap


def cycle(config, now, state=None):
    return run_once(
        XlsxSource(config.source.path), config, now, mailer=Mailer.from_config(config), state=state
    )


def rows(config, tab):
    return books.rows(config.source.path, config.tab_name(tab))


def partner_row(config, name):
    (row,) = [r for r in rows(config, Tab.PARTNERS) if r["Partner"] == name]
    return row


def sleeping_contact(config):
    """A sleeping partner (after a first cycle) and the address of one of its contacts."""
    sleeping = {r["Partner"] for r in rows(config, Tab.PARTNERS) if r["Touch status"] == "sleeping"}
    for c in rows(config, Tab.CONTACTS):
        if c["Partner"] in sleeping and c.get("Email") and c.get("Left company") not in ("yes", True):
            return c["Partner"], c["Email"], c.get("Name") or ""
    raise AssertionError("the sample has no sleeping partner with a contact")


def mail(
    sender, to=INBOX_ADDRESS, subject="Re: our partnership", body="Sounds good, let's talk.\n", **headers
):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(
        headers.pop("date", dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC))
    )
    msg["Message-ID"] = headers.pop("message_id", email.utils.make_msgid(domain="mail.example"))
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def logged(config, message_from=None):
    out = [
        r
        for r in rows(config, Tab.ACTIVITIES)
        if str(r.get("ID") or "").startswith("A-log-") and r["Type"] == "email"
    ]
    return [r for r in out if message_from is None or r.get("Contact") == message_from]


# --- a partner's answer ----------------------------------------------------------------------


def test_a_partners_answer_is_logged_once_wakes_it_and_the_mailbox_is_left_as_it_was(team):
    config, imap = team
    state = WorkerState()
    first = cycle(config, at(config, hour=8), state)
    assert first.inbox_fault == "" and first.inbox_taken == 0
    name, address, _ = sleeping_contact(config)
    assert partner_row(config, name)["Touch status"] == "sleeping"

    imap.append(mail(f"Someone <{address}>", body="Yes, let's meet next week.\n\n> earlier text\n"))
    flags_before = imap.flags()
    second = cycle(config, at(config, hour=8, minute=5), state)
    assert second.inbox_taken == 1 and not second.skipped
    (row,) = logged(config, address)
    assert (row["Partner"], row["Direction"], row["Date"].date()) == (name, "in", TODAY)
    assert row["Summary"] == "Re: our partnership — Yes, let's meet next week."
    woke = partner_row(config, name)
    assert woke["Touch status"] != "sleeping" and woke["Last response"].date() == TODAY
    assert imap.flags() == flags_before  # nothing marked \Seen, nothing moved or deleted

    # an unchanged mailbox and workbook: the cycle is skipped; a restart (new state) logs nothing again
    assert cycle(config, at(config, hour=8, minute=10), state).skipped
    again = cycle(config, at(config, hour=8, minute=15), WorkerState())
    assert again.inbox_taken == 0 and len(logged(config, address)) == 1


def test_an_answer_in_a_thread_the_worker_started_is_that_partners_even_from_a_new_person(team):
    config, imap = team
    cycle(config, at(config, hour=8))
    sent = [email.message_from_bytes(p.read_bytes()) for p in sorted(config.mail.outbox_dir.glob("*.eml"))]
    to_partner = [m for m in sent if m["X-Sheets-Sync-Kind"] in ("newsletter", "sales-kit", "greeting")]
    assert to_partner, "the sample's first cycle sends something to a partner"
    original = to_partner[0]
    assert INBOX_ADDRESS in original["Reply-To"]  # the answer reaches the inbox
    recipient = email.utils.getaddresses([original["To"]])[0][1]
    (contact,) = [c for c in rows(config, Tab.CONTACTS) if c["Email"] == recipient][:1]
    colleague = "Ravi Patel <ravi.patel@gmail.com>"  # free mail: only the thread tells whose he is
    imap.append(
        mail(colleague, subject="Re: " + str(original["Subject"]), In_Reply_To=original["Message-ID"])
    )
    cycle(config, at(config, hour=9, minute=30))
    (row,) = logged(config, "ravi.patel@gmail.com")
    assert row["Partner"] == contact["Partner"] and row["Direction"] == "in"


def test_a_managers_email_with_the_inbox_in_bcc_is_a_touch(team):
    config, imap = team
    cycle(config, at(config, hour=8))
    partner = partner_row(config, "Birchwood Data")
    (address,) = [c["Email"] for c in rows(config, Tab.CONTACTS) if c["Partner"] == "Birchwood Data"][:1]
    imap.append(mail(partner["Manager"], to=address, subject="Pricing for 2027"))
    cycle(config, at(config, hour=8, minute=5))
    (row,) = logged(config)
    assert (row["Partner"], row["Direction"], row["Contact"]) == ("Birchwood Data", "out", address)
    assert partner_row(config, "Birchwood Data")["Last touch"].date() == TODAY


def test_out_of_office_replies_and_strangers_are_never_logged(team):
    config, imap = team
    cycle(config, at(config, hour=8))
    _, address, _ = sleeping_contact(config)
    imap.append(mail(address, subject="Out of office: Re: news", Auto_Submitted="auto-replied"))
    imap.append(mail("Автоответчик <" + address + ">", subject="Автоответ: Re: новости", X_Autoreply="yes"))
    imap.append(mail("deals@spam.example", subject="Buy now"))
    report = cycle(config, at(config, hour=8, minute=5))
    assert report.inbox_taken == 3 and logged(config) == []


def test_a_contacts_out_of_office_is_in_the_managers_digest_with_the_return_date(team):
    config, imap = team
    cycle(config, at(config, hour=7))
    _, address, _ = sleeping_contact(config)
    body = "Thank you for your message. I am out of the office until 9 December 2026.\n"
    imap.append(mail(address, subject="Automatic reply: news", Auto_Submitted="auto-replied", body=body))
    cycle(config, at(config, hour=9, minute=5))  # the digest's hour
    digests = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in sorted(config.mail.outbox_dir.glob("*.eml"))
        if b"X-Sheets-Sync-Kind: digest" in p.read_bytes()
    ]
    texts = [
        part.get_content() for m in digests for part in m.walk() if part.get_content_type() == "text/plain"
    ]
    line = re.compile(re.escape(address) + r">? is out of office until December 9 \(an automatic reply\)")
    assert any(line.search(t) for t in texts), texts
    assert logged(config) == []


# --- bounces and unsubscribes --------------------------------------------------------------------


def newsletter_recipients(report) -> set[str]:
    return {a for m, _ in report.delivery.sent if m.kind.value == "newsletter" for a in m.recipients}


def test_a_bounce_sets_email_status_and_stops_newsletters_to_that_address(team, tmp_path):
    config, imap = team
    later = TODAY + dt.timedelta(days=40)
    # the same team without the bounce: who gets the newsletter 40 days on
    control = load_config(copy_sample(tmp_path / "control", "en", TODAY))
    cycle(control, at(control, hour=8))
    due = newsletter_recipients(cycle(control, at(control, later)))
    assert due, "the sample sends a newsletter 40 days on"
    address = sorted(due)[0]
    cycle(config, at(config, hour=8))
    imap.append(dsn(address))
    report = cycle(config, at(config, hour=8, minute=5))
    assert report.inbox_taken == 1
    (contact,) = [c for c in rows(config, Tab.CONTACTS) if c["Email"] == address]
    assert contact["Email status"].startswith(f"bounced {TODAY.isoformat()}: 550 5.1.1")
    assert logged(config) == []  # a bounce is no response
    assert newsletter_recipients(cycle(config, at(config, later))) == due - {address}


def test_an_unsubscribe_to_the_list_unsubscribe_mailto_sets_email_status(team):
    config, imap = team
    cycle(config, at(config, hour=8))
    sent = [email.message_from_bytes(p.read_bytes()) for p in sorted(config.mail.outbox_dir.glob("*.eml"))]
    newsletters = [m for m in sent if m["X-Sheets-Sync-Kind"] == "newsletter"]
    assert newsletters, "the sample's first cycle sends a newsletter"
    target = newsletters[0]
    (mailto,) = re.findall(r"<(mailto:[^>]+)>", str(target["List-Unsubscribe"]))
    parts = urlsplit(mailto)
    assert parts.path == INBOX_ADDRESS
    subject = unquote(parts.query.removeprefix("subject="))
    recipient = email.utils.getaddresses([target["To"]])[0][1]
    imap.append(mail("someone.else@gmail.com", to=parts.path, subject=subject, body=""))
    cycle(config, at(config, hour=8, minute=5))
    (contact,) = [c for c in rows(config, Tab.CONTACTS) if c["Email"] == recipient]
    assert contact["Email status"] == f"unsubscribed {TODAY.isoformat()}"


# --- exactly once ------------------------------------------------------------------------------


def test_a_recreated_mailbox_and_cleared_log_cells_log_nothing_twice(team):
    config, imap = team
    imap.create("Team")
    config = dataclasses.replace(config, inbox=dataclasses.replace(config.inbox, folder="Team"))
    cycle(config, at(config, hour=8))
    _, address, _ = sleeping_contact(config)
    answer = mail(address, message_id="<answer-1@mail.example>")
    imap.append(answer, folder="Team")
    cycle(config, at(config, hour=8, minute=5))
    assert len(logged(config, address)) == 1

    imap.recreate("Team")  # a new UIDVALIDITY: the same message comes back under new UIDs
    imap.append(answer, folder="Team")
    report = cycle(config, at(config, hour=8, minute=10), WorkerState())
    assert report.inbox_taken == 0 and len(logged(config, address)) == 1


# --- faults --------------------------------------------------------------------------------------


def test_an_unreachable_inbox_never_blocks_the_sheet_or_the_sends_and_health_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETS_SYNC_IMAP_PASSWORD", "secret")
    config = load_config(copy_sample(tmp_path / "team", "en", TODAY))
    closed = dataclasses.replace(
        config.inbox, host="127.0.0.1", port=free_port(), security="none", username="u"
    )
    config = dataclasses.replace(config, inbox=dataclasses.replace(closed, address=INBOX_ADDRESS))
    for i in range(INBOX_FAILED_POLLS):
        now = at(config, hour=8, minute=i)
        report = cycle(config, now)
        assert report.inbox_fault and "127.0.0.1" in report.inbox_fault
        assert not report.failure
        if i == 0:
            assert report.written and report.delivery.sent
        record_cycle(config, now, report)
        healthy, why = is_healthy(config, now)
        assert healthy is (i + 1 < INBOX_FAILED_POLLS), why
    assert "team inbox" in why


def test_an_unreadable_password_file_is_the_inboxs_fault_not_the_cycles(team, monkeypatch):
    config, _ = team
    monkeypatch.delenv("SHEETS_SYNC_IMAP_PASSWORD")
    monkeypatch.setenv("SHEETS_SYNC_IMAP_PASSWORD_FILE", "/nonexistent/imap-password")
    report = cycle(config, at(config, hour=8))
    assert "SHEETS_SYNC_IMAP_PASSWORD_FILE names /nonexistent/imap-password" in report.inbox_fault
    assert not report.failure and report.written and report.delivery.sent


def test_a_fault_no_one_foresaw_while_reading_never_blocks_the_sheet_or_the_sends(team, monkeypatch):
    config, imap = team
    cycle(config, at(config, hour=7))
    _, address, _ = sleeping_contact(config)
    imap.append(mail(address))

    def garbled(self, after_uid, fields):  # a reply the adapter did not expect, a bug
        raise ValueError("invalid literal for int() with base 10: b'(MODSEQ'")

    with monkeypatch.context() as patch:
        patch.setattr(Mailbox, "headers", garbled)
        report = cycle(config, at(config, hour=8))
    assert "an unexpected ValueError" in report.inbox_fault and "MODSEQ" not in report.inbox_fault
    assert not report.failure and report.written is not None and logged(config) == []
    cycle(config, at(config, hour=8, minute=5))
    assert [r["Contact"] for r in logged(config)] == [address]  # read again, once


def test_messages_deleted_at_the_end_of_the_mailbox_are_not_asked_for_again(team):
    config, imap = team
    cycle(config, at(config, hour=8))
    unchanged = cycle(config, at(config, hour=8, minute=1)).inbox_commands
    _, address, _ = sleeping_contact(config)
    imap.append(mail(address))
    imap.append(mail("someone@elsewhere.example"))
    imap.expunge(imap.uids()[-1:])  # the newest message, gone before the worker read it
    assert cycle(config, at(config, hour=8, minute=5)).inbox_taken == 1
    assert cycle(config, at(config, hour=8, minute=10)).inbox_commands == unchanged


def test_without_an_inbox_no_email_status_column_is_added(tmp_path):
    config = load_config(copy_sample(tmp_path / "team", "en", TODAY))
    cycle(config, at(config))
    assert "Email status" not in books.rows(config.source.path, "Contacts")[0]


def test_messages_the_session_could_not_read_are_read_at_the_next_poll(team, monkeypatch):
    config, imap = team
    state = WorkerState()
    cycle(config, at(config, hour=8), state)
    _, address, _ = sleeping_contact(config)
    imap.append(mail(address))

    def dropped(self, after_uid, fields):  # the server dropped the connection mid-FETCH
        raise InboxError("The team inbox closed the connection while the worker read it.")

    with monkeypatch.context() as patch:
        patch.setattr(Mailbox, "headers", dropped)
        failed = cycle(config, at(config, hour=8, minute=5), state)
    assert failed.inbox_fault and logged(config) == [] and failed.written is not None
    again = cycle(config, at(config, hour=8, minute=10), state)  # workbook unchanged: not skipped
    assert not again.skipped and again.inbox_taken == 1 and len(logged(config, address)) == 1
