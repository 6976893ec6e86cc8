"""`ctctdesk sandbox`: run the local Constant Contact sandbox until Ctrl+C.

By default it enforces the real service's limits (4 requests a second, 10,000 a day); flags relax them
for demos and manual testing. With `--state FILE` the account is loaded from and saved to that file.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # No --data-dir / --sandbox here: the sandbox keeps no data folder and is itself the sandbox.
    parser = subparsers.add_parser(
        "sandbox",
        help="run the local Constant Contact sandbox (API + authorization server)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a local stand-in for Constant Contact on 127.0.0.1, for demos and for trying\n"
        "ctctdesk without a real account. Point ctctdesk at it with --sandbox URL, e.g.\n"
        "`ctctdesk --sandbox http://127.0.0.1:8765`, and use the API key ctctdesk-demo.",
        epilog="Signing in with a code (Connect with a code, or `ctctdesk connect --device`):\n"
        "  ctctdesk shows a short code and the address URL/activate of this sandbox. Open that\n"
        "  address in any browser, type the code, sign in with the demo account demo@example.com\n"
        "  (password: demo) and press Allow Access; ctctdesk notices within a few seconds.\n"
        "Browser sign-in (Connect) opens the same sign-in page by itself.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 = any free)")
    parser.add_argument("--state", type=Path, metavar="FILE", help="load the account from FILE and save it on exit")
    parser.add_argument("--seed", type=int, metavar="N", default=0, help="add N realistic sample contacts")
    parser.add_argument("--no-rate-limit", action="store_true", help="do not limit requests per second")
    parser.add_argument("--daily-limit", type=int, metavar="N", default=10_000,
                        help="requests allowed per day (default 10,000; 0 = no daily limit)")
    parser.add_argument("--activity-delay", type=float, metavar="SECONDS", default=1.0,
                        help="how long a bulk activity takes to complete (default 1 second)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ctctdesk.sandbox.server import SandboxConfig, SandboxServer

    config = SandboxConfig(
        port=args.port,
        rate_limit_per_second=None if args.no_rate_limit else 4.0,
        daily_limit=args.daily_limit or None,
        activity_delay=args.activity_delay,
        state_file=args.state,
        seed_contacts=args.seed,
    )
    try:
        server = SandboxServer(config)
        server.start()
    except OSError as error:
        print(f"ctctdesk sandbox: cannot listen on port {args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"ctctdesk sandbox: cannot read the state file: {error}", file=sys.stderr)
        return 1
    from ctctdesk.sandbox import oauth

    base = server.base_url
    print(f"Constant Contact sandbox running at {base}")
    print(f"  API:                  {base}/v3")
    print(f"  Authorization server: {base}/oauth2/default/v1/")
    print(f"  Sign-in with a code:  {base}/activate (the code ctctdesk shows; demo@example.com / demo)")
    print(f"  Control interface:    {base}/_sandbox/")
    print(f"  Demo client id:       {oauth.DEMO_CLIENT_ID}")
    limits = "off" if args.no_rate_limit else "4 requests/s"
    print(f"  Limits:               {limits}, {args.daily_limit or 'no'} requests/day")
    if args.state:
        print(f"  State file:           {args.state} (saved on exit)")
    print("Press Ctrl+C to stop.", flush=True)
    stopping = threading.Event()
    # SIGTERM (a service manager, a script) stops it as cleanly as Ctrl+C, state file included.
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        print("\nStopping the sandbox…", flush=True)
        server.stop()
    return 0
