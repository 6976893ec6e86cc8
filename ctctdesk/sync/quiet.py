"""The "nothing changed" shortcut: a preview whose inputs are provably those of an earlier quiet plan.

Why: with 100,000 linked contacts, reading the whole CRM and planning takes seconds, and a scheduled
sync finds nothing to do most of the time (R12). The planner is pure, so the same inputs give the same
plan; this module proves the inputs are the same without reading them, and then reuses the answer.

What is noted after each full plan (a fingerprint, one SHA-256 of):

* the CRM's change counter, read *before* the CRM was read (:mod:`ctctdesk.crm.changes`; database
  triggers move it on every write, so an equal number means the CRM holds exactly what was read then);
* the stored baseline's revision and account, and the remote mirror's revision (the mirror keeps its
  revision when a read brought nothing new; :mod:`ctctdesk.sync.mirror`), the account read and its
  lists (names, ids, default flag);
* the field mapping, the plan settings (role prefixes and limits), the tag names the CRM read would
  be given, the unconfirmed sends of a killed run, the plan's direction and this program's version.

Only a *quiet* plan is noted — no operation, skip, conflict, shortened value, limit note, guard or
mapping warning; at most R8's "N changes in … not yet in …" — so the reused preview is word for word
the one a full plan gives. Anything else clears the note. A full check never uses the note.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ctctdesk import __version__
from ctctdesk.sync import store
from ctctdesk.sync.mapping import FieldMapping
from ctctdesk.sync.operations import Direction, Guard
from ctctdesk.sync.plan import Plan, PlanSettings
from ctctdesk.sync.snapshot import RemoteList

STATE_PREFIX = "quiet_plan_"  # sync_state key per plan direction: the note of the last quiet plan


@dataclasses.dataclass(frozen=True)
class Inputs:
    """Everything a plan depends on, each part as a value that changes when that input changes."""

    direction: Direction
    crm_changes: int
    baseline_revision: str
    baseline_account: str
    mirror_revision: str
    account_id: str
    lists: Mapping[str, RemoteList]
    mapping: FieldMapping
    settings: PlanSettings
    tag_names: Iterable[str]
    unconfirmed: Iterable[str]

    def fingerprint(self) -> str:
        data: dict[str, Any] = {
            "version": __version__,
            "direction": str(self.direction),
            "crm_changes": self.crm_changes,
            "baseline": [self.baseline_revision, self.baseline_account],
            "mirror": self.mirror_revision,
            "account": self.account_id,
            "lists": sorted([rl.cc_id, rl.name, rl.is_default] for rl in self.lists.values()),
            "mapping": [self.mapping.tags, sorted((name, str(target)) for name, target in self.mapping.fields.items())],
            "settings": _settings(self.settings),
            "tags": sorted(self.tag_names),
            "unconfirmed": list(self.unconfirmed),
        }
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def _settings(settings: PlanSettings) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in dataclasses.fields(settings):
        value = getattr(settings, item.name)
        out[item.name] = sorted(value) if isinstance(value, (set, frozenset)) else value
    return out


def is_quiet(the_plan: Plan, not_sent: Iterable[str] = ()) -> bool:
    """Nothing in the plan but R8's pending count: its preview is fully described by that count."""
    return not (the_plan.operations or the_plan.skips or the_plan.truncations or the_plan.conflicts
                or the_plan.limit_notes or the_plan.baseline_ignored or the_plan.guard.needs_confirmation
                or any(True for _ in not_sent))  # fmt: skip


def remember(inputs: Inputs, the_plan: Plan, not_sent: Iterable[str] = ()) -> None:
    """Note a fully planned result: kept when quiet, otherwise any earlier note is cleared."""
    key = STATE_PREFIX + str(inputs.direction)
    if not is_quiet(the_plan, not_sent):
        if store.get_state(key):
            store.set_state(key, "")
        return
    note = json.dumps({"fingerprint": inputs.fingerprint(), "pending_other_way": the_plan.pending_other_way,
                       "account_id": the_plan.account_id, "linked": the_plan.guard.linked})
    store.set_state(key, note)


def recall(inputs: Inputs) -> Plan | None:
    """The quiet plan noted for exactly these inputs, or None (then plan in full)."""
    text = store.get_state(STATE_PREFIX + str(inputs.direction))
    if not text:
        return None
    try:
        note = json.loads(text)
        matches = note["fingerprint"] == inputs.fingerprint()
        pending, account, linked = int(note["pending_other_way"]), str(note["account_id"]), int(note["linked"])
    except (ValueError, TypeError, KeyError):
        return None
    if not matches:
        return None
    return Plan(inputs.direction, (), pending_other_way=pending, guard=Guard(False, (), 0, linked),
                account_id=account)


def forget() -> None:
    """Drop every note (the account is forgotten)."""
    for direction in (Direction.TO_CC, Direction.FROM_CC):
        store.set_state(STATE_PREFIX + str(direction), "")
