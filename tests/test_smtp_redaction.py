"""A hostile or broken SMTP server cannot make the worker print a credential in any form (SPEC 7).

The server on 127.0.0.1 echoes back what the client sent it: the base64 of AUTH PLAIN
("\\0user\\0password", which decodes to the password), the AUTH LOGIN username and password lines,
or the password itself in a later reply. Whatever reaches an exception, a log line or health.json
must hold none of them: not whole, not wrapped over reply lines, not cut short.
"""

from __future__ import annotations

import base64
import logging
import secrets

import pytest
from smtp_server import EchoingHandler, RecordingHandler, SmtpServer, make_message, make_tls

from sheets_sync.config import SmtpConfig
from sheets_sync.errors import DeliveryError
from sheets_sync.mail import SessionError
from sheets_sync.mail.smtp import SmtpTransport
from tests.test_logging import PASSWORD_ENV, USER, command, smtp_workspace

PASSWORD = "pw-" + secrets.token_urlsafe(18)  # new for every run: it cannot be in a text by chance
ENV = "TEST_SMTP_PASSWORD"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Every form the password travels in: as typed, AUTH PLAIN's string, AUTH LOGIN's line.
FORMS = {"password": PASSWORD, "AUTH PLAIN": b64(f"\0{USER}\0{PASSWORD}"), "AUTH LOGIN": b64(PASSWORD)}


def assert_no_secret(text: str) -> None:
    for name, form in FORMS.items():
        assert form not in text, f"the {name} form of the password is in: {text}"
        piece = form.rstrip("=")[-20:-8]  # encodes characters of the password; an echo cut short keeps it
        assert piece not in text, f"a piece of the {name} form is in: {text}"
    assert b64(USER) not in text  # AUTH LOGIN's username line: the login's other half


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv(ENV, PASSWORD)


def transport_for(server: SmtpServer, tls) -> SmtpTransport:
    config = SmtpConfig(
        host=server.host, port=server.port, security="starttls", username=USER, password_env=ENV
    )
    return SmtpTransport(config, "acme.example", ssl_context=tls.client_context())


def client_logs(caplog) -> str:
    """Every captured line but aiosmtpd's own (the server side of the test, not the worker)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
@pytest.mark.parametrize("wrap, cut", [(0, 0), (20, 0), (0, 6)], ids=["whole", "wrapped", "cut short"])
def test_a_535_echoing_the_login_shows_no_form_of_the_password(tls, password, caplog, mechanism, wrap, cut):
    caplog.set_level(logging.DEBUG)
    handler = EchoingHandler(wrap=wrap, cut=cut)
    with SmtpServer(handler, tls=tls, users={USER: PASSWORD}, auth=(mechanism,)) as server:
        with transport_for(server, tls) as transport, pytest.raises(SessionError) as raised:
            transport.send(make_message("follow-up:A-1").email)
    # the server did hear the secret, and said it back: otherwise this test proves nothing
    echoed = " ".join(handler.heard)
    assert FORMS[f"AUTH {mechanism}"] in echoed
    error = raised.value
    assert_no_secret(str(error))
    assert_no_secret(client_logs(caplog))
    assert error.permanent and "refused the login" in str(error) and "535 5.7.8" in str(error)
    assert "***" in str(error)  # the echo is marked as removed, the rest of the reply kept
    assert error.__cause__ is None and error.__suppress_context__  # no traceback carrying smtplib's text


def test_a_later_reply_echoing_the_credentials_shows_none_of_them(tls, password, caplog):
    """After a good login, a server may quote the session back in any reply: RCPT and DATA too."""
    caplog.set_level(logging.DEBUG)
    quoted = f"you are {FORMS['AUTH PLAIN']} (password {PASSWORD})"
    handler = RecordingHandler(
        refuse=frozenset({"bob@partner.example"}),
        refusal=f"550 5.1.1 no user, {quoted}",
        data_reply=f"554 5.7.1 rejected, {quoted}",
    )
    with (
        SmtpServer(handler, tls=tls, users={USER: PASSWORD}) as server,
        transport_for(server, tls) as transport,
    ):
        with pytest.raises(DeliveryError) as every_one:
            transport.send(make_message("follow-up:A-1", to=("bob@partner.example",)).email)
        with pytest.raises(DeliveryError) as after_data:
            transport.send(make_message("follow-up:A-2").email)
    assert every_one.value.permanent and "550" in str(every_one.value)
    assert after_data.value.permanent and "554" in str(after_data.value)
    refused = getattr(every_one.value, "refused", {})  # what goes into the contact's Sync note
    assert refused and "550" in refused["bob@partner.example"]
    for text in (str(every_one.value), str(after_data.value), *refused.values(), client_logs(caplog)):
        assert_no_secret(text)


def test_a_password_smtplib_cannot_send_is_named_without_its_character(tls, monkeypatch):
    monkeypatch.setenv(ENV, "pässwörd-" + PASSWORD)
    with SmtpServer(tls=tls, users={USER: PASSWORD}) as server, transport_for(server, tls) as transport:
        with pytest.raises(SessionError, match="not ASCII") as raised:
            transport.send(make_message("follow-up:A-1").email)
    assert raised.value.permanent and "ä" not in str(raised.value) and "\\xe4" not in str(raised.value)


def test_once_against_an_echoing_server_keeps_the_password_out_of_output_and_health(cli, tmp_path, tls):
    """Through the CLI (in this process, fds 1 and 2 captured): stdout, stderr (at DEBUG level) and
    state/health.json."""
    handler = EchoingHandler()
    with SmtpServer(handler, tls=tls, users={USER: PASSWORD}, auth=("PLAIN",)) as server:
        config, env = smtp_workspace(tmp_path, server.port, tls)
        once = command(cli, config, "-v", "once", env={**env, PASSWORD_ENV: PASSWORD})
    assert FORMS["AUTH PLAIN"] in " ".join(handler.heard)
    assert once.returncode != 0 and "refused the login" in once.stdout + once.stderr
    health = (config.parent / "state" / "health.json").read_text()
    assert "refused the login" in health  # the error is recorded (in whichever field)
    for text in (once.stdout, once.stderr, health):
        assert_no_secret(text)
