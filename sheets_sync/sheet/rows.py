"""Reading the rows of each tab into the Book's partners, contacts, activities and news: every
malformed cell becomes a Problem for its row's Sync note, never an exception."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import TypeVar

from sheets_sync.config import Config
from sheets_sync.i18n import Words, read_term, terms_of, words
from sheets_sync.model import (
    Activity,
    ActivityColumn,
    Birthday,
    CellValue,
    Contact,
    ContactColumn,
    Direction,
    NewsColumn,
    NewsItem,
    Partner,
    PartnerColumn,
    Problem,
    Stage,
    Tab,
)
from sheets_sync.rules.context import known_types, nearest_type
from sheets_sync.sheet import cells, dates
from sheets_sync.sheet.headers import Sheet

_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_MAX_EMAIL = 254  # RFC 5321: no server takes a longer address


T = TypeVar("T")
D = TypeVar("D")


class _Row:
    """Reads one row's cells, collecting problems instead of raising.

    The row is padded to the header's width once, so that reading a cell is one dict lookup and
    one index: a large workbook reads ~750,000 cells a cycle.
    """

    __slots__ = ("columns", "date_order", "number", "partners_tab", "problems", "row", "sheet", "words")

    def __init__(
        self,
        sheet: Sheet,
        row: list[CellValue],
        number: int,
        problems: list[Problem],
        config: Config,
        w: Words,
        partners_tab: str,
    ):
        width = len(sheet.table.header)
        if len(row) < width:
            row = row + [None] * (width - len(row))
        self.sheet, self.row, self.number, self.problems, self.date_order = (
            sheet,
            row,
            number,
            problems,
            config.date_order,
        )
        self.words = w
        self.partners_tab = partners_tab  # where an unknown partner reference is missing
        self.columns = sheet.columns

    def value(self, column: StrEnum) -> CellValue:
        i = self.columns.get(column)
        return None if i is None else self.row[i]

    def _parse(
        self, column: StrEnum, parse: Callable[[CellValue], T | None], default: D, treated_as: str = ""
    ) -> T | D:
        """`parse(cell)`; a cell it cannot read is a problem, and `default` (said so with `treated_as`,
        a catalogue key: looked up only for a cell that needs it)."""
        i = self.columns.get(column)
        value = None if i is None else self.row[i]
        if value is None:
            return default
        try:
            result = parse(value)
        except cells.BadCell as exc:
            problem = exc.message(self.words.language)
            if treated_as:
                what = self.words.text(treated_as)
                problem = self.words.text("cell.treated_as", problem=problem, what=what)
            self.problem(column, problem)
            return default
        return default if result is None else result

    def problem(self, column: StrEnum, message: str) -> None:
        self.problems.append(Problem(self.sheet.tab, self.number, self.sheet.header_text(column), message))

    def text(self, column: StrEnum) -> str:
        i = self.columns.get(column)
        value = None if i is None else self.row[i]
        if type(value) is str:
            return value.strip()
        return cells.as_text(value)

    def date(self, column: StrEnum) -> dt.date | None:
        i = self.columns.get(column)
        value = None if i is None else self.row[i]
        if type(value) is dt.date:  # the common case, kept cheap for big workbooks
            return value
        return self._parse(column, lambda v: dates.parse_date(v, self.date_order), None)

    def boolean(self, column: StrEnum, default: bool) -> bool:
        return self._parse(column, lambda v: cells.parse_bool(v, default), default)

    def numeric(self, column: StrEnum) -> float | None:
        return self._parse(column, cells.parse_number, None)

    def birthday(self, column: StrEnum) -> Birthday | None:
        return self._parse(column, lambda v: dates.parse_birthday(v, self.date_order), None)

    def direction(self, column: StrEnum) -> Direction:
        return self._parse(column, cells.parse_direction, Direction.OUT, "direction.out")

    def period(self, column: StrEnum) -> tuple[dt.date, dt.date] | None:
        return self._parse(column, dates.parse_period, None, "cell.current_year")

    def email(self, column: StrEnum) -> str:
        text = self.text(column)
        if text and (len(text) > _MAX_EMAIL or not _EMAIL.match(text)):
            self.problem(column, self.words.text("cell.not_email", value=cells.shown(text, 60, breaks=True)))
            return ""
        return text.lower()


def _rows(
    sheet: Sheet, ids: dict[int, str], problems: list[Problem], config: Config
) -> Iterator[tuple[_Row, str]]:
    w, partners_tab = words(config.language), config.tab_name(Tab.PARTNERS)
    for index, row in enumerate(sheet.table.rows):
        number = sheet.table.row_number(index)
        if number in ids:
            yield _Row(sheet, row, number, problems, config, w, partners_tab), ids[number]


def parse_partners(
    sheet: Sheet, ids: dict[int, str], problems: list[Problem], config: Config
) -> tuple[Partner, ...]:
    c = PartnerColumn
    partners = []
    for r, row_id in _rows(sheet, ids, problems, config):
        name = r.text(c.PARTNER)
        if not name:
            r.problem(c.PARTNER, r.words.text("cell.no_partner_name"))
            continue
        stage_text = r.text(c.STAGE)
        try:  # in the team's words, in either language ("подключение", "ушёл")
            stage = Stage(read_term("stage", stage_text)) if stage_text else Stage.ACTIVE
        except ValueError:
            stages = ", ".join(r.words.text(f"stage.{s.value}") for s in Stage)
            shown = cells.shown(stage_text, breaks=True)
            r.problem(c.STAGE, r.words.text("cell.unknown_stage", value=shown, stages=stages))
            stage = Stage.ACTIVE
        partners.append(
            Partner(
                row=r.number,
                id=row_id,
                name=name,
                rank=_rank(r, config),
                stage=stage,
                manager=r.email(c.MANAGER),
                since=r.date(c.SINCE),
                snooze_until=r.date(c.SNOOZE_UNTIL),
                goal=r.text(c.GOAL),
                goal_target=r.numeric(c.GOAL_TARGET),
                goal_amount=r.numeric(c.GOAL_AMOUNT),
                goal_period=r.period(c.GOAL_PERIOD),
                trained=r.date(c.TRAINED),
                sales_kit_sent=r.date(c.SALES_KIT_SENT),
                last_newsletter=r.date(c.LAST_NEWSLETTER),
                previous_status=r.text(c.TOUCH_STATUS),
            )
        )
    return tuple(partners)


def _rank(r: _Row, config: Config) -> str:
    """The Rank as typed, upper-cased. One the config does not have is a problem; a blank one is not
    (many teams leave new partners unranked): the planner notes that it uses default_rank."""
    typed = r.text(PartnerColumn.RANK)
    if typed and typed.upper() not in config.ranks:
        shown, ranks = cells.shown(typed, breaks=True), ", ".join(config.ranks)
        text = r.words.text("cell.unknown_rank", value=shown, ranks=ranks, rank=config.default_rank)
        r.problem(PartnerColumn.RANK, text)
    return typed.upper()


def partner_lookup(partners: tuple[Partner, ...]) -> dict[str, int]:
    """Partner references may be an ID or a name (any case); IDs win over names."""
    lookup: dict[str, int] = {}
    for p in partners:
        lookup.setdefault(p.id.casefold(), p.row)
    for p in partners:
        lookup.setdefault(p.name.casefold(), p.row)
    return lookup


def _partner_ref(r: _Row, column: StrEnum, lookup: dict[str, int]) -> int | None:
    ref = r.text(column)
    if not ref:
        r.problem(column, r.words.text("cell.no_partner"))
        return None
    found = lookup.get(ref.casefold())
    if found is None:
        shown = cells.shown(ref, 60, breaks=True)
        r.problem(column, r.words.text("cell.unknown_partner", value=shown, tab=r.partners_tab))
    return found


def parse_contacts(
    sheet: Sheet, ids: dict[int, str], lookup: dict[str, int], problems: list[Problem], config: Config
) -> tuple[Contact, ...]:
    c = ContactColumn
    return tuple(
        Contact(
            row=r.number,
            id=row_id,
            partner_row=_partner_ref(r, c.PARTNER, lookup),
            name=r.text(c.NAME),
            email=r.email(c.EMAIL),
            role=r.text(c.ROLE),
            champion=r.boolean(c.CHAMPION, False),
            birthday=r.birthday(c.BIRTHDAY),
            language=r.text(c.LANGUAGE).lower(),
            newsletter=r.boolean(c.NEWSLETTER, True),
            unsubscribed=r.boolean(c.UNSUBSCRIBED, False),
            left_company=r.boolean(c.LEFT_COMPANY, False),
            last_greeting=r.date(c.LAST_GREETING),
            first_name=r.text(c.FIRST_NAME),
            email_status=r.text(c.EMAIL_STATUS),
        )
        for r, row_id in _rows(sheet, ids, problems, config)
    )


def parse_activities(
    sheet: Sheet, ids: dict[int, str], lookup: dict[str, int], problems: list[Problem], config: Config
) -> tuple[Activity, ...]:
    c = ActivityColumn
    activities = []
    known = known_types(config)
    for r, row_id in _rows(sheet, ids, problems, config):
        date = r.date(c.DATE)
        if date is None and r.value(c.DATE) is None:
            r.problem(c.DATE, r.words.text("cell.no_date"))
        typed = r.text(c.TYPE)
        kind = cells.activity_type(typed)
        if not typed:
            r.problem(c.TYPE, r.words.text("cell.no_type"))
        elif kind not in known:
            r.problem(c.TYPE, _unknown_type(typed, kind, known, config, r.words))
        activities.append(
            Activity(
                row=r.number,
                id=row_id,
                date=date,
                partner_row=_partner_ref(r, c.PARTNER, lookup),
                type=kind,
                direction=r.direction(c.DIRECTION),
                contact=r.text(c.CONTACT),
                summary=r.text(c.SUMMARY),
                agreements=r.text(c.AGREEMENTS),
                next_steps=r.text(c.NEXT_STEPS),
                owner=r.text(c.OWNER),
                due=r.date(c.DUE),
                done=r.boolean(c.DONE, False),
                amount=r.numeric(c.AMOUNT),
                follow_up=r.text(c.FOLLOW_UP),
            )
        )
    return tuple(activities)


def _unknown_type(typed: str, kind: str, known: frozenset[str], config: Config, w: Words) -> str:
    """A typo such as "meting" would silently not count as a touch and get no follow-up: say so,
    with the type it most likely means (Russian words as the team types them, see cells)."""
    nearest = nearest_type(kind, known | terms_of("type"))
    shown = cells.shown(typed, breaks=True)
    if nearest:
        return w.text("cell.type_typo", value=shown, nearest=w.type_name(nearest))
    types = ", ".join([*(w.type_name(t) for t in sorted(config.touch_types)), w.type_name("deal")])
    return w.text("cell.unknown_type", value=shown, types=types)


def parse_news(
    sheet: Sheet, ids: dict[int, str], problems: list[Problem], config: Config
) -> tuple[NewsItem, ...]:
    """Category is kept as typed: no rule reads it, and the newsletter template shows any label (the
    four it knows in their colours), so a category of the team's own is no problem."""
    c = NewsColumn
    return tuple(
        NewsItem(
            row=r.number,
            id=row_id,
            date=r.date(c.DATE),
            title=r.text(c.TITLE),
            body=r.text(c.BODY),
            link=r.text(c.LINK),
            category=r.text(c.CATEGORY).lower(),
            publish=r.boolean(c.PUBLISH, True),
        )
        for r, row_id in _rows(sheet, ids, problems, config)
    )
