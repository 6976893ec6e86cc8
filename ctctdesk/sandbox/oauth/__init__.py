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

The parts: `registry` (the demo client and account, scopes, lifetimes), `store` (tokens, codes, device
approvals, browser tabs, and their JSON form), `grants` (token, device-authorization and revoke
endpoints), `pages` (sign-in, consent and device pages), `server` (`OAuthServer`, which routes to them).
"""

from __future__ import annotations

from ctctdesk.sandbox.oauth.registry import (
    DEMO_ACCOUNT_ID,
    DEMO_CLIENT_ID,
    DEMO_CLIENT_NAME,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    DEVICE_GRANT_TYPE,
    DEVICE_VERIFICATION_PATH,
    SCOPES,
    BearerRejected,
    TokenGrant,
)
from ctctdesk.sandbox.oauth.server import OAuthServer

__all__ = [
    "DEMO_ACCOUNT_ID",
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_NAME",
    "DEMO_PASSWORD",
    "DEMO_USERNAME",
    "DEVICE_GRANT_TYPE",
    "DEVICE_VERIFICATION_PATH",
    "SCOPES",
    "BearerRejected",
    "OAuthServer",
    "TokenGrant",
]
