"""`ctctdesk connect --service campaign-monitor`, `status`, `disconnect` and `sync`'s service-neutral
names, against a stand-in for Campaign Monitor (the emulator's own run is in tests/integration)."""

from __future__ import annotations

import io
import json

import pytest

from ctctdesk.cli import main
from ctctdesk.cmon import wiring
from tests.support.cmon_fakes import AGENCY_KEY, GOOD_KEY, FakeCampaignMonitor
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


@pytest.fixture
def fake(monkeypatch) -> FakeCampaignMonitor:
    fake = FakeCampaignMonitor()
    monkeypatch.setattr(wiring, "list_clients", fake.list_clients)
    monkeypatch.setattr("ctctdesk.app.campaign_monitor_service", fake.build_service)
    return fake


def _everything_written(capsys, folder) -> str:
    out = capsys.readouterr()
    files = "".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()
                    and p.suffix in (".json", ".log"))
    return out.out + out.err + files


def test_connect_reads_the_key_from_stdin_and_chooses_the_only_client(tmp_path, keys, fake, monkeypatch, capsys):
    data = ["--data-dir", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO(GOOD_KEY + "\n"))

    code = main(["connect", "--service", "campaign-monitor", "--api-key", "-", "--no-activation", *data])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "Email service: Campaign Monitor." in out
    assert "Connected to Campaign Monitor." in out and "Client: Harbour Office" in out
    assert json.loads((tmp_path / "settings.json").read_text())["email_service"] == "campaign-monitor"
    assert main(["status", "--offline", *data]) == 0
    status = capsys.readouterr().out
    assert status.startswith("Email service: Campaign Monitor\n") and "Client: Harbour Office" in status
    assert GOOD_KEY not in _everything_written(capsys, tmp_path)


def test_several_clients_need_client_and_the_env_var_carries_the_key(tmp_path, keys, fake, monkeypatch, capsys):
    data = ["--data-dir", str(tmp_path)]
    monkeypatch.setenv("CTCTDESK_CM_API_KEY", AGENCY_KEY)

    assert main(["connect", "--service", "campaign-monitor", "--no-activation", *data]) == 2
    err = capsys.readouterr().err
    assert "“Alpha Bakery”, “Zeta Foods”" in err and "--client NAME" in err

    assert main(["connect", "--service", "campaign-monitor", "--client", "Alpha Bakery", "--no-activation",
                 *data]) == 0
    assert "Client: Alpha Bakery" in capsys.readouterr().out
    assert AGENCY_KEY not in _everything_written(capsys, tmp_path)


def test_no_key_and_a_refused_key_are_said_plainly(tmp_path, keys, fake, monkeypatch, capsys):
    data = ["--data-dir", str(tmp_path)]
    monkeypatch.delenv("CTCTDESK_CM_API_KEY", raising=False)
    assert main(["connect", "--service", "campaign-monitor", *data]) == 2
    assert "CTCTDESK_CM_API_KEY" in capsys.readouterr().err
    assert main(["connect", "--service", "campaign-monitor", "--api-key", "not-a-key-42", *data]) == 5
    err = capsys.readouterr().err
    assert "refused the API key" in err and "not-a-key-42" not in err


def test_cc_aliases_are_refused_while_campaign_monitor_is_the_service(tmp_path, keys, fake, capsys):
    data = ["--data-dir", str(tmp_path)]
    main(["connect", "--service", "campaign-monitor", "--api-key", GOOD_KEY, "--no-activation", *data])
    capsys.readouterr()

    assert main(["sync", "--to-cc", *data]) == 2
    assert "--to-cc is for Constant Contact, and this data folder uses Campaign Monitor: use --push" in (
        capsys.readouterr().err)


def test_switching_back_needs_a_yes_and_disconnect_names_the_service(tmp_path, keys, fake, monkeypatch, capsys):
    data = ["--data-dir", str(tmp_path)]
    main(["connect", "--service", "campaign-monitor", "--api-key", GOOD_KEY, "--no-activation", *data])
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: no question can be asked

    assert main(["connect", "--service", "constant-contact", *data]) == 2
    out = capsys.readouterr()
    assert "Switching to Constant Contact disconnects Campaign Monitor first" in out.out
    assert "needs confirmation; add --yes" in out.err
    assert keys.entries  # still connected

    assert main(["disconnect", "--yes", *data]) == 0
    assert "Disconnected from Campaign Monitor" in capsys.readouterr().out
    assert not keys.entries


def test_help_says_which_service_the_directions_act_on(capsys):
    with pytest.raises(SystemExit):
        main(["sync", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--push" in text and "--pull" in text
    assert "refused (exit code 2) while Campaign Monitor is the service" in text


def test_no_keyring_names_campaign_monitor_when_connecting_to_it(tmp_path, fake, monkeypatch, capsys):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code = main(["connect", "--service", "campaign-monitor", "--api-key", GOOD_KEY, "--no-activation",
                     "--data-dir", str(tmp_path)])
    finally:
        keyring.set_keyring(previous)
    err = capsys.readouterr().err
    assert code == 7
    reason, _, after = err.partition(" ctctdesk still uses")
    assert "keeps the Campaign Monitor sign-in only in the system keyring" in reason
    assert "Constant Contact" not in reason and "nothing was changed" in after


def test_disconnect_from_a_script_says_what_it_would_do_and_how_to_go_ahead(tmp_path, keys, fake, monkeypatch,
                                                                            capsys):
    data = ["--data-dir", str(tmp_path)]
    main(["connect", "--service", "campaign-monitor", "--api-key", GOOD_KEY, "--no-activation", *data])
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # not a terminal: no question can be asked

    assert main(["disconnect", *data]) == 2
    err = capsys.readouterr().err
    assert "disconnecting from Campaign Monitor needs confirmation" in err and "--yes" in err
    assert keys.entries  # still connected


def _service_in_settings(folder) -> str:
    path = folder / "settings.json"
    return json.loads(path.read_text()).get("email_service", "constant-contact") if path.exists() else \
        "constant-contact"


def test_a_refused_key_leaves_the_folder_on_its_service_and_says_nothing_changed(tmp_path, keys, fake, capsys):
    data = ["--data-dir", str(tmp_path)]

    assert main(["connect", "--service", "campaign-monitor", "--api-key", "not-a-key-42", *data]) == 5
    out = capsys.readouterr()
    assert "refused the API key" in out.err and "still uses Constant Contact; nothing was changed" in out.err
    assert "Email service: Campaign Monitor." not in out.out
    assert _service_in_settings(tmp_path) == "constant-contact"
    main(["status", "--offline", *data])  # not connected: its own exit code
    assert capsys.readouterr().out.startswith("Email service: Constant Contact\n")


def test_no_keyring_leaves_the_folder_on_its_service(tmp_path, fake, monkeypatch, capsys):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code = main(["connect", "--service", "campaign-monitor", "--api-key", GOOD_KEY, "--no-activation",
                     "--data-dir", str(tmp_path)])
    finally:
        keyring.set_keyring(previous)
    assert code == 7
    assert "nothing was changed" in capsys.readouterr().err
    assert _service_in_settings(tmp_path) == "constant-contact"
