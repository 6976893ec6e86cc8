"""connect / status / disconnect from the command line: messages and exit codes, without a server."""

import keyring
from keyring.backends import fail

from ctctdesk.cli import main
from ctctdesk.commands import connection_commands as cc
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401


def test_status_when_never_connected(tmp_path, capsys, memory_keyring):  # noqa: F811
    code = main(["status", "--data-dir", str(tmp_path), "--offline"])
    out = capsys.readouterr()
    assert code == cc.EXIT_NOT_CONNECTED
    assert "Not connected" in out.out and "0 of 10,000" in out.out


def test_connect_without_api_key_says_what_to_do(tmp_path, capsys, memory_keyring):  # noqa: F811
    code = main(["connect", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == cc.EXIT_USAGE
    assert "--api-key" in err and "http://127.0.0.1:8571/ctctdesk/callback" in err
    assert len(err.strip().splitlines()) == 1


def test_connect_without_keyring_is_refused_before_any_browser(tmp_path, capsys):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code = main(["connect", "--data-dir", str(tmp_path), "--api-key", "abc", "--no-browser"])
    finally:
        keyring.set_keyring(previous)
    out = capsys.readouterr()
    assert code == cc.EXIT_NO_KEYRING
    assert "keyring" in out.err and "http" not in out.out  # no sign-in address was printed
    assert "Traceback" not in out.err


def test_unreachable_authorization_server(tmp_path, capsys, memory_keyring):  # noqa: F811
    code = main(["connect", "--device", "--data-dir", str(tmp_path), "--sandbox", "http://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == cc.EXIT_UNAVAILABLE
    assert "cannot be reached" in err


def test_disconnect_when_not_connected_is_a_no_op(tmp_path, capsys, memory_keyring):  # noqa: F811
    assert main(["disconnect", "--data-dir", str(tmp_path)]) == cc.EXIT_OK
    assert "nothing to do" in capsys.readouterr().out


def test_api_key_is_saved_but_no_secret_is(tmp_path, capsys, memory_keyring):  # noqa: F811
    main(
        [
            "connect",
            "--device",
            "--data-dir",
            str(tmp_path),
            "--api-key",
            "key-123",
            "--sandbox",
            "http://127.0.0.1:9",
        ]
    )
    saved = (tmp_path / "constant-contact.json").read_text()
    assert '"client_id": "key-123"' in saved  # an explicit key wins over the sandbox's demo id
    assert "token" not in saved
