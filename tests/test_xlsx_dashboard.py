"""The Dashboard is the worker's own: marked when created, recognised by its content when made before
the mark existed, and a team tab of that name is never touched (check and the summary say so)."""

import datetime as dt
import hashlib
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets_sync.config import load_config
from sheets_sync.model import Tab
from sheets_sync.runtime import summary
from sheets_sync.runtime.cycle import run_once
from sheets_sync.sheet import workbook
from sheets_sync.sources.xlsx import XlsxSource
from sheets_sync.sources.xlsx.book import DASHBOARD_MARK, Book
from sheets_sync.sources.xlsx.package import Package
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)


def noon(config, day=TODAY):
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def sample(tmp_path):
    return load_config(copy_sample(tmp_path / "team", "en", TODAY))


def add_team_tab(path, name="Dashboard"):
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet(name)
    ws.append(["Our own pipeline view", "Q4"])
    ws.append(["Deals", "=COUNTA(Partners!A:A)"])
    wb.save(path)


def test_the_dashboard_the_worker_creates_carries_its_mark(sample):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    with zipfile.ZipFile(sample.source.path) as archive:
        book = archive.read("xl/workbook.xml").decode()
    assert f'name="{DASHBOARD_MARK}"' in book and "'Dashboard'!$A$1" in book
    snapshot = XlsxSource(sample.source.path).read(workbook.tab_names(sample))
    assert snapshot.worker_tabs == {"Dashboard"}


def test_a_team_tab_named_dashboard_is_never_touched(sample):
    add_team_tab(sample.source.path)
    part = Book(Package(sample.source.path.read_bytes())).worksheet("Dashboard")
    with zipfile.ZipFile(sample.source.path) as archive:
        team_tab = {part: archive.read(part)}

    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))

    assert report.written  # the data tabs are still written
    with zipfile.ZipFile(sample.source.path) as archive:
        assert {n: archive.read(n) for n in team_tab} == team_tab
        assert DASHBOARD_MARK not in archive.read("xl/workbook.xml").decode()
    wb = openpyxl.load_workbook(sample.source.path)
    assert wb.sheetnames.count("Dashboard") == 1 and wb["Dashboard"]["B2"].value == "=COUNTA(Partners!A:A)"
    text = summary.cycle_summary(report, sample)
    assert 'The tab "Dashboard" was not made by sheets-sync' in text and "Rename that tab" in text


def test_check_says_to_rename_a_team_tab_named_dashboard(sample):
    add_team_tab(sample.source.path)
    rb = workbook.read_book(XlsxSource(sample.source.path).read(workbook.tab_names(sample)), sample)
    problems = [p for p in rb.problems if p.tab is Tab.DASHBOARD]
    assert len(problems) == 1 and "tabs: {Dashboard:" in problems[0].message
    assert "Dashboard" in summary.check_report(rb)


def test_another_name_for_the_dashboard_lets_the_worker_write_its_own(sample, tmp_path):
    add_team_tab(sample.source.path)
    config_path = tmp_path / "team" / "config.yaml"
    config_path.write_text(config_path.read_text() + "\ntabs: {Dashboard: Worker dashboard}\n")
    config = load_config(config_path)
    run_once(XlsxSource(config.source.path), config, noon(config))
    wb = openpyxl.load_workbook(config.source.path)
    assert wb["Dashboard"]["A1"].value == "Our own pipeline view"
    assert wb["Worker dashboard"]["A1"].value == "Partners dashboard"


def test_a_dashboard_made_before_the_mark_is_recognised_by_its_content(sample):
    wb = openpyxl.load_workbook(sample.source.path)
    old = wb.create_sheet("Dashboard")
    old.append(["Partners dashboard", "as of", TODAY - dt.timedelta(days=3)])
    old.append(["stale", 1])
    wb.save(sample.source.path)

    run_once(XlsxSource(sample.source.path), sample, noon(sample))

    ws = openpyxl.load_workbook(sample.source.path)["Dashboard"]
    assert ws["C1"].value.date() == TODAY and ws["A2"].value is None
    assert XlsxSource(sample.source.path).read(["Dashboard"]).worker_tabs == {"Dashboard"}


def test_a_cycle_with_nothing_new_leaves_the_file_byte_identical(sample):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    first = sha(sample.source.path)
    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))
    assert not report.written and sha(sample.source.path) == first


def test_the_same_day_written_twice_from_the_same_file_gives_the_same_bytes(sample, tmp_path):
    pristine = sample.source.path.read_bytes()
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    once = sample.source.path.read_bytes()
    sample.source.path.write_bytes(pristine)
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    assert sample.source.path.read_bytes() == once


def test_the_next_day_reuses_the_styles_it_added(sample):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    with zipfile.ZipFile(sample.source.path) as archive:
        styles = archive.read("xl/styles.xml")
    run_once(XlsxSource(sample.source.path), sample, noon(sample, TODAY + dt.timedelta(days=1)))
    with zipfile.ZipFile(sample.source.path) as archive:
        assert archive.read("xl/styles.xml") == styles


def test_a_team_dashboard_tab_holding_only_a_chart_is_never_touched(sample):
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.load_workbook(sample.source.path)
    chart = BarChart()
    chart.add_data(Reference(wb["Partners"], min_col=1, min_row=1, max_row=5))
    wb.create_sheet("Dashboard").add_chart(chart, "B2")
    wb.save(sample.source.path)
    part = Book(Package(sample.source.path.read_bytes())).worksheet("Dashboard")
    with zipfile.ZipFile(sample.source.path) as archive:
        before = archive.read(part)

    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))

    assert report.written and any(p.tab is Tab.DASHBOARD for p in report.problems)
    with zipfile.ZipFile(sample.source.path) as archive:
        assert archive.read(part) == before
    assert len(openpyxl.load_workbook(sample.source.path)["Dashboard"]._charts) == 1


def test_a_chart_sheet_named_dashboard_is_the_teams_and_the_data_tabs_are_still_written(sample):
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.load_workbook(sample.source.path)
    chart = BarChart()
    chart.add_data(Reference(wb["Partners"], min_col=1, min_row=1, max_row=5))
    wb.create_chartsheet("Dashboard").add_chart(chart)
    wb.save(sample.source.path)

    report = run_once(XlsxSource(sample.source.path), sample, noon(sample))

    assert report.written and not report.write_failed
    assert any(p.tab is Tab.DASHBOARD and "Rename that tab" in p.message for p in report.problems)
    assert openpyxl.load_workbook(sample.source.path).sheetnames.count("Dashboard") == 1
