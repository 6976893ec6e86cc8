"""`ctctdesk connect --device`, `status` and `disconnect` against the sandbox: output and exit codes."""

import re
import threading
import time

import requests

from ctctdesk.cli import main
from ctctdesk.commands import connection_commands as cc
from ctctdesk.ctct.tokens import TokenSet, TokenStore
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401


def approve_when_asked(sandbox, stop):
    """The person on the other device: approves the pending code as soon as there is one."""
    while not stop.is_set():
        answer = requests.post(f"{sandbox.base_url}/_sandbox/device/approve", json={}, timeout=10)
        if answer.ok and answer.json().get("approved"):
            return
        time.sleep(0.2)


def test_connect_with_a_code_status_and_disconnect(sandbox, tmp_path, capsys, memory_keyring):  # noqa: F811
    common = ["--data-dir", str(tmp_path), "--sandbox", sandbox.base_url]
    stop = threading.Event()
    helper = threading.Thread(target=approve_when_asked, args=(sandbox, stop))
    helper.start()
    try:
        code = main(["connect", "--device", *common])
    finally:
        stop.set()
        helper.join(10)
    out = capsys.readouterr().out
    assert code == cc.EXIT_OK
    assert "/activate" in out and "enter the code" in out
    assert "Connected to Constant Contact." in out and "ctctdesk Demo Office" in out
    assert "initial activation" in out and "Lists created (1)" in out  # the default list comes in (C5)

    assert main(["status", *common]) == cc.EXIT_OK
    out = capsys.readouterr().out
    assert "owner@example.org" in out and re.search(r"API requests used today: \d+ of 10,000", out)

    assert main(["disconnect", *common]) == cc.EXIT_USAGE  # no terminal to confirm on: needs --yes
    assert "--yes" in capsys.readouterr().err
    assert main(["disconnect", "--yes", *common]) == cc.EXIT_OK
    assert main(["status", *common]) == cc.EXIT_NOT_CONNECTED


def test_status_of_a_broken_connection(sandbox, tmp_path, capsys, memory_keyring):  # noqa: F811
    common = ["--data-dir", str(tmp_path), "--sandbox", sandbox.base_url]
    main(["status", *common, "--offline"])  # creates the settings (and the profile id)
    from ctctdesk.ctct.connection import Connection

    connection = Connection.open(tmp_path, sandbox.base_url)
    # an expired access token with a refresh token the server has never issued: refresh is refused
    TokenStore().save(connection.settings.profile, TokenSet("stale", "never-issued", expires_at=0))
    (tmp_path / "constant-contact-state.json").write_text('{"connected_since": "2026-01-01T00:00:00+00:00"}')
    capsys.readouterr()
    code = main(["status", *common])
    captured = capsys.readouterr()
    assert code == cc.EXIT_BROKEN
    assert "Connection broken" in captured.out and "Reconnect" in captured.out
    assert "Traceback" not in captured.err
