"""The package patcher, part by part, on hand-written XML: what it edits, what it refuses, what it keeps."""

import datetime as dt
import io
import math
import zipfile

import pytest
from lxml import etree

from sheets_sync.errors import SourceError
from sheets_sync.model import CellWrite, Changes
from sheets_sync.sources.xlsx.cell_values import MAX_TEXT, clean_text, encode, serial
from sheets_sync.sources.xlsx.package import Package
from sheets_sync.sources.xlsx.patch import patch
from sheets_sync.sources.xlsx.sheet_xml import PatchError, Worksheet

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def sheet(rows: str, *, head: str = "", tail: str = "", prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns} xmlns:r="{REL}">'
        f"{head}<{p}sheetData>{rows}</{p}sheetData>{tail}</{p}worksheet>"
    ).encode()


def package(
    sheet_xml: bytes,
    *,
    workbook_pr: str = "",
    extra: dict[str, bytes] | None = None,
    compression=zipfile.ZIP_DEFLATED,
) -> bytes:
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" '
            b'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" '
            b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}'
            '<sheets><sheet name="Partners" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/></Relationships>'
        ).encode(),
        "xl/styles.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz '
            'val="11"/></font></fonts>'
            '<fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders '
            'count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/></cellXfs></styleSheet>'
        ).encode(),
        "xl/worksheets/sheet1.xml": sheet_xml,
        **(extra or {}),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def cells_of(data: bytes, tab_part: str = "xl/worksheets/sheet1.xml") -> dict[str, etree._Element]:
    root = etree.fromstring(part(data, tab_part))
    return {c.get("r"): c for c in root.iter(f"{{{MAIN}}}c")}


def write(*cells: tuple[int, int, object], **kw) -> Changes:
    return Changes(cells=tuple(CellWrite("Partners", r, "", c, v) for r, c, v in cells), **kw)


BASIC = sheet(
    '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c><c r="B1" '
    't="inlineStr"><is><t>Note</t></is></c></row>'
    '<row r="2"><c r="A2"><v>1</v></c></row>'
    '<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f>A3*2</f><v>4</v></c></row>'
)


# --- the package ------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_untouched_members_are_copied_raw_and_in_order(compression):
    extra = {
        "xl/media/image1.png": b"\x89PNG" + bytes(range(256)) * 40,
        "xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" * 500,
    }
    data = package(BASIC, extra=extra, compression=compression)
    new = patch(data, write((2, 2, "hello"))).data
    old_zip, new_zip = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(new))
    assert [i.filename for i in new_zip.infolist()] == [i.filename for i in old_zip.infolist()]
    assert new_zip.testzip() is None
    for info in old_zip.infolist():
        if info.filename in ("xl/worksheets/sheet1.xml", "xl/workbook.xml"):
            continue
        assert new_zip.read(info.filename) == old_zip.read(info.filename)
        new_info = new_zip.getinfo(info.filename)
        raw = data[info.header_offset : info.header_offset + 30 + len(info.filename) + info.compress_size]
        assert new[new_info.header_offset : new_info.header_offset + len(raw)] == raw  # the very bytes


def test_nothing_to_change_returns_the_same_bytes():
    data = package(BASIC)
    assert patch(data, write((2, 1, 1))).data is data  # A2 already holds 1
    assert patch(data, write((3, 2, "over a formula"))).data is data


def test_a_new_part_is_added_at_the_end_and_reads_back():
    pkg = Package(package(BASIC))
    pkg.write("xl/new.xml", b"<x/>")
    new = zipfile.ZipFile(io.BytesIO(pkg.to_bytes()))
    assert new.namelist()[-1] == "xl/new.xml" and new.read("xl/new.xml") == b"<x/>"


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not really", b"hello world" * 100])
def test_a_broken_package_is_a_source_error(data):
    with pytest.raises(SourceError):
        patch(data, write((2, 2, "x")))


# --- cells --------------------------------------------------------------------------------------


def test_cells_are_written_in_column_order_and_rows_in_row_order():
    new = patch(package(BASIC), write((2, 3, "c"), (2, 2, "b"), (5, 1, 9), (4, 2, True))).data
    root = etree.fromstring(part(new, "xl/worksheets/sheet1.xml"))
    rows = [(r.get("r"), [c.get("r") for c in r]) for r in root.iter(f"{{{MAIN}}}row")]
    assert rows == [
        ("1", ["A1", "B1"]),
        ("2", ["A2", "B2", "C2"]),
        ("3", ["A3", "B3"]),
        ("4", ["B4"]),
        ("5", ["A5"]),
    ]
    cells = cells_of(new)
    assert cells["B4"].get("t") == "b" and cells["B4"].findtext(f"{{{MAIN}}}v") == "1"
    assert cells["C2"].get("t") == "inlineStr" and cells["C2"].findtext(f".//{{{MAIN}}}t") == "c"


def test_a_formula_cell_is_never_written_and_its_cached_value_stays():
    data = package(BASIC)
    assert patch(data, write((3, 2, "x"))).skipped == ["Partners!B3"]
    new = patch(data, write((3, 2, "x"), (2, 2, "y"))).data
    b3 = cells_of(new)["B3"]
    assert b3.findtext(f"{{{MAIN}}}f") == "A3*2" and b3.findtext(f"{{{MAIN}}}v") == "4"


def test_cells_an_array_formula_spills_into_are_never_written():
    xml = sheet(
        '<row r="1"><c r="A1"><f t="array" ref="A1:A3">SEQUENCE(3)</f><v>1</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c></row><row r="3"><c r="A3"><v>3</v></c></row>'
    )
    outcome = patch(package(xml), write((2, 1, "x"), (4, 1, "below")))
    assert outcome.skipped == ["Partners!A2"]
    cells = cells_of(outcome.data)
    assert cells["A2"].findtext(f"{{{MAIN}}}v") == "2" and cells["A4"].findtext(f".//{{{MAIN}}}t") == "below"


@pytest.mark.parametrize(
    "rows, tail, why",
    [
        (
            '<row r="1"><c r="A1"><v>1</v></c></row>',
            '<mergeCells count="1"><mergeCell ref="A2:C2"/></mergeCells>',
            "merged",
        ),
        (
            '<row r="1"><c r="A1"><v>1</v></c></row>',
            "<mergeCells count='1'><mergeCell ref = 'A2:C2'/></mergeCells>",
            "merged",
        ),
        ('<row r="2" s="x" customFormat="1"><c r="A2"/></row>', "", "style of row 2"),
        ('<row r="1"><!-- note --><c r="A1"><v>1</v></c></row>', "", "comments"),
        ('<row r="2"><c r="A2"/></row><row r="1"><c r="A1"/></row>', "", "out of order"),
        ('<row><c r="A1"/></row>', "", "without row numbers"),
        ('<row r="2"><c r="B2" vm="1"><v>0</v></c></row>', "", "picture"),
        (
            '<row r="2"><c r="A2"><v>1</v></c><junk/></row>',
            "",
            "other than cells",
        ),  # B2 to insert: row cut up
    ],
)
def test_what_the_patcher_does_not_understand_writes_nothing(rows, tail, why):
    with pytest.raises(PatchError, match=why):
        patch(package(sheet(rows, tail=tail)), write((2, 2, "x")))


def test_cells_rewritten_in_place_leave_the_rest_of_the_row_as_it_was():
    row = (
        '<row r="2" spans="1:3"><c r="A2" t="s"><v>0</v></c>\n '
        '<c r="B2" s="1"><v>5</v></c><c r="C2"><v>7</v></c></row>'
    )
    new = part(patch(package(sheet(row)), write((2, 2, 6), (2, 3, "x"))).data, "xl/worksheets/sheet1.xml")
    assert (
        b'<row r="2" spans="1:3"><c r="A2" t="s"><v>0</v></c>\n <c r="B2" s="2"><v>6</v></c>'  # s=1 is a date
        b'<c r="C2" t="inlineStr"><is><t xml:space="preserve">x</t></is></c></row>'
    ) in new


def test_self_closing_rows_cells_without_refs_and_row_extensions():
    xml = sheet(
        '<row r="1" spans="1:2"><c><v>1</v></c><c><v>2</v></c></row><row r="2"/>'
        '<row r="3"><c r="A3"><v>3</v></c><extLst><ext uri="{x}"/></extLst></row>'
    )
    new = patch(package(xml), write((1, 4, "d"), (1, 1, 10), (2, 2, "b"), (3, 2, "e"))).data
    root = etree.fromstring(part(new, "xl/worksheets/sheet1.xml"))
    row1, row2, row3 = root.iter(f"{{{MAIN}}}row")
    assert [c.get("r") for c in row1] == ["A1", "B1", "D1"] and row1.get("spans") == "1:4"
    assert [c.findtext(f"{{{MAIN}}}v") for c in row1][:2] == ["10", "2"]
    assert [c.get("r") for c in row2] == ["B2"]
    assert [etree.QName(c).localname for c in row3] == ["c", "c", "extLst"]


def test_a_prefixed_worksheet_is_written_in_its_prefix():
    xml = sheet('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c></x:row>', prefix="x")
    new = patch(package(xml), write((1, 2, "b"), (2, 1, 5))).data
    cells = cells_of(new)
    assert cells["B1"].findtext(f".//{{{MAIN}}}t") == "b" and cells["A2"].findtext(f"{{{MAIN}}}v") == "5"


def test_clearing_keeps_a_styled_cell_and_drops_a_plain_one():
    xml = sheet(
        '<row r="2"><c r="A2" s="1"><v>45000</v></c><c r="B2" t="inlineStr"><is><t>x</t></is></c></row>'
    )
    cells = cells_of(patch(package(xml), write((2, 1, None), (2, 2, None))).data)
    assert set(cells) == {"A2"} and cells["A2"].get("s") == "1" and len(cells["A2"]) == 0


def test_the_dimension_grows_to_cover_the_written_cells():
    xml = sheet('<row r="1"><c r="A1"><v>1</v></c></row>', head='<dimension ref="A1"/>')
    new = part(patch(package(xml), write((7, 3, "x"))).data, "xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:C7"/>' in new


def test_calc_on_load_is_asked_for_once_something_is_written():
    data = package(BASIC, workbook_pr="<workbookPr/><bookViews><workbookView/></bookViews>")
    book = etree.fromstring(part(patch(data, write((2, 2, "x"))).data, "xl/workbook.xml"))
    assert [etree.QName(c).localname for c in book] == ["workbookPr", "bookViews", "sheets", "calcPr"]
    assert book.find(f"{{{MAIN}}}calcPr").get("fullCalcOnLoad") == "1"


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, kind, payload",
    [
        ("=SUM(A1)", "text", b"=SUM(A1)"),
        ("a<b&c>", "text", b"a&lt;b&amp;c&gt;"),
        ("line\r\nnext", "text", b"line&#13;\nnext"),
        ("bell\x07\x00ok\ufffe", "text", b"bellok"),
        ("Order _x0041_", "text", b"Order _x005F_x0041_"),
        ("", "empty", b""),
        ("\x01", "empty", b""),
        (True, "bool", b"1"),
        (0, "number", b"0"),
        (-2.5, "number", b"-2.5"),
        (math.nan, "text", b"nan"),
        (dt.date(2026, 12, 1), "date", b"46357"),
        (dt.datetime(2026, 12, 1, 18), "datetime", b"46357.75"),
        (dt.time(6), "time", b"0.25"),
        (dt.date(1899, 1, 1), "text", b"1899-01-01"),
    ],
)
def test_values_are_encoded_as_cells_hold_them(value, kind, payload):
    encoded = encode(value)
    assert (encoded.kind, encoded.payload) == (kind, payload)


def test_dates_respect_the_1904_system():
    assert serial(dt.date(2026, 12, 1), True) == serial(dt.date(2026, 12, 1), False) - 1462
    data = package(BASIC, workbook_pr='<workbookPr date1904="1"/>')
    a2 = cells_of(patch(data, write((2, 2, dt.date(1904, 1, 2)))).data)["B2"]
    assert a2.findtext(f"{{{MAIN}}}v") == "1"


def test_text_is_capped_at_excels_limit_counting_astral_characters_twice():
    assert len(clean_text("x" * 40_000)) == MAX_TEXT
    capped = clean_text("😀" * 20_000)
    assert len(capped) == MAX_TEXT // 2 and len(capped.encode("utf-16-le")) // 2 <= MAX_TEXT


def test_a_date_gets_a_date_style_derived_from_its_cell_and_reused():
    xml = sheet('<row r="2"><c r="A2" s="1"><v>1</v></c><c r="B2"><v>1</v></c><c r="C2"><v>1</v></c></row>')
    data = package(xml)
    new = patch(
        data, write((2, 1, dt.date(2026, 1, 1)), (2, 2, dt.date(2026, 1, 2)), (2, 3, dt.date(2026, 1, 3)))
    ).data
    cells = cells_of(new)
    assert cells["A2"].get("s") == "1"  # already a date format: kept
    assert cells["B2"].get("s") == cells["C2"].get("s") == "2"
    styles = etree.fromstring(part(new, "xl/styles.xml"))
    assert styles.find(f"{{{MAIN}}}cellXfs").get("count") == "3"
    assert [f.get("formatCode") for f in styles.iter(f"{{{MAIN}}}numFmt")] == ["yyyy-mm-dd"]
    again = patch(new, write((2, 3, dt.date(2026, 2, 3)))).data
    assert part(again, "xl/styles.xml") == part(new, "xl/styles.xml")


def test_a_number_in_a_cell_styled_as_a_date_shows_as_a_number():
    xml = sheet('<row r="2"><c r="A2" s="1"><v>45000</v></c></row>')
    new = patch(package(xml), write((2, 1, 12))).data
    style = int(cells_of(new)["A2"].get("s"))
    xfs = etree.fromstring(part(new, "xl/styles.xml")).find(f"{{{MAIN}}}cellXfs")
    assert style == 2 and xfs[style].get("numFmtId") == "0"


def test_a_worksheet_in_another_encoding_is_refused():
    xml = sheet("").replace(b'encoding="UTF-8"', b'encoding="UTF-16"')
    with pytest.raises(PatchError, match="UTF-16"):
        Worksheet(xml, "Partners")


def test_a_skipped_formula_cell_leaves_even_the_dimension_alone():
    xml = sheet(
        '<row r="2"><c r="B2"><v>1</v></c></row><row r="3"><c r="C3"><f>B2</f><v>1</v></c></row>',
        head='<dimension ref="B2:C3"/>',
    )
    data = package(xml)
    assert patch(data, write((3, 3, "x"), (9, 5, None))).data is data


def test_the_archive_comment_is_kept():
    data = _with_comment(package(BASIC), b"made by the team's tool")
    new = patch(data, write((2, 2, "x"))).data
    assert zipfile.ZipFile(io.BytesIO(new)).comment == b"made by the team's tool"


def _with_comment(data: bytes, comment: bytes) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.comment = comment
    return out.getvalue()


EXCEL_BOOK = (
    f'<workbook xmlns="{MAIN}" xmlns:r="{REL}" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision"><fileVersion appName="xl"/>'
    '<workbookPr/><xr:revisionPtr documentId="x"/><bookViews><workbookView/></bookViews>'
    '<sheets><sheet name="Partners" sheetId="1" r:id="rId1"/></sheets>'
    '<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}"/></extLst></workbook>'
)


def test_new_workbook_elements_go_where_the_schema_puts_them_in_an_excel_file():
    data = package(BASIC, extra={})
    data = _replace_part(data, "xl/workbook.xml", EXCEL_BOOK.encode())
    new = patch(data, Changes(dashboard=("Dashboard", (("Partners dashboard", "as of"),)))).data
    book = etree.fromstring(part(new, "xl/workbook.xml"))
    order = [etree.QName(c).localname for c in book]
    assert order == [
        "fileVersion",
        "workbookPr",
        "revisionPtr",
        "bookViews",
        "sheets",
        "definedNames",
        "calcPr",
        "extLst",
    ]
    mark = book.find(f"{{{MAIN}}}definedNames")[0]
    assert (mark.get("name"), mark.get("localSheetId"), mark.get("hidden")) == (
        "SheetsSync.Dashboard",
        "1",
        "1",
    )


def test_a_mark_made_visible_by_another_program_is_hidden_again():
    data = patch(package(BASIC), Changes(dashboard=("Dashboard", (("Partners dashboard", "as of"),)))).data
    shown = part(data, "xl/workbook.xml").replace(b'hidden="1"', b'hidden="false"')
    data = _replace_part(data, "xl/workbook.xml", shown)
    new = patch(data, Changes(dashboard=("Dashboard", (("Partners dashboard", "as of"), ("x", 1))))).data
    assert b'localSheetId="1" hidden="1"' in part(new, "xl/workbook.xml")


def test_a_grown_filter_takes_its_hidden_name_along():
    xml = sheet(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row><row r="2"><c '
        'r="A2"><v>1</v></c></row>',
        tail='<autoFilter ref="A1:A2"/>',
    )
    book = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets><sheet name="Partners" sheetId="1" '
        'r:id="rId1"/></sheets>'
        '<definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" '
        'hidden="1">Partners!$A$1:$A$2'
        "</definedName></definedNames></workbook>"
    )
    data = _replace_part(package(xml), "xl/workbook.xml", book.encode())
    new = patch(
        data, Changes(new_headers={"Partners": ((2, "Sync note"),)}, appends={"Partners": ((3,),)})
    ).data
    assert b'<autoFilter ref="A1:B3"/>' in part(new, "xl/worksheets/sheet1.xml")
    assert b"'Partners'!$A$1:$B$3</definedName>" in part(new, "xl/workbook.xml")


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    pkg = Package(data)
    pkg.write(name, content)
    return pkg.to_bytes()
