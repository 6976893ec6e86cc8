"""`ctctdesk sandbox` runs the sandbox standalone, prints its addresses and saves its state on exit."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


@contextmanager
def running_sandbox(*arguments: str) -> Iterator[tuple[subprocess.Popen, str]]:
    """`ctctdesk sandbox <arguments>` in a process of its own, with what it printed until it was ready;
    stopped with SIGTERM (as Ctrl+C in a terminal would) on leaving."""
    process = subprocess.Popen([sys.executable, "-m", "ctctdesk", "sandbox", *arguments],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV, cwd=REPO_ROOT)
    try:
        lines = []
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            lines.append(line)
            if "Press Ctrl+C" in line:
                break
        yield process, "".join(lines)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_sandbox_command_serves_until_stopped_and_saves_state(tmp_path):
    state_file = tmp_path / "state.json"
    arguments = ("--port", "0", "--seed", "5", "--state", str(state_file), "--no-rate-limit")
    with running_sandbox(*arguments) as (process, output):
        base = re.search(r"running at (http://127\.0\.0\.1:\d+)", output).group(1)
        assert f"{base}/v3" in output and f"{base}/oauth2/default/v1/" in output and f"{base}/_sandbox/" in output
        assert "ctctdesk-demo" in output
        token = requests.post(base + "/_sandbox/tokens", json={"scopes": "contact_data"}, timeout=5).json()
        contacts = requests.get(base + "/v3/contacts", headers={"Authorization": f"Bearer {token['access_token']}"},
                                timeout=5).json()["contacts"]
        assert len(contacts) == 5
    assert process.returncode == 0
    assert state_file.exists() and "ctctdesk-sandbox-1" in state_file.read_text()


def test_sandbox_command_reports_a_busy_port():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "ctctdesk", "sandbox", "--port", str(port)],
                                capture_output=True, text=True, env=ENV, cwd=REPO_ROOT, timeout=20)
    assert result.returncode == 1
    assert "cannot listen" in result.stderr and "Traceback" not in result.stderr


def test_sandbox_command_runs_the_campaign_monitor_emulator(tmp_path):
    state_file = tmp_path / "cm-state.json"
    with running_sandbox("--service", "campaign-monitor", "--port", "0", "--seed", "6",
                         "--state", str(state_file)) as (process, output):
        base = re.search(r"Campaign Monitor emulator running at (http://127\.0\.0\.1:\d+)", output).group(1)
        assert f"{base}/api/v3.3" in output and f"{base}/_sandbox/" in output
        key = requests.get(base + "/_sandbox/api_key", timeout=5).json()["api_key"]
        assert key in output
        clients = requests.get(base + "/api/v3.3/clients.json", auth=(key, "x"), timeout=5).json()
        lists = requests.get(f"{base}/api/v3.3/clients/{clients[0]['ClientID']}/lists.json", auth=(key, "x"),
                             timeout=5).json()
        assert [item["Name"] for item in lists] == ["Newsletter", "Customers", "Events"]
    assert process.returncode == 0
    assert state_file.exists() and "ctctdesk-cmon-sandbox-1" in state_file.read_text()
