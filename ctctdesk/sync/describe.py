"""A plan in words: per-list summary for the GUI tree, text for ``--dry-run``, a dict for ``--json``.

People read a preview by list ("News: 3 to add, 1 to remove"), so operations are grouped by the list
they touch; contact changes that belong to no list (field updates) and list-less skips get their own
group. Nothing here decides anything — it only presents what the planner decided.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ctctdesk.sync.operations import (
    SKIP_TEXT,
    AddLocalMembership,
    AddRemoteMembership,
    CreateLocalCompany,
    CreateLocalContact,
    CreateLocalList,
    CreateRemoteContact,
    CreateRemoteList,
    DeleteLocalList,
    DeleteRemoteList,
    Direction,
    ListRef,
    MarkLocalBounced,
    MarkLocalUnsubscribed,
    RemoveLocalMembership,
    RemoveRemoteMembership,
    RenameLocalList,
    RenameRemoteList,
    UpdateLocalContact,
    UpdateRemoteContact,
)
from ctctdesk.sync.plan import Plan

DIRECTION_TEXT = {
    Direction.TO_CC: "Update Constant Contact from CRM",
    Direction.FROM_CC: "Update CRM from Constant Contact",
}
NO_LIST = "Contact details"  # changes that belong to no list (field updates, unsubscribes)


@dataclass
class ListSummary:
    """What happens to one list; the line lists are contact labels (or "label: reason")."""

    name: str
    action: str = ""  # "create", "rename", "delete" or "" (members only)
    new_name: str = ""
    add: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "add": len(self.add),
            "update": len(self.update),
            "remove": len(self.remove),
            "skipped": len(self.skipped),
            "conflicts": len(self.conflicts),
        }

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "action": self.action or None,
            "new_name": self.new_name or None,
            "counts": self.counts,
            "add": self.add,
            "update": self.update,
            "remove": self.remove,
            "skipped": self.skipped,
            "conflicts": self.conflicts,
        }


@dataclass
class PlanSummary:
    direction: Direction
    lists: list[ListSummary]
    counts: dict[str, int]
    companies: list[str]
    truncations: list[str]
    pending_other_way: int
    needs_confirmation: bool
    guard_reasons: list[str]

    @property
    def title(self) -> str:
        return DIRECTION_TEXT.get(self.direction, str(self.direction))


def _key(ref: ListRef) -> tuple:
    return (ref.local_id, ref.cc_id) if ref.local_id is not None or ref.cc_id is not None else (ref.name,)


def summarize(plan: Plan) -> PlanSummary:
    """Group the plan per list, in a stable order (by list name, the contact group last)."""
    groups: dict[tuple, ListSummary] = {}

    def group(ref: ListRef | None) -> ListSummary:
        if ref is None:
            return groups.setdefault(("",), ListSummary(NO_LIST))
        # Refs to one list may lack the id it gets when created; match on either id, then name.
        for key in ((ref.local_id, "l"), (ref.cc_id, "c")):
            if key[0] is not None and key in index:
                return index[key]
        if ref.local_id is None and ref.cc_id is None:  # skips name their lists only
            for existing in groups.values():
                if existing.name == ref.name:
                    return existing
        summary = ListSummary(ref.name)
        groups[_key(ref)] = summary
        if ref.local_id is not None:
            index[(ref.local_id, "l")] = summary
        if ref.cc_id is not None:
            index[(ref.cc_id, "c")] = summary
        return summary

    index: dict[tuple, ListSummary] = {}
    counts: Counter[str] = Counter()
    companies: list[str] = []
    for op in plan.operations:
        match op:
            case CreateRemoteList(list=ref) | CreateLocalList(list=ref):
                group(ref).action = "create"
                counts["lists_created"] += 1
            case RenameRemoteList(list=ref, new_name=name) | RenameLocalList(list=ref, new_name=name):
                g = group(ref)
                g.action, g.new_name = "rename", name
                counts["lists_renamed"] += 1
            case DeleteRemoteList(list=ref) | DeleteLocalList(list=ref):
                group(ref).action = "delete"
                counts["lists_deleted"] += 1
            case CreateRemoteContact(contact=c, lists=lists) | CreateLocalContact(contact=c, lists=lists):
                counts["contacts_created"] += 1
                for ref in lists:
                    group(ref).add.append(c.label)
                    counts["memberships_added"] += 1
                if not lists:
                    group(None).add.append(c.label)
            case (
                UpdateRemoteContact(contact=c, changes=changes)
                | UpdateLocalContact(contact=c, changes=changes)
            ):
                counts["contacts_updated"] += 1
                shown = ", ".join(f"{name} → {value!r}" for name, value in changes)
                group(None).update.append(f"{c.label}: {shown}")
            case MarkLocalUnsubscribed(contact=c):
                counts["contacts_unsubscribed"] += 1
                group(None).update.append(f"{c.label}: marked unsubscribed")
            case MarkLocalBounced(contact=c):
                counts["contacts_bounced"] += 1
                group(None).update.append(f"{c.label}: marked bounced / on hold")
            case AddRemoteMembership(list=ref, contact=c) | AddLocalMembership(list=ref, contact=c):
                group(ref).add.append(c.label)
                counts["memberships_added"] += 1
            case RemoveRemoteMembership(list=ref, contact=c) | RemoveLocalMembership(list=ref, contact=c):
                group(ref).remove.append(c.label)
                counts["memberships_removed"] += 1
            case CreateLocalCompany(name=name):
                companies.append(name)
                counts["companies_created"] += 1
    for skip in plan.skips:
        text = SKIP_TEXT[skip.reason]
        counts["skipped"] += 1
        if skip.list is not None:
            group(skip.list).skipped.append(f"list: {text}")
        elif skip.lists:
            for name in skip.lists:
                group(ListRef(None, None, name)).skipped.append(f"{skip.contact.label}: {text}")
        else:
            label = skip.contact.label if skip.contact else ""
            group(None).skipped.append(f"{label}: {text}")
    for conflict in plan.conflicts:
        counts["conflicts"] += 1
        text = (
            f"{conflict.field}: kept {conflict.source_value!r} from {_side(conflict.winner)}, "
            f"over {conflict.target_value!r}"
        )
        if conflict.list is not None:
            group(conflict.list).conflicts.append(text)
        else:
            label = conflict.contact.label if conflict.contact else ""
            group(None).conflicts.append(f"{label}: {text}")
    truncations = [f"{t.contact.label}: {t.field} shortened to {t.sent!r}" for t in plan.truncations]
    ordered = sorted(groups.values(), key=lambda g: (g.name == NO_LIST, g.name.casefold()))
    return PlanSummary(
        direction=plan.direction,
        lists=ordered,
        counts=dict(counts),
        companies=companies,
        truncations=truncations,
        pending_other_way=plan.pending_other_way,
        needs_confirmation=plan.guard.needs_confirmation,
        guard_reasons=list(plan.guard.reasons),
    )


def _side(side) -> str:
    return "the CRM" if side == "crm" else "Constant Contact"


def pending_text(plan: Plan) -> str:
    """R8's sentence, e.g. "3 changes in Constant Contact not yet in the CRM"."""
    n = plan.pending_other_way
    noun = "change" if n == 1 else "changes"
    if plan.direction is Direction.TO_CC:
        return f"{n} {noun} in Constant Contact not yet in the CRM"
    return f"{n} {noun} in the CRM not yet in Constant Contact"


def describe_lines(plan: Plan, limit: int = 20) -> list[str]:
    """Readable text for ``ctctdesk sync --dry-run``; at most ``limit`` names per line kind."""
    summary = summarize(plan)
    lines = [f"{summary.title}:"]
    if plan.is_empty or not plan.changes:
        lines.append("  nothing to change")
    if summary.needs_confirmation:
        lines.append("  NEEDS CONFIRMATION (--force): " + "; ".join(summary.guard_reasons))
    if plan.baseline_ignored:
        lines.append("  the last sync was with another Constant Contact account: treated as a first sync")
    if summary.companies:
        lines.append(
            f"  companies to create ({len(summary.companies)}): " + ", ".join(summary.companies[:limit])
        )
    for g in summary.lists:
        head = f"  {g.name}"
        if g.action == "rename":
            head += f" → renamed to {g.new_name!r}"
        elif g.action:
            head += f" → {g.action}"
        counts = ", ".join(f"{n} {k}" for k, n in g.counts.items() if n)
        lines.append(f"{head}" + (f" ({counts})" if counts else ""))
        for kind in ("add", "update", "remove", "skipped", "conflicts"):
            entries = getattr(g, kind)
            for entry in entries[:limit]:
                lines.append(f"    {kind}: {entry}")
            if len(entries) > limit:
                lines.append(f"    … and {len(entries) - limit} more to {kind}")
    for text in summary.truncations[:limit]:
        lines.append(f"  warning: {text}")
    if plan.pending_other_way:
        lines.append(f"  {pending_text(plan)}")
    return lines


def plan_to_dict(plan: Plan) -> dict:
    """JSON-ready description for ``--json`` (names and counts, no internal ids beyond the lists')."""
    summary = summarize(plan)
    return {
        "direction": str(plan.direction),
        "empty": plan.is_empty,
        "counts": summary.counts,
        "lists": [g.to_dict() for g in summary.lists],
        "companies_to_create": summary.companies,
        "truncations": summary.truncations,
        "pending_other_way": plan.pending_other_way,
        "needs_confirmation": summary.needs_confirmation,
        "guard_reasons": summary.guard_reasons,
        "baseline_ignored": plan.baseline_ignored,
    }
