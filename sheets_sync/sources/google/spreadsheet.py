"""One Google spreadsheet's connection and metadata: opening it, its tabs' titles, sheetIds, grid
sizes, frozen rows and columns and merged cells, and requests whose failures come back as `SheetsSyncError`.
Reading and writing both go through it.

The metadata is kept current without requests of its own: reads note the grid sizes their answers
show, and the writer what its layout requests changed. A 400 drops it, so it is fetched again before
the next request (a tab may have been renamed or deleted meanwhile).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import gspread
import requests
from google.auth import exceptions as auth_errors
from google.auth.credentials import Credentials
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.http_client import ParamsType
from gspread.utils import DateTimeOption, Dimension, ValueRenderOption

from sheets_sync.errors import SheetsSyncError
from sheets_sync.sources.google.a1 import parse_range
from sheets_sync.sources.google.api import SheetsHTTPClient, translate

API_ERRORS = (APIError, requests.RequestException, auth_errors.GoogleAuthError)
_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass
class Sheet:
    title: str
    sheet_id: int
    rows: int
    cols: int
    frozen_rows: int = 0
    frozen_cols: int = 0
    # merged cells as (first row, last row, first column, last column), 0-based and half-open
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)


class Spreadsheet:
    """The spreadsheet `key`, opened as `credentials`; `sheets` is None until the metadata is in hand."""

    def __init__(self, key: str, credentials: Credentials, client: gspread.Client):
        self.key = key
        self.credentials = credentials
        self._client = client
        http = client.http_client
        assert isinstance(http, SheetsHTTPClient)  # GoogleSource makes the client with it
        self.http = http
        self.title = ""
        self.sheets: dict[str, Sheet] | None = None
        self.metadata_at = -float("inf")  # time.monotonic() of the last metadata fetched

    def open(self) -> None:
        try:
            spreadsheet = self._client.open_by_key(self.key)
        except (PermissionError, SpreadsheetNotFound) as e:  # gspread's wrappers of a 403 / 404
            raise translate(e.__cause__ or e, self.key, self.credentials, "open") from None
        except API_ERRORS as e:
            raise translate(e, self.key, self.credentials, "open") from e
        self.title = spreadsheet.title
        self._load(self.http.metadata or {})

    def refresh(self) -> None:
        metadata = self.api("open", self.http.fetch_sheet_metadata, self.key)
        self.title = metadata.get("properties", {}).get("title", self.title)
        self._load(metadata)

    def _load(self, metadata: Any) -> None:
        sheets = {}
        for sheet in metadata.get("sheets", []):
            p = sheet.get("properties", {})
            if p.get("sheetType", "GRID") != "GRID":  # charts and data-source sheets hold no cells
                continue
            grid = p.get("gridProperties", {})
            sheets[p["title"]] = Sheet(
                p["title"],
                p["sheetId"],
                grid.get("rowCount", 0),
                grid.get("columnCount", 0),
                grid.get("frozenRowCount", 0),  # left out when 0, as every other default
                grid.get("frozenColumnCount", 0),
                [
                    (
                        m.get("startRowIndex", 0),
                        m.get("endRowIndex", 0),
                        m.get("startColumnIndex", 0),
                        m.get("endColumnIndex", 0),
                    )
                    for m in sheet.get("merges", [])
                ],
            )
        self.sheets, self.metadata_at = sheets, time.monotonic()

    def ensure_metadata(self) -> dict[str, Sheet]:
        if self.sheets is None:
            if self.title:
                self.refresh()
            else:
                self.open()
        assert self.sheets is not None
        return self.sheets

    def find(self, name: str) -> str | None:
        """The title of the tab `name` names, matched ignoring case and surrounding spaces."""
        sheets = self.ensure_metadata()
        if name in sheets:
            return name
        key = name.strip().casefold()
        return next((t for t in sheets if t.strip().casefold() == key), None)

    def api(self, action: str, call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """One request, its failure translated; a 400 means the layout may have changed under us."""
        try:
            return call(*args, **kwargs)
        except API_ERRORS as e:
            raise self.translate(e, action) from e

    def translate(self, error: Exception, action: str) -> SheetsSyncError:
        if isinstance(error, APIError) and error.response.status_code == 400:
            self.sheets = None  # fetch the metadata again before the next request
        return translate(error, self.key, self.credentials, action)

    def get(
        self,
        ranges: list[str],
        major: Dimension,
        action: str,
        render: ValueRenderOption = ValueRenderOption.unformatted,
    ) -> dict[str, Any]:
        """One values:batchGet of `ranges`, dates as serial numbers."""
        params: ParamsType = {
            "valueRenderOption": render,
            "dateTimeRenderOption": DateTimeOption.serial_number,
            "majorDimension": major,
        }
        answer: dict[str, Any] = self.api(action, self.http.values_batch_get, self.key, ranges, params=params)
        return answer  # (the JSON object of a BatchGetValuesResponse)

    def note_grid(self, title: str, answered: str) -> None:
        """A whole-tab range comes back clipped to the grid: the grid's size now."""
        sheet = (self.sheets or {}).get(title)
        if sheet is not None and answered:
            box = parse_range(answered)
            sheet.rows, sheet.cols = box.row1, box.col1
