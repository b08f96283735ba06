"""A teammate edits the sheet while a cycle runs: between its read and its re-read just before writing.

Two copies of the sample live in the fake: `REF`, where nobody edits, and `LIVE`, where a teammate
sorts, inserts or deletes rows (or types into a cell) at the worst moment. Every value the worker
writes into LIVE must be the one it writes for the same partner in REF, whatever row that partner
is on now, or nothing at all: never another partner's.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.i18n import words
from sheets_sync.model import TAB_SPECS, Tab
from sheets_sync.runtime.cycle import run_once
from tests.fake_sheets import google_source, sample_sheets

MISSING_NEXT_STEPS = words("en").text("marker.missing")  # the Follow-up marker of an English sheet

TODAY = dt.date(2026, 11, 26)
REF, LIVE = "reference-sheet", "live-sheet"


@pytest.fixture
def team(tmp_path):
    """The sample twice in one fake API; `cycle(key, day)` runs one cycle on either copy."""
    with sample_sheets(tmp_path / "team", TODAY, REF, LIVE) as (api, config, _mock):
        sources = {key: google_source(api, key) for key in (REF, LIVE)}

        def cycle(key, day=TODAY):
            now = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))
            return run_once(sources[key], config, now)

        yield api, config, cycle


def by_partner(api, key, tab=Tab.PARTNERS, name="Partner") -> dict[str, dict]:
    """Each row's ID and worker cells, by a column naming the row (unique in the sample)."""
    sheet = api.spreadsheets[key][tab.value]
    header = sheet.table()[0]
    owned = ["ID", *(c.value for c in TAB_SPECS[tab].worker)]
    out = {}
    for row in sheet.table()[1:]:
        if any(v is not None for v in row):
            cells = dict(zip(header, row, strict=False))
            out[cells.get(name)] = {h: cells.get(h) for h in owned if h in header}
    return out


def clear_ids(api, key):
    for tab in (Tab.PARTNERS, Tab.CONTACTS, Tab.ACTIVITIES, Tab.NEWS):
        sheet = api.spreadsheets[key][tab.value]
        for row in range(2, sheet.last_row() + 1):
            sheet.set(row, sheet.column("ID"), None)


def partners(api, key=LIVE):
    return api.spreadsheets[key][Tab.PARTNERS.value]


def at_the_reread(api, edit):
    """The teammate's edit lands after this cycle's read and before its re-read (the 2nd batchGet)."""
    api.before("values:batchGet", edit, nth=2)


def assert_lands_on_its_own_partner(api, missing=(), empty=()):
    expected, actual = by_partner(api, REF), by_partner(api, LIVE)
    for name in missing:
        expected.pop(name)
    for name in empty:
        assert all(v is None for v in actual.pop(name).values()), name
    assert actual == expected


SORTS = {
    "sorted by name, descending": lambda sheet: sheet.sort(key=lambda row: str(row[1]), reverse=True),
    "sorted by rank": lambda sheet: sheet.sort(key=lambda row: str(row[2])),
}


@pytest.mark.parametrize("how", SORTS)
def test_a_sort_before_the_write_puts_every_value_on_its_own_partner(team, how):
    api, _, cycle = team
    cycle(REF), cycle(LIVE)
    next_day = TODAY + dt.timedelta(days=1)
    cycle(REF, next_day)
    at_the_reread(api, lambda: SORTS[how](partners(api)))
    mark = len(api.log)
    report = cycle(LIVE, next_day)
    assert report.written and api.log[mark:] == ["values:batchGet", "values:batchGet", "values:batchUpdate"]
    assert_lands_on_its_own_partner(api)


@pytest.mark.parametrize("how", SORTS)
def test_a_sort_during_the_first_cycle_when_no_row_has_an_id_yet(team, how):
    api, _, cycle = team
    clear_ids(api, REF), clear_ids(api, LIVE)
    cycle(REF)
    at_the_reread(api, lambda: SORTS[how](partners(api)))
    report = cycle(LIVE)
    assert report.written
    assert_lands_on_its_own_partner(api)  # recognised by their content, IDs included


def test_rows_inserted_above_shift_every_write_down(team):
    api, _, cycle = team
    cycle(REF), cycle(LIVE)
    next_day = TODAY + dt.timedelta(days=1)
    cycle(REF, next_day)

    def insert():
        partners(api).insert_rows(3, 2)
        partners(api).set(4, 2, "Brand New Partner Ltd")  # typed into one of them, no ID yet

    at_the_reread(api, insert)
    assert cycle(LIVE, next_day).written
    assert_lands_on_its_own_partner(api, empty=["Brand New Partner Ltd"])
    cycle(LIVE, next_day)  # the next cycle takes the new partner in
    assert by_partner(api, LIVE)["Brand New Partner Ltd"]["ID"]


def test_a_row_deleted_before_the_write_is_skipped_and_nothing_else_moves(team):
    api, _, cycle = team
    clear_ids(api, REF), clear_ids(api, LIVE)
    cycle(REF)
    gone = partners(api).value(4, 2)
    at_the_reread(api, lambda: partners(api).delete_rows(4))
    report = cycle(LIVE)
    assert report.written
    assert_lands_on_its_own_partner(api, missing=[gone])


def test_a_row_deleted_the_next_day_takes_its_id_with_it(team):
    api, _, cycle = team
    cycle(REF), cycle(LIVE)
    next_day = TODAY + dt.timedelta(days=1)
    cycle(REF, next_day)
    gone = partners(api).value(7, 2)
    at_the_reread(api, lambda: (partners(api).delete_rows(7), partners(api).sort(key=lambda r: str(r[1]))))
    assert cycle(LIVE, next_day).written
    assert_lands_on_its_own_partner(api, missing=[gone])


def test_an_id_typed_meanwhile_is_kept_and_that_row_waits_a_cycle(team):
    api, _, cycle = team
    clear_ids(api, LIVE)
    at_the_reread(api, lambda: partners(api).set(5, 1, "P-9999"))
    cycle(LIVE)
    sheet = partners(api)
    assert sheet.value(5, 1) == "P-9999"
    assert sheet.value(5, sheet.column("Touch status")) is None  # put off: its row changed
    assert sheet.value(6, sheet.column("Touch status")) is not None
    cycle(LIVE)
    assert sheet.value(5, 1) == "P-9999" and sheet.value(5, sheet.column("Touch status")) is not None


def test_a_follow_up_typed_meanwhile_is_never_overwritten(team):
    api, _, cycle = team
    cycle(REF)
    activities = api.spreadsheets[REF][Tab.ACTIVITIES.value]
    live = api.spreadsheets[LIVE][Tab.ACTIVITIES.value]
    column = activities.column("Follow-up")
    marked = [
        r
        for r in range(2, activities.last_row() + 1)
        if activities.value(r, column) == MISSING_NEXT_STEPS and live.value(r, column) is None
    ]
    assert marked, "the first cycle marks meetings without next steps"
    at_the_reread(api, lambda: live.set(marked[0], column, "sent from my phone"))
    cycle(LIVE)
    assert live.value(marked[0], column) == "sent from my phone"
    assert all(live.value(r, column) == MISSING_NEXT_STEPS for r in marked[1:])
    cycle(LIVE)
    assert live.value(marked[0], column) == "sent from my phone"


def test_a_column_inserted_meanwhile_puts_the_whole_write_off(team):
    api, _, cycle = team
    cycle(REF), cycle(LIVE)
    next_day = TODAY + dt.timedelta(days=1)
    cycle(REF, next_day)
    before = dict(partners(api).cells)
    at_the_reread(api, lambda: partners(api).insert_columns(3))
    report = cycle(LIVE, next_day)
    assert not report.written and "columns" in report.not_written
    assert {(r, c + (c >= 3)): v for (r, c), v in before.items()} == partners(
        api
    ).cells  # only the teammate's edit
    assert cycle(LIVE, next_day).written
    assert by_partner(api, LIVE) == by_partner(api, REF)
