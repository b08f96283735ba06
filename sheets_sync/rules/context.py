"""What the planner's rules share: the book indexed by partner, each partner's facts from its
Activities rows, and the plan being drafted.

Everything is computed for `today`, the team's local date; nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

from sheets_sync.config import Config, RankRule
from sheets_sync.i18n import words
from sheets_sync.model import (
    LOGGED_TYPES,
    Activity,
    Book,
    Contact,
    DigestItem,
    DigestSection,
    FollowUpTask,
    MessageIntent,
    NewsItem,
    Partner,
    Received,
    TouchStatus,
)
from sheets_sync.model.tabs import PartnerColumn, Tab
from sheets_sync.rules.calendar import WorkCalendar

TWO_WAY_TYPES = frozenset({"meeting", "call", "visit"})  # a touch of these types is a response
FOLLOW_UP_TYPES = TWO_WAY_TYPES  # the rows that call for a follow-up email
# What is booked for a day: an email or a message dated today is more likely sent than planned.
BOOKED_TYPES = TWO_WAY_TYPES | {"event"}
LOGGED = frozenset(LOGGED_TYPES.values())  # rows the worker appends: never touches
DEAL_TYPE = "deal"

# The lookbehind starts a match only where a run of address characters starts (where the leftmost
# match starts anyway): tried from every character of a long run, the search took quadratic time.
EMAIL = re.compile(r"(?<![^@\s<>,;()\"'])[^@\s<>,;()\"']+@[^@\s<>,;()\"']+\.[^@\s<>,;()\"']+")


# The touch types sheets-sync ships with: a team that takes email out of touch_types still logs
# its emails, and those rows are no typo.
_DEFAULT_TOUCH_TYPES = Config().touch_types


def known_types(config: Config) -> frozenset[str]:
    """Every Activities Type sheets-sync knows: touch_types (and the default ones), the two-way
    (follow-up) types, deal, and the types of the rows the worker logs for its own sends."""
    return config.touch_types | _DEFAULT_TOUCH_TYPES | TWO_WAY_TYPES | FOLLOW_UP_TYPES | {DEAL_TYPE} | LOGGED


_TYPE_MAX = 30  # longer than any type and a typo of one: no use asking difflib


def nearest_type(word: str, known: Iterable[str]) -> str:
    """The known type `word` (lower-cased) is most likely a typo of, else ''.

    0.7 rather than difflib's 0.6: a guess should look like a typo of the type, not merely share
    three letters with it ("deal" for "emails").
    """
    if len(word) > _TYPE_MAX:
        return ""
    found = get_close_matches(word, sorted(known), n=1, cutoff=0.7)
    return found[0] if found else ""


def effective_rank(partner: Partner, config: Config) -> tuple[str, str]:
    """The rank the rules use, and a Sync note when the Rank is blank ('' otherwise).

    An unknown Rank also uses default_rank; reading the sheet reported it already (a Problem: in
    Sync note and in `check`), so it gets no second note here.
    """
    rank = partner.rank.strip().upper()
    if rank in config.ranks:
        return rank, ""
    fallback = config.default_rank
    if rank:
        return fallback, ""
    column = config.column_name(Tab.PARTNERS, PartnerColumn.RANK.value)
    return fallback, words(config.language).text("note.no_rank", rank=fallback, column=column)


def email_in(text: str) -> str:
    """The first email address in a cell such as "Anna <anna@example.com>", else ''."""
    if "@" not in text:
        return ""
    found = EMAIL.search(text)
    return found.group(0) if found else text.strip()


def cut(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters, ending in an ellipsis when shortened."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "\u2026"


def contact_line(contact: Contact) -> str:
    """ "Anna Vogel <anna@northwind.example>", or whichever of the two the row has."""
    name, email = " ".join(contact.name.split()), contact.email.strip()
    if name and has_email(contact):
        return f"{name} <{email}>"
    return name or email


def champion_line(contacts: list[Contact]) -> str:
    """Whom to call at a partner: its first champion, else its first contact, with an email if any."""
    people = champions(contacts) or [c for c in contacts if not c.left_company]
    return contact_line(people[0]) if people else ""


def has_email(contact: Contact) -> bool:
    return "@" in contact.email


def champions(contacts: list[Contact]) -> list[Contact]:
    """Champions that still work at the partner and can be emailed, in sheet order."""
    return [c for c in contacts if c.champion and not c.left_company and has_email(c)]


def unique(addresses: list[str]) -> tuple[str, ...]:
    """Addresses without repeats (compared case-insensitively), in their first order."""
    seen: set[str] = set()
    out = []
    for address in addresses:
        key = address.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(address.strip())
    return tuple(out)


_NONE: tuple[Activity, ...] = ()  # shared by every partner without such rows: no list allocated for them


@dataclass(slots=True)
class PartnerFacts:
    """One pass over a partner's Activities rows."""

    last_touch: dt.date | None = None
    last_response: dt.date | None = None
    prior_response: dt.date | None = None  # the latest response dated before last_response
    first_activity: dt.date | None = None  # the earliest dated row up to today, logged rows aside
    planned: Activity | None = None  # the earliest touch-type row dated after today (not inbound)
    open_steps: Sequence[Activity] = _NONE  # Due set, Done not yes
    meetings: Sequence[Activity] = _NONE  # meeting/call/visit in the look-back window
    booked_today: Sequence[Activity] = _NONE  # meetings, calls, visits, events dated today (not inbound)
    deals: Sequence[Activity] = _NONE

    @property
    def earliest_step(self) -> Activity | None:
        steps = self.open_steps
        return min(steps, key=lambda a: (a.due, a.row)) if steps else None


def gather_facts(
    activities: list[Activity], today: dt.date, window_start: dt.date, config: Config
) -> PartnerFacts:
    """The hot loop of the planner: attribute reads and comparisons, and few allocations (the
    book's many objects make every garbage collection costly)."""
    touch_types = config.touch_types
    last_touch: dt.date | None = None
    last_response: dt.date | None = None
    prior: dt.date | None = None
    first: dt.date | None = None
    planned: Activity | None = None
    planned_day: dt.date | None = None  # planned's Date and row, set with it
    planned_row = 0
    steps: list[Activity] | None = None  # made at the first such row: most partners have none
    meetings: list[Activity] | None = None
    booked: list[Activity] | None = None
    deals: list[Activity] | None = None
    for a in activities:
        if a.due is not None and not a.done:
            if steps is None:
                steps = []
            steps.append(a)
        day = a.date
        if day is None:
            continue
        kind = a.type
        if kind in LOGGED:
            continue
        if kind == DEAL_TYPE:
            if deals is None:
                deals = []
            deals.append(a)
        inbound = a.direction == "in"  # what a partner sent: never a booking, today or later
        if day > today:
            if (
                kind in touch_types
                and not inbound
                and (planned_day is None or day < planned_day or (day == planned_day and a.row < planned_row))
            ):
                planned, planned_day, planned_row = a, day, a.row
            continue
        if first is None or day < first:
            first = day
        if kind in touch_types:
            if last_touch is None or day > last_touch:
                last_touch = day
            if kind in TWO_WAY_TYPES or inbound:
                if last_response is None or day > last_response:
                    prior, last_response = last_response, day
                elif day < last_response and (prior is None or day > prior):
                    prior = day
            if day == today and not inbound and kind in BOOKED_TYPES:
                if booked is None:
                    booked = []
                booked.append(a)
        if kind in FOLLOW_UP_TYPES and day >= window_start:
            if meetings is None:
                meetings = []
            meetings.append(a)
    return PartnerFacts(
        last_touch,
        last_response,
        prior,
        first,
        planned,
        steps or _NONE,
        meetings or _NONE,
        booked or _NONE,
        deals or _NONE,
    )


@dataclass(slots=True)
class PartnerView:
    """A partner as the rules see it once its touch status is known."""

    partner: Partner
    rank: str
    rule: RankRule
    facts: PartnerFacts
    contacts: list[Contact]
    status: TouchStatus
    next_touch: dt.date | None
    days_late: int | None
    cadence: TouchStatus  # overdue, due, soon or ok: the touch rhythm alone, whatever the stage
    sleep_since: dt.date | None  # last response, else Since, else the first activity
    pulled_by_step: bool = False  # Next touch is an open next step's Due, earlier than the rhythm
    fell_asleep: bool = False  # asleep since after the last digest day (whatever Touch status says now)
    woke_up: bool = False  # a response, on or after the last digest day, ended a sleep

    @property
    def row(self) -> int:
        return self.partner.row

    @property
    def manager(self) -> str:
        return self.partner.manager.strip()


def manager_of(view: PartnerView, config: Config) -> str:
    """Who answers for a partner: its Manager, else `digest.fallback` ('' when neither). The
    Reply-To of the partner's emails and the recipient of its drafts and digest lines."""
    return view.manager or config.digest.fallback.strip()


class Context:
    """The book indexed once by partner row, the calendar and the news, for one `today`."""

    def __init__(
        self,
        book: Book,
        config: Config,
        today: dt.date,
        deferred: Mapping[str, dt.date] | None = None,
        inbox: Sequence[Received] = (),
    ):
        self.config = config
        self.today = today
        self.words = words(config.language, today)
        self.deferred = deferred or {}  # greeting key -> the local date a send of it was first put off
        self.calendar = WorkCalendar.from_config(config)
        self.window_start = today - dt.timedelta(days=config.followup.lookback_days)
        self.last_digest_day = self.calendar.previous_working_day(today)  # the digest before today's
        # What the inbox brought since that digest went out, by partner ID (SPEC 4a: the digest lists
        # it): by when the worker took it in, so mail read late (an IMAP outage, a slow relay, a
        # sender's wrong clock) is in the next digest, not in none
        since = dt.datetime.combine(self.last_digest_day, config.digest.at, config.zone)
        self.inbox_news: dict[str, list[Received]] = defaultdict(list)
        for r in inbox:
            if (r.seen or r.at) >= since:
                self.inbox_news[r.partner_id].append(r)
        contacts: dict[int | None, list[Contact]] = defaultdict(list)
        for c in book.contacts:
            contacts[c.partner_row].append(c)
        activities: dict[int | None, list[Activity]] = defaultdict(list)
        for a in book.activities:
            activities[a.partner_row].append(a)
        self.contacts_by_partner = contacts
        self.activities_by_partner = activities
        published = sorted(
            (n for n in book.news if n.publish and n.date is not None and n.date <= today),
            key=lambda n: (n.date, -n.row),
        )
        self._news = published
        self._news_dates = [n.date for n in published if n.date is not None]  # every one: dated above
        self._news_since: dict[dt.date, tuple[dict[str, Any], ...]] = {}

    def news_since(self, since: dt.date) -> tuple[dict[str, Any], ...]:
        """Published News items dated after `since` and up to today, newest first, as context."""
        found = self._news_since.get(since)
        if found is None:
            start = bisect_right(self._news_dates, since)
            found = tuple(news_context(n) for n in reversed(self._news[start:]))
            self._news_since[since] = found
        return found


def news_context(item: NewsItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "body": item.body,
        "link": item.link,
        "category": item.category,
        "date": item.date,
    }


class Draft:
    """The plan as the rules build it: notes, follow-up tasks, messages and digest items."""

    def __init__(self, fallback: str = "", language: str = "en") -> None:
        self.fallback = fallback.strip()
        self.dropped_note = words(language).text("note.digest_dropped")
        self.partner_notes: dict[int, list[str]] = {}
        self.contact_notes: dict[int, list[str]] = {}
        self.activity_notes: dict[int, list[str]] = {}
        self.followups: list[FollowUpTask] = []
        self.messages: list[MessageIntent] = []
        self.digest_items: dict[str, list[DigestItem]] = {}  # recipient (lower-cased) -> items

    @staticmethod
    def _note(notes: dict[int, list[str]], row: int, text: str) -> None:
        existing = notes.setdefault(row, [])
        if text not in existing:
            existing.append(text)

    def note_partner(self, row: int, text: str) -> None:
        self._note(self.partner_notes, row, text)

    def note_contact(self, row: int, text: str) -> None:
        self._note(self.contact_notes, row, text)

    def note_activity(self, row: int, text: str) -> None:
        self._note(self.activity_notes, row, text)

    def item(
        self,
        view: PartnerView,
        section: DigestSection,
        text: str,
        when: dt.date | None = None,
        to: str = "",
        *,
        contact: str = "",
        activity: Activity | None = None,
        contact_row: int | None = None,
    ) -> None:
        """A digest line about `view`'s partner (and `activity`, its row): to `to`, else its
        manager, else digest.fallback; `contact` is whom to get in touch with; the line points at
        the activity's row, else `contact_row` (Contacts), else the partner's.

        With none of them the line is dropped and the partner's Sync note says so (goal progress
        is information only and goes silently).
        """
        partner = view.partner
        recipient = to or view.manager or self.fallback
        if not recipient:
            if section != DigestSection.GOALS:
                self.note_partner(partner.row, self.dropped_note)
            return
        row = (Tab.ACTIVITIES, activity.row) if activity else None
        if row is None and contact_row is not None:
            row = (Tab.CONTACTS, contact_row)
        item = DigestItem(section, partner.row, partner.name, view.rank, text, when, contact, row)
        self.digest_items.setdefault(recipient.lower(), []).append(item)
