"""The look of the worker columns on a Google Sheet: set in the one layout batchUpdate of the cycle
that creates them (header fill, bold and note, widths, the Touch status colours, the frozen header
and Partner column), only on the columns it creates, and never sent again."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from google.oauth2.credentials import Credentials

from sheets_sync import cli
from sheets_sync.config import parse_config
from sheets_sync.model import TAB_SPECS, Tab
from sheets_sync.runtime.cycle import WorkerState, run_once
from sheets_sync.sheet.headers import worker_columns
from sheets_sync.sheet.look import (
    HEADER_FILL,
    NARROW_COLUMNS,
    Look,
    column_note,
    column_width,
    status_colours,
)
from sheets_sync.sources.google.look import rgb
from tests.fake_sheets import BASE, FakeSheetsAPI, google_source

TODAY = dt.date(2026, 11, 26)
KEY = "1LoOkOfThEwOrKeRcOlUmNs"
DAY = dt.timedelta(days=1)

EN_TABS = {
    "Partners": [
        ["ID", "Partner", "Rank", "Stage", "Manager"],
        ["P-0001", "Acme", "A", "active", "anna@example.com"],
        ["P-0002", "Globex", "B", "", ""],
        ["P-0003", "Initech", "C", "paused", ""],
        ["P-0004", "Umbrella", "A", "", "anna@example.com"],
    ],
    "Contacts": [  # no ID column: the worker adds it, a team column, so it gets no look
        ["Partner", "Name", "Email"],
        ["Acme", "Ann Lee", "ann@acme.example"],
        ["Globex", "Bo Chan", "bo@globex.example"],
    ],
    "Activities": [
        ["ID", "Date", "Partner", "Type"],
        ["A-0001", TODAY - 40 * DAY, "Acme", "meeting"],
        ["A-0002", TODAY - 200 * DAY, "Globex", "call"],
        ["A-0003", TODAY - 3 * DAY, "Umbrella", "call"],
    ],
    "News": [["ID", "Date", "Title"], ["N-0001", TODAY - 3 * DAY, "Launch"]],
}
RU_NAMES = {
    "tabs": {
        "Partners": "Партнёры",
        "Contacts": "Контакты",
        "Activities": "Активности",
        "News": "Новости",
        "Dashboard": "Панель",
    },
    "columns": {
        "Partners": {
            "ID": "Код",
            "Partner": "Партнёр",
            "Rank": "Ранг",
            "Stage": "Этап",
            "Manager": "Менеджер",
            "Touch status": "Статус",
            "Next touch": "Следующий контакт",
            "Days late": "Дней просрочки",
            "Next action": "Следующее действие",
            "Sync note": "Заметка синхронизации",
        },
        "Contacts": {"ID": "Код", "Partner": "Партнёр", "Name": "Имя", "Email": "Эл. почта"},
        "Activities": {"ID": "Код", "Date": "Дата", "Partner": "Партнёр", "Type": "Тип"},
        "News": {"ID": "Код", "Date": "Дата", "Title": "Заголовок"},
    },
}
RU_TYPES = {"meeting": "встреча", "call": "звонок"}
STATUS_RULES = 8  # four colours, each for its word in English and in Russian


@pytest.fixture
def api():
    fake = FakeSheetsAPI()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield fake.register(mock)


def team(tmp_path: Path, lang: str = "en", **extra):
    data = {"source": {"kind": "google", "spreadsheet": KEY}, "timezone": "Europe/Berlin", **extra}
    if lang == "ru":
        data.update(language="ru", **RU_NAMES)
    return parse_config(data, tmp_path)


def seed(api, config, tabs=None):
    """The tabs in the team's names: headers through the config's mapping, Russian activity types."""
    out = {}
    for tab, rows in (tabs or EN_TABS).items():
        header = [config.column_name(Tab(tab), h) for h in rows[0]]
        body = [[RU_TYPES.get(v, v) if config.language == "ru" else v for v in row] for row in rows[1:]]
        out[config.tab_name(Tab(tab))] = [header, *body]
    return api.create(KEY, "Partners", out)


def cycle(source, config, day=TODAY, **kw):
    return run_once(
        source, config, dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone)), **kw
    )


def layout_requests(api) -> list[dict]:
    (body,) = [b for kind, b in api.bodies if kind == "batchUpdate"]
    return body["requests"]


def of_kind(requests_: list[dict], kind: str) -> list[dict]:
    return [r[kind] for r in requests_ if kind in r]


def columns_of(sheet) -> dict[str, int]:
    return {str(v): c for (r, c), v in sheet.cells.items() if r == 1}


def shown(sheet, row: int, col: int) -> str:
    """A cell as the team sees it: dates in their number format."""
    value = sheet.value(row, col)
    fmt = sheet.number_format(row, col) or {}
    if isinstance(value, (int, float)) and fmt.get("type") in ("DATE", "DATE_TIME"):
        return "0" * len(fmt["pattern"])  # as wide as its pattern: yyyy-mm-dd, yyyy-mm-dd hh:mm
    return "" if value is None else str(value)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_first_cycle_s_one_layout_request_carries_the_look_of_the_columns_it_creates(api, tmp_path, lang):
    config = team(tmp_path, lang)
    book = seed(api, config)
    source = google_source(api, KEY, config=config)
    cycle(source, config)
    assert api.log == ["get", "values:batchGet", "values:batchGet", "batchUpdate", "values:batchUpdate"]
    sent = layout_requests(api)
    partners = book[config.tab_name(Tab.PARTNERS)]
    where = columns_of(partners)
    worker = {config.column_name(Tab.PARTNERS, c.value): c for c in TAB_SPECS[Tab.PARTNERS].worker}
    created = sorted(where[h] for h in worker)
    assert created == list(range(6, 6 + len(worker)))  # after the team's five columns

    # the header cells: one repeatCell, exactly the fill, bold and note, in the team's language
    headers = [r for r in of_kind(sent, "repeatCell") if "note" in r["fields"]]  # not the date formats
    (header,) = [r for r in headers if r["range"]["sheetId"] == partners.sheet_id]
    assert header["range"] == {
        "sheetId": partners.sheet_id,
        "startRowIndex": 0,
        "endRowIndex": 1,
        "startColumnIndex": created[0] - 1,
        "endColumnIndex": created[-1],
    }
    assert sorted(header["fields"].split(",")) == [
        "note",
        "userEnteredFormat.backgroundColor",
        "userEnteredFormat.textFormat.bold",
    ]
    assert header["cell"]["note"] == column_note(lang)
    for c in created:
        fmt = partners.cell_format(1, c)
        assert fmt["textFormat"] == {"bold": True}
        assert [round(fmt["backgroundColor"][k] * 255) for k in ("red", "green", "blue")] == [
            0xDD,
            0xE7,
            0xF0,
        ]
        assert partners.note(1, c) == column_note(lang)
    assert HEADER_FILL == "DDE7F0"
    for c in range(1, 6):  # the team's headers are left as they were
        assert partners.note(1, c) is None and partners.cell_format(1, c) == {}

    # the Touch status colours: TEXT_EQ on the status words the worker writes, most urgent first
    status = where[config.column_name(Tab.PARTNERS, "Touch status")]
    rules = [  # the Dashboard the cycle creates has rules of its own (its section titles)
        r
        for r in of_kind(sent, "addConditionalFormatRule")
        if r["rule"]["ranges"][0]["sheetId"] == partners.sheet_id
    ]
    words = [r["rule"]["booleanRule"]["condition"]["values"][0]["userEnteredValue"] for r in rules]
    en, ru = ["overdue", "due", "soon", "sleeping"], ["просрочен", "пора", "скоро", "спит"]
    expected = {"en": en + ru, "ru": ru + en}  # the team's words first; the others for a later switch
    assert words == expected[lang] == [word for word, _ in status_colours(lang)]
    for index, (request, (_, colour)) in enumerate(zip(rules, status_colours(lang), strict=True)):
        rule = request["rule"]
        assert request["index"] == index
        assert rule["ranges"] == [
            {
                "sheetId": partners.sheet_id,
                "startRowIndex": 1,
                "startColumnIndex": status - 1,
                "endColumnIndex": status,
            }
        ]
        assert rule["booleanRule"]["condition"]["type"] == "TEXT_EQ"
        assert rule["booleanRule"]["format"] == {
            "backgroundColor": rgb(colour.fill),
            "textFormat": {"foregroundColor": rgb(colour.font)},
        }
    assert partners.conditional == [r["rule"] for r in rules]
    partners.set(9, status, expected[lang][0])
    assert partners.conditional_format(9, status)["backgroundColor"] == rgb("F4C7C3")

    # widths: each created worker column, as wide as the widest value this cycle wrote there
    widths = {
        r["range"]["startIndex"] + 1: r
        for r in of_kind(sent, "updateDimensionProperties")
        if r["range"]["sheetId"] == partners.sheet_id
    }
    for text, column in worker.items():
        c = where[text]
        assert widths[c]["range"] == {
            "sheetId": partners.sheet_id,
            "dimension": "COLUMNS",
            "startIndex": c - 1,
            "endIndex": c,
        }
        assert widths[c]["fields"] == "pixelSize"
        values = [shown(partners, r, c) for r in range(2, partners.last_row() + 1)]
        characters = column_width(text, values, narrow=column in NARROW_COLUMNS)
        assert widths[c]["properties"] == {"pixelSize": characters * 7 + 10}
        assert partners.widths[c - 1] == characters * 7 + 10
    days_late = where[config.column_name(Tab.PARTNERS, "Days late")]
    assert (
        partners.widths[days_late - 1]
        == column_width(config.column_name(Tab.PARTNERS, "Days late"), []) * 7 + 10
    )

    # the header row and the columns up to Partner (column B) frozen, as the metadata now says
    (freeze,) = of_kind(sent, "updateSheetProperties")
    assert freeze == {
        "properties": {
            "sheetId": partners.sheet_id,
            "gridProperties": {"frozenRowCount": 1, "frozenColumnCount": 2},
        },
        "fields": "gridProperties.frozenRowCount,gridProperties.frozenColumnCount",
    }
    assert (partners.frozen_rows, partners.frozen_cols) == (1, 2)
    metadata = requests.get(f"{BASE}/{KEY}", headers={"Authorization": "Bearer test"}).json()
    (listed,) = [s for s in metadata["sheets"] if s["properties"]["sheetId"] == partners.sheet_id]
    assert listed["properties"]["gridProperties"] == {
        "rowCount": 1000,
        "columnCount": 26,
        "frozenRowCount": 1,
        "frozenColumnCount": 2,
    }
    assert len(listed["conditionalFormats"]) == STATUS_RULES

    # the other tabs: their worker columns look the same; the ID column the worker adds is the team's
    contacts = book[config.tab_name(Tab.CONTACTS)]
    there = columns_of(contacts)
    id_column = there[config.column_name(Tab.CONTACTS, "ID")]
    assert contacts.note(1, id_column) is None and contacts.cell_format(1, id_column) == {}
    assert id_column - 1 not in contacts.widths
    for c in worker_columns(Tab.CONTACTS, config):
        assert contacts.note(1, there[config.column_name(Tab.CONTACTS, c.value)]) == column_note(lang)
    assert contacts.conditional == [] and (contacts.frozen_rows, contacts.frozen_cols) == (0, 0)
    activities = book[config.tab_name(Tab.ACTIVITIES)]
    follow_up = columns_of(activities)[config.column_name(Tab.ACTIVITIES, "Follow-up")]
    assert activities.note(1, follow_up) is None
    assert activities.note(1, columns_of(activities)[config.column_name(Tab.ACTIVITIES, "Sync note")])


def test_the_next_cycles_send_no_batch_update_and_keep_what_the_team_restyled(api, tmp_path):
    config = team(tmp_path)
    book = seed(api, config)
    source = google_source(api, KEY, config=config)
    cycle(source, config)
    partners = book["Partners"]
    status = columns_of(partners)["Touch status"]
    # the team makes the columns their own: another fill, a rule gone, a column narrower, nothing frozen
    partners.add_format(0, 1, status - 1, status, {"backgroundColor": {"red": 1}})
    partners.conditional.pop()
    partners.widths[status - 1] = 40
    partners.frozen_rows = partners.frozen_cols = 0
    restyled = partners.clone().__dict__
    mark = len(api.log)
    cycle(source, config, state=WorkerState())  # the same day: nothing to write
    cycle(source, config, TODAY + DAY)  # the next day: dates move, cells are written
    cycle(source, config, TODAY + 2 * DAY)
    assert "batchUpdate" not in api.log[mark:]
    assert api.log[mark:].count("values:batchUpdate") == 2
    after = partners.__dict__
    for name in ("formats", "cell_formats", "widths", "notes", "conditional", "frozen_rows", "frozen_cols"):
        assert after[name] == restyled[name], name


def test_a_sheet_that_has_frozen_rows_keeps_them(api, tmp_path):
    config = team(tmp_path)
    book = seed(api, config)
    book["Partners"].frozen_rows = 3  # the team's own choice, which the start-up metadata shows
    source = google_source(api, KEY, config=config)
    cycle(source, config)
    assert of_kind(layout_requests(api), "updateSheetProperties") == []
    assert (book["Partners"].frozen_rows, book["Partners"].frozen_cols) == (3, 0)
    assert len(book["Partners"].conditional) == STATUS_RULES  # the rest of the look is there


def test_a_partner_column_past_the_third_freezes_the_header_row_only(api, tmp_path):
    config = team(tmp_path)
    moved = dict(EN_TABS)
    moved["Partners"] = [[row[0], row[2], row[3], row[1], row[4]] for row in EN_TABS["Partners"]]
    book = seed(api, config, moved)
    cycle(google_source(api, KEY, config=config), config)
    (freeze,) = of_kind(layout_requests(api), "updateSheetProperties")
    assert freeze["properties"]["gridProperties"] == {"frozenRowCount": 1}
    assert freeze["fields"] == "gridProperties.frozenRowCount"
    assert (book["Partners"].frozen_rows, book["Partners"].frozen_cols) == (1, 0)


def test_columns_the_team_already_has_get_no_look(api, tmp_path):
    config = team(tmp_path)
    tabs = dict(EN_TABS)
    tabs["Partners"] = [[*row, *([""] * 10)] for row in EN_TABS["Partners"]]
    tabs["Partners"][0][5:] = [c.value for c in TAB_SPECS[Tab.PARTNERS].worker]
    book = seed(api, config, tabs)
    cycle(google_source(api, KEY, config=config), config)
    partners = book["Partners"]
    touched = {r["repeatCell"]["range"]["sheetId"] for r in layout_requests(api) if "repeatCell" in r}
    assert partners.notes == {} and partners.conditional == [] and partners.widths == {}
    assert partners.frozen_rows == 0 and partners.sheet_id not in {
        r["updateSheetProperties"]["properties"]["sheetId"]
        for r in layout_requests(api)
        if "updateSheetProperties" in r
    }
    assert book["Contacts"].sheet_id in touched  # its worker columns were created, so they look the part


def test_a_retried_values_write_adds_no_second_set_of_rules(api, tmp_path):
    config = team(tmp_path)
    book = seed(api, config)
    source = google_source(api, KEY, config=config)
    api.fail("values:batchUpdate", 503)  # after the layout request landed: the retry plans again
    cycle(source, config)
    assert api.log.count("batchUpdate") == 1 and api.log.count("values:batchUpdate") == 2
    assert len(book["Partners"].conditional) == STATUS_RULES


def test_a_values_write_that_never_landed_adds_no_second_set_of_rules_next_cycle(api, tmp_path):
    config = team(tmp_path)
    book = seed(api, config)
    source = google_source(api, KEY, config=config)
    api.fail("values:batchUpdate", 503, times=5)
    first = cycle(source, config)
    assert not first.written and api.log.count("batchUpdate") == 1
    assert "Touch status" not in columns_of(book["Partners"])  # the header never landed
    second = cycle(source, config)  # the columns are created again: their look is already there
    assert second.written and "Touch status" in columns_of(book["Partners"])
    assert len(book["Partners"].conditional) == STATUS_RULES
    assert api.log.count("batchUpdate") == 1  # nothing else needed a layout request
    # once the headers are there, a column made again (the team deleted it) is styled again
    partners = book["Partners"]
    note = columns_of(partners)["Sync note"]
    partners.set(1, note, None)
    partners.notes.pop((1, note))
    cycle(source, config, TODAY + DAY)
    again = columns_of(partners)["Sync note"]  # past the old column, whose cells still hold notes
    assert again == note + 1 and partners.note(1, again) == column_note("en")
    assert api.log.count("batchUpdate") == 2


def test_the_requests_a_cycle_costs_are_the_same_with_the_look(api, tmp_path):
    config = team(tmp_path)
    counts = {}
    for name, look in (("plain", None), ("styled", config)):
        api.spreadsheets.pop(KEY, None)
        book = seed(api, config)
        mark = len(api.log)
        source = google_source(api, KEY, config=look)
        for day in (TODAY, TODAY, TODAY + DAY):
            cycle(source, config, day)
        counts[name] = api.log[mark:]
        assert bool(book["Partners"].conditional) == (look is not None)
    assert (
        counts["styled"]
        == counts["plain"]
        == [
            "get",  # start-up
            *("values:batchGet", "values:batchGet", "batchUpdate", "values:batchUpdate"),  # the first cycle
            "values:batchGet",  # nothing changed
            *("values:batchGet", "values:batchGet", "values:batchUpdate"),  # the next day
        ]
    )


def test_open_source_gives_the_google_source_the_config_s_look(api, tmp_path, monkeypatch):
    config = team(tmp_path, "ru")
    seed(api, config)
    monkeypatch.setattr(
        "sheets_sync.sources.google.source.load_credentials", lambda path: Credentials(token="test")
    )
    source = cli.open_source(config)
    assert source.look == Look.from_config(config) and source.look.language == "ru"
    cycle(source, config)
    assert len(api.spreadsheets[KEY]["Партнёры"].conditional) == STATUS_RULES


def test_no_freeze_cuts_a_merged_cell(api, tmp_path):
    config = team(tmp_path)
    book = seed(api, config)
    partners = book["Partners"]
    partners.merges.append({"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 1})
    partners.merges.append({"startRowIndex": 7, "endRowIndex": 8, "startColumnIndex": 1, "endColumnIndex": 3})
    cycle(google_source(api, KEY, config=config), config)
    assert of_kind(layout_requests(api), "updateSheetProperties") == []  # row 1 and column B are cut
    assert (partners.frozen_rows, partners.frozen_cols) == (0, 0) and len(
        partners.conditional
    ) == STATUS_RULES

    api.spreadsheets.pop(KEY)
    api.bodies.clear()
    book = seed(api, config)
    book["Partners"].merges.append(
        {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 1}
    )
    cycle(google_source(api, KEY, config=config), config)
    (freeze,) = of_kind(layout_requests(api), "updateSheetProperties")
    assert freeze["properties"]["gridProperties"] == {"frozenColumnCount": 2}  # the row is cut, not B
    assert (book["Partners"].frozen_rows, book["Partners"].frozen_cols) == (0, 2)


def test_a_cell_merged_after_start_up_costs_one_cycle_then_the_freeze_leaves_it_alone(api, tmp_path):
    config = team(tmp_path)
    book = seed(api, config)
    source = google_source(api, KEY, config=config)
    partners = book["Partners"]
    partners.merges.append({"startRowIndex": 4, "endRowIndex": 5, "startColumnIndex": 1, "endColumnIndex": 3})
    refused = cycle(source, config)  # the metadata of start-up has no such merge: the API refuses
    assert not refused.written and "part of a merged cell" in refused.not_written
    assert "Touch status" not in columns_of(partners) and partners.conditional == []  # all or nothing
    report = cycle(source, config)  # the 400 dropped the metadata: read again, merges and all
    assert report.written and "Touch status" in columns_of(partners)
    assert (partners.frozen_rows, partners.frozen_cols) == (1, 0) and len(
        partners.conditional
    ) == STATUS_RULES
