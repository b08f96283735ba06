"""Cycles that send: the sample workbook, the outbox or a real SMTP server on loopback, the ledger."""

import dataclasses
import datetime as dt
import threading
from email import message_from_bytes
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets_sync.config import load_config
from sheets_sync.errors import SourceError
from sheets_sync.mail.delivery import STOPPING
from sheets_sync.mail.smtp import SmtpTransport
from sheets_sync.model import MessageKind, Tab
from sheets_sync.runtime import summary
from sheets_sync.runtime.cycle import WorkerState, run_once
from sheets_sync.runtime.preview import write_preview
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sheet.workbook import read_book, tab_names
from sheets_sync.sources.xlsx import XlsxSource
from tests import books
from tests.samples import copy_sample
from tests.sent import to_partners
from tests.smtp_server import RecordingHandler, SmtpServer

TODAY = dt.date(2026, 11, 26)  # a Thursday


def at(config, day=TODAY, hour=12):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(config.timezone))


@pytest.fixture
def team(tmp_path):
    return load_config(copy_sample(tmp_path / "team", "en", TODAY))


def cycle(config, now, **kw):
    return run_once(
        XlsxSource(config.source.path),
        config,
        now,
        mailer=kw.pop("mailer", None) or Mailer.from_config(config),
        **kw,
    )


def sheet(config, tab):
    return books.rows(config.source.path, config.tab_name(tab))


def outbox(config):
    return sorted(config.mail.outbox_dir.glob("*.eml"))


def test_a_cycle_sends_what_is_due_once_and_the_sheet_records_it(team):
    report = cycle(team, at(team))
    sent = report.delivery.sent
    kinds = {m.kind for m, _ in sent}
    assert {MessageKind.FOLLOW_UP, MessageKind.SALES_KIT, MessageKind.NEWSLETTER, MessageKind.DIGEST} <= kinds
    assert len(outbox(team)) == len(sent)

    activities = sheet(team, Tab.ACTIVITIES)
    logged = [a for a in activities if a["Type"] in ("follow-up", "sales kit", "newsletter", "greeting")]
    # digests and follow-up drafts go to the team, not to the partner: never logged
    assert len(logged) == len(to_partners(report)) < len(sent) - 1
    assert not any(a["Type"] == "follow-up" for a in logged)
    assert all(a["ID"] and a["Direction"] == "out" and a["Date"].date() == TODAY for a in logged)
    assert sum(1 for a in activities if str(a["Follow-up"] or "").startswith("draft sent to ")) == sum(
        1 for m, _ in sent if m.kind is MessageKind.FOLLOW_UP
    )
    partners = sheet(team, Tab.PARTNERS)
    kits = [p for p in partners if p["Sales kit sent"]]
    assert len(kits) == sum(1 for m, _ in sent if m.kind is MessageKind.SALES_KIT)
    assert all(p["Next action"] != "Send sales kit" for p in kits)

    again = cycle(team, at(team, hour=15))
    assert again.delivery.sent == [] and not again.written
    assert len(outbox(team)) == len(sent)


def test_in_send_mode_follow_ups_go_to_the_partner_and_are_logged(team):
    team = dataclasses.replace(team, followup=dataclasses.replace(team.followup, mode="send"))
    report = cycle(team, at(team))
    follow_ups = [m for m, _ in report.delivery.sent if m.kind is MessageKind.FOLLOW_UP]
    assert follow_ups and all(not m.key.endswith(":draft") for m in follow_ups)
    logged = [a for a in sheet(team, Tab.ACTIVITIES) if a["Type"] == "follow-up"]
    assert len(logged) == len(follow_ups) and all(a["Direction"] == "out" for a in logged)
    managers = {str(p["Manager"]).lower() for p in sheet(team, Tab.PARTNERS) if p["Manager"]}
    assert all(
        a["Contact"] and not set(a["Contact"].split(", ")) & managers for a in logged
    )  # Cc: not a contact
    cells = [
        a["Follow-up"]
        for a in sheet(team, Tab.ACTIVITIES)
        if str(a["Follow-up"] or "").startswith("sent to ")
    ]
    assert len(cells) == len(follow_ups)


def test_clearing_record_cells_by_hand_does_not_resend_and_they_are_filled_again(team):
    cycle(team, at(team))
    sent_before = len(outbox(team))
    wb = openpyxl.load_workbook(team.source.path)
    for tab, column in (
        (Tab.ACTIVITIES, "Follow-up"),
        (Tab.PARTNERS, "Last newsletter"),
        (Tab.PARTNERS, "Sales kit sent"),
    ):
        ws = wb[team.tab_name(tab)]
        index = [c.value for c in ws[1]].index(column) + 1
        for row in range(2, ws.max_row + 1):
            if str(ws.cell(row, index).value or "").startswith("draft sent") or column != "Follow-up":
                ws.cell(row, index).value = None
    wb.save(team.source.path)

    tomorrow = cycle(team, at(team, TODAY + dt.timedelta(days=1)))
    assert not [m for m, _ in tomorrow.delivery.sent if m.kind is not MessageKind.DIGEST]
    assert len(outbox(team)) == sent_before + len(tomorrow.delivery.sent)
    assert any(p["Last newsletter"] for p in sheet(team, Tab.PARTNERS))
    assert any(str(a["Follow-up"] or "").startswith("draft sent") for a in sheet(team, Tab.ACTIVITIES))


@pytest.mark.parametrize(
    ("day", "hour", "expected"),
    [
        (TODAY, 8, False),  # before digest.at
        (TODAY, 9, True),
        (dt.date(2026, 11, 28), 10, False),  # Saturday
        (dt.date(2026, 12, 25), 10, False),  # Christmas: a public holiday in DE, the sample's country
    ],
)
def test_digests_go_out_at_digest_time_on_working_days(team, day, hour, expected):
    report = cycle(team, at(team, day, hour))
    assert any(m.kind is MessageKind.DIGEST for m, _ in report.delivery.sent) is expected


def test_an_unchanged_workbook_is_read_again_when_the_digest_hour_comes(team):
    state = WorkerState()
    cycle(team, at(team, hour=8), state=state)
    assert cycle(team, at(team, hour=8), state=state).skipped
    at_nine = cycle(team, at(team, hour=9), state=state)
    assert not at_nine.skipped and any(m.kind is MessageKind.DIGEST for m, _ in at_nine.delivery.sent)


def test_a_broken_template_stops_only_its_message_and_says_why_in_sync_note(team, tmp_path):
    for lang in ("en", "ru"):  # one sample partner's champion reads Russian
        override = tmp_path / "templates" / lang
        override.mkdir(parents=True)
        (override / "sales-kit.subject.j2").write_text("Welcome {{ no_such_value }}")
    config = dataclasses.replace(team, templates_dir=tmp_path / "templates")
    report = cycle(config, at(config))
    assert not [m for m, _ in report.delivery.sent if m.kind is MessageKind.SALES_KIT]
    assert [m for m, _ in report.delivery.sent if m.kind is MessageKind.FOLLOW_UP]
    notes = [
        p["Sync note"] for p in sheet(config, Tab.PARTNERS) if p["Stage"] == "onboarding" and p["Sync note"]
    ]
    assert notes and all("sales-kit not sent" in n and "no_such_value" in n for n in notes)
    # and the cycle's summary says so too
    assert len(report.delivery.not_made) == len(notes) and "not made" in report.delivery.summary()
    assert "Not made: sales-kit to " in summary.cycle_summary(report, config)


def test_a_broken_digest_template_is_reported_in_the_summary(team, tmp_path):
    (tmp_path / "templates" / "en").mkdir(parents=True)
    (tmp_path / "templates" / "en" / "digest.subject.j2").write_text("{{ no_such_value }}")
    config = dataclasses.replace(team, templates_dir=tmp_path / "templates")
    report = cycle(config, at(config))
    assert not [m for m, _ in report.delivery.sent if m.kind is MessageKind.DIGEST]
    assert report.delivery.not_made and all(
        which.startswith("digest to ") for which, _ in report.delivery.not_made
    )


def test_sends_survive_a_write_that_could_not_happen(team):
    lock = team.source.path.with_name("~$" + team.source.path.name)
    lock.write_bytes(b"someone")
    first = cycle(team, at(team))
    assert first.delivery.sent and not first.written
    lock.unlink()
    second = cycle(team, at(team, hour=13))
    assert second.delivery.sent == [] and second.written
    logged = [a for a in sheet(team, Tab.ACTIVITIES) if a["Type"] in ("follow-up", "sales kit", "newsletter")]
    assert len(logged) == len(to_partners(first))
    third = cycle(team, at(team, hour=14))
    assert not third.written  # logged once, not again


class WritesThenFails(XlsxSource):
    """The file is replaced, then the write reports a failure (a share dropping the connection after the
    rename; for the ledger it is also a crash between the write and marking the rows logged)."""

    def write(self, snapshot, changes):
        super().write(snapshot, changes)
        raise SourceError("the share went away", transient=True)


def test_a_write_that_landed_though_it_failed_is_logged_once(team):
    first = run_once(WritesThenFails(team.source.path), team, at(team), mailer=Mailer.from_config(team))
    assert first.delivery.sent and not first.written
    partner_mail = to_partners(first)
    logged = [a for a in sheet(team, Tab.ACTIVITIES) if a["Type"] in ("follow-up", "sales kit", "newsletter")]
    assert len(logged) == len(partner_mail)
    assert len(Mailer.from_config(team).ledger.unlogged()) == len(first.delivery.sent)

    second = cycle(team, at(team, hour=13))
    assert second.delivery.sent == [] and not second.written  # nothing left to write
    again = [a for a in sheet(team, Tab.ACTIVITIES) if a["Type"] in ("follow-up", "sales kit", "newsletter")]
    assert again == logged
    assert Mailer.from_config(team).ledger.unlogged() == []


def test_a_recipient_the_server_refuses_is_marked_on_its_contact(team):
    contacts = read_book(XlsxSource(team.source.path).read(tab_names(team)), team).book.contacts
    planned = run_once(XlsxSource(team.source.path), team, at(team), dry_run=True).plan.messages
    newsletter = next(m for m in planned if m.kind is MessageKind.NEWSLETTER)
    refused = newsletter.to[0]
    handler = RecordingHandler(refuse=frozenset({refused}))
    with SmtpServer(handler) as server:
        smtp = dataclasses.replace(team.mail.smtp, host=server.host, port=server.port, security="none")
        config = dataclasses.replace(team, mail=dataclasses.replace(team.mail, transport="smtp", smtp=smtp))
        mailer = Mailer.from_config(config)
        mailer.transport = lambda: SmtpTransport(smtp)
        report = cycle(config, at(config), mailer=mailer)
    assert handler.received and all(refused not in r.rcpt_tos for r in handler.received)
    assert len(handler.message_ids()) == len(report.delivery.sent)
    row = next(c.row for c in contacts if c.email == refused)
    note = sheet(config, Tab.CONTACTS)[row - 2]["Sync note"]
    assert "refused by the mail server" in note and "550" in note


def test_preview_renders_everything_and_sends_and_writes_nothing(team, tmp_path):
    data = team.source.path.read_bytes()
    index = write_preview(XlsxSource(team.source.path), team, at(team, hour=7), tmp_path / "preview")
    emls = sorted((tmp_path / "preview").glob("*.eml"))
    assert len(emls) == len(list((tmp_path / "preview").glob("*.html"))) - 1  # index.html
    kinds = {message_from_bytes(p.read_bytes())["X-Sheets-Sync-Kind"] for p in emls}
    assert {"follow-up", "sales-kit", "newsletter", "digest"} <= kinds
    assert "follow-up" in index.read_text()
    assert team.source.path.read_bytes() == data
    assert not outbox(team) and not (team.state_dir / "ledger.sqlite3").exists()


@pytest.mark.parametrize("day, has_digests", [(TODAY, True), (dt.date(2026, 11, 28), False)])  # Thu, Sat
def test_preview_shows_digests_on_working_days_only(team, tmp_path, day, has_digests):
    write_preview(XlsxSource(team.source.path), team, at(team, day, hour=7), tmp_path / "preview")
    kinds = {
        message_from_bytes(p.read_bytes())["X-Sheets-Sync-Kind"] for p in (tmp_path / "preview").glob("*.eml")
    }
    assert ("digest" in kinds) is has_digests and "newsletter" in kinds


def test_max_per_day_defers_the_rest_to_a_later_cycle(team):
    config = dataclasses.replace(team, mail=dataclasses.replace(team.mail, max_per_day=5))
    first = cycle(config, at(config))
    assert len(first.delivery.sent) == 5 and first.delivery.deferred
    assert next(m.kind for m, _ in first.delivery.sent) is MessageKind.FOLLOW_UP
    next_day = cycle(config, at(config, TODAY + dt.timedelta(days=1)))
    assert len(next_day.delivery.sent) == 5


def test_remind_mode_lists_follow_ups_in_the_digest_and_the_cell_says_so(team):
    config = dataclasses.replace(team, followup=dataclasses.replace(team.followup, mode="remind"))
    before = cycle(config, at(config, hour=8))
    assert not [m for m, _ in before.delivery.sent if m.kind is MessageKind.FOLLOW_UP]
    assert not any(str(a["Follow-up"] or "").startswith("reminded") for a in sheet(config, Tab.ACTIVITIES))

    report = cycle(config, at(config, hour=10))
    digests = [m for m, _ in report.delivery.sent if m.kind is MessageKind.DIGEST]
    reminded = [
        a
        for a in sheet(config, Tab.ACTIVITIES)
        if str(a["Follow-up"] or "").startswith("reminded in the digest")
    ]
    assert reminded and digests
    assert all(a["Follow-up"].endswith(TODAY.isoformat()) for a in reminded)
    assert all(any(a["Partner"] in m.html for m in digests) for a in reminded)
    tomorrow = cycle(config, at(config, TODAY + dt.timedelta(days=1), hour=10))
    listed = "".join(m.html for m, _ in tomorrow.delivery.sent if m.kind is MessageKind.DIGEST)
    assert "Follow-ups to send" not in listed


class StopAfter(RecordingHandler):
    """Sets the worker's stop event as it accepts its `n`th message: SIGTERM during that send."""

    def __init__(self, stop: threading.Event, n: int):
        super().__init__()
        self.stop, self.n = stop, n

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.received) == self.n:
            self.stop.set()
        return reply


def test_a_stop_mid_cycle_sends_no_more_and_the_sheet_still_records_what_went_out(team):
    stop = threading.Event()
    handler = StopAfter(stop, n=3)
    with SmtpServer(handler) as server:
        smtp = dataclasses.replace(team.mail.smtp, host=server.host, port=server.port, security="none")
        config = dataclasses.replace(team, mail=dataclasses.replace(team.mail, transport="smtp", smtp=smtp))
        report = cycle(config, at(config), mailer=Mailer.from_config(config, stop=stop))  # as `run` makes it
        assert len(handler.received) == 3 and len(report.delivery.sent) == 3
        assert report.delivery.deferred and {why for _, why in report.delivery.deferred} == {STOPPING}
        assert report.written  # the workbook is still written (atomically): it logs the three sends
        logged = [a for a in sheet(config, Tab.ACTIVITIES) if str(a["ID"]).startswith("A-log-")]
        assert len(logged) == len(to_partners(report))
        follow_ups = [
            a for a in sheet(config, Tab.ACTIVITIES) if str(a["Follow-up"] or "").startswith("draft sent")
        ]
        assert len(logged) + len(follow_ups) == 3  # drafts are recorded in their Follow-up cell

        restarted = cycle(config, at(config, hour=13))  # a new process: a new mailer, no stop
        assert len(restarted.delivery.sent) == len(report.delivery.deferred)
    assert sorted(handler.message_ids().values()) == [1] * len(handler.received)  # nothing twice


def test_a_copied_row_keeping_its_id_gets_no_other_rows_record_until_its_id_is_cleared(team):
    first = cycle(team, at(team))
    drafted = next(m for m, _ in first.delivery.sent if m.kind is MessageKind.FOLLOW_UP)
    original_id = drafted.key.split(":")[1]
    wb = openpyxl.load_workbook(team.source.path)
    ws = wb[team.tab_name(Tab.ACTIVITIES)]
    header = [c.value for c in ws[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    source_row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col["ID"]).value == original_id)
    copy_row = ws.max_row + 1  # the team copies the meeting's row for a new meeting, ID and all
    for _name, column in col.items():
        ws.cell(copy_row, column).value = ws.cell(source_row, column).value
    ws.cell(copy_row, col["Date"]).value = dt.datetime.combine(TODAY + dt.timedelta(days=1), dt.time())
    ws.cell(copy_row, col["Agreements"]).value = "A second pilot"
    ws.cell(copy_row, col["Follow-up"]).value = None
    ws.cell(copy_row, col["Sync note"]).value = None
    wb.save(team.source.path)

    next_day = cycle(team, at(team, TODAY + dt.timedelta(days=1)))
    assert not [m for m, _ in next_day.delivery.sent if original_id in m.key]
    rows = sheet(team, Tab.ACTIVITIES)
    copy = rows[copy_row - 2]
    assert copy["Follow-up"] is None  # not the original's "draft sent to ...": that was another meeting
    assert "duplicate ID" in copy["Sync note"] and str(rows[source_row - 2]["Follow-up"]).startswith(
        "draft sent"
    )

    wb = openpyxl.load_workbook(team.source.path)
    wb[team.tab_name(Tab.ACTIVITIES)].cell(copy_row, col["ID"]).value = None  # the team clears the copy's ID
    wb.save(team.source.path)
    later = cycle(team, at(team, TODAY + dt.timedelta(days=1), hour=15))
    new_id = sheet(team, Tab.ACTIVITIES)[copy_row - 2]["ID"]
    assert new_id and new_id != original_id
    assert [m.key for m, _ in later.delivery.sent if m.kind is MessageKind.FOLLOW_UP] == [
        f"follow-up:{new_id}:draft"
    ]


def test_the_digest_is_made_after_the_cycle_s_sends_and_does_not_ask_for_a_follow_up_just_sent(team):
    team = dataclasses.replace(team, followup=dataclasses.replace(team.followup, mode="send"))
    report = cycle(team, at(team))
    sent = [m for m, _ in report.delivery.sent]
    assert any(m.kind is MessageKind.FOLLOW_UP for m in sent) and any(
        m.kind is MessageKind.DIGEST for m in sent
    )
    assert max(i for i, m in enumerate(sent) if m.kind is not MessageKind.DIGEST) < min(
        i for i, m in enumerate(sent) if m.kind is MessageKind.DIGEST
    )  # digests last
    digests = "".join(m.text for m in sent if m.kind is MessageKind.DIGEST)
    assert "Follow-up for the" not in digests  # each went out this cycle: nothing left to send
