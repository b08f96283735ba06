"""Full cycles on generated workbooks: the figures issue 2 sets.

    python bench/bench_cycle.py            # typical (300 partners) and large (2,000 partners)
    python bench/bench_cycle.py --quick    # typical only

Prints, per size: the first `once` (adds the worker columns and fills everything), the next day's
`once` (rewrites the date-dependent cells), and a poll of the unchanged workbook on the same day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from sheets_sync.config import parse_config
from sheets_sync.sample import generate_tables
from sheets_sync.sample_xlsx import write_workbook
from sheets_sync.sources.xlsx import XlsxSource
from sheets_sync.worker import WorkerState, run_once

DATA = Path(__file__).parent / ".data"
TODAY = dt.date(2026, 11, 26)
SIZES = {"typical": (300, 1_000, 5_000), "large": (2_000, 6_000, 40_000)}


def workbook(name: str, partners: int, contacts: int, activities: int) -> Path:
    path = DATA / f"cycle-{name}.xlsx"
    pristine = DATA / f"cycle-{name}.pristine.xlsx"
    if not pristine.exists():
        DATA.mkdir(exist_ok=True)
        write_workbook(pristine, generate_tables(TODAY, partners, contacts, activities))
    shutil.copy(pristine, path)
    return path


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def bench(name: str, sizes: tuple[int, int, int]) -> None:
    path = workbook(name, *sizes)
    config = parse_config({"source": {"kind": "xlsx", "path": str(path)}}, DATA)
    zone = ZoneInfo(config.timezone)
    state = WorkerState()
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=zone)
    first, t_first = timed(lambda: run_once(XlsxSource(path), config, noon, state=state))
    poll, t_poll = timed(lambda: run_once(XlsxSource(path), config, noon, state=state))
    next_day = noon + dt.timedelta(days=1)
    second, t_second = timed(lambda: run_once(XlsxSource(path), config, next_day, state=state))
    label = f"{sizes[0]:,} partners / {sizes[1]:,} contacts / {sizes[2]:,} activities"
    print(f"{name:8} {label}")
    print(f"  first once (adds columns, writes {first.cells_written:,} cells): {t_first:6.2f} s")
    print(f"  next day's once (writes {second.cells_written:,} cells):       {t_second:6.2f} s")
    print(f"  poll of the unchanged workbook, same day (skipped={poll.skipped}): {t_poll * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the typical workbook")
    args = parser.parse_args()
    for name, sizes in SIZES.items():
        if args.quick and name != "typical":
            continue
        bench(name, sizes)


if __name__ == "__main__":
    main()
