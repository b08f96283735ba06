"""The ledger's tables and rows: the schema (older files gain the new tables when opened), the
entry a row reads back as, and how values are stored (times as POSIX seconds, lists as JSON)."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sheets_sync.model import MessageKind

if TYPE_CHECKING:
    from sheets_sync.mail.compose.message import Message

# 2: the deferrals table; 3: the meta table; 4: the inbox tables; 5: received.returns_on (older files
# gain what they lack)
SCHEMA_VERSION = 5
SCHEMA = """
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
CREATE TABLE IF NOT EXISTS meta (
    name       TEXT PRIMARY KEY,              -- 'verified': when the sheet was found to record no older sends
    value      TEXT NOT NULL
) WITHOUT ROWID;
"""
# The team inbox (SPEC 4a; mail/ledger_inbox.py reads and writes them)
INBOX_SCHEMA = """
CREATE TABLE IF NOT EXISTS received (
    message_id TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',      -- the contact's address (a bounce may name several)
    outcome    TEXT NOT NULL,                 -- response | touch | bounce | unsubscribe | ignored
    at         REAL NOT NULL,                 -- the message's Date, POSIX seconds
    partner_id TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    subject    TEXT NOT NULL DEFAULT '',
    summary    TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    new_person INTEGER NOT NULL DEFAULT 0,
    logged     INTEGER NOT NULL DEFAULT 0,    -- 1 once its Activities row is in the sheet
    seen_at    REAL NOT NULL,                 -- when the worker processed it
    returns_on TEXT NOT NULL DEFAULT '',      -- an out-of-office's return date, YYYY-MM-DD
    PRIMARY KEY (message_id, address)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS received_kept ON received (at) WHERE outcome != 'ignored';
CREATE TABLE IF NOT EXISTS mailboxes (
    name        TEXT PRIMARY KEY,             -- host, user and folder: another mailbox is read afresh
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL
) WITHOUT ROWID;
"""
COLUMNS = "key, kind, status, message_id, recipients, subject, refused, reason, sent_at, failed_at"


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


def prepare(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version < SCHEMA_VERSION:
        # A ledger made before the `verified` mark existed has been this sheet's memory all along
        # (it is no new ledger next to an old sheet): it counts as verified.
        inherited = f"INSERT OR IGNORE INTO meta VALUES ('verified', 'schema {version} ledger upgraded');"
        db.executescript(
            SCHEMA
            + INBOX_SCHEMA
            + (inherited if 0 < version < 3 else "")  # 3 knows the mark itself
            + ("ALTER TABLE received ADD COLUMN returns_on TEXT NOT NULL DEFAULT '';" if version == 4 else "")
            + f"PRAGMA user_version = {SCHEMA_VERSION};"
        )


def unrecorded_entry(message: Message, when: dt.datetime, refused: dict[str, str]) -> LedgerEntry:
    return LedgerEntry(
        message.key,
        MessageKind(message.kind),
        message.message_id,
        tuple(message.recipients),
        refused,
        when.astimezone(dt.UTC),
        message.subject,
    )


def kind_of(message: Message) -> str:
    return MessageKind(message.kind).value


def json_list(recipients: Iterable[str]) -> str:
    return json.dumps(list(recipients))


def seconds(moment: dt.datetime) -> float:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"the ledger needs an aware datetime, got {moment!r}")
    return moment.timestamp()


def utc(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def prefix_range(prefix: str) -> tuple[str, str]:
    """Keys starting with `prefix` are those in [prefix, next) under SQLite's binary collation."""
    if not prefix:
        return "", "\U0010ffff"
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def entry_of(row: tuple[Any, ...]) -> LedgerEntry:
    key, kind, status, message_id, recipients, subject, refused, reason, sent_at, failed_at = row
    when = sent_at if sent_at is not None else failed_at
    return LedgerEntry(
        key,
        MessageKind(kind),
        message_id,
        tuple(json.loads(recipients)),
        json.loads(refused),
        utc(when) if when is not None else None,
        subject,
        SendStatus(status),
        reason,
    )
