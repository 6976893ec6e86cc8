"""Bulk activities: queued, then processed by the sandbox clock, their effect applied when they complete.

An activity is created `initialized`. It starts as soon as fewer than `max_running` activities of the
account are running (otherwise it waits in the queue, still `initialized` — the "you are in the queue"
the real service shows), is `processing` with a growing `percent_done` for `activity_delay` seconds, and
then applies its whole effect at once and is `completed` (or `failed` with `activity_errors` when, say,
every target list has been deleted meanwhile). Progress is worked out from the clock whenever a request
arrives, so moving the clock forward moves activities along without any background thread.

Activities are plain dicts holding their kind and validated payload, so the state dump keeps them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from ctctdesk.sandbox.state import MAX_CUSTOM_FIELDS_PER_CONTACT, MAX_TAGS_PER_CONTACT, SandboxState, new_id
from ctctdesk.sandbox.timefmt import iso

TERMINAL = frozenset({"completed", "failed", "cancelled", "timed_out"})
MAX_QUEUED = 1000

IMPORT_FIELDS = {"first_name": "first_name", "last_name": "last_name", "job_title": "job_title",
                 "company_name": "company_name", "birthday_month": "birthday_month",
                 "birthday_day": "birthday_day", "anniversary": "anniversary"}
IMPORT_PHONES = {"phone": "other", "home_phone": "home", "work_phone": "work", "mobile_phone": "mobile",
                 "other_phone": "other"}
IMPORT_ADDRESSES = {"": "home", "home_": "home", "work_": "work", "other_": "other"}
PHONE_KEYS = frozenset(IMPORT_PHONES)
ADDRESS_KEYS = frozenset({f"{prefix}{part}" for prefix in IMPORT_ADDRESSES
                          for part in ("street", "street2", "city", "state", "zip", "country")} | {"home country"})
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$")


def create(state: SandboxState, kind: str, payload: dict[str, Any], items_total: int) -> dict[str, Any]:
    """Queue an activity and return it (state `initialized`)."""
    with state.lock:
        now = state.now()
        activity = {"activity_id": new_id(), "kind": kind, "payload": payload, "state": "initialized",
                    "created_at": now, "updated_at": now, "started_at": None, "completed_at": None,
                    "percent_done": 0, "activity_errors": [], "items_total": items_total, "result": {}}
        state.activities[activity["activity_id"]] = activity
        return activity


def pending_count(state: SandboxState) -> int:
    return sum(1 for a in state.activities.values() if a["state"] not in TERMINAL)


def advance(state: SandboxState) -> None:
    """Start, progress and complete activities up to the clock's now, in the order they would happen."""
    with state.lock:
        now = state.now()
        delay = max(0.0, float(state._activity_delay()))
        slots = max(1, int(state._max_running()))
        pending = [a for a in state.activities.values() if a["state"] not in TERMINAL]
        if not pending:
            return
        running = [a for a in pending if a["started_at"] is not None]
        queued = [a for a in pending if a["started_at"] is None]
        freed_at: float | None = None
        while True:
            while len(running) < slots and queued:
                nxt = queued.pop(0)
                nxt["started_at"] = max(nxt["created_at"], freed_at or nxt["created_at"])
                running.append(nxt)
            if not running:
                break
            first = min(running, key=lambda a: a["started_at"])
            finish = first["started_at"] + delay
            if finish > now:
                break
            running.remove(first)
            _complete(state, first, finish)
            freed_at = finish
        for activity in running:
            elapsed = now - activity["started_at"]
            activity["state"] = "processing"
            activity["percent_done"] = min(99, int(elapsed / delay * 100)) if delay > 0 else 99
            activity["updated_at"] = now


def _complete(state: SandboxState, activity: dict[str, Any], when: float) -> None:
    runner = RUNNERS[activity["kind"]]
    errors, result = runner(state, activity["payload"])
    activity["result"] = result
    activity["activity_errors"] = errors
    activity["state"] = "failed" if result.get("failed") else "completed"
    activity["percent_done"] = 100
    activity["completed_at"] = when
    activity["updated_at"] = when


def activity_json(activity: dict[str, Any]) -> dict[str, Any]:
    total = activity["items_total"]
    done = activity["state"] in TERMINAL
    result = activity["result"]
    completed = result.get("items_completed", total) if done else total * activity["percent_done"] // 100
    kind = activity["kind"]
    status: dict[str, Any]
    if kind == "contacts_json_import":
        status = {"items_total_count": total, "person_count": result.get("person_count", 0), "error_count": result.get("error_count", 0),
                  "correctable_count": 0, "cannot_add_to_list_count": result.get("cannot_add_to_list", 0)}
    elif kind in ("add_list_memberships", "remove_list_memberships", "contact_delete"):
        status = {"items_total_count": total, "items_completed_count": completed,
                  "list_count": result.get("list_count", len(activity["payload"].get("list_ids") or []))}
    elif kind == "list_delete":
        status = {"list_count": total}
    else:
        status = {"items_total_count": total, "items_completed_count": completed}
    links: dict[str, Any] = {"self": {"href": f"/v3/activities/{activity['activity_id']}"}}
    if kind == "contact_exports" and activity["state"] == "completed":
        links["results"] = {"href": f"/v3/contact_exports/{activity['activity_id']}"}
    out: dict[str, Any] = {
        "activity_id": activity["activity_id"],
        "state": activity["state"],
        "created_at": iso(activity["created_at"]),
        "updated_at": iso(activity["updated_at"]),
        "percent_done": activity["percent_done"],
        "activity_errors": list(activity["activity_errors"]),
        "status": status,
        "_links": links,
    }
    if activity["state"] != "initialized" and activity["started_at"] is not None:
        out["started_at"] = iso(activity["started_at"])
    if activity["completed_at"] is not None:
        out["completed_at"] = iso(activity["completed_at"])
    return out


# ------------------------------------------------------------------------------------------ effects
def _live_lists(state: SandboxState, list_ids: list[str]) -> list[str]:
    return [lid for lid in list_ids if lid in state.lists and state.lists[lid]["deleted_at"] is None]


def _run_import(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    list_ids = _live_lists(state, payload["list_ids"])
    if not list_ids:
        return ["None of the lists of this import exist any more."], {"failed": True, "items_completed": 0}
    errors: list[str] = []
    people = 0
    cannot_add = 0
    fields_by_name = {f["name"]: f["custom_field_id"] for f in state.custom_fields.values()}
    for row_number, row in enumerate(payload["import_data"], start=1):
        email = (row.get("email") or "").strip()
        if not looks_like_email(email):
            errors.append(f"Row {row_number}: '{email}' is not a valid email address.")
            continue
        contact = state.find_email(email)
        if contact is None:
            contact = state.new_contact(email, "Account")
        else:
            state.revive(contact)
        for key, attr in IMPORT_FIELDS.items():
            if key in row and row[key] not in (None, ""):
                setattr(contact, attr, row[key])
        _import_phones(state, contact, row)
        _import_addresses(state, contact, row)
        for key, value in row.items():
            if key.startswith("cf:"):
                field_id = fields_by_name.get(key[3:])
                if field_id is not None and (field_id in contact.custom_fields
                                             or len(contact.custom_fields) < MAX_CUSTOM_FIELDS_PER_CONTACT):
                    contact.custom_fields[field_id] = str(value)
        for list_id in list_ids:
            if not state.add_membership(contact, list_id):
                cannot_add += 1
        state.touch(contact, "Account")
        people += 1
    return errors, {"person_count": people, "error_count": len(errors), "cannot_add_to_list": cannot_add}


def _import_phones(state: SandboxState, contact: Any, row: dict[str, Any]) -> None:
    if PHONE_KEYS.isdisjoint(row):
        return
    for key, kind in IMPORT_PHONES.items():
        value = row.get(key)
        if not value:
            continue
        now = state.now()
        for phone in contact.phone_numbers:
            if phone["kind"] == kind:
                phone["phone_number"] = value
                phone["updated_at"] = now
                break
        else:
            if len(contact.phone_numbers) < 3:
                contact.phone_numbers.append({"phone_number_id": new_id(), "phone_number": value, "kind": kind,
                                              "created_at": now, "updated_at": now})


def _import_addresses(state: SandboxState, contact: Any, row: dict[str, Any]) -> None:
    if ADDRESS_KEYS.isdisjoint(row):
        return
    for prefix, kind in IMPORT_ADDRESSES.items():
        parts = {"street": row.get(f"{prefix}street"), "city": row.get(f"{prefix}city"),
                 "state": row.get(f"{prefix}state"), "postal_code": row.get(f"{prefix}zip"),
                 "country": row.get(f"{prefix}country" if prefix != "home_" else "home country")}
        if row.get(f"{prefix}street2") and parts["street"]:
            parts["street"] = f"{parts['street']}\n{row[f'{prefix}street2']}"
        if not any(parts.values()):
            continue
        now = state.now()
        for address in contact.street_addresses:
            if address["kind"] == kind:
                address.update({k: v for k, v in parts.items() if v})
                address["updated_at"] = now
                break
        else:
            if len(contact.street_addresses) < 3:
                contact.street_addresses.append({"street_address_id": new_id(), "kind": kind,
                                                 **{k: v for k, v in parts.items() if v},
                                                 "created_at": now, "updated_at": now})


def resolve_source(state: SandboxState, source: dict[str, Any], exclude: dict[str, Any] | None) -> list[Any]:
    """The contacts a bulk `source` object names (contact ids, lists, tags or all active contacts)."""
    excluded = set((exclude or {}).get("contact_ids") or [])
    chosen: dict[str, Any] = {}
    for contact_id in source.get("contact_ids") or []:
        contact = state.contacts.get(contact_id)
        if contact is not None and contact.deleted_at is None:
            chosen[contact_id] = contact
    for list_id in source.get("list_ids") or []:
        for contact_id in state.members.get(list_id, set()):
            chosen[contact_id] = state.contacts[contact_id]
    tag_ids = set(source.get("tag_ids") or [])
    if tag_ids:
        for contact in state.order:
            if contact.deleted_at is None and contact.tag_ids & tag_ids:
                chosen[contact.contact_id] = contact
    if source.get("all_active_contacts"):
        for contact in state.order:
            if contact.deleted_at is None:
                chosen[contact.contact_id] = contact
    return sorted((c for cid, c in chosen.items() if cid not in excluded), key=lambda c: c.seq)


def _run_add_memberships(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    list_ids = _live_lists(state, payload["list_ids"])
    if not list_ids:
        return ["None of the target lists exist any more."], {"failed": True, "items_completed": 0}
    contacts = resolve_source(state, payload["source"], payload.get("exclude"))
    errors: list[str] = []
    for contact in contacts:
        changed = False
        for list_id in list_ids:
            if list_id in contact.list_ids:
                continue
            if state.add_membership(contact, list_id):
                changed = True
            else:
                errors.append(f"Contact {contact.contact_id} is already in the maximum of 50 lists.")
        if changed:
            state.touch_for_list_change(contact)
    return errors, {"items_completed": len(contacts), "list_count": len(list_ids)}


def _run_remove_memberships(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    list_ids = _live_lists(state, payload["list_ids"])
    contacts = resolve_source(state, payload["source"], payload.get("exclude"))
    for contact in contacts:
        changed = False
        for list_id in list_ids:
            changed = state.remove_membership(contact, list_id) or changed
        if changed:
            state.touch_for_list_change(contact)
    return [], {"items_completed": len(contacts), "list_count": len(list_ids)}


def _run_contact_delete(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    contacts = resolve_source(state, {"contact_ids": payload.get("contact_ids"),
                                      "list_ids": payload.get("list_ids")}, None)
    for contact in contacts:
        state.delete_contact_now(contact)
    return [], {"items_completed": len(contacts), "list_count": len(payload.get("list_ids") or [])}


def _run_list_delete(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    for list_id in payload["list_ids"]:
        state.delete_list_now(list_id)
    return [], {"items_completed": len(payload["list_ids"])}


def _run_taggings(adding: bool):
    def run(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
        tag_ids = [tid for tid in payload["tag_ids"] if tid in state.tags]
        contacts = resolve_source(state, payload["source"], payload.get("exclude"))
        for contact in contacts:
            before = len(contact.tag_ids)
            if adding:
                room = MAX_TAGS_PER_CONTACT - len(contact.tag_ids)
                contact.tag_ids.update([t for t in tag_ids if t not in contact.tag_ids][:max(0, room)])
            else:
                contact.tag_ids.difference_update(tag_ids)
            if len(contact.tag_ids) != before:
                state.touch(contact)
        return [], {"items_completed": len(contacts)}
    return run


def _run_tag_delete(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    for tag_id in payload["tag_ids"]:
        state.delete_tag_now(tag_id)
    return [], {"items_completed": len(payload["tag_ids"])}


# The fields the developer guide lists for an export, in its order; the sandbox fills those it models and
# leaves the others empty. Which words head the real file's columns is not documented (see NOTES.md):
# the sandbox uses the field names themselves.
EXPORT_FIELDS = ("email_address", "first_name", "last_name", "job_title", "company_name", "phone_number",
                 "email_lists", "tag", "email_permission", "created_at", "updated_at", "website", "notes",
                 "street", "city", "state", "zip", "country", "anniversary", "birthday", "birthday_day",
                 "birthday_month", "source_name", "email_optin_source", "email_optin_date",
                 "email_optout_source", "email_optout_date", "email_optout_reason")
EXPORT_STATUSES = ("active", "unsubscribed", "removed")
NEW_SUBSCRIBER_DAYS = 30


def export_rows(state: SandboxState, payload: dict[str, Any]) -> list[Any]:
    """The contacts an export's filters choose, in the account's order."""
    status = payload.get("status")
    if payload.get("contact_ids"):
        chosen = [state.contacts[cid] for cid in payload["contact_ids"] if cid in state.contacts]
    elif payload.get("list_ids"):
        ids = set().union(*(state.members.get(lid, set()) for lid in payload["list_ids"]))
        chosen = [state.contacts[cid] for cid in ids]
    elif payload.get("tag_ids"):
        wanted = set(payload["tag_ids"])
        chosen = [c for c in state.order if c.tag_ids & wanted]
    else:
        chosen = list(state.order)
    if payload.get("new_subscriber"):
        since = state.now() - NEW_SUBSCRIBER_DAYS * 86_400
        chosen = [c for c in chosen if c.created_at >= since]
    excluded = set((payload.get("exclude") or {}).get("contact_ids") or [])
    if status == "removed":
        chosen = [c for c in chosen if c.deleted_at is not None]
    elif status == "unsubscribed":
        chosen = [c for c in chosen if c.deleted_at is None and c.permission == "unsubscribed"]
    elif status == "active":
        chosen = [c for c in chosen if c.deleted_at is None and c.permission != "unsubscribed"]
    else:
        chosen = [c for c in chosen if c.deleted_at is None]
    return sorted((c for c in chosen if c.contact_id not in excluded), key=lambda c: c.seq)


def _export_value(state: SandboxState, contact: Any, name: str) -> str:
    if name == "email_address":
        return contact.email
    if name in ("first_name", "last_name", "job_title", "company_name", "anniversary"):
        return getattr(contact, name) or ""
    if name in ("birthday_day", "birthday_month"):
        value = getattr(contact, name)
        return "" if value is None else str(value)
    if name == "phone_number":
        return next((p["phone_number"] for p in contact.phone_numbers if p.get("phone_number")), "")
    if name == "email_lists":
        return ", ".join(sorted(state.lists[lid]["name"] for lid in contact.list_ids if lid in state.lists))
    if name == "tag":
        return ", ".join(sorted(state.tags[tid]["name"] for tid in contact.tag_ids if tid in state.tags))
    if name == "email_permission":
        return contact.permission
    if name in ("created_at", "updated_at"):
        return iso(getattr(contact, name))
    if name == "email_optout_source":
        return contact.opt_out_source or ""
    if name == "email_optout_date":
        return iso(contact.opt_out_date) if contact.opt_out_date else ""
    if name == "email_optout_reason":
        return contact.opt_out_reason or ""
    if name == "email_optin_source":
        return contact.opt_in_source or ""
    if name == "email_optin_date":
        return iso(contact.opt_in_date) if contact.opt_in_date else ""
    return ""  # a field the sandbox does not model (website, street, ...)


def _run_contact_export(state: SandboxState, payload: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Write the file as the contacts are when the activity completes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    fields = payload["fields"]
    writer.writerow(fields)
    rows = export_rows(state, payload)
    for contact in rows:
        writer.writerow([_export_value(state, contact, name) for name in fields])
    return [], {"items_completed": len(rows), "csv": out.getvalue()}


RUNNERS = {
    "contact_exports": _run_contact_export,
    "contacts_json_import": _run_import,
    "add_list_memberships": _run_add_memberships,
    "remove_list_memberships": _run_remove_memberships,
    "contact_delete": _run_contact_delete,
    "list_delete": _run_list_delete,
    "contacts_taggings_add": _run_taggings(True),
    "contacts_taggings_remove": _run_taggings(False),
    "tag_delete": _run_tag_delete,
}


def looks_like_email(value: str) -> bool:
    """The service's own check is unknown; this refuses what plainly is not an address."""
    return bool(value) and len(value) <= 80 and EMAIL_SHAPE.match(value) is not None


def payload_size(items: list[Any]) -> int:
    return len(json.dumps(items, separators=(",", ":")))
