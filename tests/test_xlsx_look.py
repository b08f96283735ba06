"""How the worker columns an .xlsx cycle creates look (sources/xlsx/look.py): bold headers on
their own fill with a note, the Touch status colours, widths from their content, the Partners tab
frozen; set once, never re-imposed over the team's restyling, the team's notes kept byte for byte.

The written workbooks are read back with openpyxl (as Excel would see them), their parts with
zipfile and lxml, and opened by LibreOffice (its flat ODS export shows what it understood).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from libreoffice import convert, require_soffice
from lxml import etree
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from sheets_sync.config import Config, load_config
from sheets_sync.model import TAB_SPECS, CellWrite, Changes, Tab
from sheets_sync.runtime.cycle import run_once
from sheets_sync.sheet.headers import worker_columns
from sheets_sync.sheet.look import (
    HEADER_FILL,
    NARROW_COLUMNS,
    Look,
    column_note,
    column_width,
    status_colours,
)
from sheets_sync.sources.xlsx import XlsxSource
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)
FIXTURES = Path(__file__).parent / "fixtures" / "xlsx"
EN_WORDS, RU_WORDS = ["overdue", "due", "soon", "sleeping"], ["просрочен", "пора", "скоро", "спит"]
# The team's language first, then the other one: a team that switches language keeps its colours.
STATUS_WORDS = {"en": EN_WORDS + RU_WORDS, "ru": RU_WORDS + EN_WORDS}


def noon(config: Config, day: dt.date = TODAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo(config.timezone))


def cycle(config: Config, day: dt.date = TODAY):
    source = XlsxSource(config.source.path, look=Look.from_config(config))
    return run_once(source, config, noon(config, day))


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def rewrite(path: Path, edits: dict[str, bytes]) -> None:
    """The workbook with some parts replaced, as another program would save it."""
    members = parts(path)
    members.update(edits)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def sheet_part(path: Path, tab: str) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(tab) + 1
    wb.close()
    return f"xl/worksheets/sheet{index}.xml"  # openpyxl's and this suite's workbooks number them so


def worker_headers(config: Config, tab: Tab) -> list[str]:
    return [config.column_name(tab, c.value) for c in worker_columns(tab, config)]


@pytest.fixture(scope="module", params=["en", "ru"])
def cycled(request, tmp_path_factory):
    """(language, config, the widths of the team's columns before) after the sample's first cycle."""
    folder = tmp_path_factory.mktemp(f"look-{request.param}")
    config = load_config(copy_sample(folder, request.param, TODAY))
    ws = openpyxl.load_workbook(config.source.path)[config.tab_name(Tab.PARTNERS)]
    before = {k: d.width for k, d in ws.column_dimensions.items()}
    report = cycle(config)
    assert report.written and not report.failure
    return request.param, config, before


# --- the first cycle on the sample ------------------------------------------------------------


def test_worker_headers_are_bold_on_their_fill_with_a_note(cycled):
    lang, config, _ = cycled
    wb = openpyxl.load_workbook(config.source.path)
    for tab in (Tab.PARTNERS, Tab.CONTACTS, Tab.ACTIVITIES):
        ws = wb[config.tab_name(tab)]
        ours = set(worker_headers(config, tab))
        for cell in ws[1]:
            if cell.value in ours:
                assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb == "FF" + HEADER_FILL
                assert cell.font.b, cell.coordinate
                assert cell.comment is not None and cell.comment.text == column_note(lang)
                assert cell.comment.author == "sheets-sync"
            else:  # the team's, and the ID and Follow-up columns the worker may add: theirs
                assert not cell.fill.fgColor.rgb.endswith(HEADER_FILL), cell.coordinate
                assert cell.comment is None, cell.coordinate
    assert column_note("ru") != column_note("en")


def test_touch_status_is_coloured_by_status(cycled):
    lang, config, _ = cycled
    ws = openpyxl.load_workbook(config.source.path)[config.tab_name(Tab.PARTNERS)]
    header = [c.value for c in ws[1]]
    letter = get_column_letter(header.index(config.column_name(Tab.PARTNERS, "Touch status")) + 1)
    ranges = list(ws.conditional_formatting)
    assert [str(r.sqref) for r in ranges] == [f"{letter}2:{letter}1048576"]
    rules = ranges[0].rules
    assert [r.formula for r in rules] == [[f'"{word}"'] for word in STATUS_WORDS[lang]]
    assert [w for w, _ in status_colours(lang)] == STATUS_WORDS[lang]
    for rule, (_, colour) in zip(rules, status_colours(lang), strict=True):
        assert (rule.type, rule.operator) == ("cellIs", "equal")
        assert rule.dxf.fill.bgColor.rgb == "FF" + colour.fill
        assert rule.dxf.font.color.rgb == "FF" + colour.font
    assert len({r.priority for r in rules}) == len(STATUS_WORDS[lang])
    # only the Partners tab's Touch status column is coloured
    for tab in (Tab.CONTACTS, Tab.ACTIVITIES):
        assert not list(
            openpyxl.load_workbook(config.source.path)[config.tab_name(tab)].conditional_formatting
        )


def _shown(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else f"{value:%Y-%m-%d %H:%M}"
    return "" if value is None else str(value)


def test_worker_columns_are_as_wide_as_their_content_and_team_widths_stay(cycled):
    _, config, before = cycled
    ws = openpyxl.load_workbook(config.source.path)[config.tab_name(Tab.PARTNERS)]
    header = [c.value for c in ws[1]]
    narrow = {config.column_name(Tab.PARTNERS, c.value) for c in NARROW_COLUMNS}
    for column, name in enumerate(header, start=1):
        letter = get_column_letter(column)
        if name not in worker_headers(config, Tab.PARTNERS):
            assert ws.column_dimensions[letter].width == before[letter], name
            continue
        values = [_shown(ws.cell(r, column).value) for r in range(2, ws.max_row + 1)]
        values = [max(v.splitlines(), key=len) for v in values if v]
        expected = column_width(name, values, narrow=name in narrow)
        assert ws.column_dimensions[letter].width == expected, name
    days_late = config.column_name(Tab.PARTNERS, "Days late")
    days = get_column_letter(header.index(days_late) + 1)
    # a bold header needs one character more than it has
    assert ws.column_dimensions[days].width == max(8, len(days_late) + 3)
    sync = get_column_letter(header.index(config.column_name(Tab.PARTNERS, "Next action")) + 1)
    assert 20 < ws.column_dimensions[sync].width <= 60


def test_the_samples_own_frozen_panes_are_kept(cycled):
    _, config, _ = cycled
    wb = openpyxl.load_workbook(config.source.path)
    assert wb[config.tab_name(Tab.PARTNERS)].freeze_panes == "C2"  # the sample's: header and Partner
    assert wb[config.tab_name(Tab.CONTACTS)].freeze_panes == "A2"


def test_a_second_cycle_the_same_day_changes_no_byte(cycled):
    _, config, _ = cycled
    data = config.source.path.read_bytes()
    report = cycle(config)
    assert not report.written and config.source.path.read_bytes() == data


# --- set once: the team's restyling stays -----------------------------------------------------


def test_the_teams_restyling_is_kept_next_cycle(tmp_path):
    config = load_config(copy_sample(tmp_path, "en", TODAY))
    cycle(config)
    path, tab = config.source.path, config.tab_name(Tab.PARTNERS)
    part = sheet_part(path, tab)
    ws = openpyxl.load_workbook(path)[tab]
    header = [c.value for c in ws[1]]
    status = header.index("Touch status") + 1
    letter = get_column_letter(status)
    team_style = re.search(rb'<c r="A1" s="(\d+)"', parts(path)[part]).group(1)
    xml = parts(path)[part]
    # the team gives the Touch status header their own header style, and widens the column
    xml = re.sub(rb'(<c r="%b1") s="\d+"' % letter.encode(), rb'\1 s="' + team_style + b'"', xml)
    xml = re.sub(rb'(<col min="%d" max="%d" width=")[\d.]+' % (status, status), rb"\g<1>33", xml)
    rewrite(path, {part: xml})
    before = openpyxl.load_workbook(path)[tab]
    assert before[f"{letter}1"].fill.fgColor.rgb != "FF" + HEADER_FILL

    report = cycle(config, TODAY + dt.timedelta(days=1))
    assert report.written and report.cells_written > 0

    after = openpyxl.load_workbook(path)[tab]
    assert after[f"{letter}1"].fill.fgColor.rgb == before[f"{letter}1"].fill.fgColor.rgb
    assert re.search(rb'<c r="%b1" s="%b"' % (letter.encode(), team_style), parts(path)[part])
    assert after.column_dimensions[letter].width == 33
    assert len(list(after.conditional_formatting)) == 1  # the colours are not added again
    comments = [c for c in parts(path) if "comments" in c and c.endswith(".xml")]
    created = sum(len(worker_columns(tab, config)) for tab in TAB_SPECS)  # the first cycle's notes, no more
    assert sum(parts(path)[c].count(b"<comment ") for c in comments) == created


# --- freezing a team's sheet --------------------------------------------------------------------


def team_book(path: Path, header: list[str], freeze_at: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(header)
    ws.append([f"v{i}" for i in range(len(header))])
    if freeze_at:
        ws.freeze_panes = freeze_at
    wb.save(path)
    return path


def write_worker_columns(path: Path, names: tuple[str, str] = ("Touch status", "Days late")) -> Path:
    """Two worker columns created on the Partners tab, a value in each, as a first cycle would."""
    source = XlsxSource(path, look=Look.from_config(Config()))
    snapshot = source.read(["Partners"])
    width = len(snapshot.tables["Partners"].header)
    changes = Changes(
        new_headers={"Partners": ((width + 1, names[0]), (width + 2, names[1]))},
        cells=(
            CellWrite("Partners", 2, None, width + 1, "overdue"),
            CellWrite("Partners", 2, None, width + 2, 4),
        ),
    )
    source.write(snapshot, changes)
    return path


@pytest.mark.parametrize(
    "header, frozen",
    [
        (["ID", "Partner", "Rank"], "C2"),  # the header row and the columns up to Partner
        (["Partner", "Rank"], "B2"),
        (["ID", "Rank", "Stage", "Manager", "Partner"], "A2"),  # Partner far right: the header row only
    ],
)
def test_the_partners_tab_is_frozen_when_it_has_no_pane(tmp_path, header, frozen):
    path = write_worker_columns(team_book(tmp_path / "team.xlsx", header))
    assert openpyxl.load_workbook(path)["Partners"].freeze_panes == frozen


def test_a_pane_of_the_teams_is_kept(tmp_path):
    path = write_worker_columns(team_book(tmp_path / "team.xlsx", ["ID", "Partner"], freeze_at="D5"))
    assert openpyxl.load_workbook(path)["Partners"].freeze_panes == "D5"


# --- the team's notes -------------------------------------------------------------------------


def _comment_elements(xml: bytes) -> list[bytes]:
    return re.findall(rb"<comment\b.*?</comment>", xml, re.S)


def notes_of(path: Path) -> dict[str, str]:
    ws = openpyxl.load_workbook(path)["Partners"]
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}


def team_with_notes(path: Path) -> Path:
    """A workbook whose Partners tab has a note of the team's (openpyxl's shape of the parts)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Partners"
    ws.append(["ID", "Partner", "Rank"])
    ws.append(["P-1", "Acme", "A"])
    ws["B2"].comment = Comment("Ask Anna first", "Anna")
    wb.save(path)
    return path


@pytest.mark.parametrize("made_by", ["LibreOffice", "openpyxl"])
def test_the_teams_notes_stay_byte_for_byte_and_the_workers_join_them(tmp_path, made_by):
    if made_by == "LibreOffice":
        path = tmp_path / "team.xlsx"
        shutil.copy(FIXTURES / "team.xlsx", path)  # a note on Partners B3, another on Contacts D2
    else:
        path = team_with_notes(tmp_path / "team.xlsx")
    before = parts(path)
    team_notes = notes_of(path)
    write_worker_columns(path, ("Last newsletter", "Sync note"))
    after = parts(path)

    changed = {name for name in after if before.get(name) != after[name]}
    comments = [n for n in before if re.search(r"comments?\d*\.xml$", n) and n in changed]
    vml = [n for n in before if n.endswith(".vml") and n in changed]
    assert len(comments) == 1 and len(vml) == 1  # the team's parts, grown: no second one
    for element in _comment_elements(before[comments[0]]):
        assert element in after[comments[0]]  # each of the team's notes, byte for byte
    authors = re.search(rb"<authors>.*</authors>", before[comments[0]]).group(0)
    assert authors[: -len(b"</authors>")] in after[comments[0]]  # the team's authors, then ours
    old_vml = before[vml[0]]
    assert after[vml[0]].startswith(old_vml[: old_vml.rindex(b"</xml>")])  # the team's shapes, as they were
    # every other part of the team's is untouched, but the sheet, styles and workbook a write edits
    for name in set(before) - changed:
        assert after[name] == before[name]
    notes = notes_of(path)
    assert {k: v for k, v in notes.items() if k in team_notes} == team_notes
    new = set(notes) - set(team_notes)
    assert len(new) == 2 and all(notes[ref] == column_note("en") for ref in new)
    ids = re.findall(rb'<v:shape\b[^>]*\sid="(_x0000_s\d+)"', after[vml[0]])
    assert len(ids) == len(set(ids))


def test_comments_without_a_drawing_get_no_note_but_the_rest_of_the_look(tmp_path):
    path = team_with_notes(tmp_path / "team.xlsx")
    members = parts(path)
    part = "xl/worksheets/sheet1.xml"
    rels = "xl/worksheets/_rels/sheet1.xml.rels"
    sheet = re.sub(rb"<legacyDrawing\b[^>]*/>", b"", members[part])
    rewrite(path, {part: sheet, rels: re.sub(rb"<Relationship [^>]*vmlDrawing[^>]*/>", b"", members[rels])})
    before = parts(path)
    write_worker_columns(path)
    after = parts(path)
    assert after["xl/comments/comment1.xml"] == before["xl/comments/comment1.xml"]
    assert b"legacyDrawing" not in after[part]
    ws = openpyxl.load_workbook(path)["Partners"]
    assert ws["D1"].comment is None and ws["D1"].fill.fgColor.rgb == "FF" + HEADER_FILL
    assert len(list(ws.conditional_formatting)) == 1


# --- what LibreOffice makes of it ---------------------------------------------------------------

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"


def _t(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def ods_header(path: Path, table: str) -> list[tuple[str, str, str]]:
    """Row 1 of a tab of a flat ODS: (text, note, background colour) of each cell."""
    root = etree.parse(str(path)).getroot()
    backgrounds = {}
    for style in root.iter(_t(STYLE, "style")):
        properties = style.find(_t(STYLE, "table-cell-properties"))
        if properties is not None:
            backgrounds[style.get(_t(STYLE, "name"))] = properties.get(_t(FO, "background-color"), "")
    sheet = next(t for t in root.iter(_t(TABLE, "table")) if t.get(_t(TABLE, "name")) == table)
    row = next(sheet.iter(_t(TABLE, "table-row")))
    out = []
    for cell in row:
        repeat = int(cell.get(_t(TABLE, "number-columns-repeated"), "1"))
        note = cell.find(_t(OFFICE, "annotation"))
        lines = note.iter(_t(TEXT, "p")) if note is not None else ()
        note_text = "\n".join("".join(p.itertext()) for p in lines)
        paragraphs = [p for p in cell if p.tag.endswith("}p")]
        text = "".join("".join(p.itertext()) for p in paragraphs)
        background = backgrounds.get(cell.get(_t(TABLE, "style-name")), "")
        out += [(text, note_text, background)] * min(repeat, 50)
    return out


def ods_conditions(path: Path, table: str) -> list[tuple[str, str]]:
    root = etree.parse(str(path)).getroot()
    sheet = next(t for t in root.iter(_t(TABLE, "table")) if t.get(_t(TABLE, "name")) == table)
    return [
        (f.get(_t(CALCEXT, "target-range-address")), c.get(_t(CALCEXT, "value")))
        for f in sheet.iter(_t(CALCEXT, "conditional-format"))
        for c in f.iter(_t(CALCEXT, "condition"))
    ]


def test_libreoffice_opens_them_and_shows_the_notes_and_colours(tmp_path):
    require_soffice()
    books = {}
    for lang in ("en", "ru"):
        config = load_config(copy_sample(tmp_path / lang, lang, TODAY))
        cycle(config)
        books[lang] = (shutil.copy(config.source.path, tmp_path / f"sample-{lang}.xlsx"), config)
    team = tmp_path / "team.xlsx"
    shutil.copy(FIXTURES / "team.xlsx", team)
    write_worker_columns(team, ("Last newsletter", "Sync note"))
    made = convert([b for b, _ in books.values()] + [team], "fods", tmp_path / "out")

    for lang, (book, config) in books.items():
        tab = config.tab_name(Tab.PARTNERS)
        header = ods_header(made[Path(book)], tab)
        ours = set(worker_headers(config, Tab.PARTNERS))
        for text, note, background in header:
            if text in ours:
                assert (note, background.lower()) == (column_note(lang), "#" + HEADER_FILL.lower()), text
            elif text:
                assert not note and background.lower() != "#" + HEADER_FILL.lower(), text
        status = [text for text, _, _ in header].index(config.column_name(Tab.PARTNERS, "Touch status"))
        letter = get_column_letter(status + 1)
        conditions = ods_conditions(made[Path(book)], tab)
        assert [v for _, v in conditions] == [f'="{w}"' for w in STATUS_WORDS[lang]]
        assert {r for r, _ in conditions} == {f"{tab}.{letter}2:{tab}.{letter}1048576"}

    header = ods_header(made[team], "Partners")
    notes = {text: note for text, note, _ in header if note}
    assert notes == {"Last newsletter": column_note("en"), "Sync note": column_note("en")}
    root = etree.parse(str(made[team])).getroot()
    team_notes = ["".join(a.itertext()) for a in root.iter(_t(OFFICE, "annotation"))]
    assert any("Ask Boris before changing the stage." in n for n in team_notes)


def test_dates_the_worker_writes_are_in_the_languages_format(cycled):
    lang, config, _ = cycled
    ws = openpyxl.load_workbook(config.source.path)[config.tab_name(Tab.PARTNERS)]
    header = [c.value for c in ws[1]]
    column = header.index(config.column_name(Tab.PARTNERS, "Next touch")) + 1
    cells = [ws.cell(row, column) for row in range(2, ws.max_row + 1)]
    assert {c.number_format for c in cells if c.value} == {"yyyy-mm-dd" if lang == "en" else "dd.mm.yyyy"}
