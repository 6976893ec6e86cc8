"""After connect → refresh → disconnect, no token, code or verifier is anywhere but the keyring (C3)."""

import logging
import threading

import pytest
import requests

from ctctdesk.cli import main
from ctctdesk.commands import connection_commands
from ctctdesk.crm.db import DATABASE_FILE_NAME, close_database, database_url_for, open_database
from ctctdesk.ctct import oauth as oauth_module
from ctctdesk.ctct.endpoints import ConnectionSettings, save_settings, settings_path
from ctctdesk.ctct.redaction import install_redaction
from tests.support.clocks import opened_connections_on_fake_clock  # noqa: F401
from tests.support.ctct_browser import approve_in_browser
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401


@pytest.fixture
def debug_log_file(tmp_path):
    """Everything at DEBUG (urllib3 included) into a file, through the redaction filter, as the app logs."""
    path = tmp_path / "logs" / "ctctdesk.log"
    path.parent.mkdir()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install_redaction(root)
    yield path
    root.removeHandler(handler)
    root.setLevel(old_level)
    handler.close()


@pytest.mark.usefixtures("opened_connections_on_fake_clock")
def test_no_secret_outside_the_keyring_after_a_full_cycle(sandbox, tmp_path, memory_keyring,  # noqa: F811
                                                          monkeypatch, capsys, caplog, debug_log_file):
    caplog.set_level(logging.DEBUG)
    data_dir = tmp_path / "data"
    open_database(database_url_for(data_dir))  # the CRM database lives in the same folder
    close_database()
    secrets_seen: set[str] = set()

    def remember_keyring():
        for value in memory_keyring.entries.values():
            import json

            stored = json.loads(value)
            secrets_seen.update(v for v in (stored["access_token"], stored["refresh_token"]) if v)

    # spy on the PKCE verifier and state, and play the browser when the command "opens" it
    original_prepare = oauth_module.OAuthClient.prepare_browser_authorization

    def spying_prepare(self, redirect_uri=None):
        authorization = original_prepare(self, redirect_uri)
        secrets_seen.add(authorization.code_verifier)  # the state is public by design (it is in the URL)
        return authorization

    browser_answers = []

    def fake_open(url):
        thread = threading.Thread(target=lambda: browser_answers.append(approve_in_browser(url)))
        thread.start()
        return True

    monkeypatch.setattr(oauth_module.OAuthClient, "prepare_browser_authorization", spying_prepare)
    monkeypatch.setattr(connection_commands, "_has_display", lambda: True)
    monkeypatch.setattr("webbrowser.open", fake_open)
    save_settings(settings_path(data_dir), ConnectionSettings(redirect_port=0))  # any free loopback port

    common = ["--data-dir", str(data_dir), "--sandbox", sandbox.base_url]
    assert main(["connect", *common, "--timeout", "30"]) == 0
    remember_keyring()
    code = browser_answers[0].url.split("code=")[1].split("&")[0]
    secrets_seen.add(code)

    # a day later the access token has expired: status refreshes it (rotation)
    requests.post(f"{sandbox.base_url}/_sandbox/clock", json={"advance_seconds": 86_400 + 60}, timeout=10)
    assert main(["status", *common]) == 0
    remember_keyring()
    assert len(secrets_seen) == 6  # 2 access + 2 refresh tokens, code, verifier

    assert main(["disconnect", "--yes", *common]) == 0
    assert memory_keyring.entries == {}

    output = capsys.readouterr()
    places = {"stdout": output.out, "stderr": output.err, "captured log": caplog.text,
              "log file": debug_log_file.read_text(encoding="utf-8")}
    for path in data_dir.rglob("*"):
        if path.is_file():
            places[path.name] = path.read_bytes().decode("utf-8", errors="replace")
    assert DATABASE_FILE_NAME in places
    assert "Connected to Constant Contact" in output.out and places["log file"]
    for place, text in places.items():
        for secret in secrets_seen:
            assert secret not in text, f"a secret leaked into {place}"
