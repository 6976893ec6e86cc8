"""Pytest fixtures that run the Constant Contact sandbox in-process.

- `sandbox`: a started `SandboxServer` on a free port, rate limits off and activities completing on
  their first poll, unless the test says otherwise with `@pytest.mark.sandbox_config(**settings)`;
- `sandbox_factory(**settings)`: start more sandboxes (or one with other settings) inside a test;
- `sandbox_token`: an access token with `contact_data account_read` for the `sandbox` fixture;
- `sandbox_api`: a plain-HTTP helper (`tests.support.sandbox_http.Api`) holding that token;
- `sandbox_recorder`: every API response the suite received, for the contract test.

Every response to a `/v3/` request made through the sandbox is recorded (method, path template, status,
body) so `tests/contract/test_sandbox_contract.py` can check each against the official spec.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ctctdesk.sandbox.server import SandboxConfig, SandboxServer

TEST_DEFAULTS: dict[str, Any] = {"rate_limit_per_second": None, "daily_limit": None, "activity_delay": 0.0}


class ResponseRecorder:
    """(method, path template, status, body) of each API response, shared by the whole session."""

    PER_KIND = 200  # enough to see every shape an operation answers with, without hoarding memory

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[tuple[str, str, int, Any]] = []
        self._kept: dict[tuple[str, str, int], int] = {}

    def add(self, method: str, template: str, status: int, body: Any) -> None:
        key = (method, template, status)
        with self._lock:
            if self._kept.get(key, 0) < self.PER_KIND:
                self._kept[key] = self._kept.get(key, 0) + 1
                self.records.append((method, template, status, body))


RECORDER = ResponseRecorder()


def _recording(server: SandboxServer) -> None:
    """Wrap the server's API entry so every answer is kept for the contract test."""
    original = server._api

    def recorded(request: Any) -> Any:
        response = original(request)
        if request.environ.get("ctctdesk.sandbox.dropped"):
            return response  # the client never saw an answer
        try:
            rule, _ = server._map.bind("sandbox", "/").match(request.path, method=request.method,
                                                               return_rule=True)
        except Exception:  # noqa: BLE001 - unknown paths and wrong methods are not in the spec
            return response
        data = response.get_data()
        body = json.loads(data) if data and response.mimetype == "application/json" else None
        if response.mimetype == "text/csv":  # an exported contacts file: the spec's body is a string
            body = data.decode("utf-8")
        RECORDER.add(request.method, rule.rule.replace("<", "{").replace(">", "}")[len("/v3"):],
                     response.status_code, body)
        return response

    server._api = recorded  # type: ignore[method-assign]


def config_for(**settings: Any) -> SandboxConfig:
    return SandboxConfig(**{**TEST_DEFAULTS, **settings})


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    started: list[SandboxServer] = []

    def start(**settings: Any) -> SandboxServer:
        server = SandboxServer(config_for(**settings))
        _recording(server)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    marker = request.node.get_closest_marker("sandbox_config")
    return sandbox_factory(**(marker.kwargs if marker else {}))


@pytest.fixture
def sandbox_token(sandbox: SandboxServer) -> str:
    return sandbox.oauth.issue_token("contact_data account_read", None)["access_token"]


@pytest.fixture(scope="session")
def sandbox_recorder() -> ResponseRecorder:
    return RECORDER


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sandbox_config(**settings): SandboxConfig settings for the sandbox fixture")


@pytest.fixture
def sandbox_api(sandbox: SandboxServer, sandbox_token: str) -> Any:
    """Plain-HTTP helper (`tests.support.sandbox_http.Api`) holding the `sandbox_token`."""
    from tests.support.sandbox_http import Api

    return Api(sandbox.base_url, sandbox_token)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the sandbox contract test last, so it sees every response the rest of the suite received."""
    last = [item for item in items if "test_sandbox_contract" in item.nodeid]
    if last:
        items[:] = [item for item in items if item not in last] + last
