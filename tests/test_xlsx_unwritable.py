"""A workbook someone keeps open, or one that cannot be edited safely: nothing written, said plainly.

Who holds the lock and since when reaches the summary; after `xlsx.lock_warn_after` the digests
lead with it and `health` is unhealthy until a write lands. A workbook the patcher refuses (a
merged range over a worker cell) is left byte for byte, and the cycle fails with the reason.
"""

import dataclasses
import datetime as dt
import hashlib
from email import message_from_bytes
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from sheets_sync.config import XlsxConfig, load_config
from sheets_sync.model import Tab
from sheets_sync.runtime import summary
from sheets_sync.runtime.cycle import run_once
from sheets_sync.runtime.health import is_healthy, record_health
from sheets_sync.runtime.sending import Mailer
from sheets_sync.sources.xlsx import XlsxSource
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)  # a Thursday: digests go out at 09:00


def at(config, hour=12, minute=0, day=TODAY):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(config.timezone))


@pytest.fixture
def team(tmp_path):
    return load_config(copy_sample(tmp_path / "team", "en", TODAY))


def libreoffice_lock(config, user="Anna Petrova", when="26.11.2026 08:10"):
    path = config.source.path
    lock = path.parent / f".~lock.{path.name}#"
    lock.write_text(f"{user},anna,laptop-7,{when},file:///home/anna/.config/libreoffice/4;", encoding="utf-8")
    return lock


def cycle(config, now):
    report = run_once(XlsxSource(config.source.path), config, now, mailer=Mailer.from_config(config))
    record_health(config, now, ok=not report.failure, error=report.failure, report=report)
    return report


def digests(config):
    found = []
    for path in sorted(config.mail.outbox_dir.glob("*.eml")):
        message = message_from_bytes(path.read_bytes())
        if message["X-Sheets-Sync-Kind"] == "digest":
            text = next(p for p in message.walk() if p.get_content_type() == "text/plain")
            found.append(text.get_payload(decode=True).decode())
    return found


def test_the_summary_says_who_has_the_workbook_open_and_since_when(team):
    libreoffice_lock(team)
    before = team.source.path.read_bytes()
    report = cycle(team, at(team, 8, 30))
    assert (
        not report.written
        and report.locked_by == "open in LibreOffice by Anna Petrova since 2026-11-26 08:10"
    )
    assert "open in LibreOffice by Anna Petrova since 2026-11-26 08:10" in summary.cycle_summary(report, team)
    assert team.source.path.read_bytes() == before
    assert is_healthy(team, at(team, 8, 31))[0]  # a lock held for minutes is no fault


def test_after_lock_warn_after_the_digests_say_so_and_health_is_unhealthy(team):
    libreoffice_lock(team)
    cycle(team, at(team, 8, 20))  # first blocked write
    assert digests(team) == []
    ok, why = is_healthy(team, at(team, 8, 51))
    assert not ok and "not been written since" in why and "Anna Petrova" in why

    cycle(team, at(team, 9, 0))  # the digest hour, 40 minutes later
    texts = digests(team)
    assert texts and all(
        "SHEET NOT UPDATED" in t
        and "Not updated since 2026-11-26 08:20" in t
        and "open in LibreOffice by Anna Petrova" in t
        for t in texts
    )


def test_the_warning_waits_for_lock_warn_after(team):
    team = dataclasses.replace(team, xlsx=XlsxConfig(lock_warn_after=3 * 3600))
    libreoffice_lock(team)
    cycle(team, at(team, 8, 20))
    cycle(team, at(team, 9, 0))
    assert digests(team) and not any("SHEET NOT UPDATED" in t for t in digests(team))
    assert is_healthy(team, at(team, 9, 1))[0]


def test_a_write_that_lands_clears_the_warning(team):
    lock = libreoffice_lock(team)
    cycle(team, at(team, 7, 0))
    assert not is_healthy(team, at(team, 8, 0))[0]
    lock.unlink()
    report = cycle(team, at(team, 8, 1))
    assert report.written and is_healthy(team, at(team, 8, 2))[0]


def test_an_excel_owner_file_names_excel_and_its_user(team):
    path = team.source.path
    name = "Анна Петрова"
    data = bytes([len(name)]) + name.encode("cp1251").ljust(54, b" ") + len(name).to_bytes(2, "little")
    data = (data + name.encode("utf-16-le")).ljust(165, b" ")
    (path.parent / f"~${path.name}").write_bytes(data)
    report = cycle(team, at(team))
    assert report.locked_by == "open in Excel by Анна Петрова"


def test_a_merged_range_over_a_worker_cell_fails_closed(team):
    wb = openpyxl.load_workbook(team.source.path)
    ws = wb[team.tab_name(Tab.PARTNERS)]
    header = [c.value for c in ws[1]]
    column = header.index("Partner") + 1
    ws.merge_cells(start_row=3, start_column=column, end_row=3, end_column=len(header) + 3)
    wb.save(team.source.path)
    before = hashlib.sha256(team.source.path.read_bytes()).hexdigest()

    report = cycle(team, at(team))

    assert not report.written and "merged cells" in report.write_failed and "Partners" in report.write_failed
    assert hashlib.sha256(team.source.path.read_bytes()).hexdigest() == before
    assert report.delivery is not None and report.delivery.sent  # the emails still went out
    assert "Nothing written" in summary.cycle_summary(report, team)
    ok, why = is_healthy(team, at(team, 12, 1))
    assert not ok and "merged cells" in why


def test_once_exits_1_naming_why_the_workbook_was_not_written(cli, team):
    wb = openpyxl.load_workbook(team.source.path)
    ws = wb[team.tab_name(Tab.PARTNERS)]
    ws.merge_cells(start_row=4, start_column=2, end_row=4, end_column=ws.max_column + 4)
    wb.save(team.source.path)
    config = team.source.path.parent / "config.yaml"
    result = cli("-c", str(config), "once", "--today", TODAY.isoformat())
    assert result.returncode == 1, result.stdout + result.stderr
    assert "merged cells" in result.stderr and "Traceback" not in result.stderr
    health = cli("-c", str(config), "health")
    assert health.returncode == 1 and "merged cells" in health.stdout
