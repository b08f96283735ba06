"""The rows the planner reads: partners, contacts, activities and news, parsed from the sheet."""

from __future__ import annotations

import datetime as dt
import re
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
    "first_name_in",
    "language_code",
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
    first_name: str = ""  # the First name cell: how the person is greeted ('' when blank)
    email_status: str = ""  # the Email status cell: '' while the address works, else why not (SPEC 2)

    @property
    def is_mailable(self) -> bool:
        """Whether newsletters and greetings may go to this address: not unsubscribed (by the team's
        cell or by the inbox) and not bounced."""
        return not self.unsubscribed and not self.email_status

    @property
    def salutation(self) -> str:
        """The name a salutation greets: First name when filled, else the first word of Name
        (`first_name_in`); '' when neither gives one."""
        return " ".join(self.first_name.split()) or first_name_in(self.name)


def first_name_in(name: str) -> str:
    """The first name in a Name cell: its first word ("Lena Vogel" -> "Lena", "Артём Орлов" ->
    "Артём"). '' when the cell is blank, or holds an email address rather than a name, or its first
    word has no letter in it. A name written otherwise ("Orlov Artem", "Dr. Lena Vogel") needs its
    First name cell."""
    words = name.split()
    first = words[0].strip(",;:") if words else ""
    if "@" in first or "<" in first or not any(ch.isalpha() for ch in first):
        return ""
    return first


_SUBTAG = re.compile(r"[-_]")  # compiled once: the planner asks for every champion's holidays
_LANGUAGE_NAMES = {"english": "en", "английский": "en", "russian": "ru", "русский": "ru"}


def language_code(text: str) -> str:
    """A Language cell's (or a config key's) language as a code: "ru-RU", "RU", "Russian" and
    "русский" are all "ru"; '' for a blank one. Anything else is its first part, lower-cased."""
    lowered = text.strip().lower()
    return _LANGUAGE_NAMES.get(lowered) or _SUBTAG.split(lowered, maxsplit=1)[0]


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
    draft_sent: dt.date | None = None  # not a cell: the day the ledger says its follow-up draft went out


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
