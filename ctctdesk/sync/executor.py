"""Apply a plan: bulk calls to Constant Contact (R12) or bulk writes to the CRM, step by step (R13).

A *step* is every operation of one or a few kinds (e.g. all contact imports, all membership adds); the
plan's target side chooses the list of steps (``STEPS``), and each operation is carried out by the
handler that ``HANDLERS`` names for its (kind, side) — the one place that knows how. For each step the
executor:

1. checks Cancel (a run stops between steps only),
2. writes a journal entry ("sent") in its own transaction,
3. performs the step (Constant Contact: bulk activities, waiting on them with progress; CRM: SQL),
4. in one transaction: ``BaselineBuilder.apply`` for each confirmed operation, the changed baseline
   entries, the journal entry marked "done" (for CRM steps the CRM writes are in this transaction too).

An operation that failed is not applied, so the next plan (three-way) redoes it; one that succeeded
on Constant Contact but was not recorded because the run was killed shows up next time as "both sides
agree" and is only recorded. Hence no duplicates and nothing lost whatever instant a run stops.

Where things live: the journal around each step and the run's shared state in `ctctdesk.sync.step_journal`,
the Constant Contact handlers in `ctctdesk.sync.remote_steps`, the CRM handlers in
`ctctdesk.sync.local_steps`. This module keeps the order of the steps, the dispatch table and the run loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ctctdesk.ctct.errors import CtctError
from ctctdesk.sync import local_steps, remote_steps, store
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import SyncCancelled, SyncError
from ctctdesk.sync.local_writer import LocalWriter
from ctctdesk.sync.operations import BOOKKEEPING, ForgetContact, ListRef, Operation, OpKind, Side
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.progress import ProgressCallback
from ctctdesk.sync.snapshot import RemoteSnapshot
from ctctdesk.sync.step_journal import (
    COUNT_LABEL,
    Confirmed,
    ExecResult,
    Partial,
    RunState,
    StepHook,
    Stop,
    apply_in_order,
    bookkeeping_step,
    local_step,
    remote_step,
)


@dataclass(frozen=True)
class Step:
    """Every operation of ``kinds`` in a plan, performed together (bulk calls, one transaction).

    ``side`` is the side the step changes; None = baseline-only bookkeeping. A data step may hold
    bookkeeping operations too (``LinkList`` among the CRM's list renames): they are applied in
    order, because the operations after them rely on what they record.
    """

    label: str  # what the journal and the progress say
    kinds: tuple[OpKind, ...]
    side: Side | None


_BOOK = None  # a bookkeeping step's side

#: The steps of a run, per target side, in the order they are performed. List deletions free their
#: names for creations and renames; creations come before what refers to them.
STEPS: dict[Side, tuple[Step, ...]] = {
    Side.CC: (
        Step("link lists", (OpKind.LINK_LIST,), _BOOK),
        Step("relink contacts", (OpKind.RELINK_CONTACT,), _BOOK),
        Step("deleting lists", (OpKind.DELETE_LIST,), Side.CC),
        Step("creating and renaming lists", (OpKind.RENAME_LIST, OpKind.CREATE_LIST), Side.CC),
        Step("link contacts", (OpKind.LINK_CONTACT,), _BOOK),
        # Removals first of all (R2, R15): Do Not Contact and unsubscribed people leave Constant Contact's
        # lists even when an import after them is stopped by the service (quota, outage).
        Step("removing from lists", (OpKind.REMOVE_MEMBERSHIP,), Side.CC),
        # Updates before imports, on both sides: an address passed from one contact to another must
        # leave its old holder before the contact taking it is added (an import of the address, or the
        # CRM's writer, would otherwise take the holder for the new contact).
        Step("updating contacts", (OpKind.UPDATE_CONTACT,), Side.CC),
        Step("importing contacts", (OpKind.CREATE_CONTACT,), Side.CC),
        Step("agree memberships", (OpKind.AGREE_MEMBERSHIP,), _BOOK),
        Step("adding to lists", (OpKind.ADD_MEMBERSHIP,), Side.CC),
    ),
    Side.CRM: (
        Step("creating companies", (OpKind.CREATE_COMPANY,), Side.CRM),
        Step("deleting lists", (OpKind.DELETE_LIST,), Side.CRM),
        Step("creating and renaming lists", (OpKind.LINK_LIST, OpKind.RENAME_LIST, OpKind.CREATE_LIST),
             Side.CRM),  # fmt: skip
        Step("relink contacts", (OpKind.RELINK_CONTACT,), _BOOK),
        Step("link contacts", (OpKind.LINK_CONTACT,), _BOOK),
        Step("updating contacts", (OpKind.UPDATE_CONTACT,), Side.CRM),
        Step("adding contacts", (OpKind.CREATE_CONTACT,), Side.CRM),
        Step("marking unsubscribed", (OpKind.MARK_UNSUBSCRIBED,), Side.CRM),
        Step("marking bounced", (OpKind.MARK_BOUNCED,), Side.CRM),
        Step("agree memberships", (OpKind.AGREE_MEMBERSHIP,), _BOOK),
        Step("adding to lists", (OpKind.ADD_MEMBERSHIP,), Side.CRM),
        Step("removing from lists", (OpKind.REMOVE_MEMBERSHIP,), Side.CRM),
    ),
}
#: Last of every run: links dropped once what they wait for (``ForgetContact.after``) is confirmed.
FORGET_STEP = Step("forget", (OpKind.FORGET_CONTACT, OpKind.FORGET_LIST), _BOOK)


class Executor:
    def __init__(self, client: EmailService | None, plan: Plan, builder: BaselineBuilder,
                 writer: store.BaselineWriter, *, run_id: int, remote: RemoteSnapshot | None = None,
                 on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
                 step_hook: StepHook | None = None,
                 after_remote_step: Callable[[], None] | None = None) -> None:  # fmt: skip
        self.plan = plan
        self.run = RunState(client, builder, writer, run_id, remote=remote, on_progress=on_progress,
                            cancel=cancel, step_hook=step_hook, local=LocalWriter(plan.crm_names),
                            field_types=plan.field_types, after_remote_step=after_remote_step)  # fmt: skip

    @property
    def result(self) -> ExecResult:
        return self.run.result

    @property
    def done(self) -> set[int]:
        """The ids of the operations this run applied to the baseline (the service mirrors a push's)."""
        return self.run.done

    def execute(self) -> ExecResult:
        steps = STEPS[self.plan.target]
        by_step = self._sort_into_steps(steps)
        try:
            for step in steps:
                self._run_step(step, by_step[step])
            forget = [
                op for op in by_step[FORGET_STEP]
                if not isinstance(op, ForgetContact) or all(a in self.run.done for a in op.after)
            ]  # fmt: skip
            self._run_step(FORGET_STEP, forget)
        except Stop:
            pass
        except SyncCancelled:
            self.run.result.cancelled = True
        return self.run.result

    def _sort_into_steps(self, steps: Sequence[Step]) -> dict[Step, list[Operation]]:
        """Each operation under the step that performs it, in plan order; refuses the whole plan when
        one has no step here (never skip an operation silently)."""
        step_of: dict[tuple[OpKind, Side | None], Step] = {}
        for step in (*steps, FORGET_STEP):
            for kind in step.kinds:
                step_of[(kind, None if kind in BOOKKEEPING else step.side)] = step
        by_step: dict[Step, list[Operation]] = {step: [] for step in (*steps, FORGET_STEP)}
        unknown: set[str] = set()
        for op in self.plan.operations:
            step = step_of.get((op.kind, op.side))
            if step is None:
                unknown.add(op.type_name)
            else:
                by_step[step].append(op)
        if unknown:
            raise SyncError("This version cannot apply: " + ", ".join(sorted(unknown)))
        for ops in by_step.values():
            ops.sort(key=lambda o: o.op_id)
        return by_step

    def _run_step(self, step: Step, ops: Sequence[Operation]) -> None:
        if step.side is None:
            bookkeeping_step(self.run, step.label, ops)
        elif step.side is Side.CRM:
            local_step(self.run, step.label, ops, self._dispatch)
        else:
            remote_step(self.run, step.label, ops, self._dispatch)

    def _dispatch(self, ops: Sequence[Operation]) -> Confirmed:
        """Hand each run of same-kind operations to its handler ((kind, side) → HANDLERS)."""
        confirmed: dict[int, int | str | None] = {}
        start = 0
        while start < len(ops):
            key = (ops[start].kind, ops[start].side)
            end = start + 1
            while end < len(ops) and (ops[end].kind, ops[end].side) == key:
                end += 1
            run = ops[start:end]
            try:
                if key[1] is None:
                    apply_in_order(self.run, run)
                else:
                    confirmed.update(HANDLERS[key](self.run, run))
            except Partial as partial:
                raise Partial({**confirmed, **partial.confirmed}, partial.cause) from partial.cause
            except (CtctError, SyncCancelled) as error:
                if not confirmed:
                    raise
                raise Partial(confirmed, error) from error  # keep what earlier runs of the step did
            start = end
        return confirmed


Handler = Callable[[RunState, Sequence[Operation]], Confirmed]

#: Who performs what: (kind, side) → the handler that performs a run of such operations and returns
#: what it confirmed. The one place that knows how each operation is carried out on each side.
HANDLERS: dict[tuple[OpKind, Side], Handler] = {
    (OpKind.DELETE_LIST, Side.CC): remote_steps.delete_lists,
    (OpKind.CREATE_LIST, Side.CC): remote_steps.create_lists,
    (OpKind.RENAME_LIST, Side.CC): remote_steps.rename_lists,
    (OpKind.CREATE_CONTACT, Side.CC): remote_steps.import_new,
    (OpKind.UPDATE_CONTACT, Side.CC): remote_steps.update_contacts,
    (OpKind.ADD_MEMBERSHIP, Side.CC): remote_steps.add_members,
    (OpKind.REMOVE_MEMBERSHIP, Side.CC): remote_steps.remove_members,
    (OpKind.CREATE_COMPANY, Side.CRM): local_steps.create_companies,
    (OpKind.DELETE_LIST, Side.CRM): local_steps.delete_lists,
    (OpKind.CREATE_LIST, Side.CRM): local_steps.create_lists,
    (OpKind.RENAME_LIST, Side.CRM): local_steps.rename_lists,
    (OpKind.CREATE_CONTACT, Side.CRM): local_steps.create_contacts,
    (OpKind.UPDATE_CONTACT, Side.CRM): local_steps.update_contacts,
    (OpKind.MARK_UNSUBSCRIBED, Side.CRM): local_steps.mark_unsubscribed,
    (OpKind.MARK_BOUNCED, Side.CRM): local_steps.mark_bounced,
    (OpKind.ADD_MEMBERSHIP, Side.CRM): local_steps.add_members,
    (OpKind.REMOVE_MEMBERSHIP, Side.CRM): local_steps.remove_members,
}


def list_label(ref: ListRef) -> str:
    return ref.name


__all__ = ["Executor", "ExecResult", "StepHook", "COUNT_LABEL", "HANDLERS", "STEPS", "SyncError"]
