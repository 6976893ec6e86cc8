"""The Campaign Monitor emulator's HTTP server: one port, three prefixes, like the Constant Contact one.

- `/api/v3.3/…json` — the API (`api.py`), behind an API key (HTTP Basic username) or an OAuth bearer
  token, the assumed rate limit and injected faults; every request is counted;
- `/oauth` and `/oauth/token` — the authorization server (`oauth.py`): a sign-in that approves at once
  and the token endpoint (authorization code and refresh token grants);
- `/_sandbox/…` — the control interface (`control.py`), neither limited nor counted.

It reuses the Constant Contact sandbox's clock, request counters, fault injector and rate limiter.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import logging
import math
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.cmon.api import PREFIX, CmonApi, template, url_map
from ctctdesk.sandbox.cmon.control import CmonControl
from ctctdesk.sandbox.cmon.errors import CmonApiError
from ctctdesk.sandbox.cmon.oauth import CmonOAuth, TokenRejected
from ctctdesk.sandbox.cmon.seed import seed
from ctctdesk.sandbox.cmon.state import CmonState
from ctctdesk.sandbox.counters import RequestCounters
from ctctdesk.sandbox.faults import FaultInjector
from ctctdesk.sandbox.limits import RateLimiter

log = logging.getLogger(__name__)

API_PREFIX = PREFIX + "/"
OAUTH_PATHS = ("/oauth", "/oauth/token")
CONTROL_PREFIX = "/_sandbox/"
MAX_BODY = 64 * 1024 * 1024
#: Campaign Monitor documents no rate limit for the list and subscriber API (only for transactional
#: email); this is the emulator's assumption, see NOTES.md.
ASSUMED_RATE_PER_SECOND = 10.0


@dataclass
class CmonConfig:
    port: int = 0
    rate_limit_per_second: float | None = ASSUMED_RATE_PER_SECOND
    #: the API key the emulator accepts (None: a new random one each start, see `/_sandbox/api_key`)
    api_key: str | None = None
    access_token_lifetime: int = 1_209_600  # two weeks, the lifetime in the documented token answers
    #: Retry-After on a 429 (the documented transactional limit names X-RateLimit-Reset instead)
    retry_after_header: bool = False
    client_names: tuple[str, ...] = ("Demo Office",)
    #: the clients' time zone, minutes east of UTC: every date is shown and read in it, as the service does
    utc_offset_minutes: int = 0
    state_file: Path | None = None
    seed_subscribers: int = 0


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug("%s %s -> %s", self.command, self.path.split("?", 1)[0], code)


class _Request(Request):
    max_content_length = MAX_BODY


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers)
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def error_response(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"Code": code, "Message": message}, headers)


class CmonServer:
    """A running (or ready to run) Campaign Monitor emulator; see the module docstring."""

    service = "campaign-monitor"

    def __init__(self, config: CmonConfig | None = None, *, host: str = "127.0.0.1"):
        self.config = dataclasses.replace(config) if config else CmonConfig()
        self.host = host
        self.clock = Clock()
        self.api_keys = {self.config.api_key or "cm-sandbox-" + secrets.token_hex(20)}
        self.state = CmonState(self.clock, client_names=self.config.client_names,
                               utc_offset_minutes=self.config.utc_offset_minutes)
        self.oauth = CmonOAuth(self.clock, access_token_lifetime=self.config.access_token_lifetime)
        self.limiter = RateLimiter(self.config.rate_limit_per_second, None)
        self.faults = FaultInjector()
        self.counters = RequestCounters()
        self.api = CmonApi(self.state)
        self.control = CmonControl(self)
        self._map = url_map()
        self._httpd: Any = None
        self._thread: threading.Thread | None = None
        if self.config.state_file is not None and Path(self.config.state_file).exists():
            self.load(json.loads(Path(self.config.state_file).read_text(encoding="utf-8")))
        if self.config.seed_subscribers:
            seed(self.state, subscribers=self.config.seed_subscribers)

    @property
    def api_key(self) -> str:
        """An API key the emulator accepts."""
        return sorted(self.api_keys)[0]

    # ------------------------------------------------------------------------------- life cycle
    def start(self) -> CmonServer:
        if self._httpd is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.config.port))
            listener.listen(128)
            self._httpd = make_server(self.host, self.config.port, self.wsgi, threaded=True,
                                      request_handler=_QuietHandler, fd=listener.fileno())
        finally:
            listener.close()
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="ctctdesk-cmon-sandbox", daemon=True)
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

    def __enter__(self) -> CmonServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the emulator is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """What a client is pointed at: the emulator's stand-in for `https://api.createsend.com/api/v3.3`."""
        return self.base_url + PREFIX

    # ------------------------------------------------------------------------------------ state
    def dump(self) -> dict[str, Any]:
        return {"format": "ctctdesk-cmon-sandbox-1", "state": self.state.dump(), "api_keys": sorted(self.api_keys),
                "oauth": self.oauth.dump()}

    def load(self, data: dict[str, Any]) -> None:
        if "state" not in data:
            raise ValueError("missing 'state'")
        with self.state.lock:
            self.state.load(data["state"])
        if data.get("api_keys"):
            self.api_keys = set(data["api_keys"])
        if data.get("oauth") is not None:
            self.oauth.load(data["oauth"])

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".tmp")
        temporary.write_text(json.dumps(self.dump()), encoding="utf-8")
        temporary.replace(path)

    def reset(self, *, forget_tokens: bool = False) -> None:
        with self.state.lock:
            self.state.reset()
        self.counters.reset()
        self.limiter.reset()
        self.faults.clear()
        if forget_tokens:
            self.oauth.reset()

    def configure(self, **settings: Any) -> None:
        for name, value in settings.items():
            if name == "rate_limit_per_second":
                if value is not None and (not isinstance(value, (int, float)) or value <= 0):
                    raise ValueError("rate_limit_per_second must be a positive number or null")
            elif name == "access_token_lifetime":
                if not isinstance(value, int) or value < 1:
                    raise ValueError("access_token_lifetime must be a whole number of seconds")
                self.oauth.access_token_lifetime = value
            elif name == "retry_after_header":
                if not isinstance(value, bool):
                    raise ValueError("retry_after_header must be true or false")
            elif name == "utc_offset_minutes":
                if not isinstance(value, int) or isinstance(value, bool) or not -720 <= value <= 840:
                    raise ValueError("utc_offset_minutes must be whole minutes between -720 and 840")
                self.state.utc_offset_minutes = value
            else:
                raise ValueError(f"unknown setting {name}")
            setattr(self.config, name, value)
        self.limiter.configure(per_second=self.config.rate_limit_per_second, per_day=None)

    def config_json(self) -> dict[str, Any]:
        return {"rate_limit_per_second": self.config.rate_limit_per_second,
                "access_token_lifetime": self.config.access_token_lifetime,
                "retry_after_header": self.config.retry_after_header,
                "utc_offset_minutes": self.config.utc_offset_minutes}

    # ------------------------------------------------------------------------------------- WSGI
    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = _Request(environ)
        try:
            response = self.dispatch(request)
        except Exception:  # noqa: BLE001 - a bug must answer 500, not kill the connection silently
            log.exception("emulator failure on %s %s", request.method, request.path)
            response = error_response(500, 500, "Sorry, we've run into a problem")
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            status, body = self.control.handle(request, path[len(CONTROL_PREFIX):])
            return json_response(status, body)
        if path.rstrip("/") in OAUTH_PATHS:
            fault = self.faults.pick(path)
            if fault is not None:
                faulted = self._apply_fault(fault, request)
                if faulted is not None:
                    return faulted
            return self.oauth.dispatch(request)
        if path.startswith(API_PREFIX):
            return self._api(request)
        return error_response(404, 404, "Not Found")

    def _apply_fault(self, fault: Any, request: Request) -> Response | None:
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
                    pass  # the client went first, which is what we wanted anyway
            return Response(status=500)
        if fault.kind == "expired_token":
            self.oauth.expire_all()
            return error_response(401, 121, "Expired OAuth Token")
        if fault.kind == "429":
            return self._too_many(1)
        if fault.kind == "503":
            return error_response(503, 503, "Service Unavailable")
        return error_response(500, 500, "Sorry, we've run into a problem")

    def _too_many(self, wait: int) -> Response:
        limit = self.config.rate_limit_per_second
        headers = {"X-RateLimit-Limit": str(int(limit) if limit else 0), "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": str(wait)}
        if self.config.retry_after_header:
            headers["Retry-After"] = str(wait)
        return error_response(429, 429, "Rate limit exceeded", headers)

    def authenticate(self, header: str | None) -> str:
        """The account the request is for ("api-key" or the token's grant), or raises CmonApiError (401)."""
        if not header:
            raise CmonApiError(401, 50, "Must supply a valid HTTP Basic Authorization header")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise CmonApiError(401, 50, "Must supply a valid HTTP Basic Authorization header") from None
            key = decoded.partition(":")[0]
            if key not in self.api_keys:
                raise CmonApiError(401, 100, "Invalid API Key")
            return "api-key"
        if scheme.lower() == "bearer":
            try:
                return self.oauth.check_bearer(credentials.strip())
            except TokenRejected as rejected:
                raise CmonApiError(401, rejected.code, rejected.message) from None
        raise CmonApiError(401, 50, "Must supply a valid HTTP Basic Authorization header")

    def _api(self, request: Request) -> Response:
        adapter = self._map.bind("sandbox", "/")
        route_error: HTTPException | None = None
        endpoint: str | None = None
        values: dict[str, Any] = {}
        try:
            rule, values = adapter.match(request.path, method=request.method, return_rule=True)
            endpoint = rule.endpoint
            label = f"{request.method} {template(rule.rule)}"
        except (NotFound, MethodNotAllowed) as error:
            route_error = error
            label = f"{request.method} {request.path}"
        self.counters.record(label, self.clock.now())

        fault = self.faults.pick(request.path)
        if fault is not None:
            faulted = self._apply_fault(fault, request)
            if faulted is not None:
                return faulted
        try:
            self.authenticate(request.headers.get("Authorization"))
        except CmonApiError as error:
            return json_response(error.status, error.body())
        if isinstance(route_error, MethodNotAllowed):
            allowed = ", ".join(sorted(route_error.valid_methods or []))
            return error_response(405, 405, f"{request.method} is not allowed here.", {"Allow": allowed})
        if route_error is not None or endpoint is None:
            return error_response(404, 404, "Not Found")
        refused = self.limiter.check("account", self.clock.now())
        if refused is not None:
            return self._too_many(max(1, math.ceil(refused[1])))
        try:
            status, body = self.api.handle(endpoint, request, values)
        except CmonApiError as error:
            return json_response(error.status, error.body())
        except HTTPException as error:  # e.g. 413 from the body size cap
            return error_response(error.code or 400, error.code or 400, error.description or "Bad request")
        return json_response(status, body)
