"""One engine contact per address, out of Campaign Monitor's per-list subscribers — and back.

Campaign Monitor has no account-wide contact: the same person in three lists is three subscribers,
each with its own state and custom field values. The engine wants one contact with one status, its
lists and its fields. The rules, in one place:

* the contact id is the normalised address (stripped, lower case);
* memberships: the lists where the address is ``Active`` — and, once it bounced, those where it
  bounced too (as Constant Contact keeps a bounced contact "on hold" in its lists);
* status: ``Unsubscribed`` in any list → unsubscribed (R3: never subscribed again by a push); else
  ``Bounced`` in any list → on hold (bounced); else on the client's suppression list → unsubscribed;
  else active while it is in some list; ``Deleted`` everywhere it was → deleted;
* fields: Campaign Monitor has only ``Name`` besides the address; the engine's other standard fields
  travel as custom fields of reserved names (`STANDARD_FIELDS`), and ``Name`` is kept as "first last"
  for people reading the list in Campaign Monitor. Values come from the subscriber of an active list
  (the newest), since every push writes the same values to each list;
* tags (company type and marketing tags, R11): one multi-valued custom field `TAGS_FIELD`
  (``MultiSelectMany``), one option and one segment per tag on each list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ctctdesk.sync.mapping import is_tag, tag_entry, tag_name
from ctctdesk.sync.snapshot import CUSTOM_PREFIX, RemoteContact, RemoteStatus

#: The engine's standard fields (other than the address) → the custom field that carries them.
STANDARD_FIELDS: Mapping[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "job_title": "Job title",
    "company_name": "Company",
    "phone": "Phone",
}
TAGS_FIELD = "Tags"
#: Custom field names the adapter keeps for itself: a CRM custom field of such a name cannot go.
RESERVED = frozenset(name.casefold() for name in (*STANDARD_FIELDS.values(), TAGS_FIELD))
SEGMENT_PREFIX = "Tag: "

ACTIVE, UNSUBSCRIBED, BOUNCED, DELETED = "Active", "Unsubscribed", "Bounced", "Deleted"
STATE_OF = {"active": ACTIVE, "unsubscribed": UNSUBSCRIBED, "bounced": BOUNCED, "deleted": DELETED}


def email_id(address: str | None) -> str:
    return (address or "").strip().lower()


def field_name(key: str) -> str:
    """A custom field's name from a ``Key`` as answers carry it (``[Name]`` or ``Name``)."""
    return key[1:-1] if key.startswith("[") and key.endswith("]") else key


def segment_title(tag: str) -> str:
    return SEGMENT_PREFIX + tag


def segment_rules(tag: str) -> list[dict[str, Any]]:
    """Subscribers whose tags field holds ``tag`` (a rule on a custom field's value)."""
    return [{"Rules": [{"RuleType": f"[{TAGS_FIELD}]", "Clause": f"EQUALS {tag}"}]}]


@dataclass
class Entry:
    """One subscriber of one list as a read saw it."""

    state: str
    date: str = ""
    name: str = ""
    fields: dict[str, list[str]] = field(default_factory=dict)  # field name → values


def entry_of(record: Mapping[str, Any], state: str | None = None,
             name_of: Callable[[str], str] = field_name) -> Entry:  # fmt: skip
    """``name_of``: a field's name from the ``Key`` a subscriber carries (the list's definitions know)."""
    fields: dict[str, list[str]] = {}
    for item in record.get("CustomFields") or []:
        value = item.get("Value")
        if value not in (None, ""):
            fields.setdefault(name_of(str(item.get("Key", ""))), []).append(str(value))
    date = record.get("StateChangedDate") or record.get("Date") or record.get("ListJoinedDate") or ""
    return Entry(state or str(record.get("State") or ACTIVE), str(date), str(record.get("Name") or ""), fields)


def status_of(entries: Mapping[str, Entry], suppressed: bool) -> str:
    """Unsubscribed anywhere wins; then bounced (a hard bounce also suppresses the address, and the
    CRM says "bounced" for it); then the suppression list alone (added by hand) reads as unsubscribed."""
    states = {e.state for e in entries.values()}
    if UNSUBSCRIBED in states:
        return RemoteStatus.UNSUBSCRIBED
    if BOUNCED in states:
        return RemoteStatus.ON_HOLD
    if suppressed:
        return RemoteStatus.UNSUBSCRIBED
    if ACTIVE in states or not states:
        return RemoteStatus.ACTIVE
    return RemoteStatus.DELETED


def source_of(entries: Mapping[str, Entry]) -> Entry | None:
    """The subscriber whose values stand for the contact: the newest active one, else the newest; on a
    tie, the first list by id — whatever order the reads came in, so two reads of the same subscribers
    agree even when their lists hold different values for them."""
    ranked = sorted(entries.items(), key=lambda item: (item[1].state == ACTIVE, item[1].date, _desc(item[0])))
    return ranked[-1][1] if ranked else None


def _desc(text: str) -> tuple[int, ...]:
    return tuple(-ord(ch) for ch in text)


def remote_contact(email: str, entries: Mapping[str, Entry], suppressed: bool = False) -> RemoteContact:
    """The engine's contact for an address from its subscribers (list id → entry)."""
    source = source_of(entries) or Entry(ACTIVE)
    values = {name: (source.fields.get(label) or [""])[0] for name, label in STANDARD_FIELDS.items()}
    if not values["first_name"] and not values["last_name"] and source.name:
        first, _, last = source.name.partition(" ")
        values["first_name"], values["last_name"] = first, last
    reserved = {label.casefold() for label in STANDARD_FIELDS.values()}
    custom = [(label, vals[0]) for label, vals in source.fields.items()
              if label.casefold() not in reserved and label != TAGS_FIELD and vals]  # fmt: skip
    custom.extend(tag_entry(tag) for tag in source.fields.get(TAGS_FIELD, ()))
    status = status_of(entries, suppressed)
    member = (ACTIVE, BOUNCED) if status == RemoteStatus.ON_HOLD else (ACTIVE,)
    lists = frozenset(list_id for list_id, e in entries.items() if e.state in member)
    if status == RemoteStatus.UNSUBSCRIBED:
        lists = frozenset()
    return RemoteContact(
        cc_id=email_id(email), email=email_id(email), custom_fields=tuple(sorted(custom)), status=status,
        list_ids=lists, updated_at=max((e.date for e in entries.values()), default="") or None, **values,
    )  # fmt: skip


def tags_of(contact: RemoteContact) -> list[str]:
    return sorted(tag_name(n) for n, _ in contact.custom_fields if is_tag(n))


def subscriber_body(email: str, values: Mapping[str, str], tags: Sequence[str] | None = None,
                    clear: Iterable[str] = ()) -> dict[str, Any]:  # fmt: skip
    """A subscriber to import or update, from the engine's field values (``FieldValues.as_dict`` names:
    standard names and ``custom:<label>``). Values not given are left as they are (Campaign Monitor
    keeps a custom field that is not sent); ``clear`` names fields to empty; ``tags`` (when given)
    replaces the tags field."""
    custom: list[dict[str, Any]] = []
    for name, value in values.items():
        label = STANDARD_FIELDS.get(name) or (name[len(CUSTOM_PREFIX):] if name.startswith(CUSTOM_PREFIX) else "")
        if label and value:
            custom.append({"Key": label, "Value": value})
    for label in clear:
        custom.append({"Key": label, "Value": "", "Clear": True})
    if tags is not None:
        if tags:
            custom.extend({"Key": TAGS_FIELD, "Value": tag} for tag in tags)
        else:
            custom.append({"Key": TAGS_FIELD, "Value": "", "Clear": True})
    body: dict[str, Any] = {"EmailAddress": email, "CustomFields": custom, "ConsentToTrack": "Unchanged"}
    name = " ".join(v for v in (values.get("first_name", ""), values.get("last_name", "")) if v)
    if name:
        body["Name"] = name
    return body


def field_labels(values: Mapping[str, str]) -> set[str]:
    """The custom fields a row needs on a list."""
    out = {STANDARD_FIELDS[n] for n in values if n in STANDARD_FIELDS}
    out.update(n[len(CUSTOM_PREFIX):] for n in values if n.startswith(CUSTOM_PREFIX))
    return out
