"""Bounded inputs and named bad input (issue 9, SPEC 3 and 7): headers made from sheet text are cut
on a word, a problem is one line of `check`, two columns with one header and an unknown Type are
problems of their cells. How long a huge cell takes is bench/bench_bounds.py's to measure, not a test's."""

from __future__ import annotations

import datetime as dt
import email
import subprocess
import sys
from email import policy
from email.header import decode_header, make_header
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets_sync.config import Config, MailConfig, parse_config
from sheets_sync.errors import TemplateError
from sheets_sync.mail.compose.message import HEADER_TEXT_MAX, parse_address, shorten
from sheets_sync.mail.compose.render import Renderer
from sheets_sync.model import Activity, MessageIntent, MessageKind, Tab
from sheets_sync.rules.context import email_in
from sheets_sync.rules.planner import plan
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.summary import check_report, cycle_summary
from sheets_sync.sheet.cells import one_line, shown
from sheets_sync.sheet.workbook import read_book, tab_names
from sheets_sync.sources import Snapshot, Table
from sheets_sync.sources.xlsx import XlsxSource

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("Europe/Berlin"))
TODAY = NOW.date()
MANAGER = "anna.schmidt@northwind.example"
CONFIG = parse_config({"source": {"kind": "xlsx", "path": "p.xlsx"}}, Path("/t"))
# Words of several lengths, a comma and a line break: a page pasted into a cell.
PAGE = "Quarterly pipeline review with the reseller's sales team,\nagreed discounts and training " * 12_000


def renderer() -> Renderer:
    return Renderer(Config(mail=MailConfig(sender="Northwind Partnerships <partners@northwind.example>")))


def follow_up(**context) -> MessageIntent:
    values = {
        "partner": "Brightline Logistics",
        "type": "meeting",
        "date": dt.date(2026, 11, 24),
        "summary": "Quarterly review.",
        "agreements": "Joint webinar",
        "next_steps": "Send the agenda",
        "owner": MANAGER,
        "due": None,
        "contacts": ("Maria Lopez",),
        "addresses": ("maria@brightline.example",),
        "manager": MANAGER,
        "mode": "send",
        **context,
    }
    return MessageIntent(
        MessageKind.FOLLOW_UP,
        "follow-up:A12",
        to=("maria@brightline.example",),
        cc=(MANAGER,),
        reply_to=MANAGER,
        partner_row=5,
        activity_row=12,
        context=values,
    )


def greeting(contact: str) -> MessageIntent:
    values = {
        "partner": "Brightline",
        "contact": contact,
        "occasion": "birthday",
        "holiday": "",
        "date": TODAY,
        "age": None,
        "manager": MANAGER,
    }
    return MessageIntent(
        MessageKind.GREETING,
        "greeting:C7:birthday:2026",
        to=("maria@brightline.example",),
        reply_to=MANAGER,
        partner_row=5,
        contact_row=7,
        context=values,
    )


def display_name(message, name: str) -> tuple[str, str]:
    """(display name, address) of the header's one address, decoded as RFC 2047 says: the folding
    whitespace between two encoded words is ignored (the email package's parser keeps it)."""
    value = unfolded(message, name).strip()
    (address,) = email.message_from_bytes(bytes(message.email), policy=policy.default)[name].addresses
    phrase = value[: value.rindex(" <")]
    return str(make_header(decode_header(phrase))), address.addr_spec


def header_lines(message) -> list[str]:
    return bytes(message.email).split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")


def unfolded(message, name: str) -> str:
    """The header's value as one logical line, as it is on the wire (folds joined, not decoded)."""
    lines = header_lines(message)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name}:"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith((" ", "\t"))), len(lines))
    return "".join(lines[start:end])[len(name) + 1 :]  # a fold is CRLF before whitespace: drop the CRLF


# --- shorten: one line, on a word, with an ellipsis --------------------------------------------


def test_short_text_is_only_flattened():
    assert shorten("Brightline  Logistics\r\nGmbH") == "Brightline Logistics GmbH"


@pytest.mark.parametrize("limit", [20, 60, 200])
def test_long_text_is_cut_after_the_last_whole_word_that_fits(limit):
    text = "Partner news: " + PAGE
    got = shorten(text, limit)
    flat = " ".join(text.split())
    assert len(got) <= limit and got.endswith("\u2026")
    kept = got[:-1]
    assert flat.startswith(kept) and flat[len(kept)] in " ,:", got  # the next character ends a word
    assert "\n" not in got


def test_a_word_longer_than_the_limit_is_cut_inside_it():
    assert shorten("x" * 500, 10) == "x" * 9 + "\u2026"
    assert shorten("ab " + "y" * 500, 10) == "ab yyyyyy\u2026"  # dropping the word would leave too little


def test_russian_text_is_cut_on_a_word_too():
    text = "Новости для партнёров: новый партнёрский портал и обучение " * 10
    assert (
        shorten(text, 41) == "Новости для партнёров: новый партнёрский\u2026"
    )  # the word fits, then a space
    assert shorten(text, 40) == "Новости для партнёров: новый\u2026"  # it would not fit with the ellipsis


def test_shortening_needs_no_babel(tmp_path):
    """Cutting on a word is plain str work: it must not rely on Babel (or ICU), which the team's
    words (sheets_sync.i18n) use, being importable."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('babel', 'icu'):\n"
        "            raise ImportError(name + ' is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from sheets_sync.mail.compose.message import shorten\n"
        "print(shorten('Добро пожаловать в программу партнёров ' * 20, 30))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    assert out.stdout.strip() == "Добро пожаловать в программу\u2026"


# --- headers built from sheet text --------------------------------------------------------------


def test_a_huge_partner_name_gives_a_capped_subject_cut_on_a_word():
    message = renderer().render(follow_up(partner=PAGE), NOW)
    subject = message.subject
    assert len(subject) <= HEADER_TEXT_MAX and subject.endswith("\u2026")
    assert subject.startswith("Follow-up to our meeting on 24 November 2026 \u2014 Quarterly pipeline review")
    full = " ".join(f"Follow-up to our meeting on 24 November 2026 \u2014 {PAGE}".split())
    assert full[len(subject) - 1] in " ,"  # cut where a word ends
    got = email.message_from_bytes(bytes(message.email), policy=policy.default)
    assert got["Subject"] == subject
    assert len(bytes(message.email)) < 60_000  # the page is in the body once, not in every header


def test_the_subject_stays_one_header_line_whatever_the_cell_holds():
    evil = "Acme\r\nBcc: victim@evil.example\r\n\r\nbody " + "word " * 100_000
    message = renderer().render(follow_up(partner=evil), NOW)
    value = unfolded(message, "Subject")
    assert len(value) < 400  # folded pieces of an at most 200-character line
    assert not any(line.lower().startswith("bcc:") for line in header_lines(message))
    assert "\n" not in message.subject and "victim@evil.example" in message.subject


def test_a_huge_contact_name_gives_a_capped_display_name_in_to():
    message = renderer().render(greeting(contact="Maria " + PAGE), NOW)
    name, address = display_name(message, "To")
    assert address == "maria@brightline.example" and message.recipients == (address,)
    assert name == shorten("Maria " + PAGE) and len(name) <= HEADER_TEXT_MAX and name.endswith("\u2026")
    assert all(len(line) <= 78 for line in header_lines(message))
    assert len(message.subject) <= HEADER_TEXT_MAX
    assert len(message.text) < 5_000  # the greeting names the contact, shortened


@pytest.mark.parametrize(
    "name",
    [
        "Иванова, Мария Петровна — руководитель отдела партнёрских продаж",  # a comma in a long encoded name
        'Lopez, Maria "the boss" (Chief Executive Officer of Brightline Logistics)',
        "Ann " * 60,
        "🚀" * 120,
    ],
)
def test_a_long_display_name_reads_back_as_one_address_with_its_name(name):
    message = renderer().render(greeting(contact=name), NOW)
    assert display_name(message, "To") == (shorten(name), "maria@brightline.example")
    assert message.recipients == ("maria@brightline.example",)
    assert all(len(line) <= 78 for line in header_lines(message))


def test_display_names_in_from_cc_and_reply_to_are_capped():
    long_name = "Northwind " * 5_000
    address = parse_address(f'"{long_name}" <partners@northwind.example>')
    assert len(address.display_name) <= HEADER_TEXT_MAX and address.display_name.endswith("\u2026")
    assert address.addr_spec == "partners@northwind.example"


def test_an_address_longer_than_smtp_allows_is_refused_with_a_short_message():
    with pytest.raises(TemplateError) as caught:
        parse_address("a" * 1_000_000 + "@example.com")
    assert len(str(caught.value)) < 200 and "254" in str(caught.value)


def test_email_search_in_a_long_run_still_finds_the_leftmost_address():
    assert email_in("Anna <anna@x.example>, ben@y.example") == "anna@x.example"
    assert email_in("mailto:anna@x.example") == "mailto:anna@x.example"
    assert email_in("x" * 5_000 + "@") == "x" * 5_000 + "@"  # no address: the cell as it is


# --- check: one problem, one line ---------------------------------------------------------------


def snapshot(partners=None, activities=None) -> Snapshot:
    tables = {
        "Partners": partners or (["ID", "Partner", "Rank"], [["P-0001", "Acme", "A"]]),
        "Contacts": (["Partner", "Email"], []),
        "Activities": activities or (["Date", "Partner", "Type"], []),
        "News": (["Date", "Title"], []),
    }
    return Snapshot(
        {k: Table(k, tuple(h), [list(r) for r in rows]) for k, (h, rows) in tables.items()}, version=1
    )


def test_one_line_escapes_line_breaks_tabs_and_terminal_controls():
    assert one_line("a\r\nb\tc\x1b[31md\u2028e\u202ef") == "a\\r\\nb\\tc\\x1b[31md\\u2028e\\u202ef"
    assert one_line("plain text, C:\\temp") == "plain text, C:\\temp"


def test_a_quoted_cell_is_one_short_line():
    assert shown("Gold\r\n\r\nPlatinum") == '"Gold Platinum"'
    assert shown("Gold\r\n\r\nPlatinum", breaks=True) == '"Gold\\r\\n\\r\\nPlatinum"'
    assert shown("\n" * 1_000_000 + "x", breaks=True) == '"x"'  # a cell's own ends are trimmed
    assert shown("\x1b[2J" + "x" * 1_000_000) == '"\\x1b[2J' + "x" * 35 + '\u2026"'


def test_check_prints_each_problem_on_one_line_whatever_the_cells_hold():
    partners = (
        ["ID", "Partner", "Rank", "Stage", "Manager\n(email)"],
        [
            ["P-0001", "Acme", "Gold\r\nPlatinum", "sleepy\x1b[31m", "anna at\nacme"],
            ["P-0002", "Beta", "A", None, "x" * 1_000_000 + "@acme.example"],
        ],
    )
    activities = (["Date", "Partner", "Type"], [[TODAY, "Acme\r\nCorp", "meeting"]])
    config = parse_config(
        {
            "source": {"kind": "xlsx", "path": "p.xlsx"},
            "columns": {"Partners": {"Manager": "Manager\n(email)"}},
        },
        Path("/t"),
    )
    rb = read_book(snapshot(partners, activities), config)
    text = check_report(rb)
    lines = text.split("\n")
    assert len(lines) == 2 + 2 + len(rb.problems)  # the count, a blank line, the table's head and rule
    assert len(rb.problems) == 5
    assert "\x1b" not in text and "\r" not in text
    assert all(len(line) < 300 for line in lines)
    assert 'unknown rank "Gold\\r\\nPlatinum"' in text and '"sleepy\\x1b[31m"' in text
    assert 'unknown partner "Acme\\r\\nCorp"' in text and 'not an email address: "anna at\\nacme"' in text


def test_the_column_named_in_a_problem_is_one_short_line():
    huge_header = "Rank" + " " * 1_000_000  # matches Rank: whitespace around a header is ignored
    rb = read_book(snapshot((["ID", "Partner", huge_header], [["P-0001", "Acme", "Z"]])), CONFIG)
    (problem,) = rb.problems
    assert problem.column == "Rank" and rb.cell_ref(problem) == "Partners!C2"


# --- two columns with one header ------------------------------------------------------------------


def test_two_columns_with_the_same_header_are_a_problem_and_the_first_is_read():
    partners = (
        ["ID", "Partner", "Rank", "Stage", "Notes", " rank "],
        [["P-0001", "Acme", "A", None, None, "C"]],
    )
    rb = read_book(snapshot(partners), CONFIG)
    assert rb.book.partners[0].rank == "A"
    (problem,) = rb.problems
    assert rb.cell_ref(problem) == "Partners!F1"
    assert problem.message == 'two columns are headed "Rank" (C and F): the first one (C) is read'
    assert 'Partners!F1  rank    two columns are headed "Rank" (C and F)' in check_report(rb)


def test_three_columns_with_one_header_are_two_problems():
    partners = (["Partner", "Stage", "STAGE", "Stage"], [["Acme", "paused", "active", "churned"]])
    rb = read_book(snapshot(partners), CONFIG)
    assert [(rb.cell_ref(p), p.message) for p in rb.problems] == [
        ("Partners!C1", 'two columns are headed "Stage" (B and C): the first one (B) is read'),
        ("Partners!D1", 'two columns are headed "Stage" (B and D): the first one (B) is read'),
    ]


def test_columns_the_worker_ignores_may_share_a_header():
    partners = (["Partner", "Comment", "comment", "", ""], [["Acme", "a", "b", None, None]])
    assert read_book(snapshot(partners), CONFIG).problems == []


def test_a_renamed_column_is_compared_by_its_name_in_the_config():
    config = parse_config(
        {"source": {"kind": "xlsx", "path": "p.xlsx"}, "columns": {"Partners": {"Rank": "Tier"}}}, Path("/t")
    )
    rb = read_book(snapshot((["Partner", "Tier", "Rank", "tier"], [["Acme", "A", "B", "C"]])), config)
    assert [(rb.cell_ref(p), p.message) for p in rb.problems] == [
        ("Partners!D1", 'two columns are headed "Tier" (B and D): the first one (B) is read')
    ]


# --- an unknown Type ----------------------------------------------------------------------------------


def activities(*types: str) -> tuple[list[str], list[list]]:
    return ["Date", "Partner", "Type"], [[dt.date(2026, 11, 20), "Acme", t] for t in types]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("meting", 'unknown Type "meting": did you mean meeting? (not counted as a touch)'),
        ("Cal", 'unknown Type "Cal": did you mean call? (not counted as a touch)'),
        ("newsleter", 'unknown Type "newsleter": did you mean newsletter? (not counted as a touch)'),
        ("встерча", 'unknown Type "встерча": did you mean встреча? (not counted as a touch)'),
        (
            "lunch",
            'unknown Type "lunch" (call, email, event, meeting, message, visit, deal): not counted as a '
            "touch",
        ),
    ],
)
def test_an_unknown_type_is_a_problem_of_its_cell_naming_the_nearest_known_type(typed, message):
    rb = read_book(snapshot(activities=activities(typed)), CONFIG)
    (problem,) = rb.problems
    assert (rb.cell_ref(problem), problem.message) == ("Activities!C2", message)


def test_every_known_type_reads_without_a_problem():
    config = parse_config(
        {"source": {"kind": "xlsx", "path": "p.xlsx"}, "touch_types": ["meeting", "call", "demo"]}, Path("/t")
    )
    known = [
        "Meeting",
        " CALL ",
        "visit",
        "demo",
        "deal",
        "newsletter",
        "follow-up",
        "greeting",
        "sales kit",
        "встреча",
        "Сделка",
        "email",
        "event",
    ]
    # email and event are no touches for this team, but no typos either: they are left alone
    assert read_book(snapshot(activities=activities(*known)), config).problems == []
    (problem,) = read_book(snapshot(activities=activities("demoo")), config).problems
    assert problem.message == 'unknown Type "demoo": did you mean demo? (not counted as a touch)'


def test_a_huge_type_cell_is_quoted_short_and_given_no_guess():
    (problem,) = read_book(snapshot(activities=activities("meeting " * 100_000)), CONFIG).problems
    assert problem.message.startswith('unknown Type "meeting meeting') and len(problem.message) < 200
    assert "did you mean" not in problem.message


def test_an_unknown_type_is_still_no_touch():
    book = read_book(snapshot(activities=activities("meting")), CONFIG).book
    assert isinstance(book.activities[0], Activity) and book.activities[0].type == "meting"
    (state,) = plan(book, CONFIG, TODAY).partners
    assert state.last_touch is None


def write_tabs(path, tabs: dict[str, list[list]]) -> None:
    """A workbook of these tabs, each a list of rows (the header first)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in tabs.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)


def test_an_unknown_type_is_in_the_rows_sync_note_and_in_check(tmp_path):
    path = tmp_path / "partners.xlsx"
    write_tabs(
        path,
        {
            "Partners": [["ID", "Partner", "Rank", "Rank"], ["P-0001", "Acme", "A", "B"]],
            "Contacts": [["Partner", "Email"]],
            "Activities": [
                ["Date", "Partner", "Type", "Follow-up"],
                [dt.date(2026, 11, 25), "Acme", "meting", None],
                [dt.date(2026, 11, 24), "Acme", "call", "sent"],
            ],
            "News": [["Date", "Title"]],
        },
    )
    config = parse_config({"source": {"kind": "xlsx", "path": str(path)}}, tmp_path)
    report = run_once(XlsxSource(path), config, NOW)
    assert report.written
    ws = openpyxl.load_workbook(path)["Activities"]
    header = [c.value for c in ws[1]]
    notes = [ws.cell(r, header.index("Sync note") + 1).value for r in (2, 3)]
    assert notes == ['Type: unknown Type "meting": did you mean meeting? (not counted as a touch)', None]
    partners = openpyxl.load_workbook(path)["Partners"]
    p_header = [c.value for c in partners[1]]
    assert partners.cell(2, p_header.index("Last touch") + 1).value.date() == dt.date(2026, 11, 24)
    assert partners[1][3].value == "Rank"  # the second Rank column is left as the team wrote it
    assert "two columns" not in str(partners.cell(2, p_header.index("Sync note") + 1).value)

    text = check_report(read_book(XlsxSource(path).read(tab_names(config)), config))
    assert 'Activities!C2  Type    unknown Type "meting": did you mean meeting?' in text
    assert 'Partners!D1    Rank    two columns are headed "Rank" (C and D): the first one (C) is read' in text
    assert [p.tab for p in report.problems].count(Tab.PARTNERS) == 1


def test_the_cycle_summary_shows_a_huge_partner_name_in_one_short_cell(tmp_path):
    path = tmp_path / "partners.xlsx"
    name = "Westgate " + "Digital " * 4_000  # openpyxl keeps at most Excel's 32,767 characters
    write_tabs(
        path,
        {
            "Partners": [["ID", "Partner", "Rank", "Manager"], ["P-0001", name, "A", MANAGER]],
            "Contacts": [["Partner", "Email"]],
            "Activities": [
                ["Date", "Partner", "Type", "Agreements", "Follow-up"],
                [TODAY, "P-0001", "call", "Pilot", None],
            ],
            "News": [["Date", "Title"]],
        },
    )
    config = parse_config({"source": {"kind": "xlsx", "path": str(path)}}, tmp_path)
    report = run_once(XlsxSource(path), config, NOW, dry_run=True)
    assert [m.kind for m in report.plan.messages] == [MessageKind.FOLLOW_UP]
    text = cycle_summary(report, config, dry_run=True)
    assert "Westgate Digital Digital" in text and max(len(line) for line in text.splitlines()) < 250
