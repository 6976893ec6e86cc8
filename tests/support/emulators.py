"""What the fixtures of both emulators share (`sandbox_fixtures.py`, `cmon_fixtures.py`).

Each keeps every API answer it served in a session-wide `ResponseRecorder` for its contract test, and
starts servers on demand that are stopped after the test.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from ctctdesk.sandbox.serving import EmulatorServer

Server = TypeVar("Server", bound=EmulatorServer)


class ResponseRecorder:
    """(method, path template, status, body) of each API answer, shared by the whole session."""

    PER_KIND = 200  # enough to see every shape an operation answers with, without hoarding memory

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.records: list[tuple[str, str, int, Any]] = []
        self._kept: dict[tuple[str, str, int], int] = {}
        self._uncapped = False

    @contextlib.contextmanager
    def uncapped(self) -> Iterator[None]:
        """Keep every answer within the block: a test that reads back its own answers must find them all,
        however many earlier tests filled the per-kind quota."""
        self._uncapped = True
        try:
            yield
        finally:
            self._uncapped = False

    def add(self, method: str, template: str, status: int, body: Any) -> None:
        key = (method, template, status)
        with self._lock:
            if self._uncapped or self._kept.get(key, 0) < self.PER_KIND:
                self._kept[key] = self._kept.get(key, 0) + 1
                self.records.append((method, template, status, body))


def record_answers(server: Any, recorder: ResponseRecorder, template: Callable[[str], str]) -> None:
    """Wrap the server's API entry so each answer to a request that matched a route goes to `recorder`,
    under the path template `template` makes of the route's rule."""
    original = server._api

    def recorded(request: Any) -> Any:
        response = original(request)
        if request.environ.get("ctctdesk.sandbox.dropped"):
            return response  # the client never saw an answer
        try:
            rule, _ = server._map.bind("sandbox", "/").match(request.path, method=request.method,
                                                               return_rule=True)
        except Exception:  # noqa: BLE001 - unknown paths and wrong methods are not documented shapes
            return response
        data = response.get_data()
        body = json.loads(data) if data and response.mimetype == "application/json" else None
        if response.mimetype == "text/csv":  # an exported contacts file: the spec's body is a string
            body = data.decode("utf-8")
        recorder.add(request.method, template(rule.rule), response.status_code, body)
        return response

    server._api = recorded


def started_servers(build: Callable[..., Server]) -> Iterator[Callable[..., Server]]:
    """The body of a factory fixture: `start(**settings)` starts a server `build` makes; all stop after."""
    started: list[Server] = []

    def start(**settings: Any) -> Server:
        server = build(**settings)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def marker_settings(request: pytest.FixtureRequest, marker_name: str) -> dict[str, Any]:
    """The settings a test gives with `@pytest.mark.<marker_name>(**settings)`, or none."""
    marker = request.node.get_closest_marker(marker_name)
    return dict(marker.kwargs) if marker else {}


def run_last(items: list[pytest.Item], name_part: str) -> None:
    """Move the tests whose id contains `name_part` to the end, so they see what every other test recorded."""
    last = [item for item in items if name_part in item.nodeid]
    if last:
        items[:] = [item for item in items if item not in last] + last
