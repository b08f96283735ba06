"""Greetings that fit the person and the occasion: each holiday greets in its own words ("Happy New
Year, Anna!", in Russian too), a holiday without words of its own in neutral ones, the
config may word a holiday itself, every salutation uses the first name, and the built-in holiday
lists hold nothing that does not fit everyone. From the sheet's rows to the rendered email."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from sheets_sync.config import GreetingsConfig, parse_config
from sheets_sync.errors import ConfigError
from sheets_sync.mail.compose.render import Message, Renderer
from sheets_sync.model import Contact, MessageIntent, MessageKind, first_name_in
from sheets_sync.rules.planner import plan
from sheets_sync.sample.workspace import config_text
from sheets_sync.sheet.workbook import read_book
from sheets_sync.sources import Snapshot, Table

NEW_YEAR, CHRISTMAS_EVE = dt.date(2027, 1, 1), dt.date(2026, 12, 24)
NOW = dt.datetime(2027, 1, 1, 12, tzinfo=ZoneInfo("Europe/Berlin"))
CONTACTS = ["ID", "Partner", "Name", "First name", "Email", "Champion", "Language"]
SAMPLE_HOLIDAYS = {
    "New Year": {"date": "01-01", "ru": "Новый год"},
    "Christmas": {"date": "12-24", "ru": "Рождество"},
}


def greetings(
    *contacts: list[Any], today: dt.date = NEW_YEAR, language: str = "en", holidays: Any = None, **config: Any
) -> list[Message]:
    """The greetings a send-mode cycle on `today` emails to these Contacts rows (CONTACTS), rendered."""
    the_config = parse_config(
        {
            "source": {"path": "p.xlsx"},
            "language": language,
            "greetings": {"mode": "send", "holidays": SAMPLE_HOLIDAYS if holidays is None else holidays},
            "mail": {"from": "Northwind Partnerships <partners@northwind.example>"},
            **config,
        },
        Path("/t"),
    )
    snapshot = Snapshot(
        {
            name: Table(name, tuple(header), [list(r) for r in rows])
            for name, (header, rows) in {
                "Partners": (
                    ["ID", "Partner", "Manager"],
                    [["P-1", "Acme", "anna.schmidt@northwind.example"]],
                ),
                "Contacts": (CONTACTS, [[f"C-{i}", "Acme", *row] for i, row in enumerate(contacts, 1)]),
                "Activities": (["Date", "Partner", "Type"], [[today - dt.timedelta(days=3), "Acme", "call"]]),
                "News": (["Date", "Title"], []),
            }.items()
        },
        version=1,
    )
    book = read_book(snapshot, the_config).book
    renderer = Renderer(the_config)
    found = [m for m in plan(book, the_config, today).messages if m.kind == MessageKind.GREETING]
    return [renderer.render(m, NOW) for m in sorted(found, key=lambda m: m.key)]


_NUMBERS = itertools.count(1)


def champion(name: str, *, first: str = "", language: str = "", email: str = "") -> list[Any]:
    address = email or f"champion{next(_NUMBERS)}@acme.example"
    return [name, first, address, "yes", language]


def opening(message: Message) -> tuple[str, str, str]:
    """The Subject, the text part's first line and the HTML's big greeting."""
    hero = re.search(r'font-size:28px;[^"]*">([^<]*)</div>', message.html)
    assert hero is not None
    return message.subject, message.text.splitlines()[0], html.unescape(hero[1])


# --- each holiday in its own words ---------------------------------------------------------------


@pytest.mark.parametrize(
    "today, language, name, greeting",
    [
        (NEW_YEAR, "en", "Anna Berg", "Happy New Year, Anna!"),
        (NEW_YEAR, "ru", "Артём Орлов", "С Новым годом, Артём!"),
        (CHRISTMAS_EVE, "en", "Anna Berg", "Merry Christmas, Anna!"),
        (CHRISTMAS_EVE, "ru", "Артём Орлов", "С Рождеством, Артём!"),
    ],
)
def test_new_year_and_christmas_greet_in_their_own_words(today, language, name, greeting):
    (message,) = greetings(champion(name, language=language), today=today)
    assert opening(message) == (greeting, greeting, greeting)
    assert "с праздником" not in message.subject.lower() and "Happy New Year!" not in message.text
    holiday = {"en": ("New Year", "Christmas"), "ru": ("Новый год", "Рождество")}[language][today.month == 12]
    assert holiday in message.text  # the wishes name the holiday in the contact's language


@pytest.mark.parametrize(
    "configured, language, greeting",
    [
        (
            {"Новый год": {"date": "01-01", "en": "New Year"}},
            "ru",
            "С Новым годом, Артём!",
        ),  # the Russian sample
        ({"Новый год": {"date": "01-01", "en": "New Year"}}, "en", "Happy New Year, Артём!"),
        ({"New Year's Day": "01-01"}, "en", "Happy New Year, Артём!"),
        ({"New Year's Day": "01-01"}, "ru", "С Новым годом, Артём!"),
    ],
)
def test_new_year_is_known_by_any_of_its_names(configured, language, greeting):
    (message,) = greetings(champion("Артём Орлов", language=language), holidays=configured)
    assert message.subject == greeting


@pytest.mark.parametrize(
    "language, greeting",
    [("en", "Warm wishes for Founders' Day, Anna!"), ("ru", "С праздником, Anna!")],
)
def test_a_holiday_without_words_of_its_own_greets_neutrally(language, greeting):
    holidays = {"Founders' Day": {"date": "01-01", "ru": "День основателей"}}
    (message,) = greetings(champion("Anna Berg", language=language), holidays=holidays)
    assert opening(message) == (greeting, greeting, greeting)
    assert not message.subject.startswith(("Happy Founders", "День основателей:"))
    assert ("Founders' Day" if language == "en" else "День основателей") in message.text


# --- a holiday worded in the config ---------------------------------------------------------------


OWN_WORDS = [
    {
        "name": "Diwali",
        "date": "01-01",
        "ru": "Дивали",
        "subject": {"en": "Happy Diwali, {name}!", "ru": "С Дивали, {name}!"},
        "line": {"en": "Wishing you a bright Diwali, {name}!", "ru": "Светлого Дивали, {name}!"},
    }
]


@pytest.mark.parametrize(
    "language, subject, line",
    [
        ("en", "Happy Diwali, Anna!", "Wishing you a bright Diwali, Anna!"),
        ("ru", "С Дивали, Anna!", "Светлого Дивали, Anna!"),
        ("ru-RU", "С Дивали, Anna!", "Светлого Дивали, Anna!"),
    ],
)
def test_a_holiday_may_carry_its_own_subject_and_line_per_language(language, subject, line):
    (message,) = greetings(champion("Anna Berg", language=language), holidays=OWN_WORDS)
    assert opening(message) == (subject, line, line)


def test_a_holiday_s_own_words_may_be_one_text_for_every_language_and_fill_in_its_name():
    holidays = {"New Year": {"date": "01-01", "ru": "Новый год", "line": "{holiday}: all the best, {name}!"}}
    en, ru = greetings(champion("Anna Berg"), champion("Artem Orlov", language="ru"), holidays=holidays)
    assert opening(en) == ("New Year: all the best, Anna!",) * 3  # only a line: the Subject is it too
    assert opening(ru) == ("Новый год: all the best, Artem!",) * 3


def test_without_a_first_name_the_name_is_left_out_with_its_comma():
    (message,) = greetings(champion("", email="info@acme.example"), holidays=OWN_WORDS)
    assert opening(message) == (
        "Happy Diwali!",
        "Wishing you a bright Diwali!",
        "Wishing you a bright Diwali!",
    )


def test_every_config_form_of_a_holiday_still_reads():
    config = parse_config(
        {
            "source": {"path": "p.xlsx"},
            "greetings": {
                "holidays": {
                    "Plain": "01-02",
                    "Dotted": "03.01",
                    "Named": {"date": "01-04", "RU": "Назван"},
                    "Worded": {"date": "01-05", "subject": "Hi {name}", "line": {"en": "Hello {name}"}},
                }
            },
        },
        Path("/t"),
    )
    plain, dotted, named, worded = config.greetings.holidays
    assert (plain.month, plain.day, dotted.month, dotted.day) == (1, 2, 1, 3)
    assert named.name_in("ru") == named.name_in("Russian") == "Назван" and named.words_in("ru") == ("", "")
    assert (
        worded.words_in("en") == ("Hi {name}", "Hello {name}") and worded.words_in("ru") == ("Hi {name}",) * 2
    )


@pytest.mark.parametrize(
    "words, message",
    [
        ({"line": "Happy {holidya}, {name}!"}, "greetings.holidays.X.line: {holidya} is not known"),
        ({"subject": {"en": ["Happy"]}}, "greetings.holidays.X.subject.en: expected text"),
        ({"subject": "  "}, "greetings.holidays.X.subject: empty"),
    ],
)
def test_a_holiday_s_own_words_are_checked_before_anything_runs(words, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config(
            {"source": {"path": "p.xlsx"}, "greetings": {"holidays": {"X": {"date": "01-01", **words}}}},
            Path("/t"),
        )


# --- salutations by the first name ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, first, greets",
    [
        ("Lena Vogel", "", "Lena"),  # the first word of Name
        ("Lena Vogel", "Lenchen", "Lenchen"),  # the First name column wins
        ("Орлов Артём", "  Артём  Сергеевич ", "Артём Сергеевич"),
        ("lena.vogel@acme.example", "", ""),  # an address is no name
        ("Lena <lena@acme.example>", "", "Lena"),
        ("", "", ""),
        ("  - ", "", ""),
    ],
)
def test_the_name_a_salutation_greets(name, first, greets):
    assert Contact(row=2, id="C-1", partner_row=2, name=name, first_name=first).salutation == greets
    if not first:
        assert first_name_in(name) == greets


@pytest.mark.parametrize(
    "name, first, en, ru",
    [
        ("Lena Vogel", "", "Happy New Year, Lena!", "С Новым годом, Lena!"),
        ("Vogel Lena", "Lena", "Happy New Year, Lena!", "С Новым годом, Lena!"),
        ("lena@acme.example", "", "Happy New Year!", "С Новым годом!"),
        ("", "", "Happy New Year!", "С Новым годом!"),
    ],
)
def test_greetings_greet_by_the_first_name(name, first, en, ru):
    email = "lena@acme.example"
    for language, greeting in (("en", en), ("ru", ru)):
        (message,) = greetings(champion(name, first=first, language=language, email=email))
        assert opening(message) == (greeting,) * 3
        assert "Vogel" not in message.text.splitlines()[0]


def test_the_to_header_keeps_the_full_name():
    (message,) = greetings(champion("Lena Vogel", first="Lenchen"))
    assert message.email["To"].addresses[0].display_name == "Lena Vogel"


def test_a_greeting_is_in_the_contact_s_language_else_the_config_s():
    en, default, ru = greetings(
        champion("Anna Berg", language="en"),
        champion("Ben Roth"),
        champion("Artem Orlov", language="Russian"),
        language="ru",
    )
    assert (en.subject, default.subject, ru.subject) == (
        "Happy New Year, Anna!",
        "С Новым годом, Ben!",
        "С Новым годом, Artem!",
    )


def test_a_birthday_greets_by_the_first_name_too():
    the_config = parse_config({"source": {"path": "p.xlsx"}, "greetings": {"mode": "send"}}, Path("/t"))
    snapshot = Snapshot(
        {
            "Partners": Table("Partners", ("Partner", "Manager"), [["Acme", "anna@northwind.example"]]),
            "Contacts": Table(
                "Contacts",
                ("Partner", "Name", "First name", "Email", "Champion", "Birthday", "Language"),
                [
                    ["Acme", "Lena Vogel", "", "lena@acme.example", "yes", "01.01", "en"],
                    ["Acme", "Орлов Артём", "Артём", "artem@acme.example", "yes", "01.01", "ru"],
                ],
            ),
            "Activities": Table("Activities", ("Date", "Partner", "Type"), []),
            "News": Table("News", ("Date", "Title"), []),
        },
        version=1,
    )
    intents = plan(read_book(snapshot, the_config).book, the_config, NEW_YEAR).messages
    got = sorted(opening(Renderer(the_config).render(m, NOW)) for m in intents)
    assert got == [("Happy birthday, Lena!",) * 3, ("С днём рождения, Артём!",) * 3]


# --- nothing that does not fit everyone -----------------------------------------------------------

GENDERED = re.compile(r"8\s*(march|марта)|23\s*(february|февраля)|women|men's|мужчин|женск|защитник", re.I)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_built_in_holiday_lists_hold_no_gendered_holiday(lang, tmp_path):
    assert GreetingsConfig().holidays == ()  # none by default
    holidays = parse_config(yaml.safe_load(config_text(lang)), tmp_path).greetings.holidays
    assert holidays, "init writes New Year"
    for holiday in holidays:
        assert (holiday.month, holiday.day) not in {(3, 8), (2, 23)}
        assert not any(GENDERED.search(n) for n in (holiday.name, *dict(holiday.names).values()))
    assert {(h.month, h.day) for h in holidays} <= {(1, 1), (12, 24), (12, 25), (1, 7)}


def test_a_team_may_still_configure_8_march_itself_and_gets_a_correct_line():
    holidays = {"8 Марта": "03-08"}
    (message,) = greetings(champion("Анна Берг", language="ru"), today=dt.date(2027, 3, 8), holidays=holidays)
    assert opening(message) == ("С праздником, Анна!",) * 3
    assert "8 Марта: с праздником" not in message.subject


def test_an_intent_without_the_new_values_gets_them_from_the_renderer():
    """A rule that gives only `contact` and `occasion` (as the follow-up and sales-kit rules give
    only names): the renderer derives the first name and the holiday's words."""
    config = parse_config({"source": {"path": "p.xlsx"}}, Path("/t"))
    bare = MessageIntent(
        MessageKind.GREETING,
        "greeting:C1:new-year:2027",
        to=("anna@acme.example",),
        language="ru",
        occasion="New Year 2027",
        context={
            "partner": "Acme",
            "contact": "Anna Berg",
            "occasion": "new-year",
            "holiday": "Новый год",
            "date": NEW_YEAR,
            "age": None,
            "manager": "",
        },
    )
    assert opening(Renderer(config).render(bare, NOW)) == ("С Новым годом, Anna!",) * 3
