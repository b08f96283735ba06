"""The digest's lines of what the team inbox brought since the last digest (SPEC 3 and 4a): each
partner's emails, the bounces to fix, and the new people at partners who wrote in."""

from __future__ import annotations

from sheets_sync.model import DigestSection, Outcome, Received
from sheets_sync.rules.context import Context, Draft, PartnerView


def plan_inbox_items(view: PartnerView, ctx: Context, draft: Draft) -> None:
    w = ctx.words
    rows = {c.email.strip().lower(): c.row for c in view.contacts}
    for r in ctx.inbox_news.get(view.partner.id, ()):
        who = _who(r)
        if r.outcome is Outcome.RESPONSE:
            text = w.text("inbox.email", who=who, summary=r.summary)
            draft.item(
                view, DigestSection.INBOX, text, r.at.date(), contact=who, contact_row=rows.get(r.address)
            )
        if r.new_person or r.outcome is Outcome.NEW_PERSON:
            text = w.text("inbox.new_person", partner=view.partner.name, who=who)
            draft.item(view, DigestSection.NEW_PEOPLE, text, r.at.date(), contact=who)
        if r.outcome is Outcome.AWAY and r.returns_on and r.returns_on > ctx.today:
            text = w.text("inbox.away", who=who, date=w.long_date(r.returns_on))
            draft.item(
                view, DigestSection.INBOX, text, r.at.date(), contact=who, contact_row=rows.get(r.address)
            )
        if r.outcome is Outcome.BOUNCE:
            status = r.reason or w.text("email_status.bounced_no_reason", date=w.record_date(r.at.date()))
            text = w.text("inbox.bounced", address=r.address, status=status)
            draft.item(view, DigestSection.BOUNCES, text, r.at.date(), contact_row=rows.get(r.address))


def _who(r: Received) -> str:
    """ "Max Weber <max@northwind.example>", or the address alone."""
    name = " ".join(r.name.replace('"', "").split())
    return f"{name} <{r.address}>" if name and name.lower() != r.address else r.address
