"""The step journal: what a run writes before and after each step, so that no instant of a stop loses or
duplicates anything (R13).

Each step is journalled "sent" in its own transaction before it is performed; afterwards one transaction
applies the confirmed operations to the baseline and marks the entry "done" (or "failed" when Constant
Contact stopped part-way). The handlers of `ctctdesk.sync.remote_steps` and `ctctdesk.sync.local_steps`
only perform; everything they share with the journal and with each other is in `RunState`, which the
executor makes once per run and hands to them.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ctctdesk.crm.models import database_proxy
from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError, QuotaExhausted, RequestCancelled
from ctctdesk.sync import store, unconfirmed
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import SyncCancelled
from ctctdesk.sync.local_writer import LocalWriter
from ctctdesk.sync.operations import Operation, OpKind
from ctctdesk.sync.progress import ProgressCallback, report
from ctctdesk.sync.snapshot import RemoteSnapshot

#: What each kind of operation adds to the run summary's counts (the words history records).
COUNT_LABEL: dict[OpKind, str] = {
    OpKind.CREATE_LIST: "lists created",
    OpKind.RENAME_LIST: "lists renamed",
    OpKind.DELETE_LIST: "lists deleted",
    OpKind.CREATE_CONTACT: "contacts added",
    OpKind.UPDATE_CONTACT: "contacts updated",
    OpKind.ADD_MEMBERSHIP: "memberships added",
    OpKind.REMOVE_MEMBERSHIP: "memberships removed",
    OpKind.MARK_UNSUBSCRIBED: "marked unsubscribed",
    OpKind.MARK_BOUNCED: "marked bounced",
    OpKind.CREATE_COMPANY: "companies created",
}

#: Operations on one list, counted under that list's name too.
PER_LIST_KINDS = frozenset({OpKind.CREATE_LIST, OpKind.DELETE_LIST, OpKind.ADD_MEMBERSHIP,
                            OpKind.REMOVE_MEMBERSHIP})

StepHook = Callable[[int, str, str], None]  # (step number, step kind, "before" | "sent")
Confirmed = Mapping[int, int | str | None]  # op id → the id a creation got (None for the others)


@dataclass
class ExecResult:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    per_list: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    stopped_reason: str = ""
    stopped_by: Exception | None = None  # the error behind stopped_reason (the service types it)
    steps: int = 0


@dataclass
class RunState:
    """One run of the executor as its steps see it: what they act through, what they record into, and
    what they have learnt so far. Made by the executor; handed to every step and handler."""

    client: EmailService | None
    builder: BaselineBuilder
    writer: store.BaselineWriter
    run_id: int
    remote: RemoteSnapshot | None = None
    on_progress: ProgressCallback | None = None
    cancel: threading.Event | None = None
    step_hook: StepHook | None = None
    result: ExecResult = field(default_factory=ExecResult)
    done: set[int] = field(default_factory=set)  # op ids applied to the baseline
    local: LocalWriter = field(default_factory=LocalWriter)
    step_no: int = 0
    # Constant Contact's custom fields, read once per run by the remote steps (None = not read yet)
    labels_to_names: dict[str, str] | None = None
    labels_to_ids: dict[str, str] = field(default_factory=dict)
    # Constant Contact's tags, name (casefolded) → tag id, read once per run when tags travel (R11)
    tag_ids: dict[str, str] | None = None
    refused_labels: dict[str, str] = field(default_factory=dict)  # label → why Constant Contact refused it
    removed_from: dict[str, set[str]] = field(default_factory=dict)  # contact id → lists this run removed
    #: Called in the transaction that records a remote step (the service folds into its mirror what the
    #: email service wrote and no read would bring back: `ctctdesk.sync.readers.written_by`).
    after_remote_step: Callable[[], None] | None = None
    # R11: label → Constant Contact type for custom fields created by this run ("string" when not named)
    field_types: Mapping[str, str] = field(default_factory=dict)

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SyncCancelled("Cancelled.")


class Stop(Exception):
    """End the run after recording what is confirmed."""


class Partial(Exception):
    """A step stopped part-way: ``confirmed`` holds what Constant Contact already did."""

    def __init__(self, confirmed: Mapping[int, int | str | None], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.confirmed = confirmed
        self.cause = cause


def begin(run: RunState, kind: str, ops: Sequence[Operation], detail: str = "") -> int:
    """Journal a step as sent, in its own transaction, before anything of it is performed; ``detail``
    holds what the next run needs to know should this one die before confirming it."""
    run.check_cancel()
    run.step_no += 1
    run.result.steps = run.step_no
    if run.step_hook:
        run.step_hook(run.step_no, kind, "before")
    with database_proxy.atomic():
        return store.journal_begin(run.run_id, run.step_no, kind, [o.op_id for o in ops], detail)


def confirm(run: RunState, entry: int, confirmed: Mapping[int, int | str | None], ops: Sequence[Operation],
            state: str = "done") -> None:  # fmt: skip
    """Apply confirmed ops to the baseline and persist (inside the caller's transaction)."""
    for op in ops:
        if op.op_id not in confirmed:
            continue
        created = confirmed[op.op_id]
        run.builder.apply(op, created)
        run.done.add(op.op_id)
        label = COUNT_LABEL.get(op.kind)
        if label:
            run.result.counts[label] += 1
            _count_per_list(run, op, label)
    run.writer.save(run.builder, *run.builder.take_changes())
    store.journal_end(entry, state)


def _count_per_list(run: RunState, op: Operation, label: str) -> None:
    """Count `op` under the lists it changes, by the name the preview shows it under (a renamed list by
    its new name), so the summary's list rows match the preview's."""
    names: list[str] = []
    lst = getattr(op, "list", None)
    if op.kind is OpKind.RENAME_LIST:
        names.append(op.new_name)  # type: ignore[attr-defined]
    elif lst is not None and op.kind in PER_LIST_KINDS:
        names.append(lst.name)
    for ref in getattr(op, "lists", ()) or ():
        names.append(ref.name)
    for name in names:
        run.result.per_list[name][label] += 1


def apply_in_order(run: RunState, ops: Sequence[Operation]) -> None:
    """Bookkeeping inside a data step, recorded at once: the operations after it rely on it."""
    for op in ops:
        run.builder.apply(op)
        run.done.add(op.op_id)
    run.writer.save(run.builder, *run.builder.take_changes())


def bookkeeping_step(run: RunState, kind: str, ops: Sequence[Operation]) -> None:
    """A step that only records (links, agreements): journalled and confirmed at once."""
    if not ops:
        return
    entry = begin(run, kind, ops)
    with database_proxy.atomic():
        confirm(run, entry, {op.op_id: None for op in ops}, ops)


def local_step(run: RunState, kind: str, ops: Sequence[Operation],
               work: Callable[[Sequence[Operation]], Mapping[int, int | None]]) -> None:  # fmt: skip
    """A CRM step: the CRM writes and the baseline in one transaction, so it happens whole or not at all."""
    if not ops:
        return
    entry = begin(run, kind, ops)
    report(run.on_progress, kind.capitalize(), 0, len(ops))
    with database_proxy.atomic():
        confirmed = work(ops)
        if run.step_hook:
            run.step_hook(run.step_no, kind, "sent")
        confirm(run, entry, confirmed, ops)
    report(run.on_progress, kind.capitalize(), len(ops), len(ops))


def remote_step(run: RunState, kind: str, ops: Sequence[Operation],
                work: Callable[[Sequence[Operation]], Mapping[int, int | str | None]]) -> None:  # fmt: skip
    """A Constant Contact step: what it confirmed is recorded even when it stopped part-way; then the
    run ends (`Stop`), is cancelled, or the access error goes up."""
    if not ops:
        return
    entry = begin(run, kind, ops, unconfirmed.sent_detail(ops))  # values sent, should we die unconfirmed
    report(run.on_progress, kind.capitalize(), 0, len(ops))
    confirmed: Mapping[int, int | str | None] = {}
    stop: BaseException | None = None
    try:
        confirmed = work(ops)
    except Partial as partial:
        confirmed, stop = partial.confirmed, partial.cause
    except (AuthRevoked, AuthExpired):
        with database_proxy.atomic():
            store.journal_end(entry, "failed")
        raise
    except QuotaExhausted as error:
        stop = error
    except CtctError as error:
        stop = error
    if run.step_hook:
        run.step_hook(run.step_no, kind, "sent")
    with database_proxy.atomic():
        confirm(run, entry, confirmed, ops, "done" if stop is None else "failed")
        if run.after_remote_step is not None:
            run.after_remote_step()
    report(run.on_progress, kind.capitalize(), len(confirmed), len(ops))
    if stop is not None:
        if isinstance(stop, RequestCancelled):  # Cancel ended a wait for the rate limit or a retry
            stop = SyncCancelled("Cancelled.")
        if isinstance(stop, SyncCancelled):
            raise stop
        if isinstance(stop, (AuthRevoked, AuthExpired)):
            raise stop
        run.result.stopped_reason = str(stop)
        run.result.stopped_by = stop
        raise Stop()
