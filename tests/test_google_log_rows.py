"""Every email to a partner is logged in Activities exactly once, even when a write reached Google
but its answer did not reach the worker (a timeout or a 5xx after the write was applied)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.mail.ledger import open_ledger
from sheets_sync.model import Tab
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sheet import workbook
from tests.fake_sheets import google_source, sample_sheets
from tests.sent import to_partners

TODAY = dt.date(2026, 11, 26)  # a Thursday
KEY = "log-rows-sheet"
LOGGED_TYPES = ("follow-up", "sales kit", "newsletter", "greeting")


@pytest.fixture
def team(tmp_path):
    with sample_sheets(tmp_path / "team", TODAY, KEY) as (api, config, _):
        yield api, config, google_source(api, KEY)


def at(config, hour):
    return dt.datetime.combine(TODAY, dt.time(hour), tzinfo=ZoneInfo(config.timezone))


def cycle(source, config, hour, **kw):
    return run_once(source, config, at(config, hour), mailer=Mailer.from_config(config), **kw)


def activities(api, config):
    return api.spreadsheets[KEY][config.tab_name(Tab.ACTIVITIES)]


def logged_rows(api, config) -> list[tuple[int, dict]]:
    header, *rows = activities(api, config).table()
    out = [(number, dict(zip(header, row, strict=False))) for number, row in enumerate(rows, start=2)]
    return [(number, cells) for number, cells in out if cells["Type"] in LOGGED_TYPES]


def sent_to_partners(report) -> list:
    return to_partners(report)


def unlogged(config) -> list[str]:
    with open_ledger(config) as ledger:
        return [e.key for e in ledger.unlogged()]


def test_a_write_that_landed_though_every_try_failed_is_not_appended_again(team):
    api, config, source = team
    last_row = activities(api, config).last_row()
    api.fail("values:batchUpdate", 503, times=5, applied=True)  # each try lands, each answer is a 503
    first = cycle(source, config, 12)
    assert not first.written and "503" in first.not_written
    sent = sent_to_partners(first)
    assert sent and sorted(unlogged(config)) == sorted(m.key for m, _ in first.delivery.sent)
    # five tries; the first landed, the others found its rows there (re-read) and did not write them again
    assert api.count("values:batchUpdate") == 5
    rows = logged_rows(api, config)
    assert [number for number, _ in rows] == list(range(last_row + 1, last_row + 1 + len(sent)))
    assert sorted(cells["ID"] for _, cells in rows) == sorted(workbook.log_row_id(m.key) for m in sent)

    mark = len(api.log)
    second = cycle(source, config, 13)
    assert second.delivery.sent == [] and not second.written
    assert api.log[mark:] == ["values:batchGet"]  # everything is there already: nothing to write
    assert logged_rows(api, config) == rows
    assert unlogged(config) == []  # the ledger knows they are logged

    third = cycle(source, config, 14)
    assert not third.written and logged_rows(api, config) == rows


@pytest.mark.parametrize("fault", ["timeout", 503])
def test_a_retry_whose_first_try_landed_writes_each_row_once_in_the_same_cycle(team, fault):
    api, config, source = team
    last_row = activities(api, config).last_row()
    api.fail("values:batchUpdate", fault, applied=True)
    mark = len(api.log)
    report = cycle(source, config, 12)
    assert report.written
    sent = sent_to_partners(report)
    rows = logged_rows(api, config)
    assert [number for number, _ in rows] == list(range(last_row + 1, last_row + 1 + len(sent)))
    assert len({cells["ID"] for _, cells in rows}) == len(sent)
    assert unlogged(config) == []
    # the read, the re-read, the one-time layout, the write, and its retry after a fresh re-read
    assert api.log[mark:] == [
        "values:batchGet",
        "values:batchGet",
        "batchUpdate",
        "values:batchUpdate",
        "values:batchGet",
        "values:batchUpdate",
    ]


def test_rows_that_land_between_the_read_and_the_re_read_are_not_appended_again(team):
    api, config, source = team
    api.fail("values:batchUpdate", "timeout", times=5, applied=True)
    sent = sent_to_partners(cycle(source, config, 12))
    sheet = activities(api, config)
    landed = {
        number: [sheet.value(number, c) for c in range(1, sheet.width() + 1)]
        for number, _ in logged_rows(api, config)
    }
    # as if the last try had landed only after the next cycle's read, just before its re-read
    for number in landed:
        for c in range(1, sheet.width() + 1):
            sheet.set(number, c, None)

    def land():
        for number, values in landed.items():
            for c, value in enumerate(values, start=1):
                sheet.set(number, c, value)

    api.before("values:batchGet", land, nth=2)
    mark = len(api.log)
    report = cycle(source, config, 13)
    assert report.written and api.log[mark:] == ["values:batchGet", "values:batchGet"]
    assert len(logged_rows(api, config)) == len(sent)
    assert unlogged(config) == []


def test_a_log_row_deleted_by_hand_before_the_ledger_knew_it_was_logged_is_logged_again(team):
    """Only what the sheet shows counts as logged: a row the team deleted comes back, the others stay once."""
    api, config, source = team
    api.fail("values:batchUpdate", 503, times=5, applied=True)
    sent = sent_to_partners(cycle(source, config, 12))
    rows = logged_rows(api, config)
    gone_number, gone = rows[0]
    activities(api, config).delete_rows(gone_number)
    mark = len(api.log)
    report = cycle(source, config, 13)
    assert report.written and api.log[mark:] == ["values:batchGet", "values:batchGet", "values:batchUpdate"]
    again = logged_rows(api, config)
    assert len(again) == len(sent)
    assert sorted(cells["ID"] for _, cells in again) == sorted(cells["ID"] for _, cells in rows)
    assert again[-1][1] == gone
    assert unlogged(config) == []
