"""The newsletter for sleeping partners (or everyone with audience: all)."""

import datetime as dt

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
    messages,
    news,
    one_partner,
    partner,
    state,
)

from sheets_sync.model import MessageKind, Stage, TouchStatus
from sheets_sync.rules.planner import plan

ASLEEP = activity(2, ago(100), "call")


def newsletters(*activities, contacts=None, news_items=None, **fields):
    the_plan = one_partner(
        *(activities or (ASLEEP,)),
        contacts=[contact()] if contacts is None else contacts,
        news_items=[news(2, ago(1))] if news_items is None else news_items,
        **fields,
    )
    return the_plan, messages(the_plan, MessageKind.NEWSLETTER)


def test_one_newsletter_per_recipient_with_the_news_newest_first():
    the_contacts = [
        contact(2, name="Olga", language="ru"),
        contact(3, unsubscribed=True),
        contact(4, left_company=True),
        contact(5, newsletter=False),
        contact(6, email=""),
        contact(7, name="Ben"),
        contact(8, partner_row=3),  # another partner's
    ]
    the_news = [
        news(
            2,
            ago(10),
            title="Reporting 2.0",
            body="Dashboards",
            link="https://x.example/r",
            category="product",
        ),
        news(3, ago(2), title="Case: Acme"),
        news(4, ago(1), title="Draft", publish=False),
        news(5, d("2026-11-27"), title="Tomorrow"),
        news(6, None, title="Undated"),
    ]
    the_plan, sent = newsletters(contacts=the_contacts, news_items=the_news)
    assert [(m.to, m.key, m.language, m.contact_row) for m in sent] == [
        (("contact2@partner.example",), "newsletter:C2:2026-11-26", "ru", 2),
        (("contact7@partner.example",), "newsletter:C7:2026-11-26", "en", 7),
    ]
    context = sent[0].context
    assert (context["partner"], context["contact"]) == ("Partner 2", "Olga")
    assert [n["title"] for n in context["news"]] == ["Case: Acme", "Reporting 2.0"]
    assert context["news"][1] == {
        "title": "Reporting 2.0",
        "body": "Dashboards",
        "link": "https://x.example/r",
        "category": "product",
        "date": ago(10),
    }
    assert sent[0].partner_row == 2 and sent[0].reply_to == MANAGER
    assert state(the_plan).status == TouchStatus.SLEEPING


@pytest.mark.parametrize(
    "last_newsletter, due",
    [
        (ago(30), True),  # exactly every_days ago
        (ago(29), False),
        (ago(45), True),
        (None, True),  # never sent
    ],
)
def test_due_every_days(last_newsletter, due):
    _, sent = newsletters(last_newsletter=last_newsletter)
    assert len(sent) == (1 if due else 0)


@pytest.mark.parametrize(
    "last_newsletter, news_date, has_news",
    [
        (ago(30), ago(29), True),
        (ago(30), ago(30), False),  # published the day the last one went: it carried it
        (ago(40), ago(35), True),
        (None, ago(29), True),  # never sent: any published item
        (None, ago(300), True),
        (None, TODAY, True),
        (None, TODAY + dt.timedelta(days=1), False),  # not published yet
    ],
)
def test_only_news_since_the_last_newsletter(last_newsletter, news_date, has_news):
    _, sent = newsletters(last_newsletter=last_newsletter, news_items=[news(2, news_date)])
    assert len(sent) == (1 if has_news else 0)


def test_a_first_newsletter_carries_the_newest_ten_items():
    items = [news(row, ago(row * 20)) for row in range(2, 16)]  # 14 items, the oldest 300 days ago
    _, sent = newsletters(last_newsletter=None, news_items=items)
    (first,) = sent
    assert [n["title"] for n in first.context["news"]] == [f"News {row}" for row in range(2, 12)]


def test_no_news_no_newsletter():
    the_plan, sent = newsletters(news_items=[])
    assert sent == []
    assert state(the_plan).next_action == "Newsletter waits for news"


def test_no_recipients_is_noted():
    the_plan, sent = newsletters(contacts=[contact(2, unsubscribed=True)])
    assert sent == []
    assert state(the_plan).notes == ("no newsletter recipients",)


def test_awake_partners_get_none_by_default():
    the_plan, sent = newsletters(activity(2, ago(10), "call"))
    assert sent == [] and state(the_plan).notes == ()


@pytest.mark.parametrize(
    "fields, gets_it",
    [
        (dict(), True),  # an awake partner
        (dict(stage=Stage.ONBOARDING, sales_kit_sent=ago(1)), True),
        (dict(snooze_until=TODAY), True),  # a snooze holds back reminders, not the news
        (dict(stage=Stage.PAUSED), False),
        (dict(stage=Stage.CHURNED), False),
    ],
)
def test_audience_all(fields, gets_it):
    the_book = book(
        [partner(**fields)], [contact()], [activity(2, ago(3), "call", follow_up="sent")], [news(2, ago(1))]
    )
    sent = messages(plan(the_book, config(newsletter=dict(audience="all")), TODAY), MessageKind.NEWSLETTER)
    assert len(sent) == (1 if gets_it else 0)


@pytest.mark.parametrize("stage", [Stage.PAUSED, Stage.CHURNED])
def test_sleeping_rules_do_not_apply_to_paused_or_churned(stage):
    the_plan, sent = newsletters(stage=stage)
    assert sent == [] and state(the_plan).status != TouchStatus.SLEEPING


def test_every_days_is_configurable():
    the_book = book([partner(last_newsletter=ago(7))], [contact()], [ASLEEP], [news(2, ago(1))])
    assert len(messages(plan(the_book, config(newsletter=dict(every_days=7)), TODAY))) == 1
    assert len(messages(plan(the_book, config(newsletter=dict(every_days=8)), TODAY))) == 0
