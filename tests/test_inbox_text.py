"""A reply's new text (sheets_sync.inbox.newtext): the quoted message and the signature left out,
as Gmail, Outlook, Yandex and Mail.ru write them, in English and Russian, any charset."""

from __future__ import annotations

from email import message_from_bytes

import pytest

from sheets_sync.inbox.newtext import new_text


def text_of(body: str, charset: str = "utf-8", kind: str = "plain") -> str:
    head = f"From: a@x.example\r\nContent-Type: text/{kind}; charset={charset}\r\n\r\n".encode()
    return new_text(message_from_bytes(head + body.encode(charset if charset != "x-unknown" else "utf-8")))


@pytest.mark.parametrize(
    ("body", "text"),
    [
        (
            "Works for us.\n\nOn Mon, 30 Nov 2026 at 10:00, Partners Team <\npartners@team.example> wrote:\n"
            "> When?\n",
            "Works for us.",
        ),
        ("Подходит.\n\n30 ноября 2026 г., 10:00, Анна <a@x.example> написал(а):\n> Когда?\n", "Подходит."),
        ("Хорошо.\n\nПн, 30 нояб. 2026 в 10:00, Анна <a@x.example> написал:\n> Когда?\n", "Хорошо."),
        ("Fine.\n\n________________________________\nFrom: Anna\nSent: Monday\n\nOld text\n", "Fine."),
        ("Согласны.\n\nОт: Анна Иванова\nОтправлено: 30 ноября 2026 г. 10:00\nТема: Цены\n", "Согласны."),
        ("See below.\n\n---------- Forwarded message ---------\nFrom: Anna\n\nOld\n", "See below."),
        ("From: my side all is ready.\nTalk soon.\n", "From: my side all is ready. Talk soon."),
        ("Thanks!\n\n-- \nAnna Berg\n+49 30 1234\n", "Thanks!"),
        ("  Many    spaces\n\n\nand lines  \n", "Many spaces and lines"),
    ],
)
def test_the_new_text_leaves_out_quotes_and_signatures(body, text):
    assert text_of(body) == text


def test_the_new_text_reads_any_charset():
    assert text_of("Договор подписан.\n", charset="koi8-r") == "Договор подписан."
    assert text_of("Договор подписан.\n", charset="windows-1251") == "Договор подписан."
    assert text_of("Signed.\n", charset="x-unknown") == "Signed."


def test_an_html_only_reply_is_read_as_text_without_its_quote():
    html = "<div>Yes,<br>Tuesday.</div><blockquote>old</blockquote><style>p{}</style>"
    assert text_of(html, kind="html") == "Yes, Tuesday."


@pytest.mark.parametrize("limit", [1, 10, 50, 300])
def test_the_new_text_is_cut_at_a_word(limit):
    text = text_of("partnership " * 100)
    cut = new_text(message_from_bytes(b"Content-Type: text/plain\r\n\r\n" + b"partnership " * 100), limit)
    assert len(cut) <= limit and cut.endswith("…")
    assert len(text) <= 300
