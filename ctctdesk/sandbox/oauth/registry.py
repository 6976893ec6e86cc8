"""Who the authorization server knows: the demo client and account, the scopes, the lifetimes, and the
errors and values its parts hand each other."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

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


class OAuthError(Exception):
    """An RFC 6749 error answer of the token, device and revoke endpoints."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def client_registered(client_id: str | None) -> bool:
    return client_id == DEMO_CLIENT_ID


def redirect_uri_registered(client_id: str, redirect_uri: str | None) -> bool:
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


def parse_scopes(raw: str | None) -> list[str]:
    """Split a scope string; unknown or missing scopes raise `invalid_scope` as the real server does."""
    names = (raw or "").split()
    if not names:
        raise OAuthError("invalid_scope", "The request must include at least one scope.")
    unknown = sorted({name for name in names if name not in SCOPES})
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown scope(s): {' '.join(unknown)}.")
    return sorted(set(names))


def normalise_user_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())
