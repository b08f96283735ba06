"""End to end on real .xlsx files: the sample workbook through read, plan and write-back."""

import datetime as dt
import shutil
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets_sync.config import load_config
from sheets_sync.model import TAB_SPECS, Tab, TouchStatus
from sheets_sync.runtime.cycle import WorkerState, run_once
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sources.xlsx import XlsxSource
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)  # a Thursday


def noon(config, day=TODAY):
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))


@pytest.fixture
def sample(tmp_path):
    return load_config(copy_sample(tmp_path / "team", "en", TODAY))


def team_cells(config) -> dict:
    """Every cell the team owns, by tab, row and header (what the worker must never change)."""
    wb = openpyxl.load_workbook(config.source.path)
    out = {}
    for tab, spec in TAB_SPECS.items():
        ws = wb[config.tab_name(tab)]
        header = [c.value for c in ws[1]]
        worker = {config.column_name(tab, c.value) for c in (*spec.worker, spec.columns.ID)}
        for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            for name, value in zip(header, row, strict=False):
                if name not in worker and name != config.column_name(tab, "Follow-up"):
                    out[(tab, number, name)] = value
    return out


def test_first_cycle_fills_every_worker_column_with_real_dates(sample):
    before = team_cells(sample)
    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))
    assert report.written and report.cells_written > 100

    wb = openpyxl.load_workbook(sample.source.path)
    ws = wb[sample.tab_name(Tab.PARTNERS)]
    header = [c.value for c in ws[1]]
    for column in TAB_SPECS[Tab.PARTNERS].worker:
        assert column.value in header
    col = {name: i for i, name in enumerate(header)}
    rows = list(ws.iter_rows(min_row=2))
    statuses = {r[col["Touch status"]].value for r in rows}
    assert statuses <= {s.value for s in TouchStatus} and len(statuses) >= 5
    next_touch = [r[col["Next touch"]] for r in rows if r[col["Next touch"]].value is not None]
    assert next_touch and all(c.is_date for c in next_touch)
    assert all(r[col["ID"]].value for r in rows)
    assert "Dashboard" in wb.sheetnames
    # IDs the worker filled are new; everything else the team typed is untouched
    after = team_cells(sample)
    assert {k: v for k, v in after.items() if k in before} == before


def test_a_second_cycle_the_same_day_writes_nothing(sample):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    data = sample.source.path.read_bytes()
    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))
    assert not report.written and report.cells_written == 0
    assert sample.source.path.read_bytes() == data


def test_an_unchanged_workbook_is_not_even_parsed_on_the_same_day(sample):
    state = WorkerState()
    run_once(XlsxSource(sample.source.path), sample, noon(sample), state=state)
    assert run_once(XlsxSource(sample.source.path), sample, noon(sample), state=state).skipped
    tomorrow = run_once(
        XlsxSource(sample.source.path), sample, noon(sample, TODAY + dt.timedelta(days=1)), state=state
    )
    assert not tomorrow.skipped and tomorrow.plan is not None


def _sort_rows(path, tab_name, reverse=True):
    wb = openpyxl.load_workbook(path)
    ws = wb[tab_name]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    rows.sort(key=lambda r: str(r[1]), reverse=reverse)
    for i, row in enumerate(rows, start=2):
        for j, value in enumerate(row, start=1):
            ws.cell(i, j).value = value
    wb.save(path)


def test_sorting_rows_between_cycles_changes_nothing(sample):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    for tab in (Tab.PARTNERS, Tab.CONTACTS, Tab.ACTIVITIES):
        _sort_rows(sample.source.path, sample.tab_name(tab))
    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))
    assert report.cells_written == 0 and not report.written


def test_an_excel_lock_file_means_nothing_is_written(sample):
    lock = sample.source.path.with_name("~$" + sample.source.path.name)
    lock.write_bytes(b"owner")
    data = sample.source.path.read_bytes()
    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))
    assert not report.written and "Excel" in report.not_written
    assert sample.source.path.read_bytes() == data
    lock.unlink()
    assert run_once(XlsxSource(sample.source.path), sample, noon(sample)).written


def test_the_russian_sample_runs_under_its_own_names(tmp_path):
    config = load_config(copy_sample(tmp_path / "ru", "ru", TODAY))
    report = run_once(XlsxSource(config.source.path), config, noon(config))
    assert report.written and not report.problems
    wb = openpyxl.load_workbook(config.source.path)
    header = [c.value for c in wb[config.tab_name(Tab.PARTNERS)][1]]
    assert config.column_name(Tab.PARTNERS, "Touch status") in header
    assert "Touch status" not in header
    assert config.tab_name(Tab.DASHBOARD) in wb.sheetnames


def test_a_copy_of_the_workbook_gives_the_same_plan(sample, tmp_path):
    first = run_once(XlsxSource(sample.source.path), sample, noon(sample), dry_run=True)
    copy = tmp_path / "copy.xlsx"
    shutil.copy(sample.source.path, copy)
    second = run_once(XlsxSource(copy), sample, noon(sample), dry_run=True)
    assert first.plan == second.plan and first.cells_written == second.cells_written > 0


@pytest.mark.parametrize(
    "tab, column, formula",
    [
        (Tab.PARTNERS, "ID", '=IF(B2="","","P-"&ROW())'),
        (Tab.ACTIVITIES, "Follow-up", '=IF(A2="yes","sent by hand","")'),
    ],
)
def test_a_team_formula_whose_result_is_empty_is_never_filled_over(sample, tab, column, formula):
    # An ID or Follow-up cell with a formula reads as empty (its result); the worker fills empty
    # ID and Follow-up cells, but must not replace what the team typed.
    wb = openpyxl.load_workbook(sample.source.path)
    ws = wb[sample.tab_name(tab)]
    header = [c.value for c in ws[1]]
    row = 2
    if tab is Tab.ACTIVITIES:  # a meeting that calls for a follow-up today
        planned = run_once(XlsxSource(sample.source.path), sample, noon(sample), dry_run=True).plan
        row = planned.followups[0].activity_row
    ws.cell(row, header.index(column) + 1).value = formula
    wb.save(sample.source.path)

    report = run_once(XlsxSource(sample.source.path), sample, noon(sample), mailer=Mailer.from_config(sample))
    assert report.written and report.delivery.sent  # the follow-up went out: its cell would say so
    assert (
        openpyxl.load_workbook(sample.source.path)[sample.tab_name(tab)]
        .cell(row, header.index(column) + 1)
        .value
        == formula
    )
