"""`sheets-sync rebuild-ledger`: a lost or damaged send ledger rebuilt from what the sheet records.

What the sheet records (see `recall`): the Activities rows that log each send, by an ID derived
from its ledger key; the Dashboard's latest digest per manager; and the record cells (Follow-up,
Sales kit sent, Last newsletter, Last greeting), which the planner reads by itself. The rebuild
runs the cycle's read, recall and plan phases as of `now` and records as sent what
`recall.adopt_recalled` finds (every planned message whose log row the sheet shows, every digest
the Dashboard shows), as every cycle does, so the next cycle sends none of them again.
A damaged ledger is moved aside first (kept, for a person to look at); a readable one is merged
into, never emptied.
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
from sheets_sync.runtime import cycle
from sheets_sync.runtime.recall import SheetRecords, adopt_recalled
from sheets_sync.sources import Source


@dataclass
class Rebuilt:
    path: Path
    records: SheetRecords
    added: Counter[str] = field(default_factory=Counter)  # kind -> sends recorded from the sheet
    moved_to: Path | None = None  # where a damaged ledger was set aside
    known: int = 0  # sends the ledger already had

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
        lines.append(
            "The cells that record sends keep the planner from sending those again; the next cycle "
            "sends only what the sheet does not show as sent."
        )
        return "\n".join(lines)


def rebuild_ledger(source: Source, config: Config, now: dt.datetime) -> Rebuilt:
    """Raises LedgerError when the ledger cannot be written (fix that first)."""
    path = config.state_dir / LEDGER_FILE
    moved_to = _set_aside_unless_readable(path, now)
    with Ledger(path) as ledger:
        ledger.verify()
        ledger.check_room()
        reading = cycle.read(source, config)
        memory = cycle.recall(ledger, config)
        planned = cycle.plan(reading, memory, config, now.date())
        fresh = adopt_recalled(ledger, reading.records, planned.plan, config)
        ledger.mark_verified(now, "rebuilt from the sheet")
    added = Counter(e.kind.value for e in fresh)
    return Rebuilt(path, reading.records, added, moved_to, len(memory.sent))


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
