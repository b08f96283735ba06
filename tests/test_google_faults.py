"""Quotas, server errors and timeouts: bounded jittered retries, then a clean give-up with nothing
half-written, and the next cycle starts afresh."""

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import pytest
import requests

from sheets_sync.config import load_config
from sheets_sync.errors import SourceError
from sheets_sync.model import Tab
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.loop import Stopper, run_forever
from sheets_sync.sources.google.api import RetryPolicy
from tests.fake_sheets import google_source, sample_sheets

TODAY = dt.date(2026, 11, 26)
KEY = "faulty-sheet"


@pytest.fixture
def team(tmp_path):
    with sample_sheets(tmp_path / "team", TODAY, KEY) as (api, config, mock):
        sleeps: list[float] = []
        yield api, config, google_source(api, KEY, sleeps), sleeps, mock


def noon(config, day=TODAY):
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))


def values(api) -> dict:
    return {(s.title, k): v for s in api.spreadsheets[KEY].sheets for k, v in s.cells.items()}


def test_a_short_burst_of_429s_is_retried_after_jittered_exponential_sleeps(team):
    api, config, source, sleeps, _ = team
    api.fail("values:batchGet", 429, times=2)
    report = run_once(source, config, noon(config))
    assert report.written
    assert api.log[1:4] == ["values:batchGet"] * 3
    assert len(sleeps) == 2 and 1 <= sleeps[0] <= 2 and 2 <= sleeps[1] <= 4


def test_a_lasting_429_gives_up_after_five_tries(team):
    api, config, source, sleeps, _ = team
    api.fail("values:batchGet", 429, times=1000)
    before = values(api)
    with pytest.raises(SourceError) as failed:
        run_once(source, config, noon(config))
    assert failed.value.transient and "429" in str(failed.value)
    assert api.log[1:] == ["values:batchGet"] * 5
    assert len(sleeps) == 4 and sum(sleeps) <= 1 + 2 + 4 + 8 + 16
    assert values(api) == before


@pytest.mark.parametrize("fault", [500, 502, 503, "timeout", requests.ConnectionError("connection reset")])
def test_server_errors_and_timeouts_are_retried(team, fault):
    api, config, source, sleeps, _ = team
    api.fail("values:batchUpdate", fault, times=2)
    report = run_once(source, config, noon(config))
    assert report.written and api.count("values:batchUpdate") == 3 and len(sleeps) == 2


def test_a_write_that_keeps_failing_writes_no_cell_and_the_next_cycle_writes_all(team):
    api, config, source, _sleeps, _ = team
    before = values(api)
    api.fail("values:batchUpdate", 503, times=5)
    report = run_once(source, config, noon(config))
    assert not report.written and "503" in report.not_written
    assert (
        values(api) == before
    )  # the layout request went through (grid, Dashboard tab, formats); no value did
    mark = len(api.log)
    report = run_once(source, config, noon(config))
    assert report.written and report.cells_written > 100
    assert api.log[mark:] == [
        "values:batchGet",
        "values:batchGet",
        "values:batchUpdate",
    ]  # the layout is done
    assert api.spreadsheets[KEY]["Dashboard"].value(1, 1) == "Partners dashboard"


def test_a_bad_request_is_not_retried_and_the_layout_is_fetched_again(team):
    api, config, source, sleeps, _ = team
    api.fail("values:batchUpdate", 400)
    report = run_once(source, config, noon(config))
    assert not report.written and api.count("values:batchUpdate") == 1 and not sleeps
    mark = len(api.log)
    assert run_once(source, config, noon(config)).written
    assert api.log[mark] == "get"  # the spreadsheet may have changed shape: its metadata again


def test_every_request_has_a_timeout(team):
    _api, config, source, _sleeps, mock = team
    run_once(source, config, noon(config))
    sheets_calls = [c for c in mock.calls if "sheets.googleapis.com" in c.request.url]
    assert len(sheets_calls) == 5
    assert all(c.request.req_kwargs["timeout"] == (10, 60) for c in sheets_calls)


def test_the_backoff_is_bounded_and_honours_retry_after():
    policy = RetryPolicy(random=lambda: 1.0)
    assert [policy.delay(n) for n in range(1, 6)] == [2, 4, 8, 16, 32]
    assert RetryPolicy(random=lambda: 0.0).delay(3) == 4
    assert policy.delay(1, retry_after=20) == 20 and policy.delay(1, retry_after=600) == 32


def test_the_long_running_worker_logs_a_failed_cycle_and_tries_again(team, caplog):
    api, config, source, _sleeps, _ = team
    config = load_config(config.source.path.parent / "config.yaml")
    object.__setattr__(config, "poll_every", 1)
    api.fail("values:batchGet", 429, times=5)  # the whole first cycle
    stopper, reports = Stopper(), []

    def on_cycle(report):
        reports.append(report)
        stopper.stop()

    timer = threading.Timer(10, stopper.stop)  # a safety net
    timer.start()
    try:
        run_forever(source, config, on_cycle, stopper, slice_seconds=0.05)
    finally:
        timer.cancel()
    assert "cycle failed" in caplog.text and "429" in caplog.text
    assert len(reports) == 1 and reports[0].written
    sheet = api.spreadsheets[KEY][Tab.PARTNERS.value]
    assert sheet.value(2, sheet.column("Touch status"))


# --- stopping: SIGTERM sets the worker's stop event; no backoff is waited out, no request starts ---


def stoppable_source(api, stop: threading.Event):
    """A GoogleSource whose backoff really waits, on `stop`: 30 s after the first of two tries."""
    from google.oauth2.credentials import Credentials

    from sheets_sync.sources.google.source import GoogleSource

    source = GoogleSource(
        KEY, Credentials(token=api.token), policy=RetryPolicy(stop=stop, tries=2, base=30, random=lambda: 1.0)
    )
    source.connect()
    return source


def test_a_stop_cuts_the_backoff_short_and_the_cycle_ends_without_writing(team):
    api, config, *_ = team
    stop = threading.Event()
    source = stoppable_source(api, stop)
    before, mark = values(api), len(api.log)
    api.fail("values:batchGet", 503, times=1000)
    api.before("values:batchGet", lambda: threading.Timer(0.2, stop.set).start())  # SIGTERM, mid-backoff
    started = time.monotonic()
    with pytest.raises(SourceError) as gave_up:
        run_once(source, config, noon(config))
    assert time.monotonic() - started < 5  # not the 30 s backoff
    assert gave_up.value.transient
    assert str(gave_up.value).startswith(
        "Stopping: Google Sheets gave up retrying GET values:batchGet (1 of 2 tries failed)"
    )
    assert api.log[mark:] == ["values:batchGet"]
    assert values(api) == before


def test_a_stop_during_a_failing_write_retries_nothing_and_writes_no_cell(team):
    api, config, *_ = team
    stop = threading.Event()
    source = stoppable_source(api, stop)
    before = values(api)
    api.fail("values:batchUpdate", 503, times=1000)
    api.before("values:batchUpdate", stop.set)  # the signal comes while the write is on the wire
    started = time.monotonic()
    report = run_once(source, config, noon(config))
    assert time.monotonic() - started < 5
    assert not report.written
    assert report.not_written.startswith("Stopping: Google Sheets gave up retrying POST values:batchUpdate")
    assert api.count("values:batchUpdate") == 1
    assert values(api) == before  # the layout request went through before the stop; no value did


def test_a_request_on_the_wire_when_the_stop_comes_finishes_and_no_other_starts(team):
    api, config, *_ = team
    stop = threading.Event()
    source = stoppable_source(api, stop)
    before, mark = values(api), len(api.log)
    api.before("values:batchGet", stop.set)  # the signal comes while the cycle's read is on the wire
    report = run_once(source, config, noon(config))
    assert report.plan is not None and report.plan.partners  # the read answered: the cycle planned
    assert not report.written
    assert report.not_written == (
        "Stopping: Google Sheets did not send GET values:batchGet; this cycle writes nothing more, "
        "the next one starts afresh."
    )  # the re-read before writing
    assert api.log[mark:] == ["values:batchGet"]
    assert values(api) == before


def test_the_long_running_worker_stops_within_seconds_while_google_keeps_failing(team, caplog):
    api, config, *_ = team
    stopper = Stopper()
    source = stoppable_source(api, stopper.event)
    mark = len(api.log)
    api.fail("values:batchGet", 429, times=1000)
    api.before("values:batchGet", lambda: threading.Timer(0.2, stopper.stop).start())
    reports = []
    started = time.monotonic()
    run_forever(source, config, reports.append, stopper, slice_seconds=0.05)
    assert time.monotonic() - started < 5
    assert reports == [] and api.log[mark:] == ["values:batchGet"]
    assert "cycle failed: Stopping: Google Sheets gave up retrying" in caplog.text
