"""The idempotency key of a message: built and read back in one place, whatever the row IDs hold."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from planner_helpers import TODAY, book, contact, partner, run

from sheets_sync.i18n import words
from sheets_sync.model import MessageKey, MessageKind
from sheets_sync.sheet.records import Sent, remember

AT = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


def test_a_partner_id_with_a_colon_gets_its_sales_kit_recorded():
    """The bug: "sales-kit:ACME:01" was read back as the key of partner "ACME"."""
    the_book = book(partners=[partner(id="ACME:01", stage="onboarding")], contacts=[contact(champion=True)])
    [kit] = [m for m in run(the_book).messages if m.kind is MessageKind.SALES_KIT]
    sent = Sent(kit.key, MessageKind.SALES_KIT, kit.to, AT)
    assert remember(the_book, [sent], words("en")).partners[0].sales_kit_sent == AT.date()


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (MessageKey(MessageKind.SALES_KIT, "ACME:01"), "sales-kit:ACME:01"),
        (MessageKey(MessageKind.FOLLOW_UP, "A:7"), "follow-up:A:7"),
        (MessageKey(MessageKind.FOLLOW_UP, "A:7", ("draft",)), "follow-up:A:7:draft"),
        (MessageKey(MessageKind.NEWSLETTER, "C:1", ("2026-12-02",)), "newsletter:C:1:2026-12-02"),
        (MessageKey(MessageKind.GREETING, "C:1", ("birthday", "2026")), "greeting:C:1:birthday:2026"),
        (
            MessageKey(MessageKind.DIGEST, "anna@x.example", ("2026-12-02",)),
            "digest:anna@x.example:2026-12-02",
        ),
    ],
)
def test_a_key_is_written_as_before_and_read_back_whole(key, text):
    assert str(key) == text  # the ledgers and Message-IDs made so far stay valid
    assert MessageKey.parse(text) == key


@given(target=st.text(min_size=1, max_size=30).filter(lambda t: t.strip() == t and t))
def test_any_row_id_survives_the_round_trip(target):
    for kind, occasion in [
        (MessageKind.SALES_KIT, ()),
        (MessageKind.NEWSLETTER, (TODAY.isoformat(),)),
        (MessageKind.GREETING, ("new-year", "2027")),
    ]:
        key = MessageKey(kind, target, occasion)
        assert MessageKey.parse(str(key)) == key
