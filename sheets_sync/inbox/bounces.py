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

from sheets_sync.inbox.newtext import part_text
from sheets_sync.model import Bounced

log = logging.getLogger(__name__)
REASON_MAX = 120
_ENHANCED = re.compile(r"\b[245]\.\d{1,3}\.\d{1,3}\b")
_REPLY = re.compile(r"\b[45]\d\d\b")
_VALID = re.compile(r"^[^@\s<>()\[\],;:\"]+@[a-z0-9.-]+\.[a-z0-9-]+$")
_CONTINUATION = re.compile(r"(?<=\S)\s+[245]\d\d-[245]\.\d{1,3}\.\d{1,3}\b")
_ADDRESS = re.compile(r"<?[\w.+%'-]+@[\w.-]+\.\w+>?:?")


def bounced_addresses(msg: Message) -> tuple[Bounced, ...]:
    """The addresses a bounce reports as failed for good: its RFC 3464 report's, else what
    flufl.bounce's detectors find, else the X-Failed-Recipients header Exim and Gmail write (our own
    addition: Exim's report may name a recipient by its local part only, "kijitora", where the
    header has the whole address). Never raises."""
    try:
        found = _from_dsn(msg)
        if found is None:
            found = _from_detectors(msg)
        if found is None:
            found = _from_failed_recipients(msg)
        return tuple(b for b in found or () if _valid(b.address))
    except Exception as exc:  # a broken report is no bounce, never a failed cycle
        log.debug("bounce parsing failed on a message: %s", exc)
        return ()


def _from_detectors(msg: Message) -> tuple[Bounced, ...] | None:
    """flufl.bounce's permanent failures (qmail, Exim, Postfix without a report, Yahoo, Exchange,
    ...): None when it finds none."""
    try:
        failed = scan_message(msg)
    except Exception as exc:
        log.debug("bounce detectors failed on a message: %s", exc)
        return None
    out: dict[str, Bounced] = {}
    for raw in sorted(failed):
        address = _bare(raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw))
        if "@" in address:
            out.setdefault(address, Bounced(address, _reason_in_text(msg, address)))
    return tuple(out.values()) or None


def _from_failed_recipients(msg: Message) -> tuple[Bounced, ...]:
    addresses = [a.strip() for v in msg.get_all("X-Failed-Recipients", []) for a in str(v).split(",")]
    return tuple(
        Bounced(_bare(a), _reason_in_text(msg, _bare(a))) for a in dict.fromkeys(addresses) if "@" in a
    )


def _bare(address: str) -> str:
    return address.strip().strip("<>").strip().lower()


def _valid(address: str) -> bool:
    """A real address: one '@', a dotted domain, and no '..' (a report that hides an address as
    'david...@gmail.com' names nobody)."""
    local, _, domain = address.rpartition("@")
    return bool(_VALID.match(address)) and ".." not in local and "." in domain


def _from_dsn(msg: Message) -> tuple[Bounced, ...] | None:
    """The recipients an RFC 3464 report says failed for good; None when the message holds no report
    that names a recipient (then the detectors read its text)."""
    reports = [part for part in msg.walk() if part.get_content_type() == "message/delivery-status"]
    if not reports:
        return None
    out: dict[str, Bounced] = {}
    named = False
    for report in reports:
        for block in _blocks(report):
            named = named or "final-recipient" in block or "original-recipient" in block
            if not _permanent(block):
                continue
            address = _recipient(block)
            if "@" in address:
                status = (block.get("status", "").split() or [""])[0]  # "5.0.0 (permanent failure)"
                reason = _reason(block.get("diagnostic-code", ""), status)
                out.setdefault(address, Bounced(address, reason))
    return tuple(out.values()) if named else None


def _permanent(block: dict[str, str]) -> bool:
    """Failed for good: Action failed (real servers also write "failure", "error" and "failed (Bad
    destination mailbox address)"), whatever the status: the server has given up, even on a cause
    that was temporary (a host unreachable for days, 4.4.7). Delayed, delivered, relayed and
    expanded are no failure; a block with no Action counts when its status is 5.x.x."""
    action = (block.get("action", "").strip().lower().split() or [""])[0]
    if action:
        return action.startswith(("fail", "error"))
    return block.get("status", "").strip().startswith("5")


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
    text = _CONTINUATION.sub(" ", text)  # "550-5.7.1 ..." again on each line of a multi-line reply
    code = _REPLY.search(text)
    enhanced = _ENHANCED.search(text)
    words = _ENHANCED.sub(" ", _REPLY.sub(" ", text, count=1) if code else text, count=1)
    # what is left of "<a@x>... User unknown" and of Gmail's "550 550 5.1.1": the words alone
    noise = {"-", ":", "...", code.group(0) if code else ""}
    words = " ".join(w for w in words.replace("#", " ").split() if w not in noise).strip(" :-.")
    parts = [code.group(0) if code else "", enhanced.group(0) if enhanced else status, words]
    return _cut(" ".join(p for p in parts if p))


def _reason_in_text(msg: Message, address: str = "") -> str:
    """The first SMTP reply the report quotes ('550 5.1.1 ...'), from its text; else the words
    Exim (and Mail.ru, which runs it) indents under the failed address ("Unrouteable address")."""
    text = _report_text(msg)
    for line in text.splitlines():
        if re.search(r"\b5\d\d[ -]", line) and ("5." in line or "user" in line.lower()):
            match = re.search(r"\b5\d\d\b.*", line)
            if match:
                return _reason(match.group(0), "")
    lines = text.splitlines()
    for i, line in enumerate(lines[:-1]):
        if address and line.strip().strip("<>:").lower() == address and lines[i + 1][:1].isspace():
            return _cut(" ".join(lines[i + 1].split()))
    return ""


def _report_text(msg: Message) -> str:
    """The report's first text/plain part ('' when none or unreadable)."""
    part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), None)
    return part_text(part) if part is not None else ""


def _cut(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1].rsplit(" ", 1)[0] + "…"
