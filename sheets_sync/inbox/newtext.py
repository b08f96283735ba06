"""The new text of an email: its plain text without the quoted message it answers, nor the
signature, in one line (a logged row's Summary and the digest show its first words)."""

from __future__ import annotations

import re
from email.message import Message

from lxml import html as lxml_html

# Where the quoted part starts: the reply headers mail clients write, in English and Russian
_QUOTE_START = re.compile(
    r"^\s*(on .{0,200}wrote:|am .{0,200}schrieb .{0,80}:|.{0,200}(пишет|написал|написала|написал\(а\)):|"
    r"-{2,}\s*(original message|исходное сообщение|forwarded message|пересылаемое сообщение)\s*-{2,}|"
    r"(from|от|sent|отправлено):\s.+)$",
    re.IGNORECASE,
)


def new_text(msg: Message, limit: int = 300) -> str:
    lines = []
    for line in _plain(msg).splitlines():
        stripped = line.strip()
        if stripped == "--" or line.rstrip("\r") == "-- ":
            break  # the signature
        if _QUOTE_START.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        lines.append(stripped)
    text = " ".join(" ".join(lines).split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _plain(msg: Message) -> str:
    """The first text/plain part, else the first text/html part as text ('' when none)."""
    html = ""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html") or part.get_filename():
            continue
        text = _decoded(part)
        if kind == "text/plain":
            return text
        if not html:
            html = text
    if not html.strip():
        return ""
    try:
        tree = lxml_html.fromstring(html)
        for quoted in tree.xpath("//blockquote | //style | //script | //head"):
            quoted.drop_tree()
        return "\n".join(s.strip() for s in tree.itertext())
    except Exception:
        return ""


def _decoded(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return ""
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # a charset Python does not know
        return payload.decode("utf-8", "replace")
