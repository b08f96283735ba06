"""The send ledger: one SQLite row per idempotency key, so a message is sent once across restarts.

A row goes `pending` (committed before the SMTP transaction starts) -> `sent` (committed as soon
as the server accepted the message). A crash between the two leaves it `pending`, and the next
cycle sends it again with the same Message-ID: the only repeat there can be. A message the
server refused outright becomes `failed`, with the reason and the recipients it was refused for.
A message put off to a later cycle (the caps, a 4xx, a server out of reach) is recorded in
`deferrals`: the evidence that a greeting was due on its day, which lets a later day still send it.

Durability: WAL with synchronous=NORMAL. Every commit survives the process being killed (the crash
test kills it with SIGKILL, and it is what an OOM kill or `docker kill` does). A power cut or a
kernel crash can roll back the last commits, which at worst sends those few messages again, with
the same Message-IDs. synchronous=FULL would close that gap at the price of an fsync per commit,
two per message: 0.4 ms per message on an idle disk but 3 ms and more on a busy one, where it made
SQLite the bottleneck of bench/bench_smtp.py (the target is 100 messages/s).
Times are stored as POSIX seconds and returned in UTC.

It fails closed (ledger_file.py tells the faults apart). A ledger that cannot be read (damaged,
lost, replaced while the worker runs) raises `LedgerError`: the cycle sends and writes nothing. One
that can be read but not written (read-only, a full disk) is opened read-only: the cycle plans and
writes the sheet, and `check_room` stops every send before it starts. A message whose `sent` record
fails is kept in memory, so this process never sends it again. A new ledger stays "unverified"
until the worker has checked that the sheet records no earlier send (see `sheets_sync.runtime.recall`), or
`rebuild-ledger` has imported them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sheets_sync.errors import LedgerError
from sheets_sync.mail import ledger_rows as stored
from sheets_sync.mail.ledger_file import MARKER_FILE, MIN_FREE_BYTES, RESERVE_FILE, LedgerFile, guarded
from sheets_sync.mail.ledger_inbox import InboxMemory
from sheets_sync.mail.ledger_rows import LedgerEntry, SendStatus
from sheets_sync.model import MessageKey, MessageKind

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from sheets_sync.config import Config
    from sheets_sync.mail.compose.render import Message

LEDGER_FILE = "ledger.sqlite3"
__all__ = [
    "LEDGER_FILE",
    "MARKER_FILE",
    "MIN_FREE_BYTES",
    "RESERVE_FILE",
    "Ledger",
    "LedgerEntry",
    "SendStatus",
]


class Ledger(InboxMemory):
    """The ledger file at `path`, opened on first use (and again after a fault, at the next `verify`)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.file = LedgerFile(self.path)
        self.marker = self.file.marker
        self._db: sqlite3.Connection | None = None
        # Accepted by the server, but the `sent` record failed: this process never sends them again,
        # and writes them down as soon as the ledger takes writes again.
        self._unrecorded: dict[str, tuple[Message, dt.datetime, dict[str, str]]] = {}

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
        self._db = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- opening and checking -------------------------------------------------------------

    @property
    def read_only(self) -> str:
        """Why the ledger can be read but not written ('' when it can be written)."""
        return self.file.read_only

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = self.file.open(stored.prepare, stored.SCHEMA_VERSION)
        return self._db

    def verify(self) -> None:
        """At the start of a cycle: the ledger is there, is the file it was, and reads as a ledger.

        Raises LedgerError otherwise (after which the next call opens and checks it afresh). A
        ledger opened read-only is opened again, so a freed disk or a fixed permission lets it write.
        """
        if self._db is not None and not self.file.is_same_file():
            self.close()
            raise self.file.replaced()
        if self.read_only:
            self.close()
        self._conn  # noqa: B018 - opens and checks it
        try:
            self._flush_unrecorded()
        except LedgerError as exc:  # still refused: kept in memory, and check_room stops sending
            log.warning("%s", exc)

    def check_room(self) -> None:
        """Before each send: the ledger can take its two records. Raises LedgerError(readable) when not."""
        self._conn  # noqa: B018 - opens it
        self.file.check_room()

    @property
    def is_verified(self) -> bool:
        """Whether the sheet was checked to record no send this ledger does not know (or rebuilt from it)."""
        row = self._read("SELECT value FROM meta WHERE name = 'verified'").fetchone()
        return row is not None

    @guarded("record that the sheet was checked")
    def mark_verified(self, now: dt.datetime, how: str) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO meta (name, value) VALUES ('verified', ?)", (f"{now.isoformat()} {how}",)
        )

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, params)
        except sqlite3.Error as exc:
            raise self.file.fault("read", exc) from None

    def _flush_unrecorded(self) -> None:
        """Write down the sends the server accepted while the ledger refused writes, once it takes them."""
        if not self._unrecorded or self.read_only:
            return
        for key, (message, when, refused) in list(self._unrecorded.items()):
            self._finish(message, when, refused)
            del self._unrecorded[key]

    # --- one key --------------------------------------------------------------------------

    def status(self, key: str) -> SendStatus | None:
        """None (never tried), "pending", "sent" or "failed" (a StrEnum: compares equal to the text)."""
        entry = self.lookup(key)
        return entry.status if entry else None

    def lookup(self, key: str) -> LedgerEntry | None:
        if key in self._unrecorded:
            return stored.unrecorded_entry(*self._unrecorded[key])
        row = self._read(f"SELECT {stored.COLUMNS} FROM sends WHERE key = ?", (key,)).fetchone()
        return stored.entry_of(row) if row else None

    @guarded("record a message as being sent")
    def begin(self, message: Message, now: dt.datetime) -> None:
        """Record the message as pending, before the SMTP transaction starts. A sent row stays sent.

        A pending row keeps the Message-ID it was first recorded with: a resend must carry it.
        """
        self._conn.execute(
            "INSERT INTO sends (key, kind, status, message_id, recipients, subject, begun_at)"
            " VALUES (?, ?, 'pending', ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET status = 'pending', recipients = excluded.recipients,"
            "   subject = excluded.subject, begun_at = excluded.begun_at, reason = '', failed_at = NULL,"
            "   message_id = CASE status WHEN 'pending' THEN message_id ELSE excluded.message_id END"
            " WHERE status != 'sent'",
            (
                message.key,
                stored.kind_of(message),
                message.message_id,
                stored.json_list(message.recipients),
                message.subject,
                stored.seconds(now),
            ),
        )

    def finish(self, message: Message, now: dt.datetime, refused: dict[str, str]) -> None:
        """Mark the message sent, right after the server accepted it (`refused`: recipients it did not).

        If the ledger refuses the write, the send is kept in memory (never sent again by this
        process, written down at the next `verify` that finds the ledger writable) and LedgerError
        is raised: the caller stops sending.
        """
        try:
            self._finish(message, now, refused)
        except LedgerError:
            self._unrecorded[message.key] = (message, now, dict(refused or {}))
            raise

    @guarded("record a message as sent")
    def _finish(self, message: Message, now: dt.datetime, refused: dict[str, str]) -> None:
        self._conn.execute(
            "INSERT INTO sends (key, kind, status, message_id, recipients, subject, refused,"
            " begun_at, sent_at)"
            " VALUES (?, ?, 'sent', ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET status = 'sent', refused = excluded.refused,"
            "   sent_at = excluded.sent_at, reason = '', failed_at = NULL",
            (
                message.key,
                stored.kind_of(message),
                message.message_id,
                stored.json_list(message.recipients),
                message.subject,
                json.dumps(refused or {}),
                stored.seconds(now),
                stored.seconds(now),
            ),
        )

    @guarded("record a message the server refused")
    def fail(
        self, message: Message, now: dt.datetime, reason: str, refused: dict[str, str] | None = None
    ) -> None:
        """Record that the server refused the message for good (5xx). A sent row stays sent."""
        self._conn.execute(
            "INSERT INTO sends (key, kind, status, message_id, recipients, subject, refused, reason,"
            " begun_at,   failed_at)"
            " VALUES (?, ?, 'failed', ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET status = 'failed', refused = excluded.refused,"
            "   reason = excluded.reason, failed_at = excluded.failed_at, recipients = excluded.recipients"
            " WHERE status != 'sent'",
            (
                message.key,
                stored.kind_of(message),
                message.message_id,
                stored.json_list(message.recipients),
                message.subject,
                json.dumps(refused or {}),
                reason,
                stored.seconds(now),
                stored.seconds(now),
            ),
        )

    # --- many keys ------------------------------------------------------------------------

    def sent_since(self, since: dt.datetime) -> int:
        """How many messages the server accepted at or after `since` (for max_per_minute/day)."""
        row = self._read(
            "SELECT count(*) FROM sends WHERE status = 'sent' AND sent_at >= ?", (stored.seconds(since),)
        )
        count: int = row.fetchone()[0]
        return count + sum(1 for _, at, _ in self._unrecorded.values() if at >= since)

    def send_times(self, since: dt.datetime) -> list[dt.datetime]:
        """When each message accepted at or after `since` went out, oldest first (UTC)."""
        rows = self._read(
            "SELECT sent_at FROM sends WHERE status = 'sent' AND sent_at >= ? ORDER BY sent_at",
            (stored.seconds(since),),
        )
        extra = [at.astimezone(dt.UTC) for _, at, _ in self._unrecorded.values() if at >= since]
        return sorted([stored.utc(r[0]) for r in rows] + extra)

    def last_sent(self, key_prefix: str) -> dt.datetime | None:
        """The latest send whose key starts with `key_prefix` (e.g. "newsletter:C-0007:"), UTC."""
        low, high = stored.prefix_range(key_prefix)
        row = self._read(
            "SELECT max(sent_at) FROM sends WHERE status = 'sent' AND key >= ? AND key < ?", (low, high)
        ).fetchone()
        return stored.utc(row[0]) if row and row[0] is not None else None

    def entries(self) -> list[LedgerEntry]:
        """Every message sent so far, oldest first."""
        rows = self._read(f"SELECT {stored.COLUMNS} FROM sends WHERE status = 'sent' ORDER BY sent_at, key")
        return [stored.entry_of(r) for r in rows] + [
            stored.unrecorded_entry(*u) for u in self._unrecorded.values()
        ]

    def failures(self) -> list[LedgerEntry]:
        """Messages the server refused for good and that were not sent since (oldest first)."""
        rows = self._read(
            f"SELECT {stored.COLUMNS} FROM sends WHERE status = 'failed' ORDER BY failed_at, key"
        )
        return [stored.entry_of(r) for r in rows]

    def unlogged(self) -> list[LedgerEntry]:
        """Sent, but not yet recorded as an Activities row in the sheet (oldest first)."""
        rows = self._read(
            f"SELECT {stored.COLUMNS} FROM sends WHERE status = 'sent' AND logged = 0 ORDER BY sent_at, key"
        )
        return [stored.entry_of(r) for r in rows] + [
            stored.unrecorded_entry(*u) for u in self._unrecorded.values()
        ]

    @guarded("record the messages put off")
    def defer(self, deferred: Iterable[tuple[Message, str]], now: dt.datetime) -> None:
        """Record messages put off to a later cycle, with why; `now` is the cycle's time, so a
        deferral's local date is the day the planner planned it. Rows of keys sent since are pruned."""
        at = stored.seconds(now)
        rows = [(m.key, stored.kind_of(m), at, at, why) for m, why in deferred]
        if not rows:
            return
        with self._transaction():
            self._conn.executemany(
                "INSERT INTO deferrals (key, kind, first_at, last_at, reason) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET last_at = excluded.last_at, reason = excluded.reason",
                rows,
            )
            self._conn.execute(
                "DELETE FROM deferrals WHERE EXISTS"
                " (SELECT 1 FROM sends WHERE sends.key = deferrals.key AND status = 'sent')"
            )

    def deferred(self, kind: MessageKind) -> dict[str, dt.datetime]:
        """Keys of `kind` that were put off and have not gone out since -> when first (UTC).

        A `pending` key counts too (a crash or a 4xx interrupted its send); a sent or refused
        (`failed`) one does not.
        """
        rows = self._read(
            "SELECT key, min(at) FROM ("
            "   SELECT key, first_at AS at FROM deferrals WHERE kind = ?1"
            "   UNION ALL SELECT key, begun_at FROM sends WHERE kind = ?1 AND status = 'pending') AS put_off"
            " WHERE NOT EXISTS (SELECT 1 FROM sends WHERE sends.key = put_off.key AND status != 'pending')"
            " GROUP BY key",
            (MessageKind(kind).value,),
        )
        return {key: stored.utc(at) for key, at in rows}

    @guarded("record that sends were logged in the sheet")
    def mark_logged(self, keys: Iterable[str]) -> None:
        keys = [k for k in keys if k not in self._unrecorded]
        with self._transaction():
            self._conn.executemany("UPDATE sends SET logged = 1 WHERE key = ?", ((k,) for k in keys))

    @guarded("record a send the sheet shows")
    def adopt(self, entries: Iterable[LedgerEntry]) -> int:
        """Record sends the sheet shows but this ledger lacks (a lost ledger, see `recall`) as sent
        and logged; returns how many were new. A key the ledger already has as sent is left alone."""
        rows = [
            (
                e.key,
                MessageKind(e.kind).value,
                e.message_id,
                stored.json_list(e.recipients),
                e.subject,
                stored.seconds(e.sent_at),
                stored.seconds(e.sent_at),
            )
            for e in entries
            if e.sent_at is not None
        ]
        if not rows:
            return 0
        with self._transaction():
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT INTO sends (key, kind, status, message_id, recipients, subject, begun_at,"
                " sent_at, logged)"
                " VALUES (?, ?, 'sent', ?, ?, ?, ?, ?, 1)"
                " ON CONFLICT (key) DO UPDATE SET status = 'sent', sent_at = excluded.sent_at, logged = 1,"
                "   reason = '', failed_at = NULL WHERE status != 'sent'",
                rows,
            )
            return self._conn.total_changes - before

    def digest_dates(self) -> dict[str, dt.datetime]:
        """Each manager's latest digest the server accepted: address -> when (UTC)."""
        rows = self._read("SELECT key, sent_at FROM sends WHERE kind = 'digest' AND status = 'sent'")
        out: dict[str, dt.datetime] = {}
        for key, at in rows:
            manager = MessageKey.parse(key).target
            if manager and (manager not in out or stored.utc(at) > out[manager]):
                out[manager] = stored.utc(at)
        return out

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")


def open_ledger(config: Config) -> Ledger:
    """The ledger in `state_dir` (created on first use if missing and never seen there before)."""
    return Ledger(config.state_dir / LEDGER_FILE)
