"""Goal progress: deals dated inside the Goal period against Goal target and Goal amount.

Information only: progress is shown, never chased.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sheets_sync.i18n import Words
from sheets_sync.model import Activity, Partner


def period_of(partner: Partner, today: dt.date) -> tuple[dt.date, dt.date]:
    """The Goal period's first and last day; blank (or unreadable, which Sync note says) is this year."""
    return partner.goal_period or (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))


def _percent(text: str, done: float, target: float, w: Words) -> str:
    return w.text("goal.percent", text=text, percent=w.percent(done / target)) if target > 0 else text


def _amount(value: float, currency: str, w: Words) -> str:
    return w.money(value, currency) if currency else w.number(value)


def goal_progress(
    partner: Partner,
    deals: Sequence[Activity],
    today: dt.date,
    w: Words,
    currency: str = "",
    *,
    reads: bool = False,
) -> str:
    """E.g. "2 of 3 (67%); 12,000 of 50,000 (24%)": against Goal target and Goal amount, whichever
    are set; amounts in `currency` when the config names one. `reads`: as a sentence reads, for
    the digest ("2 of 3 deals (67%); €12,000 of €50,000 (24%)")."""
    target, amount = partner.goal_target, partner.goal_amount
    if target is None and amount is None:
        return ""
    first, last = period_of(partner, today)
    inside = [a for a in deals if a.date is not None and first <= a.date <= last]
    parts = []
    if target is not None:
        done, of = w.number(len(inside)), w.number(target)
        key = "goal.deals" if reads else "goal.against"
        counted = (
            w.text(key, done=done, target=of, count=target) if reads else w.text(key, done=done, target=of)
        )
        parts.append(_percent(counted, len(inside), target, w))
    if amount is not None:
        total = sum(a.amount or 0 for a in inside)
        summed = w.text("goal.against", done=_amount(total, currency, w), target=_amount(amount, currency, w))
        parts.append(_percent(summed, total, amount, w))
    return "; ".join(parts)
