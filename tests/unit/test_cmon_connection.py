"""Campaign Monitor's connection: the API key goes to the keyring only, the client is chosen once, and
status, disconnect and listeners behave as Constant Contact's do."""

from __future__ import annotations

import pytest

from ctctdesk.cmon.connection import KEYRING_SERVICE, CmonConnection, describe
from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.ctct.errors import AuthorizationFailed, NotConnected
from tests.support.cmon_fakes import AGENCY_KEY, GOOD_KEY, FakeCampaignMonitor
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


@pytest.fixture
def cmon():
    return FakeCampaignMonitor()


def _files_text(folder) -> str:
    return "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def test_one_client_is_chosen_by_itself_and_the_key_lives_only_in_the_keyring(tmp_path, cmon, keys):
    connection = cmon.connection(tmp_path)
    heard = []
    connection.add_listener(heard.append)

    status = connection.connect_api_key(GOOD_KEY)

    assert status.connected and status.client_name == "Harbour Office"
    assert heard and heard[-1].connected
    assert [service for service, _ in keys.entries] == [KEYRING_SERVICE]
    assert GOOD_KEY in next(iter(keys.entries.values()))
    assert GOOD_KEY not in _files_text(tmp_path)  # settings, state and usage files hold no key
    assert "Client: Harbour Office" in describe(status)
    assert connection.client().client_id == "c-1"


def test_several_clients_need_a_choice_by_name(tmp_path, cmon, keys):
    connection = cmon.connection(tmp_path)
    assert [c.name for c in connection.clients_for_key(AGENCY_KEY)] == ["Alpha Bakery", "Zeta Foods"]

    with pytest.raises(AuthorizationFailed, match="several Campaign Monitor clients.*Zeta Foods"):
        connection.connect_api_key(AGENCY_KEY)
    assert connection.status().state is ConnectionState.NOT_CONNECTED
    assert not keys.entries  # nothing kept before the choice

    with pytest.raises(AuthorizationFailed, match="no client named “Omega”"):
        connection.connect_api_key(AGENCY_KEY, "Omega")

    status = connection.connect_api_key(AGENCY_KEY, "zeta foods")
    assert status.client_name == "Zeta Foods" and connection.client().client_id == "c-2"


def test_a_refused_key_is_said_without_the_key(tmp_path, cmon, keys):
    connection = cmon.connection(tmp_path)
    with pytest.raises(AuthorizationFailed) as raised:
        connection.connect_api_key("wrong-key-123")
    assert "wrong-key-123" not in str(raised.value)
    assert not keys.entries


def test_status_survives_a_restart_and_disconnect_forgets_everything(tmp_path, cmon, keys):
    cmon.connection(tmp_path).connect_api_key(GOOD_KEY)

    again = cmon.connection(tmp_path)  # a new process on the same data folder
    assert again.status().client_name == "Harbour Office" and again.status().connected
    hooks = []
    again.add_disconnect_hook(lambda: hooks.append("lists removed"))

    assert again.disconnect() is True
    assert hooks == ["lists removed"]
    assert again.status().state is ConnectionState.NOT_CONNECTED
    assert not keys.entries
    with pytest.raises(NotConnected, match="Campaign Monitor"):
        again.client()


def test_a_key_refused_later_breaks_the_connection_until_reconnect(tmp_path, cmon, keys):
    connection = cmon.connection(tmp_path)
    connection.connect_api_key(GOOD_KEY)
    heard = []
    connection.add_listener(heard.append)
    del cmon.accounts[GOOD_KEY]  # the key was deleted in Campaign Monitor

    status = connection.status(refresh_account=True)

    assert status.state is ConnectionState.BROKEN and "no longer accepts" in status.broken_reason
    assert heard[-1].state is ConnectionState.BROKEN
    cmon.accounts[GOOD_KEY] = cmon.accounts[AGENCY_KEY][:1]
    assert connection.connect_api_key(GOOD_KEY).connected


def test_sandbox_url_points_the_api_at_the_emulator_and_keeps_the_keyring_entry(tmp_path, cmon, keys):
    first = CmonConnection.open(tmp_path, "http://127.0.0.1:9999")
    second = CmonConnection.open(tmp_path, "http://127.0.0.1:8888/")
    assert second.settings.api_base_url == "http://127.0.0.1:8888/api/v3.3"
    assert second.settings.profile == first.settings.profile
