"""tests/samples.py's copy_sample gives what `sheets-sync init` (write_sample) gives, so the tests
that copy it instead of building it test the same workbook and config."""

from __future__ import annotations

import datetime as dt
import re
import zipfile

import pytest

from sheets_sync.sample.workspace import WORKBOOK_NAME, write_sample
from tests.samples import CONFIG_NAME, copy_sample


def members(path):
    """(name, bytes) of each member in order; docProps/core.xml without its created/modified times."""
    with zipfile.ZipFile(path) as archive:
        found = [(info.filename, archive.read(info)) for info in archive.infolist()]
    when = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:)")
    return [(name, when.sub(rb"\1\3", data) if name == "docProps/core.xml" else data) for name, data in found]


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("today", [None, dt.date(2026, 11, 26)])
def test_a_copied_sample_is_the_one_init_writes(tmp_path, lang, today):
    built = write_sample(tmp_path / "built", lang, today)
    copied = copy_sample(tmp_path / "copied" / "nested", lang, today)
    assert copied == tmp_path / "copied" / "nested" / CONFIG_NAME
    assert copied.read_bytes() == built.read_bytes()
    # the same members, in the same order, with the same bytes (but the times the file was made)
    assert members(copied.with_name(WORKBOOK_NAME)) == members(built.with_name(WORKBOOK_NAME))
    again = copy_sample(tmp_path / "again", lang, today)  # the second copy: from the same build
    assert again.with_name(WORKBOOK_NAME).read_bytes() == copied.with_name(WORKBOOK_NAME).read_bytes()


def test_copy_sample_never_overwrites(tmp_path):
    copy_sample(tmp_path)
    (tmp_path / CONFIG_NAME).write_text("mine")
    with pytest.raises(FileExistsError):
        copy_sample(tmp_path)
    assert (tmp_path / CONFIG_NAME).read_text() == "mine"
