"""The Dashboard tab: rows of values computed from the book and its plan, and where its section
titles, column widths and charts sit (`dashboard_layout`), for both sources to draw. Pure.

Two column groups. On the left (columns A to K), blocks of rows, each led by its title row (bold),
one blank row between them: the title row (title, "as of", today); today's work (the most overdue
partners, the follow-ups to send, the next steps due, each with whom to contact); the counts by
touch status (in the order of STATUS_ORDER, most urgent first), by rank and by manager; the
follow-up discipline of the last `followup.lookback_days`; the partners' goals; and each manager's
latest digest (the sheet's record of the digests, which `rebuild-ledger` reads back). A text that
ends its row runs on into the empty cells to its right, so it does not widen its column.

On the right (from column L), two charts, and below them the data they draw, always in the same
cells: partners by touch status and rank, and follow-ups done within `followup.within_hours` or
late, by manager. Fixed cells let a Google chart keep the data range it was made with: later cycles
only change the values in it.

Every word comes from the catalogue in the config's `language`; the first row (title, "as of") and
the Digests block are recognised in every language, so a team that switches language keeps its
Dashboard. Every list is in a fixed order, so the tab is rewritten only when its content changes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from sheets_sync.config import Config
from sheets_sync.i18n import CATALOGUE, LANGUAGES, is_open_follow_up, is_reminded, words
from sheets_sync.model import (
    Activity,
    Book,
    CellValue,
    Contact,
    FollowUpState,
    FollowUpTask,
    Partner,
    Plan,
    TouchStatus,
)
from sheets_sync.rules.context import FOLLOW_UP_TYPES, champions, cut, effective_rank
from sheets_sync.rules.followups import addressees
from sheets_sync.sheet.dates import parse_date

__all__ = [
    "AS_OF",
    "CHART_COLUMN",
    "DIGESTS",
    "LEFT_WIDTH",
    "STATUS_ORDER",
    "TITLE",
    "Chart",
    "Layout",
    "dashboard_layout",
    "dashboard_rows",
    "digest_dates_shown",
    "is_worker_dashboard",
    "language_of",
]

Row = tuple[CellValue, ...]

# Its first row, and the header of the block that records each manager's latest digest, in English;
# read back in every language of the catalogue (`is_worker_dashboard`, `digest_dates_shown`).
TITLE, AS_OF = CATALOGUE["dashboard.title"]["en"], CATALOGUE["dashboard.as_of"]["en"]
DIGESTS = (CATALOGUE["dashboard.digests"]["en"], CATALOGUE["dashboard.last_sent"]["en"])

# Most urgent first: act now (overdue, due, soon), needs attention (onboarding, sleeping), fine (ok),
# parked (snoozed, paused), gone (churned).
STATUS_ORDER = (
    TouchStatus.OVERDUE,
    TouchStatus.DUE,
    TouchStatus.SOON,
    TouchStatus.ONBOARDING,
    TouchStatus.SLEEPING,
    TouchStatus.OK,
    TouchStatus.SNOOZED,
    TouchStatus.PAUSED,
    TouchStatus.CHURNED,
)
LIST_LENGTH = 10  # rows of each list of today's work, then "... and N more"

# Where things sit: 1-based rows and columns. The left group is as wide as its widest table (rank by
# status, with its total); the charts and their data start right after it.
LEFT_WIDTH = 1 + len(STATUS_ORDER) + 1  # A to K
CHART_COLUMN = LEFT_WIDTH + 1  # L
CHART_ROW = 3  # the first chart's top row
CHART_ROWS = 19  # rows a chart takes at the default row height (18 of 20 px), and one of air
CHART_SIZE = (540, 360)  # pixels: width, height
STATUS_DATA_ROW = CHART_ROW + 2 * CHART_ROWS  # 41: the header of the first chart's data
FOLLOWUP_DATA_ROW = STATUS_DATA_ROW + 1 + len(STATUS_ORDER) + 1  # 52: the header of the second's
CHART_CAPACITY = 30  # managers the second chart's fixed range covers (Google draws no blank rows)
RANK_COLOURS = ("1F4E79", "2E75B6", "9DC3E6", "5B9BD5", "BDD7EE", "203864", "8FAADC", "DEEBF7")
ON_TIME_COLOUR, LATE_COLOUR = "27AE60", "C0392B"
MIN_WIDTH, MAX_WIDTH = 8, 44  # characters


# --- recognising a Dashboard of the worker's -------------------------------------------------------


def _normal(text: object) -> str:
    return " ".join(str(text).split()).casefold() if text is not None else ""


@cache
def _every_language(key: str) -> dict[str, str]:
    """The entry `key` in every language, normalised -> that language."""
    return {_normal(CATALOGUE[key][language]): language for language in LANGUAGES}


def language_of(header: Sequence[object]) -> str | None:
    """The language of a Dashboard's first row when it is the one the worker writes, else None."""
    if len(header) < 2 or _normal(header[1]) not in _every_language("dashboard.as_of"):
        return None
    return _every_language("dashboard.title").get(_normal(header[0]))


def is_worker_dashboard(header: Sequence[str]) -> bool:
    """Whether a tab's first row is the one the worker writes, in any language (Dashboards made
    before the worker marked them, and every Dashboard on Google)."""
    return language_of(header) is not None


def digest_dates_shown(rows: Iterable[Iterable[object]]) -> dict[str, dt.date]:
    """The Digests block of a Dashboard as read back (in any language): manager -> the date of
    their latest digest. The block ends at the first row blank in its two columns."""
    out: dict[str, dt.date] = {}
    inside = False
    for row in rows:
        values = list(row)[:2]
        cells = [str(c).strip() if c is not None else "" for c in values]
        cells += [""] * (2 - len(cells))
        if not inside:
            inside = _normal(cells[0]) in _every_language("dashboard.digests") and _normal(
                cells[1]
            ) in _every_language("dashboard.last_sent")
            continue
        if not any(cells):
            break
        try:
            day = parse_date(values[1]) if len(values) > 1 else None
        except ValueError:
            day = None
        if cells[0] and day is not None:
            out[cells[0].lower()] = max(day, out.get(cells[0].lower(), day))
    return out


# --- the rows -------------------------------------------------------------------------------------


def dashboard_rows(
    book: Book, plan: Plan, config: Config, digests: Mapping[str, dt.date] | None = None
) -> tuple[Row, ...]:
    """The whole content of the Dashboard tab, as of `plan.today`; `digests`: manager -> the
    local date of their latest digest."""
    return _Dashboard(book, plan, config).rows(digests or {})


class _Grid:
    """Rows of cells, blocks placed at (row, column)."""

    def __init__(self) -> None:
        self.cells: dict[int, dict[int, CellValue]] = {}

    def place(self, row: int, column: int, block: Sequence[Row]) -> int:
        """Put `block` with its top-left cell at (row, column); returns the row after it."""
        for r, values in enumerate(block, start=row):
            line = self.cells.setdefault(r, {})
            for c, value in enumerate(values, start=column):
                if value is not None and value != "":
                    line[c] = value
        return row + len(block)

    def stack(self, row: int, blocks: Iterable[Sequence[Row]]) -> int:
        """Blocks one under the other from column A, a blank row between them; the row after."""
        for block in blocks:
            row = self.place(row, 1, block) + 1
        return row

    def rows(self) -> tuple[Row, ...]:
        height = max((r for r, line in self.cells.items() if line), default=0)
        out = []
        for r in range(1, height + 1):
            line = self.cells.get(r, {})
            out.append(tuple(line.get(c) for c in range(1, max(line, default=0) + 1)))
        return tuple(out)


class _Dashboard:
    def __init__(self, book: Book, plan: Plan, config: Config):
        self.book, self.plan, self.config = book, plan, config
        self.w = words(config.language, plan.today)
        self.partners = {p.row: p for p in book.partners}
        self.states = [s for s in plan.partners if s.row in self.partners]
        self.state_of = {s.row: s for s in self.states}
        self.rank = {row: effective_rank(p, config)[0] for row, p in self.partners.items()}
        self.contacts: dict[int, list[Contact]] = {}
        for c in book.contacts:
            if c.partner_row is not None:
                self.contacts.setdefault(c.partner_row, []).append(c)
        self.allowance = dt.timedelta(days=math.ceil(config.followup.within_hours / 24))
        self.followups = _FollowUps(self)

    def text(self, key: str, /, **values: object) -> str:
        return self.w.text(f"dashboard.{key}", **values)

    def manager(self, partner: Partner) -> str:
        return partner.manager.strip().lower()

    def manager_shown(self, manager: str) -> str:
        return manager or self.text("no_manager")

    def rows(self, digests: Mapping[str, dt.date]) -> tuple[Row, ...]:
        grid = _Grid()
        grid.place(1, 1, [(self.text("title"), self.text("as_of"), self.plan.today)])
        blocks = [self.most_overdue(), self.followups.to_send(), self.next_steps()]
        blocks += [self.by_status(), self.by_rank(), self.by_manager(), self.followups.discipline()]
        blocks += [self.goals(), *([self.digests(digests)] if digests else [])]
        grid.stack(3, blocks)
        grid.place(STATUS_DATA_ROW, CHART_COLUMN, self.status_chart_data())
        grid.place(FOLLOWUP_DATA_ROW, CHART_COLUMN, self.followups.chart_data())
        return grid.rows()

    # --- today's work: the text that says what to do comes last, and runs on to the right ---

    def most_overdue(self) -> list[Row]:
        late = sorted(
            (
                s
                for s in self.states
                if s.days_late is not None and s.days_late > self.config.ranks[self.rank[s.row]].grace
            ),
            key=lambda s: (-(s.days_late or 0), _name(self.partners[s.row]), s.row),
        )
        rows: list[Row] = [
            (
                self.partners[s.row].name,
                self.rank[s.row],
                s.days_late,
                self.manager_shown(self.manager(self.partners[s.row])),
                self.contact(s.row),
                s.next_action,
            )
            for s in late
        ]
        return self.listing(("overdue", "rank", "days_late", "manager", "contact", "next_action"), rows)

    def next_steps(self) -> list[Row]:
        today = self.plan.today
        quiet = (TouchStatus.CHURNED, TouchStatus.PAUSED)  # no next-step reminders for them
        steps = sorted(
            (
                a
                for a in self.book.activities
                if a.due is not None
                and a.due <= today
                and not a.done
                and a.partner_row in self.state_of
                and self.state_of[a.partner_row].status not in quiet
            ),
            key=lambda a: (a.due, _name(self.partners[a.partner_row or 0]), a.row),
        )
        rows: list[Row] = []
        for a in steps:
            assert a.due is not None and a.partner_row is not None  # as filtered above
            partner = self.partners[a.partner_row]
            owner = " ".join(a.owner.split()) or self.manager_shown(self.manager(partner))
            what = cut(a.next_steps or a.summary) or self.w.text("step.any")
            rows.append((partner.name, self.w.date(a.due), None, owner, self.contact(a.partner_row, a), what))
        return self.listing(("steps", "due", "", "owner", "contact", "step"), rows)

    def listing(self, header: tuple[str, ...], rows: list[Row]) -> list[Row]:
        """A list of today's work: its title row, at most LIST_LENGTH rows, and how many more."""
        out: list[Row] = [tuple(self.text(key) if key else None for key in header)]
        out.extend(rows[:LIST_LENGTH])
        if len(rows) > LIST_LENGTH:
            out.append((self.text("more", count=len(rows) - LIST_LENGTH),))
        if not rows:
            out.append((self.text("none"),))
        return out

    def contact(self, partner_row: int, activity: Activity | None = None) -> str:
        """Whom to get in touch with, by name: the people in the row's Contact cell (the names of
        the partner's contacts it gives the addresses of), else the partner's first champion, else
        its first contact still there; an address where there is no name."""
        people = self.contacts.get(partner_row, [])
        if activity is not None and activity.contact.strip():
            names = addressees(activity.contact, people)[2]  # as the follow-up reads the cell
            return cut(", ".join(dict.fromkeys(" ".join(n.split()) for n in names)), 40)
        chosen = champions(people) or [c for c in people if not c.left_company]
        if not chosen:
            return ""
        return " ".join(chosen[0].name.split()) or chosen[0].email.strip()

    # --- counts ---

    def statuses(self) -> list[str]:
        return [self.w.status(s) for s in STATUS_ORDER]

    def by_status(self) -> list[Row]:
        counts = Counter(s.status for s in self.states)
        rows: list[Row] = [(self.text("status"), self.text("partners"))]
        rows.extend((self.w.status(s), counts[s]) for s in STATUS_ORDER)
        rows.append((self.text("total"), len(self.states)))
        return rows

    def by_rank(self) -> list[Row]:
        ranks = list(self.config.ranks)
        pairs = [(self.rank[s.row], s.status) for s in self.states]
        return self.table(self.text("rank"), ranks, ranks, pairs)

    def by_manager(self) -> list[Row]:
        managers = sorted({self.manager(self.partners[s.row]) for s in self.states}, key=_manager_order)
        pairs = [(self.manager(self.partners[s.row]), s.status) for s in self.states]
        return self.table(self.text("manager"), managers, [self.manager_shown(m) for m in managers], pairs)

    def table(
        self, title: str, keys: list[str], shown: list[str], pairs: list[tuple[str, TouchStatus]]
    ) -> list[Row]:
        counts = Counter(pairs)
        rows: list[Row] = [(title, *self.statuses(), self.text("total"))]
        for key, name in zip(keys, shown, strict=True):
            cells = [counts[(key, s)] for s in STATUS_ORDER]
            rows.append((name, *cells, sum(cells)))
        totals = [sum(counts[(k, s)] for k in keys) for s in STATUS_ORDER]
        rows.append((self.text("total"), *totals, len(pairs)))
        return rows

    def goals(self) -> list[Row]:
        """Each goal and its progress in one cell, the last of its row: its text runs on to the right."""
        goals = sorted(
            (
                self.partners[s.row]
                for s in self.states
                if s.status != TouchStatus.CHURNED and (self.partners[s.row].goal.strip() or s.goal_progress)
            ),
            key=lambda p: (_name(p), p.row),
        )
        rows: list[Row] = [(self.text("goals"), self.text("goal"))]
        for p in goals:
            progress = self.state_of[p.row].goal_progress
            rows.append((p.name, ": ".join(part for part in (p.goal.strip(), progress) if part)))
        if not goals:
            rows.append((self.text("none"),))
        return rows

    def digests(self, digests: Mapping[str, dt.date]) -> list[Row]:
        rows: list[Row] = [(self.text("digests"), self.text("last_sent"))]
        # as text (YYYY-MM-DD): a date cell would cost Google a format request at every rewrite
        rows.extend((manager, digests[manager].isoformat()) for manager in sorted(digests))
        return rows

    def status_chart_data(self) -> list[Row]:
        """The first chart's data: partners by touch status (a row each, most urgent first) and rank
        (a column each)."""
        ranks = list(self.config.ranks)
        counts = Counter((s.status, self.rank[s.row]) for s in self.states)
        rows: list[Row] = [(self.text("chart.status"), *(self.text("chart.rank", rank=r) for r in ranks))]
        rows.extend((self.w.status(s), *(counts[(s, rank)] for rank in ranks)) for s in STATUS_ORDER)
        return rows


class _FollowUps:
    """The meetings, calls and visits of the look-back window, and what became of their follow-up."""

    def __init__(self, d: _Dashboard):
        self.d = d
        today = d.plan.today
        start = today - dt.timedelta(days=d.config.followup.lookback_days)
        tasks = {t.activity_row: t for t in d.plan.followups}
        self.meetings: list[tuple[Activity, FollowUpTask | None]] = [
            (a, tasks.get(a.row))
            for a in d.book.activities
            if a.type in FOLLOW_UP_TYPES
            and a.date is not None
            and start <= a.date <= today
            and a.partner_row in d.state_of
            and d.state_of[a.partner_row].status != TouchStatus.CHURNED
        ]
        self.reminded = {a.row for a, _ in self.meetings if is_reminded(a.follow_up)}
        self._tallies: dict[str, Counter[str]] | None = None

    def late(self, a: Activity) -> bool:
        """Whether the window of followup.within_hours (in whole days) is over."""
        assert a.date is not None  # a meeting of the window
        return self.d.plan.today > a.date + self.d.allowance

    def kind(self, a: Activity) -> str:
        """What became of it: on_time or late (done within followup.within_hours, or done after it or
        still not done past it), open (not yet due), reminded (followup.mode remind: the manager was
        told, no more is known)."""
        assert a.date is not None
        if a.row in self.reminded:
            return "reminded"
        if not is_open_follow_up(a.follow_up):
            day = recorded_day(a.follow_up, a.date)  # done, and no date says when: in time
            return "late" if day is not None and day > a.date + self.d.allowance else "on_time"
        return "late" if self.late(a) else "open"

    def to_send(self) -> list[Row]:
        """Open follow-ups (and those the digest only reminded of), oldest meeting first."""
        d, w = self.d, self.d.w
        todo = sorted(
            (
                (a, task)
                for a, task in self.meetings
                if a.row in self.reminded or (is_open_follow_up(a.follow_up) and task is not None)
            ),
            key=lambda pair: (pair[0].date, _name(d.partners[pair[0].partner_row or 0]), pair[0].row),
        )
        rows: list[Row] = []
        for a, task in todo:
            assert a.partner_row is not None and a.date is not None
            partner = d.partners[a.partner_row]
            missing = task is not None and task.state is FollowUpState.MISSING_NEXT_STEPS
            notes = [d.text("late_note")] if self.late(a) else []
            if a.row in self.reminded:
                notes.append(d.text("reminded_note"))
            what = d.text("do.next_steps" if missing else "do.send")
            if notes:
                what = d.text("do.with", text=what, notes=", ".join(notes))
            meeting = d.text("meeting_cell", date=w.date(a.date), type=w.type_name(a.type))
            manager = d.manager_shown(d.manager(partner))
            rows.append((partner.name, meeting, None, manager, d.contact(a.partner_row, a), what))
        return d.listing(("followups", "meeting", "", "manager", "contact", "to_do"), rows)

    def tallies(self) -> dict[str, Counter[str]]:
        """Manager -> how many meetings, and of each kind (`kind`), and without next steps."""
        if self._tallies is not None:
            return self._tallies
        tally: dict[str, Counter[str]] = {}
        for a, task in self.meetings:
            assert a.partner_row is not None
            counter = tally.setdefault(self.d.manager(self.d.partners[a.partner_row]), Counter())
            counter["meetings"] += 1
            counter[self.kind(a)] += 1
            if task is not None and task.state is FollowUpState.MISSING_NEXT_STEPS:
                counter["no_next_steps"] += 1
        self._tallies = tally
        return tally

    def discipline(self) -> list[Row]:
        d = self.d
        columns = ("meetings", "on_time", "late", "open", "reminded", "no_next_steps")
        days = d.w.days(d.config.followup.lookback_days)
        names = {"on_time": d.text("on_time", hours=d.config.followup.within_hours)}
        rows: list[Row] = [(d.text("discipline", days=days), *(names.get(c) or d.text(c) for c in columns))]
        tally = self.tallies()
        total: Counter[str] = Counter()
        for manager in sorted(tally, key=_manager_order):
            total.update(tally[manager])
            rows.append((d.manager_shown(manager), *(tally[manager][c] for c in columns)))
        rows.append((d.text("total"), *(total[c] for c in columns)))
        return rows

    def chart_data(self) -> list[Row]:
        """The second chart's data: follow-ups done within followup.within_hours and late ones, by
        manager; CHART_CAPACITY managers at most (the last row sums the others)."""
        d = self.d
        header = (
            d.text("chart.followups", days=d.w.days(d.config.followup.lookback_days)),
            d.text("on_time", hours=d.config.followup.within_hours),
            d.text("late"),
        )
        tally = self.tallies()
        managers = sorted(tally, key=_manager_order)
        rows: list[Row] = [(d.manager_shown(m), tally[m]["on_time"], tally[m]["late"]) for m in managers]
        if len(rows) > CHART_CAPACITY:
            rest = managers[CHART_CAPACITY - 1 :]
            others = (sum(tally[m]["on_time"] for m in rest), sum(tally[m]["late"] for m in rest))
            rows = [*rows[: CHART_CAPACITY - 1], (d.text("other_managers", count=len(rest)), *others)]
        return [header, *(rows or [(d.text("none"),)])]


def _name(partner: Partner) -> str:
    return partner.name.casefold()


def _manager_order(manager: str) -> tuple[bool, str]:
    return not manager, manager  # '' (no manager) last


# --- a date in a Follow-up cell -------------------------------------------------------------------------

_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DOTTED = re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b")


@cache
def _long_date() -> tuple[re.Pattern[str], dict[str, int]]:
    """ "2 декабря", "2 декабря 2025", "2 December": a day and a month name of any language."""
    months: dict[str, int] = {}
    for language in LANGUAGES:
        names = words(language).locale.months
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in names[context][width].items():
                    months[name.casefold().rstrip(".")] = int(number)
    alternatives = "|".join(sorted(map(re.escape, months), key=len, reverse=True))
    return re.compile(rf"\b(\d{{1,2}})\s+({alternatives})\.?(?:\s+(\d{{4}}))?", re.I), months


def recorded_day(text: str, meeting: dt.date) -> dt.date | None:
    """The last date a Follow-up cell names (as the worker writes it: "sent to ... 2026-11-25 10:00",
    "отправлен ... 25 ноября 10:00"; or 25.11.2026), else None. A date without its year is the
    first such day on or after the meeting."""
    found: list[tuple[int, dt.date]] = []
    for m in _ISO.finditer(text):
        day = _day(int(m[1]), int(m[2]), int(m[3]))
        if day:
            found.append((m.start(), day))
    for m in _DOTTED.finditer(text):
        day = _day(int(m[3]), int(m[2]), int(m[1]))
        if day:
            found.append((m.start(), day))
    pattern, months = _long_date()
    for m in pattern.finditer(text):
        month, number = months[m[2].casefold()], int(m[1])
        if m[3]:
            day = _day(int(m[3]), month, number)
        else:
            day = _day(meeting.year, month, number)
            if day and day < meeting:
                day = _day(meeting.year + 1, month, number)
        if day:
            found.append((m.start(), day))
    return max(found)[1] if found else None


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# --- where the section titles, the widths and the charts sit ------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A stacked bar chart of a block of the Dashboard: the block's header row names the series
    (its first cell is the chart's title), its first column the categories (a bar each). 1-based
    rows and columns."""

    title: str
    anchor: tuple[int, int]  # (row, column) of the cell its top-left corner sits on
    size: tuple[int, int]  # pixels: width, height
    header: int  # the row of the data's header
    column: int  # the data's first column: the categories
    series: int  # how many series: the columns after `column`
    categories: int  # how many rows of data there are now
    capacity: int  # the rows of data its fixed range covers (Google: later cycles only change values)
    colours: tuple[str, ...]  # each series' colour, RGB hex


@dataclass(frozen=True)
class Layout:
    headings: tuple[tuple[int, int, int], ...]  # bold rows: (row, first column, last column)
    widths: tuple[int, ...]  # each column's width in characters, from column A
    charts: tuple[Chart, ...]  # none for rows that are not a Dashboard of the worker's


GROUPS = ((1, LEFT_WIDTH), (CHART_COLUMN, 16_384))  # (first, last column) of each column group


def dashboard_layout(rows: Sequence[Sequence[CellValue]]) -> Layout:
    """Where the section titles, the column widths and the charts of `rows` (a Dashboard's content)
    are. In each column group, a row that starts a block (its first column filled after a blank
    one) is a title, and so is the first row. A column is as wide as its longest text, but for a
    text that ends its row in its group (not in the group's first column): that one runs on into
    the empty cells to its right. The charts: for each block of chart data in its cells, when the
    first row is the worker's."""

    def cell(r: int, c: int) -> CellValue:
        row = rows[r - 1] if 0 < r <= len(rows) else ()
        value = row[c - 1] if 0 < c <= len(row) else None
        return None if value == "" else value

    def last_filled(r: int, first: int, last: int) -> int:
        end = min(last, len(rows[r - 1]))
        return max((c for c in range(first, end + 1) if cell(r, c) is not None), default=first)

    headings = []
    if rows and any(cell(1, c) is not None for c in range(1, len(rows[0]) + 1)):
        headings.append((1, 1, last_filled(1, *GROUPS[0])))
    longest = [0] * max((len(r) for r in rows), default=0)
    for first, last in GROUPS:
        for r in range(1, len(rows) + 1):
            if r > 1 and cell(r, first) is not None and cell(r - 1, first) is None:
                headings.append((r, first, last_filled(r, first, last)))
            end = last_filled(r, first, last)
            for c in range(first, end + 1):
                value = cell(r, c)
                if value is None or (c == end and c > first):
                    continue
                shown = value.isoformat() if isinstance(value, dt.date) else str(value)
                longest[c - 1] = max(longest[c - 1], len(shown))
    widths = tuple(min(max(n + 2, MIN_WIDTH), MAX_WIDTH) for n in longest)

    charts: list[Chart] = []
    blocks = (
        (STATUS_DATA_ROW, CHART_ROW, len(STATUS_ORDER), RANK_COLOURS),
        (FOLLOWUP_DATA_ROW, CHART_ROW + CHART_ROWS, CHART_CAPACITY, (ON_TIME_COLOUR, LATE_COLOUR)),
    )
    for header, top, capacity, colours in blocks if rows and language_of(rows[0]) else ():
        title = cell(header, CHART_COLUMN)
        series = 0
        while cell(header, CHART_COLUMN + 1 + series) is not None:
            series += 1
        categories = 0
        while categories < capacity and cell(header + 1 + categories, CHART_COLUMN) is not None:
            categories += 1
        if title is None or not series or not categories:
            continue
        charts.append(
            Chart(
                title=str(title),
                anchor=(top, CHART_COLUMN),
                size=CHART_SIZE,
                header=header,
                column=CHART_COLUMN,
                series=series,
                categories=categories,
                capacity=capacity,
                colours=tuple(colours[i % len(colours)] for i in range(series)),
            )
        )
    return Layout(tuple(sorted(headings)), widths, tuple(charts))
