"""Reading a workbook the worker wrote, as openpyxl (another program than the worker's calamine)
sees it, for the assertions of the cycle tests.

`rows(path, tab)` loads the file once per content: the tests look at several tabs, or at one tab
several times, between two cycles, and each openpyxl load of the sample is ~0.15 s. A cycle's write
changes the bytes, so what a test reads after it is always the new file.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
from lxml import etree

_loaded: dict[bytes, openpyxl.Workbook] = {}


def workbook(path: Path) -> openpyxl.Workbook:
    """The workbook at `path` as openpyxl loads it; shared by the readers of the same bytes, so
    only read it (to change a workbook, load it with openpyxl yourself)."""
    data = Path(path).read_bytes()
    digest = hashlib.sha256(data).digest()
    if digest not in _loaded:
        _loaded.clear()  # one file at a time: the tests read the latest state
        _loaded[digest] = openpyxl.load_workbook(io.BytesIO(data))
    return _loaded[digest]


def rows(path: Path, tab: str) -> list[dict[str, Any]]:
    """The rows below the header of tab `tab`, as {header: value} dicts."""
    ws = workbook(path)[tab]
    header = [c.value for c in ws[1]]
    return [dict(zip(header, row, strict=False)) for row in ws.iter_rows(min_row=2, values_only=True)]


def sheet_names(path: Path) -> list[str]:
    """The tabs of an .xlsx/.xlsm in their order, from xl/workbook.xml (as openpyxl's sheetnames,
    without loading the workbook)."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("xl/workbook.xml"))
    return [s.get("name") for s in root.iter("{*}sheet")]
