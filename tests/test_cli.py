"""The command line: every command through `sheets_sync.cli.main`, in this process (the `cli`
fixture of conftest.py captures fds 1 and 2 and the exit code as a subprocess would give them);
`python -m sheets_sync` itself, and `run` with its signals, in a subprocess."""

import datetime as dt
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import yaml

from sheets_sync import __version__
from sheets_sync.mail.ledger import LEDGER_FILE
from tests.samples import copy_sample
from tests.smtp_server import RecordingHandler, SmtpServer

COMMANDS = ["init", "check", "once", "run", "preview", "health", "demo", "rebuild-ledger"]


def python_m(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`python -m sheets_sync ARGS` in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "sheets_sync", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=timeout,
    )


@pytest.fixture
def team(tmp_path) -> Path:
    """A folder as `sheets-sync init` leaves it (the sample, copied: tests/samples.py)."""
    folder = tmp_path / "team"
    copy_sample(folder)
    return folder


def broken_sample(folder: Path) -> tuple[Path, str]:
    """The sample with an impossible date in Activities row 7: (its config, that cell)."""
    copy_sample(folder)
    book = next(folder.glob("*.xlsx"))
    wb = openpyxl.load_workbook(book)
    ws = wb["Activities"]
    header = [c.value for c in ws[1]]
    ws.cell(7, header.index("Date") + 1).value = "31.02.2026"
    wb.save(book)
    column = openpyxl.utils.get_column_letter(header.index("Date") + 1)
    return folder / "config.yaml", f"Activities!{column}7"


def test_python_m_sheets_sync_runs_the_cli_and_exits_with_its_code(tmp_path):
    """The real entry point, in a subprocess: `python -m sheets_sync` is `main`, its return value the
    process's exit code (1 here; `run`'s tests below exit 0; the codes themselves are tested
    in-process), its output on the process's stdout and stderr."""
    config, cell = broken_sample(tmp_path / "broken")
    bad = python_m("-c", str(config), "check")
    assert bad.returncode == 1, bad.stderr
    assert cell in bad.stdout and "not a date" in bad.stdout


def test_version(cli):
    result = cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"sheets-sync {__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(cli, command):
    result = cli(command, "--help")
    assert result.returncode == 0 and "usage: sheets-sync " + command in result.stdout
    assert len(result.stdout.splitlines()) >= 3


def test_init_writes_a_config_and_a_workbook_and_refuses_to_overwrite(cli, tmp_path):
    assert cli("init", str(tmp_path), "--lang", "ru").returncode == 0
    assert (tmp_path / "config.yaml").is_file() and list(tmp_path.glob("*.xlsx"))
    again = cli("init", str(tmp_path))
    assert again.returncode == 2 and "config.yaml" in again.stderr


def test_check_passes_on_the_sample_and_finds_a_bad_cell(cli, team, tmp_path):
    ok = cli("-c", str(team / "config.yaml"), "check")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK:")

    config, cell = broken_sample(tmp_path / "broken")
    bad = cli("check", "-c", str(config))  # options may follow the command too
    assert bad.returncode == 1
    assert cell in bad.stdout and "not a date" in bad.stdout


def _workbook(path: Path, partner: dict, activity: dict) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for tab, header, row in [
        ("Partners", ["ID", "Partner", "Rank", "Manager", "Goal target", "Goal period"], partner),
        ("Contacts", ["Partner", "Email"], None),
        ("Activities", ["Date", "Partner", "Type", "Direction"], activity),
        ("News", ["Date", "Title"], None),
    ]:
        ws = wb.create_sheet(tab)
        ws.append(header)
        if row:
            ws.append([row.get(h) for h in header])
    wb.save(path)


@pytest.mark.parametrize(
    ("partner", "direction", "cell", "problem"),
    [
        (
            {"Goal period": "sometime"},
            None,
            "Partners!F2",
            "Goal period: not a year (2026), quarter (2026-Q4) or month "
            '(2026-11): "sometime": treated as the current year',
        ),
        ({"Rank": "Z"}, None, "Partners!C2", 'Rank: unknown rank "Z" (A, B, C): treated as C'),
        (
            {},
            "sideways",
            "Activities!D2",
            'Direction: unknown direction "sideways" (in or out): treated as out',
        ),
        (
            {"Rank": None},
            "in",
            None,
            None,
        ),  # a blank Rank is noted in Sync note, but is no problem of the cell
    ],
)
def test_check_reports_each_cell_the_cycle_notes(cli, tmp_path, partner, direction, cell, problem):
    _workbook(
        tmp_path / "partners.xlsx",
        {"ID": "P-0001", "Partner": "X", "Rank": "B", "Manager": "m@x.example", "Goal target": 3, **partner},
        {"Date": dt.date(2026, 11, 20), "Partner": "X", "Type": "email", "Direction": direction},
    )
    config = tmp_path / "config.yaml"
    config.write_text("source: {kind: xlsx, path: partners.xlsx}\nstate_dir: state\n")
    check = cli("-c", str(config), "check")
    assert check.returncode == (1 if problem else 0), check.stdout + check.stderr
    once = cli("-c", str(config), "once", "--today", "2026-11-26")
    assert once.returncode == 0, once.stderr
    wb = openpyxl.load_workbook(tmp_path / "partners.xlsx")
    notes = {
        tab: [c.value for c in wb[tab][2]][[h.value for h in wb[tab][1]].index("Sync note")]
        for tab in ("Partners", "Activities")
    }
    if problem:
        tab = cell.split("!")[0]
        column, message = problem.split(": ", 1)
        assert re.search(rf"{re.escape(cell)}\s+{re.escape(column)}\s+{re.escape(message)}", check.stdout), (
            check.stdout
        )
        assert notes[tab].count(problem) == 1, notes[tab]
        assert notes[tab].count(problem.split(":")[0]) == 1  # said once
    else:
        assert check.stdout.startswith("OK:")
        assert notes["Partners"] == "no Rank: treated as C" and notes["Activities"] is None


def test_once_dry_run_writes_nothing_then_once_writes_and_health_is_ok(cli, team):
    config = str(team / "config.yaml")
    book = next(team.glob("*.xlsx"))
    data = book.read_bytes()
    dry = cli("-c", config, "once", "--dry-run", "--today", "2026-11-26")
    assert dry.returncode == 0, dry.stderr
    assert "Partners by touch status and rank" in dry.stdout and "Dry run" in dry.stdout
    assert book.read_bytes() == data

    real = cli("once", "--today", "2026-11-26", env={"SHEETS_SYNC_CONFIG": config})
    assert real.returncode == 0, real.stderr
    assert "Wrote" in real.stdout and book.read_bytes() != data
    assert cli("-c", config, "health").returncode == 0


def test_health_fails_when_the_last_cycle_failed_and_recovers_with_the_next(cli, team):
    config = str(team / "config.yaml")
    book = next(team.glob("*.xlsx"))
    assert cli("-c", config, "once").returncode == 0
    assert cli("-c", config, "health").returncode == 0
    moved = book.rename(book.with_name("elsewhere.xlsx"))
    assert cli("-c", config, "once").returncode == 1
    after_failure = cli("-c", config, "health")
    assert (
        after_failure.returncode == 1
        and "the last cycle" in after_failure.stdout
        and "failed" in after_failure.stdout
    )
    moved.rename(book)
    assert cli("-c", config, "once").returncode == 0
    assert cli("-c", config, "health").returncode == 0


def test_health_fails_before_any_cycle(cli, tmp_path):
    copy_sample(tmp_path)
    result = cli("-c", str(tmp_path / "config.yaml"), "health")
    assert result.returncode == 1 and "no successful cycle" in result.stdout


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        ("source: {kind: xlsx, path: p.xlsx}\nranks: {A: {every: weekly}}\n", "ranks.A.every"),
        ("source: {kind: xlsx}\n", "source.path"),
        ("source: [oops\n", "not valid YAML"),
    ],
)
def test_bad_configuration_exits_2_with_the_key_path(cli, tmp_path, config_text, message):
    (tmp_path / "config.yaml").write_text(config_text)
    result = cli("check", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("holidays: {country: XX}", "holidays.country:"),
        ("templates_dir: /nonexistent", "templates_dir: /nonexistent is not a folder"),
        ("mail: {from: partner team}", "mail.from:"),
        ("followup: {mdoe: send}", "followup.mdoe: unknown key"),
        ("mail: {smtp: {password: hunter2}}", "mail.smtp.password: a password is never read"),
    ],
)
def test_check_refuses_the_configurations_a_cycle_refuses(cli, team, tmp_path, extra, message):
    shutil.copy(team / "partners.xlsx", tmp_path / "partners.xlsx")
    config = tmp_path / "config.yaml"
    config.write_text(f"source: {{kind: xlsx, path: partners.xlsx}}\nstate_dir: state\n{extra}\n")
    check = cli("-c", str(config), "check")
    once = cli("-c", str(config), "once", "--today", "2026-11-26")
    assert (check.returncode, once.returncode) == (2, 2), check.stdout + once.stdout
    assert message in check.stderr and check.stderr == once.stderr
    assert "hunter2" not in check.stderr + check.stdout


def test_a_missing_required_header_exits_2(cli, tmp_path):
    copy_sample(tmp_path)
    book = next(tmp_path.glob("*.xlsx"))
    wb = openpyxl.load_workbook(book)
    ws = wb["Contacts"]
    for cell in ws[1]:
        if cell.value == "Email":
            cell.value = "E-mail address"
    wb.save(book)
    result = cli("-c", str(tmp_path / "config.yaml"), "once")
    assert result.returncode == 2 and '"Email" column' in result.stderr


def test_a_missing_workbook_fails_the_cycle_with_exit_1(cli, tmp_path):
    copy_sample(tmp_path)
    next(tmp_path.glob("*.xlsx")).unlink()
    result = cli("-c", str(tmp_path / "config.yaml"), "once")
    assert result.returncode == 1 and "does not exist" in result.stderr


def test_bad_usage_exits_2(cli):
    assert cli("once", "--today", "tomorrow").returncode == 2
    assert cli("frobnicate").returncode == 2


def test_demo_runs_one_cycle(cli, tmp_path):
    result = cli("demo", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout


def test_run_polls_and_stops_cleanly_on_sigterm(cli, tmp_path):
    """`run` in a subprocess: SIGTERM is sent to the worker's process (health is asked in this one)."""
    copy_sample(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text(config.read_text() + "\npoll_every: 1\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sheets_sync", "-c", str(config), "--log-format", "json", "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and cli("-c", str(config), "health").returncode != 0:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert '"event": "cycle ' in err and "stopping after the current cycle" in err


def test_sigterm_while_a_slow_smtp_server_holds_the_cycle_stops_run_within_seconds(tmp_path):
    copy_sample(tmp_path)
    config = tmp_path / "config.yaml"
    settings = yaml.safe_load(config.read_text())
    handler = RecordingHandler(delay=1.0)  # a second per message: the sample's ~20 emails take ~20 s
    with SmtpServer(handler) as server:
        smtp = {"host": server.host, "port": server.port, "security": "none"}
        settings["mail"].update(transport="smtp", smtp=smtp)
        config.write_text(yaml.safe_dump(settings))
        proc = subprocess.Popen(
            [sys.executable, "-m", "sheets_sync", "-c", str(config), "run"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not handler.received and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert handler.received, "the cycle never started sending"
            proc.send_signal(signal.SIGTERM)  # the second message is on the wire now
            signalled = time.monotonic()
            out, err = proc.communicate(timeout=60)
            took = time.monotonic() - signalled
        finally:
            proc.kill()
        sent = len(handler.received)
    assert proc.returncode == 0, err
    assert took < 5, f"took {took:.1f} s to stop"
    assert "stopping after the current cycle" in err and "(the worker is stopping)" in out
    with sqlite3.connect(tmp_path / settings["state_dir"] / LEDGER_FILE) as db:
        rows = dict(db.execute("SELECT status, count(*) FROM sends GROUP BY status").fetchall())
        unlogged = db.execute("SELECT count(*) FROM sends WHERE logged = 0").fetchone()[0]
    assert rows == {"sent": sent} and sent <= 3  # what went out is recorded sent; nothing else began
    assert unlogged == 0  # and the workbook, written on the way out, logs it


def test_once_with_the_mail_server_out_of_reach_writes_the_sheet_and_exits_1(cli, tmp_path):
    copy_sample(tmp_path)
    config_path = tmp_path / "config.yaml"
    config = yaml.safe_load(config_path.read_text())
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config["mail"].update(transport="smtp", smtp={"host": "127.0.0.1", "port": port, "security": "none"})
    config_path.write_text(yaml.safe_dump(config))
    book = next(tmp_path.glob("*.xlsx"))
    before = book.read_bytes()

    result = cli("-c", str(config_path), "once", "--today", "2026-11-26")
    assert result.returncode == 1 and "Cannot connect to the SMTP server" in result.stderr
    assert "deferred" in result.stderr
    assert book.read_bytes() != before  # the sheet is still brought up to date
    health = cli("-c", str(config_path), "health")
    assert health.returncode == 1 and "Cannot connect" in health.stdout
