"""CRM sub-commands: import-csv, export-csv, demo-data. Same services as the GUI, no Qt."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# exit codes
OK = 0
FAILED = 1  # nothing done (file refused, database problem)
PARTIAL = 2  # done, but some rows were not imported
# 13-16: a file of the data folder cannot be used (see ctctdesk.commands._file_problems)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "import-csv",
        parents=[common],
        help="import companies and contacts from a CSV file (see README for the columns)",
        description="Import companies and contacts from a CSV file. A contact whose email exists is updated. "
        f"Exit code {OK}: all rows imported, {PARTIAL}: some rows reported and skipped, {FAILED}: file refused.",
    )
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.set_defaults(run=run_import)

    parser = subparsers.add_parser(
        "export-csv", parents=[common], help="export every contact to a CSV file (the import reads it back)"
    )
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.set_defaults(run=run_export)

    parser = subparsers.add_parser(
        "demo-data",
        parents=[common],
        help="fill an empty data folder with a realistic sample CRM",
        description="Fill an empty data folder with sample companies (customers and prospects), contacts, "
        "tags and lists, including role addresses, Do Not Contact, unsubscribed and invalid emails.",
    )
    parser.add_argument(
        "--contacts", type=int, default=600, metavar="N", help="number of contacts (default 600)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same data")
    parser.set_defaults(run=run_demo_data)


def _fail(message: str, error: BaseException | None = None) -> int:
    from ctctdesk.commands._file_problems import exit_code

    print(f"ctctdesk: {message}", file=sys.stderr)
    return exit_code(error, FAILED) if error is not None else FAILED


def run_import(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.csv_io import import_csv
    from ctctdesk.crm.errors import CrmError

    try:
        context = build_context(resolve_data_dir(args))
    except CrmError as error:
        return _fail(str(error), error)
    try:
        report = import_csv(args.file)
    except CrmError as error:
        return _fail(str(error), error)
    finally:
        context.close()
    # in the order of the file, so the person can walk through it line by line
    issues = [(issue, "warning") for issue in report.warnings] + [(issue, "not imported") for issue in report.errors]
    for issue, kind in sorted(issues, key=lambda pair: pair[0].line):
        print(f"{args.file.name}: {kind}: {issue}", file=sys.stderr)
    print(f"{args.file.name}: {report.summary()}")
    return PARTIAL if report.errors else OK


def run_export(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.csv_io import export_csv
    from ctctdesk.crm.errors import CrmError

    try:
        context = build_context(resolve_data_dir(args))
    except CrmError as error:
        return _fail(str(error), error)
    try:
        count = export_csv(args.file)
    except OSError as error:
        return _fail(f"cannot write {args.file}: {error.strerror or error}")
    finally:
        context.close()
    print(f"Exported {count:,} contacts to {args.file}")
    return OK


def run_demo_data(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.demo_data import generate
    from ctctdesk.crm.errors import CrmError

    data_dir = resolve_data_dir(args)
    try:
        context = build_context(data_dir)
    except CrmError as error:
        return _fail(str(error), error)
    try:
        summary = generate(contacts=args.contacts, seed=args.seed)
    except CrmError as error:
        return _fail(str(error), error)
    finally:
        context.close()
    print(
        f"Sample CRM in {data_dir}: {summary.companies:,} companies, {summary.contacts:,} contacts, "
        f"{summary.tags} tags, {summary.lists} lists with {summary.memberships:,} members"
    )
    return OK
