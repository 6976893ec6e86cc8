"""The sandbox HTTP server: one port, three prefixes.

- `/v3/…` — the Constant Contact V3 API (`api.py`), behind bearer tokens, scopes, rate limits and faults;
- `/oauth2/default/v1/…` — the authorization server (the `oauth` package), handed every request under it (and
  the short device-activation address it names, `/activate`);
- `/_sandbox/…` — the control interface (`control.py`), neither limited nor counted.

It runs werkzeug's threaded server in a background thread (`serving.EmulatorServer`) so a test can start
one in-process on a free port and stop it again in a fraction of a second.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox import activities
from ctctdesk.sandbox.api import ENDPOINT_SCOPES, CsvText, V3Api, template, url_map
from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.control import Control
from ctctdesk.sandbox.counters import RequestCounters
from ctctdesk.sandbox.errors import ApiError
from ctctdesk.sandbox.faults import FaultInjector
from ctctdesk.sandbox.limits import RateLimiter
from ctctdesk.sandbox.seed import seed
from ctctdesk.sandbox.serving import EmulatorServer
from ctctdesk.sandbox.state import Realism, SandboxState

API_PREFIX = "/v3/"
OAUTH_PREFIX = "/oauth2/default/v1/"
CONTROL_PREFIX = "/_sandbox/"

UNAUTHORIZED_MESSAGES = {
    "missing": "Unauthorized: the request has no access token.",
    "unknown": "Unauthorized: the access token is not valid.",
    "revoked": "Unauthorized: the access token has been revoked.",
    "expired": "Unauthorized: the access token has expired.",
}


@dataclass
class SandboxConfig:
    port: int = 0
    rate_limit_per_second: float | None = 4.0
    daily_limit: int | None = 10_000
    activity_delay: float = 1.0
    max_running_activities: int = 2
    access_token_lifetime: int = 86_400
    #: "rotating" (each refresh token works once) or "long_lived" (the same one is reused); the app's
    #: setting in Constant Contact. Either expires after 180 days unused.
    refresh_tokens: str = "rotating"
    #: The real service sends no Retry-After on a 429 (users' reports); True adds one.
    retry_after_header: bool = False
    # The behaviours of `state.Realism` (defaults: the real service's).
    unsubscribe_empties_lists: bool = True
    optouts_move_updated_at: bool = False
    list_changes_move_updated_at: bool = False
    state_file: Path | None = None
    seed_contacts: int = 0


REALISM_KEYS = tuple(f.name for f in dataclasses.fields(Realism))
SWITCH_KEYS = ("retry_after_header", *REALISM_KEYS)


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if status == 204 or body is None:
        return Response(status=status, headers=headers)
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


def _error(status: int, key: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body: Any = {"error_key": key, "error_message": message}
    return _json(status, body if status == 401 else [body], headers)


class SandboxServer(EmulatorServer):
    """A running (or ready to run) sandbox; see the module docstring for what it serves."""

    def __init__(self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1"):
        from ctctdesk.sandbox import oauth as oauth_module  # the other half of the sandbox

        self.config = dataclasses.replace(config) if config else SandboxConfig()
        self.host = host
        self.clock = Clock()
        self._oauth_module = oauth_module
        self.oauth = oauth_module.OAuthServer(self.clock, access_token_lifetime=self.config.access_token_lifetime)
        self.account_id = getattr(oauth_module, "DEMO_ACCOUNT_ID", "demo-account")
        self.state = SandboxState(self.clock, account_id=self.account_id,
                                  activity_delay=lambda: self.config.activity_delay,
                                  max_running=lambda: self.config.max_running_activities,
                                  realism=Realism(**{k: getattr(self.config, k) for k in REALISM_KEYS}))
        self._apply_refresh_mode()
        self.limiter = RateLimiter(self.config.rate_limit_per_second, self.config.daily_limit)
        self.faults = FaultInjector()
        self.counters = RequestCounters()
        self.api = V3Api(self.state, self.account_summary)
        self.control = Control(self)
        self._map = url_map()
        if self.config.state_file is not None and Path(self.config.state_file).exists():
            self.load(json.loads(Path(self.config.state_file).read_text(encoding="utf-8")))
        if self.config.seed_contacts:
            seed(self.state, contacts=self.config.seed_contacts, lists=3)

    # ------------------------------------------------------------------------------------ state
    def dump(self) -> dict[str, Any]:
        return {"format": "ctctdesk-sandbox-1", "state": self.state.dump(), "oauth": self.oauth.dump()}

    def load(self, data: dict[str, Any]) -> None:
        if "state" not in data:
            raise ValueError("missing 'state'")
        self.state.load(data["state"])
        if data.get("oauth") is not None:
            self.oauth.load(data["oauth"])

    def _reset_state(self) -> None:
        self.state.reset()

    def configure(self, **settings: Any) -> None:
        for name, value in settings.items():
            if name in ("rate_limit_per_second", "daily_limit"):
                if value is not None and (not isinstance(value, (int, float)) or value <= 0):
                    raise ValueError(f"{name} must be a positive number or null")
            elif name in ("activity_delay", "max_running_activities", "access_token_lifetime"):
                if not isinstance(value, (int, float)) or value < 0:
                    raise ValueError(f"{name} must be a number, zero or more")
            elif name in SWITCH_KEYS:
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
            elif name == "refresh_tokens":
                if value not in ("rotating", "long_lived"):
                    raise ValueError("refresh_tokens must be rotating or long_lived")
            setattr(self.config, name, value)
            if name in REALISM_KEYS:
                setattr(self.state.realism, name, value)
        self._apply_refresh_mode()
        self.limiter.configure(per_second=self.config.rate_limit_per_second, per_day=self.config.daily_limit)
        if "access_token_lifetime" in settings and hasattr(self.oauth, "access_token_lifetime"):
            self.oauth.access_token_lifetime = int(self.config.access_token_lifetime)

    def config_json(self) -> dict[str, Any]:
        return {"rate_limit_per_second": self.config.rate_limit_per_second, "daily_limit": self.config.daily_limit,
                "activity_delay": self.config.activity_delay,
                "max_running_activities": self.config.max_running_activities,
                "access_token_lifetime": self.config.access_token_lifetime,
                "refresh_tokens": self.config.refresh_tokens,
                **{name: getattr(self.config, name) for name in SWITCH_KEYS}}

    def _apply_refresh_mode(self) -> None:
        if hasattr(self.oauth, "rotate_refresh_tokens"):
            self.oauth.rotate_refresh_tokens = self.config.refresh_tokens != "long_lived"

    def _too_many(self, which: str, wait: int) -> Response:
        """429 as the real service answers it: `error_key` says which limit, no Retry-After by default."""
        if which == "daily":
            key, message = "quota_exceeded", "Too many requests. You exceeded the daily request allowance."
        else:
            key, message = "throttled", "Too many requests. You exceeded the request rate limit."
        headers = {"Retry-After": str(wait)} if self.config.retry_after_header else None
        return _error(429, key, message, headers)

    def account_summary(self) -> dict[str, Any]:
        return {
            "contact_email": "owner@example.org", "contact_phone": "555-0100", "country_code": "US",
            "encoded_account_id": self.account_id, "first_name": "Sam", "last_name": "Demo",
            "organization_name": "ctctdesk Demo Office", "organization_phone": "555-0100", "state_code": "MA",
            "time_zone_id": "US/Eastern", "website": "https://www.example.org",
            "physical_address": {"address_line1": "1 Main Street", "city": "Springfield", "state_code": "MA",
                                 "postal_code": "01101", "country_code": "US"},
        }

    # ------------------------------------------------------------------------------------- WSGI
    def _internal_error(self) -> Response:
        return _error(500, "server.error", "There was a problem with our internal service.")

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            status, body = self.control.handle(request, path[len(CONTROL_PREFIX):])
            return _json(status, body)
        device_page = getattr(self._oauth_module, "DEVICE_VERIFICATION_PATH", None)
        if path.startswith(OAUTH_PREFIX) or (device_page and path.rstrip("/") == device_page):
            faulted = self._faulted(request)
            if faulted is not None:
                return faulted
            subpath = path[len(OAUTH_PREFIX):] if path.startswith(OAUTH_PREFIX) else "device"
            return self.oauth.dispatch(request, subpath)
        if path.startswith(API_PREFIX) or path == "/v3":
            return self._api(request)
        return _error(404, "not.found", "The requested resource was not found.")

    def _fault_response(self, kind: str) -> Response:
        if kind == "expired_token":
            self.oauth.expire_access_tokens()
            return _error(401, "unauthorized", UNAUTHORIZED_MESSAGES["expired"])
        if kind == "429":
            return self._too_many("rate", 1)
        if kind == "503":
            return _error(503, "service.unavailable", "Our internal service is temporarily unavailable.")
        return _error(500, "server.error", "There was a problem with our internal service.")

    def _api(self, request: Request) -> Response:
        route = self._route(self._map, request, template)
        endpoint, values, route_error = route.endpoint, route.values, route.error
        faulted = self._faulted(request)
        if faulted is not None:
            return faulted

        try:
            grant = self.oauth.check_bearer(request.headers.get("Authorization"))
        except self._oauth_module.BearerRejected as rejected:
            reason = getattr(rejected, "reason", "unknown")
            return _error(401, "unauthorized", UNAUTHORIZED_MESSAGES.get(reason, UNAUTHORIZED_MESSAGES["unknown"]))

        if isinstance(route_error, MethodNotAllowed):
            allowed = ", ".join(sorted(route_error.valid_methods or []))
            return _error(405, "method.not.allowed", f"{request.method} is not allowed here.", {"Allow": allowed})
        if route_error is not None or endpoint is None:
            return _error(404, "not.found", "The requested resource was not found.")

        needed = ENDPOINT_SCOPES.get(endpoint, "contact_data")
        if needed not in grant.scopes:
            return _error(403, "forbidden", f"Forbidden request. The access token lacks the {needed} scope.")

        refused = self.limiter.check(f"{grant.account_id}/{grant.client_id}", self.clock.now())
        if refused is not None:
            return self._too_many(*refused)

        if request.method in ("POST", "PUT") and request.mimetype != "application/json":
            return _error(415, "unsupported.media.type", "Unsupported Media Type: send application/json.")

        try:
            status, body = self.api.handle(endpoint, request, values)
        except ApiError as error:
            body = error.body()
            return _json(error.status, body)
        except HTTPException as error:  # e.g. 413 from the body size cap
            code = error.code or 400
            return _error(code, "request.invalid", error.description or "Bad request.")
        if isinstance(body, CsvText):  # an exported contacts file
            return Response(str(body), status=status, mimetype="text/csv")
        return _json(status, body)

    def advance_activities(self) -> None:
        activities.advance(self.state)
