"""The nouns of sheets-sync: tabs and their columns, the rows the planner reads, what it decides.

Everything here is a frozen dataclass or an enum; nothing does I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# A value as it sits in a cell: what the sources read and write.
CellValue = None | str | int | float | bool | dt.date | dt.datetime | dt.time


class Tab(StrEnum):
    """The workbook's tabs, by their default names (the config can rename them)."""

    PARTNERS = "Partners"
    CONTACTS = "Contacts"
    ACTIVITIES = "Activities"
    NEWS = "News"
    DASHBOARD = "Dashboard"


class PartnerColumn(StrEnum):
    ID = "ID"
    PARTNER = "Partner"
    RANK = "Rank"
    STAGE = "Stage"
    MANAGER = "Manager"
    SINCE = "Since"
    SNOOZE_UNTIL = "Snooze until"
    GOAL = "Goal"
    GOAL_TARGET = "Goal target"
    GOAL_AMOUNT = "Goal amount"
    GOAL_PERIOD = "Goal period"
    TRAINED = "Trained"
    NOTES = "Notes"
    # (worker)
    LAST_TOUCH = "Last touch"
    LAST_RESPONSE = "Last response"
    NEXT_TOUCH = "Next touch"
    TOUCH_STATUS = "Touch status"
    DAYS_LATE = "Days late"
    NEXT_ACTION = "Next action"
    SALES_KIT_SENT = "Sales kit sent"
    LAST_NEWSLETTER = "Last newsletter"
    GOAL_PROGRESS = "Goal progress"
    SYNC_NOTE = "Sync note"


class ContactColumn(StrEnum):
    ID = "ID"
    PARTNER = "Partner"
    NAME = "Name"
    EMAIL = "Email"
    ROLE = "Role"
    CHAMPION = "Champion"
    BIRTHDAY = "Birthday"
    LANGUAGE = "Language"
    NEWSLETTER = "Newsletter"
    UNSUBSCRIBED = "Unsubscribed"
    LEFT_COMPANY = "Left company"
    # (worker)
    LAST_GREETING = "Last greeting"
    SYNC_NOTE = "Sync note"


class ActivityColumn(StrEnum):
    ID = "ID"
    DATE = "Date"
    PARTNER = "Partner"
    TYPE = "Type"
    DIRECTION = "Direction"
    CONTACT = "Contact"
    SUMMARY = "Summary"
    AGREEMENTS = "Agreements"
    NEXT_STEPS = "Next steps"
    OWNER = "Owner"
    DUE = "Due"
    DONE = "Done"
    AMOUNT = "Amount"
    FOLLOW_UP = "Follow-up"
    # (worker)
    SYNC_NOTE = "Sync note"


class NewsColumn(StrEnum):
    ID = "ID"
    DATE = "Date"
    TITLE = "Title"
    BODY = "Body"
    LINK = "Link"
    CATEGORY = "Category"
    PUBLISH = "Publish"


@dataclass(frozen=True)
class TabSpec:
    """What sheets-sync knows of one tab: its columns, which it needs and which it writes."""

    tab: Tab
    columns: type[StrEnum]
    required: tuple[StrEnum, ...]
    worker: tuple[StrEnum, ...]
    id_prefix: str


TAB_SPECS: dict[Tab, TabSpec] = {
    Tab.PARTNERS: TabSpec(
        Tab.PARTNERS,
        PartnerColumn,
        required=(PartnerColumn.PARTNER,),
        worker=tuple(PartnerColumn)[list(PartnerColumn).index(PartnerColumn.LAST_TOUCH):],
        id_prefix="P",
    ),
    Tab.CONTACTS: TabSpec(
        Tab.CONTACTS,
        ContactColumn,
        required=(ContactColumn.PARTNER, ContactColumn.EMAIL),
        worker=(ContactColumn.LAST_GREETING, ContactColumn.SYNC_NOTE),
        id_prefix="C",
    ),
    Tab.ACTIVITIES: TabSpec(
        Tab.ACTIVITIES,
        ActivityColumn,
        required=(ActivityColumn.DATE, ActivityColumn.PARTNER, ActivityColumn.TYPE),
        worker=(ActivityColumn.SYNC_NOTE,),
        id_prefix="A",
    ),
    Tab.NEWS: TabSpec(
        Tab.NEWS,
        NewsColumn,
        required=(NewsColumn.DATE, NewsColumn.TITLE),
        worker=(),
        id_prefix="N",
    ),
}


class Stage(StrEnum):
    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"
    CHURNED = "churned"


class Direction(StrEnum):
    """An Activities row's Direction: `in` (the partner reached out: a response) or `out`."""

    OUT = "out"
    IN = "in"


class TouchStatus(StrEnum):
    """In the order the rules test them: the first that matches wins."""

    CHURNED = "churned"
    PAUSED = "paused"
    SNOOZED = "snoozed"
    ONBOARDING = "onboarding"
    SLEEPING = "sleeping"
    OVERDUE = "overdue"
    DUE = "due"
    SOON = "soon"
    OK = "ok"


class MessageKind(StrEnum):
    """The value of the X-Sheets-Sync-Kind header, in sending priority order."""

    FOLLOW_UP = "follow-up"
    SALES_KIT = "sales-kit"
    GREETING = "greeting"
    NEWSLETTER = "newsletter"
    DIGEST = "digest"


# Activities rows the worker appends for what it sent; they are never touches.
LOGGED_TYPES: dict[MessageKind, str] = {
    MessageKind.FOLLOW_UP: "follow-up",
    MessageKind.SALES_KIT: "sales kit",
    MessageKind.GREETING: "greeting",
    MessageKind.NEWSLETTER: "newsletter",
}

# The marker the worker writes into an empty Follow-up cell; it may replace its own marker later.
MISSING_NEXT_STEPS = "missing next steps"
# How a Follow-up cell starts once followup.mode remind listed the meeting in its manager's digest.
REMINDED = "reminded in the digest"
# The last part of a follow-up draft's key: the draft goes to the team, not to the partner.
DRAFT = "draft"


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


# --- What the planner decides -------------------------------------------------------------


@dataclass(frozen=True)
class PartnerState:
    """The worker columns of one Partners row, as computed for `today`."""

    row: int
    last_touch: dt.date | None
    last_response: dt.date | None
    next_touch: dt.date | None
    status: TouchStatus
    days_late: int | None
    next_action: str
    goal_progress: str
    notes: tuple[str, ...] = ()


class FollowUpState(StrEnum):
    SEND = "send"  # a follow-up email is due (draft to the manager, or to the partner)
    REMIND = "remind"  # followup.mode remind: only listed in the digest
    MISSING_NEXT_STEPS = "missing next steps"  # nothing to restate: reported to the manager


@dataclass(frozen=True)
class FollowUpTask:
    activity_row: int
    partner_row: int
    state: FollowUpState
    late: bool  # none went out within followup.within_hours of the meeting


@dataclass(frozen=True)
class MessageIntent:
    """One email the team's practice calls for; rendering and delivery turn it into a message."""

    kind: MessageKind
    key: str  # idempotency key: kind, occasion, recipient
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    reply_to: str = ""
    language: str = ""
    partner_row: int | None = None
    contact_row: int | None = None
    activity_row: int | None = None
    occasion: str = ""  # e.g. 'birthday 2026', 'New Year 2027', the meeting date
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def target_id(self) -> str:
        return key_target(self.key)


@dataclass(frozen=True)
class MessageKey:
    """A message's idempotency key: its kind, the row it is about and the occasion.

    Written as "<kind>:<target>[:<occasion>...]" (the form the ledger stores and each Message-ID is
    hashed from) and read back with `parse`, which knows how many occasion parts each kind has, so
    a row ID may hold colons ("ACME:01"). `target` is the ID of the activity (follow-up), partner
    (sales kit) or contact (greeting, newsletter), or the manager's address (digest).
    """

    kind: MessageKind
    target: str
    occasion: tuple[str, ...] = ()

    def __str__(self) -> str:
        return ":".join((self.kind.value, self.target, *self.occasion))

    @classmethod
    def parse(cls, text: str) -> MessageKey:
        kind_text, _, rest = text.partition(":")
        kind = MessageKind(kind_text)
        parts = _OCCASION_PARTS[kind]
        if kind is MessageKind.FOLLOW_UP:
            parts = 1 if rest.endswith(f":{DRAFT}") else 0
        if parts == 0:
            return cls(kind, rest)
        target, *occasion = rest.rsplit(":", parts)
        return cls(kind, target, tuple(occasion))

    @property
    def is_draft(self) -> bool:
        """A follow-up draft (followup.mode draft): it went to the manager, not to the partner."""
        return self.kind is MessageKind.FOLLOW_UP and self.occasion == (DRAFT,)


# occasion parts after the target: a newsletter's and a digest's date, a greeting's occasion and year
_OCCASION_PARTS = {MessageKind.FOLLOW_UP: 0, MessageKind.SALES_KIT: 0, MessageKind.GREETING: 2,
                   MessageKind.NEWSLETTER: 1, MessageKind.DIGEST: 1}  # fmt: skip


def digest_key(manager: str, day: dt.date) -> str:
    """The idempotency key of a manager's digest of `day` (one a day)."""
    return str(MessageKey(MessageKind.DIGEST, manager, (day.isoformat(),)))


def key_target(key: str) -> str:
    """The ID of the row a message is about (activity, partner or contact), or a digest's manager."""
    try:
        return MessageKey.parse(key).target
    except ValueError:  # not a kind this release knows
        return ""


class DigestSection(StrEnum):
    """Sections of a manager's digest in SPEC 3's order, most urgent first (after a sheet that cannot
    be written, SPEC 5): touches, follow-ups, next steps (and today's bookings), greetings, sleeping
    and waking, onboarding (and rank duties), goal progress."""

    SHEET = "Sheet not updated"  # the workbook could not be written for a while (someone has it open)
    OVERDUE = "Overdue touches"
    DUE = "Touches due today"
    FOLLOW_UPS = "Follow-ups to send"
    MISSING_NEXT_STEPS = "Meetings without next steps"
    NEXT_STEPS = "Next steps due"
    PLANNED = "Booked for today"
    GREETINGS = "Greetings coming up"
    SLEEP = "Fell asleep or woke up"
    ONBOARDING = "Onboarding"
    DUTIES = "Rank duties missing"
    GOALS = "Goal progress"


@dataclass(frozen=True)
class DigestItem:
    section: DigestSection
    partner_row: int | None
    partner: str
    rank: str
    text: str
    when: dt.date | None = None  # the date the item is about (due date, birthday, meeting)


@dataclass(frozen=True)
class Digest:
    manager: str  # an email address (or digest.fallback)
    items: tuple[DigestItem, ...]


@dataclass(frozen=True)
class Plan:
    today: dt.date
    partners: tuple[PartnerState, ...]
    followups: tuple[FollowUpTask, ...]
    messages: tuple[MessageIntent, ...]
    digests: tuple[Digest, ...]
    contact_notes: dict[int, tuple[str, ...]] = field(default_factory=dict)  # row -> notes
    activity_notes: dict[int, tuple[str, ...]] = field(default_factory=dict)


# --- What the worker writes back ----------------------------------------------------------


@dataclass(frozen=True)
class CellWrite:
    tab: str  # the tab's name in the workbook
    row: int  # 1-based sheet row
    row_id: str  # the row's ID, so a source can re-target the write if rows moved
    column: int  # 1-based column, possibly one of `Changes.new_headers`
    value: CellValue  # None clears the cell; a date is written as a real date cell


@dataclass(frozen=True)
class Changes:
    """Everything one cycle writes, computed against what it read."""

    new_headers: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    cells: tuple[CellWrite, ...] = ()
    appends: dict[str, tuple[tuple[CellValue, ...], ...]] = field(default_factory=dict)
    dashboard: tuple[str, tuple[tuple[CellValue, ...], ...]] | None = None  # tab name, rows
    id_columns: dict[str, int] = field(default_factory=dict)  # tab name -> 1-based ID column

    def is_empty(self) -> bool:
        return not (self.new_headers or self.cells or self.appends or self.dashboard)
