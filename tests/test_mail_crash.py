"""Exactly once across crashes: a sender killed with SIGKILL at random moments, restarted until done.

The driver (tests/delivery_driver.py) delivers 200 messages to a slow aiosmtpd (15 ms per message)
with the ledger in a temporary state_dir. The server, in this process, counts what it accepted by
Message-ID: every message must arrive, and the only repeats allowed are a message the server had
accepted when the sender died before recording it, so at most one per kill, with the same
Message-ID. The server keeps each message 5 of those 15 ms before it answers 250, so that window
(accepted by the server, not yet known to the sender) is hit often, not once in a blue moon.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from smtp_server import RecordingHandler, SmtpServer

from sheets_sync.mail.ledger import LEDGER_FILE, Ledger

DRIVER = Path(__file__).with_name("delivery_driver.py")
COUNT = 200
KILLS = 8


def test_killed_at_random_moments_every_message_arrives_and_repeats_are_bounded_by_kills(tmp_path):
    rng = random.Random(20261126)
    handler = RecordingHandler(delay=0.010, reply_delay=0.005)
    kills = killed_mid_cycle = runs = 0
    started = time.monotonic()
    with SmtpServer(handler) as server:
        while True:
            assert time.monotonic() - started < 60, "the sender never finished"
            before = len(handler.received)
            process = subprocess.Popen(
                [sys.executable, str(DRIVER), str(server.port), str(tmp_path), str(COUNT)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=DRIVER.parent,
            )
            runs += 1
            if kills < KILLS:
                # kill at a random moment once this run is sending, however slow its start-up
                while len(handler.received) == before and process.poll() is None:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0.0, 0.3))
                if process.poll() is None:
                    process.kill()  # SIGKILL: no cleanup, no flush, no atexit
                    process.communicate()
                    kills += 1
                    killed_mid_cycle += before < len(handler.received) < COUNT
                    continue
            _out, err = process.communicate(timeout=30)
            assert process.returncode == 0, err.decode()
            break
        time.sleep(0.05)  # a killed sender's last message may still be in the server's hands

    with Ledger(tmp_path / LEDGER_FILE) as ledger:
        entries = ledger.entries()
        assert len(entries) == COUNT and ledger.failures() == []
    received = handler.message_ids()
    expected = {e.message_id for e in entries}
    assert set(received) == expected, "every message arrived, and nothing else"
    ids_by_key: dict[str, set[str]] = {}
    for r in handler.received:
        ids_by_key.setdefault(r.key, set()).add(r.message_id)
    assert all(len(ids) == 1 for ids in ids_by_key.values()), "a repeat always carries the same Message-ID"
    repeats = sum(n - 1 for n in received.values())
    assert repeats <= kills
    assert Counter(received.values()).keys() <= {1, 2}
    assert kills == KILLS and killed_mid_cycle == KILLS, "the kills must land while sending"
    print(
        f"\n{runs} runs, {kills} kills ({killed_mid_cycle} mid-cycle), {repeats} repeats, "
        f"{len(handler.received)} messages received for {COUNT}"
    )
