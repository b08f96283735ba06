"""Full cycles on generated workbooks: the figures issues 2 and 8 set.

    python bench/bench_cycle.py            # typical (300 partners) and large (2,000 partners)
    python bench/bench_cycle.py --quick    # typical only

Prints, per size: the first `once` (adds the worker columns and fills everything), the next day's
`once` (rewrites the date-dependent cells: the usual write), a poll of the unchanged workbook on
the same day, calamine's read alone and the ratio of the next day's `once` to it, and the peak
memory (max RSS) of a process that runs one next-day `once`. Each figure is the best of three
runs, each in a fresh process, so that one run's garbage does not weigh on the next.
Targets (issue 8): large once < 3 s and peak < 300 MB, typical once < 1 s, once/read <= 3x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.config import parse_config
from sheets_sync.runtime.cycle import WorkerState, run_once
from sheets_sync.sample.workspace import generate_tables
from sheets_sync.sample.xlsx import write_workbook
from sheets_sync.sheet import workbook as tabs
from sheets_sync.sources.xlsx import XlsxSource

DATA = Path(__file__).parent / ".data"
TODAY = dt.date(2026, 11, 26)
SIZES = {"typical": (300, 1_000, 5_000), "large": (2_000, 6_000, 40_000)}
RUNS = 3


def workbook(name: str, partners: int, contacts: int, activities: int) -> Path:
    pristine = DATA / f"cycle-{name}.pristine.xlsx"
    if not pristine.exists():
        DATA.mkdir(exist_ok=True)
        write_workbook(pristine, generate_tables(TODAY, partners, contacts, activities))
    return pristine


def prepared(name: str) -> Path:
    """The workbook after its first `once`: what a next day's cycle starts from."""
    path = DATA / f"cycle-{name}.day1.xlsx"
    if not path.exists():
        shutil.copy(workbook(name, *SIZES[name]), path)
        config = _config(path)
        run_once(XlsxSource(path), config, _noon(config, TODAY))
    return path


def _config(path: Path):
    return parse_config({"source": {"kind": "xlsx", "path": str(path)}}, DATA)


def _noon(config, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))


def child(name: str, mode: str) -> dict:
    """One measurement, in this (fresh) process."""
    work = DATA / f"cycle-{name}.work.xlsx"
    shutil.copy(workbook(name, *SIZES[name]) if mode == "first" else prepared(name), work)
    config = _config(work)
    result: dict = {}
    if mode == "read":
        start = time.perf_counter()
        XlsxSource(work).read(tabs.tab_names(config))
        result["seconds"] = time.perf_counter() - start
    elif mode == "poll":
        state = WorkerState()
        run_once(XlsxSource(work), config, _noon(config, TODAY + dt.timedelta(days=1)), state=state)
        start = time.perf_counter()
        report = run_once(XlsxSource(work), config, _noon(config, TODAY + dt.timedelta(days=1)), state=state)
        result["seconds"], result["skipped"] = time.perf_counter() - start, report.skipped
    else:
        day = TODAY if mode == "first" else TODAY + dt.timedelta(days=1)
        start = time.perf_counter()
        report = run_once(XlsxSource(work), config, _noon(config, day))
        result["seconds"], result["cells"] = time.perf_counter() - start, report.cells_written
    result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def measure(name: str, mode: str) -> dict:
    runs = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, __file__, "--child", name, mode], check=True, capture_output=True, text=True
        ).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["seconds"])
    best["max_rss_mb"] = max(r["max_rss_mb"] for r in runs)
    return best


def bench(name: str) -> None:
    partners, contacts, activities = SIZES[name]
    workbook(name, *SIZES[name])
    prepared(name)
    first, nextday = measure(name, "first"), measure(name, "next")
    poll, read = measure(name, "poll"), measure(name, "read")
    print(f"{name:8} {partners:,} partners / {contacts:,} contacts / {activities:,} activities")
    print(f"  first once (adds columns, writes {first['cells']:,} cells):     {first['seconds']:6.2f} s")
    print(f"  next day's once (writes {nextday['cells']:,} cells):           {nextday['seconds']:6.2f} s")
    print(
        f"  poll of the unchanged workbook, same day (skipped={poll['skipped']}): "
        f"{poll['seconds'] * 1000:6.1f} ms"
    )
    print(f"  calamine read alone:                                {read['seconds']:6.2f} s")
    print(
        f"  next day's once / calamine read:                    {nextday['seconds'] / read['seconds']:6.2f} x"
    )
    print(f"  peak memory (max RSS) of a next day's once:         {nextday['max_rss_mb']:6.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="only the typical workbook")
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    for name in SIZES:
        if not (args.quick and name != "typical"):
            bench(name)


if __name__ == "__main__":
    main()
