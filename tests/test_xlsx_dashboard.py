"""The Dashboard is the worker's own: marked when created, recognised by its content when made before
the mark existed, and a team tab of that name is never touched (check and the summary say so)."""

import datetime as dt
import hashlib
import io
import zipfile
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from libreoffice import convert_to_csv, needs_libreoffice, soffice  # noqa: F401 (soffice: the fixture)
from lxml import etree

from sheets_sync.config import load_config
from sheets_sync.i18n import words
from sheets_sync.model import Changes, Tab
from sheets_sync.rules.dashboard import STATUS_ORDER, dashboard_rows
from sheets_sync.rules.planner import plan
from sheets_sync.runtime import summary
from sheets_sync.runtime.cycle import run_once
from sheets_sync.sheet import workbook
from sheets_sync.sources.xlsx import XlsxSource
from sheets_sync.sources.xlsx.book import DASHBOARD_MARK, Book
from sheets_sync.sources.xlsx.dashboard_charts import DRAWING_REL, chart_parts
from sheets_sync.sources.xlsx.package import Package
from sheets_sync.sources.xlsx.parts import relationships, rels_name, target
from sheets_sync.sources.xlsx.patch import patch
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)
STATUSES_BY_URGENCY = tuple(s.value for s in STATUS_ORDER)


def members_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


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


# --- what the Dashboard shows, its charts, and what it leaves alone -----------------------------------

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


def members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def dashboard_parts(data: bytes, tab: str = "Dashboard") -> list[str]:
    """The Dashboard's worksheet, its rels, its drawing (and rels) and its chart parts."""
    package = Package(data)
    sheet = Book(package).worksheet(tab)
    drawings = [target(sheet, r) for r in relationships(package, sheet) if r.get("Type") == DRAWING_REL]
    return [sheet, rels_name(sheet), *drawings, *map(rels_name, drawings), *chart_parts(package, sheet)]


def titles(ws) -> list[tuple[int, str]]:
    """(row, text) of every bold cell of column A."""
    return [(c.row, c.value) for c in ws["A"] if c.value is not None and c.font.b]


EN_TITLES = [
    "Partners dashboard",
    "Most overdue",
    "Follow-ups to send",
    "Next steps due",
    "Touch status",
    "Rank",
    "Manager",
    "Follow-ups (last 14 days)",
    "Partner goals",
    "Digests",
]
RU_TITLES = [
    "Панель партнёров",
    "Самые просроченные",
    "Письма по итогам к отправке",
    "Следующие шаги к сроку",
    "Статус",
    "Ранг",
    "Менеджер",
    "Письма по итогам (за 14 дней)",
    "Цели партнёров",
    "Дайджесты",
]


@pytest.mark.parametrize("lang, expected", [("en", EN_TITLES), ("ru", RU_TITLES)])
def test_openpyxl_reads_todays_work_first_under_bold_titles_in_the_teams_language(tmp_path, lang, expected):
    config = load_config(copy_sample(tmp_path / lang, lang, TODAY))
    run_once(XlsxSource(config.source.path), config, noon(config))
    wb = openpyxl.load_workbook(config.source.path)
    ws = wb[config.tab_name(Tab.DASHBOARD)]
    assert [text for _, text in titles(ws)] == expected[: len(titles(ws))]
    assert len(titles(ws)) >= len(expected) - 1  # the Digests block only once a digest went out
    assert all(ws.cell(row, 1).fill.fgColor.rgb == "FFDDE7F0" for row, _ in titles(ws))  # the header fill
    status_title = next(row for row, text in titles(ws) if text == expected[4])
    statuses = [ws.cell(r, 1).value for r in range(status_title + 1, status_title + 10)]
    assert statuses == [words(lang).status(s) for s in STATUS_ORDER]  # most urgent first
    assert ws.cell(status_title + 1, 2).alignment.horizontal == "left"  # as its title above
    assert not ws.cell(status_title + 1, 1).font.b


def test_the_charts_are_the_workers_own_parts_over_the_dashboards_own_cells(sample):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    wb = openpyxl.load_workbook(sample.source.path)
    ws = wb["Dashboard"]
    assert len(ws._charts) == 2
    status, followups = ws._charts
    assert (status.type, status.grouping, status.overlap) == ("bar", "stacked", 100)
    assert [s.tx.strRef.f for s in status.series] == [
        "'Dashboard'!$M$41",
        "'Dashboard'!$N$41",
        "'Dashboard'!$O$41",
    ]
    assert {s.cat.strRef.f for s in status.series} == {"'Dashboard'!$L$42:$L$50"}
    assert [ws.cell(r, 12).value for r in range(42, 51)] == list(STATUSES_BY_URGENCY)
    manager_rows = [r for r in range(53, 90) if ws.cell(r, 12).value]
    assert {s.cat.strRef.f for s in followups.series} == {f"'Dashboard'!$L$53:$L${manager_rows[-1]}"}
    assert [s.val.numRef.f for s in followups.series] == [
        f"'Dashboard'!$M$53:$M${manager_rows[-1]}",
        f"'Dashboard'!$N$53:$N${manager_rows[-1]}",
    ]
    # the caches hold what the cells hold
    parts = members(sample.source.path)
    chart = etree.fromstring(parts[dashboard_parts(sample.source.path.read_bytes())[-1]])
    cached = [float(v.text) for v in chart.iter(f"{C}numCache") for v in v.iter(f"{C}v")]
    cells = [ws.cell(r, c).value for c in (13, 14) for r in manager_rows]
    assert cached == cells
    types = etree.fromstring(parts["[Content_Types].xml"])
    declared = {t.get("PartName"): t.get("ContentType") for t in types}
    for part in dashboard_parts(sample.source.path.read_bytes())[4:]:
        assert declared["/" + part].endswith("drawingml.chart+xml")


def test_the_dashboard_and_its_charts_are_added_and_every_other_part_stays_byte_identical(sample):
    before = sample.source.path.read_bytes()
    rb = workbook.read_book(XlsxSource(sample.source.path).read(workbook.tab_names(sample)), sample)
    rows = dashboard_rows(rb.book, plan(rb.book, sample, TODAY), sample)
    after = patch(before, Changes(dashboard=("Dashboard", rows))).data
    old, new = members_of(before), members_of(after)
    added = [n for n in new if n not in old]
    assert sorted(added) == sorted(dashboard_parts(after))
    assert [n for n in new if n in old] == list(old)  # in their order
    changed = {n for n in old if old[n] != new[n]}
    assert changed <= {
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
    }


def test_the_next_day_rewrites_the_dashboard_in_its_own_parts(sample):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    first = members(sample.source.path)
    parts = dashboard_parts(sample.source.path.read_bytes())
    run_once(XlsxSource(sample.source.path), sample, noon(sample, TODAY + dt.timedelta(days=1)))
    second = members(sample.source.path)
    assert set(second) == set(first)  # no part added: the same drawing and charts, rewritten
    assert dashboard_parts(sample.source.path.read_bytes()) == parts
    assert second[parts[2]] == first[parts[2]]  # the drawing: the charts sit where they sat
    assert openpyxl.load_workbook(sample.source.path)["Dashboard"]["C1"].value.date() == TODAY + dt.timedelta(
        days=1
    )


def test_a_team_that_switches_language_keeps_its_dashboard(sample, tmp_path):
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    parts = dashboard_parts(sample.source.path.read_bytes())
    config_path = tmp_path / "team" / "config.yaml"
    config_path.write_text(config_path.read_text().replace("language: en", "language: ru"))
    russian = load_config(config_path)
    assert russian.language == "ru"
    run_once(XlsxSource(russian.source.path), russian, noon(russian))
    wb = openpyxl.load_workbook(russian.source.path)
    assert wb.sheetnames.count("Dashboard") == 1
    assert [t for _, t in titles(wb["Dashboard"])][:9] == RU_TITLES[:9]
    assert dashboard_parts(russian.source.path.read_bytes()) == parts  # the same tab, rewritten
    assert XlsxSource(russian.source.path).read(["Dashboard"]).worker_tabs == {"Dashboard"}


def test_a_dashboard_made_before_charts_gets_them_when_it_is_rewritten(sample):
    data = patch(
        sample.source.path.read_bytes(), Changes(dashboard=("Dashboard", (("Partners dashboard", "as of"),)))
    ).data
    assert len(dashboard_parts(data)) == 2  # a worksheet (and its rels: none yet), no drawing
    sample.source.path.write_bytes(data)
    run_once(XlsxSource(sample.source.path), sample, noon(sample))
    assert len(openpyxl.load_workbook(sample.source.path)["Dashboard"]._charts) == 2


@needs_libreoffice
def test_libreoffice_opens_the_dashboard_and_shows_what_was_written(tmp_path):
    paths = []
    for lang in ("en", "ru"):
        config = load_config(copy_sample(tmp_path / lang, lang, TODAY))
        run_once(XlsxSource(config.source.path), config, noon(config))
        paths.append(config.source.path.rename(tmp_path / f"{lang}.xlsx"))
    shown = convert_to_csv(paths, sheet=5)
    for path, title in zip(paths, ("Partners dashboard", "Панель партнёров"), strict=True):
        rows = next(iter(shown[path].values()))
        assert rows[0][:3] == [title, openpyxl.load_workbook(path).worksheets[4]["B1"].value, "2026-11-26"]
        ws = openpyxl.load_workbook(path).worksheets[4]
        for r, row in enumerate(rows[:60], start=1):
            for c, text in enumerate(row[:14], start=1):
                value = ws.cell(r, c).value
                if isinstance(value, str):
                    assert text == value, (path.name, r, c)
