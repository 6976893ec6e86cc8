"""A hostile or broken server, answered from a script: where the token goes, endless paging, long
waits asked for, unreadable answers and what a 429 really meant (issue 12, items 1, 5, 6, 7 and 9)."""

import threading
import time

import pytest

from ctctdesk.ctct.client import CtctClient
from ctctdesk.ctct.errors import (
    BadResponse,
    CtctError,
    EndlessPaging,
    QuotaExhausted,
    RateLimited,
    RequestCancelled,
    ServiceQuotaExceeded,
    UnsafeLink,
)
from ctctdesk.ctct.http import ApiTransport, RateLimiter, RetryPolicy
from ctctdesk.ctct.timing import FakeClock, SystemClock
from tests.support.scripted_http import scripted_session

TOKEN = "secret-access-token-123"
BASE = "https://api.example.test/v3"


class Tokens:
    def access_token(self):
        return TOKEN

    def refresh_after_unauthorized(self, rejected):
        return TOKEN


def make_client(answers, *, clock=None, attempts=4):
    session, adapter = scripted_session(answers)
    clock = clock or FakeClock()
    transport = ApiTransport(BASE, Tokens(), session=session, clock=clock,
                             limiter=RateLimiter(max_requests=10_000, clock=clock),
                             retry=RetryPolicy(attempts=attempts, base=0.5, cap=4.0))
    return CtctClient(transport), adapter, clock


def page(emails, next_href=None, count=None):
    body = {"contacts": [{"contact_id": e, "email_address": {"address": e}} for e in emails]}
    if next_href:
        body["_links"] = {"next": {"href": next_href}}
    if count is not None:
        body["contacts_count"] = count
    return (200, body, {})


def at_most(n, answer):
    """A scripted server that answers `answer(request)` and fails the test past `n` requests."""
    seen = []

    def respond(request):
        seen.append(request.url)
        if len(seen) > n:
            raise AssertionError(f"the client kept asking: {len(seen)} requests")
        return answer(request)

    return respond


# -- 1. the bearer token stays at home -------------------------------------------------------------
@pytest.mark.parametrize("href", [
    "http://evil.example/v3/contacts?cursor=c2",  # another host over plain http
    "https://evil.example/v3/contacts?cursor=c2",  # another host
    "http://api.example.test/v3/contacts?cursor=c2",  # same host, plain http
    "https://api.example.test:8443/v3/contacts?cursor=c2",  # same host, another port
    "//evil.example/v3/contacts?cursor=c2",  # scheme-relative
])
def test_a_next_link_to_another_origin_is_refused_and_named_without_the_token(href):
    client, adapter, _ = make_client(at_most(3, lambda r: page(["a@x.com"], href)))
    with pytest.raises(UnsafeLink) as caught:
        list(client.iter_contacts())
    assert [sent.url.split("?")[0] for sent in adapter.sent] == [f"{BASE}/contacts"]
    assert href in str(caught.value) and TOKEN not in str(caught.value)


def test_a_next_link_on_the_same_origin_is_followed_absolute_or_not():
    answers = [page(["a@x.com"], "https://api.example.test:443/v3/contacts?cursor=c2"),
               page(["b@x.com"], "/v3/contacts?cursor=c3"), page(["c@x.com"])]
    client, adapter, _ = make_client(answers)
    assert [c.email for c in client.iter_contacts()] == ["a@x.com", "b@x.com", "c@x.com"]
    assert all(sent.headers["Authorization"] == f"Bearer {TOKEN}" for sent in adapter.sent)


def test_a_redirect_is_not_followed_with_the_token():
    client, adapter, _ = make_client(at_most(2, lambda r: (302, None, {"Location": "http://evil.example/"})))
    with pytest.raises(BadResponse, match="evil.example"):
        client.account_summary()
    assert all("evil" not in sent.url for sent in adapter.sent)


# -- 5. paging that never ends ----------------------------------------------------------------------
def test_a_page_pointing_to_itself_stops_with_a_clear_error():
    client, adapter, _ = make_client(at_most(5, lambda r: page(["a@x.com"], "/v3/contacts?cursor=same")))
    with pytest.raises(EndlessPaging, match="contacts") as caught:
        list(client.iter_contacts())
    assert len(adapter.sent) == 2
    assert "allowance" not in str(caught.value)  # not mistaken for the daily allowance by the CLI


def test_ever_new_pages_stop_past_what_the_reported_count_allows():
    counter = iter(range(1_000_000))
    client, adapter, _ = make_client(at_most(
        10, lambda r: page([f"p{next(counter)}@x.com"], f"/v3/contacts?cursor={next(counter)}", count=3)))
    with pytest.raises(EndlessPaging, match="pages"):
        list(client.contact_pages(limit=1))
    assert len(adapter.sent) <= 4  # 3 contacts at 1 per page, and one page of slack


def test_the_pulls_contact_search_is_guarded_like_every_listing():
    """The pull reads through `search_contacts`: a self-pointing page, a link to another origin and a
    page of the wrong shape stop it as they stop any other listing."""
    client, adapter, _ = make_client(at_most(5, lambda r: page(["a@x.com"], "/v3/contacts?cursor=same")))
    with pytest.raises(EndlessPaging, match="contacts"):
        list(client.search_contacts(status=("all",), optout_after="2026-01-01T00:00:00Z"))
    assert len(adapter.sent) == 2
    client, adapter, _ = make_client(at_most(3, lambda r: page(["a@x.com"], "http://evil.example/v3/c")))
    with pytest.raises(UnsafeLink):
        list(client.search_contacts(status=("all",)))
    assert len(adapter.sent) == 1
    client, _, _ = make_client([(200, {"contacts": {"not": "a list"}}, {})])
    with pytest.raises(BadResponse):
        list(client.search_contacts(status=("all",)))


def test_smaller_pages_than_asked_are_read_to_the_end_within_the_count():
    answers = [page(["a@x.com", "b@x.com"], "/v3/contacts?cursor=2", count=6),
               page(["c@x.com", "d@x.com"], "/v3/contacts?cursor=3", count=6),
               page(["e@x.com", "f@x.com"], count=6)]
    client, _, _ = make_client(answers)
    assert len(list(client.iter_contacts())) == 6  # asked for 500 a page, got 2: not endless


# -- 6. waits asked for by the server ---------------------------------------------------------------
def test_a_retry_after_past_the_cap_is_not_waited_and_the_error_and_log_say_so(caplog):
    client, adapter, clock = make_client(at_most(6, lambda r: (429, None, {"Retry-After": "120"})))
    with pytest.raises(RateLimited) as caught:
        client.account_summary()
    assert not clock.slept and len(adapter.sent) == 1
    assert any("asked to wait 120 s" in record.getMessage() for record in caplog.records)
    assert "wait 120 seconds" in str(caught.value) and "60 seconds" in str(caught.value)


def test_the_waiting_of_one_request_is_capped_in_total():
    client, adapter, clock = make_client(at_most(6, lambda r: (429, None, {"Retry-After": "50"})), attempts=6)
    with pytest.raises(RateLimited, match="120 seconds"):
        client.account_summary()
    assert sum(clock.slept) <= 120 and len(adapter.sent) == 3


def test_cancel_ends_a_retry_after_wait_within_a_second():
    client, adapter, _ = make_client([(429, None, {"Retry-After": "50"}), (200, {}, {})], clock=SystemClock())
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with client.cancelled_by(cancel), pytest.raises(RequestCancelled):
        client.account_summary()
    assert time.monotonic() - started < 1.0 and len(adapter.sent) == 1


def test_cancel_ends_a_back_off_wait_within_a_second():
    client, _, _ = make_client([(503, None, {}), (200, {}, {})], clock=SystemClock())
    client.transport.retry = RetryPolicy(attempts=3, base=40.0, cap=40.0)
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    started = time.monotonic()
    with client.cancelled_by(cancel), pytest.raises(RequestCancelled):
        client.account_summary()
    assert time.monotonic() - started < 1.0


# -- 7. answers that are not what the service sends -------------------------------------------------
@pytest.mark.parametrize(("body", "content_type", "said"), [
    (b'{"contacts": [', "application/json", "not readable JSON"),
    (b"<html><body>Please log in to the Wi-Fi</body></html>", "text/html", "a web page"),
    (b"[1, 2, 3]", "application/json", "a JSON list"),
    (b'{"contacts": {"a": 1}}', "application/json", "not a list"),
    (b'{"contacts": [{"email_address": {}}]}', "application/json", "missing"),
])
def test_an_unreadable_answer_is_the_clients_own_error_with_advice(body, content_type, said):
    client, _, _ = make_client([(200, body, {"Content-Type": content_type})])
    with pytest.raises(BadResponse) as caught:
        list(client.iter_contacts())
    message = str(caught.value)
    assert isinstance(caught.value, CtctError)
    assert said in message and "internet connection" in message and "Traceback" not in message


def test_an_unreadable_answer_to_a_write_is_the_clients_own_error():
    client, _, _ = make_client([(201, b"<html>proxy error</html>", {"Content-Type": "text/html"})])
    with pytest.raises(BadResponse, match="web page"):
        client.import_contacts([{"email": "a@x.com"}], ["list-1"])


# -- 9. what a 429 really meant ----------------------------------------------------------------------
def test_a_429_with_a_long_retry_after_is_not_called_the_daily_allowance():
    client, _, _ = make_client([(429, [{"error_key": "throttled", "error_message": "Too many requests"}],
                                 {"Retry-After": "7200"})])
    with pytest.raises(CtctError) as caught:
        client.account_summary()
    assert not isinstance(caught.value, QuotaExhausted)
    assert isinstance(caught.value, RateLimited) and "2 hours" in str(caught.value)
    assert "allowance" not in str(caught.value)


def test_the_services_quota_exceeded_says_it_is_the_services_count_and_is_not_retried():
    body = {"error_key": "quota_exceeded", "error_message": "Too many requests"}
    client, adapter, clock = make_client(at_most(6, lambda r: (429, [body], {})))
    with pytest.raises(ServiceQuotaExceeded) as caught:
        client.account_summary()
    assert len(adapter.sent) == 1 and not clock.slept
    assert "Constant Contact says" in str(caught.value) and "midnight" in str(caught.value)
    assert isinstance(caught.value, QuotaExhausted)  # the same clean stop and exit code as our own count


def test_throttled_without_retry_after_is_retried_then_reported_as_throttling():
    body = {"error_key": "throttled", "error_message": "Too many requests"}
    client, adapter, clock = make_client(at_most(6, lambda r: (429, [body], {})))
    with pytest.raises(RateLimited, match="too fast") as caught:
        client.account_summary()
    assert len(adapter.sent) == 4 and len(clock.slept) == 3
    assert not isinstance(caught.value, QuotaExhausted)


def test_a_retry_after_date_is_measured_on_the_servers_clock_not_the_desktops():
    # the desktop runs an hour ahead: against its clock the date below is long past, so no wait at all
    answers = [(429, None, {"Date": "Mon, 30 Nov 2026 10:00:00 GMT",
                            "Retry-After": "Mon, 30 Nov 2026 10:00:30 GMT"}), (200, {}, {})]
    client, _, clock = make_client(answers)
    client.account_summary()
    assert clock.slept and 30 <= clock.slept[0] < 31
