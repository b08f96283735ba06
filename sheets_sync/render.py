"""Message intents into emails: Jinja templates (subject, text, HTML) and RFC 5322 headers.

Pure: no clock (`now` is an argument), no sending; the only I/O is reading template files.

Templates live in `<dir>/<lang>/<name>.{subject,txt,html}.j2`, with `base.html.j2` (the shared
layout) and `_ui.html.j2` (inline-styled components) at `<dir>/`. `<dir>` is `templates_dir`
first, then the built-in set, file by file: an override of one file leaves the others built in.
The language is the first of (the intent's language, `language`, en) for which all three parts of
the template exist, so an email is never half in one language and half in another.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.header import Header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup, escape

from sheets_sync.config import Config
from sheets_sync.errors import ConfigError, SheetsSyncError
from sheets_sync.model import Digest, DigestSection, MessageIntent, MessageKind

BUILTIN_DIR = Path(__file__).parent / "templates"
FALLBACK_LANGUAGE = "en"
PARTS = ("subject", "txt", "html")
BIRTHDAY = "birthday"  # the greeting occasion the planner uses for birthdays


class TemplateError(SheetsSyncError):
    """A template refers to a missing value or is broken: that message is not sent.

    str(exc) is one short sentence for the row's Sync note.
    """


class _Registry(HeaderRegistry):
    """HeaderRegistry builds a new class on every lookup (even to check how many of a header a
    message may have); one per header name is enough."""

    @lru_cache(maxsize=None)  # noqa: B019 - module-level registry, lives as long as the process
    def __getitem__(self, name: str) -> type:
        return super().__getitem__(name)


class _Raw(str):
    """A header value already encoded (RFC 2047) and folded by this module: pure ASCII, its only
    line breaks are folds before a space, and every piece of sheet text in it was flattened."""


class _Policy(EmailPolicy):
    """email.policy.SMTP, except that a _Raw value is stored as it is, the way a parsed message
    holds its headers: it is parsed into a header object only when read (msg["To"]), and written
    out as it is (refolded if a line is too long).

    Setting headers through the header registry parses each value, and every parsed header keeps
    its parse tree: that cost more than rendering the templates, and thousands of messages held by
    one cycle made the garbage collector crawl.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, _Raw):
            return name, str(value)
        return super().header_store_parse(name, value)


POLICY = _Policy(linesep="\r\n", header_factory=_Registry())  # as email.policy.SMTP: CRLF line ends


@dataclass(frozen=True)
class Message:
    """One rendered email, ready for a transport."""

    key: str  # the intent's idempotency key
    kind: MessageKind
    email: EmailMessage = field(compare=False)

    @property
    def message_id(self) -> str:
        return str(self.email["Message-ID"])

    @property
    def recipients(self) -> tuple[str, ...]:
        """To and Cc addresses, lower-cased, in order."""
        found = []
        for name in ("To", "Cc"):
            header = self.email[name]
            if header is not None:
                found.extend(a.addr_spec.lower() for a in header.addresses)
        return tuple(found)

    @property
    def subject(self) -> str:
        return str(self.email["Subject"])

    @property
    def html(self) -> str:
        return self.email.get_body(("html",)).get_content().replace("\r\n", "\n")

    @property
    def text(self) -> str:
        return self.email.get_body(("plain",)).get_content().replace("\r\n", "\n")


def message_id_for(key: str, sender: str) -> str:
    """A Message-ID that is the same every time for the same key: a resend is recognisable."""
    domain = parseaddr(flatten(sender))[1].rpartition("@")[2] or "sheets-sync.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def flatten(text: Any) -> str:
    """One line: control characters (CR, LF, tabs, ...) become spaces, runs of spaces one."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_ROLE_WORDS = frozenset(
    "admin bd biz contact digest hello info mail marketing noreply office partners partnerships "
    "sales support team".split()
)


_ADDRESS = re.compile(r'(?:"?(?P<name>[^"<>]*?)"?\s*<(?P<inner>[^<>\s]+)>|(?P<bare>[^<>\s]+))')
_ADDR_SPEC = re.compile(r'[^@\s<>()\[\],;:"\\]+@[^@\s<>()\[\],;:"\\]+\.[^@\s<>()\[\],;:"\\.]+')


def parse_address(text: str, name: str = "") -> Address:
    """An Address from "anna@x.example" or "Anna <anna@x.example>", nothing else (a cell holding
    two addresses, or text after one, is refused); `name` overrides the display name."""
    flat = flatten(text)
    m = _ADDRESS.fullmatch(flat)
    spec = (m["inner"] or m["bare"]) if m else ""
    if not _ADDR_SPEC.fullmatch(spec):
        raise TemplateError(f'"{flat}" is not an email address')
    user, _, domain = spec.rpartition("@")
    if not user.isascii():
        raise TemplateError(f'"{flat}": an address with non-ASCII letters before the @ cannot be sent')
    if not domain.isascii():  # почта.рф -> xn--80a1acny.xn--p1ai, which every server accepts
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise TemplateError(f'"{flat}" is not an email address (bad domain)') from None
    try:
        return Address(flatten(name or m["name"] or ""), user, domain)
    except (ValueError, IndexError) as exc:  # the email package's parse errors are ValueErrors
        raise TemplateError(f'"{flat}" is not an email address ({exc})') from None


@lru_cache(maxsize=1024)  # the same few managers sign thousands of messages
def person_name(text: str) -> str:
    """A person's name for a signature: the display name, else one read from a first.last@
    address, else '' (role addresses such as partners@ have no person's name)."""
    display, spec = parseaddr(flatten(text))
    if display:
        return display
    parts = [p for p in re.split(r"[._-]+", spec.rpartition("@")[0]) if p]
    if not 1 <= len(parts) <= 3 or not all(p.isalpha() and len(p) > 1 for p in parts):
        return ""
    if parts[0].lower() in _ROLE_WORDS:
        return ""
    return " ".join(p.capitalize() for p in parts)


# --- template helpers: filters and globals ------------------------------------------------------

_MONTHS = {
    "en": ("January February March April May June July August September October November December").split(),
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split(),
}
_MONTHS_SHORT = {
    "en": "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
    "ru": "янв. фев. мар. апр. мая июн. июл. авг. сен. окт. нояб. дек.".split(),
}
_WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    "ru": "понедельник вторник среда четверг пятница суббота воскресенье".split(),
}
_SPACE = re.compile(r"\s")
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u2013\u2014>]+|\d{1,2}[.)])\s+")


@jinja2.pass_context
def _day(ctx: jinja2.runtime.Context, value: dt.date | None, style: str = "long") -> str:
    """A date in the message's language: long "26 November 2026", short "26 Nov", dm "26 November",
    full "Thursday, 26 November 2026"."""
    if value is None:
        return ""
    lang = ctx.get("lang", FALLBACK_LANGUAGE)
    lang = lang if lang in _MONTHS else FALLBACK_LANGUAGE
    if style == "short":
        return f"{value.day} {_MONTHS_SHORT[lang][value.month - 1]}"
    text = f"{value.day} {_MONTHS[lang][value.month - 1]}"
    if style == "dm":
        return text
    text += f" {value.year}"
    if style == "full":
        weekday = _WEEKDAYS[lang][value.weekday()]
        return f"{weekday}, {text}"
    return text


def _lines(text: str, semicolons: bool = True) -> list[str]:
    """A cell's items: one per line (and per semicolon), list markers the team typed removed."""
    parts = re.split(r"[\n;]+" if semicolons else r"\n+", str(text).replace("\r", "\n"))
    return [s for s in (_BULLET.sub("", p).strip() for p in parts) if s]


def _paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines; single line breaks stay inside a paragraph."""
    chunks = re.split(r"\n\s*\n", str(text).replace("\r\n", "\n").replace("\r", "\n").strip())
    return [c.strip() for c in chunks if c.strip()]


def _nl2br(text: str) -> Markup:
    """Escaped text with its line breaks as <br>: safe whatever the sheet holds."""
    return Markup("<br>\n").join(escape(line.strip()) for line in str(text).splitlines())


def _url(value: str) -> str:
    """The link if it is http(s) or mailto, else '' (a javascript: link from a cell never renders)."""
    text = str(value or "").strip()
    if not text or _SPACE.search(text):
        return ""
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return ""
    return text if scheme in ("http", "https", "mailto") else ""


def _person(text: str) -> str:
    """How an owner cell reads in an email: "Anna <anna@x>" and anna.schmidt@x as the person's
    name, a role address as it is, any other text as typed."""
    flat = flatten(text)
    return (person_name(flat) or flat) if "@" in flat else flat


@lru_cache(maxsize=1024)
def _email_of(text: str) -> str:
    """The address in "anna@x" or "Anna <anna@x>", else ''."""
    return parseaddr(flatten(text))[1] if text else ""


def _plural(n: int, *forms: str) -> str:
    """English (one, other) or Russian (one, few, many) plural forms of a count."""
    if len(forms) == 3:
        if n % 10 == 1 and n % 100 != 11:
            return forms[0]
        return forms[1] if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else forms[2]
    return forms[0] if n == 1 else forms[-1]


class _Missing(Exception):
    """A value a template marks as required is empty."""


def _required(value: Any, what: str) -> Any:
    """The value, unless it is empty: a template's way to say "never send this without it"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Missing(f"{what} is empty")
    return value


def _required_url(value: Any, what: str) -> str:
    """An http(s) link the message cannot do without."""
    link = _url(_required(value, what))
    if not link.lower().startswith(("http://", "https://")):
        raise _Missing(f'{what} is not a web address: "{flatten(value)}"')
    return link


@jinja2.pass_context
def _listing(ctx: jinja2.runtime.Context, items: Iterable[str]) -> str:
    """"Anna, Ben and Chloe" ("Анна, Борис и Хлоя")."""
    names = [flatten(i) for i in items if flatten(i)]
    word = " и " if ctx.get("lang") == "ru" else " and "
    return ", ".join(names[:-1]) + word + names[-1] if len(names) > 1 else "".join(names)


def _is_html(name: str | None) -> bool:
    return bool(name) and name.endswith(".html.j2")


# --- the renderer -------------------------------------------------------------------------------

_SECTION_ORDER = tuple(DigestSection)


class Renderer:
    """Renders intents and digests with one Jinja environment (compiled templates are cached)."""

    def __init__(self, config: Config, *, row_link: Callable[[int], str | None] | None = None):
        self.config = config
        self.row_link = row_link
        search = [BUILTIN_DIR]
        if config.templates_dir is not None:
            if not Path(config.templates_dir).is_dir():
                raise ConfigError(f"templates_dir: {config.templates_dir} is not a folder.")
            search.insert(0, Path(config.templates_dir))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(search),
            undefined=jinja2.StrictUndefined,
            autoescape=_is_html,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=True,  # an edited override applies on the next message
            cache_size=-1,
        )
        self.env.filters.update(day=_day, lines=_lines, paragraphs=_paragraphs, nl2br=_nl2br, url=_url,
                                person=_person, required=_required,
                                required_url=_required_url, listing=_listing)  # fmt: skip
        self.env.globals.update(plural=_plural)
        self.sender = parse_address(config.mail.sender)
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
        unsubscribe = self._unsubscribe(to[0].addr_spec) if _has_unsubscribe(intent.kind) else None
        values = {
            **self._common,
            **intent.context,
            "kind": intent.kind.value,
            "now": now,
            "today": now.date(),
            "manager_name": person_name(manager) if manager else "",
            "manager_email": _email_of(manager),
            "for_manager": reply_to is not None
            and {a.addr_spec.lower() for a in to} == {reply_to.addr_spec.lower()},
            "row_url": self._row_url(intent.partner_row),
            "unsubscribe_link": unsubscribe[1] if unsubscribe else "",
        }
        return self._compose(
            name, _languages(intent.language, self.config.language), values, intent.key, intent.kind,
            to=to, cc=cc, reply_to=reply_to, now=now, unsubscribe=unsubscribe,
        )  # fmt: skip

    def render_digest(self, digest: Digest, today: dt.date, now: dt.datetime) -> Message:
        """A manager's digest: sections in DigestSection order, each item's partner linked to its row."""
        by_section: dict[DigestSection, list[dict[str, Any]]] = {}
        for item in digest.items:
            by_section.setdefault(item.section, []).append({
                "partner": item.partner,
                "rank": item.rank,
                "text": item.text,
                "when": item.when,
                "url": self._row_url(item.partner_row),
            })  # fmt: skip
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
        key = f"digest:{digest.manager}:{today.isoformat()}"
        return self._compose(
            "digest", _languages("", self.config.language), values, key, MessageKind.DIGEST,
            to=[parse_address(digest.manager)], cc=[], reply_to=None, now=now, unsubscribe=None,
        )  # fmt: skip

    # -- internals --

    def _row_url(self, row: int | None) -> str:
        if self.row_link is None or row is None:
            return ""
        return _url(self.row_link(row) or "")

    def _unsubscribe(self, recipient: str) -> tuple[str, str]:
        """(List-Unsubscribe header value, the link shown in the footer)."""
        mailto = f"mailto:{self.sender.addr_spec}?subject=unsubscribe"
        url = self.config.mail.unsubscribe_url.strip()
        if urlsplit(url).scheme.lower() != "https" or _SPACE.search(url):
            return f"<{mailto}>", mailto
        link = f"{url}{'&' if '?' in url else '?'}email={quote(recipient, safe='')}"
        return f"<{mailto}>,\n <{link}>", link

    def _templates(self, name: str, languages: Iterable[str]) -> tuple[str, list[jinja2.Template]]:
        for lang in languages:
            try:
                return lang, [self.env.get_template(f"{lang}/{name}.{part}.j2") for part in PARTS]
            except jinja2.TemplateNotFound:
                continue
            except jinja2.TemplateSyntaxError as exc:
                raise _broken(exc) from None
        raise TemplateError(f"no template {name} in {', '.join(languages)}")

    def _compose(self, name: str, languages: tuple[str, ...], values: dict[str, Any], key: str,
                 kind: MessageKind, *, to: list[Address], cc: list[Address], reply_to: Address | None,
                 now: dt.datetime, unsubscribe: tuple[str, str] | None) -> Message:  # fmt: skip
        lang, (subject_t, text_t, html_t) = self._templates(name, languages)
        values["lang"] = lang
        subject = flatten(self._run(subject_t, values, name, "subject", lang))
        if not subject:
            raise TemplateError(f"template {name}.subject ({lang}) rendered an empty subject")
        values["subject"] = subject
        text = _tidy_text(self._run(text_t, values, name, "txt", lang))
        html = self._run(html_t, values, name, "html", lang)

        msg = EmailMessage(policy=POLICY)
        msg["From"] = _address_header([self.sender])
        msg["To"] = _address_header(to)
        if cc:
            msg["Cc"] = _address_header(cc)
        if reply_to is not None:
            msg["Reply-To"] = _address_header([reply_to])
        msg["Date"] = _Raw(format_datetime(now))
        msg["Subject"] = _text_header(subject, "Subject")
        msg["Message-ID"] = _Raw(message_id_for(key, self.sender.addr_spec))
        msg["X-Sheets-Sync-Kind"] = _Raw(kind.value)
        if unsubscribe is not None:
            msg["List-Unsubscribe"] = _Raw(unsubscribe[0])
            if "https:" in unsubscribe[0]:
                msg["List-Unsubscribe-Post"] = _Raw("List-Unsubscribe=One-Click")
        _set_alternative(msg, text, html, key)
        return Message(key=key, kind=kind, email=msg)

    @staticmethod
    def _run(template: jinja2.Template, values: dict[str, Any], name: str, part: str, lang: str) -> str:
        where = f"template {name}.{part} ({lang})"
        try:
            return template.render(values)
        except jinja2.UndefinedError as exc:
            raise TemplateError(f"{where}: {_quoted(exc.message or str(exc))}") from None
        except _Missing as exc:
            raise TemplateError(f"{where}: {exc}") from None
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"{where}: includes {exc.name}, which does not exist") from None
        except jinja2.TemplateSyntaxError as exc:  # in a template this one extends or imports
            raise _broken(exc) from None
        except Exception as exc:  # noqa: BLE001 - any failure inside a template stops only this message
            raise TemplateError(f"{where} failed: {type(exc).__name__}: {exc}") from None


def template_name(intent: MessageIntent) -> str:
    """follow-up, newsletter, greeting-birthday, greeting-holiday, sales-kit or digest."""
    if intent.kind == MessageKind.GREETING:
        return "greeting-birthday" if intent.context.get("occasion") == BIRTHDAY else "greeting-holiday"
    return intent.kind.value


_LANGUAGE_NAMES = {"english": "en", "английский": "en", "russian": "ru", "русский": "ru"}


def _languages(preferred: str, configured: str) -> tuple[str, ...]:
    """The languages to try, best first: "ru-RU", "RU" and "Russian" all mean ru."""
    out: list[str] = []
    for raw in (preferred, configured, FALLBACK_LANGUAGE):
        text = str(raw or "").strip().lower()
        code = _LANGUAGE_NAMES.get(text, re.split(r"[-_]", text)[0])
        if re.fullmatch(r"[a-z]{2,3}", code) and code not in out:
            out.append(code)
    return tuple(out)


def _has_unsubscribe(kind: MessageKind) -> bool:
    return kind in (MessageKind.NEWSLETTER, MessageKind.GREETING)


def _broken(exc: jinja2.TemplateSyntaxError) -> TemplateError:
    return TemplateError(f"template {exc.name} is broken (line {exc.lineno}): {exc.message}")


def _quoted(message: str) -> str:
    """Jinja's "'agreements' is undefined" as '"agreements" is undefined'."""
    return re.sub(r"'([^']*)'", r'"\1"', message)


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


# --- MIME: headers encoded with the email package's fast codecs, bodies with the C codecs -------


def _address_header(addresses: list[Address]) -> _Raw:
    """"Name <user@domain>" items, a non-ASCII name as an RFC 2047 word, one item per line."""
    items = [formataddr((a.display_name, a.addr_spec), charset="utf-8") for a in addresses]
    return _Raw(",\n ".join(items))  # addr_specs are ASCII (parse_address), names are encoded


def _text_header(text: str, name: str) -> _Raw:
    """Flattened text as an RFC 2047-encoded, folded header value (ASCII text stays readable)."""
    charset = "us-ascii" if text.isascii() and "=?" not in text else "utf-8"
    return _Raw(Header(flatten(text), charset, header_name=name).encode(linesep="\n"))


_BOUNDARY = "==sheets-sync-alternative=="


def _set_alternative(msg: EmailMessage, text: str, html: str, key: str) -> None:
    """Make `msg` multipart/alternative: the text part, then the HTML part."""
    parts = [_part(text, "plain"), _part(html, "html")]
    boundary = _BOUNDARY
    if boundary in text or boundary in html:  # only 7bit bodies could hold it; never in practice
        boundary = "==sheets-sync-" + hashlib.sha256(key.encode()).hexdigest()[:24]
    msg["MIME-Version"] = _Raw("1.0")
    msg["Content-Type"] = _Raw(f'multipart/alternative; boundary="{boundary}"')
    msg.set_payload(parts)


def _part(body: str, subtype: str) -> EmailMessage:
    """A UTF-8 text part: 7bit when plain ASCII, base64 when mostly non-ASCII (Cyrillic), else
    quoted-printable. Line breaks are CRLF, the canonical form of text in MIME."""
    crlf = body.replace("\r\n", "\n").replace("\n", "\r\n")
    data = crlf.encode("utf-8")
    if len(data) == len(crlf) and all(len(line) <= 998 for line in crlf.split("\r\n")):
        cte, payload = "7bit", crlf
    elif (len(data) - len(crlf)) * 4 > len(crlf):  # about one extra byte per Cyrillic letter
        cte, payload = "base64", base64.encodebytes(data).decode("ascii")
    else:
        cte, payload = "quoted-printable", binascii.b2a_qp(data).decode("ascii")
    part = EmailMessage(policy=POLICY)
    part["Content-Type"] = _Raw(f'text/{subtype}; charset="utf-8"')
    part["Content-Transfer-Encoding"] = _Raw(cte)
    part.set_payload(payload)
    return part
