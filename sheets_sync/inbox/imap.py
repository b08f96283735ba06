"""The team inbox over IMAP: one read-only session a cycle, library errors translated at the edge.

The session never changes the mailbox: the folder is opened with EXAMINE (read-only), messages
are read with BODY.PEEK (which does not set \\Seen), and no command that flags, copies, moves,
deletes or expunges is ever sent; the session ends with LOGOUT alone (no CLOSE). What the
messages mean is decided elsewhere: this module only reads.

    with open_mailbox(config.inbox) as mailbox:
        mailbox.state                      # UIDVALIDITY, UIDNEXT, EXISTS of the EXAMINE
        mailbox.headers(last_uid, FIELDS)  # (uid, header bytes, INTERNALDATE) after a UID
        mailbox.bodies(uids)               # {uid: the whole message}

Every failure is an InboxError of one paragraph that names the fix (the host and port, the
security, the login, the folder). The password is read from the environment when the session
opens and never appears in an error or a log line: every text the server sent is redacted before
it goes into one (`mail.smtp.Redactor`, plus the quoted form IMAP's LOGIN puts on the wire), since
a hostile or broken server may echo back what the login sent it. imaplib's own protocol trace is
switched off for the same reason (it would log the server's replies verbatim).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import imapclient  # type: ignore[import-untyped]  # ships no py.typed: typed at this module's edge
from imapclient.response_parser import parse_fetch_response  # type: ignore[import-untyped]

from sheets_sync.config import InboxConfig
from sheets_sync.errors import ConfigError, InboxError
from sheets_sync.mail.smtp import Redactor

__all__ = ["Mailbox", "MailboxState", "describe", "open_mailbox"]

log = logging.getLogger(__name__)
DEFAULT_TIMEOUT = 30.0  # seconds per network operation (connect, each reply)
HEADER_BATCH = 1000  # UIDs per FETCH of headers
BODY_BATCH = 50  # messages per FETCH of bodies
# Bytes read of a message, from its start: its text, and a report's status part, come before any
# attachment; a 25 MB deck attached to a reply is never downloaded (a partial FETCH, RFC 3501 6.4.5)
BODY_MAX = 1 << 20
MAX_FOLDERS = 10  # folders named when the configured one is missing
MAX_TEXT = 300  # characters of a server's reply kept in an error
_FIELD = re.compile(r"[!-9;-~]+")  # a header field name (RFC 5322 ftext)
_PROVIDERS = "imap.gmail.com, outlook.office365.com, imap.yandex.ru, imap.mail.ru"
_PORTS = "port 993 with security: ssl, or 143 with security: starttls"
_APP_PASSWORDS = (
    "Gmail, Yandex and Mail.ru accept only an app password here (made in the account's security "
    "settings), not the account's own password; Microsoft 365 has basic authentication turned off "
    "for most tenants, so a password login is refused there whatever the password"
)


@dataclass(frozen=True)
class MailboxState:
    """The folder as EXAMINE found it: a UID below `uidnext` names the same message as long as
    `uidvalidity` is unchanged."""

    uidvalidity: int
    uidnext: int
    exists: int


Header = tuple[int, bytes, dt.datetime | None]


class Mailbox:
    """One read-only IMAP session on the inbox's folder (made by `open_mailbox`)."""

    def __init__(self, client: Any, inbox: InboxConfig, redact: Callable[[str], str], state: MailboxState):
        self._client = client
        self._inbox = inbox
        self._redact = redact
        self.state = state
        self._closed = False

    def __enter__(self) -> Mailbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def commands(self) -> int:
        """The IMAP commands this session sent, CAPABILITY and LOGOUT included: imaplib gives each
        command (its own, and those IMAPClient sends around it) a new tag, numbered from 0."""
        return int(self._client._imap.tagnum)

    def close(self) -> None:
        """LOGOUT (never CLOSE, which would expunge in a folder opened read-write)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._client.logout()
        except (imapclient.IMAPClient.Error, OSError) as exc:
            log.debug("IMAP logout from %s failed: %s", _where(self._inbox), self._redact(str(exc)))
            _shutdown(self._client)

    def headers(self, after_uid: int, fields: Sequence[str]) -> list[Header]:
        """(uid, the header lines of `fields`, INTERNALDATE) of each message with a UID above
        `after_uid`, in UID order, up to the session's UIDNEXT (a message that arrives while the
        session is open waits for the next one). Reads no body and sets no flag (BODY.PEEK).

        A span of UIDs up to HEADER_BATCH wide is one FETCH; a wider one is a UID SEARCH for the
        UIDs there, then one FETCH per HEADER_BATCH of them. Nothing new: no command at all.
        """
        first, last = max(after_uid, 0) + 1, self.state.uidnext - 1
        if first > last:
            return []
        names = [_field(name) for name in fields]
        section = f"HEADER.FIELDS ({' '.join(names)})" if names else "HEADER"
        if last - first < HEADER_BATCH:
            spans = [(first, last)]
        else:
            found = self._search(first, last)
            spans = [(part[0], part[-1]) for part in _chunks(found, HEADER_BATCH)]
        out: list[Header] = []
        for low, high in spans:
            # a bounded range a:b, never a:* (which answers with the last message even when its
            # UID is below a); what comes back is still checked against the range asked for
            fetched = self._fetch(f"{low}:{high}", f"(UID INTERNALDATE BODY.PEEK[{section}])", b"BODY[HEADER")
            for uid in sorted(fetched):
                if low <= uid <= high:
                    data, date = fetched[uid]
                    out.append((uid, data, date))
        return out

    def bodies(self, uids: Iterable[int]) -> dict[int, bytes]:
        """{uid: the message, its first BODY_MAX bytes} for each of `uids` still in the folder
        (BODY.PEEK[]: no \\Seen), BODY_BATCH messages a FETCH."""
        wanted = sorted({uid for uid in uids if uid > 0})
        out: dict[int, bytes] = {}
        for part in _chunks(wanted, BODY_BATCH):
            fetched = self._fetch(_uid_set(part), f"(UID BODY.PEEK[]<0.{BODY_MAX}>)", b"BODY[]")
            keep = set(part)
            out.update((uid, data) for uid, (data, _) in fetched.items() if uid in keep)
        return out

    # --- the wire -----------------------------------------------------------------------

    def _search(self, first: int, last: int) -> list[int]:
        data = self._call(lambda imap: imap.uid("SEARCH", "UID", f"{first}:{last}"), "UID SEARCH")
        # the UIDs alone: a server may add "(MODSEQ 17)" (RFC 7162) or other words after them
        found = {int(w) for line in data if isinstance(line, bytes) for w in line.split() if w.isdigit()}
        return sorted(uid for uid in found if first <= uid <= last)

    def _fetch(self, uid_set: str, items: str, key: bytes) -> dict[int, tuple[bytes, dt.datetime | None]]:
        """{uid: (the data item starting with `key`, INTERNALDATE)} of a UID FETCH; unsolicited
        responses (another client's flag change) carry no such item and are left out."""
        data = self._call(lambda imap: imap.uid("FETCH", uid_set, items), "UID FETCH")
        try:
            parsed = parse_fetch_response(data, normalise_times=False, uid_is_key=True)
        except imapclient.IMAPClient.Error as exc:
            raise InboxError(
                f"The IMAP server {_where(self._inbox)} sent a FETCH reply that cannot be read "
                f"({self._text(str(exc))}); the inbox is read again next cycle."
            ) from None
        out: dict[int, tuple[bytes, dt.datetime | None]] = {}
        for uid, item in parsed.items():
            found = next((v for k, v in item.items() if isinstance(k, bytes) and k.startswith(key)), None)
            if not isinstance(uid, int) or found is None:
                continue
            date = item.get(b"INTERNALDATE")
            when = date.astimezone(dt.UTC) if isinstance(date, dt.datetime) and date.tzinfo else None
            out[uid] = (bytes(found), when)
        return out

    def _call(self, command: Callable[[Any], tuple[str, list[Any]]], name: str) -> list[Any]:
        try:
            typ, data = command(self._client._imap)
        except (imapclient.IMAPClient.Error, OSError) as exc:
            raise _session_error(exc, self._inbox, self._redact) from None
        if typ != "OK":
            raise InboxError(
                f"The IMAP server {_where(self._inbox)} refused {name}: {self._text(_joined(data))}. "
                "Nothing was changed; the inbox is read again next cycle."
            )
        return list(data)

    def _text(self, text: str) -> str:
        return _server_text(text, self._redact)


def open_mailbox(
    inbox: InboxConfig, *, timeout: float = DEFAULT_TIMEOUT, ssl_context: ssl.SSLContext | None = None
) -> Mailbox:
    """Connect, log in and EXAMINE `inbox.folder`; raises InboxError.

    `ssl_context` defaults to the system's trust store, verifying the host name (tests pass one
    trusting their own certificate). `timeout` is in seconds, for the connection and each reply.
    """
    try:
        password = inbox.password()
    except ConfigError as exc:
        raise InboxError(str(exc)) from None
    if not password:
        raise InboxError(
            f"No password for the team inbox {inbox.username or inbox.host}: the environment variable "
            f"{inbox.password_env} (or {inbox.password_env}_FILE, naming a file that holds it) is empty "
            "or not set. Set it where the worker runs (the .env file of docker compose, the service's "
            "environment), not in config.yaml."
        )
    redact = _redactor(inbox.username, password)
    client = _connect(inbox, timeout, ssl_context, redact)
    try:
        _login(client, inbox, password, redact)
        state = _examine(client, inbox, redact)
    except BaseException:
        _shutdown(client)
        raise
    mailbox = Mailbox(client, inbox, redact, state)
    log.debug("inbox %s examined: %s", _where(inbox), state)
    return mailbox


def describe(
    inbox: InboxConfig, *, timeout: float = DEFAULT_TIMEOUT, ssl_context: ssl.SSLContext | None = None
) -> str:
    """One line for `check`: which mailbox, on which server, and how many messages it holds."""
    with open_mailbox(inbox, timeout=timeout, ssl_context=ssl_context) as mailbox:
        count = mailbox.state.exists
    who = inbox.mailbox_address or inbox.username
    noun = "message" if count == 1 else "messages"
    return f"Inbox {who} on {_where(inbox)} ({inbox.security}), folder {inbox.folder}: {count:,} {noun}."


# --- the session's steps ----------------------------------------------------------------------


def _connect(
    inbox: InboxConfig, timeout: float, context: ssl.SSLContext | None, redact: Callable[[str], str]
) -> Any:
    tls = None if inbox.security == "none" else context or ssl.create_default_context()
    client: Any = None
    try:
        client = imapclient.IMAPClient(
            inbox.host, port=inbox.port, ssl=inbox.security == "ssl", ssl_context=tls, timeout=timeout
        )
        client._imap.debug = 0  # imaplib's trace would log the server's replies verbatim
        if inbox.security == "starttls":
            if b"STARTTLS" not in _capabilities(client):
                raise InboxError(
                    f"The IMAP server {_where(inbox)} does not offer STARTTLS, so the password would "
                    f"go over the network unencrypted: nothing was sent. Set inbox.security: ssl with "
                    f"port 993 if the server has it (most do), or check inbox.port (143 is the STARTTLS "
                    f"port)."
                )
            client.starttls(tls)
    except InboxError:
        _shutdown(client)
        raise
    except (imapclient.IMAPClient.Error, OSError) as exc:
        _shutdown(client)
        raise _session_error(exc, inbox, redact, timeout=timeout) from None
    return client


def _login(client: Any, inbox: InboxConfig, password: str, redact: Callable[[str], str]) -> None:
    capabilities = _capabilities(client)
    where = _where(inbox)
    if b"LOGINDISABLED" in capabilities:
        raise InboxError(
            f"The IMAP server {where} refuses a password over an unencrypted connection "
            f"(security: {inbox.security}): set inbox.security: starttls (port 143) or ssl (port 993)."
        )
    try:
        if (inbox.username + password).isascii() or b"AUTH=PLAIN" not in capabilities:
            client.login(inbox.username, password)  # LOGIN: every server has it
        else:  # LOGIN sends ASCII only; AUTHENTICATE PLAIN carries UTF-8
            client.plain_login(inbox.username, password)
    except UnicodeEncodeError:
        raise InboxError(
            f"inbox.username or the password in {inbox.password_env} has a character that is not "
            f"ASCII, and the IMAP server {where} offers no AUTHENTICATE PLAIN to send it with."
        ) from None
    except imapclient.exceptions.LoginError as exc:
        raise InboxError(
            f"The IMAP server {where} refused the login for {inbox.username!r}: "
            f"{_server_text(str(exc), redact)}. Check inbox.username and the password in the "
            f"environment variable {inbox.password_env}. {_APP_PASSWORDS}."
        ) from None
    except (imapclient.IMAPClient.Error, OSError) as exc:
        raise _session_error(exc, inbox, redact) from None


def _examine(client: Any, inbox: InboxConfig, redact: Callable[[str], str]) -> MailboxState:
    try:
        response = client.select_folder(inbox.folder, readonly=True)  # EXAMINE
    except imapclient.exceptions.IMAPClientAbortError as exc:
        raise _session_error(exc, inbox, redact) from None
    except imapclient.IMAPClient.Error as exc:
        raise _missing_folder(client, inbox, _server_text(str(exc), redact), redact) from None
    except OSError as exc:
        raise _session_error(exc, inbox, redact) from None
    uidvalidity, exists = response.get(b"UIDVALIDITY"), response.get(b"EXISTS", 0)
    if not isinstance(uidvalidity, int):
        raise InboxError(
            f"The IMAP server {_where(inbox)} gave no UIDVALIDITY for {inbox.folder!r}, so what was "
            "already read cannot be told from what is new: this server cannot be used for the inbox."
        )
    uidnext = response.get(b"UIDNEXT")
    if not isinstance(uidnext, int):
        uidnext = _uidnext(client, inbox, int(exists), redact)
    return MailboxState(uidvalidity=uidvalidity, uidnext=uidnext, exists=int(exists))


def _uidnext(client: Any, inbox: InboxConfig, exists: int, redact: Callable[[str], str]) -> int:
    """UIDNEXT for a server whose EXAMINE does not say it: the last message's UID + 1 (one FETCH
    of `*`, the last message by number), or 1 for an empty folder."""
    if not exists:
        return 1
    try:
        _typ, data = client._imap.fetch(str(exists), "(UID)")
        parsed = parse_fetch_response(data, normalise_times=False, uid_is_key=True)
    except (imapclient.IMAPClient.Error, OSError) as exc:
        raise _session_error(exc, inbox, redact) from None
    uids = [uid for uid in parsed if isinstance(uid, int)]
    return max(uids, default=0) + 1


def _missing_folder(client: Any, inbox: InboxConfig, why: str, redact: Callable[[str], str]) -> InboxError:
    where, folder = _where(inbox), inbox.folder
    try:
        names = [str(name) for _flags, _delimiter, name in client.list_folders()]
    except (imapclient.IMAPClient.Error, OSError):
        names = []
    if names and folder not in names and folder.upper() != "INBOX":
        shown = ", ".join(repr(name) for name in names[:MAX_FOLDERS])
        more = f" and {len(names) - MAX_FOLDERS} more" if len(names) > MAX_FOLDERS else ""
        return InboxError(
            f"The mailbox {inbox.username!r} on {where} has no folder {folder!r} ({why}). Its folders: "
            f"{shown}{more}. Set inbox.folder to one of them (INBOX is where new mail arrives)."
        )
    return InboxError(
        f"The IMAP server {where} could not open the folder {folder!r} read-only ({why}). Check "
        "inbox.folder; the inbox is read again next cycle."
    )


def _session_error(
    exc: BaseException, inbox: InboxConfig, redact: Callable[[str], str], *, timeout: float | None = None
) -> InboxError:
    """The paragraph for a failure to reach the server, TLS, or a connection lost on the way."""
    where, security, port = _where(inbox), inbox.security, inbox.port
    if isinstance(exc, socket.gaierror):
        return InboxError(
            f"Cannot find the IMAP server {inbox.host!r}: the name does not resolve ({exc.strerror}). "
            f"Check inbox.host: your provider's IMAP host, e.g. {_PROVIDERS} ({_PORTS})."
        )
    if isinstance(exc, ConnectionRefusedError):
        return InboxError(
            f"The IMAP server {where} refused the connection: nothing listens on port {port} there. "
            f"Check inbox.host and inbox.port: IMAP is {_PORTS}."
        )
    if isinstance(exc, TimeoutError):
        seconds = f" within {timeout:g} s" if timeout else " in time"
        silent = (
            f" A server that waits in silence is often a TLS port (993) reached with security: "
            f"{security}: use security: ssl with 993, or starttls with 143."
            if security != "ssl"
            else ""
        )
        return InboxError(
            f"The IMAP server {where} did not answer{seconds}: check inbox.host and inbox.port "
            f"({_PORTS}) and that a firewall lets the worker reach it.{silent} Retried next cycle."
        )
    if isinstance(exc, ssl.SSLCertVerificationError):
        return InboxError(
            f"The IMAP server {where} presented a certificate that cannot be trusted: "
            f"{exc.verify_message or exc.reason or exc}. Check that inbox.host is the name the provider "
            "gives for IMAP (the one on its certificate); a self-hosted server needs a certificate "
            "from a public authority, or its CA in the system's trust store."
        )
    if isinstance(exc, ssl.SSLError):
        reason = getattr(exc, "reason", None) or exc  # set by the ssl module, not by SSLError(...)
        return InboxError(
            f"TLS with the IMAP server {where} failed ({reason}): inbox.security is {security} "
            f"with port {port}. IMAP speaks TLS from the first byte on port 993 "
            "(security: ssl) and after STARTTLS on port 143 (security: starttls): use security: "
            "starttls with 143, or ssl with 993."
        )
    if isinstance(exc, (imapclient.exceptions.IMAPClientAbortError, OSError)):
        text = _server_text(str(exc), redact) or type(exc).__name__
        return InboxError(
            f"The IMAP server {where} closed the connection ({text}); the inbox is read again next "
            f"cycle. If it keeps happening, check that inbox.security ({security}) matches the port "
            f"({port}): {_PORTS}."
        )
    return InboxError(
        f"The IMAP session with {where} failed: {_server_text(str(exc), redact)}. The inbox is read "
        "again next cycle."
    )


# --- helpers ----------------------------------------------------------------------------------


def _where(inbox: InboxConfig) -> str:
    return f"{inbox.host}:{inbox.port}"


def _capabilities(client: Any) -> set[bytes]:
    """What the server can do before the login: imaplib asks CAPABILITY on connecting and again
    after STARTTLS (RFC 3501 6.2.1), so its answer is current; IMAPClient's would ask once more."""
    return {str(c).upper().encode() for c in client._imap.capabilities}


def _shutdown(client: Any) -> None:
    if client is None:
        return
    with contextlib.suppress(imapclient.IMAPClient.Error, OSError):
        client.shutdown()


def _field(name: str) -> str:
    if not _FIELD.fullmatch(name):
        raise ValueError(f"not a header field name: {name!r}")
    return name.upper()


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _uid_set(uids: Sequence[int]) -> str:
    """Sorted UIDs as an IMAP set, runs folded: [1, 2, 3, 7] -> '1:3,7'."""
    runs: list[list[int]] = []
    for uid in uids:
        if runs and uid == runs[-1][1] + 1:
            runs[-1][1] = uid
        else:
            runs.append([uid, uid])
    return ",".join(f"{a}:{b}" if a != b else f"{a}" for a, b in runs)


def _joined(data: Iterable[object]) -> str:
    parts = [p.decode("utf-8", "replace") if isinstance(p, bytes) else str(p) for p in data if p is not None]
    return " ".join(parts)


def _server_text(text: str, redact: Callable[[str], str]) -> str:
    """A server's words (or a library's, quoting them) fit for an error: redacted, one line, short."""
    return " ".join(redact(text).split())[:MAX_TEXT].strip()  # redacted whole, then cut


def _redactor(username: str, password: str) -> Callable[[str], str]:
    """Takes the password out of text in every form the login put on the wire, and in the forms
    imaplib's messages quote it: LOGIN's quoted string (a backslash before each \\ and "),
    AUTHENTICATE PLAIN's base64 (Redactor's), and the repr() of the bytes of either."""
    quoted = password.replace("\\", "\\\\").replace('"', '\\"')
    forms = {password, quoted, *(repr(form.encode())[2:-1] for form in (password, quoted))}
    redactors = [Redactor(username, password), *(Redactor("", form) for form in forms - {password})]

    def redact(text: str) -> str:
        for each in redactors:
            text = each(text)
        return text

    return redact
