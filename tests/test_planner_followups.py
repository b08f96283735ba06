"""Follow-ups after meetings, calls and visits; next steps due; touches booked for today."""

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
    one_partner,
    partner,
    state,
    texts,
)

from sheets_sync.i18n import words
from sheets_sync.model import (
    DigestSection,
    FollowUpState,
    FollowUpTask,
    MessageKind,
    Stage,
)
from sheets_sync.rules.planner import plan

MISSING_NEXT_STEPS = words("en").text("marker.missing")  # the Follow-up marker of an English sheet

AGREED = dict(agreements="Pilot in Q1", next_steps="Send the contract", owner="Anna", due=d("2026-12-01"))


def followup_plan(*activities, mode="draft", contacts=(), partner_fields=None, **config_fields):
    the_book = book([partner(**(partner_fields or {}))], contacts, activities)
    return plan(the_book, config(followup=dict(mode=mode), **config_fields), TODAY)


@pytest.mark.parametrize(
    "date, kind, follow_up, candidate",
    [
        (ago(14), "meeting", "", True),  # the first day of the look-back window
        (ago(15), "meeting", "", False),
        (TODAY, "call", "", True),
        (d("2026-11-27"), "meeting", "", False),  # booked for tomorrow: not yet
        (ago(1), "visit", "", True),
        (ago(1), "email", "", False),
        (ago(1), "call", "sent to ben@partner.example on 2026-11-25", False),
        (ago(1), "call", MISSING_NEXT_STEPS, True),  # the worker's own marker is looked at again
        (ago(1), "call", " Missing next steps ", True),
        (None, "call", "", False),
    ],
)
def test_which_rows_call_for_a_follow_up(date, kind, follow_up, candidate):
    the_plan = followup_plan(activity(2, date, kind, follow_up=follow_up, **AGREED))
    assert [t.activity_row for t in the_plan.followups] == ([2] if candidate else [])


def test_missing_next_steps_is_reported_to_the_manager_instead():
    the_plan = followup_plan(activity(2, ago(1), "meeting", summary="Intro"))
    assert the_plan.followups == (FollowUpTask(2, 2, FollowUpState.MISSING_NEXT_STEPS, False),)
    assert messages(the_plan) == []
    assert texts(the_plan, DigestSection.MISSING_NEXT_STEPS, MANAGER) == [
        "Add next steps for the 2026-11-25 meeting"
    ]


def test_the_marker_is_replaced_once_next_steps_are_added():
    the_plan = followup_plan(activity(2, ago(3), "meeting", follow_up=MISSING_NEXT_STEPS, agreements="Pilot"))
    assert [t.state for t in the_plan.followups] == [FollowUpState.SEND]
    assert [m.key for m in messages(the_plan, MessageKind.FOLLOW_UP)] == ["follow-up:A2:draft"]


@pytest.mark.parametrize("agreements, next_steps", [("Pilot", ""), ("", "Send the deck")])
def test_either_agreements_or_next_steps_is_enough(agreements, next_steps):
    the_plan = followup_plan(activity(2, ago(1), "call", agreements=agreements, next_steps=next_steps))
    assert [t.state for t in the_plan.followups] == [FollowUpState.SEND]


def test_draft_mode_mails_the_ready_to_forward_follow_up_to_the_manager():
    the_plan = followup_plan(
        activity(2, ago(1), "meeting", contact="olga petrova", summary="Kick-off", **AGREED),
        contacts=[contact(2, name="Olga Petrova", language="ru")],
    )
    (intent,) = messages(the_plan)
    assert (intent.kind, intent.key, intent.to, intent.cc, intent.reply_to) == (
        MessageKind.FOLLOW_UP,
        "follow-up:A2:draft",  # a draft: not logged as mail to the partner
        (MANAGER,),
        (),
        MANAGER,
    )
    assert (intent.partner_row, intent.activity_row, intent.contact_row, intent.language) == (2, 2, 2, "ru")
    assert intent.context == {
        "partner": "Partner 2",
        "type": "meeting",
        "date": ago(1),
        "summary": "Kick-off",
        "agreements": "Pilot in Q1",
        "next_steps": "Send the contract",
        "owner": "Anna",
        "due": d("2026-12-01"),
        "contacts": ("Olga Petrova",),
        "first_names": ("Olga",),  # the salutation: the First name column, else the first word of Name
        "addresses": ("contact2@partner.example",),
        "manager": MANAGER,
        "mode": "draft",
    }
    assert texts(the_plan, DigestSection.FOLLOW_UPS) == [
        "Forward the follow-up draft for the 2026-11-25 meeting"
    ]


def test_a_draft_without_a_contact_is_for_the_champions_as_in_send_mode():
    the_plan = followup_plan(
        activity(2, ago(1), "meeting", **AGREED),
        contacts=[
            contact(2, name="Пётр", email="petr@romashka.example", champion=True, language="ru"),
            contact(3, name="Other", email="other@romashka.example"),
        ],
    )
    (intent,) = messages(the_plan)
    assert intent.to == (MANAGER,) and intent.language == "ru"
    assert (intent.context["contacts"], intent.context["addresses"]) == (
        ("Пётр",),
        ("petr@romashka.example",),
    )


def test_draft_mode_without_a_manager_goes_to_the_digest_fallback():
    the_plan = followup_plan(
        activity(2, ago(1), "call", **AGREED),
        partner_fields=dict(manager=""),
        digest=dict(fallback="team@x.example"),
    )
    assert [m.to for m in messages(the_plan)] == [("team@x.example",)]


def test_draft_mode_with_neither_manager_nor_fallback_notes_the_partner():
    the_plan = followup_plan(activity(2, ago(1), "call", **AGREED), partner_fields=dict(manager=""))
    assert messages(the_plan) == []
    assert [t.state for t in the_plan.followups] == [FollowUpState.SEND]
    assert "no Manager and no digest.fallback: follow-up draft not sent" in state(the_plan).notes


@pytest.mark.parametrize(
    "cell, to, contact_row",
    [
        ("Olga Petrova", ("olga@partner.example",), 2),  # by name
        ("OLGA@partner.example", ("olga@partner.example",), 2),  # by email, any case
        ("Olga Petrova <olga@partner.example>", ("olga@partner.example",), 2),
        ("new.person@partner.example", ("new.person@partner.example",), None),  # not in Contacts: as is
        ("Olga Petrova, Ben", ("olga@partner.example", "ben@partner.example"), None),
        ("", ("ben@partner.example",), 3),  # no contact: the champions
        ("Somebody Unknown", ("ben@partner.example",), 3),
    ],
)
def test_send_mode_mails_the_activitys_contact_else_the_champions(cell, to, contact_row):
    the_contacts = [
        contact(2, name="Olga Petrova", email="olga@partner.example"),
        contact(3, name="Ben", email="ben@partner.example", champion=True),
        contact(4, name="Gone", email="gone@partner.example", champion=True, left_company=True),
        contact(5, name="Olga Petrova", email="olga@other.example", partner_row=3),  # another partner's
    ]
    the_plan = followup_plan(
        activity(2, ago(1), "call", contact=cell, **AGREED), mode="send", contacts=the_contacts
    )
    (intent,) = messages(the_plan)
    assert (intent.to, intent.cc, intent.reply_to, intent.contact_row) == (
        to,
        (MANAGER,),
        MANAGER,
        contact_row,
    )
    assert intent.key == "follow-up:A2"  # sent to the partner: logged in Activities
    assert [t.state for t in the_plan.followups] == [FollowUpState.SEND]


def test_send_mode_without_any_recipient_notes_the_activity():
    the_contacts = [contact(2, name="Olga"), contact(3, champion=True, email="")]
    the_plan = followup_plan(
        activity(2, ago(1), "call", contact="Nobody", **AGREED), mode="send", contacts=the_contacts
    )
    assert messages(the_plan) == []
    assert the_plan.activity_notes == {
        2: ("follow-up not sent: no Contact email and no champion with an email",)
    }


def test_remind_mode_lists_it_in_the_digest_only():
    the_plan = followup_plan(activity(2, ago(1), "visit", **AGREED), mode="remind")
    assert the_plan.followups == (FollowUpTask(2, 2, FollowUpState.REMIND, False),)
    assert messages(the_plan) == []
    assert texts(the_plan, DigestSection.FOLLOW_UPS, MANAGER) == ["Send follow-up for the 2026-11-25 visit"]


@pytest.mark.parametrize(
    "days_ago, within_hours, late",
    [
        (0, 24, False),
        (1, 24, False),  # a day to send it: yesterday's meeting is on time today
        (2, 24, True),
        (2, 48, False),
        (2, 30, False),  # 30 hours round up to 2 days
        (3, 30, True),
        (1, 0, True),
    ],
)
def test_late_flag(days_ago, within_hours, late):
    the_book = book([partner()], (), [activity(2, ago(days_ago), "meeting", **AGREED)])
    the_plan = plan(the_book, config(followup=dict(mode="remind", within_hours=within_hours)), TODAY)
    assert [t.late for t in the_plan.followups] == [late]
    assert texts(the_plan, DigestSection.FOLLOW_UPS)[0].endswith(" - late") is late


def test_churned_partners_get_no_follow_ups_but_paused_ones_do():
    meeting = activity(2, ago(1), "meeting", **AGREED)
    assert followup_plan(meeting, partner_fields=dict(stage=Stage.CHURNED)).followups == ()
    paused = followup_plan(meeting, partner_fields=dict(stage=Stage.PAUSED))
    assert [t.state for t in paused.followups] == [FollowUpState.SEND]
    assert [i.section for i in items(paused)] == [DigestSection.FOLLOW_UPS]


def test_rows_of_unknown_partners_are_ignored():
    assert followup_plan(activity(2, ago(1), "meeting", partner_row=None, **AGREED)).followups == ()


# --- next steps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "due, done, text",
    [
        (TODAY, False, "Send the contract (due today, owner Anna)"),
        (ago(1), False, "Send the contract (1 day overdue, owner Anna)"),
        (ago(3), False, "Send the contract (3 days overdue, owner Anna)"),
        (d("2026-11-27"), False, None),
        (ago(3), True, None),
    ],
)
def test_next_steps_due_or_overdue_go_to_the_manager(due, done, text):
    the_plan = one_partner(
        activity(2, ago(20), "meeting", next_steps="Send the contract", owner="Anna", due=due, done=done),
        rank="C",
    )
    assert texts(the_plan, DigestSection.NEXT_STEPS, MANAGER) == ([text] if text else [])


def test_next_steps_go_to_their_owner_when_the_owner_is_an_email():
    the_plan = one_partner(
        activity(
            2, ago(20), "meeting", next_steps="Send the contract", owner="Ben <Ben@Team.example>", due=TODAY
        )
    )
    assert texts(the_plan, DigestSection.NEXT_STEPS, "ben@team.example") == ["Send the contract (due today)"]
    assert texts(the_plan, DigestSection.NEXT_STEPS, MANAGER) == []


def test_next_steps_of_paused_partners_are_not_listed():
    step = activity(2, ago(20), "meeting", next_steps="Send the contract", due=TODAY, follow_up="sent")
    assert texts(one_partner(step, stage=Stage.PAUSED)) == []


# --- booked for today ----------------------------------------------------------------------------


def test_a_touch_booked_for_today_is_in_the_owners_digest():
    the_plan = one_partner(
        activity(2, TODAY, "meeting", summary="Quarterly review", owner="ben@team.example", follow_up="sent"),
        activity(3, TODAY, "call", follow_up="sent"),
        activity(4, d("2026-11-27"), "meeting"),
    )
    assert texts(the_plan, DigestSection.PLANNED, "ben@team.example") == ["Meeting today: Quarterly review"]
    assert texts(the_plan, DigestSection.PLANNED, MANAGER) == ["Call today"]
    assert state(the_plan).last_touch == TODAY  # it is a touch now


def test_a_follow_up_greets_the_first_name_column_of_a_matched_contact():
    the_plan = one_partner(
        activity(2, ago(1), "meeting", contact="Lena Vogel; Sam", agreements="Pilot"),
        contacts=[contact(2, name="Lena Vogel", first_name="Lenochka"), contact(3, name="Sam Brown")],
    )
    (intent,) = messages(the_plan, MessageKind.FOLLOW_UP)
    assert intent.context["first_names"] == ("Lenochka", "Sam")
