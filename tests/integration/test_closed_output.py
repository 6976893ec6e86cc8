"""`ctctdesk sync --dry-run | head`: a reader that stops early ends the command quietly.

A real process whose standard output is a pipe nobody reads any more (closed before the first line,
so the outcome does not depend on timing). The child connects a data folder to an in-process sandbox
with an in-memory keyring (a real keyring is not for tests), then runs the command line's `main`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.conftest import REPO_ROOT

CHILD = textwrap.dedent("""
    import sys
    import keyring
    from ctctdesk.app import build_context
    from ctctdesk.cli import main
    from ctctdesk.sandbox.server import SandboxServer
    from tests.support.memory_keyring import MemoryKeyring
    from tests.support.sandbox_fixtures import config_for
    from tests.support.sync_fixtures import connect

    keyring.set_keyring(MemoryKeyring())
    server = SandboxServer(config_for(seed_contacts=200))
    server.start()
    try:
        data_dir = sys.argv[1]
        context = build_context(data_dir, sandbox_url=server.base_url)
        connect(context.connection, server)
        context.close()
        code = main(["sync", "--from-cc", "--dry-run", "--data-dir", data_dir, "--sandbox", server.base_url])
    finally:
        server.stop()
    sys.exit(code)
""")


def test_a_dry_run_into_a_closed_pipe_ends_quietly(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already had enough
    try:
        result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "data")], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, cwd=REPO_ROOT, timeout=120)
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr
    assert "Exception ignored" not in result.stderr
    assert "BrokenPipeError" not in result.stderr
    assert result.returncode == 1


def test_the_same_dry_run_into_an_open_pipe_prints_the_plan(tmp_path):
    """The check above is not vacuous: with a reader, the same child prints the plan and succeeds."""
    result = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "data")], capture_output=True,
                            text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) > 3
