"""Campaign Monitor's OAuth 2 (web-server flow) at the wire: the sign-in address, the code exchange,
the refresh, and `TokenKeeper`, the access-token source the transport renews through.

Where the tokens are kept (the keyring) is the caller's business: `TokenKeeper` hands every new token
pair to its `save` callback before using it, so a renewal is never lost. No token ever reaches a log
line, an exception message or a repr.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import requests

from ctctdesk.cmon.errors import AuthFailed, AuthRevoked, BadResponse, ServiceUnavailable
from ctctdesk.timing import Clock, SystemClock

log = logging.getLogger(__name__)

SERVICE_ORIGIN = "https://api.createsend.com"
#: What ctctdesk needs: lists, custom fields and segments (ManageLists), subscriber writes
#: (ImportSubscribers). Permission names from the Getting started page; which endpoint needs which is
#: not spelt out there (see the emulator's NOTES.md).
DEFAULT_SCOPES = ("ManageLists", "ImportSubscribers")
#: Renew a little before the announced expiry, so a request never leaves with a token about to lapse.
RENEW_MARGIN = dt.timedelta(minutes=5)
TIMEOUT = (10.0, 30.0)


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: dt.datetime

    def to_json(self) -> dict[str, Any]:
        """For the caller's secret store (never for a file or a log)."""
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TokenSet:
        return cls(str(data["access_token"]), str(data["refresh_token"]),
                   dt.datetime.fromisoformat(str(data["expires_at"])))


def authorize_url(client_id: str, redirect_uri: str, *, state: str, scopes: Sequence[str] = DEFAULT_SCOPES,
                  origin: str = SERVICE_ORIGIN) -> str:
    """The address the person signs in at; Campaign Monitor sends them back to `redirect_uri` with
    `code` and `state` (or `error`)."""
    query = urlencode({"type": "web_server", "client_id": client_id, "redirect_uri": redirect_uri,
                       "scope": ",".join(scopes), "state": state})
    return f"{origin.rstrip('/')}/oauth?{query}"


def exchange_code(code: str, *, client_id: str, client_secret: str, redirect_uri: str,
                  origin: str = SERVICE_ORIGIN, session: requests.Session | None = None,
                  clock: Clock | None = None) -> TokenSet:
    """Trade the sign-in's `code` for a token pair."""
    return _token_request({"grant_type": "authorization_code", "client_id": client_id,
                           "client_secret": client_secret, "redirect_uri": redirect_uri, "code": code},
                          origin, session, clock)


def refresh(refresh_token: str, *, origin: str = SERVICE_ORIGIN, session: requests.Session | None = None,
            clock: Clock | None = None) -> TokenSet:
    """A new token pair for a refresh token; AuthRevoked when Campaign Monitor no longer accepts it."""
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token}, origin, session, clock)


def _token_request(form: dict[str, str], origin: str, session: requests.Session | None,
                   clock: Clock | None) -> TokenSet:
    clock = clock or SystemClock()
    url = f"{origin.rstrip('/')}/oauth/token"
    try:
        response = (session or requests.Session()).post(url, data=form, timeout=TIMEOUT, allow_redirects=False,
                                                        headers={"Accept": "application/json"})
    except (requests.ConnectionError, requests.Timeout) as error:
        log.info("token request failed: %s", type(error).__name__)
        raise ServiceUnavailable() from None
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    if response.status_code >= 500:
        raise ServiceUnavailable(status=response.status_code)
    if response.status_code != 200:
        reason = body.get("error") if isinstance(body, dict) else None
        log.info("token request refused: %s", reason or response.status_code)
        if reason == "invalid_grant":
            raise AuthRevoked(status=response.status_code)
        raise AuthFailed("Campaign Monitor refused the sign-in"
                         + (f" ({reason})." if isinstance(reason, str) and reason.isidentifier() else ".")
                         + " Connect again.", status=response.status_code)
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) \
            or not isinstance(body.get("refresh_token"), str) or not isinstance(body.get("expires_in"), int):
        raise BadResponse("the token request", "it is not a token answer")
    expires_at = clock.now() + dt.timedelta(seconds=body["expires_in"])
    return TokenSet(body["access_token"], body["refresh_token"], expires_at)


class TokenKeeper:
    """Access tokens for `BearerToken`: renewed shortly before they expire and after an expired-token
    answer, each new pair handed to `save` first. Thread-safe; one renewal at a time."""

    def __init__(self, tokens: TokenSet, save: Callable[[TokenSet], None], *, origin: str = SERVICE_ORIGIN,
                 session: requests.Session | None = None, clock: Clock | None = None) -> None:
        self._tokens = tokens
        self._save = save
        self._origin = origin
        self._session = session
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if self._clock.now() + RENEW_MARGIN >= self._tokens.expires_at:
                self._renew()
            return self._tokens.access_token

    def refresh_after_unauthorized(self, rejected_token: str) -> str:
        with self._lock:
            if self._tokens.access_token == rejected_token:  # another thread may have renewed already
                self._renew()
            return self._tokens.access_token

    def _renew(self) -> None:
        fresh = refresh(self._tokens.refresh_token, origin=self._origin, session=self._session, clock=self._clock)
        self._save(fresh)
        self._tokens = fresh

    def __repr__(self) -> str:
        return "TokenKeeper([redacted])"
