"""Tokens go to the keyring and nowhere else; no keyring means a refusal, never a plaintext fallback."""

import keyring
import pytest
from keyring.backends import chainer, fail, null

from ctctdesk.ctct.errors import KeyringUnavailable
from ctctdesk.ctct.tokens import TokenSet, TokenStore
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401

TOKENS = TokenSet(
    "access-secret-1", "refresh-secret-1", expires_at=2_000_000_000.0, scope=("contact_data", "account_read")
)


def test_round_trip_one_entry_per_profile(memory_keyring):  # noqa: F811
    store = TokenStore()
    store.save("office", TOKENS)
    store.save("other", TokenSet("a2", "r2", 1.0))
    assert store.load("office") == TOKENS
    assert store.load("other").access_token == "a2"
    assert len(memory_keyring.entries) == 2
    store.delete("office")
    assert store.load("office") is None
    store.delete("office")  # already gone is fine


def test_secrets_stay_out_of_repr():
    assert "secret" not in repr(TOKENS)


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_unusable_backends_are_refused_with_instructions(backend):
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        store = TokenStore()
        with pytest.raises(KeyringUnavailable) as caught:
            store.save("office", TOKENS)
        assert "Secret Service" in str(caught.value) or "keyring" in str(caught.value)
        assert "install" in str(caught.value)
        with pytest.raises(KeyringUnavailable):
            store.load("office")
    finally:
        keyring.set_keyring(previous)


def test_chainer_without_real_backends_is_refused(monkeypatch):
    previous = keyring.get_keyring()
    empty = chainer.ChainerBackend()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(empty)
    try:
        with pytest.raises(KeyringUnavailable):
            TokenStore().check_available()
    finally:
        keyring.set_keyring(previous)
