"""The local steps: handlers that carry out operations on the CRM (through `LocalWriter`).

Each handler takes the run's `RunState` and a run of same-kind operations and returns what it did: op id
→ the CRM id a creation got. They run inside the step's transaction (`step_journal.local_step`), so a
CRM step is written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from ctctdesk.sync.operations import Operation, RenameList
from ctctdesk.sync.step_journal import RunState


def create_companies(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    run.local.create_companies(ops)  # type: ignore[arg-type]
    return {op.op_id: None for op in ops}


def delete_lists(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    for op in ops:
        ref = run.builder.resolve_list(op.list)  # type: ignore[attr-defined]
        if ref.local_id is not None:
            run.local.delete_list(ref.local_id)
    return {op.op_id: None for op in ops}


def create_lists(run: RunState, ops: Sequence[Operation]) -> dict[int, int]:
    return {op.op_id: run.local.create_list(op) for op in ops}  # type: ignore[arg-type]


def rename_lists(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    for op in ops:
        assert isinstance(op, RenameList)
        ref = run.builder.resolve_list(op.list)
        run.local.rename_list(op, ref.local_id)  # type: ignore[arg-type]
    return {op.op_id: None for op in ops}


def create_contacts(run: RunState, ops: Sequence[Operation]) -> dict[int, int]:
    list_ids = [
        [run.builder.resolve_list(r).local_id for r in op.lists]  # type: ignore[attr-defined]
        for op in ops
    ]
    created = run.local.create_contacts(ops, [[i for i in ids if i is not None] for ids in list_ids])  # type: ignore[arg-type]
    return {op.op_id: cid for op, cid in zip(ops, created, strict=True)}


def update_contacts(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    ids = [run.builder.resolve_contact(op.contact).local_id for op in ops]  # type: ignore[attr-defined]
    done, errors = run.local.update_contacts(ops, ids)  # type: ignore[arg-type]
    run.result.errors.extend(errors)
    return dict.fromkeys(done)


def mark_bounced(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    ids = [run.builder.resolve_contact(op.contact).local_id for op in ops]  # type: ignore[attr-defined]
    run.local.mark_bounced([i for i in ids if i is not None])
    return {op.op_id: None for op in ops}


def mark_unsubscribed(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    ids = [run.builder.resolve_contact(op.contact).local_id for op in ops]  # type: ignore[attr-defined]
    run.local.mark_unsubscribed([i for i in ids if i is not None])
    return {op.op_id: None for op in ops}


def _pairs(run: RunState, ops: Sequence[Operation]) -> list[tuple[int, int]]:
    pairs = []
    for op in ops:
        lst = run.builder.resolve_list(op.list)  # type: ignore[attr-defined]
        contact = run.builder.resolve_contact(op.contact)  # type: ignore[attr-defined]
        pairs.append((lst.local_id, contact.local_id))
    return pairs  # type: ignore[return-value]


def add_members(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    run.local.add_members(_pairs(run, ops))
    return {op.op_id: None for op in ops}


def remove_members(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    run.local.remove_members(_pairs(run, ops))
    return {op.op_id: None for op in ops}
