"""The sync service: the one entry point the Synchronize tab, the scheduler and the command line use.

It reads both sides, plans with the pure planner, and runs the plan through the executor, recording
every run in the history (S5). It never touches Qt; long calls take ``on_progress`` and ``cancel`` so a
worker thread can drive them and the GUI stays responsive.

The rules every caller obeys live here, not in a widget: nothing is pushed before the account's lists
came into the CRM once (C5, `PullFirst`), and one run at a time for everyone sharing the database (the
window, ``ctctdesk sync``, a second desk on the same PostgreSQL database: `RunInProgress`). A finished
run says how it ended with a `StopReason`, so callers decide on a value, never on a message's words.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import peewee

from ctctdesk.crm import contacts as crm_contacts
from ctctdesk.crm import lists as crm_lists
from ctctdesk.crm.changes import change_count
from ctctdesk.crm.models import EmailList, database_proxy, utc_now
from ctctdesk.crm.rules import load_role_prefixes
from ctctdesk.ctct.connection import ConnectionState, ConnectionStatus
from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError, NotConnected, QuotaExhausted
from ctctdesk.sync import quiet, readers, service_limits, store, unconfirmed
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import (
    GuardTripped,
    NotConnectedError,
    PullFirst,
    RunInProgress,
    SyncCancelled,
    SyncError,
)
from ctctdesk.sync.executor import ExecResult, Executor, StepHook
from ctctdesk.sync.local_reader import crm_tag_names, read_local_mapped
from ctctdesk.sync.mapping import (
    ADDRESS,
    FieldMapping,
    NotSent,
    TagAction,
    Target,
    after_tag_actions,
    keep_remote_tags,
    plan_tag_actions,
    project_remote,
    remote_tag_names,
)
from ctctdesk.sync.mirror import Mirror
from ctctdesk.sync.operations import AddMembership, Direction, RemoveMembership, Side, steps
from ctctdesk.sync.plan import Plan, PlanSettings, plan
from ctctdesk.sync.presenting import lines_for_service, plan_lines
from ctctdesk.sync.progress import Progress, ProgressCallback, report
from ctctdesk.sync.remote_reader import RemoteRead
from ctctdesk.sync.snapshot import Baseline, LocalSnapshot, RemoteSnapshot, RemoteStatus
from ctctdesk.sync.tag_steps import do_tag_actions
from ctctdesk.sync.waits import cancellable_waits

log = logging.getLogger(__name__)

TRIGGERS = ("button", "schedule", "command line", "activation")
BOTH_NOTE = "The push to Constant Contact is planned after this pull is applied."

PULL_FIRST_TEXT = ("Nothing is sent to Constant Contact before its lists and contacts came into the CRM "
                   "once (C5): update the CRM from Constant Contact first.")
RUN_IN_PROGRESS_TEXT = "Another synchronization is running (started {started}); try again when it is done."

__all__ = [
    "SyncService",
    "AccountAccess",
    "Preview",
    "RunSummary",
    "StopReason",
    "ContactError",
    "GuardTripped",
    "PullFirst",
    "RunInProgress",
    "SyncCancelled",
    "TRIGGERS",
]


class StopReason(enum.StrEnum):
    """How a recorded run ended; callers (the tab, the command line's exit code) decide on this."""

    COMPLETED = "completed"  # every step was sent (contact errors may still be listed)
    CANCELLED = "cancelled"  # the user pressed Cancel; what was confirmed is kept
    QUOTA = "quota"  # today's request allowance is used up; the next day continues (R12)
    AUTH = "auth"  # Constant Contact refused the access (C7); also a "connection broken" entry
    GUARD = "guard"  # the push part of a "both" run needed confirmation (R14)
    ERROR = "error"  # any other failure; ``stopped_reason`` has the message
    INTERRUPTED = "interrupted"  # never finished: the program ended during the run
    SKIPPED = "skipped"  # a scheduled slot that did not run because another run was going (X2)


class _Quota(Protocol):
    @property
    def used(self) -> int: ...


#: sync state key: the Constant Contact custom field labels seen at the last read (JSON list)
CC_FIELD_LABELS = "cc_field_labels"
#: sync state key: "1" once the kept mirror was filled by a complete read that included street addresses
MIRROR_ADDRESSES = "mirror_addresses"


class AccountAccess(Protocol):
    """What the service needs from the Constant Contact connection, and nothing more.

    ``client()`` raises NotConnected when there is no account; ``quota.used`` is today's request count
    (the history records each run's share, S5); listeners hear when the connection breaks (C7).
    """

    @property
    def quota(self) -> _Quota: ...

    def client(self) -> EmailService: ...

    def add_listener(self, listener: Callable[[ConnectionStatus], None]) -> None: ...


@dataclass(frozen=True)
class Preview:
    direction: Direction
    plan: Plan
    lines: tuple[str, ...]  # ctctdesk.sync.presenting.plan_lines (the GUI shows plan_tree, the same rows)
    needs_confirmation: bool  # R14 guard tripped
    guard_reason: str
    pending_other_way: int
    #: R11: what the field mapping could not fit in Constant Contact, by name (pushes only).
    not_sent: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContactError:
    email: str
    message: str


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    direction: Direction | None  # None: a history entry about the connection (C7), not a run
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    counts: Mapping[str, int]  # e.g. {"lists created": 1, "contacts added": 120, …}
    per_list: Mapping[str, Mapping[str, int]]
    errors: tuple[ContactError, ...]
    requests_used: int
    stop: StopReason = StopReason.COMPLETED
    stopped_reason: str = ""  # the message behind a stop (quota, auth, error text); "" when complete
    #: a "both" run: plan direction ("from_cc", "to_cc") → {"counts": …, "per_list": …} of that half
    #: (``counts`` and ``per_list`` above are the two added up); empty for one-way runs and old rows
    by_side: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    service: str = readers.DEFAULT_NAME  # the email service the run talked to (its display name)

    @property
    def cancelled(self) -> bool:
        return self.stop is StopReason.CANCELLED

    @property
    def ok(self) -> bool:
        return self.stop is StopReason.COMPLETED and not self.errors

    @property
    def is_connection_event(self) -> bool:
        """A history entry about the connection (C7), not a sync run: ``stopped_reason`` says what."""
        return self.direction is None


@dataclass
class _Reading:
    """Both sides as read for one plan."""

    client: EmailService
    local: LocalSnapshot | None  # None: the quiet shortcut answered, the CRM was not read
    baseline: Baseline
    read: RemoteRead
    inputs: quiet.Inputs | None = None  # what the plan depends on (None: no plan is made from it)
    quiet_plan: Plan | None = None  # the earlier quiet plan these very inputs gave


@dataclass
class _Context:
    """What a preview read, kept so that Run applies exactly the plan the user saw."""

    read: RemoteRead
    baseline: Baseline
    requests_before: int | None = None  # the daily counter when the preview started reading
    started_at: datetime | None = None  # when the preview started reading (UTC, naive)


def with_service_limits(settings: PlanSettings,
                        limits: service_limits.ServiceLimits = service_limits.CONSTANT_CONTACT) -> PlanSettings:  # fmt: skip
    """The settings with the service's limits (R15; Constant Contact's unless told) filled in where the
    caller left them open; a limit the service does not publish stays open (no limit)."""
    return dataclasses.replace(
        settings,
        custom_field_label_limit=settings.custom_field_label_limit or limits.custom_field_label_length,
        custom_fields_per_account=settings.custom_fields_per_account or limits.custom_fields_per_account,
        custom_fields_per_contact=settings.custom_fields_per_contact or limits.custom_fields_per_contact,
        lists_per_account=settings.lists_per_account or limits.lists_per_account,
    )


class SyncService:
    """Preview, run, history and the account's lifecycle over one database and one connection.

    ``database`` gets the sync tables (migrations); ``connection`` is only used through
    `AccountAccess`. ``pull_first`` is C5; tests of the planner and executor that start with a push
    turn it off. ``clock`` is this machine's time (UTC): it dates the run lock's heartbeats and, when
    given, the reads' cursors (tests that move the sandbox's clock); otherwise the client's clock does.
    """

    def __init__(self, database: peewee.Database, connection: AccountAccess | None, *,
                 settings: PlanSettings | None = None, step_hook: StepHook | None = None,
                 pull_first: bool = True, clock: Callable[[], datetime] | None = None,
                 mapping: Callable[[], FieldMapping] | None = None) -> None:  # fmt: skip
        self.database = database
        self.connection = connection
        #: what the caller chose; the limits of the service in use fill the rest at each plan (`_settings`)
        self.settings = settings or PlanSettings()
        self.step_hook = step_hook  # tests: inject a failure at a given step (R13)
        self.pull_first = pull_first
        self.clock = clock
        #: R11: the field mapping, read again for every plan (Settings and the command line change it).
        self.mapping = mapping or FieldMapping
        self.not_sent = NotSent()  # what the last read's mapping could not fit (named in the preview)
        self._run_lock = RunLock(clock or utc_now)
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
              full: bool = False, plan_direction: Direction | None = None) -> _Reading:  # fmt: skip
        """Read both sides; ``full`` reads every Constant Contact contact instead of what changed (R16).

        ``plan_direction``: the plan about to be made. When Constant Contact showed nothing new and the
        CRM's change counter, the baseline and everything else a plan depends on are as noted after an
        earlier quiet plan of that direction, the CRM is not read and that plan is reused
        (:mod:`ctctdesk.sync.quiet`); never on a full check.
        """
        client = self._client()
        mapping = self.mapping()
        crm_changes = change_count()  # before anything of the CRM is read: a write after it moves it
        with cancellable_waits(client, cancel):
            account = client.account_summary().encoded_account_id
            # None: the first read of this account (or a full check): read everything. Also once when the
            # address is carried and the mirror was kept by a version that did not read addresses (R11).
            old_mirror = mapping.target(ADDRESS) is Target.STANDARD and store.get_state(MIRROR_ADDRESSES) != "1"
            loaded = None if full or old_mirror else self._mirror.load(account)
            read = readers.read(client, account_id=account, cursor=loaded[1] if loaded else "",
                                known=loaded[0] if loaded else None, on_progress=on_progress,
                                cancel=cancel, now=self.clock() if self.clock else None,
                                known_names=self._mirror.names() if loaded else None)  # fmt: skip
        complete, changed, mirror_revision = self._mirror.fold_read(account, read.snapshot, read.next_cursor)
        self._mirror.remember_names(read.asked_labels, read.asked_tags)
        if read.snapshot.complete:
            store.set_state(MIRROR_ADDRESSES, "1")
        if read.field_labels:  # Settings → Field mapping offers them to choose from (R11), without a read
            store.set_state(CC_FIELD_LABELS, json.dumps(sorted(set(read.field_labels.values()))))
        baseline = self._baseline()
        assert self._cached_baseline is not None
        baseline_revision = self._cached_baseline[0]  # the one read before this baseline was loaded
        sent_details = store.unconfirmed_details()
        tag_names = (tuple(read.tag_names.values()) or remote_tag_names(complete)) if mapping.tags else ()
        inputs = None
        if plan_direction is not None:
            inputs = quiet.Inputs(plan_direction, crm_changes, baseline_revision, baseline.account_id,
                                  mirror_revision, account, read.snapshot.lists, mapping,
                                  self._settings(), tag_names, sent_details)  # fmt: skip
        read = dataclasses.replace(read, snapshot=project_remote(complete, mapping))
        if inputs is not None and not (full or changed or sent_details):
            reused = quiet.recall(inputs)
            if reused is not None:
                self.not_sent = NotSent()
                return _Reading(client, None, baseline, read, inputs, reused)
        report(on_progress, "Reading the CRM")
        local, self.not_sent = read_local_mapped(mapping, tag_names, limits=self.limits(client))
        # values a killed push sent but never confirmed are ours, not changes made in Constant Contact
        baseline, _ = unconfirmed.adopt(baseline, read.snapshot, unconfirmed.sent_values(sent_details))
        # the tags Constant Contact already has always fit (R11 limits); its addresses are kept as read
        if mapping.tags or mapping.target(ADDRESS) is Target.STANDARD:
            local = keep_remote_tags(local, read.snapshot, baseline)
        return _Reading(client, local, baseline, read, inputs)

    def _plan(self, reading: _Reading, on_progress: ProgressCallback | None) -> Plan:
        """The plan of a reading: the reused quiet one, or planned in full (and noted when quiet)."""
        if reading.quiet_plan is not None:
            return reading.quiet_plan
        assert reading.local is not None and reading.inputs is not None
        report(on_progress, "Planning")
        the_plan = self._plan_direction(reading.local, reading.read, reading.baseline, reading.inputs.direction)
        quiet.remember(reading.inputs, the_plan, self.not_sent.lines())
        return the_plan

    def _requests_used(self) -> int:
        """Today's request counter (the history records the difference, S5)."""
        return self.connection.quota.used if self.connection is not None else 0

    def _settings(self) -> PlanSettings:
        """Plan settings with the CRM's configured role-address prefixes (R1 for arriving contacts) and
        the limits of the service in use (R15) where the caller set none."""
        return dataclasses.replace(with_service_limits(self.settings, self.limits()),
                                   role_prefixes=frozenset(load_role_prefixes()))

    def limits(self, client: Any = None) -> service_limits.ServiceLimits:
        """The limits of the email service in use: the service object's own when it gives them, else
        the documented ones of the service by its name (Constant Contact's when none says)."""
        if client is not None and isinstance(getattr(client, "limits", None), service_limits.ServiceLimits):
            return client.limits
        return service_limits.for_name(self.service_name(client))

    def _plan_direction(self, local: Any, read: RemoteRead, baseline: Baseline, direction: Direction) -> Plan:
        """Plan one direction with the field mapping's labels and types (R11); a push also renames, merges
        or deletes the Constant Contact tags the CRM renamed, merged or no longer has, first — and is
        planned against Constant Contact as it will be after them."""
        mapping = self.mapping()
        settings = dataclasses.replace(self._settings(), crm_names=mapping.crm_names(),
                                       field_types=mapping.sent_types())
        remote = read.snapshot
        actions: tuple[TagAction, ...] = ()
        if direction is Direction.TO_CC and mapping.tags:
            actions = plan_tag_actions(local, remote, baseline, read.tag_names.values(), crm_tag_names())
            remote = after_tag_actions(remote, actions)
        the_plan = plan(local, remote, baseline, direction, settings)
        return dataclasses.replace(the_plan, tag_actions=actions) if actions else the_plan

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
        started = utc_now()
        reading = self._read(on_progress, cancel, full, steps(direction)[0])
        the_plan = self._plan(reading, on_progress)
        read, baseline = reading.read, reading.baseline
        not_sent = tuple(self.not_sent.lines())
        lines = describe(the_plan, not_sent)
        if direction is Direction.BOTH:
            lines = (*lines, BOTH_NOTE)
        lines = lines_for_service(lines, readers.display_name(self._client()))
        preview = Preview(
            direction=direction,
            plan=the_plan,
            lines=lines,
            needs_confirmation=the_plan.guard.needs_confirmation,
            guard_reason="; ".join(the_plan.guard.reasons),
            pending_other_way=the_plan.pending_other_way,
            not_sent=not_sent,
        )
        self._contexts.clear()
        self._contexts[id(preview)] = _Context(read, baseline, used_before, started)
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
        if preview.direction is Direction.TO_CC:
            self.check_may_push()  # "both" pulls first, and pushes only when the pull went through
        if not self._lock.acquire(blocking=False):
            raise RunInProgress(RUN_IN_PROGRESS_TEXT.format(started="here"))
        try:
            token = self._run_lock.acquire(trigger)
            try:
                return self._run_locked(preview, trigger, self._run_lock.beating(token, on_progress),
                                        cancel, force)  # fmt: skip
            finally:
                self._run_lock.release(token)
        finally:
            self._lock.release()

    def record_skipped(self, direction: Direction, trigger: str, stop: StopReason, reason: str) -> RunSummary:
        """A run that did not start — a scheduled slot held by a guard, skipped while another run was
        going, or refused by a broken connection or a used-up allowance — kept in the history with why."""
        now = utc_now()
        run_id = store.start_run(Direction(direction).value, trigger, now, self.service_name())
        store.finish_run(run_id, finished_at=now, counts={}, per_list={}, errors=[], requests_used=0,
                         cancelled=False, stopped_reason=reason, stop=stop.value)  # fmt: skip
        return self.run_details(run_id)

    def has_pulled(self) -> bool:
        """Did the CRM receive this account's lists and contacts once (C5)? Forgotten on disconnect."""
        value = store.get_state(PULLED_STATE)
        if value:
            return value == "yes"
        # a database from before the state key: any finished, not cancelled pull in the history
        return any(run.direction in (Direction.FROM_CC, Direction.BOTH) and run.finished_at is not None
                   and not run.cancelled and not _never_started(run) for run in self.history())  # fmt: skip

    def check_may_push(self) -> None:
        """Raise PullFirst when a push would come before the first pull (C5), if the rule is on."""
        if self.pull_first and not self.has_pulled():
            raise PullFirst(PULL_FIRST_TEXT)

    def running(self) -> str:
        """"" when no run holds the lock, else when and where the running one started (any process)."""
        return self._run_lock.holder()

    def _run_locked(self, preview: Preview, trigger: str, on_progress: ProgressCallback | None,
                    cancel: threading.Event | None, force: bool) -> RunSummary:  # fmt: skip
        client = self._client()
        context = self._contexts.pop(id(preview), None)
        used_before = self._requests_used()
        if context is not None and context.requests_before is not None:
            used_before = context.requests_before  # the preview's reads belong to this run
        started = utc_now()
        if trigger == "activation" and context is not None and context.started_at is not None:
            started = context.started_at  # one action: its reading is most of what it takes
        run_id = store.start_run(preview.direction.value, trigger, started, readers.display_name(client))
        total = ExecResult()
        sides: dict[str, dict[str, Any]] = {}  # a "both" run's halves, each with its own counts
        raised: BaseException | None = None
        try:
            if context is None:  # a preview from elsewhere (e.g. a fresh service): read again
                reading = self._read(on_progress, cancel)
                context = _Context(reading.read, reading.baseline)
            self._close_interrupted(context)
            self._execute(client, preview.plan, context, run_id, on_progress, cancel, total, sides)
            if preview.direction is Direction.BOTH and not (total.cancelled or total.stopped_reason):
                reading = self._read(on_progress, cancel, plan_direction=Direction.TO_CC)
                push = self._plan(reading, on_progress)
                read, baseline = reading.read, reading.baseline
                if push.guard.needs_confirmation and not force:
                    total.stopped_reason = "The push to Constant Contact needs confirmation: " + "; ".join(
                        push.guard.reasons
                    )
                    total.stopped_by = GuardTripped(total.stopped_reason)
                else:
                    self._execute(client, push, _Context(read, baseline), run_id, on_progress, cancel, total,
                                  sides)
        except SyncCancelled:
            total.cancelled = True
        except (AuthRevoked, AuthExpired) as error:
            total.stopped_reason = str(error)
            total.stopped_by = error
            raised = error
        except (CtctError, SyncError) as error:
            total.stopped_reason = str(error)
            total.stopped_by = error
        except Exception as error:  # recorded, then shown by the caller
            total.stopped_reason = f"Unexpected error: {error}"
            total.stopped_by = error
            raised = error
        used = self._requests_used() - used_before
        finished = utc_now()
        store.finish_run(
            run_id, finished_at=finished, counts=total.counts, per_list=total.per_list,
            errors=total.errors, requests_used=max(used, 0), cancelled=total.cancelled,
            stopped_reason=total.stopped_reason, stop=_stop_of(total).value,
            by_side=sides if preview.direction is Direction.BOTH else None,
        )  # fmt: skip
        report(on_progress, "Finished", 1, 1)
        if raised is not None:
            raise raised
        return self.run_details(run_id)

    def _close_interrupted(self, context: _Context) -> None:
        """Store what the plan took as agreed from a killed run's unconfirmed sends (the preview's read
        adopted them into its baseline), then mark that run's steps abandoned: re-planned, not replayed."""
        if not store.unfinished_steps():
            return  # nothing was interrupted (the usual case): no need to load the whole baseline
        with database_proxy.atomic():
            sent = unconfirmed.sent_values(store.unconfirmed_details())
            _, adopted = unconfirmed.adopt(store.load_baseline(), context.read.snapshot, sent)
            store.put_contacts(adopted)
            abandoned = store.abandon_unfinished()
        if abandoned:
            log.info("%d steps of an interrupted run are re-planned by this run", abandoned)

    def _execute(self, client, the_plan: Plan, context: _Context, run_id: int,
                 on_progress: ProgressCallback | None, cancel: threading.Event | None,
                 total: ExecResult, sides: dict[str, dict[str, Any]] | None = None) -> None:  # fmt: skip
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
        if the_plan.tag_actions:  # before the contacts: they are planned as these leave them (R11)
            renamed = do_tag_actions(client, the_plan.tag_actions, on_progress, cancel)
            self._mirror.rename_tags(renamed)
        builder = BaselineBuilder.for_plan(baseline, the_plan)
        executor = Executor(
            client, the_plan, builder, writer, run_id=run_id, remote=context.read.snapshot,
            on_progress=on_progress, cancel=cancel, step_hook=self.step_hook,
            after_remote_step=lambda: self._mirror.record_contacts(readers.written_by(client)),
        )  # fmt: skip
        if context.read.tag_names and not the_plan.tag_actions:
            # the preview read every tag of the account: the run needs no second read of them (R11)
            executor.run.tag_ids = {name.casefold(): tag_id for tag_id, name in context.read.tag_names.items()}
        with cancellable_waits(client, cancel):
            result = executor.execute()
        if the_plan.target is Side.CC:
            self._mirror.record_memberships(_pushed_memberships(the_plan, executor.done, builder))
        _confirm_subscribed(context.read.snapshot)
        self._cached_baseline = (store.revision(), builder.build())
        for key, value in result.counts.items():
            total.counts[key] += value
        if sides is not None:  # this half's own counts (a "both" run shows them per side)
            sides[the_plan.direction.value] = {
                "counts": {k: v for k, v in result.counts.items() if v},
                "per_list": {name: {k: v for k, v in per.items() if v} for name, per in result.per_list.items()}}
        for name, counts in result.per_list.items():
            for key, value in counts.items():
                total.per_list[name][key] += value
        total.errors.extend(result.errors)
        total.cancelled = total.cancelled or result.cancelled
        total.stopped_reason = total.stopped_reason or result.stopped_reason
        total.stopped_by = total.stopped_by or result.stopped_by
        if the_plan.direction is Direction.FROM_CC and not (result.cancelled or result.stopped_reason):
            store.set_state(PULLED_STATE, "yes")  # C5: pushes may follow
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
        return store.record_event(message, utc_now(), service=self.service_name())

    def service_name(self, client: Any = None) -> str:
        """The email service this database syncs with, as people call it ("Campaign Monitor"); the
        Synchronize tab, the command line and the history say it. The service object's own name when
        there is one at hand, else the connection's (which needs no keyring and no network), else the
        connected client's; Constant Contact when none says."""
        for source in (client, self.connection):
            name = getattr(source, "display_name", None)
            if isinstance(name, str) and name:
                return name
        if self.connection is None:
            return readers.DEFAULT_NAME
        try:
            return readers.display_name(self.connection.client())
        except CtctError:  # not connected, no keyring: nobody to ask, the default name
            return readers.DEFAULT_NAME

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
            store.set_state(PULLED_STATE, "no")  # the next account starts with an activation (C5)
            quiet.forget()
        self._mirror.forget()
        self._contexts.clear()
        return removed

    def pending_other_way(self) -> int | None:
        """The last known count of changes waiting to flow the other way (tab header)."""
        value = store.get_state("pending_other_way")
        return int(value) if value else None


def _never_started(run: RunSummary) -> bool:
    """A history entry of `SyncService.record_skipped`: a reason, and no request sent."""
    return bool(run.stopped_reason) and run.requests_used == 0 and not run.counts


def _stop_of(result: ExecResult) -> StopReason:
    """The typed end of a run from what the executor and the service collected."""
    if result.cancelled:
        return StopReason.CANCELLED
    if not result.stopped_reason:
        return StopReason.COMPLETED
    error = result.stopped_by
    if isinstance(error, QuotaExhausted):
        return StopReason.QUOTA
    if isinstance(error, (AuthRevoked, AuthExpired)):
        return StopReason.AUTH
    if isinstance(error, GuardTripped):
        return StopReason.GUARD
    return StopReason.ERROR


def _stop_of_row(row: store.RunRow) -> StopReason:
    """The stored reason; rows written before it was stored are read from their flags and message."""
    stored = getattr(row, "stop", "") or ""
    if stored in StopReason.__members__.values():
        return StopReason(stored)
    if row.direction == store.EVENT_DIRECTION:
        return StopReason.AUTH  # "Connection broken: …"
    if row.cancelled:
        return StopReason.CANCELLED
    if row.finished_at is None:
        return StopReason.INTERRUPTED
    reason = row.stopped_reason or ""
    if not reason:
        return StopReason.COMPLETED
    if "allowance" in reason.lower():  # the wording QuotaExhausted has always used
        return StopReason.QUOTA
    if "needs confirmation" in reason:
        return StopReason.GUARD
    return StopReason.ERROR


def _direction_of_row(row: store.RunRow) -> Direction | None:
    return None if row.direction == store.EVENT_DIRECTION else Direction(row.direction)


def _summary(row: store.RunRow) -> RunSummary:
    return RunSummary(
        run_id=row.id,
        direction=_direction_of_row(row),
        trigger=row.trigger,
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts=json.loads(row.counts or "{}"),
        per_list=json.loads(row.per_list or "{}"),
        errors=tuple(ContactError(email, message) for email, message in json.loads(row.errors or "[]")),
        requests_used=row.requests_used,
        stop=_stop_of_row(row),
        stopped_reason=row.stopped_reason or "",
        by_side=json.loads(getattr(row, "by_side", "") or "{}"),
        service=getattr(row, "service", "") or readers.DEFAULT_NAME,
    )


PULLED_STATE = "pulled"  # sync_state: "yes" once a pull completed for the account, "no" after disconnect
RUN_LOCK_STATE = "run_lock"  # sync_state: "<token> <started> <heartbeat> <trigger>" while a run holds it
LOCK_STALE_AFTER = timedelta(minutes=10)  # a holder silent this long ended without releasing (crash)
HEARTBEAT_EVERY = 30.0  # seconds between heartbeats while a run reports progress


@dataclass(frozen=True)
class _Claim:
    token: str
    started: datetime
    beat: datetime
    trigger: str

    @classmethod
    def parse(cls, value: str) -> _Claim | None:
        parts = value.split(" ", 3)
        if len(parts) != 4:
            return None
        try:
            return cls(parts[0], datetime.fromisoformat(parts[1]), datetime.fromisoformat(parts[2]), parts[3])
        except ValueError:
            return None

    def __str__(self) -> str:
        return f"{self.token} {self.started.isoformat()} {self.beat.isoformat()} {self.trigger}"


_HOST = "".join(socket.gethostname().split()) or "-"  # no spaces: the claim is space-separated


def _holder_gone(token: str) -> bool:
    """True when the claim was made by a process of this machine that no longer exists (killed, power
    cut): the next run need not wait for its heartbeat to go stale (R13). Anything uncertain — another
    machine, an older claim without a process id, a system without signal 0 — counts as alive."""
    parts = token.split("/")
    if len(parts) != 3 or parts[2] != _HOST or os.name != "posix" or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


class RunLock:
    """One run at a time for every process that shares the database, kept as a row in ``sync_state``.

    Why in the database: the window, ``ctctdesk sync`` started by the task scheduler and a second desk
    on one PostgreSQL database all write the same baseline and journal. Claiming is one conditional
    UPDATE (compare and swap), atomic on SQLite and PostgreSQL alike. A process that dies holding the
    lock stops its heartbeat, and the lock is taken over after `LOCK_STALE_AFTER` — at once when the
    holder was a process of this machine that no longer exists.
    """

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock

    def _read(self) -> tuple[str, _Claim | None]:
        """The stored value and, when it is a live claim, the claim."""
        store.SyncState.insert(key=RUN_LOCK_STATE, value="").on_conflict_ignore().execute()
        value = store.get_state(RUN_LOCK_STATE)
        claim = _Claim.parse(value)
        if claim is not None and (self._clock() - claim.beat >= LOCK_STALE_AFTER or _holder_gone(claim.token)):
            claim = None
        return value, claim

    def holder(self) -> str:
        """"" when free, else e.g. "at 10:12 from the command line" (for the refusal's message)."""
        _, claim = self._read()
        if claim is None:
            return ""
        origin = f" from the {claim.trigger}" if claim.trigger in ("command line", "schedule") else ""
        return f"at {claim.started.astimezone():%H:%M}{origin}"

    def acquire(self, trigger: str) -> str:
        """Claim the lock; returns the token to release it with, or raises RunInProgress."""
        current, claim = self._read()
        if claim is not None:
            raise RunInProgress(RUN_IN_PROGRESS_TEXT.format(started=self.holder()))
        now = self._clock()
        token = f"{uuid.uuid4().hex}/{os.getpid()}/{_HOST}"  # who holds it: see _holder_gone
        claimed = store.SyncState.update(value=str(_Claim(token, now, now, trigger))).where(
            (store.SyncState.key == RUN_LOCK_STATE) & (store.SyncState.value == current)
        ).execute()
        if claimed != 1:  # another process claimed it between our read and our write
            raise RunInProgress(RUN_IN_PROGRESS_TEXT.format(started="just now"))
        if current:
            log.warning("A synchronization that stopped without finishing held the run lock; taken over")
        return token

    def _mine(self, token: str) -> Any:
        return (store.SyncState.key == RUN_LOCK_STATE) & store.SyncState.value.startswith(token + " ")

    def beat(self, token: str) -> None:
        claim = _Claim.parse(store.get_state(RUN_LOCK_STATE))
        if claim is None or claim.token != token:
            return
        beaten = dataclasses.replace(claim, beat=self._clock())
        store.SyncState.update(value=str(beaten)).where(self._mine(token)).execute()

    def beating(self, token: str, on_progress: ProgressCallback | None) -> ProgressCallback:
        """``on_progress`` that also keeps the lock alive (at most every `HEARTBEAT_EVERY` seconds)."""
        last = time.monotonic()

        def forward(progress: Progress) -> None:
            nonlocal last
            if time.monotonic() - last >= HEARTBEAT_EVERY:
                last = time.monotonic()
                try:
                    self.beat(token)
                except peewee.PeeweeException as error:  # the run goes on; the lock may go stale
                    log.warning("The run lock's heartbeat could not be written: %s", error)
            if on_progress is not None:
                on_progress(progress)

        return forward

    def release(self, token: str) -> None:
        store.SyncState.update(value="").where(self._mine(token)).execute()


def _confirm_subscribed(remote: RemoteSnapshot) -> None:
    """Store "subscribed" for linked contacts the CRM still holds as "unknown" and Constant Contact as
    subscribed — what the contacts table already shows for them — so the stored status agrees with
    the shown one (CSV export, filters). A contact absent from the read was just created by the push,
    subscribed; one Constant Contact holds as unsubscribed, bounced or deleted keeps "unknown" until
    the pull marks it."""
    active = RemoteStatus.ACTIVE
    ids = [local_id for local_id, cc_id in store.linked_with_status("unknown")
           if (rc := remote.contacts.get(cc_id)) is None or rc.status == active]
    if ids:
        crm_contacts.confirm_subscribed(ids)


def _pushed_memberships(the_plan: Plan, done: set[int], builder: BaselineBuilder,
                        ) -> Iterator[tuple[str, str, bool]]:  # fmt: skip
    """(contact id, list id, member) of each list membership the push confirmed in Constant Contact."""
    for op in the_plan.operations:
        if op.op_id in done and op.side is Side.CC and isinstance(op, (AddMembership, RemoveMembership)):
            contact, lst = builder.resolve_contact(op.contact), builder.resolve_list(op.list)
            if contact.cc_id and lst.cc_id:
                yield contact.cc_id, lst.cc_id, isinstance(op, AddMembership)


def known_cc_field_labels() -> list[str]:
    """The labels of the custom fields Constant Contact had at the last read that saw any (R11)."""
    try:
        labels = json.loads(store.get_state(CC_FIELD_LABELS) or "[]")
    except ValueError:
        return []
    return [str(label) for label in labels] if isinstance(labels, list) else []


def describe(the_plan: Plan, not_sent: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Readable lines for a preview (``ctctdesk sync --dry-run`` prints them)."""
    return tuple(plan_lines(the_plan, not_sent=not_sent))
