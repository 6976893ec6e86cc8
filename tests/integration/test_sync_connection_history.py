"""C7: a broken connection leaves an entry in the sync history, next to the runs, once per break."""

from __future__ import annotations

import pytest

from ctctdesk.ctct.errors import AuthRevoked
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture by name
from tests.support.sync_fixtures import connect, sync_env  # noqa: F401 - fixture by name


def break_connection(env) -> None:
    """Constant Contact forgets every token: the next call gets a 401 and the refresh is refused."""
    env.sandbox.oauth.reset()
    with pytest.raises(AuthRevoked):
        env.connection.client().account_summary()


def connection_entries(service) -> list:
    return [entry for entry in service.history() if entry.is_connection_event]


def test_a_broken_connection_is_recorded_once_in_the_history(sync_env):  # noqa: F811
    activation = sync_env.service.activate()
    assert sync_env.service.last_run().run_id == activation.run_id

    break_connection(sync_env)
    newest = sync_env.service.history()[0]
    assert newest.is_connection_event
    assert newest.stopped_reason.startswith("Connection broken: ")
    assert "refused" in newest.stopped_reason  # the reason the banner shows too
    assert not newest.ok and newest.requests_used == 0 and not newest.counts

    with pytest.raises(AuthRevoked):  # met again by a later request: still the same break
        sync_env.connection.client().account_summary()
    assert len(connection_entries(sync_env.service)) == 1
    # "Last sync" on the settings page is the activation, not the connection entry
    assert sync_env.service.last_run().run_id == activation.run_id


def test_a_break_after_reconnecting_is_recorded_again(sync_env):  # noqa: F811
    break_connection(sync_env)
    connect(sync_env.connection, sync_env.sandbox)  # the admin reconnects
    break_connection(sync_env)
    assert len(connection_entries(sync_env.service)) == 2
    assert sync_env.service.last_run() is None  # no sync has run yet
