"""The Dashboard tab: plain rows of values, computed from the book and its plan.

Blocks, each with a header row and a blank row between them: counts by touch status, rank by
status, manager by status, follow-up discipline, goals, the most overdue partners, and each
manager's latest digest (the sheet's record of the digests, which `rebuild-ledger` reads back).
Every list is in a fixed order, so the tab is rewritten only when its content changes.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from sheets_sync.config import Config
from sheets_sync.i18n import is_open_follow_up, is_reminded
from sheets_sync.model import (
    Book,
    CellValue,
    FollowUpState,
    Partner,
    Plan,
    TouchStatus,
)
from sheets_sync.rules.context import FOLLOW_UP_TYPES, effective_rank
from sheets_sync.sheet.dates import parse_date

TITLE, AS_OF = "Partners dashboard", "as of"  # its first row; how a Dashboard of the worker's is known
NO_MANAGER = "(no manager)"
NONE_ROW: tuple[CellValue, ...] = ("(none)",)
MOST_OVERDUE = 10
DIGESTS = ("Digests", "Last sent")  # the header of the block that records each manager's latest digest

Row = tuple[CellValue, ...]


def _manager(partner: Partner) -> str:
    return partner.manager.strip().lower() or NO_MANAGER


def _manager_order(name: str) -> tuple[bool, str]:
    return name == NO_MANAGER, name


def is_worker_dashboard(header: tuple[str, ...]) -> bool:
    """Whether a tab's first row is the one the worker writes (Dashboards made before it marked them)."""
    return (
        len(header) >= 2 and header[0].strip().casefold() == TITLE.casefold() and header[1].strip() == AS_OF
    )


def dashboard_rows(
    book: Book, plan: Plan, config: Config, digests: Mapping[str, dt.date] | None = None
) -> tuple[Row, ...]:
    """The whole content of the Dashboard tab, as of `plan.today`; `digests`: manager -> the
    local date of their latest digest."""
    partners = {p.row: p for p in book.partners}
    states = [s for s in plan.partners if s.row in partners]
    statuses = list(TouchStatus)
    ranks = {row: effective_rank(p, config)[0] for row, p in partners.items()}

    rows: list[Row] = [(TITLE, AS_OF, plan.today), ()]

    counts = Counter(s.status for s in states)
    rows.append(("Touch status", "Partners"))
    rows.extend((status.value, counts[status]) for status in statuses)
    rows.append(("Total", len(states)))
    rows.append(())

    rows.extend(_table("Rank", list(config.ranks), [(ranks[s.row], s.status) for s in states], statuses))
    rows.append(())
    managers = sorted({_manager(partners[s.row]) for s in states}, key=_manager_order)
    rows.extend(
        _table("Manager", managers, [(_manager(partners[s.row]), s.status) for s in states], statuses)
    )
    rows.append(())

    rows.extend(_followup_discipline(book, plan, config, partners))
    rows.append(())

    rows.append(("Partner goals", "Goal", "Progress"))
    goals = sorted(
        (
            partners[s.row]
            for s in states
            if s.status != TouchStatus.CHURNED and (partners[s.row].goal.strip() or s.goal_progress)
        ),
        key=lambda p: (p.name.casefold(), p.row),
    )
    by_row = {s.row: s for s in states}
    rows.extend((p.name, p.goal.strip(), by_row[p.row].goal_progress) for p in goals)
    if not goals:
        rows.append(NONE_ROW)
    rows.append(())

    rows.append(("Most overdue", "Rank", "Manager", "Days late", "Next action"))
    late = sorted(
        (
            (s, s.days_late)
            for s in states
            if s.days_late is not None and s.days_late > config.ranks[ranks[s.row]].grace
        ),
        key=lambda pair: (-pair[1], partners[pair[0].row].name.casefold(), pair[0].row),
    )[:MOST_OVERDUE]
    rows.extend(
        (partners[s.row].name, ranks[s.row], _manager(partners[s.row]), days_late, s.next_action)
        for s, days_late in late
    )
    if not late:
        rows.append(NONE_ROW)
    if digests:
        rows.append(())
        rows.append(DIGESTS)
        # as text (YYYY-MM-DD): a date cell would cost Google a format request at every rewrite
        rows.extend((manager, digests[manager].isoformat()) for manager in sorted(digests))
    return tuple(rows)


def digest_dates_shown(rows: Iterable[Iterable[object]]) -> dict[str, dt.date]:
    """The Digests block of a Dashboard as read back: manager -> date of the latest digest."""
    out: dict[str, dt.date] = {}
    inside = False
    for row in rows:
        cells = [str(c).strip() if c is not None else "" for c in row]
        if not inside:
            inside = cells[:2] == list(DIGESTS)
            continue
        if not any(cells):
            break
        try:
            day = parse_date(list(row)[1]) if len(cells) > 1 else None
        except ValueError:
            day = None
        if cells[0] and day is not None:
            out[cells[0].lower()] = max(day, out.get(cells[0].lower(), day))
    return out


def _table(
    title: str, keys: list[str], pairs: list[tuple[str, TouchStatus]], statuses: list[TouchStatus]
) -> Iterator[Row]:
    counts = Counter(pairs)
    yield (title, *(s.value for s in statuses), "Total")
    for key in keys:
        cells = [counts[(key, s)] for s in statuses]
        yield (key, *cells, sum(cells))
    yield ("Total", *(sum(counts[(k, s)] for k in keys) for s in statuses), len(pairs))


def _followup_discipline(
    book: Book, plan: Plan, config: Config, partners: dict[int, Partner]
) -> Iterator[Row]:
    """Meetings, calls and visits in the look-back window, by manager: what became of the follow-up.

    Reminded (followup.mode remind) is not Done: the worker only knows the manager was told.
    """
    today = plan.today
    start = today.toordinal() - config.followup.lookback_days
    churned = {s.row for s in plan.partners if s.status == TouchStatus.CHURNED}
    tasks = {t.activity_row: t for t in plan.followups}
    columns = ("Meetings", "Done", "Reminded", "Pending", "Late", "Missing next steps")
    tally: dict[str, Counter[str]] = {}
    for a in book.activities:
        if (
            a.type not in FOLLOW_UP_TYPES
            or a.date is None
            or a.date > today
            or a.date.toordinal() < start
            or a.partner_row not in partners
            or a.partner_row in churned
        ):
            continue
        counter = tally.setdefault(_manager(partners[a.partner_row]), Counter())
        counter["Meetings"] += 1
        task = tasks.get(a.row)
        if is_reminded(a.follow_up):
            counter["Reminded"] += 1
        elif not is_open_follow_up(a.follow_up):
            counter["Done"] += 1
        elif task is not None and task.state == FollowUpState.MISSING_NEXT_STEPS:
            counter["Missing next steps"] += 1
        elif task is not None:
            counter["Pending"] += 1
            counter["Late"] += task.late
    yield (f"Follow-ups (last {config.followup.lookback_days} days)", *columns)
    total: Counter[str] = Counter()
    for manager in sorted(tally, key=_manager_order):
        total.update(tally[manager])
        yield (manager, *(tally[manager][c] for c in columns))
    yield ("Total", *(total[c] for c in columns))
