"""The Google Sheets API plumbing under GoogleSource: credentials, retries, errors (A1 notation: `a1`).

Nothing here knows about partners or tabs: it turns a config into a gspread client whose every
request has a timeout and a bounded, jittered retry, and turns what goes wrong into the
project's errors with a sentence a person can act on.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import google.auth
import requests
from google.auth import exceptions as auth_errors
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from google.oauth2.credentials import Credentials as UserCredentials
from gspread.exceptions import APIError, NoValidUrlKeyFound
from gspread.http_client import HTTPClient
from gspread.utils import extract_id_from_url

from sheets_sync.errors import ConfigError, SheetsSyncError, SourceError

logger = logging.getLogger(__name__)

# Read and write cells, nothing else: no Drive scope, so the worker cannot see any other file.
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
# What start-up needs from the spreadsheet's metadata; the rest (themes, formats) can be large.
METADATA_FIELDS = (
    "spreadsheetId,properties(title,locale,timeZone),"
    "sheets(properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount)))"
)
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
TRANSIENT_ERRORS = (requests.Timeout, requests.ConnectionError, auth_errors.TransportError)
RATE_LIMIT_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})


# --- opening ----------------------------------------------------------------------------------


def spreadsheet_key(text: str) -> str:
    """The spreadsheet's key from `source.spreadsheet`: the key itself or any URL that contains it."""
    text = text.strip()
    if "/" not in text:
        return text
    try:
        return extract_id_from_url(text)
    except NoValidUrlKeyFound:
        pass
    match = re.search(r"/d/([a-zA-Z0-9_-]{20,})", text)  # also .../spreadsheets/u/1/d/<key>/...
    if match:
        return match.group(1)
    raise ConfigError(
        f'source.spreadsheet: "{text}" is not a Google Sheets URL with a key in it. Use the sheet\'s '
        "address as the browser shows it (https://docs.google.com/spreadsheets/d/<key>/edit) or the key "
        "alone."
    )


def load_credentials(path: Path | None) -> Credentials:
    """`source.credentials`, else $GOOGLE_APPLICATION_CREDENTIALS, else application default credentials.

    Always scoped to the spreadsheets scope only.
    """
    where = "source.credentials"
    if path is None and os.environ.get(CREDENTIALS_ENV):
        path, where = Path(os.environ[CREDENTIALS_ENV]).expanduser(), f"${CREDENTIALS_ENV}"
    if path is None:
        try:
            credentials, _ = google.auth.default(scopes=SCOPES)
        except auth_errors.DefaultCredentialsError as e:
            raise ConfigError(
                "No Google credentials: set source.credentials in the config to the service account's JSON "
                f"key file (or set ${CREDENTIALS_ENV} to it). See the README's Google Sheets section for "
                f"how to create one. ({e})"
            ) from None
        return credentials
    try:
        info = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{where}: the Google key file {path} does not exist. Download the service account's JSON key "
            f"(Google Cloud console > IAM & Admin > Service accounts > Keys > Add key) and point {where} at "
            "it."
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"{where}: cannot read the Google key file {path} ({e}). Check its path and permissions."
        ) from None
    except ValueError as e:
        raise ConfigError(
            f"{where}: the Google key file {path} is not valid JSON ({e}). Download the key again."
        ) from None
    kind = info.get("type") if isinstance(info, dict) else None
    try:
        if kind == "service_account":  # (google-auth leaves these two constructors unannotated)
            account: Credentials = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
            return account
        if kind == "authorized_user":  # `gcloud auth application-default login` writes these
            user: Credentials = UserCredentials.from_authorized_user_info(info, scopes=SCOPES)
            return user
        problem = f'its "type" is {kind!r}'
    except (auth_errors.GoogleAuthError, ValueError, KeyError, TypeError) as e:
        problem = str(e)
    raise ConfigError(
        f"{where}: {path} is not a usable Google key file ({problem}). It should be a service account's JSON "
        'key, as downloaded from the Google Cloud console (its "type" is "service_account").'
    )


def account_email(credentials: Credentials | None) -> str:
    """The service account's email (`client_email`), '' when the credentials are not a service account's."""
    email = getattr(credentials, "service_account_email", "") or ""
    return email if "@" in email else ""


# --- requests: a timeout always, bounded jittered retries ----------------------------------------


@dataclass
class RetryPolicy:
    """At most `tries` tries per request, each with `timeout` seconds; sleeps are jittered exponential.

    The sleep after failed try n is uniform in [d/2, d] with d = min(cap, base * 2**(n-1)) seconds
    (a Retry-After header, when longer, wins up to `cap`). `stop` is set when the worker is
    stopping: the sleep ends at once and no further try starts (the request raises a transient
    SourceError), so a stop never waits out a backoff. `sleep` (default: `stop.wait`) and `random`
    are injectable so tests do not wait.
    """

    tries: int = 5
    timeout: float = 60.0
    connect_timeout: float = 10.0
    base: float = 2.0
    cap: float = 32.0
    stop: threading.Event = field(default_factory=threading.Event)
    sleep: Callable[[float], object] | None = None
    random: Callable[[], float] = field(default=random.random)

    def __post_init__(self) -> None:
        if self.sleep is None:
            self.sleep = self.stop.wait

    def delay(self, failed_try: int, retry_after: float | None = None) -> float:
        ceiling: float = min(self.cap, self.base * 2 ** (failed_try - 1))  # int ** int is typed Any
        delay = ceiling / 2 + self.random() * ceiling / 2
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.cap))
        return delay


class SheetsHTTPClient(HTTPClient):
    """gspread's HTTP client with a timeout on every request and a bounded retry.

    gspread's own BackOffHTTPClient is not used: in 6.2.1 it retries a lasting 429 forever, and
    the worker must give up after a few tries so that the next cycle starts from a fresh read.
    """

    policy: RetryPolicy
    metadata: Mapping[str, Any] | None

    def __init__(self, auth: Credentials, session: requests.Session | None = None) -> None:
        # google-auth's token refresh gets a timeout too (gspread's default session has none).
        super().__init__(auth, session or AuthorizedSession(auth, refresh_timeout=30))
        self.auth = auth
        self.policy = RetryPolicy()
        self.metadata = None
        self.requests_sent = 0
        self._one_try = False
        self.set_timeout((self.policy.connect_timeout, self.policy.timeout))

    def use(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.set_timeout((policy.connect_timeout, policy.timeout))

    @contextmanager
    def one_try(self) -> Iterator[None]:
        """Requests made inside get a single try: their caller retries them itself, re-planned.

        For the values write: a retry seconds later with the same positional body would put values
        on rows the team has sorted or inserted meanwhile (see `GoogleSource.write`).
        """
        self._one_try = True
        try:
            yield
        finally:
            self._one_try = False

    def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> requests.Response:
        tries = 1 if self._one_try else self.policy.tries
        for attempt in range(1, tries + 1):
            self.check_stop(method, endpoint, attempt)
            self.requests_sent += 1
            try:
                return super().request(method, endpoint, *args, **kwargs)
            except (APIError, *TRANSIENT_ERRORS) as e:
                if attempt == tries or not is_transient(e):
                    raise
                self.back_off(method, endpoint, e, attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def check_stop(self, method: str, endpoint: str, attempt: int) -> None:
        """Before try `attempt` of a request: a transient SourceError if the worker is stopping.
        A request on the wire is let finish; none starts after a stop."""
        if self.policy.stop.is_set():
            raise _stopping(method, endpoint, attempt, self.policy.tries)

    def back_off(self, method: str, endpoint: str, error: Exception, attempt: int) -> None:
        """After failed try `attempt` of a request (a transient `error`): log, then sleep the
        jittered backoff (cut short by a stop)."""
        policy = self.policy
        if isinstance(error, APIError):
            why = f"{error.code} {error.error.get('status', '')}".strip()
            retry_after = _retry_after(error.response)
        else:
            why, retry_after = type(error).__name__, None
        delay = policy.delay(attempt, retry_after)
        logger.warning(
            "Google Sheets %s %s: %s; retrying in %.1f s (try %d of %d)",
            method.upper(),
            _endpoint_name(endpoint),
            why,
            delay,
            attempt + 1,
            policy.tries,
        )
        assert policy.sleep is not None  # set by __post_init__
        policy.sleep(delay)

    def fetch_sheet_metadata(self, id: str, params: Any = None) -> Mapping[str, Any]:
        # gspread's Spreadsheet keeps only the properties of this answer; the source needs the
        # sheets too, so it is kept here rather than fetched a second time.
        self.metadata = super().fetch_sheet_metadata(
            id, params or {"includeGridData": "false", "fields": METADATA_FIELDS}
        )
        return self.metadata


def _stopping(method: str, endpoint: str, attempt: int, tries: int) -> SourceError:
    """The cycle gives up, as after its last try: nothing more is written, the next start reads afresh."""
    request = f"{method.upper()} {_endpoint_name(endpoint)}"
    if attempt > 1:
        done = f"gave up retrying {request} ({attempt - 1} of {tries} tries failed)"
    else:
        done = f"did not send {request}"
    return SourceError(
        f"Stopping: Google Sheets {done}; this cycle writes nothing more, the next one starts afresh.",
        transient=True,
    )


def is_transient(error: Exception) -> bool:
    """Worth another try: a 429 or 5xx (or a rate-limit 403), a timeout or a lost connection."""
    if isinstance(error, APIError):
        return is_retryable(error)
    return isinstance(error, TRANSIENT_ERRORS)


def is_retryable(error: APIError) -> bool:
    if error.response.status_code in RETRY_STATUSES:
        return True
    return error.response.status_code == HTTPStatus.FORBIDDEN and bool(RATE_LIMIT_REASONS & _reasons(error))


def _reasons(error: APIError) -> set[str]:
    reasons = {e.get("reason", "") for e in error.error.get("errors", []) if isinstance(e, dict)}
    reasons |= {d.get("reason", "") for d in error.error.get("details", []) if isinstance(d, dict)}
    return reasons


def _retry_after(response: requests.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


def _endpoint_name(endpoint: str) -> str:
    """`values:batchGet` rather than the whole URL (which holds the key and every range)."""
    tail = endpoint.split("/spreadsheets/", 1)[-1]
    match = re.search(r"(values:\w+|:batchUpdate|/values/)", tail)
    return match.group(1).lstrip(":/") if match else "spreadsheets.get"


# --- errors -------------------------------------------------------------------------------------


def translate(
    error: BaseException, key: str, credentials: Credentials | None, action: str
) -> SheetsSyncError:
    """What went wrong, for a person: ConfigError when the setup must change, else SourceError.

    `action` says what was being done ("open", "read", "write") for the message.
    """
    email = account_email(credentials)
    who = f"the service account {email}" if email else "the Google account sheets-sync runs as"
    share = (
        f"Open the sheet in Google Sheets, click Share, add {email or 'that account'} as Editor (untick "
        '"Notify people"), and run `sheets-sync check` again.'
    )
    if isinstance(error, auth_errors.RefreshError):
        return ConfigError(
            f"Google refused the credentials of {who} ({_short(error)}). The key may have been deleted or "
            "disabled: create a new JSON key for the service account and point source.credentials at it."
        )
    if isinstance(error, (requests.Timeout, requests.ConnectionError, auth_errors.TransportError)):
        return SourceError(
            f"Cannot reach Google Sheets to {action} the spreadsheet ({type(error).__name__}) after "
            "several tries; nothing written, will retry next cycle.",
            transient=True,
        )
    if not isinstance(error, APIError):
        return SourceError(f"Google Sheets: cannot {action} the spreadsheet: {type(error).__name__}: {error}")
    code, message = error.response.status_code, error.error.get("message", "")
    if code == HTTPStatus.FORBIDDEN and (
        "SERVICE_DISABLED" in _reasons(error) or "has not been used" in message
    ):
        return ConfigError(
            "The Google Sheets API is not enabled in the service account's Google Cloud project. Enable it "
            f"(APIs & Services > Library > Google Sheets API > Enable) and try again. Google said: {message}"
        )
    if code == HTTPStatus.FORBIDDEN:
        writing = " for writing" if action == "write" else ""
        return ConfigError(
            f"{who.capitalize()} has no access{writing} to the spreadsheet {key} "
            f"(Google said: {message or 'permission denied'}). {share}"
        )
    if code == HTTPStatus.NOT_FOUND:
        return ConfigError(
            f"No spreadsheet with the key {key} is visible to {who}: either source.spreadsheet is wrong "
            "(the key is the part of the sheet's URL between /d/ and /edit) or the sheet is not shared "
            f"with it. {share}"
        )
    if code == HTTPStatus.UNAUTHORIZED:
        return ConfigError(f"Google rejected the credentials of {who} ({message}). Check source.credentials.")
    if code in RETRY_STATUSES or is_retryable(error):
        return SourceError(
            f"Google Sheets kept answering {code} {error.error.get('status', '')} ({message}) to {action} "
            "the spreadsheet, after several tries; nothing written, will retry next cycle.",
            transient=True,
        )
    return SourceError(f"Google Sheets refused to {action} the spreadsheet: {code} {message}", transient=True)


def _short(error: Exception) -> str:
    text = str(error.args[0] if error.args else error)
    return text[:200]
