"""`check` with a team inbox: it logs in, opens the folder read-only and counts the messages, or
says in one paragraph what to fix (exit 1). Against the real test servers on loopback."""

from __future__ import annotations

import yaml

from tests.samples import copy_sample


def with_inbox(tmp_path, imap, **overrides):
    config = copy_sample(tmp_path / "team")
    data = yaml.safe_load(config.read_text())
    inbox = imap.inbox_config(**overrides)
    data["inbox"] = {
        "host": inbox.host,
        "port": inbox.port,
        "security": inbox.security,
        "username": inbox.username,
        "folder": inbox.folder,
        "address": "partners@yourstartup.example",
    }
    config.write_text(yaml.safe_dump(data, allow_unicode=True))
    return config


def test_check_counts_the_messages_of_the_inbox(cli, tmp_path, imap):
    imap.append(b"From: a@x.example\r\nSubject: one\r\n\r\nHi\r\n")
    imap.append(b"From: b@x.example\r\nSubject: two\r\n\r\nHi\r\n")
    done = cli("-c", str(with_inbox(tmp_path, imap)), "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "folder INBOX: 2 messages." in done.stdout
    assert imap.flags() == {uid: () for uid in imap.uids()}  # read-only: nothing marked \Seen


def test_check_says_what_to_fix_and_never_shows_the_password(cli, tmp_path, imap):
    done = cli("-c", str(with_inbox(tmp_path, imap)), "check", env={imap.password_env: "wrong-Pass-99"})
    assert done.returncode == 1
    assert imap.user in done.stdout and imap.password_env in done.stdout
    assert "wrong-Pass-99" not in done.stdout + done.stderr and "Traceback" not in done.stderr

    missing = cli("-c", str(with_inbox(tmp_path / "b", imap, folder="Partners")), "check")
    assert missing.returncode == 1 and "Partners" in missing.stdout and "INBOX" in missing.stdout
