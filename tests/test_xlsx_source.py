"""XlsxSource against real .xlsx files: what calamine reads, what openpyxl writes, what survives."""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table as ExcelTable

from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite, Changes
from sheets_sync.sources import Snapshot
from sheets_sync.sources.xlsx import XlsxSource
from sheets_sync.sources.xlsx import source as xlsx_source

D = dt.date(2026, 11, 20)
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="305496")


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def simple_book(path: Path, rows=(("P-1", "Acme"), ("P-2", "Globex"))) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["ID", "Partner", "Since"])
    for cell in ws[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    for row in rows:
        ws.append(list(row))
    return save(wb, path)


def cell(path: Path, tab: str, ref: str):
    return openpyxl.load_workbook(path, rich_text=True)[tab][ref]


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".~sheets-sync"))


def patch_xml(path: Path, sheet_xml: str, replacements: dict[str, str]) -> None:
    """Edit a part of the file: e.g. give formulas the cached values Excel stores (openpyxl cannot)."""
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    text = files[sheet_xml].decode()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    files[sheet_xml] = text.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


# --- fingerprint --------------------------------------------------------------------------


def test_fingerprint_of_a_missing_file_is_a_source_error_naming_the_path(tmp_path):
    path = tmp_path / "nowhere.xlsx"
    with pytest.raises(SourceError) as caught:
        XlsxSource(path).fingerprint()
    assert str(path) in str(caught.value)
    assert "sheets-sync init" in str(caught.value)


def test_fingerprint_changes_with_the_file_and_with_a_lock_file(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    first = source.fingerprint()
    assert first == source.fingerprint()
    assert not first.locked
    (tmp_path / "~$book.xlsx").write_bytes(b"owner")
    locked = source.fingerprint()
    assert locked.locked and locked != first
    (tmp_path / "~$book.xlsx").unlink()
    simple_book(path, rows=(("P-1", "Acme"), ("P-2", "Globex"), ("P-3", "Initech")))
    assert source.fingerprint() != first


def test_libreoffice_lock_file_counts_as_open(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    (tmp_path / ".~lock.book.xlsx#").write_text("user")
    assert XlsxSource(path).fingerprint().locked


# --- reading ------------------------------------------------------------------------------


def test_read_every_value_type(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Activities"
    ws.append(["Text", "Int", "Float", "Whole", "Bool", "Date", "Datetime", "Time", "Serial", "Formula"])
    ws.append(
        ["call", 42, 1.5, 3.0, True, D, dt.datetime(2026, 11, 20, 14, 30), dt.time(9, 15), 46000, "=1+2"]
    )
    ws["F2"].number_format = "dd.mm.yyyy"
    ws.append(["", None, None, None, False])  # '' is an empty cell too
    ws.append(["  spaced  ", -7, 0.25])
    ws["I4"] = 45000
    ws["I4"].number_format = "yyyy-mm-dd"  # a number cell formatted as a date reads as a date
    path = save(wb, tmp_path / "book.xlsx")

    table = XlsxSource(path).read(["Activities"]).tables["Activities"]

    assert table.rows[0] == [
        "call",
        42,
        1.5,
        3,
        True,
        D,
        dt.datetime(2026, 11, 20, 14, 30),
        dt.time(9, 15),
        46000,
    ]  # the formula has no cached value (openpyxl stores none): it reads as empty and is trimmed
    assert [type(v) for v in table.rows[0][1:4]] == [int, float, int]
    assert table.rows[1] == [None, None, None, None, False]
    assert table.rows[2] == ["  spaced  ", -7, 0.25, None, None, None, None, None, dt.date(2023, 3, 15)]


def test_read_formulas_give_their_cached_values(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["Sum", "Text", "Error"])
    ws.append(["=1+2", '="x"', "=1/0"])
    path = save(wb, tmp_path / "book.xlsx")
    patch_xml(
        path,
        "xl/worksheets/sheet1.xml",
        {
            "<f>1+2</f><v></v>": "<f>1+2</f><v>3</v>",
            '<c r="B2"><f>"x"</f><v></v>': '<c r="B2" t="str"><f>"x"</f><v>x</v>',
            '<c r="C2"><f>1/0</f><v></v>': '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v>',
        },
    )
    rows = XlsxSource(path).read(["Partners"]).tables["Partners"].rows
    assert rows == [[3, "x"]]  # an error value reads as empty


def test_read_keeps_row_numbers_exact(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["ID", "Partner"])
    ws["A2"], ws["B2"] = "P-1", "Acme"
    ws["B5"] = "Globex"  # rows 3 and 4 are blank
    ws["A40"].fill = HEADER_FILL  # styled but empty rows below the data do not count
    ws["A41"] = ""
    path = save(wb, tmp_path / "book.xlsx")

    table = XlsxSource(path).read(["Partners"]).tables["Partners"]

    assert table.rows == [["P-1", "Acme"], [], [], [None, "Globex"]]
    assert table.row_number(3) == 5


def test_read_header_text_is_normalised(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["  Partner ", 2026, None, 1.5, True, D, "Notes", None, None])
    ws.append(["Acme", None, None, None, None, None, None, "x"])  # data under a header-less column
    path = save(wb, tmp_path / "book.xlsx")

    table = XlsxSource(path).read(["Partners"]).tables["Partners"]

    assert table.header == ("Partner", "2026", "", "1.5", "True", "2026-11-20", "Notes", "")
    assert all(type(h) is str for h in table.header)


def test_read_missing_tabs_are_absent_and_names_match_loosely(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = " partners"
    wb.create_sheet("Empty")
    wb.create_sheet("Other")["A1"] = "not asked for"
    path = save(wb, tmp_path / "book.xlsx")

    snapshot = XlsxSource(path).read(["Partners", "Empty", "Dashboard"])

    assert sorted(snapshot.tables) == [" partners", "Empty"]
    assert snapshot.tables[" partners"].name == " partners"
    assert snapshot.tables["Empty"].header == () and snapshot.tables["Empty"].rows == []


def test_read_version_is_the_fingerprint(tmp_path):
    source = XlsxSource(simple_book(tmp_path / "book.xlsx"))
    assert source.read(["Partners"]).version == source.fingerprint()


def test_read_a_missing_file_is_a_source_error(tmp_path):
    with pytest.raises(SourceError):
        XlsxSource(tmp_path / "gone.xlsx").read(["Partners"])


@pytest.mark.parametrize(
    "content",
    [
        b"this is not a workbook",
        b"PK\x03\x04 truncated zip",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,  # an old .xls / an encrypted workbook
        "csv",
    ],
)
def test_a_corrupt_file_is_a_permanent_source_error(tmp_path, content):
    path = tmp_path / "book.xlsx"
    if content == "csv":  # a valid zip that is not a workbook
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("data.csv", "a,b\n")
    else:
        path.write_bytes(content)
    source = XlsxSource(path)
    with pytest.raises(SourceError) as caught:
        source.read(["Partners"])
    assert not caught.value.transient
    assert str(path) in str(caught.value) and ".xls" in str(caught.value)
    with pytest.raises(SourceError) as caught:
        change = Changes(cells=(CellWrite("Partners", 2, "P-1", 1, "x"),))
        source.write(Snapshot(tables={}, version=source.fingerprint()), change)
    assert not caught.value.transient
    assert temp_files(tmp_path) == []


# --- writing cells ------------------------------------------------------------------------


def test_write_cells_text_numbers_dates_and_clearing(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    changes = Changes(
        cells=(
            CellWrite("Partners", 2, "P-1", 3, D),
            CellWrite("Partners", 3, "P-2", 3, dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC)),
            CellWrite("Partners", 2, "P-1", 4, 7),
            CellWrite("Partners", 3, "P-2", 4, 2.5),
            CellWrite("Partners", 2, "P-1", 5, True),
            CellWrite("Partners", 3, "P-2", 2, None),
            CellWrite("Partners", 2, "P-1", 6, "bell\x07 gone"),
        )
    )

    new = source.write(snapshot, changes)

    assert new == source.fingerprint()
    ws = openpyxl.load_workbook(path)["Partners"]
    assert ws["C2"].is_date and ws["C2"].number_format == "yyyy-mm-dd" and ws["C2"].value.date() == D
    assert ws["C3"].is_date and ws["C3"].value == dt.datetime(2026, 11, 20, 9, 5)
    assert (ws["D2"].value, ws["D3"].value, ws["E2"].value) == (7, 2.5, True)
    assert ws["B3"].value is None
    assert ws["F2"].value == "bell gone"  # control characters cannot be stored in xlsx
    assert source.read(["Partners"]).tables["Partners"].rows == [
        ["P-1", "Acme", D, 7, True, "bell gone"],
        ["P-2", None, dt.datetime(2026, 11, 20, 9, 5), 2.5],
    ]


def test_write_a_date_keeps_the_teams_date_format(tmp_path):
    path = tmp_path / "book.xlsx"
    simple_book(path)
    wb = openpyxl.load_workbook(path)
    wb["Partners"]["C2"].number_format = "dd.mm.yyyy"
    wb["Partners"]["C3"].number_format = "0.00"  # not a date format: replaced
    wb.save(path)
    source = XlsxSource(path)
    source.write(
        source.read(["Partners"]),
        Changes(
            cells=(
                CellWrite("Partners", 2, "P-1", 3, D),
                CellWrite("Partners", 3, "P-2", 3, D),
            )
        ),
    )
    ws = openpyxl.load_workbook(path)["Partners"]
    assert ws["C2"].number_format == "dd.mm.yyyy" and ws["C2"].is_date
    assert ws["C3"].number_format == "yyyy-mm-dd" and ws["C3"].is_date


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", '=HYPERLINK("http://x")', "#N/A", "+1", "-1", "@x", "0042"])
def test_formula_looking_text_stays_text(tmp_path, text):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    source.write(source.read(["Partners"]), Changes(cells=(CellWrite("Partners", 2, "P-1", 4, text),)))

    written = cell(path, "Partners", "D2")
    assert written.data_type == "s" and written.value == text
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    assert source.read(["Partners"]).tables["Partners"].rows[0][3] == text


# --- new headers, appends, dashboard ------------------------------------------------------


def test_new_headers_look_like_the_previous_header(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["Partners"].column_dimensions["C"].width = 21
    wb.save(path)
    source = XlsxSource(path)

    source.write(
        source.read(["Partners"]),
        Changes(
            new_headers={"Partners": ((5, "Sync note"), (4, "Next touch"))},
            cells=(CellWrite("Partners", 2, "P-1", 5, "checked"),),
        ),
    )

    ws = openpyxl.load_workbook(path)["Partners"]
    assert [c.value for c in ws[1]] == ["ID", "Partner", "Since", "Next touch", "Sync note"]
    for ref in ("D1", "E1"):
        assert ws[ref].font.b and ws[ref].font.color.rgb == HEADER_FONT.color.rgb
        assert ws[ref].fill.fgColor.rgb == HEADER_FILL.fgColor.rgb
    assert ws.column_dimensions["D"].width == 21 and ws.column_dimensions["E"].width == 21
    assert ws["E2"].value == "checked"
    assert source.read(["Partners"]).tables["Partners"].header[-2:] == ("Next touch", "Sync note")


def test_append_below_the_last_non_empty_row(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Activities"
    ws.append(["ID", "Date", "Partner", "Type", "Summary"])
    ws.append(["A-1", D, "Acme", "call"])
    ws["C4"] = "Globex"  # after an interior blank row
    ws["E6"] = '=IF(C6="","",C6)'  # the team's formula counts as content
    for row in range(7, 50):
        ws.cell(row, 2).number_format = "dd.mm.yyyy"  # pre-formatted empty rows do not count
    path = save(wb, tmp_path / "book.xlsx")
    source = XlsxSource(path)

    source.write(
        source.read(["Activities"]),
        Changes(
            appends={
                "Activities": (
                    (None, D, "Acme", "newsletter", "Newsletter sent"),
                    ("A-9", dt.date(2026, 11, 21), "Globex", "=not a formula"),
                )
            }
        ),
    )

    ws = openpyxl.load_workbook(path)["Activities"]
    assert [c.value for c in ws[7]][:5] == [
        None,
        dt.datetime(2026, 11, 20),
        "Acme",
        "newsletter",
        "Newsletter sent",
    ]
    assert ws["B7"].is_date and ws["B7"].number_format == "dd.mm.yyyy"  # the team's pre-set date format
    assert ws["B8"].is_date and ws["D8"].data_type == "s"
    assert ws["E6"].value == '=IF(C6="","",C6)'
    rows = source.read(["Activities"]).tables["Activities"].rows
    assert len(rows) == 7 and rows[5][1] == D and rows[6][3] == "=not a formula"


def test_appends_and_new_headers_extend_an_excel_table_and_the_filter(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Activities"
    ws.append(["ID", "Date", "Partner"])
    ws.append(["A-1", D, "Acme"])
    ws.add_table(ExcelTable(displayName="Log", ref="A1:C2"))
    other = wb.create_sheet("Partners")
    other.append(["ID", "Partner"])
    other.append(["P-1", "Acme"])
    other.auto_filter.ref = "A1:B2"
    path = save(wb, tmp_path / "book.xlsx")
    source = XlsxSource(path)

    source.write(
        source.read(["Activities", "Partners"]),
        Changes(
            new_headers={"Activities": ((4, "Sync note"),), "Partners": ((3, "Sync note"),)},
            appends={"Activities": (("A-2", D, "Globex"),), "Partners": (("P-2", "Globex"),)},
        ),
    )

    wb = openpyxl.load_workbook(path)
    table = wb["Activities"].tables["Log"]
    assert table.ref == "A1:D3" and table.autoFilter.ref == "A1:D3"
    assert table.column_names == ["ID", "Date", "Partner", "Sync note"]
    assert wb["Partners"].auto_filter.ref == "A1:C3"


def test_dashboard_is_created_at_the_end_with_a_bold_first_row(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    rows = (("Touch status", "Partners"), ("overdue", 3), ("as of", D))

    source.write(source.read(["Partners"]), Changes(dashboard=("Dashboard", rows)))

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Partners", "Dashboard"]
    ws = wb["Dashboard"]
    assert ws["A1"].font.b and ws["B1"].font.b and not ws["A2"].font.b
    assert ws["B3"].is_date
    table = source.read(["Dashboard"]).tables["Dashboard"]
    assert table.header == ("Touch status", "Partners") and table.rows == [["overdue", 3], ["as of", D]]


def test_dashboard_is_rewritten_entirely(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Dashboard", 0)
    for r in range(1, 30):
        ws.append([f"old {r}", r, r * 2, "x"])
    ws.merge_cells("A31:D31")
    ws.column_dimensions["A"].width = 33
    wb.save(path)
    source = XlsxSource(path)

    new_rows = (("New", None), ("a", 1))
    source.write(source.read(["Partners", "Dashboard"]), Changes(dashboard=("Dashboard", new_rows)))

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Dashboard", "Partners"]  # stays where the team put it
    ws = wb["Dashboard"]
    assert [[c for c in row] for row in ws.iter_rows(values_only=True)] == [["New", None], ["a", 1]]
    assert not ws.merged_cells.ranges
    assert ws.column_dimensions["A"].width == 33


def test_the_dashboard_never_overwrites_a_data_tab(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    before = path.read_bytes()
    with pytest.raises(SourceError):
        source.write(
            source.read(["Partners"]),
            Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),), dashboard=("Partners", (("Status",),))),
        )
    assert path.read_bytes() == before


# --- refusing to write --------------------------------------------------------------------


def test_lock_file_means_nothing_is_written(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    (tmp_path / "~$book.xlsx").write_bytes(b"someone")
    before = path.read_bytes()

    with pytest.raises(SourceError) as caught:
        source.write(snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))

    assert caught.value.transient
    assert "open in Excel" in str(caught.value) and "~$book.xlsx" in str(caught.value)
    assert path.read_bytes() == before
    assert temp_files(tmp_path) == []


def test_excel_closed_without_saving_since_the_read_does_not_block_the_write(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    lock = tmp_path / "~$book.xlsx"
    lock.write_bytes(b"someone")
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    assert snapshot.version.locked
    lock.unlink()
    source.write(snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))
    assert cell(path, "Partners", "B2").value == "x"


def test_file_changed_since_read_means_nothing_is_written(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    simple_book(path, rows=(("P-1", "Acme, edited by the team"),))
    before = path.read_bytes()

    with pytest.raises(SourceError) as caught:
        source.write(snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))

    assert caught.value.transient and "changed on disk" in str(caught.value)
    assert path.read_bytes() == before


def test_file_changed_while_writing_means_nothing_is_written(tmp_path, monkeypatch):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    patch = xlsx_source.patch

    def patch_then_team_saves(data, changes, *look):
        outcome = patch(data, changes, *look)
        simple_book(path, rows=(("P-1", "saved by the team meanwhile"),))
        return outcome

    monkeypatch.setattr(xlsx_source, "patch", patch_then_team_saves)
    with pytest.raises(SourceError) as caught:
        source.write(snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))

    assert caught.value.transient
    assert cell(path, "Partners", "B2").value == "saved by the team meanwhile"
    assert temp_files(tmp_path) == []


def test_excel_opening_the_file_while_writing_means_nothing_is_written(tmp_path, monkeypatch):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    before = path.read_bytes()
    patch = xlsx_source.patch

    def patch_then_excel_opens(data, changes, *look):
        outcome = patch(data, changes, *look)
        (tmp_path / "~$book.xlsx").write_bytes(b"someone")
        return outcome

    monkeypatch.setattr(xlsx_source, "patch", patch_then_excel_opens)
    with pytest.raises(SourceError) as caught:
        source.write(snapshot, Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))
    assert caught.value.transient and path.read_bytes() == before
    assert temp_files(tmp_path) == []


def test_an_old_snapshot_cannot_be_written_twice(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    change = Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),))
    source.write(snapshot, change)
    with pytest.raises(SourceError) as caught:
        source.write(snapshot, change)
    assert caught.value.transient


def test_a_missing_tab_in_the_changes_writes_nothing(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    before = path.read_bytes()
    with pytest.raises(SourceError) as caught:
        source.write(
            source.read(["Partners"]),
            Changes(
                cells=(
                    CellWrite("Partners", 2, "P-1", 2, "x"),
                    CellWrite("Contacts", 2, "C-1", 2, "x"),
                )
            ),
        )
    assert not caught.value.transient and "Contacts" in str(caught.value)
    assert path.read_bytes() == before


# --- the file itself ----------------------------------------------------------------------


def test_write_replaces_atomically_keeping_permissions(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    os.chmod(path, 0o640)
    stale = tmp_path / ".~sheets-sync.book.xlsx.abc.tmp"
    stale.write_bytes(b"left by a killed worker")
    os.utime(stale, (1, 1))
    source = XlsxSource(path)
    inode = path.stat().st_ino

    new = source.write(source.read(["Partners"]), Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))

    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert new == source.fingerprint()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_a_read_only_workbook_is_left_alone(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    os.chmod(path, 0o444)
    source = XlsxSource(path)
    before = path.read_bytes()
    with pytest.raises(SourceError) as caught:
        source.write(source.read(["Partners"]), Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))
    assert "read-only" in str(caught.value)
    assert path.read_bytes() == before and temp_files(tmp_path) == []


def test_empty_changes_write_nothing(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    before = path.read_bytes()
    (tmp_path / "~$book.xlsx").write_bytes(b"")  # not even a lock matters
    assert source.write(source.read(["Partners"]), Changes()) == source.fingerprint()
    assert path.read_bytes() == before


# --- what the team made survives ----------------------------------------------------------


def team_book(path: Path) -> Path:
    """A workbook with most of what a team does to a spreadsheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["ID", "Partner", "Rank", "Since", "Amount", "Notes", "Sync note"])
    thin = Side(style="thin", color="999999")
    for c in ws[1]:
        c.font, c.fill = HEADER_FONT, HEADER_FILL
        c.alignment = Alignment(horizontal="center", wrap_text=True)
    for i in range(2, 40):
        ws.append(
            [
                f"P-{i - 1}",
                f"Partner {i}",
                "ABC"[i % 3],
                dt.date(2025, 1, 1) + dt.timedelta(days=i),
                i * 1000.5,
                f"note {i}",
                None,
            ]
        )
        ws.cell(i, 4).number_format = "dd.mm.yyyy"
        ws.cell(i, 5).number_format = '#,##0.00 "€"'
        ws.cell(i, 2).border = Border(left=thin, right=thin, top=thin, bottom=thin)
        if i % 5 == 0:
            ws.cell(i, 2).font = Font(italic=True, color="C00000")
            ws.cell(i, 3).fill = PatternFill("solid", fgColor="FFF2CC")
    ws["F3"] = CellRichText("plain ", TextBlock(InlineFont(b=True), "bold"), " tail")
    ws["F4"] = "=E4*2"
    ws["F5"].hyperlink = "https://example.com"
    ws["B6"].comment = Comment("Call before Friday", "Anna")
    ws.merge_cells("F20:F21")
    ws.column_dimensions["B"].width = 31
    ws.column_dimensions["F"].width = 44
    ws.row_dimensions[2].height = 30
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = "A1:G39"
    dv = DataValidation(type="list", formula1='"A,B,C"', allow_blank=True)
    dv.add("C2:C500")
    ws.add_data_validation(dv)
    ws.conditional_formatting.add(
        "E2:E500",
        CellIsRule(operator="greaterThan", formula=["20000"], fill=PatternFill("solid", fgColor="F8CBAD")),
    )
    ws.sheet_properties.tabColor = "1072BA"
    other = wb.create_sheet("Team stuff")
    other["A1"] = "Budget"
    other["B1"] = "=SUM(Partners!E2:E39)"
    other["A2"] = dt.datetime(2026, 1, 2, 3, 4)
    wb.defined_names["Ranks"] = DefinedName("Ranks", attr_text="Partners!$C$2:$C$39")
    return save(wb, path)


def snapshot_of_cells(path: Path) -> dict:
    wb = openpyxl.load_workbook(path, rich_text=True)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                value = str(c.value) if isinstance(c.value, CellRichText) else c.value
                rich = repr(c.value) if isinstance(c.value, CellRichText) else None
                out[(ws.title, c.coordinate)] = (
                    value,
                    rich,
                    c.data_type,
                    repr(c.font),
                    repr(c.fill),
                    repr(c.border),
                    c.number_format,
                    repr(c.alignment),
                    repr(c.protection),
                    c.comment.text if c.comment else None,
                    c.hyperlink.target if c.hyperlink else None,
                )
    return out


def sheet_settings(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    ws = wb["Partners"]
    return {
        "sheets": wb.sheetnames,
        "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
        "heights": {k: d.height for k, d in ws.row_dimensions.items() if d.height},
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "validation": [(v.type, v.formula1, str(v.sqref)) for v in ws.data_validations.dataValidation],
        "conditional": [(str(r.sqref), [x.formula for x in r.rules]) for r in ws.conditional_formatting],
        "tab_color": ws.sheet_properties.tabColor.rgb,
        "names": {n: d.attr_text for n, d in wb.defined_names.items()},
    }


def test_the_teams_cells_and_formatting_survive_a_write(tmp_path):
    path = team_book(tmp_path / "book.xlsx")
    before, settings = snapshot_of_cells(path), sheet_settings(path)
    source = XlsxSource(path)
    touched = {("Partners", f"G{r}") for r in range(2, 40)}

    source.write(
        source.read(["Partners"]),
        Changes(
            cells=tuple(CellWrite("Partners", r, f"P-{r - 1}", 7, f"checked {r}") for r in range(2, 40)),
        ),
    )

    after = snapshot_of_cells(path)
    assert {k: v for k, v in after.items() if k not in touched} == {
        k: v for k, v in before.items() if k not in touched
    }
    assert sheet_settings(path) == settings
    assert after[("Partners", "G2")][0] == "checked 2"
    assert after[("Partners", "F3")][1] == before[("Partners", "F3")][1]  # rich text runs survive
    assert after[("Team stuff", "B1")][0] == "=SUM(Partners!E2:E39)"


def test_features_openpyxl_would_drop_survive_byte_for_byte(tmp_path):
    path = simple_book(tmp_path / "book.xlsx")
    data_validation_extension = (
        '<extLst><ext uri="{CCE6A557-97BC-4B89-ADB6-D9C93CAAB3DF}"/></extLst></worksheet>'
    )
    patch_xml(path, "xl/worksheets/sheet1.xml", {"</worksheet>": data_validation_extension})
    source = XlsxSource(path)
    source.write(source.read(["Partners"]), Changes(cells=(CellWrite("Partners", 2, "P-1", 2, "x"),)))
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.endswith(data_validation_extension)


def test_a_second_write_of_our_own_output_still_preserves_everything(tmp_path):
    path = team_book(tmp_path / "book.xlsx")
    source = XlsxSource(path)
    source.write(source.read(["Partners"]), Changes(cells=(CellWrite("Partners", 2, "P-1", 7, "one"),)))
    before, settings = snapshot_of_cells(path), sheet_settings(path)

    source.write(source.read(["Partners"]), Changes(cells=(CellWrite("Partners", 3, "P-2", 7, "two"),)))

    after = snapshot_of_cells(path)
    assert after.pop(("Partners", "G3"))[0] == "two"
    assert after == before and sheet_settings(path) == settings
