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

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ctctdesk.sandbox.server import SandboxConfig, SandboxServer
from tests.support.emulators import (
    ResponseRecorder,
    marker_settings,
    record_answers,
    run_last,
    started_servers,
)

TEST_DEFAULTS: dict[str, Any] = {"rate_limit_per_second": None, "daily_limit": None, "activity_delay": 0.0}


RECORDER = ResponseRecorder()


def _recording(server: SandboxServer) -> None:
    """Keep every answer of the server's API for the contract test, under the spec's path template."""
    record_answers(server, RECORDER, lambda rule: rule.replace("<", "{").replace(">", "}")[len("/v3"):])


def config_for(**settings: Any) -> SandboxConfig:
    return SandboxConfig(**{**TEST_DEFAULTS, **settings})


@pytest.fixture
def sandbox_factory() -> Iterator[Callable[..., SandboxServer]]:
    def build(**settings: Any) -> SandboxServer:
        server = SandboxServer(config_for(**settings))
        _recording(server)
        return server

    yield from started_servers(build)


@pytest.fixture
def sandbox(request: pytest.FixtureRequest, sandbox_factory: Callable[..., SandboxServer]) -> SandboxServer:
    return sandbox_factory(**marker_settings(request, "sandbox_config"))


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
    run_last(items, "test_sandbox_contract")
