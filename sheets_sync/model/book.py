"""The rows the planner reads: partners, contacts, activities and news, parsed from the sheet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sheets_sync.model.tabs import Tab

__all__ = [
    "Activity",
    "Birthday",
    "Book",
    "Contact",
    "Direction",
    "NewsItem",
    "Partner",
    "Problem",
    "Stage",
]


class Stage(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"
    CHURNED = "churned"


class Direction(StrEnum):
    """An Activities row's Direction: `in` (the partner reached out: a response) or `out`."""

    OUT = "out"
    IN = "in"


@dataclass(frozen=True)
class Problem:
    """A malformed or inconsistent cell: reported in the row's Sync note and by `check`."""

    tab: Tab
    row: int  # 1-based sheet row
    column: str  # the header as the team wrote it ('' when the problem is the whole row)
    message: str


@dataclass(frozen=True)
class Birthday:
    month: int
    day: int
    year: int | None = None


@dataclass(frozen=True)
class Partner:
    row: int
    id: str
    name: str
    rank: str = ""  # as typed, upper-cased; '' when blank
    stage: Stage = Stage.ACTIVE
    manager: str = ""
    since: dt.date | None = None
    snooze_until: dt.date | None = None
    goal: str = ""
    goal_target: float | None = None
    goal_amount: float | None = None
    goal_period: tuple[dt.date, dt.date] | None = None  # first and last day; None: the current year
    trained: dt.date | None = None
    sales_kit_sent: dt.date | None = None
    last_newsletter: dt.date | None = None
    previous_status: str = ""  # the Touch status the sheet shows now, from the last cycle


@dataclass(frozen=True)
class Contact:
    row: int
    id: str
    partner_row: int | None  # the Partners row it belongs to; None when the reference is unknown
    name: str = ""
    email: str = ""
    role: str = ""
    champion: bool = False
    birthday: Birthday | None = None
    language: str = ""
    newsletter: bool = True
    unsubscribed: bool = False
    left_company: bool = False
    last_greeting: dt.date | None = None


@dataclass(frozen=True)
class Activity:
    row: int
    id: str
    date: dt.date | None
    partner_row: int | None
    type: str  # lower-cased
    direction: Direction = Direction.OUT
    contact: str = ""
    summary: str = ""
    agreements: str = ""
    next_steps: str = ""
    owner: str = ""
    due: dt.date | None = None
    done: bool = False
    amount: float | None = None
    follow_up: str = ""


@dataclass(frozen=True)
class NewsItem:
    row: int
    id: str
    date: dt.date | None
    title: str
    body: str = ""
    link: str = ""
    category: str = ""
    publish: bool = True


@dataclass(frozen=True)
class Book:
    """The workbook as the planner sees it: parsed rows, each knowing its sheet row."""

    partners: tuple[Partner, ...] = ()
    contacts: tuple[Contact, ...] = ()
    activities: tuple[Activity, ...] = ()
    news: tuple[NewsItem, ...] = ()
    # IDs on more than one row (a copied row keeps its ID): a send keyed by one can't be told
    # apart from the other's, so nothing is sent or recorded for them until the copy's ID is cleared.
    duplicate_ids: frozenset[str] = frozenset()
