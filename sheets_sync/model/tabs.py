"""The tabs of the workbook and their columns, and the cell writes a cycle makes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "TAB_SPECS",
    "ActivityColumn",
    "CellValue",
    "CellWrite",
    "Changes",
    "ContactColumn",
    "NewsColumn",
    "PartnerColumn",
    "Tab",
    "TabSpec",
]


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
    FIRST_NAME = "First name"  # optional: how salutations greet the person; blank: Name's first word
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
    EMAIL_STATUS = "Email status"  # written only with an inbox (SPEC 4a): bounced or unsubscribed
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

    @property
    def id_column(self) -> StrEnum:
        """Every tab has an ID column (the worker fills in its empty cells)."""
        return self.columns["ID"]

    @property
    def sync_note_column(self) -> StrEnum:
        """Every tab but News has a Sync note column (the worker's own)."""
        return self.columns["SYNC_NOTE"]


TAB_SPECS: dict[Tab, TabSpec] = {
    Tab.PARTNERS: TabSpec(
        Tab.PARTNERS,
        PartnerColumn,
        required=(PartnerColumn.PARTNER,),
        worker=tuple(PartnerColumn)[list(PartnerColumn).index(PartnerColumn.LAST_TOUCH) :],
        id_prefix="P",
    ),
    Tab.CONTACTS: TabSpec(
        Tab.CONTACTS,
        ContactColumn,
        required=(ContactColumn.PARTNER, ContactColumn.EMAIL),
        worker=(ContactColumn.LAST_GREETING, ContactColumn.EMAIL_STATUS, ContactColumn.SYNC_NOTE),
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
