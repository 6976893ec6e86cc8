"""Command line entry point.

No sub-command opens the GUI. Each sub-command lives in a module of `ctctdesk.commands` that exposes
`register(subparsers, common)`; keeping them apart lets each feature own its commands without this file
growing. Heavy imports (Qt, the database, HTTP) happen inside the command functions so that
`ctctdesk --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ctctdesk import __version__

# Modules under ctctdesk.commands, each with register(subparsers, common) -> None.
COMMAND_MODULES: tuple[str, ...] = ()


def common_options(*, suppress_defaults: bool) -> argparse.ArgumentParser:
    """Options accepted both before and after a sub-command.

    Sub-command parsers get them with SUPPRESS defaults so that `ctctdesk --data-dir X status` and
    `ctctdesk status --data-dir X` mean the same and neither overrides the other with a default.
    """
    default = argparse.SUPPRESS if suppress_defaults else None
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="folder for the database, settings and logs (default: the platform's user data folder)",
    )
    parser.add_argument(
        "--sandbox",
        metavar="URL",
        default=default,
        help="point every Constant Contact URL at a sandbox, e.g. http://127.0.0.1:8765",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ctctdesk",
        description="Contact database and email lists, kept in step with Constant Contact.",
        parents=[common_options(suppress_defaults=False)],
    )
    parser.add_argument("--version", action="version", version=f"ctctdesk {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in Constant Contact sandbox with sample data and open the window",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_options(suppress_defaults=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        from ctctdesk.app import run_gui

        return run_gui(args)
    return int(run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
