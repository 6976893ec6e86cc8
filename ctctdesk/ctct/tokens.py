"""Tokens live only in the operating system's keyring (C3).

One keyring entry per account profile (service "ctctdesk", user name = profile id), holding a small
JSON document with the access token, the refresh token and when the access token expires. There is no
fallback: when keyring can only offer its fail or null backend, `TokenStore` raises KeyringUnavailable
with instructions instead of writing secrets to a file.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import keyring
import keyring.backend
import keyring.errors

from ctctdesk.ctct.errors import KeyringUnavailable

KEYRING_SERVICE = "ctctdesk"


@dataclass(frozen=True)
class TokenSet:
    """What the authorization server gave us. Secrets are left out of repr so they never reach logs."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: float
    scope: tuple[str, ...] = ()
    token_type: str = "Bearer"

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        return (now if now is not None else time.time()) + seconds >= self.expires_at

    def to_json(self) -> str:
        return json.dumps({
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": list(self.scope),
            "token_type": self.token_type,
        })

    @classmethod
    def from_json(cls, text: str) -> TokenSet:
        raw = json.loads(text)
        return cls(
            access_token=raw["access_token"],
            refresh_token=raw.get("refresh_token"),
            expires_at=float(raw["expires_at"]),
            scope=tuple(raw.get("scope") or ()),
            token_type=raw.get("token_type") or "Bearer",
        )


def unusable_backend_reason(backend: keyring.backend.KeyringBackend) -> str | None:
    """Why `backend` cannot hold secrets safely, or None when it can."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring):
        return "no keyring backend was found"
    if isinstance(backend, null.Keyring):
        return "keyring is configured with the null backend, which stores nothing"
    if isinstance(backend, chainer.ChainerBackend):
        usable = [b for b in backend.backends if unusable_backend_reason(b) is None]
        if not usable:
            return "no keyring backend was found"
    return None


class TokenStore:
    """Reads and writes one profile's tokens in the system keyring; thread-safe."""

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self._service = service
        self._lock = threading.Lock()

    def check_available(self) -> None:
        """Raise KeyringUnavailable unless a real keyring backend is in use."""
        reason = unusable_backend_reason(keyring.get_keyring())
        if reason:
            raise KeyringUnavailable(reason)

    def load(self, profile: str) -> TokenSet | None:
        self.check_available()
        with self._lock:
            try:
                text = keyring.get_password(self._service, profile)
            except keyring.errors.KeyringError as error:
                raise KeyringUnavailable(type(error).__name__) from None
        if not text:
            return None
        try:
            return TokenSet.from_json(text)
        except (ValueError, KeyError, TypeError):
            return None  # unreadable entry: behaves as "not connected", the next connect overwrites it

    def save(self, profile: str, tokens: TokenSet) -> None:
        """Store `tokens`, replacing the profile's entry; keyring writes one entry at once."""
        self.check_available()
        with self._lock:
            try:
                keyring.set_password(self._service, profile, tokens.to_json())
            except keyring.errors.KeyringError as error:
                raise KeyringUnavailable(type(error).__name__) from None

    def delete(self, profile: str) -> None:
        self.check_available()
        with self._lock:
            try:
                keyring.delete_password(self._service, profile)
            except keyring.errors.PasswordDeleteError:
                pass  # already gone: the goal of deleting is reached
            except keyring.errors.KeyringError as error:
                raise KeyringUnavailable(type(error).__name__) from None
