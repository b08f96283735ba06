"""What the worker writes to its logs: one JSON object per line with --log-format json, and never a secret.

`run` runs in a subprocess, as it does in a container, and is stopped with SIGTERM as `docker stop`
does; `once` and `check` run in this process through the CLI's `main` with fds 1 and 2 captured
(the `cli` fixture of conftest.py). They talk to real counterparts on 127.0.0.1: an SMTP server
that requires STARTTLS and AUTH (the password comes from the environment, or a file
named by `<VAR>_FILE`), and a Google token endpoint that refuses a service account's key. Every
line the process writes, at DEBUG level too, is searched for the password (the wrong one and the
right one) and for the private key's material.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from smtp_server import SmtpServer, make_tls

from tests.conftest import Cli
from tests.samples import copy_sample

USER = "partners@yourstartup.example"
PASSWORD = "pw-" + secrets.token_urlsafe(18)  # new for every run: it cannot be in a log by chance
WRONG_PASSWORD = "pw-" + secrets.token_urlsafe(18)  # a typo of the real one is a secret too
PASSWORD_ENV = "SHEETS_SYNC_SMTP_PASSWORD"
SERVICE_ACCOUNT = "sheets-sync@partners-demo.iam.gserviceaccount.com"
SHEET_KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
LOG_KEYS = {"time", "level", "event"}


# --- running the CLI ------------------------------------------------------------------------------


def command(cli: Cli, config: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """`sheets-sync -c CONFIG ARGS` in this process (`cli`: conftest's fixture), with the
    environment `_env(env)` gives a subprocess: no password variable, no GOOGLE_*, plus `env`."""
    unset = tuple(k for k in os.environ if k == PASSWORD_ENV or k.startswith("GOOGLE_"))
    return cli("-c", config, *args, env=env, unset=unset)


def run_worker(config: Path, env: dict[str, str], until, timeout: float = 60) -> subprocess.CompletedProcess:
    """`--log-format json -v run` until `until()` holds (or `timeout` s), then SIGTERM, as `docker
    stop` does."""
    args = [sys.executable, "-m", "sheets_sync", "-c", str(config), "--log-format", "json", "-v", "run"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(env))
    try:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline and not until():
            time.sleep(0.2)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV and not k.startswith("GOOGLE_")}
    return {**env, **extra}


def json_records(text: str) -> list[dict]:
    """Every non-empty line as a JSON object with time, level and event; fails on any other line."""
    records = []
    for line in text.splitlines():
        if line.strip():
            record = json.loads(line)
            assert isinstance(record, dict) and record.keys() >= LOG_KEYS, line
            records.append(record)
    return records


def assert_no_password(*outputs: str) -> None:
    text = "\n".join(outputs)
    for password in (PASSWORD, WRONG_PASSWORD):
        for form in (password, base64.b64encode(password.encode()).decode()):  # AUTH LOGIN sends base64
            assert form not in text


# --- SMTP with AUTH -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    return make_tls(tmp_path_factory.mktemp("tls"))


def smtp_workspace(folder: Path, port: int, tls) -> tuple[Path, dict[str, str]]:
    """The sample, sending through the server with a login; the env trusts the server's test CA."""
    config_path = copy_sample(folder)
    config = yaml.safe_load(config_path.read_text())
    config["poll_every"] = 1
    config["mail"].update(
        transport="smtp",
        smtp={
            "host": "127.0.0.1",
            "port": port,
            "security": "starttls",
            "username": USER,
            "password_env": PASSWORD_ENV,
        },
    )
    config_path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return config_path, {"SSL_CERT_FILE": str(tls.ca_file)}


def health(config: Path) -> dict:
    try:
        return json.loads((config.parent / "state" / "health.json").read_text())
    except (OSError, ValueError):
        return {}


def test_a_refused_login_logs_the_user_and_the_variable_never_the_password(cli, tmp_path, tls):
    with SmtpServer(tls=tls, users={USER: PASSWORD}) as server:
        config, env = smtp_workspace(tmp_path / "once", server.port, tls)
        once = command(cli, config, "once", env={**env, PASSWORD_ENV: WRONG_PASSWORD})

        config, env = smtp_workspace(tmp_path / "run", server.port, tls)
        failed_twice = []

        def failed_again() -> bool:  # a second failed cycle: the worker goes on after the first
            last = health(config)
            if last.get("last_error") and last["last_attempt"] not in failed_twice:
                failed_twice.append(last["last_attempt"])
            return len(failed_twice) >= 2

        run = run_worker(config, {**env, PASSWORD_ENV: WRONG_PASSWORD}, until=failed_again)
        assert server.handler.received == []

    assert once.returncode == 1, once.stderr
    assert "refused the login" in once.stderr and USER in once.stderr and PASSWORD_ENV in once.stderr
    assert run.returncode == 0, run.stderr
    assert len(failed_twice) >= 2
    records = json_records(run.stderr)
    failures = [r for r in records if r["event"].startswith("cycle failed")]
    assert failures and all(r["level"] == "error" and PASSWORD_ENV in r["event"] for r in failures)
    assert run.stdout == ""
    assert_no_password(once.stdout, once.stderr, run.stdout, run.stderr)


@pytest.mark.parametrize("password_from", ["env", "file"])
def test_a_login_that_works_never_logs_the_password(cli, tmp_path, tls, password_from):
    secret = {PASSWORD_ENV: PASSWORD}
    if password_from == "file":
        (tmp_path / "smtp-password").write_text(PASSWORD + "\n")
        secret = {PASSWORD_ENV + "_FILE": str(tmp_path / "smtp-password")}
    with SmtpServer(tls=tls, users={USER: PASSWORD}) as server:
        config, env = smtp_workspace(tmp_path / "once", server.port, tls)
        once = command(cli, config, "-v", "once", env={**env, **secret})
        sent_by_once = len(server.handler.received)

        config, env = smtp_workspace(tmp_path / "run", server.port, tls)
        run = run_worker(config, {**env, **secret}, until=lambda: bool(health(config).get("last_success")))
        sent_by_run = len(server.handler.received) - sent_by_once

    assert once.returncode == 0, once.stderr
    assert sent_by_once > 0 and sent_by_run > 0  # both logged in and sent the sample's emails
    assert run.returncode == 0, run.stderr
    records = json_records(run.stderr)
    cycles = [r for r in records if r["event"].startswith("cycle ")]
    assert cycles and cycles[0]["level"] == "info"
    assert sum(cycles[0]["counts"]["sent"].values()) == sent_by_run
    assert records[-1]["event"] == "stopped"
    assert_no_password(once.stdout, once.stderr, run.stdout, run.stderr)


# --- a Google service account's key ---------------------------------------------------------------


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class TokenEndpoint:
    """Google's OAuth token endpoint on 127.0.0.1, refusing every key as a deleted one is refused."""

    def __init__(self):
        self.grants: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                endpoint.grants.append(parse_qs(body).get("grant_type", [""])[0])
                reply = json.dumps({"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
                self.send_response(400)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply.encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/token"

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def google_workspace(folder: Path, key_info: dict) -> Path:
    folder.mkdir()
    (folder / "service-account.json").write_text(json.dumps(key_info))
    config = folder / "config.yaml"
    config.write_text(
        f"source:\n  kind: google\n  spreadsheet: {SHEET_KEY}\n"
        "  credentials: service-account.json\ntimezone: Europe/Berlin\npoll_every: 1\n"
    )
    return config


def key_info(private_key: str, token_uri: str) -> dict:
    return {
        "type": "service_account",
        "project_id": "partners-demo",
        "private_key_id": "0123abcd",
        "private_key": private_key,
        "client_email": SERVICE_ACCOUNT,
        "client_id": "1234567890",
        "token_uri": token_uri,
    }


def assert_no_key_material(private_key: str, *outputs: str) -> None:
    """Neither the PEM markers nor any 16 characters of the key's body (its first line is common to
    all keys)."""
    text = "\n".join(outputs)
    body = "".join(private_key.strip().splitlines()[1:-1])
    assert "PRIVATE KEY" not in text
    chunks = [body[i : i + 16] for i in range(64, len(body) - 16, 16)]
    assert len(chunks) > 50
    leaked = [c for c in chunks if c in text or c.replace("/", "\\/") in text]
    assert leaked == []


def test_a_refused_service_account_key_is_a_clear_error_without_key_material(cli, tmp_path, private_key):
    with TokenEndpoint() as endpoint:
        config = google_workspace(tmp_path / "team", key_info(private_key, endpoint.url))
        check = command(cli, config, "-v", "check", env={})
        once = command(cli, config, "-v", "once", env={})
        run = run_worker(config, {}, until=lambda: False, timeout=30)  # it must stop by itself

    # the key was read and used: every command signed a JWT and asked for a token
    assert endpoint.grants and set(endpoint.grants) == {"urn:ietf:params:oauth:grant-type:jwt-bearer"}
    for result in (check, once):
        assert result.returncode == 2, result.stderr
        assert f"refused the credentials of the service account {SERVICE_ACCOUNT}" in result.stderr
    assert run.returncode == 2, run.stderr
    records = json_records(run.stderr)
    assert any(r["level"] == "error" and SERVICE_ACCOUNT in r["event"] for r in records)
    outputs = [r.stdout for r in (check, once, run)] + [r.stderr for r in (check, once, run)]
    assert_no_key_material(private_key, *outputs)


def test_a_damaged_key_file_is_named_without_its_key_material(cli, tmp_path, private_key):
    lines = private_key.strip().splitlines()
    damaged = "\n".join(lines[:5] + lines[6:]) + "\n"  # a line lost in a copy and paste
    config = google_workspace(tmp_path / "team", key_info(damaged, "http://127.0.0.1:9/token"))
    check = command(cli, config, "check", env={})
    run = subprocess.run(
        [sys.executable, "-m", "sheets_sync", "-c", str(config), "--log-format", "json", "run"],
        capture_output=True,
        text=True,
        env=_env({}),
        timeout=120,
    )  # `run`: in its own process

    for result in (check, run):
        assert result.returncode == 2, result.stderr
        assert "service-account.json" in result.stderr and "not a usable Google key file" in result.stderr
    json_records(run.stderr)
    assert_no_key_material(private_key, check.stdout, check.stderr, run.stdout, run.stderr)
