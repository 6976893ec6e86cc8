"""Pytest fixtures that run the Campaign Monitor emulator in-process on 127.0.0.1.

- `cmon_sandbox`: a started `CmonServer` on a free port, rate limit off unless the test says otherwise
  with `@pytest.mark.cmon_config(**settings)`;
- `cmon_factory(**settings)`: start more emulators (or one with other settings) inside a test;
- `cmon_client`: a `CmonClient` signed in with the emulator's API key, on a fake clock the emulator's
  clock follows (the real clock under `@pytest.mark.real_clock`, see tests/support/clocks.py);
- `cmon_recorder`: every API answer the suite received from an emulator, for the contract test.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ctctdesk.sandbox.cmon.api import template
from ctctdesk.sandbox.cmon.server import CmonConfig, CmonServer

TEST_DEFAULTS: dict[str, Any] = {"rate_limit_per_second": None}


class CmonRecorder:
    """(method, path template, status, body) of each API answer, shared by the whole session."""

    PER_KIND = 200

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[tuple[str, str, int, Any]] = []
        self._kept: dict[tuple[str, str, int], int] = {}

    def add(self, method: str, label: str, status: int, body: Any) -> None:
        key = (method, label, status)
        with self._lock:
            if self._kept.get(key, 0) < self.PER_KIND:
                self._kept[key] = self._kept.get(key, 0) + 1
                self.records.append((method, label, status, body))


RECORDER = CmonRecorder()


def _recording(server: CmonServer) -> None:
    original = server._api

    def recorded(request: Any) -> Any:
        response = original(request)
        if request.environ.get("ctctdesk.sandbox.dropped"):
            return response
        try:
            rule, _ = server._map.bind("sandbox", "/").match(request.path, method=request.method,
                                                               return_rule=True)
        except Exception:  # noqa: BLE001 - unknown paths and wrong methods are not documented shapes
            return response
        data = response.get_data()
        body = json.loads(data) if data and response.mimetype == "application/json" else None
        RECORDER.add(request.method, template(rule.rule), response.status_code, body)
        return response

    server._api = recorded  # type: ignore[method-assign]


def cmon_config_for(**settings: Any) -> CmonConfig:
    return CmonConfig(**{**TEST_DEFAULTS, **settings})


def client_for(server: CmonServer, clock: Any = None, *, api_key: str | None = None) -> Any:
    """A `CmonClient` for `server`, signed in with its API key, pacing on `clock` (default: a fake one
    the emulator's clock follows)."""
    from ctctdesk.cmon.client import open_client
    from tests.support.clocks import client_clock

    return open_client(api_key=api_key or server.api_key, api_base_url=server.api_base_url,
                       clock=clock or client_clock(server))


@pytest.fixture
def cmon_factory() -> Iterator[Callable[..., CmonServer]]:
    started: list[CmonServer] = []

    def start(**settings: Any) -> CmonServer:
        server = CmonServer(cmon_config_for(**settings))
        _recording(server)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def cmon_sandbox(request: pytest.FixtureRequest, cmon_factory: Callable[..., CmonServer]) -> CmonServer:
    marker = request.node.get_closest_marker("cmon_config")
    return cmon_factory(**(marker.kwargs if marker else {}))


@pytest.fixture
def cmon_client(request: pytest.FixtureRequest, cmon_sandbox: CmonServer) -> Any:
    from tests.support.clocks import clock_for

    return client_for(cmon_sandbox, clock_for(request, cmon_sandbox))


@pytest.fixture(scope="session")
def cmon_recorder() -> CmonRecorder:
    return RECORDER


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cmon_config(**settings): CmonConfig settings for the cmon_sandbox fixture")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the emulator's recorded-shape contract test last, so it sees every answer the suite received."""
    last = [item for item in items if "test_cmon_recorded_shapes" in item.nodeid]
    if last:
        items[:] = [item for item in items if item not in last] + last
