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
from ctctdesk.file_problems import DataFileError


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
        help="point the email service in use at a local sandbox, e.g. http://127.0.0.1:8765 (Constant Contact) or "
        "the Campaign Monitor emulator's address",
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
        "--service",
        dest="demo_service",
        choices=("constant-contact", "campaign-monitor"),
        help="with --demo: the email service of the demo (default constant-contact); campaign-monitor "
        "starts the built-in Campaign Monitor emulator and connects to it with its API key",
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
        if getattr(args, "demo_service", None) and not args.demo:
            parser.error("--service before a command is for --demo; use `ctctdesk connect --service …` to "
                         "connect a data folder")
        if getattr(args, "demo", False):  # the command line chooses demo mode; app never imports it
            from ctctdesk.demo import run_demo_gui

            return run_demo_gui(args)
        from ctctdesk.app import run_gui

        return run_gui(args)
    try:
        code = int(run(args) or 0)
        sys.stdout.flush()  # here, where a closed pipe can still be caught, not at interpreter exit
    except BrokenPipeError:
        return _stdout_closed()
    except DataFileError as error:  # a command that did not catch it itself: same sentence, same code
        return _report_file_problem(error)
    except Exception as error:
        file_error = _database_file_error(error)
        if file_error is None:
            raise
        return _report_file_problem(file_error)
    return code


def _stdout_closed() -> int:
    """The reader of our output went away (`ctctdesk sync --dry-run | head`): stop quietly.

    As Python's documentation on SIGPIPE recommends, stdout is pointed at devnull so that the flush at
    interpreter exit does not fail again and print "Exception ignored".
    """
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def _report_file_problem(error: DataFileError) -> int:
    from ctctdesk.commands._file_problems import exit_code

    print(f"ctctdesk: {error}", file=sys.stderr)
    return exit_code(error, 1)


def _database_file_error(error: Exception) -> DataFileError | None:
    """A database driver error that escaped a command (a sync writing to a full disk or a locked file),
    as the CRM words it, when it is the database file's fault."""
    if "peewee" not in sys.modules:
        return None
    import peewee

    if not isinstance(error, peewee.DatabaseError):
        return None
    from ctctdesk.crm.errors import as_crm_error

    crm_error = as_crm_error(error)
    return crm_error if isinstance(crm_error, DataFileError) else None


if __name__ == "__main__":
    sys.exit(main())
