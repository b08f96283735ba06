"""Greetings in `greetings.mode: send` through whole cycles: a greeting the caps put off on its day
still goes out on a later day, once; without that record nothing goes out after the day."""

import dataclasses
import datetime as dt
from email import message_from_bytes
from email.utils import parseaddr
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets_sync.config import parse_config
from sheets_sync.mail.smtp import SmtpTransport
from sheets_sync.model import MessageKind, Tab
from sheets_sync.rules.greetings import CATCH_UP_DAYS
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sources.xlsx import XlsxSource
from tests.smtp_server import RecordingHandler, SmtpServer
from tests.test_bad_input import write_tabs

BIRTHDAY = dt.date(2026, 11, 26)  # a Thursday
OLGA, BEN = "olga@acme.example", "ben@acme.example"

TEAM = {
    "Partners": [["ID", "Partner", "Rank", "Manager"], ["P-1", "Acme", "B", "anna@team.example"]],
    "Contacts": [
        ["ID", "Partner", "Name", "Email", "Champion", "Birthday"],
        ["C-1", "Acme", "Olga", OLGA, "yes", "26.11"],  # greeted first: keys sort by contact ID
        ["C-2", "Acme", "Ben", BEN, "yes", "26.11.1980"],
    ],
    "Activities": [["Date", "Partner", "Type"], [BIRTHDAY - dt.timedelta(days=2), "Acme", "email"]],
    "News": [["Date", "Title"]],
}


@pytest.fixture
def team(tmp_path):
    """Two champions whose birthday is BIRTHDAY, and room for one email a day."""
    write_tabs(tmp_path / "partners.xlsx", TEAM)
    return parse_config(
        {
            "source": {"kind": "xlsx", "path": "partners.xlsx"},
            "timezone": "Europe/Berlin",
            "greetings": {"mode": "send"},
            "mail": {"transport": "outbox", "from": "partners@team.example", "max_per_day": 1},
        },
        tmp_path,
    )


def at(config, day, hour=12):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(config.timezone))


def after(days):
    return BIRTHDAY + dt.timedelta(days=days)


def cycle(config, day, mailer=None):
    return run_once(
        XlsxSource(config.source.path), config, at(config, day), mailer=mailer or Mailer.from_config(config)
    )


def greetings(messages):
    return [m for m in messages if m.kind is MessageKind.GREETING]


def sent_greetings(report):
    return greetings(m for m, _ in report.delivery.sent)


def outbox_greetings(config):
    emails = [message_from_bytes(p.read_bytes()) for p in sorted(config.mail.outbox_dir.glob("*.eml"))]
    return [e for e in emails if e["X-Sheets-Sync-Kind"] == "greeting"]


def contact_row(config, email):
    ws = openpyxl.load_workbook(config.source.path)[config.tab_name(Tab.CONTACTS)]
    header = [c.value for c in ws[1]]
    return next(
        dict(zip(header, row, strict=False))
        for row in ws.iter_rows(min_row=2, values_only=True)
        if row[3] == email
    )


@pytest.mark.parametrize("days_later", [1, 3, CATCH_UP_DAYS])
def test_a_greeting_max_per_day_deferred_goes_out_on_a_later_day_once(team, days_later):
    on_the_day = cycle(team, BIRTHDAY)
    assert [m.recipients for m in sent_greetings(on_the_day)] == [(OLGA,)]
    (put_off,) = greetings(m for m, _ in on_the_day.delivery.deferred)
    assert put_off.recipients == (BEN,) and "max_per_day" in dict(on_the_day.delivery.deferred)[put_off]

    late = cycle(team, after(days_later))
    (caught_up,) = sent_greetings(late)
    assert (caught_up.key, caught_up.message_id) == (put_off.key, put_off.message_id)  # the same message
    assert contact_row(team, BEN)["Last greeting"].date() == after(days_later)
    assert contact_row(team, BEN)["Sync note"] is None

    for day in (after(days_later), after(days_later + 1), after(CATCH_UP_DAYS)):
        assert sent_greetings(cycle(team, day)) == []  # never twice
    emails = outbox_greetings(team)
    assert sorted(parseaddr(e["To"])[1] for e in emails) == [BEN, OLGA]
    assert len({e["Message-ID"] for e in emails}) == 2
    logged = openpyxl.load_workbook(team.source.path)[team.tab_name(Tab.ACTIVITIES)]
    assert sum(1 for row in logged.iter_rows(min_row=2, values_only=True) if row[2] == "greeting") == 2


def test_a_greeting_still_deferred_after_the_catch_up_days_is_reported_not_sent(team):
    cycle(team, BIRTHDAY)
    too_late = cycle(team, after(CATCH_UP_DAYS + 1))
    assert sent_greetings(too_late) == [] and [parseaddr(e["To"])[1] for e in outbox_greetings(team)] == [
        OLGA
    ]
    note = "birthday greeting of 2026-11-26 not sent: still deferred 7 days after the day"
    assert contact_row(team, BEN)["Sync note"] == note
    assert contact_row(team, OLGA)["Sync note"] is None


@pytest.mark.parametrize("days_later", [1, 2, CATCH_UP_DAYS])
def test_on_a_fresh_state_nothing_is_greeted_after_the_day(team, days_later):
    report = cycle(team, after(days_later))
    assert sent_greetings(report) == [] and greetings(report.plan.messages) == []
    assert outbox_greetings(team) == []


def test_greetings_that_fit_on_the_day_are_not_sent_again_the_next_day(team):
    roomy = dataclasses.replace(team, mail=dataclasses.replace(team.mail, max_per_day=500))
    assert sorted(m.recipients for m in sent_greetings(cycle(roomy, BIRTHDAY))) == [(BEN,), (OLGA,)]
    assert sent_greetings(cycle(roomy, after(1))) == []
    assert len(outbox_greetings(roomy)) == 2


def test_a_contact_who_left_meanwhile_is_not_greeted_late(team):
    cycle(team, BIRTHDAY)
    wb = openpyxl.load_workbook(team.source.path)
    ws = wb[team.tab_name(Tab.CONTACTS)]
    ws.cell(1, ws.max_column + 1, "Left company")
    ws.cell(3, ws.max_column, "yes")  # Ben
    wb.save(team.source.path)
    assert sent_greetings(cycle(team, after(1))) == []


def test_a_greeting_the_server_deferred_with_4xx_goes_out_the_next_day_with_its_message_id(team):
    handler = RecordingHandler(data_reply="451 4.3.0 try again later")
    with SmtpServer(handler) as server:
        smtp = dataclasses.replace(team.mail.smtp, host=server.host, port=server.port, security="none")
        config = dataclasses.replace(
            team, mail=dataclasses.replace(team.mail, transport="smtp", smtp=smtp, max_per_day=500)
        )
        mailer = Mailer.from_config(config)
        mailer.transport = lambda: SmtpTransport(smtp)
        on_the_day = cycle(config, BIRTHDAY, mailer)
        assert sent_greetings(on_the_day) == [] and handler.received == []
        put_off = {m.key: m.message_id for m in greetings(m for m, _ in on_the_day.delivery.deferred)}
        assert len(put_off) == 2

        handler.data_reply = ""
        next_day = cycle(config, after(1), mailer)
        assert {m.key: m.message_id for m in sent_greetings(next_day)} == put_off
        assert sorted(handler.message_ids().values()) == [1] * len(handler.received)
        assert sent_greetings(cycle(config, after(2), mailer)) == []
