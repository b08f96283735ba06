"""Which addresses a bounce reports as failed for good, and why.

First the delivery status notification itself (RFC 3464: a message/delivery-status part, one block
per recipient with its Action, Status and Diagnostic-Code), which also gives the reason; then
flufl.bounce, Mailman's detectors, for the shapes servers send without one (qmail, Exim, older
Postfix and Exchange, Yahoo and more). A delay (Action: delayed, a 4.x.x status) is no bounce.
"""

from __future__ import annotations

import logging
import re
from email.message import Message

from flufl.bounce import scan_message

from sheets_sync.model import Bounced

log = logging.getLogger(__name__)
REASON_MAX = 120
_ENHANCED = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")
_REPLY = re.compile(r"\b[45]\d\d\b")
_ADDRESS = re.compile(r"<?[\w.+%'-]+@[\w.-]+\.\w+>?:?")


def bounced_addresses(msg: Message) -> tuple[Bounced, ...]:
    found = _from_dsn(msg)
    if found is not None:
        return found
    try:
        failed = scan_message(msg)
    except Exception as exc:
        log.debug("bounce detectors failed on a message: %s", exc)
        return ()
    reason = _reason_in_text(msg)
    out = []
    for raw in sorted(failed):
        address = (
            (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).strip(" <>").lower()
        )
        if "@" in address:
            out.append(Bounced(address, reason))
    return tuple(out)


def _from_dsn(msg: Message) -> tuple[Bounced, ...] | None:
    """The recipients an RFC 3464 report says failed; None when the message holds no such report."""
    reports = [part for part in msg.walk() if part.get_content_type() == "message/delivery-status"]
    if not reports:
        return None
    out: dict[str, Bounced] = {}
    for report in reports:
        for block in _blocks(report):
            action = block.get("action", "").lower()
            status = block.get("status", "")
            if action != "failed" and not status.startswith("5"):
                continue  # delayed, delivered, relayed, expanded: no permanent failure
            address = _recipient(block)
            if "@" in address:
                out.setdefault(address, Bounced(address, _reason(block.get("diagnostic-code", ""), status)))
    return tuple(out.values())


def _recipient(block: dict[str, str]) -> str:
    """The address the message was sent to: Original-Recipient when it is one (a server may rewrite
    Final-Recipient into its own mailbox name, 'user@sims-ms-daemon'), else Final-Recipient."""
    for field in ("original-recipient", "final-recipient"):
        address = block.get(field, "").split(";", 1)[-1].strip(" <>").lower()
        if "@" in address and "." in address.rsplit("@", 1)[1]:
            return address
    return block.get("final-recipient", "").split(";", 1)[-1].strip(" <>").lower()


def _blocks(report: Message) -> list[dict[str, str]]:
    """The per-recipient field blocks of a message/delivery-status part (the first is per message)."""
    payload = report.get_payload()
    if isinstance(payload, list):  # the email package parses each block as a message of headers
        texts = [str(p) for p in payload]
    else:
        texts = re.split(r"\r?\n\s*\r?\n", str(payload or ""))
    blocks = []
    for text in texts:
        fields: dict[str, str] = {}
        current = ""
        for line in text.splitlines():
            if line[:1] in (" ", "\t") and current:
                fields[current] += " " + line.strip()
            elif ":" in line:
                name, _, value = line.partition(":")
                current = name.strip().lower()
                fields[current] = value.strip()
        if fields:
            blocks.append(fields)
    return blocks


def _reason(diagnostic: str, status: str) -> str:
    """ "550 5.1.1 user unknown": the reply code, the enhanced status and the server's words."""
    text = diagnostic.split(";", 1)[1] if ";" in diagnostic[:12] else diagnostic
    text = " ".join(_ADDRESS.sub(" ", text).split())
    code = _REPLY.search(text)
    enhanced = _ENHANCED.search(text)
    words = _ENHANCED.sub(" ", _REPLY.sub(" ", text, count=1) if code else text, count=1)
    words = " ".join(w for w in words.replace("#", " ").split() if w not in ("-", ":")).strip(" :-")
    parts = [code.group(0) if code else "", enhanced.group(0) if enhanced else status, words]
    return _cut(" ".join(p for p in parts if p))


def _reason_in_text(msg: Message) -> str:
    """The first SMTP reply the report quotes ('550 5.1.1 ...'), from its text, when it has one."""
    for part in msg.walk():
        if part.get_content_type() != "text/plain":
            continue
        try:
            text = part.get_payload(decode=True)
        except Exception:
            continue
        if not isinstance(text, bytes):
            continue
        for line in text.decode(part.get_content_charset() or "utf-8", "replace").splitlines():
            if re.search(r"\b5\d\d[ -]", line) and ("5." in line or "user" in line.lower()):
                match = re.search(r"\b5\d\d\b.*", line)
                if match:
                    return _reason(match.group(0), "")
        break
    return ""


def _cut(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1].rsplit(" ", 1)[0] + "…"
