"""Goal progress: deals dated inside the Goal period against Goal target and Goal amount.

Information only: progress is shown, never chased.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sheets_sync.model import Activity, Partner


def period_of(partner: Partner, today: dt.date) -> tuple[dt.date, dt.date]:
    """The Goal period's first and last day; blank (or unreadable, which Sync note says) is this year."""
    return partner.goal_period or (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))


def format_number(value: float) -> str:
    """12000 -> "12,000"; 1234.5 -> "1,234.5": thousands separators, decimals only when needed."""
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _against(done: float, target: float) -> str:
    text = f"{format_number(done)} of {format_number(target)}"
    if target > 0:
        text += f" ({int(done * 100 / target + 0.5)}%)"
    return text


def goal_progress(partner: Partner, deals: Sequence[Activity], today: dt.date) -> str:
    """E.g. "2 of 3 (67%); 12,000 of 50,000 (24%)": against Goal target and Goal amount, whichever are set."""
    target, amount = partner.goal_target, partner.goal_amount
    if target is None and amount is None:
        return ""
    first, last = period_of(partner, today)
    inside = [a for a in deals if a.date is not None and first <= a.date <= last]
    parts = []
    if target is not None:
        parts.append(_against(len(inside), target))
    if amount is not None:
        parts.append(_against(sum(a.amount or 0 for a in inside), amount))
    return "; ".join(parts)
