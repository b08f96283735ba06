"""The partner newsletter: sleeping partners (or everyone, with `newsletter.audience: all`) get
the published News every `newsletter.every_days`, and never an empty one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sheets_sync.model import Contact, MessageIntent, MessageKey, MessageKind, TouchStatus
from sheets_sync.rules.context import Context, Draft, PartnerView, has_email, manager_of

# `audience: all` is "every partner that is not paused or churned"; a snooze only holds
# back touch reminders, so snoozed partners still get the news.
_NOT_IN_ALL = frozenset({TouchStatus.PAUSED, TouchStatus.CHURNED})
FIRST_NEWSLETTER_ITEMS = 10  # the newest items a first newsletter carries (it may draw on them all)


@dataclass(frozen=True)
class NewsletterOutlook:
    due: dt.date  # when the next newsletter is due; today or earlier means now
    news: tuple[dict[str, Any], ...]  # what one sent today would carry, newest first


def is_in_audience(view: PartnerView, audience: str) -> bool:
    if audience == "all":
        return view.status not in _NOT_IN_ALL
    return view.status == TouchStatus.SLEEPING


def recipients(contacts: list[Contact]) -> list[Contact]:
    return [c for c in contacts if has_email(c) and c.newsletter and c.is_mailable and not c.left_company]


def plan_newsletter(view: PartnerView, ctx: Context, draft: Draft) -> NewsletterOutlook | None:
    """One newsletter per recipient contact when due and there is news since the last one."""
    config, today = ctx.config, ctx.today
    if not is_in_audience(view, config.newsletter.audience):
        return None
    every = dt.timedelta(days=config.newsletter.every_days)
    last = view.partner.last_newsletter
    due = today if last is None else last + every
    # A first newsletter (none sent yet) has every published item to choose from, so that a partner
    # falling asleep months after the last News item still gets one; it carries the newest few.
    news = ctx.news_since(last) if last is not None else ctx.news_since(dt.date.min)[:FIRST_NEWSLETTER_ITEMS]
    outlook = NewsletterOutlook(due, news)
    people = recipients(view.contacts)
    if not people:
        draft.note_partner(view.row, ctx.words.text("note.no_newsletter_recipients"))
        return outlook
    if due > today or not news:
        return outlook
    reply_to = manager_of(view, config)
    for c in people:
        draft.messages.append(
            MessageIntent(
                kind=MessageKind.NEWSLETTER,
                key=str(MessageKey(MessageKind.NEWSLETTER, c.id, (today.isoformat(),))),
                to=(c.email.strip(),),
                reply_to=reply_to,
                language=c.language or config.language,
                partner_row=view.row,
                contact_row=c.row,
                occasion=today.isoformat(),
                context={
                    "partner": view.partner.name,
                    "contact": c.name,
                    "first_name": c.salutation,
                    "news": news,
                    "first": last is None,  # the first issue: nothing to say "since" of
                    "manager": view.manager,
                },
            )
        )
    return outlook
