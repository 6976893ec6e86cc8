"""Fixtures for the Constant Contact client tests; import the ones a module uses into it."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest

from tests.support.memory_keyring import MemoryKeyring


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Select an in-memory keyring backend through keyring's own API, restoring the previous one after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
