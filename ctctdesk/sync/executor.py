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
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from ctctdesk.crm.models import database_proxy
from ctctdesk.ctct.client import Activity
from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError, QuotaExhausted, RequestCancelled
from ctctdesk.ctct.errors import Conflict as CtctConflict
from ctctdesk.sync import store
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import SyncCancelled, SyncError
from ctctdesk.sync.local_writer import LocalWriter
from ctctdesk.sync.operations import (
    BOOKKEEPING,
    CreateContact,
    ForgetContact,
    ListRef,
    Operation,
    OpKind,
    RenameList,
    Side,
    UpdateContact,
)
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.progress import ProgressCallback, report
from ctctdesk.sync.remote_reader import INCLUDE, iso
from ctctdesk.sync.snapshot import CUSTOM_PREFIX, FieldValues, RemoteSnapshot

log = logging.getLogger(__name__)

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

StepHook = Callable[[int, str, str], None]  # (step number, step kind, "before" | "sent")
Confirmed = Mapping[int, int | str | None]  # op id → the id a creation got (None for the others)


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
        Step("importing contacts", (OpKind.CREATE_CONTACT,), Side.CC),
        Step("updating contacts", (OpKind.UPDATE_CONTACT,), Side.CC),
        Step("agree memberships", (OpKind.AGREE_MEMBERSHIP,), _BOOK),
        Step("adding to lists", (OpKind.ADD_MEMBERSHIP,), Side.CC),
        Step("removing from lists", (OpKind.REMOVE_MEMBERSHIP,), Side.CC),
    ),
    Side.CRM: (
        Step("creating companies", (OpKind.CREATE_COMPANY,), Side.CRM),
        Step("deleting lists", (OpKind.DELETE_LIST,), Side.CRM),
        Step("creating and renaming lists", (OpKind.LINK_LIST, OpKind.RENAME_LIST, OpKind.CREATE_LIST),
             Side.CRM),  # fmt: skip
        Step("relink contacts", (OpKind.RELINK_CONTACT,), _BOOK),
        Step("link contacts", (OpKind.LINK_CONTACT,), _BOOK),
        Step("adding contacts", (OpKind.CREATE_CONTACT,), Side.CRM),
        Step("updating contacts", (OpKind.UPDATE_CONTACT,), Side.CRM),
        Step("marking unsubscribed", (OpKind.MARK_UNSUBSCRIBED,), Side.CRM),
        Step("marking bounced", (OpKind.MARK_BOUNCED,), Side.CRM),
        Step("agree memberships", (OpKind.AGREE_MEMBERSHIP,), _BOOK),
        Step("adding to lists", (OpKind.ADD_MEMBERSHIP,), Side.CRM),
        Step("removing from lists", (OpKind.REMOVE_MEMBERSHIP,), Side.CRM),
    ),
}
#: Last of every run: links dropped once what they wait for (``ForgetContact.after``) is confirmed.
FORGET_STEP = Step("forget", (OpKind.FORGET_CONTACT, OpKind.FORGET_LIST), _BOOK)


@dataclass
class ExecResult:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    per_list: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    stopped_reason: str = ""
    stopped_by: Exception | None = None  # the error behind stopped_reason (the service types it)
    steps: int = 0


class _Stop(Exception):
    """Internal: end the run after recording what is confirmed."""


class Executor:
    def __init__(self, client: EmailService | None, plan: Plan, builder: BaselineBuilder,
                 writer: store.BaselineWriter, *, run_id: int, remote: RemoteSnapshot | None = None,
                 on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
                 step_hook: StepHook | None = None) -> None:  # fmt: skip
        self.client = client
        self.plan = plan
        self.builder = builder
        self.writer = writer
        self.run_id = run_id
        self.remote = remote
        self.on_progress = on_progress
        self.cancel = cancel
        self.step_hook = step_hook
        self.result = ExecResult()
        self.done: set[int] = set()
        self.local = LocalWriter()
        self._step_no = 0
        self._labels_to_names: dict[str, str] | None = None
        self._labels_to_ids: dict[str, str] = {}

    # -- driver ---------------------------------------------------------------------------------------

    def execute(self) -> ExecResult:
        steps = STEPS[self.plan.target]
        by_step = self._sort_into_steps(steps)
        try:
            for step in steps:
                self._run_step(step, by_step[step])
            forget = [
                op for op in by_step[FORGET_STEP]
                if not isinstance(op, ForgetContact) or all(a in self.done for a in op.after)
            ]  # fmt: skip
            self._run_step(FORGET_STEP, forget)
        except _Stop:
            pass
        except SyncCancelled:
            self.result.cancelled = True
        return self.result

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
            self._bookkeeping(step.label, ops)
        elif step.side is Side.CRM:
            self._local_step(step.label, ops, self._dispatch)
        else:
            self._remote_step(step.label, ops, self._dispatch)

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
                    self._apply_in_order(run)
                else:
                    confirmed.update(HANDLERS[key](self, run))
            except _Partial as partial:
                raise _Partial({**confirmed, **partial.confirmed}, partial.cause) from partial.cause
            except (CtctError, SyncCancelled) as error:
                if not confirmed:
                    raise
                raise _Partial(confirmed, error) from error  # keep what earlier runs of the step did
            start = end
        return confirmed

    def _apply_in_order(self, ops: Sequence[Operation]) -> None:
        """Bookkeeping inside a data step, recorded at once: the operations after it rely on it."""
        for op in ops:
            self.builder.apply(op)
            self.done.add(op.op_id)
        self.writer.save(self.builder, *self.builder.take_changes())

    # -- step machinery ----------------------------------------------------------------------------------

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SyncCancelled("Cancelled.")

    def _begin(self, kind: str, ops: Sequence[Operation]) -> int:
        self._check_cancel()
        self._step_no += 1
        self.result.steps = self._step_no
        if self.step_hook:
            self.step_hook(self._step_no, kind, "before")
        with database_proxy.atomic():
            return store.journal_begin(self.run_id, self._step_no, kind, [o.op_id for o in ops])

    def _confirm(self, entry: int, confirmed: Mapping[int, int | str | None], ops: Sequence[Operation],
                 state: str = "done") -> None:  # fmt: skip
        """Apply confirmed ops to the baseline and persist (inside the caller's transaction)."""
        for op in ops:
            if op.op_id not in confirmed:
                continue
            created = confirmed[op.op_id]
            self.builder.apply(op, created)
            self.done.add(op.op_id)
            label = COUNT_LABEL.get(op.kind)
            if label:
                self.result.counts[label] += 1
                self._count_per_list(op, label)
        self.writer.save(self.builder, *self.builder.take_changes())
        store.journal_end(entry, state)

    def _count_per_list(self, op: Operation, label: str) -> None:
        names: list[str] = []
        lst = getattr(op, "list", None)
        if lst is not None and op.kind in (OpKind.ADD_MEMBERSHIP, OpKind.REMOVE_MEMBERSHIP):
            names.append(lst.name)
        for ref in getattr(op, "lists", ()) or ():
            names.append(ref.name)
        for name in names:
            self.result.per_list[name][label] += 1

    def _bookkeeping(self, kind: str, ops: Sequence[Operation]) -> None:
        if not ops:
            return
        entry = self._begin(kind, ops)
        with database_proxy.atomic():
            self._confirm(entry, {op.op_id: None for op in ops}, ops)

    def _local_step(self, kind: str, ops: Sequence[Operation],
                    work: Callable[[Sequence[Operation]], Mapping[int, int | None]]) -> None:  # fmt: skip
        if not ops:
            return
        entry = self._begin(kind, ops)
        report(self.on_progress, kind.capitalize(), 0, len(ops))
        with database_proxy.atomic():
            confirmed = work(ops)
            if self.step_hook:
                self.step_hook(self._step_no, kind, "sent")
            self._confirm(entry, confirmed, ops)
        report(self.on_progress, kind.capitalize(), len(ops), len(ops))

    def _remote_step(self, kind: str, ops: Sequence[Operation],
                     work: Callable[[Sequence[Operation]], Mapping[int, int | str | None]]) -> None:  # fmt: skip
        if not ops:
            return
        entry = self._begin(kind, ops)
        report(self.on_progress, kind.capitalize(), 0, len(ops))
        confirmed: Mapping[int, int | str | None] = {}
        stop: BaseException | None = None
        try:
            confirmed = work(ops)
        except _Partial as partial:
            confirmed, stop = partial.confirmed, partial.cause
        except (AuthRevoked, AuthExpired):
            with database_proxy.atomic():
                store.journal_end(entry, "failed")
            raise
        except QuotaExhausted as error:
            stop = error
        except CtctError as error:
            stop = error
        if self.step_hook:
            self.step_hook(self._step_no, kind, "sent")
        with database_proxy.atomic():
            self._confirm(entry, confirmed, ops, "done" if stop is None else "failed")
        report(self.on_progress, kind.capitalize(), len(confirmed), len(ops))
        if stop is not None:
            if isinstance(stop, RequestCancelled):  # Cancel ended a wait for the rate limit or a retry
                stop = SyncCancelled("Cancelled.")
            if isinstance(stop, SyncCancelled):
                raise stop
            if isinstance(stop, (AuthRevoked, AuthExpired)):
                raise stop
            self.result.stopped_reason = str(stop)
            self.result.stopped_by = stop
            raise _Stop()

    # -- waiting on Constant Contact ---------------------------------------------------------------------

    def _wait_all(self, activities: Sequence[Activity], phase: str) -> list[Activity]:
        assert self.client is not None
        finished = []
        total = len(activities)
        for index, activity in enumerate(activities):
            def progress(a: Activity, index: int = index) -> None:
                if a.queued:
                    report(self.on_progress, "Waiting for Constant Contact", index, total, queued=True,
                           message="Constant Contact has queued this job; it starts when its turn comes.")
                else:
                    report(self.on_progress, phase, index * 100 + a.percent_done, total * 100)

            cancelled = (lambda: self.cancel.is_set()) if self.cancel is not None else None
            final = self.client.wait(activity, progress, cancelled=cancelled)
            if not final.done:
                raise SyncCancelled("Cancelled while Constant Contact was working.")
            finished.append(final)
        return finished

    # -- Constant Contact steps ------------------------------------------------------------------------------

    def _delete_remote_lists(self, ops: Sequence[Operation]) -> dict[int, None]:
        assert self.client is not None
        ids = [op.list.cc_id for op in ops if op.list.cc_id]  # type: ignore[attr-defined]
        results = self._wait_all(self.client.delete_lists(ids), "Deleting lists")
        if not all(a.succeeded for a in results):
            raise CtctError("Constant Contact did not delete every list: " + "; ".join(
                e for a in results for e in a.errors))
        return {op.op_id: None for op in ops}

    def _create_remote_lists(self, ops: Sequence[Operation]) -> dict[int, str]:
        confirmed: dict[int, str] = {}
        try:
            for op in ops:
                self._check_cancel()
                confirmed[op.op_id] = self._create_remote_list(op.list.name)  # type: ignore[attr-defined]
        except (CtctError, SyncCancelled) as error:
            raise _Partial(confirmed, error) from error
        return confirmed

    def _rename_remote_lists(self, ops: Sequence[Operation]) -> dict[int, None]:
        assert self.client is not None
        confirmed: dict[int, None] = {}
        try:
            for op in ops:
                assert isinstance(op, RenameList)
                self._check_cancel()
                ref = self.builder.resolve_list(op.list)
                self.client.rename_list(ref.cc_id, op.new_name)  # type: ignore[arg-type]
                confirmed[op.op_id] = None
        except (CtctError, SyncCancelled) as error:
            raise _Partial(confirmed, error) from error
        return confirmed

    def _create_remote_list(self, name: str) -> str:
        assert self.client is not None
        try:
            return self.client.create_list(name).list_id
        except CtctConflict:  # created by an earlier run that was stopped before recording it
            key = name.strip().casefold()
            for cl in self.client.iter_lists():
                if cl.name.strip().casefold() == key:
                    return cl.list_id
            raise

    def _custom_field_names(self, labels: Iterable[str]) -> dict[str, str]:
        """label → Constant Contact field name, creating missing fields first (R11)."""
        assert self.client is not None
        wanted = set(labels)
        if self._labels_to_names is None:
            self._labels_to_names = {}
            for f in self.client.iter_custom_fields():
                self._labels_to_names[f.label or f.name] = f.name
                self._labels_to_ids[f.label or f.name] = f.custom_field_id
        for label in sorted(wanted - set(self._labels_to_names)):
            made = self.client.create_custom_field(label)
            self._labels_to_names[label] = made.name
            self._labels_to_ids[label] = made.custom_field_id
        return self._labels_to_names

    def _row(self, values: Mapping[str, str], names: Mapping[str, str]) -> dict[str, str]:
        row: dict[str, str] = {}
        for key, value in values.items():
            if key.startswith(CUSTOM_PREFIX):
                row["cf:" + names[key[len(CUSTOM_PREFIX):]]] = value
            else:
                row[key] = value
        return row

    def _import(self, rows_by_lists: Mapping[tuple[str, ...], list[dict]], phase: str) -> tuple[
            dict[str, str], list[tuple[str, str]]]:  # fmt: skip
        """Import grouped rows, wait, and read the ids back in pages: email → contact id, row errors."""
        assert self.client is not None
        started = self.client.server_now() - timedelta(minutes=2)  # the service's clock, not ours
        activities: list[Activity] = []
        for list_ids, rows in rows_by_lists.items():
            activities.extend(self.client.import_contacts(rows, list(list_ids)))
        finished = self._wait_all(activities, phase)
        errors = [("", e) for a in finished for e in a.errors]
        wanted = {row["email"] for rows in rows_by_lists.values() for row in rows}
        ids: dict[str, str] = {}
        for page in self.client.contact_pages(updated_after=iso(started)):
            for contact in page:
                email = (contact.email or "").lower()
                if email in wanted:
                    ids[email] = contact.contact_id
        return ids, errors

    def _import_new(self, ops: Sequence[Operation]) -> dict[int, str]:
        labels = {name for op in ops for name, _ in op.fields.custom}  # type: ignore[attr-defined]
        names = self._custom_field_names(labels) if labels else {}
        groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
        for op in ops:
            assert isinstance(op, CreateContact)
            list_ids = tuple(sorted(self.builder.resolve_list(r).cc_id or "" for r in op.lists))
            groups[list_ids].append(self._row(op.fields.as_dict(), names))
        ids, errors = self._import(groups, "Importing contacts")
        confirmed: dict[int, str] = {}
        for op in ops:
            assert isinstance(op, CreateContact)
            cc_id = ids.get(op.fields.email)
            if cc_id is None:
                self.result.errors.append((op.fields.email, _row_error(errors, op.fields.email)))
            else:
                confirmed[op.op_id] = cc_id
        return confirmed

    def _remote_lists_of(self, cc_id: str, local_id: int) -> tuple[str, ...]:
        rc = self.remote.contacts.get(cc_id) if self.remote is not None else None
        if rc is not None:
            return tuple(sorted(rc.list_ids))
        base_lists = self.builder._members  # noqa: SLF001 - the builder's current memberships
        out = []
        for list_local_id, members in base_lists.items():
            if local_id in members:
                ref = self.builder.list(list_local_id)
                if ref is not None:
                    out.append(ref.cc_id)
        return tuple(sorted(out))

    def _update_remote(self, ops: Sequence[Operation]) -> dict[int, None]:
        assert self.client is not None
        labels = {n[len(CUSTOM_PREFIX):] for op in ops for n, _ in op.changes  # type: ignore[attr-defined]
                  if n.startswith(CUSTOM_PREFIX)}
        names = self._custom_field_names(labels) if labels else {}
        confirmed: dict[int, None] = {}
        by_import: dict[tuple[str, ...], list[dict]] = defaultdict(list)
        import_ops: list[UpdateContact] = []
        try:
            for op in ops:
                assert isinstance(op, UpdateContact)
                ref = self.builder.resolve_contact(op.contact)
                changes = dict(op.changes)
                lists = self._remote_lists_of(ref.cc_id or "", ref.local_id or -1)
                if "email" in changes or any(v == "" for v in changes.values()) or not lists:
                    self._check_cancel()
                    self._put_contact(ref.cc_id or "", changes, op.new_base)
                    confirmed[op.op_id] = None
                else:
                    row = self._row(changes, names)
                    row["email"] = op.new_base.email
                    by_import[lists].append(row)
                    import_ops.append(op)
            if by_import:
                ids, errors = self._import(by_import, "Updating contacts")
                for op in import_ops:
                    if op.new_base.email in ids:
                        confirmed[op.op_id] = None
                    else:
                        self.result.errors.append((op.new_base.email, _row_error(errors, op.new_base.email)))
        except (CtctError, SyncCancelled) as error:
            raise _Partial(confirmed, error) from error
        return confirmed

    def _put_contact(self, cc_id: str, changes: Mapping[str, str], new_base: FieldValues) -> None:
        """R7: an email change (or a value blanked) goes by contact id with a full PUT."""
        assert self.client is not None
        current = self.client.get_contact(cc_id, include=INCLUDE)
        raw = current.raw
        body: dict = {k: raw[k] for k in ("first_name", "last_name", "job_title", "company_name",
                                          "birthday_month", "birthday_day", "anniversary") if raw.get(k)}
        email = raw.get("email_address") or {}
        body["email_address"] = {"address": changes.get("email", email.get("address", "")),
                                 "permission_to_send": email.get("permission_to_send") or "implicit"}
        for name in ("first_name", "last_name", "job_title", "company_name"):
            if name in changes:
                if changes[name]:
                    body[name] = changes[name]
                else:
                    body.pop(name, None)
        phones = [p for p in raw.get("phone_numbers") or [] if p.get("phone_number")]
        if "phone" in changes:
            phones = [p for p in phones if p.get("kind") != "other"]
            if changes["phone"]:
                phones.append({"phone_number": changes["phone"], "kind": "other"})
        body["phone_numbers"] = [{"phone_number": p["phone_number"], "kind": p.get("kind") or "other"}
                                 for p in phones]
        custom = {item["custom_field_id"]: item.get("value") or "" for item in raw.get("custom_fields") or []}
        custom_changes = {n[len(CUSTOM_PREFIX):]: v for n, v in changes.items() if n.startswith(CUSTOM_PREFIX)}
        if custom_changes:
            self._custom_field_names(custom_changes)
            for label, value in custom_changes.items():
                fid = self._labels_to_ids[label]
                if value:
                    custom[fid] = value
                else:
                    custom.pop(fid, None)
        body["custom_fields"] = [{"custom_field_id": k, "value": v} for k, v in custom.items() if v]
        body["list_memberships"] = list(raw.get("list_memberships") or [])
        self.client.update_contact(cc_id, body)

    def _add_remote_members(self, ops: Sequence[Operation]) -> dict[int, None]:
        return self._remote_members(ops, add=True)

    def _remove_remote_members(self, ops: Sequence[Operation]) -> dict[int, None]:
        return self._remote_members(ops, add=False)

    def _remote_members(self, ops: Sequence[Operation], *, add: bool) -> dict[int, None]:
        assert self.client is not None
        by_list: dict[str, list[Operation]] = defaultdict(list)
        for op in ops:
            lst = self.builder.resolve_list(op.list)  # type: ignore[attr-defined]
            by_list[lst.cc_id or ""].append(op)
        confirmed: dict[int, None] = {}
        call = self.client.add_list_memberships if add else self.client.remove_list_memberships
        phase = "Adding to lists" if add else "Removing from lists"
        try:
            for list_id, group in by_list.items():
                contact_ids = [self.builder.resolve_contact(op.contact).cc_id or ""  # type: ignore[attr-defined]
                               for op in group]
                results = self._wait_all(call(contact_ids, [list_id]), phase)
                if all(a.succeeded for a in results):
                    confirmed.update((op.op_id, None) for op in group)
                else:
                    for a in results:
                        self.result.errors.extend(("", e) for e in a.errors)
        except (CtctError, SyncCancelled) as error:
            raise _Partial(confirmed, error) from error
        return confirmed

    # -- CRM steps -----------------------------------------------------------------------------------------

    def _create_companies(self, ops: Sequence[Operation]) -> dict[int, None]:
        self.local.create_companies(ops)  # type: ignore[arg-type]
        return {op.op_id: None for op in ops}

    def _delete_local_lists(self, ops: Sequence[Operation]) -> dict[int, None]:
        for op in ops:
            ref = self.builder.resolve_list(op.list)  # type: ignore[attr-defined]
            if ref.local_id is not None:
                self.local.delete_list(ref.local_id)
        return {op.op_id: None for op in ops}

    def _create_local_lists(self, ops: Sequence[Operation]) -> dict[int, int]:
        return {op.op_id: self.local.create_list(op) for op in ops}  # type: ignore[arg-type]

    def _rename_local_lists(self, ops: Sequence[Operation]) -> dict[int, None]:
        for op in ops:
            assert isinstance(op, RenameList)
            ref = self.builder.resolve_list(op.list)
            self.local.rename_list(op, ref.local_id)  # type: ignore[arg-type]
        return {op.op_id: None for op in ops}

    def _create_local_contacts(self, ops: Sequence[Operation]) -> dict[int, int]:
        list_ids = [
            [self.builder.resolve_list(r).local_id for r in op.lists]  # type: ignore[attr-defined]
            for op in ops
        ]
        created = self.local.create_contacts(ops, [[i for i in ids if i is not None] for ids in list_ids])  # type: ignore[arg-type]
        return {op.op_id: cid for op, cid in zip(ops, created, strict=True)}

    def _update_local_contacts(self, ops: Sequence[Operation]) -> dict[int, None]:
        ids = [self.builder.resolve_contact(op.contact).local_id for op in ops]  # type: ignore[attr-defined]
        done, errors = self.local.update_contacts(ops, ids)  # type: ignore[arg-type]
        self.result.errors.extend(errors)
        return dict.fromkeys(done)

    def _mark_bounced(self, ops: Sequence[Operation]) -> dict[int, None]:
        ids = [self.builder.resolve_contact(op.contact).local_id for op in ops]  # type: ignore[attr-defined]
        self.local.mark_bounced([i for i in ids if i is not None])
        return {op.op_id: None for op in ops}

    def _mark_unsubscribed(self, ops: Sequence[Operation]) -> dict[int, None]:
        ids = [self.builder.resolve_contact(op.contact).local_id for op in ops]  # type: ignore[attr-defined]
        self.local.mark_unsubscribed([i for i in ids if i is not None])
        return {op.op_id: None for op in ops}

    def _local_pairs(self, ops: Sequence[Operation]) -> list[tuple[int, int]]:
        pairs = []
        for op in ops:
            lst = self.builder.resolve_list(op.list)  # type: ignore[attr-defined]
            contact = self.builder.resolve_contact(op.contact)  # type: ignore[attr-defined]
            pairs.append((lst.local_id, contact.local_id))
        return pairs  # type: ignore[return-value]

    def _add_local_members(self, ops: Sequence[Operation]) -> dict[int, None]:
        self.local.add_members(self._local_pairs(ops))
        return {op.op_id: None for op in ops}

    def _remove_local_members(self, ops: Sequence[Operation]) -> dict[int, None]:
        self.local.remove_members(self._local_pairs(ops))
        return {op.op_id: None for op in ops}


Handler = Callable[[Executor, Sequence[Operation]], Confirmed]

#: Who performs what: (kind, side) → the handler that performs a run of such operations and returns
#: what it confirmed. The one place that knows how each operation is carried out on each side.
HANDLERS: dict[tuple[OpKind, Side], Handler] = {
    (OpKind.DELETE_LIST, Side.CC): Executor._delete_remote_lists,
    (OpKind.CREATE_LIST, Side.CC): Executor._create_remote_lists,
    (OpKind.RENAME_LIST, Side.CC): Executor._rename_remote_lists,
    (OpKind.CREATE_CONTACT, Side.CC): Executor._import_new,
    (OpKind.UPDATE_CONTACT, Side.CC): Executor._update_remote,
    (OpKind.ADD_MEMBERSHIP, Side.CC): Executor._add_remote_members,
    (OpKind.REMOVE_MEMBERSHIP, Side.CC): Executor._remove_remote_members,
    (OpKind.CREATE_COMPANY, Side.CRM): Executor._create_companies,
    (OpKind.DELETE_LIST, Side.CRM): Executor._delete_local_lists,
    (OpKind.CREATE_LIST, Side.CRM): Executor._create_local_lists,
    (OpKind.RENAME_LIST, Side.CRM): Executor._rename_local_lists,
    (OpKind.CREATE_CONTACT, Side.CRM): Executor._create_local_contacts,
    (OpKind.UPDATE_CONTACT, Side.CRM): Executor._update_local_contacts,
    (OpKind.MARK_UNSUBSCRIBED, Side.CRM): Executor._mark_unsubscribed,
    (OpKind.MARK_BOUNCED, Side.CRM): Executor._mark_bounced,
    (OpKind.ADD_MEMBERSHIP, Side.CRM): Executor._add_local_members,
    (OpKind.REMOVE_MEMBERSHIP, Side.CRM): Executor._remove_local_members,
}


class _Partial(Exception):
    """A step stopped part-way: ``confirmed`` holds what Constant Contact already did."""

    def __init__(self, confirmed: Mapping[int, int | str | None], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.confirmed = confirmed
        self.cause = cause


def _row_error(errors: Sequence[tuple[str, str]], email: str) -> str:
    for _, message in errors:
        if email and email in message:
            return message
    return "Constant Contact did not accept this contact."


def list_label(ref: ListRef) -> str:
    return ref.name


__all__ = ["Executor", "ExecResult", "COUNT_LABEL", "HANDLERS", "STEPS", "SyncError"]
