"""`ctctdesk sync --push | --pull | --both [--full] [--dry-run] [--json] [--force]` (X1).

--push updates the email service in use from the CRM, --pull the CRM from it; the service is the data
folder's (Constant Contact or Campaign Monitor, `ctctdesk status` says which). The older --to-cc and
--from-cc stay as aliases, but only while Constant Contact is the service: they name it, and a script
written for it must not quietly push somewhere else after a switch (exit code 2 then).

The same engine and history as the Synchronize tab (trigger "command line"): a dry run prints the
plan, a run prints the summary; ``--json`` prints one JSON document for scripts.

Exit codes: 0 done, 1 error, 3 not connected, 4 connection broken, 6 cancelled, 7 no usable system
keyring, 9 daily allowance used up, 10 the run needs confirmation (mass change, R14): check the plan, then
use --force; 11 a push before the first pull (C5): run --from-cc first; 12 another synchronization is
running (one at a time); 13-16 a file of the data folder cannot be used (`ctctdesk.commands._file_problems`).
The code of a run that ended comes from its typed stop reason (`StopReason`), never from its wording.
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
EXIT_NO_KEYRING = 7
EXIT_QUOTA = 9
EXIT_NEEDS_CONFIRMATION = 10
EXIT_PULL_FIRST = 11
EXIT_BUSY = 12

EXIT_USAGE = 2

EPILOG = (
    "--push/--pull act on the data folder's email service (Constant Contact or Campaign Monitor); "
    "--to-cc/--from-cc are their older names for Constant Contact and are refused (exit code 2) while "
    "Campaign Monitor is the service. "
    "exit codes: 0 ok, 1 error, 3 not connected, 4 connection broken, 6 cancelled, 7 no system keyring, "
    "9 daily allowance used up, 10 needs confirmation (use --force after checking --dry-run), "
    "11 pull first (run --pull once before pushing), 12 another synchronization is running, "
    "13 a data file is damaged, 14 the database is locked by another program, 15 the data folder is not "
    "writable, 16 the disk is full"
)


def exit_code_of(summary: Any) -> int:
    """The exit code of a finished run, from its StopReason (and its contact errors)."""
    from ctctdesk.sync.service import StopReason

    codes = {
        StopReason.CANCELLED: EXIT_CANCELLED,
        StopReason.QUOTA: EXIT_QUOTA,
        StopReason.AUTH: EXIT_BROKEN,
        StopReason.GUARD: EXIT_NEEDS_CONFIRMATION,
        StopReason.ERROR: EXIT_ERROR,
        StopReason.INTERRUPTED: EXIT_ERROR,
        StopReason.SKIPPED: EXIT_BUSY,
    }
    if summary.stop in codes:
        return codes[summary.stop]
    return EXIT_ERROR if summary.errors else EXIT_OK


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "sync", parents=[common], epilog=EPILOG,
        help="synchronize the CRM and the email service in one direction (or both)",
    )  # fmt: skip
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--push", dest="direction", action="store_const", const="to_cc",
                       help="update the email service (Constant Contact or Campaign Monitor) from the CRM")
    which.add_argument("--pull", dest="direction", action="store_const", const="from_cc",
                       help="update the CRM from the email service")
    which.add_argument("--both", dest="direction", action="store_const", const="both",
                       help="pull first, then push")
    which.add_argument("--to-cc", dest="cc_direction", action="store_const", const="to_cc",
                       help="Constant Contact only: the same as --push")
    which.add_argument("--from-cc", dest="cc_direction", action="store_const", const="from_cc",
                       help="Constant Contact only: the same as --pull")
    parser.add_argument("--full", action="store_true",
                        help="full check: read every contact of the email service, not only what changed "
                             "(R16)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--force", action="store_true",
                        help="run even when the plan removes a lot from the email service (check it "
                             "with --dry-run first)")
    parser.set_defaults(run=run_sync)


class PhasePrinter:
    """Progress on stderr: each phase on one line, printed once with its final count (on a terminal the
    line counts up in place). Repeated reports of the same phase, and counts beyond the total, do not
    become extra or wrong lines."""

    def __init__(self, stream: Any, *, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self._phase = ""
        self._line = ""
        self._text = ""
        self.service = "Constant Contact"  # named in "waiting for …" (set to the service in use)

    def __call__(self, p: Any) -> None:
        if self.quiet:
            return
        if p.phase.startswith("Waiting") and self._phase:
            # a wait inside the current phase (a bulk job polled): said on that phase's line
            self._text = self._line + f" — waiting for {self.service}" + (" (queued)" if p.queued else "")
        else:
            if p.phase != self._phase:
                self.finish()
                self._phase = p.phase
            done = min(p.done, p.total)
            detail = f" {done:,}/{p.total:,}" if p.total > 1 else ""  # no “1/1” for one-step phases
            self._line = f"  {p.phase}{detail}"
            self._text = self._line + (f" (queued by {self.service})" if p.queued else "")
        if self.live:
            print(f"\r{self._text}\033[K", end="", file=self.stream, flush=True)

    def finish(self) -> None:
        """End the current phase's line (called when the phase changes and when the command ends)."""
        if self._text:
            print(f"\r{self._text}\033[K" if self.live else self._text, file=self.stream, flush=True)
        self._phase = self._line = self._text = ""


def _say(text: str, service: str) -> str:
    """A text the engine words for Constant Contact, worded for the service in use."""
    return text.replace("Constant Contact", service) if service else text


def _fail(message: str, code: int) -> int:
    print(f"ctctdesk: {message}", file=sys.stderr)
    return code


def _plan_json(preview: Any, service: str = "") -> dict[str, Any]:
    from ctctdesk.sync.presenting import plan_to_dict

    counts: dict[str, int] = {}
    for op in preview.plan.changes:
        counts[op.type_name] = counts.get(op.type_name, 0) + 1
    for action in preview.plan.tag_actions:  # R11: RemoteTagRename, RemoteTagMerge, RemoteTagDelete
        name = f"RemoteTag{action.kind.title()}"
        counts[name] = counts.get(name, 0) + 1
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
        "guard_reason": _say(preview.guard_reason, service),
        "lines": [_say(line, service) for line in preview.lines],
        "plan": plan_to_dict(preview.plan),
    }  # fmt: skip


def _summary_json(summary: Any) -> dict[str, Any]:
    from ctctdesk.sync.presenting import for_service, summary_tree

    return {
        "run_id": summary.run_id,
        "direction": summary.direction.value if summary.direction else None,
        "trigger": summary.trigger,
        "started_at": summary.started_at.isoformat() if summary.started_at else None,
        "finished_at": summary.finished_at.isoformat() if summary.finished_at else None,
        "counts": dict(summary.counts),
        "per_list": {k: dict(v) for k, v in summary.per_list.items()},
        "errors": [{"email": e.email, "message": e.message} for e in summary.errors],
        "requests_used": summary.requests_used,
        "cancelled": summary.cancelled,
        "stop": summary.stop.value,
        "stopped_reason": summary.stopped_reason,
        "ok": summary.ok,
        # as the window shows it, worded for the service the run talked to
        "tree": [child.to_dict() for child in for_service(summary_tree(summary), summary.service).children],
    }


def print_summary(summary: Any) -> None:
    """The run summary as the Synchronize tab shows it (one presenter), as indented lines."""
    from ctctdesk.sync.presenting import direction_text, summary_lines

    service = getattr(summary, "service", "")
    direction = direction_text(summary.direction or "connection", service)
    print(f"Run {summary.run_id}: {direction} ({summary.trigger})")
    for line in summary_lines(summary):
        print(_say(line, service))


def run_sync(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.commands._file_problems import exit_code
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError, KeyringUnavailable, QuotaExhausted
    from ctctdesk.file_problems import DataFileError
    from ctctdesk.sync.errors import GuardTripped, NotConnectedError, PullFirst, RunInProgress, SyncError

    progress = PhasePrinter(sys.stderr, quiet=args.json)

    try:
        context = build_context(resolve_data_dir(args), sandbox_url=getattr(args, "sandbox", None))
    except (CrmError, CtctError, DataFileError) as error:
        return _fail(str(error), exit_code(error, EXIT_ERROR))
    name = context.connection.display_name
    progress.service = name
    if getattr(args, "cc_direction", None):
        if context.connection.service != "constant-contact":
            context.close()
            alias = "--to-cc" if args.cc_direction == "to_cc" else "--from-cc"
            plain = "--push" if args.cc_direction == "to_cc" else "--pull"
            return _fail(f"{alias} is for Constant Contact, and this data folder uses {name}: use {plain}.",
                         EXIT_USAGE)
        args.direction = args.cc_direction
    preview: Any = None
    try:
        service = context.sync
        if args.direction == "to_cc" and not args.dry_run:
            service.check_may_push()  # refuse before spending requests on a preview (C5)
        preview = service.preview(args.direction, on_progress=progress, full=args.full)
        if args.dry_run:
            if args.json:
                print(json.dumps({**_plan_json(preview, name), "service": name}, indent=2))
            else:
                print(f"Email service: {name}")
                for line in preview.lines:
                    print(_say(line, name))
                if preview.needs_confirmation:
                    print(f"Needs confirmation: {_say(preview.guard_reason, name)}")
            return EXIT_OK
        progress.finish()
        summary = service.run(preview, trigger="command line", on_progress=progress, force=args.force)
    except GuardTripped as error:
        if args.json and preview is not None:  # a script reads how it ended from stdout, as for a run
            print(json.dumps({"direction": preview.direction.value, "stop": "guard", "ok": False,
                              "needs_confirmation": True, "guard_reason": _say(preview.guard_reason, name),
                              "service": name}, indent=2))  # fmt: skip
        return _fail(f"{_say(str(error), name)} Check with --dry-run, then run again with --force.",
                     EXIT_NEEDS_CONFIRMATION)
    except NotConnectedError:
        return _fail(f"Not connected to {name}. Run `ctctdesk connect` first (or connect on the "
                     f"{name} page of the window's Settings).", EXIT_NOT_CONNECTED)
    except KeyringUnavailable as error:
        return _fail(str(error), EXIT_NO_KEYRING)
    except PullFirst as error:
        return _fail(f"{_say(str(error), name)} (ctctdesk sync --pull)", EXIT_PULL_FIRST)
    except RunInProgress as error:
        return _fail(str(error), EXIT_BUSY)
    except (AuthRevoked, AuthExpired) as error:
        return _fail(str(error), EXIT_BROKEN)
    except QuotaExhausted as error:
        return _fail(str(error), EXIT_QUOTA)
    except (SyncError, CtctError, CrmError, DataFileError) as error:
        return _fail(str(error), exit_code(error, EXIT_ERROR))
    finally:
        progress.finish()
        context.close()
    if args.json:
        print(json.dumps({**_summary_json(summary), "service": summary.service}, indent=2))
    else:
        print_summary(summary)
    code = exit_code_of(summary)
    if summary.cancelled:
        return _fail("the sync was cancelled.", code)
    if summary.stopped_reason:
        return _fail(f"the sync stopped: {summary.stopped_reason}", code)
    if summary.errors:
        count = len(summary.errors)
        return _fail(f"{count} contact{'' if count == 1 else 's'} could not be synchronized (see above).", code)
    return code
