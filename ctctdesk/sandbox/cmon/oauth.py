"""The emulator's OAuth2 authorization server, in Campaign Monitor's shape.

- `GET /oauth?type=web_server&client_id=…&redirect_uri=…&scope=…&state=…` — the sign-in page. The
  emulator has no people to ask, so it approves at once and redirects to `redirect_uri` with `code`
  and `state` (or `error=access_denied` when `/_sandbox/oauth/deny_next` was called).
- `POST /oauth/token` — form-encoded; `grant_type=authorization_code` (with client_id, client_secret,
  redirect_uri, code) or `grant_type=refresh_token` (with refresh_token). The answer is
  `{"access_token", "expires_in", "refresh_token"}`; a refresh hands out a new refresh token and the old
  one stops working. A refused grant is a 400 `{"error", "error_description"}`.

Access tokens are refused on the API with the documented codes: 120 (not recognised), 121 (expired),
122 (revoked).
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox.clock import Clock

CODE_LIFETIME = 600


class TokenRejected(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Token:
    expires_at: float
    refresh_token: str
    revoked: bool = False


class CmonOAuth:
    def __init__(self, clock: Clock, *, access_token_lifetime: int = 1_209_600):
        self.clock = clock
        self.access_token_lifetime = access_token_lifetime
        self._lock = threading.Lock()
        self.deny_next = False
        self.reset()

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self._access: dict[str, _Token] = {}
            self._refresh: dict[str, str] = {}  # refresh token -> its access token
            self._codes: dict[str, tuple[float, str]] = {}  # code -> (expires_at, redirect_uri)

    def dump(self) -> dict[str, Any]:
        with self._lock:
            return {"access": {k: copy.copy(v.__dict__) for k, v in self._access.items()},
                    "refresh": dict(self._refresh)}

    def load(self, data: dict[str, Any]) -> None:
        with self._lock:
            self._access = {k: _Token(**v) for k, v in data.get("access", {}).items()}
            self._refresh = dict(data.get("refresh", {}))

    # ------------------------------------------------------------------------------ tokens
    def issue(self, expires_in: int | None = None) -> dict[str, Any]:
        lifetime = self.access_token_lifetime if expires_in is None else int(expires_in)
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self._lock:
            self._access[access] = _Token(self.clock.now() + lifetime, refresh)
            self._refresh[refresh] = access
        return {"access_token": access, "expires_in": lifetime, "refresh_token": refresh}

    def check_bearer(self, token: str) -> str:
        with self._lock:
            found = self._access.get(token)
            if found is None:
                raise TokenRejected(120, "Invalid OAuth Token")
            if found.revoked:
                raise TokenRejected(122, "Revoked OAuth Token")
            if found.expires_at <= self.clock.now():
                raise TokenRejected(121, "Expired OAuth Token")
        return "oauth"

    def expire_all(self) -> int:
        with self._lock:
            now = self.clock.now()
            for token in self._access.values():
                token.expires_at = min(token.expires_at, now)
            return len(self._access)

    def revoke_all(self) -> int:
        """The account holder revokes the app: every access and refresh token stops working."""
        with self._lock:
            for token in self._access.values():
                token.revoked = True
            self._refresh.clear()
            return len(self._access)

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        with self._lock:
            access = self._refresh.pop(refresh_token, None)
            if access is None:
                return None
            old = self._access.get(access)
            if old is not None:
                old.revoked = True
        return self.issue()

    # ---------------------------------------------------------------------------------- HTTP
    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/oauth" and request.method == "GET":
            return self._authorize(request)
        if path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        return Response(status=405)

    def _authorize(self, request: Request) -> Response:
        redirect_uri = request.args.get("redirect_uri", "")
        if not redirect_uri or not request.args.get("client_id"):
            return _oauth_error("invalid_request", "client_id and redirect_uri are required")
        params: dict[str, str] = {}
        if self.deny_next:
            self.deny_next = False
            params["error"] = "access_denied"
            params["error_description"] = "The user denied the request"
        else:
            code = secrets.token_urlsafe(18)
            with self._lock:
                self._codes[code] = (self.clock.now() + CODE_LIFETIME, redirect_uri)
            params["code"] = code
        if request.args.get("state") is not None:
            params["state"] = request.args["state"]
        separator = "&" if "?" in redirect_uri else "?"
        return Response(status=302, headers={"Location": redirect_uri + separator + urlencode(params)})

    def _token(self, request: Request) -> Response:
        form = request.form
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self._lock:
                found = self._codes.pop(form.get("code", ""), None)
            if found is None or found[0] < self.clock.now():
                return _oauth_error("invalid_grant", "Specified code was invalid or expired")
            if form.get("redirect_uri") != found[1]:
                return _oauth_error("invalid_grant", "redirect_uri does not match")
            return _json(self.issue())
        if grant == "refresh_token":
            answer = self.refresh(form.get("refresh_token", ""))
            if answer is None:
                return _oauth_error("invalid_grant", "Specified refresh_token was invalid or expired")
            return _json(answer)
        return _oauth_error("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _oauth_error(error: str, description: str) -> Response:
    return _json({"error": error, "error_description": description}, 400)
