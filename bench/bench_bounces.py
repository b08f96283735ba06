"""How well the inbox tells bounces (and their addresses) and automatic replies from a person's
email, over real samples (issue 12):

- tests/data/bounce_corpus/flufl: flufl.bounce's real bounces (its README);
- tests/data/bounces/sisimai: sisimai's set-of-emails, the servers of today (Postfix, Exim, Sendmail,
  qmail, Exchange, Office 365, Gmail, Yahoo, Amazon SES, Mail.ru, Yandex; its README);
- tests/data/autoreplies: out-of-office replies and person emails, real and hand-made (its README).

Each is read as a cycle reads it, without a server: the header fields the adapter fetches
(inbox.parse.HEADER_FIELDS) into an Envelope; a message the headers call automatic is not
downloaded (an auto-reply); the others are classified whole (inbox.classify). Bounces are counted
per address: a true positive is an expected address found, a false positive an address reported
that was not expected, or a message that is no bounce read as one. Auto-replies are counted per
message. tests/test_inbox_classify.py holds the same figures above floors.

    PYTHONPATH=. .venv/bin/python bench/bench_bounces.py [--verbose]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_sync.inbox.classify import classify
from sheets_sync.inbox.parse import HEADER_FIELDS, envelope_of
from sheets_sync.model import Incoming, IncomingKind

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
BOUNCE_CORPORA = ("bounce_corpus/flufl", "bounces/sisimai")
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True)
class Sample:
    path: Path
    kind: IncomingKind
    bounced: frozenset[str] = frozenset()  # the addresses a bounce must report (lower-case)
    returns_on: dt.date | None = None  # an auto-reply's return date, when the manifest states it


def corpus() -> list[Sample]:
    """Every sample, with what it must be read as: each bounce corpus's expected.json maps a file to
    the addresses it reports for good ([] for a delay or warning only: no address to mark);
    autoreplies/expected.json maps a file to its kind and an auto-reply's return date."""
    samples = []
    for part in BOUNCE_CORPORA:
        for name, addresses in json.loads((DATA / part / "expected.json").read_text("utf-8")).items():
            samples.append(Sample(DATA / part / name, IncomingKind.BOUNCE, frozenset(addresses)))
    for name, fields in json.loads((DATA / "autoreplies" / "expected.json").read_text("utf-8")).items():
        returns_on = fields.get("returns_on")
        samples.append(
            Sample(
                DATA / "autoreplies" / name,
                IncomingKind(fields["kind"]),
                returns_on=dt.date.fromisoformat(returns_on) if returns_on else None,
            )
        )
    return samples


def read(sample: Sample) -> Incoming:
    """The sample read as a cycle reads it: the fetched header fields first (an Envelope), then the
    whole message. A cycle never downloads a message its headers call automatic: such a message is
    an auto-reply whatever its body says (a bounce missed), though its return date is read here."""
    raw = sample.path.read_bytes()
    envelope = envelope_of(1, fetched_headers(raw), None)
    incoming = classify(envelope, raw)
    if envelope.automatic and incoming.kind is not IncomingKind.AUTO_REPLY:
        return Incoming(envelope, IncomingKind.AUTO_REPLY)
    return incoming


def fetched_headers(raw: bytes) -> bytes:
    """The header lines BODY.PEEK[HEADER.FIELDS (...)] returns: only the fields the adapter asks for."""
    head = _BLANK_LINE.split(raw, maxsplit=1)[0]
    wanted = {name.lower() for name in HEADER_FIELDS}
    keep = []
    for line in re.split(rb"\r?\n(?![ \t])", head):
        name = line.split(b":", 1)[0].strip().lower()
        if b":" in line and name.decode("ascii", "replace") in wanted:
            keep.append(line)
    return b"\r\n".join(keep) + b"\r\n\r\n"


@dataclass(frozen=True)
class Score:
    samples: int
    true_positives: int
    false_positives: int
    false_negatives: int
    misses: tuple[str, ...]  # one line per sample read wrong

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0

    def line(self, what: str) -> str:
        return f"{what}: {self.samples} samples, precision {self.precision:.2f}, recall {self.recall:.2f}"


def bounce_score(results: list[tuple[Sample, Incoming]]) -> Score:
    tp = fp = fn = 0
    misses = []
    for sample, got in results:
        found = {b.address for b in got.bounced} if got.kind is IncomingKind.BOUNCE else set()
        if sample.kind is IncomingKind.BOUNCE:
            hit, extra, missed = found & sample.bounced, found - sample.bounced, sample.bounced - found
            tp, fp, fn = tp + len(hit), fp + len(extra), fn + len(missed)
            if extra or missed:
                misses.append(f"{_name(sample)}: {got.kind}, missed {sorted(missed)}, extra {sorted(extra)}")
        elif got.kind is IncomingKind.BOUNCE:
            fp += 1 + len(found)
            misses.append(f"{_name(sample)}: a {sample.kind} read as a bounce {sorted(found)}")
    return Score(sum(s.kind is IncomingKind.BOUNCE for s, _ in results), tp, fp, fn, tuple(misses))


def auto_reply_score(results: list[tuple[Sample, Incoming]]) -> Score:
    tp = fp = fn = 0
    misses = []
    for sample, got in results:
        if sample.kind is IncomingKind.BOUNCE and not sample.bounced:
            continue  # a delay, a warning or no bounce at all: judged on its addresses only
        expected, found = sample.kind is IncomingKind.AUTO_REPLY, got.kind is IncomingKind.AUTO_REPLY
        tp, fp, fn = tp + (expected and found), fp + (found and not expected), fn + (expected and not found)
        if expected != found:
            misses.append(f"{_name(sample)}: a {sample.kind} read as {got.kind}")
        elif expected and sample.returns_on and got.returns_on != sample.returns_on:
            misses.append(f"{_name(sample)}: returns on {got.returns_on}, not {sample.returns_on}")
    return Score(sum(s.kind is IncomingKind.AUTO_REPLY for s, _ in results), tp, fp, fn, tuple(misses))


def _name(sample: Sample) -> str:
    return str(sample.path.relative_to(DATA))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--verbose", action="store_true", help="print every sample's kind and addresses")
    args = parser.parse_args()
    samples = corpus()
    start = time.perf_counter()
    results = [(sample, read(sample)) for sample in samples]
    elapsed = time.perf_counter() - start
    if args.verbose:
        for sample, got in results:
            print(
                f"{_name(sample)}: {got.kind} {[(b.address, b.reason) for b in got.bounced]} {got.returns_on}"
            )
    for what, score in (("bounces", bounce_score(results)), ("auto-replies", auto_reply_score(results))):
        print(score.line(what) + (f" (misses: {'; '.join(score.misses)})" if score.misses else ""))
    print(f"{len(samples)} messages in {elapsed * 1000:.0f} ms ({elapsed / len(samples) * 1000:.2f} ms each)")


if __name__ == "__main__":
    main()
