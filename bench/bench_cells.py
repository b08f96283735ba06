"""How long parse_date takes for 400,000 mixed cell values, by kind and in total.

Run: .venv/bin/python bench/bench_cells.py
The date-object and ISO paths are the hot ones (xlsx date cells, Google's dates as text); together
they should stay well under 0.3 s.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.sheet.dates import parse_date, to_serial

N_PER_KIND = 100_000
REPEATS = 5


def sample_dates(count: int, rng: random.Random) -> list[dt.date]:
    start = dt.date(2020, 1, 1).toordinal()
    return [dt.date.fromordinal(start + rng.randrange(3650)) for _ in range(count)]


def build_values() -> dict[str, list[object]]:
    rng = random.Random(20261120)
    return {
        "date objects": list(sample_dates(N_PER_KIND, rng)),
        "serial floats": [to_serial(d) + rng.random() for d in sample_dates(N_PER_KIND, rng)],
        "ISO strings": [d.isoformat() for d in sample_dates(N_PER_KIND, rng)],
        "DD.MM.YYYY strings": [f"{d:%d.%m.%Y}" for d in sample_dates(N_PER_KIND, rng)],
    }


def best_time(values: list[object]) -> float:
    """The fastest of a few runs, in seconds: the least disturbed by anything else on the machine."""
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for value in values:
            parse_date(value)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    by_kind = build_values()
    mixed = [value for values in by_kind.values() for value in values]
    random.Random(1).shuffle(mixed)
    for kind, values in by_kind.items():
        print(f"{kind:<20} {len(values):>7,} values  {best_time(values) * 1000:7.1f} ms")
    fast = by_kind["date objects"] + by_kind["ISO strings"]
    print(f"{'dates + ISO':<20} {len(fast):>7,} values  {best_time(fast) * 1000:7.1f} ms")
    print(f"{'all, shuffled':<20} {len(mixed):>7,} values  {best_time(mixed) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
