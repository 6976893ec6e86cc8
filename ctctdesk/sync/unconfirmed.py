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

from ctctdesk.sync.operations import CreateContact, Operation, Side, UpdateContact
from ctctdesk.sync.snapshot import Baseline, BaselineContact, FieldValues, RemoteSnapshot, cc_value

NEW = "new"  # the values of an import: a contact not linked yet, the whole record sent


def sent_detail(ops: Sequence[Operation]) -> str:
    """The journal detail of a push step: the values each contact update or import is about to send
    ("" = none)."""
    sent: list[list] = []
    for op in ops:
        if op.side is not Side.CC or getattr(op, "contact", None) is None or op.contact.local_id is None:
            continue
        if isinstance(op, UpdateContact):
            sent.append([op.contact.local_id, dict(op.changes)])
        elif isinstance(op, CreateContact):
            sent.append([op.contact.local_id, op.fields.as_dict(), NEW])
    return json.dumps({"sent": sent}) if sent else ""


def sent_values(details: Iterable[str]) -> list[tuple[int, dict[str, str], bool]]:
    """(local contact id, values sent, whether an import) from the details of unconfirmed steps,
    oldest first.

    A detail this version cannot read (another kind of step, another version) is skipped: the
    contact is then compared three-way as before, never adopted by guess."""
    found: list[tuple[int, dict[str, str], bool]] = []
    for detail in details:
        try:
            data = json.loads(detail) if detail else {}
            rows = data.get("sent", []) if isinstance(data, dict) else []
            for local_id, values, *kind in rows:
                found.append((int(local_id), {str(k): str(v) for k, v in dict(values).items()}, kind == [NEW]))
        except (ValueError, TypeError):
            continue
    return found


def adopt(baseline: Baseline, remote: RemoteSnapshot,
          sent: Iterable[tuple[int, Mapping[str, str], bool]]) -> tuple[Baseline, list[BaselineContact]]:  # fmt: skip
    """The baseline with every unconfirmed sent value that Constant Contact now holds taken as agreed,
    and the baseline entries so changed (to be stored when a run starts).

    An import is adopted only whole: an unlinked Constant Contact contact with its address holding
    exactly the record sent becomes the contact's link, as if the import had been confirmed."""
    contacts = dict(baseline.contacts)
    changed: dict[int, BaselineContact] = {}
    linked = {entry.cc_id for entry in contacts.values()}
    by_email: dict[str, str] | None = None
    for local_id, values, imported in sent:
        entry = contacts.get(local_id)
        if imported:
            if entry is not None:
                continue
            if by_email is None:
                by_email = {cc_value("email", rc.email): cc_id for cc_id, rc in remote.contacts.items()
                            if cc_id not in linked}  # fmt: skip
            cc_id = by_email.pop(cc_value("email", values.get("email", "")), None)
            held = remote.contacts.get(cc_id) if cc_id else None
            if cc_id is None or held is None or held.values().as_dict() != dict(values):
                continue
            linked.add(cc_id)
            contacts[local_id] = changed[local_id] = BaselineContact(local_id, cc_id, held.values())
            continue
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
