"""Shared by every test module."""

from __future__ import annotations

import importlib
import logging
import sqlite3
import subprocess
from collections.abc import Callable, Iterator

import jinja2
import pytest

from tests import samples


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


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's own bytecode cache, in memory: a template whose source is the same as when it was
    compiled (Jinja compares its checksum) is not compiled again."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


@pytest.fixture(scope="session", autouse=True)
def _templates_compiled_once() -> Iterator[None]:
    """Each Renderer (one per cycle) makes a Jinja environment that compiles the ~18 templates a
    cycle uses: ~0.4 s of CPU per cycle, the largest cost of the cycles the tests run. Given a
    bytecode cache, the environments of this process share the compiled code of templates whose
    source is unchanged (an edited or broken template is compiled, and fails, as before); what
    they render is the same."""
    from sheets_sync.mail.compose import render

    made = getattr(render, "environment", None)
    if made is None:  # renamed: no sharing, only slower
        yield
        return
    cache = _CompiledTemplates()

    def environment(*args, **kwargs):
        env = made(*args, **kwargs)
        env.bytecode_cache = cache
        return env

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "environment", environment)
        yield


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
