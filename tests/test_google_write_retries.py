"""The values write fails, after it may have landed (a 5xx or a timeout) or refused (a 429), and a
teammate sorts, inserts or appends rows before its retry, seconds later. The retry re-reads and
re-targets first, so every value still lands on its own partner's row, nothing the team typed is
overwritten, and every log row is in Activities exactly once.

Like tests/test_google_live_edits.py: `REF`, where nobody edits, is the reference for `LIVE`.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.mail.ledger import open_ledger
from sheets_sync.model import Tab
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sheet import workbook
from sheets_sync.sources.google.api import RetryPolicy
from tests.fake_sheets import sample_sheets
from tests.sent import to_partners
from tests.test_google_live_edits import LIVE, REF, TODAY, assert_lands_on_its_own_partner, partners

FAULTS = {  # (fault, applied): what the first try of the values write meets
    "503 after it landed": (503, True),
    "timeout after it landed": ("timeout", True),
    "503 before it landed": (503, False),
    "429": (429, False),
}
EDITS = {
    "sorted": lambda sheet: sheet.sort(key=lambda row: str(row[1]), reverse=True),
    "rows inserted above": lambda sheet: sheet.insert_rows(3, 2),
}


def source(api, key, edits: list):
    """A GoogleSource on the fake whose backoff, instead of sleeping, makes the teammate's `edits`."""
    from google.oauth2.credentials import Credentials

    from sheets_sync.sources.google.source import GoogleSource

    def back_off(_seconds):
        while edits:
            edits.pop(0)()

    source = GoogleSource(key, Credentials(token=api.token), policy=RetryPolicy(sleep=back_off))
    source.connect()
    return source


@pytest.fixture
def team(tmp_path):
    """The sample twice in one fake API; `cycle(key, day)` runs one cycle on either copy, and
    `edits` are made during the next backoff (the seconds before a failed request is tried again)."""
    edits: list = []
    with sample_sheets(tmp_path / "team", TODAY, REF, LIVE) as (api, config, _):
        sources = {key: source(api, key, edits) for key in (REF, LIVE)}

        def cycle(key, day=TODAY):
            now = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))
            return run_once(sources[key], config, now)

        yield api, edits, cycle


@pytest.mark.parametrize("edit", EDITS)
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("first", [True, False], ids=["first cycle", "next day"])
def test_rows_moved_before_the_retry_get_every_value_on_its_own_partner(team, fault, edit, first):
    api, during_the_backoff, cycle = team
    day = TODAY
    if not first:
        cycle(REF), cycle(LIVE)
        day = TODAY + dt.timedelta(days=1)
    cycle(REF, day)
    code, applied = FAULTS[fault]
    api.fail("values:batchUpdate", code, applied=applied)
    during_the_backoff.append(lambda: EDITS[edit](partners(api)))
    mark = len(api.log)
    report = cycle(LIVE, day)
    assert report.written
    # each try of the values write after its own re-read; the layout (first cycle) only once
    assert [k for k in api.log[mark:] if k != "batchUpdate"] == [
        "values:batchGet",
        "values:batchGet",
        "values:batchUpdate",
        "values:batchGet",
        "values:batchUpdate",
    ]
    assert api.count("batchUpdate", since=mark) == (1 if first else 0)
    assert_lands_on_its_own_partner(api)
    # and the cycle after writes nothing more: nothing was left half-done or counted as the team's edit
    mark = len(api.log)
    cycle(LIVE, day)
    assert api.log[mark:] == ["values:batchGet"]


def test_a_write_that_keeps_failing_reads_again_before_every_try_and_gives_up_after_five(team):
    api, during_the_backoff, cycle = team
    cycle(REF), cycle(LIVE)
    next_day = TODAY + dt.timedelta(days=1)
    cycle(REF, next_day)
    api.fail("values:batchUpdate", 503, times=5)
    during_the_backoff.append(lambda: EDITS["sorted"](partners(api)))
    before = sorted(map(str, partners(api).table()))
    mark = len(api.log)
    report = cycle(LIVE, next_day)
    assert not report.written and "503" in report.not_written
    assert api.log[mark:] == ["values:batchGet", *["values:batchGet", "values:batchUpdate"] * 5]
    assert sorted(map(str, partners(api).table())) == before  # the same rows, only sorted: no value landed
    assert cycle(LIVE, next_day).written  # the next cycle starts afresh
    assert_lands_on_its_own_partner(api)


# --- Activities: the team appends a row of its own before the retry -----------------------------

KEY = "retried-log-sheet"
LOGGED_TYPES = ("follow-up", "sales kit", "newsletter", "greeting")
TYPED = {
    "Date": 46_351,
    "Partner": "Driftwood Analytics",
    "Type": "call",
    "Summary": "Called about the renewal, typed on my phone",
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_row_the_team_appends_before_the_retry_is_kept_and_each_log_row_is_there_once(tmp_path, fault):
    with sample_sheets(tmp_path / "team", TODAY, KEY) as (api, config, _):
        during_the_backoff: list = []
        log_sheet = source(api, KEY, during_the_backoff)
        sheet = api.spreadsheets[KEY][config.tab_name(Tab.ACTIVITIES)]

        def append():
            row = sheet.last_row() + 1
            for column, value in TYPED.items():
                sheet.set(row, sheet.column(column), value)

        code, applied = FAULTS[fault]
        api.fail("values:batchUpdate", code, applied=applied)
        during_the_backoff.append(append)
        now = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo(config.timezone))
        report = run_once(log_sheet, config, now, mailer=Mailer.from_config(config))
        assert report.written
        sent = to_partners(report)
        assert sent
        header, *rows = sheet.table()
        rows = [dict(zip(header, row, strict=False)) for row in rows]
        logged = [r["ID"] for r in rows if r["Type"] in LOGGED_TYPES]
        assert sorted(logged) == sorted(workbook.log_row_id(m.key) for m in sent)  # each once
        typed = [r for r in rows if r["Summary"] == TYPED["Summary"]]
        assert typed == [{h: TYPED.get(h) for h in header}]  # the team's row, untouched
        with open_ledger(config) as ledger:
            assert ledger.unlogged() == []
