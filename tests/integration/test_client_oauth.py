"""Connecting to the sandbox: both flows end to end, refusals, refresh rotation, revocation, disconnect."""

import dataclasses
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.ctct.errors import AuthorizationCancelled, AuthorizationFailed, AuthRevoked
from ctctdesk.ctct.oauth import OAuthClient
from ctctdesk.ctct.tokens import TokenStore
from tests.support.ctct_browser import approve_device, approve_in_browser
from tests.support.ctct_fixtures import (  # noqa: F401
    connect_through_browser,
    memory_keyring,
    sandbox_connection,
)


def control(sandbox, path, body=None):
    response = requests.post(f"{sandbox.base_url}/_sandbox/{path}", json=body or {}, timeout=10)
    assert response.status_code < 300, response.text
    return response.json()


def stored(connection):
    return TokenStore().load(connection.settings.profile)


def test_browser_flow_connects_and_the_browser_is_told_to_close(sandbox_connection, memory_keyring):  # noqa: F811
    status, answers = connect_through_browser(sandbox_connection)
    assert status.state is ConnectionState.CONNECTED
    assert status.account_name == "ctctdesk Demo Office"
    assert status.account_email == "owner@example.org"
    assert status.connected_since is not None
    assert "close this window" in answers[0].text
    tokens = stored(sandbox_connection)
    assert tokens.refresh_token and "offline_access" in tokens.scope
    names = [item.name for item in sandbox_connection.client().iter_lists()]
    assert "General Interest" in names


def test_device_flow_polls_until_allowed_on_another_device(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    shown, sleeps = [], []
    approved = threading.Event()

    def show_code(device):
        shown.append(device)

    def sleep(seconds):
        # the first poll happens before anyone approved; afterwards the person approves on the device
        sleeps.append(seconds)
        if len(sleeps) == 2:
            answer = approve_device(shown[0].verification_uri, shown[0].user_code)
            assert "Device connected" in answer.text
            approved.set()
        control(sandbox, "clock", {"advance_seconds": seconds})  # the interval passes on the server

    status = sandbox_connection.connect_device(show_code, sleep=sleep)
    assert approved.is_set()
    assert status.state is ConnectionState.CONNECTED
    assert len(shown[0].user_code) >= 8
    assert sleeps == [5.0, 5.0]
    assert stored(sandbox_connection) is not None


def test_device_flow_polling_too_fast_is_slowed_down(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    shown, sleeps = [], []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:
            control(sandbox, "device/approve", {"user_code": shown[0].user_code})
        control(sandbox, "clock", {"advance_seconds": 1})  # we poll after only one second

    sandbox_connection.connect_device(shown.append, sleep=sleep)
    # the second poll came only a second after the first: slow_down, and the client waits 5 s longer
    assert sleeps[:3] == [5.0, 5.0, 10.0]


def test_device_flow_denied_on_the_device(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    shown = []

    def sleep(seconds):
        approve_device(shown[0].verification_uri, shown[0].user_code, decision="deny")
        control(sandbox, "clock", {"advance_seconds": seconds})

    with pytest.raises(AuthorizationFailed, match="denied"):
        sandbox_connection.connect_device(shown.append, sleep=sleep)
    assert stored(sandbox_connection) is None


def test_a_forged_answer_is_refused_and_the_real_sign_in_still_connects(sandbox_connection, memory_keyring):  # noqa: F811
    # A web page loads the callback with its own state (and code) while the admin is signing in; the
    # page gets an error, and the admin's own answer, arriving afterwards, connects ctctdesk.
    forged, answers = [], []

    def open_url(url):
        redirect_uri = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        forged.append(requests.get(f"{redirect_uri}?code=stolen&state=forged-state", timeout=10))
        thread = threading.Thread(target=lambda: answers.append(approve_in_browser(url)))
        thread.start()

    status = sandbox_connection.connect_browser(open_url, timeout=30)
    assert forged[0].status_code == 400 and "did not come from the sign-in" in forged[0].text
    assert status.state is ConnectionState.CONNECTED
    assert "close this window" in answers[0].text
    assert stored(sandbox_connection) is not None


def test_an_answer_with_a_forged_state_is_not_used(sandbox_connection, memory_keyring):  # noqa: F811
    # The real code in a redirect whose state was replaced: refused, and ctctdesk keeps waiting for the
    # genuine answer until the admin cancels.
    cancel, answers = threading.Event(), []

    def browse(url):
        answers.append(approve_in_browser(url, tamper_state="forged-state"))
        cancel.set()

    def open_url(url):
        threading.Thread(target=browse, args=(url,)).start()

    with pytest.raises(AuthorizationCancelled):
        sandbox_connection.connect_browser(open_url, cancel=cancel, timeout=30)
    assert answers[0].status_code == 400
    assert stored(sandbox_connection) is None
    assert sandbox_connection.status().state is ConnectionState.NOT_CONNECTED


def test_denied_in_the_browser(sandbox_connection, memory_keyring):  # noqa: F811
    with pytest.raises(AuthorizationFailed, match="denied"):
        connect_through_browser(sandbox_connection, decision="deny")
    assert stored(sandbox_connection) is None


def test_code_with_the_wrong_verifier_is_refused(sandbox_connection):  # noqa: F811
    oauth = OAuthClient(sandbox_connection.settings)
    authorization = oauth.prepare_browser_authorization("http://127.0.0.1:9/ctctdesk/callback")
    redirect = approve_in_browser(authorization.url, follow_redirect=False)
    code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
    other = dataclasses.replace(authorization, code_verifier=oauth.prepare_browser_authorization().code_verifier)
    with pytest.raises(AuthorizationFailed, match="did not accept"):
        oauth.exchange_code(other, code)


def test_expired_access_token_is_refreshed_once_and_rotation_stored(sandbox, sandbox_connection,  # noqa: F811
                                                                    memory_keyring):  # noqa: F811
    connect_through_browser(sandbox_connection)
    before = stored(sandbox_connection)
    control(sandbox, "clock", {"advance_seconds": 86_400 + 60})  # the access token expired on the server
    summary = sandbox_connection.client().account_summary()
    assert summary.organization_name == "ctctdesk Demo Office"
    after = stored(sandbox_connection)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    # the old refresh token was single use: the server now refuses it
    with pytest.raises(AuthRevoked):
        OAuthClient(sandbox_connection.settings).refresh(before.refresh_token)


def test_token_close_to_expiry_is_refreshed_before_use(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    requests.post(f"{sandbox.base_url}/_sandbox/config", json={"access_token_lifetime": 120}, timeout=10)
    connect_through_browser(sandbox_connection)
    before = stored(sandbox_connection)
    counted = requests.get(f"{sandbox.base_url}/_sandbox/counters", timeout=10).json()["total"]
    list(sandbox_connection.client().iter_lists())
    after = stored(sandbox_connection)
    assert after.refresh_token != before.refresh_token
    total = requests.get(f"{sandbox.base_url}/_sandbox/counters", timeout=10).json()["total"]
    assert total == counted + 1  # refreshed first: no request was wasted on a 401


def test_revoked_access_breaks_the_connection_visibly(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    connect_through_browser(sandbox_connection)
    told = []
    sandbox_connection.add_listener(told.append)
    tokens = stored(sandbox_connection)
    revoke = requests.post(sandbox_connection.settings.revoke_url,
                           data={"token": tokens.refresh_token, "client_id": "ctctdesk-demo",
                                 "token_type_hint": "refresh_token"}, timeout=10)
    assert revoke.status_code == 200
    control(sandbox, "clock", {"advance_seconds": 86_400 + 60})
    with pytest.raises(AuthRevoked, match="Reconnect"):
        sandbox_connection.client().account_summary()
    status = sandbox_connection.status()
    assert status.state is ConnectionState.BROKEN
    assert told and told[-1].state is ConnectionState.BROKEN
    # reconnecting repairs it
    status, _ = connect_through_browser(sandbox_connection)
    assert status.state is ConnectionState.CONNECTED


def test_disconnect_revokes_and_forgets(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    connect_through_browser(sandbox_connection)
    tokens = stored(sandbox_connection)
    assert sandbox_connection.disconnect() is True
    assert stored(sandbox_connection) is None
    assert memory_keyring.entries == {}
    assert sandbox_connection.status().state is ConnectionState.NOT_CONNECTED
    old = requests.get(f"{sandbox.base_url}/v3/account/summary",
                       headers={"Authorization": f"Bearer {tokens.access_token}"}, timeout=10)
    assert old.status_code == 401
    with pytest.raises(AuthRevoked):
        OAuthClient(sandbox_connection.settings).refresh(tokens.refresh_token)


def test_demo_mode_can_connect_without_a_person(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    """How `ctctdesk --demo` connects: the device flow, approved through the sandbox as soon as shown."""
    status = sandbox_connection.connect_device(
        lambda device: sandbox.oauth.approve_device(device.user_code), sleep=lambda seconds: None)
    assert status.state is ConnectionState.CONNECTED
    assert status.account_name == "ctctdesk Demo Office"
