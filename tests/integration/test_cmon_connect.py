"""Connecting to the Campaign Monitor emulator as a script would: the API key from the emulator's control
interface (`GET /_sandbox/api_key`), `ctctdesk connect --service campaign-monitor`, the client chosen
by itself or by name, `ctctdesk status` asking the emulator, a key refused after it was replaced."""

from __future__ import annotations

import json

import pytest
import requests

from ctctdesk.cli import main
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


def emulator_key(server) -> str:
    answer = requests.get(f"{server.base_url}/_sandbox/api_key", timeout=5)
    answer.raise_for_status()
    return answer.json()["api_key"]


def test_connect_by_api_key_from_stdin_against_the_emulator(cmon_sandbox, keys, tmp_path, monkeypatch, capsys):
    import io

    common = ["--data-dir", str(tmp_path), "--sandbox", cmon_sandbox.base_url]
    key = emulator_key(cmon_sandbox)
    monkeypatch.setattr("sys.stdin", io.StringIO(key + "\n"))

    assert main(["connect", "--service", "campaign-monitor", "--api-key", "-", "--no-activation", *common]) == 0
    out = capsys.readouterr().out
    assert "Connected to Campaign Monitor." in out and "Client: Demo Office" in out
    assert main(["status", *common]) == 0  # asks the emulator: the key still works
    status = capsys.readouterr().out
    assert "Email service: Campaign Monitor" in status and "API requests today: 2" in status
    written = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()
                      and p.suffix in (".json", ".log"))  # fmt: skip
    assert key not in written and key not in out + status

    requests.post(f"{cmon_sandbox.base_url}/_sandbox/api_key/rotate", json={}, timeout=5)  # replaced
    assert main(["status", *common]) == 4
    assert "no longer accepts the saved API key" in capsys.readouterr().out


def test_a_key_with_two_clients_needs_client(cmon_factory, keys, tmp_path, capsys):
    server = cmon_factory(client_names=("North Shop", "South Shop"))
    common = ["--data-dir", str(tmp_path), "--sandbox", server.base_url]
    key = emulator_key(server)

    assert main(["connect", "--service", "campaign-monitor", "--api-key", key, "--no-activation", *common]) == 2
    assert "“North Shop”, “South Shop”" in capsys.readouterr().err
    assert main(["connect", "--service", "campaign-monitor", "--api-key", key, "--client", "south shop",
                 "--no-activation", *common]) == 0
    assert "Client: South Shop" in capsys.readouterr().out
    state = json.loads((tmp_path / "campaign-monitor-state.json").read_text())
    assert state["client_name"] == "South Shop" and key not in json.dumps(state)


def test_a_wrong_key_is_refused_by_the_emulator(cmon_sandbox, keys, tmp_path, capsys):
    common = ["--data-dir", str(tmp_path), "--sandbox", cmon_sandbox.base_url]
    assert main(["connect", "--service", "campaign-monitor", "--api-key", "wrong-key-1", *common]) == 5
    assert "refused the API key" in capsys.readouterr().err
    assert not keys.entries


def test_pull_then_push_from_the_command_line_name_campaign_monitor(cmon_factory, keys, tmp_path, monkeypatch,
                                                                    capsys):
    monkeypatch.setattr("ctctdesk.cmon.http.DEFAULT_REQUESTS_PER_SECOND", 1000)  # no pacing waits here
    server = cmon_factory(seed_subscribers=6)
    common = ["--data-dir", str(tmp_path), "--sandbox", server.base_url]
    monkeypatch.setenv("CTCTDESK_CM_API_KEY", emulator_key(server))

    assert main(["connect", "--service", "campaign-monitor", *common]) == 0  # with the initial activation
    out = capsys.readouterr().out
    assert "Bringing Campaign Monitor's lists and contacts into the CRM" in out
    assert "Campaign Monitor → CRM" in out

    assert main(["sync", "--push", "--dry-run", *common]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Email service: Campaign Monitor\n") and "Constant Contact" not in out
    assert main(["sync", "--pull", "--json", *common]) == 0
    assert json.loads(capsys.readouterr().out)["service"] == "Campaign Monitor"
