"""Shared by every test module."""

from __future__ import annotations

import importlib
import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests import samples

# Machines that set PYTHONDONTWRITEBYTECODE (Docker's Python images do) would make pytest rewrite
# the asserts of every test module again in each xdist worker (~5 s of CPU each) and every CLI
# subprocess compile sheets_sync from source: the suite keeps its compiled code, in the
# __pycache__ folders git ignores.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """The CLI configures the root logger once per process (its handler writes to the sys.stderr of
    the moment). Called in-process by a test, that stderr is pytest's capture, closed after the
    test, and a server thread logging later would print `--- Logging error ---`: restore the root
    logger's handlers and level after every test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session", autouse=True)
def _samples_folder(tmp_path_factory) -> None:
    """The sample workspaces of this process (tests/samples.py) are built in the session's tmp dir."""
    samples.set_root(tmp_path_factory.mktemp("samples"))


# The loggers of the test's own servers in this process (aiosmtpd's, and the asyncio loop it runs
# on): their records are not the worker's output, so they stay out of what a command prints.
SERVER_LOGGERS = ("mail.log", "mail.debug", "asyncio")

# What a sheets-sync process remembers from one cycle to the next, beyond pure caches: (module,
# attribute, a new empty value). Each in-process command starts with it empty, as a new process.
PROCESS_STATE = [("sheets_sync.runtime.health", "_remembered", dict)]

Cli = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def cli(capfd, monkeypatch) -> Cli:
    """`cli(*args, cwd=, env=, unset=)`: `sheets-sync ARGS` run in this process, through the same
    `sheets_sync.cli.main` that `python -m sheets_sync` and the console script call, as a
    CompletedProcess (returncode, stdout, stderr). Its output is captured at the file descriptors
    (capfd), so what it writes to fd 1 and 2 is all there, as from a subprocess. `env` sets
    variables for the call, `unset` removes them, `cwd` is the folder it runs in; the root
    logger and the warnings capture the CLI sets up are undone after each call, and the SQLite
    connections it opened are closed, as its process's exit would close them: `once` leaves the
    send ledger's open (Mailer.from_config opens it, nothing closes it, and Python's sqlite3
    connection is in a reference cycle, so only the garbage collector would), and the next
    command's SQLite would share its WAL index and behave unlike a fresh process. And each
    command starts without the memory a process keeps between its cycles (PROCESS_STATE: the
    health record kept when the disk refuses health.json), as a new process would: `health`
    after `once` reads the disk, not what `once` remembered.

    What a subprocess proves beyond this is kept in subprocesses: signals to `run`, a process
    killed at random moments, the worker as another user (setpriv), `python -m sheets_sync`
    itself (test_cli's entry point tests).
    """
    from sheets_sync.cli import main

    def run(
        *args: object, cwd=None, env: dict[str, str] | None = None, unset: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess:
        argv = [str(a) for a in args]
        capfd.readouterr()  # what came before is not this command's
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        with monkeypatch.context() as patch:
            for name in unset:
                patch.delenv(name, raising=False)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            if cwd is not None:
                patch.chdir(cwd)
            for name in SERVER_LOGGERS:
                patch.setattr(logging.getLogger(name), "propagate", False)
            for module, attribute, empty in PROCESS_STATE:
                if not hasattr(importlib.import_module(module), attribute):
                    pytest.fail(
                        f"{module}.{attribute} is gone: update PROCESS_STATE in tests/conftest.py "
                        f"(what a sheets-sync process keeps between cycles)"
                    )
                patch.setattr(f"{module}.{attribute}", empty())
            opened: list[sqlite3.Connection] = []

            def connect(*args, _connect=sqlite3.connect, **kwargs):
                db = _connect(*args, **kwargs)
                opened.append(db)
                return db

            patch.setattr(sqlite3, "connect", connect)
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse: --help, --version and bad usage
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
            finally:
                root.handlers[:] = handlers
                root.setLevel(level)
                logging.captureWarnings(False)
                for db in opened:
                    db.close()
        out, err = capfd.readouterr()
        return subprocess.CompletedProcess(["sheets-sync", *argv], code, out, err)

    return run


# --- IMAP servers for the inbox tests (tests/imap_servers.py) ---------------------------------


@pytest.fixture(scope="session")
def pymap_server():
    from imap_servers import PymapServer

    with PymapServer() as server:
        yield server


@pytest.fixture(scope="session")
def dovecot_server():
    from imap_servers import DovecotServer, dovecot_folder

    if not DovecotServer.available():
        pytest.skip("Dovecot is not installed (/usr/sbin/dovecot; Debian: apt-get install dovecot-imapd)")
    with DovecotServer(dovecot_folder()) as server:
        yield server


@pytest.fixture(params=["pymap", "dovecot"])
def imap(request, monkeypatch):
    """A fresh mailbox (a new user) on each server: an ImapAccount; its password is in the
    environment variable its inbox_config() names."""
    account = request.getfixturevalue(f"{request.param}_server").account()
    monkeypatch.setenv(account.password_env, account.password)
    return account


@pytest.fixture
def dovecot(dovecot_server, monkeypatch):
    """A fresh mailbox on Dovecot only (TLS, big mailboxes)."""
    account = dovecot_server.account()
    monkeypatch.setenv(account.password_env, account.password)
    return account
