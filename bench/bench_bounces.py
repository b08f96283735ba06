"""How well the inbox tells bounces and their addresses, over real samples (issue 12).

    PYTHONPATH=. python bench/bench_bounces.py

The samples are tests/data/bounce_corpus (see its README: flufl.bounce's real bounces, with that
project's expected addresses). Each is read as a cycle reads it, without a server: its header
block first (inbox.parse.envelope_of), the whole message only when the headers say it may be a
bounce, then inbox.classify. tests/test_inbox_bounce_corpus.py does the same over a real IMAP
server. Prints precision and recall over the addresses, and the misses.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.inbox.classify import classify
from sheets_sync.inbox.parse import envelope_of
from tests.bounce_corpus import samples, score

_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def main() -> None:
    corpus = samples()
    results = []
    for sample in corpus:
        headers = _BLANK_LINE.split(sample.raw, maxsplit=1)[0]
        envelope = envelope_of(1, headers, None)
        results.append((sample, classify(envelope, sample.raw) if envelope.maybe_bounce else None))
    s = score(results)
    bounces = sum(1 for sample in corpus if sample.expected)
    print(
        f"bounce corpus: {len(corpus)} real samples ({bounces} permanent failures, "
        f"{len(corpus) - bounces} delays or none): precision {s.precision:.3f}, recall {s.recall:.3f} "
        f"over the addresses ({s.true} found, {s.false} wrong, {s.missed} missed)"
    )
    for miss in s.misses or []:
        print(f"  {miss}")


if __name__ == "__main__":
    main()
