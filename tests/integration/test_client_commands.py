"""`ctctdesk connect --device`, `status` and `disconnect` against the sandbox: output and exit codes."""

import re

import pytest

from ctctdesk.cli import main
from ctctdesk.commands import connection_commands as cc
from ctctdesk.ctct.tokens import TokenSet, TokenStore
from tests.support.clocks import opened_connections_on_fake_clock  # noqa: F401
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401


def approving_at_once(sandbox, monkeypatch):
    """The person on the other device enters the code as soon as the command shows it."""
    from ctctdesk.ctct.connection import Connection

    original = Connection.connect_device

    def connect_device(self, show_code, **options):
        def shown(device):
            show_code(device)
            sandbox.oauth.approve_device(device.user_code)

        return original(self, shown, **options)

    monkeypatch.setattr(Connection, "connect_device", connect_device)


@pytest.mark.real_clock  # the command line as shipped: the real device-flow interval and rate limit
def test_connect_with_a_code_status_and_disconnect(sandbox, tmp_path, capsys, memory_keyring,  # noqa: F811
                                                   monkeypatch):
    common = ["--data-dir", str(tmp_path), "--sandbox", sandbox.base_url]
    approving_at_once(sandbox, monkeypatch)
    code = main(["connect", "--device", *common])
    out = capsys.readouterr().out
    assert code == cc.EXIT_OK
    assert "/activate" in out and "enter the code" in out
    assert "Connected to Constant Contact." in out and "ctctdesk Demo Office" in out
    assert "initial activation" in out and "General Interest (1)\n    List created in the CRM" in out  # C5

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


def nobody_past(clock, seconds):
    """Stops the test if the client waits longer than `seconds` of fake time (an unbounded wait polls on
    and on, at no real cost, so it would otherwise only end when the sandbox's code expires)."""
    def check(_step):
        assert sum(clock.slept) <= seconds, f"still waiting after {sum(clock.slept):.0f} s"

    clock.follow(check)


def test_connect_with_a_code_stops_after_the_timeout_when_nobody_approves(
        sandbox, tmp_path, capsys, memory_keyring, opened_connections_on_fake_clock):  # noqa: F811
    clock = opened_connections_on_fake_clock
    nobody_past(clock, 60)
    common = ["--data-dir", str(tmp_path), "--sandbox", sandbox.base_url]
    code = main(["connect", "--device", "--timeout", "5", "--api-key", "ctctdesk-demo", *common])
    err = capsys.readouterr().err
    assert code == cc.EXIT_AUTH_FAILED
    assert "Nobody approved the code within 5 seconds; nothing was changed" in err
    assert "Traceback" not in err
    assert sum(clock.slept) == pytest.approx(5, abs=0.1)  # the sandbox's interval is 5 s: one poll, at the limit
    assert main(["status", *common, "--offline"]) == cc.EXIT_NOT_CONNECTED


def test_ctrl_c_while_waiting_for_the_code_ends_connect_cleanly(
        sandbox, tmp_path, capsys, memory_keyring, opened_connections_on_fake_clock):  # noqa: F811
    def ctrl_c(_step):
        raise KeyboardInterrupt

    opened_connections_on_fake_clock.follow(ctrl_c)  # pressed during the first wait for the approval
    common = ["--data-dir", str(tmp_path), "--sandbox", sandbox.base_url]
    code = main(["connect", "--device", "--api-key", "ctctdesk-demo", *common])
    captured = capsys.readouterr()
    assert code == cc.EXIT_CANCELLED
    assert "enter the code" in captured.out
    assert "cancelled; ctctdesk is not connected" in captured.err and "Traceback" not in captured.err
    assert main(["status", *common, "--offline"]) == cc.EXIT_NOT_CONNECTED
