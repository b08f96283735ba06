"""One rendered email (`Message`) and how it is built: addresses, RFC 2047 headers, MIME parts.

Headers are encoded with the email package's fast codecs and stored as they are (see `_Policy`);
bodies are encoded with the C codecs. Every piece of sheet text in a header is flattened to one
line first, so no cell can add a header or break one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email.charset import Charset
from email.header import Header
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.message import Message as MimeMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, parseaddr
from functools import cache, lru_cache
from typing import Any

from sheets_sync.errors import TemplateError
from sheets_sync.model import MessageKind


class _Registry(HeaderRegistry):
    """HeaderRegistry builds a new class on every lookup (even to check how many of a header a
    message may have); one per header name is enough."""

    @cache  # noqa: B019 - module-level registry, lives as long as the process
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
        found: list[str] = []
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
        return self._body("html")

    @property
    def text(self) -> str:
        return self._body("plain")

    def _body(self, subtype: str) -> str:
        part = self.email.get_body((subtype,))
        assert part is not None  # every message made here has a text and an HTML part
        content: str = part.get_content()  # a text part's content is its text
        return content.replace("\r\n", "\n")


def message_id_for(key: str, sender: str) -> str:
    """A Message-ID that is the same every time for the same key: a resend is recognisable."""
    domain = parseaddr(flatten(sender))[1].rpartition("@")[2] or "sheets-sync.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def flatten(text: Any) -> str:
    """One line: control characters (CR, LF, tabs, ...) become spaces, runs of spaces one."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")

# The longest Subject or display name made from sheet text (headers are cut to a sane
# length, whatever a cell holds). Mail clients show far less; RFC 5322 recommends lines under 78 characters,
# and the
# email package's header encoder and parser cost more than linear time in a header's length.
HEADER_TEXT_MAX = 200
_ELLIPSIS = "\u2026"
_TRAILING = " ,;:-\u2013\u2014"  # not left dangling before the ellipsis


def shorten(text: Any, limit: int = HEADER_TEXT_MAX) -> str:
    """`text` flattened to one line of at most `limit` characters. Longer text is cut after the
    last whole word that fits, and ends in an ellipsis; where that would keep less than half the
    limit (one very long word), it is cut inside the word."""
    line = flatten(text)
    if len(line) <= limit:
        return line
    head = line[: limit - 1]
    if line[limit - 1] != " ":  # the cut falls inside a word: drop that word
        space = head.rfind(" ")
        if space >= limit // 2:
            head = head[:space]
    return head.rstrip(_TRAILING) + _ELLIPSIS


_ROLE_WORDS = frozenset(
    [
        "admin",
        "bd",
        "biz",
        "contact",
        "digest",
        "hello",
        "info",
        "mail",
        "marketing",
        "noreply",
        "office",
        "partners",
        "partnerships",
        "sales",
        "support",
        "team",
    ]
)


_ADDRESS = re.compile(r'(?:"?(?P<name>[^"<>]*?)"?\s*<(?P<inner>[^<>\s]+)>|(?P<bare>[^<>\s]+))')
_ADDR_SPEC = re.compile(r'[^@\s<>()\[\],;:"\\]+@[^@\s<>()\[\],;:"\\]+\.[^@\s<>()\[\],;:"\\.]+')


_MAX_ADDRESS = 254  # RFC 5321's limit on a path (256) less its angle brackets


def parse_address(text: str, name: str = "") -> Address:
    """An Address from "anna@x.example" or "Anna <anna@x.example>", nothing else (a cell holding
    two addresses, or text after one, is refused); `name` overrides the display name, which is
    shortened to HEADER_TEXT_MAX characters."""
    flat = flatten(text)
    m = _ADDRESS.fullmatch(flat)
    spec = (m["inner"] or m["bare"]) if m else ""
    if len(spec) > _MAX_ADDRESS:
        raise TemplateError(
            f'"{shorten(flat, 80)}" is not an email address (longer than {_MAX_ADDRESS} characters)'
        )
    if m is None or not _ADDR_SPEC.fullmatch(spec):
        raise TemplateError(f'"{shorten(flat, 80)}" is not an email address')
    flat = shorten(flat, 80)  # as errors below quote it
    user, _, domain = spec.rpartition("@")
    if not user.isascii():
        raise TemplateError(f'"{flat}": an address with non-ASCII letters before the @ cannot be sent')
    if not domain.isascii():  # почта.рф -> xn--80a1acny.xn--p1ai, which every server accepts
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise TemplateError(f'"{flat}" is not an email address (bad domain)') from None
    try:
        return Address(shorten(name or m["name"] or ""), user, domain)
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


# --- MIME: headers encoded with the email package's fast codecs, bodies with the C codecs -------


def build_message(
    key: str,
    kind: MessageKind,
    *,
    sender: Address,
    to: list[Address],
    cc: list[Address],
    reply_to: list[Address],
    now: dt.datetime,
    subject: str,
    text: str,
    html: str,
    unsubscribe: tuple[str, str] | None,
) -> Message:
    """The email: From/To/Cc/Reply-To, Date, the Subject (RFC 2047, shortened as `shorten` does),
    a Message-ID made from `key`, List-Unsubscribe when `unsubscribe` is (header value, link), and
    the text and HTML bodies."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address_header([sender])
    msg["To"] = _address_header(to)
    if cc:
        msg["Cc"] = _address_header(cc)
    if reply_to:
        msg["Reply-To"] = _address_header(reply_to)
    msg["Date"] = _Raw(format_datetime(now))
    msg["Subject"] = _text_header(subject, "Subject")
    msg["Message-ID"] = _Raw(message_id_for(key, sender.addr_spec))
    msg["X-Sheets-Sync-Kind"] = _Raw(kind.value)
    if unsubscribe is not None:
        msg["List-Unsubscribe"] = _Raw(unsubscribe[0])
        if "https:" in unsubscribe[0]:
            msg["List-Unsubscribe-Post"] = _Raw("List-Unsubscribe=One-Click")
    _set_alternative(msg, text, html, key)
    return Message(key=key, kind=kind, email=msg)


def _address_header(addresses: list[Address]) -> _Raw:
    """ "Name <user@domain>" items, one item per line, each line short enough that the email
    package never refolds it: refolding a long encoded name left a comma in it bare, which made
    one recipient two (and put spaces inside words)."""
    items = []
    for a in addresses:
        name = shorten(a.display_name)
        one = formataddr((name, a.addr_spec), charset="utf-8")
        if len(one) <= _LINE - _NAME_ROOM or not name:
            items.append(one)  # addr_specs are ASCII (parse_address), a name fits as it is
        else:
            items.append(f"{_encoded_phrase(name)}\n <{a.addr_spec}>")
    return _Raw(",\n ".join(items))


_LINE = 78  # RFC 5322's recommended line length, the email package's max_line_length
_NAME_ROOM = len("Reply-To: ")  # the longest header name this module writes addresses under
_WORD_ROOM = _LINE - _NAME_ROOM - 2  # an encoded word on a line, after the fold's space and before a comma
_UTF8 = Charset("utf-8")  # B or Q words, whichever is shorter: either encodes commas, quotes, brackets


def _encoded_phrase(name: str) -> str:
    """A display name as RFC 2047 encoded words of whole words where possible, one per line.

    Each space stays inside the word before it: a reader ignores the folding whitespace between
    two encoded words (RFC 2047 6.2), so the name reads back as it is.
    """
    words = re.findall(r"\S+\s*|\s+", name)
    out: list[str] = []
    chunk = ""
    for word in words:
        if chunk and _b_length(chunk + word) > _WORD_ROOM:
            out.append(_UTF8.header_encode(chunk))
            chunk = ""
        while _b_length(word) > _WORD_ROOM:  # a word longer than a line: cut it by characters
            cut = len(word)
            while _b_length(word[:cut]) > _WORD_ROOM:
                cut = cut * 3 // 4
            out.append(_UTF8.header_encode(word[:cut]))
            word = word[cut:]
        chunk += word
    if chunk:
        out.append(_UTF8.header_encode(chunk))
    return "\n ".join(out)


def _b_length(text: str) -> int:
    """The length of `text` as one B-encoded UTF-8 word: =?utf-8?b?...?=."""
    return len("=?utf-8?b??=") + 4 * -(-len(text.encode("utf-8")) // 3)


def _text_header(text: str, name: str) -> _Raw:
    """Text shortened to one line of HEADER_TEXT_MAX characters, as an RFC 2047-encoded, folded
    header value (ASCII text stays readable)."""
    line = shorten(text)
    charset = "us-ascii" if line.isascii() and "=?" not in line else "utf-8"
    return _Raw(Header(line, charset, header_name=name).encode(linesep="\n"))


_BOUNDARY = "==sheets-sync-alternative=="


def _set_alternative(msg: EmailMessage, text: str, html: str, key: str) -> None:
    """Make `msg` multipart/alternative: the text part, then the HTML part."""
    parts: list[MimeMessage[str, str] | str] = [_part(text, "plain"), _part(html, "html")]
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
