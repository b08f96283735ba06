"""The byte edits of a worksheet's layout the xlsx look makes (sources/xlsx/sheet_layout.py): new
elements where CT_Worksheet's order puts them, column widths, a frozen pane; and a write without a
look, whose new headers look like the team's last one; a worker header that follows a dark one."""

from __future__ import annotations

import io

import openpyxl
from lxml import etree
from openpyxl.styles import Font, PatternFill

from sheets_sync.config import Config
from sheets_sync.model import CellWrite, Changes
from sheets_sync.sheet.look import HEADER_FILL, Look, column_note
from sheets_sync.sources.xlsx import XlsxSource
from sheets_sync.sources.xlsx.patch import patch
from sheets_sync.sources.xlsx.sheet_layout import freeze, insert_child, set_width
from tests.test_xlsx_look import team_book, write_worker_columns
from tests.test_xlsx_patch import package, part, sheet

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

NS = {b"": MAIN.encode(), b"r": b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def test_new_elements_go_where_the_schema_puts_them():
    tail = (
        b'</sheetData><mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells>'
        b'<dataValidations count="1"><dataValidation sqref="C2" prompt="a &gt; b"><formula1>1</formula1>'
        b'</dataValidation></dataValidations><pageMargins left="1" right="1" top="1" bottom="1" header="0" '
        b'footer="0"/><drawing r:id="rId1"/><legacyDrawingHF r:id="rId2"/><tableParts count="0"/></worksheet>'
    )
    cf = b'<conditionalFormatting sqref="Q2"><cfRule type="cellIs" priority="1"/></conditionalFormatting>'
    grown = insert_child(tail, b"", "conditionalFormatting", cf, NS)
    assert grown == tail.replace(b"<dataValidations", cf + b"<dataValidations")
    legacy = b'<legacyDrawing r:id="rId3"/>'
    assert insert_child(tail, b"", "legacyDrawing", legacy, NS) == tail.replace(
        b"<legacyDrawingHF", legacy + b"<legacyDrawingHF"
    )
    bare = b"</sheetData></worksheet>"
    assert insert_child(bare, b"", "legacyDrawing", legacy, NS) == b"</sheetData>" + legacy + b"</worksheet>"
    assert insert_child(b"</sheetData><!-- x --></worksheet>", b"", "legacyDrawing", legacy, NS) is None


def test_a_width_splits_a_default_range_and_keeps_a_custom_one():
    head = (
        b'<worksheet><cols><col min="2" max="2" width="24" customWidth="1"/>'
        b'<col min="5" max="1024" width="11.5" style="3"/></cols><sheetData>'
    )
    grown = set_width(head, b"", 7, 14)
    assert grown == head.replace(
        b'<col min="5" max="1024" width="11.5" style="3"/>',
        b'<col min="5" max="6" width="11.5" style="3"/>'
        b'<col min="7" max="7" width="14" style="3" customWidth="1"/>'
        b'<col min="8" max="1024" width="11.5" style="3"/>',
    )
    assert set_width(head, b"", 2, 14) is None  # the team's own width
    entry = b'<col min="3" max="3" width="9" customWidth="1"/>'
    assert set_width(head, b"", 3, 9) == head.replace(b'<col min="5"', entry + b'<col min="5"')
    plain = b"<worksheet><sheetFormatPr/><sheetData>"
    cols = b'<cols><col min="1" max="1" width="8" customWidth="1"/></cols>'
    assert set_width(plain, b"", 1, 8) == plain.replace(b"<sheetData>", cols + b"<sheetData>")


def test_freezing_fills_the_one_view_without_a_pane():
    view = b'<worksheet><sheetViews><sheetView workbookViewId="0"/></sheetViews><sheetFormatPr/><sheetData>'
    pane = b'<pane xSplit="2" ySplit="1" topLeftCell="C2" activePane="bottomRight" state="frozen"/>'
    assert freeze(view, b"", 1, 2, "C2") == view.replace(
        b'<sheetView workbookViewId="0"/>', b'<sheetView workbookViewId="0">' + pane + b"</sheetView>"
    )
    none = b"<worksheet><dimension ref='A1'/><sheetFormatPr/><sheetData>"
    row_only = b'<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    views = b'<sheetViews><sheetView workbookViewId="0">' + row_only + b"</sheetView></sheetViews>"
    assert freeze(none, b"", 1, 0, "A2") == none.replace(b"<sheetFormatPr/>", views + b"<sheetFormatPr/>")
    split_pane = b'workbookViewId="0"><pane xSplit="900" topLeftCell="B1"/></sheetView>'
    split = view.replace(b'workbookViewId="0"/>', split_pane)
    assert freeze(split, b"", 1, 2, "C2") is None
    two = view.replace(b"</sheetViews>", b'<sheetView workbookViewId="1"/></sheetViews>')
    assert freeze(two, b"", 1, 2, "C2") is None


def test_without_a_look_new_headers_look_like_the_teams_last_one(tmp_path):
    path = team_book(tmp_path / "team.xlsx", ["ID", "Partner"])
    source = XlsxSource(path)
    snapshot = source.read(["Partners"])
    source.write(snapshot, Changes(new_headers={"Partners": ((3, "Touch status"),)}))
    ws = openpyxl.load_workbook(path)["Partners"]
    assert ws["C1"].comment is None and not ws["C1"].fill.fgColor.rgb.endswith(HEADER_FILL)
    assert ws.freeze_panes is None and not list(ws.conditional_formatting)


def test_no_pane_cuts_through_merged_cells(tmp_path):
    path = team_book(tmp_path / "team.xlsx", ["ID", "Partner", "Rank"])
    wb = openpyxl.load_workbook(path)
    wb["Partners"].merge_cells("B2:C2")  # across the Partner column's right edge
    wb.save(path)
    assert openpyxl.load_workbook(write_worker_columns(path))["Partners"].freeze_panes == "A2"


def test_a_worker_header_after_a_dark_team_header_is_not_white(tmp_path):
    path = team_book(tmp_path / "team.xlsx", ["ID", "Partner"])
    wb = openpyxl.load_workbook(path)
    for cell in wb["Partners"][1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F3864")
    wb.save(path)
    ws = openpyxl.load_workbook(write_worker_columns(path))["Partners"]
    assert ws["C1"].font.b and ws["C1"].fill.fgColor.rgb == "FF" + HEADER_FILL
    assert ws["C1"].font.color is None or ws["C1"].font.color.rgb != "00FFFFFF"
    assert ws["B1"].font.color.rgb == "00FFFFFF"  # the team's own header, as it was


def test_a_prefixed_worksheet_gets_its_look_in_its_prefix():
    xml = sheet(
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Partner</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>Acme</x:t></x:is></x:c></x:row>',
        head='<x:sheetViews><x:sheetView workbookViewId="0"/></x:sheetViews>',
        tail='<x:pageMargins left="1" right="1" top="1" bottom="1" header="0" footer="0"/>',
        prefix="x",
    )
    changes = Changes(
        new_headers={"Partners": ((2, "Touch status"),)},
        cells=(CellWrite("Partners", 2, None, 2, "due"),),
    )
    new = patch(package(xml), changes, Look.from_config(Config()), {"Partners": ("Partner",)}).data
    written = part(new, "xl/worksheets/sheet1.xml")
    root = etree.fromstring(written)  # well-formed, every element in SpreadsheetML's namespace
    names = [etree.QName(child).localname for child in root]
    assert names == [
        "sheetViews",
        "cols",
        "sheetData",
        "conditionalFormatting",
        "pageMargins",
        "legacyDrawing",
    ]
    assert all(etree.QName(e).namespace == MAIN for e in root.iter() if isinstance(e.tag, str))
    assert b'<x:pane xSplit="1" ySplit="1" topLeftCell="B2"' in written
    ws = openpyxl.load_workbook(io.BytesIO(new))["Partners"]
    assert ws["B1"].comment.text == column_note("en") and ws["B1"].fill.fgColor.rgb == "FF" + HEADER_FILL
    assert ws.freeze_panes == "B2"
