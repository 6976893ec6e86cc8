"""The PyInstaller bundle in dist/ctctdesk proves itself: it starts without the virtualenv, answers on the
command line, opens its window and pushes to the built-in sandbox, and carries what the spec promises.

Skipped until `make package` has built the bundle (CI does not build it); `make package` runs the
self-test itself at its end, and `make test` afterwards runs all of this.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE_DIR = ROOT / "dist" / "ctctdesk"
BUNDLE = BUNDLE_DIR / ("ctctdesk.exe" if sys.platform == "win32" else "ctctdesk")
INTERNAL = BUNDLE_DIR / "_internal"

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(not BUNDLE.exists(), reason="no bundle in dist/ctctdesk: run `make package` first"),
]


def run_bundle(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run the bundle as a desktop would: no virtualenv, no PYTHONPATH, from another folder."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "QT_QPA_PLATFORM")}  # fmt: skip
    env["PATH"] = os.pathsep.join(part for part in env.get("PATH", "").split(os.pathsep)
                                  if ".venv" not in part)  # fmt: skip
    return subprocess.run([str(BUNDLE), *args], capture_output=True, text=True, env=env, timeout=timeout,
                          cwd=BUNDLE_DIR.parent)  # fmt: skip


def test_version_and_help():
    from ctctdesk import __version__

    assert run_bundle("--version").stdout.strip() == f"ctctdesk {__version__}"
    help_text = run_bundle("--help")
    assert help_text.returncode == 0
    for word in ("--demo", "--self-test", "sandbox", "sync", "import-csv"):
        assert word in help_text.stdout


def test_sandbox_help():
    result = run_bundle("sandbox", "--help")
    assert result.returncode == 0, result.stderr
    assert "--port" in result.stdout


def test_self_test_passes():
    result = run_bundle("--self-test", timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "push done: Completed" in result.stdout
    assert "self-test: passed" in result.stdout


def test_the_commands_work_on_a_data_folder(tmp_path):
    data = tmp_path / "data"
    filled = run_bundle("--data-dir", str(data), "demo-data", "--contacts", "20")
    assert filled.returncode == 0, filled.stderr
    exported = run_bundle("--data-dir", str(data), "export-csv", str(tmp_path / "out.csv"))
    assert exported.returncode == 0, exported.stderr
    assert len((tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()) == 21


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux plugin names")
def test_carries_the_platform_plugins_data_files_and_keyring_backends():
    platforms = {path.name for path in INTERNAL.glob("PySide6/Qt/plugins/platforms/*")}
    assert {"libqxcb.so", "libqwayland.so", "libqoffscreen.so"} <= platforms
    assert (INTERNAL / "ctctdesk" / "sandbox" / "templates" / "oauth_page.html").exists()
    assert (INTERNAL / "ctctdesk" / "resources" / "ctctdesk-256.png").exists()
    # keyring finds its backends through the entry points in its metadata
    entry_points = next(INTERNAL.glob("keyring-*.dist-info/entry_points.txt")).read_text()
    assert "SecretService" in entry_points
    backends = run_bundle("--help")  # the bundle runs; the Secret Service modules are importable in it:
    assert backends.returncode == 0
    assert any(INTERNAL.glob("cryptography*")), "secretstorage's cryptography is missing"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux file names")
def test_leaves_out_test_and_build_tools():
    names = {path.name.split("-")[0].lower() for path in INTERNAL.iterdir()}
    for tool in ("pytest", "_pytest", "pytestqt", "hypothesis", "ruff", "keyrings.alt", "pyinstaller", "pil"):
        assert tool not in names, tool
    assert not any(INTERNAL.glob("keyrings*")), "the plaintext keyring backends of the test extra"


@pytest.mark.skipif(shutil.which("ldd") is None, reason="needs ldd")
def test_every_library_finds_what_it_links_against():
    """A plugin whose library is neither in the bundle nor on the system fails only on a real desktop
    (the self-test runs offscreen), so look at the links themselves."""
    env = dict(os.environ, LD_LIBRARY_PATH=str(INTERNAL))
    missing = set()
    for library in INTERNAL.rglob("*.so*"):
        if not library.is_file():
            continue
        listing = subprocess.run(["ldd", str(library)], capture_output=True, text=True, env=env).stdout
        missing.update(f"{library.relative_to(INTERNAL)}: {line.split()[0]}"
                       for line in listing.splitlines() if "not found" in line)  # fmt: skip
    assert not missing, sorted(missing)


SECRET_SERVICE_TOOLS = [tool for tool in ("dbus-run-session", "gnome-keyring-daemon") if not shutil.which(tool)]

# Run inside a private D-Bus session with GNOME Keyring unlocked: the bundle serves its own sandbox,
# connects to it with a device code (approved through the sandbox's control interface), and a second
# process of the bundle reads the sign-in back from the keyring.
CONNECT_SCRIPT = """
import json, socket, subprocess, sys, urllib.request
bundle, data = sys.argv[1], sys.argv[2]
with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
url = f"http://127.0.0.1:{port}"
sandbox = subprocess.Popen([bundle, "sandbox", "--port", str(port), "--no-rate-limit"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
try:
    for banner in sandbox.stdout:  # it listens before it prints "Press Ctrl+C to stop." (flushed)
        if banner.startswith("Press Ctrl+C"):
            break
    else:
        sys.exit("the sandbox did not start")
    connect = subprocess.Popen([bundle, "--data-dir", data, "--sandbox", url, "connect", "--device"],
                               stdout=subprocess.PIPE, text=True)
    lines = []
    for line in connect.stdout:
        lines.append(line)
        if "enter the code" in line:
            code = next(connect.stdout).strip()
            request = urllib.request.Request(url + "/_sandbox/device/approve", method="POST",
                                             data=json.dumps({"user_code": code}).encode(),
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=5)  # the sandbox answered connect: it is up
    print("connect exit", connect.wait(60))
    status = subprocess.run([bundle, "--data-dir", data, "--sandbox", url, "status"], capture_output=True,
                            text=True)
    print("status exit", status.returncode)
    print(status.stdout)
finally:
    sandbox.terminate()
    sandbox.wait(10)
"""


@pytest.mark.skipif(bool(SECRET_SERVICE_TOOLS), reason="no real Secret Service here: "
                    f"{', '.join(SECRET_SERVICE_TOOLS)} not installed (Debian packages dbus and gnome-keyring)")
def test_the_sign_in_is_kept_in_the_secret_service(tmp_path):
    script = tmp_path / "connect.py"
    script.write_text(CONNECT_SCRIPT)
    shell = ('eval "$(echo -n pw | gnome-keyring-daemon --unlock --components=secrets | sed \'s/^/export /\')" '
             f'&& "{sys.executable}" "{script}" "{BUNDLE}" "{tmp_path / "data"}"')
    (tmp_path / "run").mkdir(mode=0o700)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share"), "HOME": str(tmp_path),
           "XDG_RUNTIME_DIR": str(tmp_path / "run")}
    result = subprocess.run(["dbus-run-session", "--", "bash", "-c", shell], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert "connect exit 0" in result.stdout, result.stdout + result.stderr[-2000:]
    assert "status exit 0" in result.stdout
    assert "Connected to Constant Contact." in result.stdout
    assert any((tmp_path / "share" / "keyrings").glob("*.keyring")), "nothing reached GNOME Keyring"
