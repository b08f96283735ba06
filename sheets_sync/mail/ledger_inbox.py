"""The ledger's memory of the team inbox (SPEC 4a): every message processed, by Message-ID, and how
far each mailbox has been read (the last UID under its UIDVALIDITY).

A message is recorded once, with its cursor, in one transaction: a crash before the commit reads
it again next cycle, a crash after never does. The Message-ID is what makes it exactly once: a
mailbox re-created under a new UIDVALIDITY is read again from its first message, and every message
already recorded is recognised by its Message-ID and skipped. Ignored messages (unknown senders,
automatic replies) are kept as their Message-ID alone.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from sheets_sync.mail import ledger_rows as stored
from sheets_sync.mail.ledger_file import guarded
from sheets_sync.model import Outcome, Received

if TYPE_CHECKING:
    from sheets_sync.mail.ledger_file import LedgerFile

_COLUMNS = (
    "message_id, outcome, at, partner_id, address, name, subject, summary, reason, new_person, logged, "
    "returns_on"
)


class InboxMemory:
    """What `Ledger` knows of the inbox. A mixin: it uses the ledger's connection and its guards."""

    if TYPE_CHECKING:
        file: LedgerFile

        @property
        def _conn(self) -> sqlite3.Connection: ...
        def _read(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor: ...
        def _transaction(self) -> AbstractContextManager[None]: ...

    def mailbox_cursor(self, name: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, the last UID read) of mailbox `name`; None: never read."""
        row = self._read("SELECT uidvalidity, last_uid FROM mailboxes WHERE name = ?", (name,)).fetchone()
        return (int(row[0]), int(row[1])) if row else None

    def known_messages(self, message_ids: Iterable[str]) -> set[str]:
        """Those of `message_ids` already processed."""
        wanted = list(dict.fromkeys(message_ids))
        known: set[str] = set()
        for start in range(0, len(wanted), 500):  # SQLite's limit on host parameters
            chunk = wanted[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self._read(
                f"SELECT DISTINCT message_id FROM received WHERE message_id IN ({marks})", tuple(chunk)
            )
            known.update(r[0] for r in rows)
        return known

    def sent_message_ids(self) -> dict[str, str]:
        """Message-ID -> idempotency key of every message sent: what a reply's In-Reply-To names."""
        rows = self._read("SELECT message_id, key FROM sends WHERE status = 'sent'")
        return {message_id.lower(): key for message_id, key in rows}

    @guarded("record the messages read from the inbox")
    def record_received(
        self, mailbox: str, uidvalidity: int, last_uid: int, received: Iterable[Received], now: dt.datetime
    ) -> None:
        """The processed messages and how far `mailbox` is read now, in one transaction; each was
        seen `now`, unless it says when (a status recovered from the sheet: when the cell says)."""
        with self._transaction():
            self._conn.executemany(
                f"INSERT OR IGNORE INTO received ({_COLUMNS}, seen_at) VALUES ({', '.join('?' * 13)})",
                (
                    (
                        r.message_id,
                        r.outcome.value,
                        stored.seconds(r.at),
                        r.partner_id,
                        r.address,
                        r.name,
                        r.subject,
                        r.summary,
                        r.reason,
                        int(r.new_person),
                        int(r.logged),
                        r.returns_on.isoformat() if r.returns_on else "",
                        stored.seconds(r.seen or now),
                    )
                    for r in received
                ),
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO mailboxes (name, uidvalidity, last_uid) VALUES (?, ?, ?)",
                (mailbox, uidvalidity, last_uid),
            )

    def received(self) -> list[Received]:
        """Every message that meant something (not the ignored ones), oldest first; times in UTC."""
        rows = self._read(
            f"SELECT {_COLUMNS}, seen_at FROM received WHERE outcome != 'ignored' ORDER BY at, message_id"
        )
        return list(_received_rows(rows))

    @guarded("record that messages from the inbox were logged in the sheet")
    def mark_received_logged(self, message_ids: Iterable[str]) -> None:
        with self._transaction():
            self._conn.executemany(
                "UPDATE received SET logged = 1 WHERE message_id = ?", ((m,) for m in message_ids)
            )


def _received_rows(rows: Iterable[tuple[object, ...]]) -> Iterator[Received]:
    for row in rows:
        (
            message_id,
            outcome,
            at,
            partner_id,
            address,
            name,
            subject,
            summary,
            reason,
            new,
            logged,
            back,
            seen,
        ) = row
        yield Received(
            str(message_id),
            Outcome(str(outcome)),
            stored.utc(float(at)),  # type: ignore[arg-type]
            str(partner_id),
            str(address),
            str(name),
            str(subject),
            str(summary),
            str(reason),
            bool(new),
            bool(logged),
            stored.utc(float(seen)),  # type: ignore[arg-type]
            dt.date.fromisoformat(str(back)) if back else None,
        )
