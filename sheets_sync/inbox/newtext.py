"""The new text of an email: its plain text without the quoted message it answers, nor the
signature, in one line (a logged row's Summary and the digest show its first words)."""

from __future__ import annotations

import re
from email.message import Message

from lxml import html as lxml_html

# Where the quoted part starts: the reply headers mail clients write, in English and Russian
# (Gmail's "On ..., ... wrote:", Mail.ru's and Yandex's "..., ... пишет:" / "написал(а):",
# Outlook's separators, Gmail's forwarded message)
_QUOTE_START = re.compile(
    r"^\s*(on .{0,200}wrote:|am .{0,200}schrieb .{0,80}:|.{0,200}(пишет|написал|написала|написал\(а\)):|"
    r"-{2,}\s*(original message|исходное сообщение|forwarded message|пересылаемое сообщение)\s*-{2,}|"
    r"-{2,}\s*(пересланное сообщение|forwarded message)\s*-{2,}.*)$",
    re.IGNORECASE,
)
# Outlook's quoted header block: "From: ..." then "Sent: ..." (or the Russian "От:", "Отправлено:"),
# sometimes after a line of underscores; a "From:" line alone may be the person's own words
_HEADER_FROM = re.compile(r"^\s*(from|от|von|de)\s*:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*(sent|date|to|отправлено|дата|кому|gesendet|envoyé)\s*:\s*\S", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_WROTE_END = re.compile(r"(wrote|пишет|написал|написала|написал\(а\)):\s*$", re.IGNORECASE)


def new_text(msg: Message, limit: int = 300) -> str:
    """The new words of `msg` in one line, cut to `limit` characters at a word. Never raises."""
    try:
        text = " ".join(" ".join(_new_lines(plain_text(msg).splitlines())).split())
    except Exception:
        return ""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _new_lines(lines: list[str]) -> list[str]:
    out = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        following = next((rest.strip() for rest in lines[i + 1 : i + 4] if rest.strip()), "")
        if stripped == "--" or line.rstrip("\r") == "-- ":
            break  # the signature
        if _QUOTE_START.match(stripped):
            break
        # Gmail folds a long "On ..., Name <address> wrote:" over two lines
        if stripped.lower().startswith("on ") and _WROTE_END.search(following) and len(stripped) < 200:
            break
        if _HEADER_FROM.match(stripped) and _HEADER_NEXT.match(following):
            break
        if _UNDERSCORES.match(stripped) and _HEADER_FROM.match(following):
            break
        if stripped.startswith(">"):
            continue
        out.append(stripped)
    return out


def plain_text(msg: Message) -> str:
    """The first text/plain part, else the first text/html part as text ('' when none). Never raises."""
    try:
        return _plain(msg)
    except Exception:
        return ""


def _plain(msg: Message) -> str:
    html = ""
    for part in msg.walk():
        kind = part.get_content_type()
        if kind not in ("text/plain", "text/html") or part.get_filename():
            continue
        text = part_text(part)
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
        for br in tree.iter("br", "p", "div", "tr", "li"):
            br.tail = "\n" + (br.tail or "")
        return "\n".join(s.strip() for s in tree.itertext())
    except Exception:
        return ""


def part_text(part: Message) -> str:
    """A text part's payload decoded by its charset (UTF-8 when it names none or one Python does
    not know); '' when it has none. Never raises."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        return ""
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except (LookupError, ValueError):  # a charset Python does not know
        return payload.decode("utf-8", "replace")
