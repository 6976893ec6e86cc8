"""Field mapping (R11): which CRM data goes to Constant Contact, and as what.

Kept in ``settings.json`` (key ``field_mapping``), shared by Settings → Field mapping and
``ctctdesk mapping``. The default is exactly the behaviour before mappings existed: every CRM custom
field goes as a Constant Contact custom field of the same name, the phone as the standard phone field,
and neither company type, marketing tags nor the company address are sent.

How tags travel: with ``tags`` on, each contact carries its company's type and marketing tags as
pseudo custom fields named ``TAG_PREFIX + tag name`` with the value ``"1"``. The planner then merges
them like any other field, three ways and one tag at a time (a tag added on one side is an add, a tag
gone is a blank), so conflicts, pending changes, the baseline and the preview need nothing new. Only
the edges translate: the remote steps turn them into Constant Contact tag activities, the remote reader
turns a contact's taggings back into them, the local writer into the company's marketing tags.

Limits (V3 spec, ``taggings``/``contact_tags``): 50 tags per contact, 500 per account; custom fields
100 per account, 25 per contact. What does not fit is not sent and is named in the preview
(:func:`over_limits`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ctctdesk.sync.errors import SyncError
from ctctdesk.sync.snapshot import Baseline, LocalSnapshot, RemoteSnapshot

MAPPING_SETTING = "field_mapping"  # key in settings.json

#: Custom-field name that marks a tag inside ``FieldValues.custom`` (not a name a person types).
TAG_PREFIX = "#tag:"
TAG_VALUE = "1"

MAX_TAGS_PER_CONTACT = 50
MAX_TAGS_PER_ACCOUNT = 500
MAX_CUSTOM_FIELDS_PER_CONTACT = 25
MAX_CUSTOM_FIELDS_PER_ACCOUNT = 100

PHONE = "phone"
ADDRESS = "address"
#: Company type as it reads in the CRM, which is the tag name in Constant Contact.
COMPANY_TYPE_TAGS: Mapping[str, str] = {"customer": "Customer", "prospect": "Prospect"}


class Target(enum.StrEnum):
    STANDARD = "standard"  # a standard Constant Contact contact field
    CUSTOM = "custom"  # a Constant Contact custom field of the same name
    OFF = "off"  # not sent, not read back


class MappingError(SyncError):
    """A mapping that cannot be kept (unknown field, a target the field cannot have)."""


@dataclass(frozen=True)
class FieldMapping:
    #: Company type and marketing tags as Constant Contact contact tags.
    tags: bool = False
    #: CRM field → target; a field not named here has its default (:meth:`target`).
    fields: Mapping[str, Target] = field(default_factory=dict)

    def target(self, name: str) -> Target:
        if name in self.fields:
            return self.fields[name]
        if name == PHONE:
            return Target.STANDARD
        if name == ADDRESS:
            return Target.OFF
        return Target.CUSTOM

    @property
    def is_default(self) -> bool:
        return not self.tags and all(self.target(n) == FieldMapping().target(n) for n in self.fields)

    def with_field(self, name: str, target: Target | str) -> FieldMapping:
        name = name.strip()
        target = Target(target)
        if not name:
            raise MappingError("Name a field: phone, address or a custom field of the CRM.")
        if name.startswith(TAG_PREFIX):
            raise MappingError(f"“{name}” is not a field name.")
        allowed = _ALLOWED.get(name, (Target.CUSTOM, Target.OFF))
        if target not in allowed:
            what = {PHONE: "The phone", ADDRESS: "The company address"}.get(name, f"The custom field “{name}”")
            raise MappingError(
                f"{what} can go as {' or '.join(t.value for t in allowed)}, not {target.value}"
                + (": Constant Contact has no standard field for it." if target is Target.STANDARD else ".")
            )
        fields = dict(self.fields)
        fields[name] = target
        return replace(self, fields=fields)

    def to_json(self) -> dict[str, Any]:
        return {"tags": self.tags, "fields": {k: v.value for k, v in sorted(self.fields.items())}}

    @classmethod
    def from_json(cls, value: Any) -> FieldMapping:
        if not isinstance(value, dict):
            return cls()
        fields = {}
        for name, target in (value.get("fields") or {}).items():
            try:
                fields[str(name)] = Target(target)
            except ValueError:
                continue  # an unknown target from a newer version: keep the default
        return cls(bool(value.get("tags")), fields)

    # -- what goes -----------------------------------------------------------------------------------

    def sends_custom(self, name: str) -> bool:
        if name.startswith(TAG_PREFIX):
            return self.tags
        return self.target(name) is Target.CUSTOM


_ALLOWED: Mapping[str, tuple[Target, ...]] = {
    PHONE: (Target.STANDARD, Target.OFF),
    # The address is the company's; carrying it is not built yet, so it can only stay off.
    ADDRESS: (Target.OFF,),
}


def tag_entry(name: str) -> tuple[str, str]:
    return (TAG_PREFIX + name, TAG_VALUE)


def is_tag(custom_name: str) -> bool:
    return custom_name.startswith(TAG_PREFIX)


def tag_name(custom_name: str) -> str:
    return custom_name[len(TAG_PREFIX):]


def company_tags(company_type: str, marketing_tags: Iterable[str]) -> list[str]:
    """The tag names one company's contacts carry: the type first, then the marketing tags by name."""
    names = [COMPANY_TYPE_TAGS.get(company_type, company_type)] if company_type else []
    names.extend(sorted(marketing_tags, key=str.casefold))
    return names


def split_tags(custom: Iterable[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """(real custom fields, tag names) of one contact's custom pairs."""
    fields, tags = [], []
    for name, value in custom:
        if is_tag(name):
            if value:
                tags.append(tag_name(name))
        else:
            fields.append((name, value))
    return fields, tags


# -- limits --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotSent:
    """What a mapping leaves behind because Constant Contact has no room for it (named in the preview)."""

    #: (contact label, tag names not sent to that contact: over 50).
    contact_tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Tag names not sent at all: the account would hold more than 500.
    account_tags: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.contact_tags and not self.account_tags

    def lines(self) -> list[str]:
        out = []
        if self.account_tags:
            out.append(f"{len(self.account_tags)} tags not sent, Constant Contact holds at most "
                       f"{MAX_TAGS_PER_ACCOUNT} per account: " + ", ".join(self.account_tags))
        for label, names in self.contact_tags:
            out.append(f"{label}: {len(names)} tags not sent, at most {MAX_TAGS_PER_CONTACT} per contact: "
                       + ", ".join(names))
        return out


def fit_tags(per_contact: Mapping[Any, list[str]], labels: Mapping[Any, str],
             remote_tags: Iterable[str] = ()) -> tuple[dict[Any, list[str]], NotSent]:  # fmt: skip
    """Keep each contact within 50 tags and the account within 500; what is cut is returned by name.

    Tags already in Constant Contact always fit; new names are taken by how many contacts carry them
    (most first), then by name, so the choice is the same on every run.
    """
    existing = {n.casefold() for n in remote_tags}
    counts: dict[str, int] = {}
    for names in per_contact.values():
        for n in names:
            counts[n] = counts.get(n, 0) + 1
    new = sorted((n for n in counts if n.casefold() not in existing), key=lambda n: (-counts[n], n))
    room = max(0, MAX_TAGS_PER_ACCOUNT - len(existing))
    dropped_account = tuple(sorted(new[room:]))
    gone = set(dropped_account)
    kept: dict[Any, list[str]] = {}
    too_many: list[tuple[str, tuple[str, ...]]] = []
    for key, names in per_contact.items():
        names = [n for n in names if n not in gone]
        if len(names) > MAX_TAGS_PER_CONTACT:
            too_many.append((labels.get(key, str(key)), tuple(names[MAX_TAGS_PER_CONTACT:])))
            names = names[:MAX_TAGS_PER_CONTACT]
        kept[key] = names
    return kept, NotSent(tuple(too_many), dropped_account)


# -- custom-field usage (for the mapping page) -------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    fields_sent: int  # distinct custom fields the mapping sends
    most_per_contact: int  # the most any one contact carries

    def problems(self) -> list[str]:
        out = []
        if self.fields_sent > MAX_CUSTOM_FIELDS_PER_ACCOUNT:
            out.append(f"{self.fields_sent} custom fields would be sent; Constant Contact holds at most "
                       f"{MAX_CUSTOM_FIELDS_PER_ACCOUNT} per account. Turn some off.")
        if self.most_per_contact > MAX_CUSTOM_FIELDS_PER_CONTACT:
            out.append(f"A contact would carry {self.most_per_contact} custom fields; Constant Contact holds at "
                       f"most {MAX_CUSTOM_FIELDS_PER_CONTACT} per contact. Turn some off.")
        return out


def usage(mapping: FieldMapping, contacts_fields: Iterable[Iterable[str]]) -> Usage:
    """How many custom fields ``mapping`` sends, from each contact's custom field names."""
    names: set[str] = set()
    most = 0
    for fields in contacts_fields:
        sent = [n for n in fields if mapping.target(n) is Target.CUSTOM]
        names.update(sent)
        most = max(most, len(sent))
    return Usage(len(names), most)


def check(mapping: FieldMapping, contacts_fields: Iterable[Iterable[str]],
          before: FieldMapping | None = None) -> None:  # fmt: skip
    """Refuse (``MappingError``) a mapping whose custom fields cannot fit in Constant Contact.

    With ``before`` (the mapping kept now), only a change that makes it worse is refused: a CRM already
    over the limits can still be brought under them one field at a time (the sync meanwhile sends what
    fits and names the rest in the preview)."""
    contacts_fields = [list(names) for names in contacts_fields]
    now = usage(mapping, contacts_fields)
    problems = now.problems()
    if problems and before is not None:
        was = usage(before, contacts_fields)
        if now.fields_sent <= was.fields_sent and now.most_per_contact <= was.most_per_contact:
            return
    if problems:
        raise MappingError(" ".join(problems))


# -- settings.json -------------------------------------------------------------------------------------------


class _Settings(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


def load_mapping(settings: _Settings) -> FieldMapping:
    return FieldMapping.from_json(settings.get(MAPPING_SETTING))


def save_mapping(settings: _Settings, mapping: FieldMapping) -> None:
    settings.set(MAPPING_SETTING, mapping.to_json())


# -- Constant Contact side ---------------------------------------------------------------------------------


def project_remote(snapshot: RemoteSnapshot, mapping: FieldMapping) -> RemoteSnapshot:
    """Constant Contact as the mapping sees it: tags only when carried, no field that is off.

    The reader always reads tags; dropping them here (rather than not reading them) keeps the kept mirror
    the same whatever the mapping, so switching tags on needs no full read.
    """
    off = {n for n, t in mapping.fields.items() if t is Target.OFF}
    no_phone = mapping.target(PHONE) is Target.OFF
    if mapping.tags and not off and not no_phone:
        return snapshot
    contacts = dict(snapshot.contacts)
    changed = False
    for cc_id, rc in snapshot.contacts.items():
        custom = rc.custom_fields
        if custom and (not mapping.tags or off):
            custom = tuple(p for p in custom if (mapping.tags if is_tag(p[0]) else p[0] not in off))
        phone = "" if no_phone else rc.phone
        if custom is not rc.custom_fields and custom != rc.custom_fields or phone != rc.phone:
            contacts[cc_id] = replace(rc, custom_fields=custom, phone=phone)
            changed = True
    return replace(snapshot, contacts=contacts) if changed else snapshot


def keep_remote_tags(local: LocalSnapshot, remote: RemoteSnapshot, baseline: Baseline) -> LocalSnapshot:
    """A CRM contact without a company has no tags of its own (tags belong to companies): it is shown to
    the planner with the tags its linked Constant Contact contact has, so neither side changes them."""
    contacts = None
    for local_id, lc in local.contacts.items():
        if lc.company_name:
            continue
        link = baseline.contacts.get(local_id)
        rc = remote.contacts.get(link.cc_id) if link is not None else None
        theirs = tuple(p for p in rc.custom_fields if is_tag(p[0])) if rc is not None else ()
        if not theirs:
            continue
        if contacts is None:
            contacts = dict(local.contacts)
        contacts[local_id] = replace(lc, custom_fields=tuple(sorted(lc.custom_fields + theirs)))
    return replace(local, contacts=contacts) if contacts is not None else local


def remote_tag_names(snapshot: RemoteSnapshot) -> tuple[str, ...]:
    """Tag names the contacts of a snapshot carry (those the account surely has)."""
    return tuple(sorted({tag_name(n) for rc in snapshot.contacts.values() for n, _ in rc.custom_fields
                         if is_tag(n)}))


# -- words (the command line and the Field mapping page say the same) ---------------------------------------

TARGET_TEXT: Mapping[Target, str] = {
    Target.STANDARD: "standard field",
    Target.CUSTOM: "custom field",
    Target.OFF: "not sent",
}


def rows(mapping: FieldMapping, in_use: Mapping[str, int]) -> list[tuple[str, str, str]]:
    """(CRM field, how many contacts have it or "", what it goes as) for every mappable field."""
    out = [
        ("Company type", "", "contact tags" if mapping.tags else "not sent"),
        ("Marketing tags", "", "contact tags" if mapping.tags else "not sent"),
        (PHONE, "", TARGET_TEXT[mapping.target(PHONE)]),
        (ADDRESS, "", TARGET_TEXT[mapping.target(ADDRESS)]),
    ]
    names = sorted(set(in_use) | {n for n in mapping.fields if n not in (PHONE, ADDRESS)}, key=str.casefold)
    out.extend((name, f"{in_use.get(name, 0):,} contact{'' if in_use.get(name, 0) == 1 else 's'}", TARGET_TEXT[mapping.target(name)]) for name in names)
    return out


def usage_text(used: Usage) -> str:
    return (f"Custom fields sent: {used.fields_sent} of {MAX_CUSTOM_FIELDS_PER_ACCOUNT} per account; "
            f"at most {used.most_per_contact} on one contact (limit {MAX_CUSTOM_FIELDS_PER_CONTACT}).")
