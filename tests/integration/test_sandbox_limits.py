"""Rate limits (4 a second, a daily allowance) and the request counters."""

from __future__ import annotations

import pytest
import requests

from tests.support.sandbox_http import Api


@pytest.mark.sandbox_config(rate_limit_per_second=4.0)
def test_fifth_request_in_a_second_gets_429_with_retry_after(sandbox, sandbox_token):
    api = Api(sandbox.base_url, sandbox_token)
    # Freeze the sandbox's view of time: every request lands in the same second.
    frozen = sandbox.clock.now()
    sandbox.clock.now = lambda: frozen  # type: ignore[method-assign]
    statuses = [api.get("/v3/contact_lists").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    refused = api.get("/v3/contact_lists")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()[0]["error_key"] == "too_many_requests"
    sandbox.clock.now = lambda: frozen + 1.5  # type: ignore[method-assign]
    assert api.get("/v3/contact_lists").status_code == 200


@pytest.mark.sandbox_config(rate_limit_per_second=4.0)
def test_control_requests_are_neither_limited_nor_counted(sandbox):
    for _ in range(10):
        assert requests.get(sandbox.base_url + "/_sandbox/counters", timeout=5).status_code == 200
    assert requests.get(sandbox.base_url + "/_sandbox/counters", timeout=5).json()["total"] == 0


@pytest.mark.sandbox_config(daily_limit=3)
def test_daily_allowance_runs_out_until_the_next_day(sandbox_api):
    assert [sandbox_api.get("/v3/contacts").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = sandbox_api.get("/v3/contacts")
    assert "daily" in refused.json()[0]["error_message"]
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 86_400
    sandbox_api.control("clock", {"advance_seconds": wait + 1})
    assert sandbox_api.get("/v3/contacts").status_code == 200


def test_limits_can_be_changed_at_run_time(sandbox_api):
    assert sandbox_api.control("config", {"daily_limit": 1}).json()["daily_limit"] == 1
    assert sandbox_api.get("/v3/contacts").status_code == 200
    assert sandbox_api.get("/v3/contacts").status_code == 429
    sandbox_api.control("config", {"daily_limit": None})
    assert sandbox_api.get("/v3/contacts").status_code == 200
    assert sandbox_api.control("config", {"daily_limit": -1}).status_code == 400
    assert sandbox_api.control("config", {"colour": "red"}).status_code == 400


def test_counters_count_api_requests_per_endpoint(sandbox_api):
    list_id = sandbox_api.default_list_id()
    sandbox_api.get(f"/v3/contact_lists/{list_id}")
    sandbox_api.get("/v3/contacts")
    sandbox_api.get("/v3/contacts")
    counters = sandbox_api.control("counters", method="GET").json()
    assert counters["total"] == 4 and counters["today"] == 4
    assert counters["by_endpoint"] == {"GET /v3/contact_lists": 1, "GET /v3/contact_lists/{list_id}": 1,
                                       "GET /v3/contacts": 2}
    assert len(counters["timestamps"]) == 4
    assert sandbox_api.control("counters", method="DELETE").json()["total"] == 0
