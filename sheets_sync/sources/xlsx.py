"""A local .xlsx workbook: read with python-calamine, written with openpyxl, replaced atomically.

Reading uses calamine: ~0.5 s for 40,000 activities where openpyxl needs 5-10 s. Writing must keep
everything the team made (formulas, styles, widths, filters, validation, conditional formatting,
comments, other tabs), so it loads the whole workbook with openpyxl (~8 s for that size, see
bench/bench_xlsx_io.py), applies the changes, saves to a temporary file next to the original and
renames it over the original.
Nothing is written while Excel holds the file open (its `~$` lock file) or when the file changed
after it was read: the cycle is retried, and the worker recomputes everything from a fresh read.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import logging
import math
import os
import stat
import tempfile
import time
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from copy import copy
from pathlib import Path
from typing import NamedTuple

import openpyxl
import python_calamine
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, MergedCell
from openpyxl.styles import Font
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.table import TableColumn

from sheets_sync.errors import SourceError
from sheets_sync.model import CellValue, CellWrite, Changes
from sheets_sync.sources import Snapshot, Table

logger = logging.getLogger(__name__)

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
MAX_TEXT = 32_767  # Excel's limit for one cell; longer text makes Excel "repair" the file
TEMP_PREFIX = ".~sheets-sync."
STALE_TEMP_SECONDS = 3600


class Fingerprint(NamedTuple):
    """What `stat` says about the workbook, and whether Excel or LibreOffice has it open."""

    mtime_ns: int
    size: int
    inode: int
    locked: bool

    def same_file(self, other: object) -> bool:
        """Same bytes on disk (the lock flag aside: opening a file in Excel does not change it)."""
        return isinstance(other, tuple) and len(other) == 4 and tuple(self[:3]) == tuple(other[:3])


class XlsxSource:
    """The workbook at `path`. See `sheets_sync.sources.Source` for the contract."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"XlsxSource({str(self.path)!r})"

    # --- change detection -------------------------------------------------------------------

    def fingerprint(self) -> Fingerprint:
        return self._fingerprint(self._stat())

    def lock_file(self) -> Path | None:
        """The lock file of an office suite that has the workbook open, if any.

        Excel writes `~$<name>` next to the workbook; LibreOffice writes `.~lock.<name>#`.
        """
        for folder in {self.path.parent, self.path.resolve().parent}:
            for name in (f"~${self.path.name}", f".~lock.{self.path.name}#"):
                if (folder / name).exists():
                    return folder / name
        return None

    def _stat(self) -> os.stat_result:
        try:
            return os.stat(self.path)
        except FileNotFoundError:  # unreachable like a network share that is not mounted: exit 1, retried in `run`
            raise SourceError(
                f"The workbook {self.path} does not exist. Check `source.path` in the config, "
                f"or create a sample workbook with `sheets-sync init`."
            ) from None
        except OSError as e:
            raise _io_error("open", self.path, e) from e

    def _fingerprint(self, st: os.stat_result) -> Fingerprint:
        return Fingerprint(st.st_mtime_ns, st.st_size, st.st_ino, self.lock_file() is not None)

    def _load_bytes(self) -> tuple[bytes, Fingerprint]:
        """The file's bytes and the fingerprint of exactly those bytes (fstat of the open file)."""
        self._stat()  # a clear SourceError when it is missing
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except FileNotFoundError:  # renamed away between stat and open (Excel saving): retry
            raise self._changed_error() from None
        except OSError as e:
            raise _io_error("read", self.path, e) from e
        return data, self._fingerprint(st)

    # --- reading ----------------------------------------------------------------------------

    def read(self, tab_names: list[str]) -> Snapshot:
        """Read the named tabs (matched ignoring case and surrounding spaces) with calamine.

        Tables are keyed and named by the tab's name in the workbook. A tab that does not exist,
        or is a chart sheet, is absent.
        """
        data, version = self._load_bytes()
        self._check_format(data, version)
        try:
            book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            worksheet = python_calamine.SheetTypeEnum.WorkSheet
            worksheets = [m.name for m in book.sheets_metadata if m.typ == worksheet]
            tables: dict[str, Table] = {}
            with _gc_paused():
                for wanted in tab_names:
                    name = _find_name(worksheets, wanted)
                    if name is not None and name not in tables:
                        values = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                        tables[name] = _table(name, values)
        except python_calamine.CalamineError as e:
            raise self._unreadable_error(version, e) from e
        return Snapshot(tables=tables, version=version)

    def _check_format(self, data: bytes, version: Fingerprint) -> None:
        if data[:4] == b"\xd0\xcf\x11\xe0":  # an OLE2 container: .xls, or an encrypted .xlsx
            raise SourceError(
                f"The workbook {self.path} is an old-style .xls file or is password-protected. "
                "Save it from Excel as an unprotected Excel Workbook (.xlsx)."
            )
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                archive.getinfo("xl/workbook.xml")
        except (zipfile.BadZipFile, KeyError, ValueError) as e:
            raise self._unreadable_error(version, e) from e

    def _unreadable_error(self, version: Fingerprint, error: Exception) -> SourceError:
        try:
            changed = not version.same_file(self._fingerprint(os.stat(self.path)))
        except OSError:
            changed = True
        if changed:  # caught it half-written: read again next cycle
            return self._changed_error()
        return SourceError(
            f"The workbook {self.path} is not a valid .xlsx file ({error}). Open it in Excel and save it "
            f"as an Excel Workbook (.xlsx), or point `source.path` at the right file."
        )

    # --- writing ----------------------------------------------------------------------------

    def write(self, snapshot: Snapshot, changes: Changes) -> Fingerprint:
        """Apply `changes` with openpyxl and replace the file atomically; returns the new fingerprint.

        Raises SourceError(transient=True), having written nothing, when the workbook is open in
        Excel or changed on disk since `snapshot` was read (checked before loading and again just
        before the replace).
        """
        if changes.is_empty():
            return self.fingerprint()
        self._check_unchanged(snapshot.version)
        data, version = self._load_bytes()
        if not version.same_file(snapshot.version):
            raise self._changed_error()
        target = Path(os.path.realpath(self.path))
        if not self._stat().st_mode & stat.S_IWUSR:
            raise SourceError(f"The workbook {self.path} is read-only; make it writable so that "
                              "sheets-sync can write its columns back. Nothing was written.")
        self._remove_stale_temps(target)
        started = time.monotonic()
        try:
            with _gc_paused():
                workbook = self._load_workbook(data)
                try:
                    _apply(workbook, changes)
                except SourceError:
                    raise
                except Exception as e:  # openpyxl rejects a value, a sheet title, ...
                    message = f"Cannot apply the changes to {self.path}: {type(e).__name__}: {e}"
                    raise SourceError(message) from e
                new = self._save_and_replace(workbook, target, snapshot.version)
        finally:
            workbook = None
            gc.collect()  # the loaded workbook is one big reference cycle: free its memory now
        logger.debug("wrote %s in %.1f s", self.path, time.monotonic() - started)
        return new

    def _check_unchanged(self, version: object) -> None:
        lock = self.lock_file()
        if lock is not None:
            raise SourceError(
                f"{self.path} is open in Excel (lock file {lock.name}) - nothing written, will retry "
                f"next cycle. If nobody has it open, delete the leftover lock file {lock}.",
                transient=True,
            )
        try:
            current = self._fingerprint(os.stat(self.path))
        except FileNotFoundError:
            raise self._changed_error() from None
        except OSError as e:
            raise _io_error("open", self.path, e) from e
        if not current.same_file(version):
            raise self._changed_error()

    def _changed_error(self) -> SourceError:
        return SourceError(
            f"{self.path} changed on disk since it was read - nothing written, will retry next cycle.",
            transient=True,
        )

    def _load_workbook(self, data: bytes) -> openpyxl.Workbook:
        # Formulas stay formulas (not data_only); rich text keeps its runs; external links are kept.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                workbook = openpyxl.load_workbook(io.BytesIO(data), rich_text=True, keep_links=True)
            except Exception as e:
                raise SourceError(
                    f"openpyxl cannot load {self.path} to write it ({type(e).__name__}: {e}). "
                    "Nothing was written."
                ) from e
        for message in dict.fromkeys(str(w.message) for w in caught):
            # openpyxl says so when it drops a feature it does not support (e.g. slicers).
            logger.warning("%s: openpyxl: %s", self.path.name, message)
        return workbook

    def _save_and_replace(self, workbook: openpyxl.Workbook, target: Path, version: object) -> Fingerprint:
        try:
            original = os.stat(target)
            prefix = f"{TEMP_PREFIX}{target.name}."
            fd, temp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
        except OSError as e:
            raise _io_error("write", self.path, e) from e
        temp, replaced = Path(temp_name), False
        try:
            with os.fdopen(fd, "wb") as f:
                workbook.save(f)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temp, stat.S_IMODE(original.st_mode))
            _try_chown(temp, original)
            self._check_unchanged(version)  # the team may have saved while we worked
            os.replace(temp, target)
            replaced = True
        except SourceError:
            raise
        except OSError as e:  # a full disk, a share gone offline, Windows refusing to replace an open file
            raise _io_error("write", self.path, e) from e
        except Exception as e:
            raise SourceError(f"openpyxl cannot save {self.path} ({type(e).__name__}: {e}).") from e
        finally:
            if not replaced:
                _remove(temp)
        _fsync_folder(target.parent)
        return self.fingerprint()

    def _remove_stale_temps(self, target: Path) -> None:
        """Temporary files left by a worker killed mid-save (never those of a save in progress)."""
        cutoff = time.time() - STALE_TEMP_SECONDS
        for temp in target.parent.glob(f"{TEMP_PREFIX}{target.name}.*.tmp"):
            try:
                if temp.stat().st_mtime < cutoff:
                    temp.unlink()
            except OSError:
                pass


# --- reading helpers ------------------------------------------------------------------------


def _find_name(names: list[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    key = wanted.strip().casefold()
    return next((n for n in names if n.strip().casefold() == key), None)


def _table(name: str, values: list[list]) -> Table:
    """Row 1 as header text, the rest as values; `rows[i]` stays sheet row i + 2."""
    header = [_header_text(v) for v in values[0]] if values else []
    rows = [_row(r) for r in values[1:]]
    while rows and not rows[-1]:
        rows.pop()
    while header and not header[-1]:
        header.pop()
    # A column with data but no header still counts, so that new columns never land on it.
    width = max([len(header), *map(len, rows)])
    header.extend([""] * (width - len(header)))
    return Table(name=name, header=tuple(header), rows=rows)


def _row(values: list) -> list[CellValue]:
    # calamine reads an empty cell (and an error such as #N/A) as '' and every number as a float.
    row = [
        None if v == "" else int(v) if type(v) is float and v.is_integer() and -1e15 < v < 1e15 else v
        for v in values
    ]
    while row and row[-1] is None:
        row.pop()
    return row


def _header_text(value: object) -> str:
    if value is None or value == "":
        return ""
    if type(value) is float and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# --- writing helpers ------------------------------------------------------------------------


def _apply(workbook: openpyxl.Workbook, changes: Changes) -> None:
    for tab, headers in changes.new_headers.items():
        sheet = _sheet(workbook, tab)
        for column, text in sorted(headers):
            _set_header(sheet, column, text)
    for write in changes.cells:
        _set_cell(_sheet(workbook, write.tab), write)
    for tab, rows in changes.appends.items():
        if rows:
            _append(_sheet(workbook, tab), rows)
    if changes.dashboard is not None:
        name = changes.dashboard[0]
        if name in {*changes.new_headers, *(w.tab for w in changes.cells), *changes.appends}:
            # A config that names the Dashboard like a data tab would wipe the team's rows.
            raise SourceError(f'Refusing to rewrite "{name}" as the Dashboard: it is also a data tab.')
        _write_dashboard(workbook, *changes.dashboard)


def _sheet(workbook: openpyxl.Workbook, tab: str):
    if tab in workbook.sheetnames:
        sheet = workbook[tab]
        if hasattr(sheet, "cell"):
            return sheet
    raise SourceError(f'The workbook has no worksheet "{tab}" to write to; nothing was written.')


def _set_cell(sheet, write: CellWrite) -> None:
    cell = sheet.cell(row=write.row, column=write.column)
    if isinstance(cell, MergedCell):  # inside a merged range: only its top-left cell holds a value
        logger.warning("%s!%s is part of merged cells; not written", sheet.title, cell.coordinate)
        return
    set_value(cell, write.value)


def set_value(cell, value: CellValue) -> None:
    """Write one value: text stays text (never a formula), dates become real date cells."""
    if value is None:
        cell.value = None
    elif isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_TEXT]
        cell.data_type = "s"  # openpyxl would store "=..." as a formula and "#N/A" as an error
    elif isinstance(value, dt.datetime):
        keep = _is_date_format(cell.number_format)
        cell.value = value.replace(tzinfo=None)
        if not keep:
            cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        keep = _is_date_format(cell.number_format) and any(c in cell.number_format.lower() for c in "dy")
        cell.value = value
        if not keep:
            cell.number_format = DATE_FORMAT
    elif isinstance(value, float) and not math.isfinite(value):
        set_value(cell, str(value))  # Excel has no NaN or infinity
    elif isinstance(value, (bool, int, float, dt.time)):
        cell.value = value
    else:
        raise SourceError(f"Cannot write a {type(value).__name__} into {cell.coordinate}: {value!r}")


def _is_date_format(number_format: str | None) -> bool:
    return bool(number_format) and number_format != "General" and is_date_format(number_format)


def _set_header(sheet, column: int, text: str) -> None:
    """A new header looks like the one before it: same style, same width."""
    cell = sheet.cell(row=1, column=column)
    set_value(cell, text)
    previous = sheet._cells.get((1, column - 1))  # _cells: read without creating cells
    if previous is not None and previous.has_style:
        cell._style = copy(previous._style)
    before = _dimension(sheet, column - 1)
    if before is not None and before.width and _dimension(sheet, column) is None:  # <col>s must not overlap
        sheet.column_dimensions[get_column_letter(column)].width = before.width
    _extend_columns(sheet, column, text)


def _dimension(sheet, column: int):
    """The column's dimension entry, which may be a range of columns (read without creating one)."""
    for dimension in sheet.column_dimensions.values():
        low = dimension.min or column_index_from_string(dimension.index)
        high = dimension.max or low
        if low <= column <= high:
            return dimension
    return None


def _extend_columns(sheet, column: int, text: str) -> None:
    """A worker column added right after a table or a filter joins it (Excel Tables, filters)."""
    if sheet.auto_filter.ref:
        min_col, min_row, max_col, max_row = range_boundaries(sheet.auto_filter.ref)
        if min_row == 1 and max_col == column - 1:
            sheet.auto_filter.ref = _ref(min_col, min_row, column, max_row)
    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        names = {c.name.strip().casefold() for c in table.tableColumns}
        if (min_row != 1 or max_col != column - 1 or not table.headerRowCount or not text.strip()
                or text.strip().casefold() in names):
            continue
        next_id = max((c.id for c in table.tableColumns), default=0) + 1
        table.tableColumns.append(TableColumn(id=next_id, name=text))
        table.ref = _ref(min_col, min_row, column, max_row)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = _ref(min_col, min_row, column, max_row - (table.totalsRowCount or 0))


def _last_row(sheet) -> int:
    """The last row holding anything (a value or a formula); styled empty rows do not count."""
    last = 0
    for (row, _), cell in sheet._cells.items():
        if row > last and cell._value is not None and cell._value != "":
            last = row
    return last


def _append(sheet, rows: Sequence[Sequence[CellValue]]) -> None:
    last = _last_row(sheet)
    for offset, values in enumerate(rows, start=1):
        for column, value in enumerate(values, start=1):
            if value is not None:  # leaves the team's pre-filled formulas in other columns alone
                set_value(sheet.cell(row=last + offset, column=column), value)
    _extend_rows(sheet, last, last + len(rows))


def _extend_rows(sheet, last: int, new_last: int) -> None:
    """Rows appended right below a filter or an Excel Table become part of it."""
    if sheet.auto_filter.ref:
        min_col, min_row, max_col, max_row = range_boundaries(sheet.auto_filter.ref)
        if min_row <= last <= max_row < new_last:
            sheet.auto_filter.ref = _ref(min_col, min_row, max_col, new_last)
    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if table.totalsRowCount or not min_row <= last <= max_row < new_last:
            continue
        table.ref = _ref(min_col, min_row, max_col, new_last)
        if table.autoFilter is not None and table.autoFilter.ref:
            table.autoFilter.ref = table.ref


def _ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def _write_dashboard(workbook: openpyxl.Workbook, name: str, rows: Iterable[Sequence[CellValue]]) -> None:
    """Create the tab at the end, or clear it (keeping its column widths); bold the first row."""
    rows = list(rows)
    created = name not in workbook.sheetnames
    if created:
        sheet = workbook.create_sheet(name)
    else:
        sheet = _sheet(workbook, name)
        for merged in list(sheet.merged_cells.ranges):
            sheet.merged_cells.remove(merged)
        sheet.delete_rows(1, sheet.max_row)
    bold = Font(bold=True)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value is not None or r == 1:
                cell = sheet.cell(row=r, column=c)
                set_value(cell, value)
                if r == 1:
                    cell.font = bold
    if created:
        for c in range(1, max((len(v) for v in rows), default=0) + 1):
            longest = max((len(_display(v[c - 1])) for v in rows if len(v) >= c), default=0)
            sheet.column_dimensions[get_column_letter(c)].width = min(max(longest + 2, 10), 60)


def _display(value: CellValue) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """openpyxl builds ~600,000 live cell objects on a large workbook; the cyclic garbage collector
    would scan them again and again for nothing to free (a third of the load+save time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- file-system helpers --------------------------------------------------------------------


def _io_error(action: str, path: Path, error: OSError) -> SourceError:
    """File-system trouble (a share offline, a full disk, a file in use) is worth retrying."""
    return SourceError(f"Cannot {action} the workbook {path}: {error.strerror or error}.", transient=True)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


def _try_chown(path: Path, original: os.stat_result) -> None:
    """Keep the owner when we may (running as root in a container); otherwise it is ours."""
    if hasattr(os, "chown") and (original.st_uid, original.st_gid) != (os.getuid(), os.getgid()):
        try:
            os.chown(path, original.st_uid, original.st_gid)
        except OSError:
            pass


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
