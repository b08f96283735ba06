"""Next action: one short line, the first that applies."""

import pytest
from planner_helpers import TODAY, activity, ago, book, config, contact, d, news, one_partner, partner, state

from sheets_sync.i18n import words
from sheets_sync.model import Stage
from sheets_sync.rules.planner import plan

MISSING_NEXT_STEPS = words("en").text("marker.missing")  # the Follow-up marker of an English sheet

MEETING = dict(agreements="Pilot in Q1")


def action(*activities, today=TODAY, contacts=(), news_items=(), **fields) -> str:
    return state(
        one_partner(*activities, today=today, contacts=contacts, news_items=news_items, **fields)
    ).next_action


def test_churned():
    assert action(activity(2, ago(1), "meeting", **MEETING), stage=Stage.CHURNED) == "Churned: no reminders"


def test_a_follow_up_to_send_comes_first():
    assert action(activity(2, d("2026-11-20"), "meeting", **MEETING), since=ago(20)) == (
        "Send follow-up for the 2026-11-20 meeting"
    )


def test_the_oldest_follow_up_is_named_with_its_type():
    p = action(
        activity(2, d("2026-11-24"), "meeting", **MEETING), activity(3, d("2026-11-20"), "call", **MEETING)
    )
    assert p == "Send follow-up for the 2026-11-20 call"


@pytest.mark.parametrize("mode", ["send", "remind"])  # remind: the manager sends it by hand
def test_send_and_remind_modes_also_say_send_follow_up(mode):
    the_book = book([partner()], activities=[activity(2, d("2026-11-20"), "call", **MEETING)])
    assert state(plan(the_book, config(followup=dict(mode=mode)), TODAY)).next_action == (
        "Send follow-up for the 2026-11-20 call"
    )


def test_missing_next_steps():
    assert action(activity(2, d("2026-11-20"), "meeting")) == "Add next steps for the 2026-11-20 meeting"
    marked = activity(2, d("2026-11-20"), "visit", follow_up=MISSING_NEXT_STEPS)
    assert action(marked) == "Add next steps for the 2026-11-20 visit"


def test_paused_partners_still_get_follow_ups():
    assert action(activity(2, ago(2), "call"), stage=Stage.PAUSED) == "Add next steps for the 2026-11-24 call"
    assert action(activity(2, ago(30), "call"), stage=Stage.PAUSED) == "Paused"


def test_snoozed():
    assert action(since=ago(90), snooze_until=d("2026-12-10")) == "Snoozed until 2026-12-10"


def test_onboarding_without_sales_kit():
    assert action(stage=Stage.ONBOARDING, contacts=[contact()]) == "Send sales kit"


@pytest.mark.parametrize(
    "sent, expected", [(ago(14), "Book training (sales kit sent 2026-11-12)"), (ago(13), None)]
)
def test_training_reminder(sent, expected):
    got = action(activity(2, ago(2), "call", follow_up="sent"), stage=Stage.ONBOARDING, sales_kit_sent=sent)
    assert got == (expected or "Next touch 2026-12-08")


@pytest.mark.parametrize(
    "last_newsletter, news_dates, expected",
    [
        (d("2026-11-01"), [], "Newsletter due 2026-12-01"),
        (d("2026-11-01"), [ago(1)], "Newsletter due 2026-12-01"),
        (d("2026-10-27"), [ago(1)], "Newsletter due 2026-11-26"),  # due today
        (d("2026-09-01"), [ago(1)], "Newsletter due 2026-11-26"),  # due for a while: today's date
        (None, [ago(1)], "Newsletter due 2026-11-26"),  # never sent
        (None, [], "Newsletter waits for news"),
        (d("2026-09-01"), [d("2026-08-01")], "Newsletter waits for news"),  # nothing new since
    ],
)
def test_sleeping(last_newsletter, news_dates, expected):
    got = action(
        activity(2, ago(100), "call"),
        contacts=[contact()],
        news_items=[news(i + 2, day) for i, day in enumerate(news_dates)],
        last_newsletter=last_newsletter,
    )
    assert got == expected


def test_a_planned_touch():
    got = action(
        activity(2, ago(20), "call"),
        activity(3, d("2026-12-07"), "meeting"),
        activity(4, d("2026-12-05"), "call"),
    )
    assert got == "Call booked for 2026-12-05"


@pytest.mark.parametrize(
    "last_call, expected",
    [
        (d("2026-11-13"), "Call (rank A, every 7 days) - 6 days late"),  # overdue
        (d("2026-11-19"), "Call (rank A, every 7 days) - due today"),
        (d("2026-11-17"), "Call (rank A, every 7 days) - 2 days late"),  # due, within grace
    ],
)
def test_overdue_and_due(last_call, expected):
    assert action(activity(2, last_call, "call", follow_up="sent"), rank="A", trained=TODAY) == expected


def test_an_open_next_step_due_when_the_touch_is_not():
    # Saturday: the step is due today, Next touch moves to Monday (soon).
    saturday = d("2026-11-28")
    step = "Send the pricing sheet and the case studies about the retail rollout in the Nordics"
    got = action(
        activity(2, ago(4, saturday), "call", follow_up="sent", next_steps=step, due=saturday), today=saturday
    )
    assert (
        got == "Next step due 2026-11-28: Send the pricing sheet and the case studies about the retai\u2026"
    )
    assert len(got.split(": ", 1)[1]) == 60


@pytest.mark.parametrize(
    "since, expected",
    [(d("2026-11-27"), "Next touch 2026-11-27"), (d("2026-12-05"), "Next touch 2026-12-07")],
)
def test_soon_and_ok(since, expected):
    assert action(since=since) == expected


@pytest.mark.parametrize(
    "due, expected",
    [
        (d("2026-11-20"), "Next step due 2026-11-20: Send the pricing sheet - 6 days late"),  # a Friday
        (d("2026-11-26"), "Next step due 2026-11-26: Send the pricing sheet - due today"),
        (
            d("2026-11-22"),
            "Next step due 2026-11-22: Send the pricing sheet - 3 days late",
        ),  # Sunday -> Monday
    ],
)
def test_a_late_open_next_step_names_the_step_not_the_rhythm(due, expected):
    # the last call was 3 days ago, so the rank's rhythm alone would not be due for weeks
    step = activity(2, ago(30), "call", follow_up="sent", next_steps="Send the pricing sheet", due=due)
    assert action(step, activity(3, ago(3), "call", follow_up="sent"), rank="C", trained=TODAY) == expected
