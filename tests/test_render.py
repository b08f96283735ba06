"""Rendering: intents into multipart emails with deterministic, injection-proof headers."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import hashlib
import re
from email import policy
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sheets_sync.config import Config, GreetingsConfig, MailConfig, OnboardingConfig, load_config
from sheets_sync.errors import ConfigError, SheetsSyncError
from sheets_sync.mail.compose.message import message_id_for
from sheets_sync.mail.compose.render import Message, Renderer, TemplateError, template_name
from sheets_sync.mail.compose.templating import BUILTIN_DIR
from sheets_sync.model import Digest, DigestItem, DigestSection, MessageIntent, MessageKind
from sheets_sync.rules.planner import plan
from sheets_sync.sheet.workbook import read_book, tab_names
from sheets_sync.sources.xlsx import XlsxSource
from tests.samples import copy_sample

NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
TODAY = NOW.date()
MANAGER = "anna.schmidt@northwind.example"
SENDER = "Northwind Partnerships <partners@northwind.example>"
KIT_URL = "https://northwind.example/partners/kit"
UNSUBSCRIBE_URL = "https://northwind.example/unsubscribe"
ROW_URL = "https://docs.google.com/spreadsheets/d/KEY/edit#gid=0&range=A{}"


def make_config(**mail) -> Config:
    mail.setdefault("sender", SENDER)
    mail.setdefault("unsubscribe_url", UNSUBSCRIBE_URL)
    return Config(mail=MailConfig(**mail), onboarding=OnboardingConfig(sales_kit_url=KIT_URL))


def renderer(config: Config | None = None) -> Renderer:
    return Renderer(config or make_config(), row_link=lambda tab, row: ROW_URL.format(row))


def follow_up(language: str = "en", *, mode: str = "send", **context) -> MessageIntent:
    values = {
        "partner": "Brightline Logistics",
        "type": "meeting",
        "date": dt.date(2026, 11, 24),
        "summary": "Quarterly review of the joint pipeline.",
        "agreements": "Joint webinar in January\nWe train 10 more of their sales reps",
        "next_steps": "Send the draft webinar agenda",
        "owner": "Anna Schmidt <anna.schmidt@northwind.example>",
        "due": dt.date(2026, 12, 1),
        "contacts": ("Maria Lopez",),
        "addresses": ("maria@brightline.example",),
        "manager": MANAGER,
        "mode": mode,
    }
    values.update(context)
    to = (MANAGER,) if mode == "draft" else ("maria@brightline.example",)
    cc = () if mode == "draft" else (MANAGER,)
    return MessageIntent(
        MessageKind.FOLLOW_UP,
        "follow-up:A12",
        to=to,
        cc=cc,
        reply_to=MANAGER,
        language=language,
        partner_row=5,
        activity_row=12,
        occasion="2026-11-24",
        context=values,
    )


NEWS = (
    {
        "title": "Partner portal is live",
        "body": "Deal registration in one place.",
        "category": "product",
        "link": "https://northwind.example/portal",
        "date": dt.date(2026, 11, 20),
    },
    {
        "title": "Salesforce integration in Q1",
        "body": "Two-way sync.",
        "category": "roadmap",
        "link": "",
        "date": dt.date(2026, 11, 12),
    },
)


def newsletter(language: str = "en", **context) -> MessageIntent:
    values = {"partner": "Brightline Logistics", "contact": "Maria Lopez", "news": NEWS, "manager": MANAGER}
    values.update(context)
    return MessageIntent(
        MessageKind.NEWSLETTER,
        "newsletter:C7:2026-11-26",
        to=("maria@brightline.example",),
        reply_to=MANAGER,
        language=language,
        partner_row=5,
        contact_row=7,
        occasion="2026-11-26",
        context=values,
    )


def greeting(language: str = "en", occasion: str = "birthday", **context) -> MessageIntent:
    holiday = "" if occasion == "birthday" else ("Новый год" if language == "ru" else "New Year")
    values = {
        "partner": "Brightline Logistics",
        "contact": "Maria Lopez",
        "occasion": occasion,
        "holiday": holiday,
        "date": TODAY,
        "age": None,
        "manager": MANAGER,
    }
    values.update(context)
    return MessageIntent(
        MessageKind.GREETING,
        f"greeting:C7:{occasion}:2026",
        to=("maria@brightline.example",),
        reply_to=MANAGER,
        language=language,
        partner_row=5,
        contact_row=7,
        occasion=f"{occasion} 2026",
        context=values,
    )


def sales_kit(language: str = "en", **context) -> MessageIntent:
    values = {
        "partner": "Brightline Logistics",
        "contacts": ("Maria Lopez", "James Carter"),
        "sales_kit_url": KIT_URL,
        "manager": MANAGER,
    }
    values.update(context)
    return MessageIntent(
        MessageKind.SALES_KIT,
        "sales-kit:P5",
        language=language,
        reply_to=MANAGER,
        to=("maria@brightline.example", "james@brightline.example"),
        partner_row=5,
        occasion="sales kit",
        context=values,
    )


def digest() -> Digest:
    S = DigestSection
    return Digest(
        MANAGER,
        (
            DigestItem(
                S.OVERDUE,
                5,
                "Brightline Logistics",
                "A",
                "Call (rank A, every 7 days) - 3 days late",
                dt.date(2026, 11, 23),
            ),
            DigestItem(
                S.FOLLOW_UPS,
                9,
                "Cobalt Retail",
                "B",
                "Forward the follow-up draft for the 2026-11-24 meeting",
                dt.date(2026, 11, 24),
            ),
            DigestItem(
                S.NEXT_STEPS,
                9,
                "Cobalt Retail",
                "B",
                "Send the pricing proposal (2 days overdue)",
                dt.date(2026, 11, 24),
            ),
            DigestItem(S.GOALS, 5, "Brightline Logistics", "A", "10 deals in 2026: 7 of 10 (70%)"),
        ),
    )


INTENTS = {
    "follow-up": follow_up,
    "newsletter": newsletter,
    "greeting-birthday": greeting,
    "greeting-holiday": lambda language="en", **kw: greeting(language, "new-year", **kw),
    "sales-kit": sales_kit,
}


def parsed(message: Message) -> email.message.EmailMessage:
    """The message as a receiving mail client sees it: its bytes, parsed with the stdlib policy."""
    return email.message_from_bytes(bytes(message.email), policy=policy.default)


def headers_of(message: Message) -> str:
    return bytes(message.email).split(b"\r\n\r\n", 1)[0].decode("ascii")


# --- every kind, every language --------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("name", sorted(INTENTS))
def test_each_kind_renders_with_its_headers(name, lang):
    intent = INTENTS[name](lang)
    message = renderer().render(intent, NOW)
    got = parsed(message)

    assert message.key == intent.key and message.kind == intent.kind
    expected_id = f"<{hashlib.sha256(intent.key.encode()).hexdigest()[:32]}@northwind.example>"
    assert message.message_id == expected_id == got["Message-ID"]
    assert got["X-Sheets-Sync-Kind"] == intent.kind.value
    assert got["From"].addresses[0].addr_spec == "partners@northwind.example"
    assert got["From"].addresses[0].display_name == "Northwind Partnerships"
    assert got["Reply-To"].addresses[0].addr_spec == MANAGER
    assert got["Date"] == format_datetime(NOW)
    assert [a.addr_spec for a in got["To"].addresses] == list(intent.to)
    assert message.recipients == tuple(a.lower() for a in intent.to + intent.cc)
    if intent.cc:
        assert [a.addr_spec for a in got["Cc"].addresses] == list(intent.cc)
    assert got.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in got.iter_parts()] == ["text/plain", "text/html"]
    assert got["Subject"] == message.subject and message.subject.strip()
    assert "Brightline" in message.subject + message.text and "Brightline" in message.html
    assert message.html.lstrip().startswith("<!DOCTYPE html>") and f'<html lang="{lang}"' in message.html
    assert "<style" not in message.html  # mail clients strip style blocks: everything is inline
    has_unsubscribe = intent.kind in (MessageKind.NEWSLETTER, MessageKind.GREETING)
    assert (got["List-Unsubscribe"] is not None) == has_unsubscribe
    assert (got["List-Unsubscribe-Post"] is not None) == has_unsubscribe
    if has_unsubscribe:
        assert "<mailto:partners@northwind.example?subject=unsubscribe>" in got["List-Unsubscribe"]
        one_click = "<https://northwind.example/unsubscribe?email=maria%40brightline.example>"
        assert one_click in got["List-Unsubscribe"]
        assert got["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "https://northwind.example/unsubscribe?email=maria%40brightline.example" in message.html


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_follow_up_carries_summary_agreements_and_next_steps(lang):
    message = renderer().render(follow_up(lang), NOW)
    for part in (message.text, message.html):
        assert "Quarterly review of the joint pipeline." in part
        assert "Joint webinar in January" in part and "We train 10 more of their sales reps" in part
        assert "Send the draft webinar agenda" in part
        assert "Anna Schmidt" in part  # the owner, by name
        assert ("1 December 2026" if lang == "en" else "1 декабря 2026") in part  # the due date
        assert ("Hello Maria," if lang == "en" else "Здравствуйте, Maria!") in part  # by the first name
    assert ("reply to this email" if lang == "en" else "ответьте на это письмо") in message.text
    assert ("24 November 2026" if lang == "en" else "24 ноября 2026") in message.subject


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_newsletter_lists_the_news_newest_first_with_links_and_badges(lang):
    message = renderer().render(newsletter(lang), NOW)
    for part in (message.text, message.html):
        assert part.index("Partner portal is live") < part.index("Salesforce integration in Q1")
        assert "Deal registration in one place." in part
        assert "https://northwind.example/portal" in part
    assert 'href="https://northwind.example/portal"' in message.html
    assert ("Product" if lang == "en" else "Продукт") in message.html
    assert ("Roadmap" if lang == "en" else "Планы") in message.html
    assert ("20 November 2026" if lang == "en" else "20 ноября 2026") in message.html
    assert ("Hello Maria," if lang == "en" else "Здравствуйте, Maria!") in message.html
    assert "Partner portal is live" in message.subject


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_first_newsletter_reads_as_a_first_issue(lang):
    first = renderer().render(newsletter(lang, first=True), NOW)
    later = renderer().render(newsletter(lang, first=False), NOW)
    since = "since our last update" if lang == "en" else "с нашего прошлого письма"
    welcome = "Welcome to our partner newsletter: our 2 latest updates" if lang == "en" else "первый выпуск"
    for part in (first.text, first.html):
        assert welcome in part and since not in part
    for part in (later.text, later.html):
        assert since in part and welcome not in part


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_digest_lists_sections_most_urgent_first_with_row_links(lang):
    message = renderer(dataclasses.replace(make_config(), language=lang)).render_digest(digest(), TODAY, NOW)
    got = parsed(message)
    assert message.kind == MessageKind.DIGEST
    assert message.key == f"digest:{MANAGER}:2026-11-26"
    assert message.message_id == message_id_for(message.key, SENDER)
    assert got["X-Sheets-Sync-Kind"] == "digest"
    assert message.recipients == (MANAGER,)
    assert got["List-Unsubscribe"] is None
    assert got["Reply-To"].addresses[0].addr_spec == MANAGER  # every message: Reply-To the manager
    assert "3" in message.subject  # three things to do: goal progress is information only
    for part in (message.text, message.html):
        overdue = part.index("Call (rank A, every 7 days) - 3 days late")
        follow = part.index("Forward the follow-up draft for the 2026-11-24 meeting")
        step = part.index("Send the pricing proposal")
        goal = part.index("7 of 10 (70%)")
        assert overdue < follow < step < goal
        assert "Cobalt Retail" in part and "Brightline Logistics" in part
    link = ROW_URL.format(9).replace("&", "&amp;")
    assert f'href="{link}"' in message.html  # the partner's name links to its row
    summary = "1 overdue touch" if lang == "en" else "1 просроченное касание"
    assert summary in message.text and summary in message.html


def test_digest_without_row_links_names_partners_plainly():
    message = Renderer(make_config()).render_digest(digest(), TODAY, NOW)  # xlsx: no row URLs
    assert "Cobalt Retail" in message.html and "docs.google.com" not in message.html


# --- headers ---------------------------------------------------------------------------------------


def test_message_id_is_the_key_hashed_at_the_senders_domain():
    key = "newsletter:C7:2026-11-26"
    digest_ = hashlib.sha256(key.encode()).hexdigest()[:32]
    assert message_id_for(key, "partners@northwind.example") == f"<{digest_}@northwind.example>"
    assert message_id_for(key, SENDER) == f"<{digest_}@northwind.example>"
    assert message_id_for("other", SENDER) != message_id_for(key, SENDER)


@pytest.mark.parametrize("url", ["", "http://northwind.example/unsubscribe", "not a url"])
def test_one_click_unsubscribe_needs_an_https_url(url):
    got = parsed(renderer(make_config(unsubscribe_url=url)).render(newsletter(), NOW))
    assert got["List-Unsubscribe"] == "<mailto:partners@northwind.example?subject=unsubscribe>"
    assert got["List-Unsubscribe-Post"] is None


def test_unsubscribe_url_with_a_query_gets_the_email_appended():
    config = make_config(unsubscribe_url="https://northwind.example/u?list=partners")
    got = parsed(renderer(config).render(greeting(), NOW))
    link = "<https://northwind.example/u?list=partners&email=maria%40brightline.example>"
    assert link in got["List-Unsubscribe"]


def test_header_injection_through_sheet_text_is_impossible():
    evil = "Acme\r\nBcc: victim@evil.example"
    intents = [
        newsletter(
            partner=evil,
            contact="Eve\r\nBcc: victim2@evil.example",
            news=({**NEWS[0], "title": "Hi\nBcc: victim3@evil.example"},),
        ),
        follow_up(partner=evil, type="meeting\r\nBcc: victim4@evil.example"),
        sales_kit(partner=evil),
        greeting(occasion="x-mas", holiday="X-Mas\r\nBcc: victim5@evil.example", contact=evil),
        greeting(first_name="Eve\r\nBcc: victim6@evil.example", contact=evil),
    ]
    for intent in intents:
        message = renderer().render(intent, NOW)
        raw = headers_of(message)
        assert not re.search(r"^(Bcc|Cc):.*evil", raw, flags=re.M | re.I), raw
        got = parsed(message)
        assert got["Bcc"] is None
        assert all("evil" not in r for r in message.recipients)
        assert "\n" not in message.subject and "\r" not in message.subject
        assert "Acme Bcc: victim@evil.example" in message.subject or "victim" in message.subject


def test_header_injection_through_an_address_cell_is_refused():
    intent = dataclasses.replace(newsletter(), to=("maria@brightline.example\r\nBcc: victim@evil.example",))
    with pytest.raises(TemplateError):
        renderer().render(intent, NOW)


def test_russian_names_and_subjects_are_encoded_and_read_back():
    intent = newsletter(
        "ru",
        partner="ООО «Вектор»",
        contact="Мария Иванова",
        news=({**NEWS[0], "title": "Новый партнёрский портал"},),
    )
    message = renderer().render(intent, NOW)
    raw = headers_of(message)  # decode("ascii") above: every header is 7-bit on the wire
    assert "=?utf-8?" in raw
    got = parsed(message)
    assert got["Subject"] == "Новости для партнёров: Новый партнёрский портал"
    assert got["To"].addresses[0].display_name == "Мария Иванова"
    assert "Здравствуйте, Мария!" in got.get_body(("plain",)).get_content()  # by the first name
    assert "ООО «Вектор»" in got.get_body(("html",)).get_content()


def test_long_subjects_are_folded_and_read_back_whole():
    title = "A very long title " * 8
    message = renderer().render(newsletter(news=({**NEWS[0], "title": title},)), NOW)
    assert all(len(line) <= 78 for line in headers_of(message).split("\r\n"))
    assert parsed(message)["Subject"] == "Partner news: " + " ".join(title.split())


def test_international_domains_are_punycoded_and_non_ascii_mailboxes_refused():
    message = renderer().render(dataclasses.replace(newsletter(), to=("maria@почта.рф",)), NOW)
    assert message.recipients == ("maria@xn--80a1acny.xn--p1ai",)
    with pytest.raises(TemplateError, match="non-ASCII"):
        renderer().render(dataclasses.replace(newsletter(), to=("мария@почта.рф",)), NOW)


@pytest.mark.parametrize("address", ["", "maria", "maria@localhost", "a b@x.example"])
def test_a_bad_recipient_address_is_a_template_error(address):
    with pytest.raises(TemplateError, match="email address"):
        renderer().render(dataclasses.replace(newsletter(), to=(address,)), NOW)


def test_recipients_are_to_and_cc_lower_cased():
    intent = dataclasses.replace(
        follow_up(), to=("Maria@Brightline.Example",), cc=("Anna Schmidt <ANNA@northwind.example>",)
    )
    message = renderer().render(intent, NOW)
    assert message.recipients == ("maria@brightline.example", "anna@northwind.example")


# --- escaping, strictness, determinism ------------------------------------------------------------


def test_html_escapes_sheet_text_and_the_text_part_keeps_it_literal():
    script = "<script>alert('x')</script> & <b>bold</b>"
    intent = follow_up(summary=script, agreements=script, next_steps=script, partner="A&B <Co>", mode="draft")
    message = renderer().render(intent, NOW)
    assert "<script>" not in message.html and "<b>bold</b>" not in message.html
    assert "&lt;script&gt;" in message.html and "A&amp;B &lt;Co&gt;" in message.html
    assert message.text.count(script) == 3 and "A&B <Co>" in message.text
    assert message.subject.endswith("A&B <Co>")


def test_links_from_the_sheet_must_be_web_links():
    bad = {**NEWS[0], "link": "javascript:alert(1)", "title": "Bad link"}
    message = renderer().render(newsletter(news=(bad,)), NOW)
    assert "javascript:" not in message.html and "javascript:" not in message.text
    assert "Bad link" in message.html


def test_a_missing_value_is_a_template_error_naming_it():
    intent = follow_up()
    del intent.context["agreements"]
    with pytest.raises(TemplateError) as caught:
        renderer().render(intent, NOW)
    assert '"agreements" is undefined' in str(caught.value)
    assert "follow-up" in str(caught.value) and "(en)" in str(caught.value)
    assert isinstance(caught.value, SheetsSyncError)


def test_a_sales_kit_link_that_is_not_a_web_address_stops_the_kit():
    with pytest.raises(TemplateError, match="onboarding.sales_kit_url"):
        renderer().render(sales_kit(sales_kit_url="www.northwind.example/kit"), NOW)


@pytest.mark.parametrize(
    "lang, offer, button",
    [
        ("en", "we will send you the materials", "Open the sales kit"),
        ("ru", "мы пришлём материалы", "Открыть набор для продаж"),
    ],
)
@pytest.mark.parametrize("url", ["", "   "])
def test_without_a_sales_kit_link_the_kit_offers_the_materials_by_reply(url, lang, offer, button):
    message = renderer().render(sales_kit(lang, sales_kit_url=url), NOW)
    assert offer in message.text and offer in message.html
    assert button not in message.html
    with_link = renderer().render(sales_kit(lang), NOW)
    assert button in with_link.html and KIT_URL in with_link.text and offer not in with_link.text


def test_output_is_deterministic():
    first = renderer().render(newsletter("ru"), NOW)
    again = renderer().render(newsletter("ru"), NOW)
    assert bytes(first.email) == bytes(again.email)
    assert first == again  # compares key and kind
    a = renderer().render_digest(digest(), TODAY, NOW)
    b = renderer().render_digest(digest(), TODAY, NOW)
    assert bytes(a.email) == bytes(b.email)


def test_date_header_uses_the_teams_local_time():
    local = dt.datetime(2026, 7, 1, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    got = parsed(renderer().render(greeting(), local))
    assert got["Date"].datetime == local and str(got["Date"]).endswith("+0300")


def test_bytes_are_crlf_and_7bit_on_the_wire():
    for intent in (newsletter("ru"), follow_up("en")):
        raw = bytes(renderer().render(intent, NOW).email)
        assert raw.isascii()
        assert b"\n" not in raw.replace(b"\r\n", b"") and b"\r" not in raw.replace(b"\r\n", b"")
        assert max(len(line) for line in raw.split(b"\r\n")) <= 998


# --- the follow-up draft ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, note, text_note",
    [
        ("en", "Draft for you to forward", "DRAFT FOR YOU"),
        ("ru", "Черновик для пересылки", "ЧЕРНОВИК ДЛЯ ВАС"),
    ],
)
def test_a_draft_to_the_manager_carries_a_note_the_partner_never_sees(lang, note, text_note):
    draft = renderer().render(follow_up(lang, mode="draft"), NOW)
    assert draft.recipients == (MANAGER,)
    assert note in draft.html and text_note in draft.text
    assert ROW_URL.format(5).replace("&", "&amp;") in draft.html  # the manager can open the row
    assert ROW_URL.format(5) in draft.text
    note_text = draft.text.split("]")[0]
    assert "Maria Lopez" in note_text and "maria@brightline.example" in note_text  # whom to forward it to
    sent = renderer().render(follow_up(lang, mode="send"), NOW)
    assert note not in sent.html and text_note not in sent.text


# --- languages and overrides -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "contact, configured, expected",
    [
        ("de", "ru", "ru"),
        ("de", "en", "en"),
        ("", "ru", "ru"),
        ("RU", "en", "ru"),
        ("ru-RU", "en", "ru"),
        ("Russian", "en", "ru"),
        ("fr", "it", "en"),
    ],
)
def test_language_falls_back_to_the_configured_one_then_english(contact, configured, expected):
    config = dataclasses.replace(make_config(), language=configured)
    message = renderer(config).render(newsletter(contact), NOW)
    assert f'<html lang="{expected}"' in message.html
    greeting_word = {"en": "Hello Maria Lopez", "ru": "Здравствуйте, Мария"}[expected]
    assert greeting_word.split()[0] in message.text


def test_templates_dir_overrides_one_file_and_the_rest_stays_built_in(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "newsletter.subject.j2").write_text("News for {{ partner }} ({{ news|length }})\n")
    config = dataclasses.replace(make_config(), templates_dir=tmp_path)
    message = renderer(config).render(newsletter(), NOW)
    assert message.subject == "News for Brightline Logistics (2)"
    builtin = renderer().render(newsletter(), NOW)
    assert message.text == builtin.text  # the body is the built-in one
    assert message.html == builtin.html.replace(builtin.subject, message.subject)
    ru = renderer(config).render(newsletter("ru"), NOW)  # the Russian subject is untouched
    assert ru.subject.startswith("Новости для партнёров")


def test_templates_dir_can_add_a_language(tmp_path):
    (tmp_path / "de").mkdir()
    for part, text in {
        "subject": "Neuigkeiten für {{ partner }}",
        "txt": "Hallo {{ contact }}",
        "html": "<p>Hallo {{ contact }}</p>",
    }.items():
        (tmp_path / "de" / f"newsletter.{part}.j2").write_text(text)
    (tmp_path / "de" / "follow-up.html.j2").write_text("<p>nur HTML</p>")  # incomplete: not used
    r = renderer(dataclasses.replace(make_config(), templates_dir=tmp_path))
    assert r.render(newsletter("de"), NOW).subject == "Neuigkeiten für Brightline Logistics"
    assert "<p>Hallo Maria Lopez</p>" in r.render(newsletter("de"), NOW).html
    # a language without all three parts falls back as a whole: never half German, half English
    assert r.render(follow_up("de"), NOW).subject.startswith("Follow-up to our meeting")


def test_a_broken_override_is_a_template_error(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "greeting-birthday.html.j2").write_text("{% if contact %}unclosed")
    r = renderer(dataclasses.replace(make_config(), templates_dir=tmp_path))
    with pytest.raises(TemplateError, match="broken"):
        r.render(greeting(), NOW)
    assert r.render(newsletter(), NOW).subject  # other templates still work


def test_an_override_referring_to_a_missing_value_names_it(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "newsletter.subject.j2").write_text("{{ company_name }} news")
    r = renderer(dataclasses.replace(make_config(), templates_dir=tmp_path))
    with pytest.raises(TemplateError) as caught:
        r.render(newsletter(), NOW)
    assert str(caught.value) == 'template newsletter.subject (en): "company_name" is undefined'


def test_a_missing_templates_dir_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="templates_dir"):
        Renderer(dataclasses.replace(make_config(), templates_dir=tmp_path / "nope"))


def test_every_built_in_template_exists_in_english_and_russian():
    names = ["follow-up", "newsletter", "greeting-birthday", "greeting-holiday", "sales-kit", "digest"]
    for lang in ("en", "ru"):
        for name in names:
            for part in ("subject", "txt", "html"):
                assert (BUILTIN_DIR / lang / f"{name}.{part}.j2").is_file(), f"{lang}/{name}.{part}.j2"
    assert (Path(__file__).resolve().parent.parent / "templates" / "en" / "newsletter.html.j2").is_file()


# --- signatures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "manager, signed",
    [
        ("anna.schmidt@northwind.example", "Anna Schmidt"),
        ("Anna S. <anna@northwind.example>", "Anna S."),
        ("anna@northwind.example", "Anna"),
        ("partners@northwind.example", "Northwind Partnerships"),
    ],
)
def test_emails_are_signed_by_the_manager_else_the_team(manager, signed):
    intent = dataclasses.replace(greeting(manager=manager), reply_to=manager)
    message = renderer().render(intent, NOW)
    assert f"\n{signed}\n" in message.text
    assert f">{signed}</p>" in message.html


def test_without_a_sender_name_the_team_signs_neutrally():
    config = make_config(sender="partners@northwind.example")
    intent = dataclasses.replace(greeting(manager=""), reply_to="")
    message = renderer(config).render(intent, NOW)
    assert "The partnerships team" in message.text


# --- with the planner ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_everything_the_planner_asks_for_in_the_sample_renders(tmp_path, lang):
    config = load_config(copy_sample(tmp_path, lang, today=TODAY))
    book = read_book(XlsxSource(config.source.path).read(tab_names(config)), config).book
    r = Renderer(config)
    seen = set()
    for variant in (
        config,
        dataclasses.replace(
            config,
            greetings=dataclasses.replace(config.greetings, mode="send"),
            followup=dataclasses.replace(config.followup, mode="send"),
        ),
        dataclasses.replace(
            config,
            greetings=GreetingsConfig(mode="send", holidays=config.greetings.holidays),
            newsletter=dataclasses.replace(config.newsletter, audience="all"),
        ),
    ):
        for day in (TODAY, dt.date(2026, 12, 24), dt.date(2027, 1, 1)):
            planned = plan(book, variant, day)
            for intent in planned.messages:
                message = r.render(intent, NOW)
                assert message.subject and message.text.strip() and "</html>" in message.html
                seen.add(template_name(intent))
            for d in planned.digests:
                assert r.render_digest(d, day, NOW).subject
                seen.add("digest")
    assert seen == {"follow-up", "newsletter", "greeting-birthday", "greeting-holiday", "sales-kit", "digest"}


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("occasion", ["birthday", "holiday"])
def test_a_greeting_s_text_part_keeps_its_paragraphs(lang, occasion):
    lines = renderer().render(greeting(lang, occasion), NOW).text.splitlines()
    assert lines[0].strip() and lines[1] == "" and lines[2].strip()  # salutation, blank line, wishes


@pytest.mark.parametrize("lang, inside", [("en", "WHAT'S INSIDE"), ("ru", "ЧТО ВНУТРИ")])
@pytest.mark.parametrize("url", ["", KIT_URL])
def test_the_sales_kit_s_text_part_keeps_its_paragraphs(lang, inside, url):
    lines = renderer().render(sales_kit(lang, sales_kit_url=url), NOW).text.splitlines()
    assert lines[lines.index(inside) - 1] == ""
