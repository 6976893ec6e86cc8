"""Everything one Constant Contact account holds: lists, contacts, custom fields, tags, bulk activities.

One `SandboxState` per sandbox; every public method takes the lock, so the threaded server can call it
from any request. Contacts are kept by id, by lower-cased email and in creation order (an append-only
index that cursor paging walks), and each list keeps its members as a set, so 100,000 contacts stay
fast. Contacts are never removed, only marked deleted — the real service shows them with
`status=deleted` and revives them on an import or PUT.

Behaviours the real service is known for, kept here on purpose (sources in NOTES.md):
- an unsubscribed contact stays unsubscribed whatever an import, a list add or a PUT says;
- an unsubscribe takes the contact out of every list;
- deleting a contact takes it out of every list; an import or PUT brings it back;
- `updated_at` follows the contact record itself: edits, imports and PUTs move it; unsubscribes,
  bounces and list membership changes made by the owner, by bulk activities or by the contact's
  "Update Profile" page do not.
Each of these that a sync depends on has a switch in :class:`Realism` so a test can pin either way.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.errors import ApiError, conflict, not_found
from ctctdesk.sandbox.timefmt import iso, iso_date

DEFAULT_LIST_NAME = "General Interest"
MAX_LISTS_PER_CONTACT = 50
MAX_CUSTOM_FIELDS = 100
MAX_CUSTOM_FIELDS_PER_CONTACT = 25
MAX_LISTS = 1000
MAX_TAGS = 500
MAX_TAGS_PER_CONTACT = 50
SUBSCRIBED = frozenset({"explicit", "implicit"})
PERMISSIONS = ("explicit", "implicit", "not_set", "pending_confirmation", "temp_hold", "unsubscribed")

SIMPLE_FIELDS = ("first_name", "last_name", "job_title", "company_name", "birthday_month", "birthday_day",
                 "anniversary")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Realism:
    """Switches for the behaviours where the sandbox once differed from the real service.

    The defaults are the real service's; a test that is about something else may pin the old
    behaviour (each switch is a key of `/_sandbox/config`).
    """

    #: An unsubscribe takes the contact out of every list (the real service does).
    unsubscribe_empties_lists: bool = True
    #: Unsubscribes and bounces move the contact's `updated_at` (the real service does not).
    optouts_move_updated_at: bool = False
    #: List membership changes outside an import or PUT — the owner's remove-from-list and list
    #: delete, the bulk add/remove activities, "Update Profile" — move `updated_at` (real: they do not).
    list_changes_move_updated_at: bool = False


class Contact:
    __slots__ = (
        "contact_id", "seq", "email", "permission", "opt_in_source", "opt_in_date", "opt_out_source",
        "opt_out_date", "opt_out_reason", "email_created_at", "email_updated_at", "first_name",
        "last_name", "job_title", "company_name", "birthday_month", "birthday_day", "anniversary",
        "create_source", "update_source", "created_at", "updated_at", "deleted_at", "custom_fields",
        "phone_numbers", "street_addresses", "notes", "list_ids", "tag_ids", "bounces",
    )

    def __init__(self, contact_id: str, seq: int, email: str, now: float, source: str):
        self.contact_id = contact_id
        self.seq = seq
        self.email = email
        self.permission = "implicit"
        self.opt_in_source: str | None = "Account"
        self.opt_in_date: float | None = now
        self.opt_out_source: str | None = None
        self.opt_out_date: float | None = None
        self.opt_out_reason: str | None = None
        self.email_created_at = now
        self.email_updated_at = now
        self.first_name: str | None = None
        self.last_name: str | None = None
        self.job_title: str | None = None
        self.company_name: str | None = None
        self.birthday_month: int | None = None
        self.birthday_day: int | None = None
        self.anniversary: str | None = None
        self.create_source = source
        self.update_source = source
        self.created_at = now
        self.updated_at = now
        self.deleted_at: float | None = None
        self.custom_fields: dict[str, str] = {}
        self.phone_numbers: list[dict[str, Any]] = []
        self.street_addresses: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.list_ids: set[str] = set()
        self.tag_ids: set[str] = set()
        self.bounces = 0

    def to_dump(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["list_ids"] = sorted(self.list_ids)
        data["tag_ids"] = sorted(self.tag_ids)
        return data

    @classmethod
    def from_dump(cls, data: dict[str, Any]) -> Contact:
        contact = cls.__new__(cls)
        for name in cls.__slots__:
            setattr(contact, name, data.get(name))
        contact.list_ids = set(data.get("list_ids") or [])
        contact.tag_ids = set(data.get("tag_ids") or [])
        contact.custom_fields = dict(data.get("custom_fields") or {})
        for name in ("phone_numbers", "street_addresses", "notes"):
            setattr(contact, name, list(data.get(name) or []))
        contact.bounces = data.get("bounces") or 0
        return contact


class SandboxState:
    """The account's data plus the bulk-activity queue."""

    def __init__(self, clock: Clock, *, account_id: str = "demo-account",
                 activity_delay: Callable[[], float] = lambda: 1.0,
                 max_running: Callable[[], int] = lambda: 2, realism: Realism | None = None):
        self.clock = clock
        self.realism = realism or Realism()
        self.account_id = account_id
        self.lock = threading.RLock()
        self._activity_delay = activity_delay
        self._max_running = max_running
        self.reset()

    # ----------------------------------------------------------------------------------------- basics
    def reset(self) -> None:
        with self.lock:
            self.contacts: dict[str, Contact] = {}
            self.by_email: dict[str, Contact] = {}
            self.order: list[Contact] = []
            self.lists: dict[str, dict[str, Any]] = {}
            self.members: dict[str, set[str]] = {}
            self.custom_fields: dict[str, dict[str, Any]] = {}
            self.tags: dict[str, dict[str, Any]] = {}
            self.activities: dict[str, dict[str, Any]] = {}
            self.create_list(DEFAULT_LIST_NAME, favorite=False)

    def now(self) -> float:
        return self.clock.now()

    def dump(self) -> dict[str, Any]:
        with self.lock:
            return {
                "account_id": self.account_id,
                "contacts": [c.to_dump() for c in self.order],
                "lists": [dict(item) for item in self.lists.values()],
                "members": {list_id: sorted(ids) for list_id, ids in self.members.items()},
                "custom_fields": list(self.custom_fields.values()),
                "tags": list(self.tags.values()),
                "activities": list(self.activities.values()),
            }

    def load(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.reset()
            self.lists = {item["list_id"]: dict(item) for item in data.get("lists", [])}
            self.members = {list_id: set(data.get("members", {}).get(list_id, [])) for list_id in self.lists}
            self.custom_fields = {f["custom_field_id"]: dict(f) for f in data.get("custom_fields", [])}
            self.tags = {t["tag_id"]: dict(t) for t in data.get("tags", [])}
            self.activities = {a["activity_id"]: dict(a) for a in data.get("activities", [])}
            for raw in data.get("contacts", []):
                contact = Contact.from_dump(raw)
                contact.seq = len(self.order)
                self.contacts[contact.contact_id] = contact
                self.by_email[contact.email.lower()] = contact
                self.order.append(contact)

    # ------------------------------------------------------------------------------------------ lists
    def list_by_name(self, name: str) -> dict[str, Any] | None:
        wanted = name.casefold()
        for item in self.lists.values():
            if item["deleted_at"] is None and item["name"].casefold() == wanted:
                return item
        return None

    def active_list(self, list_id: str) -> dict[str, Any]:
        item = self.lists.get(list_id)
        if item is None or item["deleted_at"] is not None:
            raise not_found("list")
        return item

    def create_list(self, name: str, *, favorite: bool = False, description: str | None = None) -> dict[str, Any]:
        with self.lock:
            if self.list_by_name(name) is not None:
                raise conflict(f"A list named '{name}' already exists.")
            if sum(1 for item in self.lists.values() if item["deleted_at"] is None) >= MAX_LISTS:
                raise ApiError(400, "contact_lists.limit",
                               f"The account already has the maximum of {MAX_LISTS:,} lists.")
            now = self.now()
            item = {"list_id": new_id(), "name": name, "favorite": bool(favorite), "description": description,
                    "created_at": now, "updated_at": now, "deleted_at": None}
            self.lists[item["list_id"]] = item
            self.members[item["list_id"]] = set()
            return item

    def update_list(self, list_id: str, name: str, favorite: bool | None,
                    description: str | None = None, *, replace: bool = False) -> dict[str, Any]:
        """Rename (and, for a PUT, replace favourite and description: left out means cleared)."""
        with self.lock:
            item = self.active_list(list_id)
            other = self.list_by_name(name)
            if other is not None and other["list_id"] != list_id:
                raise conflict(f"A list named '{name}' already exists.")
            item["name"] = name
            if replace:
                item["favorite"] = bool(favorite)
                item["description"] = description
            item["updated_at"] = self.now()
            return item

    def delete_list_now(self, list_id: str) -> bool:
        """Mark the list deleted and take every contact out of it; False when it was already gone."""
        with self.lock:
            item = self.lists.get(list_id)
            if item is None or item["deleted_at"] is not None:
                return False
            now = self.now()
            item["deleted_at"] = now
            item["updated_at"] = now
            for contact_id in self.members.pop(list_id, set()):
                contact = self.contacts[contact_id]
                contact.list_ids.discard(list_id)
                if self.realism.list_changes_move_updated_at:
                    contact.updated_at = now
            self.members[list_id] = set()
            return True

    def membership_count(self, list_id: str, which: str) -> int:
        ids = self.members.get(list_id, set())
        if which == "active":
            return sum(1 for cid in ids if self.contacts[cid].permission in SUBSCRIBED)
        return len(ids)

    def list_json(self, item: dict[str, Any], *, membership: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"list_id": item["list_id"], "name": item["name"], "favorite": item["favorite"],
                               "created_at": iso(item["created_at"]), "updated_at": iso(item["updated_at"])}
        if item.get("description"):
            out["description"] = item["description"]
        if item["deleted_at"] is not None:
            out["deleted_at"] = iso(item["deleted_at"])
        if membership:
            out["membership_count"] = self.membership_count(item["list_id"], membership)
        return out

    # ---------------------------------------------------------------------------------- custom fields
    def create_custom_field(self, label: str, kind: str) -> dict[str, Any]:
        with self.lock:
            name = field_name(label)
            if not name:
                raise ApiError(400, "json.field.invalid", "The custom field label must contain a letter or digit.")
            if any(f["name"] == name for f in self.custom_fields.values()):
                raise conflict(f"A custom field named '{name}' already exists.")
            if len(self.custom_fields) >= MAX_CUSTOM_FIELDS:
                raise ApiError(400, "custom_fields.limit",
                               f"The account already has the maximum of {MAX_CUSTOM_FIELDS} custom fields.")
            now = self.now()
            item = {"custom_field_id": new_id(), "label": label, "name": name, "type": kind,
                    "created_at": now, "updated_at": now}
            self.custom_fields[item["custom_field_id"]] = item
            return item

    def custom_field(self, field_id: str) -> dict[str, Any]:
        item = self.custom_fields.get(field_id)
        if item is None:
            raise not_found("custom field")
        return item

    def custom_field_by_name(self, name: str) -> dict[str, Any] | None:
        for item in self.custom_fields.values():
            if item["name"] == name:
                return item
        return None

    def update_custom_field(self, field_id: str, label: str) -> dict[str, Any]:
        """Change the label; the name stays (the real service keeps a field's name once created)."""
        with self.lock:
            item = self.custom_field(field_id)
            item["label"] = label
            item["updated_at"] = self.now()
            return item

    def delete_custom_field(self, field_id: str) -> None:
        with self.lock:
            self.custom_field(field_id)
            del self.custom_fields[field_id]
            now = self.now()
            for contact in self.order:
                if field_id in contact.custom_fields:
                    del contact.custom_fields[field_id]
                    contact.updated_at = now

    @staticmethod
    def custom_field_json(item: dict[str, Any]) -> dict[str, Any]:
        return {"custom_field_id": item["custom_field_id"], "label": item["label"], "name": item["name"],
                "type": item["type"], "created_at": iso(item["created_at"]),
                "updated_at": iso(item["updated_at"])}

    # ------------------------------------------------------------------------------------------- tags
    def tag_by_name(self, name: str) -> dict[str, Any] | None:
        wanted = name.casefold()
        for item in self.tags.values():
            if item["name"].casefold() == wanted:
                return item
        return None

    def tag(self, tag_id: str) -> dict[str, Any]:
        item = self.tags.get(tag_id)
        if item is None:
            raise not_found("tag")
        return item

    def create_tag(self, name: str, source: str | None) -> dict[str, Any]:
        with self.lock:
            if self.tag_by_name(name) is not None:
                raise conflict(f"A tag named '{name}' already exists.")
            if len(self.tags) >= MAX_TAGS:
                raise ApiError(400, "contact_tags.limit", f"The account already has the maximum of {MAX_TAGS} tags.")
            now = self.now()
            item = {"tag_id": new_id(), "name": name, "tag_source": source or "Contact",
                    "created_at": now, "updated_at": now}
            self.tags[item["tag_id"]] = item
            return item

    def rename_tag(self, tag_id: str, name: str) -> dict[str, Any]:
        with self.lock:
            item = self.tag(tag_id)
            other = self.tag_by_name(name)
            if other is not None and other["tag_id"] != tag_id:
                raise conflict(f"A tag named '{name}' already exists.")
            item["name"] = name
            item["updated_at"] = self.now()
            return item

    def tag_json(self, item: dict[str, Any], *, with_count: bool = False) -> dict[str, Any]:
        out = {"tag_id": item["tag_id"], "name": item["name"], "tag_source": item["tag_source"],
               "created_at": iso(item["created_at"]), "updated_at": iso(item["updated_at"])}
        if with_count:
            out["contacts_count"] = sum(
                1 for c in self.order if c.deleted_at is None and item["tag_id"] in c.tag_ids)
        return out

    def delete_tag_now(self, tag_id: str) -> None:
        with self.lock:
            if self.tags.pop(tag_id, None) is None:
                return
            now = self.now()
            for contact in self.order:
                if tag_id in contact.tag_ids:
                    contact.tag_ids.discard(tag_id)
                    contact.updated_at = now

    # --------------------------------------------------------------------------------------- contacts
    def contact(self, contact_id: str) -> Contact:
        found = self.contacts.get(contact_id)
        if found is None:
            raise not_found("contact")
        return found

    def find_email(self, email: str) -> Contact | None:
        return self.by_email.get(email.strip().lower())

    def new_contact(self, email: str, source: str) -> Contact:
        contact = Contact(new_id(), len(self.order), email.strip(), self.now(), source)
        self.contacts[contact.contact_id] = contact
        self.by_email[contact.email.lower()] = contact
        self.order.append(contact)
        return contact

    def touch(self, contact: Contact, source: str | None = None) -> None:
        contact.updated_at = self.now()
        if source:
            contact.update_source = source

    def revive(self, contact: Contact) -> None:
        if contact.deleted_at is not None:
            contact.deleted_at = None

    def set_permission(self, contact: Contact, permission: str | None, source: str) -> None:
        """Change permission to send, never lifting an unsubscribe (only the contact can do that)."""
        if permission is None or permission == contact.permission:
            return
        if contact.permission == "unsubscribed":
            return
        now = self.now()
        if permission == "unsubscribed":
            self.unsubscribe(contact, source=source, reason=None)
            return
        contact.permission = permission
        contact.email_updated_at = now
        if permission in SUBSCRIBED:
            contact.opt_in_source = source
            contact.opt_in_date = now

    def unsubscribe(self, contact: Contact, *, source: str, reason: str | None) -> None:
        """The contact opts out: out of every list too, `updated_at` left alone (see `Realism`).

        A PUT that sets `unsubscribed` moves `updated_at` itself, as every PUT does.
        """
        now = self.now()
        contact.permission = "unsubscribed"
        contact.opt_out_source = source
        contact.opt_out_date = now
        contact.opt_out_reason = reason
        contact.email_updated_at = now
        if self.realism.unsubscribe_empties_lists:
            for list_id in list(contact.list_ids):
                self.remove_membership(contact, list_id)
        if self.realism.optouts_move_updated_at:
            contact.updated_at = now

    def touch_for_list_change(self, contact: Contact) -> None:
        """A membership change outside an import or PUT: moves `updated_at` only if configured so."""
        if self.realism.list_changes_move_updated_at:
            contact.updated_at = self.now()

    def change_email(self, contact: Contact, address: str) -> None:
        address = address.strip()
        if address.lower() == contact.email.lower():
            contact.email = address
            return
        other = self.find_email(address)
        if other is not None:
            raise conflict("Another contact already uses this email address.")
        del self.by_email[contact.email.lower()]
        contact.email = address
        self.by_email[address.lower()] = contact
        contact.email_updated_at = self.now()

    def add_membership(self, contact: Contact, list_id: str) -> bool:
        """Put the contact in the list; False when it already has the 50 lists a contact may have.

        An unsubscribed contact is on no list (see `Realism.unsubscribe_empties_lists`): the add is
        accepted and does nothing.
        """
        if list_id in contact.list_ids:
            return True
        if contact.permission == "unsubscribed" and self.realism.unsubscribe_empties_lists:
            return True
        if len(contact.list_ids) >= MAX_LISTS_PER_CONTACT:
            return False
        contact.list_ids.add(list_id)
        self.members.setdefault(list_id, set()).add(contact.contact_id)
        return True

    def remove_membership(self, contact: Contact, list_id: str) -> bool:
        if list_id not in contact.list_ids:
            return False
        contact.list_ids.discard(list_id)
        self.members.get(list_id, set()).discard(contact.contact_id)
        return True

    def set_memberships(self, contact: Contact, list_ids: Iterable[str]) -> None:
        wanted = set(list_ids)
        for list_id in list(contact.list_ids - wanted):
            self.remove_membership(contact, list_id)
        for list_id in wanted - contact.list_ids:
            self.add_membership(contact, list_id)

    def delete_contact_now(self, contact: Contact) -> bool:
        if contact.deleted_at is not None:
            return False
        for list_id in list(contact.list_ids):
            self.remove_membership(contact, list_id)
        now = self.now()
        contact.deleted_at = now
        contact.updated_at = now
        return True

    def check_lists_exist(self, list_ids: Iterable[str]) -> None:
        missing = [lid for lid in list_ids if lid not in self.lists or self.lists[lid]["deleted_at"] is not None]
        if missing:
            raise ApiError(400, "list.not_found", f"List not found: {missing[0]}")

    def check_tags_exist(self, tag_ids: Iterable[str]) -> None:
        missing = [tid for tid in tag_ids if tid not in self.tags]
        if missing:
            raise ApiError(404, "tag.not_found", f"Tag not found: {missing[0]}")

    # ------------------------------------------------------------------------------ contact JSON out
    def contact_json(self, contact: Contact, include: Iterable[str] = ()) -> dict[str, Any]:
        email: dict[str, Any] = {
            "address": contact.email,
            "permission_to_send": contact.permission,
            "created_at": iso(contact.email_created_at),
            "updated_at": iso(contact.email_updated_at),
        }
        if contact.opt_in_source:
            email["opt_in_source"] = contact.opt_in_source
        if contact.opt_in_date is not None:
            email["opt_in_date"] = iso(contact.opt_in_date)
        if contact.opt_out_source:
            email["opt_out_source"] = contact.opt_out_source
        if contact.opt_out_date is not None:
            email["opt_out_date"] = iso(contact.opt_out_date)
        if contact.opt_out_reason:
            email["opt_out_reason"] = contact.opt_out_reason
        email["confirm_status"] = "off"
        out: dict[str, Any] = {"contact_id": contact.contact_id, "email_address": email}
        for name in SIMPLE_FIELDS:
            value = getattr(contact, name)
            if value is not None:
                out[name] = value
        out["create_source"] = contact.create_source
        out["update_source"] = contact.update_source
        out["created_at"] = iso(contact.created_at)
        out["updated_at"] = iso(contact.updated_at)
        if contact.deleted_at is not None:
            out["deleted_at"] = iso_date(contact.deleted_at)
        include = set(include)
        if "custom_fields" in include:
            out["custom_fields"] = [{"custom_field_id": fid, "value": value}
                                    for fid, value in contact.custom_fields.items()]
        if "list_memberships" in include:
            out["list_memberships"] = sorted(contact.list_ids)
        if "taggings" in include:
            out["taggings"] = sorted(contact.tag_ids)
        if "phone_numbers" in include:
            out["phone_numbers"] = [
                {k: (iso(v) if k in ("created_at", "updated_at") else v) for k, v in p.items()}
                for p in contact.phone_numbers]
        if "street_addresses" in include:
            out["street_addresses"] = [
                {k: (iso(v) if k in ("created_at", "updated_at") else v) for k, v in a.items()}
                for a in contact.street_addresses]
        if "notes" in include:
            out["notes"] = [{k: (iso(v) if k == "created_at" else v) for k, v in n.items()}
                            for n in contact.notes]
        return out

    # --------------------------------------------------------------------------------- contact query
    def contact_matcher(self, query: dict[str, Any]) -> Callable[[Contact], bool]:
        statuses: set[str] = set(query.get("status") or [])
        email = (query.get("email") or "").strip().lower() or None
        lists: set[str] = set(query.get("lists") or [])
        tags: set[str] = set(query.get("tags") or [])
        updated_after = query.get("updated_after")
        updated_before = query.get("updated_before")
        created_after = query.get("created_after")
        created_before = query.get("created_before")
        optout_after = query.get("optout_after")
        optout_before = query.get("optout_before")

        def status_ok(c: Contact) -> bool:
            if not statuses:
                return c.deleted_at is None
            if "all" in statuses:
                return True
            if c.deleted_at is not None:
                return "deleted" in statuses
            if "active" in statuses and c.permission in SUBSCRIBED:
                return True
            return c.permission in statuses

        def match(c: Contact) -> bool:
            if email is not None and c.email.lower() != email:
                return False
            if not status_ok(c):
                return False
            if lists and not (c.list_ids & lists):
                return False
            if tags and not (c.tag_ids & tags):
                return False
            if updated_after is not None and not c.updated_at > updated_after:
                return False
            if updated_before is not None and not c.updated_at < updated_before:
                return False
            if created_after is not None and not c.created_at > created_after:
                return False
            if created_before is not None and not c.created_at < created_before:
                return False
            if optout_after is not None and not (c.opt_out_date is not None and c.opt_out_date > optout_after):
                return False
            if optout_before is not None and not (c.opt_out_date is not None and c.opt_out_date < optout_before):
                return False
            return True

        return match

    def query_contacts(self, query: dict[str, Any], start: int, limit: int) -> tuple[list[Contact], int | None]:
        """One page of matching contacts in creation order, and where the next page starts (None: last)."""
        with self.lock:
            if query.get("email"):
                found = self.find_email(query["email"])
                candidates: Iterable[tuple[int, Contact]] = (
                    [(found.seq, found)] if found is not None and found.seq >= start else [])
            else:
                candidates = ((i, self.order[i]) for i in range(start, len(self.order)))
            match = self.contact_matcher(query)
            page: list[Contact] = []
            for index, contact in candidates:
                if not match(contact):
                    continue
                if len(page) == limit:
                    return page, index
                page.append(contact)
            return page, None

    def count_contacts(self, query: dict[str, Any]) -> int:
        with self.lock:
            match = self.contact_matcher(query)
            return sum(1 for c in self.order if match(c))


def field_name(label: str) -> str:
    """The name the service derives from a custom field's label: lower case, words joined by `_`."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in label).split()
    return "_".join(words)[:50]


def permission_ok(value: str) -> bool:
    return value in PERMISSIONS
