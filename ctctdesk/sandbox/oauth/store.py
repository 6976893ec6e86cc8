"""The authorization server's memory: access and refresh tokens, codes, device approvals, browser tabs.

Everything here can be dumped to plain JSON and loaded back (`--state` files, the control API); times come
from the sandbox `Clock`."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.oauth.registry import (
    DEMO_ACCOUNT_ID,
    DEMO_CLIENT_ID,
    DEMO_USERNAME,
    FORGET_AFTER,
    REFRESH_TOKEN_LIFETIME,
    BearerRejected,
    OAuthError,
    TokenGrant,
    normalise_user_code,
    parse_scopes,
)

_STATE_VERSION = 1
# RFC 8628 suggests a consonant-only alphabet for user codes: no vowels (no words), no look-alikes.
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


@dataclass


class AccessToken:
    account_id: str
    client_id: str
    scopes: list[str]
    grant_id: str
    expires_at: float
    revoked: bool = False


@dataclass


class RefreshToken:
    account_id: str
    client_id: str
    scopes: list[str]
    grant_id: str
    status: str = "active"  # active | rotated | revoked
    expires_at: float | None = None


@dataclass


class AuthorizationCode:
    account_id: str
    client_id: str
    redirect_uri: str
    scopes: list[str]
    code_challenge: str
    grant_id: str
    expires_at: float
    used: bool = False


@dataclass


class DeviceAuthorization:
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


class BrowserTransaction:
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


def _b64url_json(value: dict[str, Any]) -> str:
    raw = json.dumps(value, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class GrantStore:
    """Every token, code, pending device approval and browser tab of the authorization server.

    One lock guards it all (the HTTP server is threaded); the grant and page functions run while
    `OAuthServer.dispatch` holds it, the public methods here take it themselves.
    """

    def __init__(self, clock: Clock, *, access_token_lifetime: int = 86_400) -> None:
        self.clock = clock
        self.access_token_lifetime = access_token_lifetime
        #: The app's setting in Constant Contact: rotating (single use) or long-lived refresh tokens.
        self.rotate_refresh_tokens = True
        self.lock = threading.RLock()
        self._reset_state()

    def check_bearer(self, authorization_header: str | None) -> TokenGrant:
        """Who the `Authorization: Bearer …` header speaks for; raises `BearerRejected` otherwise."""
        scheme, _, token = (authorization_header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise BearerRejected("missing")
        with self.lock:
            record = self.access_tokens.get(token)
            if record is None:
                raise BearerRejected("unknown")
            if record.revoked:
                raise BearerRejected("revoked")
            if self.clock.now() >= record.expires_at:
                raise BearerRejected("expired")
            return TokenGrant(record.account_id, record.client_id, frozenset(record.scopes))

    def issue_token(self, scopes: str, expires_in: int | None = None) -> dict[str, Any]:
        """A token response for the demo account and client, without a browser (control interface).

        Unlike the token endpoint, it always includes a refresh token, so scripts can exercise refresh.
        `expires_in=0` gives a token that is already expired (handy for testing the refresh path). Raises
        ValueError on unknown scopes or a lifetime that is not a whole number of seconds >= 0.
        """
        try:
            names = parse_scopes(scopes)
        except OAuthError as error:
            raise ValueError(error.description) from None
        if expires_in is not None and (
            isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in < 0
        ):
            raise ValueError("expires_in must be a whole number of seconds, 0 or more")
        with self.lock:
            return self.issue_tokens(
                DEMO_ACCOUNT_ID,
                DEMO_CLIENT_ID,
                names,
                grant_id=uuid.uuid4().hex,
                with_refresh=True,
                expires_in=expires_in,
            )

    def approve_device(self, user_code: str | None) -> int:
        """Approve, as the demo user, one pending device code (or every pending one); returns how many."""
        wanted = normalise_user_code(user_code) if user_code is not None else None
        count = 0
        with self.lock:
            now = self.clock.now()
            for record in self.device_authorizations.values():
                if record.status != "pending" or now >= record.expires_at:
                    continue
                if wanted is not None and normalise_user_code(record.user_code) != wanted:
                    continue
                record.status = "approved"
                record.account_id = DEMO_ACCOUNT_ID
                count += 1
        return count

    def expire_access_tokens(self) -> None:
        """Fault injection: every access token issued so far is now expired (refresh tokens still work)."""
        with self.lock:
            now = self.clock.now()
            for record in self.access_tokens.values():
                record.expires_at = min(record.expires_at, now)

    def reset(self) -> None:
        """Forget every token, code and pending approval (the configured lifetime stays)."""
        with self.lock:
            self._reset_state()

    def dump(self) -> dict[str, Any]:
        """The whole state as plain JSON-serialisable data (for `--state` files and the control API)."""
        with self.lock:
            return {
                "version": _STATE_VERSION,
                "access_tokens": {key: asdict(value) for key, value in self.access_tokens.items()},
                "refresh_tokens": {key: asdict(value) for key, value in self.refresh_tokens.items()},
                "authorization_codes": {key: asdict(value) for key, value in self.codes.items()},
                "device_authorizations": {
                    key: asdict(value) for key, value in self.device_authorizations.items()
                },
                "browser_transactions": {key: asdict(value) for key, value in self.transactions.items()},
            }

    def load(self, data: dict[str, Any]) -> None:
        """Replace the state with what `dump` produced; raises ValueError on anything else."""
        if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
            raise ValueError("not an authorization-server state of a known version")
        try:
            access = {k: AccessToken(**v) for k, v in data.get("access_tokens", {}).items()}
            refresh = {k: RefreshToken(**v) for k, v in data.get("refresh_tokens", {}).items()}
            codes = {k: AuthorizationCode(**v) for k, v in data.get("authorization_codes", {}).items()}
            devices = {k: DeviceAuthorization(**v) for k, v in data.get("device_authorizations", {}).items()}
            transactions = {
                k: BrowserTransaction(**v) for k, v in data.get("browser_transactions", {}).items()
            }
        except (TypeError, AttributeError) as error:
            raise ValueError(f"malformed authorization-server state: {error}") from None
        with self.lock:
            self.access_tokens = access
            self.refresh_tokens = refresh
            self.codes = codes
            self.device_authorizations = devices
            self.transactions = transactions

    # --- state ----------------------------------------------------------------------------------------

    def _reset_state(self) -> None:
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.device_authorizations: dict[str, DeviceAuthorization] = {}
        self.transactions: dict[str, BrowserTransaction] = {}

    def forget_stale(self) -> None:
        """Drop codes, device codes and browser tabs long past their expiry (tokens are kept)."""
        horizon = self.clock.now() - FORGET_AFTER
        for table in (self.codes, self.device_authorizations, self.transactions):
            for key in [key for key, value in table.items() if value.expires_at < horizon]:
                del table[key]

    def _new_access_token(self, account_id: str, client_id: str, scopes: list[str], lifetime: int) -> str:
        """A JWT-shaped opaque token, like the real service's; only this server's table makes it valid."""
        now = int(self.clock.now())
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

    def issue_tokens(
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
        self.access_tokens[access_token] = AccessToken(
            account_id=account_id,
            client_id=client_id,
            scopes=list(scopes),
            grant_id=grant_id,
            expires_at=self.clock.now() + lifetime,
        )
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "access_token": access_token,
            "scope": " ".join(scopes),
        }
        if with_refresh:
            refresh_token = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh_token] = RefreshToken(
                account_id=account_id,
                client_id=client_id,
                scopes=list(refresh_scopes if refresh_scopes is not None else scopes),
                grant_id=grant_id,
                expires_at=self.clock.now() + REFRESH_TOKEN_LIFETIME,
            )
            body["refresh_token"] = refresh_token
        return body

    def revoke_grant(self, grant_id: str) -> None:
        """Revoke every access and refresh token that came from one authorization."""
        for access in self.access_tokens.values():
            if access.grant_id == grant_id:
                access.revoked = True
        for refresh in self.refresh_tokens.values():
            if refresh.grant_id == grant_id:
                refresh.status = "revoked"

    def new_user_code(self) -> str:
        taken = {normalise_user_code(d.user_code) for d in self.device_authorizations.values()}
        while True:
            letters = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
            if letters not in taken:
                return f"{letters[:4]}-{letters[4:]}"

    def find_device_by_user_code(self, user_code: str) -> tuple[str, DeviceAuthorization] | None:
        wanted = normalise_user_code(user_code)
        if not wanted:
            return None
        for device_code, record in self.device_authorizations.items():
            if normalise_user_code(record.user_code) == wanted:
                return device_code, record
        return None
