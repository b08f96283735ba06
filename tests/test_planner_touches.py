"""Last touch, Last response and Next touch."""

import pytest
from planner_helpers import TODAY, activity, ago, book, config, d, one_partner, partner, state

from sheets_sync.model import LOGGED_TYPES, Stage, TouchStatus
from sheets_sync.rules.planner import plan


def test_last_touch_is_the_latest_touch_up_to_today():
    p = one_partner(
        activity(2, d("2026-11-02"), "email"),
        activity(3, d("2026-11-20"), "message"),
        activity(4, d("2026-11-10"), "meeting"),
    )
    assert state(p).last_touch == d("2026-11-20")


@pytest.mark.parametrize("logged", sorted(LOGGED_TYPES.values()))
def test_rows_the_worker_logs_are_never_touches(logged):
    p = one_partner(
        activity(2, d("2026-11-01"), "call"), activity(3, d("2026-11-25"), logged, direction="in")
    )
    assert state(p).last_touch == d("2026-11-01")
    assert state(p).last_response == d("2026-11-01")


def test_logged_types_stay_excluded_even_when_listed_as_touch_types():
    the_book = book([partner()], activities=[activity(2, d("2026-11-25"), "newsletter")])
    p = plan(the_book, config(touch_types=frozenset({"call", "newsletter"})), TODAY)
    assert state(p).last_touch is None


def test_future_rows_types_outside_touch_types_and_undated_rows_are_not_touches():
    p = one_partner(
        activity(2, d("2026-11-01"), "email"),
        activity(3, d("2026-11-27"), "meeting"),  # tomorrow: a plan, not a touch
        activity(4, d("2026-11-25"), "deal"),
        activity(5, None, "call"),
    )
    assert state(p).last_touch == d("2026-11-01")
    assert state(p).last_response is None


def test_a_touch_dated_today_counts():
    assert state(one_partner(activity(2, TODAY, "call"))).last_touch == TODAY


@pytest.mark.parametrize(
    "kind, direction, is_response",
    [
        ("meeting", "out", True),
        ("call", "out", True),
        ("visit", "out", True),
        ("email", "out", False),
        ("email", "in", True),
        ("message", "in", True),
        ("event", "out", False),
    ],
)
def test_responses_are_two_way_touches_or_inbound(kind, direction, is_response):
    p = one_partner(activity(2, d("2026-11-20"), kind, direction=direction))
    assert state(p).last_touch == d("2026-11-20")
    assert state(p).last_response == (d("2026-11-20") if is_response else None)


def test_last_response_is_the_latest_response():
    p = one_partner(
        activity(2, d("2026-11-03"), "call"),
        activity(3, d("2026-11-10"), "email", direction="in"),
        activity(4, d("2026-11-24"), "email"),
    )
    assert (state(p).last_touch, state(p).last_response) == (d("2026-11-24"), d("2026-11-10"))


def test_other_partners_rows_do_not_count():
    the_book = book(
        [partner(2), partner(3)],
        activities=[
            activity(2, d("2026-11-20"), "call", partner_row=3),
            activity(3, d("2026-11-01"), "call"),
        ],
    )
    p = plan(the_book, config(), TODAY)
    assert state(p, 2).last_touch == d("2026-11-01")
    assert state(p, 3).last_touch == d("2026-11-20")


# --- Next touch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rank, last_touch, country, expected",
    [
        ("A", "2026-11-16", "", "2026-11-23"),  # a plain Monday + 7
        ("A", "2026-10-26", "", "2026-11-02"),  # over the month end
        ("B", "2026-12-18", "", "2027-01-01"),  # over the year end, a Friday
        ("B", "2026-12-18", "DE", "2027-01-04"),  # ... New Year's Day in Germany, then a weekend
        ("A", "2026-11-21", "", "2026-11-30"),  # lands on a Saturday -> Monday
        ("A", "2026-11-22", "", "2026-11-30"),  # lands on a Sunday -> Monday
        ("A", "2026-12-18", "", "2026-12-25"),
        ("A", "2026-12-18", "DE", "2026-12-28"),  # Christmas Day and the Second Day, then Sunday
        ("A", "2025-12-25", "RU", "2026-01-12"),  # the Russian New Year holidays
        ("C", "2026-01-29", "", "2026-03-02"),  # 28 February 2026 is a Saturday
    ],
)
def test_next_touch_is_last_touch_plus_every_on_a_working_day(rank, last_touch, country, expected):
    today = d(last_touch) + (d(expected) - d(last_touch)) // 2  # awake, whatever the rank
    the_book = book(
        [partner(rank=rank, trained=d("2026-01-01"))], activities=[activity(2, d(last_touch), "call")]
    )
    p = plan(the_book, config(holidays_country=country), today)
    assert state(p).next_touch == d(expected)


def test_an_open_next_step_pulls_next_touch_earlier():
    # rank C: 2026-11-20 + 30 = 2026-12-20, a Sunday -> 2026-12-21; the step is due before.
    p = one_partner(
        activity(2, d("2026-11-20"), "meeting", next_steps="Send the deck", due=d("2026-12-01")),
        rank="C",
    )
    assert state(p).next_touch == d("2026-12-01")


def test_the_earliest_open_next_step_wins_and_done_steps_are_ignored():
    p = one_partner(
        activity(2, d("2026-11-20"), "meeting", due=d("2026-12-03")),
        activity(3, d("2026-11-21"), "email", due=d("2026-11-30"), done=True),
        activity(4, d("2026-11-22"), "deal", due=d("2026-12-02")),  # any row with a Due date is a step
        rank="C",
    )
    assert state(p).next_touch == d("2026-12-02")


def test_a_next_step_due_on_a_saturday_moves_to_monday():
    p = one_partner(activity(2, d("2026-11-20"), "meeting", due=d("2026-12-05")), rank="C")
    assert state(p).next_touch == d("2026-12-07")


def test_a_next_step_due_after_the_rhythm_does_not_push_next_touch_later():
    p = one_partner(activity(2, d("2026-11-20"), "call", due=d("2027-02-01")), rank="A", trained=TODAY)
    assert state(p).next_touch == d("2026-11-27")


def test_another_partners_next_step_does_not_count():
    the_book = book(
        [partner(2, rank="C"), partner(3)],
        activities=[
            activity(2, d("2026-11-20"), "call"),
            activity(3, d("2026-11-20"), "call", partner_row=3, due=TODAY),
        ],
    )
    assert state(plan(the_book, config(), TODAY), 2).next_touch == d("2026-12-21")


@pytest.mark.parametrize(
    "since, today, next_touch, status, days_late",
    [
        (None, TODAY, TODAY, TouchStatus.DUE, None),  # no touch, no Since: today
        (None, d("2026-11-28"), d("2026-11-30"), TouchStatus.SOON, None),  # today is a Saturday
        (d("2026-11-10"), TODAY, d("2026-11-10"), TouchStatus.OVERDUE, 16),  # rank C: grace 14
        (d("2026-11-14"), TODAY, d("2026-11-16"), TouchStatus.DUE, 10),  # Since on a Saturday
        (d("2026-12-05"), TODAY, d("2026-12-07"), TouchStatus.OK, None),  # Since ahead of today
    ],
)
def test_a_partner_without_any_activity(since, today, next_touch, status, days_late):
    s = state(one_partner(today=today, since=since, rank="C"))
    assert (s.last_touch, s.last_response) == (None, None)
    assert (s.next_touch, s.status, s.days_late) == (next_touch, status, days_late)


def test_last_touch_and_response_are_computed_for_every_status():
    p = one_partner(activity(2, d("2026-11-20"), "call"), stage=Stage.CHURNED)
    assert (state(p).last_touch, state(p).last_response, state(p).next_touch) == (
        d("2026-11-20"),
        d("2026-11-20"),
        None,
    )


def test_a_rank_a_call_a_week_ago_is_due_today():
    s = state(one_partner(activity(2, ago(7), "call"), rank="A", trained=TODAY))
    assert (s.next_touch, s.status, s.days_late) == (TODAY, TouchStatus.DUE, None)
