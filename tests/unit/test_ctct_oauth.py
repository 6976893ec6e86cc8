"""PKCE, the loopback listener, device polling and refresh rotation (no authorization server)."""

import base64
import hashlib
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ctctdesk.ctct.endpoints import ConnectionSettings
from ctctdesk.ctct.errors import AuthorizationCancelled, AuthorizationFailed, AuthRevoked, KeyringUnavailable
from ctctdesk.ctct.oauth import BROWSER_FLOW_TIMEOUT, LoopbackReceiver, OAuthClient, TokenManager
from ctctdesk.ctct.timing import FakeClock
from ctctdesk.ctct.tokens import TokenSet, TokenStore
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.scripted_http import scripted_session

SETTINGS = ConnectionSettings(client_id="my-app", redirect_port=0, profile="p1")


def test_authorization_url_carries_an_s256_challenge_of_the_verifier():
    auth = OAuthClient(SETTINGS).prepare_browser_authorization("http://127.0.0.1:9/ctctdesk/callback")
    query = {k: v[0] for k, v in parse_qs(urlsplit(auth.url).query).items()}
    expected = base64.urlsafe_b64encode(hashlib.sha256(auth.code_verifier.encode()).digest()).rstrip(b"=")
    assert query["code_challenge"] == expected.decode()
    assert query["code_challenge_method"] == "S256"
    assert query["state"] == auth.state and query["client_id"] == "my-app"
    assert query["scope"] == "contact_data account_read offline_access"
    assert auth.code_verifier not in auth.url and auth.code_verifier not in repr(auth)


def test_plain_http_to_another_machine_is_refused():
    settings = ConnectionSettings(auth_base_url="http://auth.example.com/v1", client_id="x")
    with pytest.raises(Exception, match="plain HTTP"):
        OAuthClient(settings).prepare_browser_authorization()


def test_loopback_accepts_one_matching_answer_and_says_close_this_window():
    receiver = LoopbackReceiver(0)
    receiver.expect_state("s-123")
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", receiver.wait(10)))
    thread.start()
    page = requests.get(f"{receiver.redirect_uri}?code=the-code&state=s-123", timeout=5)
    thread.join(5)
    assert result["code"] == "the-code"
    assert page.status_code == 200 and "close this window" in page.text
    with pytest.raises(requests.ConnectionError):  # single use: the listener is gone
        requests.get(f"{receiver.redirect_uri}?code=again&state=s-123", timeout=2)


def test_loopback_ignores_answers_with_a_wrong_state_and_waits_for_the_right_one():
    # Any web page can make the browser load the callback address; such a request must not end the
    # sign-in the person is in the middle of.
    receiver = LoopbackReceiver(0)
    receiver.expect_state("expected")
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("code", receiver.wait(10)))
    thread.start()
    forged = [
        requests.get(f"{receiver.redirect_uri}?code=stolen&state=forged", timeout=5),
        requests.get(f"{receiver.redirect_uri}?error=access_denied&state=forged", timeout=5),
        requests.get(f"{receiver.redirect_uri}?code=stolen", timeout=5),
        requests.get(f"{receiver.redirect_uri}?code=stolen&state=%C3%A9xpected", timeout=5),
    ]
    assert [page.status_code for page in forged] == [400, 400, 400, 400]
    assert all("did not come from the sign-in" in page.text for page in forged)
    assert thread.is_alive()  # still waiting
    page = requests.get(f"{receiver.redirect_uri}?code=the-code&state=expected", timeout=5)
    thread.join(5)
    assert result["code"] == "the-code"
    assert page.status_code == 200 and "close this window" in page.text


def test_loopback_wait_can_be_cancelled_and_times_out():
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(AuthorizationCancelled):
        LoopbackReceiver(0).wait(10, cancel)
    clock = FakeClock()  # the browser flow's five minutes pass on the clock, not in real time
    threading.Timer(0.05, clock.advance, args=(BROWSER_FLOW_TIMEOUT,)).start()
    with pytest.raises(AuthorizationFailed, match="within 5 minutes; ctctdesk stopped waiting"):
        LoopbackReceiver(0).wait(BROWSER_FLOW_TIMEOUT, clock=clock)


@pytest.mark.parametrize(
    ("timeout", "words"),
    [(0.3, "1 second"), (1, "1 second"), (45, "45 seconds"), (90, "90 seconds"), (120, "2 minutes"),
     (300, "5 minutes"), (330, "6 minutes")],
)
def test_loopback_timeout_is_told_in_seconds_or_minutes(timeout, words):
    from ctctdesk.ctct.oauth import describe_wait

    assert describe_wait(timeout) == words


def device_client(answers):
    session, adapter = scripted_session(answers)
    return OAuthClient(
        ConnectionSettings(auth_base_url="https://auth.test/v1", client_id="c"), session
    ), adapter


def test_device_flow_polls_at_the_interval_and_honours_slow_down():
    oauth, adapter = device_client(
        [
            (
                200,
                {
                    "device_code": "dev-secret",
                    "user_code": "ABCD-EFGH",
                    "verification_uri": "https://v",
                    "expires_in": 600,
                    "interval": 2,
                },
                {},
            ),
            (400, {"error": "authorization_pending"}, {}),
            (400, {"error": "slow_down"}, {}),
            (400, {"error": "authorization_pending"}, {}),
            (
                200,
                {"access_token": "at", "refresh_token": "rt", "expires_in": 3600, "token_type": "Bearer"},
                {},
            ),
        ]
    )
    device = oauth.start_device_authorization()
    assert device.user_code == "ABCD-EFGH" and "dev-secret" not in repr(device)
    waits = []
    tokens = oauth.poll_device(device, sleep=waits.append)
    assert tokens.access_token == "at"
    assert waits == [2, 2, 7, 7]
    assert "device_code=dev-secret" in adapter.sent[1].body.decode()


@pytest.mark.parametrize("error, message", [("access_denied", "denied"), ("expired_token", "expired")])
def test_device_flow_stops_on_denial_or_expiry(error, message):
    oauth, _ = device_client(
        [
            (200, {"device_code": "d", "user_code": "U", "verification_uri": "https://v", "interval": 1}, {}),
            (400, {"error": error}, {}),
        ]
    )
    with pytest.raises(AuthorizationFailed, match=message):
        oauth.poll_device(oauth.start_device_authorization(), sleep=lambda s: None)


PENDING = (400, {"error": "authorization_pending"}, {})


def device_on_fake_clock(expires_in, polls):
    """A device sign-in nobody approves: `polls` pending answers, on a fake clock (no real waiting)."""
    oauth, adapter = device_client(
        [(200, {"device_code": "d", "user_code": "U", "verification_uri": "https://v", "interval": 5,
                "expires_in": expires_in}, {})] + [PENDING] * polls)
    oauth.timing = clock = FakeClock()
    return oauth, adapter, clock


def test_device_flow_gives_up_at_the_timeout_when_nobody_approves():
    oauth, adapter, clock = device_on_fake_clock(expires_in=600, polls=3)
    with pytest.raises(AuthorizationFailed,
                       match="Nobody approved the code within 12 seconds; nothing was changed"):
        oauth.poll_device(oauth.start_device_authorization(), timeout=12)
    # the last wait is cut to the limit, where the server is asked once more
    assert clock.slept == [5, 5, pytest.approx(2, abs=0.1)]
    assert len(adapter.sent) == 4


def test_device_flow_ends_when_the_code_expires_before_the_timeout():
    oauth, adapter, clock = device_on_fake_clock(expires_in=8, polls=1)
    with pytest.raises(AuthorizationFailed, match="The code expired"):
        oauth.poll_device(oauth.start_device_authorization(), timeout=300)
    assert sum(clock.slept) == pytest.approx(8, abs=0.1)
    assert len(adapter.sent) == 2  # no poll with a dead code


def test_refresh_rotation_is_stored_before_the_new_token_is_used(memory_keyring):  # noqa: F811
    oauth, _ = device_client(
        [(200, {"access_token": "new-access", "refresh_token": "new-refresh", "expires_in": 86400}, {})]
    )
    store = TokenStore()
    store.save("p1", TokenSet("old-access", "old-refresh", expires_at=0))
    manager = TokenManager(oauth, store, "p1")
    assert manager.access_token() == "new-access"
    assert store.load("p1").refresh_token == "new-refresh"


def test_refresh_that_cannot_be_stored_does_not_hand_out_the_token(memory_keyring, monkeypatch):  # noqa: F811
    oauth, _ = device_client(
        [(200, {"access_token": "new-access", "refresh_token": "r2", "expires_in": 86400}, {})]
    )
    store = TokenStore()
    store.save("p1", TokenSet("old-access", "old-refresh", expires_at=0))
    manager = TokenManager(oauth, store, "p1")

    def broken_save(profile, tokens):
        raise KeyringUnavailable("locked")

    monkeypatch.setattr(store, "save", broken_save)
    with pytest.raises(KeyringUnavailable):
        manager.access_token()


def test_refused_refresh_reports_revoked_and_tells_the_listener(memory_keyring):  # noqa: F811
    oauth, _ = device_client([(400, {"error": "invalid_grant"}, {})])
    store = TokenStore()
    store.save("p1", TokenSet("old-access", "old-refresh", expires_at=0))
    told = []
    manager = TokenManager(oauth, store, "p1", on_revoked=told.append)
    with pytest.raises(AuthRevoked, match="Reconnect"):
        manager.access_token()
    assert len(told) == 1


def test_tokens_rotated_by_another_process_are_adopted_not_refreshed_again(memory_keyring):  # noqa: F811
    # one refresh answer only: a second refresh sent to the server would fail the test
    oauth, adapter = device_client(
        [(200, {"access_token": "a2", "refresh_token": "r2", "expires_in": 86400}, {})]
    )
    store = TokenStore()
    store.save("p1", TokenSet("a1", "r1", expires_at=0))
    scheduled_sync, gui = TokenManager(oauth, store, "p1"), TokenManager(oauth, store, "p1")
    assert scheduled_sync.current().refresh_token == "r1"  # read before the GUI refreshed
    assert gui.access_token() == "a2"  # the GUI refreshes: r1 is now used up
    assert scheduled_sync.access_token() == "a2"  # adopts the rotated set instead of sending r1
    assert scheduled_sync.refresh_after_unauthorized("a1") == "a2"
    assert len(adapter.sent) == 1
