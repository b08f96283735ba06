"""Birthdays and holidays of champions: reminders in the digest, or emails on the day."""

import datetime as dt

import pytest
from planner_helpers import MANAGER, TODAY, book, config, contact, d, messages, partner, texts

from sheets_sync.config import Holiday
from sheets_sync.model import Birthday, DigestSection, MessageKind, Stage
from sheets_sync.rules.greetings import CATCH_UP_DAYS
from sheets_sync.rules.planner import plan

NEW_YEAR = Holiday("New Year", 1, 1)


def greet(today, *contacts, mode="remind", holidays=(), partner_fields=None, deferred=None, **greetings):
    the_book = book([partner(**(partner_fields or {}))], contacts or [champion()])
    the_config = config(greetings=dict(mode=mode, holidays=tuple(holidays), **greetings))
    return plan(the_book, the_config, today, deferred=deferred)


def champion(row=2, birthday=Birthday(11, 28), **fields):
    fields.setdefault("name", "Olga")
    return contact(row, champion=True, birthday=birthday, **fields)


@pytest.mark.parametrize(
    "today, sent",
    [
        ("2027-02-27", False),
        ("2027-02-28", True),  # not a leap year: on 28 February
        ("2027-03-01", False),
        ("2028-02-28", False),  # a leap year: on the day itself
        ("2028-02-29", True),
    ],
)
def test_a_29_february_birthday(today, sent):
    the_plan = greet(d(today), champion(birthday=Birthday(2, 29, 1988)), mode="send")
    year = today[:4]
    assert [m.key for m in messages(the_plan)] == ([f"greeting:C2:birthday:{year}"] if sent else [])


@pytest.mark.parametrize(
    "birthday, text",
    [
        (Birthday(11, 26), "Birthday of Olga on 2026-11-26 (today)"),
        (Birthday(11, 27), "Birthday of Olga on 2026-11-27 (in 1 day)"),
        (Birthday(11, 29), "Birthday of Olga on 2026-11-29 (in 3 days)"),  # remind_days_before 3
        (Birthday(11, 30), None),
        (Birthday(11, 25), None),  # yesterday: over
    ],
)
def test_remind_window_edges(birthday, text):
    the_plan = greet(TODAY, champion(birthday=birthday))
    assert texts(the_plan, DigestSection.GREETINGS, MANAGER) == ([text] if text else [])
    assert messages(the_plan) == []


def test_remind_window_spans_the_year_end():
    the_plan = greet(d("2026-12-30"), champion(birthday=Birthday(1, 2)), holidays=[NEW_YEAR])
    assert texts(the_plan, DigestSection.GREETINGS) == [  # by date within a partner
        "New Year greeting for Olga on 2027-01-01 (in 2 days)",
        "Birthday of Olga on 2027-01-02 (in 3 days)",
    ]


def test_remind_days_before_is_configurable():
    the_plan = greet(TODAY, champion(birthday=Birthday(12, 6)), remind_days_before=10)
    assert texts(the_plan, DigestSection.GREETINGS) == ["Birthday of Olga on 2026-12-06 (in 10 days)"]


@pytest.mark.parametrize(
    "today, listed",
    [
        ("2026-11-26", False),  # Thursday: Friday's digest comes before Sunday
        ("2026-11-27", True),  # Friday: the last digest before the weekend lists Sunday's birthday
        ("2026-11-30", False),  # Monday: it is over
    ],
)
def test_a_weekend_occasion_is_listed_in_the_digest_before_it_whatever_remind_days_before(today, listed):
    the_plan = greet(d(today), champion(birthday=Birthday(11, 29)), remind_days_before=0)  # a Sunday
    assert bool(texts(the_plan, DigestSection.GREETINGS)) is listed


def test_29_february_reminder_in_a_common_year_falls_on_28_february():
    the_plan = greet(d("2027-02-26"), champion(birthday=Birthday(2, 29)))
    assert texts(the_plan, DigestSection.GREETINGS) == ["Birthday of Olga on 2027-02-28 (in 2 days)"]


def test_send_mode_greets_on_the_day_in_the_contacts_language():
    the_plan = greet(
        TODAY,
        champion(2, birthday=Birthday(11, 26, 1980), language="ru"),
        champion(3, birthday=None, name="Ben"),
        mode="send",
        holidays=[Holiday("Thanksgiving Day", 11, 26)],
    )
    got = [
        (m.key, m.to, m.language, m.occasion, m.contact_row) for m in messages(the_plan, MessageKind.GREETING)
    ]
    assert got == [
        ("greeting:C2:birthday:2026", ("contact2@partner.example",), "ru", "birthday 2026", 2),
        (
            "greeting:C2:thanksgiving-day:2026",
            ("contact2@partner.example",),
            "ru",
            "Thanksgiving Day 2026",
            2,
        ),
        (
            "greeting:C3:thanksgiving-day:2026",
            ("contact3@partner.example",),
            "en",
            "Thanksgiving Day 2026",
            3,
        ),
    ]
    birthday = messages(the_plan)[0]
    assert birthday.reply_to == MANAGER
    assert birthday.context["age"] == 46 and birthday.context["contact"] == "Olga"
    assert texts(the_plan, DigestSection.GREETINGS) == []  # send mode: no reminders


@pytest.mark.parametrize(
    "last_greeting, sent",
    [
        (None, True),
        (d("2025-11-26"), True),  # last year's
        (d("2026-11-25"), True),  # before the day: that was another occasion
        (TODAY, False),
    ],
)
def test_send_mode_never_greets_twice_in_a_year(last_greeting, sent):
    the_plan = greet(TODAY, champion(birthday=Birthday(11, 26), last_greeting=last_greeting), mode="send")
    assert len(messages(the_plan)) == (1 if sent else 0)


def test_send_mode_without_an_email_notes_the_contact():
    the_plan = greet(TODAY, champion(birthday=Birthday(11, 26), email=""), mode="send")
    assert messages(the_plan) == []
    assert the_plan.contact_notes == {2: ("no Email: birthday greeting not sent",)}


@pytest.mark.parametrize(
    "fields, partner_fields",
    [
        (dict(left_company=True), {}),
        (dict(champion=False), {}),
        (dict(partner_row=None), {}),  # an unknown partner
        ({}, dict(stage=Stage.CHURNED)),
        ({}, dict(stage=Stage.PAUSED)),
    ],
)
@pytest.mark.parametrize("mode", ["remind", "send"])
def test_who_is_not_greeted(fields, partner_fields, mode):
    person = contact(2, **{"champion": True, "birthday": Birthday(11, 26), **fields})
    the_plan = greet(TODAY, person, mode=mode, partner_fields=partner_fields)
    assert messages(the_plan) == [] and texts(the_plan, DigestSection.GREETINGS) == []


@pytest.mark.parametrize("fields", [dict(snooze_until=d("2026-12-31")), dict(since=d("2026-01-01"))])
def test_snoozed_and_sleeping_partners_are_still_greeted(fields):
    assert (
        len(messages(greet(TODAY, champion(birthday=Birthday(11, 26)), mode="send", partner_fields=fields)))
        == 1
    )


def test_holiday_keys_are_slugs_in_any_script():
    the_plan = greet(
        d("2027-01-01"), champion(birthday=None), mode="send", holidays=[Holiday("Новый год", 1, 1)]
    )
    assert [m.key for m in messages(the_plan)] == ["greeting:C2:новый-год:2027"]


def test_a_holiday_is_named_in_each_contact_s_language_under_one_key():
    new_year = Holiday("New Year", 1, 1, (("ru", "Новый год"),))
    contacts = [
        champion(2, birthday=None, name="Olga", language="ru"),
        champion(3, birthday=None, name="Ben", email="ben@partner.example"),
    ]
    the_plan = greet(d("2027-01-01"), *contacts, mode="send", holidays=[new_year])
    assert sorted((m.key, m.context["holiday"]) for m in messages(the_plan)) == [
        ("greeting:C2:new-year:2027", "Новый год"),
        ("greeting:C3:new-year:2027", "New Year"),
    ]


# --- a greeting the mail caps put off on its day --------------------------------------------

BIRTHDAY_KEY = "greeting:C2:birthday:2026"  # Olga's birthday on TODAY, 2026-11-26


def after(days_later):
    return TODAY + dt.timedelta(days=days_later)


def late_greeting(
    today, *, deferred=None, birthday=Birthday(11, 26), mode="send", partner_fields=None, **fields
):
    put_off = {BIRTHDAY_KEY: TODAY} if deferred is None else deferred
    olga = contact(2, **{"champion": True, "name": "Olga", "birthday": birthday, **fields})
    return greet(today, olga, mode=mode, partner_fields=partner_fields, deferred=put_off)


@pytest.mark.parametrize(
    "days_later, sent",
    [
        (0, True),  # the day itself: planned as ever
        (1, True),
        (CATCH_UP_DAYS, True),  # the last day of the catch-up
        (CATCH_UP_DAYS + 1, False),
        (30, False),
    ],
)
def test_a_greeting_put_off_on_its_day_goes_out_during_the_catch_up_days(days_later, sent):
    the_plan = late_greeting(after(days_later))
    assert [m.key for m in messages(the_plan)] == ([BIRTHDAY_KEY] if sent else [])
    if sent:
        (late,) = messages(the_plan)
        assert late.occasion == "birthday 2026" and late.context["date"] == TODAY  # the day it was for


@pytest.mark.parametrize("days_later", [1, 2, CATCH_UP_DAYS])
def test_without_a_record_of_being_put_off_nothing_goes_out_after_the_day(days_later):
    assert messages(greet(after(days_later), champion(birthday=Birthday(11, 26)), mode="send")) == []
    other = {
        "greeting:C2:new-year:2026": TODAY,
        "greeting:C9:birthday:2026": TODAY,
    }  # other occasions, contacts
    assert messages(late_greeting(after(days_later), deferred=other)) == []


def test_a_record_from_before_the_day_is_not_proof_that_it_was_due():
    """Put off on 20 November under an older Birthday, then the team typed the 26th: not due then."""
    assert messages(late_greeting(after(1), deferred={BIRTHDAY_KEY: d("2026-11-20")})) == []


@pytest.mark.parametrize(
    "fields, partner_fields",
    [
        (dict(left_company=True), {}),
        (dict(unsubscribed=True), {}),
        (dict(champion=False), {}),
        ({}, dict(stage=Stage.CHURNED)),
        ({}, dict(stage=Stage.PAUSED)),
    ],
)
def test_a_put_off_greeting_is_not_sent_when_things_changed_since(fields, partner_fields):
    the_plan = late_greeting(after(2), partner_fields=partner_fields, **fields)
    assert messages(the_plan) == [] and the_plan.contact_notes == {}


@pytest.mark.parametrize("today", [d("2027-01-01"), d("2027-01-02")])
def test_a_greeting_that_went_out_does_not_hide_one_put_off_for_another_occasion(today):
    """Born on New Year's Day: the birthday went out, the New Year greeting did not fit under the cap."""
    put_off = {"greeting:C2:new-year:2027": d("2027-01-01")}
    the_plan = greet(
        today,
        champion(birthday=Birthday(1, 1), last_greeting=d("2027-01-01")),
        mode="send",
        holidays=[NEW_YEAR],
        deferred=put_off,
    )
    assert [m.key for m in messages(the_plan)] == ["greeting:C2:new-year:2027"]


def test_remind_mode_never_sends_a_late_greeting():
    assert messages(late_greeting(after(1), mode="remind")) == []


@pytest.mark.parametrize(
    "days_later, note",
    [
        (CATCH_UP_DAYS, None),
        (CATCH_UP_DAYS + 1, "birthday greeting of 2026-11-26 not sent: still deferred 7 days after the day"),
        (2 * CATCH_UP_DAYS, "birthday greeting of 2026-11-26 not sent: still deferred 7 days after the day"),
        (2 * CATCH_UP_DAYS + 1, None),  # the note has had its week
    ],
)
def test_a_greeting_put_off_too_long_is_reported_on_its_contact(days_later, note):
    the_plan = late_greeting(after(days_later))
    assert the_plan.contact_notes == ({2: (note,)} if note else {})


@pytest.mark.parametrize(
    "birthday, day, deferred_on, today, key",
    [
        # 29 February in a common year is greeted on the 28th, and caught up from there
        (Birthday(2, 29, 1988), "2027-02-28", "2027-02-28", "2027-03-01", "greeting:C2:birthday:2027"),
        (Birthday(2, 29, 1988), "2028-02-29", "2028-02-29", "2028-03-01", "greeting:C2:birthday:2028"),
        # across the year end: the key keeps the year of the day
        (Birthday(12, 31, 1980), "2026-12-31", "2026-12-31", "2027-01-02", "greeting:C2:birthday:2026"),
    ],
)
def test_catch_up_over_edge_dates(birthday, day, deferred_on, today, key):
    the_plan = late_greeting(d(today), birthday=birthday, deferred={key: d(deferred_on)})
    (late,) = messages(the_plan)
    assert late.key == key and late.context["date"] == d(day)
    assert late.context["age"] == d(day).year - birthday.year


def test_a_put_off_holiday_greeting_is_caught_up_too():
    key = "greeting:C2:new-year:2027"
    the_plan = greet(
        d("2027-01-03"),
        champion(birthday=None),
        mode="send",
        holidays=[NEW_YEAR],
        deferred={key: d("2027-01-01")},
    )
    assert [m.key for m in messages(the_plan)] == [key]


@pytest.mark.parametrize(
    "birthday, age",
    [
        (Birthday(1, 2, 1990), 37),
        (Birthday(1, 2, 2090), 37),  # "02.01.90"
        (Birthday(1, 2, 2027), 0),
        (Birthday(1, 2), None),
    ],
)
def test_the_age_a_greeting_may_mention(birthday, age):
    (greeting,) = messages(greet(d("2027-01-02"), champion(birthday=birthday), mode="send"))
    assert greeting.context["age"] == age
