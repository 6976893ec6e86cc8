"""The Linux tarball's install and uninstall scripts, on a stand-in bundle and a temporary HOME: the menu
entry and the icons land where desktops look (~/.local/share/applications, the hicolor theme), the
entry starts the installed program, and uninstalling removes all of it but the user's data."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("sh") is None,
                                reason="the Linux install scripts")  # fmt: skip


@pytest.fixture
def unpacked(tmp_path: Path) -> Path:
    """make-tarball.sh run on a stand-in bundle (a script answering --version), then unpacked."""
    bundle = tmp_path / "dist" / "ctctdesk"
    bundle.mkdir(parents=True)
    program = bundle / "ctctdesk"
    program.write_text('#!/bin/sh\nif [ "$1" = --version ]; then echo "ctctdesk 9.8.7"; else echo "started $*"; fi\n')
    program.chmod(0o755)
    (bundle / "_internal").mkdir()
    (bundle / "_internal" / "library.so").write_text("stand-in")
    subprocess.run(["bash", str(LINUX / "make-tarball.sh"), str(bundle), str(tmp_path / "dist")], check=True,
                   capture_output=True)  # fmt: skip
    tarballs = list((tmp_path / "dist").glob("ctctdesk-9.8.7-linux-*.tar.gz"))
    assert len(tarballs) == 1
    with tarfile.open(tarballs[0]) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (folder,) = (tmp_path / "unpacked").iterdir()
    return folder


def run_script(script: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env["HOME"] = str(home)
    return subprocess.run(["sh", str(script)], capture_output=True, text=True, env=env, check=True)


def desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_install_puts_the_entry_and_icons_in_the_menu_and_uninstall_removes_them(unpacked, tmp_path):
    home = tmp_path / "home"
    user_data = home / ".local" / "share" / "ctctdesk"
    user_data.mkdir(parents=True)
    (user_data / "ctctdesk.sqlite3").write_text("the office's contacts")

    run_script(unpacked / "install.sh", home)

    share = home / ".local" / "share"
    entry = desktop_entry(share / "applications" / "ctctdesk.desktop")
    assert entry["Type"] == "Application" and entry["Name"] == "ctctdesk"
    assert "Office" in entry["Categories"].split(";")
    command = shlex.split(entry["Exec"])
    assert command == [str(home / ".local" / "opt" / "ctctdesk" / "ctctdesk")]
    assert subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip() == "started"
    icon = entry["Icon"]
    for size in (16, 32, 48, 64, 128, 256, 512):
        png = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{icon}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{icon}.svg").exists()
    link = home / ".local" / "bin" / "ctctdesk"
    assert subprocess.run([str(link), "--version"], capture_output=True, text=True).stdout.strip() == "ctctdesk 9.8.7"

    uninstall = home / ".local" / "opt" / "ctctdesk" / "uninstall.sh"
    result = run_script(uninstall, home)

    assert not (share / "applications" / "ctctdesk.desktop").exists()
    assert not list((share / "icons").rglob("ctctdesk.*"))
    assert not link.exists() and not link.is_symlink()
    assert not (home / ".local" / "opt" / "ctctdesk").exists()
    assert (user_data / "ctctdesk.sqlite3").read_text() == "the office's contacts"
    assert "data" in result.stdout and "kept" in result.stdout


def test_installing_again_replaces_the_program_and_keeps_a_foreign_command(unpacked, tmp_path):
    home = tmp_path / "home"
    foreign = home / ".local" / "bin" / "ctctdesk"
    foreign.parent.mkdir(parents=True)
    foreign.write_text("#!/bin/sh\necho pip-installed\n")
    run_script(unpacked / "install.sh", home)
    stale = home / ".local" / "opt" / "ctctdesk" / "_internal" / "left-from-an-old-version.so"
    stale.write_text("old")

    result = run_script(unpacked / "install.sh", home)

    assert not stale.exists()
    assert (home / ".local" / "opt" / "ctctdesk" / "_internal" / "library.so").exists()
    assert foreign.read_text() == "#!/bin/sh\necho pip-installed\n"
    assert "not ours" in result.stdout
    run_script(home / ".local" / "opt" / "ctctdesk" / "uninstall.sh", home)
    assert foreign.exists(), "uninstall removed a ctctdesk command it had not put there"
