"""`ctctdesk sync --to-cc | --from-cc | --both [--full] [--dry-run] [--json] [--force]` (X1).

The same engine and history as the Synchronize tab (trigger "command line"): a dry run prints the
plan, a run prints the summary; ``--json`` prints one JSON document for scripts.

Exit codes: 0 done, 1 error, 3 not connected, 4 connection broken, 6 cancelled, 9 daily allowance used
up, 10 the run needs confirmation (mass change, R14): check the plan, then use --force.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_NOT_CONNECTED = 3
EXIT_BROKEN = 4
EXIT_CANCELLED = 6
EXIT_QUOTA = 9
EXIT_NEEDS_CONFIRMATION = 10

EPILOG = (
    "exit codes: 0 ok, 1 error, 3 not connected, 4 connection broken, 6 cancelled, "
    "9 daily allowance used up, 10 needs confirmation (use --force after checking --dry-run)"
)


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "sync", parents=[common], epilog=EPILOG,
        help="synchronize the CRM and Constant Contact in one direction (or both)",
    )  # fmt: skip
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--to-cc", dest="direction", action="store_const", const="to_cc",
                       help="Update Constant Contact from CRM")
    which.add_argument("--from-cc", dest="direction", action="store_const", const="from_cc",
                       help="Update CRM from Constant Contact")
    which.add_argument("--both", dest="direction", action="store_const", const="both",
                       help="from Constant Contact first, then to Constant Contact")
    parser.add_argument("--full", action="store_true",
                        help="full check: read every Constant Contact contact, not only what changed (R16)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--force", action="store_true",
                        help="run even when the plan removes a lot (R14 confirmation)")
    parser.set_defaults(run=run_sync)


def _fail(message: str, code: int) -> int:
    print(f"ctctdesk: {message}", file=sys.stderr)
    return code


def _plan_json(preview: Any) -> dict[str, Any]:
    from ctctdesk.sync.describe import plan_to_dict

    counts: dict[str, int] = {}
    for op in preview.plan.changes:
        counts[op.kind] = counts.get(op.kind, 0) + 1
    return {
        "direction": preview.direction.value,
        "changes": counts,
        "skipped": [
            {"reason": s.reason.value,
             "contact": s.contact.label if s.contact else None,
             "list": s.list.name if s.list else None}
            for s in preview.plan.skips
        ],
        "conflicts": len(preview.plan.conflicts),
        "pending_other_way": preview.pending_other_way,
        "needs_confirmation": preview.needs_confirmation,
        "guard_reason": preview.guard_reason,
        "lines": list(preview.lines),
        "plan": plan_to_dict(preview.plan),
    }  # fmt: skip


def _summary_json(summary: Any) -> dict[str, Any]:
    return {
        "run_id": summary.run_id,
        "direction": summary.direction,
        "trigger": summary.trigger,
        "started_at": summary.started_at.isoformat() if summary.started_at else None,
        "finished_at": summary.finished_at.isoformat() if summary.finished_at else None,
        "counts": dict(summary.counts),
        "per_list": {k: dict(v) for k, v in summary.per_list.items()},
        "errors": [{"email": e.email, "message": e.message} for e in summary.errors],
        "requests_used": summary.requests_used,
        "cancelled": summary.cancelled,
        "stopped_reason": summary.stopped_reason,
        "ok": summary.ok,
    }


def print_summary(summary: Any) -> None:
    print(f"Run {summary.run_id} ({summary.direction}, {summary.trigger})")
    if not summary.counts:
        print("  Nothing needed changing.")
    for label, count in sorted(summary.counts.items()):
        print(f"  {label}: {count}")
    for error in summary.errors:
        print(f"  error: {error.email or '(no email)'}: {error.message}")
    print(f"  API requests used: {summary.requests_used}")
    if summary.cancelled:
        print("  Cancelled: what was confirmed is kept; the next sync does the rest.")
    if summary.stopped_reason:
        print(f"  Stopped: {summary.stopped_reason}")


def run_sync(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError, QuotaExhausted
    from ctctdesk.sync.errors import GuardTripped, NotConnectedError, SyncError

    def progress(p: Any) -> None:
        if not args.json:
            detail = f" {p.done:,}/{p.total:,}" if p.total else ""
            print(f"  {p.phase}{detail}{' (queued by Constant Contact)' if p.queued else ''}", file=sys.stderr)

    try:
        context = build_context(resolve_data_dir(args), sandbox_url=getattr(args, "sandbox", None))
    except CrmError as error:
        return _fail(str(error), EXIT_ERROR)
    try:
        service = context.sync
        preview = service.preview(args.direction, on_progress=progress, full=args.full)
        if args.dry_run:
            if args.json:
                print(json.dumps(_plan_json(preview), indent=2))
            else:
                for line in preview.lines:
                    print(line)
                if preview.needs_confirmation:
                    print(f"Needs confirmation: {preview.guard_reason}")
            return EXIT_OK
        summary = service.run(preview, trigger="command line", on_progress=progress, force=args.force)
    except GuardTripped as error:
        return _fail(f"{error} Check with --dry-run, then run again with --force.", EXIT_NEEDS_CONFIRMATION)
    except NotConnectedError as error:
        return _fail(str(error), EXIT_NOT_CONNECTED)
    except (AuthRevoked, AuthExpired) as error:
        return _fail(str(error), EXIT_BROKEN)
    except QuotaExhausted as error:
        return _fail(str(error), EXIT_QUOTA)
    except (SyncError, CtctError, CrmError) as error:
        return _fail(str(error), EXIT_ERROR)
    finally:
        context.close()
    if args.json:
        print(json.dumps(_summary_json(summary), indent=2))
    else:
        print_summary(summary)
    if summary.cancelled:
        return _fail("the sync was cancelled.", EXIT_CANCELLED)
    if summary.stopped_reason:
        code = EXIT_QUOTA if "allowance" in summary.stopped_reason.lower() else EXIT_ERROR
        return _fail(f"the sync stopped: {summary.stopped_reason}", code)
    if summary.errors:
        return _fail(f"{len(summary.errors)} contacts could not be synchronized (see above).", EXIT_ERROR)
    return EXIT_OK
