"""Goal progress: deals dated inside the Goal period against Goal target and Goal amount.

Information only: progress is shown, never chased.
"""

from __future__ import annotations

import datetime as dt
import re

from sheets_sync.model import Activity, Partner

_YEAR = re.compile(r"(\d{4})(?:\.0+)?")
_QUARTER = (re.compile(r"(\d{4})\s*[-/ ]?\s*q([1-4])"), re.compile(r"q([1-4])\s*[-/ ]?\s*(\d{4})"))
_MONTH = (
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})(?:-01(?:[ t]00:00(?::00)?)?)?"),  # 2026-11 (or 2026-11-01)
    re.compile(r"(\d{1,2})\s*[/.]\s*(\d{4})"),  # 11.2026, 11/2026
)


def _month_end(year: int, month: int) -> dt.date:
    return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)


def parse_period(text: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """First and last day of a year ("2026"), quarter ("2026-Q4", "Q4 2026") or month ("2026-11").

    Blank means the current calendar year; None when the text is none of these.
    """
    s = text.strip().lower()
    if not s:
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if m := _YEAR.fullmatch(s):
        year = int(m[1])
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    for i, pattern in enumerate(_QUARTER):
        if m := pattern.fullmatch(s):
            year, quarter = (int(m[1]), int(m[2])) if i == 0 else (int(m[2]), int(m[1]))
            first = 3 * quarter - 2
            return dt.date(year, first, 1), _month_end(year, first + 2)
    for i, pattern in enumerate(_MONTH):
        if m := pattern.fullmatch(s):
            year, month = (int(m[1]), int(m[2])) if i == 0 else (int(m[2]), int(m[1]))
            if 1 <= month <= 12 and year >= 1:
                return dt.date(year, month, 1), _month_end(year, month)
    return None


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


def goal_progress(partner: Partner, deals: list[Activity], today: dt.date) -> tuple[str, str]:
    """("2 of 3 (67%); 12,000 of 50,000 (24%)", Sync note or '')."""
    target, amount = partner.goal_target, partner.goal_amount
    if target is None and amount is None:
        return "", ""
    period = parse_period(partner.goal_period, today)
    if period is None:
        note = (
            f'Goal period "{partner.goal_period.strip()}" is not a year, quarter (2026-Q4) or month (2026-11)'
        )
        return "", note
    first, last = period
    inside = [a for a in deals if a.date is not None and first <= a.date <= last]
    parts = []
    if target is not None:
        parts.append(_against(len(inside), target))
    if amount is not None:
        parts.append(_against(sum(a.amount or 0 for a in inside), amount))
    return "; ".join(parts), ""
