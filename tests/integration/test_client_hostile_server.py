"""A server on 127.0.0.1 that trickles, never answers or never stops: every request still ends in time,
Cancel ends it within a second, and a huge answer is refused (issue 12, item 6)."""

import threading
import time

import pytest

from ctctdesk.ctct.client import CtctClient
from ctctdesk.ctct.errors import BadResponse, RequestCancelled, ServiceUnavailable
from ctctdesk.ctct.http import ApiTransport, RateLimiter, RetryPolicy
from ctctdesk.ctct.timing import SystemClock
from tests.support.raw_http import trickle

BODY = b'{"organization_name": "Trickle Inc"}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY)


class Tokens:
    def access_token(self):
        return "t"

    def refresh_after_unauthorized(self, rejected):
        return "t"


def client_for(server, **options):
    clock = SystemClock()
    transport = ApiTransport(server.url + "/v3", Tokens(), clock=clock,
                             limiter=RateLimiter(max_requests=1000, clock=clock),
                             retry=RetryPolicy(attempts=1), timeout=(2.0, 0.5), **options)
    return CtctClient(transport)


@pytest.mark.parametrize("phase", ["body", "head"])
def test_a_trickling_server_does_not_hold_a_request_past_its_deadline(raw_server, phase):
    # one byte every 0.2 s: each read is well inside the 0.5 s read timeout, the whole is not
    def handler(conn, stop):
        if phase == "body":
            conn.sendall(HEAD)
            trickle(conn, stop, BODY, 0.2)
        else:
            trickle(conn, stop, HEAD + BODY, 0.2)

    client = client_for(raw_server(handler), deadline=1.0)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="within 1 seconds"):
        client.account_summary()
    assert time.monotonic() - started < 2.5


def test_the_same_server_answering_in_time_is_read_normally(raw_server):
    client = client_for(raw_server(lambda conn, stop: trickle(conn, stop, HEAD + BODY, 0.001)), deadline=10.0)
    assert client.account_summary().organization_name == "Trickle Inc"


def test_cancel_ends_a_request_the_server_never_answers_within_a_second(raw_server):
    client = client_for(raw_server(lambda conn, stop: stop.wait(30)), deadline=60.0)
    client.transport.timeout = (2.0, 30.0)
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    started = time.monotonic()
    with client.cancelled_by(cancel), pytest.raises(RequestCancelled):
        client.account_summary()
    assert time.monotonic() - started < 1.2


def test_an_endless_body_is_cut_at_the_size_cap(raw_server):
    def endless(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"[" + b"0," * 32_000
        while not stop.is_set():
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    server = raw_server(endless)
    client = client_for(server, deadline=30.0, max_response_bytes=1024 * 1024)
    started = time.monotonic()
    with pytest.raises(BadResponse, match="larger than the 1 MB"):
        client.account_summary()
    assert time.monotonic() - started < 10


def test_a_declared_huge_body_is_refused_before_reading_it(raw_server):
    def huge(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 314572800\r\n\r\n{")
        stop.wait(30)

    client = client_for(raw_server(huge), deadline=30.0)
    started = time.monotonic()
    with pytest.raises(BadResponse, match="larger than"):
        client.account_summary()
    assert time.monotonic() - started < 2
