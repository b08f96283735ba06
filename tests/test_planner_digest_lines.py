"""The digest's lines: whom to contact, which row, drafts just mailed, nothing booked that a
partner sent, and the lines in the team's language (SPEC sections 3 and 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from planner_helpers import MANAGER, TODAY, activity, ago, book, config, contact, items, partner, texts

from sheets_sync.model import DigestSection, Direction, MessageKind, Tab
from sheets_sync.rules.planner import fold_sends, plan
from sheets_sync.sheet.records import Sent

AGREED = dict(agreements="Pilot in Q1", next_steps="Send the quote")


def test_a_touch_line_names_the_champion_with_the_email():
    the_book = book(
        [partner(2, since=ago(40))],
        [contact(2, name="Lena Vogel", email="lena@northwind.example", champion=True), contact(3)],
    )
    (item,) = items(plan(the_book, config(), TODAY), DigestSection.OVERDUE)
    assert item.contact == "Lena Vogel <lena@northwind.example>"
    assert item.row is None  # a touch is about the partner: its row


def test_an_activity_line_names_its_contact_and_points_at_its_row():
    the_book = book(
        [partner(2)],
        [contact(2, name="Lena Vogel", email="lena@northwind.example", champion=True)],
        [activity(7, ago(10), "call", contact="Sam <sam@northwind.example>", next_steps="Quote", due=ago(1))],
    )
    (item,) = items(plan(the_book, config(), TODAY), DigestSection.NEXT_STEPS)
    assert (item.contact, item.row) == ("sam@northwind.example", (Tab.ACTIVITIES, 7))


@pytest.mark.parametrize("direction", [Direction.IN, Direction.OUT])
def test_an_email_dated_today_is_never_booked(direction):
    the_book = book([partner(2)], [], [activity(3, TODAY, "email", direction=direction, summary="Re: pilot")])
    booked = texts(plan(the_book, config(), TODAY), DigestSection.PLANNED)
    assert booked == []  # sent or received: an email is no booking


def test_an_inbound_row_dated_later_is_no_planned_touch():
    the_book = book([partner(2)], [], [activity(3, TODAY + dt.timedelta(days=3), "email", direction="in")])
    (state,) = plan(the_book, config(), TODAY).partners
    assert "booked" not in state.next_action


def _draft_sent(the_plan, at: dt.datetime) -> list[Sent]:
    return [
        Sent(m.key, m.kind, m.to, at, "Follow-up")
        for m in the_plan.messages
        if m.kind is MessageKind.FOLLOW_UP
    ]


def test_a_draft_mailed_today_is_in_the_managers_inbox_list_and_no_longer_to_send():
    cfg = config()
    the_book = book(
        [partner(2)],
        [contact(2, name="Lena Vogel", email="lena@northwind.example", champion=True)],
        [activity(3, ago(1), "meeting", **AGREED)],
    )
    first = plan(the_book, cfg, TODAY)
    assert texts(first, DigestSection.FOLLOW_UPS, MANAGER)  # to forward once it is mailed
    at = dt.datetime.combine(TODAY, dt.time(9, 0), tzinfo=cfg.zone)
    now_book, now = fold_sends(first, the_book, _draft_sent(first, at), cfg)
    assert texts(now, DigestSection.FOLLOW_UPS, MANAGER) == []
    (line,) = texts(now, DigestSection.DRAFTS, MANAGER)
    assert line == (
        "The follow-up draft for the 2026-11-25 meeting is in your inbox: "
        "forward it to lena@northwind.example"
    )
    tomorrow = plan(now_book, cfg, TODAY + dt.timedelta(days=1))
    assert texts(tomorrow, DigestSection.DRAFTS) == []  # the day it went out only


def test_the_digest_lines_are_in_the_teams_language():
    the_book = book(
        [partner(2, since=ago(40)), partner(3)],
        [contact(2, name="Артём Павлов", email="artem@kedr.example", champion=True)],
        [activity(4, ago(25), "встреча", partner_row=3, next_steps="Отправить КП", due=ago(3))],
    )
    the_plan = plan(the_book, config(language="ru"), TODAY)
    assert texts(the_plan, DigestSection.NEXT_STEPS) == ["Отправить КП (просрочено на 3 дня)"]
    (overdue,) = texts(the_plan, DigestSection.OVERDUE)
    assert overdue.startswith("Позвонить (ранг B, раз в 14 дней) — опоздание на ")
    states = {s.row: s for s in the_plan.partners}
    assert states[3].next_action == "Следующий шаг к 23 ноября: Отправить КП — опоздание на 3 дня"


def test_a_meeting_today_whose_draft_went_out_is_no_longer_booked():
    cfg = config()
    the_book = book([partner(2)], [contact(2, champion=True)], [activity(3, TODAY, "meeting", **AGREED)])
    first = plan(the_book, cfg, TODAY)
    assert texts(first, DigestSection.PLANNED)  # booked for today, until its follow-up goes out
    at = dt.datetime.combine(TODAY, dt.time(15, 0), tzinfo=cfg.zone)
    _, now = fold_sends(first, the_book, _draft_sent(first, at), cfg)
    assert texts(now, DigestSection.PLANNED) == [] and len(texts(now, DigestSection.DRAFTS)) == 1
