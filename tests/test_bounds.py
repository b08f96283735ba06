"""Bounded inputs (issue 9, SPEC 7): headers made from sheet text are cut on a word. How long a
huge cell takes is bench/bench_bounds.py's to measure, not a test's."""

from __future__ import annotations

import datetime as dt
import email
import subprocess
import sys
from email import policy
from email.header import decode_header, make_header
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.config import Config, MailConfig
from sheets_sync.errors import TemplateError
from sheets_sync.message import HEADER_TEXT_MAX, parse_address, shorten
from sheets_sync.model import MessageIntent, MessageKind
from sheets_sync.render import Renderer

NOW = dt.datetime(2026, 11, 26, 12, tzinfo=ZoneInfo("Europe/Berlin"))
TODAY = NOW.date()
MANAGER = "anna.schmidt@northwind.example"
# Words of several lengths, a comma and a line break: a page pasted into a cell.
PAGE = "Quarterly pipeline review with the reseller's sales team,\nagreed discounts and training " * 12_000


def renderer() -> Renderer:
    return Renderer(Config(mail=MailConfig(sender="Northwind Partnerships <partners@northwind.example>")))


def follow_up(**context) -> MessageIntent:
    values = {"partner": "Brightline Logistics", "type": "meeting", "date": dt.date(2026, 11, 24),
              "summary": "Quarterly review.", "agreements": "Joint webinar", "next_steps": "Send the agenda",
              "owner": MANAGER, "due": None, "contacts": ("Maria Lopez",), "addresses": ("maria@brightline.example",),
              "manager": MANAGER, "mode": "send", **context}  # fmt: skip
    return MessageIntent(MessageKind.FOLLOW_UP, "follow-up:A12", to=("maria@brightline.example",), cc=(MANAGER,),
                         reply_to=MANAGER, partner_row=5, activity_row=12, context=values)  # fmt: skip


def greeting(contact: str) -> MessageIntent:
    values = {"partner": "Brightline", "contact": contact, "occasion": "birthday", "holiday": "", "date": TODAY,
              "age": None, "manager": MANAGER}  # fmt: skip
    return MessageIntent(MessageKind.GREETING, "greeting:C7:birthday:2026", to=("maria@brightline.example",),
                         reply_to=MANAGER, partner_row=5, contact_row=7, context=values)  # fmt: skip


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
    assert shorten(text, 41) == "Новости для партнёров: новый партнёрский\u2026"  # the word fits, then a space
    assert shorten(text, 40) == "Новости для партнёров: новый\u2026"  # it would not fit with the ellipsis


def test_shortening_needs_no_babel(tmp_path):
    """Cutting on a word is plain str work: it must not rely on Babel (or ICU) being installed."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('babel', 'icu'):\n"
        "            raise ImportError(name + ' is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from sheets_sync.message import shorten\n"
        "import sheets_sync.render\n"
        "print(shorten('Добро пожаловать в программу партнёров ' * 20, 30))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})  # fmt: skip
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


@pytest.mark.parametrize("name", [
    "Иванова, Мария Петровна — руководитель отдела партнёрских продаж",  # a comma in a long encoded name
    'Lopez, Maria "the boss" (Chief Executive Officer of Brightline Logistics)',
    "Ann " * 60,
    "🚀" * 120,
])  # fmt: skip
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
