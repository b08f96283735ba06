"""Time the xlsx source on two generated workbooks: the sizes the cycle-time targets name.

    .venv/bin/python bench/bench_xlsx_io.py [--regenerate] [--only small|large] [--repeat N]

Workbooks are generated once into bench/.data/ (gitignored); one line is printed per figure.
Target (issue 8): a write of a next day's usual changes under 0.5 s on the large workbook. The old
write path (openpyxl load+save of the whole workbook) is timed too, for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import sys
import time
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
from lxml import etree
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.config import parse_config
from sheets_sync.model import CellWrite, Changes
from sheets_sync.rules.dashboard import dashboard_rows
from sheets_sync.rules.planner import plan as make_plan
from sheets_sync.runtime.cycle import run_once
from sheets_sync.sheet import workbook
from sheets_sync.sheet.changes import build_changes
from sheets_sync.sources.xlsx import XlsxSource

DATA = Path(__file__).resolve().parent / ".data"
SIZES = {  # name: (partners, contacts, activities, news)
    "small": (300, 900, 5_000, 40),
    "large": (2_000, 6_000, 40_000, 120),
}
PARTNER_HEADERS = [
    "ID",
    "Partner",
    "Rank",
    "Stage",
    "Manager",
    "Since",
    "Snooze until",
    "Goal",
    "Goal target",
    "Goal amount",
    "Goal period",
    "Trained",
    "Notes",
    "Region",
    "Website",
    "Last touch",
    "Last response",
    "Next touch",
    "Touch status",
    "Days late",
    "Next action",
    "Sales kit sent",
    "Last newsletter",
    "Goal progress",
    "Sync note",
]
CONTACT_HEADERS = [
    "ID",
    "Partner",
    "Name",
    "Email",
    "Role",
    "Champion",
    "Birthday",
    "Language",
    "Newsletter",
    "Unsubscribed",
    "Left company",
    "Last greeting",
    "Sync note",
]
ACTIVITY_HEADERS = [
    "ID",
    "Date",
    "Partner",
    "Type",
    "Direction",
    "Contact",
    "Summary",
    "Agreements",
    "Next steps",
    "Owner",
    "Due",
    "Done",
    "Amount",
    "Follow-up",
    "Sync note",
]
NEWS_HEADERS = ["ID", "Date", "Title", "Body", "Link", "Category", "Publish"]
WORDS = [
    "integration",
    "pilot",
    "pricing",
    "roadmap",
    "training",
    "webinar",
    "renewal",
    "discount",
    "marketing",
    "budget",
    "onboarding",
    "demo",
    "contract",
    "reseller",
    "region",
    "launch",
    "feedback",
    "support",
    "case",
    "study",
]
TODAY = dt.date(2026, 11, 20)


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


def _date(rng: random.Random, back: int, ahead: int = 0) -> dt.date:
    return TODAY + dt.timedelta(days=rng.randint(-back, ahead))


def _sheet(wb, title: str, headers: list[str], rows, date_columns: set[int], widths: dict[int, float]):
    """Write one formatted tab: bold filled header, frozen first row, filter, widths, date formats."""
    ws = wb.create_sheet(title)
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="305496")
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = Alignment(horizontal="center")
    for row in rows:
        ws.append(row)
    for column in date_columns:
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = "dd.mm.yyyy"
    for column, width in widths.items():
        ws.column_dimensions[openpyxl.utils.get_column_letter(column)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    return ws


def generate(path: Path, partners: int, contacts: int, activities: int, news: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    managers = [f"manager{i}@example.com" for i in range(12)]
    names = [f"Partner {i:05d} {rng.choice(WORDS).title()}" for i in range(partners)]
    p_rows = []
    for i, name in enumerate(names):
        rank = rng.choice("AABBBCCCC")
        p_rows.append(
            [
                f"P-{i + 1}",
                name,
                rank,
                rng.choice(["", "", "active", "onboarding", "paused", "churned"]),
                rng.choice(managers),
                _date(rng, 900),
                None if rng.random() < 0.9 else _date(rng, 10, 30),
                _text(rng, 4) if rng.random() < 0.5 else None,
                rng.choice([None, 3, 5, 10]),
                rng.choice([None, 10000, 25000.5]),
                rng.choice(["", "2026", "2026-Q4", "2026-11"]),
                _date(rng, 400) if rng.random() < 0.6 else None,
                _text(rng, 8),
                rng.choice(["EU", "US", "APAC"]),
                f"https://{name.split()[1]}.example.com",
                _date(rng, 60),
                _date(rng, 120),
                _date(rng, 5, 30),
                rng.choice(["ok", "due", "overdue", "soon"]),
                rng.choice([None, 1, 4, 12]),
                _text(rng, 6),
                None,
                None,
                "1 of 3 (33%)",
                None,
            ]
        )
    c_rows = []
    for i in range(contacts):
        c_rows.append(
            [
                f"C-{i + 1}",
                names[i % partners],
                f"Person {i}",
                f"person{i}@partner{i % partners}.example.com",
                rng.choice(["CEO", "Sales", "CTO", "Marketing"]),
                rng.choice(["yes", "no", ""]),
                dt.date(rng.randint(1960, 2000), rng.randint(1, 12), rng.randint(1, 28))
                if rng.random() < 0.5
                else f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}",
                rng.choice(["en", "ru", ""]),
                rng.choice(["yes", "", "no"]),
                "",
                "",
                None,
                None,
            ]
        )
    a_rows = []
    for i in range(activities):
        a_rows.append(
            [
                f"A-{i + 1}",
                _date(rng, 700, 10),
                names[rng.randrange(partners)],
                rng.choice(["meeting", "call", "email", "visit", "message", "deal", "newsletter"]),
                rng.choice(["", "out", "in"]),
                f"person{rng.randrange(contacts)}@example.com",
                _text(rng, 10),
                _text(rng, 6) if rng.random() < 0.6 else None,
                _text(rng, 5) if rng.random() < 0.5 else None,
                rng.choice(managers),
                _date(rng, 100, 30) if rng.random() < 0.4 else None,
                rng.choice(["yes", "", "no"]),
                rng.choice([None, None, 1200, 5400.75]),
                rng.choice(["", "", "draft sent 2026-10-01 10:00"]),
                None,
            ]
        )
    n_rows = [
        [
            f"N-{i + 1}",
            _date(rng, 400),
            _text(rng, 5),
            _text(rng, 40),
            "https://example.com/news",
            rng.choice(["product", "roadmap", "case", "event"]),
            rng.choice(["yes", "", "no"]),
        ]
        for i in range(news)
    ]
    partner_dates = {6, 7, 12, 16, 17, 18, 22, 23}
    ws = _sheet(wb, "Partners", PARTNER_HEADERS, p_rows, partner_dates, {2: 28, 13: 40, 21: 45})
    ws.data_validations.append(dv := DataValidation(type="list", formula1='"A,B,C"', allow_blank=True))
    dv.add(f"C2:C{partners + 1}")
    ws.conditional_formatting.add(
        f"T2:T{partners + 1}",
        CellIsRule(operator="greaterThan", formula=["7"], fill=PatternFill("solid", fgColor="F8CBAD")),
    )
    _sheet(wb, "Contacts", CONTACT_HEADERS, c_rows, {7, 12}, {2: 28, 4: 34})
    _sheet(wb, "Activities", ACTIVITY_HEADERS, a_rows, {2, 11}, {3: 28, 7: 50, 8: 40, 9: 40})
    _sheet(wb, "News", NEWS_HEADERS, n_rows, {2}, {3: 40, 4: 80})
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    share_strings(path)


def share_strings(path: Path) -> None:
    """Store text in a shared string table, as Excel saves it (openpyxl writes inline strings).

    openpyxl loads an Excel-saved workbook faster than its own output, so both are measured.
    """
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    strings: dict[str, int] = {}
    for name in [n for n in files if n.startswith("xl/worksheets/sheet")]:
        root = etree.fromstring(files[name])
        for c in root.iter(f"{{{main}}}c"):
            if c.get("t") == "inlineStr":
                text = "".join(c.itertext())
                for child in list(c):
                    c.remove(child)
                c.set("t", "s")
                etree.SubElement(c, f"{{{main}}}v").text = str(strings.setdefault(text, len(strings)))
        files[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    count = str(len(strings))
    table = etree.Element(f"{{{main}}}sst", count=count, uniqueCount=count, nsmap={None: main})
    for text in strings:
        etree.SubElement(etree.SubElement(table, f"{{{main}}}si"), f"{{{main}}}t").text = text
    files["xl/sharedStrings.xml"] = etree.tostring(
        table, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>",
        (
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
    )
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        (
            b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
        ),
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def _timed(label: str, fn, repeat: int, setup=lambda: None):
    """Run `fn(setup())` `repeat` times (setup untimed); print the best time."""
    best, result = float("inf"), None
    for _ in range(repeat):
        prepared = setup()
        start = time.perf_counter()
        result = fn() if prepared is None else fn(prepared)
        best = min(best, time.perf_counter() - start)
    print(f"{label:<66} {best:6.2f} s", flush=True)
    return result


def bench(name: str, regenerate: bool, repeat: int) -> None:
    partners, contacts, activities, news = SIZES[name]
    original = DATA / f"{name}.xlsx"
    if regenerate or not original.exists():
        _timed(
            f"{name}: generate workbook", lambda: generate(original, partners, contacts, activities, news), 1
        )
    work = DATA / f"{name}-work.xlsx"
    shutil.copyfile(original, work)
    print(
        f"{name}: {partners} partners, {contacts} contacts, {activities} activities, "
        f"{original.stat().st_size / 1e6:.1f} MB",
        flush=True,
    )
    source = XlsxSource(work)
    tabs = ["Partners", "Contacts", "Activities", "News", "Dashboard"]
    _timed(f"{name}: fingerprint()", source.fingerprint, repeat)
    snapshot = _timed(f"{name}: read() with calamine, all tabs", lambda: source.read(tabs), repeat)
    # The write path before issue 8 loaded and saved the whole workbook with openpyxl: kept for comparison.
    _timed(
        f"{name}: openpyxl load+save (the old write path, for comparison)", lambda: _load_save(work), repeat
    )

    partners_table = snapshot.tables["Partners"]
    note = partners_table.header.index("Sync note") + 1
    stamp = dt.datetime.now().isoformat(timespec="seconds")
    changes = Changes(
        cells=tuple(
            CellWrite("Partners", i + 2, row[0], note, f"checked {stamp}")
            for i, row in enumerate(partners_table.rows)
        ),
        appends={
            "Activities": tuple(
                (None, TODAY, "Partner 00001", "newsletter", "out", "x@example.com", "Newsletter sent")
                for _ in range(10)
            )
        },
    )
    label = f"{len(changes.cells)} cells + 10 appends"
    # Each write() changes the file, so each run first reads the version it checks against.
    _timed(
        f"{name}: write() {label}",
        lambda fresh: source.write(fresh, changes),
        repeat,
        setup=lambda: source.read(["Partners"]),
    )
    _timed(f"{name}: read() with calamine, after our write", lambda: source.read(tabs), repeat)
    usual = _usual_changes(work)
    _timed(
        f"{name}: write() of a next day's changes ({len(usual.cells):,} cells)",
        lambda fresh: source.write(fresh, usual),
        repeat,
        setup=lambda: _restore(work, usual),
    )


def _usual_changes(path: Path) -> Changes:
    """What a cycle on the next day writes, computed by the worker itself (after a first cycle)."""
    config = parse_config({"source": {"kind": "xlsx", "path": str(path)}}, DATA)
    noon = dt.datetime.combine(TODAY, dt.time(12), tzinfo=ZoneInfo(config.timezone))
    run_once(XlsxSource(path), config, noon)
    shutil.copyfile(path, path.with_name(path.stem + "-day1.xlsx"))
    snapshot = XlsxSource(path).read(workbook.tab_names(config))
    rb = workbook.read_book(snapshot, config)
    plan = make_plan(rb.book, config, TODAY + dt.timedelta(days=1))
    return build_changes(rb, plan, dashboard_rows(rb.book, plan, config), config)


def _restore(path: Path, changes: Changes):
    """The day-1 workbook again, and its snapshot, so that every run writes the same changes."""
    shutil.copyfile(path.with_name(path.stem + "-day1.xlsx"), path)
    return XlsxSource(path).read(["Partners", "Contacts", "Activities", "News", "Dashboard"])


def _load_save(path: Path) -> None:
    wb = openpyxl.load_workbook(path, rich_text=True)
    wb.save(path.with_name(path.stem + "-resaved.xlsx"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true", help="rebuild the workbooks")
    parser.add_argument("--only", choices=sorted(SIZES), help="run one size only")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs per figure")
    args = parser.parse_args()
    for name in [args.only] if args.only else list(SIZES):
        bench(name, args.regenerate, args.repeat)


if __name__ == "__main__":
    main()
