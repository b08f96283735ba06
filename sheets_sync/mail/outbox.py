"""The outbox transport: each message becomes one .eml file in a folder (no mail server needed).

A file's name comes from the message: its Date, its kind and a hash of its Message-ID, e.g.
`2026-11-26T09-00-00_follow-up_3f2a9c0d1e4b5a6f.eml`, so `ls` lists the outbox in sending order.
The same Message-ID written again (a resend after a crash) replaces the same file, even when the
message was rendered at another moment: the hash, not the date, identifies the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from sheets_sync.errors import DeliveryError
from sheets_sync.files import write_atomic
from sheets_sync.mail import SessionError

SUFFIX = ".eml"
_HASH_CHARS = 16
_UNSAFE = re.compile(r"[^a-z0-9-]+")


class OutboxTransport:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._names: dict[str, str] | None = None  # Message-ID hash -> file name already in the folder

    def __enter__(self) -> OutboxTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self._names = None  # the folder may change between cycles (the team empties it)

    def send(self, email: EmailMessage) -> dict[str, str]:
        """Write the message atomically; a reader never sees half a file. Nothing is ever refused."""
        digest = message_hash(email)
        try:
            names = self._index()
            name = names.get(digest) or file_name(email, digest)
            write_atomic(self.folder / name, email.as_bytes())
        except (
            OSError
        ) as exc:  # no message can go (permissions, a full disk): the cycle fails, the rest waits
            raise SessionError(
                f"Cannot write to the outbox folder {self.folder}: {exc.strerror or exc}. Make it writable "
                "for the user sheets-sync runs as, or free space on its disk."
            ) from None
        names[digest] = name
        return {}

    def path_of(self, email: EmailMessage) -> Path | None:
        """The file holding this message (by its Message-ID), if it was written."""
        name = self._index().get(message_hash(email))
        return self.folder / name if name else None

    def _index(self) -> dict[str, str]:
        """Existing files by Message-ID hash, read once per cycle (not once per message)."""
        if self._names is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._names = {}
            for entry in os.scandir(self.folder):
                if entry.name.endswith(SUFFIX):
                    self._names[entry.name[: -len(SUFFIX)].rpartition("_")[2]] = entry.name
        return self._names


def message_hash(email: EmailMessage) -> str:
    message_id = str(email.get("Message-ID", "")).strip()
    if not message_id:
        raise DeliveryError(
            "The message has no Message-ID; the outbox names its files by it.", permanent=True
        )
    return hashlib.sha256(message_id.encode()).hexdigest()[:_HASH_CHARS]


def file_name(email: EmailMessage, digest: str) -> str:
    kind = _UNSAFE.sub("-", str(email.get("X-Sheets-Sync-Kind", "message")).lower()).strip("-") or "message"
    return f"{_stamp(email)}_{kind}_{digest}{SUFFIX}"


def _stamp(email: EmailMessage) -> str:
    """The Date header as the sender wrote it (its own offset), safe for every file system."""
    try:
        when = parsedate_to_datetime(str(email["Date"]))
    except (TypeError, ValueError, IndexError):
        when = dt.datetime.now().astimezone()
    return when.strftime("%Y-%m-%dT%H-%M-%S")
