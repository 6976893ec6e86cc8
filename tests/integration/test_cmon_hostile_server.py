"""The Campaign Monitor client against answers no well-behaved server gives: a trickle and an endless body."""

from __future__ import annotations

import time

import pytest

from ctctdesk.cmon.client import CmonClient
from ctctdesk.cmon.errors import BadResponse, ServiceUnavailable
from ctctdesk.cmon.http import ApiKey, CmonTransport, RateLimiter
from ctctdesk.pacing import RetryPolicy
from tests.support.clocks import client_clock
from tests.support.raw_http import trickle


def client_for(server, *, deadline=180.0, max_bytes=32 * 1024 * 1024):
    clock = client_clock()
    transport = CmonTransport(ApiKey("key"), api_base_url=f"{server.url}/api/v3.3", clock=clock,
                              limiter=RateLimiter(100, clock=clock), retry=RetryPolicy(attempts=2),
                              timeout=(2.0, 2.0), deadline=deadline, max_response_bytes=max_bytes)
    return CmonClient(transport)


def test_a_trickling_answer_ends_at_the_deadline(raw_server):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    server = raw_server(lambda conn, stop: (conn.sendall(head), trickle(conn, stop, b"[" + b" " * 198 + b"]", 0.1)))
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable):
        client_for(server, deadline=0.5).clients()
    assert time.monotonic() - started < 5 and server.requests == 2  # one retry, each cut at the deadline


def test_an_endless_body_is_cut_at_the_size_cap(raw_server):
    def endless(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"[" + b" " * 65_000
        while not stop.is_set():
            conn.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")

    server = raw_server(endless)
    with pytest.raises(BadResponse) as refused:
        client_for(server, max_bytes=1024 * 1024).clients()
    assert "larger than 1 MB" in str(refused.value)


def test_a_connection_dropped_mid_answer_is_retried_then_reported(raw_server):
    def half(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{")

    server = raw_server(half)
    with pytest.raises(ServiceUnavailable):
        client_for(server).clients()
    assert server.requests == 2
