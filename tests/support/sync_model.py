"""A small, faithful in-memory model of both sides, to run plans without a database or a network.

It behaves like the real sides where the planner's correctness depends on it:

* Constant Contact: email addresses are unique per account; an import (CreateContact) upserts
  by email, revives a deleted contact, and never changes an ``unsubscribed`` permission; list
  memberships cannot be added to an unsubscribed contact; list names are unique (case-insensitive);
  the default list cannot be deleted; values over the field limits are refused; a change to the
  contact record bumps its ``updated`` counter, which incremental reads use — an unsubscribe (which
  also empties the contact's lists), a bounce and a removal from a list by the owner, a bulk activity
  or Update Profile do not (``opted_out`` records when an unsubscribe happened). The push's own
  membership changes do bump it: they stand for the mirror learning what the push confirmed.
  ``World.remote_snapshot`` reads the way ``ctctdesk.sync.remote_reader`` does: changed records,
  unsubscribes since the last read, bounced and deleted contacts, and the members of every list
  whose count differs from the mirror's.
* CRM: list names unique (case-insensitive); companies matched by name ignoring case and spacing;
  eligibility computed from the contact as the CRM rules do (no email, role address, Do Not Contact,
  unsubscribed).

Anything the planner asks that the real side would refuse raises ``ModelRefused`` so tests notice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ctctdesk.crm.rules import ineligibility
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.executor import FORGET_STEP, STEPS
from ctctdesk.sync.operations import (
    BOOKKEEPING,
    AddMembership,
    CreateContact,
    CreateList,
    CreateLocalCompany,
    DeleteList,
    ForgetContact,
    MarkLocalBounced,
    MarkLocalUnsubscribed,
    Operation,
    OpKind,
    RemoveMembership,
    RenameList,
    Side,
    UpdateContact,
)
from ctctdesk.sync.plan import DEFAULT_ROLE_PREFIXES, Plan
from ctctdesk.sync.snapshot import (
    CORE_FIELDS,
    CUSTOM_PREFIX,
    Baseline,
    Eligibility,
    FieldValues,
    LocalCompany,
    LocalContact,
    LocalList,
    LocalSnapshot,
    RemoteContact,
    RemoteList,
    RemoteSnapshot,
    company_key,
    field_limit,
    list_name_key,
)


def in_step_order(plan: Plan) -> list[Operation]:
    """The plan's operations in the order the executor performs them: step by step, plan order within."""
    order: dict[tuple[OpKind, Side | None], int] = {}
    for n, step in enumerate((*STEPS[plan.target], FORGET_STEP)):
        for kind in step.kinds:
            order.setdefault((kind, None if kind in BOOKKEEPING else step.side), n)
    return sorted(plan.operations, key=lambda op: (order[(op.kind, op.side)], op.op_id))


class ModelRefused(AssertionError):
    """The real side would have refused this request."""


@dataclass
class Person:
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    company_name: str = ""
    phone: str = ""
    custom: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: str) -> None:
        if name.startswith(CUSTOM_PREFIX):
            key = name[len(CUSTOM_PREFIX) :]
            if value:
                self.custom[key] = value
            else:
                self.custom.pop(key, None)
        else:
            setattr(self, name, value)

    def get(self, name: str) -> str:
        if name.startswith(CUSTOM_PREFIX):
            return self.custom.get(name[len(CUSTOM_PREFIX) :], "")
        return getattr(self, name)


@dataclass
class CrmContact(Person):
    dnc: bool = False
    email_status: str = "subscribed"


@dataclass
class CcContact(Person):
    status: str = "active"
    lists: set[str] = field(default_factory=set)
    updated: int = 0
    opted_out: int = 0


class CrmModel:
    def __init__(self) -> None:
        self.contacts: dict[int, CrmContact] = {}
        self.lists: dict[int, tuple[str, set[int]]] = {}
        self.companies: dict[int, str] = {}
        self._next = 1

    def new_id(self) -> int:
        self._next += 1
        return self._next

    def eligibility(self, c: CrmContact) -> Eligibility:
        """The CRM's own rule (R1–R3), the one the planner asks too."""
        reason = ineligibility(c.email, c.dnc, c.email_status, DEFAULT_ROLE_PREFIXES)
        return Eligibility(reason.value) if reason is not None else Eligibility.ELIGIBLE

    def add_company(self, name: str) -> None:
        if any(company_key(n) == company_key(name) for n in self.companies.values()):
            raise ModelRefused(f"duplicate company {name!r}")
        self.companies[self.new_id()] = name

    def has_company(self, name: str) -> bool:
        return not name or any(company_key(n) == company_key(name) for n in self.companies.values())

    def add_list(self, name: str) -> int:
        if any(list_name_key(n) == list_name_key(name) for n, _ in self.lists.values()):
            raise ModelRefused(f"duplicate CRM list {name!r}")
        list_id = self.new_id()
        self.lists[list_id] = (name, set())
        return list_id

    def snapshot(self) -> LocalSnapshot:
        contacts = {
            cid: LocalContact(
                cid,
                c.email,
                c.first_name,
                c.last_name,
                c.job_title,
                c.company_name,
                c.phone,
                tuple(sorted(c.custom.items())),
                self.eligibility(c),
                c.email_status,
            )  # fmt: skip
            for cid, c in self.contacts.items()
        }
        lists = {lid: LocalList(lid, name, frozenset(m)) for lid, (name, m) in self.lists.items()}
        companies = {i: LocalCompany(i, n) for i, n in self.companies.items()}
        return LocalSnapshot(contacts, lists, companies)


class CcModel:
    def __init__(self) -> None:
        self.contacts: dict[str, CcContact] = {}
        self.lists: dict[str, tuple[str, bool]] = {}
        self.clock = 0
        self._next = 0
        self.account_id = "acct-1"

    def new_id(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}{self._next:05d}"

    def touch(self, c: CcContact) -> None:
        self.clock += 1
        c.updated = self.clock

    def by_email(self, email: str) -> tuple[str, CcContact] | None:
        email = email.strip().lower()
        for cc_id, c in self.contacts.items():
            if c.email.strip().lower() == email:
                return cc_id, c
        return None

    def add_list(self, name: str, default: bool = False) -> str:
        if any(list_name_key(n) == list_name_key(name) for n, _ in self.lists.values()):
            raise ModelRefused(f"409: duplicate Constant Contact list {name!r}")
        cc_id = self.new_id("list-")
        self.lists[cc_id] = (name, default)
        return cc_id

    def check_limits(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            if len(value) > field_limit(name):
                raise ModelRefused(f"{name} over the Constant Contact limit")

    def unsubscribe(self, c: CcContact) -> None:
        """The contact opts out: off every list, ``updated`` unchanged (the real service's way)."""
        self.clock += 1
        c.status = "unsubscribed"
        c.lists.clear()
        c.opted_out = self.clock

    def record(self, cc_id: str) -> RemoteContact:
        c = self.contacts[cc_id]
        return RemoteContact(
            cc_id, c.email, c.first_name, c.last_name, c.job_title, c.company_name, c.phone,
            tuple(sorted(c.custom.items())), c.status, frozenset(c.lists), str(c.updated),
        )  # fmt: skip

    def snapshot(self, since: int | None = None, known: RemoteSnapshot | None = None) -> RemoteSnapshot:
        """A complete read with status=all (deleted contacts come with status ``deleted``), or with
        ``since`` and the mirror ``known`` the incremental read of the remote reader."""
        lists = {i: RemoteList(i, n, d) for i, (n, d) in self.lists.items()}
        if since is None or known is None:
            contacts = {cc_id: self.record(cc_id) for cc_id in self.contacts}
            return RemoteSnapshot(contacts, lists, complete=True, account_id=self.account_id)
        read = {
            cc_id: self.record(cc_id) for cc_id, c in self.contacts.items()
            if c.updated > since or c.opted_out > since or c.status in ("on_hold", "deleted")
        }  # fmt: skip
        view = {**known.contacts, **read}
        expected = {list_id: 0 for list_id in lists}
        for rc in view.values():
            for list_id in rc.list_ids:
                if list_id in expected and rc.status != "deleted":
                    expected[list_id] += 1
        actual = {list_id: sum(list_id in c.lists for c in self.contacts.values()) for list_id in lists}
        changed = {list_id for list_id in lists if actual[list_id] != expected[list_id]}
        for cc_id, c in self.contacts.items():
            if c.lists & changed:
                read[cc_id] = self.record(cc_id)
        for cc_id, rc in known.contacts.items():
            gone = rc.list_ids & changed
            if gone and cc_id not in read:
                read[cc_id] = dataclasses.replace(rc, list_ids=rc.list_ids - gone)
        return RemoteSnapshot(read, lists, complete=False, account_id=self.account_id)


class World:
    """Both sides plus the stored baseline and the time of the last sync (for incremental reads)."""

    def __init__(self) -> None:
        self.crm = CrmModel()
        self.cc = CcModel()
        self.baseline = Baseline.empty()
        self.mirror: RemoteSnapshot | None = None
        self.last_read = 0

    def remote_snapshot(self) -> RemoteSnapshot:
        """What the remote reader gives the planner: a mirror updated by an incremental read."""
        if self.mirror is None:
            read = self.cc.snapshot()
        else:
            read = self.mirror.merged(self.cc.snapshot(since=self.last_read, known=self.mirror))
        self.mirror, self.last_read = read, self.cc.clock
        return read

    def apply(self, plan: Plan, stop_after: int | None = None, record_last: bool = True) -> None:
        """Execute the operations in order, advancing the baseline per confirmed operation.

        ``stop_after`` simulates a run killed after that many operations; with ``record_last`` False
        the last one was done on its side but the kill came before its confirmation was recorded.
        """
        builder = BaselineBuilder.for_plan(self.baseline, plan)
        ops = in_step_order(plan)
        ops = ops if stop_after is None else ops[:stop_after]
        for n, op in enumerate(ops, 1):
            created = self._perform(op, builder)
            if record_last or n < len(ops):
                builder.apply(op, created)
        self.baseline = builder.build()

    # -- one operation ------------------------------------------------------------------------------------

    def _perform(self, op: Operation, builder: BaselineBuilder) -> int | str | None:
        crm, cc = self.crm, self.cc
        match op:
            case CreateList(side=Side.CC, list=ref):
                return cc.add_list(ref.name)
            case RenameList(side=Side.CC, list=ref, new_name=name):
                cc_id = builder.resolve_list(ref).cc_id
                if any(
                    list_name_key(n) == list_name_key(name) for i, (n, _) in cc.lists.items() if i != cc_id
                ):
                    raise ModelRefused("409 on rename")
                cc.lists[cc_id] = (name, cc.lists[cc_id][1])
            case DeleteList(side=Side.CC, list=ref):
                cc_id = builder.resolve_list(ref).cc_id
                if cc.lists[cc_id][1]:
                    raise ModelRefused("the default list cannot be deleted")
                del cc.lists[cc_id]
                for c in cc.contacts.values():
                    c.lists.discard(cc_id)
            case CreateContact(side=Side.CC, fields=fields, lists=lists):
                values = fields.as_dict()
                cc.check_limits(values)
                found = cc.by_email(fields.email)
                if found is None:
                    cc_id, c = cc.new_id("c-"), CcContact()
                    cc.contacts[cc_id] = c
                else:
                    cc_id, c = found
                    if c.status == "deleted":
                        c.status = "active"
                # Executor contract: the contact ends with exactly these values, blanks included.
                for name in CORE_FIELDS:
                    c.set(name, values.get(name, ""))
                c.custom = dict(fields.custom)
                if c.status != "unsubscribed":
                    c.lists.update(builder.resolve_list(x).cc_id for x in lists)
                cc.touch(c)
                return cc_id
            case UpdateContact(side=Side.CC, contact=ref, changes=changes):
                cc_id = builder.resolve_contact(ref).cc_id
                c = cc.contacts[cc_id]
                cc.check_limits({k: v for k, v in changes if k in CORE_FIELDS or k.startswith(CUSTOM_PREFIX)})
                for name, value in changes:
                    if name == "email":
                        other = cc.by_email(value)
                        if other is not None and other[0] != cc_id:
                            raise ModelRefused("email already used by another contact")
                    c.set(name, value)
                cc.touch(c)
            case AddMembership(side=Side.CC, list=lst, contact=ref):
                c = cc.contacts[builder.resolve_contact(ref).cc_id]
                if c.status == "unsubscribed":
                    raise ModelRefused("cannot add an unsubscribed contact to a list")
                c.lists.add(builder.resolve_list(lst).cc_id)
                cc.touch(c)
            case RemoveMembership(side=Side.CC, list=lst, contact=ref):
                c = cc.contacts[builder.resolve_contact(ref).cc_id]
                c.lists.discard(builder.resolve_list(lst).cc_id)
                cc.touch(c)
            case CreateLocalCompany(name=name):
                crm.add_company(name)
            case CreateList(side=Side.CRM, list=ref):
                return crm.add_list(ref.name)
            case RenameList(side=Side.CRM, list=ref, new_name=name):
                local_id = builder.resolve_list(ref).local_id
                for i, (n, _) in crm.lists.items():
                    if i != local_id and list_name_key(n) == list_name_key(name):
                        raise ModelRefused("duplicate CRM list name on rename")
                crm.lists[local_id] = (name, crm.lists[local_id][1])
            case DeleteList(side=Side.CRM, list=ref):
                del crm.lists[builder.resolve_list(ref).local_id]
            case CreateContact(side=Side.CRM, fields=fields, email_status=status, lists=lists):
                if not crm.has_company(fields.company_name):
                    raise ModelRefused(f"company {fields.company_name!r} was not created first")
                local_id = crm.new_id()
                c = CrmContact(email_status=status)
                for name, value in fields.as_dict().items():
                    c.set(name, value)
                crm.contacts[local_id] = c
                for x in lists:
                    if crm.eligibility(c) is not Eligibility.ELIGIBLE:
                        raise ModelRefused("an ineligible contact cannot be ticked into a list")
                    crm.lists[builder.resolve_list(x).local_id][1].add(local_id)
                return local_id
            case UpdateContact(side=Side.CRM, contact=ref, changes=changes):
                c = crm.contacts[builder.resolve_contact(ref).local_id]
                for name, value in changes:
                    if name == "company_name" and not crm.has_company(value):
                        raise ModelRefused(f"company {value!r} was not created first")
                    c.set(name, value)
            case MarkLocalUnsubscribed(contact=ref):
                crm.contacts[builder.resolve_contact(ref).local_id].email_status = "unsubscribed"
            case MarkLocalBounced(contact=ref):
                crm.contacts[builder.resolve_contact(ref).local_id].email_status = "bounced"
            case AddMembership(side=Side.CRM, list=lst, contact=ref):
                local_id = builder.resolve_contact(ref).local_id
                if crm.eligibility(crm.contacts[local_id]) is not Eligibility.ELIGIBLE:
                    raise ModelRefused("an ineligible contact cannot be ticked into a list")
                crm.lists[builder.resolve_list(lst).local_id][1].add(local_id)
            case RemoveMembership(side=Side.CRM, list=lst, contact=ref):
                crm.lists[builder.resolve_list(lst).local_id][1].discard(
                    builder.resolve_contact(ref).local_id
                )
            case ForgetContact():
                pass
            case _:
                if op.changes_data:
                    raise AssertionError(f"model does not know {op.type_name}")
        return None

    # -- helpers for tests -----------------------------------------------------------------------------------

    def values_crm(self, local_id: int) -> FieldValues:
        return self.crm.snapshot().contacts[local_id].values()
