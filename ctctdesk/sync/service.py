"""The sync service: the one entry point the Synchronize tab, the scheduler and the command line use.

It reads both sides, plans with the pure planner, and runs the plan through the executor, recording
every run in the history (S5). It never touches Qt; long calls take ``on_progress`` and ``cancel`` so a
worker thread can drive them and the GUI stays responsive. One run at a time per service.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import peewee

from ctctdesk.crm import lists as crm_lists
from ctctdesk.crm.models import EmailList, database_proxy, utc_now
from ctctdesk.crm.rules import load_role_prefixes
from ctctdesk.ctct.connection import Connection, ConnectionState, ConnectionStatus
from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError, NotConnected
from ctctdesk.sync import store
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.describe import describe_lines
from ctctdesk.sync.errors import GuardTripped, NotConnectedError, SyncCancelled, SyncError
from ctctdesk.sync.executor import ExecResult, Executor, StepHook
from ctctdesk.sync.local_reader import read_local
from ctctdesk.sync.mirror import Mirror
from ctctdesk.sync.operations import AddRemoteMembership, Direction, RemoveRemoteMembership, steps
from ctctdesk.sync.plan import Plan, PlanSettings, plan
from ctctdesk.sync.progress import ProgressCallback, report
from ctctdesk.sync.remote_reader import RemoteRead, read_remote
from ctctdesk.sync.snapshot import Baseline

log = logging.getLogger(__name__)

TRIGGERS = ("button", "schedule", "command line", "activation")
BOTH_NOTE = "The push to Constant Contact is planned after this pull is applied."

__all__ = [
    "SyncService",
    "Preview",
    "RunSummary",
    "ContactError",
    "GuardTripped",
    "SyncCancelled",
    "TRIGGERS",
]


@dataclass(frozen=True)
class Preview:
    direction: Direction
    plan: Plan
    lines: tuple[str, ...]  # ctctdesk.sync.describe.describe_lines (the GUI builds its tree from plan)
    needs_confirmation: bool  # R14 guard tripped
    guard_reason: str
    pending_other_way: int


@dataclass(frozen=True)
class ContactError:
    email: str
    message: str


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    direction: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    counts: Mapping[str, int]  # e.g. {"lists created": 1, "contacts added": 120, …}
    per_list: Mapping[str, Mapping[str, int]]
    errors: tuple[ContactError, ...]
    requests_used: int
    cancelled: bool = False
    stopped_reason: str = ""  # quota, auth, error text; "" when complete

    @property
    def ok(self) -> bool:
        return not self.cancelled and not self.stopped_reason and not self.errors

    @property
    def is_connection_event(self) -> bool:
        """A history entry about the connection (C7), not a sync run: ``stopped_reason`` says what."""
        return self.direction == store.EVENT_DIRECTION


@dataclass
class _Context:
    """What a preview read, kept so that Run applies exactly the plan the user saw."""

    read: RemoteRead
    baseline: Baseline
    requests_before: int | None = None  # the daily counter when the preview started reading


class SyncService:
    def __init__(self, database: peewee.Database, connection: Connection | None, *,
                 settings: PlanSettings | None = None, step_hook: StepHook | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:  # fmt: skip
        self.database = database
        self.connection = connection
        self.settings = settings or PlanSettings()
        self.step_hook = step_hook  # tests: inject a failure at a given step (R13)
        self.clock = clock  # tests: this machine's time (UTC) for the reads' cursors
        self._lock = threading.Lock()
        self._contexts: dict[int, _Context] = {}
        self._connection_state: ConnectionState | None = None
        self._cached_baseline: tuple[str, Baseline] | None = None
        self._mirror = Mirror()
        store.ensure_tables(database)
        if connection is not None:
            connection.add_listener(self._connection_changed)

    # -- reading and planning ---------------------------------------------------------------------------

    def _client(self):
        if self.connection is None:
            raise NotConnectedError()
        try:
            return self.connection.client()
        except NotConnected as error:
            raise NotConnectedError(
                "Not connected to Constant Contact: connect on the Constant Contact page first."
            ) from error

    def _read(self, on_progress: ProgressCallback | None, cancel: threading.Event | None,
              full: bool = False) -> tuple[Any, Any, Baseline, RemoteRead]:  # fmt: skip
        """Read both sides; ``full`` reads every Constant Contact contact instead of what changed (R16)."""
        client = self._client()
        report(on_progress, "Reading the CRM")
        local = read_local()
        baseline = self._baseline()
        account = client.account_summary().encoded_account_id
        # None: the first read of this account (or a full check): read everything.
        loaded = None if full else self._mirror.load(account)
        read = read_remote(client, account_id=account, cursor=loaded[1] if loaded else "",
                           known=loaded[0] if loaded else None, on_progress=on_progress,
                           cancel=cancel, now=self.clock() if self.clock else None)  # fmt: skip
        complete = self._mirror.fold(account, read.snapshot, read.next_cursor)
        read = dataclasses.replace(read, snapshot=complete)
        return client, local, baseline, read

    def _requests_used(self) -> int:
        """Today's request counter (the history records the difference, S5)."""
        return self.connection.quota.used if self.connection is not None else 0

    def _settings(self) -> PlanSettings:
        """Plan settings with the CRM's configured role-address prefixes (R1 for arriving contacts)."""
        return dataclasses.replace(self.settings, role_prefixes=frozenset(load_role_prefixes()))

    def _baseline(self) -> Baseline:
        """The stored baseline; reused from memory while its revision is unchanged (100,000 rows)."""
        current = store.revision()
        if self._cached_baseline is not None and self._cached_baseline[0] == current and current:
            return self._cached_baseline[1]
        baseline = store.load_baseline()
        self._cached_baseline = (current, baseline)
        return baseline

    def preview(self, direction: Direction | str, *, on_progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None, full: bool = False) -> Preview:  # fmt: skip
        """Read both sides (remote incrementally after the first sync) and plan; change nothing.

        ``full``: the full check (R16) — read every Constant Contact contact rather than only what
        changed, for the pull and for the pull half of ``both``.

        ``both`` = from_cc then to_cc: the push part is planned after the pull is applied, so the
        preview holds the from_cc plan and a note that the push is planned after it.
        """
        direction = Direction(direction)
        used_before = self._requests_used()
        _, local, baseline, read = self._read(on_progress, cancel, full)
        report(on_progress, "Planning")
        the_plan = plan(local, read.snapshot, baseline, steps(direction)[0], self._settings())
        lines = describe(the_plan)
        if direction is Direction.BOTH:
            lines = (*lines, BOTH_NOTE)
        preview = Preview(
            direction=direction,
            plan=the_plan,
            lines=lines,
            needs_confirmation=the_plan.guard.needs_confirmation,
            guard_reason="; ".join(the_plan.guard.reasons),
            pending_other_way=the_plan.pending_other_way,
        )
        self._contexts.clear()
        self._contexts[id(preview)] = _Context(read, baseline, used_before)
        report(on_progress, "Ready", 1, 1)
        return preview

    # -- running ---------------------------------------------------------------------------------------

    def run(self, preview: Preview, *, trigger: str = "button", on_progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None, force: bool = False) -> RunSummary:  # fmt: skip
        """Apply a previewed plan and record the run.

        Raises GuardTripped when ``preview.needs_confirmation`` and not ``force``. Cancel → summary with
        ``cancelled=True``; quota exhausted → summary with ``stopped_reason``; AuthRevoked/AuthExpired
        are raised after the run is recorded in the history.
        """
        if trigger not in TRIGGERS:
            raise SyncError(f"Unknown trigger {trigger!r}.")
        if preview.needs_confirmation and not force:
            raise GuardTripped(
                f"This run would remove a lot ({preview.guard_reason}); confirm it to go ahead."
            )
        if not self._lock.acquire(blocking=False):
            raise SyncError("A synchronization is already running.")
        try:
            return self._run_locked(preview, trigger, on_progress, cancel, force)
        finally:
            self._lock.release()

    def _run_locked(self, preview: Preview, trigger: str, on_progress: ProgressCallback | None,
                    cancel: threading.Event | None, force: bool) -> RunSummary:  # fmt: skip
        client = self._client()
        context = self._contexts.pop(id(preview), None)
        used_before = self._requests_used()
        if context is not None and context.requests_before is not None:
            used_before = context.requests_before  # the preview's reads belong to this run
        started = utc_now()
        run_id = store.start_run(preview.direction.value, trigger, started)
        abandoned = store.abandon_unfinished()
        if abandoned:
            log.info("%d steps of an interrupted run are re-planned by this run", abandoned)
        total = ExecResult()
        raised: BaseException | None = None
        try:
            if context is None:  # a preview from elsewhere (e.g. a fresh service): read again
                _, _, baseline, read = self._read(on_progress, cancel)
                context = _Context(read, baseline)
            self._execute(client, preview.plan, context, run_id, on_progress, cancel, total)
            if preview.direction is Direction.BOTH and not (total.cancelled or total.stopped_reason):
                _, local, baseline, read = self._read(on_progress, cancel)
                push = plan(local, read.snapshot, baseline, Direction.TO_CC, self._settings())
                if push.guard.needs_confirmation and not force:
                    total.stopped_reason = "The push to Constant Contact needs confirmation: " + "; ".join(
                        push.guard.reasons
                    )
                else:
                    self._execute(client, push, _Context(read, baseline), run_id, on_progress, cancel, total)
        except SyncCancelled:
            total.cancelled = True
        except (AuthRevoked, AuthExpired) as error:
            total.stopped_reason = str(error)
            raised = error
        except (CtctError, SyncError) as error:
            total.stopped_reason = str(error)
        except Exception as error:  # recorded, then shown by the caller
            total.stopped_reason = f"Unexpected error: {error}"
            raised = error
        used = self._requests_used() - used_before
        finished = utc_now()
        store.finish_run(
            run_id, finished_at=finished, counts=total.counts, per_list=total.per_list,
            errors=total.errors, requests_used=max(used, 0), cancelled=total.cancelled,
            stopped_reason=total.stopped_reason,
        )  # fmt: skip
        report(on_progress, "Finished", 1, 1)
        if raised is not None:
            raise raised
        return self.run_details(run_id)

    def _execute(self, client, the_plan: Plan, context: _Context, run_id: int,
                 on_progress: ProgressCallback | None, cancel: threading.Event | None,
                 total: ExecResult) -> None:  # fmt: skip
        baseline = context.baseline
        writer = store.BaselineWriter(baseline)
        with database_proxy.atomic():
            if the_plan.baseline_ignored or (
                baseline.account_id and the_plan.account_id and baseline.account_id != the_plan.account_id
            ):
                writer.replace_account(the_plan.account_id)  # R14
                baseline = Baseline.empty(the_plan.account_id)
            elif not baseline.account_id and the_plan.account_id:
                store.set_state("account_id", the_plan.account_id)
                writer.account_id = the_plan.account_id
            store.set_state("pending_other_way", str(the_plan.pending_other_way))
        builder = BaselineBuilder.for_plan(baseline, the_plan)
        executor = Executor(
            client, the_plan, builder, writer, run_id=run_id, remote=context.read.snapshot,
            on_progress=on_progress, cancel=cancel, step_hook=self.step_hook,
        )  # fmt: skip
        result = executor.execute()
        if the_plan.target.value == "cc":
            self._mirror.record_memberships(_pushed_memberships(the_plan, executor.done, builder))
        self._cached_baseline = (store.revision(), builder.build())
        for key, value in result.counts.items():
            total.counts[key] += value
        for name, counts in result.per_list.items():
            for key, value in counts.items():
                total.per_list[name][key] += value
        total.errors.extend(result.errors)
        total.cancelled = total.cancelled or result.cancelled
        total.stopped_reason = total.stopped_reason or result.stopped_reason
        if result.cancelled:
            raise SyncCancelled("Cancelled.")

    # -- history ---------------------------------------------------------------------------------------

    def history(self, limit: int = 200) -> list[RunSummary]:
        """Recorded runs, newest first."""
        return [_summary(row) for row in store.runs(limit)]

    def last_run(self) -> RunSummary | None:
        """The newest recorded sync run, connection events left out (Settings → Constant Contact, C4)."""
        row = store.last_sync_run()
        return _summary(row) if row is not None else None

    def record_connection_broken(self, reason: str) -> int:
        """C7: the history keeps "Connection broken: …" next to the runs; returns the entry's id."""
        message = f"Connection broken: {reason}" if reason else "Connection broken."
        return store.record_event(message, utc_now())

    def _connection_changed(self, status: ConnectionStatus) -> None:
        """Connection listener (any thread): one history entry each time the connection breaks.

        Only the change into "broken" is recorded, so a refusal met again by a second request does not
        add a second entry; after a reconnect, the next break is recorded again.
        """
        previous, self._connection_state = self._connection_state, status.state
        if status.state is ConnectionState.BROKEN and previous is not ConnectionState.BROKEN:
            try:
                self.record_connection_broken(status.broken_reason)
            except peewee.PeeweeException as error:  # the banner and the log still tell the admin
                log.error("The broken connection could not be written to the sync history: %s", error)

    def run_details(self, run_id: int) -> RunSummary:
        row = store.run(run_id)
        if row is None:
            raise SyncError(f"There is no recorded run number {run_id}.")
        return _summary(row)

    # -- connect / disconnect ----------------------------------------------------------------------------

    def activate(self, *, on_progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None) -> RunSummary:  # fmt: skip
        """C5: the first pull after connecting — lists and contacts come into the CRM before any push."""
        preview = self.preview(Direction.FROM_CC, on_progress=on_progress, cancel=cancel)
        return self.run(preview, trigger="activation", on_progress=on_progress, cancel=cancel, force=True)

    def forget_account(self) -> int:
        """C6: remove the Constant-Contact-linked lists and the baseline locally; returns lists removed.

        Companies and contacts stay; only the lists that came from (or went to) Constant Contact go.
        """
        with database_proxy.atomic():
            linked = [row.local_id for row in store.BaseList.select(store.BaseList.local_id)]
            removed = 0
            for local_id in linked:
                if EmailList.get_or_none(EmailList.id == local_id) is not None:
                    crm_lists.delete_list(local_id)
                    removed += 1
            store.clear_baseline()
            self._cached_baseline = None
            for key in ("account_id", "pending_other_way"):
                store.set_state(key, "")
        self._mirror.forget()
        self._contexts.clear()
        return removed

    def pending_other_way(self) -> int | None:
        """The last known count of changes waiting to flow the other way (tab header)."""
        value = store.get_state("pending_other_way")
        return int(value) if value else None


def _summary(row: store.RunRow) -> RunSummary:
    return RunSummary(
        run_id=row.id,
        direction=row.direction,
        trigger=row.trigger,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=json.loads(row.counts or "{}"),
        per_list=json.loads(row.per_list or "{}"),
        errors=tuple(ContactError(email, message) for email, message in json.loads(row.errors or "[]")),
        requests_used=row.requests_used,
        cancelled=bool(row.cancelled),
        stopped_reason=row.stopped_reason or "",
    )


def _pushed_memberships(the_plan: Plan, done: set[int], builder: BaselineBuilder,
                        ) -> Iterator[tuple[str, str, bool]]:  # fmt: skip
    """(contact id, list id, member) of each list membership the push confirmed in Constant Contact."""
    for op in the_plan.operations:
        if op.op_id in done and isinstance(op, (AddRemoteMembership, RemoveRemoteMembership)):
            contact, lst = builder.resolve_contact(op.contact), builder.resolve_list(op.list)
            if contact.cc_id and lst.cc_id:
                yield contact.cc_id, lst.cc_id, isinstance(op, AddRemoteMembership)


def describe(the_plan: Plan) -> tuple[str, ...]:
    """Readable lines for a preview (``ctctdesk sync --dry-run`` prints them)."""
    return tuple(describe_lines(the_plan))
