"""The team inbox, decided (SPEC 4a): whose message it is, what it means for the sheet, and what
the Book looks like with it.

Matching, in the order the SPEC gives: a reply's In-Reply-To/References against the Message-IDs of
the worker's sends (so a colleague's answer is the partner's the thread is about), then the sender
against Contacts, then a manager's email (the inbox in Cc or Bcc) by its recipients. A partner's
email is a response; a manager's is a touch; a bounce or an unsubscribe changes the contact's Email
status; someone at a partner's domain who is not in Contacts is a new person for the digest, as is
a contact's out-of-office with a return date; anything else (unknown senders, other automatic
replies, other lists' mail, the worker's own mail) is ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sheets_sync.config import Config
from sheets_sync.i18n import Words
from sheets_sync.model import (
    Activity,
    ActivityColumn,
    Book,
    CellValue,
    Contact,
    Direction,
    Envelope,
    Incoming,
    IncomingKind,
    MessageKey,
    MessageKind,
    Outcome,
    Partner,
    Received,
    contact_token,
    unsubscribe_token,
)
from sheets_sync.sheet.workbook import log_row_id

SUMMARY_MAX = 300  # characters of a logged row's Summary: the subject and the first lines

# Addresses anyone can have: a sender there is nobody's colleague by domain alone
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "ymail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "mail.com",
        "zoho.com",
        "yandex.ru",
        "ya.ru",
        "yandex.com",
        "yandex.by",
        "yandex.kz",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "internet.ru",
        "rambler.ru",
    }
)


def inbox_row_id(message_id: str) -> str:
    """The ID of the Activities row that logs an inbound message: derived from its Message-ID alone."""
    return log_row_id(f"inbox:{message_id.lower()}")


@dataclass(frozen=True)
class AddressBook:
    """The sheet's people by address, indexed once a cycle for matching."""

    contacts: Mapping[str, Contact]  # lower-case address -> its first contact
    partners: Mapping[int, Partner]  # by row
    partner_ids: Mapping[str, Partner]  # by ID
    managers: frozenset[str]  # lower-case
    team_domain: str  # the domain of mail.from: the team's own addresses
    inbox: str  # the inbox's own address
    by_domain: Mapping[str, int]  # a contact domain (not free mail) -> the one partner row that has it
    tokens: Mapping[str, Contact]  # contact_token -> contact
    replied: Mapping[str, int]  # Message-ID of a send (lower-case) -> the partner row it was about


def address_book(book: Book, config: Config, sent: Mapping[str, str]) -> AddressBook:
    """`sent`: Message-ID -> idempotency key of every message the worker sent (the ledger's)."""
    contacts: dict[str, Contact] = {}
    domains: dict[str, set[int]] = {}
    for c in book.contacts:
        address = c.email.strip().lower()
        if "@" not in address or c.partner_row is None:
            continue
        contacts.setdefault(address, c)
        domain = address.rsplit("@", 1)[1]
        if domain not in FREE_MAIL:
            domains.setdefault(domain, set()).add(c.partner_row)
    partners = {p.row: p for p in book.partners}
    by_id = {p.id: p for p in book.partners if p.id}
    # A key's target is an ID of the tab its kind names: a team may number every tab 1, 2, 3...
    by_contact: dict[str, int | None] = {c.id: c.partner_row for c in book.contacts if c.id}
    row_of_target: dict[MessageKind, dict[str, int | None]] = {
        MessageKind.FOLLOW_UP: {a.id: a.partner_row for a in book.activities if a.id},
        MessageKind.SALES_KIT: {p.id: p.row for p in book.partners if p.id},
        MessageKind.GREETING: by_contact,
        MessageKind.NEWSLETTER: by_contact,
    }
    replied: dict[str, int] = {}
    for message_id, key in sent.items():
        try:
            parsed = MessageKey.parse(key)
        except ValueError:
            continue
        row = row_of_target.get(parsed.kind, {}).get(parsed.target)
        if row is not None:
            replied[message_id.lower()] = row
    sender = config.mail.sender.rsplit("<", 1)[-1].rstrip(">").strip().lower()
    team_domain = sender.rsplit("@", 1)[-1] if "@" in sender else ""
    return AddressBook(
        contacts=contacts,
        partners=partners,
        partner_ids=by_id,
        managers=frozenset(p.manager.strip().lower() for p in book.partners if "@" in p.manager),
        team_domain="" if team_domain in FREE_MAIL else team_domain,  # gmail.com is everyone's
        inbox=config.inbox.mailbox_address.lower(),
        by_domain={d: next(iter(rows)) for d, rows in domains.items() if len(rows) == 1},
        tokens={contact_token(c.id, c.email): c for c in book.contacts if c.id and "@" in c.email},
        replied=replied,
    )


def _is_team(address: str, people: AddressBook) -> bool:
    """A manager or a colleague (the domain of mail.from); the inbox itself is no one."""
    if not address or address == people.inbox:
        return False
    return address in people.managers or (
        bool(people.team_domain) and address.rsplit("@", 1)[-1] == people.team_domain
    )


def _thread_partner(envelope: Envelope, people: AddressBook) -> int | None:
    """The partner of the send this message answers (In-Reply-To, then References)."""
    for message_id in envelope.replies_to:
        row = people.replied.get(message_id.lower())
        if row is not None:
            return row
    return None


def _from_another_list(envelope: Envelope, people: AddressBook) -> bool:
    """List or bulk mail, unless the list is the team inbox itself (a Google Group or a Mailman list
    as the team address puts its list headers on every partner's email)."""
    return envelope.bulk and people.inbox not in envelope.lists


def _recipients_at_partners(envelope: Envelope, people: AddressBook) -> list[Contact]:
    return [people.contacts[a] for a in (*envelope.to, *envelope.cc) if a in people.contacts]


def needs_body(envelope: Envelope, people: AddressBook) -> bool:
    """Whether a message matters enough to be downloaded: the headers decide (most of a mailbox
    never is). The worker's own mail never matters, an automatic reply only when a contact's (it
    may say when they are back), list mail only through the team's own group; a bounce or an
    unsubscribe (from any sender: its token names the contact) always may."""
    if envelope.own:
        return False
    if envelope.automatic:  # a contact's out-of-office may say when they are back
        return envelope.sender in people.contacts
    if envelope.maybe_bounce or envelope.unsubscribe:
        return True
    if _from_another_list(envelope, people):
        return False
    if envelope.sender in people.contacts or _thread_partner(envelope, people) is not None:
        return True
    if _is_team(envelope.sender, people):
        return bool(_recipients_at_partners(envelope, people))
    return envelope.sender.rsplit("@", 1)[-1] in people.by_domain


def ignored(envelope: Envelope, zone: ZoneInfo, now: dt.datetime) -> Received:
    """A message remembered only so that it is never read again."""
    return Received(envelope.message_id, Outcome.IGNORED, _local(envelope, zone, now))


def received_from(
    incoming: Incoming, people: AddressBook, zone: ZoneInfo, now: dt.datetime
) -> list[Received]:
    """What one message means for the sheet: one Received (a bounce: one per address it reports that
    is in Contacts); an ignored message gives one IGNORED."""
    e = incoming.envelope
    at = _local(e, zone, now)
    none = [ignored(e, zone, now)]
    if e.own:
        return none
    if incoming.kind is IncomingKind.AUTO_REPLY:
        return _away(incoming, people, at) or none
    if incoming.kind is IncomingKind.BOUNCE:
        found = [
            Received(e.message_id, Outcome.BOUNCE, at, _partner_id(c, people), b.address, reason=b.reason)
            for b in incoming.bounced
            if (c := people.contacts.get(b.address)) is not None
        ]
        if found or e.sender not in people.contacts:
            return found or none
        # a contact's own email whose subject reads like a report ("Delivery problem with order
        # 4411") and that reports no address of Contacts: an email like any other
    if incoming.kind is IncomingKind.UNSUBSCRIBE:
        contact = people.tokens.get(unsubscribe_token(e.subject)) or people.contacts.get(e.sender)
        if contact is None:
            return none
        address = contact.email.strip().lower()
        return [Received(e.message_id, Outcome.UNSUBSCRIBE, at, _partner_id(contact, people), address)]
    if _from_another_list(e, people) or not e.sender:
        return none
    summary = _summary(e.subject, incoming.text)
    thread = _thread_partner(e, people)
    contact = people.contacts.get(e.sender)
    # a manager's email to a partner, the inbox in Cc or Bcc (a sender in Contacts is a partner's)
    if contact is None and _is_team(e.sender, people):
        at_partner = _recipients_at_partners(e, people)
        row = thread if thread is not None else (at_partner[0].partner_row if at_partner else None)
        partner = people.partners.get(row) if row is not None else None
        if partner is None:
            return none
        whom = next((c.email.strip().lower() for c in at_partner if c.partner_row == row), "")
        return [
            Received(e.message_id, Outcome.TOUCH, at, partner.id, whom, e.sender_name, e.subject, summary)
        ]
    row = thread
    if row is None and contact is not None:
        row = contact.partner_row
    outcome = Outcome.RESPONSE
    if row is None:  # someone at a partner's domain, not in Contacts: named in the digest, not logged
        row = people.by_domain.get(e.sender.rsplit("@", 1)[-1])
        outcome = Outcome.NEW_PERSON
    partner = people.partners.get(row) if row is not None else None
    if partner is None:
        return none
    return [
        Received(
            e.message_id,
            outcome,
            at,
            partner.id,
            e.sender,
            e.sender_name,
            e.subject,
            summary,
            new_person=contact is None,
        )
    ]


def _away(incoming: Incoming, people: AddressBook, at: dt.datetime) -> list[Received]:
    """A contact's out-of-office that says when they are back (SPEC 4a: it may be noted): the
    digest names it. Never a response, never logged."""
    e, back = incoming.envelope, incoming.returns_on
    contact = people.contacts.get(e.sender)
    if contact is None or back is None or back <= at.date():
        return []
    partner_id = _partner_id(contact, people)
    return [
        Received(
            e.message_id, Outcome.AWAY, at, partner_id, e.sender, e.sender_name, e.subject, returns_on=back
        )
    ]


def _partner_id(contact: Contact, people: AddressBook) -> str:
    partner = people.partners.get(contact.partner_row) if contact.partner_row is not None else None
    return partner.id if partner else ""


def _local(envelope: Envelope, zone: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The message's time in the team's zone; a message dated in the future (a wrong clock) is now."""
    when = envelope.date or now
    return min(when, now).astimezone(zone)


def _summary(subject: str, text: str) -> str:
    joined = " — ".join(p for p in (" ".join(subject.split()), " ".join(text.split())) if p)
    return joined if len(joined) <= SUMMARY_MAX else joined[: SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "…"


# --- the Book as the inbox leaves it -------------------------------------------------------------


def is_logged_kind(r: Received) -> bool:
    """Responses and touches are Activities rows; bounces and unsubscribes are Email status only."""
    return r.outcome in (Outcome.RESPONSE, Outcome.TOUCH)


def take_in(book: Book, received: Sequence[Received], w: Words) -> Book:
    """The Book as if every logged message were a row of Activities (those not in the sheet yet are
    added at the end, as the cycle appends them) and every Email status showed what the inbox says
    of the contact's current address (SPEC 2: a status stays until the team changes the Email)."""
    partners = {p.id: p for p in book.partners if p.id}
    present = {a.id for a in book.activities}
    extra: list[Activity] = []
    for r in received:
        partner = partners.get(r.partner_id)
        row_id = inbox_row_id(r.message_id)
        if not is_logged_kind(r) or partner is None or row_id in present:
            continue
        present.add(row_id)
        extra.append(
            Activity(
                row=-(len(extra) + 1),  # not a sheet row yet: never written to, never linked
                id=row_id,
                date=r.at.date(),
                partner_row=partner.row,
                type="email",
                direction=Direction.IN if r.outcome is Outcome.RESPONSE else Direction.OUT,
                contact=r.address,
                summary=r.summary,
            )
        )
    statuses = email_statuses(received, w)
    contacts = tuple(
        dataclasses.replace(c, email_status=statuses.get(c.email.strip().lower(), "")) for c in book.contacts
    )
    return dataclasses.replace(book, contacts=contacts, activities=(*book.activities, *extra))


def email_statuses(received: Iterable[Received], w: Words) -> dict[str, str]:
    """Address -> its Email status, from the latest bounce or unsubscribe for it."""
    out: dict[str, str] = {}
    for r in sorted(received, key=lambda r: r.at):
        if r.outcome is Outcome.BOUNCE:
            key = "email_status.bounced" if r.reason else "email_status.bounced_no_reason"
            out[r.address] = w.text(key, date=w.record_date(r.at.date()), reason=r.reason)
        elif r.outcome is Outcome.UNSUBSCRIBE:
            out[r.address] = w.text("email_status.unsubscribed", date=w.record_date(r.at.date()))
    return out


def inbox_rows(book: Book, received: Iterable[Received], w: Words) -> list[dict[ActivityColumn, CellValue]]:
    """The Activities rows to append for the logged messages the sheet does not show yet."""
    partners = {p.id: p for p in book.partners if p.id}
    rows: list[dict[ActivityColumn, CellValue]] = []
    for r in received:
        partner = partners.get(r.partner_id)
        if r.logged or not is_logged_kind(r) or partner is None:
            continue
        rows.append(
            {
                ActivityColumn.ID: inbox_row_id(r.message_id),
                ActivityColumn.DATE: r.at.date(),
                ActivityColumn.PARTNER: partner.name,
                ActivityColumn.TYPE: w.type_name("email"),
                ActivityColumn.DIRECTION: w.text(
                    "direction.in" if r.outcome is Outcome.RESPONSE else "direction.out"
                ),
                ActivityColumn.CONTACT: r.address,
                ActivityColumn.SUMMARY: r.summary,
            }
        )
    return rows
