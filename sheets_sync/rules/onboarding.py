"""New partners (the sales kit, then training) and what each rank requires (a manager, training)."""

from __future__ import annotations

import datetime as dt

from sheets_sync.model import Contact, DigestSection, MessageIntent, MessageKey, MessageKind, TouchStatus
from sheets_sync.model.tabs import PartnerColumn, Tab
from sheets_sync.rules.context import (
    Context,
    Draft,
    PartnerView,
    champion_line,
    champions,
    has_email,
    manager_of,
    unique,
)


def kit_recipients(contacts: list[Contact]) -> list[Contact]:
    """The champions, else every contact; only those still there, with an email, not unsubscribed."""
    people = [c for c in champions(contacts) if not c.unsubscribed]
    return people or [c for c in contacts if has_email(c) and not c.left_company and not c.unsubscribed]


def plan_onboarding(view: PartnerView, ctx: Context, draft: Draft) -> tuple[bool, bool]:
    """The sales kit and the training reminder; returns (kit to send, training to book)."""
    if view.status != TouchStatus.ONBOARDING:
        return False, False
    config, today, partner = ctx.config, ctx.today, view.partner
    if partner.sales_kit_sent is None:
        people = kit_recipients(view.contacts)
        if not people:
            draft.note_partner(view.row, ctx.words.text("note.no_kit_recipient"))
            draft.item(view, DigestSection.ONBOARDING, ctx.words.text("digest.kit_no_recipient"))
            return True, False
        draft.messages.append(
            MessageIntent(
                kind=MessageKind.SALES_KIT,
                key=str(MessageKey(MessageKind.SALES_KIT, partner.id)),
                to=unique([c.email for c in people]),
                reply_to=manager_of(view, config),
                language=next((c.language for c in people if c.language), "") or config.language,
                partner_row=view.row,
                contact_row=people[0].row if len(people) == 1 else None,
                occasion="sales kit",
                context={
                    "partner": partner.name,
                    "contacts": tuple(c.name or c.email for c in people),
                    "first_names": tuple(c.salutation for c in people if c.salutation),
                    "sales_kit_url": config.onboarding.sales_kit_url,
                    "manager": view.manager,
                },
            )
        )
        return True, False
    reminder = partner.sales_kit_sent + dt.timedelta(days=config.onboarding.training_reminder_days)
    if partner.trained is None and today >= reminder:
        text = ctx.words.text("action.book_training", date=partner.sales_kit_sent)
        draft.item(view, DigestSection.ONBOARDING, text, reminder, contact=champion_line(view.contacts))
        return False, True
    return False, False


def plan_duties(view: PartnerView, ctx: Context, draft: Draft) -> None:
    """`ranks.<rank>.requires`: a manager and/or training; each missing one is noted and listed."""
    if view.status in (TouchStatus.CHURNED, TouchStatus.PAUSED):
        return
    requires = view.rule.requires
    w, missing = ctx.words, []
    if "manager" in requires and not view.manager:
        missing.append(w.text("duty.manager", rank=view.rank))
    if "training" in requires and view.partner.trained is None:
        trained = ctx.config.column_name(Tab.PARTNERS, PartnerColumn.TRAINED.value)
        missing.append(w.text("duty.training", rank=view.rank, column=trained))
    for text in missing:
        draft.note_partner(view.row, text)
        draft.item(view, DigestSection.DUTIES, text[0].upper() + text[1:])
