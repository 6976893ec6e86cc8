"""Advancing the baseline one confirmed operation at a time (R13).

The baseline must only ever say what both sides really agree on. So it moves per confirmed
operation, never per plan: if a run stops half-way, the baseline holds exactly the confirmed part,
and the next plan (three-way, against the real state of both sides) redoes the rest — an operation
confirmed on a side but not yet recorded here shows up as "both sides made the same change" and is
merely recorded, never repeated as a conflict or a duplicate.

Usage by the executor::

    builder = BaselineBuilder.for_plan(stored_baseline, plan)
    for op in plan.operations:                      # or batches of them, see plan.py
        ...perform op, learn created_id for creations...
        builder.apply(op, created_id)
        contacts, lists = builder.take_changes()   # local ids; persist builder.contact(i) / list(i)
    new_baseline = builder.build()

``baseline_after(baseline, plan, created_ids)`` applies everything at once (tests, dry runs).
"""

from __future__ import annotations

from collections.abc import Mapping

from ctctdesk.sync.errors import SyncError
from ctctdesk.sync.operations import (
    AddMembership,
    AgreeMembership,
    ContactRef,
    CreateContact,
    CreateList,
    CreateLocalCompany,
    DeleteList,
    ForgetContact,
    ForgetList,
    LinkContact,
    LinkList,
    ListRef,
    MarkLocalBounced,
    MarkLocalUnsubscribed,
    Operation,
    RelinkContact,
    RemoveMembership,
    RenameList,
    Side,
    UpdateContact,
)
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.snapshot import Baseline, BaselineContact, BaselineList, FieldValues

_CREATIONS = (CreateList, CreateContact)


class BaselineBuilder:
    """A mutable working copy of a baseline; :meth:`build` freezes it again."""

    def __init__(self, baseline: Baseline) -> None:
        self.account_id = baseline.account_id
        self._contacts: dict[int, BaselineContact] = dict(baseline.contacts)
        self._contacts_by_cc: dict[str, int] = {c.cc_id: c.local_id for c in baseline.contacts.values()}
        self._lists: dict[int, tuple[str, str]] = {
            b.local_id: (b.cc_id, b.name) for b in baseline.lists.values()
        }
        self._lists_by_cc: dict[str, int] = {b.cc_id: b.local_id for b in baseline.lists.values()}
        self._members: dict[int, set[int]] = {b.local_id: set(b.member_ids) for b in baseline.lists.values()}
        # Local ids whose entry changed since the last take_changes(): what the executor persists.
        self._touched_contacts: set[int] = set()
        self._touched_lists: set[int] = set()

    @classmethod
    def for_plan(cls, baseline: Baseline, plan: Plan) -> BaselineBuilder:
        """Start from ``baseline``, or from nothing when the plan ignored it (other account, R14)."""
        if plan.baseline_ignored:
            return cls(Baseline.empty(plan.account_id))
        builder = cls(baseline)
        builder.account_id = baseline.account_id or plan.account_id
        return builder

    # -- resolution of refs to things created earlier in the run ----------------------------------------

    def resolve_list(self, ref: ListRef) -> ListRef:
        """Fill in the id a list got when it was created (earlier operation of the same plan)."""
        if ref.local_id is not None and ref.cc_id is not None:
            return ref
        if ref.local_id is None and ref.cc_id is not None:
            local_id = self._lists_by_cc.get(ref.cc_id)
            return ListRef(local_id, ref.cc_id, ref.name)
        if ref.local_id is not None and ref.local_id in self._lists:
            return ListRef(ref.local_id, self._lists[ref.local_id][0], ref.name)
        return ref

    def resolve_contact(self, ref: ContactRef) -> ContactRef:
        if ref.local_id is not None and ref.cc_id is not None:
            return ref
        if ref.local_id is None and ref.cc_id is not None:
            return ContactRef(self._contacts_by_cc.get(ref.cc_id), ref.cc_id, ref.label)
        if ref.local_id is not None and ref.local_id in self._contacts:
            return ContactRef(ref.local_id, self._contacts[ref.local_id].cc_id, ref.label)
        return ref

    # -- effects ---------------------------------------------------------------------------------------

    def apply(self, op: Operation, created_id: int | str | None = None) -> None:
        """Record that ``op`` is confirmed done on its side (or, for bookkeeping, simply true)."""
        if isinstance(op, _CREATIONS) and created_id is None:
            raise SyncError(f"{op.type_name} #{op.op_id} confirmed without the id it created")
        match op:
            case CreateList(side=Side.CC, list=ref):
                assert ref.local_id is not None
                self._put_list(ref.local_id, str(created_id), ref.name)
            case CreateList(side=Side.CRM, list=ref):
                assert ref.cc_id is not None
                self._put_list(int(created_id), ref.cc_id, ref.name)  # type: ignore[arg-type]
            case LinkList(list=ref):
                assert ref.local_id is not None and ref.cc_id is not None
                self._put_list(ref.local_id, ref.cc_id, ref.name)
            case RenameList(list=ref, new_name=name):
                local_id = self._list_id(ref)
                self._lists[local_id] = (self._lists[local_id][0], name)
                self._touched_lists.add(local_id)
            case DeleteList(list=ref) | ForgetList(list=ref):
                self._drop_list(ref)
            case CreateContact(side=Side.CC, contact=ref, fields=fields, lists=lists):
                assert ref.local_id is not None
                self._put_contact(ref.local_id, str(created_id), fields)
                for lst in lists:
                    self._member(lst, ref.local_id, True)
            case CreateContact(side=Side.CRM, contact=ref, fields=fields, lists=lists):
                assert ref.cc_id is not None
                local_id = int(created_id)  # type: ignore[arg-type]
                self._put_contact(local_id, ref.cc_id, fields, take_over=True)
                for lst in lists:
                    self._member(lst, local_id, True)
            case LinkContact(contact=ref, fields=fields):
                assert ref.local_id is not None and ref.cc_id is not None
                self._put_contact(ref.local_id, ref.cc_id, fields)
            case UpdateContact(contact=ref, new_base=fields):
                local_id = self._contact_id(ref)
                old = self._contacts[local_id]
                self._contacts[local_id] = BaselineContact(local_id, old.cc_id, fields)
                self._touched_contacts.add(local_id)
            case AddMembership(list=lst, contact=ref):
                self._member(lst, self._contact_id(ref), True)
            case RemoveMembership(list=lst, contact=ref):
                if self._is_linked(lst):  # R3 also empties CRM lists that are not linked
                    self._member(lst, self._contact_id(ref), False)
            case AgreeMembership(list=lst, contact=ref, member=member):
                self._member(lst, self._contact_id(ref), member)
            case RelinkContact(contact=ref, old_local_id=old_id):
                assert ref.local_id is not None and ref.cc_id is not None
                old = self._contacts.pop(old_id, None)
                if old is not None:
                    self._contacts_by_cc.pop(old.cc_id, None)
                    self._contacts[ref.local_id] = BaselineContact(ref.local_id, ref.cc_id, old.fields)
                    self._contacts_by_cc[ref.cc_id] = ref.local_id
                    self._touched_contacts.update((old_id, ref.local_id))
                    if old_id != ref.local_id:
                        self._move_memberships(old_id, ref.local_id)
            case ForgetContact(contact=ref):
                self._drop_contact(ref)
            case CreateLocalCompany() | MarkLocalUnsubscribed() | MarkLocalBounced():
                pass  # no baseline content: companies are not linked, status is read from both sides
            case _:
                raise SyncError(f"unknown operation {op.type_name}")

    # -- reading back ------------------------------------------------------------------------------------

    def contact(self, local_id: int) -> BaselineContact | None:
        return self._contacts.get(local_id)

    def list(self, local_id: int) -> BaselineList | None:
        if local_id not in self._lists:
            return None
        cc_id, name = self._lists[local_id]
        return BaselineList(local_id, cc_id, name, frozenset(self._members[local_id]))

    def take_changes(self) -> tuple[set[int], set[int]]:
        """Local ids of the contacts and lists whose baseline entry changed (or went: ``contact()`` /
        ``list()`` then answer None) since the previous call — what the executor writes."""
        changed = (self._touched_contacts, self._touched_lists)
        self._touched_contacts, self._touched_lists = set(), set()
        return changed

    def build(self) -> Baseline:
        lists = {}
        for local_id, (cc_id, name) in self._lists.items():
            lists[local_id] = BaselineList(local_id, cc_id, name, frozenset(self._members[local_id]))
        return Baseline(self.account_id, dict(self._contacts), lists)

    # -- internals -----------------------------------------------------------------------------------------

    def _is_linked(self, ref: ListRef) -> bool:
        return (ref.local_id is not None and ref.local_id in self._lists) or (
            ref.cc_id is not None and ref.cc_id in self._lists_by_cc
        )

    def _list_id(self, ref: ListRef) -> int:
        if ref.local_id is not None and ref.local_id in self._lists:
            return ref.local_id
        if ref.cc_id is not None and ref.cc_id in self._lists_by_cc:
            return self._lists_by_cc[ref.cc_id]
        raise SyncError(f"list {ref.name!r} is not linked yet; its creation must be confirmed first")

    def _contact_id(self, ref: ContactRef) -> int:
        if ref.local_id is not None and ref.local_id in self._contacts:
            return ref.local_id
        if ref.cc_id is not None and ref.cc_id in self._contacts_by_cc:
            return self._contacts_by_cc[ref.cc_id]
        raise SyncError(f"contact {ref.label!r} is not linked yet; its creation must be confirmed first")

    def _member(self, lst: ListRef, contact_local_id: int, member: bool) -> None:
        list_id = self._list_id(lst)
        if member:
            self._members[list_id].add(contact_local_id)
        else:
            self._members[list_id].discard(contact_local_id)
        self._touched_lists.add(list_id)

    def _move_memberships(self, old_id: int, new_id: int | None) -> None:
        for list_id, members in self._members.items():
            if old_id in members:
                members.discard(old_id)
                if new_id is not None:
                    members.add(new_id)
                self._touched_lists.add(list_id)

    def _put_list(self, local_id: int, cc_id: str, name: str) -> None:
        old = self._lists.get(local_id)
        if old is not None and old[0] != cc_id:
            self._lists_by_cc.pop(old[0], None)
        other = self._lists_by_cc.get(cc_id)
        if other is not None and other != local_id:
            self._drop_list(ListRef(other, cc_id, name))
        self._touched_lists.add(local_id)
        keep_members = old is not None and old[0] == cc_id
        self._lists[local_id] = (cc_id, name)
        self._lists_by_cc[cc_id] = local_id
        if not keep_members:
            self._members[local_id] = set()

    def _drop_list(self, ref: ListRef) -> None:
        try:
            local_id = self._list_id(ref)
        except SyncError:
            return  # already gone: applying twice is harmless
        cc_id, _ = self._lists.pop(local_id)
        self._touched_lists.add(local_id)
        self._lists_by_cc.pop(cc_id, None)
        self._members.pop(local_id, None)

    def _put_contact(self, local_id: int, cc_id: str, fields: FieldValues, take_over: bool = False) -> None:
        old = self._contacts.get(local_id)
        if old is not None and old.cc_id != cc_id:
            self._contacts_by_cc.pop(old.cc_id, None)
        other = self._contacts_by_cc.get(cc_id)
        if other is not None and other != local_id and not take_over:
            self._drop_contact(ContactRef(other, cc_id, ""))
        elif other is not None and other != local_id:
            # A CRM record created again for a linked Constant Contact contact (its old record was
            # deleted): the new record takes over the agreed memberships.
            del self._contacts[other]
            self._touched_contacts.add(other)
            self._move_memberships(other, local_id)
        self._contacts[local_id] = BaselineContact(local_id, cc_id, fields)
        self._touched_contacts.add(local_id)
        self._contacts_by_cc[cc_id] = local_id

    def _drop_contact(self, ref: ContactRef) -> None:
        if ref.local_id is not None:
            entry = self._contacts.get(ref.local_id)
            same = entry is not None and (ref.cc_id is None or entry.cc_id == ref.cc_id)
            local_id = ref.local_id if same else None
        else:
            local_id = self._contacts_by_cc.get(ref.cc_id or "")
        if local_id is None:
            return
        entry = self._contacts.pop(local_id)
        if self._contacts_by_cc.get(entry.cc_id) == local_id:
            del self._contacts_by_cc[entry.cc_id]
        self._touched_contacts.add(local_id)
        self._move_memberships(local_id, None)


def baseline_after(
    baseline: Baseline, plan: Plan, created_ids: Mapping[int, int | str] | None = None
) -> Baseline:
    """The baseline once every operation of ``plan`` is confirmed; ``created_ids``: op_id → new id."""
    created_ids = created_ids or {}
    builder = BaselineBuilder.for_plan(baseline, plan)
    for op in plan.operations:
        builder.apply(op, created_ids.get(op.op_id))
    return builder.build()
