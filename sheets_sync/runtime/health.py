"""`health`: what the worker's last cycles leave in `state_dir/health.json`, and whether all is well.

`record_health` notes each cycle's outcome (never raising: when the disk refuses the file, the
record is kept in memory for this process); `is_healthy` answers Docker's HEALTHCHECK from that
record and from what it checks on disk itself (the state directory, the ledger, the outbox).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sheets_sync.config import Config
from sheets_sync.files import write_atomic
from sheets_sync.i18n import words
from sheets_sync.mail.ledger import LEDGER_FILE, MARKER_FILE, MIN_FREE_BYTES

if TYPE_CHECKING:
    from sheets_sync.runtime.cycle import CycleReport

log = logging.getLogger(__name__)
HEALTH_FILE = "health.json"

STALLED_POLLS = 3  # cycles in a row in which the mail server put off every due email: unhealthy
INBOX_FAILED_POLLS = 3  # cycles in a row in which the team inbox could not be read: unhealthy
# health.json's object as JSON reads it (a hand-edited file may hold anything in any field)
Health = dict[str, Any]
_remembered: dict[Path, Health] = {}  # health.json per state_dir, kept here too when the disk refuses it


def record_health(
    config: Config, now: dt.datetime, ok: bool, error: str = "", report: CycleReport | None = None
) -> None:
    """Note the cycle's outcome in `state_dir/health.json`, for `health` and the next cycles.

    With `report`, also since when the workbook has been left unwritten (a lock file, no write
    permission: kept until a write lands, so a lock held across many cycles is seen as one) and
    how many cycles in a row the mail server has put off every email that was due. Never raises:
    when the disk refuses the file, the record is kept in memory for this process's next cycles
    (and `health`, which checks the state directory itself, reports the disk).
    """
    path = config.state_dir / HEALTH_FILE
    previous = read_health(config)
    data: Health = {
        "last_success": now.isoformat() if ok else previous.get("last_success"),
        "last_attempt": now.isoformat(),
        "last_error": error,
        "poll_every": config.poll_every,
        "unwritten_since": previous.get("unwritten_since"),
        "held_by": previous.get("held_by", ""),
        "unwritten_why": previous.get("unwritten_why", ""),
        "stalled_cycles": previous.get("stalled_cycles", 0),
        "stalled_why": previous.get("stalled_why", ""),
        "inbox_failures": previous.get("inbox_failures", 0),
        "inbox_why": previous.get("inbox_why", ""),
    }
    if report is not None and config.inbox.enabled:  # polled even when the workbook is skipped
        failed = bool(report.inbox_fault)
        data["inbox_failures"] = _count(previous.get("inbox_failures")) + 1 if failed else 0
        data["inbox_why"] = report.inbox_fault
    if report is not None and not report.skipped:
        if report.not_written and not report.written:
            data["unwritten_since"] = previous.get("unwritten_since") or now.isoformat()
            data["held_by"], data["unwritten_why"] = report.locked_by, report.not_written
        elif report.plan is not None:
            data["unwritten_since"], data["held_by"], data["unwritten_why"] = None, "", ""
        delivery = report.delivery
        if delivery is not None and delivery.is_stalled:
            data["stalled_cycles"] = _count(previous.get("stalled_cycles")) + 1
            data["stalled_why"] = delivery.unreachable or (
                delivery.deferred[-1][1] if delivery.deferred else ""
            )
        elif delivery is not None:
            data["stalled_cycles"], data["stalled_why"] = 0, ""
    _remembered[path] = data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data).encode("utf-8"))
    except OSError as exc:
        log.warning("cannot write %s (%s): the health record is kept in memory", path, exc.strerror or exc)


def _count(value: object) -> int:
    """A count as health.json holds it; anything else (a hand-edited file) counts as 0."""
    if not isinstance(value, int | float | str):  # null, a list or an object: int() refuses it too
        return 0
    try:
        return max(int(value), 0)
    except ValueError:
        return 0


def read_health(config: Config) -> Health:
    path = config.state_dir / HEALTH_FILE
    if path in _remembered:  # this process wrote it last (the file may be stale if the disk refused it)
        return dict(_remembered[path])
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def unwritten_for(config: Config, now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """Since when the workbook has been left unwritten (someone has it open, no write permission)
    longer than `xlsx.lock_warn_after`, and why ("open in Excel by ..."); None when it has not."""
    health = read_health(config)
    try:
        since = dt.datetime.fromisoformat(health["unwritten_since"])
    except (KeyError, TypeError, ValueError):
        return None
    if (now - since).total_seconds() < config.xlsx.lock_warn_after:
        return None
    holder = str(health.get("held_by") or "")
    return since, (
        f"it is {holder}" if holder else str(health.get("unwritten_why") or "it cannot be written")
    )


def record_cycle(config: Config, now: dt.datetime, report: CycleReport) -> None:
    """Note a cycle that ran: healthy unless it failed to do its job (`report.failure`)."""
    record_health(config, now, ok=not report.failure, error=report.failure, report=report)


def sheet_notice(config: Config, now: dt.datetime) -> tuple[str, str] | None:
    """The digest line for a workbook left unwritten too long: (the workbook's name, what happened)."""
    stuck = unwritten_for(config, now)
    if stuck is None:
        return None
    since, why = stuck
    w = words(config.language)
    where = config.source.path.name if config.source.path else w.text("notice.the_sheet")
    local = since.astimezone(config.zone)
    held = why.startswith("it is ")  # who has it open, from its lock file (see unwritten_for)
    if held:
        why = w.text("notice.held_by", who=why.removeprefix("it is "))
    text = w.text("notice.not_updated", when=w.moment(local), why=why.rstrip("."))
    return where, w.text("notice.close_it", text=text) if held else text


def state_problems(config: Config) -> list[str]:
    """What keeps the worker from recording its sends or writing its emails, checked on disk now:
    the state directory (writable, free space, the ledger there or lost) and the outbox folder.
    (A ledger damaged inside is found by the cycle that opens it, and reported as its failure.)"""
    problems = []
    state = config.state_dir
    ledger = state / LEDGER_FILE
    try:
        if state.exists():
            if not os.access(state, os.W_OK | os.X_OK):
                problems.append(f"the state directory {state} is not writable")
            elif shutil.disk_usage(state).free < MIN_FREE_BYTES:
                problems.append(f"the disk of the state directory {state} is full")
            if (state / MARKER_FILE).exists() and not _holds_data(ledger):
                problems.append(f"the send ledger {ledger} is lost (run `sheets-sync rebuild-ledger`)")
            elif ledger.exists() and not _looks_like_sqlite(ledger):
                problems.append(f"the send ledger {ledger} is damaged (run `sheets-sync rebuild-ledger`)")
            elif ledger.exists() and not os.access(ledger, os.W_OK):
                problems.append(f"the send ledger {ledger} is read-only")
        if config.mail.transport == "outbox":
            outbox = config.mail.outbox_dir
            folder = next(
                p for p in (outbox, *outbox.parents) if p.exists()
            )  # the folder sending would create
            if not os.access(folder, os.W_OK | os.X_OK):
                problems.append(f"the outbox folder {outbox} is not writable")
            elif shutil.disk_usage(folder).free < MIN_FREE_BYTES:
                problems.append(f"the disk of the outbox folder {outbox} is full")
    except OSError as exc:  # a folder on the way this user may not enter
        problems.append(f"cannot look at {exc.filename or state}: {exc.strerror or exc}")
    return problems


def _holds_data(ledger: Path) -> bool:
    """The ledger file has content, or (a running worker's) WAL holds it for now."""
    wal = Path(f"{ledger}-wal")
    return (ledger.exists() and ledger.stat().st_size > 0) or (wal.exists() and wal.stat().st_size > 0)


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def is_healthy(config: Config, now: dt.datetime) -> tuple[bool, str]:
    """Healthy when the last cycle succeeded, within three polls (plus two minutes' slack); the
    state directory and the outbox can be written; the mail server has not put off every due email
    for STALLED_POLLS cycles in a row, nor has the team inbox been unreadable for INBOX_FAILED_POLLS;
    and the workbook has not been left unwritten (open elsewhere, no write permission) for longer
    than `xlsx.lock_warn_after`.

    Docker's HEALTHCHECK only turns a container unhealthy after several failing checks in a row,
    so one failed cycle that the next poll makes good does not flap it.
    """
    problems = state_problems(config)
    if problems:
        return False, "; ".join(problems)
    health = read_health(config)
    last = health.get("last_success")
    if health.get("last_error") and health.get("last_attempt") != last:
        return False, f"the last cycle ({health.get('last_attempt')}) failed: {health['last_error']}"
    if not last:
        return False, "no successful cycle recorded yet"
    stalled = _count(health.get("stalled_cycles"))
    if stalled >= STALLED_POLLS:
        return (
            False,
            f"the mail server has put off every email due for {stalled} cycles in a row: "
            f"{health.get('stalled_why')}",
        )
    failures = _count(health.get("inbox_failures"))
    if config.inbox.enabled and failures >= INBOX_FAILED_POLLS:
        why = health.get("inbox_why")
        return False, f"the team inbox could not be read for {failures} cycles in a row: {why}"
    stuck = unwritten_for(config, now)
    if stuck is not None:
        since, why = stuck
        return False, f"the workbook has not been written since {since.isoformat(timespec='minutes')}: {why}"
    try:
        age = (now - dt.datetime.fromisoformat(last)).total_seconds()
    except (TypeError, ValueError):
        return False, f"{config.state_dir / HEALTH_FILE} is damaged: no successful cycle can be read from it"
    limit = 3 * config.poll_every + 120
    if age > limit:
        return False, f"last successful cycle {age:.0f} s ago (limit {limit} s)"
    return True, f"last successful cycle {age:.0f} s ago"
