"""`ctctdesk connect | status | disconnect`: the connection to the email service from the command line.

The data folder talks to one email service at a time (Constant Contact unless Campaign Monitor was
chosen; `ctctdesk.email_services`). `connect --service campaign-monitor` connects by API key, which is a
secret: it may come from the environment variable CTCTDESK_CM_API_KEY or from standard input
(`--api-key -`) so that it never stands in the shell's history. Connecting to the other service than
the one in use is a switch: the one in use is disconnected first (with the backup of its lists).

Exit codes (also listed in `ctctdesk connect --help`):
  0 done / connected          1 other error of the service        2 usage error
  3 not connected             4 connection broken (reconnect)     5 sign-in refused, denied or timed out
  6 cancelled                 7 no usable system keyring          8 the email service unreachable
  9 daily request allowance used up
  13-16 a file of the data folder cannot be used (damaged, locked, not writable, disk full)
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

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

#: where `connect --service campaign-monitor` finds the API key when --api-key is not given
API_KEY_ENV = "CTCTDESK_CM_API_KEY"
#: where `connect --service campaign-monitor --oauth` finds the OAuth application's secret
CLIENT_SECRET_ENV = "CTCTDESK_CM_CLIENT_SECRET"
SERVICE_CHOICES = ("constant-contact", "campaign-monitor")

EXIT_CODES_HELP = (
    "exit codes: 0 ok, 1 other error, 2 usage, 3 not connected, 4 connection broken, "
    "5 sign-in refused/denied/timed out, 6 cancelled, 7 no system keyring, 8 the email service "
    "unreachable, 9 daily allowance used up, 13 a data file is damaged, 14 the database is locked by "
    "another program, 15 the data folder is not writable, 16 the disk is full"
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    connect = subparsers.add_parser(
        "connect", parents=[common], epilog=EXIT_CODES_HELP,
        help="connect to the email service: Constant Contact (opens the browser, or --device for a code) "
             "or Campaign Monitor (--service campaign-monitor, by API key)")
    connect.add_argument("--service", choices=SERVICE_CHOICES,
                         help="the email service to connect to (default: the one this data folder uses, "
                              "Constant Contact unless chosen otherwise); choosing the other one disconnects "
                              "the one in use first, after a backup of its lists (asks, or --yes)")
    connect.add_argument("--device", action="store_true",
                         help="Constant Contact: sign in with a code on another device instead of this "
                              "machine's browser")
    connect.add_argument("--api-key", metavar="KEY",
                         help="Constant Contact: the API key (client id) of your application; saved. "
                              f"Campaign Monitor: the account's API key, kept only in the keyring; '-' reads "
                              f"it from standard input, and without this option it is read from the "
                              f"environment variable {API_KEY_ENV} (so it needn't be in the shell history)")
    connect.add_argument("--client", metavar="NAME",
                         help="Campaign Monitor: the client whose lists ctctdesk keeps in step (needed when "
                              "the API key reaches several clients; one client is chosen by itself)")
    connect.add_argument("--oauth", action="store_true",
                         help="Campaign Monitor: sign in through the browser (OAuth) instead of an API key; "
                              "needs the office's OAuth application: --oauth-client-id (saved) and its secret "
                              f"from the environment variable {CLIENT_SECRET_ENV} or --client-secret - "
                              "(standard input); the secret is used once and never kept")
    connect.add_argument("--oauth-client-id", metavar="ID",
                         help="Campaign Monitor: the client id of your OAuth application; saved")
    connect.add_argument("--client-secret", metavar="-",
                         help="Campaign Monitor: '-' reads the OAuth application's secret from standard input")
    connect.add_argument("--yes", action="store_true",
                         help="switch service without a question (the service in use is disconnected)")
    connect.add_argument("--no-browser", action="store_true",
                         help="only print the sign-in address, do not open a browser")
    connect.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                         help="how long to wait for access to be allowed, in the browser or with a code "
                              "(--device; a code that expires sooner ends the wait sooner); default 300")
    connect.add_argument("--no-activation", action="store_true",
                         help="do not bring the email service's lists and contacts into the CRM right after "
                              "connecting (the first `ctctdesk sync --pull` does it later)")
    connect.set_defaults(run=run_connect)

    status = subparsers.add_parser("status", parents=[common], epilog=EXIT_CODES_HELP,
                                   help="show the email service in use, its connection and today's API usage")
    status.add_argument("--offline", action="store_true",
                        help="do not ask the email service; show what is saved locally")
    status.set_defaults(run=run_status)

    disconnect = subparsers.add_parser("disconnect", parents=[common], epilog=EXIT_CODES_HELP,
                                       help="revoke access and remove the saved sign-in from the keyring")
    disconnect.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")
    disconnect.set_defaults(run=run_disconnect)


def _open_connection(args: argparse.Namespace):
    """The data folder's connection to its email service, logging to its log file (through the redaction
    filter); without the database."""
    from ctctdesk.app import open_service_connection, prepare_data_folder, resolve_data_dir
    from ctctdesk.email_services import ActiveConnection, chosen_service
    from ctctdesk.settings_store import SETTINGS_FILE_NAME, SettingsStore

    data_dir = resolve_data_dir(args)
    prepare_data_folder(data_dir)
    service = chosen_service(SettingsStore(data_dir / SETTINGS_FILE_NAME))
    return ActiveConnection(service, open_service_connection(service, data_dir, getattr(args, "sandbox", None)))


def describe_status(connection, status) -> list[str]:
    """The status lines of the service in use (each connection words its own)."""
    from ctctdesk.email_services import CAMPAIGN_MONITOR

    if connection.service == CAMPAIGN_MONITOR:
        from ctctdesk.cmon.connection import describe
    else:
        from ctctdesk.ctct.connection import describe
    return describe(status)


def read_api_key(args: argparse.Namespace) -> str:
    """Campaign Monitor's API key: --api-key KEY, --api-key - (one line of standard input), or the
    environment variable; "" when none is given."""
    if args.api_key == "-":
        if sys.stdin.isatty():
            print("Campaign Monitor API key (not shown): ", end="", file=sys.stderr, flush=True)
            import getpass

            return getpass.getpass(prompt="").strip()
        return sys.stdin.readline().strip()
    return (args.api_key or os.environ.get(API_KEY_ENV, "")).strip()


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
        service = getattr(args, "service", None) or context.connection.service
        switching = service != context.connection.service
        if switching:
            code = _confirm_switch(context, service, args)
            if code is not None:
                return code
        if service == "campaign-monitor":
            code = _connect_then_switch(context, service, args) if switching else \
                _connect_campaign_monitor(context.connection, args)
            if code is not None:
                return code
            return EXIT_OK if getattr(args, "no_activation", False) else _activate(context)
        if switching:
            _switch(context, service)
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

            status = connection.connect_device(show_code, cancel=cancel, timeout=args.timeout)
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


def _confirm_switch(context, service: str, args: argparse.Namespace) -> int | None:
    """Switching disconnects the service in use first (its lists leave the CRM after a backup), so it is
    asked unless --yes. None when the user agreed (nothing is switched yet), else an exit code."""
    from ctctdesk.email_services import display_name
    from ctctdesk.sync.lists_backup import describe, linked_lists

    old = context.connection.display_name
    if context.connection.status().state.value != "not connected":
        leaving = linked_lists()
        print(f"ctctdesk uses {old} now. Switching to {display_name(service)} disconnects {old} first"
              + (f" and removes these lists from the CRM after a backup: {describe(leaving)}." if leaving else "."))
        if not args.yes:
            if not sys.stdin.isatty():
                return _fail("switching the email service needs confirmation; add --yes to run without a "
                             "question.", EXIT_USAGE)
            answer = input(f"Disconnect {old} and switch to {display_name(service)}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                print(f"Still using {old}.")
                return EXIT_CANCELLED
    return None


def _switch(context, service: str, connection: Any = None) -> None:
    """Make `service` the data folder's email service (`connection`: its connection, already connected)."""
    from ctctdesk.app import switch_service
    from ctctdesk.email_services import display_name

    was_connected = context.connection.status().state.value != "not connected"
    switch_service(context, service, connection)
    if context.last_disconnect_backup is not None and was_connected:
        print(f"A backup of the removed lists is in {context.last_disconnect_backup}.")
    print(f"Email service: {display_name(service)}.")


def _connect_then_switch(context, service: str, args: argparse.Namespace) -> int | None:
    """Connect to `service` on a connection of its own, and only once that succeeded switch the data
    folder to it: a refused key, a missing keyring or an unreachable service leave the folder on the
    service it uses (still connected, its lists in place). None when switched, else an exit code."""
    from ctctdesk.app import open_service_connection
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.errors import CtctError
    from ctctdesk.email_services import ActiveConnection

    unchanged = f"ctctdesk still uses {context.connection.display_name}; nothing was changed."
    candidate = ActiveConnection(service, open_service_connection(service, context.data_dir,
                                                                  context.extras.get("sandbox_url")))
    try:
        code = _connect_campaign_monitor(candidate, args)
    except (CtctError, CrmError, DataFileError) as error:
        return _fail(f"{error} {unchanged}", exit_code_for(error))
    except KeyboardInterrupt:
        return _fail(f"connecting was cancelled; {unchanged}", EXIT_CANCELLED)
    if code is not None:
        print(f"ctctdesk: {unchanged}", file=sys.stderr)
        return code
    _switch(context, service, candidate.inner)
    return None


def _connect_campaign_monitor(connection, args: argparse.Namespace) -> int | None:
    """Connect by API key (or OAuth) and choose the client; None when connected, else an exit code."""
    if getattr(args, "oauth", False):
        return _connect_campaign_monitor_oauth(connection, args)
    key = read_api_key(args)
    if not key:
        return _fail("no Campaign Monitor API key: give it with --api-key KEY, --api-key - (read from "
                     f"standard input) or the environment variable {API_KEY_ENV}. Campaign Monitor shows "
                     "it under Account settings → API keys.", EXIT_USAGE)
    from ctctdesk.cmon.connection import ClientChoiceNeeded

    try:
        status = connection.connect_api_key(key, args.client)
    except ClientChoiceNeeded as error:
        return _fail(f"{error} Name it with --client NAME.", EXIT_USAGE)
    for line in describe_status(connection, status):
        print(line)
    return None


def _connect_campaign_monitor_oauth(active, args: argparse.Namespace) -> int | None:
    from ctctdesk.cmon.connection import ClientChoiceNeeded, pick_client
    from ctctdesk.ctct.oauth import Cancelled

    connection = active.inner
    if args.oauth_client_id:
        connection.set_oauth_client_id(args.oauth_client_id)
    if not connection.settings.oauth_client_id:
        return _fail("no OAuth application: give its client id with --oauth-client-id ID (register the "
                     f"redirect URI {connection.settings.redirect_uri} on it).", EXIT_USAGE)
    if args.client_secret == "-":
        secret = sys.stdin.readline().strip()
    else:
        secret = os.environ.get(CLIENT_SECRET_ENV, "").strip()
    if not secret:
        return _fail(f"no OAuth client secret: set {CLIENT_SECRET_ENV} or pass --client-secret - and type it "
                     "on standard input.", EXIT_USAGE)

    def open_url(url: str) -> None:
        print("Open this address in a browser to allow ctctdesk to use your Campaign Monitor account:")
        print(f"    {url}")
        if not args.no_browser and _has_display():
            import webbrowser

            webbrowser.open(url)
        print("Waiting for you to allow access… (Ctrl+C cancels)", flush=True)

    cancel = Cancelled()
    try:
        tokens = connection.sign_in_browser(open_url, client_secret=secret, cancel=cancel, timeout=args.timeout)
    except KeyboardInterrupt:
        cancel.set()
        raise
    clients = connection.clients_for(tokens)
    try:
        chosen = pick_client(clients, args.client)
        if chosen is None and len(clients) > 1:
            raise ClientChoiceNeeded(clients)
    except ClientChoiceNeeded as error:
        return _fail(f"{error} Name it with --client NAME.", EXIT_USAGE)
    status = connection.connect_with(tokens, chosen)
    for line in describe_status(active, status):
        print(line)
    return None


def _activate(context) -> int:
    """C5: the first connection brings the service's lists and contacts into the CRM before any push."""
    from ctctdesk.commands.sync_commands import print_summary
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.errors import CtctError
    from ctctdesk.sync.errors import SyncError

    name = context.connection.display_name
    print(f"Bringing {name}'s lists and contacts into the CRM (initial activation)…", flush=True)
    try:
        summary = context.sync.activate()
    except KeyboardInterrupt:
        return _fail("the initial activation was cancelled; run `ctctdesk sync --pull` to finish it.",
                     EXIT_CANCELLED)
    except (SyncError, CtctError, CrmError) as error:
        code = exit_code_for(error) if isinstance(error, (CtctError, CrmError)) else EXIT_ERROR
        return _fail(f"connected, but the initial activation did not finish: {error} Run "
                     "`ctctdesk sync --pull` to try again.", code)
    print_summary(summary)
    return EXIT_OK if summary.ok else EXIT_ERROR


def run_status(args: argparse.Namespace) -> int:
    from ctctdesk.ctct.connection import ConnectionState
    from ctctdesk.ctct.errors import CtctError

    try:
        connection = _open_connection(args)
        connection.tokens.check_available()  # no keyring: the same guidance and exit code everywhere
        status = connection.status(refresh_account=not args.offline)
    except (CtctError, DataFileError) as error:
        return _fail(str(error), exit_code_for(error))
    print(f"Email service: {connection.display_name}")
    for line in describe_status(connection, status):
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
        name = connection.display_name
        if status.state is ConnectionState.NOT_CONNECTED:
            print(f"Not connected to {name}; nothing to do.")
            return EXIT_OK
        from ctctdesk.sync.lists_backup import describe, linked_lists

        leaving = linked_lists()
        if not args.yes:
            if not sys.stdin.isatty():
                lists = f" and removes these lists from the CRM after a backup: {describe(leaving)}" if leaving else ""
                return _fail(f"disconnecting from {name} needs confirmation: it removes the saved sign-in"
                             f"{lists}. Run again with --yes to go ahead.", EXIT_USAGE)
            if leaving:
                print(f"These email lists will be removed from the CRM: {describe(leaving)}. "
                      "A backup of them is written first.")
            answer = input(f"Disconnect ctctdesk from {name} account "
                           f"{status.account_name or '(unknown)'}? [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                print("Still connected.")
                return EXIT_CANCELLED
        revoked = connection.disconnect()
    except KeyboardInterrupt:
        return _fail("cancelled; still connected.", EXIT_CANCELLED)
    except (CtctError, CrmError, DataFileError) as error:
        return _fail(str(error), exit_code_for(error))
    print(f"Disconnected from {name}; the saved sign-in was removed from the keyring.")
    if leaving:
        print(f"Removed from the CRM: {describe(leaving)}; companies and contacts stay.")
    if context.last_disconnect_backup is not None:
        print(f"A backup of those lists and their members is in {context.last_disconnect_backup} "
              "(ctctdesk import-csv reads it back).")
    if not revoked:
        print("Constant Contact could not be reached to revoke the access; it expires on its own, or "
              "remove ctctdesk under My Settings → Apps in Constant Contact.")
    return EXIT_OK
