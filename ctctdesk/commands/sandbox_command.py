"""`ctctdesk sandbox`: run the local Constant Contact sandbox (or, with `--service campaign-monitor`, the
Campaign Monitor emulator) until Ctrl+C.

By default it enforces the real service's limits (Constant Contact: 4 requests a second, 10,000 a day;
Campaign Monitor: an assumed 10 a second, see the emulator's NOTES.md); flags relax them for demos and
manual testing. With `--state FILE` the account is loaded from and saved to that file.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Protocol

SERVICES = ("constant-contact", "campaign-monitor")


class _Stoppable(Protocol):
    def stop(self) -> None: ...


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # No --data-dir / --sandbox here: the sandbox keeps no data folder and is itself the sandbox.
    parser = subparsers.add_parser(
        "sandbox",
        help="run the local Constant Contact sandbox or Campaign Monitor emulator (API + authorization server)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a local stand-in for Constant Contact on 127.0.0.1, for demos and for trying\n"
        "ctctdesk without a real account. Point ctctdesk at it with --sandbox URL, e.g.\n"
        "`ctctdesk --sandbox http://127.0.0.1:8765`, and use the API key ctctdesk-demo.\n"
        "With --service campaign-monitor it runs a stand-in for Campaign Monitor instead; its API key\n"
        "is printed at start and answered by GET URL/_sandbox/api_key.",
        epilog="Signing in with a code (Connect with a code, or `ctctdesk connect --device`):\n"
        "  ctctdesk shows a short code and the address URL/activate of this sandbox. Open that\n"
        "  address in any browser, type the code, sign in with the demo account demo@example.com\n"
        "  (password: demo) and press Allow Access; ctctdesk notices within a few seconds.\n"
        "Browser sign-in (Connect) opens the same sign-in page by itself.",
    )
    parser.add_argument("--service", choices=SERVICES, default="constant-contact",
                        help="which email service to stand in for (default constant-contact)")
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
    if getattr(args, "service", "constant-contact") == "campaign-monitor":
        return run_campaign_monitor(args)
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
    return _serve_until_stopped(server)


def run_campaign_monitor(args: argparse.Namespace) -> int:
    from ctctdesk.sandbox.cmon.server import ASSUMED_RATE_PER_SECOND, CmonConfig, CmonServer

    config = CmonConfig(port=args.port,
                        rate_limit_per_second=None if args.no_rate_limit else ASSUMED_RATE_PER_SECOND,
                        state_file=args.state, seed_subscribers=args.seed)
    try:
        server = CmonServer(config)
        server.start()
    except OSError as error:
        print(f"ctctdesk sandbox: cannot listen on port {args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    except (ValueError, KeyError, TypeError) as error:
        print(f"ctctdesk sandbox: cannot read the state file: {error}", file=sys.stderr)
        return 1
    base = server.base_url
    print(f"Campaign Monitor emulator running at {base}")
    print(f"  API:                  {server.api_base_url}")
    print(f"  API key:              {server.api_key} (also GET {base}/_sandbox/api_key)")
    print(f"  Authorization server: {base}/oauth (approves at once), {base}/oauth/token")
    print(f"  Control interface:    {base}/_sandbox/")
    limits = "off" if args.no_rate_limit else f"{ASSUMED_RATE_PER_SECOND:g} requests/s (assumed)"
    print(f"  Limits:               {limits}")
    if args.state:
        print(f"  State file:           {args.state} (saved on exit)")
    return _serve_until_stopped(server)


def _serve_until_stopped(server: _Stoppable) -> int:
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
