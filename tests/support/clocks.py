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


@pytest.fixture
def opened_connections_on_fake_clock(request: pytest.FixtureRequest, sandbox: Any,
                                     monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Connections the command line opens itself (`Connection.open`) run on the test's clock.

    The command line builds its own context, with the real clock as shipped; its tests that do not
    check pacing use this fixture so they do not wait for the real rate limit either.
    """
    from ctctdesk.ctct.connection import Connection

    clock = clock_for(request, sandbox)
    shipped = Connection.open.__func__  # type: ignore[attr-defined]

    def open_on_clock(cls: type, data_dir: Any, sandbox_url: str | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("clock", clock)
        return shipped(cls, data_dir, sandbox_url, **kwargs)

    monkeypatch.setattr(Connection, "open", classmethod(open_on_clock))
    return clock
