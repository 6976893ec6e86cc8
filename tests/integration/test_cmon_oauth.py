"""Signing in to the Campaign Monitor emulator with OAuth and keeping the tokens fresh."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ctctdesk.cmon.client import CmonClient
from ctctdesk.cmon.errors import AuthFailed, AuthRevoked
from ctctdesk.cmon.http import BearerToken, CmonTransport, RateLimiter
from ctctdesk.cmon.oauth import TokenKeeper, TokenSet, authorize_url, exchange_code
from tests.support.clocks import client_clock

REDIRECT = "http://127.0.0.1:9/callback"


def _sign_in(server) -> str:
    address = authorize_url("demo-client", REDIRECT, state="st-1", origin=server.base_url)
    answer = requests.get(address, allow_redirects=False, timeout=10)
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["st-1"] and "ManageLists,ImportSubscribers" in address.replace("%2C", ",")
    return query["code"][0]


def test_sign_in_then_tokens_renew_themselves_and_each_renewal_is_saved(cmon_sandbox):
    clock = client_clock(cmon_sandbox)
    tokens = exchange_code(_sign_in(cmon_sandbox), client_id="demo-client", client_secret="s", redirect_uri=REDIRECT,
                           origin=cmon_sandbox.base_url, clock=clock)
    saved: list[TokenSet] = []
    keeper = TokenKeeper(tokens, saved.append, origin=cmon_sandbox.base_url, clock=clock)
    client = CmonClient(CmonTransport(BearerToken(keeper), api_base_url=cmon_sandbox.api_base_url,
                                      limiter=RateLimiter(100, clock=clock), clock=clock))
    assert [c.name for c in client.clients()] == ["Demo Office"]
    assert saved == []
    clock.advance(14 * 24 * 3600)  # past the two weeks the token lives
    assert [c.name for c in client.clients()] == ["Demo Office"]
    assert len(saved) == 1 and saved[0].access_token != tokens.access_token
    assert "access_token" not in repr(saved[0]) and saved[0].access_token not in repr(saved[0])


def test_an_expired_token_answer_renews_at_once(cmon_sandbox):
    clock = client_clock(cmon_sandbox)
    tokens = exchange_code(_sign_in(cmon_sandbox), client_id="demo-client", client_secret="s", redirect_uri=REDIRECT,
                           origin=cmon_sandbox.base_url, clock=clock)
    saved: list[TokenSet] = []
    keeper = TokenKeeper(tokens, saved.append, origin=cmon_sandbox.base_url, clock=clock)
    client = CmonClient(CmonTransport(BearerToken(keeper), api_base_url=cmon_sandbox.api_base_url,
                                      limiter=RateLimiter(100, clock=clock), clock=clock))
    requests.post(f"{cmon_sandbox.base_url}/_sandbox/faults", json={"kind": "expired_token", "count": 1}, timeout=10)
    assert client.clients()
    assert len(saved) == 1


def test_revoked_access_asks_for_a_new_connection(cmon_sandbox):
    clock = client_clock(cmon_sandbox)
    tokens = exchange_code(_sign_in(cmon_sandbox), client_id="demo-client", client_secret="s", redirect_uri=REDIRECT,
                           origin=cmon_sandbox.base_url, clock=clock)
    keeper = TokenKeeper(tokens, lambda _: None, origin=cmon_sandbox.base_url, clock=clock)
    client = CmonClient(CmonTransport(BearerToken(keeper), api_base_url=cmon_sandbox.api_base_url,
                                      limiter=RateLimiter(100, clock=clock), clock=clock))
    requests.post(f"{cmon_sandbox.base_url}/_sandbox/tokens/revoke", timeout=10)
    with pytest.raises(AuthRevoked):
        client.clients()
    clock.advance(15 * 24 * 3600)
    with pytest.raises(AuthRevoked) as refused:
        client.clients()  # the refresh token was revoked too
    assert tokens.refresh_token not in str(refused.value)


def test_a_used_or_wrong_code_is_refused(cmon_sandbox):
    code = _sign_in(cmon_sandbox)
    exchange_code(code, client_id="demo-client", client_secret="s", redirect_uri=REDIRECT, origin=cmon_sandbox.base_url)
    with pytest.raises(AuthRevoked):
        exchange_code(code, client_id="demo-client", client_secret="s", redirect_uri=REDIRECT,
                      origin=cmon_sandbox.base_url)
    requests.post(f"{cmon_sandbox.base_url}/_sandbox/oauth/deny_next", timeout=10)
    denied = requests.get(authorize_url("demo-client", REDIRECT, state="x", origin=cmon_sandbox.base_url),
                          allow_redirects=False, timeout=10)
    assert "error=access_denied" in denied.headers["Location"]
    with pytest.raises(AuthFailed):
        exchange_code("", client_id="demo-client", client_secret="s", redirect_uri=REDIRECT,
                      origin=cmon_sandbox.base_url)
