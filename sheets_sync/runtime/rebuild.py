"""`sheets-sync rebuild-ledger`: a lost or damaged send ledger rebuilt from what the sheet records.

What the sheet records (see `recall`): the Activities rows that log each send, by an ID derived
from its ledger key; the Dashboard's latest digest per manager; and the record cells (Follow-up,
Sales kit sent, Last newsletter, Last greeting), which the planner reads by itself. The rebuild
runs the cycle's read, recall and plan phases as of `now` and records as sent what
`recall.adopt_recalled` finds (every planned message whose log row the sheet shows, every digest
the Dashboard shows), as every cycle does, so the next cycle sends none of them again.
A damaged ledger is moved aside first (kept, for a person to look at); a readable one is merged
into, never emptied.

With an inbox, the Email status cells are what the sheet records of the inbox: every cycle rewrites
them from the ledger's record of bounces and unsubscribes, and the messages themselves may have left
the mailbox. Each filled cell the ledger has no bounce or unsubscribe for is recorded back as the
message it stands for (rules.inbox_status), so the next cycle writes the same status and mails
nothing to that address.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sheets_sync.config import Config
from sheets_sync.errors import LedgerError
from sheets_sync.mail.ledger import LEDGER_FILE, Ledger
from sheets_sync.model import ContactColumn, Outcome, Problem, Tab
from sheets_sync.rules.inbox_status import Recovered, recover_email_statuses
from sheets_sync.runtime import cycle
from sheets_sync.runtime.inbox import mailbox_name
from sheets_sync.runtime.recall import SheetRecords, adopt_recalled
from sheets_sync.sources import Source

_SHOWN = 80  # characters of a cell quoted in the summary


@dataclass
class Rebuilt:
    path: Path
    records: SheetRecords
    added: Counter[str] = field(default_factory=Counter)  # kind -> sends recorded from the sheet
    moved_to: Path | None = None  # where a damaged ledger was set aside
    known: int = 0  # sends the ledger already had
    statuses: Recovered | None = None  # Email statuses recovered from the sheet (None: no inbox)
    not_understood: list[str] = field(default_factory=list)  # those cells, as 'Contacts!K7: "text"'

    def summary(self) -> str:
        if self.known and not self.moved_to:
            lines = [
                f"The send ledger {self.path} was intact ({self.known} sends); checked it against the sheet."
            ]
        else:
            lines = [f"Rebuilt the send ledger {self.path} from the sheet."]
        if self.moved_to:
            lines.append(f"The damaged ledger was moved aside to {self.moved_to}.")
        lines.append(f"The sheet records: {self.records.describe()}.")
        if self.added:
            what = ", ".join(f"{n} {kind}" for kind, n in sorted(self.added.items()))
            lines.append(f"Recorded as sent: {sum(self.added.values())} ({what}).")
        else:
            lines.append("Recorded as sent: none (nothing the next cycle plans is shown as sent).")
        if self.statuses is not None:
            lines.append(self._statuses_line(self.statuses))
        if self.not_understood:
            lines.append(
                "Email status cells not understood, kept as bounces (no newsletter or greeting goes to "
                "those addresses until the team changes the Email): " + "; ".join(self.not_understood) + "."
            )
        lines.append(
            "The cells that record sends keep the planner from sending those again; the next cycle "
            "sends only what the sheet does not show as sent."
        )
        return "\n".join(lines)

    @staticmethod
    def _statuses_line(statuses: Recovered) -> str:
        n = len(statuses.received)
        if not n:
            return "Email statuses recovered from the sheet: none (the ledger had every one the sheet shows)."
        bounced, unsubscribed = statuses.count(Outcome.BOUNCE), statuses.count(Outcome.UNSUBSCRIBE)
        return (
            f"Email statuses recovered from the sheet: {n} ({bounced} bounced, {unsubscribed} "
            "unsubscribed); the next cycle writes them back as they are."
        )


def rebuild_ledger(source: Source, config: Config, now: dt.datetime) -> Rebuilt:
    """Raises LedgerError when the ledger cannot be written (fix that first)."""
    path = config.state_dir / LEDGER_FILE
    moved_to = _set_aside_unless_readable(path, now)
    with Ledger(path) as ledger:
        ledger.verify()
        ledger.check_room()
        reading = cycle.read(source, config)
        statuses = _recover_email_statuses(ledger, reading, config, now) if config.inbox.enabled else None
        memory = cycle.recall(ledger, config)  # with those statuses: the plan is the next cycle's
        planned = cycle.plan(reading, memory, config, now.date())
        fresh = adopt_recalled(ledger, reading.records, planned.plan, config)
        ledger.mark_verified(now, "rebuilt from the sheet")
    added = Counter(e.kind.value for e in fresh)
    lost = [_quoted(reading, n.row, n.text) for n in statuses.not_understood] if statuses else []
    return Rebuilt(path, reading.records, added, moved_to, len(memory.sent), statuses, lost)


def _recover_email_statuses(
    ledger: Ledger, reading: cycle.Reading, config: Config, now: dt.datetime
) -> Recovered:
    """Record, in one transaction, the Email statuses the sheet shows and the ledger does not know.
    The mailbox's cursor is written back as it was (a mailbox never read stays never read: no real
    UIDVALIDITY is 0), so the next cycle reads the mailbox exactly as it would have."""
    known = {r.address for r in ledger.received() if r.outcome in (Outcome.BOUNCE, Outcome.UNSUBSCRIBE)}
    found = recover_email_statuses(reading.sheet.book, known, config.zone, now.astimezone(config.zone).date())
    if found.received:
        name = mailbox_name(config)
        uidvalidity, last_uid = ledger.mailbox_cursor(name) or (0, 0)
        ledger.record_received(name, uidvalidity, last_uid, found.received, now)
    return found


def _quoted(reading: cycle.Reading, row: int, text: str) -> str:
    where = reading.sheet.cell_ref(Problem(Tab.CONTACTS, row, ContactColumn.EMAIL_STATUS.value, ""))
    shown = " ".join(text.split())
    shown = shown if len(shown) <= _SHOWN else shown[: _SHOWN - 1] + "…"
    return f'{where}: "{shown}"'


def _set_aside_unless_readable(path: Path, now: dt.datetime) -> Path | None:
    """A ledger that cannot be opened (damaged, emptied) is renamed, with its -wal and -shm; the
    marker that says a ledger existed goes too, so a fresh one can be made. Returns the new name."""
    try:
        with Ledger(path) as ledger:
            ledger.verify()
        return None
    except LedgerError as exc:
        if exc.readable:
            raise
    marker = Ledger(path).marker
    if not path.exists():
        marker.unlink(missing_ok=True)
        return None
    aside = path.with_name(f"{path.name}.damaged-{now:%Y%m%dT%H%M%S}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{aside}{suffix}"))
    marker.unlink(missing_ok=True)
    return aside
