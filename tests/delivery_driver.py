"""A worker's sending step as a separate process, for the crash test (it gets killed with SIGKILL).

    python tests/delivery_driver.py PORT STATE_DIR [COUNT]

Builds COUNT messages with deterministic keys and Message-IDs (the same on every start), delivers
them through a real SmtpTransport to 127.0.0.1:PORT with the ledger in STATE_DIR, and exits 0
when nothing was left deferred, 3 otherwise.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from messages import make_message

from sheets_sync.config import MailConfig, SmtpConfig
from sheets_sync.mail.delivery import deliver
from sheets_sync.mail.ledger import LEDGER_FILE, Ledger
from sheets_sync.mail.smtp import SmtpTransport
from sheets_sync.model import MessageKind

KINDS = list(MessageKind)


def batch(count: int) -> list:
    messages = []
    for n in range(count):
        kind = KINDS[n % len(KINDS)]
        key = f"{kind.value}:ID-{n:04d}:2026-11-26"
        messages.append(make_message(key, kind, to=(f"contact{n:04d}@partner.example",)))
    return messages


def main(argv: list[str]) -> int:
    port, state_dir = int(argv[1]), Path(argv[2])
    count = int(argv[3]) if len(argv) > 3 else 200
    config = MailConfig(transport="smtp", max_per_minute=100_000, max_per_day=100_000)
    transport = SmtpTransport(
        SmtpConfig(host="127.0.0.1", port=port, security="none"), "acme.example", timeout=10
    )
    with Ledger(state_dir / LEDGER_FILE) as ledger, transport:
        report = deliver(batch(count), transport, ledger, config, dt.datetime.now(dt.UTC))
    print(report.summary(), flush=True)
    return 3 if report.deferred or report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
