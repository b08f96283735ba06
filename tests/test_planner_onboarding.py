"""Onboarding (sales kit, training reminder) and rank duties (manager, training)."""

import pytest
from planner_helpers import (
    MANAGER,
    TODAY,
    ago,
    book,
    config,
    contact,
    d,
    messages,
    one_partner,
    partner,
    state,
    texts,
)

from sheets_sync.config import RankRule
from sheets_sync.model import DigestSection, MessageKind, Stage, TouchStatus
from sheets_sync.rules.planner import plan


def onboarding(*contacts, **fields):
    fields.setdefault("stage", Stage.ONBOARDING)
    return one_partner(contacts=contacts, **fields)


def test_the_sales_kit_goes_to_the_champions():
    the_plan = onboarding(
        contact(2, champion=True, name="Olga", language="ru"),
        contact(3, champion=True, name="Ben"),
        contact(4, champion=True, left_company=True),
        contact(5, champion=False),
    )
    (kit,) = messages(the_plan, MessageKind.SALES_KIT)
    assert (kit.key, kit.to, kit.reply_to, kit.language, kit.partner_row) == (
        "sales-kit:P2",
        ("contact2@partner.example", "contact3@partner.example"),
        MANAGER,
        "ru",
        2,
    )
    assert kit.context == {
        "partner": "Partner 2",
        "contacts": ("Olga", "Ben"),
        "first_names": ("Olga", "Ben"),
        "sales_kit_url": "",
        "manager": MANAGER,
    }
    assert state(the_plan).next_action == "Send sales kit"


def test_the_sales_kit_url_comes_from_the_config():
    the_book = book([partner(stage=Stage.ONBOARDING)], [contact()])
    the_plan = plan(the_book, config(onboarding=dict(sales_kit_url="https://kit.example")), TODAY)
    assert messages(the_plan)[0].context["sales_kit_url"] == "https://kit.example"


def test_without_champions_the_sales_kit_goes_to_every_contact_still_there():
    the_plan = onboarding(contact(2), contact(3, left_company=True), contact(4, email=""), contact(5))
    assert [m.to for m in messages(the_plan)] == [("contact2@partner.example", "contact5@partner.example")]


def test_no_contact_for_the_sales_kit():
    the_plan = onboarding(contact(2, email=""), contact(3, left_company=True))
    assert messages(the_plan) == []
    assert state(the_plan).notes == ("no contact to send the sales kit to",)
    assert texts(the_plan, DigestSection.ONBOARDING, MANAGER) == [
        "Sales kit: no contact to send the sales kit to"
    ]


@pytest.mark.parametrize(
    "fields",
    [
        dict(sales_kit_sent=ago(1)),  # already sent
        dict(stage=Stage.ACTIVE),
        dict(snooze_until=TODAY),  # snoozed: onboarding waits too
    ],
)
def test_no_sales_kit(fields):
    assert messages(onboarding(contact(), **fields)) == []


@pytest.mark.parametrize(
    "sent, trained, reminded",
    [
        (ago(14), None, True),  # training_reminder_days 14: on the day
        (ago(30), None, True),
        (ago(13), None, False),
        (ago(30), ago(2), False),
    ],
)
def test_training_reminder(sent, trained, reminded):
    the_plan = onboarding(contact(), sales_kit_sent=sent, trained=trained)
    expected = [f"Book training (sales kit sent {sent.isoformat()})"] if reminded else []
    assert texts(the_plan, DigestSection.ONBOARDING, MANAGER) == expected
    assert messages(the_plan) == []


def test_onboarding_partners_late_on_their_touches_are_in_the_overdue_section():
    the_plan = onboarding(contact(), sales_kit_sent=ago(2), since=ago(30))  # rank B, grace 7
    assert state(the_plan).status == TouchStatus.ONBOARDING and state(the_plan).days_late == 30
    assert texts(the_plan, DigestSection.OVERDUE) == ["Call (rank B, every 14 days) - 30 days late"]


# --- rank duties ---------------------------------------------------------------------------------


def test_rank_a_requires_a_manager_and_training():
    the_plan = plan(
        book([partner(rank="A", manager="")]), config(digest=dict(fallback="team@x.example")), TODAY
    )
    duties = ["rank A requires a manager", "rank A requires training (Trained is empty)"]
    assert list(state(the_plan).notes) == duties
    assert texts(the_plan, DigestSection.DUTIES, "team@x.example") == [
        "Rank A requires a manager",
        "Rank A requires training (Trained is empty)",
    ]


@pytest.mark.parametrize(
    "fields, notes",
    [
        (dict(rank="A", trained=d("2026-01-10")), ()),
        (dict(rank="A"), ("rank A requires training (Trained is empty)",)),
        (dict(rank="B"), ()),
        (dict(rank="A", stage=Stage.PAUSED), ()),
        (dict(rank="A", stage=Stage.CHURNED), ()),
        (dict(rank="A", snooze_until=TODAY), ("rank A requires training (Trained is empty)",)),
    ],
)
def test_duties_by_rank_and_stage(fields, notes):
    assert state(one_partner(**fields)).notes == notes


def test_duties_follow_the_configured_ranks():
    ranks = {"A": RankRule(7, 3), "B": RankRule(14, 7, frozenset({"manager"}))}
    the_plan = plan(book([partner(rank="B", manager="")]), config(ranks=ranks, default_rank="B"), TODAY)
    assert set(state(the_plan).notes) == {
        "rank B requires a manager",
        "no Manager and no digest.fallback: digest items dropped",
    }
