"""TokenStore against a real Secret Service (gnome-keyring in a private D-Bus session)."""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MISSING = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(tool)]

SCRIPT = textwrap.dedent("""
    import keyring
    from keyring.backends import SecretService
    from ctctdesk.ctct.tokens import TokenSet, TokenStore

    keyring.set_keyring(SecretService.Keyring())
    store = TokenStore()
    store.check_available()
    store.save("profile-a", TokenSet("access-real-ss", "refresh-real-ss", 123.0, ("contact_data",)))
    loaded = store.load("profile-a")
    assert loaded.refresh_token == "refresh-real-ss", loaded
    assert keyring.get_password("ctctdesk", "profile-a") is not None
    store.delete("profile-a")
    assert store.load("profile-a") is None
    print("secret-service-ok")
""")


@pytest.mark.skipif(bool(MISSING), reason=f"no real Secret Service here: {', '.join(MISSING)} not installed "
                                          "(Debian packages dbus and gnome-keyring)")
def test_tokens_round_trip_through_gnome_keyring(tmp_path):
    script_file = tmp_path / "probe.py"
    script_file.write_text(SCRIPT)
    shell = (
        'eval "$(echo -n pw | gnome-keyring-daemon --unlock --components=secrets '
        "| sed 's/^/export /')\" && "
        f'"{sys.executable}" "{script_file}"'
    )
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path),
           "XDG_RUNTIME_DIR": str(tmp_path / "run"), "PYTHONPATH": str(REPO_ROOT)}
    (tmp_path / "run").mkdir(mode=0o700)
    result = subprocess.run(["dbus-run-session", "--", "bash", "-c", shell], env=env,
                            capture_output=True, text=True, timeout=60)
    assert "secret-service-ok" in result.stdout, result.stderr[-2000:]
    assert "refresh-real-ss" not in result.stdout + result.stderr


DEFAULT_CHOICE_SCRIPT = textwrap.dedent("""
    import keyring
    from keyring.backends import chainer
    from ctctdesk.ctct.tokens import TokenSet, TokenStore

    # keyring's own choice on a desktop where Debian's keyrings.alt is installed next to GNOME Keyring
    chosen = keyring.get_keyring()
    print("backends:", [type(b).__name__ for b in getattr(chosen, "backends", [chosen])])
    store = TokenStore()
    store.save("profile-b", TokenSet("access-default", "refresh-default", 123.0, ("contact_data",)))
    assert store.load("profile-b").refresh_token == "refresh-default"
    print("default-choice-ok")
""")


@pytest.mark.skipif(bool(MISSING), reason=f"no real Secret Service here: {', '.join(MISSING)} not installed "
                                          "(Debian packages dbus and gnome-keyring)")
def test_with_keyrings_alt_installed_tokens_still_go_only_to_gnome_keyring(tmp_path):
    pytest.importorskip("keyrings.alt", reason="keyrings.alt is part of the test extra")
    script_file = tmp_path / "probe.py"
    script_file.write_text(DEFAULT_CHOICE_SCRIPT)
    shell = (
        'eval "$(echo -n pw | gnome-keyring-daemon --unlock --components=secrets '
        "| sed 's/^/export /')\" && "
        f'"{sys.executable}" "{script_file}"'
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "XDG_DATA_HOME": str(home / ".local" / "share"), "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / ".config"), "XDG_RUNTIME_DIR": str(tmp_path / "run"),
           "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PYTHON_KEYRING_BACKEND", None)
    (tmp_path / "run").mkdir(mode=0o700)
    result = subprocess.run(["dbus-run-session", "--", "bash", "-c", shell], env=env,
                            capture_output=True, text=True, timeout=60)
    assert "default-choice-ok" in result.stdout, result.stdout + result.stderr[-2000:]
    assert "PlaintextKeyring" in result.stdout  # the file backend was on offer
    leaked = [
        path for path in home.rglob("*")
        if path.is_file() and "refresh-default" in path.read_bytes().decode(errors="replace")
    ]
    plaintext_files = [path.name for path in home.rglob("*_pass.cfg")]
    assert leaked == [] and plaintext_files == []
