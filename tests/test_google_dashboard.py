"""The Dashboard on a Google Sheet: created with its section titles, aligned numbers and two charts
in the one layout batchUpdate that adds the tab, then only its values change (no request of its own,
addChart never again); the fake Sheets API checks addChart as the real one does."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import requests
import responses

from sheets_sync.config import load_config
from sheets_sync.rules.dashboard import (
    CHART_CAPACITY,
    CHART_COLUMN,
    FOLLOWUP_DATA_ROW,
    STATUS_DATA_ROW,
    Chart,
    dashboard_layout,
)
from sheets_sync.runtime.cycle import run_once
from sheets_sync.sources.google.dashboard import add_chart, dashboard_requests
from tests.fake_sheets import ApiError, FakeSheetsAPI, google_source, seed_from_workbook
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)
KEY = "1dAsHbOaRdKeY"


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


def layout_requests(api) -> list[dict]:
    """Every request of every spreadsheet batchUpdate so far."""
    return [r for kind, body in api.bodies if kind == "batchUpdate" for r in body["requests"]]


def rows_of(sheet) -> list[list]:
    return sheet.table()


def test_the_charts_are_added_once_with_the_tab_and_never_again(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    run_once(source, config, noon(config))
    adds = [r["addChart"] for r in layout_requests(api) if "addChart" in r]
    assert len(adds) == 2
    dashboard = api.spreadsheets[KEY]["Dashboard"]
    assert len(dashboard.charts) == 2

    for day in (TODAY, TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=2)):
        mark = len(api.log)
        report = run_once(source, config, noon(config, day))
        assert "batchUpdate" not in api.log[mark:], day  # only values: no layout, no chart
        if day > TODAY:
            assert report.written
    assert api.count("batchUpdate") == 1 and len(dashboard.charts) == 2
    # the charts' data moved on with the days, in the cells the charts were made on
    assert dashboard.value(1, 3) == (TODAY + dt.timedelta(days=2)).isoformat()
    assert dashboard.value(STATUS_DATA_ROW, CHART_COLUMN) == "Partners by touch status and rank"


def test_the_charts_ranges_are_the_dashboards_fixed_cells(api, tmp_path):
    config = sample(api, tmp_path)
    run_once(google_source(api, KEY), config, noon(config))
    dashboard = api.spreadsheets[KEY]["Dashboard"]
    status, followups = (c["spec"] for c in dashboard.charts)
    assert status["title"] == "Partners by touch status and rank"
    assert followups["title"] == "Follow-ups by manager (last 14 days)"
    for spec, header, capacity in (
        (status, STATUS_DATA_ROW, 9),
        (followups, FOLLOWUP_DATA_ROW, CHART_CAPACITY),
    ):
        basic = spec["basicChart"]
        assert (basic["chartType"], basic["stackedType"], basic["headerCount"]) == ("BAR", "STACKED", 1)
        (domain,) = basic["domains"][0]["domain"]["sourceRange"]["sources"]
        assert (domain["startRowIndex"], domain["endRowIndex"]) == (header - 1, header + capacity)
        assert (domain["startColumnIndex"], domain["endColumnIndex"]) == (CHART_COLUMN - 1, CHART_COLUMN)
        columns = [s["series"]["sourceRange"]["sources"][0]["startColumnIndex"] for s in basic["series"]]
        assert columns == list(range(CHART_COLUMN, CHART_COLUMN + len(columns)))
        assert {s["targetAxis"] for s in basic["series"]} == {"BOTTOM_AXIS"}
    assert len(status["basicChart"]["series"]) == 3  # one per rank
    rows = rows_of(dashboard)
    below = [dashboard.value(r, CHART_COLUMN) for r in range(FOLLOWUP_DATA_ROW + 1, FOLLOWUP_DATA_ROW + 31)]
    managers = [m for m in below if m]
    assert managers and below == managers + [None] * (30 - len(managers))  # the rest of it: blank
    # the charts sit right of every table, one under the other
    anchors = [c["position"]["overlayPosition"]["anchorCell"] for c in dashboard.charts]
    assert [(a["rowIndex"], a["columnIndex"]) for a in anchors] == [
        (2, CHART_COLUMN - 1),
        (21, CHART_COLUMN - 1),
    ]
    assert max(len(r[: CHART_COLUMN - 1]) for r in rows) <= CHART_COLUMN - 1


def test_section_titles_are_bold_on_the_header_fill_by_a_rule_that_follows_them(api, tmp_path):
    config = sample(api, tmp_path)
    run_once(google_source(api, KEY), config, noon(config))
    dashboard = api.spreadsheets[KEY]["Dashboard"]
    rules = {r["booleanRule"]["condition"]["values"][0]["userEnteredValue"]: r for r in dashboard.conditional}
    assert set(rules) == {'=AND($A2<>"",$A1="")', '=AND($L2<>"",$L1="")'}
    for rule in rules.values():
        assert rule["booleanRule"]["format"]["textFormat"] == {"bold": True}
        assert "endRowIndex" not in rule["ranges"][0]  # every row, however long the lists grow

    def titled(rows, column):  # what the formula says, row by row
        cell = [r[column - 1] if len(r) >= column else None for r in rows]
        return [i + 1 for i in range(1, len(rows)) if cell[i] not in (None, "") and cell[i - 1] in (None, "")]

    rows = rows_of(dashboard)
    headings = {(row, first) for row, first, _ in dashboard_layout(rows).headings if row > 1}
    assert headings == {(r, 1) for r in titled(rows, 1)} | {
        (r, CHART_COLUMN) for r in titled(rows, CHART_COLUMN)
    }
    assert dashboard.cell_format(1, 1)["textFormat"] == {"bold": True}  # the title row, as before
    assert dashboard.cell_format(20, 2)["horizontalAlignment"] == "LEFT"  # numbers as their titles


def test_a_team_that_switches_language_keeps_its_dashboard_and_its_charts(api, tmp_path):
    config = sample(api, tmp_path)
    source = google_source(api, KEY)
    run_once(source, config, noon(config))
    config_path = tmp_path / "en" / "config.yaml"
    config_path.write_text(config_path.read_text().replace("language: en", "language: ru"))
    russian = load_config(config_path)
    mark = len(api.log)
    report = run_once(source, russian, noon(russian))
    assert report.written and "batchUpdate" not in api.log[mark:]
    dashboard = api.spreadsheets[KEY]["Dashboard"]
    assert [dashboard.value(1, c) for c in (1, 2)] == ["Панель партнёров", "по состоянию на"]
    assert dashboard.value(STATUS_DATA_ROW + 1, CHART_COLUMN) == "просрочен"
    assert (
        len(dashboard.charts) == 2 and [s.title for s in api.spreadsheets[KEY].sheets].count("Dashboard") == 1
    )


# --- the fake checks addChart as the real API does ---------------------------------------------


def chart(**changes) -> Chart:
    fields = dict(
        title="Follow-ups",
        anchor=(3, 12),
        size=(540, 360),
        header=52,
        column=12,
        series=2,
        categories=3,
        capacity=30,
        colours=("27AE60", "C0392B"),
    )
    return Chart(**{**fields, **changes})


@pytest.fixture
def tab(api):
    api.create(KEY, "Dashboard", {"Dashboard": [["Partners dashboard", "as of"]]})
    return api.spreadsheets[KEY]["Dashboard"]


def send(api, requests_):
    response = requests.post(
        f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}:batchUpdate",
        json={"requests": requests_},
        headers={"Authorization": f"Bearer {api.token}"},
        timeout=5,
    )
    if response.status_code != 200:
        raise ApiError(response.status_code, response.json()["error"]["message"])
    return response.json()


def test_the_fake_takes_the_workers_add_chart_and_lists_it_in_the_metadata(api, tab):
    answer = send(api, [add_chart(tab.sheet_id, chart())])
    chart_id = answer["replies"][0]["addChart"]["chart"]["chartId"]
    assert [c["chartId"] for c in tab.charts] == [chart_id]
    metadata = requests.get(
        f"https://sheets.googleapis.com/v4/spreadsheets/{KEY}",
        headers={"Authorization": "Bearer test"},
        timeout=5,
    ).json()
    listed = next(s for s in metadata["sheets"] if s["properties"]["title"] == "Dashboard")
    assert [c["chartId"] for c in listed["charts"]] == [chart_id]


def broken(request, path, value):
    out = copy.deepcopy(request)
    target = out
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return out


BASIC = ("addChart", "chart", "spec", "basicChart")


@pytest.mark.parametrize(
    "path, value, message",
    [
        ((*BASIC, "chartType"), "BARS", r"BasicChartType\), \"BARS\""),
        ((*BASIC, "stackedType"), "STACK", r"BasicChartStackedType"),
        ((*BASIC, "legend"), "BOTTOM_LEGEND", r'Unknown name "legend"'),
        ((*BASIC, "series", 0, "targetAxis"), "LEFT_AXIS", r"not a minor axis of a BAR chart"),
        ((*BASIC, "domains", 1), None, r"Only a single domain is supported"),
        (
            (*BASIC, "series", 0, "series", "sourceRange", "sources", 0, "endColumnIndex"),
            14,
            r"exactly one dimension",
        ),
        ((*BASIC, "series", 0, "series", "sourceRange", "sources", 0, "endRowIndex"), 70, r"same length"),
        (
            (*BASIC, "domains", 0, "domain", "sourceRange", "sources", 0, "endRowIndex"),
            2000,
            r"not within the grid",
        ),
        (
            ("addChart", "chart", "position", "overlayPosition", "anchorCell", "sheetId"),
            999,
            r"No grid with id",
        ),
        (("addChart", "chart", "position", "sheetId"), 1, r"exactly one of sheetId, overlayPosition"),
        (("addChart", "chart", "spec", "pieChart"), {}, r"exactly one kind of chart"),
    ],
)
def test_the_fake_refuses_an_add_chart_the_real_api_refuses(api, tab, path, value, message):
    good = add_chart(tab.sheet_id, chart())
    if path[-1] == 1 and path[-2] == "domains":
        request = copy.deepcopy(good)
        request["addChart"]["chart"]["spec"]["basicChart"]["domains"].append(
            copy.deepcopy(request["addChart"]["chart"]["spec"]["basicChart"]["domains"][0])
        )
    else:
        request = broken(good, path, value)
    with pytest.raises(ApiError, match=message):
        send(api, [request])
    assert tab.charts == []  # all or nothing


def test_a_chart_id_in_use_is_refused(api, tab):
    request = add_chart(tab.sheet_id, chart())
    request["addChart"]["chart"]["chartId"] = 77
    send(api, [request])
    with pytest.raises(ApiError, match="already exists"):
        send(api, [request])


def test_the_requests_for_a_tab_of_another_shape_carry_no_chart():
    requests_ = dashboard_requests(7, (("Partner", "Status"), ("Acme", "due")), 12)
    assert not any("addChart" in r for r in requests_)
    assert [next(iter(r)) for r in requests_] == [
        "addConditionalFormatRule",
        "repeatCell",
        "addConditionalFormatRule",
    ]
    condition = requests_[0]["addConditionalFormatRule"]["rule"]["booleanRule"]["condition"]
    assert condition == {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": '=AND($A2<>"",$A1="")'}]}
