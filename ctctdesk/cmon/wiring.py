"""Where the connection and the composition root meet Campaign Monitor's wire client.

Two plain functions (the clients of an API key; the signed-in wire client), so the connection (`ctctdesk.cmon.connection`) and `ctctdesk.app` do not depend on
the names inside `ctctdesk.cmon.client`, and tests replace them with a stand-in. Errors of the wire
client (`CmonError`) become the connection's family (`ctctdesk.ctct.errors`) here, which the command
line's exit codes and the window's messages already know.
"""

from __future__ import annotations

from typing import Any

import requests

from ctctdesk.ctct.errors import AuthorizationFailed, CtctError, ServiceUnavailable
from ctctdesk.ctct.tokens import TokenSet


class NotAvailable(CtctError):
    """Something Campaign Monitor support needs is missing from this build."""


class _CountingSession(requests.Session):
    """Counts each request sent in the connection's daily counter (the status shows it, and the history
    records each run's share), before it leaves."""

    def __init__(self, quota: Any) -> None:
        super().__init__()
        self._quota = quota

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        self._quota.reserve()
        return super().request(method, url, *args, **kwargs)


def open_client(base_url: str, credentials: TokenSet, *, clock: Any = None, quota: Any = None,
                origin: str | None = None, save_tokens: Any = None) -> Any:
    """The wire client (`CmonClient`) signed in with the saved API key, or with OAuth tokens that renew
    themselves (each renewed pair handed to `save_tokens` first: the keyring)."""
    from ctctdesk.cmon.client import CmonClient
    from ctctdesk.cmon.connection import API_KEY_TOKEN_TYPE, credentials_of_pair, pair_of_credentials
    from ctctdesk.cmon.http import (
        DEFAULT_REQUESTS_PER_SECOND,
        ApiKey,
        BearerToken,
        CmonTransport,
        RateLimiter,
    )
    from ctctdesk.cmon.oauth import SERVICE_ORIGIN, TokenKeeper

    if credentials.token_type == API_KEY_TOKEN_TYPE:
        signed_in: Any = ApiKey(credentials.access_token)
    else:
        def save(pair: Any) -> None:
            if save_tokens is not None:
                save_tokens(credentials_of_pair(pair))

        signed_in = BearerToken(TokenKeeper(pair_of_credentials(credentials), save,
                                            origin=origin or SERVICE_ORIGIN, clock=clock))
    limiter = RateLimiter(DEFAULT_REQUESTS_PER_SECOND, clock=clock) if clock is not None else None
    transport = CmonTransport(signed_in, api_base_url=base_url,
                              session=_CountingSession(quota) if quota is not None else None,
                              limiter=limiter, clock=clock)  # fmt: skip
    return CmonClient(transport)


def list_clients(base_url: str, credentials: TokenSet, **options: Any) -> list[Any]:
    """The clients the credentials reach (``GET /clients.json``), as the connection's `ClientChoice`."""
    from ctctdesk.cmon.connection import API_KEY_TOKEN_TYPE, ClientChoice
    from ctctdesk.cmon.errors import AuthFailed, CmonError
    from ctctdesk.cmon.errors import ServiceUnavailable as Unreachable

    client = open_client(base_url, credentials, **options)
    try:
        return [ClientChoice(c.client_id, c.name) for c in client.clients()]
    except AuthFailed:
        if credentials.token_type == API_KEY_TOKEN_TYPE:
            raise AuthorizationFailed("Campaign Monitor refused the API key: check it (Account settings → "
                                      "API keys in Campaign Monitor) and try again.") from None
        raise AuthorizationFailed("Campaign Monitor no longer accepts the sign-in: connect again.") from None
    except Unreachable as error:
        raise ServiceUnavailable(str(error)) from None
    except CmonError as error:
        raise CtctError(f"Campaign Monitor: {error}") from None
