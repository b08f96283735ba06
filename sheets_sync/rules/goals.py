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


def _against(done: float, target: float, w: Words) -> str:
    text = w.text("goal.against", done=w.number(done), target=w.number(target))
    if target > 0:
        text = w.text("goal.percent", text=text, percent=int(done * 100 / target + 0.5))
    return text


def goal_progress(partner: Partner, deals: Sequence[Activity], today: dt.date, w: Words) -> str:
    """E.g. "2 of 3 (67%); 12,000 of 50,000 (24%)": against Goal target and Goal amount, whichever are set."""
    target, amount = partner.goal_target, partner.goal_amount
    if target is None and amount is None:
        return ""
    first, last = period_of(partner, today)
    inside = [a for a in deals if a.date is not None and first <= a.date <= last]
    parts = []
    if target is not None:
        parts.append(_against(len(inside), target, w))
    if amount is not None:
        parts.append(_against(sum(a.amount or 0 for a in inside), amount, w))
    return "; ".join(parts)
