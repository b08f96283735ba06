"""The sample workspace of `sheets-sync init`, built once per test process and copied for each test.

`copy_sample(folder, lang, today)` gives what `write_sample(folder, lang, today)` gives (the same
config.yaml and partners.xlsx, byte for byte: test_sample checks it), but builds each (language,
day) only once per process (~0.7 s) and then copies the two files (~1 ms). The built ones live in
a folder of the session's tmp dir (conftest.py sets it; under xdist each worker has its own),
which no test is given: tests only ever get copies. Tests of `init`/`write_sample` itself call
the real thing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from sheets_sync.sample.workspace import TIMEZONES, WORKBOOK_NAME, write_sample

CONFIG_NAME = "config.yaml"
_root: Path | None = None
_built: dict[tuple[str, dt.date], Path] = {}


def set_root(folder: Path) -> None:
    """Where the samples of this process are built (conftest.py: a session tmp dir)."""
    global _root
    _root = Path(folder)
    _built.clear()


def copy_sample(folder: Path, lang: str = "en", today: dt.date | None = None) -> Path:
    """As `write_sample`: folder/config.yaml and folder/partners.xlsx (never over existing
    files); returns the config's path. `today` None is the current date in the sample's zone,
    as `sheets-sync init` takes it."""
    day = today or dt.datetime.now(ZoneInfo(TIMEZONES[lang])).date()
    source = _built.get((lang, day))
    if source is None:
        global _root
        if _root is None:  # outside pytest's session (a helper used elsewhere): a private folder
            _root = Path(tempfile.mkdtemp(prefix="sheets-sync-samples-"))
        source = write_sample(_root / f"{lang}-{day.isoformat()}", lang, day).parent
        _built[(lang, day)] = source
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in (CONFIG_NAME, WORKBOOK_NAME):
        target = folder / name
        if target.exists():
            raise FileExistsError(f"{target} already exists")
        shutil.copyfile(source / name, target)  # a new file (mode and mtime of now), as init makes it
    return folder / CONFIG_NAME
