"""Header mapping, parsing into the Book, IDs, problems, and the cell changes built from a plan."""

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from sheets_sync.config import parse_config
from sheets_sync.errors import ConfigError
from sheets_sync.model import (
    ActivityColumn,
    FollowUpState,
    FollowUpTask,
    PartnerState,
    Plan,
    Stage,
    Tab,
    TouchStatus,
)
from sheets_sync.sheet.changes import build_changes
from sheets_sync.sheet.workbook import log_row_id, read_book
from sheets_sync.sources import Snapshot, Table

TODAY = dt.date(2026, 11, 26)
CONFIG = parse_config({"source": {"kind": "xlsx", "path": "p.xlsx"}}, Path("/t"))


def snapshot(partners=None, contacts=None, activities=None, news=None, names=None) -> Snapshot:
    names = names or {}
    tables = {
        "Partners": partners or (["ID", "Partner", "Rank"], [["P-0001", "Acme", "A"]]),
        "Contacts": contacts or (["Partner", "Email"], []),
        "Activities": activities or (["Date", "Partner", "Type"], []),
        "News": news or (["Date", "Title"], []),
    }
    return Snapshot(
        {
            names.get(k, k): Table(names.get(k, k), tuple(h), [list(r) for r in rows])
            for k, (h, rows) in tables.items()
        },
        version=1,
    )


def test_headers_match_ignoring_case_spaces_and_order():
    rb = read_book(
        snapshot(partners=(["  notes", "RANK ", "partner", "Extra"], [["x", "b", "Acme", "keep"]])), CONFIG
    )
    (partner,) = rb.book.partners
    assert (partner.name, partner.rank, partner.row) == ("Acme", "B", 2)
    assert rb.new_ids[Tab.PARTNERS] == {2: "P-0001"}


def test_russian_headers_through_the_config():
    config = parse_config(
        {
            "source": {"kind": "xlsx", "path": "p.xlsx"},
            "tabs": {
                "Partners": "Партнёры",
                "Contacts": "Контакты",
                "Activities": "Активности",
                "News": "Новости",
            },
            "columns": {
                "Partners": {"Partner": "Партнёр", "Rank": "Ранг", "Stage": "Этап"},
                "Contacts": {"Partner": "Партнёр", "Email": "Почта", "Champion": "Чемпион"},
                "Activities": {"Date": "Дата", "Partner": "Партнёр", "Type": "Тип"},
                "News": {"Date": "Дата", "Title": "Заголовок"},
            },
        },
        Path("/t"),
    )
    snap = snapshot(
        partners=(["Партнёр", "Ранг", "Этап"], [["Ромашка", "a", "пауза"], ["Лютик", "B", "заморожен"]]),
        contacts=(["Партнёр", "Почта", "Чемпион"], [["Ромашка", "ivan@romashka.ru", "да"]]),
        activities=(["Дата", "Партнёр", "Тип"], [["20.11.2026", "ромашка", "meeting"]]),
        news=(["Дата", "Заголовок"], [[dt.date(2026, 11, 1), "Новости"]]),
        names={"Partners": "Партнёры", "Contacts": "Контакты", "Activities": "Активности", "News": "Новости"},
    )
    rb = read_book(snap, config)
    romashka, lyutik = rb.book.partners
    assert (romashka.name, romashka.rank) == ("Ромашка", "A")
    assert romashka.stage == Stage.PAUSED  # "пауза" is the Russian word for paused
    assert lyutik.stage == Stage.ACTIVE  # a word of neither language: active, and a problem of its cell
    assert rb.book.contacts[0].champion is True and rb.book.contacts[0].partner_row == 2
    assert rb.book.activities[0].date == dt.date(2026, 11, 20) and rb.book.activities[0].partner_row == 2
    assert [(p.column, p.row) for p in rb.problems] == [("Этап", 3)]
    assert rb.cell_ref(rb.problems[0]) == "Партнёры!C3"


def test_a_missing_tab_is_a_config_error_naming_the_fix():
    snap = snapshot()
    del snap.tables["News"]
    with pytest.raises(ConfigError, match='no tab "News".*tabs:'):
        read_book(snap, CONFIG)


def test_a_missing_required_header_is_a_config_error():
    with pytest.raises(ConfigError, match='"Contacts" tab has no "Email" column'):
        read_book(snapshot(contacts=(["Partner", "Name"], [])), CONFIG)


def test_ids_are_filled_after_the_highest_and_duplicates_are_problems():
    rows = [["P-0007", "Acme"], [None, "Beta"], [], ["P-0007", "Gamma"], ["", "Delta"]]
    rb = read_book(snapshot(partners=(["ID", "Partner"], rows)), CONFIG)
    assert rb.new_ids[Tab.PARTNERS] == {3: "P-0008", 6: "P-0009"}
    assert [p.name for p in rb.book.partners] == ["Acme", "Beta", "Gamma", "Delta"]
    assert [(p.row, p.message.split(":")[0]) for p in rb.problems] == [
        (5, "duplicate ID P-0007 (also on row 2)")
    ]
    assert "until the copy's ID is cleared" in rb.problems[0].message
    assert rb.book.duplicate_ids == {"P-0007"}


def test_new_ids_follow_the_style_the_team_uses():
    rows = [["P017", "Acme"], [None, "Beta"], ["P-0003", "Gamma"]]
    rb = read_book(snapshot(partners=(["ID", "Partner"], rows)), CONFIG)
    assert rb.new_ids[Tab.PARTNERS] == {3: "P018"}


def test_a_log_row_id_depends_on_the_ledger_key_only_and_leaves_the_numbering_alone():
    key = "newsletter:C-0007:2026-11-26"
    assert re.fullmatch(r"A-log-[a-z2-7]{10}", log_row_id(key))
    assert log_row_id(key) == log_row_id(str(key)) != log_row_id("newsletter:C-0007:2026-11-27")
    assert len({log_row_id(f"greeting:C-{n:04d}:birthday:2026") for n in range(10_000)}) == 10_000
    activities = (
        ["ID", "Date", "Partner", "Type"],
        [
            ["A-0041", TODAY, "Acme", "call"],
            [log_row_id(key), TODAY, "Acme", "newsletter"],
            [None, TODAY, "Acme", "visit"],
        ],
    )
    rb = read_book(snapshot(activities=activities), CONFIG)
    assert rb.new_ids[Tab.ACTIVITIES] == {4: "A-0042"} and not rb.problems


def test_log_rows_the_sheet_already_shows_are_not_appended_again():
    key = "newsletter:C-0007:2026-11-26"
    activities = (["ID", "Date", "Partner", "Type"], [[log_row_id(key), TODAY, "Acme", "newsletter"]])
    rb = read_book(snapshot(activities=activities), CONFIG)

    def log(key):
        return {
            ActivityColumn.ID: log_row_id(key),
            ActivityColumn.DATE: TODAY,
            ActivityColumn.PARTNER: "Acme",
            ActivityColumn.TYPE: "newsletter",
        }

    changes = build_changes(rb, _plan(), None, CONFIG, appends=[log(key), log("sales-kit:P-0001")])
    (appended,) = changes.appends["Activities"]
    assert appended[:4] == (log_row_id("sales-kit:P-0001"), TODAY, "Acme", "newsletter")
    changes = build_changes(rb, _plan(), None, CONFIG, appends=[log(key)])
    assert changes.appends == {}


def test_malformed_cells_become_problems_with_their_cells():
    activities = (
        ["Date", "Partner", "Type", "Due", "Amount", "Done", "Direction"],
        [
            ["31.02.2026", "Acme", "meeting", None, None, None, None],
            [dt.date(2026, 11, 2), "Nobody Inc", "call", "soon", "lots", "maybe", "sideways"],
        ],
    )
    rb = read_book(snapshot(activities=activities), CONFIG)
    refs = {(rb.cell_ref(p), p.message.split(":")[0]) for p in rb.problems}
    assert refs == {
        ("Activities!A2", "not a date"),
        ("Activities!B3", 'unknown partner "Nobody Inc" (not a Partner name or ID on the Partners tab)'),
        ("Activities!D3", "not a date"),
        ("Activities!E3", "not a number"),
        ("Activities!F3", "not a yes/no value"),
        ("Activities!G3", 'unknown direction "sideways" (in or out)'),
    }
    assert rb.book.activities[1].partner_row is None and rb.book.activities[1].direction == "out"


@pytest.mark.parametrize(
    ("column", "value", "problem", "parsed"),
    [
        ("Rank", "Z", 'unknown rank "Z" (A, B, C): treated as C', "Z"),
        ("Rank", "Gold", 'unknown rank "Gold" (A, B, C): treated as C', "GOLD"),
        ("Rank", "b", None, "B"),
        ("Rank", None, None, ""),  # blank: not a problem; the planner notes that it uses default_rank
        ("Rank", "  ", None, ""),
        (
            "Goal period",
            "sometime",
            'not a year (2026), quarter (2026-Q4) or month (2026-11): "sometime": '
            "treated as the current year",
            None,
        ),
        ("Goal period", "2026-Q4", None, (dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
        ("Goal period", dt.datetime(2026, 11, 1), None, (dt.date(2026, 11, 1), dt.date(2026, 11, 30))),
        ("Goal period", None, None, None),
    ],
)
def test_partner_cells_the_rules_cannot_read_are_problems_with_their_cells(column, value, problem, parsed):
    header = ["ID", "Partner", "Goal target", column]
    rb = read_book(snapshot(partners=(header, [["P-0001", "Acme", 3, value]])), CONFIG)
    assert [(rb.cell_ref(p), p.message) for p in rb.problems] == (
        [("Partners!D2", problem)] if problem else []
    )
    field = {"Rank": "rank", "Goal period": "goal_period"}[column]
    assert getattr(rb.book.partners[0], field) == parsed


def test_an_unknown_rank_names_the_configured_ranks_and_default():
    config = parse_config(
        {
            "source": {"kind": "xlsx", "path": "p.xlsx"},
            "default_rank": "Silver",
            "ranks": {
                "A": None,
                "B": None,
                "C": None,
                "Gold": {"every": 10, "grace": 2},
                "Silver": {"every": 20, "grace": 5},
            },
        },
        Path("/t"),
    )
    rb = read_book(snapshot(partners=(["Partner", "Rank"], [["Acme", "A"], ["Beta", "gold"]])), config)
    assert [(rb.cell_ref(p), p.message) for p in rb.problems] == [
        ("Partners!B2", 'unknown rank "A" (GOLD, SILVER): treated as SILVER')
    ]


@pytest.mark.parametrize(
    ("value", "direction", "problem"),
    [
        (None, "out", None),
        ("in", "in", None),
        ("In", "in", None),
        ("OUT", "out", None),
        ("вх", "in", None),
        ("исходящий", "out", None),
        ("inbound", "in", None),
        ("Outgoing", "out", None),
        ("sideways", "out", 'unknown direction "sideways" (in or out): treated as out'),
        (1, "out", 'a number, not a direction (in or out): "1": treated as out'),
    ],
)
def test_direction_is_in_or_out_and_anything_else_is_a_problem(value, direction, problem):
    activities = (["Date", "Partner", "Type", "Direction"], [[dt.date(2026, 11, 20), "Acme", "email", value]])
    rb = read_book(snapshot(activities=activities), CONFIG)
    assert rb.book.activities[0].direction == direction
    assert [(rb.cell_ref(p), p.message) for p in rb.problems] == (
        [("Activities!D2", problem)] if problem else []
    )


def _state(row, **kw):
    base = dict(
        row=row,
        last_touch=None,
        last_response=None,
        next_touch=dt.date(2026, 11, 30),
        status=TouchStatus.SOON,
        days_late=None,
        next_action="Next touch 2026-11-30",
        goal_progress="",
    )
    return PartnerState(**{**base, **kw})


def _plan(*states, followups=()):
    return Plan(TODAY, tuple(states), tuple(followups), (), ())


def test_changes_add_worker_columns_and_write_only_what_differs():
    header = ["ID", "Partner", "Rank", "Last touch", "Next touch", "Touch status", "Next action"]
    row = [
        "P-0001",
        "Acme",
        "A",
        dt.datetime(2026, 11, 20),
        dt.date(2026, 11, 30),
        "soon",
        "Next touch 2026-11-30",
    ]
    rb = read_book(snapshot(partners=(header, [row])), CONFIG)
    changes = build_changes(
        rb, _plan(_state(2, last_touch=dt.date(2026, 11, 20), days_late=None)), None, CONFIG
    )
    partner_headers = dict(changes.new_headers["Partners"])
    assert partner_headers[8] == "Last response" and "Sync note" in partner_headers.values()
    assert "Next touch" not in partner_headers.values()
    written = {(c.tab, c.row, c.column) for c in changes.cells}
    assert written == set()  # every computed value already shows; blanks stay blank

    changes = build_changes(
        rb, _plan(_state(2, last_touch=dt.date(2026, 11, 21), status=TouchStatus.DUE)), None, CONFIG
    )
    assert sorted((c.column, c.value) for c in changes.cells) == [(4, dt.date(2026, 11, 21)), (6, "due")]
    assert all(c.row_id == "P-0001" for c in changes.cells)


def test_sync_note_carries_problems_and_planner_notes_and_team_cells_are_never_written():
    header = ["ID", "Partner", "Since", "Notes"]
    rb = read_book(snapshot(partners=(header, [["P-0001", "Acme", "yesterday", "VIP"]])), CONFIG)
    changes = build_changes(rb, _plan(_state(2, notes=("no Rank: treated as C",))), None, CONFIG)
    notes = [
        c
        for c in changes.cells
        if c.column == dict((v, k) for k, v in changes.new_headers["Partners"])["Sync note"]
    ]
    assert notes[0].value == 'Since: not a date: "yesterday"; no Rank: treated as C'
    assert all(c.column > len(header) for c in changes.cells)


def test_followup_marker_is_written_into_empty_cells_and_taken_back():
    header = ["ID", "Date", "Partner", "Type", "Follow-up"]
    rows = [
        ["A-0001", dt.date(2026, 11, 25), "Acme", "meeting", None],
        ["A-0002", dt.date(2026, 11, 24), "Acme", "call", "missing next steps"],
        ["A-0003", dt.date(2026, 11, 23), "Acme", "call", "draft sent 2026-11-23"],
    ]
    rb = read_book(snapshot(activities=(header, rows)), CONFIG)
    plan = _plan(
        _state(2),
        followups=[
            FollowUpTask(2, 2, FollowUpState.MISSING_NEXT_STEPS, False),
            FollowUpTask(4, 2, FollowUpState.MISSING_NEXT_STEPS, False),
        ],
    )
    writes = [
        (c.row, c.value)
        for c in build_changes(rb, plan, None, CONFIG).cells
        if c.tab == "Activities" and c.column == 5
    ]
    assert writes == [(2, "missing next steps"), (3, None)]


def test_dashboard_is_rewritten_only_when_its_content_changes():
    snap = dataclasses.replace(snapshot(), worker_tabs=frozenset({"Dashboard"}))  # marked as the worker's
    rows = (("Dashboard as of 2026-11-26",), (), ("Status", "Partners"), ("ok", 3))
    snap.tables["Dashboard"] = Table(
        "Dashboard", ("Dashboard as of 2026-11-26",), [[], ["Status", "Partners"], ["ok", 3.0]]
    )
    rb = read_book(snap, CONFIG)
    assert build_changes(rb, _plan(_state(2)), rows, CONFIG).dashboard is None
    changed = (*rows[:3], ("ok", 4))
    assert build_changes(rb, _plan(_state(2)), changed, CONFIG).dashboard == ("Dashboard", changed)


@pytest.mark.parametrize(
    "header, rows, owned",
    [
        (
            ("Partners dashboard", "as of", "2026-11-25"),
            [["Touch status", "Partners"]],
            True,
        ),  # made before the mark
        ((), [], True),  # empty: nothing of the team's to lose
        (("Our pipeline", "Q4"), [["Deals", 3]], False),
        (("Partners dashboard",), [], False),
    ],
)
def test_a_dashboard_tab_is_the_workers_only_when_marked_made_by_it_or_empty(header, rows, owned):
    snap = snapshot()
    snap.tables["Dashboard"] = Table("Dashboard", header, rows)
    rb = read_book(snap, CONFIG)
    assert (rb.dashboard is not None) == owned and rb.dashboard_taken == (not owned)
    assert [p.tab for p in rb.problems].count(Tab.DASHBOARD) == (0 if owned else 1)
    change = build_changes(rb, _plan(_state(2)), (("Partners dashboard", "as of", "2026-11-26"),), CONFIG)
    assert (change.dashboard is not None) == owned


def test_a_stray_value_beside_the_table_is_no_row_to_number():
    partners = (["ID", "Partner", "", "Rank"], [["P-0001", "Acme", "", "A"], ["", "", "scribble", ""]])
    rb = read_book(snapshot(partners=partners), CONFIG)
    assert [p.name for p in rb.book.partners] == ["Acme"]
    assert rb.new_ids[Tab.PARTNERS] == {} and rb.problems == []


@pytest.mark.parametrize("type_cell, problems", [("call", []), ("", ["no type"]), ("  ", ["no type"])])
def test_an_activity_without_a_type_is_a_problem_of_its_cell(type_cell, problems):
    activities = (["ID", "Date", "Partner", "Type"], [["A-1", "20.11.2026", "Acme", type_cell]])
    rb = read_book(snapshot(activities=activities), CONFIG)
    assert [(p.tab, p.row, p.column, p.message.split(" (")[0]) for p in rb.problems] == [
        (Tab.ACTIVITIES, 2, "Type", m) for m in problems
    ]
    assert len(rb.book.activities) == 1  # the row is still read (its next steps, say, still count)


def test_a_russian_team_s_activity_types_count_as_the_rules_know_them():
    activities = (
        ["ID", "Date", "Partner", "Type", "Agreements"],
        [["A-1", "20.11.2026", "Acme", "Встреча", "Пилот"], ["A-2", "21.11.2026", "Acme", "звонок", ""]],
    )
    rb = read_book(snapshot(activities=activities), CONFIG)
    assert [a.type for a in rb.book.activities] == ["meeting", "call"]
    config = parse_config(
        {"source": {"kind": "xlsx", "path": "p.xlsx"}, "touch_types": ["встреча", "Email"]}, Path("/t")
    )
    assert config.touch_types == {"meeting", "email"}
