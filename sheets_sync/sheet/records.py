"""What the worker sent, as the sheet records it: the cells that say when, and rows in Activities.

The send ledger is the source of truth; the sheet is its readable copy. Every cycle the Book is
brought up to date from the ledger, so a cell the team cleared by hand never causes a resend and
is filled in again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sheets_sync.i18n import Words, is_open_follow_up
from sheets_sync.model import (
    LOGGED_TYPES,
    Activity,
    ActivityColumn,
    Book,
    CellValue,
    DigestSection,
    FollowUpState,
    MessageKey,
    MessageKind,
    Partner,
    Plan,
    key_target,
)
from sheets_sync.sheet.workbook import log_row_id


@dataclass(frozen=True)
class Sent:
    """One message the ledger knows was accepted by the mail server (or written to the outbox)."""

    key: str  # "<kind>:<row ID>:..." as the planner made it
    kind: MessageKind
    recipients: tuple[str, ...]
    sent_at: dt.datetime  # the team's local time
    subject: str = ""
    refused: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # address -> reply

    @property
    def is_draft(self) -> bool:
        """A follow-up draft (followup.mode draft): it went to the manager, not to the partner."""
        return MessageKey.parse(self.key).is_draft

    @property
    def target_id(self) -> str:
        """The ID of the row the message is about: activity, partner or contact."""
        return key_target(self.key)


def remember(book: Book, sent: Iterable[Sent], w: Words) -> Book:
    """The Book as if every cell that records a send showed the ledger's latest one."""
    kit: dict[str, dt.date] = {}
    greeted: dict[str, dt.date] = {}
    newsletter_by_contact: dict[str, dt.date] = {}
    followed_up: dict[str, Sent] = {}
    for s in sent:
        if s.target_id in book.duplicate_ids:
            continue  # which of the rows sharing that ID it was, nobody can tell: record it on neither
        day = s.sent_at.date()
        if s.kind is MessageKind.SALES_KIT:
            kit[s.target_id] = max(day, kit.get(s.target_id, day))
        elif s.kind is MessageKind.GREETING:
            greeted[s.target_id] = max(day, greeted.get(s.target_id, day))
        elif s.kind is MessageKind.NEWSLETTER:
            newsletter_by_contact[s.target_id] = max(day, newsletter_by_contact.get(s.target_id, day))
        elif s.kind is MessageKind.FOLLOW_UP:
            followed_up.setdefault(s.target_id, s)
    if not (kit or greeted or newsletter_by_contact or followed_up):
        return book

    newsletter: dict[int, dt.date] = {}
    for c in book.contacts:
        latest = newsletter_by_contact.get(c.id)
        if latest is not None and c.partner_row is not None:
            newsletter[c.partner_row] = max(latest, newsletter.get(c.partner_row, latest))
    partners = tuple(
        dataclasses.replace(
            p,
            sales_kit_sent=_later(p.sales_kit_sent, kit.get(p.id)),
            last_newsletter=_later(p.last_newsletter, newsletter.get(p.row)),
        )
        if p.id in kit or p.row in newsletter
        else p
        for p in book.partners
    )
    contacts = tuple(
        dataclasses.replace(c, last_greeting=_later(c.last_greeting, greeted[c.id])) if c.id in greeted else c
        for c in book.contacts
    )
    activities = tuple(
        _followed_up(a, followed_up[a.id], w) if a.id in followed_up else a for a in book.activities
    )
    return dataclasses.replace(book, partners=partners, contacts=contacts, activities=activities)


def _followed_up(a: Activity, s: Sent, w: Words) -> Activity:
    """The activity once its follow-up went out: the Follow-up cell says so (unless the team wrote
    in it), and a draft's day is kept (the digest lists the drafts just mailed)."""
    cell = follow_up_text(s, w) if is_open_follow_up(a.follow_up) else a.follow_up
    return dataclasses.replace(a, follow_up=cell, draft_sent=s.sent_at.date() if s.is_draft else None)


def note_reminders(book: Book, plan: Plan, digested: dict[str, dt.datetime], w: Words) -> Book:
    """followup.mode remind: a meeting whose reminder went out in its manager's digest says so.

    `digested`: manager address -> when that manager's digest of `plan.today` went out.
    """
    rows = {}
    for digest in plan.digests:
        when = digested.get(digest.manager.lower())
        if when is None:
            continue
        for item in digest.items:
            if item.section is DigestSection.FOLLOW_UPS:
                rows[item.partner_row] = w.text("followup.reminded", manager=digest.manager, date=when.date())
    reminded = {
        t.activity_row: rows[t.partner_row]
        for t in plan.followups
        if t.state is FollowUpState.REMIND and t.partner_row in rows
    }
    if not reminded:
        return book
    activities = tuple(
        dataclasses.replace(a, follow_up=reminded[a.row]) if a.row in reminded and not a.follow_up else a
        for a in book.activities
    )
    return dataclasses.replace(book, activities=activities)


def follow_up_text(s: Sent, w: Words) -> str:
    """What the Follow-up cell says once a follow-up went out, e.g. 'draft sent to anna@... 2026-11-26
    09:05'."""
    key = "followup.draft_sent" if s.is_draft else "followup.sent"
    return w.text(key, to=", ".join(s.recipients), when=w.moment(s.sent_at))


def log_rows(book: Book, sent: Iterable[Sent], w: Words) -> list[dict[ActivityColumn, CellValue]]:
    """An Activities row for every email sent to a partner, with an ID derived from the send's ledger
    key (the same in every cycle: see workbook.log_row_id). Digests and follow-up drafts went to the
    team, not to the partner: they are not logged (the draft's Follow-up cell says it went)."""
    partner_of = {p.id: p for p in book.partners}
    partner_by_row = {p.row: p for p in book.partners}
    contact_of = {c.id: c for c in book.contacts}
    activity_of = {a.id: a for a in book.activities}
    rows: list[dict[ActivityColumn, CellValue]] = []
    for s in sent:
        if s.kind not in LOGGED_TYPES or s.is_draft:
            continue
        if s.kind in (MessageKind.GREETING, MessageKind.NEWSLETTER):
            contact = contact_of.get(s.target_id)
            partner = (
                partner_by_row.get(contact.partner_row)
                if contact and contact.partner_row is not None
                else None
            )
        elif s.kind is MessageKind.FOLLOW_UP:
            activity = activity_of.get(s.target_id)
            partner = (
                partner_by_row.get(activity.partner_row)
                if activity and activity.partner_row is not None
                else None
            )
        else:
            partner = partner_of.get(s.target_id)
        rows.append(
            {
                ActivityColumn.ID: log_row_id(s.key),
                ActivityColumn.DATE: s.sent_at.date(),
                ActivityColumn.PARTNER: partner.name if partner else "",
                ActivityColumn.TYPE: w.type_name(LOGGED_TYPES[s.kind]),
                ActivityColumn.DIRECTION: w.text("direction.out"),
                ActivityColumn.CONTACT: ", ".join(_partner_side(s.recipients, partner)),
                ActivityColumn.SUMMARY: s.subject
                or w.text("logged.summary", type=w.type_name(LOGGED_TYPES[s.kind])),
            }
        )
    return rows


def _partner_side(recipients: tuple[str, ...], partner: Partner | None) -> tuple[str, ...]:
    """The recipients at the partner: a send-mode follow-up has the manager in Cc, who is no contact."""
    manager = partner.manager.strip().lower() if partner else ""
    return tuple(r for r in recipients if r != manager) or recipients


def _later(cell: dt.date | None, ledger: dt.date | None) -> dt.date | None:
    if cell is None or ledger is None:
        return cell or ledger
    return max(cell, ledger)
