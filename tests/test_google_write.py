"""GoogleSource.write on small hand-made sheets: appended rows, a grid that must grow, the Dashboard,
duplicate and missing IDs, date formats, values the API cannot take as they are, and the team's formulas."""

import dataclasses
import datetime as dt
import math

import pytest
import responses

from sheets_sync.config import Config
from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite, Changes
from tests.fake_sheets import FakeSheetsAPI, Formula, google_source

KEY = "small-sheet"
DAY = dt.date(2026, 11, 26)
DATE = {"type": "DATE", "pattern": "yyyy-mm-dd"}


@pytest.fixture
def api():
    fake = FakeSheetsAPI()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.register(mock)
        fake.create(
            KEY,
            tabs={
                "Partners": [["ID", "Partner", "Notes"], ["P-1", "Acme"], ["P-2", "Beta"], ["P-3", "Gamma"]],
                "Activities": [
                    ["ID", "Date", "Partner", "Type"],
                    ["A-1", DAY, "Acme", "call"],
                    ["A-2", DAY, "Beta", "visit"],
                ],
            },
            rows=4,
            cols=4,
        )
        yield fake


def sheet(api, title):
    return api.spreadsheets[KEY][title]


def since(api, mark):
    return api.log[mark:]


def test_appended_rows_go_below_the_last_row_even_one_added_meanwhile(api):
    source = google_source(api, KEY)
    snapshot = source.read(["Partners", "Activities"])
    api.before("values:batchGet", lambda: sheet(api, "Activities").set(4, 3, "Gamma"))  # typed, no ID yet
    appended = (("A-3", DAY, "Acme", "newsletter"), ("A-4", DAY, None, "greeting"))
    mark = len(api.log)
    source.write(snapshot, Changes(appends={"Activities": appended}, id_columns={"Activities": 1}))
    activities = sheet(api, "Activities")
    assert activities.table()[3:] == [
        [None, None, "Gamma", None],
        ["A-3", 46352, "Acme", "newsletter"],
        ["A-4", 46352, None, "greeting"],
    ]
    assert activities.number_format(5, 2) == activities.number_format(6, 2) == DATE
    # the grid had 4 rows: it grows (by a margin) in the one layout request, before the values
    assert since(api, mark) == ["values:batchGet", "batchUpdate", "values:batchUpdate"]
    assert activities.rows == 4 + 100

    snapshot = source.read(["Partners", "Activities"])
    mark = len(api.log)
    source.write(
        snapshot,
        Changes(appends={"Activities": (("A-5", DAY, "Beta", "newsletter"),)}, id_columns={"Activities": 1}),
    )
    assert since(api, mark) == ["values:batchGet", "values:batchUpdate"]  # room and formats are there now
    assert activities.value(7, 1) == "A-5" and activities.number_format(7, 2) == DATE


def test_new_columns_beyond_the_grid_and_an_id_column_that_did_not_exist(api):
    sheet(api, "Partners").set(1, 1, "Code")  # the team has no ID column
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    changes = Changes(
        new_headers={"Partners": ((5, "ID"), (6, "Next touch"))},
        cells=(
            CellWrite("Partners", 2, "P-0001", 5, "P-0001"),
            CellWrite("Partners", 2, "P-0001", 6, DAY),
            CellWrite("Partners", 4, "P-0003", 5, "P-0003"),
        ),
        id_columns={"Partners": 5},
    )
    api.before("values:batchGet", lambda: sheet(api, "Partners").sort(key=lambda r: str(r[1]), reverse=True))
    source.write(snapshot, changes)
    partners = sheet(api, "Partners")
    assert partners.cols == 6
    assert partners.table() == [
        ["Code", "Partner", "Notes", None, "ID", "Next touch"],
        ["P-3", "Gamma", None, None, "P-0003", None],
        ["P-2", "Beta", None, None, None, None],
        ["P-1", "Acme", None, None, "P-0001", 46352],
    ]


def test_rows_sharing_an_id_are_written_in_place_but_never_guessed_after_a_move(api):
    sheet(api, "Partners").set(3, 1, "P-1")  # a copied row: two P-1
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    notes = (CellWrite("Partners", 2, "P-1", 3, "first"), CellWrite("Partners", 3, "P-1", 3, "second"))
    source.write(snapshot, Changes(cells=notes, id_columns={"Partners": 1}))
    assert [sheet(api, "Partners").value(r, 3) for r in (2, 3)] == ["first", "second"]

    # a row inserted above: the first P-1 is now where the second was; each is found by its content
    snapshot = source.read(["Partners"])
    again = (CellWrite("Partners", 2, "P-1", 3, "FIRST"), CellWrite("Partners", 3, "P-1", 3, "SECOND"))
    api.before("values:batchGet", lambda: sheet(api, "Partners").insert_rows(2))
    source.write(snapshot, Changes(cells=again, id_columns={"Partners": 1}))
    assert sheet(api, "Partners").table()[1:4] == [
        [None] * 3,
        ["P-1", "Acme", "FIRST"],
        ["P-1", "Beta", "SECOND"],
    ]

    # both P-1 rows now look the same, and moved: which one was which cannot be told, so nothing is written
    sheet(api, "Partners").set(4, 2, "Acme")
    sheet(api, "Partners").set(4, 3, "FIRST")
    snapshot = source.read(["Partners"])
    api.before("values:batchGet", lambda: sheet(api, "Partners").delete_rows(2))
    source.write(
        snapshot, Changes(cells=(CellWrite("Partners", 4, "P-1", 3, "x"),), id_columns={"Partners": 1})
    )
    assert sheet(api, "Partners").table()[1:3] == [["P-1", "Acme", "FIRST"], ["P-1", "Acme", "FIRST"]]


def test_the_dashboard_is_created_once_then_rewritten_whole(api):
    source = google_source(api, KEY)
    snapshot = source.read(["Partners", "Dashboard"])
    big = (("Partners dashboard", "as of", DAY), (), ("ok", 3, 4, 5), ("due", 1), ("Total", 4))
    mark = len(api.log)
    source.write(snapshot, Changes(dashboard=("Dashboard", big)))
    assert since(api, mark) == ["batchUpdate", "values:batchUpdate"]  # no data tab: nothing to re-read
    dashboard = sheet(api, "Dashboard")
    assert dashboard.table()[0] == ["Partners dashboard", "as of", "2026-11-26", None]
    assert dashboard.cell_format(1, 1)["textFormat"] == {"bold": True}

    snapshot = source.read(["Partners", "Dashboard"])
    mark = len(api.log)
    source.write(
        snapshot, Changes(dashboard=("Dashboard", (("Partners dashboard", "as of", DAY), ("ok", 7))))
    )
    assert since(api, mark) == ["values:batchUpdate"]
    assert dashboard.table() == [["Partners dashboard", "as of", "2026-11-26"], ["ok", 7, None]]


def test_a_dashboard_named_like_a_data_tab_is_refused(api):
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    changes = Changes(
        cells=(CellWrite("Partners", 2, "P-1", 3, "x"),),
        dashboard=("partners", (("a",),)),
        id_columns={"Partners": 1},
    )
    with pytest.raises(SourceError, match="also a data tab"):
        source.write(snapshot, changes)
    assert sheet(api, "Partners").value(2, 3) is None


def test_a_tab_gone_since_start_up_writes_nothing(api):
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    with pytest.raises(SourceError, match='no tab "Contacts"') as failed:
        source.write(
            snapshot, Changes(cells=(CellWrite("Contacts", 2, "C-1", 2, "x"),), id_columns={"Contacts": 1})
        )
    assert failed.value.transient


def test_date_columns_are_formatted_once_per_process(api):
    source = google_source(api, KEY)
    for day, _notes in ((DAY, "a"), (DAY + dt.timedelta(days=1), "b")):
        snapshot = source.read(["Partners"])
        mark = len(api.log)
        source.write(
            snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 3, day),), id_columns={"Partners": 1})
        )
        kinds = since(api, mark)
    assert kinds == ["values:batchGet", "values:batchUpdate"]  # the second time: no layout request
    assert sheet(api, "Partners").value(2, 3) == 46353 and sheet(api, "Partners").number_format(4, 3) == DATE


def test_values_the_api_cannot_take_as_they_are(api):
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    writes = (
        CellWrite("Partners", 2, "P-1", 3, "x" * 60_000),
        CellWrite("Partners", 3, "P-2", 3, math.nan),
        CellWrite("Partners", 4, "P-3", 3, dt.datetime(2026, 11, 26, 18, 0)),
        CellWrite("Partners", 4, "P-3", 2, '=HYPERLINK("https://evil.example","click")'),
    )
    source.write(snapshot, Changes(cells=writes, id_columns={"Partners": 1}))
    partners = sheet(api, "Partners")
    assert partners.value(2, 3) == "x" * 50_000
    assert partners.value(3, 3) == "nan"
    assert partners.value(4, 3) == 46352.75
    assert partners.number_format(4, 3) == {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}
    assert not isinstance(partners.value(4, 2), Formula)


def test_unchanged_changes_cost_nothing(api):
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    mark = len(api.log)
    source.write(snapshot, Changes())
    assert since(api, mark) == []


# --- the team's formulas: the re-read before writing shows them as formulas (FORMULA render) ---


def test_a_formula_whose_result_is_empty_is_never_written_over(api):
    partners = sheet(api, "Partners")
    hand = Formula('=IF(B2="x","hot","")', "")
    partners.set(2, 3, hand)  # the read shows an empty Notes cell
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    assert snapshot.tables["Partners"].rows[0] == ["P-1", "Acme"]
    writes = (CellWrite("Partners", 2, "P-1", 3, "filled"), CellWrite("Partners", 3, "P-2", 3, "filled"))
    source.write(snapshot, Changes(cells=writes, id_columns={"Partners": 1}))
    assert partners.value(2, 3) == hand and partners.value(3, 3) == "filled"


def test_an_id_made_by_a_formula_counts_only_while_the_id_column_is_where_it_was_read(api):
    partners = sheet(api, "Partners")
    made = Formula('="P-"&"2"', "P-2")
    partners.set(3, 1, made)
    source = google_source(api, KEY)

    def notes(text):
        writes = tuple(CellWrite("Partners", r, f"P-{r - 1}", 3, f"{text} {r - 1}") for r in (2, 3, 4))
        return Changes(cells=writes, id_columns={"Partners": 1})

    # P-1 deleted meanwhile: the formula's row is now where P-1 was read, its Notes as empty as
    # P-1's were. It is not taken for P-1 (nor for P-2, which cannot be told any more): it waits.
    snapshot = source.read(["Partners"])
    api.before("values:batchGet", lambda: partners.delete_rows(2))
    source.write(snapshot, notes("for"))
    assert partners.table()[1:3] == [[made, "Beta", None], ["P-3", "Gamma", "for 3"]]

    # nothing moves: the formula's ID is the one the read showed on its row
    source.write(
        source.read(["Partners"]),
        Changes(cells=(CellWrite("Partners", 2, "P-2", 3, "for 2"),), id_columns={"Partners": 1}),
    )
    assert partners.table()[1:3] == [[made, "Beta", "for 2"], ["P-3", "Gamma", "for 3"]]


def test_a_header_made_by_a_formula_is_the_header_the_read_showed(api):
    sheet(api, "Partners").set(1, 3, Formula('="No"&"tes"', "Notes"))
    source = google_source(api, KEY)
    snapshot = source.read(["Partners"])
    source.write(
        snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 3, "x"),), id_columns={"Partners": 1})
    )
    assert sheet(api, "Partners").value(2, 3) == "x"


def test_rows_are_appended_below_a_formula_whose_result_is_empty(api):
    activities = sheet(api, "Activities")
    below = Formula('=IF(C4="","","call")', "")
    activities.set(4, 4, below)  # filled down a row ahead of the data
    source = google_source(api, KEY)
    snapshot = source.read(["Activities"])
    appended = (("A-3", DAY, "Acme", "newsletter"),)
    source.write(snapshot, Changes(appends={"Activities": appended}, id_columns={"Activities": 1}))
    assert activities.value(4, 4) == below
    assert activities.table()[4] == ["A-3", 46352, "Acme", "newsletter"]


@pytest.mark.parametrize("language, pattern", [("en", "yyyy-mm-dd"), ("ru", "dd.mm.yyyy")])
def test_dates_take_the_number_format_of_the_teams_language(api, language, pattern):
    config = dataclasses.replace(Config(), language=language)
    source = google_source(api, KEY, config=config)
    snapshot = source.read(["Partners", "Activities"])
    source.write(
        snapshot,
        Changes(appends={"Activities": (("A-3", DAY, "Acme", "call"),)}, id_columns={"Activities": 1}),
    )
    assert sheet(api, "Activities").number_format(4, 2) == {"type": "DATE", "pattern": pattern}
