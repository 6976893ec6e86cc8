"""`OAuthServer`: routes the authorization server's requests to its grants and pages, and offers the
HTTP server and the control interface the calls they make (see the package docstring)."""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.oauth.grants import device_authorize, revoke, token
from ctctdesk.sandbox.oauth.pages import authorize, device_page
from ctctdesk.sandbox.oauth.registry import TokenGrant
from ctctdesk.sandbox.oauth.store import GrantStore


class OAuthServer:
    """Constant Contact's authorization server for one demo account and one registered public client."""

    def __init__(self, clock: Clock, *, access_token_lifetime: int = 86_400) -> None:
        self._store = GrantStore(clock, access_token_lifetime=access_token_lifetime)

    @property
    def access_token_lifetime(self) -> int:
        """Seconds an access token lives; the control interface changes it at run time."""
        return self._store.access_token_lifetime

    @access_token_lifetime.setter
    def access_token_lifetime(self, seconds: int) -> None:
        self._store.access_token_lifetime = seconds

    @property
    def rotate_refresh_tokens(self) -> bool:
        """Rotating (single-use) refresh tokens, or long-lived ones; the control interface sets it."""
        return self._store.rotate_refresh_tokens

    @rotate_refresh_tokens.setter
    def rotate_refresh_tokens(self, rotate: bool) -> None:
        self._store.rotate_refresh_tokens = rotate

    # --- public API used by the HTTP server and the control interface --------------------------------

    def dispatch(self, request: Request, subpath: str) -> Response:
        """Answer one request under `/oauth2/default/v1/` (or the device page's short address)."""
        routes = {
            "authorize": (("GET", "POST"), authorize),
            "token": (("POST",), token),
            "device/authorize": (("POST",), device_authorize),
            "device": (("GET", "POST"), device_page),
            "revoke": (("POST",), revoke),
        }
        route = routes.get(subpath.strip("/"))
        if route is None:
            return NotFound().get_response(request.environ)
        methods, handler = route
        if request.method not in methods:
            return MethodNotAllowed(valid_methods=list(methods)).get_response(request.environ)
        with self._store.lock:
            self._store.forget_stale()
            return handler(self._store, request)

    def check_bearer(self, authorization_header: str | None) -> TokenGrant:
        """Who the `Authorization: Bearer …` header speaks for; raises `BearerRejected` otherwise."""
        return self._store.check_bearer(authorization_header)

    def issue_token(self, scopes: str, expires_in: int | None = None) -> dict[str, Any]:
        """A token response for the demo account and client, without a browser (see `GrantStore`)."""
        return self._store.issue_token(scopes, expires_in)

    def approve_device(self, user_code: str | None) -> int:
        """Approve, as the demo user, one pending device code (or every pending one); returns how many."""
        return self._store.approve_device(user_code)

    def expire_access_tokens(self) -> None:
        """Fault injection: every access token issued so far is now expired (refresh tokens still work)."""
        self._store.expire_access_tokens()

    def reset(self) -> None:
        """Forget every token, code and pending approval (the configured lifetime stays)."""
        self._store.reset()

    def dump(self) -> dict[str, Any]:
        """The whole state as plain JSON-serialisable data (for `--state` files and the control API)."""
        return self._store.dump()

    def load(self, data: dict[str, Any]) -> None:
        """Replace the state with what `dump` produced; raises ValueError on anything else."""
        self._store.load(data)
