"""Every command that needs the sign-in says the same thing, and exits 7, when no usable keyring exists."""

import keyring
import pytest
from keyring.backends import fail

from ctctdesk.cli import main
from ctctdesk.ctct.errors import KeyringUnavailable


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.mark.parametrize(
    "command",
    [
        ["connect", "--api-key", "abc", "--no-browser"],
        ["status"],
        ["status", "--offline"],
        ["disconnect", "--yes"],
        ["sync", "--from-cc"],
        ["sync", "--to-cc", "--dry-run"],
    ],
    ids=" ".join,
)
def test_no_keyring_exits_7_with_the_same_guidance(tmp_path, capsys, no_keyring, command):
    code = main([*command, "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 7, err
    assert err == f"ctctdesk: {KeyringUnavailable('no keyring backend was found')}"
