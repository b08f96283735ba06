"""Personal touch with champions: birthdays and the configured holidays, as digest reminders
(`greetings.mode: remind`) or as emails on the day (`send`).

A greeting is planned on its day only, but the mail caps (or a busy server) may put it off past
midnight, and what they put off is never to be dropped. So a greeting the send ledger shows was
put off goes out on a later day still, for CATCH_UP_DAYS, with the same key (hence the same
Message-ID, and still once).
Without that record nothing goes out after the day: the worker may simply not have run then.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import lru_cache

from sheets_sync.config import Config, Holiday
from sheets_sync.i18n import Words
from sheets_sync.model import Contact, DigestSection, MessageIntent, MessageKey, MessageKind, TouchStatus
from sheets_sync.rules.context import Context, Draft, PartnerView, contact_line, has_email, manager_of

BIRTHDAY = "birthday"
# How long after its day a put-off greeting may still go out: long enough for a capped day to
# clear, or a long weekend's or a mail outage's backlog, and close enough to the day to read as a
# warm wish rather than an awkward one. After that the contact's Sync note says it was not sent,
# for as many days again, so that the manager can greet in person.
CATCH_UP_DAYS = 7


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@lru_cache(maxsize=16)
def occasions_within(today: dt.date, ahead: int) -> dict[tuple[int, int], dt.date]:
    """(month, day) -> its date, for every occasion falling in [today, today + ahead].

    29 February is celebrated on 28 February in other years.
    """
    found: dict[tuple[int, int], dt.date] = {}
    for offset in range(ahead, -1, -1):  # the nearest date wins when a window spans years
        day = today + dt.timedelta(days=offset)
        found[(day.month, day.day)] = day
        if day.month == 2 and day.day == 28 and not is_leap(day.year):
            found[(2, 29)] = day
    return found


@lru_cache(maxsize=256)
def slug(name: str) -> str:
    """A key-safe form of an occasion's name: "New Year" -> "new-year" (letters of any script)."""
    return re.sub(r"[\W_]+", "-", name.casefold()).strip("-") or "holiday"


# The holidays the built-in templates greet in their own words (templates/<lang>/_holidays.j2),
# by the slug of any name the config gives a holiday: "New Year", "Новый год", "New Year's Day".
KNOWN_HOLIDAYS = {
    "new-year": "new-year",
    "new-years": "new-year",
    "new-year-s-day": "new-year",
    "new-years-day": "new-year",
    "new-year-s-eve": "new-year",
    "new-years-eve": "new-year",
    "новый-год": "new-year",
    "christmas": "christmas",
    "christmas-day": "christmas",
    "christmas-eve": "christmas",
    "xmas": "christmas",
    "рождество": "christmas",
    "рождество-христово": "christmas",
    "сочельник": "christmas",
}


def holiday_key(holiday: Holiday) -> str:
    """Which built-in greeting a holiday gets (KNOWN_HOLIDAYS), else the slug of its name: a
    template of the team's own may word that one."""
    for name in (holiday.name, *dict(holiday.names).values()):
        if (known := KNOWN_HOLIDAYS.get(slug(name))) is not None:
            return known
    return slug(holiday.name)


def _occasions(contact: Contact, config: Config) -> Iterator[tuple[str, str, int, int, Holiday | None]]:
    """(slug, name, month, day, the holiday) of every occasion for one contact; a holiday's name in
    the contact's language where the config gives one (the key keeps the configured name: it never
    changes)."""
    if contact.birthday is not None:
        yield BIRTHDAY, BIRTHDAY, contact.birthday.month, contact.birthday.day, None
    language = contact.language or config.language
    for holiday in config.greetings.holidays:
        yield slug(holiday.name), holiday.name_in(language), holiday.month, holiday.day, holiday


def greeting_key(contact: Contact, occasion: str, year: int) -> str:
    return str(MessageKey(MessageKind.GREETING, contact.id, (occasion, str(year))))


def _put_off(ctx: Context, contact: Contact, key: str, month: int, day: int) -> dt.date | None:
    """The date of an occasion in the last 2 * CATCH_UP_DAYS days whose greeting was put off and not sent
    since."""
    span = 2 * CATCH_UP_DAYS
    when = occasions_within(ctx.today - dt.timedelta(days=span), span - 1).get((month, day))
    if when is None:
        return None
    first = ctx.deferred.get(greeting_key(contact, key, when.year))
    # Put off on the day or after: a greeting is planned after its day only when it was put off on
    # it, so this is the proof that it was due (a Birthday typed in later, or a worker that was
    # not running on the day, leaves no such record).
    return when if first is not None and first >= when else None


def _occasion_name(name: str, holiday: Holiday | None, w: Words) -> str:
    """The occasion as the team reads it: "birthday" ("день рождения"), a holiday's own name."""
    if name == BIRTHDAY:
        return w.text("greet.birthday")
    return holiday.name_in(w.language) if holiday is not None else name


def _remind_ahead(ctx: Context) -> int:
    """How many days ahead a digest lists greetings: `remind_days_before`, and at least up to the
    next digest (the next working day), so that a weekend's or a holiday's occasion is not missed."""
    next_digest = ctx.calendar.next_working_day(ctx.today + dt.timedelta(days=1))
    return max(ctx.config.greetings.remind_days_before, (next_digest - ctx.today).days - 1)


def plan_greetings(view: PartnerView, ctx: Context, draft: Draft) -> None:
    """Champions that have not left, of partners that are neither churned nor paused.

    In send mode, a greeting put off on its day (see `_put_off`) is planned again on the days after.
    """
    if view.status in (TouchStatus.CHURNED, TouchStatus.PAUSED):
        return
    config, today, w = ctx.config, ctx.today, ctx.words
    send = config.greetings.mode == "send"
    window = occasions_within(today, 0 if send else _remind_ahead(ctx))
    for contact in view.contacts:
        if not contact.champion or contact.left_company:
            continue
        who = contact.name.strip() or contact.email.strip()
        for key, name, month, day, holiday in _occasions(contact, config):
            when = window.get((month, day))
            if when is None and send and ctx.deferred:
                when = _put_off(ctx, contact, key, month, day)
            if when is None:
                continue
            occasion = _occasion_name(name, holiday, w)
            if not send:
                ahead = (when - today).days
                tail = w.text("greet.today") if ahead == 0 else w.text("greet.in_days", days=w.days(ahead))
                key_ = "greet.birthday_line" if name == BIRTHDAY else "greet.holiday_line"
                text = w.text(key_, who=who, holiday=occasion, date=when, tail=tail)
                line = contact_line(contact)
                draft.item(view, DigestSection.GREETINGS, text, when, contact=line, contact_row=contact.row)
            elif (
                contact.last_greeting is not None
                and contact.last_greeting >= when
                and greeting_key(contact, key, when.year) not in ctx.deferred
            ):
                # Already greeted for this occasion this year. Last greeting is one date for all
                # occasions, so it does not hide one put off while another went out meanwhile.
                continue
            elif not has_email(contact):
                draft.note_contact(contact.row, w.text("note.greeting_no_email", occasion=occasion))
            elif not contact.is_mailable:
                continue
            elif (today - when).days > CATCH_UP_DAYS:
                text = w.text(
                    "note.greeting_deferred", occasion=occasion, date=when, days=w.days(CATCH_UP_DAYS)
                )
                draft.note_contact(contact.row, text)
            else:
                draft.messages.append(_greeting(view, contact, ctx, key, name, when, holiday))


def _age(year: int, birth_year: int | None) -> int | None:
    """The age turned in `year`. A birth year after it can only be a two-digit one (`02.01.90`
    reads as 2090): a century earlier."""
    if birth_year is None:
        return None
    age = year - birth_year
    return age + 100 if age < 0 else age


def _greeting(
    view: PartnerView,
    contact: Contact,
    ctx: Context,
    key: str,
    name: str,
    when: dt.date,
    holiday: Holiday | None,
) -> MessageIntent:
    birth_year = contact.birthday.year if contact.birthday and name == BIRTHDAY else None
    language = contact.language or ctx.config.language
    subject, line = holiday.words_in(language) if holiday is not None else ("", "")
    return MessageIntent(
        kind=MessageKind.GREETING,
        key=greeting_key(contact, key, when.year),
        to=(contact.email.strip(),),
        reply_to=manager_of(view, ctx.config),
        language=language,
        partner_row=view.row,
        contact_row=contact.row,
        occasion=f"{name} {when.year}",
        context={
            "partner": view.partner.name,
            "contact": contact.name,
            "first_name": contact.salutation,
            "occasion": key,
            "holiday": "" if name == BIRTHDAY else name,
            # the built-in words to greet with, unless the config gives the holiday its own
            "holiday_key": holiday_key(holiday) if holiday is not None else "",
            "holiday_subject": subject,
            "holiday_line": line,
            "date": when,
            "age": _age(when.year, birth_year),
            "manager": view.manager,
        },
    )
