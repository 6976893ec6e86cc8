"""The pure sync planner: (local, remote, baseline, direction, settings) → Plan.

How it decides (vdirsyncer's three-way model, with fields, lists and memberships):
for every list, contact, field and membership it compares the source side, the target side and the
baseline (what both agreed after the last sync). A change on the source is carried to the target; a
change on the target alone is kept and counted in ``pending_other_way`` (R8); a change on both sides
is resolved for the source and listed as a conflict. No I/O, no clock, no randomness: the same inputs
always give the same plan, which is what the property tests rely on.

Decisions worth knowing (product rules in brackets):

* Contacts are matched by baseline link (Constant Contact id), else by email, case-insensitive (R9).
  An email change keeps the link, so the identity survives (R7). Two CRM contacts with one email:
  the lowest id is used, the other is skipped as ``duplicate_email``. Nothing is ever created twice.
* Push (``to_cc``) sends only eligible contacts (R1–R3) that are members of a list. A contact that
  becomes Do Not Contact or unsubscribed in the CRM is removed from its Constant Contact lists (R2).
  A contact unsubscribed in Constant Contact is never updated, added or re-imported (R3). A contact
  deleted in Constant Contact is left alone by a push (it is pending for the pull, R4).
* Pull (``from_cc``) brings every Constant Contact contact that is in a synced list into the CRM
  (first pull = initial activation, C5), creating companies missing by name (R9, new companies are customers) and
  lists (the default list included). An unsubscribe marks the CRM contact unsubscribed and removes it
  from every local list (R3); a deletion removes it from the local lists and keeps the record (R4).
  Only eligible contacts are added to local lists (they are the only ones that can be ticked, L6).
* A first sync of a pair (no baseline yet) never removes anything and never blanks a value: an empty
  source value leaves the target's value in place (pending the other way).
* The same person entered again on one side (deleted, then created with the same email) takes over
  the old link (``RelinkContact``), so the re-entry is merged as an edit and never duplicates (R9).
* Constant Contact contacts in no synced list are not brought into the CRM (a contact deleted from the
  CRM does not come back for that). Unsubscribed ones in a list come in marked unsubscribed, in no
  list (R3); a CRM contact with the same address is matched and marked.
* The account's default list is never deleted (R6); it stays linked, and each push lists it as skipped.
* R10: values are compared and sent in Constant Contact space (shortened to the limits); every
  shortened value sent is listed as a :class:`Truncation`. The CRM keeps its full value.
* R14: a baseline recorded for another account is ignored (``Plan.baseline_ignored``): the run plans
  as a first sync, which matches by name/email and deletes nothing; the executor must then replace the
  stored baseline wholesale. A first sync needs a complete remote read (``PlanError`` otherwise).
  The mass-change guard is in ``Plan.guard``; the planner reports, the caller refuses without confirmation.

Executor contract (see also :mod:`ctctdesk.sync.baseline_update`):

* Executing ``Plan.operations`` in ``op_id`` order is always valid. Batching operations of one kind is
  fine as long as creations (lists, companies, contacts) are confirmed before the operations that
  refer to what they created (refs with a missing id: resolve them with ``BaselineBuilder.resolve_*``).
* After an operation is confirmed, call ``BaselineBuilder.apply(op, created_id)`` (``created_id`` =
  the id a creation got on its target side) and persist the baseline entries it changed. Bookkeeping
  operations (``changes_data`` False) need no I/O; apply a ``ForgetContact`` only once the ops in its
  ``after`` are confirmed. An operation that failed is simply not applied: the next plan redoes it.
* ``UpdateContact`` for Constant Contact with an ``email`` change must be sent by contact id, not by
  email import.
* Remote reads: keep the last complete snapshot as a mirror and fold each incremental read
  (``updated_after`` the previous read) into it with ``RemoteSnapshot.merged``; plan on the result.
  A bare incremental snapshot (``complete=False``) makes the planner assume absent contacts equal the
  baseline, which is wrong after a push left Constant Contact-side changes pending.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from ctctdesk.crm import rules
from ctctdesk.sync.errors import PlanError
from ctctdesk.sync.mapping import TagAction
from ctctdesk.sync.operations import (
    AddMembership,
    AgreeMembership,
    Conflict,
    ContactRef,
    CreateContact,
    CreateList,
    CreateLocalCompany,
    DeleteList,
    Direction,
    ForgetContact,
    ForgetList,
    Guard,
    LimitNote,
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
    Skip,
    SkipReason,
    Truncation,
    UpdateContact,
)
from ctctdesk.sync.plan_limits import within_limits
from ctctdesk.sync.snapshot import (
    CORE_FIELDS,
    EMAIL_LIMIT,
    Baseline,
    BaselineContact,
    BaselineList,
    Eligibility,
    EmailStatus,
    FieldValues,
    LocalContact,
    LocalList,
    LocalSnapshot,
    RemoteContact,
    RemoteList,
    RemoteSnapshot,
    RemoteStatus,
    cc_value,
    company_key,
    field_limit,
    list_name_key,
)

#: R1: the CRM's rule decides (one rule for the lists tab, the CSV import and the sync); the service
#: passes the configured prefixes in :class:`PlanSettings`, so the planner itself reads nothing.
DEFAULT_ROLE_PREFIXES: frozenset[str] = frozenset(rules.DEFAULT_ROLE_PREFIXES)

#: CRM email statuses a bounce in Constant Contact does not need to change.
_BOUNCED_OR_GONE = frozenset({EmailStatus.BOUNCED, EmailStatus.UNSUBSCRIBED})


@dataclass(frozen=True, slots=True)
class PlanSettings:
    #: R14: a run removing more than this share of what is linked, and at least ``guard_min_items``
    #: items, needs confirmation.
    guard_share: float = 0.20
    guard_min_items: int = 50
    #: R14 per list: a push taking every member out of a list, or more than this share of a list of at
    #: least ``list_guard_min_members`` members, needs confirmation too.
    list_guard_share: float = 0.5
    list_guard_min_members: int = 10
    #: R1 for contacts that arrive from Constant Contact (CRM contacts come with their eligibility).
    role_prefixes: frozenset[str] = DEFAULT_ROLE_PREFIXES
    #: Recognises the default list when the remote reader could not flag it (R6).
    default_list_name: str = "General Interest"
    #: R15: the email service's limits (`sync.service_limits`), filled in by the sync service (None: no limit).
    custom_field_label_limit: int | None = None
    custom_fields_per_account: int | None = None
    custom_fields_per_contact: int | None = None
    lists_per_account: int | None = None
    #: R11: Constant Contact label → CRM field for labels that are not the CRM field's name (the field
    #: mapping's chosen labels; ``mapping.PHONE_COLUMN`` = the phone), and label → type to create it with.
    crm_names: Mapping[str, str] = field(default_factory=dict)
    field_types: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Plan:
    direction: Direction
    operations: tuple[Operation, ...]
    skips: tuple[Skip, ...] = ()
    truncations: tuple[Truncation, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    #: R8: changes on the target side that this direction leaves for the other one.
    pending_other_way: int = 0
    guard: Guard = field(default_factory=lambda: Guard(False, (), 0, 0))
    #: The Constant Contact account the resulting baseline belongs to.
    account_id: str = ""
    #: The given baseline belonged to another account and was not used (R14).
    baseline_ignored: bool = False
    #: R15: what Constant Contact's limits keep from being sent as the CRM has it.
    limit_notes: tuple[LimitNote, ...] = ()
    #: R11: Constant Contact label → CRM field, where they differ (chosen labels and labels shortened to
    #: the limit): a pull writes what comes under the label into that field, never into a new one.
    crm_names: Mapping[str, str] = field(default_factory=dict)
    #: R11: Constant Contact label → the type a missing custom field is created with ("string" otherwise).
    field_types: Mapping[str, str] = field(default_factory=dict)
    #: R11: tag renames, merges and deletions done in Constant Contact before the contacts (pushes only).
    tag_actions: tuple[TagAction, ...] = ()

    @property
    def is_empty(self) -> bool:
        """Nothing at all to do — no data change, no baseline bookkeeping, no tag to rename (R11)."""
        return not self.operations and not self.tag_actions

    @property
    def changes(self) -> tuple[Operation, ...]:
        """Operations that change one of the sides (what a preview shows)."""
        return tuple(op for op in self.operations if op.changes_data)

    @property
    def target(self) -> Side:
        return Side.CC if self.direction is Direction.TO_CC else Side.CRM


def person_label(person, email: str | None = None) -> str:
    """How a preview names a contact: “Alice Archer <alice@acme.com>”, or the email or the name alone
    when the other is missing (a label for people; nothing matches on it)."""
    email = person.email if email is None else email
    name = f"{person.first_name} {person.last_name}".strip()
    if name and email:
        return f"{name} <{email}>"
    return email or name


def plan(
    local: LocalSnapshot,
    remote: RemoteSnapshot,
    baseline: Baseline,
    direction: Direction | str,
    settings: PlanSettings | None = None,
) -> Plan:
    """Plan one direction. ``both`` is two plans: see :func:`ctctdesk.sync.operations.steps`."""
    direction = Direction(direction)
    if direction is Direction.BOTH:
        raise PlanError("plan one direction at a time: from_cc, apply it, then to_cc")
    # Planning allocates hundreds of thousands of small objects and frees none of them before the
    # end, while the snapshots hold millions: the cyclic garbage collector would rescan all of them
    # again and again for nothing (it doubled the time at 100,000 contacts). Paused, then restored.
    was_enabled = gc.isenabled()
    gc.disable()
    settings = settings or PlanSettings()
    fitted = within_limits(local, remote, baseline, push=direction is Direction.TO_CC,
                           label_limit=settings.custom_field_label_limit,
                           fields_per_account=settings.custom_fields_per_account,
                           fields_per_contact=settings.custom_fields_per_contact,
                           lists_per_account=settings.lists_per_account)  # fmt: skip
    try:
        result = _Planner(fitted.local, remote, baseline, direction, settings).run()
    finally:
        if was_enabled:
            gc.enable()
    names = dict(settings.crm_names)
    for label, sent in fitted.shortened:  # the way back from a label cut to the limit (R11, R15)
        names[sent] = names.get(label, label)
    if names or settings.field_types:
        result = replace(result, crm_names=names, field_types=dict(settings.field_types))
    if not fitted.notes and not fitted.refused_lists:
        return result
    refused = tuple(Skip(SkipReason.LIST_LIMIT, list=ListRef(lst.local_id, None, lst.name))
                    for lst in fitted.refused_lists)
    return replace(result, skips=refused + result.skips, limit_notes=fitted.notes)


# ---------------------------------------------------------------------------------------------------
# Internals


def _same_raw(contact: LocalContact | RemoteContact, values: FieldValues) -> bool:
    """Are the contact's stored values exactly these (already normalised) values? Normalising is
    idempotent, so then ``contact.values() == values`` too — without the cost of computing it."""
    return (
        contact.email == values[0]
        and contact.first_name == values[1]
        and contact.last_name == values[2]
        and contact.job_title == values[3]
        and contact.company_name == values[4]
        and contact.phone == values[5]
        and contact.custom_fields == values[6]
    )


# Phases give the execution order: list deletions free their names for creations and renames;
# creations come before what refers to them; link removals last.
_PH_COMPANY, _PH_DELETE, _PH_LIST, _PH_CONTACT, _PH_ADD, _PH_REMOVE, _PH_FORGET = range(7)


class _Draft:
    """An operation before its id is known (ids follow execution order, assigned at the end)."""

    __slots__ = ("cls", "kw", "op_id")

    def __init__(self, cls: type[Operation], kw: dict) -> None:
        self.cls = cls
        self.kw = kw
        self.op_id = -1


class _ListPair:
    """One list as seen on both sides and in the baseline, plus what this run does with it."""

    __slots__ = (
        "slot",
        "local",
        "remote",
        "base",
        "alive",
        "fresh",
        "dying",
        "local_id",
        "cc_id",
        "name",
        "_ref",
    )

    def __init__(self, slot: int, local: LocalList | None, remote: RemoteList | None,
                 base: BaselineList | None) -> None:  # fmt: skip
        self.slot = slot
        self.local = local
        self.remote = remote
        self.base = base
        self.alive = False  # memberships of this list are synced in this run
        self.fresh = base is None  # the baseline's memberships do not apply (new link / recreated)
        self.dying = False  # deleted on the target by this run
        self._ref: ListRef | None = None
        self.local_id = local.local_id if local else (base.local_id if base else None)
        self.cc_id = remote.cc_id if remote else (base.cc_id if base else None)
        self.name = local.name if local else (remote.name if remote else base.name if base else "")

    def ref(self) -> ListRef:
        """The list's ref, shared by all operations on it (100,000 of them on a first sync)."""
        r = self._ref
        if r is None or r.local_id != self.local_id or r.cc_id != self.cc_id or r.name != self.name:
            r = self._ref = ListRef(self.local_id, self.cc_id, self.name)
        return r


class _Planner:
    def __init__(self, local: LocalSnapshot, remote: RemoteSnapshot, baseline: Baseline,
                 direction: Direction, settings: PlanSettings) -> None:  # fmt: skip
        self.local = local
        self.remote = remote
        self.direction = direction
        self.settings = settings
        self.push = direction is Direction.TO_CC
        #: The side every data-changing operation of this plan acts on.
        self.target = Side.CC if self.push else Side.CRM
        self.baseline_ignored = bool(
            baseline.account_id and remote.account_id and baseline.account_id != remote.account_id
        )
        if self.baseline_ignored:
            baseline = Baseline.empty(remote.account_id)
        self.base = baseline
        if not remote.complete and not baseline.contacts and not baseline.lists:
            raise PlanError("the first sync with this account needs a complete read of Constant Contact")
        self.phases: list[list[_Draft]] = [[] for _ in range(7)]
        self.skips: list[Skip] = []
        self.truncations: list[Truncation] = []
        self.conflicts: list[Conflict] = []
        self.pending = 0
        self.pairs: list[_ListPair] = []
        self.slot_by_local: dict[int, int] = {}
        self.slot_by_cc: dict[str, int] = {}
        self.new_companies: set[str] = set()
        self.company_names_seen: set[str] = set()
        self.known_companies = {company_key(c.name) for c in local.companies.values()}
        self.removal_count = 0
        self._local_email_set: set[str] | None = None
        self._slots_memo: dict[frozenset[str], frozenset[int]] = {}
        # (contact, changes, source values, target email now, baseline values)
        self._email_moves: list[tuple[ContactRef, dict[str, str], FieldValues, str, FieldValues]] = []
        # pull: contacts deleted from the CRM and changed in Constant Contact whose address another CRM
        # contact holds; re-created once the moves are known, if that contact passes the address on
        self._recreate_when_freed: list[tuple[str, FieldValues, frozenset[int], str, BaselineContact,
                                              frozenset[int]]] = []

    # -- driver ---------------------------------------------------------------------------------------

    def run(self) -> Plan:
        self._pair_lists()
        self._decide_lists()
        self._index_memberships()
        self._contacts()
        return Plan(
            direction=self.direction,
            operations=self._number(),
            skips=tuple(self.skips),
            truncations=tuple(self.truncations),
            conflicts=tuple(self.conflicts),
            pending_other_way=self.pending,
            guard=self._guard(),
            account_id=self.remote.account_id or self.base.account_id,
            baseline_ignored=self.baseline_ignored,
        )

    def _emit(self, phase: int, cls: type[Operation], **kw) -> _Draft:
        draft = _Draft(cls, kw)
        self.phases[phase].append(draft)
        return draft

    def _number(self) -> tuple[Operation, ...]:
        ops: list[Operation] = []
        next_id = 1
        for bucket in self.phases:
            for draft in bucket:
                draft.op_id = next_id
                next_id += 1
                kw = draft.kw
                if "after" in kw:
                    kw = dict(kw, after=tuple(d.op_id for d in kw["after"]))
                ops.append(draft.cls(op_id=draft.op_id, **kw))
        return tuple(ops)

    # -- lists ----------------------------------------------------------------------------------------

    def _add_pair(self, local: LocalList | None, remote: RemoteList | None,
                  base: BaselineList | None) -> _ListPair:  # fmt: skip
        pair = _ListPair(len(self.pairs), local, remote, base)
        self.pairs.append(pair)
        if local is not None:
            self.slot_by_local[local.local_id] = pair.slot
        elif base is not None:
            self.slot_by_local[base.local_id] = pair.slot
        if remote is not None:
            self.slot_by_cc[remote.cc_id] = pair.slot
        elif base is not None:
            self.slot_by_cc[base.cc_id] = pair.slot
        return pair

    def _pair_lists(self) -> None:
        local_lists, remote_lists = self.local.lists, self.remote.lists
        for b in self.base.lists.values():
            self._add_pair(local_lists.get(b.local_id), remote_lists.get(b.cc_id), b)
        unlinked_remote: dict[str, RemoteList] = {}
        for r in sorted(remote_lists.values(), key=lambda r: r.cc_id):
            if r.cc_id not in self.base.lists_by_cc:
                unlinked_remote.setdefault(list_name_key(r.name), r)
        for lst in sorted(local_lists.values(), key=lambda x: x.local_id):
            if lst.local_id in self.base.lists:
                continue
            match = unlinked_remote.pop(list_name_key(lst.name), None)
            self._add_pair(lst, match, None)
        for r in remote_lists.values():
            if r.cc_id not in self.base.lists_by_cc and r.cc_id not in self.slot_by_cc:
                self._add_pair(None, r, None)

    def _is_default(self, remote: RemoteList | None) -> bool:
        if remote is None:
            return False
        if remote.is_default:
            return True
        if any(r.is_default for r in self.remote.lists.values()):
            return False
        return list_name_key(remote.name) == list_name_key(self.settings.default_list_name)

    def _decide_lists(self) -> None:
        # Names in use on the target after this run, to avoid creating a duplicate (Constant Contact
        # answers 409; the CRM forbids it, D4).
        if self.push:
            taken = {list_name_key(r.name): r.cc_id for r in self.remote.lists.values()}
        else:
            taken = {list_name_key(x.name): x.local_id for x in self.local.lists.values()}
        # Renames first (in an order that frees names for each other), then creations.
        self._renames: list[tuple[_ListPair, str, str, Conflict | None]] = []
        creates: list[tuple[_ListPair, str, Conflict | None]] = []
        for pair in self.pairs:
            src, tgt = (pair.local, pair.remote) if self.push else (pair.remote, pair.local)
            base = pair.base
            if base is not None and src is not None and tgt is not None:
                self._linked_list_both(pair, src.name, tgt.name, base.name)
            elif base is not None and src is None and tgt is not None:
                self._source_deleted_list(pair, tgt.name, taken)
            elif base is not None and src is not None:  # target deleted it
                if src.name != base.name or self._source_members_changed(pair):
                    pair.fresh = True
                    conflict = Conflict("list", src.name, "(deleted)", self._source_side, list=pair.ref())
                    creates.append((pair, src.name, conflict))
                else:
                    self.pending += 1
            elif base is not None:  # gone on both sides
                self._emit(_PH_FORGET, ForgetList, list=pair.ref())
            elif src is not None and tgt is not None:  # first match by name
                pair.alive = True
                self._emit(_PH_LIST, LinkList, list=ListRef(pair.local_id, pair.cc_id, tgt.name))
                if src.name != tgt.name:
                    self._renames.append((pair, tgt.name, src.name, None))
            elif src is not None:
                creates.append((pair, src.name, None))
            else:
                self.pending += 1  # exists only on the target: created there by the other direction
        todo, progress = self._renames, True
        while todo and progress:
            progress, rest = False, []
            for pair, old, new, conflict in todo:
                owner = taken.get(list_name_key(new))
                if owner is not None and owner != (pair.cc_id if self.push else pair.local_id):
                    rest.append((pair, old, new, conflict))
                    continue
                if conflict is not None:
                    self.conflicts.append(conflict)
                self._rename_target(pair, old, new, taken)
                progress = True
            todo = rest
        for pair, _, _, _ in todo:  # a cycle of renames (A↔B) cannot be done without a temporary name
            self.skips.append(Skip(SkipReason.LIST_NAME_TAKEN, list=pair.ref()))
        for pair, name, conflict in creates:
            if self._create_target_list(pair, name, taken) and conflict is not None:
                self.conflicts.append(conflict)

    @property
    def _source_side(self) -> Side:
        return Side.CRM if self.push else Side.CC

    def _linked_list_both(self, pair: _ListPair, sname: str, tname: str, bname: str) -> None:
        pair.alive = True
        if sname != bname:
            if tname != sname:
                conflict = None
                if tname != bname:
                    conflict = Conflict("name", sname, tname, self._source_side, list=pair.ref())
                self._renames.append((pair, tname, sname, conflict))
            else:
                self._emit(_PH_LIST, LinkList, list=ListRef(pair.local_id, pair.cc_id, sname))
        elif tname != bname:
            self.pending += 1

    def _rename_target(self, pair: _ListPair, old_name: str, new_name: str, taken: dict) -> None:
        mine = pair.cc_id if self.push else pair.local_id
        if taken.get(list_name_key(old_name)) == mine:
            del taken[list_name_key(old_name)]
        taken[list_name_key(new_name)] = mine
        pair.name = new_name
        self._emit(_PH_LIST, RenameList, side=self.target, list=pair.ref(), new_name=new_name)

    def _create_target_list(self, pair: _ListPair, name: str, taken: dict) -> bool:
        key = list_name_key(name)
        if key in taken:
            self.skips.append(Skip(SkipReason.LIST_NAME_TAKEN, list=pair.ref()))
            return False
        taken[key] = None
        pair.alive = True
        pair.fresh = True
        pair.name = name
        if self.push:
            pair.cc_id = None
            self._emit(_PH_LIST, CreateList, side=Side.CC, list=pair.ref())
        else:
            pair.local_id = None
            self._emit(_PH_LIST, CreateList, side=Side.CRM, list=pair.ref())
        return True

    def _source_deleted_list(self, pair: _ListPair, tname: str, taken: dict) -> None:
        base = pair.base
        assert base is not None
        if self.push and self._is_default(pair.remote):
            # Kept in Constant Contact and kept linked: a pull does not bring it back unless it
            # changes there, and each push says why it stays.
            self.skips.append(Skip(SkipReason.DEFAULT_LIST, list=pair.ref()))
            return
        if tname != base.name:
            self.conflicts.append(Conflict("list", "(deleted)", tname, self._source_side, list=pair.ref()))
        pair.dying = True
        self._emit(_PH_DELETE, DeleteList, side=self.target, list=pair.ref())
        if taken.get(list_name_key(tname)) == (pair.cc_id if self.push else pair.local_id):
            del taken[list_name_key(tname)]
        self.removal_count += 1 + len(base.member_ids)

    def _source_members_changed(self, pair: _ListPair) -> bool:
        """Did the source change this list's members since the baseline? (target deleted the list)"""
        base = pair.base
        assert base is not None
        if self.push:
            assert pair.local is not None
            return pair.local.member_ids != base.member_ids
        cc_list = base.cc_id
        by_cc = self.base.contacts_by_cc
        for rc in self.remote.contacts.values():
            link = by_cc.get(rc.cc_id)
            was = link is not None and link.local_id in base.member_ids
            now = cc_list in rc.list_ids and rc.status != RemoteStatus.DELETED
            if was != now:
                return True
        if self.remote.complete:
            members_cc = {self.base.contacts[i].cc_id for i in base.member_ids if i in self.base.contacts}
            return any(cc not in self.remote.contacts for cc in members_cc)
        return False

    # -- memberships ------------------------------------------------------------------------------------

    def _index_memberships(self) -> None:
        self.local_lists_of: dict[int, list[int]] = defaultdict(list)
        for lst in self.local.lists.values():
            append_to = self.local_lists_of
            slot = self.slot_by_local[lst.local_id]
            for cid in lst.member_ids:
                append_to[cid].append(slot)
        self.base_lists_of: dict[int, list[int]] = defaultdict(list)
        for b in self.base.lists.values():
            slot = self.slot_by_local[b.local_id]
            # Kept even for "fresh" pairs: an unchanged remote contact still has these memberships;
            # the merge ignores the baseline of fresh pairs itself.
            append_to = self.base_lists_of
            for cid in b.member_ids:
                append_to[cid].append(slot)
        self.local_lists_of = dict(self.local_lists_of)
        self.base_lists_of = dict(self.base_lists_of)
        self.live_slot_by_cc = {cc: self.slot_by_cc[cc] for cc in self.remote.lists if cc in self.slot_by_cc}
        self.remote_list_present = frozenset(self.live_slot_by_cc.values())

    def _remote_slots(self, list_ids: frozenset[str]) -> frozenset[int]:
        # Only lists that still exist: a contact read before its list was deleted may still name it.
        # Few distinct combinations of lists exist, so the answers are remembered.
        slots = self._slots_memo.get(list_ids)
        if slots is None:
            by_cc = self.live_slot_by_cc
            slots = self._slots_memo[list_ids] = frozenset(by_cc[cc] for cc in list_ids if cc in by_cc)
        return slots

    # -- contacts -------------------------------------------------------------------------------------

    def _contacts(self) -> None:
        local_contacts, remote_contacts = self.local.contacts, self.remote.contacts
        base = self.base
        empty: frozenset[int] = frozenset()
        local_lists_of, base_lists_of = self.local_lists_of, self.base_lists_of
        complete = self.remote.complete
        present = self.remote_list_present

        by_cc = base.contacts_by_cc
        unlinked_ids = sorted(i for i in local_contacts if i not in base.contacts)
        # Unlinked Constant Contact contacts by email, for a linked CRM contact whose Constant Contact
        # counterpart was deleted and entered again there.
        unlinked_remote: dict[str, RemoteContact] = {}
        for cc_id, rc in remote_contacts.items():
            if cc_id not in by_cc and rc.status != RemoteStatus.DELETED:
                unlinked_remote[cc_value("email", rc.email)] = rc
        # Emails held by linked CRM contacts cannot match anything else (R9). Only needed when
        # something is unlinked: skipped in the common "nothing new" case.
        linked_local_emails: dict[str, int] = {}
        if unlinked_ids or unlinked_remote:
            for b in base.contacts.values():
                lc = local_contacts.get(b.local_id)
                if lc is not None:
                    linked_local_emails[cc_value("email", lc.email)] = b.local_id
        # Unlinked CRM contacts by email; the lowest local id wins a shared email.
        unlinked_local: dict[str, LocalContact] = {}
        unmatched_local: list[LocalContact] = []
        for local_id in unlinked_ids:
            lc = local_contacts[local_id]
            email = cc_value("email", lc.email)
            if email and email not in unlinked_local and email not in linked_local_emails:
                unlinked_local[email] = lc
            else:
                unmatched_local.append(lc)
        orphans = len(base.contacts) - (len(local_contacts) - len(unlinked_ids))
        relink_to, given_up = self._remote_reentries(unlinked_remote, orphans > 0)
        relinked = {rc.cc_id for rc in relink_to.values()}
        linked_remote_emails: set[str] = set()
        for b in base.contacts.values():
            if b.local_id in given_up:
                # Its Constant Contact contact now belongs to the CRM contact relinked to it.
                self._emit(_PH_FORGET, ForgetContact, contact=ContactRef(b.local_id, b.cc_id, person_label(b.fields)))
                continue
            lc = local_contacts.get(b.local_id)
            rc = remote_contacts.get(b.cc_id)
            lmem = frozenset(local_lists_of.get(b.local_id, empty))
            bmem = frozenset(base_lists_of.get(b.local_id, empty))
            again = relink_to.get(b.local_id)
            if again is not None and lc is not None:
                # Deleted in Constant Contact and entered again there: the same person (R9).
                ref = self._lref(lc, again.cc_id)
                self._emit(_PH_LIST, RelinkContact, contact=ref, old_local_id=b.local_id)
                b, rc = BaselineContact(b.local_id, again.cc_id, b.fields), again
            if rc is not None:
                if rc.status == RemoteStatus.DELETED:
                    if lc is not None:  # the link stays: an import of the address would revive it
                        linked_remote_emails.add(cc_value("email", rc.email))
                    self._remote_gone(lc, b, lmem, bmem)
                    continue
                rvals = b.fields if _same_raw(rc, b.fields) else rc.values()
                rmem, rstatus = self._remote_slots(rc.list_ids), rc.status
            elif complete:
                self._remote_gone(lc, b, lmem, bmem)
                continue
            else:  # incremental read: not updated since the last sync
                rvals, rmem, rstatus = b.fields, bmem & present, RemoteStatus.ACTIVE
            linked_remote_emails.add(rvals.email)
            if lc is None and rvals.email in unlinked_local:
                # Deleted from the CRM and entered again: the same person (R9). The new record
                # takes over the link, and the three-way merge sees the re-entry as an edit.
                lc = unlinked_local.pop(rvals.email)
                self._emit(_PH_LIST, RelinkContact, contact=self._lref(lc, b.cc_id), old_local_id=b.local_id)
                b = BaselineContact(lc.local_id, b.cc_id, b.fields)
                lmem = frozenset(local_lists_of.get(lc.local_id, empty))
            if (
                lc is not None
                and rvals == b.fields
                and lmem == bmem
                and rmem == bmem
                and rstatus == RemoteStatus.ACTIVE
                and lc.eligibility is Eligibility.ELIGIBLE
                and (_same_raw(lc, b.fields) or lc.values() == b.fields)
            ):
                continue  # nothing changed anywhere: the common case, kept cheap
            self._pair(lc, b.cc_id, rvals, rmem, rstatus, b, lmem, bmem)

        freed = self._resolve_email_moves()
        for cc_id, rvals, rmem, rstatus, b, bmem in self._recreate_when_freed:
            if rvals.email in freed:  # the CRM contact holding it moves to another address first
                self._recreate(cc_id, rvals, rmem, rstatus, b, bmem)
            else:
                self.skips.append(Skip(SkipReason.DUPLICATE_EMAIL, contact=ContactRef(b.local_id, cc_id,
                                                                                      person_label(rvals))))
        claimed = (set(linked_local_emails) | linked_remote_emails) - freed
        for rc in sorted(remote_contacts.values(), key=lambda r: r.cc_id):
            if rc.cc_id in by_cc or rc.status == RemoteStatus.DELETED or rc.cc_id in relinked:
                continue
            rvals = rc.values()
            lc = unlinked_local.pop(rvals.email, None) if rvals.email else None
            lmem = frozenset(local_lists_of.get(lc.local_id, empty)) if lc is not None else empty
            if lc is None and rvals.email in linked_local_emails and rvals.email not in freed:
                if not self.push:
                    ref = ContactRef(linked_local_emails[rvals.email], rc.cc_id, person_label(rvals))
                    self.skips.append(Skip(SkipReason.DUPLICATE_EMAIL, contact=ref))
                continue
            claimed.add(rvals.email)
            self._pair(lc, rc.cc_id, rvals, self._remote_slots(rc.list_ids), rc.status, None, lmem, empty)
        leftovers = sorted(list(unlinked_local.values()) + unmatched_local, key=lambda c: c.local_id)
        for lc in leftovers:
            lmem = frozenset(local_lists_of.get(lc.local_id, empty))
            if not self.push:
                if lmem:
                    self.pending += 1
                continue
            email = cc_value("email", lc.email)
            if email and email in claimed and lc.eligibility is Eligibility.ELIGIBLE:
                if self._alive(lmem):
                    self.skips.append(Skip(SkipReason.DUPLICATE_EMAIL, contact=self._lref(lc),
                                           lists=self._names(lmem)))  # fmt: skip
                continue
            if email:
                claimed.add(email)
            self._push_new(lc, lmem)

    def _remote_reentries(
        self, unlinked_remote: dict[str, RemoteContact], orphans: bool
    ) -> tuple[dict[int, RemoteContact], set[int]]:
        """Linked CRM contacts whose Constant Contact contact is gone while another one has their
        address: that one is the same person entered again (R9). It is either unlinked, or linked to a
        CRM contact deleted meanwhile (an orphan, whose link is given up). Returns local id → the new
        Constant Contact contact, and the local ids of the orphans given up."""
        if not unlinked_remote and not orphans:
            return {}, set()
        local_contacts, remote_contacts = self.local.contacts, self.remote.contacts
        complete = self.remote.complete
        orphan_by_email: dict[str, tuple[int, RemoteContact]] = {}
        if orphans:
            for b in self.base.contacts.values():
                rc = remote_contacts.get(b.cc_id)
                if b.local_id not in local_contacts and rc is not None and rc.status != RemoteStatus.DELETED:
                    orphan_by_email[cc_value("email", rc.email)] = (b.local_id, rc)
        relink_to: dict[int, RemoteContact] = {}
        given_up: set[int] = set()
        for b in self.base.contacts.values():
            lc = local_contacts.get(b.local_id)
            if lc is None:
                continue
            rc = remote_contacts.get(b.cc_id)
            if not (rc is None and complete or rc is not None and rc.status == RemoteStatus.DELETED):
                continue
            email = cc_value("email", lc.email)
            again = unlinked_remote.pop(email, None)
            if again is None and email in orphan_by_email:
                orphan_id, again = orphan_by_email.pop(email)
                given_up.add(orphan_id)
            if again is not None:
                relink_to[b.local_id] = again
        return relink_to, given_up

    def _local_emails(self) -> set[str]:
        if self._local_email_set is None:
            self._local_email_set = {cc_value("email", c.email) for c in self.local.contacts.values()}
        return self._local_email_set

    def _alive(self, slots: Iterable[int]) -> list[int]:
        pairs = self.pairs
        return sorted(s for s in slots if pairs[s].alive)

    def _names(self, slots: Iterable[int]) -> tuple[str, ...]:
        return tuple(self.pairs[s].name for s in self._alive(slots))

    @staticmethod
    def _lref(lc: LocalContact, cc_id: str | None = None) -> ContactRef:
        return ContactRef(lc.local_id, cc_id, person_label(lc, cc_value("email", lc.email)))

    def _skip_reason(self, lc: LocalContact) -> SkipReason | None:
        if lc.eligibility is not Eligibility.ELIGIBLE:
            return SkipReason(lc.eligibility.value)
        if len(lc.email) > EMAIL_LIMIT and len(cc_value("email", lc.email)) > EMAIL_LIMIT:
            return SkipReason.INVALID_EMAIL
        return None

    def _is_role(self, email: str) -> bool:
        return rules.is_role_address(email, self.settings.role_prefixes)

    # push of a CRM contact with no Constant Contact counterpart
    def _push_new(self, lc: LocalContact, lmem: frozenset[int]) -> None:
        slots = self._alive(lmem)
        if not slots:
            return
        reason = self._skip_reason(lc)
        if reason is not None:
            self.skips.append(Skip(reason, contact=self._lref(lc), lists=self._names(slots)))
            return
        values = lc.values()
        ref = ContactRef(lc.local_id, None, person_label(lc, values.email))
        if lc.may_be_shortened():
            self._note_truncations(lc, ref, values.as_dict())
        self._emit(_PH_CONTACT, CreateContact, side=Side.CC, contact=ref, fields=values,
                   lists=tuple(self.pairs[s].ref() for s in slots))  # fmt: skip

    def _note_truncations(self, lc: LocalContact, ref: ContactRef, sent: dict[str, str]) -> None:
        for name, value in sent.items():
            if name == "email":
                continue
            full = lc.full_value(name)
            if full != value and len(full) > field_limit(name):
                self.truncations.append(Truncation(ref, name, full, value))

    def _remote_gone(self, lc: LocalContact | None, b: BaselineContact,
                     lmem: frozenset[int], bmem: frozenset[int]) -> None:  # fmt: skip
        """The linked Constant Contact contact was deleted (R4)."""
        if self.push:
            if lc is not None:
                self.pending += 1
            else:
                self._emit(_PH_FORGET, ForgetContact, contact=ContactRef(b.local_id, b.cc_id, person_label(b.fields)))
            return
        ref = ContactRef(b.local_id, b.cc_id, person_label(b.fields))
        removals = []
        if lc is not None:
            for slot in sorted(lmem):
                pair = self.pairs[slot]
                if pair.local is not None and pair.alive:
                    removals.append(
                        self._emit(_PH_REMOVE, RemoveMembership, side=Side.CRM, list=pair.ref(), contact=ref)
                    )
            self.removal_count += len(removals)
        self._emit(_PH_FORGET, ForgetContact, contact=ref, after=removals)

    def _pair(self, lc: LocalContact | None, cc_id: str, rvals: FieldValues, rmem: frozenset[int],
              rstatus: str, b: BaselineContact | None, lmem: frozenset[int],
              bmem: frozenset[int]) -> None:  # fmt: skip
        if self.push:
            self._pair_push(lc, cc_id, rvals, rmem, rstatus, b, lmem, bmem)
        else:
            self._pair_pull(lc, cc_id, rvals, rmem, rstatus, b, lmem, bmem)

    # -- push: CRM → Constant Contact --------------------------------------------------------------------

    def _pair_push(self, lc, cc_id, rvals, rmem, rstatus, b, lmem, bmem) -> None:
        if lc is None:
            if b is None:  # only in Constant Contact: the pull will bring it
                if rstatus in (RemoteStatus.ACTIVE, RemoteStatus.ON_HOLD) and rmem:
                    self.pending += 1
                return
            # Deleted from the CRM: take it out of the Constant Contact lists, keep the contact (R5).
            ref = ContactRef(b.local_id, cc_id, person_label(rvals))
            removals = [
                self._emit(_PH_REMOVE, RemoveMembership, side=Side.CC, list=self.pairs[s].ref(), contact=ref)
                for s in self._alive(rmem)
            ]
            self.removal_count += len(removals)
            self._emit(_PH_FORGET, ForgetContact, contact=ref, after=removals)
            return
        ref = self._lref(lc, cc_id)
        lvals = lc.values()
        if rstatus == RemoteStatus.UNSUBSCRIBED:  # R3: never touched again by a push
            if self._alive(lmem):
                self.skips.append(Skip(SkipReason.UNSUBSCRIBED, contact=ref, lists=self._names(lmem)))
            if lc.email_status != EmailStatus.UNSUBSCRIBED:
                self.pending += 1
            if b is None:
                self._emit(_PH_CONTACT, LinkContact, contact=ref, fields=self._link_fields(lvals, rvals))
            return
        if rstatus == RemoteStatus.ON_HOLD and lc.email_status not in _BOUNCED_OR_GONE:
            self.pending += 1  # the pull marks it "Bounced / on hold"
        reason = self._skip_reason(lc)
        if reason is not None:
            if self._alive(lmem | rmem):
                self.skips.append(Skip(reason, contact=ref, lists=self._names(lmem | rmem)))
            if reason in (SkipReason.DO_NOT_CONTACT, SkipReason.UNSUBSCRIBED):  # R2: leave the lists
                if b is None:
                    self._emit(_PH_CONTACT, LinkContact, contact=ref, fields=self._link_fields(lvals, rvals))
                for s in self._alive(rmem):
                    self._emit(_PH_REMOVE, RemoveMembership, side=Side.CC, list=self.pairs[s].ref(),
                               contact=ref)  # fmt: skip
                    self.removal_count += 1
            return
        sent = self._merge_fields(ref, lvals, rvals, b)
        if sent:
            if lc.may_be_shortened():
                self._note_truncations(lc, ref, sent)
        self._merge_members(ref, lmem, rmem, bmem, True)

    # -- pull: Constant Contact → CRM --------------------------------------------------------------------

    def _pair_pull(self, lc, cc_id, rvals, rmem, rstatus, b, lmem, bmem) -> None:
        unsubscribed = rstatus == RemoteStatus.UNSUBSCRIBED
        if lc is None:
            if b is not None:  # deleted from the CRM since the last sync
                present = self.remote_list_present  # a list deleted there is not a contact change
                agreed = frozenset(x for x in bmem if not self.pairs[x].fresh and x in present)
                if rvals == b.fields and rmem == agreed:
                    self.pending += 1
                    return
                if rvals.email in self._local_emails():  # another CRM contact has it now: it may pass it on
                    self._recreate_when_freed.append((cc_id, rvals, rmem, rstatus, b, bmem))
                    return
                self._recreate(cc_id, rvals, rmem, rstatus, b, bmem)
                return
            self._pull_new(cc_id, rvals, rmem, unsubscribed, rstatus == RemoteStatus.ON_HOLD)
            return
        ref = self._lref(lc, cc_id)
        lvals = lc.values()
        pending_before = self.pending
        changes = self._merge_fields(ref, rvals, lvals, b)
        if changes and "company_name" in changes:
            self._need_company(changes["company_name"])
        if unsubscribed:  # R3: marked, and out of every local list
            # The push never updates an unsubscribed contact, so its CRM-only values are not waiting.
            self.pending = pending_before
            if lc.email_status != EmailStatus.UNSUBSCRIBED:
                self._emit(_PH_CONTACT, MarkLocalUnsubscribed, contact=ref)
            for slot in sorted(lmem):
                pair = self.pairs[slot]
                if pair.local is not None and not pair.dying:
                    self._emit(_PH_REMOVE, RemoveMembership, side=Side.CRM, list=pair.ref(), contact=ref)
                    self.removal_count += 1
            return
        if rstatus == RemoteStatus.ON_HOLD and lc.email_status not in _BOUNCED_OR_GONE:
            self._emit(_PH_CONTACT, MarkLocalBounced, contact=ref)  # R3: "Bounced / on hold"
        reason = self._skip_reason(lc)
        email_based = (None, SkipReason.NO_EMAIL, SkipReason.INVALID_EMAIL, SkipReason.ROLE_ADDRESS)
        if "email" in changes and reason in email_based:  # the pulled address decides from now on
            new_email = changes["email"]
            reason = None
            if not new_email:
                reason = SkipReason.NO_EMAIL
            elif self._is_role(new_email):
                reason = SkipReason.ROLE_ADDRESS
        blocked = self._merge_members(ref, rmem, lmem, bmem, reason is None)
        if blocked:
            assert reason is not None
            self.skips.append(Skip(reason, contact=ref, lists=tuple(self.pairs[s].name for s in blocked)))
            if reason in (SkipReason.DO_NOT_CONTACT, SkipReason.UNSUBSCRIBED):
                # Recorded, so that the next push, which takes such contacts out of every Constant
                # Contact list (R2), knows about this membership even from an incremental read.
                for slot in blocked:
                    self._emit(
                        _PH_ADD, AgreeMembership, list=self.pairs[slot].ref(), contact=ref, member=True
                    )

    def _recreate(self, cc_id: str, rvals: FieldValues, rmem: frozenset[int], rstatus: str,
                  b: BaselineContact, bmem: frozenset[int]) -> None:  # fmt: skip
        """Deleted from the CRM, changed in Constant Contact: created again; the new record takes over
        the link and its memberships."""
        ref = ContactRef(b.local_id, cc_id, person_label(rvals))
        if not self._pull_new(cc_id, rvals, rmem, rstatus == RemoteStatus.UNSUBSCRIBED,
                              rstatus == RemoteStatus.ON_HOLD):  # fmt: skip
            self.pending += 1  # in no synced list: the link waits (the push will forget it)
            return
        self.conflicts.append(Conflict("contact", rvals.email, "(deleted)", Side.CC, contact=ref))
        new_ref = ContactRef(None, cc_id, person_label(rvals))
        for slot in sorted(bmem - rmem):
            pair = self.pairs[slot]
            if pair.alive and not pair.fresh:
                self._emit(_PH_ADD, AgreeMembership, list=pair.ref(), contact=new_ref, member=False)

    def _pull_new(self, cc_id: str, rvals: FieldValues, rmem: frozenset[int], unsubscribed: bool,
                  on_hold: bool = False) -> bool:  # fmt: skip
        """A Constant Contact contact with no CRM record: create it (C5, R9) when it is in a list.

        Contacts in no synced list stay in Constant Contact only: a contact deleted from the CRM is
        not brought back just because Constant Contact keeps it (R5). An unsubscribed one (Constant
        Contact keeps its memberships) is recorded marked unsubscribed and in no list (R3).
        """
        slots = self._alive(rmem)
        if not slots:
            return False
        ref = ContactRef(None, cc_id, person_label(rvals))
        lists: tuple[ListRef, ...] = ()
        status = EmailStatus.UNSUBSCRIBED if unsubscribed else EmailStatus.SUBSCRIBED
        if on_hold and not unsubscribed:
            status = EmailStatus.BOUNCED
        if unsubscribed:
            self.skips.append(Skip(SkipReason.UNSUBSCRIBED, contact=ref, lists=self._names(slots)))
        elif self._is_role(rvals.email):
            self.skips.append(Skip(SkipReason.ROLE_ADDRESS, contact=ref, lists=self._names(slots)))
        else:
            lists = tuple(self.pairs[s].ref() for s in slots)
        if rvals.company_name:
            self._need_company(rvals.company_name)
        self._emit(_PH_CONTACT, CreateContact, side=Side.CRM, contact=ref, fields=rvals,
                   email_status=str(status), lists=lists)  # fmt: skip
        return True

    def _need_company(self, name: str) -> None:
        if name in self.company_names_seen:
            return
        self.company_names_seen.add(name)
        key = company_key(name)
        if key and key not in self.known_companies and key not in self.new_companies:
            self.new_companies.add(key)
            self._emit(_PH_COMPANY, CreateLocalCompany, name=name)

    # -- three-way merges ---------------------------------------------------------------------------------

    @staticmethod
    def _link_fields(svals: FieldValues, tvals: FieldValues) -> FieldValues:
        """Agreed values for a first match: the target's, blank where the source has nothing (so an
        empty source never blanks the target, and the target's value stays pending the other way)."""
        sd, td = svals.as_dict(), tvals.as_dict()
        return FieldValues.from_dict({k: v for k, v in td.items() if sd.get(k)})

    def _merge_fields(self, ref: ContactRef, svals: FieldValues, tvals: FieldValues,
                      b: BaselineContact | None) -> dict[str, str]:  # fmt: skip
        """Three-way field merge; emits the update (or bookkeeping) and returns the values sent."""
        if b is None:
            if svals == tvals:
                self._emit(_PH_CONTACT, LinkContact, contact=ref, fields=svals)
                return {}
            sd, td = svals.as_dict(), tvals.as_dict()
            changes = {k: v for k, v in sd.items() if td.get(k, "") != v}
            if any(v and not sd.get(k) for k, v in td.items()):
                self.pending += 1
            self._emit(_PH_CONTACT, LinkContact, contact=ref, fields=self._link_fields(svals, tvals))
            if changes:
                self._emit(_PH_CONTACT, UpdateContact, side=self.target, contact=ref,
                           changes=tuple(sorted(changes.items())), new_base=svals)  # fmt: skip
            return changes
        bvals = b.fields
        if svals == bvals:
            if tvals != bvals:
                self.pending += 1
            return {}
        sd, td, bd = svals.as_dict(), tvals.as_dict(), bvals.as_dict()
        changes: dict[str, str] = {}
        target_only = False
        for name in sd.keys() | td.keys() | bd.keys():
            s, t, o = sd.get(name, ""), td.get(name, ""), bd.get(name, "")
            if s != o:
                if t != s:
                    changes[name] = s
                    if t != o:
                        self.conflicts.append(Conflict(name, s, t, self._source_side, contact=ref))
            elif t != o:
                target_only = True
        if target_only:
            self.pending += 1
        if "email" in changes:  # decided once all moves are known: addresses may be passed on
            self._email_moves.append((ref, changes, svals, tvals.email, bvals))
            return changes
        if changes:
            # The baseline after the update: what the target then holds, which for every source-changed
            # field is the source value and elsewhere the unchanged baseline value (= source value).
            self._emit(_PH_CONTACT, UpdateContact, side=self.target, contact=ref,
                       changes=tuple(sorted(changes.items())), new_base=svals)  # fmt: skip
        else:
            self._emit(_PH_CONTACT, LinkContact, contact=ref, fields=svals)
        return changes

    def _merge_members(self, ref: ContactRef, smem: frozenset[int], tmem: frozenset[int],
                       bmem: frozenset[int], can_add: bool) -> list[int]:  # fmt: skip
        """Three-way membership merge; returns the slots where an add was blocked (ineligible)."""
        if smem == tmem == bmem:
            return []
        blocked: list[int] = []
        pairs = self.pairs
        for slot in sorted(smem | tmem | bmem):
            pair = pairs[slot]
            if not pair.alive:
                continue
            s, t = slot in smem, slot in tmem
            o = slot in bmem and not pair.fresh
            if s != o:
                if t == s:
                    self._emit(_PH_ADD, AgreeMembership, list=pair.ref(), contact=ref, member=s)
                elif s:
                    if can_add:
                        self._emit(_PH_ADD, AddMembership, side=self.target, list=pair.ref(), contact=ref)
                    else:
                        blocked.append(slot)
                else:
                    self._emit(_PH_REMOVE, RemoveMembership, side=self.target, list=pair.ref(), contact=ref)
                    self.removal_count += 1
            elif t != o and can_add:
                self.pending += 1
        return blocked

    def _resolve_email_moves(self) -> set[str]:
        """Emit the email changes that leave every address with one contact (R9); returns the
        target addresses given up. A move waits for the holder of its new address to move away
        first; what cannot move (held by someone staying, or a swap) is skipped."""
        if not self._email_moves:
            return set()
        owners: dict[str, object] = {}
        if self.push:
            snap = self.remote.contacts
            if not self.remote.complete:
                for b in self.base.contacts.values():
                    if b.cc_id not in snap:
                        owners[b.fields.email] = b.cc_id
            for rc in snap.values():  # deleted ones too: Constant Contact may still hold the address
                owners[cc_value("email", rc.email)] = rc.cc_id
        else:
            for lc in self.local.contacts.values():
                owners.setdefault(cc_value("email", lc.email), lc.local_id)
        freed: set[str] = set()
        todo, progress = self._email_moves, True
        while todo and progress:
            progress, rest = False, []
            for move in todo:
                ref, changes, svals, old_email, _ = move
                mine = ref.cc_id if self.push else ref.local_id
                owner = owners.get(changes["email"])
                if owner is not None and owner != mine:
                    rest.append(move)
                    continue
                if owners.get(old_email) == mine:
                    del owners[old_email]
                owners[changes["email"]] = mine
                freed.add(old_email)
                freed.discard(changes["email"])
                self._emit(_PH_CONTACT, UpdateContact, side=self.target, contact=ref,
                           changes=tuple(sorted(changes.items())), new_base=svals)  # fmt: skip
                progress = True
            todo = rest
        for ref, changes, svals, _, bvals in todo:
            # The address stays as it is on both sides (still a change to carry later); the other
            # fields go now. The baseline keeps the old address so that neither change is lost.
            self.skips.append(Skip(SkipReason.DUPLICATE_EMAIL, contact=ref))
            others = {k: v for k, v in changes.items() if k != "email"}
            new_base = svals._replace(email=bvals.email)
            if others:
                self._emit(_PH_CONTACT, UpdateContact, side=self.target, contact=ref,
                           changes=tuple(sorted(others.items())), new_base=new_base)  # fmt: skip
            elif new_base != bvals:
                self._emit(_PH_CONTACT, LinkContact, contact=ref, fields=new_base)
        return freed

    # -- R14 -------------------------------------------------------------------------------------------

    def _guard(self) -> Guard:
        base = self.base
        linked = len(base.lists) + sum(len(b.member_ids) for b in base.lists.values())
        reasons: list[str] = []
        if base.lists and not any(b.local_id in self.local.lists for b in base.lists.values()):
            reasons.append("every linked list is gone from the CRM")
        if base.lists and not any(b.cc_id in self.remote.lists for b in base.lists.values()):
            reasons.append("every linked list is gone from Constant Contact")
        if base.contacts and not any(c in self.local.contacts for c in base.contacts):
            reasons.append("every linked contact is gone from the CRM")
        if (
            base.contacts
            and self.remote.complete
            and not any(
                (rc := self.remote.contacts.get(c.cc_id)) is not None and rc.status != RemoteStatus.DELETED
                for c in base.contacts.values()
            )
        ):
            reasons.append("every linked contact is gone from Constant Contact")
        s = self.settings
        reasons.extend(self._list_guard_reasons())
        if self.removal_count >= s.guard_min_items and self.removal_count > s.guard_share * max(linked, 1):
            reasons.append(
                f"{self.removal_count} deletions or removals out of {linked} linked items "
                f"(over {s.guard_share:.0%})"
            )
        return Guard(bool(reasons), tuple(reasons), self.removal_count, linked)

    def _list_guard_reasons(self) -> list[str]:
        """R14 per list: a push emptying a Constant Contact list, or taking more than half of a big one."""
        if not self.push:
            return []
        removed: dict[str, int] = {}
        for draft in self.phases[_PH_REMOVE]:
            if draft.cls is RemoveMembership and draft.kw.get("side") is Side.CC:
                cc_id = draft.kw["list"].cc_id
                if cc_id:
                    removed[cc_id] = removed.get(cc_id, 0) + 1
        s = self.settings
        reasons = []
        for cc_id, count in sorted(removed.items()):
            linked = self.base.lists_by_cc.get(cc_id)
            if linked is None:
                continue
            size = max(len(linked.member_ids), count)
            if count >= size or (size >= s.list_guard_min_members and count > s.list_guard_share * size):
                whom = "every member" if count >= size else f"{count} of its {size} members"
                reasons.append(f"the list “{linked.name}” would lose {whom} in Constant Contact")
        return reasons


__all__ = ["CORE_FIELDS", "Plan", "PlanSettings", "plan", "DEFAULT_ROLE_PREFIXES"]
