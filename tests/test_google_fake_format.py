"""The fake Sheets API's spreadsheet batchUpdate refuses what the real API refuses (an unknown name,
a fields mask naming no field, a range past the grid, a bad ConditionType, a conditional format
setting what conditional formats cannot), applies none of a refused batch, and applies masks field
by field, as tests/fake_sheets_format.py describes."""

import pytest
import requests
import responses

from tests.fake_sheets import BASE, FakeSheetsAPI

KEY = "1FaKeFoRmAtS"


@pytest.fixture
def api():
    fake = FakeSheetsAPI()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield fake.register(mock)


def batch_update(requests_: list[dict]) -> requests.Response:
    return requests.post(
        f"{BASE}/{KEY}:batchUpdate", json={"requests": requests_}, headers={"Authorization": "Bearer test"}
    )


HEADER = {"sheetId": 0, "startRowIndex": 0, "endRowIndex": 1, "startColumnIndex": 0, "endColumnIndex": 2}


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (
            {
                "repeatCell": {
                    "range": HEADER,
                    "cell": {"note": "x"},
                    "fields": "note,userEnteredFormat.colour",
                }
            },
            "Invalid field mask path: userEnteredFormat.colour",
        ),
        (
            {"repeatCell": {"range": HEADER, "cell": {"note": "x"}, "fields": ""}},
            "At least one field must be listed",
        ),
        (
            {
                "repeatCell": {
                    "range": HEADER,
                    "cell": {"userEnteredFormat": {"backgroundColour": {"red": 1}}},
                    "fields": "userEnteredFormat.backgroundColor",
                }
            },
            'Invalid JSON payload received. Unknown name "backgroundColour" at '
            "'requests[1].repeat_cell.cell.user_entered_format': Cannot find field.",
        ),
        (
            {
                "repeatCell": {
                    "range": {**HEADER, "endColumnIndex": 31},
                    "cell": {"note": "x"},
                    "fields": "note",
                }
            },
            "exceeds grid limits. Max rows: 1000, max columns: 30",
        ),
        (
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                    "fields": "gridProperties.frozenRows",
                }
            },
            "Invalid field mask path: gridProperties.frozenRows",
        ),
        (
            {
                "updateDimensionProperties": {
                    "range": {"sheetId": 0, "dimension": "COLUMNS", "startIndex": 0, "endIndex": 1},
                    "properties": {"pixelSize": 100},
                    "fields": "width",
                }
            },
            "Invalid field mask path: width",
        ),
        (
            {
                "addConditionalFormatRule": {
                    "rule": {
                        "ranges": [HEADER],
                        "booleanRule": {
                            "condition": {"type": "TEXT_EQUALS", "values": [{"userEnteredValue": "x"}]}
                        },
                    },
                    "index": 0,
                }
            },
            "Invalid value at 'requests[1].add_conditional_format_rule.rule.boolean_rule.condition.type' "
            '(type.googleapis.com/google.apps.sheets.v4.ConditionType), "TEXT_EQUALS"',
        ),
        (
            {
                "addConditionalFormatRule": {
                    "rule": {
                        "ranges": [HEADER],
                        "booleanRule": {
                            "condition": {
                                "type": "TEXT_EQ",
                                "values": [{"userEnteredValue": "a"}, {"userEnteredValue": "b"}],
                            }
                        },
                    }
                }
            },
            "TEXT_EQ requires exactly one ConditionValue",
        ),
        (
            {
                "addConditionalFormatRule": {
                    "rule": {
                        "ranges": [HEADER],
                        "booleanRule": {
                            "condition": {"type": "TEXT_EQ", "values": [{"userEnteredValue": "a"}]},
                            "format": {"textFormat": {"fontSize": 14}},
                        },
                    }
                }
            },
            "Conditional formatting can only set",
        ),
    ],
)
def test_the_fake_refuses_a_request_the_real_api_refuses_and_applies_none_of_the_batch(
    api, request_, message
):
    book = api.create(KEY, "Partners", {"Partners": [["ID", "Partner"]]})
    answer = batch_update(
        [{"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 4}}, request_]
    )
    assert answer.status_code == 400
    assert message in answer.json()["error"]["message"]
    assert answer.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert book["Partners"].cols == 26  # all or nothing


def test_the_fake_applies_masks_field_by_field(api):
    book = api.create(KEY, "Partners", {"Partners": [["ID", "Partner"]]})
    fill = {
        "backgroundColor": {"red": 0.5, "green": 0.5, "blue": 0.5},
        "textFormat": {"bold": True, "italic": True},
    }
    assert batch_update(
        [
            {
                "repeatCell": {
                    "range": HEADER,
                    "cell": {"userEnteredFormat": fill},
                    "fields": "userEnteredFormat",
                }
            }
        ]
    ).ok
    # a mask names what changes: bold cleared (not in the cell), the fill and italics kept
    mask = "userEnteredFormat(textFormat.bold),note"
    assert batch_update([{"repeatCell": {"range": HEADER, "cell": {"note": "n"}, "fields": mask}}]).ok
    sheet = book["Partners"]
    assert sheet.cell_format(1, 1) == {
        "backgroundColor": fill["backgroundColor"],
        "textFormat": {"italic": True},
    }
    assert sheet.note(1, 2) == "n" and sheet.note(2, 1) is None
