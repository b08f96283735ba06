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
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from sheets_sync.model import MessageKind

if TYPE_CHECKING:
    from sheets_sync.config import Config
    from sheets_sync.render import Message

LEDGER_FILE = "ledger.sqlite3"
SCHEMA_VERSION = 2  # 2: the deferrals table (a version-1 file gains it when opened)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sends (
    key        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    message_id TEXT NOT NULL,
    recipients TEXT NOT NULL,                 -- JSON list of lower-case addresses (To + Cc)
    subject    TEXT NOT NULL DEFAULT '',
    refused    TEXT NOT NULL DEFAULT '{}',    -- JSON {address: server reply}
    reason     TEXT NOT NULL DEFAULT '',      -- why a failed message was refused
    begun_at   REAL NOT NULL,                 -- POSIX seconds
    sent_at    REAL,                          -- when the server accepted it (sent only)
    failed_at  REAL,                          -- when the server refused it (failed only)
    logged     INTEGER NOT NULL DEFAULT 0     -- 1 once an Activities row records the send
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sends_by_sent_at ON sends (sent_at) WHERE status = 'sent';
CREATE INDEX IF NOT EXISTS sends_unlogged ON sends (sent_at) WHERE status = 'sent' AND logged = 0;
CREATE TABLE IF NOT EXISTS deferrals (
    key        TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    first_at   REAL NOT NULL,                 -- POSIX seconds: the cycle that first deferred it
    last_at    REAL NOT NULL,
    reason     TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
"""
_COLUMNS = "key, kind, status, message_id, recipients, subject, refused, reason, sent_at, failed_at"


class SendStatus(StrEnum):
    PENDING = "pending"  # recorded before sending; may or may not have reached the server
    SENT = "sent"
    FAILED = "failed"  # refused by the server (5xx); `reason` says why


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    kind: MessageKind
    message_id: str
    recipients: tuple[str, ...]
    refused: dict[str, str] = field(default_factory=dict, compare=False, hash=False)  # address -> reply
    sent_at: dt.datetime | None = None  # UTC; for a failed message, when it was refused
    subject: str = ""
    status: SendStatus = SendStatus.SENT
    reason: str = ""


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: every write below is one statement, hence one atomic, committed transaction.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        if self._db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            self._db.executescript(_SCHEMA + f"PRAGMA user_version = {SCHEMA_VERSION};")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- one key --------------------------------------------------------------------------

    def status(self, key: str) -> SendStatus | None:
        """None (never tried), "pending", "sent" or "failed" (a StrEnum: compares equal to the text)."""
        row = self._db.execute("SELECT status FROM sends WHERE key = ?", (key,)).fetchone()
        return SendStatus(row[0]) if row else None

    def lookup(self, key: str) -> LedgerEntry | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM sends WHERE key = ?", (key,)).fetchone()
        return _entry(row) if row else None

    def begin(self, message: Message, now: dt.datetime) -> None:
        """Record the message as pending, before the SMTP transaction starts. A sent row stays sent.

        A pending row keeps the Message-ID it was first recorded with: a resend must carry it.
        """
        self._db.execute(
            "INSERT INTO sends (key, kind, status, message_id, recipients, subject, begun_at)"
            " VALUES (?, ?, 'pending', ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET status = 'pending', recipients = excluded.recipients,"
            "   subject = excluded.subject, begun_at = excluded.begun_at, reason = '', failed_at = NULL,"
            "   message_id = CASE status WHEN 'pending' THEN message_id ELSE excluded.message_id END"
            " WHERE status != 'sent'",
            (message.key, _kind(message), message.message_id, _json_list(message.recipients),
             message.subject, _seconds(now)),
        )  # fmt: skip

    def finish(self, message: Message, now: dt.datetime, refused: dict[str, str]) -> None:
        """Mark the message sent, right after the server accepted it (`refused`: recipients it did not)."""
        self._db.execute(
            "INSERT INTO sends (key, kind, status, message_id, recipients, subject, refused, begun_at, sent_at)"
            " VALUES (?, ?, 'sent', ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET status = 'sent', refused = excluded.refused,"
            "   sent_at = excluded.sent_at, reason = '', failed_at = NULL",
            (message.key, _kind(message), message.message_id, _json_list(message.recipients), message.subject,
             json.dumps(refused or {}), _seconds(now), _seconds(now)),
        )  # fmt: skip

    def fail(self, message: Message, now: dt.datetime, reason: str, refused: dict[str, str] | None = None) -> None:
        """Record that the server refused the message for good (5xx). A sent row stays sent."""
        self._db.execute(
            "INSERT INTO sends (key, kind, status, message_id, recipients, subject, refused, reason, begun_at,"
            "   failed_at) VALUES (?, ?, 'failed', ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET status = 'failed', refused = excluded.refused,"
            "   reason = excluded.reason, failed_at = excluded.failed_at, recipients = excluded.recipients"
            " WHERE status != 'sent'",
            (message.key, _kind(message), message.message_id, _json_list(message.recipients), message.subject,
             json.dumps(refused or {}), reason, _seconds(now), _seconds(now)),
        )  # fmt: skip

    # --- many keys ------------------------------------------------------------------------

    def sent_since(self, since: dt.datetime) -> int:
        """How many messages the server accepted at or after `since` (for max_per_minute/day)."""
        row = self._db.execute(
            "SELECT count(*) FROM sends WHERE status = 'sent' AND sent_at >= ?", (_seconds(since),)
        ).fetchone()
        return row[0]

    def send_times(self, since: dt.datetime) -> list[dt.datetime]:
        """When each message accepted at or after `since` went out, oldest first (UTC)."""
        rows = self._db.execute(
            "SELECT sent_at FROM sends WHERE status = 'sent' AND sent_at >= ? ORDER BY sent_at", (_seconds(since),)
        )
        return [_utc(r[0]) for r in rows]

    def last_sent(self, key_prefix: str) -> dt.datetime | None:
        """The latest send whose key starts with `key_prefix` (e.g. "newsletter:C-0007:"), UTC."""
        low, high = _prefix_range(key_prefix)
        row = self._db.execute(
            "SELECT max(sent_at) FROM sends WHERE status = 'sent' AND key >= ? AND key < ?", (low, high)
        ).fetchone()
        return _utc(row[0]) if row and row[0] is not None else None

    def entries(self) -> list[LedgerEntry]:
        """Every message sent so far, oldest first."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM sends WHERE status = 'sent' ORDER BY sent_at, key")
        return [_entry(r) for r in rows]

    def failures(self) -> list[LedgerEntry]:
        """Messages the server refused for good and that were not sent since (oldest first)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM sends WHERE status = 'failed' ORDER BY failed_at, key")
        return [_entry(r) for r in rows]

    def unlogged(self) -> list[LedgerEntry]:
        """Sent, but not yet recorded as an Activities row in the sheet (oldest first)."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM sends WHERE status = 'sent' AND logged = 0 ORDER BY sent_at, key"
        )
        return [_entry(r) for r in rows]

    def defer(self, deferred: Iterable[tuple[Message, str]], now: dt.datetime) -> None:
        """Record messages put off to a later cycle, with why; `now` is the cycle's time, so a
        deferral's local date is the day the planner planned it. Rows of keys sent since are pruned."""
        at = _seconds(now)
        rows = [(m.key, _kind(m), at, at, why) for m, why in deferred]
        if not rows:
            return
        with self._transaction():
            self._db.executemany(
                "INSERT INTO deferrals (key, kind, first_at, last_at, reason) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET last_at = excluded.last_at, reason = excluded.reason",
                rows,
            )
            self._db.execute(
                "DELETE FROM deferrals WHERE EXISTS"
                " (SELECT 1 FROM sends WHERE sends.key = deferrals.key AND status = 'sent')"
            )

    def deferred(self, kind: MessageKind) -> dict[str, dt.datetime]:
        """Keys of `kind` that were put off and have not gone out since -> when first (UTC).

        A `pending` key counts too (a crash or a 4xx interrupted its send); a sent or refused
        (`failed`) one does not.
        """
        rows = self._db.execute(
            "SELECT key, min(at) FROM ("
            "   SELECT key, first_at AS at FROM deferrals WHERE kind = ?1"
            "   UNION ALL SELECT key, begun_at FROM sends WHERE kind = ?1 AND status = 'pending') AS put_off"
            " WHERE NOT EXISTS (SELECT 1 FROM sends WHERE sends.key = put_off.key AND status != 'pending')"
            " GROUP BY key",
            (MessageKind(kind).value,),
        )
        return {key: _utc(at) for key, at in rows}

    def mark_logged(self, keys: Iterable[str]) -> None:
        with self._transaction():
            self._db.executemany("UPDATE sends SET logged = 1 WHERE key = ?", ((k,) for k in keys))

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def open_ledger(config: Config) -> Ledger:
    """The ledger in `state_dir` (created if missing)."""
    return Ledger(config.state_dir / LEDGER_FILE)


def _kind(message: Message) -> str:
    return MessageKind(message.kind).value


def _json_list(recipients: Iterable[str]) -> str:
    return json.dumps(list(recipients))


def _seconds(moment: dt.datetime) -> float:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the ledger needs an aware datetime, got {moment!r}")
    return moment.timestamp()


def _utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def _prefix_range(prefix: str) -> tuple[str, str]:
    """Keys starting with `prefix` are those in [prefix, next) under SQLite's binary collation."""
    if not prefix:
        return "", "\U0010ffff"
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _entry(row: tuple) -> LedgerEntry:
    key, kind, status, message_id, recipients, subject, refused, reason, sent_at, failed_at = row
    when = sent_at if sent_at is not None else failed_at
    return LedgerEntry(key, MessageKind(kind), message_id, tuple(json.loads(recipients)), json.loads(refused),
                       _utc(when) if when is not None else None, subject, SendStatus(status), reason)  # fmt: skip
