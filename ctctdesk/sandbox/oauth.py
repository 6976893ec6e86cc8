"""The sandbox's OAuth2 authorization server: Constant Contact's `/oauth2/default/v1/` as ctctdesk meets it.

ctctdesk must never need a real Constant Contact account to be tried or tested, yet its connection code
(PKCE, device flow, single-use refresh tokens) has to be right for the real service. So this server is
strict where the real one is strict: PKCE S256 is mandatory for the public demo client, codes are single
use and short lived, refresh tokens rotate and a used one is refused, device polling answers
`authorization_pending` / `slow_down` / `expired_token` / `access_denied` as RFC 8628 describes.

The HTTP server (another module) routes `/oauth2/default/v1/<subpath>` to `OAuthServer.dispatch`, and
also `DEVICE_VERIFICATION_PATH` (the short address a user types from a device screen) with the subpath
`"device"`. The API asks `check_bearer` about every `Authorization` header; the control interface uses
`issue_token`, `approve_device`, `expire_access_tokens`, `reset`, `dump` and `load`.

All times come from the sandbox `Clock`, so tests expire codes and tokens with `clock.advance` instead of
sleeping. Every public method and every request takes one lock: the HTTP server is threaded.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
import string
import threading
import uuid
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.wrappers import Request, Response

from ctctdesk.sandbox.clock import Clock

DEMO_CLIENT_ID = "ctctdesk-demo"
DEMO_CLIENT_NAME = "ctctdesk"
DEMO_ACCOUNT_ID = "a07e1sandbox"
DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "demo"

# Where the device-flow page is also served (the short address a device screen shows). The HTTP server
# routes it to `dispatch(request, "device")`; `verification_uri` answers point here.
DEVICE_VERIFICATION_PATH = "/activate"

# The scopes Constant Contact knows, with the words the consent page shows for them.
SCOPES: dict[str, str] = {
    "contact_data": "Read and change your contacts, lists, custom fields and tags",
    "account_read": "Read your account details",
    "account_update": "Change your account details",
    "campaign_data": "Read and change your email campaigns",
    "offline_access": "Stay connected when you are not using the application (refresh token)",
}

# Constant Contact support: "the Auth Code expires after 5 min and can only be used once".
AUTHORIZATION_CODE_LIFETIME = 300
# Constant Contact support: a refresh token not used within 180 days expires (each use gives a new one).
REFRESH_TOKEN_LIFETIME = 180 * 86_400
DEVICE_CODE_LIFETIME = 600
DEVICE_POLL_INTERVAL = 5
SLOW_DOWN_STEP = 5
# How long a browser tab may sit on the sign-in or consent page before it has to start again.
BROWSER_TRANSACTION_LIFETIME = 1800
# Used codes are kept this long after they expire, so that a late replay is still told apart.
FORGET_AFTER = 3600

DEVICE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"
_STATE_VERSION = 1

# RFC 8628 suggests a consonant-only alphabet for user codes: no vowels (no words), no look-alikes.
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
_PKCE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_PKCE_S256_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class TokenGrant:
    """Who a valid access token speaks for, as the API needs it (account, client, scopes)."""

    account_id: str
    client_id: str
    scopes: frozenset[str]


class BearerRejected(Exception):
    """An `Authorization` header that does not carry a usable access token.

    `reason` is one of "missing", "unknown", "revoked", "expired"; the token itself is never part of
    the message.
    """

    REASONS = ("missing", "unknown", "revoked", "expired")

    def __init__(self, reason: str) -> None:
        if reason not in self.REASONS:
            raise ValueError(f"unknown rejection reason {reason!r}")
        super().__init__(f"access token {reason}")
        self.reason = reason


class _OAuthError(Exception):
    """An RFC 6749 error answer of the token, device and revoke endpoints."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


# --- stored records (mutable, private; JSON-serialisable through asdict) ------------------------------


@dataclass
class _AccessToken:
    account_id: str
    client_id: str
    scopes: list[str]
    grant_id: str
    expires_at: float
    revoked: bool = False


@dataclass
class _RefreshToken:
    account_id: str
    client_id: str
    scopes: list[str]
    grant_id: str
    status: str = "active"  # active | rotated | revoked
    expires_at: float | None = None


@dataclass
class _AuthorizationCode:
    account_id: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    code_challenge: str
    grant_id: str
    expires_at: float
    used: bool = False


@dataclass
class _DeviceAuthorization:
    client_id: str
    scopes: list[str]
    user_code: str
    grant_id: str
    expires_at: float
    interval: int
    last_poll: float | None = None
    status: str = "pending"  # pending | approved | denied | used
    account_id: str | None = None


@dataclass
class _BrowserTransaction:
    """What one browser tab is in the middle of: an authorize request or a device approval."""

    kind: str  # "code" or "device"
    expires_at: float
    client_id: str
    scopes: list[str]
    redirect_uri: str = ""
    state: str | None = None
    code_challenge: str = ""
    device_code: str = ""
    account_id: str | None = None  # set once the user has signed in


def _load_page_template() -> string.Template:
    text = resources.files(__package__).joinpath("templates/oauth_page.html").read_text(encoding="utf-8")
    return string.Template(text)


_PAGE = _load_page_template()


def _client_registered(client_id: str | None) -> bool:
    return client_id == DEMO_CLIENT_ID


def _redirect_uri_registered(client_id: str, redirect_uri: str | None) -> bool:
    """The demo client registers loopback HTTP addresses on any port and path (RFC 8252 style)."""
    if client_id != DEMO_CLIENT_ID or not redirect_uri:
        return False
    try:
        parts = urlsplit(redirect_uri)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    return (
        parts.scheme == "http"
        and parts.hostname in _LOOPBACK_HOSTS
        and parts.username is None
        and not parts.fragment
        and "#" not in redirect_uri
    )


def _parse_scopes(raw: str | None) -> list[str]:
    """Split a scope string; unknown or missing scopes raise `invalid_scope` as the real server does."""
    names = (raw or "").split()
    if not names:
        raise _OAuthError("invalid_scope", "The request must include at least one scope.")
    unknown = sorted({name for name in names if name not in SCOPES})
    if unknown:
        raise _OAuthError("invalid_scope", f"Unknown scope(s): {' '.join(unknown)}.")
    return sorted(set(names))


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _b64url_json(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _normalise_user_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def _with_query(uri: str, params: dict[str, str | None]) -> str:
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query.extend((key, value) for key, value in params.items() if value is not None)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _redirect(location: str) -> Response:
    response = Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})
    return response


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _error_json(error: _OAuthError) -> Response:
    response = _json({"error": error.error, "error_description": error.description}, error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="ctctdesk sandbox"'
    return response


def _page(title: str, body: str, status: int = 200) -> Response:
    text = _PAGE.substitute(title=html.escape(title), body=body)
    return Response(
        text,
        status=status,
        mimetype="text/html",
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


def _esc(value: str | None) -> str:
    return html.escape(value or "", quote=True)


def _scope_list(scopes: list[str]) -> str:
    items = "".join(f"<li>{_esc(SCOPES[name])} <small>({_esc(name)})</small></li>" for name in scopes)
    return f'<ul class="scopes">{items}</ul>'


def _credentials_hint() -> str:
    return (
        f'<p class="hint">Sandbox demo account: <b>{_esc(DEMO_USERNAME)}</b>, '
        f"password <b>{_esc(DEMO_PASSWORD)}</b></p>"
    )


class OAuthServer:
    """Constant Contact's authorization server for one demo account and one registered public client."""

    def __init__(self, clock: Clock, *, access_token_lifetime: int = 86_400) -> None:
        self._clock = clock
        self.access_token_lifetime = access_token_lifetime
        #: The app's setting in Constant Contact: rotating (single use) or long-lived refresh tokens.
        self.rotate_refresh_tokens = True
        self._lock = threading.RLock()
        self._reset_state()

    # --- public API used by the HTTP server and the control interface --------------------------------

    def dispatch(self, request: Request, subpath: str) -> Response:
        """Answer one request under `/oauth2/default/v1/` (or the device page's short address)."""
        routes = {
            "authorize": (("GET", "POST"), self._authorize),
            "token": (("POST",), self._token),
            "device/authorize": (("POST",), self._device_authorize),
            "device": (("GET", "POST"), self._device_page),
            "revoke": (("POST",), self._revoke),
        }
        route = routes.get(subpath.strip("/"))
        if route is None:
            return NotFound().get_response(request.environ)
        methods, handler = route
        if request.method not in methods:
            return MethodNotAllowed(valid_methods=list(methods)).get_response(request.environ)
        with self._lock:
            self._forget_stale()
            return handler(request)

    def check_bearer(self, authorization_header: str | None) -> TokenGrant:
        """Who the `Authorization: Bearer …` header speaks for; raises `BearerRejected` otherwise."""
        scheme, _, token = (authorization_header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise BearerRejected("missing")
        with self._lock:
            record = self._access_tokens.get(token)
            if record is None:
                raise BearerRejected("unknown")
            if record.revoked:
                raise BearerRejected("revoked")
            if self._clock.now() >= record.expires_at:
                raise BearerRejected("expired")
            return TokenGrant(record.account_id, record.client_id, frozenset(record.scopes))

    def issue_token(self, scopes: str, expires_in: int | None = None) -> dict[str, Any]:
        """A token response for the demo account and client, without a browser (control interface).

        Unlike the token endpoint, it always includes a refresh token, so scripts can exercise refresh.
        `expires_in=0` gives a token that is already expired (handy for testing the refresh path). Raises
        ValueError on unknown scopes or a lifetime that is not a whole number of seconds >= 0.
        """
        try:
            names = _parse_scopes(scopes)
        except _OAuthError as error:
            raise ValueError(error.description) from None
        if expires_in is not None and (
            isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0
        ):
            raise ValueError("expires_in must be a whole number of seconds, 0 or more")
        with self._lock:
            return self._issue_tokens(
                DEMO_ACCOUNT_ID,
                DEMO_CLIENT_ID,
                names,
                grant_id=uuid.uuid4().hex,
                with_refresh=True,
                expires_in=expires_in,
            )

    def approve_device(self, user_code: str | None) -> int:
        """Approve, as the demo user, one pending device code (or every pending one); returns how many."""
        wanted = _normalise_user_code(user_code) if user_code is not None else None
        count = 0
        with self._lock:
            now = self._clock.now()
            for record in self._device_authorizations.values():
                if record.status != "pending" or now >= record.expires_at:
                    continue
                if wanted is not None and _normalise_user_code(record.user_code) != wanted:
                    continue
                record.status = "approved"
                record.account_id = DEMO_ACCOUNT_ID
                count += 1
        return count

    def expire_access_tokens(self) -> None:
        """Fault injection: every access token issued so far is now expired (refresh tokens still work)."""
        with self._lock:
            now = self._clock.now()
            for record in self._access_tokens.values():
                record.expires_at = min(record.expires_at, now)

    def reset(self) -> None:
        """Forget every token, code and pending approval (the configured lifetime stays)."""
        with self._lock:
            self._reset_state()

    def dump(self) -> dict[str, Any]:
        """The whole state as plain JSON-serialisable data (for `--state` files and the control API)."""
        with self._lock:
            return {
                "version": _STATE_VERSION,
                "access_tokens": {key: asdict(value) for key, value in self._access_tokens.items()},
                "refresh_tokens": {key: asdict(value) for key, value in self._refresh_tokens.items()},
                "authorization_codes": {key: asdict(value) for key, value in self._codes.items()},
                "device_authorizations": {
                    key: asdict(value) for key, value in self._device_authorizations.items()
                },
                "browser_transactions": {key: asdict(value) for key, value in self._transactions.items()},
            }

    def load(self, data: dict[str, Any]) -> None:
        """Replace the state with what `dump` produced; raises ValueError on anything else."""
        if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
            raise ValueError("not an authorization-server state of a known version")
        try:
            access = {k: _AccessToken(**v) for k, v in data.get("access_tokens", {}).items()}
            refresh = {k: _RefreshToken(**v) for k, v in data.get("refresh_tokens", {}).items()}
            codes = {k: _AuthorizationCode(**v) for k, v in data.get("authorization_codes", {}).items()}
            devices = {k: _DeviceAuthorization(**v) for k, v in data.get("device_authorizations", {}).items()}
            transactions = {
                k: _BrowserTransaction(**v) for k, v in data.get("browser_transactions", {}).items()
            }
        except (TypeError, AttributeError) as error:
            raise ValueError(f"malformed authorization-server state: {error}") from None
        with self._lock:
            self._access_tokens = access
            self._refresh_tokens = refresh
            self._codes = codes
            self._device_authorizations = devices
            self._transactions = transactions

    # --- state ----------------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self._access_tokens: dict[str, _AccessToken] = {}
        self._refresh_tokens: dict[str, _RefreshToken] = {}
        self._codes: dict[str, _AuthorizationCode] = {}
        self._device_authorizations: dict[str, _DeviceAuthorization] = {}
        self._transactions: dict[str, _BrowserTransaction] = {}

    def _forget_stale(self) -> None:
        """Drop codes, device codes and browser tabs long past their expiry (tokens are kept)."""
        horizon = self._clock.now() - FORGET_AFTER
        for table in (self._codes, self._device_authorizations, self._transactions):
            for key in [key for key, value in table.items() if value.expires_at < horizon]:
                del table[key]

    def _new_access_token(self, account_id: str, client_id: str, scopes: list[str], lifetime: int) -> str:
        """A JWT-shaped opaque token, like the real service's; only this server's table makes it valid."""
        now = int(self._clock.now())
        header = {"kid": "ctctdesk-sandbox", "alg": "RS256"}
        claims = {
            "ver": 1,
            "jti": "AT." + secrets.token_urlsafe(16),
            "iss": "ctctdesk-sandbox",
            "aud": "https://api.cc.email/v3",
            "iat": now,
            "exp": now + lifetime,
            "cid": client_id,
            "uid": account_id,
            "scp": scopes,
            "sub": DEMO_USERNAME,
        }
        signature = base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode("ascii")
        return f"{_b64url_json(header)}.{_b64url_json(claims)}.{signature}"

    def _issue_tokens(
        self,
        account_id: str,
        client_id: str,
        scopes: list[str],
        *,
        grant_id: str,
        with_refresh: bool,
        refresh_scopes: list[str] | None = None,
        expires_in: int | None = None,
    ) -> dict[str, Any]:
        lifetime = int(expires_in if expires_in is not None else self.access_token_lifetime)
        access_token = self._new_access_token(account_id, client_id, scopes, lifetime)
        self._access_tokens[access_token] = _AccessToken(
            account_id=account_id,
            client_id=client_id,
            scopes=list(scopes),
            grant_id=grant_id,
            expires_at=self._clock.now() + lifetime,
        )
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "access_token": access_token,
            "scope": " ".join(scopes),
        }
        if with_refresh:
            refresh_token = secrets.token_urlsafe(32)
            self._refresh_tokens[refresh_token] = _RefreshToken(
                account_id=account_id,
                client_id=client_id,
                scopes=list(refresh_scopes if refresh_scopes is not None else scopes),
                grant_id=grant_id,
                expires_at=self._clock.now() + REFRESH_TOKEN_LIFETIME,
            )
            body["refresh_token"] = refresh_token
        return body

    def _revoke_grant(self, grant_id: str) -> None:
        """Revoke every access and refresh token that came from one authorization."""
        for access in self._access_tokens.values():
            if access.grant_id == grant_id:
                access.revoked = True
        for refresh in self._refresh_tokens.values():
            if refresh.grant_id == grant_id:
                refresh.status = "revoked"

    # --- token endpoint -------------------------------------------------------------------------------

    @staticmethod
    def _public_client(request: Request, params: MultiDict[str, str]) -> str:
        """The client id of a public client, which names itself in a parameter and never authenticates."""
        if request.headers.get("Authorization"):
            raise _OAuthError(
                "invalid_client",
                "Client authentication is not allowed for a public client; send client_id as a parameter.",
                401,
            )
        client_id = params.get("client_id")
        if not client_id:
            raise _OAuthError("invalid_client", "client_id is required.", 401)
        if not _client_registered(client_id):
            raise _OAuthError("invalid_client", "The client is not registered.", 401)
        return client_id

    @staticmethod
    def _endpoint_params(request: Request) -> MultiDict[str, str]:
        """The parameters of a token, device or revoke request: form body and query string together.

        Constant Contact's own examples put them in the query string of the POST; RFC 6749 puts them in a
        form body. Both are accepted; any other kind of body, or a parameter given twice, is refused.
        """
        if request.mimetype and request.mimetype != "application/x-www-form-urlencoded":
            raise _OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded.")
        params = request.values
        for key in params:
            if len(params.getlist(key)) > 1:
                raise _OAuthError("invalid_request", f"The parameter {key} is repeated.")
        return params

    @staticmethod
    def _param(params: MultiDict[str, str], name: str) -> str:
        value = params.get(name)
        if not value:
            raise _OAuthError("invalid_request", f"The parameter {name} is required.")
        return value

    def _token(self, request: Request) -> Response:
        try:
            params = self._endpoint_params(request)
            client_id = self._public_client(request, params)
            grant_type = self._param(params, "grant_type")
            if grant_type == "authorization_code":
                body = self._exchange_code(params, client_id)
            elif grant_type == "refresh_token":
                body = self._refresh(params, client_id)
            elif grant_type == DEVICE_GRANT_TYPE:
                body = self._poll_device(params, client_id)
            else:
                raise _OAuthError("unsupported_grant_type", f"The grant type {grant_type} is not supported.")
        except _OAuthError as error:
            return _error_json(error)
        return _json(body)

    def _exchange_code(self, params: MultiDict[str, str], client_id: str) -> dict[str, Any]:
        code = self._param(params, "code")
        redirect_uri = self._param(params, "redirect_uri")
        verifier = self._param(params, "code_verifier")
        if not _PKCE_VERIFIER.match(verifier):
            raise _OAuthError(
                "invalid_request", "The code_verifier is malformed (43-128 unreserved characters)."
            )
        record = self._codes.get(code)
        if record is None or self._clock.now() >= record.expires_at:
            raise _OAuthError("invalid_grant", "The authorization code is invalid or has expired.")
        if record.used:
            # A replayed code may mean it was stolen: the tokens it bought are withdrawn (RFC 6749 4.1.2).
            self._revoke_grant(record.grant_id)
            raise _OAuthError("invalid_grant", "The authorization code has already been used.")
        record.used = True
        if record.client_id != client_id:
            raise _OAuthError("invalid_grant", "The authorization code was issued to another client.")
        if record.redirect_uri != redirect_uri:
            raise _OAuthError("invalid_grant", "The redirect_uri does not match the authorization request.")
        if _s256(verifier) != record.code_challenge:
            raise _OAuthError("invalid_grant", "PKCE verification failed: the code_verifier does not match.")
        return self._issue_tokens(
            record.account_id,
            client_id,
            record.scopes,
            grant_id=record.grant_id,
            with_refresh="offline_access" in record.scopes,
        )

    def _refresh(self, params: MultiDict[str, str], client_id: str) -> dict[str, Any]:
        token = self._param(params, "refresh_token")
        record = self._refresh_tokens.get(token)
        expired = (
            record is not None and record.expires_at is not None and self._clock.now() >= record.expires_at
        )
        if record is None or record.status != "active" or expired:
            raise _OAuthError(
                "invalid_grant", "The refresh token is invalid, expired, revoked or has already been used."
            )
        if record.client_id != client_id:
            raise _OAuthError("invalid_grant", "The refresh token was issued to another client.")
        scopes = record.scopes
        if params.get("scope"):
            scopes = _parse_scopes(params["scope"])
            if not set(scopes) <= set(record.scopes):
                raise _OAuthError("invalid_scope", "The requested scope exceeds the one originally granted.")
        if not self.rotate_refresh_tokens:
            # Long-lived: the same refresh token again, its 180 days counted from this use.
            record.expires_at = self._clock.now() + REFRESH_TOKEN_LIFETIME
            body = self._issue_tokens(record.account_id, client_id, scopes, grant_id=record.grant_id,
                                      with_refresh=False)
            body["refresh_token"] = token
            return body
        record.status = "rotated"
        return self._issue_tokens(
            record.account_id,
            client_id,
            scopes,
            grant_id=record.grant_id,
            with_refresh=True,
            refresh_scopes=record.scopes,
        )

    def _poll_device(self, params: MultiDict[str, str], client_id: str) -> dict[str, Any]:
        device_code = self._param(params, "device_code")
        record = self._device_authorizations.get(device_code)
        if record is None or record.status == "used":
            raise _OAuthError("invalid_grant", "The device code is invalid or has already been used.")
        if record.client_id != client_id:
            raise _OAuthError("invalid_grant", "The device code was issued to another client.")
        now = self._clock.now()
        if now >= record.expires_at:
            raise _OAuthError("expired_token", "The device code has expired; start the sign-in again.")
        if record.status == "denied":
            raise _OAuthError("access_denied", "The user denied the request.")
        if record.status == "approved":
            record.status = "used"
            return self._issue_tokens(
                record.account_id or DEMO_ACCOUNT_ID,
                client_id,
                record.scopes,
                grant_id=record.grant_id,
                with_refresh="offline_access" in record.scopes,
            )
        too_fast = record.last_poll is not None and now - record.last_poll < record.interval
        record.last_poll = now
        if too_fast:
            record.interval += SLOW_DOWN_STEP
            raise _OAuthError(
                "slow_down", f"Polling too fast; wait at least {record.interval} seconds between polls."
            )
        raise _OAuthError("authorization_pending", "The user has not yet approved the request.")

    # --- device authorization and revocation ----------------------------------------------------------

    def _device_authorize(self, request: Request) -> Response:
        try:
            params = self._endpoint_params(request)
            client_id = self._public_client(request, params)
            scopes = _parse_scopes(params.get("scope"))
        except _OAuthError as error:
            return _error_json(error)
        device_code = secrets.token_urlsafe(32)
        user_code = self._new_user_code()
        self._device_authorizations[device_code] = _DeviceAuthorization(
            client_id=client_id,
            scopes=scopes,
            user_code=user_code,
            grant_id=uuid.uuid4().hex,
            expires_at=self._clock.now() + DEVICE_CODE_LIFETIME,
            interval=DEVICE_POLL_INTERVAL,
        )
        verification_uri = request.host_url.rstrip("/") + DEVICE_VERIFICATION_PATH
        return _json(
            {
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": verification_uri,
                "verification_uri_complete": _with_query(verification_uri, {"user_code": user_code}),
                "expires_in": DEVICE_CODE_LIFETIME,
                "interval": DEVICE_POLL_INTERVAL,
            }
        )

    def _new_user_code(self) -> str:
        taken = {_normalise_user_code(d.user_code) for d in self._device_authorizations.values()}
        while True:
            letters = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
            if letters not in taken:
                return f"{letters[:4]}-{letters[4:]}"

    def _revoke(self, request: Request) -> Response:
        """RFC 7009: 200 whether or not the token was known, so the answer reveals nothing."""
        try:
            params = self._endpoint_params(request)
            client_id = self._public_client(request, params)
            token = self._param(params, "token")
        except _OAuthError as error:
            return _error_json(error)
        # The token_type_hint is only an optimisation hint (RFC 7009 2.1); both tables are searched.
        access = self._access_tokens.get(token)
        refresh = self._refresh_tokens.get(token)
        if access is not None and access.client_id == client_id:
            access.revoked = True
        if refresh is not None and refresh.client_id == client_id:
            self._revoke_grant(refresh.grant_id)
        return Response(status=200, headers={"Cache-Control": "no-store"})

    # --- browser pages: authorize ---------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        if request.method == "GET":
            return self._authorize_start(request)
        transaction_id = request.form.get("transaction", "")
        transaction = self._transactions.get(transaction_id)
        if transaction is None or transaction.kind != "code" or self._clock.now() >= transaction.expires_at:
            return self._expired_page()
        step = request.form.get("step")
        if step == "signin":
            if not self._credentials_ok(request):
                return self._authorize_sign_in_page(
                    request, transaction_id, error="Wrong email or password.", status=401
                )
            transaction.account_id = DEMO_ACCOUNT_ID
            return self._consent_page(request, transaction_id, transaction)
        if step == "consent" and transaction.account_id is not None:
            del self._transactions[transaction_id]
            if request.form.get("decision") != "allow":
                return _redirect(
                    _with_query(
                        transaction.redirect_uri,
                        {
                            "error": "access_denied",
                            "error_description": "The user denied the request.",
                            "state": transaction.state,
                        },
                    )
                )
            code = secrets.token_urlsafe(32)
            self._codes[code] = _AuthorizationCode(
                account_id=transaction.account_id,
                client_id=transaction.client_id,
                redirect_uri=transaction.redirect_uri,
                scopes=transaction.scopes,
                code_challenge=transaction.code_challenge,
                grant_id=uuid.uuid4().hex,
                expires_at=self._clock.now() + AUTHORIZATION_CODE_LIFETIME,
            )
            return _redirect(
                _with_query(transaction.redirect_uri, {"code": code, "state": transaction.state})
            )
        return self._authorize_sign_in_page(request, transaction_id)

    def _authorize_start(self, request: Request) -> Response:
        args = request.args
        client_id = args.get("client_id")
        if not _client_registered(client_id):
            return self._error_page(
                "Unknown application",
                "The application that sent you here is not registered with Constant Contact "
                "(unknown client_id).",
            )
        redirect_uri = args.get("redirect_uri")
        if not _redirect_uri_registered(client_id, redirect_uri) or len(args.getlist("redirect_uri")) > 1:
            return self._error_page(
                "Redirect address not registered",
                "The application asked to come back to an address (redirect_uri) that is not "
                "registered for it, so you are not sent there.",
            )
        state = args.get("state")

        def refuse(error: str, description: str) -> Response:
            return _redirect(
                _with_query(redirect_uri, {"error": error, "error_description": description, "state": state})
            )

        repeated = [key for key in args if len(args.getlist(key)) > 1]
        if repeated:
            return refuse("invalid_request", f"The parameter {repeated[0]} is repeated.")
        if args.get("response_type") != "code":
            return refuse("unsupported_response_type", "Only response_type=code is supported.")
        if not state:
            # Constant Contact's authorization server (Okta) requires state, the client's CSRF defence.
            return refuse("invalid_request", "The authorization request must include a state parameter.")
        challenge = args.get("code_challenge")
        if not challenge:
            return refuse("invalid_request", "PKCE code_challenge is required for public clients.")
        if args.get("code_challenge_method") != "S256":
            return refuse("invalid_request", "code_challenge_method must be S256 for public clients.")
        if not _PKCE_S256_CHALLENGE.match(challenge):
            return refuse("invalid_request", "The code_challenge is not a base64url SHA-256 digest.")
        try:
            scopes = _parse_scopes(args.get("scope"))
        except _OAuthError as error:
            return refuse(error.error, error.description)
        transaction_id = secrets.token_urlsafe(24)
        self._transactions[transaction_id] = _BrowserTransaction(
            kind="code",
            expires_at=self._clock.now() + BROWSER_TRANSACTION_LIFETIME,
            client_id=client_id,
            scopes=scopes,
            redirect_uri=redirect_uri,
            state=state,
            code_challenge=challenge,
        )
        return self._authorize_sign_in_page(request, transaction_id)

    def _authorize_sign_in_page(
        self, request: Request, transaction_id: str, *, error: str | None = None, status: int = 200
    ) -> Response:
        error_html = f'<p class="error">{_esc(error)}</p>' if error else ""
        body = f"""
<h1>Sign in</h1>
<p>Sign in to your Constant Contact account to connect <b>{_esc(DEMO_CLIENT_NAME)}</b>.</p>
{error_html}
<form method="post" action="{_esc(request.script_root + request.path)}">
  <input type="hidden" name="transaction" value="{_esc(transaction_id)}">
  <input type="hidden" name="step" value="signin">
  <label for="username">Email or username</label>
  <input type="email" id="username" name="username" autocomplete="username" required autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <div class="buttons"><button type="submit">Sign In</button></div>
</form>
{_credentials_hint()}"""
        return _page("Sign in", body, status)

    def _consent_page(
        self, request: Request, transaction_id: str, transaction: _BrowserTransaction, extra: str = ""
    ) -> Response:
        body = f"""
<h1>Allow access?</h1>
<p><b>{_esc(DEMO_CLIENT_NAME)}</b> would like to:</p>
{_scope_list(transaction.scopes)}
{extra}
<form method="post" action="{_esc(request.script_root + request.path)}">
  <input type="hidden" name="transaction" value="{_esc(transaction_id)}">
  <input type="hidden" name="step" value="consent">
  <div class="buttons">
    <button type="submit" name="decision" value="allow">Allow Access</button>
    <button type="submit" name="decision" value="deny" class="secondary">Deny</button>
  </div>
</form>
<p class="hint">Signed in as {_esc(DEMO_USERNAME)} (account {_esc(DEMO_ACCOUNT_ID)}).</p>"""
        return _page("Allow access", body)

    def _error_page(self, title: str, message: str, status: int = 400) -> Response:
        return _page(title, f'<h1>{_esc(title)}</h1>\n<p class="error">{_esc(message)}</p>', status)

    def _expired_page(self) -> Response:
        return self._error_page(
            "Request expired",
            "This sign-in request is no longer valid. Go back to the application and connect again.",
        )

    @staticmethod
    def _credentials_ok(request: Request) -> bool:
        username = (request.form.get("username") or "").strip().lower()
        password = request.form.get("password") or ""
        return secrets.compare_digest(username, DEMO_USERNAME) and secrets.compare_digest(
            password, DEMO_PASSWORD
        )

    # --- browser pages: device verification -----------------------------------------------------------

    def _device_page(self, request: Request) -> Response:
        if request.method == "GET":
            return self._device_entry_page(request, request.args.get("user_code", ""))
        step = request.form.get("step")
        if step == "consent":
            return self._device_decision(request)
        user_code = request.form.get("user_code", "")
        if not self._credentials_ok(request):
            return self._device_entry_page(request, user_code, error="Wrong email or password.", status=401)
        found = self._find_device_by_user_code(user_code)
        if found is None:
            return self._device_entry_page(
                request, user_code, error="That code is not valid. Check the code shown on your device."
            )
        device_code, record = found
        if self._clock.now() >= record.expires_at:
            return self._device_entry_page(
                request, user_code, error="That code has expired. Start again on your device."
            )
        if record.status != "pending":
            return self._device_entry_page(request, user_code, error="That code has already been used.")
        transaction_id = secrets.token_urlsafe(24)
        transaction = _BrowserTransaction(
            kind="device",
            expires_at=self._clock.now() + BROWSER_TRANSACTION_LIFETIME,
            client_id=record.client_id,
            scopes=record.scopes,
            device_code=device_code,
            account_id=DEMO_ACCOUNT_ID,
        )
        self._transactions[transaction_id] = transaction
        extra = f'<p>Code: <span class="code">{_esc(record.user_code)}</span></p>'
        return self._consent_page(request, transaction_id, transaction, extra)

    def _device_decision(self, request: Request) -> Response:
        transaction_id = request.form.get("transaction", "")
        transaction = self._transactions.pop(transaction_id, None)
        if transaction is None or transaction.kind != "device" or self._clock.now() >= transaction.expires_at:
            return self._expired_page()
        record = self._device_authorizations.get(transaction.device_code)
        if record is None or record.status != "pending" or self._clock.now() >= record.expires_at:
            return self._error_page(
                "Code no longer valid",
                "That code has expired or was already used. Start again on your device.",
            )
        if request.form.get("decision") == "allow":
            record.status = "approved"
            record.account_id = transaction.account_id
            body = (
                "<h1>Device connected</h1>"
                f"<p><b>{_esc(DEMO_CLIENT_NAME)}</b> can now use your Constant Contact account. "
                "You can close this page and return to the application.</p>"
            )
            return _page("Device connected", body)
        record.status = "denied"
        body = (
            "<h1>Access denied</h1>"
            f"<p><b>{_esc(DEMO_CLIENT_NAME)}</b> was not connected to your account. You can close this page.</p>"
        )
        return _page("Access denied", body)

    def _find_device_by_user_code(self, user_code: str) -> tuple[str, _DeviceAuthorization] | None:
        wanted = _normalise_user_code(user_code)
        if not wanted:
            return None
        for device_code, record in self._device_authorizations.items():
            if _normalise_user_code(record.user_code) == wanted:
                return device_code, record
        return None

    def _device_entry_page(
        self, request: Request, user_code: str, *, error: str | None = None, status: int = 200
    ) -> Response:
        error_html = f'<p class="error">{_esc(error)}</p>' if error else ""
        body = f"""
<h1>Connect a device</h1>
<p>Enter the code shown by the application and sign in to your Constant Contact account.</p>
{error_html}
<form method="post" action="{_esc(request.script_root + request.path)}">
  <input type="hidden" name="step" value="signin">
  <label for="user_code">Code</label>
  <input type="text" id="user_code" name="user_code" class="code" value="{_esc(user_code)}"
         placeholder="ABCD-EFGH" autocomplete="off" required>
  <label for="username">Email or username</label>
  <input type="email" id="username" name="username" autocomplete="username" required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <div class="buttons"><button type="submit">Continue</button></div>
</form>
{_credentials_hint()}"""
        return _page("Connect a device", body, status)
