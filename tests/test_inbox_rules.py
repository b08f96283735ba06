"""The inbox in the pure core (rules.inbox): whose message it is, in the SPEC's order, and what the
Book, the plan and the digest make of it. No server here: Envelopes and Incomings built directly."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.i18n import words
from sheets_sync.model import (
    Birthday,
    Bounced,
    DigestSection,
    Direction,
    Envelope,
    Incoming,
    IncomingKind,
    MessageKey,
    MessageKind,
    Outcome,
    Received,
    TouchStatus,
    contact_token,
)
from sheets_sync.rules.inbox import (
    address_book,
    email_statuses,
    inbox_row_id,
    inbox_rows,
    needs_body,
    received_from,
    take_in,
)
from sheets_sync.rules.planner import plan
from tests.planner_helpers import MANAGER, TODAY, activity, ago, book, config, contact, partner

ZONE = ZoneInfo("Europe/Berlin")
NOW = dt.datetime.combine(TODAY, dt.time(10, 0), ZONE)
INBOX = dict(host="imap.team.example", address="partners@team.example")
CONFIG = config(
    inbox=INBOX, mail=dict(sender="Partner team <partners@team.example>"), timezone="Europe/Berlin"
)

NORTHWIND = partner(2, name="Northwind", id="P-1")
BLUE = partner(3, name="Blue Yonder", id="P-2", manager="boris@team.example")
ANNA = contact(2, 2, id="C-1", name="Anna Vogel", email="anna@northwind.example", champion=True)
KAI = contact(3, 3, id="C-2", name="Kai Berg", email="kai@blueyonder.example", champion=True)
MEETING = activity(2, ago(3), "meeting", 2, id="A-1")
BOOK = book([NORTHWIND, BLUE], [ANNA, KAI], [MEETING])
# the worker's follow-up for Northwind's meeting: what a reply's In-Reply-To names
FOLLOW_UP_ID = "<follow-up.abc@team.example>"
SENT = {FOLLOW_UP_ID: str(MessageKey(MessageKind.FOLLOW_UP, "A-1"))}
PEOPLE = address_book(BOOK, CONFIG, SENT)


def envelope(sender: str, **fields) -> Envelope:
    fields.setdefault("uid", 1)
    fields.setdefault("message_id", f"<{sender}.1@mail.example>")
    fields.setdefault("to", ("partners@team.example",))
    fields.setdefault("subject", "Re: our meeting")
    fields.setdefault("date", NOW - dt.timedelta(hours=1))
    return Envelope(sender=sender, **fields)


def email(sender: str, text: str = "Thanks, we agree.", **fields) -> Incoming:
    return Incoming(envelope(sender, **fields), IncomingKind.EMAIL, text)


def one(incoming: Incoming) -> Received:
    (found,) = received_from(incoming, PEOPLE, ZONE, NOW)
    return found


# --- matching, in the SPEC's order ---------------------------------------------------------------


def test_a_contacts_email_is_the_partners_response():
    r = one(email("anna@northwind.example", sender_name="Anna Vogel"))
    assert (r.outcome, r.partner_id, r.address, r.new_person) == (
        Outcome.RESPONSE,
        "P-1",
        "anna@northwind.example",
        False,
    )
    assert r.summary == "Re: our meeting — Thanks, we agree."
    assert r.at.tzinfo is not None and r.at.utcoffset() == dt.timedelta(hours=1)  # the team's zone


def test_a_reply_to_a_send_belongs_to_the_thread_s_partner_even_from_another_partners_contact():
    # Kai (Blue Yonder's) answers in Northwind's thread: In-Reply-To wins over the sender
    r = one(email("kai@blueyonder.example", replies_to=(FOLLOW_UP_ID,)))
    assert (r.outcome, r.partner_id, r.new_person) == (Outcome.RESPONSE, "P-1", False)


def test_a_colleague_not_in_contacts_answering_a_thread_is_a_new_person_at_that_partner():
    r = one(email("max@gmail.com", sender_name="Max Weber", replies_to=("<other@x>", FOLLOW_UP_ID.upper())))
    assert (r.outcome, r.partner_id, r.new_person, r.name) == (Outcome.RESPONSE, "P-1", True, "Max Weber")


def test_a_sender_at_a_partners_domain_is_a_new_person_named_not_a_response_logged():
    # SPEC 4a: a partner's email is a contact's or a reply in a thread; a stranger at the partner's
    # domain (or a spammer on a free-mail domain some contact uses) is only named in the digest
    r = one(email("lena@northwind.example", sender_name="Lena"))
    assert (r.outcome, r.partner_id, r.new_person) == (Outcome.NEW_PERSON, "P-1", True)
    assert take_in(BOOK, [r], words("en", TODAY)).activities == BOOK.activities
    assert one(email("stranger@gmail.com")).outcome is Outcome.IGNORED


def test_with_mail_from_on_free_mail_a_contact_on_the_same_provider_is_still_a_partner():
    free = config(inbox=INBOX, mail=dict(sender="Team <team.acme@gmail.com>"), timezone="Europe/Berlin")
    hannah = contact(4, 2, id="C-4", name="Hannah Meyer", email="hannah.meyer@gmail.com")
    people = address_book(book([NORTHWIND, BLUE], [ANNA, KAI, hannah], [MEETING]), free, SENT)
    (r,) = received_from(email("hannah.meyer@gmail.com"), people, ZONE, NOW)
    assert (r.outcome, r.partner_id) == (Outcome.RESPONSE, "P-1")
    # nor is every gmail.com sender a colleague writing to a partner
    (other,) = received_from(email("someone@gmail.com", to=("kai@blueyonder.example",)), people, ZONE, NOW)
    assert other.outcome is Outcome.IGNORED


def test_a_reply_finds_its_partner_by_the_tab_its_send_was_about_when_ids_repeat_across_tabs():
    # a team numbering every tab 1, 2, 3...: activity "7" is Blue Yonder's, partner "7" is Northwind
    northwind, blue = dataclasses.replace(NORTHWIND, id="7"), dataclasses.replace(BLUE, id="8")
    meeting = activity(2, ago(3), "meeting", 3, id="7")
    kai = dataclasses.replace(KAI, id="7")
    sent = {
        "<fu@team.example>": str(MessageKey(MessageKind.FOLLOW_UP, "7")),
        "<kit@team.example>": str(MessageKey(MessageKind.SALES_KIT, "7")),
        "<news@team.example>": str(MessageKey(MessageKind.NEWSLETTER, "7", ("2026-11-01",))),
    }
    people = address_book(book([northwind, blue], [ANNA, kai], [meeting]), CONFIG, sent)

    def partner_of(message_id: str) -> str:
        (r,) = received_from(email("x@gmail.com", replies_to=(message_id,)), people, ZONE, NOW)
        return r.partner_id

    assert partner_of("<fu@team.example>") == "8"  # the activity's partner
    assert partner_of("<kit@team.example>") == "7"  # the partner itself
    assert partner_of("<news@team.example>") == "8"  # the contact's partner


def test_a_contacts_email_whose_subject_reads_like_a_report_is_an_email():
    sent = envelope("anna@northwind.example", subject="Delivery problem with order 4411", maybe_bounce=True)
    r = one(Incoming(sent, IncomingKind.BOUNCE, "The pallets arrived damaged."))
    assert (r.outcome, r.partner_id) == (Outcome.RESPONSE, "P-1")
    assert r.summary == "Delivery problem with order 4411 — The pallets arrived damaged."


@pytest.mark.parametrize(
    ("lists", "outcome"),
    [
        (("partners@team.example",), Outcome.RESPONSE),  # the team address is a Google Group
        (("news@vendor.example",), Outcome.IGNORED),  # a list the contact is on
        ((), Outcome.IGNORED),  # Precedence: bulk
    ],
)
def test_list_mail_counts_only_when_the_list_is_the_team_inbox(lists, outcome):
    sent = envelope("anna@northwind.example", bulk=True, lists=lists)
    assert needs_body(sent, PEOPLE) is (outcome is Outcome.RESPONSE)
    assert one(Incoming(sent, IncomingKind.EMAIL, "Agreed.")).outcome is outcome


def test_a_managers_email_to_a_contact_with_the_inbox_in_cc_is_a_touch():
    r = one(email("boris@team.example", to=("kai@blueyonder.example",), cc=("partners@team.example",)))
    assert (r.outcome, r.partner_id, r.address) == (Outcome.TOUCH, "P-2", "kai@blueyonder.example")


def test_a_colleague_writing_from_the_teams_domain_with_the_inbox_in_bcc_is_a_touch():
    # Bcc: the inbox appears in neither To nor Cc
    r = one(email("olga@team.example", to=("anna@northwind.example",)))
    assert (r.outcome, r.partner_id) == (Outcome.TOUCH, "P-1")


def test_a_managers_email_to_no_contact_is_ignored():
    assert one(email(MANAGER, to=("someone@elsewhere.example",))).outcome is Outcome.IGNORED


@pytest.mark.parametrize(
    "incoming",
    [
        Incoming(envelope("anna@northwind.example"), IncomingKind.AUTO_REPLY),
        Incoming(envelope("anna@northwind.example", own=True), IncomingKind.EMAIL, "x"),
        Incoming(envelope("nobody@elsewhere.example"), IncomingKind.EMAIL, "Buy now"),
    ],
    ids=["auto-reply", "own", "stranger"],
)
def test_automatic_own_and_unknown_messages_are_ignored(incoming):
    assert one(incoming).outcome is Outcome.IGNORED


def test_a_bounce_names_each_contact_address_it_reports():
    bounce = Incoming(
        envelope("mailer-daemon@mx.example", maybe_bounce=True),
        IncomingKind.BOUNCE,
        bounced=(Bounced("anna@northwind.example", "550 5.1.1 user unknown"), Bounced("x@unknown.example")),
    )
    (r,) = received_from(bounce, PEOPLE, ZONE, NOW)
    assert (r.outcome, r.partner_id, r.address, r.reason) == (
        Outcome.BOUNCE,
        "P-1",
        "anna@northwind.example",
        "550 5.1.1 user unknown",
    )


def test_an_unsubscribe_finds_the_contact_by_its_token_from_any_sender():
    token = contact_token("C-2", "kai@blueyonder.example")
    sent = envelope("kai.private@gmail.com", subject=f"unsubscribe {token}")
    r = one(Incoming(sent, IncomingKind.UNSUBSCRIBE))
    assert (r.outcome, r.partner_id, r.address) == (Outcome.UNSUBSCRIBE, "P-2", "kai@blueyonder.example")
    # a token for an address the contact no longer has names no one
    stale = envelope("x@gmail.com", subject=f"unsubscribe {contact_token('C-2', 'old@blueyonder.example')}")
    assert one(Incoming(stale, IncomingKind.UNSUBSCRIBE)).outcome is Outcome.IGNORED


def test_only_messages_that_can_matter_are_downloaded():
    assert needs_body(envelope("anna@northwind.example"), PEOPLE)
    assert needs_body(envelope("x@gmail.com", replies_to=(FOLLOW_UP_ID,)), PEOPLE)
    assert needs_body(envelope("mailer-daemon@mx.example", maybe_bounce=True), PEOPLE)
    assert needs_body(envelope(MANAGER, to=("anna@northwind.example",)), PEOPLE)
    assert not needs_body(envelope(MANAGER, to=("someone@elsewhere.example",)), PEOPLE)
    assert needs_body(envelope("anna@northwind.example", automatic=True), PEOPLE)  # when back?
    assert not needs_body(envelope("x@elsewhere.example", automatic=True), PEOPLE)
    assert not needs_body(envelope("newsletter@vendor.example"), PEOPLE)


def test_a_message_dated_in_the_future_counts_as_now():
    r = one(email("anna@northwind.example", date=NOW + dt.timedelta(days=3)))
    assert r.at == NOW


# --- the Book, the plan, the sheet ---------------------------------------------------------------


def received(outcome: Outcome, at: dt.datetime = NOW, **fields) -> Received:
    fields.setdefault("partner_id", "P-1")
    fields.setdefault("address", "anna@northwind.example")
    return Received(f"<m{at.timestamp()}{outcome}@x>", outcome, at, **fields)


def test_a_response_wakes_a_sleeping_partner_and_stops_its_reminder():
    sleepy = dataclasses.replace(NORTHWIND, since=ago(400))
    the_book = book([sleepy], [ANNA], [activity(2, ago(200), "call", 2, id="A-1")])
    before = plan(the_book, CONFIG, TODAY)
    assert before.partners[0].status is TouchStatus.SLEEPING
    w = words("en", TODAY)
    after_book = take_in(the_book, [received(Outcome.RESPONSE, summary="Re: hi")], w)
    after = plan(after_book, CONFIG, TODAY)
    assert after.partners[0].last_response == TODAY
    assert after.partners[0].status is TouchStatus.OK
    (added,) = [a for a in after_book.activities if a.id.startswith("A-log-")]
    assert (added.type, added.direction, added.date, added.partner_row) == ("email", Direction.IN, TODAY, 2)


def test_a_managers_touch_moves_last_touch_not_last_response():
    the_book = book([NORTHWIND], [ANNA], [activity(2, ago(20), "call", 2, id="A-1")])
    after = plan(take_in(the_book, [received(Outcome.TOUCH)], words("en", TODAY)), CONFIG, TODAY)
    assert (after.partners[0].last_touch, after.partners[0].last_response) == (TODAY, ago(20))


def test_a_logged_row_already_in_the_sheet_is_not_added_again():
    r = received(Outcome.RESPONSE)
    there = activity(9, TODAY, "email", 2, id=inbox_row_id(r.message_id))
    the_book = book([NORTHWIND], [ANNA], [there])
    assert take_in(the_book, [r], words("en", TODAY)).activities == (there,)


@pytest.mark.parametrize(
    ("lang", "outcome", "reason", "shown"),
    [
        ("en", Outcome.BOUNCE, "550 5.1.1 user unknown", "bounced 2026-11-26: 550 5.1.1 user unknown"),
        ("en", Outcome.UNSUBSCRIBE, "", "unsubscribed 2026-11-26"),
        ("ru", Outcome.BOUNCE, "550 5.1.1 user unknown", "не доставлено 26.11.2026: 550 5.1.1 user unknown"),
        ("ru", Outcome.UNSUBSCRIBE, "", "отписка 26.11.2026"),
        ("en", Outcome.BOUNCE, "", "bounced 2026-11-26"),
    ],
)
def test_the_email_status_says_what_happened_and_when(lang, outcome, reason, shown):
    assert email_statuses([received(outcome, reason=reason)], words(lang, TODAY)) == {
        "anna@northwind.example": shown
    }


def test_a_status_stops_newsletters_and_greetings_until_the_email_changes():
    birthday_today = dataclasses.replace(ANNA, birthday=Birthday(11, 26))
    the_book = book([NORTHWIND], [birthday_today], [MEETING])
    cfg = dataclasses.replace(CONFIG, greetings=dataclasses.replace(CONFIG.greetings, mode="send"))
    assert any(m.kind is MessageKind.GREETING for m in plan(the_book, cfg, TODAY).messages)
    bounced = take_in(the_book, [received(Outcome.BOUNCE, ago(1, NOW), reason="550")], words("en", TODAY))
    assert bounced.contacts[0].email_status.startswith("bounced")
    assert not any(m.kind is MessageKind.GREETING for m in plan(bounced, cfg, TODAY).messages)
    # the team fixes the address: the status no longer applies
    fixed = dataclasses.replace(
        the_book, contacts=(dataclasses.replace(birthday_today, email="anna.v@northwind.example"),)
    )
    again = take_in(fixed, [received(Outcome.BOUNCE, ago(1, NOW), reason="550")], words("en", TODAY))
    assert again.contacts[0].email_status == ""


def test_log_rows_for_the_messages_not_logged_yet_in_the_teams_words():
    rows = inbox_rows(
        BOOK, [received(Outcome.RESPONSE, summary="Re: hi"), received(Outcome.BOUNCE)], words("ru", TODAY)
    )
    assert len(rows) == 1
    (row,) = rows
    assert [row[k] for k in ("Partner", "Type", "Direction", "Contact", "Summary")] == [  # type: ignore[index]
        "Northwind",
        "письмо",
        "вх",
        "anna@northwind.example",
        "Re: hi",
    ]
    assert inbox_rows(BOOK, [received(Outcome.RESPONSE, logged=True)], words("en", TODAY)) == []


# --- the digest ------------------------------------------------------------------------------


def test_the_digest_lists_the_partners_emails_bounces_and_new_people_since_the_last_digest():
    yesterday_digest = dt.datetime.combine(ago(1), dt.time(9, 0), ZONE)
    news = [
        received(
            Outcome.RESPONSE, NOW - dt.timedelta(hours=2), name="Anna Vogel", summary="Re: pricing — ok"
        ),
        received(
            Outcome.RESPONSE,
            NOW - dt.timedelta(hours=3),
            address="max@northwind.example",
            name="Max",
            new_person=True,
            summary="Hello",
        ),
        received(Outcome.BOUNCE, NOW - dt.timedelta(hours=1), reason="550 5.1.1 user unknown"),
        received(
            Outcome.RESPONSE, yesterday_digest - dt.timedelta(minutes=5), summary="old: in yesterday's digest"
        ),
        received(Outcome.TOUCH, NOW, summary="a manager's own email: not listed"),
    ]
    p = plan(book([NORTHWIND], [ANNA], [MEETING]), CONFIG, TODAY, inbox=news)
    (digest,) = [d for d in p.digests if d.manager == MANAGER]
    by_section = {}
    for item in digest.items:
        by_section.setdefault(item.section, []).append(item.text)
    assert sorted(by_section[DigestSection.INBOX]) == [
        "Email from Anna Vogel <anna@northwind.example>: Re: pricing — ok",
        "Email from Max <max@northwind.example>: Hello",
    ]
    assert by_section[DigestSection.NEW_PEOPLE] == [
        "New person at Northwind: Max <max@northwind.example>. Add them to Contacts?"
    ]
    assert by_section[DigestSection.BOUNCES] == [
        "Email to anna@northwind.example bounced (550 5.1.1 user unknown). Fix the address in Contacts."
    ]


def digest_sections(news: list[Received]) -> dict[DigestSection, list[str]]:
    p = plan(book([NORTHWIND], [ANNA], [MEETING]), CONFIG, TODAY, inbox=news)
    by_section: dict[DigestSection, list[str]] = {}
    for d in p.digests:
        for item in d.items:
            by_section.setdefault(item.section, []).append(item.text)
    return by_section


def test_a_new_person_at_a_partners_domain_is_named_in_the_digest_only_as_a_new_person():
    lena = received(Outcome.NEW_PERSON, address="lena@northwind.example", name="Lena", new_person=True)
    sections = digest_sections([lena])
    assert sections[DigestSection.NEW_PEOPLE] == [
        "New person at Northwind: Lena <lena@northwind.example>. Add them to Contacts?"
    ]
    assert DigestSection.INBOX not in sections


@pytest.mark.parametrize(
    ("written_hours_ago", "seen_hours_ago", "listed"),
    [
        (30, 1, True),  # dated before yesterday's digest, read this morning (an IMAP outage): listed
        (2, 2, True),
        (30, 30, False),  # read before yesterday's digest: it was in that one
    ],
)
def test_the_digest_window_is_when_the_worker_read_the_message(written_hours_ago, seen_hours_ago, listed):
    at, seen = NOW - dt.timedelta(hours=written_hours_ago), NOW - dt.timedelta(hours=seen_hours_ago)
    sections = digest_sections([received(Outcome.RESPONSE, at, seen=seen, summary="Re: pricing — ok")])
    assert (DigestSection.INBOX in sections) is listed


def auto_reply(sender: str, back: dt.date | None) -> Incoming:
    sent = envelope(sender, automatic=True, subject="Automatic reply: our meeting")
    return Incoming(sent, IncomingKind.AUTO_REPLY, returns_on=back)


def test_a_contacts_out_of_office_with_a_return_date_is_noted_never_a_response():
    back = TODAY + dt.timedelta(days=5)
    r = one(auto_reply("anna@northwind.example", back))
    assert (r.outcome, r.partner_id, r.returns_on) == (Outcome.AWAY, "P-1", back)
    assert take_in(BOOK, [r], words("en", TODAY)).activities == BOOK.activities
    assert one(auto_reply("anna@northwind.example", None)).outcome is Outcome.IGNORED
    assert one(auto_reply("anna@northwind.example", TODAY)).outcome is Outcome.IGNORED  # back already
    assert one(auto_reply("nobody@elsewhere.example", back)).outcome is Outcome.IGNORED


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Anna Vogel <anna@northwind.example> is out of office until {date} (an automatic reply)."),
        ("ru", "Anna Vogel <anna@northwind.example>: нет на месте до {date} (автоответ)."),
    ],
)
def test_the_digest_says_who_is_away_until_when(lang, line):
    back = TODAY + dt.timedelta(days=5)
    away = received(Outcome.AWAY, name="Anna Vogel", returns_on=back)
    p = plan(
        book([NORTHWIND], [ANNA], [MEETING]), dataclasses.replace(CONFIG, language=lang), TODAY, inbox=[away]
    )
    texts = [i.text for d in p.digests for i in d.items if i.section is DigestSection.INBOX]
    assert texts == [line.format(date=words(lang, TODAY).long_date(back))]
