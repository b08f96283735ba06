"""The touch rhythm: Next touch, Touch status, Days late, Next action, and the digest lines
about touches due, overdue, falling asleep or waking up.
"""

from __future__ import annotations

import datetime as dt

from sheets_sync.i18n import Words, read_term
from sheets_sync.model import (
    Activity,
    DigestSection,
    FollowUpState,
    FollowUpTask,
    Partner,
    Stage,
    TouchStatus,
)
from sheets_sync.rules.context import (
    Context,
    Draft,
    PartnerFacts,
    PartnerView,
    champion_line,
    cut,
    effective_rank,
    email_in,
    gather_facts,
)

_AWAKE = frozenset(
    {TouchStatus.OK, TouchStatus.SOON, TouchStatus.DUE, TouchStatus.OVERDUE, TouchStatus.ONBOARDING}
)
_LATE_STATUSES = frozenset({TouchStatus.ONBOARDING, TouchStatus.OVERDUE, TouchStatus.DUE})


def assess(partner: Partner, ctx: Context, draft: Draft) -> PartnerView:
    """Facts, rank and touch status of one partner (first matching status wins)."""
    config, today = ctx.config, ctx.today
    facts = gather_facts(ctx.activities_by_partner.get(partner.row, []), today, ctx.window_start, config)
    rank, rank_note = effective_rank(partner, config)
    rule = config.ranks[rank]

    cadence_touch, pulled_by_step = _cadence_touch(partner, facts, rule.every, ctx)
    late = (today - cadence_touch).days
    if late > rule.grace:
        cadence = TouchStatus.OVERDUE
    elif late >= 0:
        cadence = TouchStatus.DUE
    elif -late <= config.soon_days:
        cadence = TouchStatus.SOON
    else:
        cadence = TouchStatus.OK

    sleep_since = facts.last_response or partner.since or facts.first_activity
    next_touch: dt.date | None = cadence_touch
    if partner.stage == Stage.CHURNED:
        status, next_touch = TouchStatus.CHURNED, None
    elif partner.stage == Stage.PAUSED:
        status, next_touch = TouchStatus.PAUSED, None
    elif partner.snooze_until is not None and partner.snooze_until >= today:
        status, next_touch = TouchStatus.SNOOZED, partner.snooze_until
    elif partner.stage == Stage.ONBOARDING:
        status = TouchStatus.ONBOARDING
    elif sleep_since is not None and (today - sleep_since).days >= config.sleeping_after_days:
        status, next_touch = TouchStatus.SLEEPING, None
    else:
        status = cadence
    days_late = late if late > 0 and status in _LATE_STATUSES else None

    if rank_note and status not in (TouchStatus.CHURNED, TouchStatus.PAUSED):
        draft.note_partner(partner.row, rank_note)
    fell_asleep, woke_up = _sleep_changes(partner, facts, status, sleep_since, ctx)
    return PartnerView(
        partner=partner,
        rank=rank,
        rule=rule,
        facts=facts,
        contacts=ctx.contacts_by_partner.get(partner.row, []),
        status=status,
        next_touch=next_touch,
        days_late=days_late,
        cadence=cadence,
        sleep_since=sleep_since,
        pulled_by_step=pulled_by_step,
        fell_asleep=fell_asleep,
        woke_up=woke_up,
    )


def _sleep_changes(
    partner: Partner, facts: PartnerFacts, status: TouchStatus, sleep_since: dt.date | None, ctx: Context
) -> tuple[bool, bool]:
    """(fell asleep, woke up) since the last digest day, from the dates alone.

    Touch status is rewritten every cycle, mostly before the digest hour (a partner falls asleep at
    midnight) or after it (a response logged in the afternoon), so the cell alone would hide both.
    A response dated on the last digest day itself counts too: it may have been logged after that digest.
    """
    after = ctx.config.sleeping_after_days
    since_digest = ctx.last_digest_day
    fell_asleep = (
        status == TouchStatus.SLEEPING
        and sleep_since is not None
        and sleep_since + dt.timedelta(days=after) > since_digest
    )
    woke_up = False
    response = facts.last_response
    if status in _AWAKE and response is not None and response >= since_digest:
        before = facts.prior_response or partner.since or facts.first_activity
        woke_up = before is not None and before < response and (response - before).days >= after
    return fell_asleep, woke_up


def _cadence_touch(partner: Partner, facts: PartnerFacts, every: int, ctx: Context) -> tuple[dt.date, bool]:
    """Next touch on the rank's rhythm, pulled earlier by an open next step; and whether it was."""
    if facts.last_touch is not None:
        base = facts.last_touch + dt.timedelta(days=every)
    else:
        base = partner.since or ctx.today
    step = facts.earliest_step
    if step is not None and step.due is not None and step.due < base:  # an open step always has a Due
        return ctx.calendar.next_working_day(step.due), True
    return ctx.calendar.next_working_day(base), False


def touch_text(view: PartnerView, w: Words) -> str:
    """E.g. "Call (rank A, every 7 days) - 3 days late", or "Next step due 2026-11-20: ... - due today"."""
    late_days = view.days_late
    tail = w.text("late", days=w.days(late_days)) if late_days else w.text("due_today")
    step = view.facts.earliest_step
    if view.pulled_by_step and step is not None and step.due is not None:
        return w.text("action.tail", action=step_due_text(step, w), tail=tail)
    return w.text("action.call", rank=view.rank, every=w.days(view.rule.every), tail=tail)


def step_due_text(step: Activity, w: Words) -> str:
    """ "Next step due 2026-11-20: send the price list" (the step's words cut to one short line)."""
    assert step.due is not None  # an open step always has a Due
    what = cut(step.next_steps or step.summary)
    if what:
        return w.text("action.step_due_what", date=step.due, what=what)
    return w.text("action.step_due", date=step.due)


def _step_line_says_it(view: PartnerView) -> bool:
    """Whether the touch is due only because of a next step whose own line (Next steps due) goes
    to the same digest: one task, one line."""
    step = view.facts.earliest_step
    if not view.pulled_by_step or step is None:
        return False
    owner = email_in(step.owner)
    return not owner or owner.lower() == view.manager.strip().lower()


def is_touch_due(view: PartnerView) -> bool:
    """Touch reminders apply: overdue or due, also for onboarding partners with the same rhythm."""
    return view.status in (TouchStatus.OVERDUE, TouchStatus.DUE) or (
        view.status == TouchStatus.ONBOARDING and view.cadence in (TouchStatus.OVERDUE, TouchStatus.DUE)
    )


def plan_touch_items(view: PartnerView, ctx: Context, draft: Draft) -> None:
    """Digest lines for touches due or overdue, and for partners that fell asleep or woke up."""
    w = ctx.words
    if is_touch_due(view) and not _step_line_says_it(view):
        section = DigestSection.OVERDUE if view.cadence == TouchStatus.OVERDUE else DigestSection.DUE
        text = touch_text(view, w)
        planned = view.facts.planned
        if planned is not None:
            assert planned.date is not None  # a planned touch is a dated row
            text += w.text("booked_note", type=w.type_name(planned.type), date=planned.date)
        draft.item(view, section, text, view.next_touch, contact=champion_line(view.contacts))
    previous = read_term("status", view.partner.previous_status)  # as the sheet shows it, any language
    if view.woke_up or (previous == TouchStatus.SLEEPING and view.status in _AWAKE):
        contact = champion_line(view.contacts)
        draft.item(view, DigestSection.SLEEP, w.text("woke_up"), view.facts.last_response, contact=contact)
    elif view.fell_asleep or (previous in _AWAKE and view.status == TouchStatus.SLEEPING):
        since = view.sleep_since
        text = w.text("fell_asleep", date=since) if since else w.text("fell_asleep_never")
        draft.item(view, DigestSection.SLEEP, text, since, contact=champion_line(view.contacts))


def _earliest(
    tasks: list[FollowUpTask], states: set[FollowUpState], rows: dict[int, Activity]
) -> Activity | None:
    found = [rows[t.activity_row] for t in tasks if t.state in states]
    return min(found, key=lambda a: (a.date, a.row)) if found else None


def next_action(
    view: PartnerView,
    tasks: list[FollowUpTask],
    meetings: dict[int, Activity],
    *,
    newsletter_due: dt.date | None,
    newsletter_has_news: bool,
    kit_missing: bool,
    training_due: bool,
    ctx: Context,
) -> str:
    """One short line a person can act on; the first that applies wins."""
    status, partner, today, w = view.status, view.partner, ctx.today, ctx.words
    if status == TouchStatus.CHURNED:
        return w.text("action.churned")
    # In remind mode the manager sends it by hand: until the digest has reminded them, say so here too.
    send = _earliest(tasks, {FollowUpState.SEND, FollowUpState.REMIND}, meetings)
    if send is not None:
        return w.text("action.send_followup", date=send.date, type=w.type_name(send.type))
    missing = _earliest(tasks, {FollowUpState.MISSING_NEXT_STEPS}, meetings)
    if missing is not None:
        return w.text("action.add_next_steps", date=missing.date, type=w.type_name(missing.type))
    if status == TouchStatus.PAUSED:
        return w.text("action.paused")
    if status == TouchStatus.SNOOZED:
        return w.text("action.snoozed", date=partner.snooze_until)
    if kit_missing:
        return w.text("action.send_kit")
    if training_due:
        return w.text("action.book_training", date=partner.sales_kit_sent)
    if status == TouchStatus.SLEEPING:
        if newsletter_due is not None and newsletter_due <= today:
            if newsletter_has_news:
                return w.text("action.newsletter_due", date=today)
            return w.text("action.newsletter_waits")
        if newsletter_due is not None:
            return w.text("action.newsletter_due", date=newsletter_due)
    planned = view.facts.planned
    if planned is not None:
        return w.text("action.booked", type=w.type_name(planned.type), date=planned.date)
    if is_touch_due(view):
        return touch_text(view, w)
    step = view.facts.earliest_step
    if step is not None and step.due is not None and step.due <= today:  # an open step always has a Due
        return step_due_text(step, w)
    if view.next_touch is not None:
        return w.text("action.next_touch", date=view.next_touch)
    return ""
