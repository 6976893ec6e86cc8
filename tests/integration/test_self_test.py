"""`ctctdesk --self-test` from a normal installation: the check the bundle runs on itself, run here on the
virtualenv so a change that breaks it shows up without building a bundle."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_self_test_opens_the_window_pushes_to_the_sandbox_and_cleans_up():
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the self-test goes offscreen by itself
    result = subprocess.run([sys.executable, "-m", "ctctdesk", "--self-test"], capture_output=True, text=True,
                            env=env, timeout=240)  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "Qt platform offscreen" in out
    assert "main window shown with tabs Manage Email Lists, Companies, Synchronize, Settings" in out
    assert "initial activation done" in out
    assert re.search(r"push previewed: [1-9]\d* changes", out), out
    assert "push done: Completed" in out
    assert "self-test: passed" in out
    folder = re.search(r"data folder (\S+)", out)
    assert folder is not None, out
    assert not Path(folder.group(1)).exists(), "the temporary data folder was left behind"


def test_self_test_is_offered_in_the_help():
    result = subprocess.run([sys.executable, "-m", "ctctdesk", "--help"], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert "--self-test" in result.stdout


def test_self_test_refuses_a_command_beside_it():
    result = subprocess.run([sys.executable, "-m", "ctctdesk", "--self-test", "status"], capture_output=True,
                            text=True)  # fmt: skip
    assert result.returncode == 2
    assert "--self-test runs on its own" in result.stderr
