"""The Campaign Monitor transport without a server: pacing, retries, renewal, errors, secrets."""

from __future__ import annotations

import base64
import logging
import threading

import pytest
import requests

from ctctdesk.cmon import client as client_module
from ctctdesk.cmon.client import CmonClient, SubscriberData
from ctctdesk.cmon.errors import (
    AuthFailed,
    AuthRevoked,
    BadResponse,
    InvalidRequest,
    NotFound,
    RateLimited,
    RequestCancelled,
    ServiceUnavailable,
    TokenExpired,
)
from ctctdesk.cmon.http import ApiKey, BearerToken, CmonTransport, RateLimiter, StaticToken
from ctctdesk.pacing import RetryPolicy
from tests.support.clocks import client_clock
from tests.support.scripted_http import scripted_session

SECRET_KEY = "sk-cmon-0123456789abcdef-secret"
LIST = "0123456789abcdef0123456789abcdef"
OK_CLIENTS = (200, [{"ClientID": LIST, "Name": "Office"}], {})


def transport_for(answers, credentials=None, *, per_second=1000, retry=None):
    clock = client_clock()
    session, adapter = scripted_session(answers)
    transport = CmonTransport(credentials or ApiKey(SECRET_KEY), api_base_url="https://cm.test/api/v3.3",
                              session=session, limiter=RateLimiter(per_second, clock=clock),
                              retry=retry or RetryPolicy(), clock=clock)
    return transport, adapter, clock


def test_the_api_key_goes_as_the_basic_username():
    transport, adapter, _ = transport_for([OK_CLIENTS])
    CmonClient(transport).clients()
    scheme, _, encoded = adapter.sent[0].headers["Authorization"].partition(" ")
    assert scheme == "Basic" and base64.b64decode(encoded).decode().split(":")[0] == SECRET_KEY
    assert adapter.sent[0].url == "https://cm.test/api/v3.3/clients.json"


def test_a_429_is_waited_out_for_x_ratelimit_reset_then_retried():
    refused = (429, {"Code": 429, "Message": "Rate limit exceeded"},
               {"X-RateLimit-Limit": "10", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"})
    transport, adapter, clock = transport_for([refused, OK_CLIENTS])
    assert [c.name for c in CmonClient(transport).clients()] == ["Office"]
    assert len(adapter.sent) == 2 and max(clock.slept) >= 7


def test_a_429_asking_for_a_long_wait_stops_the_run_and_says_so():
    refused = (429, {"Code": 429, "Message": "Rate limit exceeded"}, {"X-RateLimit-Reset": "3600"})
    transport, adapter, _ = transport_for([refused])
    with pytest.raises(RateLimited) as stopped:
        CmonClient(transport).clients()
    assert stopped.value.retry_after == 3600 and len(adapter.sent) == 1


def test_server_errors_are_retried_only_where_a_retry_cannot_duplicate_work():
    failing = (503, {"Code": 503, "Message": "Service Unavailable"}, {})
    transport, adapter, _ = transport_for([failing, OK_CLIENTS])
    CmonClient(transport).clients()
    assert len(adapter.sent) == 2
    transport, adapter, _ = transport_for([failing])
    with pytest.raises(ServiceUnavailable):
        CmonClient(transport).create_list(LIST, "News")  # a repeat could make the list twice
    assert len(adapter.sent) == 1


def test_an_import_is_retried_after_a_dropped_connection():
    done = (201, {"FailureDetails": [], "TotalUniqueEmailsSubmitted": 1, "TotalExistingSubscribers": 0,
                  "TotalNewSubscribers": 1, "DuplicateEmailsInSubmission": []}, {})
    transport, adapter, _ = transport_for([requests.ConnectionError("reset"), done])
    result = CmonClient(transport).import_subscribers(LIST, [SubscriberData("a@example.org")])
    assert result.total_new == 1 and len(adapter.sent) == 2
    assert adapter.sent[0].json()["Resubscribe"] is False


class Tokens:
    def __init__(self):
        self.current = "access-1"
        self.refreshed = 0

    def access_token(self):
        return self.current

    def refresh_after_unauthorized(self, rejected_token):
        assert rejected_token == self.current
        self.refreshed += 1
        self.current = f"access-{self.refreshed + 1}"
        return self.current


def test_an_expired_token_is_renewed_once_and_the_request_repeated():
    expired = (401, {"Code": 121, "Message": "Expired OAuth Token"}, {})
    tokens = Tokens()
    transport, adapter, _ = transport_for([expired, OK_CLIENTS], BearerToken(tokens))
    CmonClient(transport).clients()
    assert [s.headers["Authorization"] for s in adapter.sent] == ["Bearer access-1", "Bearer access-2"]
    transport, adapter, _ = transport_for([expired, expired], BearerToken(Tokens()))
    with pytest.raises(TokenExpired):
        CmonClient(transport).clients()
    transport, _, _ = transport_for([expired], BearerToken(StaticToken("fixed")))
    with pytest.raises(TokenExpired):
        CmonClient(transport).clients()


@pytest.mark.parametrize("answer,error", [
    ((401, {"Code": 100, "Message": "Invalid API Key"}, {}), AuthFailed),
    ((401, {"Code": 122, "Message": "Revoked OAuth Token"}, {}), AuthRevoked),
    ((401, {"Code": 101, "Message": "Invalid ListID"}, {}), NotFound),
    ((400, {"Code": 250, "Message": "Duplicate list title"}, {}), InvalidRequest),
    ((302, None, {"Location": "https://elsewhere.test/"}), BadResponse),
    ((200, b"<html>maintenance</html>", {"Content-Type": "text/html"}), BadResponse),
])
def test_answers_become_one_exception_family_without_the_key(answer, error, caplog):
    caplog.set_level(logging.DEBUG)
    transport, adapter, _ = transport_for([answer])
    with pytest.raises(error) as raised:
        CmonClient(transport).list_details(LIST)
    assert len(adapter.sent) == 1
    assert SECRET_KEY not in str(raised.value) and SECRET_KEY not in caplog.text
    assert SECRET_KEY not in repr(transport.credentials)


def test_requests_keep_to_the_pace_on_the_injected_clock():
    transport, adapter, clock = transport_for([OK_CLIENTS] * 11, per_second=5)
    client = CmonClient(transport)
    for _ in range(11):
        client.clients()
    assert sum(clock.slept) >= 2.0 and client.requests_sent == 11


def test_cancel_ends_a_wait_at_once():
    refused = (429, {"Code": 429, "Message": "Rate limit exceeded"}, {"X-RateLimit-Reset": "30"})
    transport, _, _ = transport_for([refused, OK_CLIENTS])
    cancel = threading.Event()
    cancel.set()
    with transport.cancelled_by(cancel), pytest.raises(RequestCancelled):
        CmonClient(transport).clients()


def test_endless_paging_is_stopped(monkeypatch):
    monkeypatch.setattr(client_module, "MAX_PAGES", 3)
    page = {"Results": [{"EmailAddress": "a@example.org", "Name": "", "ListJoinedDate": "2024-01-01 00:00:00",
                         "State": "Active", "StateChangedDate": "2024-01-01 00:00:00", "CustomFields": [],
                         "ReadsEmailWith": ""}],
            "ResultsOrderedBy": "email", "OrderDirection": "asc", "PageNumber": 1, "PageSize": 10,
            "RecordsOnThisPage": 1, "TotalNumberOfRecords": 10**7, "NumberOfPages": 10**6}
    transport, adapter, _ = transport_for(lambda request: (200, page, {}))
    with pytest.raises(BadResponse):
        list(CmonClient(transport).subscribers(LIST, "active"))
    assert len(adapter.sent) == 3


def test_only_the_api_base_url_is_ever_called():
    transport, _, _ = transport_for([])
    with pytest.raises(ValueError):
        transport.request("GET", "https://elsewhere.test/api/v3.3/clients.json")


def test_an_oversized_answer_is_refused_not_read_into_memory():
    transport, _, _ = transport_for([(200, [{"ClientID": LIST, "Name": "x" * 5000}], {})])
    transport.max_response_bytes = 1024
    with pytest.raises(BadResponse) as refused:
        CmonClient(transport).clients()
    assert "larger than" in str(refused.value)
