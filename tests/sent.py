"""What a cycle sent, as the tests look at it."""

from sheets_sync.model import MessageKind


def to_partners(report):
    """The emails a cycle sent to partners, which Activities logs: not the digests, and not the
    follow-up drafts (keys ending in ":draft"), which went to the team."""
    return [
        m
        for m, _ in report.delivery.sent
        if m.kind is not MessageKind.DIGEST and not m.key.endswith(":draft")
    ]
