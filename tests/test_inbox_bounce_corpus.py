"""Real bounces (flufl.bounce's and sisimai's: tests/bounce_corpus.py) appended to a real IMAP
server and read back the way a cycle reads them: headers first; the whole message only when the
headers say it may be a bounce (rules.inbox.needs_body); then classified. Precision and recall over
the addresses are printed and held above floors."""

from __future__ import annotations

from sheets_sync.inbox.classify import classify
from sheets_sync.inbox.imap import open_mailbox
from sheets_sync.inbox.parse import HEADER_FIELDS, envelope_of
from sheets_sync.model import Book
from sheets_sync.rules.inbox import address_book, needs_body
from tests.bounce_corpus import samples, score
from tests.planner_helpers import config

PRECISION_FLOOR = 0.99
RECALL_FLOOR = 0.97


def test_real_bounces_read_over_imap_are_found_with_their_addresses(dovecot, capsys):
    corpus = samples()
    dovecot.append_many([s.raw for s in corpus])
    people = address_book(Book(), config(inbox=dict(host="imap.x", address="partners@team.example")), {})
    with open_mailbox(dovecot.inbox_config()) as mailbox:
        headers = mailbox.headers(0, HEADER_FIELDS)
        envelopes = [envelope_of(uid, raw, when) for uid, raw, when in headers]
        wanted = [e for e in envelopes if needs_body(e, people)]
        bodies = mailbox.bodies(e.uid for e in wanted)
    assert len(envelopes) == len(corpus)
    by_uid = {e.uid: e for e in envelopes}
    results = [
        (sample, classify(by_uid[uid], bodies[uid]) if uid in bodies else None)
        for sample, uid in zip(corpus, sorted(by_uid), strict=True)
    ]
    s = score(results)
    with capsys.disabled():
        print(
            f"\nbounce corpus: {len(corpus)} real samples, precision {s.precision:.3f}, recall {s.recall:.3f}"
        )
    assert s.precision >= PRECISION_FLOOR and s.recall >= RECALL_FLOOR, "\n".join(s.misses or [])
