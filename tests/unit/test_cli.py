"""The command line parses global options on either side of a sub-command."""

import subprocess
import sys

from ctctdesk.cli import build_parser


def test_help_runs_without_importing_qt():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from ctctdesk.cli import build_parser; build_parser(); print('PySide6' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_data_dir_before_command_is_kept():
    args = build_parser().parse_args(["--data-dir", "/tmp/x"])
    assert args.data_dir == "/tmp/x"
    assert args.command is None
