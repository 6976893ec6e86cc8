"""The sandbox authorization server, driven over HTTP as a browser and as ctctdesk would drive it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.exceptions import NotFound
from werkzeug.test import Client
from werkzeug.wrappers import Request

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.oauth import (
    DEMO_ACCOUNT_ID,
    DEMO_CLIENT_ID,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    DEVICE_GRANT_TYPE,
    DEVICE_VERIFICATION_PATH,
    BearerRejected,
    OAuthServer,
    TokenGrant,
)

BASE = "/oauth2/default/v1/"
REDIRECT = "http://127.0.0.1:53682/callback"
SCOPES = "contact_data account_read offline_access"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock) -> OAuthServer:
    return OAuthServer(clock, access_token_lifetime=3600)


def wsgi_app(server: OAuthServer):
    """The routing the sandbox HTTP server does in front of `dispatch`."""

    def app(environ, start_response):
        request = Request(environ)
        if request.path.startswith(BASE):
            response = server.dispatch(request, request.path[len(BASE) :])
        elif request.path == DEVICE_VERIFICATION_PATH:
            response = server.dispatch(request, "device")
        else:
            response = NotFound().get_response(environ)
        return response(environ, start_response)

    return app


@pytest.fixture
def http(server: OAuthServer) -> Client:
    return Client(wsgi_app(server))


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden field {name} on the page"
    return match.group(1)


def query_of(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def authorize_params(challenge: str, **overrides: str | None) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": DEMO_CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "st-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


def sign_in(http: Client, page_response) -> str:
    """Submit the sign-in form of an authorize page; returns the consent page."""
    page = page_response.get_data(as_text=True)
    response = http.post(
        BASE + "authorize",
        data={
            "transaction": hidden(page, "transaction"),
            "step": "signin",
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
        },
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Allow Access" in text and "Deny" in text
    return text


def decide(http: Client, consent_page: str, decision: str, path: str = BASE + "authorize"):
    return http.post(
        path,
        data={"transaction": hidden(consent_page, "transaction"), "step": "consent", "decision": decision},
    )


def get_code(http: Client, challenge: str, **overrides: str | None) -> str:
    start = http.get(BASE + "authorize", query_string=authorize_params(challenge, **overrides))
    assert start.status_code == 200
    response = decide(http, sign_in(http, start), "allow")
    assert response.status_code == 302
    return query_of(response.headers["Location"])["code"]


def token(http: Client, **form: str):
    form.setdefault("client_id", DEMO_CLIENT_ID)
    return http.post(BASE + "token", data=form)


def exchange(http: Client, code: str, verifier: str, redirect_uri: str = REDIRECT):
    return token(
        http, grant_type="authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier
    )


def connected(http: Client, scope: str = SCOPES) -> dict:
    verifier, challenge = pkce_pair()
    response = exchange(http, get_code(http, challenge, scope=scope), verifier)
    assert response.status_code == 200
    return response.json


def bearer(body: dict) -> str:
    return "Bearer " + body["access_token"]


# --- authorization code with PKCE --------------------------------------------------------------------


def test_browser_flow_signs_in_allows_and_returns_code_with_state(http: Client, server: OAuthServer) -> None:
    verifier, challenge = pkce_pair()
    start = http.get(BASE + "authorize", query_string=authorize_params(challenge))
    page = start.get_data(as_text=True)
    assert start.mimetype == "text/html"
    assert "sandbox" in page.lower() and DEMO_USERNAME in page  # labelled, and the demo sign-in shown

    consent = sign_in(http, start)
    assert "Read and change your contacts" in consent

    response = decide(http, consent, "allow")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    params = query_of(location)
    assert params["state"] == "st-123"

    tokens = exchange(http, params["code"], verifier)
    assert tokens.status_code == 200
    assert tokens.headers["Cache-Control"] == "no-store"
    body = tokens.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == set(SCOPES.split())
    assert body["refresh_token"]
    assert server.check_bearer(bearer(body)) == TokenGrant(
        DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, frozenset(SCOPES.split())
    )


def test_no_refresh_token_without_offline_access(http: Client) -> None:
    body = connected(http, scope="contact_data")
    assert "refresh_token" not in body
    assert body["scope"] == "contact_data"


@pytest.mark.parametrize(
    "redirect_uri",
    ["http://localhost:8080/cb", "http://127.0.0.1:1/", "http://127.0.0.1/oauth/done?app=ctctdesk"],
)
def test_loopback_redirects_on_any_port_are_registered(http: Client, redirect_uri: str) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(http, challenge, redirect_uri=redirect_uri)
    assert exchange(http, code, verifier, redirect_uri).status_code == 200


def test_redirect_keeps_the_query_the_uri_already_had(http: Client) -> None:
    _, challenge = pkce_pair()
    start = http.get(
        BASE + "authorize", query_string=authorize_params(challenge, redirect_uri=REDIRECT + "?app=ctctdesk")
    )
    response = decide(http, sign_in(http, start), "allow")
    params = query_of(response.headers["Location"])
    assert params["app"] == "ctctdesk" and params["code"] and params["state"] == "st-123"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://127.0.0.1:8080/cb",
        "http://evil.example.com/cb",
        "http://127.0.0.1.evil.example.com/cb",
        "http://127.0.0.1:8080/cb#fragment",
        None,
    ],
)
def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(
    http: Client, redirect_uri: str | None
) -> None:
    _, challenge = pkce_pair()
    response = http.get(
        BASE + "authorize", query_string=authorize_params(challenge, redirect_uri=redirect_uri)
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "not registered" in response.get_data(as_text=True)


def test_unknown_client_gets_an_error_page(http: Client) -> None:
    _, challenge = pkce_pair()
    response = http.get(
        BASE + "authorize", query_string=authorize_params(challenge, client_id="someone-else")
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "Unknown application" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "contact_data everything"}, "invalid_scope"),
        ({"scope": None}, "invalid_scope"),
    ],
)
def test_bad_authorize_requests_are_redirected_with_an_error_and_the_state(
    http: Client, overrides: dict, error: str
) -> None:
    _, challenge = pkce_pair()
    response = http.get(BASE + "authorize", query_string=authorize_params(challenge, **overrides))
    assert response.status_code == 302
    params = query_of(response.headers["Location"])
    assert params["error"] == error
    assert params["error_description"]
    assert params["state"] == "st-123"
    assert "code" not in params


def test_state_is_required(http: Client) -> None:
    _, challenge = pkce_pair()
    response = http.get(BASE + "authorize", query_string=authorize_params(challenge, state=None))
    assert response.status_code == 302
    params = query_of(response.headers["Location"])
    assert params["error"] == "invalid_request"
    assert "state" in params["error_description"]
    assert "code" not in params


def test_deny_redirects_with_access_denied_and_state(http: Client) -> None:
    _, challenge = pkce_pair()
    start = http.get(BASE + "authorize", query_string=authorize_params(challenge))
    response = decide(http, sign_in(http, start), "deny")
    assert response.status_code == 302
    params = query_of(response.headers["Location"])
    assert params["error"] == "access_denied"
    assert params["state"] == "st-123"
    assert "code" not in params


def test_wrong_password_shows_the_sign_in_page_again(http: Client) -> None:
    _, challenge = pkce_pair()
    page = http.get(BASE + "authorize", query_string=authorize_params(challenge)).get_data(as_text=True)
    response = http.post(
        BASE + "authorize",
        data={
            "transaction": hidden(page, "transaction"),
            "step": "signin",
            "username": DEMO_USERNAME,
            "password": "guess",
        },
    )
    assert response.status_code == 401
    assert "Location" not in response.headers
    text = response.get_data(as_text=True)
    assert "Wrong email or password" in text and "Allow Access" not in text


def test_consent_cannot_be_given_without_signing_in(http: Client) -> None:
    _, challenge = pkce_pair()
    page = http.get(BASE + "authorize", query_string=authorize_params(challenge)).get_data(as_text=True)
    response = decide(http, page, "allow")
    assert response.status_code == 200
    assert "Location" not in response.headers
    assert "Sign In" in response.get_data(as_text=True)


def test_stale_or_forged_authorize_form_is_refused(http: Client) -> None:
    response = http.post(BASE + "authorize", data={"transaction": "made-up", "step": "consent"})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_wrong_verifier_is_refused_and_the_code_is_spent(http: Client) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(http, challenge)
    other_verifier, _ = pkce_pair()
    response = exchange(http, code, other_verifier)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"
    assert exchange(http, code, verifier).json["error"] == "invalid_grant"


def test_malformed_verifier_is_an_invalid_request(http: Client) -> None:
    _, challenge = pkce_pair()
    response = exchange(http, get_code(http, challenge), "short")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


def test_redirect_uri_must_equal_the_one_used(http: Client) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(http, challenge)
    response = exchange(http, code, verifier, redirect_uri="http://127.0.0.1:53682/other")
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def test_code_is_single_use_and_a_replay_withdraws_its_tokens(http: Client, server: OAuthServer) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(http, challenge)
    first = exchange(http, code, verifier)
    assert first.status_code == 200
    again = exchange(http, code, verifier)
    assert again.status_code == 400
    assert again.json["error"] == "invalid_grant"
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(bearer(first.json))
    assert rejected.value.reason == "revoked"
    refresh = token(http, grant_type="refresh_token", refresh_token=first.json["refresh_token"])
    assert refresh.json["error"] == "invalid_grant"


def test_code_expires_after_five_minutes_of_sandbox_time(http: Client, clock: Clock) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(http, challenge)
    clock.advance(301)
    response = exchange(http, code, verifier)
    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant"


def test_code_is_still_good_just_before_expiry(http: Client, clock: Clock) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(http, challenge)
    clock.advance(290)
    assert exchange(http, code, verifier).status_code == 200


def test_token_parameters_may_come_in_the_query_string_as_in_constant_contacts_examples(http: Client) -> None:
    verifier, challenge = pkce_pair()
    code = get_code(http, challenge)
    query = {
        "client_id": DEMO_CLIENT_ID,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    response = http.post(BASE + "token", query_string=query)
    assert response.status_code == 200
    assert response.json["access_token"]


def test_a_parameter_given_twice_is_refused(http: Client) -> None:
    response = http.post(
        BASE + "token",
        query_string={"grant_type": "refresh_token"},
        data={"grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID, "refresh_token": "x"},
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"


# --- token endpoint errors ---------------------------------------------------------------------------


def test_token_endpoint_errors_follow_rfc_6749(http: Client) -> None:
    missing_client = http.post(BASE + "token", data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert missing_client.status_code == 401
    assert missing_client.json["error"] == "invalid_client"

    unknown_client = token(http, client_id="nobody", grant_type="refresh_token", refresh_token="x")
    assert unknown_client.status_code == 401
    assert unknown_client.json["error"] == "invalid_client"

    basic = http.post(
        BASE + "token",
        data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": DEMO_CLIENT_ID},
        headers={"Authorization": "Basic " + base64.b64encode(f"{DEMO_CLIENT_ID}:".encode()).decode()},
    )
    assert basic.status_code == 401
    assert basic.json["error"] == "invalid_client"

    unsupported = token(http, grant_type="client_credentials")
    assert unsupported.status_code == 400
    assert unsupported.json["error"] == "unsupported_grant_type"

    no_grant = token(http)
    assert no_grant.json["error"] == "invalid_request"

    no_code = token(http, grant_type="authorization_code", redirect_uri=REDIRECT, code_verifier="v" * 43)
    assert no_code.json["error"] == "invalid_request"
    assert "code" in no_code.json["error_description"]

    unknown_code = exchange(http, "no-such-code", "v" * 43)
    assert unknown_code.json["error"] == "invalid_grant"

    as_json = http.post(
        BASE + "token",
        json={"grant_type": "refresh_token", "client_id": DEMO_CLIENT_ID, "refresh_token": "x"},
    )
    assert as_json.status_code == 400
    assert as_json.json["error"] == "invalid_request"

    for response in (missing_client, unsupported, no_code, as_json):
        assert response.mimetype == "application/json"
        assert set(response.json) == {"error", "error_description"}


# --- refresh -----------------------------------------------------------------------------------------


def test_refresh_rotates_and_the_old_refresh_token_stops_working(http: Client, server: OAuthServer) -> None:
    first = connected(http)
    second = token(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200
    body = second.json
    assert body["refresh_token"] != first["refresh_token"]
    assert body["access_token"] != first["access_token"]
    assert set(body["scope"].split()) == set(SCOPES.split())
    assert server.check_bearer(bearer(body)).account_id == DEMO_ACCOUNT_ID

    reuse = token(http, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json["error"] == "invalid_grant"

    third = token(http, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert third.status_code == 200


def test_unused_refresh_token_expires_after_180_days(http: Client, clock: Clock) -> None:
    body = connected(http)
    clock.advance(179 * 86_400)
    renewed = token(http, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert renewed.status_code == 200
    clock.advance(179 * 86_400)  # the new refresh token has its own 180 days
    again = token(http, grant_type="refresh_token", refresh_token=renewed.json["refresh_token"])
    assert again.status_code == 200
    clock.advance(181 * 86_400)
    late = token(http, grant_type="refresh_token", refresh_token=again.json["refresh_token"])
    assert late.status_code == 400
    assert late.json["error"] == "invalid_grant"


def test_refresh_may_narrow_the_scope_but_not_widen_it(http: Client, server: OAuthServer) -> None:
    first = connected(http)
    narrow = token(
        http, grant_type="refresh_token", refresh_token=first["refresh_token"], scope="contact_data"
    )
    assert narrow.status_code == 200
    assert server.check_bearer(bearer(narrow.json)).scopes == frozenset({"contact_data"})

    wide = token(
        http,
        grant_type="refresh_token",
        refresh_token=narrow.json["refresh_token"],
        scope="contact_data campaign_data",
    )
    assert wide.status_code == 400
    assert wide.json["error"] == "invalid_scope"
    # the refresh token kept the whole original grant
    again = token(http, grant_type="refresh_token", refresh_token=narrow.json["refresh_token"])
    assert set(again.json["scope"].split()) == set(SCOPES.split())


def test_only_one_of_many_concurrent_refreshes_with_the_same_token_wins(
    http: Client, server: OAuthServer
) -> None:
    refresh_token = connected(http)["refresh_token"]
    results: list[int] = []

    def refresh() -> None:
        client = Client(wsgi_app(server))
        response = token(client, grant_type="refresh_token", refresh_token=refresh_token)
        results.append(response.status_code)

    threads = [threading.Thread(target=refresh) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] + [400] * 7


# --- device authorization ----------------------------------------------------------------------------


def start_device(http: Client, scope: str = SCOPES) -> dict:
    response = http.post(
        BASE + "device/authorize",
        data={"client_id": DEMO_CLIENT_ID, "scope": scope},
        base_url="http://127.0.0.1:8765",
    )
    assert response.status_code == 200
    return response.json


def poll(http: Client, device_code: str):
    return token(http, grant_type=DEVICE_GRANT_TYPE, device_code=device_code)


def approve_in_browser(http: Client, started: dict, decision: str = "allow", user_code: str | None = None):
    page = http.get(started["verification_uri_complete"])
    assert page.status_code == 200
    assert started["user_code"] in page.get_data(as_text=True)  # the code arrives filled in
    consent = http.post(
        DEVICE_VERIFICATION_PATH,
        data={
            "step": "signin",
            "user_code": user_code if user_code is not None else started["user_code"],
            "username": DEMO_USERNAME,
            "password": DEMO_PASSWORD,
        },
    )
    text = consent.get_data(as_text=True)
    assert "Allow Access" in text, "the consent page should follow a valid code"
    return decide(http, text, decision, path=DEVICE_VERIFICATION_PATH)


def test_device_authorization_answer(http: Client) -> None:
    started = start_device(http)
    assert re.fullmatch(r"[A-Z]{4}-[A-Z]{4}", started["user_code"])
    assert started["verification_uri"] == "http://127.0.0.1:8765" + DEVICE_VERIFICATION_PATH
    assert started["verification_uri_complete"].startswith(started["verification_uri"] + "?user_code=")
    assert started["expires_in"] == 600
    assert started["interval"] == 5
    assert started["device_code"]


def test_device_flow_parameters_may_come_in_the_query_string(http: Client, server: OAuthServer) -> None:
    started = http.post(
        BASE + "device/authorize", query_string={"client_id": DEMO_CLIENT_ID, "scope": SCOPES}
    )
    assert started.status_code == 200
    assert server.approve_device(started.json["user_code"]) == 1
    query = {
        "client_id": DEMO_CLIENT_ID,
        "grant_type": DEVICE_GRANT_TYPE,
        "device_code": started.json["device_code"],
    }
    assert http.post(BASE + "token", query_string=query).status_code == 200


def test_device_authorization_errors(http: Client) -> None:
    unknown = http.post(BASE + "device/authorize", data={"client_id": "nobody", "scope": "contact_data"})
    assert unknown.status_code == 401
    assert unknown.json["error"] == "invalid_client"
    bad_scope = http.post(BASE + "device/authorize", data={"client_id": DEMO_CLIENT_ID, "scope": "root"})
    assert bad_scope.status_code == 400
    assert bad_scope.json["error"] == "invalid_scope"


def test_device_flow_pending_slow_down_then_approved_in_the_browser(
    http: Client, server: OAuthServer, clock: Clock
) -> None:
    started = start_device(http)
    first = poll(http, started["device_code"])
    assert first.status_code == 400
    assert first.json["error"] == "authorization_pending"

    clock.advance(2)
    fast = poll(http, started["device_code"])
    assert fast.json["error"] == "slow_down"

    clock.advance(6)  # 6 s is no longer enough: the interval grew to 10 s
    assert poll(http, started["device_code"]).json["error"] == "slow_down"
    clock.advance(15)
    assert poll(http, started["device_code"]).json["error"] == "authorization_pending"

    done = approve_in_browser(http, started)
    assert done.status_code == 200
    assert "Device connected" in done.get_data(as_text=True)

    clock.advance(16)
    tokens = poll(http, started["device_code"])
    assert tokens.status_code == 200
    assert tokens.json["refresh_token"]
    assert server.check_bearer(bearer(tokens.json)).account_id == DEMO_ACCOUNT_ID

    clock.advance(16)
    assert poll(http, started["device_code"]).json["error"] == "invalid_grant"


def test_device_user_code_is_accepted_in_any_case_and_spacing(http: Client) -> None:
    started = start_device(http)
    sloppy = started["user_code"].lower().replace("-", " ")
    assert approve_in_browser(http, started, user_code=sloppy).status_code == 200
    assert poll(http, started["device_code"]).status_code == 200


def test_device_flow_denied(http: Client) -> None:
    started = start_device(http)
    done = approve_in_browser(http, started, decision="deny")
    assert "Access denied" in done.get_data(as_text=True)
    response = poll(http, started["device_code"])
    assert response.status_code == 400
    assert response.json["error"] == "access_denied"


def test_device_code_expires(http: Client, clock: Clock) -> None:
    started = start_device(http)
    clock.advance(601)
    assert poll(http, started["device_code"]).json["error"] == "expired_token"
    assert approve_in_browser_fails(http, started["user_code"], "expired")


def approve_in_browser_fails(http: Client, user_code: str, words: str) -> bool:
    response = http.post(
        DEVICE_VERIFICATION_PATH,
        data={"step": "signin", "user_code": user_code, "username": DEMO_USERNAME, "password": DEMO_PASSWORD},
    )
    text = response.get_data(as_text=True)
    return "Allow Access" not in text and words in text


def test_device_page_refuses_an_unknown_code_and_a_wrong_password(http: Client) -> None:
    started = start_device(http)
    assert approve_in_browser_fails(http, "BCDF-GHJK", "not valid")
    response = http.post(
        BASE + "device",
        data={
            "step": "signin",
            "user_code": started["user_code"],
            "username": DEMO_USERNAME,
            "password": "x",
        },
    )
    assert response.status_code == 401
    assert "Wrong email or password" in response.get_data(as_text=True)
    assert poll(http, started["device_code"]).json["error"] == "authorization_pending"


def test_device_code_cannot_be_approved_twice(http: Client) -> None:
    started = start_device(http)
    approve_in_browser(http, started)
    assert approve_in_browser_fails(http, started["user_code"], "already been used")


def test_approve_device_as_the_control_interface_does(http: Client, server: OAuthServer) -> None:
    one, two, three = start_device(http), start_device(http), start_device(http)
    assert server.approve_device(one["user_code"].lower()) == 1
    assert server.approve_device(one["user_code"]) == 0  # no longer pending
    assert server.approve_device("ZZZZ-ZZZZ") == 0
    assert poll(http, one["device_code"]).status_code == 200
    assert server.approve_device(None) == 2
    assert poll(http, two["device_code"]).status_code == 200
    assert poll(http, three["device_code"]).status_code == 200


def test_device_code_belongs_to_its_client(http: Client) -> None:
    response = poll(http, "not-a-device-code")
    assert response.json["error"] == "invalid_grant"


# --- revoke ------------------------------------------------------------------------------------------


def revoke(http: Client, value: str, hint: str | None = None):
    data = {"token": value, "client_id": DEMO_CLIENT_ID}
    if hint:
        data["token_type_hint"] = hint
    return http.post(BASE + "revoke", data=data)


def test_revoking_an_access_token(http: Client, server: OAuthServer) -> None:
    body = connected(http)
    assert revoke(http, body["access_token"], "access_token").status_code == 200
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(bearer(body))
    assert rejected.value.reason == "revoked"
    # the refresh token is a separate credential and still works
    assert token(http, grant_type="refresh_token", refresh_token=body["refresh_token"]).status_code == 200


def test_revoking_a_refresh_token_revokes_its_access_tokens(http: Client, server: OAuthServer) -> None:
    first = connected(http)
    second = token(http, grant_type="refresh_token", refresh_token=first["refresh_token"]).json
    assert revoke(http, second["refresh_token"], "refresh_token").status_code == 200
    refused = token(http, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert refused.json["error"] == "invalid_grant"
    for body in (first, second):
        with pytest.raises(BearerRejected) as rejected:
            server.check_bearer(bearer(body))
        assert rejected.value.reason == "revoked"


def test_revoking_an_unknown_token_still_answers_200(http: Client) -> None:
    assert revoke(http, "never-issued").status_code == 200


def test_revoke_errors(http: Client) -> None:
    no_token = http.post(BASE + "revoke", data={"client_id": DEMO_CLIENT_ID})
    assert no_token.status_code == 400
    assert no_token.json["error"] == "invalid_request"
    no_client = http.post(BASE + "revoke", data={"token": "x"})
    assert no_client.status_code == 401
    assert no_client.json["error"] == "invalid_client"


# --- check_bearer ------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer   ", "Basic abc", "token-without-scheme"])
def test_check_bearer_missing(server: OAuthServer, header: str | None) -> None:
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(header)
    assert rejected.value.reason == "missing"


def test_check_bearer_unknown(server: OAuthServer) -> None:
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer("Bearer not-a-token")
    assert rejected.value.reason == "unknown"


def test_check_bearer_expired_by_the_clock_and_by_fault_injection(server: OAuthServer, clock: Clock) -> None:
    short = server.issue_token("contact_data", expires_in=60)
    assert short["expires_in"] == 60
    assert server.check_bearer(bearer(short)).scopes == frozenset({"contact_data"})
    clock.advance(61)
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(bearer(short))
    assert rejected.value.reason == "expired"

    fresh = server.issue_token("contact_data")
    server.expire_access_tokens()
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(bearer(fresh))
    assert rejected.value.reason == "expired"
    # tokens issued afterwards are fine
    assert server.check_bearer(bearer(server.issue_token("contact_data")))


def test_check_bearer_scheme_is_case_insensitive(server: OAuthServer) -> None:
    body = server.issue_token("contact_data")
    assert server.check_bearer("bearer " + body["access_token"]).client_id == DEMO_CLIENT_ID


def test_expired_access_token_can_be_refreshed(http: Client, server: OAuthServer) -> None:
    body = connected(http)
    server.expire_access_tokens()
    renewed = token(http, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert renewed.status_code == 200
    assert server.check_bearer(bearer(renewed.json))


def test_access_token_lifetime_can_be_changed_at_runtime(
    http: Client, server: OAuthServer, clock: Clock
) -> None:
    server.access_token_lifetime = 30
    body = connected(http)
    assert body["expires_in"] == 30
    clock.advance(31)
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(bearer(body))
    assert rejected.value.reason == "expired"


def test_bearer_rejected_never_carries_the_token(server: OAuthServer) -> None:
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer("Bearer secret-value-123")
    assert "secret-value-123" not in str(rejected.value)


# --- issue_token, reset, dump/load, routing ----------------------------------------------------------


def test_issue_token_for_the_demo_account(server: OAuthServer) -> None:
    body = server.issue_token("contact_data account_read", expires_in=3600)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "account_read contact_data"
    assert body["refresh_token"]
    grant = server.check_bearer(bearer(body))
    assert grant == TokenGrant(DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, frozenset({"contact_data", "account_read"}))
    with pytest.raises(ValueError):
        server.issue_token("contact_data superpowers")
    with pytest.raises(ValueError):
        server.issue_token("contact_data", expires_in=-1)
    with pytest.raises(ValueError):
        server.issue_token("")


def test_issue_token_with_no_lifetime_left_gives_an_expired_token(server: OAuthServer) -> None:
    body = server.issue_token("contact_data", expires_in=0)
    assert body["expires_in"] == 0
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(bearer(body))
    assert rejected.value.reason == "expired"


def test_refresh_token_from_issue_token_works_at_the_token_endpoint(
    http: Client, server: OAuthServer
) -> None:
    body = server.issue_token("contact_data")
    assert token(http, grant_type="refresh_token", refresh_token=body["refresh_token"]).status_code == 200


def test_reset_forgets_every_token(server: OAuthServer) -> None:
    body = server.issue_token("contact_data")
    server.reset()
    with pytest.raises(BearerRejected) as rejected:
        server.check_bearer(bearer(body))
    assert rejected.value.reason == "unknown"


def test_dump_and_load_round_trip_through_json(http: Client, server: OAuthServer, clock: Clock) -> None:
    connection = connected(http)
    verifier, challenge = pkce_pair()
    pending_code = get_code(http, challenge)
    device = start_device(http)
    revoked = server.issue_token("contact_data")
    revoke(http, revoked["access_token"])

    state = json.loads(json.dumps(server.dump()))
    restored = OAuthServer(clock, access_token_lifetime=3600)
    restored.load(state)
    other = Client(wsgi_app(restored))

    assert restored.check_bearer(bearer(connection)).account_id == DEMO_ACCOUNT_ID
    with pytest.raises(BearerRejected) as rejected:
        restored.check_bearer(bearer(revoked))
    assert rejected.value.reason == "revoked"
    assert (
        token(other, grant_type="refresh_token", refresh_token=connection["refresh_token"]).status_code == 200
    )
    assert exchange(other, pending_code, verifier).status_code == 200
    assert restored.approve_device(device["user_code"]) == 1
    assert poll(other, device["device_code"]).status_code == 200
    assert restored.dump() != state  # what happened since is part of the new state


def test_load_refuses_something_else(server: OAuthServer) -> None:
    with pytest.raises(ValueError):
        server.load({"version": 99})
    with pytest.raises(ValueError):
        server.load({"version": 1, "access_tokens": {"t": {"nonsense": True}}})


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", BASE + "nowhere", 404),
        ("GET", BASE + "token", 405),
        ("GET", BASE + "revoke", 405),
        ("GET", BASE + "device/authorize", 405),
        ("PUT", BASE + "authorize", 405),
        ("DELETE", DEVICE_VERIFICATION_PATH, 405),
    ],
)
def test_routing(http: Client, method: str, path: str, status: int) -> None:
    assert http.open(path, method=method).status_code == status


def test_device_page_is_served_under_both_addresses(http: Client) -> None:
    for path in (BASE + "device", DEVICE_VERIFICATION_PATH):
        response = http.get(path)
        assert response.status_code == 200
        assert 'name="user_code"' in response.get_data(as_text=True)
