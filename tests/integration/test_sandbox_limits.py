"""Rate limits (4 a second, a daily allowance) and the request counters."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import requests

from tests.support.sandbox_http import Api


@pytest.mark.sandbox_config(rate_limit_per_second=4.0)
def test_fifth_request_in_a_second_gets_429_throttled_without_retry_after(sandbox, sandbox_token):
    api = Api(sandbox.base_url, sandbox_token)
    # Freeze the sandbox's view of time: every request lands in the same second.
    frozen = sandbox.clock.now()
    sandbox.clock.now = lambda: frozen  # type: ignore[method-assign]
    statuses = [api.get("/v3/contact_lists").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    refused = api.get("/v3/contact_lists")
    assert refused.status_code == 429
    assert "Retry-After" not in refused.headers  # the real service sends none: a client paces itself
    assert refused.json()[0]["error_key"] == "throttled"
    sandbox.clock.now = lambda: frozen + 1.5  # type: ignore[method-assign]
    assert api.get("/v3/contact_lists").status_code == 200


@pytest.mark.sandbox_config(rate_limit_per_second=4.0, retry_after_header=True)
def test_retry_after_is_sent_when_pinned_so(sandbox, sandbox_token):
    api = Api(sandbox.base_url, sandbox_token)
    frozen = sandbox.clock.now()
    sandbox.clock.now = lambda: frozen  # type: ignore[method-assign]
    statuses = [api.get("/v3/contact_lists") for _ in range(5)]
    assert int(statuses[-1].headers["Retry-After"]) >= 1


@pytest.mark.sandbox_config(rate_limit_per_second=4.0)
def test_control_requests_are_neither_limited_nor_counted(sandbox):
    for _ in range(10):
        assert requests.get(sandbox.base_url + "/_sandbox/counters", timeout=5).status_code == 200
    assert requests.get(sandbox.base_url + "/_sandbox/counters", timeout=5).json()["total"] == 0


@pytest.mark.sandbox_config(daily_limit=3)
def test_daily_allowance_runs_out_until_the_next_day(sandbox_api):
    assert [sandbox_api.get("/v3/contacts").status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = sandbox_api.get("/v3/contacts")
    assert refused.json()[0]["error_key"] == "quota_exceeded"
    assert "Retry-After" not in refused.headers
    now = datetime.fromisoformat(sandbox_api.control("clock", method="GET").json()["now"].replace("Z", "+00:00"))
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    sandbox_api.control("clock", {"advance_seconds": (midnight - now).total_seconds() - 2})
    assert sandbox_api.get("/v3/contacts").status_code == 429  # still the same day (UTC)
    sandbox_api.control("clock", {"advance_seconds": 3})
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
