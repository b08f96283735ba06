"""The pure core: `plan(book, config, today)` decides every status, reminder and message.

No I/O, no clock, no randomness: the same book, config and date always give the same plan.
The rules live in small modules by theme (cadence, follow-ups, newsletters, greetings,
onboarding, goals); this one runs them partner by partner and assembles the digests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from sheets_sync.config import Config
from sheets_sync.i18n import words
from sheets_sync.model import (
    Book,
    Digest,
    DigestItem,
    DigestSection,
    MessageKind,
    Partner,
    PartnerState,
    Plan,
    Received,
    TouchStatus,
)
from sheets_sync.rules.cadence import assess, next_action, plan_touch_items
from sheets_sync.rules.context import Context, Draft
from sheets_sync.rules.followups import plan_booked_today, plan_followups, plan_next_steps
from sheets_sync.rules.goals import goal_progress, period_of
from sheets_sync.rules.greetings import plan_greetings
from sheets_sync.rules.inbox_digest import plan_inbox_items
from sheets_sync.rules.newsletters import plan_newsletter
from sheets_sync.rules.onboarding import plan_duties, plan_onboarding
from sheets_sync.sheet.records import Sent, remember

_SECTION_ORDER = {section: i for i, section in enumerate(DigestSection)}
_KIND_ORDER = {kind: i for i, kind in enumerate(MessageKind)}
_SILENT = (TouchStatus.CHURNED, TouchStatus.PAUSED)  # paused partners get follow-ups, nothing else


def plan(
    book: Book,
    config: Config,
    today: dt.date,
    *,
    deferred: Mapping[str, dt.date] | None = None,
    inbox: Sequence[Received] = (),
) -> Plan:
    """Everything the team's practice calls for on `today` (the team's local date).

    `deferred`: greeting keys the mail caps (or the server) put off -> the local date they were
    first put off, as the send ledger has them; such a greeting may still go out after its day.
    `inbox`: what the team inbox brought (the ledger's record, in the team's time zone); what came
    since the last digest is listed in the next.
    """
    ctx = Context(book, config, today, deferred, inbox)
    draft = Draft(config.digest.fallback, config.language)
    states = [_plan_partner(partner, ctx, draft) for partner in sorted(book.partners, key=lambda p: p.row)]
    return _assemble(today, book, states, draft)


def fold_sends(
    previous: Plan,
    book: Book,
    sent: Sequence[Sent],
    config: Config,
    *,
    deferred: Mapping[str, dt.date] | None = None,
    inbox: Sequence[Received] = (),
) -> tuple[Book, Plan]:
    """The Book and the plan as they are once `sent` went out: `previous` was planned from `book`.

    The cells that record a send remember these (`remember`), and only the partners they were for
    are planned again: a follow-up no longer to send, a kit sent, a newsletter's date. Every other
    partner's part of `previous` stays. The result is exactly `plan(remember(book, sent), ...)`
    (tests/test_planner_fold.py), at the cost of the partners the sends touched.
    """
    if not sent:
        return book, previous
    book = remember(book, sent, words(config.language, previous.today))
    row_of = {m.key: m.partner_row for m in previous.messages}
    rows = {row_of.get(s.key) for s in sent if s.kind is not MessageKind.DIGEST}
    if None in rows:  # a send the plan did not make (or of no partner): plan the whole book again
        return book, plan(book, config, previous.today, deferred=deferred, inbox=inbox)
    ctx = Context(book, config, previous.today, deferred, inbox)
    draft = Draft(config.digest.fallback, config.language)
    states = {state.row: state for state in previous.partners}
    for partner in sorted(book.partners, key=lambda p: p.row):
        if partner.row in rows:
            states[partner.row] = _plan_partner(partner, ctx, draft)
    # What the partners planned again replace of `previous`: their tasks, messages, digest lines
    # and the notes on their contacts and activities.
    contact_rows = {c.row for c in book.contacts if c.partner_row in rows}
    activity_rows = {a.row for a in book.activities if a.partner_row in rows}
    draft.followups += [t for t in previous.followups if t.partner_row not in rows]
    draft.messages += [m for m in previous.messages if m.partner_row not in rows]
    for digest in (*previous.digests, *previous.quiet):
        kept = [item for item in digest.items if item.partner_row not in rows]
        draft.digest_items.setdefault(digest.manager, []).extend(kept)
    for row, notes in previous.contact_notes.items():
        if row not in contact_rows:
            draft.contact_notes[row] = list(notes)
    for row, notes in previous.activity_notes.items():
        if row not in activity_rows:
            draft.activity_notes[row] = list(notes)
    return book, _assemble(previous.today, book, [states[row] for row in sorted(states)], draft)


def _assemble(today: dt.date, book: Book, states: list[PartnerState], draft: Draft) -> Plan:
    digests, quiet = _digests(draft)
    return Plan(
        today=today,
        partners=tuple(states),
        followups=tuple(sorted(draft.followups, key=lambda t: t.activity_row)),
        messages=tuple(
            sorted(
                (m for m in draft.messages if m.target_id not in book.duplicate_ids),
                key=lambda m: (_KIND_ORDER[m.kind], m.key),
            )
        ),
        digests=digests,
        contact_notes={row: tuple(notes) for row, notes in sorted(draft.contact_notes.items())},
        activity_notes={row: tuple(notes) for row, notes in sorted(draft.activity_notes.items())},
        quiet=quiet,
    )


def _plan_partner(partner: Partner, ctx: Context, draft: Draft) -> PartnerState:
    today = ctx.today
    view = assess(partner, ctx, draft)
    tasks = plan_followups(view, ctx, draft)
    draft.followups.extend(tasks)
    outlook, kit_missing, training_due = None, False, False
    if view.status not in _SILENT:
        plan_touch_items(view, ctx, draft)
        plan_next_steps(view, ctx, draft)
        plan_booked_today(view, ctx, draft)
        kit_missing, training_due = plan_onboarding(view, ctx, draft)
        plan_duties(view, ctx, draft)
        plan_greetings(view, ctx, draft)
        outlook = plan_newsletter(view, ctx, draft)
    if view.status is not TouchStatus.CHURNED:
        plan_inbox_items(view, ctx, draft)
    currency = ctx.config.goals.currency
    progress, reads = goal_progress(partner, view.facts.deals, today, ctx.words, currency)
    goal_line = ": ".join(part for part in (partner.goal.strip(), reads) if part)
    # A goal whose period is over stays in its Goal progress cell, not in every digest after it.
    if goal_line and view.status not in _SILENT and period_of(partner, today)[1] >= today:
        draft.item(view, DigestSection.GOALS, goal_line)
    action = next_action(
        view,
        tasks,
        {a.row: a for a in view.facts.meetings} if tasks else {},
        newsletter_due=outlook.due if outlook else None,
        newsletter_has_news=bool(outlook and outlook.news),
        kit_missing=kit_missing,
        training_due=training_due,
        ctx=ctx,
    )
    notes = draft.partner_notes.get(partner.row)
    return PartnerState(
        row=partner.row,
        last_touch=view.facts.last_touch,
        last_response=view.facts.last_response,
        next_touch=view.next_touch,
        status=view.status,
        days_late=view.days_late,
        next_action=action,
        goal_progress=progress,
        notes=tuple(notes) if notes else (),
    )


def _item_order(item: DigestItem) -> tuple[int, str, int, dt.date, str]:
    return (
        _SECTION_ORDER[item.section],
        item.partner.casefold(),
        item.partner_row or 0,
        item.when or dt.date.min,
        item.text,
    )


def _digests(draft: Draft) -> tuple[tuple[Digest, ...], tuple[Digest, ...]]:
    """One digest per recipient (lower-cased email), only when it holds something to do; and the
    quiet ones, of goal progress only (information rides along in a digest but never causes one)."""
    digests: list[Digest] = []
    quiet: list[Digest] = []
    for manager in sorted(draft.digest_items):
        items = sorted(draft.digest_items[manager], key=_item_order)
        if not items:
            continue
        to_do = any(item.section != DigestSection.GOALS for item in items)
        (digests if to_do else quiet).append(Digest(manager, tuple(items)))
    return tuple(digests), tuple(quiet)


def with_sheet_notice(plan: Plan, where: str, text: str) -> Plan:
    """Every digest of `plan`, led by one item saying the sheet `where` cannot be written (`text`).

    It rides along in the digests there are; it makes none of its own (`health` tells the operator).
    """
    notice = DigestItem(DigestSection.SHEET, None, where, "", text)
    digests = tuple(Digest(d.manager, (notice, *d.items)) for d in plan.digests)
    return dataclasses.replace(plan, digests=digests)
