"""From a plan to delivered emails: render every intent, deliver them once, recall what was sent.

The worker calls `send_planned`, then (from the plan those sends changed) `send_digests`, in one
mail session per cycle; `preview` calls `render_planned` only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sheets_sync.config import Config
from sheets_sync.i18n import Words, words
from sheets_sync.mail import Transport, open_transport
from sheets_sync.mail.compose.render import Message, Renderer, TemplateError
from sheets_sync.mail.delivery import DeliveryReport, deliver
from sheets_sync.mail.ledger import Ledger, LedgerEntry, SendStatus, open_ledger
from sheets_sync.model import Activity, Book, Contact, MessageIntent, MessageKind, Partner, Plan, Tab
from sheets_sync.rules.calendar import WorkCalendar
from sheets_sync.sheet.records import Sent

log = logging.getLogger(__name__)

Notes = dict[tuple[Tab, int], list[str]]


@dataclass
class Mailer:
    """What sending needs for the worker's lifetime: templates, the ledger, a transport per cycle.

    `stop` is the worker's stop event: once it is set, no message starts (the rest are deferred)
    and the transport does not reconnect.
    """

    renderer: Renderer
    ledger: Ledger
    transport: Callable[[], Transport]
    stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        row_link: Callable[[Tab, int], str | None] | None = None,
        stop: threading.Event | None = None,
    ) -> Mailer:
        stop = stop if stop is not None else threading.Event()
        transport = functools.partial(open_transport, config, stop)
        return cls(Renderer(config, row_link=row_link), open_ledger(config), transport, stop)


@dataclass
class Rendered:
    messages: list[Message] = field(default_factory=list)
    notes: Notes = field(default_factory=dict)  # a template error, on the row the message was about
    not_made: list[tuple[str, str]] = field(default_factory=list)  # (which message, the template error)


def is_digest_day(config: Config, day: dt.date) -> bool:
    """Digests go out on working days only."""
    return WorkCalendar.from_config(config).is_working_day(day)


def is_digest_due(config: Config, now: dt.datetime) -> bool:
    """Digests go out once a day, from `digest.at` local time, on working days."""
    return now.time() >= config.digest.at and is_digest_day(config, now.date())


def render_planned(plan: Plan, renderer: Renderer, now: dt.datetime, *, digests: bool) -> Rendered:
    out = Rendered()
    for intent in plan.messages:
        try:
            out.messages.append(renderer.render(intent, now))
        except TemplateError as exc:
            log.warning("%s not rendered: %s", intent.key, exc)
            w = words(renderer.config.language)
            note = w.text("note.not_sent", kind=w.text(f"kind.{intent.kind.value}"), why=str(exc))
            out.notes.setdefault(_row_of(intent), []).append(note)
            out.not_made.append((f"{intent.kind.value} to {', '.join(intent.to)}", str(exc)))
    for digest in plan.digests if digests else ():
        try:
            out.messages.append(renderer.render_digest(digest, plan.today, now))
        except TemplateError as exc:
            log.error("digest for %s not rendered: %s", digest.manager, exc)
            out.not_made.append((f"digest to {digest.manager}", str(exc)))
    return out


def _row_of(intent: MessageIntent) -> tuple[Tab, int]:
    """The row whose Sync note tells the team that a message could not be made."""
    if intent.kind is MessageKind.FOLLOW_UP and intent.activity_row:
        return Tab.ACTIVITIES, intent.activity_row
    if intent.kind in (MessageKind.GREETING, MessageKind.NEWSLETTER) and intent.contact_row:
        return Tab.CONTACTS, intent.contact_row
    return Tab.PARTNERS, intent.partner_row or 0


def send_planned(
    plan: Plan, mailer: Mailer, transport: Transport, config: Config, now: dt.datetime
) -> tuple[DeliveryReport, Notes]:
    """Every message of `plan` but the digests, which `send_digests` sends once the plan knows these."""
    rendered = render_planned(plan, mailer.renderer, now, digests=False)
    report = deliver(rendered.messages, transport, mailer.ledger, config.mail, now, stop=mailer.stop)
    report.not_made += rendered.not_made
    return report, rendered.notes


def send_digests(
    plan: Plan, mailer: Mailer, transport: Transport, config: Config, now: dt.datetime, before: DeliveryReport
) -> None:
    """The managers' digests, when due, from a plan made after this cycle's other sends (a follow-up
    that just went out is no longer "to send"), added to `before`, the report of those sends.

    Digests go last: behind a message deferred this cycle, they wait too (never jump ahead of it).
    """
    if not is_digest_due(config, now):
        return
    rendered = render_planned(dataclasses.replace(plan, messages=()), mailer.renderer, now, digests=True)
    before.not_made += rendered.not_made
    if before.deferred:  # held for the same reason as the messages before them
        before.deferred += [(m, before.deferred[-1][1]) for m in rendered.messages]
        return
    before.merge(deliver(rendered.messages, transport, mailer.ledger, config.mail, now, stop=mailer.stop))


def digests_delivered(report: DeliveryReport, now: dt.datetime) -> dict[str, dt.datetime]:
    """Managers whose digest of today went out (this cycle or an earlier one): address -> today."""
    done = [m for m, _ in report.sent] + report.already_sent
    return {m.recipients[0]: now for m in done if m.kind is MessageKind.DIGEST and m.recipients}


def sent_so_far(ledger: Ledger, zone: dt.tzinfo) -> list[Sent]:
    return [_as_sent(e, zone) for e in ledger.entries()]


def deferred_greetings(ledger: Ledger, zone: dt.tzinfo) -> dict[str, dt.date]:
    """Greetings put off and not sent since: key -> the local date first put off (see greetings.py)."""
    return {key: at.astimezone(zone).date() for key, at in ledger.deferred(MessageKind.GREETING).items()}


def sends_of(ledger: Ledger, keys: Iterable[str], zone: dt.tzinfo) -> list[Sent]:
    """What the ledger records as sent under `keys`: a lookup each, not a read of every send."""
    found = (ledger.lookup(key) for key in keys)
    return [_as_sent(e, zone) for e in found if e is not None and e.status is SendStatus.SENT]


def unlogged_sends(ledger: Ledger, zone: dt.tzinfo) -> list[Sent]:
    """Sends not yet logged as Activities rows (logged once a write of the sheet succeeds)."""
    return [_as_sent(e, zone) for e in ledger.unlogged()]


def _as_sent(entry: LedgerEntry, zone: dt.tzinfo) -> Sent:
    assert entry.sent_at is not None  # the ledger's sends and refusals are dated (sent or refused at)
    return Sent(
        entry.key, entry.kind, entry.recipients, entry.sent_at.astimezone(zone), entry.subject, entry.refused
    )


@dataclass(frozen=True)
class Failed(Sent):
    """A message the server refused for good and that was not sent since, as the ledger has it."""

    reason: str = ""  # the transport's words, e.g. "The SMTP server refused the message: 552 ..."


def failed_sends(ledger: Ledger, zone: dt.tzinfo) -> list[Sent]:
    """Messages the server refused outright, with the recipients it refused and why."""
    return [Failed(**vars(_as_sent(e, zone)), reason=e.reason) for e in ledger.failures()]


def refusal_notes(book: Book, outcomes: list[Sent], w: Words) -> Notes:
    """What the server refused, on the rows the team can act on.

    A recipient refused at RCPT (5xx) is marked on its contact's row, until a later send to it
    succeeds. A message refused as a whole (after DATA: 552 too large, 554 rejected) is marked on
    the row it was for, until a later message of its kind for that row goes out.
    `outcomes`: what was sent and what was refused (`Failed`), as the ledger has them.
    """
    latest: dict[str, tuple[dt.datetime, str]] = {}
    for s in outcomes:
        if isinstance(s, Failed) and not s.refused:
            continue  # refused after DATA: says nothing about the addresses
        for address in s.recipients:
            reason = s.refused.get(address, "")
            if address not in latest or s.sent_at >= latest[address][0]:
                latest[address] = (s.sent_at, reason)
    notes: Notes = {}
    for contact in book.contacts:
        when, reason = latest.get(contact.email, (None, ""))
        if reason:
            note = w.text("note.address_refused", date=when.date() if when else None, reply=reason)
            notes.setdefault((Tab.CONTACTS, contact.row), []).append(note)
    for where, note in _message_refusals(book, outcomes, w):
        notes.setdefault(where, []).append(note)
    return notes


# "The SMTP server refused the message: 552 ..." (mail/smtp.py): the server's own reply, for the note
_REFUSED = re.compile(r"refused the (?P<what>message|sender): (?P<reply>[45]\d\d\b.*)", re.DOTALL)
_TAB_OF_KIND = {
    MessageKind.FOLLOW_UP: Tab.ACTIVITIES,
    MessageKind.SALES_KIT: Tab.PARTNERS,
    MessageKind.GREETING: Tab.CONTACTS,
    MessageKind.NEWSLETTER: Tab.CONTACTS,
}


def _message_refusals(book: Book, outcomes: list[Sent], w: Words) -> list[tuple[tuple[Tab, int], str]]:
    """(row, note) of each message refused as a whole, on the row its key names (a digest has none)."""
    since: dict[tuple[MessageKind, str], dt.datetime] = {}  # the last send of a kind for a row
    for s in outcomes:
        if not isinstance(s, Failed):
            since[(s.kind, s.target_id)] = max(s.sent_at, since.get((s.kind, s.target_id), s.sent_at))
    rows: dict[Tab, dict[str, int]] = {}  # tab -> ID -> sheet row, made for the tabs that need it
    out = []
    for s in outcomes:
        tab = _TAB_OF_KIND.get(s.kind)
        if not isinstance(s, Failed) or s.refused or tab is None or s.target_id in book.duplicate_ids:
            continue  # every recipient refused is on the contacts; a copied row's ID names no one row
        if tab not in rows:
            of_tab: dict[Tab, Sequence[Activity | Partner | Contact]] = {
                Tab.ACTIVITIES: book.activities,
                Tab.PARTNERS: book.partners,
                Tab.CONTACTS: book.contacts,
            }
            rows[tab] = {r.id: r.row for r in reversed(of_tab[tab])}  # reversed: the first row of an ID wins
        later = since.get((s.kind, s.target_id))
        row = rows[tab].get(s.target_id)
        if row is None or (later is not None and later > s.sent_at):
            continue  # the row is gone, or a later greeting/newsletter/kit for it went out
        note = w.text("note.not_sent", kind=w.text(f"kind.{s.kind.value}"), why=_refusal_text(s, w))
        out.append(((tab, row), note))
    return out


def _refusal_text(failed: Failed, w: Words) -> str:
    found = _REFUSED.search(failed.reason)
    if found is None:  # not a server's reply (e.g. "cannot take this message"): the transport's words
        return failed.reason
    key = "note.message_refused" if found["what"] == "message" else "note.sender_refused"
    return w.text(key, date=failed.sent_at.date(), reply=found["reply"])
