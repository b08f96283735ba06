"""Time `deliver` over SMTP: 1,000 messages to a local aiosmtpd over one connection, ledger included.

    .venv/bin/python bench/bench_smtp.py [--count N] [--repeat N] [--tls]

The server runs in its own process (as a real one would: it does not share the sender's GIL).
Each run starts from an empty ledger, so every message is recorded pending and then sent (two
SQLite commits per message). Target: at least 100 messages per second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from smtp_server import RecordingHandler, SmtpServer, make_message, make_tls  # noqa: E402

from sheets_sync.config import MailConfig, SmtpConfig  # noqa: E402
from sheets_sync.mail.delivery import deliver  # noqa: E402
from sheets_sync.mail.ledger import LEDGER_FILE, Ledger  # noqa: E402
from sheets_sync.mail.smtp import SmtpTransport  # noqa: E402
from sheets_sync.model import MessageKind  # noqa: E402

TARGET = 100.0  # messages per second
BODY = "Hello Anna,\n\n" + "Here is what we agreed in the meeting today, and the next steps.\n" * 30


def serve(tls_dir: str | None, ports, stats, stop) -> None:
    tls = make_tls(Path(tls_dir)) if tls_dir else None
    handler = RecordingHandler()
    with SmtpServer(handler, tls=tls) as server:
        ports.put(server.port)
        stop.wait()
        stats.put((len(handler.received), len(handler.message_ids()), handler.connections))


def run(count: int, port: int, tls_dir: str | None) -> tuple[float, int]:
    kinds = list(MessageKind)
    messages = [
        make_message(
            f"{kinds[n % 5].value}:ID-{n:05d}:2026-11-26",
            kinds[n % 5],
            body=BODY,
            to=(f"contact{n:05d}@partner.example",),
            cc=("manager@acme.example",),
        )
        for n in range(count)
    ]
    config = MailConfig(transport="smtp", max_per_minute=count, max_per_day=count)
    security = "starttls" if tls_dir else "none"
    context = None
    if tls_dir:
        import ssl

        context = ssl.create_default_context(cafile=str(Path(tls_dir) / "ca.pem"))
    with tempfile.TemporaryDirectory() as state:
        transport = SmtpTransport(
            SmtpConfig(host="127.0.0.1", port=port, security=security), "acme.example", ssl_context=context
        )
        with Ledger(Path(state) / LEDGER_FILE) as ledger:
            started = time.perf_counter()
            with transport:
                report = deliver(messages, transport, ledger, config, dt.datetime.now(dt.UTC))
            seconds = time.perf_counter() - started
            assert len(report.sent) == count and not report.deferred, report.summary()
            assert len(ledger.entries()) == count
    return seconds, transport.connections


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tls", action="store_true", help="STARTTLS with a throwaway CA")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tls_dir:
        tls = tls_dir if args.tls else None
        ports, stats, stop = multiprocessing.Queue(), multiprocessing.Queue(), multiprocessing.Event()
        server = multiprocessing.Process(target=serve, args=(tls, ports, stats, stop), daemon=True)
        server.start()
        port = ports.get(timeout=30)
        best = 0.0
        for attempt in range(args.repeat):
            seconds, connections = run(args.count, port, tls)
            rate = args.count / seconds
            best = max(best, rate)
            print(
                f"run {attempt + 1}: {args.count} messages in {seconds:.2f} s over {connections} "
                "connection(s): "
                f"{rate:.0f} messages/s",
                flush=True,
            )
        stop.set()
        received, distinct, server_connections = stats.get(timeout=30)
        server.join(10)
    print(f"server: {received} received, {distinct} distinct Message-IDs, {server_connections} connections")
    ok = best >= TARGET and received == args.count * args.repeat and distinct == args.count
    print(f"best {best:.0f} messages/s (target >= {TARGET:.0f}): {'OK' if ok else 'TOO SLOW'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
