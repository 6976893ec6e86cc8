"""Tokens go to the keyring and nowhere else; no keyring means a refusal, never a plaintext fallback."""

import keyring
import pytest
from keyring.backends import chainer, fail, null

from ctctdesk.ctct.errors import KeyringUnavailable
from ctctdesk.ctct.tokens import TokenSet, TokenStore
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.memory_keyring import MemoryKeyring

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


# -- backends that do not protect secrets (issue 12, item 2) ------------------------------------------

def plaintext_keyring(folder):
    """keyrings.alt's file backend (Debian installs it), writing into `folder` instead of the home."""
    from keyrings.alt.file import PlaintextKeyring

    backend = PlaintextKeyring()
    backend.file_path = str(folder / "keyring_pass.cfg")
    return backend


def files_holding(folder, secret: str) -> list[str]:
    import base64

    encoded = base64.b64encode(secret.encode()).decode()
    return [
        path.name
        for path in folder.rglob("*")
        if path.is_file() and (secret in path.read_text(errors="replace") or encoded in path.read_text(errors="replace"))
    ]


@pytest.fixture
def selected_keyring():
    """Select a backend for one test through keyring's own API; the previous one comes back after."""
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_plaintext_file_backend_is_refused_and_nothing_lands_in_a_file(tmp_path, selected_keyring):
    selected_keyring(plaintext_keyring(tmp_path))
    store = TokenStore()
    with pytest.raises(KeyringUnavailable) as caught:
        store.save("office", TOKENS)
    assert "install" in str(caught.value) and "Secret Service" in str(caught.value)
    with pytest.raises(KeyringUnavailable):
        store.load("office")
    with pytest.raises(KeyringUnavailable):
        TokenStore().check_available()
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_backend_is_refused(selected_keyring):
    class HomeMadeKeyring(MemoryKeyring):
        """Same behaviour as the test backend, but nobody vouched for it (as with keyrings.alt's
        EncryptedKeyring, which keeps its file next to the key that opens it)."""

    backend = HomeMadeKeyring()
    selected_keyring(backend)
    with pytest.raises(KeyringUnavailable):
        TokenStore().save("office", TOKENS)
    assert backend.entries == {}


def test_chainer_that_would_write_to_a_plaintext_file_is_refused(tmp_path, monkeypatch, selected_keyring):
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [plaintext_keyring(tmp_path), MemoryKeyring()])
    selected_keyring(chainer.ChainerBackend())
    with pytest.raises(KeyringUnavailable):
        TokenStore().save("office", TOKENS)
    assert list(tmp_path.iterdir()) == []


def test_chainer_led_by_a_real_keyring_uses_only_that_one(tmp_path, monkeypatch, selected_keyring):
    # Debian desktop with keyrings.alt installed: the chainer puts the real keyring first and the file
    # backend behind it. Tokens go to the real one, and an entry planted in the file is never read.
    real, plaintext = MemoryKeyring(), plaintext_keyring(tmp_path)
    plaintext.set_password("ctctdesk", "planted", TokenSet("planted-access", "planted-refresh", 1.0).to_json())
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [real, plaintext])
    selected_keyring(chainer.ChainerBackend())
    store = TokenStore()
    store.check_available()
    store.save("office", TOKENS)
    assert store.load("office") == TOKENS
    assert list(real.entries) == [("ctctdesk", "office")]
    assert files_holding(tmp_path, "refresh-secret-1") == []
    assert store.load("planted") is None
    store.delete("office")
    assert real.entries == {}
