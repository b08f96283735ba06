"""Real IMAP servers on 127.0.0.1 for the inbox tests: pymap in this process, Dovecot in a child.

Both are started once per test process and give each test a mailbox of its own (a new user, so a
new INBOX with its own UIDVALIDITY): an `ImapAccount`, the one interface the tests use:

    account.host, .port (plain IMAP, STARTTLS where the server has TLS), .ssl_port (implicit TLS;
        None for pymap), .user, .password, .tls (the test CA: .client_context() trusts it; None
        for pymap), .kind ("pymap" or "dovecot")
    account.inbox_config(**overrides) -> InboxConfig  (security none on .port unless overridden;
        the password is read from .password_env, which the `imap` fixture sets)
    account.append(raw, folder="INBOX", flags=(), date=None)   over IMAP APPEND
    account.append_many(raws, folder="INBOX")                  one MULTIAPPEND
    account.flags(folder="INBOX") -> {uid: flags}, .uidvalidity(folder="INBOX"), .uids(folder)
    account.create(folder), account.recreate(folder)  (DELETE + CREATE: a new UIDVALIDITY; not
        for INBOX, which IMAP cannot delete)
    account.admin()  a separate IMAPClient session, logged in (a context manager)

`PymapServer` runs pymap's dict backend on an asyncio loop in a thread; `DovecotServer` writes a
configuration in a folder of its own (plain IMAP and IMAPS on free ports, a throwaway certificate
from tests/smtp_server.make_tls, any user name with one password, maildirs under the folder, its
log in a file) and runs `dovecot -F`. `HostileServer` is a scripted fake that refuses every login
and echoes back the line the client sent, and can answer EXAMINE without UIDNEXT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import getpass
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient
from smtp_server import Tls, make_tls

from sheets_sync.config import InboxConfig

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "s3cret-Pass.42"  # every test user's (Dovecot's static passdb; pymap's users)
PASSWORD_ENV = "SHEETS_SYNC_IMAP_PASSWORD"
_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ImapAccount:
    """One test's mailbox on a running server (see the module's docstring)."""

    kind: str
    host: str
    port: int
    user: str
    password: str
    ssl_port: int | None = None
    tls: Tls | None = None
    password_env: str = PASSWORD_ENV
    address: str = ""

    def inbox_config(self, **overrides: object) -> InboxConfig:
        settings: dict[str, object] = {
            "host": self.host,
            "port": self.port,
            "security": "none",
            "username": self.user,
            "password_env": self.password_env,
            "folder": "INBOX",
            "address": self.address or f"{self.user}@example.com",
        }
        settings.update(overrides)
        return dataclasses.replace(InboxConfig(), **settings)

    @contextlib.contextmanager
    def admin(self) -> Iterator[IMAPClient]:
        """A session of its own (not the adapter's), read-write, for setting up and checking."""
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        try:
            client.login(self.user, self.password)
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(
        self,
        raw: bytes,
        folder: str = "INBOX",
        flags: Iterable[bytes | str] = (),
        date: dt.datetime | None = None,
    ) -> None:
        with self.admin() as client:
            client.append(folder, raw, flags=tuple(flags), msg_time=date)

    def append_many(self, raws: Iterable[bytes], folder: str = "INBOX") -> None:
        with self.admin() as client:
            client.multiappend(folder, list(raws))

    def flags(self, folder: str = "INBOX") -> dict[int, tuple[bytes, ...]]:
        with self.admin() as client:
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search("ALL"), ["FLAGS"])  # IMAPClient takes no a:b range
            # \Recent is the session's, not the message's: left out
            return {uid: tuple(sorted(set(item[b"FLAGS"]) - {b"\\Recent"})) for uid, item in fetched.items()}

    def uids(self, folder: str = "INBOX") -> list[int]:
        with self.admin() as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.admin() as client:
            return int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])

    def expunge(self, uids: Iterable[int], folder: str = "INBOX") -> None:
        """Delete these messages for good (as a person tidying the mailbox does)."""
        with self.admin() as client:
            client.select_folder(folder)
            client.delete_messages(list(uids))
            client.expunge()

    def create(self, folder: str) -> None:
        with self.admin() as client:
            client.create_folder(folder)

    def recreate(self, folder: str) -> None:
        """DELETE and CREATE `folder`: its messages gone, a new UIDVALIDITY (a mailbox rebuilt)."""
        if folder.upper() == "INBOX":
            raise ValueError("IMAP cannot delete INBOX: recreate another folder")
        with self.admin() as client:
            before = int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])
            client.delete_folder(folder)
            client.create_folder(folder)
            after = int(client.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])
        if after == before:  # Dovecot takes the time in seconds: a folder recreated within one
            time.sleep(1.0)
            self.recreate(folder)


# --- pymap -------------------------------------------------------------------------------------


class PymapServer:
    """pymap's in-memory (dict) backend on 127.0.0.1, on an asyncio loop in a daemon thread.

    No TLS unless `tls` is given (then STARTTLS is offered; pymap still accepts a login before
    it, so the worker's security setting, not the server, is what keeps a password encrypted).
    `with PymapServer() as server: server.account()`.
    """

    def __init__(self, tls: Tls | None = None):
        self.tls = tls
        self.host = "127.0.0.1"
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self.port = int(self._sock.getsockname()[1])
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="pymap", daemon=True)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._failed: BaseException | None = None

    def __enter__(self) -> PymapServer:
        self._thread.start()
        if not self._ready.wait(10) or self._failed:
            raise RuntimeError(f"pymap did not start: {self._failed!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def account(self, user: str = "") -> ImapAccount:
        user = user or f"team{next(_numbers)}"
        asyncio.run_coroutine_threadsafe(self._add_user(user, PASSWORD), self._loop).result(10)
        return ImapAccount("pymap", self.host, self.port, user, PASSWORD)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported by __enter__
            self._failed = exc
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        from proxyprotocol.reader import ProxyProtocolReader
        from pymap.backend.dict import Config, DictBackend, Login
        from pymap.imap import IMAPServer

        class _Config(Config):
            @property
            def greeting(self) -> bytes:  # pymap's asks socket.getfqdn(): a DNS lookup per connection
                return b"Server ready pymap"

        args = argparse.Namespace(
            host=self.host,
            port=self.port,
            debug=False,
            cert=None,
            key=None,
            tls=self.tls is not None,
            demo_data=False,
            demo_user="demouser",
            demo_password=PASSWORD,
            passlib_cfg=None,
            proxy_protocol=None,
            inherited_sockets=None,
        )
        extra = {"ssl_context": self.tls.server_context()} if self.tls else {}
        config = _Config.from_args(args, invalid_user_sleep=0.0, **extra)
        config.apply_context()
        self._config = config
        self._login = Login(config)
        backend = DictBackend(self._login, config)
        callback = ProxyProtocolReader(config.proxy_protocol).get_callback(IMAPServer(backend.login, config))
        self._stop = asyncio.Event()
        async with AsyncExitStack() as stack:
            await backend.start(stack)
            server = await asyncio.start_server(callback, sock=self._sock)
            await stack.enter_async_context(server)
            self._ready.set()
            await self._stop.wait()

    async def _add_user(self, name: str, password: str) -> None:
        from pymap.backend.dict import Identity
        from pymap.user import Passwords, UserMetadata

        hashed = await Passwords(self._config).hash_password(password)
        await Identity(name, self._login, None, frozenset()).set(
            UserMetadata(self._config, name, password=hashed)
        )


# --- Dovecot -----------------------------------------------------------------------------------


@dataclass
class DovecotServer:
    """`dovecot -F` with a configuration of its own in `folder` (see the module's docstring).

    As root, Dovecot refuses to run its login processes or a user's mail as root: they run as
    `dovenull` (the package's login user) and `nobody`, so the folder is world-traversable and
    the maildirs belong to nobody. As another user, everything runs as that user, no chroot.
    """

    folder: Path
    host: str = "127.0.0.1"
    port: int = 0
    ssl_port: int = 0
    tls: Tls | None = None
    process: subprocess.Popen[bytes] | None = None
    _mail_ids: tuple[int, int] = field(default=(0, 0))

    @staticmethod
    def available() -> bool:
        return os.path.exists(DOVECOT)

    def __enter__(self) -> DovecotServer:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)
        self.tls = make_tls(self.folder / "tls")
        for name in ("ca.pem", "server.pem", "server.key"):
            (self.folder / "tls" / name).chmod(0o644)
        (self.folder / "tls").chmod(0o755)
        (self.folder / "mail").mkdir()
        self.port, self.ssl_port = free_port(), free_port()
        root = os.geteuid() == 0
        if root:
            nobody = pwd.getpwnam("nobody")
            self._mail_ids = (nobody.pw_uid, nobody.pw_gid)
            login_user = "dovenull" if _user_exists("dovenull") else "nobody"
            internal_user = "root"
            extra = ""
            os.chown(self.folder / "mail", *self._mail_ids)
        else:
            self._mail_ids = (os.getuid(), os.getgid())
            login_user = internal_user = getpass.getuser()
            extra = _UNPRIVILEGED
        conf = self.folder / "dovecot.conf"
        conf.write_text(
            _DOVECOT_CONF.format(
                folder=self.folder,
                port=self.port,
                ssl_port=self.ssl_port,
                uid=self._mail_ids[0],
                gid=self._mail_ids[1],
                login_user=login_user,
                internal_user=internal_user,
                password=PASSWORD,
                extra=extra,
                cert=self.tls.cert_file,
                key=self.tls.key_file,
            )
        )
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "stderr.txt").open("wb"),
        )
        self._wait_until_up()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def account(self, user: str = "") -> ImapAccount:
        user = user or f"team{next(_numbers)}-{os.getpid()}"
        return ImapAccount(
            "dovecot", self.host, self.port, user, PASSWORD, ssl_port=self.ssl_port, tls=self.tls
        )

    def log(self) -> str:
        parts = [self.folder / "dovecot.log", self.folder / "stderr.txt"]
        return "\n".join(p.read_text(errors="replace") for p in parts if p.exists())

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 15
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self.process.returncode}:\n{self.log()}")
            for port in (self.port, self.ssl_port):
                try:
                    with socket.create_connection((self.host, port), timeout=1):
                        pass
                except OSError:
                    break
            else:
                try:  # listening is not serving yet: its login process answers the greeting
                    IMAPClient(self.host, self.port, ssl=False, timeout=5).shutdown()
                    return
                except Exception:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start in 15 s:\n{self.log()}")


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


_DOVECOT_CONF = """\
# Written by tests/imap_servers.py: one test process's own Dovecot
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_cache_size = 0
default_internal_user = {internal_user}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:{folder}/mail/%u
mail_fsync = never
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={folder}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
}}
{extra}"""

# Run as a user other than root, Dovecot cannot chroot its login and anvil processes
_UNPRIVILEGED = """\
service imap-login {
  chroot =
}
service anvil {
  chroot =
}
"""


def dovecot_folder() -> Path:
    """A folder outside pytest's tmp tree (which is 0700: Dovecot's unprivileged processes could
    not reach a maildir under it)."""
    return Path(tempfile.mkdtemp(prefix="sheets-sync-dovecot-"))


# --- a hostile server --------------------------------------------------------------------------


class HostileServer:
    """A scripted IMAP server on a free port: refuses every login, quoting back the line the
    client sent (and, for AUTHENTICATE, the base64 it sent and what it decodes to), as a hostile
    or broken server might. With `login_ok`, logins pass and EXAMINE answers without UIDNEXT
    (`exists` messages, the last with UID `last_uid`). `caps` is what it says it can do."""

    def __init__(
        self,
        *,
        login_ok: bool = False,
        exists: int = 3,
        last_uid: int = 42,
        caps: bytes = b"IMAP4rev1 AUTH=PLAIN",
    ):
        self.login_ok, self.exists, self.last_uid, self.caps = login_ok, exists, last_uid, caps
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.host, self.port = "127.0.0.1", int(self._sock.getsockname()[1])
        self.lines: list[bytes] = []  # every line a client sent
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        self._thread.join(5)

    def account(self, user: str = "team") -> ImapAccount:
        return ImapAccount("hostile", self.host, self.port, user, PASSWORD)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._session, args=(conn,), daemon=True).start()

    def _session(self, conn: socket.socket) -> None:
        caps = self.caps
        with conn, conn.makefile("rb") as lines:

            def send(text: bytes) -> None:
                conn.sendall(text + b"\r\n")

            send(b"* OK [CAPABILITY " + caps + b"] hostile ready")
            for line in lines:
                line = line.rstrip(b"\r\n")
                self.lines.append(line)
                tag, _, rest = line.partition(b" ")
                command = rest.split(b" ", 1)[0].upper()
                if command == b"CAPABILITY":
                    send(b"* CAPABILITY " + caps)
                    send(tag + b" OK done")
                elif command == b"LOGIN":
                    if self.login_ok:
                        send(tag + b" OK logged in")
                    else:
                        send(tag + b" NO [AUTHENTICATIONFAILED] you sent: " + line)
                elif command == b"AUTHENTICATE":
                    send(b"+ ")
                    answer = next(lines).rstrip(b"\r\n")
                    self.lines.append(answer)
                    decoded = _b64(answer)
                    send(tag + b" NO [AUTHENTICATIONFAILED] you sent " + answer + b" = " + decoded)
                elif command == b"EXAMINE":
                    send(b"* FLAGS (\\Seen)")
                    send(b"* %d EXISTS" % self.exists)
                    send(b"* OK [UIDVALIDITY 7] ok")
                    send(tag + b" OK [READ-ONLY] examined")
                elif command == b"FETCH":
                    send(b"* %d FETCH (UID %d)" % (self.exists, self.last_uid))
                    send(tag + b" OK fetched")
                elif command == b"LOGOUT":
                    send(b"* BYE bye")
                    send(tag + b" OK bye")
                    return
                else:
                    send(tag + b" BAD unknown command")


def _b64(text: bytes) -> bytes:
    import base64

    try:
        return base64.b64decode(text).replace(b"\0", b" ")
    except ValueError:
        return b"?"
