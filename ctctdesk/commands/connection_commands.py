"""`ctctdesk connect | status | disconnect`: the connection to Constant Contact from the command line.

Exit codes (also listed in `ctctdesk connect --help`):
  0 done / connected          1 other Constant Contact error      2 usage error
  3 not connected             4 connection broken (reconnect)     5 sign-in refused, denied or timed out
  6 cancelled                 7 no usable system keyring          8 Constant Contact unreachable
  9 daily request allowance used up
  13-16 a file of the data folder cannot be used (damaged, locked, not writable, disk full)
"""

from __future__ import annotations

import argparse
import os
import sys

from ctctdesk.file_problems import DataFileError  # light: a neutral module without imports

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NOT_CONNECTED = 3
EXIT_BROKEN = 4
EXIT_AUTH_FAILED = 5
EXIT_CANCELLED = 6
EXIT_NO_KEYRING = 7
EXIT_UNAVAILABLE = 8
EXIT_QUOTA = 9

EXIT_CODES_HELP = (
    "exit codes: 0 ok, 1 other error, 2 usage, 3 not connected, 4 connection broken, "
    "5 sign-in refused/denied/timed out, 6 cancelled, 7 no system keyring, 8 Constant Contact "
    "unreachable, 9 daily allowance used up, 13 a data file is damaged, 14 the database is locked by "
    "another program, 15 the data folder is not writable, 16 the disk is full"
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    connect = subparsers.add_parser(
        "connect", parents=[common], epilog=EXIT_CODES_HELP,
        help="connect to a Constant Contact account (opens the browser, or --device for a code)")
    connect.add_argument("--device", action="store_true",
                         help="sign in with a code on another device instead of this machine's browser")
    connect.add_argument("--api-key", metavar="KEY",
                         help="the API key (client id) of your Constant Contact application; saved")
    connect.add_argument("--no-browser", action="store_true",
                         help="only print the sign-in address, do not open a browser")
    connect.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                         help="how long to wait for access to be allowed (default 300)")
    connect.add_argument("--no-activation", action="store_true",
                         help="do not bring Constant Contact's lists and contacts into the CRM right after "
                              "connecting (the first `ctctdesk sync --from-cc` does it later)")
    connect.set_defaults(run=run_connect)

    status = subparsers.add_parser("status", parents=[common], epilog=EXIT_CODES_HELP,
                                   help="show the Constant Contact connection and today's API usage")
    status.add_argument("--offline", action="store_true",
                        help="do not ask Constant Contact; show what is saved locally")
    status.set_defaults(run=run_status)

    disconnect = subparsers.add_parser("disconnect", parents=[common], epilog=EXIT_CODES_HELP,
                                       help="revoke access and remove the saved sign-in from the keyring")
    disconnect.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")
    disconnect.set_defaults(run=run_disconnect)


def _open_connection(args: argparse.Namespace):
    """The data folder's connection, logging to its log file (through the redaction filter)."""
    from ctctdesk.app import prepare_data_folder, resolve_data_dir
    from ctctdesk.ctct.connection import Connection

    data_dir = resolve_data_dir(args)
    prepare_data_folder(data_dir)
    return Connection.open(data_dir, getattr(args, "sandbox", None))


def _fail(message: str, code: int) -> int:
    print(f"ctctdesk: {message}", file=sys.stderr)
    return code


def exit_code_for(error: Exception) -> int:
    from ctctdesk.commands._file_problems import exit_code
    from ctctdesk.ctct import errors

    if isinstance(error, DataFileError):
        return exit_code(error, EXIT_ERROR)

    table = [
        (errors.AuthorizationCancelled, EXIT_CANCELLED),
        (errors.AuthorizationFailed, EXIT_AUTH_FAILED),
        (errors.NotConnected, EXIT_NOT_CONNECTED),
        (errors.AuthRevoked, EXIT_BROKEN),
        (errors.AuthExpired, EXIT_BROKEN),
        (errors.KeyringUnavailable, EXIT_NO_KEYRING),
        (errors.ServiceUnavailable, EXIT_UNAVAILABLE),
        (errors.QuotaExhausted, EXIT_QUOTA),
    ]
    for kind, code in table:
        if isinstance(error, kind):
            return code
    return EXIT_ERROR


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_connect(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.connection import describe
    from ctctdesk.ctct.errors import CtctError
    from ctctdesk.ctct.oauth import Cancelled

    cancel = Cancelled()
    try:
        # The whole context: right after connecting comes the initial activation (C5), into the CRM.
        context = build_context(resolve_data_dir(args), sandbox_url=getattr(args, "sandbox", None))
        connection = context.connection
        if args.api_key:
            connection.set_client_id(args.api_key)
        if not connection.settings.client_id:
            return _fail("no API key set: run `ctctdesk connect --api-key KEY` with the API key of your "
                         "Constant Contact application (register the redirect URI "
                         f"{connection.settings.redirect_uri} on it).", EXIT_USAGE)
        if args.device:
            def show_code(device) -> None:
                print(f"To connect, open {device.verification_uri} on any device and enter the code:")
                print(f"    {device.user_code}")
                print("Waiting for you to allow access… (Ctrl+C cancels)", flush=True)

            status = connection.connect_device(show_code, cancel=cancel)
        else:
            def open_url(url: str) -> None:
                print("Open this address in a browser to allow ctctdesk to use your Constant Contact "
                      "account:")
                print(f"    {url}")
                if not args.no_browser and _has_display():
                    import webbrowser

                    webbrowser.open(url)
                print("Waiting for you to allow access… (Ctrl+C cancels)", flush=True)

            status = connection.connect_browser(open_url, cancel=cancel, timeout=args.timeout)
    except KeyboardInterrupt:
        cancel.set()
        return _fail("connecting was cancelled; ctctdesk is not connected.", EXIT_CANCELLED)
    except (CtctError, CrmError, DataFileError) as error:
        return _fail(str(error), exit_code_for(error))
    for line in describe(status):
        print(line)
    if getattr(args, "no_activation", False):
        return EXIT_OK
    return _activate(context)


def _activate(context) -> int:
    """C5: the first connection brings Constant Contact's lists and contacts into the CRM before any push."""
    from ctctdesk.commands.sync_commands import print_summary
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.errors import CtctError
    from ctctdesk.sync.errors import SyncError

    print("Bringing Constant Contact's lists and contacts into the CRM (initial activation)…", flush=True)
    try:
        summary = context.sync.activate()
    except KeyboardInterrupt:
        return _fail("the initial activation was cancelled; run `ctctdesk sync --from-cc` to finish it.",
                     EXIT_CANCELLED)
    except (SyncError, CtctError, CrmError) as error:
        code = exit_code_for(error) if isinstance(error, (CtctError, CrmError)) else EXIT_ERROR
        return _fail(f"connected, but the initial activation did not finish: {error} Run "
                     "`ctctdesk sync --from-cc` to try again.", code)
    print_summary(summary)
    return EXIT_OK if summary.ok else EXIT_ERROR


def run_status(args: argparse.Namespace) -> int:
    from ctctdesk.ctct.connection import ConnectionState, describe
    from ctctdesk.ctct.errors import CtctError

    try:
        connection = _open_connection(args)
        connection.tokens.check_available()  # no keyring: the same guidance and exit code everywhere
        status = connection.status(refresh_account=not args.offline)
    except (CtctError, DataFileError) as error:
        return _fail(str(error), exit_code_for(error))
    for line in describe(status):
        print(line)
    if status.state is ConnectionState.NOT_CONNECTED:
        return EXIT_NOT_CONNECTED
    if status.state is ConnectionState.BROKEN:
        return EXIT_BROKEN
    return EXIT_OK


def run_disconnect(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.connection import ConnectionState
    from ctctdesk.ctct.errors import CtctError

    try:
        # The whole context, not just the connection: a disconnect also removes the Constant Contact
        # lists from the CRM (C6), through the hook the composition root puts on the connection.
        context = build_context(resolve_data_dir(args), sandbox_url=getattr(args, "sandbox", None))
        connection = context.connection
        connection.tokens.check_available()
        status = connection.status()
        if status.state is ConnectionState.NOT_CONNECTED:
            print("Not connected to Constant Contact; nothing to do.")
            return EXIT_OK
        from ctctdesk.sync.lists_backup import describe, linked_lists

        leaving = linked_lists()
        if not args.yes:
            if not sys.stdin.isatty():
                return _fail("disconnecting needs confirmation; add --yes to run without a question.",
                             EXIT_USAGE)
            if leaving:
                print(f"These email lists will be removed from the CRM: {describe(leaving)}. "
                      "A backup of them is written first.")
            answer = input(f"Disconnect ctctdesk from Constant Contact account "
                           f"{status.account_name or '(unknown)'}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                print("Still connected.")
                return EXIT_CANCELLED
        revoked = connection.disconnect()
    except KeyboardInterrupt:
        return _fail("cancelled; still connected.", EXIT_CANCELLED)
    except (CtctError, CrmError, DataFileError) as error:
        return _fail(str(error), exit_code_for(error))
    print("Disconnected from Constant Contact; the saved sign-in was removed from the keyring.")
    if leaving:
        print(f"Removed from the CRM: {describe(leaving)}; companies and contacts stay.")
    if context.last_disconnect_backup is not None:
        print(f"A backup of those lists and their members is in {context.last_disconnect_backup} "
              "(ctctdesk import-csv reads it back).")
    if not revoked:
        print("Constant Contact could not be reached to revoke the access; it expires on its own, or "
              "remove ctctdesk under My Settings → Apps in Constant Contact.")
    return EXIT_OK
