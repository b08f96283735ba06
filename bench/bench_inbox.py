"""The team inbox's cost (issue 12): a real Dovecot on loopback, the sample workbook, whole cycles.

    PYTHONPATH=. python bench/bench_inbox.py              # 10,000 messages
    PYTHONPATH=. python bench/bench_inbox.py --messages 2000

Fills one mailbox (over IMAP MULTIAPPEND) with old mail: mostly strangers (vendors' newsletters,
notifications), a few hundred emails from the sample's contacts, bounces for some of them, and
out-of-office replies; then prints, for
  - the first cycle over the full mailbox: seconds (and the same cycle without an inbox, so the
    inbox's share shows), IMAP commands, messages downloaded (their first MiB at most);
  - the next poll of the unchanged mailbox (and workbook): commands and messages downloaded;
  - a poll after one new message: commands and messages downloaded.
Targets (issue 12): first cycle < 10 s; an unchanged mailbox one session of at most 5 commands with
no message body fetched. Needs /usr/sbin/dovecot (Debian: dovecot-imapd).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import email.utils
import os
import random
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from imap_servers import DovecotServer, dovecot_folder  # noqa: E402

from sheets_sync.config import load_config  # noqa: E402
from sheets_sync.inbox import imap  # noqa: E402
from sheets_sync.model import Tab  # noqa: E402
from sheets_sync.runtime.cycle import WorkerState, run_once  # noqa: E402
from sheets_sync.runtime.sending import Mailer  # noqa: E402
from sheets_sync.sources.xlsx import XlsxSource  # noqa: E402
from tests import books  # noqa: E402
from tests.samples import copy_sample  # noqa: E402

TODAY = dt.date(2026, 11, 26)
INBOX_ADDRESS = "partners@yourstartup.example"


def message(sender: str, subject: str, body: str, when: dt.datetime, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, INBOX_ADDRESS, subject
    msg["Date"] = email.utils.format_datetime(when)
    msg["Message-ID"] = email.utils.make_msgid(domain="bench.example")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def bounce(address: str, when: dt.datetime) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.yourstartup.example (Mail Delivery System)\r\n"
        f"To: {INBOX_ADDRESS}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Date: {email.utils.format_datetime(when)}\r\n"
        f"Message-ID: {email.utils.make_msgid(domain='mx.bench.example')}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        f"--b\r\nContent-Type: text/plain\r\n\r\n<{address}>: User unknown\r\n\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n--b--\r\n"
    ).encode()


def mailbox(total: int, contacts: list[str], rng: random.Random) -> list[bytes]:
    start = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)
    out = []
    for i in range(total):
        when = start + dt.timedelta(minutes=50 * i)
        roll = rng.random()
        if roll < 0.03:
            out.append(message(rng.choice(contacts), f"Re: update {i}", "Thanks!\n\n> quoted\n", when))
        elif roll < 0.035:
            out.append(bounce(rng.choice(contacts), when))
        elif roll < 0.04:
            out.append(
                message(
                    rng.choice(contacts), "Out of office", "Back Monday.", when, Auto_Submitted="auto-replied"
                )
            )
        else:
            vendor = f"news{rng.randrange(300)}@vendor{rng.randrange(80)}.example"
            out.append(message(vendor, f"Weekly digest #{i}", "Lorem ipsum dolor sit amet. " * 20, when))
    return out


class Counting:
    """Counts the messages downloaded (Mailbox.bodies), for the figures."""

    def __init__(self) -> None:
        self.bodies = 0
        original = imap.Mailbox.bodies

        def bodies(mailbox, uids):  # type: ignore[no-untyped-def]
            found = original(mailbox, uids)
            self.bodies += len(found)
            return found

        imap.Mailbox.bodies = bodies  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    if not DovecotServer.available():
        print("bench_inbox skipped: it needs Dovecot (Debian: apt-get install dovecot-imapd)")
        return
    counting = Counting()
    work = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    with DovecotServer(dovecot_folder()) as server:
        account = server.account()
        os.environ[account.password_env] = account.password
        config = load_config(copy_sample(work / "team", "en", TODAY))
        plain = load_config(copy_sample(work / "plain", "en", TODAY))
        contacts = [
            c["Email"]
            for c in books.rows(config.source.path, config.tab_name(Tab.CONTACTS))
            if c.get("Email")
        ]
        raws = mailbox(args.messages, contacts, random.Random(12))
        started = time.perf_counter()
        for i in range(0, len(raws), 500):
            account.append_many(raws[i : i + 500])
        print(f"filled {len(raws):,} messages in {time.perf_counter() - started:.1f} s (MULTIAPPEND)")
        config = dataclasses.replace(config, inbox=account.inbox_config(address=INBOX_ADDRESS))
        zone = ZoneInfo(config.timezone)
        now = dt.datetime.combine(TODAY, dt.time(8, 0), zone)

        def cycle(cfg, when, state):  # type: ignore[no-untyped-def]
            began, before = time.perf_counter(), counting.bodies
            report = run_once(
                XlsxSource(cfg.source.path), cfg, when, mailer=Mailer.from_config(cfg), state=state
            )
            return report, time.perf_counter() - began, counting.bodies - before

        _, without, _ = cycle(plain, now, WorkerState())
        state = WorkerState()
        first, seconds, bodies = cycle(config, now, state)
        assert not first.inbox_fault, first.inbox_fault
        print(
            f"first cycle over {first.inbox_taken:,} messages: {seconds:.2f} s "
            f"(the same cycle without an inbox: {without:.2f} s); {first.inbox_commands} IMAP commands; "
            f"{bodies} messages downloaded (target < 10 s)"
        )
        unchanged, seconds, bodies = cycle(config, now + dt.timedelta(minutes=1), state)
        print(
            f"unchanged mailbox: {unchanged.inbox_commands} IMAP commands, {bodies} messages downloaded, "
            f"{seconds * 1000:.0f} ms (workbook skipped: {unchanged.skipped}; "
            "target <= 5 commands, none downloaded)"
        )
        account.append(message(contacts[0], "Re: one more", "Yes.", dt.datetime.now(dt.UTC)))
        new, seconds, bodies = cycle(config, now + dt.timedelta(minutes=2), state)
        print(
            f"one new message: {new.inbox_commands} IMAP commands, {bodies} downloaded, {seconds:.2f} s "
            f"({new.inbox_taken} read)"
        )


if __name__ == "__main__":
    main()
