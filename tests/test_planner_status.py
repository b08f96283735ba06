"""Touch status (first match wins), Days late, ranks, sleeping and waking."""

import pytest
from planner_helpers import MANAGER, TODAY, activity, ago, book, config, d, one_partner, partner, state, texts

from sheets_sync.config import RankRule
from sheets_sync.model import DigestSection, Stage, TouchStatus
from sheets_sync.rules.planner import plan

LONG_AGO = ago(200)  # asleep by default (60 days)


@pytest.mark.parametrize(
    "fields, status",
    [
        # churned beats everything, paused beats snoozed, snoozed beats onboarding, ...
        (dict(stage=Stage.CHURNED, snooze_until=TODAY, since=LONG_AGO), TouchStatus.CHURNED),
        (dict(stage=Stage.PAUSED, snooze_until=TODAY, since=LONG_AGO), TouchStatus.PAUSED),
        (dict(stage=Stage.ONBOARDING, snooze_until=TODAY, since=LONG_AGO), TouchStatus.SNOOZED),
        (dict(stage=Stage.ONBOARDING, since=LONG_AGO), TouchStatus.ONBOARDING),
        (dict(since=LONG_AGO), TouchStatus.SLEEPING),  # and overdue too
        (dict(since=ago(20)), TouchStatus.OVERDUE),
        (dict(since=TODAY), TouchStatus.DUE),
        (dict(since=d("2026-11-27")), TouchStatus.SOON),
        (dict(since=d("2026-12-10")), TouchStatus.OK),
    ],
)
def test_status_first_match_wins(fields, status):
    assert state(one_partner(**fields)).status == status


@pytest.mark.parametrize(
    "snooze_until, status, next_touch",
    [
        (d("2026-12-10"), TouchStatus.SNOOZED, d("2026-12-10")),
        (TODAY, TouchStatus.SNOOZED, TODAY),  # the boundary day is still snoozed
        (ago(1), TouchStatus.OVERDUE, ago(20)),  # the snooze is over
    ],
)
def test_snooze(snooze_until, status, next_touch):
    s = state(one_partner(since=ago(20), snooze_until=snooze_until))
    assert (s.status, s.next_touch) == (status, next_touch)
    assert s.days_late == (20 if status == TouchStatus.OVERDUE else None)


def test_snoozed_next_touch_is_the_snooze_date_even_on_a_weekend():
    assert state(one_partner(snooze_until=d("2026-11-28"))).next_touch == d("2026-11-28")


@pytest.mark.parametrize("stage", [Stage.CHURNED, Stage.PAUSED])
def test_churned_and_paused_have_no_next_touch_nor_days_late(stage):
    s = state(one_partner(activity(2, ago(100), "call"), stage=stage))
    assert (s.next_touch, s.days_late, s.last_touch) == (None, None, ago(100))


def test_onboarding_has_next_touch_and_days_late_computed_normally():
    s = state(
        one_partner(activity(2, d("2026-11-02"), "call"), stage=Stage.ONBOARDING, rank="A", trained=TODAY)
    )
    assert (s.status, s.next_touch, s.days_late) == (TouchStatus.ONBOARDING, d("2026-11-09"), 17)


# Rank A: every 7, grace 3. A call on Monday 2026-11-16 gives Next touch Monday 2026-11-23.
@pytest.mark.parametrize(
    "today, status, days_late",
    [
        (d("2026-11-19"), TouchStatus.OK, None),  # 4 days ahead: not soon yet (soon_days 3)
        (d("2026-11-20"), TouchStatus.SOON, None),  # exactly soon_days ahead
        (d("2026-11-22"), TouchStatus.SOON, None),
        (d("2026-11-23"), TouchStatus.DUE, None),  # due on the day: nothing late yet
        (d("2026-11-24"), TouchStatus.DUE, 1),
        (d("2026-11-26"), TouchStatus.DUE, 3),  # the last day of grace
        (d("2026-11-27"), TouchStatus.OVERDUE, 4),
    ],
)
def test_soon_due_overdue_boundaries(today, status, days_late):
    the_book = book([partner(rank="A", trained=TODAY)], activities=[activity(2, d("2026-11-16"), "call")])
    s = state(plan(the_book, config(), today))
    assert (s.next_touch, s.status, s.days_late) == (d("2026-11-23"), status, days_late)


# --- ranks --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rank, note",
    [
        ("", "no Rank: treated as C"),
        ("Z", None),  # an unknown Rank is a problem of the cell, noted when the sheet is read
        ("C", None),
    ],
)
def test_unknown_or_blank_rank_uses_the_default_and_a_blank_one_says_so(rank, note):
    # C: every 30 days; 2026-11-02 + 30 = 2026-12-02
    s = state(one_partner(activity(2, d("2026-11-02"), "call"), rank=rank))
    assert s.next_touch == d("2026-12-02")
    assert s.notes == ((note,) if note else ())


def test_the_default_rank_is_the_configured_one():
    ranks = {"GOLD": RankRule(10, 2), "SILVER": RankRule(20, 5)}
    the_book = book(
        [partner(rank="A"), partner(3, rank="")], activities=[activity(2, d("2026-11-02"), "call")]
    )
    the_plan = plan(the_book, config(ranks=ranks, default_rank="SILVER"), TODAY)
    assert state(the_plan).next_touch == d("2026-11-23")  # every 20 days
    assert state(the_plan, 3).notes == ("no Rank: treated as SILVER",)


def test_no_rank_note_for_churned_partners():
    assert state(one_partner(rank="", stage=Stage.CHURNED)).notes == ()


# --- sleeping -------------------------------------------------------------------------------------


@pytest.mark.parametrize("days, sleeping", [(59, False), (60, True), (61, True)])
def test_sleeping_boundary_on_last_response(days, sleeping):
    s = state(one_partner(activity(2, ago(days), "call"), rank="C"))
    assert (s.status == TouchStatus.SLEEPING) is sleeping
    assert s.next_touch == (None if sleeping else ago(days - 30))  # rank C: every 30 days


def test_sleeping_counts_from_since_without_any_response():
    # Outbound emails are touches, not responses: the partner has not answered since 2026-09-01.
    s = state(one_partner(activity(2, ago(3), "email"), since=ago(60)))
    assert (s.status, s.next_touch, s.days_late, s.last_touch) == (TouchStatus.SLEEPING, None, None, ago(3))


def test_sleeping_counts_from_the_first_activity_without_response_or_since():
    p = one_partner(
        activity(2, ago(5), "email"), activity(3, ago(70), "email"), activity(4, ago(90), "newsletter")
    )
    assert state(p).status == TouchStatus.SLEEPING


def test_logged_rows_and_future_rows_are_not_a_first_activity():
    p = one_partner(activity(2, ago(90), "newsletter"), activity(3, d("2027-01-01"), "meeting"))
    assert state(p).status == TouchStatus.DUE  # no touch ever, no Since: due today


def test_nothing_at_all_is_not_sleeping():
    assert state(one_partner()).status == TouchStatus.DUE


def test_a_response_wakes_a_sleeping_partner_at_once():
    asleep = (activity(2, ago(100), "call"), activity(3, ago(1), "email"))
    assert state(one_partner(*asleep, previous_status="sleeping")).status == TouchStatus.SLEEPING
    p = one_partner(*asleep, activity(4, ago(1), "email", direction="in"), previous_status="sleeping")
    assert (state(p).status, state(p).next_touch) == (TouchStatus.OK, d("2026-12-09"))  # rank B: + 14
    assert texts(p, DigestSection.SLEEP) == ["woke up"]


@pytest.mark.parametrize("previous", ["ok", "soon", "due", "overdue", "onboarding", "Overdue "])
def test_falling_asleep_is_reported_once(previous):
    p = one_partner(activity(2, d("2026-08-01"), "call"), previous_status=previous)
    assert texts(p, DigestSection.SLEEP, MANAGER) == ["fell asleep (no response since 2026-08-01)"]


@pytest.mark.parametrize("previous", ["sleeping", "", "snoozed", "paused"])
def test_no_sleep_news_when_already_asleep_or_unknown_before(previous):
    p = one_partner(activity(2, d("2026-08-01"), "call"), previous_status=previous)
    assert state(p).status == TouchStatus.SLEEPING
    assert texts(p, DigestSection.SLEEP) == []


def test_sleeping_partners_get_no_touch_reminders():
    p = one_partner(activity(2, ago(100), "call"))
    assert texts(p, DigestSection.OVERDUE) == texts(p, DigestSection.DUE) == []


# The long-running worker rewrites Touch status every cycle, usually long before the digest hour
# (a partner falls asleep at midnight; a response is logged after the morning's digest went out).
# The digest must still say so: the dates tell, not only the cell.


def test_falling_asleep_is_reported_even_when_the_cell_already_says_sleeping():
    # The last response was 60 days ago: asleep since today, and the midnight cycle wrote "sleeping".
    p = one_partner(activity(2, ago(60), "call"), previous_status="sleeping")
    assert state(p).status == TouchStatus.SLEEPING
    assert texts(p, DigestSection.SLEEP, MANAGER) == ["fell asleep (no response since 2026-09-27)"]


def test_falling_asleep_over_the_weekend_is_reported_on_monday():
    monday = d("2026-11-30")
    asleep_on_sunday = activity(2, d("2026-09-30"), "call")
    p = one_partner(asleep_on_sunday, today=monday, previous_status="sleeping")
    assert texts(p, DigestSection.SLEEP, MANAGER) == ["fell asleep (no response since 2026-09-30)"]
    q = one_partner(activity(2, ago(61), "call"), previous_status="sleeping")  # asleep since Wednesday
    assert texts(q, DigestSection.SLEEP) == []


def test_waking_up_is_reported_even_when_the_cell_already_says_awake():
    # A response logged yesterday after the digest went out: the cell says "ok" since then.
    p = one_partner(activity(2, ago(100), "call"), activity(3, ago(1), "call"), previous_status="ok")
    assert state(p).status == TouchStatus.OK
    assert texts(p, DigestSection.SLEEP, MANAGER) == ["woke up"]


def test_a_recent_response_of_an_awake_partner_is_no_waking_up():
    p = one_partner(activity(2, ago(30), "call"), activity(3, ago(1), "call"), previous_status="ok")
    assert texts(p, DigestSection.SLEEP) == []
    old = one_partner(activity(2, ago(100), "call"), activity(3, ago(5), "call"), previous_status="ok")
    assert texts(old, DigestSection.SLEEP) == []  # woke up days ago: told then
