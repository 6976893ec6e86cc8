"""Connecting to the Campaign Monitor emulator with OAuth: the browser flow through the loopback
redirect, the tokens in the keyring (renewed ones too), the client chosen, the sync service's client
signed in with them."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from ctctdesk.app import campaign_monitor_service
from ctctdesk.cmon.connection import CmonConnection, CmonSettings
from ctctdesk.ctct.errors import AuthorizationFailed
from tests.support.clocks import client_clock
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


def browser(url: str) -> None:
    """The person's browser: the emulator's sign-in page approves at once and redirects to ctctdesk."""
    threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 10}, daemon=True).start()


def connection_for(server, tmp_path, clock) -> CmonConnection:
    settings = CmonSettings.for_sandbox(server.base_url, oauth_client_id="office-app", redirect_port=0)
    return CmonConnection(tmp_path, settings=settings, clock=clock, service_factory=campaign_monitor_service)


def test_sign_in_in_the_browser_then_the_tokens_renew_into_the_keyring(cmon_sandbox, keys, tmp_path):
    clock = client_clock(cmon_sandbox)
    connection = connection_for(cmon_sandbox, tmp_path, clock)

    tokens = connection.sign_in_browser(browser, client_secret="office-secret", timeout=20)
    assert not keys.entries  # nothing kept before the client is chosen
    status = connection.connect_with(tokens)

    assert status.connected and status.client_name == "Demo Office"
    stored = json.loads(next(iter(keys.entries.values())))
    assert stored["token_type"] == "Bearer" and stored["refresh_token"]
    state = (tmp_path / "campaign-monitor-state.json").read_text()
    assert "oauth" in state and stored["access_token"] not in state
    assert "office-secret" not in "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())

    clock.advance(15 * 24 * 3600)  # past the token's two weeks: the next call renews it
    assert connection.client().account_summary().encoded_account_id.endswith(status.client_id)
    renewed = json.loads(next(iter(keys.entries.values())))
    assert renewed["access_token"] != stored["access_token"]  # the renewal went to the keyring first


def test_a_denied_sign_in_is_said_and_nothing_is_kept(cmon_sandbox, keys, tmp_path):
    connection = connection_for(cmon_sandbox, tmp_path, client_clock(cmon_sandbox))
    requests.post(f"{cmon_sandbox.base_url}/_sandbox/oauth/deny_next", json={}, timeout=5)
    with pytest.raises(AuthorizationFailed):
        connection.sign_in_browser(browser, client_secret="office-secret", timeout=20)
    assert not keys.entries


def test_connect_with_oauth_from_the_command_line(cmon_sandbox, keys, tmp_path, monkeypatch, capsys):
    from ctctdesk.cli import main

    monkeypatch.setattr("webbrowser.open", browser)
    monkeypatch.setenv("DISPLAY", ":0")  # a desktop: the command opens the browser itself
    monkeypatch.setenv("CTCTDESK_CM_CLIENT_SECRET", "office-secret")
    (tmp_path / "campaign-monitor.json").write_text(json.dumps({"redirect_port": 0}))
    common = ["--data-dir", str(tmp_path), "--sandbox", cmon_sandbox.base_url]

    assert main(["connect", "--service", "campaign-monitor", "--oauth", "--oauth-client-id", "office-app",
                 "--timeout", "20", "--no-activation", *common]) == 0
    out = capsys.readouterr().out
    assert "/oauth?type=web_server&client_id=office-app" in out
    assert "Connected to Campaign Monitor." in out and "Client: Demo Office" in out
    assert "office-secret" not in out
