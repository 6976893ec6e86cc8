"""Command line entry point.

No sub-command opens the GUI. Each sub-command lives in a module of `ctctdesk.commands` that exposes
`register(subparsers, common)`; the modules are found by listing that package, so a feature adds its
commands without touching this file. Heavy imports (Qt, the database, HTTP) happen inside the command functions so that
`ctctdesk --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from ctctdesk import commands


def command_modules() -> list[str]:
    """Modules under ctctdesk.commands, each with register(subparsers, common) -> None, in name order."""
    return sorted(
        f"{commands.__name__}.{info.name}"
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    )


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


class _AboutAction(argparse.Action):
    """--version: the facts of Help → About (`ctctdesk.about`), for the data folder given before it."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from ctctdesk.about import about_text
        from ctctdesk.app import resolve_data_dir

        print(about_text(resolve_data_dir(namespace)))
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ctctdesk",
        description="Contact database and email lists, kept in step with Constant Contact.",
        parents=[common_options(suppress_defaults=False)],
    )
    parser.add_argument(
        "--version",
        action=_AboutAction,
        help="show the version, data folder, database and Qt version (as Help → About does) and exit",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start the built-in Constant Contact sandbox with sample data and open the window",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation: open the window offscreen on a temporary data folder, run a demo "
        "push against the built-in sandbox, close (exit code 0 when it works)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = common_options(suppress_defaults=True)
    for module_name in command_modules():
        importlib.import_module(module_name).register(subparsers, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if args.self_test:
        if run is not None or args.demo:
            parser.error("--self-test runs on its own, without a command or --demo")
        from ctctdesk.selftest import run_self_test

        return run_self_test()
    if run is None:
        if getattr(args, "demo", False):  # the command line chooses demo mode; app never imports it
            from ctctdesk.demo import run_demo_gui

            return run_demo_gui(args)
        from ctctdesk.app import run_gui

        return run_gui(args)
    return int(run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
