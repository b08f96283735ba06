"""Opening a Google Sheet: which credentials, which scope, and a clear paragraph for each setup mistake."""

import base64
import datetime as dt
import json
import threading
from urllib.parse import parse_qs

import google.auth
import pytest
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.exceptions import DefaultCredentialsError
from google.oauth2.credentials import Credentials

from sheets_sync import cli
from sheets_sync.config import load_config
from sheets_sync.errors import ConfigError, SourceError
from sheets_sync.sources.google.api import SCOPES, load_credentials, spreadsheet_key
from tests.fake_sheets import TOKEN_URL, FakeSheetsAPI, seed_from_workbook
from tests.samples import copy_sample

TODAY = dt.date(2026, 11, 26)
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
EMAIL = "sheets-sync@partners-demo.iam.gserviceaccount.com"
SHARE_CONFIG = """\
source:
  kind: google
  spreadsheet: {spreadsheet}
  credentials: {credentials}
timezone: Europe/Berlin
"""


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def key_file(tmp_path, private_key):
    path = tmp_path / "service-account.json"
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "partners-demo",
                "private_key_id": "0123abcd",
                "private_key": private_key,
                "client_email": EMAIL,
                "client_id": "1234567890",
                "token_uri": TOKEN_URL,
            }
        )
    )
    return path


@pytest.fixture
def api(tmp_path, monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    fake = FakeSheetsAPI(token="ya29.service-account-token")
    sample = load_config(copy_sample(tmp_path / "sample", "en", TODAY))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake.register(mock)
        seed_from_workbook(fake, KEY, sample.source.path, title="Partners 2026")
        fake.mock = mock
        yield fake


def write_config(tmp_path, credentials="service-account.json", spreadsheet=URL):
    path = tmp_path / "config.yaml"
    path.write_text(SHARE_CONFIG.format(spreadsheet=spreadsheet, credentials=credentials))
    return path


def run_cli(capsys, config_path, *command):
    code = cli.main(["-c", str(config_path), *command])
    out, err = capsys.readouterr()
    return code, out, err


def jwt_claims(assertion: str) -> dict:
    payload = assertion.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_check_with_a_service_account_key_confirms_the_setup(api, key_file, tmp_path, capsys):
    code, out, err = run_cli(capsys, write_config(tmp_path), "check")
    assert code == 0, err
    assert f'Google Sheet "Partners 2026" ({KEY}), opened as {EMAIL}' in out
    assert "OK: 30 partners" in out
    assert api.log == ["token", "get", "values:batchGet"]
    token_call = next(c for c in api.mock.calls if c.request.url == TOKEN_URL)
    body = token_call.request.body
    claims = jwt_claims(parse_qs(body.decode() if isinstance(body, bytes) else body)["assertion"][0])
    assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets"  # no Drive
    assert claims["iss"] == EMAIL


def test_once_fills_the_sheet(api, key_file, tmp_path, capsys):
    code, _out, err = run_cli(capsys, write_config(tmp_path), "once", "--today", "2026-11-26")
    assert code == 0, err
    partners = api.spreadsheets[KEY]["Partners"]
    assert partners.value(2, partners.column("Touch status"))


def test_a_missing_key_file_is_a_clear_configuration_error(api, tmp_path, capsys):
    code, _out, err = run_cli(capsys, write_config(tmp_path, credentials="nowhere.json"), "check")
    assert code == 2
    assert "nowhere.json does not exist" in err and "source.credentials" in err
    assert api.log == []


def test_a_key_file_that_is_not_json_or_not_a_key(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigError, match="not valid JSON"):
        load_credentials(bad)
    bad.write_text(json.dumps({"type": "something_else"}))
    with pytest.raises(ConfigError, match="not a usable Google key file"):
        load_credentials(bad)


def test_the_sheet_not_shared_with_the_service_account_names_its_email(api, key_file, tmp_path, capsys):
    api.forbidden.add(KEY)
    code, _out, err = run_cli(capsys, write_config(tmp_path), "check")
    assert code == 2
    assert EMAIL in err and "Share" in err and "Editor" in err
    assert err.count("\n") <= 2  # one paragraph


def test_a_wrong_key_says_where_the_key_is_and_whom_to_share_with(api, key_file, tmp_path, capsys):
    code, _out, err = run_cli(capsys, write_config(tmp_path, spreadsheet="1wrongKey"), "check")
    assert code == 2
    assert "1wrongKey" in err and "/d/" in err and EMAIL in err


def test_a_sheet_shared_read_only_fails_at_the_first_write_naming_the_account(
    api, key_file, tmp_path, capsys
):
    api.read_only.add(KEY)
    code, _out, err = run_cli(capsys, write_config(tmp_path), "once", "--today", "2026-11-26")
    assert code == 2
    assert EMAIL in err and "Editor" in err and "writing" in err


def test_the_sheets_api_not_enabled(api, key_file, tmp_path, capsys):
    api.fail(
        "get",
        (
            403,
            "Google Sheets API has not been used in project 123 before or it is disabled.",
            "PERMISSION_DENIED",
        ),
    )
    code, _out, err = run_cli(capsys, write_config(tmp_path), "check")
    assert code == 2 and "Enable" in err and "Google Sheets API" in err


def test_google_application_credentials_is_the_fallback(api, key_file, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    code, out, err = run_cli(capsys, write_config(tmp_path, credentials='""'), "check")
    assert code == 0, err
    assert EMAIL in out
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "gone.json"))
    with pytest.raises(
        ConfigError, match=r"\$GOOGLE_APPLICATION_CREDENTIALS: the Google key file .*gone.json"
    ):
        load_credentials(None)


def test_application_default_credentials_come_last_with_the_same_scope(monkeypatch):
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    asked = {}

    def default(scopes=None, **kwargs):
        asked["scopes"] = scopes
        return Credentials(token="adc"), "project"

    monkeypatch.setattr(google.auth, "default", default)
    assert load_credentials(None).token == "adc"
    assert tuple(asked["scopes"]) == SCOPES == ("https://www.googleapis.com/auth/spreadsheets",)

    def nothing(scopes=None, **kwargs):
        raise DefaultCredentialsError("Your default credentials were not found.")

    monkeypatch.setattr(google.auth, "default", nothing)
    with pytest.raises(ConfigError, match="No Google credentials: set source.credentials"):
        load_credentials(None)


@pytest.mark.parametrize(
    "text",
    [
        KEY,
        URL,
        f"https://docs.google.com/spreadsheets/d/{KEY}",
        f"  {KEY}  ",
        f"https://docs.google.com/spreadsheets/u/1/d/{KEY}/edit?usp=sharing",
    ],
)
def test_the_spreadsheet_by_key_or_url(text):
    assert spreadsheet_key(text) == KEY


def test_a_url_without_a_key():
    with pytest.raises(ConfigError, match="not a Google Sheets URL"):
        spreadsheet_key("https://example.com/some/page")


def test_the_worker_s_stop_event_reaches_the_google_source(api, key_file, tmp_path):
    stop = threading.Event()
    source = cli.open_source(load_config(write_config(tmp_path)), stop=stop)  # as `run` opens it
    stop.set()
    with pytest.raises(SourceError) as stopped:
        source.read(["Partners"])
    assert str(stopped.value).startswith("Stopping: Google Sheets did not send GET values:batchGet")
    assert stopped.value.transient and api.log == ["token", "get"]
