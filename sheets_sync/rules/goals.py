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
    partner: Partner, deals: Sequence[Activity], today: dt.date, w: Words, currency: str = ""
) -> tuple[str, str]:
    """Progress against Goal target and Goal amount, whichever are set, amounts in `currency` when
    the config names one; twice: for the cell ("2 of 3 (67%); 12,000 of 50,000 (24%)", as the
    SPEC shows it) and as a sentence reads, for the digest ("2 of 3 deals (67%); €12,000 of €50,000
    (24%)"). ("", "") without a goal."""
    target, amount = partner.goal_target, partner.goal_amount
    if target is None and amount is None:
        return "", ""
    first, last = period_of(partner, today)
    inside = [a for a in deals if a.date is not None and first <= a.date <= last]
    cell: list[str] = []
    line: list[str] = []
    if target is not None:
        done, of = w.number(len(inside)), w.number(target)
        cell.append(_percent(w.text("goal.against", done=done, target=of), len(inside), target, w))
        line.append(
            _percent(w.text("goal.deals", done=done, target=of, count=target), len(inside), target, w)
        )
    if amount is not None:
        total = sum(a.amount or 0 for a in inside)
        summed = w.text("goal.against", done=_amount(total, currency, w), target=_amount(amount, currency, w))
        cell.append(_percent(summed, total, amount, w))
        line.append(cell[-1])
    return "; ".join(cell), "; ".join(line)
