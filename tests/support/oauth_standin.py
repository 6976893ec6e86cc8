"""A stand-in for `ctctdesk.sandbox.oauth`, used only while that module has not reached this branch.

It honours the agreed contract (issue_token, check_bearer, expire_access_tokens, …) with the least code
so the API tests can run; the real authorization server replaces it as soon as it is importable.
"""

from __future__ import annotations

import secrets
import sys
import types
from dataclasses import dataclass
from typing import Any

DEMO_CLIENT_ID = "ctctdesk-demo"
DEMO_ACCOUNT_ID = "demo-account"


class BearerRejected(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenGrant:
    account_id: str
    client_id: str
    scopes: frozenset[str]


class OAuthServer:
    def __init__(self, clock: Any, *, access_token_lifetime: int = 86400):
        self.clock = clock
        self.access_token_lifetime = access_token_lifetime
        self.reset()

    def reset(self) -> None:
        self._tokens: dict[str, dict[str, Any]] = {}

    def dispatch(self, request: Any, subpath: str) -> Any:
        from werkzeug.wrappers import Response

        return Response('{"error": "not_implemented"}', status=404, mimetype="application/json")

    def issue_token(self, scopes: str, expires_in: int | None = None) -> dict[str, Any]:
        lifetime = self.access_token_lifetime if expires_in is None else expires_in
        token = secrets.token_urlsafe(24)
        self._tokens[token] = {"scopes": scopes.split(), "expires_at": self.clock.now() + lifetime,
                               "revoked": False}
        return {"access_token": token, "refresh_token": secrets.token_urlsafe(24), "expires_in": lifetime,
                "scope": scopes, "token_type": "Bearer"}

    def check_bearer(self, header: str | None) -> TokenGrant:
        if not header or not header.startswith("Bearer "):
            raise BearerRejected("missing")
        record = self._tokens.get(header[len("Bearer "):].strip())
        if record is None:
            raise BearerRejected("unknown")
        if record["revoked"]:
            raise BearerRejected("revoked")
        if record["expires_at"] <= self.clock.now():
            raise BearerRejected("expired")
        return TokenGrant(DEMO_ACCOUNT_ID, DEMO_CLIENT_ID, frozenset(record["scopes"]))

    def revoke(self, token: str) -> None:
        if token in self._tokens:
            self._tokens[token]["revoked"] = True

    def approve_device(self, user_code: str | None) -> int:
        return 0

    def expire_access_tokens(self) -> None:
        for record in self._tokens.values():
            record["expires_at"] = min(record["expires_at"], self.clock.now())

    def dump(self) -> dict[str, Any]:
        return {"tokens": self._tokens}

    def load(self, data: dict[str, Any]) -> None:
        self._tokens = dict(data.get("tokens", {}))


def install_if_missing() -> bool:
    """Make `ctctdesk.sandbox.oauth` importable; True when the stand-in had to be installed."""
    try:
        import ctctdesk.sandbox.oauth  # noqa: F401
        return False
    except ImportError:
        module = types.ModuleType("ctctdesk.sandbox.oauth")
        for name in ("DEMO_CLIENT_ID", "DEMO_ACCOUNT_ID", "BearerRejected", "TokenGrant", "OAuthServer"):
            setattr(module, name, globals()[name])
        sys.modules["ctctdesk.sandbox.oauth"] = module
        import ctctdesk.sandbox

        ctctdesk.sandbox.oauth = module
        return True
