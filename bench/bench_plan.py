"""How long `plan` takes on a large book: 10,000 partners, 30,000 contacts, 200,000 activities.

The book is generated directly (no workbook), at random but seeded, around a fixed today.
Prints the wall time of the plan call (time.perf_counter, first call and best of three) and the
peak memory the call allocates (tracemalloc, in a separate call since tracing slows it down).

    .venv/bin/python bench/bench_plan.py [--partners N] [--contacts N] [--activities N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.config import Config, GreetingsConfig, Holiday
from sheets_sync.model import Activity, Birthday, Book, Contact, Direction, NewsItem, Partner, Stage
from sheets_sync.rules.planner import plan
from sheets_sync.sheet.dates import parse_period

TODAY = dt.date(2026, 11, 26)
TYPES = [
    "meeting",
    "call",
    "visit",
    "email",
    "message",
    "event",
    "deal",
    "newsletter",
    "follow-up",
    "greeting",
]
TYPE_WEIGHTS = [12, 18, 3, 30, 15, 4, 5, 6, 5, 2]
STATUSES = ["ok", "soon", "due", "overdue", "sleeping", "onboarding", "snoozed", ""]
# Goal periods as read from the sheet; blank and unreadable ones are None (the current year).
PERIODS = [*(parse_period(text) for text in ("2026", "2026-Q4", "Q4 2026", "2026-11")), None, None]


def _day(rng: random.Random, back: int, ahead: int = 0) -> dt.date:
    return TODAY + dt.timedelta(days=rng.randint(-back, ahead))


def make_book(partners: int, contacts: int, activities: int, seed: int = 2026) -> Book:
    rng = random.Random(seed)
    managers = [f"manager{i}@example.com" for i in range(15)] + [""]
    ps = []
    for i in range(partners):
        stage = rng.choices(list(Stage), [8, 80, 6, 6])[0]
        goal = rng.random() < 0.2
        ps.append(
            Partner(
                row=i + 2,
                id=f"P{i + 1}",
                name=f"Partner {i + 1:05d}",
                rank=rng.choices(["A", "B", "C", "", "Z"], [15, 30, 45, 8, 2])[0],
                stage=stage,
                manager=rng.choice(managers),
                since=_day(rng, 900) if rng.random() < 0.8 else None,
                snooze_until=_day(rng, 30, 30) if rng.random() < 0.05 else None,
                goal="Grow the reseller channel" if goal else "",
                goal_target=float(rng.randint(1, 10)) if goal else None,
                goal_amount=float(rng.randint(1, 50) * 1000) if goal and rng.random() < 0.5 else None,
                goal_period=rng.choice(PERIODS) if goal else None,
                trained=_day(rng, 600) if rng.random() < 0.5 else None,
                sales_kit_sent=_day(rng, 60) if stage == Stage.ONBOARDING and rng.random() < 0.6 else None,
                last_newsletter=_day(rng, 90) if rng.random() < 0.3 else None,
                previous_status=rng.choice(STATUSES),
            )
        )
    cs = []
    for i in range(contacts):
        has_birthday = rng.random() < 0.7
        cs.append(
            Contact(
                row=i + 2,
                id=f"C{i + 1}",
                partner_row=rng.randint(2, partners + 1),
                name=f"Contact {i + 1}",
                email=f"contact{i + 1}@partner.example" if rng.random() < 0.95 else "",
                champion=rng.random() < 0.35,
                birthday=Birthday(rng.randint(1, 12), rng.randint(1, 28), rng.choice([None, 1980]))
                if has_birthday
                else None,
                language=rng.choice(["", "en", "ru"]),
                newsletter=rng.random() < 0.9,
                unsubscribed=rng.random() < 0.05,
                left_company=rng.random() < 0.05,
                last_greeting=_day(rng, 400) if rng.random() < 0.3 else None,
            )
        )
    acts = []
    for i in range(activities):
        kind = rng.choices(TYPES, TYPE_WEIGHTS)[0]
        day = _day(rng, 730, 30)
        step = rng.random() < 0.15
        acts.append(
            Activity(
                row=i + 2,
                id=f"A{i + 1}",
                date=day if rng.random() < 0.99 else None,
                partner_row=rng.randint(2, partners + 1),
                type=kind,
                direction=Direction.IN if rng.random() < 0.3 else Direction.OUT,
                contact=f"contact{rng.randint(1, contacts)}@partner.example" if rng.random() < 0.5 else "",
                summary="Discussed the pilot",
                agreements="Pilot in Q1" if rng.random() < 0.7 else "",
                next_steps="Send the pricing sheet" if step else "",
                owner=rng.choice(["Anna", "manager1@example.com", ""]),
                due=day + dt.timedelta(days=rng.randint(1, 20)) if step else None,
                done=step and rng.random() < 0.6,
                amount=float(rng.randint(1, 100) * 100) if kind == "deal" else None,
                follow_up="sent 2026-01-01"
                if day < TODAY - dt.timedelta(days=3) and rng.random() < 0.8
                else "",
            )
        )
    news = tuple(
        NewsItem(
            row=i + 2, id=f"N{i + 1}", date=_day(rng, 700), title=f"News {i + 1}", publish=rng.random() < 0.9
        )
        for i in range(60)
    )
    return Book(tuple(ps), tuple(cs), tuple(acts), news)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=30_000)
    parser.add_argument("--activities", type=int, default=200_000)
    args = parser.parse_args()

    book = make_book(args.partners, args.contacts, args.activities)
    config = Config(
        holidays_country="DE",
        greetings=GreetingsConfig(holidays=(Holiday("New Year", 1, 1), Holiday("Christmas", 12, 25))),
    )
    times = []
    for _ in range(3):
        started = time.perf_counter()
        result = plan(book, config, TODAY)
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    plan(book, config, TODAY)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"plan: {args.partners} partners, {args.contacts} contacts, {args.activities} activities: "
        f"{times[0]:.2f} s (best of 3: {min(times):.2f} s), peak {peak / 2**20:.0f} MB allocated by plan, "
        f"process max RSS {maxrss_mb:.0f} MB (book included)"
    )
    print(
        f"  {len(result.messages)} messages, {len(result.digests)} digests, {len(result.followups)} "
        f"follow-ups, {sum(1 for s in result.partners if s.notes)} partners with notes"
    )


if __name__ == "__main__":
    main()
