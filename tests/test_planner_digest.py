"""Manager digests, the order of messages, and what paused and churned partners get."""

import pytest
from planner_helpers import (
    MANAGER,
    TODAY,
    activity,
    ago,
    book,
    config,
    contact,
    d,
    items,
    messages,
    news,
    partner,
    state,
)

from sheets_sync.config import Holiday
from sheets_sync.model import Birthday, DigestSection, MessageKind, Stage
from sheets_sync.rules.planner import plan

AGREED = dict(agreements="Pilot in Q1")


def test_items_are_grouped_by_manager_and_ordered_by_section_then_partner():
    the_book = book(
        [
            partner(2, name="Zeta", since=ago(30)),  # overdue
            partner(3, name="alpha", manager="Anna@Team.example", since=TODAY),  # due
            partner(4, name="Beta", manager="ben@team.example", since=ago(30)),
            partner(5, name="Alpha Two", since=ago(30)),
        ],
        activities=[activity(2, ago(1), "meeting", partner_row=3, **AGREED)],
    )
    the_plan = plan(the_book, config(), TODAY)
    assert [digest.manager for digest in the_plan.digests] == [MANAGER, "ben@team.example"]
    got = [(i.section, i.partner) for i in the_plan.digests[0].items]
    assert got == [
        (DigestSection.OVERDUE, "Alpha Two"),
        (DigestSection.OVERDUE, "Zeta"),
        (DigestSection.FOLLOW_UPS, "alpha"),
    ]
    assert [(i.section, i.partner, i.rank, i.partner_row) for i in the_plan.digests[1].items] == [
        (DigestSection.OVERDUE, "Beta", "B", 4)
    ]


def test_partners_without_a_manager_go_to_the_fallback():
    the_book = book([partner(manager="", since=ago(30))])
    the_plan = plan(the_book, config(digest=dict(fallback="Team@X.example")), TODAY)
    assert [(g.manager, len(g.items)) for g in the_plan.digests] == [("team@x.example", 1)]
    assert state(the_plan).notes == ()


def test_without_manager_and_fallback_items_are_dropped_and_noted():
    the_plan = plan(book([partner(manager="", since=ago(30))]), config(), TODAY)
    assert the_plan.digests == ()
    assert state(the_plan).notes == ("no Manager and no digest.fallback: digest items dropped",)


def test_nothing_to_do_no_digest():
    the_plan = plan(book([partner(since=d("2026-12-10"))]), config(), TODAY)
    assert the_plan.digests == ()


def test_every_section_in_order():
    the_book = book(
        [
            partner(2, name="A overdue", since=ago(30), previous_status="ok"),
            partner(3, name="B due", since=TODAY, goal="Grow", goal_target=2),
            partner(
                4, name="C onboarding", stage=Stage.ONBOARDING, sales_kit_sent=ago(20), since=d("2026-12-10")
            ),
            partner(5, name="D rank A", rank="A", since=d("2026-12-10")),
            partner(6, name="E asleep", previous_status="due"),
            partner(7, name="F due", since=TODAY),
        ],
        [contact(2, partner_row=3, champion=True, birthday=Birthday(11, 27))],
        [
            activity(2, ago(1), "meeting", partner_row=3, **AGREED),
            activity(3, ago(1), "call", partner_row=3),
            activity(4, ago(20), "call", partner_row=3, next_steps="Quote", due=ago(2), follow_up="x"),
            activity(5, TODAY, "call", partner_row=3, follow_up="x"),
            activity(6, ago(90), "call", partner_row=6),
        ],
    )
    the_plan = plan(the_book, config(), TODAY)
    assert [(i.section, i.partner) for i in items(the_plan)] == [
        (DigestSection.OVERDUE, "A overdue"),
        # B's touch is due because of its Quote step: that step's own line says it (one task, one line)
        (DigestSection.DUE, "F due"),
        (DigestSection.FOLLOW_UPS, "B due"),
        (DigestSection.MISSING_NEXT_STEPS, "B due"),
        (DigestSection.NEXT_STEPS, "B due"),
        (DigestSection.PLANNED, "B due"),
        (DigestSection.GREETINGS, "B due"),  # SPEC 3's order: greetings, asleep or awake, onboarding
        (DigestSection.SLEEP, "E asleep"),
        (DigestSection.ONBOARDING, "C onboarding"),
        (DigestSection.DUTIES, "D rank A"),
        (DigestSection.GOALS, "B due"),
    ]


def test_messages_are_ordered_by_kind_then_key():
    the_book = book(
        [
            partner(2, stage=Stage.ONBOARDING),
            partner(3, since=ago(100)),  # asleep
        ],
        [
            contact(2, champion=True, birthday=Birthday(11, 26)),
            contact(3, partner_row=3, id="C-b", birthday=Birthday(11, 26), champion=True),
            contact(4, partner_row=3, id="C-a"),
        ],
        [activity(9, ago(1), "call", **AGREED), activity(8, ago(2), "call", **AGREED)],
        [news(2, ago(1))],
    )
    the_plan = plan(the_book, config(greetings=dict(mode="send")), TODAY)
    assert [(m.kind, m.key) for m in the_plan.messages] == [
        (MessageKind.FOLLOW_UP, "follow-up:A8:draft"),
        (MessageKind.FOLLOW_UP, "follow-up:A9:draft"),
        (MessageKind.SALES_KIT, "sales-kit:P2"),
        (MessageKind.GREETING, "greeting:C-b:birthday:2026"),
        (MessageKind.GREETING, "greeting:C2:birthday:2026"),
        (MessageKind.NEWSLETTER, "newsletter:C-a:2026-11-26"),
        (MessageKind.NEWSLETTER, "newsletter:C-b:2026-11-26"),
    ]


def busy_partner(**fields):
    """A partner with something for every rule, to see what a stage lets through."""
    return book(
        [partner(**{"rank": "A", "since": ago(100), "goal_target": 3, **fields})],
        [contact(2, champion=True, birthday=Birthday(11, 26))],
        [
            activity(2, ago(1), "meeting", **AGREED),
            activity(3, ago(3), "call", next_steps="Quote", due=ago(1), follow_up="x"),
            activity(4, TODAY, "call", follow_up="x"),
            activity(5, ago(70), "call"),
        ],
        [news(2, ago(1))],
    )


def test_paused_partners_get_follow_ups_and_nothing_else():
    the_plan = plan(busy_partner(stage=Stage.PAUSED), config(greetings=dict(mode="send")), TODAY)
    assert [m.kind for m in messages(the_plan)] == [MessageKind.FOLLOW_UP]
    assert {i.section for i in items(the_plan)} == {DigestSection.FOLLOW_UPS}
    assert state(the_plan).notes == ()


def test_churned_partners_get_nothing_at_all():
    the_plan = plan(busy_partner(stage=Stage.CHURNED, rank="Z"), config(greetings=dict(mode="send")), TODAY)
    assert (the_plan.messages, the_plan.followups, the_plan.digests) == ((), (), ())
    assert state(the_plan).notes == ()
    assert state(the_plan).next_action == "Churned: no reminders"


def test_an_active_busy_partner_gets_everything():
    the_plan = plan(
        busy_partner(), config(greetings=dict(mode="send", holidays=(Holiday("Day", 11, 26),))), TODAY
    )
    assert [m.kind for m in messages(the_plan)] == [
        MessageKind.FOLLOW_UP,
        MessageKind.GREETING,
        MessageKind.GREETING,
    ]
    assert {i.section for i in items(the_plan)} >= {  # its touch is due by its next step: one line
        DigestSection.FOLLOW_UPS,
        DigestSection.NEXT_STEPS,
        DigestSection.PLANNED,
        DigestSection.DUTIES,
        DigestSection.GOALS,
    }


def test_plan_is_deterministic_and_pure():
    the_book = busy_partner()
    first, second = plan(the_book, config(), TODAY), plan(the_book, config(), TODAY)
    assert first == second
    assert [m.context for m in first.messages] == [m.context for m in second.messages]


@pytest.mark.parametrize("today", [d("2026-11-26"), d("2026-11-28")])
def test_plan_records_its_day(today):
    assert plan(book(), config(), today).today == today


@pytest.mark.parametrize(
    "owner, manager_lines, owner_lines",
    [
        ("", {DigestSection.NEXT_STEPS}, set()),
        ("Anna", {DigestSection.NEXT_STEPS}, set()),
        (MANAGER, {DigestSection.NEXT_STEPS}, set()),
        ("ben@team.example", {DigestSection.DUE}, {DigestSection.NEXT_STEPS}),
    ],
)
def test_a_next_step_that_makes_the_touch_due_is_one_line_per_digest(owner, manager_lines, owner_lines):
    the_book = book(
        [partner(2, name="Cobalt", since=ago(40))],
        [],
        [activity(2, ago(3), "call", next_steps="Send the quote", owner=owner, due=ago(1), follow_up="x")],
    )
    the_plan = plan(the_book, config(), TODAY)
    sections = {d.manager: {i.section for i in d.items} - {DigestSection.GOALS} for d in the_plan.digests}
    assert sections.get(MANAGER, set()) == manager_lines
    assert sections.get("ben@team.example", set()) == owner_lines
