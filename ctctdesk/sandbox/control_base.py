"""What both emulators' control interfaces under `/_sandbox/` share.

The Constant Contact sandbox (`control.py`) and the Campaign Monitor emulator (`cmon/control.py`) act out
different people, but they read the body, report a wrong address or method, and reset, dump, inject
faults, read counters and change settings alike. `ControlBase` holds those operations once.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.counters import RequestCounters
from ctctdesk.sandbox.faults import Fault, FaultInjector


def rule(path: str, method: str, endpoint: str) -> Rule:
    """A control route: one method on one path, carried out by the control interface's `endpoint` method."""
    return Rule(path, methods=[method], endpoint=endpoint)


def control_map(own: list[Rule]) -> Map:
    """A service's own control routes and those every control interface offers.

    `ControlBase` carries out the latter but `state_put`, `seed`, `clock` and `clock_get`, which each
    service does in its own way.
    """
    return Map([
        *own,
        rule("/reset", "POST", "reset"),
        rule("/state", "GET", "state_get"),
        rule("/state", "PUT", "state_put"),
        rule("/seed", "POST", "seed"),
        rule("/clock", "GET", "clock_get"),
        rule("/clock", "POST", "clock"),
        rule("/faults", "POST", "faults_add"),
        rule("/faults", "GET", "faults_get"),
        rule("/faults", "DELETE", "faults_clear"),
        rule("/counters", "GET", "counters_get"),
        rule("/counters", "DELETE", "counters_reset"),
        rule("/config", "POST", "config_set"),
        rule("/config", "GET", "config_get"),
    ], strict_slashes=False)


class ControlledServer(Protocol):
    """What the shared control operations reach of a server.

    A protocol rather than an import of the servers, which build their control interface and import it.
    """

    clock: Clock
    faults: FaultInjector
    counters: RequestCounters

    def reset(self, *, forget_tokens: bool = False) -> None: ...

    def dump(self) -> dict[str, Any]: ...

    def load(self, data: dict[str, Any]) -> None: ...

    def configure(self, **settings: Any) -> None: ...

    def config_json(self) -> dict[str, Any]: ...


class ControlError(Exception):
    """A control request that cannot be carried out: answered with `status` and `{"error": message}`.

    The message is None only for werkzeug's routing answers that carry no description.
    """

    def __init__(self, status: int, message: str | None):
        super().__init__(message)
        self.status = status
        self.message = message


class ControlBase:
    """The operations both control interfaces offer; a subclass adds its service's own.

    A subclass sets `server` and `map` (its routes) and names the settings `config_set` accepts
    (`config_keys`) and the path a fault applies to when the request names none (`fault_path_prefix`).
    """

    server: ControlledServer
    map: Map
    config_keys: tuple[str, ...] = ()
    fault_path_prefix = "/"

    def _endpoint(self, request: Request, subpath: str) -> str:
        """The operation `subpath` names, or a ControlError that says what is wrong with the request."""
        try:
            endpoint, _ = self.map.bind("sandbox", "/").match("/" + subpath, method=request.method)
        except NotFound:
            raise ControlError(404, f"no control operation at /_sandbox/{subpath}") from None
        except MethodNotAllowed:
            raise ControlError(405, f"{request.method} is not allowed on /_sandbox/{subpath}") from None
        except HTTPException as error:
            raise ControlError(error.code or 400, error.description) from None
        return str(endpoint)

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        raw = request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise ControlError(400, "the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ControlError(400, "the body must be a JSON object")
        return body

    def _advance_clock(self, body: dict[str, Any]) -> None:
        """Move the server's clock on by the body's `advance_seconds` (each service answers with its time)."""
        seconds = body.get("advance_seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise ControlError(400, "advance_seconds must be a number of seconds, zero or more")
        self.server.clock.advance(float(seconds))

    # ---------------------------------------------------------------------------- housekeeping
    def reset(self, body: dict[str, Any]) -> tuple[int, Any]:
        self.server.reset(forget_tokens=bool(body.get("oauth")))
        return 200, {"reset": True}

    def state_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, self.server.dump()

    def faults_add(self, body: dict[str, Any]) -> tuple[int, Any]:
        fault = Fault(kind=str(body.get("kind")), count=body.get("count"), fraction=body.get("fraction"),
                      delay=float(body.get("delay", 3.0)),
                      path_prefix=body.get("path_prefix") or self.fault_path_prefix)
        if "seed" in body:
            fault.rng.seed(body["seed"])
        try:
            self.server.faults.add(fault)
        except (ValueError, TypeError) as error:
            raise ControlError(400, str(error)) from None
        return 201, {"faults": self.server.faults.describe()}

    def faults_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"faults": self.server.faults.describe()}

    def faults_clear(self, body: dict[str, Any]) -> tuple[int, Any]:
        self.server.faults.clear()
        return 200, {"faults": []}

    def counters_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, self.server.counters.snapshot(self.server.clock.now())

    def counters_reset(self, body: dict[str, Any]) -> tuple[int, Any]:
        self.server.counters.reset()
        return 200, self.server.counters.snapshot(self.server.clock.now())

    def config_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, self.server.config_json()

    def config_set(self, body: dict[str, Any]) -> tuple[int, Any]:
        unknown = sorted(set(body) - set(self.config_keys))
        if unknown:
            raise ControlError(400, f"unknown settings: {', '.join(unknown)}")
        try:
            self.server.configure(**body)
        except (TypeError, ValueError) as error:
            raise ControlError(400, str(error)) from None
        return 200, self.server.config_json()
