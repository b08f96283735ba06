"""The inbox's IMAP adapter against real servers (pymap in process, Dovecot in a child: the `imap`
fixture runs a test on both), TLS with a throwaway CA, every error's paragraph, and a hostile
server that echoes the login back."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import socket
import ssl
import time

import pytest
from imap_servers import PASSWORD_ENV, HostileServer, PymapServer, free_port
from smtp_server import make_tls

from sheets_sync.errors import InboxError
from sheets_sync.inbox import imap as imap_module
from sheets_sync.inbox.imap import MailboxState, describe, open_mailbox

FIELDS = ["From", "Subject", "Message-ID"]
WHEN = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


def message(n: int, *, body: str = "Hello", extra: str = "") -> bytes:
    return (
        f"From: Partner {n} <p{n}@partner.example>\r\nTo: team@example.com\r\nSubject: Offer {n}\r\n"
        f"Message-ID: <m{n}@partner.example>\r\nDate: Fri, 20 Nov 2026 09:30:00 +0000\r\n{extra}"
        f"\r\n{body} {n}\r\n"
    ).encode()


# --- reading ----------------------------------------------------------------------------------


def test_the_state_is_the_examine_s_uidvalidity_uidnext_and_exists(imap):
    with open_mailbox(imap.inbox_config()) as empty:
        assert empty.state.exists == 0 and empty.state.uidnext >= 1
    for n in range(3):
        imap.append(message(n))
    uids = imap.uids()
    with open_mailbox(imap.inbox_config()) as mailbox:
        assert mailbox.state == MailboxState(uidvalidity=imap.uidvalidity(), uidnext=uids[-1] + 1, exists=3)


def test_headers_after_a_uid_are_just_the_fields_asked_in_uid_order_with_an_aware_internaldate(imap):
    for n in range(4):
        imap.append(message(n), date=WHEN + dt.timedelta(hours=n))
    uids = imap.uids()
    with open_mailbox(imap.inbox_config()) as mailbox:
        every = mailbox.headers(0, ["From", "Subject"])
        assert [uid for uid, _, _ in every] == uids
        _, header, date = every[2]
        assert (
            header.replace(b"\r\n", b"\n").strip()
            == b"From: Partner 2 <p2@partner.example>\nSubject: Offer 2"
        )
        assert date == WHEN + dt.timedelta(hours=2) and date.utcoffset() is not None
        assert [u for u, _, _ in mailbox.headers(uids[1], FIELDS)] == uids[2:]
        assert b"Message-ID: <m3@partner.example>" in mailbox.headers(uids[2], FIELDS)[0][1]


def test_nothing_after_the_last_uid_not_even_the_last_message_n_star_returns(imap):
    """`UID FETCH n:*` answers with the last message even when its UID is below n: a mailbox
    read up to its last message gives nothing, and asks the server nothing."""
    for n in range(2):
        imap.append(message(n))
    last = imap.uids()[-1]
    with open_mailbox(imap.inbox_config()) as mailbox:
        sent = mailbox.commands
        assert mailbox.headers(last, FIELDS) == []
        assert mailbox.headers(last + 500, FIELDS) == []
        assert mailbox.bodies([]) == {}
        assert mailbox.commands == sent
        assert [u for u, _, _ in mailbox.headers(last - 1, FIELDS)] == [last]


def test_a_message_arriving_during_the_session_waits_for_the_next_one(imap):
    imap.append(message(1))
    with open_mailbox(imap.inbox_config()) as mailbox:
        imap.append(message(2))  # after the EXAMINE: beyond the session's UIDNEXT
        assert [u for u, _, _ in mailbox.headers(0, FIELDS)] == imap.uids()[:1]
    with open_mailbox(imap.inbox_config()) as mailbox:
        assert [u for u, _, _ in mailbox.headers(0, FIELDS)] == imap.uids()


def test_bodies_are_the_whole_messages_by_uid(imap):
    raws = [message(n, body="Körper" if n == 1 else "Body") for n in range(3)]
    for raw in raws:
        imap.append(raw)
    uids = imap.uids()
    with open_mailbox(imap.inbox_config()) as mailbox:
        bodies = mailbox.bodies([uids[2], uids[0], uids[2], 999_999])  # repeated, unknown: once, left out
    assert bodies == {uids[0]: raws[0], uids[2]: raws[2]}


def test_a_big_message_is_read_only_up_to_body_max_from_its_start(imap):
    attachment = "QUJD" * (imap_module.BODY_MAX // 2)  # base64, twice BODY_MAX
    big = message(7, body=f"See the deck attached.\r\n\r\n{attachment}")
    imap.append(big)
    with open_mailbox(imap.inbox_config()) as mailbox:
        (body,) = mailbox.bodies(imap.uids()).values()
    assert len(body) == imap_module.BODY_MAX and big.startswith(body)


def test_a_session_changes_no_flag_not_even_seen(imap):
    imap.append(message(1))
    imap.append(message(2), flags=[b"\\Flagged"])
    imap.append(message(3), flags=[b"\\Seen", b"\\Answered"])
    before = imap.flags()
    with open_mailbox(imap.inbox_config()) as mailbox:
        uids = [u for u, _, _ in mailbox.headers(0, FIELDS)]
        assert len(mailbox.bodies(uids)) == 3
    after = imap.flags()  # read through a second, separate connection
    assert after == before
    assert [b"\\Seen" in flags for flags in after.values()] == [False, False, True]


def test_an_unchanged_mailbox_costs_at_most_five_commands(imap):
    imap.append(message(1))
    with open_mailbox(imap.inbox_config()) as mailbox:
        assert mailbox.headers(mailbox.state.uidnext - 1, FIELDS) == []
    # CAPABILITY (imaplib's, on connecting), LOGIN, EXAMINE, LOGOUT
    assert mailbox.commands == 4


def test_2500_messages_are_read_a_thousand_uids_a_fetch(dovecot):
    dovecot.append_many(message(n) for n in range(2500))
    started = time.monotonic()
    with open_mailbox(dovecot.inbox_config()) as mailbox:
        opened = mailbox.commands
        headers = mailbox.headers(0, FIELDS)
        assert [u for u, _, _ in headers] == list(range(1, 2501))
        assert mailbox.commands - opened == 1 + 3  # UID SEARCH, then 3 FETCHes of 1,000 UIDs at most
        assert b"Subject: Offer 2499" in headers[-1][1]
        after = mailbox.commands
        assert len(mailbox.bodies(range(1, 121))) == 120
        assert mailbox.commands - after == 3  # 50 messages a FETCH
        assert len(mailbox.headers(1500, FIELDS)) == 1000 and mailbox.commands - after == 4  # no SEARCH
    assert time.monotonic() - started < 5


def test_a_server_without_uidnext_gets_it_from_the_last_message(monkeypatch):
    with HostileServer(login_ok=True, exists=3, last_uid=42) as server:
        account = server.account()
        monkeypatch.setenv(account.password_env, account.password)
        with open_mailbox(account.inbox_config()) as mailbox:
            assert mailbox.state == MailboxState(uidvalidity=7, uidnext=43, exists=3)
        sent = [line.split(b" ", 2)[1].upper() for line in server.lines]
    assert sent == [b"CAPABILITY", b"LOGIN", b"EXAMINE", b"FETCH", b"LOGOUT"]  # no SELECT, CLOSE, EXPUNGE


def test_describe_is_one_line_for_check(imap):
    imap.append(message(1))
    imap.append(message(2))
    line = describe(imap.inbox_config(address="partners@example.com"))
    assert line == f"Inbox partners@example.com on 127.0.0.1:{imap.port} (none), folder INBOX: 2 messages."


# --- TLS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_starttls_and_implicit_tls_with_a_verified_certificate(dovecot, security):
    dovecot.append(message(1))
    port = dovecot.ssl_port if security == "ssl" else dovecot.port
    inbox = dovecot.inbox_config(security=security, port=port, host="localhost")
    with open_mailbox(inbox, ssl_context=dovecot.tls.client_context()) as mailbox:
        assert mailbox.state.exists == 1
        assert len(mailbox.headers(0, FIELDS)) == 1
        mailbox.headers(mailbox.state.uidnext - 1, FIELDS)
    # + STARTTLS and the CAPABILITY a client must ask again after it (RFC 3501 6.2.1)
    assert mailbox.commands == (6 if security == "starttls" else 4) + 1


def test_an_untrusted_certificate_names_the_host(dovecot):
    inbox = dovecot.inbox_config(security="ssl", port=dovecot.ssl_port)
    with pytest.raises(InboxError, match="certificate that cannot be trusted") as caught:
        open_mailbox(inbox)  # the system's trust store: the test CA is not in it
    assert f"127.0.0.1:{dovecot.ssl_port}" in str(caught.value) and "inbox.host" in str(caught.value)


def test_ssl_against_a_plain_port_says_which_security_goes_with_which_port(imap):
    with pytest.raises(InboxError) as caught:
        open_mailbox(imap.inbox_config(security="ssl"), timeout=5)
    text = str(caught.value)
    assert f"127.0.0.1:{imap.port}" in text
    assert "security: starttls with 143, or ssl with 993" in text


def test_starttls_against_a_tls_port_times_out_with_the_hint(dovecot):
    inbox = dovecot.inbox_config(security="starttls", port=dovecot.ssl_port)
    with pytest.raises(InboxError, match="did not answer within 0.5 s") as caught:
        open_mailbox(inbox, timeout=0.5, ssl_context=dovecot.tls.client_context())
    assert "use security: ssl with 993, or starttls with 143" in str(caught.value)


def test_starttls_not_offered_sends_no_password(monkeypatch):
    with HostileServer() as server:  # offers no STARTTLS
        account = server.account()
        monkeypatch.setenv(account.password_env, account.password)
        with pytest.raises(InboxError, match="does not offer STARTTLS") as caught:
            open_mailbox(account.inbox_config(security="starttls"))
        assert "security: ssl with port 993" in str(caught.value)
        assert [line.split(b" ")[1] for line in server.lines] == [b"CAPABILITY"]


def test_login_disabled_in_the_clear_sends_no_password(monkeypatch):
    with HostileServer(caps=b"IMAP4rev1 STARTTLS LOGINDISABLED") as server:
        account = server.account()
        monkeypatch.setenv(account.password_env, account.password)
        with pytest.raises(InboxError, match="refuses a password over an unencrypted connection") as caught:
            open_mailbox(account.inbox_config(security="none"))
        assert "security: starttls (port 143) or ssl (port 993)" in str(caught.value)
        assert not any(b"LOGIN" in line or b"AUTHENTICATE" in line for line in server.lines)


@pytest.fixture(scope="module")
def pymap_tls(tmp_path_factory):
    """pymap with a certificate: STARTTLS offered."""
    tls = make_tls(tmp_path_factory.mktemp("pymap-tls"))
    with PymapServer(tls=tls) as server:
        yield server


def test_pymap_starttls_with_a_verified_certificate(pymap_tls, monkeypatch):
    account = pymap_tls.account()
    monkeypatch.setenv(account.password_env, account.password)
    inbox = account.inbox_config(security="starttls", host="localhost")
    with open_mailbox(inbox, ssl_context=pymap_tls.tls.client_context()) as mailbox:
        assert mailbox.state.exists == 0
    assert mailbox.commands == 6  # CAPABILITY, STARTTLS, CAPABILITY, LOGIN, EXAMINE, LOGOUT


# --- the other errors -------------------------------------------------------------------------


def test_a_host_that_does_not_resolve(imap):
    with pytest.raises(InboxError, match="the name does not resolve") as caught:
        open_mailbox(imap.inbox_config(host="imap.nowhere.invalid"), timeout=5)
    text = str(caught.value)
    assert "'imap.nowhere.invalid'" in text and "imap.gmail.com" in text and "port 993" in text


def test_a_refused_connection_names_host_and_port():
    port = free_port()  # nothing listens there
    inbox = HostileServer.__new__(HostileServer)  # only for its account's shape
    del inbox
    from imap_servers import ImapAccount

    account = ImapAccount("none", "127.0.0.1", port, "team", "pw")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PASSWORD_ENV, "pw")
        with pytest.raises(InboxError, match=f"127.0.0.1:{port} refused the connection") as caught:
            open_mailbox(account.inbox_config())
    assert "port 993 with security: ssl, or 143 with security: starttls" in str(caught.value)


def test_a_server_that_never_answers_times_out(monkeypatch):
    from imap_servers import ImapAccount

    with socket.socket() as silent:  # listens (the kernel completes the handshake), never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        account = ImapAccount("none", "127.0.0.1", silent.getsockname()[1], "team", "pw")
        monkeypatch.setenv(PASSWORD_ENV, "pw")
        started = time.monotonic()
        with pytest.raises(InboxError, match="did not answer within 0.3 s") as caught:
            open_mailbox(account.inbox_config(security="ssl"), timeout=0.3)
    assert time.monotonic() - started < 3
    assert "firewall" in str(caught.value) and "Retried next cycle" in str(caught.value)


def test_a_refused_login_names_the_user_the_variable_and_app_passwords(imap, monkeypatch):
    monkeypatch.setenv(imap.password_env, "not-the-password")
    with pytest.raises(InboxError, match=f"refused the login for '{imap.user}'") as caught:
        open_mailbox(imap.inbox_config())
    text = str(caught.value)
    assert PASSWORD_ENV in text and "app password" in text and "Microsoft 365" in text
    assert "not-the-password" not in text


def test_a_missing_folder_lists_the_folders_there_are(imap):
    imap.create("Partners")
    imap.create("Archive")
    with pytest.raises(InboxError, match="has no folder 'Partnerz'") as caught:
        open_mailbox(imap.inbox_config(folder="Partnerz"))
    text = str(caught.value)
    assert "'INBOX'" in text and "'Partners'" in text and "'Archive'" in text and "inbox.folder" in text


def test_a_missing_password_names_the_variable(imap, monkeypatch):
    monkeypatch.delenv(imap.password_env)
    monkeypatch.delenv(imap.password_env + "_FILE", raising=False)
    with pytest.raises(InboxError, match=f"environment variable {PASSWORD_ENV} .* is empty or not set"):
        open_mailbox(imap.inbox_config())


def test_a_folder_may_be_read_again_after_it_was_recreated(imap):
    imap.create("Partners")
    imap.append(message(1), folder="Partners")
    first = imap.uidvalidity("Partners")
    imap.recreate("Partners")
    assert imap.uidvalidity("Partners") != first
    with open_mailbox(imap.inbox_config(folder="Partners")) as mailbox:
        assert mailbox.state.exists == 0 and mailbox.state.uidvalidity == imap.uidvalidity("Partners")


# --- the password never leaks -----------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        'Hunter2-"quoted"\\and\\slashed',  # LOGIN: sent as a quoted string, echoed escaped
        "Пароль-приложения-42",  # not ASCII: AUTHENTICATE PLAIN, echoed as base64 and decoded
        "short7!",  # shorter than the redactor's piece
    ],
)
def test_a_server_echoing_the_login_back_never_gets_the_password_into_an_error_or_a_log(
    monkeypatch, caplog, password
):
    caplog.set_level(logging.DEBUG)
    with HostileServer() as server:
        account = server.account()
        monkeypatch.setenv(account.password_env, password)
        with pytest.raises(InboxError, match="refused the login") as caught:
            open_mailbox(account.inbox_config())
        sent = b"\n".join(server.lines)
    text = str(caught.value) + "\n" + caplog.text
    forms = {password, password.replace("\\", "\\\\").replace('"', '\\"'), repr(password.encode())[2:-1]}
    forms.add(base64.b64encode(f"\0team\0{password}".encode()).decode())
    assert any(form.encode() in sent for form in forms)  # the server did get it, and echoed it
    for form in forms:
        assert form not in text
        assert form[:8] not in text and form[-8:] not in text
    assert "***" in text


def test_the_redactor_takes_out_every_wire_form():
    redact = imap_module._redactor("team", 'p"w\\long-secret')
    for form in ['p"w\\long-secret', 'p\\"w\\\\long-secret', 'p"w\\\\long-secret']:
        assert "long-secret" not in redact(f"you sent: {form}.")


def test_tls_failures_are_not_taken_for_a_missing_folder(dovecot):
    """ssl.SSLError is an OSError: the TLS paragraph, not the connection's."""
    error = imap_module._session_error(
        ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
        dovecot.inbox_config(security="ssl"),
        str,
    )
    assert "TLS with the IMAP server" in str(error)
