"""What the sheet itself records of the worker's sends: a second memory behind the ledger.

The ledger is the memory of what was sent; the sheet keeps a readable copy: the Activities rows
that log each send (their IDs derive from the ledger key, `workbook.log_row_id`), the cells that
record a send (Follow-up, Sales kit sent, Last newsletter, Last greeting) and the Dashboard's list
of each manager's latest digest. This module reads that copy back, for three uses:

- a new ledger next to a sheet that records sends is a lost ledger, not a fresh start
  (`SheetRecords.count` > 0: the worker refuses to send until `rebuild-ledger` has run);
- `rebuild-ledger` imports into the ledger every send the sheet can key;
- every cycle, a planned message whose log row or digest date the sheet already shows counts as
  sent (`recalled`), so a ledger restored from an old backup cannot send it twice.
The cells need no import: the planner already reads them (a filled Sales kit sent plans no kit).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from sheets_sync.config import Config
from sheets_sync.errors import LedgerError
from sheets_sync.mail.compose.message import message_id_for
from sheets_sync.mail.ledger import Ledger, LedgerEntry, SendStatus
from sheets_sync.model import Book, MessageKind, Plan, digest_key
from sheets_sync.rules.dashboard import digest_dates_shown
from sheets_sync.sheet.workbook import LOG_ID_PREFIX, ReadBook, log_row_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SheetRecords:
    log_rows: dict[str, dt.date | None] = field(default_factory=dict)  # log row ID -> its Date
    digests: dict[str, dt.date] = field(default_factory=dict)  # manager -> latest digest shown
    book: Book | None = None  # for the record cells, counted only when described

    @property
    def count(self) -> int:
        """How many sends the sheet shows by a log row or a digest date (cells alone prove less:
        the team may have typed them)."""
        return len(self.log_rows) + len(self.digests)

    def describe(self) -> str:
        """E.g. "12 rows in Activities that log its emails, the latest digests of 3 managers on
        the Dashboard, 4 filled Follow-up cells"."""
        parts = []
        if self.log_rows:
            parts.append(f"{len(self.log_rows)} rows in Activities that log its emails")
        if self.digests:
            parts.append(f"the latest digests of {len(self.digests)} managers on the Dashboard")
        cells: Counter[str] = _record_cells(self.book) if self.book is not None else Counter()
        parts += [f"{n} filled {column} cells" for column, n in sorted(cells.items())]
        return ", ".join(parts) or "nothing"


def sheet_records(rb: ReadBook) -> SheetRecords:
    """Read every cycle: the log rows and the Dashboard's digest dates (the cells wait for `describe`)."""
    log_rows = {a.id: a.date for a in rb.book.activities if a.id.startswith(LOG_ID_PREFIX)}
    digests = digest_dates_shown(rb.dashboard.rows if rb.dashboard is not None else ())
    return SheetRecords(log_rows, digests, rb.book)


def _record_cells(book: Book) -> Counter[str]:
    cells: Counter[str] = Counter()
    cells["Follow-up"] = sum(1 for a in book.activities if a.follow_up.strip())
    cells["Sales kit sent"] = sum(1 for p in book.partners if p.sales_kit_sent is not None)
    cells["Last newsletter"] = sum(1 for p in book.partners if p.last_newsletter is not None)
    cells["Last greeting"] = sum(1 for c in book.contacts if c.last_greeting is not None)
    return +cells


def recalled(records: SheetRecords, plan: Plan, sender: str, zone: dt.tzinfo) -> list[LedgerEntry]:
    """The messages of `plan` (and today's digests) that the sheet shows as sent already."""
    out = []
    for intent in plan.messages:
        logged = log_row_id(intent.key)
        if logged in records.log_rows:
            day = records.log_rows[logged] or plan.today
            out.append(_entry(intent.key, intent.kind, (*intent.to, *intent.cc), sender, day, zone))
    for manager, day in records.digests.items():
        out.append(_entry(digest_key(manager, day), MessageKind.DIGEST, (manager,), sender, day, zone))
    return out


def _entry(
    key: str, kind: MessageKind, recipients: tuple[str, ...], sender: str, day: dt.date, zone: dt.tzinfo
) -> LedgerEntry:
    at = dt.datetime.combine(day, dt.time(12), tzinfo=zone)  # the sheet keeps the day, not the time
    return LedgerEntry(
        key, kind, message_id_for(key, sender), tuple(a.lower() for a in recipients), sent_at=at
    )


def confirm_fresh_start(ledger: Ledger, records: SheetRecords, now: dt.datetime) -> None:
    """A new ledger next to a sheet that records the worker's sends is a lost ledger: fail closed.

    A ledger stays unverified until a cycle finds that the sheet records no send (a fresh start),
    or `rebuild-ledger` imports what it records.
    """
    if ledger.is_verified:
        return
    if records.count:
        raise LedgerError(
            f"The send ledger {ledger.path} is new, but the sheet records emails that sheets-sync sent "
            f"({records.describe()}): the ledger that knew them is lost (a new state_dir, a deleted "
            f"file). Starting afresh would send some of them again, so nothing is sent. Restore the old "
            f"ledger from a backup, or run `sheets-sync rebuild-ledger` to rebuild it from the sheet."
        )
    if not ledger.read_only:
        ledger.mark_verified(now, "the sheet records no earlier send")


def adopt_recalled(ledger: Ledger, records: SheetRecords, plan: Plan, config: Config) -> list[LedgerEntry]:
    """Planned messages (and digests) the sheet shows as sent but the ledger lacks (a lost ledger,
    an old backup restored) are recorded as sent, so they are not sent again. Returns them."""
    fresh = [
        e
        for e in recalled(records, plan, config.mail.sender, config.zone)
        if ledger.status(e.key) is not SendStatus.SENT
    ]
    if not fresh or ledger.read_only:
        return []
    log.warning("%d messages the sheet shows as sent were missing from the ledger: recorded now", len(fresh))
    ledger.adopt(fresh)
    return fresh


def digest_days(ledger: Ledger, records: SheetRecords, config: Config) -> dict[str, dt.date]:
    """Each manager's latest digest (local date), from the ledger and the Dashboard as read: the
    Dashboard keeps the record even if the ledger is lost."""
    days = dict(records.digests)
    for manager, at in ledger.digest_dates().items():
        day = at.astimezone(config.zone).date()
        days[manager] = max(day, days.get(manager, day))
    return days
