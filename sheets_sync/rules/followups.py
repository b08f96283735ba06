"""Meeting discipline: follow-up emails, meetings without next steps, next steps due, and the
touches booked for today.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from sheets_sync.i18n import Words, is_open_follow_up
from sheets_sync.model import (
    DRAFT,
    Activity,
    Contact,
    DigestSection,
    FollowUpState,
    FollowUpTask,
    MessageIntent,
    MessageKey,
    MessageKind,
    TouchStatus,
    first_name_in,
)
from sheets_sync.rules.context import (
    Context,
    Draft,
    PartnerView,
    champion_line,
    champions,
    contact_line,
    cut,
    email_in,
    has_email,
    manager_of,
    unique,
)

_SEPARATORS = re.compile(r"[,;\n]+")


def plan_followups(view: PartnerView, ctx: Context, draft: Draft) -> list[FollowUpTask]:
    """Every meeting, call or visit in the look-back window whose Follow-up cell is still open."""
    if view.status == TouchStatus.CHURNED:
        return []
    config, today = ctx.config, ctx.today
    allowance = dt.timedelta(days=math.ceil(config.followup.within_hours / 24))
    tasks = []
    for a in sorted(view.facts.meetings, key=lambda a: a.row):
        if not is_open_follow_up(a.follow_up):
            if a.draft_sent == today:  # done by the worker: the manager has the draft to forward
                _list_draft(view, a, ctx, draft)
            continue  # done: the cell says what happened
        assert a.date is not None  # the facts' meetings are dated rows
        late = today > a.date + allowance
        if not a.agreements.strip() and not a.next_steps.strip():
            tasks.append(FollowUpTask(a.row, view.row, FollowUpState.MISSING_NEXT_STEPS, late))
            text = ctx.words.text("followup.add_next_steps", meeting=meeting_name(a, ctx.words))
            contact = meeting_contact(a, view)
            draft.item(view, DigestSection.MISSING_NEXT_STEPS, text, a.date, contact=contact, activity=a)
            continue
        mode = config.followup.mode
        state = FollowUpState.REMIND if mode == "remind" else FollowUpState.SEND
        tasks.append(FollowUpTask(a.row, view.row, state, late))
        if mode == "draft":
            text = _draft(view, a, ctx, draft)
        elif mode == "send":
            text = _send(view, a, ctx, draft)
        else:
            text = ctx.words.text("followup.send", meeting=meeting_name(a, ctx.words))
        if late:
            text = ctx.words.text("followup.late", text=text)
        draft.item(view, DigestSection.FOLLOW_UPS, text, a.date, contact=meeting_contact(a, view), activity=a)
    return tasks


def addressees(cell: str, contacts: list[Contact]) -> tuple[list[Contact], list[str], list[str]]:
    """The Contact cell read against the partner's contacts by email or name (any case).

    Returns the matched contacts, the email addresses not in Contacts, and every name as shown.
    """
    matched: list[Contact] = []
    loose: list[str] = []
    names: list[str] = []
    for part in _SEPARATORS.split(cell):
        part = part.strip()
        if not part:
            continue
        key, address = part.lower(), email_in(part).lower()
        found = None
        for c in contacts:
            email, name = c.email.strip().lower(), c.name.strip().lower()
            if (email and email in (key, address)) or (name and name == key):
                found = c
                break
        if found is not None:
            if found not in matched:
                matched.append(found)
                names.append(found.name or found.email)
        elif address:
            loose.append(email_in(part))
            names.append(part)
        else:
            names.append(part)
    return matched, loose, names


def first_names(names: list[str], contacts: list[Contact]) -> tuple[str, ...]:
    """Whom the salutation greets: a named contact's First name (else the first word of its Name,
    see Contact.salutation); a name typed in the Contact cell only, its first word."""
    known = {" ".join(c.name.split()).casefold(): c.salutation for c in reversed(contacts) if c.name.strip()}
    found = (known.get(" ".join(n.split()).casefold(), first_name_in(n)) for n in names)
    return tuple(n for n in found if n)


def _intent(
    view: PartnerView,
    a: Activity,
    ctx: Context,
    people: list[Contact],
    names: list[str],
    addresses: tuple[str, ...],
    key: str,
    *,
    to: tuple[str, ...],
    cc: tuple[str, ...] = (),
    reply_to: str = "",
) -> MessageIntent:
    assert a.date is not None  # a meeting in the look-back window
    language = next((c.language for c in people if c.language), "") or ctx.config.language
    context = {
        "partner": view.partner.name,
        "type": a.type,
        "date": a.date,
        "summary": a.summary,
        "agreements": a.agreements,
        "next_steps": a.next_steps,
        "owner": a.owner,
        "due": a.due,
        "contacts": tuple(names),
        "first_names": first_names(names, [*people, *view.contacts]),
        "addresses": tuple(addresses),  # the partner's side, for the draft note: whom to forward it to
        "manager": view.manager,
        "mode": ctx.config.followup.mode,
    }
    return MessageIntent(
        kind=MessageKind.FOLLOW_UP,
        key=key,
        language=language,
        partner_row=view.row,
        contact_row=people[0].row if len(people) == 1 else None,
        activity_row=a.row,
        occasion=a.date.isoformat(),
        context=context,
        to=to,
        cc=cc,
        reply_to=reply_to,
    )


def _partner_side(
    a: Activity, view: PartnerView, *, reachable: bool
) -> tuple[list[Contact], list[str], tuple[str, ...]]:
    """Whom a follow-up is for: the activity's Contact, else the partner's champions, as (the
    contacts with an email, the names to greet, the addresses). Both modes use it: the draft names
    whom to forward it to. `reachable`: the people named must have an address (to send to them);
    a draft may greet a person the manager knows how to reach."""
    matched, loose, names = addressees(a.contact, view.contacts)
    people = [c for c in matched if has_email(c)]
    to = unique([c.email for c in people] + loose)
    if not to and (reachable or not names):
        people = champions(view.contacts)
        names = [c.name or c.email for c in people]
        to = unique([c.email for c in people])
    return people, names, to


def _draft(view: PartnerView, a: Activity, ctx: Context, draft: Draft) -> str:
    """followup.mode draft: the ready-to-forward follow-up goes to the manager."""
    w = ctx.words
    meeting = meeting_name(a, w)
    manager = manager_of(view, ctx.config)
    if not manager:
        draft.note_partner(view.row, w.text("note.no_manager_draft"))
        return w.text("followup.send", meeting=meeting)
    people, names, addresses = _partner_side(a, view, reachable=False)
    # The key marks it a draft: it went to the team, not the partner (see records.Sent.is_draft).
    key = str(MessageKey(MessageKind.FOLLOW_UP, a.id, (DRAFT,)))
    draft.messages.append(
        _intent(view, a, ctx, people, names, addresses, key, to=(manager,), reply_to=manager)
    )
    return w.text("followup.forward", meeting=meeting)


def _list_draft(view: PartnerView, a: Activity, ctx: Context, draft: Draft) -> None:
    """A follow-up draft mailed to the manager today: in their digest, with whom to forward it to."""
    w = ctx.words
    _, names, addresses = _partner_side(a, view, reachable=False)
    text = w.text("followup.in_inbox", meeting=meeting_name(a, w))
    if addresses or names:
        text = w.text("followup.forward_to", text=text, to=", ".join(addresses or names))
    draft.item(view, DigestSection.DRAFTS, text, a.date, contact=meeting_contact(a, view), activity=a)


def _send(view: PartnerView, a: Activity, ctx: Context, draft: Draft) -> str:
    """followup.mode send: to the activity's contact, else the champions; the manager in Cc."""
    w = ctx.words
    meeting = meeting_name(a, w)
    people, names, to = _partner_side(a, view, reachable=True)
    if not to:
        draft.note_activity(a.row, w.text("note.followup_no_email"))
        return w.text("followup.no_email", meeting=meeting)
    manager = view.manager
    reply_to = manager_of(view, ctx.config)
    cc = (manager,) if manager else ()
    draft.messages.append(
        _intent(
            view,
            a,
            ctx,
            people,
            names,
            to,
            str(MessageKey(MessageKind.FOLLOW_UP, a.id)),
            to=to,
            cc=cc,
            reply_to=reply_to,
        )
    )
    return w.text("followup.goes_to", meeting=meeting, to=", ".join(to))


def meeting_contact(a: Activity, view: PartnerView) -> str:
    """Whom an activity's task is with: its Contact (as in Contacts, with the email), else the
    partner's champion."""
    matched, loose, names = addressees(a.contact, view.contacts)
    if matched:
        return contact_line(matched[0])
    return (loose or names or [champion_line(view.contacts)])[0]


def meeting_name(a: Activity, w: Words) -> str:
    """ "the 2026-11-20 meeting" ("встреча 20 ноября")."""
    return w.text("meeting", date=a.date, type=w.type_name(a.type))


def plan_next_steps(view: PartnerView, ctx: Context, draft: Draft) -> None:
    """Open next steps due today or earlier: to their owner (an email) else the manager."""
    today, w = ctx.today, ctx.words
    for a in sorted(view.facts.open_steps, key=lambda a: (a.due, a.row)):
        assert a.due is not None  # an open step is a row with a Due
        if a.due > today:
            break
        owner = email_in(a.owner)
        late = (today - a.due).days
        when = w.text("due_today") if late == 0 else w.text("overdue_by", days=w.days(late))
        if a.owner.strip() and not owner:
            when = w.text("step.owner", when=when, owner=a.owner.strip())
        what = cut(a.next_steps or a.summary)
        if not what:
            what = (
                w.text("step.from", date=a.date, type=w.type_name(a.type)) if a.date else w.text("step.any")
            )
        text = w.text("step.line", what=what, when=when)
        contact = meeting_contact(a, view)
        draft.item(view, DigestSection.NEXT_STEPS, text, a.due, to=owner, contact=contact, activity=a)


def plan_booked_today(view: PartnerView, ctx: Context, draft: Draft) -> None:
    """Touches dated today (booked meetings and calls): in their owner's, else the manager's digest."""
    w = ctx.words
    for a in sorted(view.facts.booked_today, key=lambda a: a.row):
        if a.draft_sent is not None:
            continue  # it has happened: its follow-up draft is in the manager's inbox, listed as such
        summary = cut(a.summary)
        text = w.text("booked_today", type=w.type_name(a.type))
        if summary:
            text = w.text("with_summary", text=text, summary=summary)
        contact = meeting_contact(a, view)
        draft.item(
            view, DigestSection.PLANNED, text, a.date, to=email_in(a.owner), contact=contact, activity=a
        )
