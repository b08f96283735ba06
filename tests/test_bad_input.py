"""A workbook full of malformed cells: the cycle completes, every problem is reported, nothing is lost."""

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from sheets_sync.config import parse_config
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.summary import check_report
from sheets_sync.sheet.workbook import read_book, tab_names
from sheets_sync.sources.xlsx import XlsxSource

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("UTC"))
LONG = "Очень длинная заметка 很长的笔记 ملاحظة طويلة 🚀 " * 300

BAD = {
    "Partners": [
        [
            "ID",
            "Partner",
            "Rank",
            "Stage",
            "Manager",
            "Since",
            "",
            "Goal target",
            "Goal period",
            "Snooze until",
            "Notes",
        ],
        [
            "P-0001",
            "Acme",
            "A",
            "active",
            "anna@startup.example",
            "31.02.2026",
            "orphan",
            "three",
            "someday",
            None,
            LONG,
        ],
        [
            "P-0001",
            "Beta 株式会社",
            "Z",
            "sleepy",
            "not an email",
            46200,
            None,
            3,
            "2026-Q4",
            "2026-13-01",
            None,
        ],
        [None, "=A1", "B", None, None, None, None, None, None, None, None],  # a formula where a name belongs
        ["P-0003", "", "B", None, None, None, None, None, None, None, "row with no name"],
        [None, "Гамма", "c", "paused", None, "01/12/2025", None, None, None, "=TODAY()+5", None],
    ],
    "Contacts": [
        ["Partner", "Name", "Email", "Champion", "Birthday", "Newsletter"],
        ["Acme", "Ann", "ann@acme.example", "perhaps", "30.02", "yes"],
        ["Nobody Ltd", "Ghost", "ghost@nowhere.example", "yes", "01.01.1990", "no"],
        ["Beta 株式会社", "Bo", "bo at beta", "да", "--13-01", "нет"],
        ["P-0001", LONG[:200], "long@acme.example", "x", "29.02", None],
    ],
    "Activities": [
        ["Date", "Partner", "Type", "Agreements", "Due", "Done", "Amount", "Direction"],
        ["yesterday", "Acme", "meeting", "Sign in Q1", None, None, None, None],
        [dt.date(2026, 11, 20), "Acme", "deal", None, None, None, "a lot", None],
        [dt.date(2026, 11, 21), "Unknown Partner", "call", None, "32.11.2026", "maybe", None, "up"],
        ["=NOW()", "Beta 株式会社", "call", LONG, None, None, None, None],
        [45000.5, "Гамма", "visit", None, None, None, None, "in"],
    ],
    "News": [
        ["Date", "Title", "Publish"],
        ["not yet", "Launch", "sure"],
        [dt.date(2026, 11, 1), LONG[:500], "yes"],
    ],
}


def write_tabs(path: Path, tabs: dict[str, list[list]]) -> None:
    """A plain workbook with these tabs, each given as its rows (the header row first), as typed."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tabs.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def team_values(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {
        (ws.title, c.coordinate): c.value
        for ws in wb.worksheets
        for row in ws.iter_rows(max_col=len(BAD.get(ws.title, [[]])[0]))
        for c in row
        if ws.title in BAD
    }


def test_malformed_cells_never_stop_a_cycle_and_every_problem_is_reported(tmp_path):
    path = tmp_path / "bad.xlsx"
    write_tabs(path, BAD)
    config = parse_config({"source": {"kind": "xlsx", "path": str(path)}}, tmp_path)
    before = team_values(path)

    report = run_once(XlsxSource(path), config, NOW)
    assert report.written and report.plan is not None

    messages = {(p.tab.value, p.row, p.column): p.message for p in report.problems}
    expected = {
        ("Partners", 2, "Since"),
        ("Partners", 2, "Goal target"),
        ("Partners", 2, "Goal period"),
        ("Partners", 3, "ID"),
        ("Partners", 3, "Rank"),
        ("Partners", 3, "Stage"),
        ("Partners", 3, "Manager"),
        ("Partners", 3, "Snooze until"),
        ("Partners", 4, "Partner"),
        ("Partners", 5, "Partner"),
        ("Contacts", 2, "Champion"),
        ("Contacts", 2, "Birthday"),
        ("Contacts", 3, "Partner"),
        ("Contacts", 4, "Email"),
        ("Contacts", 4, "Birthday"),
        ("Activities", 2, "Date"),
        ("Activities", 3, "Amount"),
        ("Activities", 4, "Partner"),
        ("Activities", 4, "Due"),
        ("Activities", 4, "Done"),
        ("Activities", 4, "Direction"),
        ("Activities", 5, "Date"),
        ("News", 2, "Date"),
        ("News", 2, "Publish"),
    }
    assert expected <= set(messages), expected - set(messages)

    wb = openpyxl.load_workbook(path)
    for tab, row in {(t, r) for t, r, _ in expected}:
        ws = wb[tab]
        header = [c.value for c in ws[1]]
        if "Sync note" in header:
            note = ws.cell(row, header.index("Sync note") + 1).value
            assert note, f"{tab} row {row} has no Sync note"
    # each problem is in the note once, and the partners' notes carry the planner's notes too
    partners = wb["Partners"]
    header = [c.value for c in partners[1]]
    note = partners.cell(3, header.index("Sync note") + 1).value
    assert note.count('Rank: unknown rank "Z" (A, B, C): treated as C') == 1 and note.count("rank") == 1
    assert note.endswith("no newsletter recipients")

    # nothing the team typed changed (the two empty IDs were filled: that is the one exception)
    after = team_values(path)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {("Partners", "A4"), ("Partners", "A6")}
    assert after[("Partners", "K2")] == LONG

    # check reports the same problems with their cells
    rb = read_book(XlsxSource(path).read(tab_names(config)), config)
    text = check_report(rb)
    assert "Partners!F2" in text and "Activities!B4" in text and "Contacts!C4" in text
    assert len(rb.problems) == len(report.problems)


def test_check_through_the_cli_names_a_second_header_and_a_typo_one_line_each(cli, tmp_path):
    """The team's view of issue 9's bad input: `sheets-sync check` exits 1 and prints one line per
    problem, with the cell, even when a cell holds line breaks (a terminal escape, which no .xlsx
    can hold, is in test_bounds). The CLI runs in this process (conftest's `cli`: its fds captured)."""
    path = tmp_path / "partners.xlsx"
    write_tabs(
        path,
        {
            "Partners": [
                ["ID", "Partner", "Rank", "Stage", "Manager", "Notes", "Rank"],
                ["P-0001", "Acme", "A", "sleepy\r\n\tgone", "anna@startup.example", None, "B"],
            ],
            "Contacts": [["Partner", "Email"]],
            "Activities": [
                ["Date", "Partner", "Type", "Follow-up"],
                [dt.date(2026, 11, 25), "Acme\nCorp", "meting", None],
            ],
            "News": [["Date", "Title"]],
        },
    )
    (tmp_path / "config.yaml").write_text("source: {kind: xlsx, path: partners.xlsx}\ntimezone: UTC\n")
    out = cli("-c", tmp_path / "config.yaml", "check")
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("4 problem(s) in 1 partners")
    rows = {line.split()[0]: line for line in lines[4:]}
    assert len(rows) == len(lines[4:]) == 4  # one line each, each naming its cell
    assert 'two columns are headed "Rank" (C and G): the first one (C) is read' in rows["Partners!G1"]
    assert 'unknown stage "sleepy\\r\\n\\tgone"' in rows["Partners!D2"]
    assert 'unknown partner "Acme\\nCorp"' in rows["Activities!B2"]
    assert 'unknown Type "meting": did you mean meeting?' in rows["Activities!C2"]


def test_activities_without_a_follow_up_column_gain_it_when_a_follow_up_goes_out(tmp_path):
    """The Follow-up column is the team's, but the worker fills it: missing, it is added (like ID)."""
    from tests.samples import copy_sample

    config_path = copy_sample(tmp_path, "en")
    path = next(tmp_path.glob("*.xlsx"))
    wb = openpyxl.load_workbook(path)
    sheet = wb["Activities"]
    header = [c.value for c in sheet[1]]
    sheet.delete_cols(header.index("Follow-up") + 1)
    wb.save(path)
    from sheets_sync.config import load_config

    config = load_config(config_path)
    report = run_once(XlsxSource(path), config, dt.datetime(2026, 11, 26, 12, tzinfo=config.zone))
    assert report.written
    header = [c.value for c in openpyxl.load_workbook(path)["Activities"][1]]
    assert header.count("Follow-up") == 1
