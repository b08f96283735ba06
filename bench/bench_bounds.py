"""One huge cell, anywhere: what a whole `sheets-sync once` costs (issue 9: the bounds of docs/operations.md).

    python bench/bench_bounds.py                 # the places issue 9 names
    python bench/bench_bounds.py --all           # every column the team owns, one workbook each
    python bench/bench_bounds.py partner summary # only these places
    python bench/bench_bounds.py --chars 50000   # Google's own cell limit instead of 1,000,000

The workbook is the sample of `sheets-sync init` (its own config: mail to the outbox, follow-ups
drafted to the manager) for a fixed day with a call booked for that day, so that a follow-up is
composed; one cell of it holds `--chars` characters of words, and every other cell is as init
wrote it. A huge Partner name replaces the name where the rows refer to that partner by name (they
refer to it by ID instead), so that the huge text is in one cell only. Each place is its own
workbook and each `once` a fresh `python -m sheets_sync` process, timed from outside, whose peak
memory is the max RSS the kernel reports for it (getrusage of the children of a fresh process of
this script that runs that one `once`). Each figure is the best time (and the highest peak) of
three runs, so that other work on the machine weighs less. The baseline is the same workbook
without the huge cell.
Targets (issue 9): every place under 5 s and under 400 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.sample.workspace import WORKBOOK_NAME, write_sample

DATA = Path(__file__).parent / ".data" / "bounds"
TODAY = dt.date(2026, 11, 26)  # a Thursday: a working day, so the digests are composed too
LIMIT_SECONDS, LIMIT_MB = 5.0, 400
# A run that goes past these is stopped: before issue 9 a huge Subject took 72 s and 12.4 GB.
KILL_SECONDS, KILL_MB = 120, 4_000
TWO_WAY = ("meeting", "call", "visit")

# place -> (tab, header): the cell that gets the huge text, on the rows the follow-up is about
# (the call booked for today, its partner, that partner's first contact) or the newest news item.
PLACES = {
    "partner": ("Partners", "Partner"),
    "contact-name": ("Contacts", "Name"),
    "email": ("Contacts", "Email"),
    "summary": ("Activities", "Summary"),
    "agreements": ("Activities", "Agreements"),
    "next-steps": ("Activities", "Next steps"),
    "news-title": ("News", "Title"),
    "news-body": ("News", "Body"),
}


def huge_text(chars: int) -> str:
    """Words of varied length with spaces and a line break now and then, as pasted text is."""
    words = (
        "Quarterly pipeline review with the reseller's sales team;\n"
        "agreed discounts, training, and co-marketing"
    )
    return (words + " ") * (chars // (len(words) + 1)) + "x" * (chars % (len(words) + 1))


def base_workspace() -> Path:
    folder = DATA / "base"
    if not (folder / WORKBOOK_NAME).exists():
        shutil.rmtree(folder, ignore_errors=True)
        write_sample(folder, "en", today=TODAY)
    return folder


def _headers(ws) -> dict[str, int]:
    return {str(c.value).strip(): c.column for c in ws[1] if c.value is not None}


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _rows(wb) -> dict[str, int]:
    """The row of each tab the huge cell goes in (see PLACES)."""
    acts, partners, contacts, news = wb["Activities"], wb["Partners"], wb["Contacts"], wb["News"]
    a, p, c, n = _headers(acts), _headers(partners), _headers(contacts), _headers(news)
    call = next(
        r
        for r in range(2, acts.max_row + 1)
        if _date(acts.cell(r, a["Date"]).value) == TODAY
        and str(acts.cell(r, a["Type"]).value).strip().lower() in TWO_WAY
        and not acts.cell(r, a["Follow-up"]).value
    )
    ref = str(acts.cell(call, a["Partner"]).value).strip().casefold()
    partner = next(
        r
        for r in range(2, partners.max_row + 1)
        if ref
        in (
            str(partners.cell(r, p["ID"]).value).casefold(),
            str(partners.cell(r, p["Partner"]).value).strip().casefold(),
        )
    )
    names = {str(partners.cell(partner, p[h]).value).strip().casefold() for h in ("ID", "Partner")}
    contact = next(
        r
        for r in range(2, contacts.max_row + 1)
        if str(contacts.cell(r, c["Partner"]).value).strip().casefold() in names
    )
    published = [
        (r, _date(news.cell(r, n["Date"]).value))
        for r in range(2, news.max_row + 1)
        if str(news.cell(r, n["Publish"]).value).strip().lower() not in ("no", "n", "false", "0")
    ]
    newest = max((x for x in published if x[1] and x[1] <= TODAY), key=lambda x: x[1])[
        0
    ]  # the newsletter's Subject
    return {"Activities": call, "Partners": partner, "Contacts": contact, "News": newest}


def make_workspace(place: str, tab: str, header: str, chars: int) -> Path:
    """A copy of the base workspace whose cell (tab, header) holds `chars` characters."""
    folder = DATA / f"{place}-{chars}"
    if (folder / WORKBOOK_NAME).exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(base_workspace(), folder)
    path = folder / WORKBOOK_NAME
    wb = openpyxl.load_workbook(path)
    if tab:
        rows = _rows(wb)
        ws = wb[tab]
        column = _headers(ws)[header]
        if (tab, header) == ("Partners", "Partner"):
            _refer_by_id(wb, rows["Partners"])
        _set_long_text(ws.cell(rows[tab], column), huge_text(chars))
    wb.save(path)
    return folder


def _set_long_text(cell, text: str) -> None:
    """openpyxl cuts text to Excel's 32,767 characters when a value is set; other programs write
    longer cells (and calamine reads them whole), so the value goes in past that check."""
    cell.value = "x"  # the cell's type and style, as for any text
    cell._value = text


def _refer_by_id(wb, row: int) -> None:
    """Rows that name the partner refer to it by its ID instead, so they keep pointing at it."""
    partners = wb["Partners"]
    p = _headers(partners)
    name = str(partners.cell(row, p["Partner"]).value).strip().casefold()
    pid = partners.cell(row, p["ID"]).value
    for tab in ("Contacts", "Activities"):
        ws = wb[tab]
        column = _headers(ws)["Partner"]
        for r in range(2, ws.max_row + 1):
            if str(ws.cell(r, column).value).strip().casefold() == name:
                ws.cell(r, column).value = pid


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (KILL_MB * 2**20, KILL_MB * 2**20))


def measure(folder: Path, runs: int) -> dict:
    """The best time and the highest peak of `runs` runs of `once`, each on a fresh copy of the
    workspace (empty outbox and ledger) and run by a fresh process of this script whose only child
    is that `once`, so that its children's rusage is the once's."""
    results = []
    for _ in range(runs):
        work = folder.with_name(folder.name + ".run")
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work)
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(work)], check=True, capture_output=True, text=True
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    best = min(results, key=lambda r: r["seconds"])
    best["max_rss_mb"] = max(r["max_rss_mb"] for r in results)
    return best


def child(work: Path) -> dict:
    command = [
        sys.executable,
        "-m",
        "sheets_sync",
        "-c",
        str(work / "config.yaml"),
        "once",
        "--today",
        TODAY.isoformat(),
    ]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env=env, timeout=KILL_SECONDS, preexec_fn=_limit_memory
        )
        code, tail = done.returncode, (done.stdout + done.stderr).strip().splitlines()[-1:]
    except subprocess.TimeoutExpired:
        code, tail = -9, [f"killed after {KILL_SECONDS} s"]
    seconds = time.perf_counter() - start
    outbox = list((work / "outbox").glob("*.eml")) if (work / "outbox").is_dir() else []
    return {
        "seconds": seconds,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "exit": code,
        "emails": len(outbox),
        "largest_kb": max((f.stat().st_size for f in outbox), default=0) / 1024,
        "tail": tail,
    }


def every_column() -> dict[str, tuple[str, str]]:
    """Every header the team owns in the sample, as a place of its own."""
    wb = openpyxl.load_workbook(base_workspace() / WORKBOOK_NAME, read_only=True)
    places = {}
    for tab in ("Partners", "Contacts", "Activities", "News"):
        for header in _headers(wb[tab]):
            places[f"{tab}.{header}".lower().replace(" ", "-")] = (tab, header)
    return places


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("places", nargs="*", help=f"places to measure (default: {', '.join(PLACES)})")
    parser.add_argument("--all", action="store_true", help="every column of every tab the team owns")
    parser.add_argument(
        "--chars", type=int, default=1_000_000, help="length of the huge cell (default 1,000,000)"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per place; the best time is shown (default 3)"
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    known = {**PLACES, **every_column()}
    names = list(every_column()) if args.all else (args.places or list(PLACES))
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown place {unknown[0]}; known: {', '.join(known)}")
    print(f"one cell of {args.chars:,} characters; `once --today {TODAY}` on init's sample (outbox mail)")
    print(f"{'place':28} {'seconds':>8} {'peak MB':>8} {'exit':>4} {'emails':>6} {'largest':>9}")
    worst_s = worst_mb = 0.0
    for name in ["baseline", *names]:
        tab, header = ("", "") if name == "baseline" else known[name]
        r = measure(make_workspace(name, tab, header, args.chars), args.runs)
        worst_s, worst_mb = max(worst_s, r["seconds"]), max(worst_mb, r["max_rss_mb"])
        over = " OVER" if r["seconds"] >= LIMIT_SECONDS or r["max_rss_mb"] >= LIMIT_MB or r["exit"] else ""
        print(
            f"{name:28} {r['seconds']:8.2f} {r['max_rss_mb']:8.0f} {r['exit']:4} {r['emails']:6} "
            f"{r['largest_kb']:7.0f}KB{over}",
            flush=True,
        )
        if r["exit"]:
            print(f"{'':28} {' '.join(r['tail'])}")
    print(f"worst: {worst_s:.2f} s, {worst_mb:.0f} MB (targets: < {LIMIT_SECONDS:.0f} s, < {LIMIT_MB} MB)")


if __name__ == "__main__":
    main()
