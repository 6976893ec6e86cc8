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


@pytest.fixture
def sandbox_connection(request, sandbox, memory_keyring, tmp_path):  # noqa: F811 - fixtures by name
    """A `Connection` whose every URL points at the `sandbox` fixture; loopback port chosen freely.

    Its client runs on a fake clock the sandbox's clock follows (the real one under `real_clock`).
    """
    from ctctdesk.ctct.connection import Connection
    from ctctdesk.ctct.endpoints import ConnectionSettings
    from tests.support.clocks import clock_for

    settings = ConnectionSettings.for_sandbox(sandbox.base_url, redirect_port=0)
    return Connection(tmp_path / "data", settings=settings, clock=clock_for(request, sandbox))


def connect_through_browser(connection, **browser_options):
    """Connect `connection` by playing the browser in a thread, as the admin would."""
    import threading

    from tests.support.ctct_browser import approve_in_browser

    answers = []

    def open_url(url):
        thread = threading.Thread(target=lambda: answers.append(approve_in_browser(url, **browser_options)))
        thread.start()

    status = connection.connect_browser(open_url, timeout=30)
    return status, answers
