"""Requests per cycle on the Google backend, against the fake Sheets API (tests/fake_sheets.py).

    python bench/bench_google_requests.py           # 100 and 10,000 partners
    python bench/bench_google_requests.py --quick   # 100 partners only

For each size: the start-up request, the first cycle (adds the worker columns and their look, fills
every cell, creates the Dashboard), a poll of the unchanged sheet, and the next day's cycle (the dates move).
Then what a naive row-by-row gspread script costs for the same writes: open the spreadsheet, one
worksheet lookup and one get_all_values per tab, then `update_cell` for every changed cell. The
quota is 60 write requests per minute per user; beyond it the API answers 429.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import gspread
import responses
from google.oauth2.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sheets_sync.config import parse_config
from sheets_sync.rules.dashboard import dashboard_rows
from sheets_sync.rules.planner import plan as make_plan
from sheets_sync.runtime.cycle import run_once
from sheets_sync.sample.workspace import generate_tables
from sheets_sync.sheet import workbook
from sheets_sync.sheet.changes import build_changes
from sheets_sync.sheet.dates import to_serial
from tests.fake_sheets import FakeSheetsAPI, google_source

TODAY = dt.date(2026, 11, 26)
SIZES = {100: (100, 300, 1_000), 10_000: (10_000, 20_000, 40_000)}
WRITES_PER_MINUTE = 60


def seeded(api: FakeSheetsAPI, key: str, sizes: tuple[int, int, int]) -> None:
    tables = generate_tables(TODAY, *sizes)
    api.create(
        key, "Partners", {name: [list(header), *map(list, rows)] for name, (header, rows) in tables.items()}
    )


def cycle(api, source, config, day) -> tuple[list[str], int, float]:
    mark, started = len(api.log), time.perf_counter()
    now = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))
    report = run_once(source, config, now)
    return api.log[mark:], report.cells_written if report.written else 0, time.perf_counter() - started


def describe(kinds: list[str]) -> str:
    counts = Counter(kinds)
    return f"{len(kinds)} ({', '.join(f'{n} {k}' for k, n in counts.items()) or 'none'})"


def naive_writes(api, key, config, day) -> list[tuple[str, int, int, object]]:
    """The cells a naive script would have to write: the same as the worker's changes."""
    source = google_source(api, key)
    snapshot = source.read(workbook.tab_names(config))
    rb = workbook.read_book(snapshot, config)
    plan = make_plan(rb.book, config, day)
    changes = build_changes(rb, plan, dashboard_rows(rb.book, plan, config), config)
    cells = [(w.tab, w.row, w.column, w.value) for w in changes.cells]
    cells += [
        (tab, 1, column, text) for tab, headers in changes.new_headers.items() for column, text in headers
    ]
    if changes.dashboard is not None:
        name, rows = changes.dashboard
        cells += [
            (name, r, c, v) for r, row in enumerate(rows, 1) for c, v in enumerate(row, 1) if v is not None
        ]
    return cells


def run_naive(api, key, writes) -> int:
    """A row-by-row gspread script, really run against the fake; returns the requests it made."""
    mark = len(api.log)
    client = gspread.Client(Credentials(token=api.token))
    spreadsheet = client.open_by_key(key)
    sheets = {}
    for title in dict.fromkeys(t for t, *_ in writes):
        try:
            sheets[title] = spreadsheet.worksheet(title)
        except gspread.WorksheetNotFound:
            sheets[title] = spreadsheet.add_worksheet(title, rows=100, cols=12)
        sheets[title].get_all_values()
    for title, row, column, value in writes:
        sheet = sheets[title]
        if column > sheet.col_count:
            sheet.add_cols(column - sheet.col_count)
        if hasattr(value, "isoformat"):
            value = to_serial(value)
        sheet.update_cell(row, column, "" if value is None else value)
    return len(api.log) - mark


def bench(partners: int, sizes: tuple[int, int, int], run_naive_script: bool) -> None:
    api = FakeSheetsAPI()
    config = parse_config({"source": {"kind": "google", "spreadsheet": "bench"}}, Path("."))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        api.register(mock)
        seeded(api, "sheets-sync", sizes)
        seeded(api, "naive", sizes)
        mark = len(api.log)
        source = google_source(api, "sheets-sync", config=config)  # as `open_source` makes it: with the look
        startup = api.log[mark:]
        bodies = len(api.bodies)
        first, first_cells, t_first = cycle(api, source, config, TODAY)
        layout = [body for kind, body in api.bodies[bodies:] if kind == "batchUpdate"]
        poll, _, t_poll = cycle(api, source, config, TODAY)
        next_day, next_cells, t_next = cycle(api, source, config, TODAY + dt.timedelta(days=1))

        print(f"{partners:,} partners / {sizes[1]:,} contacts / {sizes[2]:,} activities")
        print(f"  sheets-sync  start-up:             {describe(startup)}")
        print(
            f"  sheets-sync  first cycle:          {describe(first)}  {first_cells:,} cells, {t_first:.1f} s"
        )
        inside = [name for body in layout for request in body["requests"] for name in request]
        print(f"  sheets-sync  in its batchUpdate:   {describe(inside)}")
        print(f"  sheets-sync  unchanged poll:       {describe(poll)}  {t_poll:.1f} s")
        print(
            f"  sheets-sync  next day:             {describe(next_day)}  {next_cells:,} cells, {t_next:.1f} s"
        )

        writes = naive_writes(api, "naive", config, TODAY)
        tabs = len({t for t, *_ in writes})
        estimate = 1 + 2 * tabs + len(writes)
        if run_naive_script:
            made = run_naive(api, "naive", writes)
            how = f"{made:,} requests (run)"
        else:
            how = f"~{estimate:,} requests (estimated: 1 open + {tabs} lookups + {tabs} reads + 1 per cell)"
        minutes = len(writes) / WRITES_PER_MINUTE
        print(f"  naive update_cell script, first cycle: {how};")
        print(
            f"      {len(writes):,} write requests = {minutes:,.0f} min at {WRITES_PER_MINUTE}/min, "
            f"or {minutes / 60:,.1f} h; every poll re-reads {tabs} tabs in {1 + 2 * tabs} requests"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 partners only")
    args = parser.parse_args()
    for partners, sizes in SIZES.items():
        if args.quick and partners != 100:
            continue
        bench(partners, sizes, run_naive_script=partners <= 100)


if __name__ == "__main__":
    main()
