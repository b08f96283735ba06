"""A team's formulas on the Google backend: the read sees their results (UNFORMATTED_VALUE), so a
formula whose result is empty looks like an empty ID or Follow-up cell to fill. The re-read before
writing uses FORMULA render and sees the formula itself: it is never written over (SPEC §2, §7),
and everything else in its row is still written."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.i18n import words
from sheets_sync.model import Tab
from sheets_sync.runtime.cycle import run_once
from tests.fake_sheets import Formula, google_source, sample_sheets

MISSING_NEXT_STEPS = words("en").text("marker.missing")  # the Follow-up marker of an English sheet

TODAY = dt.date(2026, 11, 26)
REF, KEY = "reference-sheet", "formula-sheet"
HAND = '=IF(L{row}="yes","sent by hand","")'


@pytest.fixture
def team(tmp_path):
    """The sample twice: `REF`, untouched, and `KEY`, where the team has formulas."""
    with sample_sheets(tmp_path / "team", TODAY, REF, KEY) as (api, config, _mock):
        sources = {key: google_source(api, key) for key in (REF, KEY)}

        def cycle(key):
            now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo(config.timezone))
            return run_once(sources[key], config, now)

        yield api, cycle


def tab(api, key, which):
    return api.spreadsheets[key][which.value]


def worker_cells(sheet, row):
    header = sheet.table()[0]
    return {
        h: sheet.value(row, header.index(h) + 1)
        for h in ("Touch status", "Next touch", "Sync note")
        if h in header
    }


def test_an_id_and_a_follow_up_made_by_formulas_with_empty_results_are_kept(team):
    api, cycle = team
    cycle(REF)
    ref_activities, activities = tab(api, REF, Tab.ACTIVITIES), tab(api, KEY, Tab.ACTIVITIES)
    follow_up = activities.column("Follow-up")
    marked = [
        r
        for r in range(2, ref_activities.last_row() + 1)
        if ref_activities.value(r, follow_up) == MISSING_NEXT_STEPS
    ]
    assert marked, "the worker fills the Follow-up of meetings without next steps"
    kept = Formula(HAND.format(row=marked[0]), "")
    activities.set(marked[0], follow_up, kept)
    partners, ref_partners = tab(api, KEY, Tab.PARTNERS), tab(api, REF, Tab.PARTNERS)
    row = 3
    ref_partners.set(row, 1, None)  # the same partner, its ID cell truly empty: the worker fills it
    cycle(REF)
    assert ref_partners.value(row, 1)
    team_id = Formula('=IF(M3="x","P-0002","")', "")
    partners.set(row, 1, team_id)  # a team's ID formula, empty for now: the read sees no ID
    activities_id = Formula('=IF(C4="","","A-0003")', "")
    activities.set(marked[0], 1, activities_id)

    report = cycle(KEY)
    assert report.written
    assert activities.value(marked[0], follow_up) == kept
    assert activities.value(marked[0], 1) == activities_id
    assert partners.value(row, 1) == team_id
    # the rest of the row is the worker's, and written: the row is found by its content
    assert worker_cells(partners, row)["Touch status"] is not None
    assert worker_cells(partners, row) == worker_cells(ref_partners, row)

    cycle(KEY)  # and again: the empty-looking cells are skipped every cycle, never filled
    assert activities.value(marked[0], follow_up) == kept and partners.value(row, 1) == team_id


def test_rows_without_an_id_are_found_by_content_though_they_hold_formulas(team):
    api, cycle = team
    partners, ref = tab(api, KEY, Tab.PARTNERS), tab(api, REF, Tab.PARTNERS)
    for r in range(2, partners.last_row() + 1):
        partners.set(r, 1, None), ref.set(r, 1, None)
        partners.set(r, partners.column("Notes"), Formula(f"=LEN(B{r})", len(partners.value(r, 2))))
        ref.set(r, ref.column("Notes"), len(ref.value(r, 2)))  # the same value, typed
    cycle(REF), cycle(KEY)
    for r in range(2, partners.last_row() + 1):
        assert partners.value(r, 1) == ref.value(r, 1), f"row {r} got its ID"
        assert isinstance(partners.value(r, partners.column("Notes")), Formula)
        assert worker_cells(partners, r) == worker_cells(ref, r)


def test_an_id_made_by_a_formula_is_the_id_the_read_showed(team):
    api, cycle = team
    partners = tab(api, KEY, Tab.PARTNERS)
    ids = {r: partners.value(r, 1) for r in range(2, partners.last_row() + 1) if partners.value(r, 1)}
    assert len(ids) > 10
    for r, value in ids.items():
        partners.set(r, 1, Formula(f'="{value}"', value))  # e.g. ="P"&TEXT(ROW()-1,"0000")
    cycle(REF), cycle(KEY)
    ref = tab(api, REF, Tab.PARTNERS)
    for r, value in ids.items():
        assert partners.value(r, 1) == Formula(f'="{value}"', value)
        assert worker_cells(partners, r) == worker_cells(ref, r)
