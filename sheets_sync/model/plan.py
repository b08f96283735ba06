"""What the planner decides: statuses, follow-ups, the messages to send (and their keys), digests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sheets_sync.model.tabs import Tab

__all__ = [
    "DRAFT",
    "LOGGED_TYPES",
    "Digest",
    "DigestItem",
    "DigestSection",
    "FollowUpState",
    "FollowUpTask",
    "MessageIntent",
    "MessageKey",
    "MessageKind",
    "PartnerState",
    "Plan",
    "TouchStatus",
    "digest_key",
    "key_target",
]


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

# The last part of a follow-up draft's key: the draft goes to the team, not to the partner.
DRAFT = "draft"


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
_OCCASION_PARTS = {
    MessageKind.FOLLOW_UP: 0,
    MessageKind.SALES_KIT: 0,
    MessageKind.GREETING: 2,
    MessageKind.NEWSLETTER: 1,
    MessageKind.DIGEST: 1,
}


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
    """Sections of a manager's digest in the order docs/rules.md gives, most urgent first (after a sheet
    that cannot be written): touches, follow-ups, next steps (and today's bookings), greetings, sleeping
    and waking, onboarding (and rank duties), goal progress."""

    SHEET = "Sheet not updated"  # the workbook could not be written for a while (someone has it open)
    OVERDUE = "Overdue touches"
    DUE = "Touches due today"
    INBOX = "Emails from partners"  # since the last digest (with an inbox): each may want an answer
    FOLLOW_UPS = "Follow-ups to send"
    DRAFTS = "Follow-up drafts in your inbox"  # mailed to the manager this day: to forward
    MISSING_NEXT_STEPS = "Meetings without next steps"
    NEXT_STEPS = "Next steps due"
    PLANNED = "Booked for today"
    GREETINGS = "Greetings coming up"
    SLEEP = "Fell asleep or woke up"
    BOUNCES = "Bounces to fix"  # an address in Contacts that the inbox saw bounce
    NEW_PEOPLE = "New people at partners"  # a partner's sender not in Contacts yet
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
    contact: str = ""  # whom to contact: "Anna Vogel <anna@northwind.example>" ('' when no one)
    row: tuple[Tab, int] | None = None  # the row it is about (an activity, a contact); else partner_row


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
    # Digests of goal progress only: never sent (information rides along, it causes no digest), but
    # kept, so that a send folded into the plan later (rules.planner.fold_sends) can add to them.
    quiet: tuple[Digest, ...] = ()
