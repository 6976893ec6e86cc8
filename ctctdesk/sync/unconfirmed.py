"""Values a push sent to Constant Contact but never saw confirmed, because the run was killed (R8, R13).

A push step is journalled before it is sent, with the field values it is about to send per contact.
When the process dies after Constant Contact took them but before the baseline recorded them, the
next read finds Constant Contact holding our own values while the baseline still holds the old ones.
Taken at face value that is a change made in Constant Contact, and a pull would then overwrite a newer
CRM edit with the older value it sent. So before planning, a field whose Constant Contact value equals
a value we sent and never saw confirmed is taken as agreed: it goes into the baseline as the value
both sides held at that moment. A value that differs from what we sent is left to the usual three-way
comparison (the send did not arrive, or Constant Contact changed it since).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence

from ctctdesk.sync.operations import Operation, Side, UpdateContact
from ctctdesk.sync.snapshot import Baseline, BaselineContact, FieldValues, RemoteSnapshot

SentValues = Mapping[int, Mapping[str, str]]  # local contact id → field → value sent


def sent_detail(ops: Sequence[Operation]) -> str:
    """The journal detail of a push step: the values each contact update is about to send ("" = none)."""
    sent = [
        [op.contact.local_id, dict(op.changes)]
        for op in ops
        if isinstance(op, UpdateContact) and op.side is Side.CC and op.contact.local_id is not None
    ]
    return json.dumps({"sent": sent}) if sent else ""


def sent_values(details: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """(local contact id, values sent) from the details of unconfirmed steps, oldest first.

    A detail this version cannot read (another kind of step, another version) is skipped: the
    contact is then compared three-way as before, never adopted by guess."""
    found: list[tuple[int, dict[str, str]]] = []
    for detail in details:
        try:
            data = json.loads(detail) if detail else {}
            rows = data.get("sent", []) if isinstance(data, dict) else []
            for local_id, values in rows:
                found.append((int(local_id), {str(k): str(v) for k, v in dict(values).items()}))
        except (ValueError, TypeError):
            continue
    return found


def adopt(baseline: Baseline, remote: RemoteSnapshot,
          sent: Iterable[tuple[int, Mapping[str, str]]]) -> tuple[Baseline, list[BaselineContact]]:  # fmt: skip
    """The baseline with every unconfirmed sent value that Constant Contact now holds taken as agreed,
    and the baseline entries so changed (to be stored when a run starts)."""
    contacts = dict(baseline.contacts)
    changed: dict[int, BaselineContact] = {}
    for local_id, values in sent:
        entry = contacts.get(local_id)
        if entry is None:
            continue
        held = remote.contacts.get(entry.cc_id)
        if held is None:  # not read (incremental) or gone: nothing to compare with
            continue
        there = held.values().as_dict()
        fields = entry.fields.as_dict()
        agreed = {name: value for name, value in values.items()
                  if there.get(name, "") == value and fields.get(name, "") != value}  # fmt: skip
        if not agreed:
            continue
        entry = dataclasses.replace(entry, fields=FieldValues.from_dict({**fields, **agreed}))
        contacts[local_id] = changed[local_id] = entry
    if not changed:
        return baseline, []
    return Baseline(baseline.account_id, contacts, baseline.lists), list(changed.values())
