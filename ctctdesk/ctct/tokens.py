"""Tokens live only in the operating system's keyring (C3).

One keyring entry per account profile (service "ctctdesk", user name = profile id), holding a small
JSON document with the access token, the refresh token and when the access token expires. There is no
fallback: unless keyring offers a backend that really protects secrets (see PROTECTED_BACKENDS),
`TokenStore` raises KeyringUnavailable with instructions instead of writing secrets to a file.
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


#: Backends that keep secrets in an operating-system store that encrypts them and guards access:
#: Secret Service (directly or through libsecret), KWallet, the macOS Keychain, the Windows Credential
#: Locker, plus the in-memory backend of the test suite (it never writes anywhere). Named by module and
#: class rather than imported, because most of them only import on their own platform. Anything else,
#: keyrings.alt's plaintext and "encrypted" files above all, is refused: an allow-list, because a new
#: file-based backend must not be accepted just because nobody listed it.
PROTECTED_BACKENDS = frozenset({
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.libsecret.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.macOS.Keyring",
    "keyring.backends.Windows.WinVaultKeyring",
    "tests.support.memory_keyring.MemoryKeyring",
})


def _is_protected(backend: keyring.backend.KeyringBackend) -> bool:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}" in PROTECTED_BACKENDS or any(
        f"{base.__module__}.{base.__qualname__}" in PROTECTED_BACKENDS
        for base in cls.__mro__[1:]
        if base.__module__.startswith("keyring.backends.")  # KWallet 4 is a subclass of KWallet 5
    )


def protected_backend(backend: keyring.backend.KeyringBackend) -> keyring.backend.KeyringBackend:
    """The backend that will really hold the tokens, or KeyringUnavailable when it would not protect them.

    keyring's chainer writes to its first backend and reads from any of them, so when it is in use the
    tokens go to, and come only from, its first backend, and only when that one is protected: an entry
    planted in a plaintext file behind it is never read.
    """
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring):
        raise KeyringUnavailable("no keyring backend was found")
    if isinstance(backend, null.Keyring):
        raise KeyringUnavailable("keyring is configured with the null backend, which stores nothing")
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            raise KeyringUnavailable("no keyring backend was found")
        backend = chained[0]
    if not _is_protected(backend):
        raise KeyringUnavailable(
            f"the keyring backend in use, {type(backend).__name__}, would not protect the sign-in; "
            "a plaintext or file backend such as keyrings.alt is never used"
        )
    return backend


def keyring_report() -> tuple[bool, str]:
    """(usable, one sentence for the Constant Contact page): which keyring will hold the sign-in, or
    what is missing and how to get it (the same guidance every command prints with exit code 7)."""
    try:
        backend = protected_backend(keyring.get_keyring())
    except KeyringUnavailable as error:
        return False, str(error)
    name = getattr(backend, "name", "") or type(backend).__name__
    return True, f"The sign-in will be kept in this computer's keyring ({name})."


class TokenStore:
    """Reads and writes one profile's tokens in the system keyring; thread-safe."""

    def __init__(self, service: str = KEYRING_SERVICE, *, display_name: str = "Constant Contact") -> None:
        self._service = service
        self._display_name = display_name  # the email service whose sign-in this is, named when refused
        self._lock = threading.Lock()

    def check_available(self) -> None:
        """Raise KeyringUnavailable unless a keyring backend that protects secrets is in use."""
        self._backend()

    def _backend(self) -> keyring.backend.KeyringBackend:
        try:
            return protected_backend(keyring.get_keyring())
        except KeyringUnavailable as error:
            raise KeyringUnavailable(error.detail, service=self._display_name) from None

    def load(self, profile: str) -> TokenSet | None:
        backend = self._backend()
        with self._lock:
            try:
                text = backend.get_password(self._service, profile)
            except keyring.errors.KeyringError as error:
                raise KeyringUnavailable(type(error).__name__, service=self._display_name) from None
        if not text:
            return None
        try:
            return TokenSet.from_json(text)
        except (ValueError, KeyError, TypeError):
            return None  # unreadable entry: behaves as "not connected", the next connect overwrites it

    def save(self, profile: str, tokens: TokenSet) -> None:
        """Store `tokens`, replacing the profile's entry; keyring writes one entry at once."""
        backend = self._backend()
        with self._lock:
            try:
                backend.set_password(self._service, profile, tokens.to_json())
            except keyring.errors.KeyringError as error:
                raise KeyringUnavailable(type(error).__name__, service=self._display_name) from None

    def delete(self, profile: str) -> None:
        backend = self._backend()
        with self._lock:
            try:
                backend.delete_password(self._service, profile)
            except keyring.errors.PasswordDeleteError:
                pass  # already gone: the goal of deleting is reached
            except keyring.errors.KeyringError as error:
                raise KeyringUnavailable(type(error).__name__, service=self._display_name) from None
