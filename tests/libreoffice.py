"""LibreOffice for the tests: does a workbook open in it, and what does it show?

`convert_to_csv` has a headless soffice export workbooks to CSV and returns their rows, sheet by
sheet. Each call uses a private, throw-away profile (so parallel runs and a person's own LibreOffice
never meet) and a timeout (the whole process group is killed when it runs over). Pass several
workbooks to one call where you can: starting soffice is most of the cost (~2 s).

The `soffice` fixture (and the `needs_libreoffice` marker that uses it) skips a test when soffice
is not installed - unless the environment variable CI is set: then it fails, because CI must
install it (Debian: libreoffice-calc-nogui).
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from lxml import etree

# The "Text - txt - csv (StarCalc)" filter options: comma, double quote, UTF-8, from line 1, no
# column formats, default language, quoted fields not forced to text, detect special numbers,
# values not "as shown" (full precision), no formulas, spaces kept, then which sheet: -1 = every
# sheet, each to "<stem>-<sheet name>.csv"; N = the N-th sheet (1-based).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,{sheet}"
DEFAULT_TIMEOUT = 120.0

Rows = list[list[str]]


class LibreOfficeError(AssertionError):
    """soffice failed, timed out, or wrote no CSV for a workbook."""


def soffice_path() -> str | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return "/usr/bin/soffice" if os.access("/usr/bin/soffice", os.X_OK) else None


def require_soffice() -> str:
    path = soffice_path()
    if path is not None:
        return path
    if os.environ.get("CI"):
        pytest.fail(
            "LibreOffice (soffice) is not installed; CI must install it (apt-get install "
            "libreoffice-calc-nogui)"
        )
    pytest.skip("LibreOffice (soffice) is not installed")


@pytest.fixture(scope="session")
def soffice() -> str:
    return require_soffice()


needs_libreoffice = pytest.mark.usefixtures("soffice")


def sheet_names(path: Path) -> list[str]:
    """The tabs of an .xlsx/.xlsm in their order (from xl/workbook.xml, without parsing cells)."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("xl/workbook.xml"))
    return [s.get("name") for s in root.iter("{*}sheet")]


def convert_to_csv(
    paths: Iterable[Path], sheet: int | str | None = None, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[Path, dict[str, Rows]]:
    """{workbook: {sheet name: rows}} for every workbook, as LibreOffice exports it to CSV.

    `sheet` None exports every sheet; an int (1-based) or a tab name exports that one only. The
    workbooks' file names (without suffix) must differ: soffice writes all CSVs into one folder.
    Raises LibreOfficeError when soffice fails or leaves a workbook without its CSV.
    """
    paths = [Path(p) for p in paths]
    stems = [p.stem for p in paths]
    if len(set(stems)) != len(stems):
        raise ValueError(f"workbooks need distinct names: {stems}")
    wanted: dict[Path, list[tuple[int, str]]] = {}
    for path in paths:
        names = sheet_names(path)
        if sheet is None:
            wanted[path] = list(enumerate(names, start=1))
        else:
            index = sheet if isinstance(sheet, int) else names.index(sheet) + 1 if sheet in names else 0
            if not 1 <= index <= len(names):
                raise ValueError(f"{path} has no sheet {sheet!r} (it has {names})")
            wanted[path] = [(index, names[index - 1])]
    if not paths:
        return {}
    if sheet is None:
        option = -1
    else:
        indexes = {index for pairs in wanted.values() for index, _ in pairs}
        if len(indexes) != 1:
            raise ValueError("one call exports the same sheet number of every workbook")
        option = indexes.pop()
    with tempfile.TemporaryDirectory(prefix="sheets-sync-lo-") as folder:
        work = Path(folder)
        out = work / "out"
        out.mkdir()
        command = [
            require_soffice(),
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            CSV_FILTER.format(sheet=option),
            "--outdir",
            str(out),
            *map(str, paths),
        ]
        _run(command, timeout, work)
        result: dict[Path, dict[str, Rows]] = {}
        for path in paths:
            sheets = {}
            for _, name in wanted[path]:
                csv_file = out / f"{path.stem}-{name}.csv"
                if not csv_file.exists():
                    made = sorted(p.name for p in out.iterdir())
                    raise LibreOfficeError(
                        f"LibreOffice wrote no CSV for sheet {name!r} of {path} (it wrote {made})"
                    )
                with open(csv_file, newline="", encoding="utf-8") as f:
                    sheets[name] = list(csv.reader(f))
            result[path] = sheets
        return result


def _run(command: list[str], timeout: float, work: Path) -> None:
    # No display needed; TMPDIR: soffice's IPC socket goes into `work`, removed afterwards, not /tmp.
    env = {**os.environ, "SAL_USE_VCLPLUGIN": "svp", "TMPDIR": str(work)}
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # soffice.bin is a child of the soffice script
        process.communicate()
        raise LibreOfficeError(
            f"LibreOffice did not finish within {timeout:.0f} s: {' '.join(command)}"
        ) from None
    text = output.decode(errors="replace")
    if process.returncode != 0 or re.search(r"^Error:", text, re.MULTILINE):
        raise LibreOfficeError(f"LibreOffice failed (exit {process.returncode}):\n{text}")


def cell(rows: Rows, row: int, column: int) -> str:
    """The text at a 1-based row and column ('' beyond the exported area)."""
    if row - 1 < len(rows) and column - 1 < len(rows[row - 1]):
        return rows[row - 1][column - 1]
    return ""


def convert(
    paths: Iterable[Path], to: str, out: Path, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[Path, Path]:
    """{workbook: the file LibreOffice made of it} for a `--convert-to` target (`fods`, `pdf`,
    `xlsx`, ...), written into the folder `out`, with one soffice for all the workbooks (whose file
    names must differ). Raises LibreOfficeError when soffice fails or leaves a workbook unconverted."""
    paths = [Path(p) for p in paths]
    if len({p.stem for p in paths}) != len(paths):
        raise ValueError(f"workbooks need distinct names: {[p.stem for p in paths]}")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sheets-sync-lo-") as folder:
        work = Path(folder)
        command = [
            require_soffice(),
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            to,
            "--outdir",
            str(out),
            *map(str, paths),
        ]
        _run(command, timeout, work)
    made = {p: out / f"{p.stem}.{to.split(':')[0]}" for p in paths}
    missing = [str(p) for p, result in made.items() if not result.exists()]
    if missing:
        raise LibreOfficeError(f"LibreOffice converted none of {missing} to {to}")
    return made
