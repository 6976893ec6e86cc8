"""The Campaign Monitor emulator's HTTP server: one port, three prefixes, like the Constant Contact one.

- `/api/v3.3/…json` — the API (`api.py`), behind an API key (HTTP Basic username) or an OAuth bearer
  token, the assumed rate limit and injected faults; every request is counted;
- `/oauth` and `/oauth/token` — the authorization server (`oauth.py`): a sign-in that approves at once
  and the token endpoint (authorization code and refresh token grants);
- `/_sandbox/…` — the control interface (`control.py`), neither limited nor counted.

It reuses the Constant Contact sandbox's clock, request counters, fault injector and rate limiter, and
serves like it (`serving.EmulatorServer`).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
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
from ctctdesk.sandbox.serving import EmulatorServer

API_PREFIX = PREFIX + "/"
OAUTH_PATHS = ("/oauth", "/oauth/token")
CONTROL_PREFIX = "/_sandbox/"
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


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status=status, headers=headers)
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def error_response(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(status, {"Code": code, "Message": message}, headers)


class CmonServer(EmulatorServer):
    """A running (or ready to run) Campaign Monitor emulator; see the module docstring."""

    service = "campaign-monitor"
    label = "emulator"
    thread_name = "ctctdesk-cmon-sandbox"

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
        if self.config.state_file is not None and Path(self.config.state_file).exists():
            self.load(json.loads(Path(self.config.state_file).read_text(encoding="utf-8")))
        if self.config.seed_subscribers:
            seed(self.state, subscribers=self.config.seed_subscribers)

    @property
    def api_key(self) -> str:
        """An API key the emulator accepts."""
        return sorted(self.api_keys)[0]

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

    def _reset_state(self) -> None:
        with self.state.lock:
            self.state.reset()

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
    def _internal_error(self) -> Response:
        return error_response(500, 500, "Sorry, we've run into a problem")

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            status, body = self.control.handle(request, path[len(CONTROL_PREFIX):])
            return json_response(status, body)
        if path.rstrip("/") in OAUTH_PATHS:
            faulted = self._faulted(request)
            if faulted is not None:
                return faulted
            return self.oauth.dispatch(request)
        if path.startswith(API_PREFIX):
            return self._api(request)
        return error_response(404, 404, "Not Found")

    def _fault_response(self, kind: str) -> Response:
        if kind == "expired_token":
            self.oauth.expire_all()
            return error_response(401, 121, "Expired OAuth Token")
        if kind == "429":
            return self._too_many(1)
        if kind == "503":
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
        route = self._route(self._map, request, template)
        endpoint, values, route_error = route.endpoint, route.values, route.error
        faulted = self._faulted(request)
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
