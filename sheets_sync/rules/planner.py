"""The pure core: `plan(book, config, today)` decides every status, reminder and message.

No I/O, no clock, no randomness: the same book, config and date always give the same plan.
The rules live in small modules by theme (cadence, follow-ups, newsletters, greetings,
onboarding, goals); this one runs them partner by partner and assembles the digests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from sheets_sync.config import Config
from sheets_sync.model import (
    Book,
    Digest,
    DigestItem,
    DigestSection,
    MessageKind,
    Partner,
    PartnerState,
    Plan,
    TouchStatus,
)
from sheets_sync.rules.cadence import assess, next_action, plan_touch_items
from sheets_sync.rules.context import Context, Draft
from sheets_sync.rules.followups import plan_booked_today, plan_followups, plan_next_steps
from sheets_sync.rules.goals import goal_progress, period_of
from sheets_sync.rules.greetings import plan_greetings
from sheets_sync.rules.newsletters import plan_newsletter
from sheets_sync.rules.onboarding import plan_duties, plan_onboarding

_SECTION_ORDER = {section: i for i, section in enumerate(DigestSection)}
_KIND_ORDER = {kind: i for i, kind in enumerate(MessageKind)}
_SILENT = (TouchStatus.CHURNED, TouchStatus.PAUSED)  # paused partners get follow-ups, nothing else


def plan(book: Book, config: Config, today: dt.date, *,
         deferred: Mapping[str, dt.date] | None = None) -> Plan:  # fmt: skip
    """Everything the team's practice calls for on `today` (the team's local date).

    `deferred`: greeting keys the mail caps (or the server) put off -> the local date they were
    first put off, as the send ledger has them; such a greeting may still go out after its day.
    """
    ctx = Context(book, config, today, deferred)
    draft = Draft(config.digest.fallback)
    states = [_plan_partner(partner, ctx, draft) for partner in sorted(book.partners, key=lambda p: p.row)]
    return Plan(
        today=today,
        partners=tuple(states),
        followups=tuple(sorted(draft.followups, key=lambda t: t.activity_row)),
        messages=tuple(sorted((m for m in draft.messages if m.target_id not in book.duplicate_ids),
                              key=lambda m: (_KIND_ORDER[m.kind], m.key))),
        digests=_digests(draft),
        contact_notes={row: tuple(notes) for row, notes in sorted(draft.contact_notes.items())},
        activity_notes={row: tuple(notes) for row, notes in sorted(draft.activity_notes.items())},
    )


def _plan_partner(partner: Partner, ctx: Context, draft: Draft) -> PartnerState:
    today = ctx.today
    view = assess(partner, ctx, draft)
    tasks = plan_followups(view, ctx, draft)
    draft.followups.extend(tasks)
    outlook, kit_missing, training_due = None, False, False
    if view.status not in _SILENT:
        plan_touch_items(view, draft)
        plan_next_steps(view, ctx, draft)
        plan_booked_today(view, ctx, draft)
        kit_missing, training_due = plan_onboarding(view, ctx, draft)
        plan_duties(view, draft)
        plan_greetings(view, ctx, draft)
        outlook = plan_newsletter(view, ctx, draft)
    progress = goal_progress(partner, view.facts.deals, today)
    goal_line = ": ".join(part for part in (partner.goal.strip(), progress) if part)
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
        today=today,
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


def _digests(draft: Draft) -> tuple[Digest, ...]:
    """One digest per recipient (lower-cased email), only when it holds something to do.

    Goal progress is information only: it rides along in a digest but never causes one.
    """
    digests = []
    for manager in sorted(draft.digest_items):
        items = sorted(draft.digest_items[manager], key=_item_order)
        if any(item.section != DigestSection.GOALS for item in items):
            digests.append(Digest(manager, tuple(items)))
    return tuple(digests)


def with_sheet_notice(plan: Plan, where: str, text: str) -> Plan:
    """Every digest of `plan`, led by one item saying the sheet `where` cannot be written (`text`).

    It rides along in the digests there are; it makes none of its own (`health` tells the operator).
    """
    notice = DigestItem(DigestSection.SHEET, None, where, "", text)
    digests = tuple(Digest(d.manager, (notice, *d.items)) for d in plan.digests)
    return dataclasses.replace(plan, digests=digests)
