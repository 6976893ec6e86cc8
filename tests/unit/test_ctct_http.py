"""Limiter, daily quota, retries and error mapping of the API transport (no network)."""

import datetime as dt
import threading
import time

import pytest
import requests

from ctctdesk.ctct.errors import (
    AuthExpired,
    Conflict,
    NotFound,
    QuotaExhausted,
    RateLimited,
    RequestCancelled,
    ServiceUnavailable,
    ValidationError,
)
from ctctdesk.ctct.http import ApiTransport, DailyQuota, RateLimiter, RetryPolicy
from ctctdesk.ctct.timing import FakeClock
from tests.support.scripted_http import scripted_session


def max_in_any_window(times, window=1.0):
    times = sorted(times)
    best = 0
    for i, start in enumerate(times):
        best = max(best, sum(1 for t in times[i:] if t - start < window))
    return best


def test_limiter_never_allows_five_in_one_second_window():
    clock = FakeClock()
    limiter = RateLimiter(clock=clock)
    sent = []
    for _ in range(40):
        limiter.acquire()
        sent.append(clock.monotonic())
    assert max_in_any_window(sent) == 4
    assert sent[-1] - sent[0] < 40 / 4 * 1.2  # and it does not crawl either
    assert all(seconds > 0 for seconds in clock.slept)


def test_a_limiter_wait_ends_at_once_on_cancel():
    limiter = RateLimiter(max_requests=1, period=60.0)  # the real clock: the next send is a minute away
    cancel = threading.Event()
    limiter.acquire(cancel)
    threading.Timer(0.05, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(RequestCancelled):
        limiter.acquire(cancel)
    assert time.monotonic() - started < 1.0


def test_a_wait_behind_another_threads_limiter_wait_ends_on_cancel():
    limiter = RateLimiter(max_requests=1, period=60.0)  # the real clock: the next send is a minute away
    limiter.acquire()
    holder_stop, holder_outcome = threading.Event(), []

    def hold():  # another thread (a status check, say) waits its minute, holding the limiter
        try:
            limiter.acquire(holder_stop)
        except RequestCancelled as error:
            holder_outcome.append(error)

    holder = threading.Thread(target=hold)
    holder.start()
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    try:
        with pytest.raises(RequestCancelled):
            limiter.acquire(cancel)
        assert time.monotonic() - started < 1.0
        assert holder.is_alive() and not holder_outcome  # the other thread's wait goes on
    finally:
        holder_stop.set()
        holder.join(5)


def test_limiter_is_thread_safe_in_real_time():
    limiter = RateLimiter(max_requests=4, period=0.25, safety=0.02)
    sent, lock = [], threading.Lock()

    def worker():
        for _ in range(5):
            limiter.acquire()
            with lock:
                sent.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 20
    assert max_in_any_window(sent, 0.25) <= 4


def test_quota_is_persisted_and_stops_at_the_allowance(tmp_path):
    path = tmp_path / "usage.json"
    quota = DailyQuota(path, allowance=3)
    for _ in range(3):
        quota.reserve()
    with pytest.raises(QuotaExhausted) as caught:
        quota.reserve()
    assert "3 of 3" in str(caught.value)
    assert DailyQuota(path, allowance=3).used == 3  # a new process sees the same count


def test_quota_resets_at_the_day_boundary(tmp_path):
    day = [dt.date(2026, 11, 23)]
    quota = DailyQuota(tmp_path / "usage.json", allowance=2, today=lambda: day[0])
    quota.reserve()
    quota.reserve()
    with pytest.raises(QuotaExhausted):
        quota.reserve()
    day[0] = dt.date(2026, 11, 24)
    quota.reserve()
    assert quota.used == 1


class StaticTokens:
    def __init__(self):
        self.token = "tok-1"
        self.refreshes = 0

    def access_token(self):
        return self.token

    def refresh_after_unauthorized(self, rejected):
        self.refreshes += 1
        self.token = f"tok-{self.refreshes + 1}"
        return self.token


def make_transport(answers, **kwargs):
    session, adapter = scripted_session(answers)
    clock = FakeClock()
    transport = ApiTransport(
        "https://api.example.test/v3",
        kwargs.pop("tokens", StaticTokens()),
        session=session,
        limiter=RateLimiter(max_requests=1000, clock=clock),
        retry=RetryPolicy(attempts=4, base=0.01, cap=0.05),
        **kwargs,
    )
    return transport, adapter, clock.slept


def test_429_is_retried_after_retry_after():
    transport, adapter, sleeps = make_transport([(429, None, {"Retry-After": "2"}), (200, {"ok": 1}, {})])
    assert transport.get_json("/contacts") == {"ok": 1}
    assert len(adapter.sent) == 2 and sleeps[0] >= 2


def test_5xx_and_connection_errors_are_retried_for_idempotent_calls():
    answers = [(503, None, {}), requests.ConnectionError(), (502, None, {}), (200, {"ok": 1}, {})]
    transport, adapter, sleeps = make_transport(answers)
    assert transport.get_json("/contacts") == {"ok": 1}
    assert len(adapter.sent) == 4
    assert sleeps == sorted(sleeps) or len(sleeps) == 3  # backoff grows (with jitter)


def test_post_is_not_retried_on_5xx_unless_marked_safe():
    transport, adapter, _ = make_transport([(503, None, {})])
    with pytest.raises(ServiceUnavailable):
        transport.request("POST", "/contact_lists", json_body={"name": "x"})
    assert len(adapter.sent) == 1
    transport, adapter, _ = make_transport([(500, None, {}), (201, {"activity_id": "a"}, {})])
    response = transport.request("POST", "/activities/contact_delete", json_body={}, retry_safe=True)
    assert response.status_code == 201 and len(adapter.sent) == 2


def test_retries_give_up_with_a_clear_error():
    transport, _, _ = make_transport([(429, None, {})] * 4)
    with pytest.raises(RateLimited):
        transport.get_json("/contacts")


def test_401_refreshes_once_then_reports_expired():
    tokens = StaticTokens()
    transport, adapter, _ = make_transport(
        [(401, {"error_key": "unauthorized"}, {}), (200, {}, {})], tokens=tokens
    )
    transport.get_json("/account/summary")
    assert adapter.sent[0].headers["Authorization"] == "Bearer tok-1"
    assert adapter.sent[1].headers["Authorization"] == "Bearer tok-2"
    transport, _, _ = make_transport([(401, {}, {}), (401, {}, {})], tokens=StaticTokens())
    with pytest.raises(AuthExpired):
        transport.get_json("/account/summary")


def test_errors_are_mapped_with_the_api_items():
    items = [{"error_key": "contacts.api.validation.error", "error_message": "Email is invalid"}]
    transport, _, _ = make_transport(
        [
            (400, items, {}),
            (404, None, {}),
            (409, [{"error_key": "conflict", "error_message": "Name taken"}], {}),
        ]
    )
    with pytest.raises(ValidationError) as caught:
        transport.request("POST", "/contacts", json_body={})
    assert caught.value.items[0].error_message == "Email is invalid"
    assert "Email is invalid" in str(caught.value)
    with pytest.raises(NotFound):
        transport.get_json("/contacts/x")
    with pytest.raises(Conflict, match="Name taken"):
        transport.request("POST", "/contact_lists", json_body={"name": "x"})


def test_quota_stop_happens_before_sending(tmp_path):
    quota = DailyQuota(tmp_path / "usage.json", allowance=1)
    transport, adapter, _ = make_transport([(200, {}, {})], quota=quota)
    transport.get_json("/contacts")
    with pytest.raises(QuotaExhausted):
        transport.get_json("/contacts")
    assert len(adapter.sent) == 1


def test_next_links_resolve_against_the_origin():
    transport, _, _ = make_transport([])
    assert transport.url_for("/v3/contacts?cursor=abc") == "https://api.example.test/v3/contacts?cursor=abc"
    assert transport.url_for("/contacts") == "https://api.example.test/v3/contacts"


def test_a_long_retry_after_is_reported_not_waited_out():
    transport, adapter, sleeps = make_transport([(429, None, {"Retry-After": "600"})])
    with pytest.raises(RateLimited) as caught:
        transport.get_json("/contacts")
    assert caught.value.retry_after == 600 and not sleeps and len(adapter.sent) == 1


def test_the_services_daily_limit_stops_like_our_own_quota():
    transport, _, sleeps = make_transport(
        [
            (
                429,
                [
                    {
                        "error_key": "too_many_requests",
                        "error_message": "You exceeded the daily request allowance.",
                    }
                ],
                {"Retry-After": "30000"},
            )
        ]
    )
    with pytest.raises(QuotaExhausted):
        transport.get_json("/contacts")
    assert not sleeps


def test_quota_exceeded_without_retry_after_stops_like_our_own_quota():
    """The real service's daily 429: `error_key` quota_exceeded, a terse message, no Retry-After."""
    body = [{"error_key": "quota_exceeded", "error_message": "Limit Exceeded"}]
    transport, adapter, sleeps = make_transport([(429, body, {})])
    with pytest.raises(QuotaExhausted):
        transport.get_json("/contacts")
    assert not sleeps and len(adapter.sent) == 1
