"""The remote steps: handlers that carry out operations on Constant Contact (R12), through the
`EmailService` protocol only (`ctctdesk.sync.email_service`).

Each handler takes the run's `RunState` and a run of same-kind operations, performs them with bulk
activities where the service has them (waiting on each, with progress), and returns what Constant Contact
confirmed: op id → the id a creation got. A handler stopped part-way raises `Partial` with what it did,
so the journal records that much and the next plan redoes the rest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta

from ctctdesk.ctct.client import MAX_CONTACT_IDS_PER_ACTIVITY, MAX_TAGS_PER_ACTIVITY, Activity, Contact
from ctctdesk.ctct.errors import Conflict as CtctConflict
from ctctdesk.ctct.errors import CtctError, ValidationError
from ctctdesk.sync.errors import SyncCancelled
from ctctdesk.sync.mapping import ADDRESS_FIELD, DEFAULT_FIELD_TYPE, TAG_PREFIX, is_carried, is_tag, tag_name
from ctctdesk.sync.operations import CreateContact, Operation, RenameList, UpdateContact
from ctctdesk.sync.progress import report
from ctctdesk.sync.readers import display_name
from ctctdesk.sync.remote_reader import INCLUDE, iso
from ctctdesk.sync.snapshot import CUSTOM_PREFIX, FieldValues
from ctctdesk.sync.step_journal import Partial, RunState

# -- waiting on Constant Contact ---------------------------------------------------------------------------


def wait_all(run: RunState, activities: Sequence[Activity], phase: str) -> list[Activity]:
    assert run.client is not None
    finished = []
    total = len(activities)
    for index, activity in enumerate(activities):
        def progress(a: Activity, index: int = index) -> None:
            if a.queued:
                name = display_name(run.client)
                report(run.on_progress, f"Waiting for {name}", index, total, queued=True,
                       message=f"{name} has queued this job; it starts when its turn comes.")
            else:
                report(run.on_progress, phase, index * 100 + a.percent_done, total * 100)

        cancelled = (lambda: run.cancel.is_set()) if run.cancel is not None else None
        final = run.client.wait(activity, progress, cancelled=cancelled)
        if not final.done:
            raise SyncCancelled(f"Cancelled while {display_name(run.client)} was working.")
        finished.append(final)
    return finished


# -- lists ---------------------------------------------------------------------------------------------------


def delete_lists(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    assert run.client is not None
    ids = [op.list.cc_id for op in ops if op.list.cc_id]  # type: ignore[attr-defined]
    results = wait_all(run, run.client.delete_lists(ids), "Deleting lists")
    if not all(a.succeeded for a in results):
        raise CtctError(f"{display_name(run.client)} did not delete every list: " + "; ".join(
            e for a in results for e in a.errors))
    return {op.op_id: None for op in ops}


def create_lists(run: RunState, ops: Sequence[Operation]) -> dict[int, str]:
    confirmed: dict[int, str] = {}
    try:
        for op in ops:
            run.check_cancel()
            confirmed[op.op_id] = _create_list(run, op.list.name)  # type: ignore[attr-defined]
    except (CtctError, SyncCancelled) as error:
        raise Partial(confirmed, error) from error
    return confirmed


def rename_lists(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    assert run.client is not None
    confirmed: dict[int, None] = {}
    try:
        for op in ops:
            assert isinstance(op, RenameList)
            run.check_cancel()
            ref = run.builder.resolve_list(op.list)
            run.client.rename_list(ref.cc_id, op.new_name)  # type: ignore[arg-type]
            confirmed[op.op_id] = None
    except (CtctError, SyncCancelled) as error:
        raise Partial(confirmed, error) from error
    return confirmed


def _create_list(run: RunState, name: str) -> str:
    assert run.client is not None
    try:
        return run.client.create_list(name).list_id
    except CtctConflict:  # created by an earlier run that was stopped before recording it
        key = name.strip().casefold()
        for cl in run.client.iter_lists():
            if cl.name.strip().casefold() == key:
                return cl.list_id
        raise


# -- contacts ------------------------------------------------------------------------------------------------


def _custom_field_names(run: RunState, labels: Iterable[str]) -> dict[str, str]:
    """label → Constant Contact field name, creating missing fields first (R11)."""
    assert run.client is not None
    wanted = set(labels)
    if run.labels_to_names is None:
        run.labels_to_names = {}
        for f in run.client.iter_custom_fields():
            run.labels_to_names[f.label or f.name] = f.name
            run.labels_to_ids[f.label or f.name] = f.custom_field_id
    for label in sorted(wanted - set(run.labels_to_names) - set(run.refused_labels)):
        kind = run.field_types.get(label, DEFAULT_FIELD_TYPE)
        try:
            if kind == DEFAULT_FIELD_TYPE:
                made = run.client.create_custom_field(label)
            else:  # the type chosen in the field mapping (R11)
                made = run.client.create_typed_custom_field(label, kind)
        except ValidationError as error:  # e.g. the account's custom fields are used up (R15)
            run.refused_labels[label] = _reason(error, display_name(run.client))
            continue
        run.labels_to_names[label] = made.name
        run.labels_to_ids[label] = made.custom_field_id
    return run.labels_to_names


def _refused_field(run: RunState, labels: Iterable[str]) -> str | None:
    """Why a contact cannot go: one of its custom fields could not be made in Constant Contact."""
    for label in labels:
        if label in run.refused_labels:
            return f'custom field "{label}": {run.refused_labels[label]}'
    return None


def _row(values: Mapping[str, str], names: Mapping[str, str]) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, value in values.items():
        if key.startswith(_TAG_KEY):
            continue  # tags do not travel in the import (the JSON import has no tags): see _tag
        if key == _ADDRESS_KEY:  # the company address as the contact's work street address (R11)
            row["work_street"] = value
        elif key.startswith(CUSTOM_PREFIX):
            row["cf:" + names[key[len(CUSTOM_PREFIX):]]] = value
        else:
            row[key] = value
    return row


_TAG_KEY = CUSTOM_PREFIX + TAG_PREFIX
_ADDRESS_KEY = CUSTOM_PREFIX + ADDRESS_FIELD


def _tag_id_map(run: RunState, names: Iterable[str]) -> dict[str, str]:
    """name (casefolded) → Constant Contact tag id, creating missing tags under the CRM's name (R11)."""
    assert run.client is not None
    if run.tag_ids is None:
        run.tag_ids = {t.name.casefold(): t.tag_id for t in run.client.iter_tags()}
    for name in sorted(set(names), key=str.casefold):
        if name.casefold() not in run.tag_ids:
            try:
                run.tag_ids[name.casefold()] = run.client.create_tag(name).tag_id
            except CtctConflict:  # made by an earlier run that stopped before using it
                run.tag_ids = {t.name.casefold(): t.tag_id for t in run.client.iter_tags()}
                if name.casefold() not in run.tag_ids:
                    raise
    return run.tag_ids


def _tag(run: RunState, adds: Mapping[int, tuple[str, list[str]]], removes: Mapping[int, tuple[str, list[str]]]
         ) -> set[int]:  # fmt: skip
    """Add and remove tags with bulk tagging activities; returns the op ids whose tags all went through.

    ``adds``/``removes``: op id → (contact id, tag names). Contacts are grouped either by their whole set of
    tags (10,000 contacts tagged alike: 20 activities whatever the tag count) or tag by tag (many companies
    with different mixes of a few tags: one activity per tag and 500 contacts), whichever makes fewer.
    """
    assert run.client is not None
    names = {n for _, tags in (*adds.values(), *removes.values()) for n in tags}
    if not names:
        return set()
    ids = _tag_id_map(run, names)
    failed: set[int] = set()
    for table, call, phase in ((adds, run.client.add_tags, "Tagging contacts"),
                               (removes, run.client.remove_tags, "Untagging contacts")):  # fmt: skip
        for tag_ids, op_ids in _tag_groups(table, ids).items():
            run.check_cancel()
            results = wait_all(run, call([table[o][0] for o in op_ids], list(tag_ids)), phase)
            if not all(a.succeeded for a in results):
                failed.update(op_ids)
                run.result.errors.extend(("", e) for a in results for e in a.errors)
    return (set(adds) | set(removes)) - failed


def _tag_groups(table: Mapping[int, tuple[str, list[str]]], ids: Mapping[str, str]
                ) -> dict[tuple[str, ...], list[int]]:  # fmt: skip
    """Tag ids → op ids, one tagging activity per entry and 500 contacts: by tag set or by tag (fewer)."""
    by_set: dict[tuple[str, ...], list[int]] = defaultdict(list)
    by_tag: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for op_id, (_, tags) in table.items():
        tag_ids = sorted({ids[n.casefold()] for n in tags})
        by_set[tuple(tag_ids)].append(op_id)
        for tag_id in tag_ids:
            by_tag[(tag_id,)].append(op_id)

    def cost(groups: Mapping[tuple[str, ...], list[int]]) -> int:
        return sum(-(-len(ops) // MAX_CONTACT_IDS_PER_ACTIVITY) * -(-len(tags) // MAX_TAGS_PER_ACTIVITY)
                   for tags, ops in groups.items())

    return by_set if cost(by_set) <= cost(by_tag) else by_tag


def _tag_new_lists(run: RunState, ops: Sequence[Operation], confirmed: Mapping[int, str],
                   adds: Mapping[int, tuple[str, list[str]]]) -> dict[int, set[str]]:  # fmt: skip
    """Tag whole lists at once where that tags exactly the contacts meant: lists this run created (all their
    members were imported just now), with the tags every one of their members carries. One activity per
    50 lists instead of one per 500 contacts; returns op id → the tag names (casefolded) so given."""
    assert run.client is not None
    members: dict[str, list[int]] = defaultdict(list)  # new list's id → op ids imported into it
    lists_of: dict[int, list[str]] = defaultdict(list)
    for op in ops:
        assert isinstance(op, CreateContact)
        for ref in op.lists:
            if ref.cc_id is None:  # created by this run: nobody else is in it
                list_id = run.builder.resolve_list(ref).cc_id or ""
                members[list_id].append(op.op_id)
                lists_of[op.op_id].append(list_id)
    by_tags: dict[tuple[str, ...], list[str]] = defaultdict(list)
    common: dict[str, set[str]] = {}
    for list_id, op_ids in members.items():
        if not list_id or any(o not in confirmed for o in op_ids):
            continue
        shared = set.intersection(*({n.casefold() for n in adds[o][1]} if o in adds else set() for o in op_ids))
        if shared:
            common[list_id] = shared
            by_tags[tuple(sorted(shared))].append(list_id)
    covered: dict[int, set[str]] = {}
    if not by_tags:
        return covered
    shown = {n.casefold(): n for _, tags in adds.values() for n in tags}  # made under the CRM's spelling
    ids = _tag_id_map(run, {shown[n] for tags in by_tags for n in tags})
    done_lists: set[str] = set()
    for tags, list_ids in by_tags.items():
        run.check_cancel()
        results = wait_all(run, run.client.add_tags_to_lists(list_ids, [ids[n] for n in tags]),
                           "Tagging contacts")
        if all(a.succeeded for a in results):
            done_lists.update(list_ids)
    for op_id, list_ids in lists_of.items():
        names = set().union(*(common[list_id] for list_id in list_ids if list_id in done_lists))
        if names:
            covered[op_id] = names
    return covered


def _import(run: RunState, rows_by_lists: Mapping[tuple[str, ...], list[dict]], phase: str) -> tuple[
        dict[str, str], list[tuple[str, str]]]:  # fmt: skip
    """Import grouped rows, wait, and read the ids back in pages: email → contact id, row errors."""
    assert run.client is not None
    started = run.client.server_now() - timedelta(minutes=2)  # the service's clock, not ours
    activities: list[Activity] = []
    refused: list[tuple[str, str]] = []
    for list_ids, rows in rows_by_lists.items():
        activities.extend(_submit_import(run, rows, list(list_ids), refused))
    finished = wait_all(run, activities, phase)
    errors = refused + [("", e) for a in finished for e in a.errors]
    wanted = {row["email"] for rows in rows_by_lists.values() for row in rows}
    ids: dict[str, str] = {}
    if activities and all("contact_ids" in a.status for a in finished):
        # A service whose imports answer at once names what it wrote: nothing to read back.
        for a in finished:
            ids.update((e, i) for e, i in a.status["contact_ids"].items() if e in wanted)
        pages: Iterable[Sequence[Contact]] = ()
    else:
        pages = run.client.contact_pages(updated_after=iso(started))
    for page in pages:
        for contact in page:
            email = (contact.email or "").lower()
            if email in wanted:
                ids[email] = contact.contact_id
    # A refused row's contact may still be read back (changed lately for another reason): not confirmed.
    for email in wanted:
        if any(email == refused_email or f"'{email}'" in message for refused_email, message in errors):
            ids.pop(email, None)
    return ids, errors


def _submit_import(run: RunState, rows: Sequence[dict], list_ids: list[str],
                   refused: list[tuple[str, str]]) -> list[Activity]:  # fmt: skip
    """Submit an import; when Constant Contact refuses it (400) for what some rows hold, split it in
    halves until the refused rows stand alone, so one bad contact never holds back the others (R15).

    The refused rows go into ``refused`` as (email, reason). Resubmitting rows of a refused import is
    safe: an import adds or updates by email, it never duplicates.
    """
    assert run.client is not None
    try:
        return run.client.import_contacts(rows, list_ids)
    except ValidationError as error:
        if len(rows) == 1:
            refused.append((rows[0].get("email", ""), _reason(error, display_name(run.client))))
            return []
        run.check_cancel()
        half = len(rows) // 2
        return (_submit_import(run, rows[:half], list_ids, refused)
                + _submit_import(run, rows[half:], list_ids, refused))


def _reason(error: ValidationError, service: str = "Constant Contact") -> str:
    """What the service said about one refused contact, without the row positions of the request."""
    detail = "; ".join(re.sub(r"#/import_data/\d+/", "", item.error_message) for item in error.items[:3])
    return f"{service} refused this contact: {detail or 'no detail given'}"


def _skip(run: RunState, fields: FieldValues, reason: str) -> None:
    """Name the contact Constant Contact refused in the run's errors (summary and history): the run goes on."""
    name = " ".join(part for part in (fields.first_name, fields.last_name) if part)
    run.result.errors.append((fields.email, f"{name} — {reason}" if name else reason))


def import_new(run: RunState, ops: Sequence[Operation]) -> dict[int, str]:
    labels = {name for op in ops for name, _ in op.fields.custom  # type: ignore[attr-defined]
              if not is_carried(name)}
    names = _custom_field_names(run, labels) if labels else {}
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    refused: set[int] = set()
    for op in ops:
        assert isinstance(op, CreateContact)
        reason = _refused_field(run, (name for name, _ in op.fields.custom if not is_carried(name)))
        if reason is not None:
            _skip(run, op.fields, reason)
            refused.add(op.op_id)
            continue
        list_ids = tuple(sorted(run.builder.resolve_list(r).cc_id or "" for r in op.lists))
        groups[list_ids].append(_row(op.fields.as_dict(), names))
    ids, errors = _import(run, groups, "Importing contacts")
    confirmed: dict[int, str] = {}
    for op in ops:
        assert isinstance(op, CreateContact)
        if op.op_id in refused:
            continue
        cc_id = ids.get(op.fields.email)
        if cc_id is None:
            _skip(run, op.fields, _row_error(errors, op.fields.email, display_name(run.client)))
        else:
            confirmed[op.op_id] = cc_id
    adds = {op.op_id: (confirmed[op.op_id], tags) for op in ops  # type: ignore[attr-defined]
            if op.op_id in confirmed and (tags := [tag_name(n) for n, v in op.fields.custom if is_tag(n) and v])}
    if adds:
        try:
            by_lists = _tag_new_lists(run, ops, confirmed, adds)
            rest = {k: (cc_id, left) for k, (cc_id, tags) in adds.items()
                    if (left := [n for n in tags if n.casefold() not in by_lists.get(k, ())])}
            tagged = (set(adds) - set(rest)) | _tag(run, rest, {})
        except (CtctError, SyncCancelled) as error:
            _untagged(run, len(adds), "added")
            raise Partial({k: v for k, v in confirmed.items() if k not in adds}, error) from error
        for op_id in set(adds) - tagged:  # imported, not tagged: left unrecorded so the next plan retries
            confirmed.pop(op_id)
    return confirmed


def _remote_lists_of(run: RunState, cc_id: str, local_id: int) -> tuple[str, ...]:
    """The lists an update by import names (an import adds to them): the contact's lists in Constant
    Contact, less those this run took it off — removals come before updates, which must not undo them."""
    rc = run.remote.contacts.get(cc_id) if run.remote is not None else None
    if rc is not None:
        return tuple(sorted(rc.list_ids - run.removed_from.get(cc_id, set())))
    base_lists = run.builder._members  # noqa: SLF001 - the builder's current memberships
    removed = run.removed_from.get(cc_id, set())
    out = []
    for list_local_id, members in base_lists.items():
        if local_id in members:
            ref = run.builder.list(list_local_id)
            if ref is not None and ref.cc_id not in removed:
                out.append(ref.cc_id)
    return tuple(sorted(out))


def update_contacts(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    assert run.client is not None
    labels = {n[len(CUSTOM_PREFIX):] for op in ops for n, _ in op.changes  # type: ignore[attr-defined]
              if n.startswith(CUSTOM_PREFIX) and not is_carried(n[len(CUSTOM_PREFIX):])}
    names = _custom_field_names(run, labels) if labels else {}
    confirmed: dict[int, None] = {}
    by_import: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    import_ops: list[UpdateContact] = []
    adds: dict[int, tuple[str, list[str]]] = {}
    removes: dict[int, tuple[str, list[str]]] = {}
    tag_only: set[int] = set()
    try:
        for op in ops:
            assert isinstance(op, UpdateContact)
            ref = run.builder.resolve_contact(op.contact)
            changes = {k: v for k, v in op.changes if not k.startswith(_TAG_KEY)}
            reason = _refused_field(run, (n[len(CUSTOM_PREFIX):] for n in changes if n.startswith(CUSTOM_PREFIX)))
            # An address Constant Contact already holds may have parts (city, zip…) an import would leave:
            # it is replaced whole by the full update (R11).
            readdress = _ADDRESS_KEY in changes and _has_address(run, ref.cc_id or "")
            if reason is not None:
                _skip(run, op.new_base, reason)
                continue
            for key, value in op.changes:
                if key.startswith(_TAG_KEY):
                    table = adds if value else removes
                    table.setdefault(op.op_id, (ref.cc_id or "", []))[1].append(key[len(_TAG_KEY):])
            if not changes:
                tag_only.add(op.op_id)
                continue
            lists = _remote_lists_of(run, ref.cc_id or "", ref.local_id or -1)
            if "email" in changes or any(v == "" for v in changes.values()) or not lists or readdress:
                run.check_cancel()
                try:
                    _put_contact(run, ref.cc_id or "", changes, op.new_base)
                except ValidationError as error:  # this contact only: the others go ahead (R15)
                    _skip(run, op.new_base, _reason(error, display_name(run.client)))
                    continue
                confirmed[op.op_id] = None
            else:
                row = _row(changes, names)
                row["email"] = op.new_base.email
                by_import[lists].append(row)
                import_ops.append(op)
        if by_import:
            ids, errors = _import(run, by_import, "Updating contacts")
            for op in import_ops:
                if op.new_base.email in ids:
                    confirmed[op.op_id] = None
                else:
                    _skip(run, op.new_base, _row_error(errors, op.new_base.email, display_name(run.client)))
        tagged = _tag(run, adds, removes)
        for op_id in set(adds) | set(removes):
            if op_id in tagged and (op_id in tag_only or op_id in confirmed):
                confirmed[op_id] = None
            else:  # the fields went, a tag did not: the next plan offers the change again
                confirmed.pop(op_id, None)
    except (CtctError, SyncCancelled) as error:
        if adds or removes:
            _untagged(run, len(set(adds) | set(removes)), "updated")
        raise Partial({k: v for k, v in confirmed.items() if k not in adds and k not in removes}, error
                      ) from error
    return confirmed


def _untagged(run: RunState, count: int, done: str) -> None:
    """Say in the summary and history that contacts went but their tags did not (R11): nothing is lost,
    the contacts are in Constant Contact and the next run, seeing their tags missing, adds them."""
    run.result.errors.append(("", f"{count:,} contact{'s' if count != 1 else ''} {done} in Constant Contact "
                                  "without their tags: tagging did not go through; the next run tags them."))


def _has_address(run: RunState, cc_id: str) -> bool:
    rc = run.remote.contacts.get(cc_id) if run.remote is not None else None
    return rc is not None and any(name == ADDRESS_FIELD for name, _ in rc.custom_fields)


def _put_contact(run: RunState, cc_id: str, changes: Mapping[str, str], new_base: FieldValues) -> None:
    """R7: an email change (or a value blanked) goes by contact id with a full PUT."""
    assert run.client is not None
    current = run.client.get_contact(cc_id, include=INCLUDE)
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
    addresses = [a for a in raw.get("street_addresses") or [] if a.get("kind")]
    if _ADDRESS_KEY in changes:  # the company address replaces the work address whole (R11)
        addresses = [a for a in addresses if a.get("kind") != "work"]
        if changes[_ADDRESS_KEY]:
            addresses.append({"kind": "work", "street": changes[_ADDRESS_KEY]})
    if addresses:
        body["street_addresses"] = [{k: a[k] for k in ("kind", "street", "city", "state", "postal_code", "country")
                                     if a.get(k)} for a in addresses]
    custom = {item["custom_field_id"]: item.get("value") or "" for item in raw.get("custom_fields") or []}
    custom_changes = {n[len(CUSTOM_PREFIX):]: v for n, v in changes.items()
                      if n.startswith(CUSTOM_PREFIX) and n != _ADDRESS_KEY}
    if custom_changes:
        _custom_field_names(run, custom_changes)
        for label, value in custom_changes.items():
            fid = run.labels_to_ids[label]
            if value:
                custom[fid] = value
            else:
                custom.pop(fid, None)
    body["custom_fields"] = [{"custom_field_id": k, "value": v} for k, v in custom.items() if v]
    body["list_memberships"] = list(raw.get("list_memberships") or [])
    if raw.get("taggings"):  # a full PUT keeps the contact's tags (R11)
        body["taggings"] = list(raw["taggings"])
    run.client.update_contact(cc_id, body)


def _row_error(errors: Sequence[tuple[str, str]], email: str, service: str = "Constant Contact") -> str:
    for refused_email, message in errors:
        if email and (refused_email == email or email in message):
            return message
    return f"{service} did not accept this contact."


# -- memberships ---------------------------------------------------------------------------------------------


def add_members(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    return _members(run, ops, add=True)


def remove_members(run: RunState, ops: Sequence[Operation]) -> dict[int, None]:
    return _members(run, ops, add=False)


def _members(run: RunState, ops: Sequence[Operation], *, add: bool) -> dict[int, None]:
    assert run.client is not None
    by_list: dict[str, list[Operation]] = defaultdict(list)
    for op in ops:
        lst = run.builder.resolve_list(op.list)  # type: ignore[attr-defined]
        by_list[lst.cc_id or ""].append(op)
    confirmed: dict[int, None] = {}
    call = run.client.add_list_memberships if add else run.client.remove_list_memberships
    phase = "Adding to lists" if add else "Removing from lists"
    try:
        for list_id, group in by_list.items():
            contact_ids = [run.builder.resolve_contact(op.contact).cc_id or ""  # type: ignore[attr-defined]
                           for op in group]
            if not add:  # from now on, whatever Constant Contact confirms: never re-added by an update
                for cc_id in contact_ids:
                    run.removed_from.setdefault(cc_id, set()).add(list_id)
            results = wait_all(run, call(contact_ids, [list_id]), phase)
            messages = [e for a in results for e in a.errors]
            if all(a.succeeded for a in results) and not messages:
                confirmed.update((op.op_id, None) for op in group)
                continue
            # Per-contact errors name the contact: the others in the activity were done (R15).
            named = {cc_id for cc_id in contact_ids if cc_id and any(cc_id in m for m in messages)}
            unnamed = [m for m in messages if not any(cc_id in m for cc_id in named)]
            if not messages:
                unnamed = [f"{display_name(run.client)} did not finish {phase.lower()}."]
            for op, cc_id in zip(group, contact_ids, strict=True):
                refused = [m for m in messages if cc_id and cc_id in m]
                if refused:
                    label = op.contact.label  # type: ignore[attr-defined]
                    run.result.errors.append((label, refused[0]))
                elif not unnamed:
                    confirmed[op.op_id] = None
            run.result.errors.extend(("", m) for m in unnamed)
    except (CtctError, SyncCancelled) as error:
        raise Partial(confirmed, error) from error
    return confirmed
