"""Pytest fixtures that run the Campaign Monitor emulator in-process on 127.0.0.1.

- `cmon_sandbox`: a started `CmonServer` on a free port, rate limit off unless the test says otherwise
  with `@pytest.mark.cmon_config(**settings)`;
- `cmon_factory(**settings)`: start more emulators (or one with other settings) inside a test;
- `cmon_client`: a `CmonClient` signed in with the emulator's API key, on a fake clock the emulator's
  clock follows (the real clock under `@pytest.mark.real_clock`, see tests/support/clocks.py);
- `cmon_recorder`: every API answer the suite received from an emulator, for the contract test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ctctdesk.sandbox.cmon.api import template
from ctctdesk.sandbox.cmon.server import CmonConfig, CmonServer
from tests.support.emulators import (
    ResponseRecorder,
    marker_settings,
    record_answers,
    run_last,
    started_servers,
)

TEST_DEFAULTS: dict[str, Any] = {"rate_limit_per_second": None}


RECORDER = ResponseRecorder()


def _recording(server: CmonServer) -> None:
    record_answers(server, RECORDER, template)


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
    def build(**settings: Any) -> CmonServer:
        server = CmonServer(cmon_config_for(**settings))
        _recording(server)
        return server

    yield from started_servers(build)


@pytest.fixture
def cmon_sandbox(request: pytest.FixtureRequest, cmon_factory: Callable[..., CmonServer]) -> CmonServer:
    return cmon_factory(**marker_settings(request, "cmon_config"))


@pytest.fixture
def cmon_client(request: pytest.FixtureRequest, cmon_sandbox: CmonServer) -> Any:
    from tests.support.clocks import clock_for

    return client_for(cmon_sandbox, clock_for(request, cmon_sandbox))


@pytest.fixture(scope="session")
def cmon_recorder() -> ResponseRecorder:
    return RECORDER


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cmon_config(**settings): CmonConfig settings for the cmon_sandbox fixture")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the emulator's recorded-shape contract test last, so it sees every answer the suite received."""
    run_last(items, "test_cmon_recorded_shapes")
