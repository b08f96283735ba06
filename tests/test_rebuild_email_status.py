"""`rebuild-ledger` gives a lost ledger back the Email statuses the sheet shows (SPEC 2, 4, 4a).

Every cycle with an inbox rewrites Email status from the ledger's record of bounces and
unsubscribes. A ledger lost and rebuilt after those messages have left the mailbox must not blank
the cells: the next newsletter would go to an address that bounced or unsubscribed. The whole story
runs over real .xlsx files and a real IMAP server (pymap in-process, Dovecot), in English and in
Russian; the reading of a cell back is checked by Hypothesis against the formatting itself.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheets_sync.config import load_config
from sheets_sync.i18n import words
from sheets_sync.mail.ledger import LEDGER_FILE, Ledger
from sheets_sync.model import (
    Book,
    Contact,
    ContactColumn,
    DigestSection,
    Outcome,
    Partner,
    Received,
    Tab,
    contact_token,
)
from sheets_sync.rules.inbox import email_statuses
from sheets_sync.rules.inbox_status import read_email_status, rebuilt_message_id, recover_email_statuses
from sheets_sync.rules.planner import plan
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.rebuild import rebuild_ledger
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sources.xlsx import XlsxSource
from tests import books
from tests.inbox_mail import INBOX_ADDRESS, dsn
from tests.planner_helpers import config as make_config
from tests.planner_helpers import contact, partner
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)  # a Thursday
LATER = TODAY + dt.timedelta(days=40)  # the sample's sleeping partners are due a newsletter again


def at(config, day=TODAY, hour=12, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(config.timezone))


def cycle(config, now):
    mailer = Mailer.from_config(config)
    try:
        report = run_once(XlsxSource(config.source.path), config, now, mailer=mailer)
    finally:
        mailer.ledger.close()  # as the process's exit would: the ledger file is deleted later
    assert not report.failure, report.failure
    return report


def to_people(report) -> set[str]:
    """Who got a newsletter or a greeting."""
    sent = report.delivery.sent if report.delivery else []
    return {a for m, _ in sent if m.kind.value in ("newsletter", "greeting") for a in m.recipients}


def statuses(config) -> dict[str, str]:
    """Email -> Email status, as the workbook shows them (openpyxl reading the file)."""
    email_header = config.column_name(Tab.CONTACTS, ContactColumn.EMAIL.value)
    status_header = config.column_name(Tab.CONTACTS, ContactColumn.EMAIL_STATUS.value)
    rows = books.rows(config.source.path, config.tab_name(Tab.CONTACTS))
    return {r[email_header]: r.get(status_header) or "" for r in rows if r.get(email_header)}


def contact_ids(config) -> dict[str, str]:
    email_header = config.column_name(Tab.CONTACTS, ContactColumn.EMAIL.value)
    id_header = config.column_name(Tab.CONTACTS, ContactColumn.ID.value)
    rows = books.rows(config.source.path, config.tab_name(Tab.CONTACTS))
    return {r[email_header]: r[id_header] for r in rows if r.get(email_header)}


def lose_the_ledger(config) -> None:
    ledger = config.state_dir / LEDGER_FILE
    ledger.unlink()
    for extra in ("-wal", "-shm"):
        Path(f"{ledger}{extra}").unlink(missing_ok=True)


@pytest.fixture(params=["en", "ru"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def newsletter_due(tmp_path, lang) -> set[str]:
    """The sample team without an inbox: whom the newsletter reaches 40 days on."""
    control = load_config(copy_sample(tmp_path / "control", lang, TODAY))
    cycle(control, at(control, hour=8))
    due = to_people(cycle(control, at(control, LATER)))
    assert len(due) >= 2, "the sample sends a newsletter to two people or more 40 days on"
    return due


@pytest.fixture
def team(tmp_path, lang, imap):
    config = load_config(copy_sample(tmp_path / "team", lang, TODAY))
    return dataclasses.replace(config, inbox=imap.inbox_config(address=INBOX_ADDRESS)), imap


def unsubscribe(address: str, contact_id: str) -> bytes:
    """What a mail client sends to a newsletter's List-Unsubscribe mailto:."""
    return (
        f"From: {address}\r\nTo: {INBOX_ADDRESS}\r\n"
        f"Subject: unsubscribe {contact_token(contact_id, address)}\r\n"
        f"Date: {email.utils.format_datetime(dt.datetime(2026, 11, 26, 9, 45, tzinfo=dt.UTC))}\r\n"
        "Message-ID: <unsubscribe-1@mail.partner.example>\r\n\r\n"
    ).encode()


# --- the whole story over IMAP -------------------------------------------------------------------


def test_statuses_survive_a_lost_ledger_and_an_emptied_mailbox(team, newsletter_due):
    config, imap = team
    bounced, unsubscribed = sorted(newsletter_due)[:2]
    cycle(config, at(config, hour=8))
    imap.append(dsn(bounced))
    imap.append(unsubscribe(unsubscribed, contact_ids(config)[unsubscribed]))
    assert cycle(config, at(config, hour=8, minute=5)).inbox_taken == 2
    before = statuses(config)
    w = words(config.language)
    assert before[bounced].startswith(w.text("email_status.bounced", date=w.record_date(TODAY), reason="550"))
    assert before[unsubscribed] == w.text("email_status.unsubscribed", date=w.record_date(TODAY))

    lose_the_ledger(config)
    imap.expunge(imap.uids())  # the bounce and the unsubscribe are gone from the mailbox too
    rebuilt = rebuild_ledger(XlsxSource(config.source.path), config, at(config, hour=8, minute=10))
    assert rebuilt.statuses is not None and rebuilt.not_understood == []
    assert "Email statuses recovered from the sheet: 2 (1 bounced, 1 unsubscribed)" in rebuilt.summary()

    cycle(config, at(config, hour=8, minute=15))
    assert statuses(config) == before  # every cell, byte for byte
    later = cycle(config, at(config, LATER))
    assert statuses(config) == before
    assert to_people(later) == newsletter_due - {bounced, unsubscribed}


# --- cells as earlier cycles wrote them ----------------------------------------------------------

CELLS = {
    "en": [
        "bounced 2026-11-20: 550 5.1.1 <x@y.example>: user unknown",
        "bounced 2026-11-21",
        "unsubscribed 2026-11-22",
    ],
    "ru": [
        "не доставлено 20.11.2026: 550 5.1.1 пользователь не найден",
        "не доставлено 21.11.2026",
        "отписка 22.11.2026",
    ],
}
TYPED = {"en": "Returned to sender (ticket 42)", "ru": "Письмо вернулось, см. заявку 42"}


def set_statuses(config, by_address: dict[str, str]) -> None:
    """Fill Email status cells as an earlier cycle left them (openpyxl, another program)."""
    path = config.source.path
    wb = openpyxl.load_workbook(path)
    ws = wb[config.tab_name(Tab.CONTACTS)]
    header = [c.value for c in ws[1]]
    email_col = header.index(config.column_name(Tab.CONTACTS, ContactColumn.EMAIL.value)) + 1
    status_col = header.index(config.column_name(Tab.CONTACTS, ContactColumn.EMAIL_STATUS.value)) + 1
    for row in range(2, ws.max_row + 1):
        text = by_address.get(ws.cell(row, email_col).value)
        if text is not None:
            ws.cell(row, status_col).value = text
    wb.save(path)


def test_every_kind_of_status_cell_comes_back_as_it_was(team, lang, newsletter_due):
    config, _ = team
    cycle(config, at(config, hour=8))
    others = sorted(a for a in statuses(config) if a not in newsletter_due)
    addresses = [*sorted(newsletter_due)[:2], *others[:2]]
    cells = dict(zip(addresses, [*CELLS[lang], TYPED[lang]], strict=True))
    set_statuses(config, cells)
    lose_the_ledger(config)

    rebuilt = rebuild_ledger(XlsxSource(config.source.path), config, at(config, hour=9))
    summary = rebuilt.summary()
    assert "Email statuses recovered from the sheet: 4 (3 bounced, 1 unsubscribed)" in summary
    (typed,) = rebuilt.not_understood
    assert TYPED[lang] in typed and typed.startswith(f"{config.tab_name(Tab.CONTACTS)}!")
    assert "not understood, kept as bounces" in summary

    cycle(config, at(config, hour=9, minute=5))
    after = statuses(config)
    w = words(config.language)
    kept = w.text("email_status.bounced", date=w.record_date(TODAY), reason=TYPED[lang])
    assert {a: after[a] for a in addresses} == {**cells, addresses[3]: kept}
    assert to_people(cycle(config, at(config, LATER))) == newsletter_due - set(addresses)

    again = rebuild_ledger(XlsxSource(config.source.path), config, at(config, LATER, hour=13))
    assert again.statuses is not None and again.statuses.received == ()  # the ledger has them all
    assert "Email statuses recovered from the sheet: none" in again.summary()


def test_without_an_inbox_the_rebuild_leaves_email_status_alone(tmp_path):
    config = load_config(copy_sample(tmp_path / "team", "en", TODAY))
    cycle(config, at(config, hour=8))
    lose_the_ledger(config)
    rebuilt = rebuild_ledger(XlsxSource(config.source.path), config, at(config, hour=9))
    assert rebuilt.statuses is None and "Email status" not in rebuilt.summary()


# --- reading a status back: the formatting's inverse ---------------------------------------------

reasons = st.text(min_size=0, max_size=200)
days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))
outcomes = st.sampled_from([Outcome.BOUNCE, Outcome.UNSUBSCRIBE])
ZONE = ZoneInfo("Europe/Moscow")


@given(language=st.sampled_from(["en", "ru"]), outcome=outcomes, day=days, reason=reasons)
def test_reading_a_status_back_gives_what_was_written(language, outcome, day, reason):
    w = words(language)
    reason = reason if outcome is Outcome.BOUNCE else ""
    at_noon = dt.datetime.combine(day, dt.time(12), ZONE)
    cell = email_statuses([Received("<m@x>", outcome, at_noon, "P1", "a@x.example", reason=reason)], w)[
        "a@x.example"
    ]
    status = read_email_status(cell)
    assert status is not None, cell
    assert (status.outcome, status.on, status.reason) == (outcome, day, reason)

    book = Book(
        partners=(Partner(row=2, id="P1", name="Northwind"),),
        contacts=(Contact(row=2, id="C1", partner_row=2, email="A@x.example ", email_status=cell),),
    )
    recovered = recover_email_statuses(book, (), ZONE, TODAY)
    assert recovered.not_understood == ()
    (r,) = recovered.received
    assert (r.partner_id, r.address, r.message_id) == (
        "P1",
        "a@x.example",
        rebuilt_message_id("a@x.example", cell),
    )
    assert email_statuses(recovered.received, w) == {"a@x.example": cell}


@given(text=st.text(min_size=1, max_size=100))
def test_a_cell_no_entry_reads_is_kept_as_a_bounce_of_its_own_words(text):
    if read_email_status(text) is not None:
        return
    book = Book(contacts=(Contact(row=5, id="C1", partner_row=None, email="a@x.example", email_status=text),))
    (r,) = recover_email_statuses(book, {"b@x.example"}, ZONE, TODAY).received
    assert (r.outcome, r.at.date(), r.reason) == (Outcome.BOUNCE, TODAY, text)


def test_a_status_the_ledger_has_is_not_recorded_twice():
    cell = "unsubscribed 2026-11-22"
    book = Book(contacts=(Contact(row=2, id="C1", partner_row=None, email="a@x.example", email_status=cell),))
    assert recover_email_statuses(book, {"a@x.example"}, ZONE, TODAY).received == ()


@pytest.mark.parametrize(
    "text",
    [
        "bounced 2026-02-30: 550",  # no such day
        "bounced 26.11.2026: 550",  # a Russian date in English words
        "отписка 2026-11-26",  # an English date in Russian words
        "unsubscribed 2026-11-26 by phone",
        "bounced " + "9" * 5000,  # long cells cost no more than short ones
    ],
)
def test_cells_that_are_not_the_workers_words_are_not_read(text):
    assert read_email_status(text) is None


def test_a_recovered_bounce_was_seen_when_its_cell_says_so_and_no_digest_lists_it_again(tmp_path):
    northwind = partner(2, name="Northwind", id="P-1")
    anna = contact(2, 2, id="C-1", email="anna@northwind.example")
    anna = dataclasses.replace(anna, email_status="bounced 2026-11-20: 550 5.1.1 user unknown")
    book = Book(partners=(northwind,), contacts=(anna,))
    (r,) = recover_email_statuses(book, (), ZONE, TODAY).received
    assert r.seen == r.at and r.at.date() == dt.date(2026, 11, 20)
    with Ledger(tmp_path / LEDGER_FILE) as ledger:  # recorded as seen then, not at the rebuild
        ledger.record_received("box", 0, 0, [r], dt.datetime(2026, 11, 26, 8, tzinfo=ZONE))
        (r,) = ledger.received()
    assert r.seen == dt.datetime.combine(dt.date(2026, 11, 20), dt.time(12), ZONE)
    team = make_config(inbox=dict(host="imap.team.example", address=INBOX_ADDRESS), timezone=str(ZONE))
    digests = plan(book, team, TODAY, inbox=[r]).digests
    assert not [i for d in digests for i in d.items if i.section is DigestSection.BOUNCES]
    # the bounce itself, seen today, is listed: the test can tell the two apart
    fresh = plan(book, team, TODAY, inbox=[dataclasses.replace(r, seen=r.at.replace(day=26))]).digests
    assert [i for d in fresh for i in d.items if i.section is DigestSection.BOUNCES]
