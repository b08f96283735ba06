"""The real bounce samples (tests/data/bounce_corpus/flufl, tests/data/bounces/sisimai), and how
well the inbox classifies them: shared by tests/test_inbox_bounce_corpus.py (over a real IMAP
server) and bench/bench_bounces.py."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sheets_sync.model import Incoming, IncomingKind

DATA = Path(__file__).parent / "data"
# flufl.bounce's samples, and sisimai's of the servers of today (each folder's README)
CORPORA = (DATA / "bounce_corpus" / "flufl", DATA / "bounces" / "sisimai")


@dataclass(frozen=True)
class Sample:
    part: str  # the corpus it comes from ("flufl")
    name: str
    raw: bytes
    expected: frozenset[str]  # the addresses that failed for good (empty: no bounce)


def samples() -> list[Sample]:
    out = []
    for part in CORPORA:
        expected = json.loads((part / "expected.json").read_text())
        for name, addresses in sorted(expected.items()):
            out.append(Sample(part.name, name, (part / name).read_bytes(), frozenset(addresses)))
    return out


@dataclass
class Score:
    true: int = 0  # expected addresses found
    false: int = 0  # addresses reported that were not expected
    missed: int = 0  # expected addresses not found
    misses: list[str] | None = None

    @property
    def precision(self) -> float:
        return self.true / (self.true + self.false) if self.true + self.false else 1.0

    @property
    def recall(self) -> float:
        return self.true / (self.true + self.missed) if self.true + self.missed else 1.0


def score(results: Iterable[tuple[Sample, Incoming | None]]) -> Score:
    """Per address: a sample classified as no bounce (or not downloaded: None) found nothing."""
    s = Score(misses=[])
    for sample, incoming in results:
        found = (
            {b.address for b in incoming.bounced}
            if incoming is not None and incoming.kind is IncomingKind.BOUNCE
            else set()
        )
        s.true += len(found & sample.expected)
        s.false += len(found - sample.expected)
        s.missed += len(sample.expected - found)
        if found != sample.expected:
            assert s.misses is not None
            s.misses.append(
                f"{sample.part}/{sample.name}: expected {sorted(sample.expected)}, found {sorted(found)}"
            )
    return s
