"""A Google Sheet, through gspread and google-auth, in a fixed number of requests per cycle: the
`Source` the worker uses. It reads here; `google_sheet` holds the connection and the metadata,
`google_write` the writing.

Requests, whatever the sheet's size:
- start-up: the spreadsheet's metadata, once (tab titles, sheetIds, grid sizes). Each cycle's
  reads return their ranges clipped to the grid, which keeps the grid sizes current for free.
- every cycle: one `values:batchGet` of every tab (UNFORMATTED_VALUE, SERIAL_NUMBER dates).
- when something must be written: the two or three requests `google_write` describes (the look of
  the worker columns it creates goes into the layout request it sends anyway: see `look.py`).

`fingerprint()` cannot know whether the sheet changed without a request (the Drive API's
modifiedTime needs the Drive scope, which the worker does not ask for), so it returns a new
number every time: every poll re-reads, and the read is the one request of an unchanged cycle.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time

import gspread
import requests
from google.auth.credentials import Credentials
from gspread.utils import Dimension

from sheets_sync.config import SourceConfig
from sheets_sync.errors import SourceError
from sheets_sync.model import Changes
from sheets_sync.sheet.look import Look
from sheets_sync.sources import Snapshot, Table
from sheets_sync.sources.google.a1 import quote_title
from sheets_sync.sources.google.api import (
    RetryPolicy,
    SheetsHTTPClient,
    account_email,
    load_credentials,
    spreadsheet_key,
)
from sheets_sync.sources.google.spreadsheet import Spreadsheet
from sheets_sync.sources.google.values import table as make_table
from sheets_sync.sources.google.write import SheetWriter

logger = logging.getLogger(__name__)

METADATA_REFRESH_SECONDS = 300  # a tab asked for but unknown: look again, at most this often


class GoogleSource:
    """A Google Sheet by key or URL. See `sheets_sync.sources.Source` for the contract. `look`
    (`Look.from_config(config)`): how the worker columns it creates look; None leaves them plain."""

    def __init__(
        self,
        spreadsheet: str,
        credentials: Credentials,
        *,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        look: Look | None = None,
    ):
        self.key = spreadsheet_key(spreadsheet)
        self.credentials = credentials
        client = gspread.Client(credentials, session=session, http_client=SheetsHTTPClient)
        self._spreadsheet = Spreadsheet(self.key, credentials, client)
        if policy is not None:
            self._spreadsheet.http.use(policy)
        self._writer = SheetWriter(self._spreadsheet, look)
        self._versions = itertools.count(1)

    @classmethod
    def from_config(
        cls, source: SourceConfig, *, stop: threading.Event | None = None, look: Look | None = None
    ) -> GoogleSource:
        """`stop`: the worker's stop event; once it is set, retries give up and no request starts."""
        policy = RetryPolicy(stop=stop) if stop is not None else None
        return cls(source.spreadsheet, load_credentials(source.credentials), policy=policy, look=look)

    def __repr__(self) -> str:
        return f"GoogleSource({self.key!r})"

    @property
    def look(self) -> Look | None:
        return self._writer.look

    @property
    def requests_sent(self) -> int:
        """HTTP requests made so far, retries included (for tests and the benchmark)."""
        return self._spreadsheet.http.requests_sent

    # --- metadata ---------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the spreadsheet and fetch its metadata: the one start-up request.

        Raises ConfigError for what the team must fix (key file, sharing, API not enabled). A
        network failure is only logged: the first cycle tries again (and `run` keeps going).
        """
        try:
            self._spreadsheet.open()
        except SourceError as exc:
            if not exc.transient:
                raise
            logger.warning("%s", exc)

    def describe(self) -> str:
        """One line for `check`: which sheet, as whom, which tabs."""
        sheets = self._spreadsheet.ensure_metadata()
        tabs = ", ".join(f"{s.title} ({s.rows}x{s.cols})" for s in sheets.values())
        who = account_email(self.credentials) or "the Google account of the application default credentials"
        return f'Google Sheet "{self._spreadsheet.title}" ({self.key}), opened as {who}. Tabs: {tabs}.'

    def row_url(self, tab_name: str, row: int) -> str | None:
        """A link that opens the sheet on `row` of `tab_name` (for the digest), from the metadata in hand."""
        sheets = self._spreadsheet.sheets
        if sheets is None:  # no metadata in hand: no request for a link
            return None
        title = self._spreadsheet.find(tab_name)
        if title is None:
            return None
        gid = sheets[title].sheet_id
        return f"https://docs.google.com/spreadsheets/d/{self.key}/edit#gid={gid}&range=A{row}"

    # --- reading ----------------------------------------------------------------------------

    def fingerprint(self) -> int:
        """A new number every call: a Google Sheet cannot be checked for changes without a request."""
        return next(self._versions)

    def read(self, tab_names: list[str]) -> Snapshot:
        """Every named tab that exists (matched ignoring case and spaces), in one values:batchGet."""
        spreadsheet = self._spreadsheet
        titles = self._titles(tab_names)
        if (
            len(titles) < len(dict.fromkeys(tab_names))
            and time.monotonic() - spreadsheet.metadata_at > METADATA_REFRESH_SECONDS
        ):
            spreadsheet.refresh()  # a tab may have been added or renamed since start-up
            titles = self._titles(tab_names)
        try:
            answer = (
                spreadsheet.get([quote_title(t) for t in titles], Dimension.rows, "read") if titles else {}
            )
        except SourceError:
            if spreadsheet.sheets is not None:
                raise
            titles = self._titles(tab_names)  # a 400: a tab renamed or deleted since start-up; once more
            answer = (
                spreadsheet.get([quote_title(t) for t in titles], Dimension.rows, "read") if titles else {}
            )
        tables: dict[str, Table] = {}
        for title, value_range in zip(titles, answer.get("valueRanges", []), strict=False):
            spreadsheet.note_grid(title, value_range.get("range", ""))
            tables[title] = make_table(title, value_range.get("values", []))
        return Snapshot(tables=tables, version=self.fingerprint())

    def _titles(self, tab_names: list[str]) -> list[str]:
        found = (self._spreadsheet.find(name) for name in tab_names)
        return list(dict.fromkeys(t for t in found if t is not None))

    # --- writing ----------------------------------------------------------------------------

    def write(self, snapshot: Snapshot, changes: Changes) -> int:
        """Write `changes` as `google_write` describes (see `SheetWriter.write`); the new fingerprint."""
        if not changes.is_empty():
            self._writer.write(snapshot, changes)
        return self.fingerprint()
