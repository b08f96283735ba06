"""Small factories for the planner's tests: Books built directly, no workbook, no mocks."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sheets_sync.config import Config
from sheets_sync.model import (
    Activity,
    Book,
    Contact,
    DigestItem,
    DigestSection,
    MessageIntent,
    MessageKind,
    NewsItem,
    Partner,
    PartnerState,
    Plan,
)
from sheets_sync.rules.planner import plan

TODAY = dt.date(2026, 11, 26)  # a Thursday
MANAGER = "anna@team.example"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def ago(days: int, today: dt.date = TODAY) -> dt.date:
    return today - dt.timedelta(days=days)


def partner(row: int = 2, **fields) -> Partner:
    fields.setdefault("id", f"P{row}")
    fields.setdefault("name", f"Partner {row}")
    fields.setdefault("rank", "B")  # rank B: no duties, so no notes unless a test asks for them
    fields.setdefault("manager", MANAGER)
    return Partner(row=row, **fields)


def contact(row: int = 2, partner_row: int | None = 2, **fields) -> Contact:
    fields.setdefault("id", f"C{row}")
    fields.setdefault("name", f"Contact {row}")
    fields.setdefault("email", f"contact{row}@partner.example")
    return Contact(row=row, partner_row=partner_row, **fields)


def activity(
    row: int, date: dt.date | None, type: str = "call", partner_row: int | None = 2, **fields
) -> Activity:
    fields.setdefault("id", f"A{row}")
    return Activity(row=row, date=date, partner_row=partner_row, type=type, **fields)


def news(row: int, date: dt.date | None, **fields) -> NewsItem:
    fields.setdefault("id", f"N{row}")
    fields.setdefault("title", f"News {row}")
    return NewsItem(row=row, date=date, **fields)


def book(partners=(), contacts=(), activities=(), news=()) -> Book:
    return Book(tuple(partners), tuple(contacts), tuple(activities), tuple(news))


def config(**fields) -> Config:
    """A default Config; nested sections by keyword, e.g. followup=dict(mode="send")."""
    base = Config()
    changes = {}
    for key, value in fields.items():
        current = getattr(base, key)
        nested = isinstance(value, dict) and dataclasses.is_dataclass(current)
        changes[key] = dataclasses.replace(current, **value) if nested else value
    return dataclasses.replace(base, **changes)


def run(the_book: Book, today: dt.date = TODAY, **config_fields) -> Plan:
    return plan(the_book, config(**config_fields), today)


def state(the_plan: Plan, row: int = 2) -> PartnerState:
    (found,) = [s for s in the_plan.partners if s.row == row]
    return found


def one_partner(
    *activities: Activity, today: dt.date = TODAY, contacts=(), news_items=(), **partner_fields
) -> Plan:
    """A plan for a single partner (row 2) with its activities, under the default config."""
    return plan(book([partner(**partner_fields)], contacts, activities, news_items), Config(), today)


def items(
    the_plan: Plan, section: DigestSection | None = None, manager: str | None = None
) -> list[DigestItem]:
    return [
        item
        for digest in the_plan.digests
        if manager is None or digest.manager == manager
        for item in digest.items
        if section is None or item.section == section
    ]


def texts(the_plan: Plan, section: DigestSection | None = None, manager: str | None = None) -> list[str]:
    return [item.text for item in items(the_plan, section, manager)]


def messages(the_plan: Plan, kind: MessageKind | None = None) -> list[MessageIntent]:
    return [m for m in the_plan.messages if kind is None or m.kind == kind]
