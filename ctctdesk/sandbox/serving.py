"""What both emulators' HTTP servers share: serving on a background thread, faults, routing and counting.

The Constant Contact sandbox (`server.py`) and the Campaign Monitor emulator (`cmon/server.py`) answer in
different shapes, but they start, stop, save their state, act out transport faults (a slow answer, a
dropped connection) and count each API request by its route the same way. `EmulatorServer` holds that
part once; each server adds its own API, sign-in and error bodies.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Self

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.counters import RequestCounters
from ctctdesk.sandbox.faults import Fault, FaultInjector
from ctctdesk.sandbox.limits import RateLimiter

log = logging.getLogger(__name__)

#: The largest request body either emulator reads; werkzeug answers a larger one with 413.
MAX_BODY = 64 * 1024 * 1024


class BoundedRequest(Request):
    max_content_length = MAX_BODY


class QuietHandler(WSGIRequestHandler):
    """werkzeug's handler without a log line per request (tests make thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path.split("?", 1)[0], code)


class ServingConfig(Protocol):
    """The settings `EmulatorServer` reads from a server's config (0 as port: any free one)."""

    port: int
    state_file: Path | None


@dataclass
class Route:
    """Where an API request goes: its endpoint and path values, or the routing error to answer with."""

    endpoint: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    error: HTTPException | None = None


class EmulatorServer:
    """The life cycle and the service-neutral request handling of an emulator.

    A subclass sets `config`, `host`, `clock`, `oauth`, `limiter`, `faults` and `counters` in its
    constructor and supplies `dispatch` (route a request), `dump` (the state to save), `_reset_state`
    (empty its service's data), `_internal_error` (its 500 answer) and `_fault_response` (its answer to
    the faults that are not about the connection).
    """

    #: how messages name the server ("the sandbox is not running") and the name of its thread
    label = "sandbox"
    thread_name = "ctctdesk-sandbox"

    config: ServingConfig
    host: str
    clock: Clock
    oauth: Any  # each service's own authorization server; both can `reset()`
    limiter: RateLimiter
    faults: FaultInjector
    counters: RequestCounters
    _httpd: Any = None
    _thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------- life cycle
    def start(self) -> Self:
        if self._httpd is not None:
            return self
        # Bind here so a busy port raises OSError to the caller (werkzeug would print and exit instead).
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.config.port))
            listener.listen(128)
            self._httpd = make_server(self.host, self.config.port, self.wsgi, threaded=True,
                                      request_handler=QuietHandler, fd=listener.fileno())
        finally:
            listener.close()  # werkzeug holds its own duplicate of the socket
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd = None
            self._thread = None
        if self.config.state_file is not None:
            self.save(Path(self.config.state_file))

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"the {self.label} is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------------------------ state
    def dump(self) -> dict[str, Any]:
        raise NotImplementedError

    def save(self, path: Path) -> None:
        """Write the state through a temporary file, so a crash mid-write leaves the old file whole."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(json.dumps(self.dump()), encoding="utf-8")
        temporary.replace(path)

    def reset(self, *, forget_tokens: bool = False) -> None:
        """Back to an empty service with fresh counters, limits and no faults; tokens too if asked."""
        self._reset_state()
        self.counters.reset()
        self.limiter.reset()
        self.faults.clear()
        if forget_tokens:
            self.oauth.reset()

    def _reset_state(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------------------------- WSGI
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = BoundedRequest(environ)
        try:
            response = self.dispatch(request)
        except Exception:  # noqa: BLE001 - a bug must answer 500, not kill the connection silently
            log.exception("%s failure on %s %s", self.label, request.method, request.path)
            response = self._internal_error()
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        raise NotImplementedError

    def _internal_error(self) -> Response:
        raise NotImplementedError

    def _route(self, url_map: Map, request: Request, template: Callable[[str], str]) -> Route:
        """Match an API request and count it under its route's template (or its bare path when none fits)."""
        route = Route()
        try:
            rule, route.values = url_map.bind("sandbox", "/").match(request.path, method=request.method,
                                                                    return_rule=True)
            route.endpoint = rule.endpoint
            label = f"{request.method} {template(rule.rule)}"
        except (NotFound, MethodNotAllowed) as error:
            route.error = error
            label = f"{request.method} {request.path}"
        self.counters.record(label, self.clock.now())
        return route

    # ----------------------------------------------------------------------------------- faults
    def _faulted(self, request: Request) -> Response | None:
        """The answer an injected fault gives this request instead of the real one, if any."""
        fault = self.faults.pick(request.path)
        if fault is None:
            return None
        return self._apply_fault(fault, request)

    def _apply_fault(self, fault: Fault, request: Request) -> Response | None:
        if fault.kind == "slow":
            time.sleep(max(0.0, fault.delay))
            return None
        if fault.kind == "drop":
            request.environ["ctctdesk.sandbox.dropped"] = True
            sock = request.environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already gone: the client dropped first, which is what we wanted anyway
            return Response(status=500)
        return self._fault_response(fault.kind)

    def _fault_response(self, kind: str) -> Response:
        """The service's own answer to an `expired_token`, `429`, `503` or any other fault."""
        raise NotImplementedError
