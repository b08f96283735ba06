"""Message intents and digests into emails: the values each kind of message gives its templates.

Pure: no clock (`now` is an argument), no sending; the only I/O is reading template files.
Finding, loading and running the Jinja templates is `templating`'s job; building the email from
their output (addresses, RFC 5322 headers, MIME parts) is `message`'s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from email.headerregistry import Address
from email.utils import parseaddr
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

from sheets_sync.config import Config
from sheets_sync.errors import TemplateError
from sheets_sync.i18n import words
from sheets_sync.mail.compose.message import (
    HEADER_TEXT_MAX,
    Message,
    build_message,
    flatten,
    parse_address,
    person_name,
    shorten,
)
from sheets_sync.mail.compose.templating import (
    environment,
    languages_to_try,
    load_templates,
    run_template,
    safe_url,
)
from sheets_sync.model import (
    Digest,
    DigestSection,
    MessageIntent,
    MessageKind,
    Tab,
    contact_token,
    digest_key,
    first_name_in,
)
from sheets_sync.rules.greetings import BIRTHDAY  # the occasion the planner gives birthdays

# Message and TemplateError live in `message` and `errors`; callers take them from here, with Renderer.
__all__ = ["Message", "Renderer", "TemplateError", "template_name"]

_SECTION_ORDER = tuple(DigestSection)
_SPACE = re.compile(r"\s")


class Renderer:
    """Renders intents and digests with one Jinja environment (compiled templates are cached)."""

    def __init__(self, config: Config, *, row_link: Callable[[Tab, int], str | None] | None = None):
        self.config = config
        self.row_link = row_link
        self.env = environment(config.templates_dir)
        self.sender = parse_address(config.mail.sender)
        inbox = config.inbox.address or config.inbox.mailbox_address
        self._inbox = [parse_address(inbox)] if config.inbox.enabled else []  # also Reply-To (SPEC 4)
        self._common = {
            "sender_email": self.sender.addr_spec,
            "sender_name": self.sender.display_name,
            "sales_kit_url": config.onboarding.sales_kit_url,
        }

    # -- public --

    def render(self, intent: MessageIntent, now: dt.datetime) -> Message:
        """One intent into a Message; a missing value or broken template raises TemplateError."""
        name = template_name(intent)
        single = len(intent.to) == 1 and not intent.cc
        contact_name = intent.context.get("contact") if single else None
        to = [parse_address(a, contact_name if isinstance(contact_name, str) else "") for a in intent.to]
        cc = [parse_address(a) for a in intent.cc]
        reply_to = parse_address(intent.reply_to) if intent.reply_to.strip() else None
        manager = str(intent.context.get("manager") or "") or intent.reply_to
        unsubscribe = (
            self._unsubscribe(to[0].addr_spec, intent.target_id) if _has_unsubscribe(intent.kind) else None
        )
        for_manager = reply_to is not None and {a.addr_spec.lower() for a in to} == {
            reply_to.addr_spec.lower()
        }
        values = {
            **self._common,
            **_short_labels({**_salutations(intent), **intent.context}),
            "kind": intent.kind.value,
            "now": now,
            "today": now.date(),
            "manager_name": person_name(manager) if manager else "",
            "manager_email": _email_of(manager),
            "for_manager": for_manager,
            "row_url": self._row_url(Tab.PARTNERS, intent.partner_row),
            "unsubscribe_link": unsubscribe[1] if unsubscribe else "",
        }
        return self._compose(
            name,
            languages_to_try(intent.language, self.config.language),
            values,
            intent.key,
            intent.kind,
            to=to,
            cc=cc,
            # the partner's answer reaches the manager and the team inbox, which logs it (SPEC 4a)
            reply_to=([reply_to] if reply_to else []) + ([] if for_manager else self._inbox),
            now=now,
            unsubscribe=unsubscribe,
        )

    def render_digest(self, digest: Digest, today: dt.date, now: dt.datetime) -> Message:
        """A manager's digest: sections in DigestSection order, each item's partner linked to its row."""
        by_section: dict[DigestSection, list[dict[str, Any]]] = {}
        for item in digest.items:
            tab, row = item.row or (Tab.PARTNERS, item.partner_row)
            by_section.setdefault(item.section, []).append(
                {
                    "partner": _label(item.partner),
                    "rank": _label(item.rank),
                    "text": _label(item.text, _DIGEST_LINE_MAX),
                    "when": item.when,
                    "contact": _label(item.contact),
                    "url": self._row_url(tab, row),
                    "where": self._where(tab, row),
                }
            )
        sections = [
            {"key": s.name, "title": s.value, "entries": by_section[s]}
            for s in _SECTION_ORDER
            if s in by_section
        ]
        values = {
            **self._common,
            "kind": MessageKind.DIGEST.value,
            "now": now,
            "today": today,
            "manager": digest.manager,
            "manager_name": person_name(digest.manager),
            "sections": sections,
            "to_do": sum(len(s["entries"]) for s in sections if s["key"] != DigestSection.GOALS.name),
        }
        key = digest_key(digest.manager, today)
        manager = parse_address(digest.manager)
        # Reply-To the manager, as on every message: here the manager is the reader, so a
        # reply (a note to self, a forward) stays with them rather than going to the worker's From.
        return self._compose(
            "digest",
            languages_to_try("", self.config.language),
            values,
            key,
            MessageKind.DIGEST,
            to=[manager],
            cc=[],
            reply_to=[manager],
            now=now,
            unsubscribe=None,
        )

    # -- internals --

    def _row_url(self, tab: Tab, row: int | None) -> str:
        """A link that opens the row (a Google Sheet); '' where the source has none."""
        if self.row_link is None or row is None:
            return ""
        return safe_url(self.row_link(tab, row) or "")

    def _where(self, tab: Tab, row: int | None) -> str:
        """ "Activities, row 12" ("Активности, строка 12"): where a workbook's reader finds it."""
        if row is None:
            return ""
        return words(self.config.language).text("digest.where", tab=self.config.tab_name(tab), row=str(row))

    def _unsubscribe(self, recipient: str, contact_id: str) -> tuple[str, str]:
        """(List-Unsubscribe header value, the link shown in the footer). With an inbox, the mailto:
        goes to it with a token naming the contact, which the inbox turns into its Email status."""
        inbox = self.config.inbox.mailbox_address
        mailto = (
            f"mailto:{inbox}?subject=unsubscribe%20{contact_token(contact_id, recipient)}"
            if self.config.inbox.enabled and inbox
            else f"mailto:{self.sender.addr_spec}?subject=unsubscribe"
        )
        url = self.config.mail.unsubscribe_url.strip()
        if urlsplit(url).scheme.lower() != "https" or _SPACE.search(url):
            return f"<{mailto}>", mailto
        link = f"{url}{'&' if '?' in url else '?'}email={quote(recipient, safe='')}"
        return f"<{mailto}>,\n <{link}>", link

    def _compose(
        self,
        name: str,
        languages: tuple[str, ...],
        values: dict[str, Any],
        key: str,
        kind: MessageKind,
        *,
        to: list[Address],
        cc: list[Address],
        reply_to: list[Address],
        now: dt.datetime,
        unsubscribe: tuple[str, str] | None,
    ) -> Message:
        lang, (subject_t, text_t, html_t) = load_templates(self.env, name, languages)
        values["lang"] = lang
        # Cut here, not only in the header, so that the page title, the summary and the log row's
        # Summary show the Subject the email has.
        subject = shorten(run_template(subject_t, values, name, "subject", lang))
        if not subject:
            raise TemplateError(f"template {name}.subject ({lang}) rendered an empty subject")
        values["subject"] = subject
        text = _tidy_text(run_template(text_t, values, name, "txt", lang))
        html = run_template(html_t, values, name, "html", lang)
        return build_message(
            key,
            kind,
            sender=self.sender,
            to=to,
            cc=cc,
            reply_to=reply_to,
            now=now,
            subject=subject,
            text=text,
            html=html,
            unsubscribe=unsubscribe,
        )


def _salutations(intent: MessageIntent) -> dict[str, Any]:
    """The values salutations greet by, for an intent whose rule did not give them: `first_name`
    (a message to one `contact`) and `first_names` (to `contacts`), each the first word of the
    name (`first_name_in`: none for an address or a blank name); and a holiday greeting's
    `holiday_key` (its occasion), `holiday_subject` and `holiday_line` (none of its own). The
    rules that know the contacts give the First name column's instead."""
    context = intent.context
    out: dict[str, Any] = {}
    if isinstance(context.get("contact"), str):
        out["first_name"] = first_name_in(context["contact"])
    if isinstance(context.get("contacts"), tuple):
        out["first_names"] = tuple(n for n in map(first_name_in, context["contacts"]) if n)
    if intent.kind == MessageKind.GREETING:
        out.update(holiday_key=context.get("occasion", ""), holiday_subject="", holiday_line="")
    return out


def _short_labels(context: dict[str, Any]) -> dict[str, Any]:
    """The context with its one-line labels (partner and contact names, news titles and categories)
    shortened as a Subject is when longer than one. Greetings, headings and preview text show them
    whole, in the text and the HTML part of every message about that partner or item: a page pasted
    into a name cell would be copied into each of them (a cell of any length must cost no more
    than a normal one). Summaries, agreements, next steps and news bodies are the message itself
    and stay whole."""
    out = dict(context)
    for key in ("partner", "contact", "first_name"):
        if key in out:
            out[key] = _label(out[key])
    for key in ("contacts", "first_names"):
        if isinstance(out.get(key), tuple):
            out[key] = tuple(_label(c) for c in out[key])
    if isinstance(out.get("news"), tuple):
        out["news"] = tuple(_news_labels(n) for n in out["news"])
    return out


def _news_labels(item: Any) -> Any:
    if not isinstance(item, dict):
        return item
    return {**item, **{k: _label(item[k]) for k in ("title", "category") if k in item}}


_DIGEST_LINE_MAX = 2 * HEADER_TEXT_MAX  # a digest line may quote a Subject


def _label(value: Any, limit: int = HEADER_TEXT_MAX) -> Any:
    """A label longer than `limit`, shortened as a Subject is; anything else as it is."""
    return shorten(value, limit) if isinstance(value, str) and len(value) > limit else value


def template_name(intent: MessageIntent) -> str:
    """follow-up, newsletter, greeting-birthday, greeting-holiday, sales-kit or digest."""
    if intent.kind == MessageKind.GREETING:
        return "greeting-birthday" if intent.context.get("occasion") == BIRTHDAY else "greeting-holiday"
    return intent.kind.value


@lru_cache(maxsize=1024)
def _email_of(text: str) -> str:
    """The address in "anna@x" or "Anna <anna@x>", else ''."""
    return parseaddr(flatten(text))[1] if text else ""


def _has_unsubscribe(kind: MessageKind) -> bool:
    return kind in (MessageKind.NEWSLETTER, MessageKind.GREETING)


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
