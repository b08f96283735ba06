"""A stateful fake of the Google Sheets API v4, served through `responses` to real gspread and google-auth.

It answers in the shapes the real service does (see tests/fixtures/google-sheets-api and
tests/test_google_contract.py, which replays those recordings against it):
- `values:batchGet` / `values.get`: `valueRanges` in request order, ranges clipped to the grid and
  named like `Sheet1!A1:B2` or `'🌵 test 1'!A1:C2` (quoted only when needed), trailing empty cells
  and rows omitted, interior empty rows as `[]`, no `values` key for an empty range; numbers as JSON
  numbers, dates as serial numbers (or formatted strings), FORMATTED_VALUE as text.
- writes: RAW stores text as text (`=...` stays a string); USER_ENTERED turns `=...` into a formula
  and ISO dates into date-formatted serials; `""` clears a cell, null leaves it alone; anything
  outside the grid is a 400 "Range (...) exceeds grid limits. Max rows: R, max columns: C";
  a `values:batchUpdate` or a `batchUpdate` applies entirely or not at all.
- the spreadsheet `batchUpdate`: addSheet, deleteSheet, appendDimension, insertDimension,
  deleteDimension, updateSheetProperties (grid size, frozen rows and columns, title), repeatCell
  (formats through their fields mask, notes), updateDimensionProperties (column widths) and
  addConditionalFormatRule, each body checked against the API's schema and fields masks as the real
  service checks it (tests/fake_sheets_format.py): a request it would refuse is refused here too;
  and addChart, deleteEmbeddedObject (tests/fake_sheets_charts.py), checked likewise.
- the metadata: gridProperties with frozenRowCount / frozenColumnCount when not 0, and a tab's
  merges, conditionalFormats and charts when it has any (as the real service leaves defaults out).

Tests drive it directly too: seed tabs, look at cells and formats, count requests (`log`), run a
teammate's edit just before the n-th request of a kind (`before`), and inject faults (`fail`): before
the request is served, or after it was applied (`applied=True`: a write that reached Google whose answer
was lost to a timeout or a 5xx, as happens with the real service).
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import requests
import responses
from openpyxl.utils import column_index_from_string, get_column_letter

from tests import fake_sheets_charts as charts
from tests import fake_sheets_format as formats
from tests.fake_sheets_format import ApiError, Assignment, assign

BASE = "https://sheets.googleapis.com/v4/spreadsheets"
TOKEN_URL = "https://oauth2.googleapis.com/token"
EPOCH = dt.date(1899, 12, 30)
MAX_CELLS = 10_000_000
_ORDER = itertools.count()


@dataclass(frozen=True)
class Formula:
    text: str
    value: Any


__all__ = ["ApiError", "FakeSheetsAPI", "Formula", "Sheet", "Spreadsheet", "google_source", "seed_tables"]


def serial(day: dt.date | dt.datetime) -> int | float:
    if isinstance(day, dt.datetime):
        return (day - dt.datetime(1899, 12, 30)).total_seconds() / 86_400
    return (day - EPOCH).days


# --- A1 notation ------------------------------------------------------------------------------

_A1 = re.compile(r"^([A-Z]*)(\d*)$")


letter = get_column_letter  # 1 -> A
number = column_index_from_string  # A -> 1


def split_sheet(text: str) -> tuple[str | None, str]:
    """`'It''s'!A1:B2` -> ("It's", "A1:B2"); `Sheet1` -> ("Sheet1", ""); `A1:B2` -> (None, "A1:B2")."""
    if text.startswith("'"):
        end = 1
        while True:
            end = text.index("'", end)
            if text[end + 1 : end + 2] == "'":
                end += 2
                continue
            break
        name, rest = text[1:end].replace("''", "'"), text[end + 1 :]
        return name, rest.removeprefix("!")
    if "!" in text:
        name, rest = text.rsplit("!", 1)
        return name, rest
    return (None, text) if re.fullmatch(r"[A-Za-z]*\d*(:[A-Za-z]*\d*)?", text) and text else (text, "")


def needs_quotes(title: str) -> bool:
    return not re.fullmatch(r"[^\W\d]\w*", title) or bool(
        re.fullmatch(r"[A-Za-z]{1,3}\d+|R\d*C\d*", title, re.IGNORECASE)
    )


def range_name(title: str, r0: int, c0: int, r1: int, c1: int) -> str:
    name = "'" + title.replace("'", "''") + "'" if needs_quotes(title) else title
    cells = f"{letter(c0)}{r0}" if (r0, c0) == (r1, c1) else f"{letter(c0)}{r0}:{letter(c1)}{r1}"
    return f"{name}!{cells}"


# --- the state ----------------------------------------------------------------------------------


@dataclass
class Sheet:
    sheet_id: int
    title: str
    rows: int = 1000
    cols: int = 26
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col), 1-based
    # formats, in the order they were set, as the fields (paths in CellFormat) each set or cleared:
    # ranges (0-based, half-open, None unbounded) and single cells
    formats: list[tuple[int, int, int | None, int, int | None, tuple[Assignment, ...]]] = field(
        default_factory=list
    )
    cell_formats: dict[tuple[int, int], list[tuple[int, tuple[Assignment, ...]]]] = field(
        default_factory=dict
    )
    widths: dict[int, int] = field(default_factory=dict)  # 0-based column -> pixels
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col), 1-based
    conditional: list[dict] = field(default_factory=list)  # ConditionalFormatRules, in order
    frozen_rows: int = 0
    frozen_cols: int = 0
    merges: list[dict] = field(default_factory=list)  # GridRanges of merged cells (the team's)
    charts: list[dict] = field(default_factory=list)  # EmbeddedCharts anchored here (fake_sheets_charts.py)

    def clone(self) -> Sheet:
        """A copy whose containers can change without touching this one (values are immutable)."""
        return Sheet(
            self.sheet_id,
            self.title,
            self.rows,
            self.cols,
            dict(self.cells),
            list(self.formats),
            {k: list(v) for k, v in self.cell_formats.items()},
            dict(self.widths),
            dict(self.notes),
            list(self.conditional),
            self.frozen_rows,
            self.frozen_cols,
            list(self.merges),
            list(self.charts),
        )

    def add_format(self, r0: int, r1: int | None, c0: int, c1: int | None, fmt: dict) -> None:
        """Set the top-level fields of `fmt` (a CellFormat) over the range."""
        self.add_assignments(r0, r1, c0, c1, tuple(((key,), value) for key, value in fmt.items()))

    def add_assignments(
        self, r0: int, r1: int | None, c0: int, c1: int | None, assignments: tuple[Assignment, ...]
    ) -> None:
        if r1 == r0 + 1 and c1 == c0 + 1:
            self.cell_formats.setdefault((r0 + 1, c0 + 1), []).append((next(_ORDER), assignments))
        else:
            self.formats.append((next(_ORDER), r0, r1, c0, c1, assignments))

    # helpers for tests: a teammate's edits

    def value(self, row: int, col: int) -> Any:
        return self.cells.get((row, col))

    def set(self, row: int, col: int, value: Any) -> None:
        if value is None or value == "":
            self.cells.pop((row, col), None)
        else:
            self.cells[(row, col)] = value

    def last_row(self) -> int:
        return max((r for r, _ in self.cells), default=0)

    def width(self) -> int:
        return max((c for _, c in self.cells), default=0)

    def table(self) -> list[list[Any]]:
        """Every row down to the last one with a value; values as stored (formulas as Formula)."""
        width = self.width()
        return [[self.cells.get((r, c)) for c in range(1, width + 1)] for r in range(1, self.last_row() + 1)]

    def column(self, header: str) -> int:
        for c in range(1, self.width() + 1):
            if str(self.cells.get((1, c), "")).strip().casefold() == header.strip().casefold():
                return c
        raise KeyError(header)

    def sort(self, key: Callable[[list[Any]], Any], reverse: bool = False) -> None:
        """Sort rows 2.. (like Data > Sort range with a header row)."""
        rows = self.table()[1:]
        rows.sort(key=key, reverse=reverse)
        for r, c in [k for k in self.cells if k[0] >= 2]:
            del self.cells[(r, c)]
        for r, row in enumerate(rows, start=2):
            for c, v in enumerate(row, start=1):
                self.set(r, c, v)

    def insert_rows(self, at: int, count: int = 1) -> None:
        self._shift_rows(at, count)
        self.rows += count

    def delete_rows(self, at: int, count: int = 1) -> None:
        for r, c in [k for k in self.cells if at <= k[0] < at + count]:
            del self.cells[(r, c)]
        self._shift_rows(at + count, -count)
        self.rows -= count

    def insert_columns(self, at: int, count: int = 1) -> None:
        moved = {((r, c + count) if c >= at else (r, c)): v for (r, c), v in self.cells.items()}
        self.cells = moved
        self.notes = {((r, c + count) if c >= at else (r, c)): v for (r, c), v in self.notes.items()}
        self.cols += count

    def _shift_rows(self, start: int, by: int) -> None:
        self.cells = {((r + by, c) if r >= start else (r, c)): v for (r, c), v in self.cells.items()}
        self.notes = {
            ((r + by, c) if r >= start else (r, c)): v for (r, c), v in self.notes.items() if r + by >= 1
        }
        self.cell_formats = {
            ((r + by, c) if r >= start else (r, c)): v
            for (r, c), v in self.cell_formats.items()
            if r + by >= 1
        }
        shifted = []
        for order, r0, r1, c0, c1, fmt in self.formats:
            if r0 >= start - 1:
                r0 = max(0, r0 + by)
            if r1 is not None and r1 > start - 1:
                r1 = max(r0, r1 + by)
            shifted.append((order, r0, r1, c0, c1, fmt))
        self.formats = shifted

    def cell_format(self, row: int, col: int) -> dict:
        """The userEnteredFormat of a cell: each request that covered it set (or cleared) the fields
        its mask named, in the order they came."""
        rules = list(self.cell_formats.get((row, col), ()))
        for order, r0, r1, c0, c1, fmt in self.formats:
            if (
                r0 <= row - 1
                and (r1 is None or row - 1 < r1)
                and c0 <= col - 1
                and (c1 is None or col - 1 < c1)
            ):
                rules.append((order, fmt))
        out: dict = {}
        for _, assignments in sorted(rules, key=lambda rule: rule[0]):
            for path, value in assignments:
                assign(out, path, value)
        return out

    def note(self, row: int, col: int) -> str | None:
        return self.notes.get((row, col))

    def conditional_format(self, row: int, col: int) -> dict | None:
        """The format the first conditional rule matching the cell gives it (TEXT_EQ rules only)."""
        value = self.cells.get((row, col))
        for rule in self.conditional:
            condition = rule.get("booleanRule", {}).get("condition", {})
            covers = any(
                r.get("startRowIndex", 0) <= row - 1 < r.get("endRowIndex", self.rows)
                and r.get("startColumnIndex", 0) <= col - 1 < r.get("endColumnIndex", self.cols)
                for r in rule["ranges"]
            )
            if (
                covers
                and condition.get("type") == "TEXT_EQ"
                and str(value) == condition["values"][0]["userEnteredValue"]
            ):
                return rule["booleanRule"]["format"]
        return None

    def number_format(self, row: int, col: int) -> dict | None:
        return self.cell_format(row, col).get("numberFormat")

    def properties(self, index: int) -> dict:
        grid = {"rowCount": self.rows, "columnCount": self.cols}
        if self.frozen_rows:  # the service leaves out what is 0
            grid["frozenRowCount"] = self.frozen_rows
        if self.frozen_cols:
            grid["frozenColumnCount"] = self.frozen_cols
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }

    def resource(self, index: int) -> dict:
        """The Sheet as the metadata lists it."""
        out: dict = {"properties": self.properties(index)}
        if self.merges:
            out["merges"] = [{"sheetId": self.sheet_id, **m} for m in self.merges]
        if self.conditional:
            out["conditionalFormats"] = [dict(rule) for rule in self.conditional]
        if self.charts:
            out["charts"] = [dict(chart) for chart in self.charts]
        return out


@dataclass
class Spreadsheet:
    id: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)

    def sheet(self, title: str | None) -> Sheet:
        if title is None:
            return self.sheets[0]
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise ApiError(400, f"Unable to parse range: {title}")

    def by_id(self, sheet_id: int, where: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        raise ApiError(400, f"Invalid {where}: No grid with id: {sheet_id}")

    def __getitem__(self, title: str) -> Sheet:
        return self.sheet(title)


# --- the fake -----------------------------------------------------------------------------------


class FakeSheetsAPI:
    """The Sheets API v4 for the spreadsheets it holds. Register it on a `responses.RequestsMock`."""

    def __init__(self, token: str = "test"):
        self.token = token
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.log: list[str] = []  # the kind of every request served, faults included
        self.bodies: list[tuple[str, Any]] = []  # (kind, JSON body) of every write
        self.forbidden: set[str] = set()  # spreadsheet ids the caller may not open (403)
        self.read_only: set[str] = set()  # spreadsheet ids the caller may read but not write (403)
        self.next_sheet_ids: list[int] = []
        self._hooks: list[list] = []  # [kind, requests to go, fn]
        self._faults: list[list] = []  # [kind, times left, fault, applied]
        self._sheet_ids = iter(range(1_000_001, 2_000_000_000, 7919))

    # --- setting up -----------------------------------------------------------------------

    def create(
        self,
        id: str,
        title: str = "Partners",
        tabs: dict[str, list[list[Any]]] | None = None,
        rows: int = 1000,
        cols: int = 26,
    ) -> Spreadsheet:
        """A spreadsheet with `tabs` (title -> rows of Python values; dates become date-formatted serials)."""
        book = Spreadsheet(id, title)
        for name, values in (tabs or {"Sheet1": []}).items():
            sheet_id = 0 if not book.sheets else next(self._sheet_ids)
            width = max((len(r) for r in values), default=0)
            sheet = Sheet(sheet_id, name, max(rows, len(values)), max(cols, width))
            for r, row in enumerate(values, start=1):
                for c, value in enumerate(row, start=1):
                    if isinstance(value, dt.date):
                        pattern = "yyyy-mm-dd hh:mm" if isinstance(value, dt.datetime) else "yyyy-mm-dd"
                        sheet.add_format(
                            r - 1, r, c - 1, c, {"numberFormat": {"type": "DATE", "pattern": pattern}}
                        )
                        value = serial(value)
                    sheet.set(r, c, value)
            book.sheets.append(sheet)
        self.spreadsheets[id] = book
        return book

    def register(self, mock: responses.RequestsMock) -> FakeSheetsAPI:
        pattern = re.compile(re.escape(BASE) + r"/.*")
        for method in (responses.GET, responses.POST, responses.PUT):
            mock.add_callback(method, pattern, callback=self._handle)
        mock.add_callback(responses.POST, TOKEN_URL, callback=self._token)
        return self

    def before(self, kind: str, fn: Callable[[], None], nth: int = 1) -> None:
        """Run `fn` just before the `nth` next request of `kind` (e.g. "values:batchGet") is served."""
        self._hooks.append([kind, nth, fn])

    def fail(
        self, kind: str, fault: int | str | tuple | Exception = 429, times: int = 1, *, applied: bool = False
    ) -> None:
        """The next `times` requests of `kind` ("*": any) fail: an HTTP status, (status, message, STATUS),
        "timeout" or an exception. `applied`: the request is carried out first (a write lands), and
        only its answer is the fault."""
        self._faults.append([kind, times, fault, applied])

    def count(self, kind: str | None = None, since: int = 0) -> int:
        return sum(1 for k in self.log[since:] if kind is None or k == kind)

    # --- serving --------------------------------------------------------------------------

    def _token(self, request) -> tuple:
        self.log.append("token")
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"access_token": self.token, "expires_in": 3600, "token_type": "Bearer"}),
        )

    def _handle(self, request) -> tuple:
        url = urlsplit(request.url)
        path = url.path[len("/v4/spreadsheets/") :]
        params = parse_qs(url.query, keep_blank_values=True)
        body = json.loads(request.body) if request.body else None
        kind, spreadsheet_id, target = self._route(request.method, path)
        self.log.append(kind)
        for hook in list(self._hooks):
            if hook[0] == kind:
                hook[1] -= 1
                if hook[1] == 0:
                    self._hooks.remove(hook)
                    hook[2]()
        late = None
        for fault in self._faults:
            if fault[0] in (kind, "*") and fault[1] > 0:
                fault[1] -= 1
                if not fault[3]:
                    return self._fault(fault[2])
                late = fault[2]
                break
        try:
            if request.headers.get("Authorization") != f"Bearer {self.token}":
                raise ApiError(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
            book = self.spreadsheets.get(spreadsheet_id)
            if book is None:
                raise ApiError(404, "Requested entity was not found.", "NOT_FOUND")
            if spreadsheet_id in self.forbidden or (
                spreadsheet_id in self.read_only and request.method != "GET"
            ):
                raise ApiError(403, "The caller does not have permission", "PERMISSION_DENIED")
            if body is not None and kind in ("batchUpdate", "values:batchUpdate", "values.update"):
                self.bodies.append((kind, body))
            answer = getattr(self, "_" + kind.replace(":", "_").replace(".", "_"))(book, target, params, body)
        except ApiError as e:
            error = {"error": {"code": e.code, "message": e.message, "status": e.status}}
            return e.code, {"Content-Type": "application/json; charset=UTF-8"}, json.dumps(error)
        if late is not None:  # done, but the caller never hears so
            return self._fault(late)
        return (
            200,
            {"Content-Type": "application/json; charset=UTF-8"},
            json.dumps(answer, ensure_ascii=False),
        )

    @staticmethod
    def _route(method: str, path: str) -> tuple[str, str, str]:
        if "/values/" in path:
            spreadsheet_id, rest = path.split("/values/", 1)
            action = ""
            if re.search(r":(clear|append)$", rest):
                rest, action = rest.rsplit(":", 1)
            kind = {
                "": {"GET": "values.get", "PUT": "values.update"}.get(method, "?"),
                "clear": "values.clear",
                "append": "values.append",
            }[action]
            return kind, spreadsheet_id, unquote(rest)
        if path.endswith("/values:batchGet"):
            return "values:batchGet", path[: -len("/values:batchGet")], ""
        if path.endswith("/values:batchUpdate"):
            return "values:batchUpdate", path[: -len("/values:batchUpdate")], ""
        if path.endswith("/values:batchClear"):
            return "values:batchClear", path[: -len("/values:batchClear")], ""
        if path.endswith(":batchUpdate"):
            return "batchUpdate", path[: -len(":batchUpdate")], ""
        return "get", path, ""

    @staticmethod
    def _fault(fault: int | str | tuple | Exception) -> Any:
        if fault == "timeout":
            return requests.exceptions.ReadTimeout("Read timed out. (read timeout=60)")
        if isinstance(fault, Exception):
            return fault
        if isinstance(fault, tuple):  # (code, message, status): a particular error
            code, message, status = fault
            return (
                code,
                {"Content-Type": "application/json"},
                json.dumps({"error": {"code": code, "message": message, "status": status}}),
            )
        status = {
            429: "RESOURCE_EXHAUSTED",
            500: "INTERNAL",
            502: "UNAVAILABLE",
            503: "UNAVAILABLE",
            403: "PERMISSION_DENIED",
        }.get(fault, "UNKNOWN")
        message = {
            429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per "
            "user' of service 'sheets.googleapis.com'.",
            500: "Internal error encountered.",
            503: "The service is currently unavailable.",
        }.get(fault, "error")
        return (
            fault,
            {"Content-Type": "application/json"},
            json.dumps({"error": {"code": fault, "message": message, "status": status}}),
        )

    # --- endpoints ------------------------------------------------------------------------

    def _get(self, book: Spreadsheet, target, params, body) -> dict:
        return {
            "spreadsheetId": book.id,
            "properties": {
                "title": book.title,
                "locale": "en_US",
                "autoRecalc": "ON_CHANGE",
                "timeZone": "Etc/GMT",
            },
            "sheets": [s.resource(i) for i, s in enumerate(book.sheets)],
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.id}/edit",
        }

    def _values_batchGet(self, book: Spreadsheet, target, params, body) -> dict:
        ranges = [self._read(book, r, params) for r in params.get("ranges", [])]
        return {"spreadsheetId": book.id, "valueRanges": ranges}

    def _values_get(self, book: Spreadsheet, target, params, body) -> dict:
        return self._read(book, target, params)

    def _values_batchUpdate(self, book: Spreadsheet, target, params, body) -> dict:
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        planned = [
            self._plan_write(book, d["range"], d.get("values", []), d.get("majorDimension", "ROWS"))
            for d in body.get("data", [])
        ]
        answers = [self._apply(book, p, option) for p in planned]
        rows = {(a["_sheet"], r) for a in answers for r in a["_rows"]}
        cols = {(a["_sheet"], c) for a in answers for c in a["_cols"]}
        out = {
            "spreadsheetId": book.id,
            "totalUpdatedRows": len(rows),
            "totalUpdatedColumns": len(cols),
            "totalUpdatedCells": sum(a["updatedCells"] for a in answers),
            "totalUpdatedSheets": len({a["_sheet"] for a in answers}),
        }
        if answers:
            out["responses"] = [{k: v for k, v in a.items() if not k.startswith("_")} for a in answers]
        else:
            out["totalUpdatedRows"] = out["totalUpdatedColumns"] = out["totalUpdatedCells"] = 0
        return out

    def _values_update(self, book: Spreadsheet, target, params, body) -> dict:
        option = (params.get("valueInputOption") or [""])[0]
        if option not in ("RAW", "USER_ENTERED"):
            raise ApiError(400, "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED")
        answer = self._apply(
            book,
            self._plan_write(book, target, body.get("values", []), body.get("majorDimension", "ROWS")),
            option,
        )
        return {k: v for k, v in answer.items() if not k.startswith("_")}

    def _values_clear(self, book: Spreadsheet, target, params, body) -> dict:
        return {"spreadsheetId": book.id, "clearedRange": self._clear(book, target)}

    def _values_batchClear(self, book: Spreadsheet, target, params, body) -> dict:
        return {
            "spreadsheetId": book.id,
            "clearedRanges": [self._clear(book, r) for r in body.get("ranges", [])],
        }

    def _batchUpdate(self, book: Spreadsheet, target, params, body) -> dict:
        formats.check_body(body)  # the whole batch is parsed first: an unknown name fails all of it
        charts.check_body(body)
        work = Spreadsheet(book.id, book.title, [s.clone() for s in book.sheets])  # all or nothing
        replies = [self._change(work, i, request) for i, request in enumerate(body.get("requests", []))]
        if sum(s.rows * s.cols for s in work.sheets) > MAX_CELLS:
            raise ApiError(
                400,
                f"Invalid requests: This action would increase the number of cells in the workbook "
                f"above the limit of {MAX_CELLS} cells.",
            )
        originals = {s.sheet_id: s for s in book.sheets}
        for sheet in work.sheets:  # keep the Sheet objects tests hold
            if sheet.sheet_id in originals:
                originals[sheet.sheet_id].__dict__.update(sheet.__dict__)
        book.sheets = [originals.get(s.sheet_id, s) for s in work.sheets]
        return {"spreadsheetId": book.id, "replies": replies}

    # --- reading --------------------------------------------------------------------------

    def _box(self, book: Spreadsheet, text: str, writing: bool = False):
        title, cells = split_sheet(text)
        sheet = book.sheet(title)
        if cells:
            parts = cells.split(":")
            start, end = _A1.match(parts[0].upper()), _A1.match(parts[-1].upper())
            if start is None or end is None:
                raise ApiError(400, f"Unable to parse range: {text}")
            try:
                c0, r0 = number(start[1]) if start[1] else 1, int(start[2]) if start[2] else 1
                c1 = number(end[1]) if end[1] else (sheet.cols if len(parts) > 1 else c0)
            except ValueError:  # past column ZZZ: not A1 notation, and not a tab either
                raise ApiError(400, f"Unable to parse range: {text}") from None
            r1 = int(end[2]) if end[2] else (sheet.rows if len(parts) > 1 or not start[2] else r0)
            if len(parts) == 1 and not start[1]:  # "5": a whole row
                c0, c1 = 1, sheet.cols
            if len(parts) == 1 and not start[2]:  # "C": a whole column
                r0, r1 = 1, sheet.rows
        else:
            r0, c0, r1, c1 = 1, 1, sheet.rows, sheet.cols
        if r0 > sheet.rows or c0 > sheet.cols or (writing and (r1 > sheet.rows or c1 > sheet.cols)):
            raise ApiError(
                400,
                f"Range ({range_name(sheet.title, r0, c0, r1, c1)}) exceeds grid limits. "
                f"Max rows: {sheet.rows}, max columns: {sheet.cols}",
            )
        return sheet, r0, c0, min(r1, sheet.rows), min(c1, sheet.cols)

    def _read(self, book: Spreadsheet, text: str, params: dict) -> dict:
        sheet, r0, c0, r1, c1 = self._box(book, text)
        render = (params.get("valueRenderOption") or ["FORMATTED_VALUE"])[0]
        dates = (params.get("dateTimeRenderOption") or ["SERIAL_NUMBER"])[0]
        major = (params.get("majorDimension") or ["ROWS"])[0]
        # past the last row and column holding a value there is nothing but empties, which the
        # answer leaves out anyway (as Google does): the loops stop there, not at the grid's end
        rows = range(r0, min(r1, sheet.last_row()) + 1)
        cols = range(c0, min(c1, sheet.width()) + 1)
        outer, inner = (rows, cols) if major == "ROWS" else (cols, rows)
        lines = []
        for a in outer:
            line = []
            for b in inner:
                row, col = (a, b) if major == "ROWS" else (b, a)
                value = sheet.cells.get((row, col))
                if value is None:
                    line.append("")
                    continue
                as_date = render == "FORMATTED_VALUE" or dates == "FORMATTED_STRING"
                fmt = (
                    sheet.number_format(row, col)
                    if as_date and isinstance(value, (int, float, Formula))
                    else None
                )
                line.append(_render(value, fmt, render, dates))
            while line and line[-1] == "":
                line.pop()
            lines.append(line)
        while lines and not lines[-1]:
            lines.pop()
        answer = {"range": range_name(sheet.title, r0, c0, r1, c1), "majorDimension": major}
        if lines:
            answer["values"] = lines
        return answer

    # --- writing --------------------------------------------------------------------------

    def _plan_write(self, book: Spreadsheet, text: str, values: list, major: str):
        if major == "COLUMNS":
            width = max((len(v) for v in values), default=0)
            values = [[col[i] if i < len(col) else None for col in values] for i in range(width)]
        title, cells = split_sheet(text)
        sheet = book.sheet(title)
        height, width = len(values), max((len(v) for v in values), default=0)
        _, r0, c0, _, _ = self._box(book, text)
        explicit = ":" in cells
        if explicit:
            _, _, _, r1, c1 = self._box(book, text, writing=True)
            if height > r1 - r0 + 1 or width > c1 - c0 + 1:
                raise ApiError(
                    400,
                    f"Requested writing within range [{text}], but tried writing to row [{r0 + height - 1}]"
                    if height > r1 - r0 + 1
                    else f"Requested writing within range [{text}], but tried writing to column "
                    f"[{letter(c0 + width - 1)}]",
                )
        self._box(
            book,
            range_name(sheet.title, r0, c0, r0 + max(height, 1) - 1, c0 + max(width, 1) - 1),
            writing=True,
        )
        return sheet, r0, c0, values

    def _apply(self, book: Spreadsheet, planned, option: str) -> dict:
        sheet, r0, c0, values = planned
        count, rows, cols = 0, set(), set()
        for i, line in enumerate(values):
            for j, value in enumerate(line):
                if value is None:  # null: leave the cell alone
                    continue
                row, col = r0 + i, c0 + j
                count += 1
                rows.add(row)
                cols.add(col)
                if option == "USER_ENTERED":
                    value = _user_entered(sheet, row, col, value)
                elif isinstance(value, (list, dict)):
                    raise ApiError(400, f"Invalid values[{i}][{j}]: list_value")
                sheet.set(row, col, value)
        height, width = len(values), max((len(v) for v in values), default=0)
        return {
            "spreadsheetId": book.id,
            "updatedRange": range_name(sheet.title, r0, c0, r0 + max(height, 1) - 1, c0 + max(width, 1) - 1),
            "updatedRows": len(rows),
            "updatedColumns": len(cols),
            "updatedCells": count,
            "_sheet": sheet.title,
            "_rows": rows,
            "_cols": cols,
        }

    def _clear(self, book: Spreadsheet, text: str) -> str:
        sheet, r0, c0, r1, c1 = self._box(book, text)
        for key in [k for k in sheet.cells if r0 <= k[0] <= r1 and c0 <= k[1] <= c1]:
            del sheet.cells[key]
        return range_name(sheet.title, r0, c0, r1, c1)

    # --- the spreadsheet batchUpdate ------------------------------------------------------

    def _change(self, book: Spreadsheet, i: int, request: dict) -> dict:
        ((name, args),) = request.items()
        where = f"requests[{i}].{name}"
        if name == "addSheet":
            p = args.get("properties", {})
            title = p.get("title") or f"Sheet{len(book.sheets) + 1}"
            if any(s.title == title for s in book.sheets):
                raise ApiError(
                    400,
                    f'Invalid {where}: A sheet with the name "{title}" already exists. '
                    "Please enter another name.",
                )
            sheet_id = p.get("sheetId")
            if sheet_id is None:
                sheet_id = self.next_sheet_ids.pop(0) if self.next_sheet_ids else next(self._sheet_ids)
            if any(s.sheet_id == sheet_id for s in book.sheets):
                raise ApiError(400, f"Invalid {where}: Sheet with id {sheet_id} already exists.")
            grid = p.get("gridProperties", {})
            sheet = Sheet(sheet_id, title, grid.get("rowCount", 1000), grid.get("columnCount", 26))
            index = p.get("index", len(book.sheets))
            book.sheets.insert(index, sheet)
            return {"addSheet": {"properties": sheet.properties(book.sheets.index(sheet))}}
        if name == "deleteSheet":
            book.sheets.remove(book.by_id(args["sheetId"], where))
            return {}
        if name == "appendDimension":
            sheet = book.by_id(args["sheetId"], where)
            if args["dimension"] == "ROWS":
                sheet.rows += args["length"]
            else:
                sheet.cols += args["length"]
            return {}
        if name in ("insertDimension", "deleteDimension"):
            r = args["range"]
            sheet = book.by_id(r["sheetId"], where)
            count = r["endIndex"] - r["startIndex"]
            if r["dimension"] == "ROWS":
                (sheet.insert_rows if name == "insertDimension" else sheet.delete_rows)(
                    r["startIndex"] + 1, count
                )
            elif name == "insertDimension":
                sheet.insert_columns(r["startIndex"] + 1, count)
            else:
                raise ApiError(400, f"Invalid {where}: the fake deletes rows only")
            return {}
        if name in formats.HANDLERS:
            return formats.HANDLERS[name](book, args, where)
        if name in charts.HANDLERS:
            return charts.HANDLERS[name](book, args, where)
        raise ApiError(400, f"Invalid {where}: the fake does not know this request")


# --- values ---------------------------------------------------------------------------------------


def _json_number(value: float) -> int | float:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _render(value: Any, number_format: dict | None, render: str, dates: str) -> Any:
    if isinstance(value, Formula):
        if render == "FORMULA":
            return value.text
        value = value.value
    is_date = bool(number_format) and number_format.get("type") in ("DATE", "DATE_TIME")
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if render == "FORMATTED_VALUE" else value
    if isinstance(value, (int, float)):
        if is_date and (render == "FORMATTED_VALUE" or dates == "FORMATTED_STRING"):
            return _format_date(value, number_format.get("pattern", "yyyy-mm-dd"))
        if render == "FORMATTED_VALUE":
            return str(_json_number(value))
        return _json_number(value)
    return value


def _format_date(value: float, pattern: str) -> str:
    moment = dt.datetime(1899, 12, 30) + dt.timedelta(days=value)
    strf = pattern.replace("yyyy", "%Y").replace("dd", "%d").replace("hh", "%H")
    strf = re.sub(r"(?<=%H:)mm", "%M", strf).replace("mm", "%m")
    return moment.strftime(strf)


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _evaluate(text: str) -> Any:
    """Plain arithmetic (=4/2); anything else evaluates to an error value, as an unknown function would."""

    def walk(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left), walk(node.right))
        raise ValueError

    try:
        return _json_number(walk(ast.parse(text[1:], mode="eval").body))
    except (SyntaxError, ValueError, ZeroDivisionError):
        return "#ERROR!"


def _user_entered(sheet: Sheet, row: int, col: int, value: Any) -> Any:
    """What typing `value` into a cell makes of it."""
    if not isinstance(value, str):
        return value
    if value.startswith("="):
        return Formula(value, _evaluate(value))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        sheet.add_format(
            row - 1, row, col - 1, col, {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}
        )
        return serial(dt.date.fromisoformat(value))
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return _json_number(float(value))
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    return value


def seed_tables(tables: Iterable[tuple[str, tuple[str, ...], list[list[Any]]]]) -> dict[str, list[list[Any]]]:
    """Tabs for `FakeSheetsAPI.create` from (name, header, rows) as a source reads them."""
    return {name: [list(header), *rows] for name, header, rows in tables}


# --- wiring for tests ---------------------------------------------------------------------------


@contextmanager
def sample_sheets(
    folder, today: dt.date, *keys: str
) -> Iterator[tuple[FakeSheetsAPI, Any, responses.RequestsMock]]:
    """The English sample workbook as of `today`, written into `folder` and seeded into a fake API
    under each key: (api, its config, the active `responses` mock)."""
    from sheets_sync.config import load_config
    from tests.samples import copy_sample

    api = FakeSheetsAPI()
    config = load_config(copy_sample(folder, "en", today))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        api.register(mock)
        for key in keys:
            seed_from_workbook(api, key, config.source.path)
        yield api, config, mock


def seed_from_workbook(api: FakeSheetsAPI, key: str, path, title: str = "Partners") -> Spreadsheet:
    """A spreadsheet holding what an .xlsx holds, read with the xlsx source (dates become serials)."""
    from sheets_sync.sources.xlsx import XlsxSource
    from tests.books import sheet_names

    names = sheet_names(path)
    snapshot = XlsxSource(path).read(names)
    return api.create(key, title, {t.name: [list(t.header), *t.rows] for t in snapshot.tables.values()})


def google_source(api: FakeSheetsAPI, key: str, sleeps: list[float] | None = None, config=None):
    """A GoogleSource on the fake, opened (the metadata request), with sleeps recorded instead of slept;
    with `config`, the worker columns it creates get their look (as `open_source` makes it)."""
    from google.oauth2.credentials import Credentials

    from sheets_sync.sheet.look import Look
    from sheets_sync.sources.google.api import RetryPolicy
    from sheets_sync.sources.google.source import GoogleSource

    recorded = sleeps if sleeps is not None else []
    source = GoogleSource(
        key,
        Credentials(token=api.token),
        policy=RetryPolicy(sleep=recorded.append),
        look=Look.from_config(config) if config is not None else None,
    )
    source.connect()
    return source
