"""OutboxTransport: one .eml file per message, named from it, written atomically."""

from __future__ import annotations

import datetime as dt
import email
import email.policy

import pytest
from smtp_server import make_message

from sheets_sync.errors import DeliveryError
from sheets_sync.mail.outbox import OutboxTransport
from sheets_sync.model import MessageKind


def read(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_one_eml_file_per_message_named_by_date_kind_and_message_id(tmp_path):
    folder = tmp_path / "outbox" / "nested"  # created on the first send
    messages = [
        make_message("follow-up:A-1"),
        make_message("newsletter:C-7:2026-11-26"),
        make_message("digest:anna@acme.example:2026-11-26"),
    ]
    with OutboxTransport(folder) as outbox:
        for m in messages:
            assert outbox.send(m.email) == {}
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 3
    assert all(name.startswith("2026-11-26T09-00-00_") and name.endswith(".eml") for name in files)
    assert {name.split("_")[1] for name in files} == {"follow-up", "newsletter", "digest"}
    by_id = {read(folder / name)["Message-ID"]: folder / name for name in files}
    assert set(by_id) == {m.message_id for m in messages}
    copy = read(by_id[messages[0].message_id])
    assert copy["To"] == "anna@partner.example"
    assert copy.get_content() == messages[0].email.get_content()


def test_the_same_message_id_again_overwrites_the_same_file_even_rendered_later(tmp_path):
    first = make_message("follow-up:A-1", body="first rendering\n")
    later = make_message(
        "follow-up:A-1", body="second rendering\n", date=dt.datetime(2026, 11, 27, 8, 30, tzinfo=dt.UTC)
    )
    with OutboxTransport(tmp_path) as outbox:
        outbox.send(first.email)
    with OutboxTransport(tmp_path) as outbox:  # a later cycle: the index is read from the folder
        outbox.send(later.email)
        assert outbox.path_of(later.email).name.startswith("2026-11-26T09-00-00_follow-up_")
    [only] = list(tmp_path.iterdir())
    assert read(only).get_content() == "second rendering\n"


def test_no_temporary_files_are_left_and_other_files_are_ignored(tmp_path):
    (tmp_path / "README.txt").write_text("the team's note")
    with OutboxTransport(tmp_path) as outbox:
        for n in range(5):
            outbox.send(make_message(f"greeting:C-{n}:birthday-2026", MessageKind.GREETING).email)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".eml"] * 5 + [".txt"]


def test_a_message_without_message_id_is_refused(tmp_path):
    message = make_message("follow-up:A-1")
    del message.email["Message-ID"]
    with OutboxTransport(tmp_path) as outbox, pytest.raises(DeliveryError) as raised:
        outbox.send(message.email)
    assert raised.value.permanent


def test_an_unwritable_folder_is_a_transient_delivery_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with (
        OutboxTransport(blocker / "outbox") as outbox,
        pytest.raises(DeliveryError, match="outbox folder") as raised,
    ):
        outbox.send(make_message("follow-up:A-1").email)
    assert not raised.value.permanent
