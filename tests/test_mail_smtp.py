"""SmtpTransport against aiosmtpd on 127.0.0.1: TLS, AUTH, refusals, drops, timeouts."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from smtp_server import REFUSAL, RecordingHandler, SmtpServer, make_message, make_tls

from sheets_sync.config import Config, MailConfig, SmtpConfig
from sheets_sync.errors import DeliveryError
from sheets_sync.mail import SessionError, open_transport, sender_domain
from sheets_sync.mail.outbox import OutboxTransport
from sheets_sync.mail.smtp import RecipientsRefusedError, SmtpTransport

PASSWORD = "c0rrect-h0rse-battery"
ENV = "TEST_SMTP_PASSWORD"


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls(tmp_path_factory.mktemp("tls"))


def transport_for(
    server: SmtpServer, security: str = "none", tls=None, username: str = "", **kwargs
) -> SmtpTransport:
    config = SmtpConfig(
        host=server.host, port=server.port, security=security, username=username, password_env=ENV
    )
    return SmtpTransport(config, "acme.example", ssl_context=tls.client_context() if tls else None, **kwargs)


def test_plain_none_delivers_to_every_recipient():
    with SmtpServer() as server, transport_for(server) as transport:
        refused = transport.send(
            make_message("follow-up:A-1", to=("anna@p.example",), cc=("boss@acme.example",)).email
        )
    assert refused == {}
    [got] = server.handler.received
    assert got.message_id == make_message("follow-up:A-1").message_id
    assert sorted(got.rcpt_tos) == ["anna@p.example", "boss@acme.example"]
    assert got.mail_from == "partners@acme.example"


def test_starttls_and_auth_with_the_password_from_the_environment(tls, monkeypatch):
    monkeypatch.setenv(ENV, PASSWORD)
    with SmtpServer(tls=tls, users={"bot": PASSWORD}) as server:
        with transport_for(server, "starttls", tls, username="bot") as transport:
            transport.send(make_message("follow-up:A-1").email)
            transport.send(make_message("follow-up:A-2").email)
    assert len(server.handler.received) == 2
    assert server.handler.connections == 1


def test_a_wrong_password_fails_cleanly_without_the_password(tls, monkeypatch, caplog):
    wrong = "wr0ng-pa55word"
    monkeypatch.setenv(ENV, wrong)
    caplog.set_level(logging.DEBUG)
    with SmtpServer(tls=tls, users={"bot": PASSWORD}) as server:
        with transport_for(server, "starttls", tls, username="bot") as transport:
            with pytest.raises(SessionError) as raised:
                transport.send(make_message("follow-up:A-1").email)
    error = raised.value
    assert error.permanent and isinstance(error, DeliveryError)
    assert "refused the login for 'bot'" in str(error) and ENV in str(error)
    assert wrong not in str(error) and PASSWORD not in str(error)
    assert error.__cause__ is None and error.__suppress_context__
    assert wrong not in caplog.text
    assert server.handler.received == []


def test_a_username_without_a_password_in_the_environment_names_the_variable(tls, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.delenv(ENV + "_FILE", raising=False)
    with (
        SmtpServer(tls=tls, users={"bot": PASSWORD}) as server,
        transport_for(server, "starttls", tls, "bot") as t,
    ):
        with pytest.raises(SessionError, match=ENV) as raised:
            t.send(make_message("follow-up:A-1").email)
    assert raised.value.permanent


def test_starttls_refuses_an_untrusted_certificate(tls):
    with SmtpServer(tls=tls) as server, transport_for(server, "starttls") as transport:  # system CAs only
        with pytest.raises(SessionError, match="cannot be trusted") as raised:
            transport.send(make_message("follow-up:A-1").email)
    assert raised.value.permanent
    assert server.handler.received == []


def test_starttls_against_a_server_without_it_is_a_configuration_error():
    with SmtpServer() as server, transport_for(server, "starttls") as transport:
        with pytest.raises(SessionError, match="security to ssl") as raised:
            transport.send(make_message("follow-up:A-1").email)
    assert raised.value.permanent


def test_implicit_tls(tls, monkeypatch):
    monkeypatch.setenv(ENV, PASSWORD)
    with SmtpServer(tls=tls, implicit_tls=True, users={"bot": PASSWORD}) as server:
        with transport_for(server, "ssl", tls, username="bot") as transport:
            assert transport.send(make_message("greeting:C-1:2026").email) == {}
    assert len(server.handler.received) == 1


def test_one_connection_for_a_whole_cycle_opened_on_the_first_send():
    with SmtpServer() as server:
        with transport_for(server) as transport:
            assert server.handler.connections == 0  # nothing to send, no connection
            for n in range(25):
                transport.send(make_message(f"newsletter:C-{n}:2026-11-26").email)
        with transport_for(server):
            pass
    assert server.handler.connections == 1
    assert len(server.handler.message_ids()) == 25
    assert {r.connection for r in server.handler.received} == {1}


def test_a_dropped_connection_is_reopened_and_the_message_sent_once():
    handler = RecordingHandler(drop_after=3)
    with SmtpServer(handler) as server, transport_for(server) as transport:
        for n in range(8):
            transport.send(make_message(f"newsletter:C-{n}:2026-11-26").email)
        assert transport.connections == 3
    assert sorted(handler.message_ids().values()) == [1] * 8
    assert handler.connections == 3


def test_a_connection_dropped_again_after_the_reconnect_is_a_transient_failure():
    handler = RecordingHandler(drop_after=0)  # every MAIL FROM kills the connection
    with SmtpServer(handler) as server, transport_for(server) as transport:
        with pytest.raises(DeliveryError, match="dropped the connection twice") as raised:
            transport.send(make_message("follow-up:A-1").email)
    assert not raised.value.permanent
    assert handler.connections == 2


def test_4xx_on_data_is_transient():
    with (
        SmtpServer(RecordingHandler(data_reply="451 4.3.0 try again later")) as server,
        transport_for(server) as t,
    ):
        with pytest.raises(DeliveryError, match="451 4.3.0 try again later") as raised:
            t.send(make_message("follow-up:A-1").email)
    assert not raised.value.permanent


def test_5xx_on_data_is_permanent_and_the_connection_stays_usable():
    handler = RecordingHandler(data_reply="554 5.7.1 rejected as spam")
    with SmtpServer(handler) as server, transport_for(server) as transport:
        with pytest.raises(DeliveryError, match="554 5.7.1 rejected as spam") as raised:
            transport.send(make_message("follow-up:A-1").email)
        assert raised.value.permanent
        handler.data_reply = ""
        transport.send(make_message("follow-up:A-2").email)
    assert handler.connections == 1 and len(handler.received) == 1


def test_5xx_at_rcpt_refuses_that_recipient_only():
    handler = RecordingHandler(refuse=frozenset({"gone@p.example"}))
    message = make_message("follow-up:A-1", to=("Gone@P.example", "anna@p.example"))
    with SmtpServer(handler) as server, transport_for(server) as transport:
        refused = transport.send(message.email)
    assert refused == {"gone@p.example": REFUSAL}
    assert handler.received[0].rcpt_tos == ["anna@p.example"]


def test_every_recipient_refused_is_permanent_and_lists_them():
    handler = RecordingHandler(refuse=frozenset({"gone@p.example"}))
    with SmtpServer(handler) as server, transport_for(server) as transport:
        with pytest.raises(RecipientsRefusedError) as raised:
            transport.send(make_message("follow-up:A-1", to=("gone@p.example",)).email)
        transport.send(make_message("follow-up:A-2").email)  # the session survives the refusal
    assert raised.value.permanent
    assert raised.value.refused == {"gone@p.example": REFUSAL}
    assert len(handler.received) == 1


def test_a_slow_server_times_out_as_a_transient_failure_without_a_retry():
    handler = RecordingHandler(delay=1.0)
    with SmtpServer(handler) as server, transport_for(server, timeout=0.3) as transport:
        with pytest.raises(DeliveryError, match="did not answer in time") as raised:
            transport.send(make_message("follow-up:A-1").email)
    assert not raised.value.permanent
    assert handler.connections == 1


def test_an_unreachable_server_is_a_transient_session_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound but not listening: connection refused
        transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, security="none"), timeout=2)
        with transport, pytest.raises(SessionError, match="Cannot connect") as raised:
            transport.send(make_message("follow-up:A-1").email)
    assert not raised.value.permanent


def test_open_transport_follows_the_config(tmp_path):
    outbox = open_transport(Config(mail=MailConfig(outbox_dir=tmp_path / "out")))
    assert isinstance(outbox, OutboxTransport) and outbox.folder == tmp_path / "out"
    smtp = open_transport(Config(mail=MailConfig(transport="smtp", sender="Team <Partners@Acme.example>")))
    assert isinstance(smtp, SmtpTransport) and smtp.helo_name == "acme.example"
    assert sender_domain("nobody") == ""


def test_once_the_worker_is_stopping_a_dropped_connection_is_not_reopened():
    handler = RecordingHandler(drop_after=1)  # the second MAIL FROM on a connection kills it
    stop = threading.Event()
    with SmtpServer(handler) as server, transport_for(server, stop=stop) as transport:
        transport.send(make_message("follow-up:A-1").email)
        stop.set()  # the signal comes while the next message is on the wire
        with pytest.raises(DeliveryError, match="stopping, so no reconnect") as raised:
            transport.send(make_message("follow-up:A-2").email)
    assert not raised.value.permanent  # deferred: sent with the same Message-ID after the restart
    assert handler.connections == 1 and [r.key for r in handler.received] == ["follow-up:A-1"]
