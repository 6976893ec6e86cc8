"""The clock the client runs on in tests.

Tests run the client on `FakeClock`: its rate limiter, back-off, Retry-After and activity polling
move fake time forward instead of waiting. `client_clock(sandbox)` also moves the sandbox's clock by
the same amount, so a bulk activity the client "waits" for progresses as it would in real time.

A few dedicated tests check the real pacing against the sandbox's real rate limit; they carry
`@pytest.mark.real_clock`, and the fixtures then give the connection the real clock.
"""

from __future__ import annotations

from typing import Any

import pytest

from ctctdesk.ctct.timing import Clock, FakeClock, SystemClock


def client_clock(sandbox: Any = None) -> FakeClock:
    """A fake clock for the client; with `sandbox`, the sandbox's clock follows it."""
    clock = FakeClock()
    if sandbox is not None:
        clock.follow(sandbox.clock.advance)
    return clock


def clock_for(request: pytest.FixtureRequest, sandbox: Any = None) -> Clock:
    """The real clock for a test marked `real_clock`, otherwise `client_clock(sandbox)`."""
    if request.node.get_closest_marker("real_clock"):
        return SystemClock()
    return client_clock(sandbox)
