"""A plan (S2) and a run summary (S4) in words: one tree of nodes for the window, the command line
and ``--json`` alike.

Why one presenter: the Synchronize tab, ``ctctdesk sync --dry-run`` and scripts reading ``--json`` must
say the same thing in the same words, so the wording lives here once. The GUI wraps the tree in a
lazy item model (`ctctdesk.ui.tree_model.NodeTreeModel`), the command line prints
:meth:`Node.lines`, and ``--json`` writes :meth:`Node.to_dict`. Nothing here imports Qt: a first push
can hold tens of thousands of operations, so the tree is built on the worker thread that made the
plan, and it is tested like any function. Nothing here decides anything either — it only presents
what the planner decided.

Shape of a plan tree: one top-level row per list ("Newsletter — 12 changes"), then "Contacts",
"Companies", "Skipped", "Conflicts" and "Shortened values"; counts sit at the top level, the contacts
concerned one level (or two) below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ctctdesk.sync.mapping import ADDRESS_FIELD, TAG_PREFIX
from ctctdesk.sync.operations import (
    SKIP_TEXT,
    AddMembership,
    ContactRef,
    CreateContact,
    CreateList,
    CreateLocalCompany,
    DeleteList,
    Direction,
    MarkLocalBounced,
    MarkLocalUnsubscribed,
    Operation,
    RemoveMembership,
    RenameList,
    Side,
    UpdateContact,
)

if TYPE_CHECKING:
    from ctctdesk.sync.plan import Plan

#: Rows listed under one heading before "… and N more" (the count above stays exact).
MAX_DETAIL_ROWS = 1000
MORE_PREFIX = "… and "

SIDE_NAME = {Side.CC: "Constant Contact", Side.CRM: "the CRM"}
DIRECTION_TEXT = {
    "to_cc": "CRM → Constant Contact",
    "from_cc": "Constant Contact → CRM",
    "both": "Both ways",
    "connection": "Connection",  # a history entry about the connection (C7), not a run
}
DEFAULT_SERVICE = "Constant Contact"  # the service of history rows written before there were two


def direction_text(direction: object, service: str = "") -> str:
    """“CRM → Campaign Monitor”: a direction worded with the service it talks to (Constant Contact
    when none is named)."""
    key = str(getattr(direction, "value", direction) or "connection")
    text = DIRECTION_TEXT.get(key, key)
    return text.replace(DEFAULT_SERVICE, service) if service else text


EVENT_ADVICE = "Reconnect in Settings → Constant Contact; nothing is lost, the next sync catches up."
FIELD_TEXT = {
    "email": "email",
    "first_name": "first name",
    "last_name": "last name",
    "job_title": "job title",
    "company_name": "company",
    "phone": "phone",
}


@dataclass(eq=False)
class Node:
    """One row: its text, an optional count (second column), a kind for styling, its children."""

    text: str
    count: int | None = None
    kind: str = ""  # "list", "contacts", "skip", "conflict", "warning", "error", "note", "ok"
    children: list[Node] = field(default_factory=list)
    parent: Node | None = field(default=None, repr=False)

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    def find(self, text: str) -> Node | None:
        """The first descendant (depth first) whose text starts with `text`; for tests and scripts."""
        for child in self.children:
            if child.text.startswith(text):
                return child
            found = child.find(text)
            if found is not None:
                return found
        return None

    def lines(self, indent: str = "", limit: int | None = None) -> list[str]:
        """The subtree as indented text (the command line and tests read it).

        ``limit``: at most this many rows under a heading whose rows are all leaves (the contacts
        concerned), then "… and N more" with the exact number left out.
        """
        out = []
        children = self.children
        hidden = 0
        if limit is not None and len(children) > limit and not any(c.children for c in children):
            capped = children[-1].kind == "note" and children[-1].text.startswith(MORE_PREFIX)
            total = self.count if capped and self.count is not None else len(children)
            children, hidden = children[:limit], total - limit
        for child in children:
            count = f" ({child.count:,})" if child.count is not None else ""
            out.append(f"{indent}{child.text}{count}")
            out.extend(child.lines(indent + "  ", limit))
        if hidden > 0:
            out.append(f"{indent}{MORE_PREFIX}{hidden:,} more")
        return out

    def to_dict(self) -> dict:
        """The subtree as JSON-ready data (``--json``): text, count, kind and children of each row."""
        return {
            "text": self.text,
            "count": self.count,
            "kind": self.kind,
            "children": [child.to_dict() for child in self.children],
        }


def field_text(name: str) -> str:
    if name == "custom:" + ADDRESS_FIELD:
        return "company address"
    if name.startswith("custom:" + TAG_PREFIX):
        return f"tag “{name[len('custom:' + TAG_PREFIX):]}”"
    if name.startswith("custom:"):
        return name[len("custom:"):]
    return FIELD_TEXT.get(name, name.replace("_", " "))


def side_of(plan_direction: Direction | str) -> tuple[str, str]:
    """(target side name, source side name) of a single-direction plan."""
    if Direction(plan_direction) is Direction.TO_CC:
        return SIDE_NAME[Side.CC], SIDE_NAME[Side.CRM]
    return SIDE_NAME[Side.CRM], SIDE_NAME[Side.CC]


def pending_text(plan_direction: Direction | str, count: int) -> str:
    """R8's "3 changes in Constant Contact not yet in the CRM" for a plan's direction."""
    target, source = side_of(plan_direction)
    noun = "change" if count == 1 else "changes"
    return f"{count:,} {noun} in {target} not yet in {source}"


def _contact_line(ref: ContactRef) -> str:
    return ref.label or (f"contact {ref.cc_id}" if ref.cc_id else f"contact #{ref.local_id}")


def _change_text(name: str, value: str) -> str:
    if name.startswith("custom:" + TAG_PREFIX):  # R11: a tag is added or taken off, never "set"
        return f"{field_text(name)} {'added' if value else 'removed'}"
    return f'{field_text(name)} → "{value}"' if value else f"{field_text(name)} cleared"


def _changes_line(ref: ContactRef, changes: Sequence[tuple[str, str]]) -> str:
    parts = [_change_text(name, value) for name, value in changes]
    return f"{_contact_line(ref)}: " + "; ".join(parts)


def _add_details(node: Node, rows: Sequence[str]) -> Node:
    """Hang `rows` under `node`, at most MAX_DETAIL_ROWS of them, then "… and N more"."""
    for row in rows[:MAX_DETAIL_ROWS]:
        node.add(Node(row, kind="detail"))
    if len(rows) > MAX_DETAIL_ROWS:
        node.add(Node(f"{MORE_PREFIX}{len(rows) - MAX_DETAIL_ROWS:,} more", kind="note"))
    return node


# ---------------------------------------------------------------------------------------------------
# The words of a change, shared by the preview (what a run will do) and the summary (what it did): a run
# that did exactly what its preview showed shows the same rows with the same counts. Past participles read
# right in both ("Contacts added" before and after the run).

ADDED_TEXT = "Contacts added"
REMOVED_TEXT = "Contacts removed"
CONTACTS_TEXT = "Contacts"
COMPANIES_TEXT = "Companies"
NEW_COMPANIES_TEXT = "New customer companies in the CRM"
UNSUBSCRIBED_TEXT = "Marked unsubscribed: removed from every list, never sent again"
BOUNCED_TEXT = "Marked bounced / on hold: Constant Contact stopped sending to the address"


def _in(target: str) -> str:
    """" in Constant Contact" — or nothing for a summary that mixes both sides (a "both" run)."""
    return f" in {target}" if target else ""


def list_created_text(target: str) -> str:
    return f"List created{_in(target)}"


def list_renamed_text(target: str, new_name: str) -> str:
    return f'List renamed{_in(target)} to "{new_name}"'


def list_deleted_text(target: str) -> str:
    return f"List deleted{_in(target)} (its contacts are kept)"


def new_contacts_text(target: str) -> str:
    return f"New contacts{_in(target)}"


def updated_contacts_text(target: str) -> str:
    return f"Contacts updated{_in(target)}"


class _Group:
    """Rows collected under one heading, turned into a node with an exact count and capped details.
    A summary knows only the count (``count``); a preview lists the rows."""

    def __init__(self, text: str, kind: str = "", count: int | None = None) -> None:
        self.text = text
        self.kind = kind
        self.rows: list[str] = []
        self.count = count

    @property
    def size(self) -> int:
        return len(self.rows) if self.count is None else self.count

    def node(self) -> Node:
        return _add_details(Node(self.text, self.size, self.kind), self.rows)


class _ListEntry:
    def __init__(self, name: str, side: str = "") -> None:
        """``side``: the side named in the member rows ("Contacts added in the CRM"), for a summary whose
        rows of one list come from both sides (a "both" run); "" where the heading says it."""
        self.name = name
        self.actions: list[str] = []  # created / renamed / deleted: one change each, shown without a count
        self.added = _Group(ADDED_TEXT + _in(side))
        self.removed = _Group(REMOVED_TEXT + _in(side))

    def size(self) -> int:
        return len(self.actions) + self.added.size + self.removed.size

    def rows(self) -> list[Node]:
        rows = [Node(action, kind="action") for action in self.actions]
        rows.extend(group.node() for group in (self.added, self.removed) if group.size)
        return rows

    def node(self) -> Node | None:
        total = self.size()
        if not total:
            return None
        node = Node(self.name, total, "list")
        for row in self.rows():
            node.add(row)
        return node


class _Changes:
    """The changes of a plan or of a run, grouped as both trees show them: one row per list, then the
    contacts, then the companies."""

    def __init__(self, target: str, *, side_in_list_rows: bool = False) -> None:
        self.target = target
        self.side_in_list_rows = side_in_list_rows
        self.lists: dict[str, _ListEntry] = {}
        self.created = _Group(new_contacts_text(target))
        self.updated = _Group(updated_contacts_text(target))
        self.unsubscribed = _Group(UNSUBSCRIBED_TEXT)
        self.bounced = _Group(BOUNCED_TEXT)
        self.companies = _Group(NEW_COMPANIES_TEXT)

    def entry(self, name: str) -> _ListEntry:
        key = name.casefold()
        if key not in self.lists:
            self.lists[key] = _ListEntry(name, self.target if self.side_in_list_rows else "")
        return self.lists[key]

    def contact_groups(self) -> list[_Group]:
        return [g for g in (self.created, self.updated, self.unsubscribed, self.bounced) if g.size]

    def add_to(self, root: Node) -> None:
        for key in sorted(self.lists):
            node = self.lists[key].node()
            if node is not None:
                root.add(node)
        groups = self.contact_groups()
        if groups:
            contacts = root.add(Node(CONTACTS_TEXT, sum(g.size for g in groups), "contacts"))
            for group in groups:
                contacts.add(group.node())
        if self.companies.size:
            root.add(Node(COMPANIES_TEXT, self.companies.size, "contacts")).add(self.companies.node())


def change_count(tree: Node) -> int:
    """How many changes the tree shows (its list and contact rows): the number a status line quotes, so
    the line and the tree never disagree."""
    return sum(child.count or 0 for child in tree.children if child.kind in ("list", "contacts"))


def plan_tree(plan: Plan, *, pending_other_way: int | None = None, not_sent: Sequence[str] = ()) -> Node:
    """The root of a readable tree for `plan` (its children are the top-level rows)."""
    target, _source = side_of(plan.direction)
    changes = _Changes(target)
    for op in plan.changes:
        _place(op, changes)

    root = Node("plan")
    if plan.tag_actions:  # R11: done first, so shown first
        node = root.add(Node("Tags in Constant Contact", len(plan.tag_actions), kind="list"))
        _add_details(node, [action.text() for action in plan.tag_actions])
    changes.add_to(root)
    if not root.children:
        root.add(Node(f"Nothing to change in {target}: both sides agree.", kind="ok"))
    _add_skips(root, plan)
    _add_conflicts(root, plan)
    _add_truncations(root, plan)
    _add_limit_notes(root, plan)
    if plan.baseline_ignored:
        root.add(Node("The last sync was with another Constant Contact account: this run is treated as a "
                      "first sync, which matches by name and email and deletes nothing", kind="note"))
    if plan.guard.needs_confirmation:
        guard = root.add(Node("Large change: confirmation needed before running", kind="warning"))
        for reason in plan.guard.reasons:
            guard.add(Node(reason, kind="detail"))
    if not_sent and plan.direction is Direction.TO_CC:
        warning = root.add(Node("Not sent: Constant Contact has no room for it (field mapping limits)",
                                len(not_sent), kind="warning"))
        _add_details(warning, list(not_sent))
    pending = plan.pending_other_way if pending_other_way is None else pending_other_way
    if pending:
        root.add(Node(pending_text(plan.direction, pending), kind="note"))
    return root


def _place(op: Operation, changes: _Changes) -> None:
    """Put one data-changing operation under its list (or the contacts/companies headings)."""
    target = changes.target
    if isinstance(op, CreateList):
        changes.entry(op.list.name).actions.append(list_created_text(target))
    elif isinstance(op, RenameList):
        # the ref carries the list's name after the rename; the row sits under that name
        changes.entry(op.new_name).actions.append(list_renamed_text(target, op.new_name))
    elif isinstance(op, DeleteList):
        changes.entry(op.list.name).actions.append(list_deleted_text(target))
    elif isinstance(op, AddMembership):
        changes.entry(op.list.name).added.rows.append(_contact_line(op.contact))
    elif isinstance(op, RemoveMembership):
        changes.entry(op.list.name).removed.rows.append(_contact_line(op.contact))
    elif isinstance(op, CreateContact):
        label = _contact_line(op.contact)
        names = [ref.name for ref in op.lists]
        changes.created.rows.append(f"{label} ({', '.join(names)})" if names else label)
        for name in names:
            changes.entry(name).added.rows.append(label)
    elif isinstance(op, UpdateContact):
        changes.updated.rows.append(_changes_line(op.contact, op.changes))
    elif isinstance(op, MarkLocalUnsubscribed):
        changes.unsubscribed.rows.append(_contact_line(op.contact))
    elif isinstance(op, MarkLocalBounced):
        changes.bounced.rows.append(_contact_line(op.contact))
    elif isinstance(op, CreateLocalCompany):
        changes.companies.rows.append(op.name)


def _add_skips(root: Node, plan: Plan) -> None:
    if not plan.skips:
        return
    by_reason: dict[str, _Group] = {}
    for skip in plan.skips:
        reason = SKIP_TEXT.get(skip.reason, str(skip.reason))
        group = by_reason.setdefault(reason, _Group(reason[:1].upper() + reason[1:], "skip"))
        if skip.contact is not None:
            where = f" ({', '.join(skip.lists)})" if skip.lists else ""
            group.rows.append(_contact_line(skip.contact) + where)
        elif skip.list is not None:
            group.rows.append(f"List {skip.list.name}")
    node = root.add(Node("Skipped", len(plan.skips), "skip"))
    for reason in sorted(by_reason):
        node.add(by_reason[reason].node())


def _add_conflicts(root: Node, plan: Plan) -> None:
    if not plan.conflicts:
        return
    winner = SIDE_NAME[plan.conflicts[0].winner]
    node = root.add(Node(f"Conflicts, resolved for {winner}", len(plan.conflicts), "conflict"))
    rows = []
    for conflict in plan.conflicts:
        other = SIDE_NAME[Side.CRM if conflict.winner is Side.CC else Side.CC]
        what = (_contact_line(conflict.contact) if conflict.contact is not None
                else f"list {conflict.list.name}" if conflict.list is not None else "")
        rows.append(f'{what}: {field_text(conflict.field)} — keeps "{conflict.source_value}"; '
                    f'{other} had "{conflict.target_value}"')
    _add_details(node, rows)


def _add_truncations(root: Node, plan: Plan) -> None:
    if not plan.truncations:
        return
    node = root.add(Node("Shortened for Constant Contact's limits; the CRM keeps the full value",
                         len(plan.truncations), "warning"))
    _add_details(node, [f'{_contact_line(cut.contact)}: {field_text(cut.field)} sent as "{cut.sent}"'
                        for cut in plan.truncations])


def _add_limit_notes(root: Node, plan: Plan) -> None:
    notes = plan.limit_notes
    if not notes:
        return
    node = root.add(Node("Not sent as the CRM has it: Constant Contact's limits", len(notes), "warning"))
    _add_details(node, [f"{_contact_line(note.contact)}: {note.text}" if note.contact is not None else note.text
                        for note in notes])


# ---------------------------------------------------------------------------------------------------
# Run summaries (S4)


def result_text(summary) -> str:
    """One line: how the run ended."""
    if summary.cancelled:
        return "Cancelled — what was done before Cancel is kept; the next run continues"
    if summary.stopped_reason:
        return f"Stopped: {summary.stopped_reason}"
    if summary.errors:
        return f"Completed with {len(summary.errors):,} contact error{'s' if len(summary.errors) != 1 else ''}"
    return "Completed"


def is_event(summary) -> bool:
    """A history entry about the connection (C7) rather than a sync run."""
    return bool(getattr(summary, "is_connection_event", False))


def short_result(summary) -> str:
    if is_event(summary):
        return summary.stopped_reason.partition(":")[0]  # "Connection broken"
    if summary.cancelled:
        return "Cancelled"
    if getattr(summary, "stop", None) == "skipped":  # a scheduled slot that did not run (X2)
        return "Skipped"
    if summary.stopped_reason:
        return "Stopped"
    if summary.errors:
        return "Errors"
    if summary.finished_at is None:
        return "Interrupted"
    return "Completed"


# The run's counts as the executor records them in the history (its words, kept stable so old rows and
# scripts reading ``--json`` keep working), and where each lands in the shared tree.
LIST_COUNTS = ("lists created", "lists renamed", "lists deleted", "memberships added", "memberships removed")
CONTACT_COUNTS = ("contacts added", "contacts updated", "marked unsubscribed", "marked bounced")
COMPANY_COUNTS = ("companies created",)
KNOWN_COUNTS = frozenset((*LIST_COUNTS, *CONTACT_COUNTS, *COMPANY_COUNTS))


def _summary_target(summary) -> str:
    """The side a run changed, or "" for a "both" run (its counts cover the two sides together)."""
    direction = str(getattr(summary.direction, "value", summary.direction) or "")
    return {"to_cc": SIDE_NAME[Side.CC], "from_cc": SIDE_NAME[Side.CRM]}.get(direction, "")


def _summary_changes(summary) -> tuple[_Changes, dict[str, int]]:
    """A run's recorded counts in the preview's groups, and what no list row accounts for (rows recorded
    before the lists' own changes were counted per list, or counts this version does not know)."""
    return _changes_of(_summary_target(summary), summary.counts, summary.per_list)


def _changes_of(target: str, recorded_counts, per_list, *, side_in_list_rows: bool = False,
                ) -> tuple[_Changes, dict[str, int]]:  # fmt: skip
    changes = _Changes(target, side_in_list_rows=side_in_list_rows)
    counts = {name: int(value) for name, value in recorded_counts.items()}
    for name, per in per_list.items():
        entry = changes.entry(name)
        for key, value in per.items():
            value = int(value)
            if value <= 0:
                continue
            if key == "lists created":
                entry.actions.extend([list_created_text(target)] * value)
            elif key == "lists renamed":
                entry.actions.extend([list_renamed_text(target, name)] * value)
            elif key == "lists deleted":
                entry.actions.extend([list_deleted_text(target)] * value)
            elif key in ("contacts added", "memberships added"):  # new contacts put in it, or existing ones
                entry.added.count = (entry.added.count or 0) + value
            elif key == "memberships removed":
                entry.removed.count = (entry.removed.count or 0) + value
            else:
                continue
            if key in LIST_COUNTS:
                counts[key] = counts.get(key, 0) - value
    changes.created.count = counts.pop("contacts added", 0)
    changes.updated.count = counts.pop("contacts updated", 0)
    changes.unsubscribed.count = counts.pop("marked unsubscribed", 0)
    changes.bounced.count = counts.pop("marked bounced", 0)
    changes.companies.count = counts.pop("companies created", 0)
    return changes, {name: value for name, value in counts.items() if value > 0}


LEFTOVER_TEXT = {
    "lists created": "Lists created",
    "lists renamed": "Lists renamed",
    "lists deleted": "Lists deleted",
    "memberships added": "Contacts added to lists",
    "memberships removed": "Contacts removed from lists",
}


#: The halves of a "both" run in the order they ran (pull, then push).
BOTH_HALVES = ("from_cc", "to_cc")


def _add_both_sides(root: Node, summary) -> bool:
    """A "both" run recorded with each half's counts: every row names the side it changed, as the
    one-way summaries' rows do. False when the run has no such record (older rows): then the added-up
    counts are shown, without sides."""
    sides = getattr(summary, "by_side", None) or {}
    halves = [(half, sides[half]) for half in BOTH_HALVES if half in sides]
    if not halves:
        return False
    made = []
    for half, data in halves:
        target, _ = side_of(half)
        changes, leftovers = _changes_of(target, data.get("counts", {}), data.get("per_list", {}),
                                         side_in_list_rows=True)
        made.append((changes, leftovers))
    names = sorted({key for changes, _ in made for key in changes.lists})
    for key in names:
        entries = [changes.lists[key] for changes, _ in made if key in changes.lists]
        total = sum(entry.size() for entry in entries)
        if total:
            node = root.add(Node(entries[0].name, total, "list"))
            for entry in entries:
                for row in entry.rows():
                    node.add(row)
    groups = [group for changes, _ in made for group in changes.contact_groups()]
    if groups:
        contacts = root.add(Node(CONTACTS_TEXT, sum(g.size for g in groups), "contacts"))
        for group in groups:
            contacts.add(group.node())
    for changes, _ in made:
        if changes.companies.size:
            root.add(Node(COMPANIES_TEXT, changes.companies.size, "contacts")).add(changes.companies.node())
    for changes, leftovers in made:
        _add_leftovers(root, changes.target, leftovers)
    return True


def _add_summary_changes(root: Node, summary) -> None:
    if _add_both_sides(root, summary):
        return
    changes, leftovers = _summary_changes(summary)
    changes.add_to(root)
    _add_leftovers(root, changes.target, leftovers)


def _add_leftovers(root: Node, target: str, leftovers: dict[str, int]) -> None:
    lists = [(f"{LEFTOVER_TEXT[k]}{_in(target)}", v) for k, v in leftovers.items() if k in LEFTOVER_TEXT]
    if lists:
        node = root.add(Node("Lists", sum(v for _, v in lists), "list"))
        for text, value in lists:
            node.add(Node(text, value, "detail"))
    others = [(k[:1].upper() + k[1:], v) for k, v in leftovers.items() if k not in LEFTOVER_TEXT]
    if others:
        node = root.add(Node("Other changes", sum(v for _, v in others), "contacts"))
        for text, value in others:
            node.add(Node(text, value, "detail"))


def summary_change_count(summary) -> int:
    """How many changes a run's summary shows — the number of its preview when the run did all of it
    (the history's Changes column)."""
    root = Node("summary")
    _add_summary_changes(root, summary)
    return change_count(root)


def summary_tree(summary) -> Node:
    """The root of a readable tree for a finished (or recorded) run."""
    root = Node("summary")
    if is_event(summary):
        head = root.add(Node(summary.stopped_reason, kind="error"))
        when = summary.started_at.astimezone() if summary.started_at.tzinfo else summary.started_at
        head.add(Node(f"Recorded {when:%Y-%m-%d %H:%M:%S}", kind="detail"))
        head.add(Node(EVENT_ADVICE, kind="detail"))
        return root
    kind = "ok" if summary.ok else ("error" if summary.stopped_reason or summary.errors else "warning")
    head = root.add(Node(result_text(summary), kind=kind))
    started = summary.started_at.astimezone() if summary.started_at.tzinfo else summary.started_at
    head.add(Node(f"{direction_text(summary.direction, getattr(summary, 'service', ''))}, "
                  f"started {started:%Y-%m-%d %H:%M:%S} ({summary.trigger})", kind="detail"))
    if summary.finished_at is not None:
        seconds = (summary.finished_at - summary.started_at).total_seconds()
        took = f"Took {_duration(seconds)}; " if seconds >= MIN_SHOWN_SECONDS else ""  # never "Took 0.0 s"
        head.add(Node(f"{took}{summary.requests_used:,} API requests", kind="detail"))
    else:
        head.add(Node(f"{summary.requests_used:,} API requests; the run did not finish", kind="detail"))

    shown = len(root.children)
    _add_summary_changes(root, summary)  # the rows and counts of the preview (one vocabulary)
    if len(root.children) == shown:
        root.add(Node("Nothing was changed", kind="ok"))

    if summary.errors:
        node = root.add(Node("Contacts with errors", len(summary.errors), "error"))
        _add_details(node, [f"{error.email or '(no email)'}: {error.message}" for error in summary.errors])
    return root


#: A run shorter than this is said without its duration (it would read "Took 0.0 s").
MIN_SHOWN_SECONDS = 0.1


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest} s"


def duration_text(summary) -> str:
    if summary.finished_at is None:
        return "—"
    return _duration((summary.finished_at - summary.started_at).total_seconds())


# ---------------------------------------------------------------------------------------------------
# The command line and --json


#: Rows the command line prints under one heading before "… and N more".
CLI_DETAIL_ROWS = 20


def plan_title(plan_direction: Direction | str) -> str:
    """The heading of a plan, e.g. "CRM → Constant Contact"."""
    return DIRECTION_TEXT.get(str(Direction(plan_direction)), str(plan_direction))


def plan_lines(plan: Plan, limit: int | None = CLI_DETAIL_ROWS, not_sent: Sequence[str] = ()) -> list[str]:
    """The plan tree as indented text for ``ctctdesk sync --dry-run``: the same rows as the window."""
    return [f"{plan_title(plan.direction)}:", *plan_tree(plan, not_sent=not_sent).lines("  ", limit)]


def for_service(tree: Node, name: str) -> Node:
    """The same rows for another email service: each "Constant Contact" says ``name`` instead (the
    service's `display_name`), so the Synchronize tab and the command line name the one they talk to."""
    if name and name != DEFAULT_SERVICE:
        tree.text = tree.text.replace(DEFAULT_SERVICE, name)
        for child in tree.children:
            for_service(child, name)
    return tree


def lines_for_service(lines: Sequence[str], name: str) -> tuple[str, ...]:
    """`for_service` for text lines (``plan_lines``, the preview's lines)."""
    if not name or name == DEFAULT_SERVICE:
        return tuple(lines)
    return tuple(line.replace(DEFAULT_SERVICE, name) for line in lines)


def plan_to_dict(plan: Plan) -> dict:
    """The plan tree as JSON-ready data for ``--json``, with the few facts scripts test directly."""
    return {
        "direction": str(plan.direction),
        "title": plan_title(plan.direction),
        "empty": plan.is_empty,
        "needs_confirmation": plan.guard.needs_confirmation,
        "guard_reasons": list(plan.guard.reasons),
        "pending_other_way": plan.pending_other_way,
        "baseline_ignored": plan.baseline_ignored,
        "tree": [child.to_dict() for child in plan_tree(plan).children],
    }


def summary_lines(summary, limit: int | None = CLI_DETAIL_ROWS) -> list[str]:
    """A run summary tree as indented text (the command line prints it after a run)."""
    return summary_tree(summary).lines("  ", limit)
