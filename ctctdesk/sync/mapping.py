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

Limits are the service's (`ctctdesk.sync.service_limits`; Constant Contact's by default: 50 tags per
contact, 500 per account; custom fields 100 per account, 25 per contact). What does not fit is not sent
and is named in the preview (:func:`over_limits`).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ctctdesk.sync.errors import SyncError
from ctctdesk.sync.service_limits import CONSTANT_CONTACT, ServiceLimits
from ctctdesk.sync.snapshot import Baseline, LocalSnapshot, RemoteSnapshot

MAPPING_SETTING = "field_mapping"  # key in settings.json

#: Custom-field name that marks a tag inside ``FieldValues.custom`` (not a name a person types).
TAG_PREFIX = "#tag:"
TAG_VALUE = "1"
#: Custom-field name that carries the company address (Constant Contact's street address) likewise.
ADDRESS_FIELD = "#address"
#: Back-map target meaning "the CRM contact's phone column" (phone sent as a custom field).
PHONE_COLUMN = "#phone"
#: Default Constant Contact label of the phone when it goes as a custom field.
PHONE_LABEL = "Phone"

MAX_TAGS_PER_CONTACT = 50
MAX_TAGS_PER_ACCOUNT = 500
MAX_CUSTOM_FIELDS_PER_CONTACT = 25
MAX_CUSTOM_FIELDS_PER_ACCOUNT = 100
MAX_LABEL_LENGTH = 50
#: Constant Contact custom field types ctctdesk creates (the V3 custom fields that hold free values;
#: choice fields need their choices made in Constant Contact first).
FIELD_TYPES: Mapping[str, str] = {"string": "text", "date": "date"}
DEFAULT_FIELD_TYPE = "string"

PHONE = "phone"
ADDRESS = "address"
#: Company type as it reads in the CRM, which is the tag name in Constant Contact.
COMPANY_TYPE_TAGS: Mapping[str, str] = {"customer": "Customer", "prospect": "Prospect"}


class Target(enum.StrEnum):
    STANDARD = "standard"  # a standard Constant Contact contact field (phone number, street address)
    CUSTOM = "custom"  # a Constant Contact custom field (of the same name unless a label is chosen)
    OFF = "off"  # not sent, not read back


class MappingError(SyncError):
    """A mapping that cannot be kept (unknown field, a target the field cannot have)."""


@dataclass(frozen=True)
class FieldMapping:
    #: Company type and marketing tags as Constant Contact contact tags.
    tags: bool = False
    #: CRM field → target; a field not named here has its default (:meth:`target`).
    fields: Mapping[str, Target] = field(default_factory=dict)
    #: CRM field → the label of the Constant Contact custom field it goes to, when not its own name.
    labels: Mapping[str, str] = field(default_factory=dict)
    #: CRM field → the type its Constant Contact custom field is created with (``FIELD_TYPES``).
    types: Mapping[str, str] = field(default_factory=dict)

    def target(self, name: str) -> Target:
        if name in self.fields:
            return self.fields[name]
        if name == PHONE:
            return Target.STANDARD
        if name == ADDRESS:
            return Target.OFF
        return Target.CUSTOM

    def label(self, name: str) -> str:
        """The Constant Contact custom field label ``name`` goes to (when it goes as a custom field)."""
        return self.labels.get(name) or (PHONE_LABEL if name == PHONE else name)

    def field_type(self, name: str) -> str:
        return self.types.get(name, DEFAULT_FIELD_TYPE)

    @property
    def is_default(self) -> bool:
        return (not self.tags and not self.labels and not self.types
                and all(self.target(n) == FieldMapping().target(n) for n in self.fields))

    def with_field(self, name: str, target: Target | str, *, label: str | None = None,
                   field_type: str | None = None, limits: ServiceLimits = CONSTANT_CONTACT) -> FieldMapping:  # fmt: skip
        """The mapping with ``name`` going as ``target``; ``label`` and ``field_type`` choose the custom
        field of the service (``limits``: whose label length applies and who is named in a refusal) —
        an existing one by its label, or one created with that type."""
        service = limits.service
        name = name.strip()
        target = Target(target)
        if not name:
            raise MappingError("Name a field: phone, address or a custom field of the CRM.")
        if name.startswith("#"):
            raise MappingError(f"“{name}” is not a field name.")
        allowed = _ALLOWED.get(name, (Target.CUSTOM, Target.OFF))
        if target not in allowed:
            what = {PHONE: "The phone", ADDRESS: "The company address"}.get(name, f"The custom field “{name}”")
            raise MappingError(
                f"{what} can go as {' or '.join(t.value for t in allowed)}, not {target.value}"
                + (f": {service} has no standard field for it." if target is Target.STANDARD else ".")
            )
        labels, types = dict(self.labels), dict(self.types)
        if target is not Target.CUSTOM and (label or field_type):
            raise MappingError(f"Only a field that goes as a custom field has a {service} label and type.")
        if label is not None:
            label = " ".join(label.split())
            problem = label_problem(label, limits)
            if problem:
                raise MappingError(problem)
            if label == (PHONE_LABEL if name == PHONE else name):
                labels.pop(name, None)
            else:
                labels[name] = label
        if field_type is not None:
            if field_type not in FIELD_TYPES:
                raise MappingError(f"A {service} custom field is created as {' or '.join(FIELD_TYPES)}, "
                                   f"not {field_type!r}.")
            if field_type == DEFAULT_FIELD_TYPE:
                types.pop(name, None)
            else:
                types[name] = field_type
        if target is not Target.CUSTOM:
            labels.pop(name, None)
            types.pop(name, None)
        fields = dict(self.fields)
        fields[name] = target
        return replace(self, fields=fields, labels=labels, types=types)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tags": self.tags, "fields": {k: v.value for k, v in sorted(self.fields.items())}}
        if self.labels:
            out["labels"] = dict(sorted(self.labels.items()))
        if self.types:
            out["types"] = dict(sorted(self.types.items()))
        return out

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
        labels = {str(k): str(v) for k, v in (value.get("labels") or {}).items()
                  if isinstance(v, str) and not label_problem(v, ANY_LENGTH)}
        types = {str(k): str(v) for k, v in (value.get("types") or {}).items() if v in FIELD_TYPES}
        return cls(bool(value.get("tags")), fields, labels, types)

    # -- what goes -----------------------------------------------------------------------------------

    def sends_custom(self, name: str) -> bool:
        if name.startswith(TAG_PREFIX):
            return self.tags
        return self.target(name) is Target.CUSTOM

    def crm_names(self) -> dict[str, str]:
        """Constant Contact label → CRM field, for every label that is not the CRM field's own name (a pull
        writes what comes under that label into that field; ``PHONE_COLUMN`` is the contact's phone)."""
        out = {label: name for name, label in self.labels.items()
               if name != PHONE and self.target(name) is Target.CUSTOM}
        if self.target(PHONE) is Target.CUSTOM:
            out[self.label(PHONE)] = PHONE_COLUMN
        return out

    def sent_types(self) -> dict[str, str]:
        """Constant Contact label → the type to create it with, for fields not created as text."""
        return {self.label(name): kind for name, kind in self.types.items() if self.target(name) is Target.CUSTOM}


#: No label length: a saved mapping keeps a label whichever service it was chosen for (each service's
#: own length is checked when the label is chosen, and the planner shortens labels to the limit).
ANY_LENGTH = ServiceLimits(service=CONSTANT_CONTACT.service)


def label_problem(label: str, limits: ServiceLimits = CONSTANT_CONTACT) -> str:
    """Why ``label`` cannot name a custom field of the service ("" when it can)."""
    service = limits.service
    longest = limits.custom_field_label_length
    if not label:
        return f"A {service} custom field needs a label."
    if longest is not None and len(label) > longest:
        return (f"“{label}” has {len(label)} characters; a {service} custom field label takes at most "
                f"{longest}.")
    if label.startswith("#"):
        return f"“{label}” cannot start with #."
    return ""


_ALLOWED: Mapping[str, tuple[Target, ...]] = {
    PHONE: (Target.STANDARD, Target.CUSTOM, Target.OFF),
    # The address is the company's: Constant Contact's street address (kind work), or nothing.
    ADDRESS: (Target.STANDARD, Target.OFF),
}


def tag_entry(name: str) -> tuple[str, str]:
    return (TAG_PREFIX + name, TAG_VALUE)


def is_tag(custom_name: str) -> bool:
    return custom_name.startswith(TAG_PREFIX)


def is_carried(custom_name: str) -> bool:
    """A tag or the address riding among the custom fields: no Constant Contact custom field."""
    return custom_name.startswith("#")


def address_text(address: Mapping[str, Any]) -> str:
    """One Constant Contact street address as the CRM's one-line company address: its parts joined with
    ", " (a street alone reads back exactly as sent)."""
    street = " ".join(str(address.get("street") or "").split())
    place = " ".join(p for p in (str(address.get("state") or "").strip(),
                                 str(address.get("postal_code") or "").strip()) if p)
    parts = (street, str(address.get("city") or "").strip(), place, str(address.get("country") or "").strip())
    return ", ".join(p for p in parts if p)


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
    """What a mapping leaves behind because the service has no room for it (named in the preview)."""

    #: (contact label, tag names not sent to that contact: over the per-contact limit).
    contact_tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: Tag names not sent at all: the account would hold more than the service allows.
    account_tags: tuple[str, ...] = ()
    limits: ServiceLimits = field(default=CONSTANT_CONTACT, compare=False)

    @property
    def empty(self) -> bool:
        return not self.contact_tags and not self.account_tags

    def lines(self) -> list[str]:
        out = []
        if self.account_tags:
            out.append(f"{len(self.account_tags)} tags not sent, {self.limits.service} holds at most "
                       f"{self.limits.tags_per_account} per account: " + ", ".join(self.account_tags))
        for label, names in self.contact_tags:
            out.append(f"{label}: {len(names)} tags not sent, at most {self.limits.tags_per_contact} per contact: "
                       + ", ".join(names))
        return out


def fit_tags(per_contact: Mapping[Any, list[str]], labels: Mapping[Any, str],
             remote_tags: Iterable[str] = (), *,
             limits: ServiceLimits = CONSTANT_CONTACT) -> tuple[dict[Any, list[str]], NotSent]:  # fmt: skip
    """Keep each contact and the account within the service's tag limits (Constant Contact: 50 and 500;
    none where the service publishes none); what is cut is returned by name.

    Tags already in the service always fit; new names are taken by how many contacts carry them
    (most first), then by name, so the choice is the same on every run.
    """
    existing = {n.casefold() for n in remote_tags}
    counts: dict[str, int] = {}
    for names in per_contact.values():
        for n in names:
            counts[n] = counts.get(n, 0) + 1
    new = sorted((n for n in counts if n.casefold() not in existing), key=lambda n: (-counts[n], n))
    per_account, per_contact_limit = limits.tags_per_account, limits.tags_per_contact
    room = len(new) if per_account is None else max(0, per_account - len(existing))
    dropped_account = tuple(sorted(new[room:]))
    gone = set(dropped_account)
    kept: dict[Any, list[str]] = {}
    too_many: list[tuple[str, tuple[str, ...]]] = []
    for key, names in per_contact.items():
        names = [n for n in names if n not in gone]
        if per_contact_limit is not None and len(names) > per_contact_limit:
            too_many.append((labels.get(key, str(key)), tuple(names[per_contact_limit:])))
            names = names[:per_contact_limit]
        kept[key] = names
    return kept, NotSent(tuple(too_many), dropped_account, limits)


# -- custom-field usage (for the mapping page) -------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    fields_sent: int  # distinct custom fields the mapping sends
    most_per_contact: int  # the most any one contact carries
    limits: ServiceLimits = field(default=CONSTANT_CONTACT, compare=False)  # the service's, to compare with

    def problems(self) -> list[str]:
        out = []
        service = self.limits.service
        per_account, per_contact = self.limits.custom_fields_per_account, self.limits.custom_fields_per_contact
        if per_account is not None and self.fields_sent > per_account:
            out.append(f"{self.fields_sent} custom fields would be sent; {service} holds at most "
                       f"{per_account} per account. Turn some off.")
        if per_contact is not None and self.most_per_contact > per_contact:
            out.append(f"A contact would carry {self.most_per_contact} custom fields; {service} holds at "
                       f"most {per_contact} per contact. Turn some off.")
        return out


def usage(mapping: FieldMapping, contacts_fields: Iterable[Iterable[str]], *,
          limits: ServiceLimits = CONSTANT_CONTACT) -> Usage:  # fmt: skip
    """How many custom fields ``mapping`` sends, from each contact's custom field names (the phone counts
    as one more on every contact when it goes as a custom field)."""
    names: set[str] = set()
    most = 0
    phone = 1 if mapping.target(PHONE) is Target.CUSTOM else 0
    for fields in contacts_fields:
        sent = {mapping.label(n).casefold() for n in fields if mapping.target(n) is Target.CUSTOM}
        names.update(sent)
        most = max(most, len(sent) + phone)
    if phone:
        names.add(mapping.label(PHONE).casefold())
    return Usage(len(names), most, limits)


def clashes(mapping: FieldMapping, field_names: Iterable[str]) -> list[str]:
    """Two CRM fields that would go to the same Constant Contact custom field (labels match regardless of
    case, as Constant Contact names them)."""
    by_label: dict[str, list[str]] = {}
    names = set(field_names) | {n for n in mapping.fields if n not in (PHONE, ADDRESS)}
    if mapping.target(PHONE) is Target.CUSTOM:
        names.add(PHONE)
    for name in sorted(names, key=str.casefold):
        if name == ADDRESS or mapping.target(name) is not Target.CUSTOM:
            continue
        by_label.setdefault(mapping.label(name).casefold(), []).append(name)
    return [f"{' and '.join('the phone' if n == PHONE else f'“{n}”' for n in group)} would both go to the "
            f"Constant Contact custom field “{mapping.label(group[0])}”; choose another label for one of them."
            for group in by_label.values() if len(group) > 1]


#: Date values Constant Contact takes (the V3 spec's formats for dates: MM/DD/YYYY, M/D/YYYY, YYYY/MM/DD,
#: YYYY/M/D, YYYY-MM-DD, YYYY-M-D, M-D-YYYY, M-DD-YYYY).
_DATE = re.compile(r"^(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}[-/]\d{1,2}[-/]\d{4})$")


def not_dates(values: Iterable[str]) -> list[str]:
    """The values (stripped, non-empty) Constant Contact would not take in a date field."""
    return [v.strip() for v in values if v and v.strip() and not _DATE.match(v.strip())]


def type_problems(mapping: FieldMapping, values: Callable[[str], Iterable[str]]) -> list[str]:
    """Why the fields that go as date fields cannot: values that are no dates (``values``: CRM field → its
    values in the CRM)."""
    out = []
    for name, kind in sorted(mapping.types.items()):
        if kind != "date" or mapping.target(name) is not Target.CUSTOM:
            continue
        bad = not_dates(values(name))
        if bad:
            out.append(f"“{name}” cannot go as a date field: {len(bad):,} of its values "
                       f"{'is' if len(bad) == 1 else 'are'} no date (such as “{bad[0]}”); Constant Contact takes "
                       "dates like 2024-05-31 or 05/31/2024.")
    return out


def check(mapping: FieldMapping, contacts_fields: Iterable[Iterable[str]],
          before: FieldMapping | None = None, values: Callable[[str], Iterable[str]] | None = None, *,
          limits: ServiceLimits = CONSTANT_CONTACT) -> None:  # fmt: skip
    """Refuse (``MappingError``) a mapping whose custom fields cannot fit in the service (``limits``), that sends
    two CRM fields to one custom field, or a field as a date whose values are no dates (``values``).

    With ``before`` (the mapping kept now), only a change that makes it worse is refused: a CRM already
    over the limits can still be brought under them one field at a time (the sync meanwhile sends what
    fits and names the rest in the preview)."""
    contacts_fields = [list(names) for names in contacts_fields]
    clash = clashes(mapping, {n for names in contacts_fields for n in names})
    if clash:
        raise MappingError(" ".join(clash))
    if values is not None:
        wrong = type_problems(mapping, values)
        if wrong:
            raise MappingError(" ".join(wrong))
    now = usage(mapping, contacts_fields, limits=limits)
    problems = now.problems()
    if problems and before is not None:
        was = usage(before, contacts_fields, limits=limits)
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
    """Constant Contact as the mapping sees it: tags and the address only when carried, no field that is
    off, the standard phone only when the phone goes there.

    The reader always reads tags and addresses; dropping them here (rather than not reading them) keeps
    the kept mirror the same whatever the mapping, so switching them on needs no full read.
    """
    off = {mapping.label(n) for n, t in mapping.fields.items() if t is Target.OFF and n not in (PHONE, ADDRESS)}
    # A field sent under another label leaves its old one (its own name) behind in Constant Contact: not
    # blanked there, not read back — as a field turned off.
    relabelled = {n for n in mapping.labels if n != PHONE and mapping.target(n) is Target.CUSTOM}
    off |= relabelled - {mapping.label(n) for n in relabelled}
    keep_address = mapping.target(ADDRESS) is Target.STANDARD
    keep_phone = mapping.target(PHONE) is Target.STANDARD
    if mapping.tags and keep_address and keep_phone and not off:
        return snapshot

    def kept(name: str) -> bool:
        if is_tag(name):
            return mapping.tags
        if name == ADDRESS_FIELD:
            return keep_address
        return name not in off

    contacts = dict(snapshot.contacts)
    changed = False
    for cc_id, rc in snapshot.contacts.items():
        custom = rc.custom_fields
        if custom:
            custom = tuple(p for p in custom if kept(p[0]))
            if len(custom) == len(rc.custom_fields):
                custom = rc.custom_fields
        phone = rc.phone if keep_phone else ""
        if custom is not rc.custom_fields or phone != rc.phone:
            contacts[cc_id] = replace(rc, custom_fields=custom, phone=phone)
            changed = True
    return replace(snapshot, contacts=contacts) if changed else snapshot


def keep_remote_tags(local: LocalSnapshot, remote: RemoteSnapshot, baseline: Baseline) -> LocalSnapshot:
    """A CRM contact without a company has no tags and no address of its own (both belong to companies):
    it is shown to the planner with those its linked Constant Contact contact has, so neither side
    changes them."""
    contacts = None
    for local_id, lc in local.contacts.items():
        if lc.company_name:
            continue
        link = baseline.contacts.get(local_id)
        rc = remote.contacts.get(link.cc_id) if link is not None else None
        theirs = tuple(p for p in rc.custom_fields if is_carried(p[0])) if rc is not None else ()
        if not theirs:
            continue
        if contacts is None:
            contacts = dict(local.contacts)
        mine = tuple(p for p in lc.custom_fields if not is_carried(p[0]))
        contacts[local_id] = replace(lc, custom_fields=tuple(sorted(mine + theirs)))
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


def target_text(mapping: FieldMapping, name: str) -> str:
    """What ``name`` goes as, in words: “standard field (street address)”, “custom field “Area” (date)”."""
    target = mapping.target(name)
    if target is Target.STANDARD:
        return "standard field (" + ("street address" if name == ADDRESS else "phone number") + ")"
    if target is Target.CUSTOM:
        text = f"custom field “{mapping.label(name)}”"
        kind = mapping.field_type(name)
        return text + (f" ({FIELD_TYPES[kind]})" if kind != DEFAULT_FIELD_TYPE else "")
    return TARGET_TEXT[target]


def rows(mapping: FieldMapping, in_use: Mapping[str, int]) -> list[tuple[str, str, str]]:
    """(CRM field, how many contacts have it or "", what it goes as) for every mappable field."""
    out = [
        ("Company type", "", "contact tags" if mapping.tags else "not sent"),
        ("Marketing tags", "", "contact tags" if mapping.tags else "not sent"),
        (PHONE, "", target_text(mapping, PHONE)),
        (ADDRESS, "", target_text(mapping, ADDRESS)),
    ]
    names = sorted(set(in_use) | {n for n in mapping.fields if n not in (PHONE, ADDRESS)}, key=str.casefold)
    out.extend((name, f"{in_use.get(name, 0):,} contact{'' if in_use.get(name, 0) == 1 else 's'}",
                target_text(mapping, name)) for name in names)
    return out


def usage_text(used: Usage) -> str:
    """The counts against the service's limits, or saying that it publishes none."""
    limits = used.limits
    per_account, per_contact = limits.custom_fields_per_account, limits.custom_fields_per_contact
    sent = (f"Custom fields sent: {used.fields_sent} of {per_account} per account"
            if per_account is not None else f"Custom fields sent: {used.fields_sent}")
    most = (f"at most {used.most_per_contact} on one contact (limit {per_contact})."
            if per_contact is not None else f"at most {used.most_per_contact} on one contact.")
    return f"{sent}; {most}" + (f" {limits.unpublished}" if limits.unpublished else "")


# -- tags renamed, merged or gone in the CRM (pushes) ------------------------------------------------------


@dataclass(frozen=True)
class TagAction:
    """One change to a Constant Contact tag itself, done before the contacts are pushed.

    ``rename``: the tag goes on under the CRM's new name (``PUT /contact_tags/{id}``: one request, and the
    tag keeps its history in Constant Contact). ``merge``: the CRM merged it into ``into``, which the
    account already has: every contact with it gets ``into`` in one tagging activity, then it is deleted.
    ``delete``: no CRM company has it any more: one delete activity takes it off every contact and out of
    the account, instead of one untagging per 500 contacts and an empty tag left behind.
    """

    kind: str  # "rename" | "merge" | "delete"
    name: str  # the tag in Constant Contact
    into: str = ""  # the CRM's name (rename, merge)
    contacts: int = 0  # how many Constant Contact contacts carry it

    def text(self) -> str:
        one = self.contacts == 1
        who = f"{self.contacts:,} contact{'' if one else 's'}"
        if self.kind == "rename":
            return f"Tag “{self.name}” renamed “{self.into}” in Constant Contact (its {who} {'keeps' if one else 'keep'} it)"
        if self.kind == "merge":
            return f"Tag “{self.name}” merged into “{self.into}”: its {who} {'gets' if one else 'get'} “{self.into}”, then it is deleted"
        return f"Tag “{self.name}” deleted from Constant Contact: the CRM has no such tag now ({who} {'loses' if one else 'lose'} it)"


def plan_tag_actions(local: LocalSnapshot, remote: RemoteSnapshot, baseline: Baseline,
                     account_tags: Iterable[str], crm_tags: Iterable[str]) -> tuple[TagAction, ...]:  # fmt: skip
    """Tags to rename, merge or delete in Constant Contact before a push, seen from both sides as they are
    (so a run stopped before or after them finds the same, or nothing, to do next time).

    A Constant Contact tag qualifies only when the CRM has no tag (nor company type) of that name any more
    (``crm_tags``: a tag merely taken off every company stays, and is taken off the contacts one by one),
    no CRM contact carries it, every contact carrying it is
    linked, and the last sync agreed each of them had it (a tag added in Constant Contact since is a change
    for the pull, not something to remove). Then: when all those contacts carry one same new tag in the
    CRM that exactly they carry (of the contacts in Constant Contact), and the account has no tag of that
    name, it was renamed; when they all carry a new tag the account already has, it was merged into that
    one; otherwise it is deleted.
    """
    local_by_tag: dict[str, set[int]] = {}
    for local_id, lc in local.contacts.items():
        for name, value in lc.custom_fields:
            if is_tag(name) and value:
                local_by_tag.setdefault(tag_name(name).casefold(), set()).add(local_id)
    carriers: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for cc_id, rc in remote.contacts.items():
        for name, value in rc.custom_fields:
            if is_tag(name) and value:
                key = tag_name(name).casefold()
                names.setdefault(key, tag_name(name))
                carriers.setdefault(key, []).append(cc_id)
    in_account = {n.casefold() for n in account_tags} | set(names)
    kept = {n.casefold() for n in crm_tags} | {n.casefold() for n in COMPANY_TYPE_TAGS.values()}
    taken: set[str] = set()
    actions: list[TagAction] = []
    for key in sorted(carriers):
        if key in local_by_tag or key in kept:
            continue
        locals_: set[int] = set()
        for cc_id in carriers[key]:
            link = baseline.contacts_by_cc.get(cc_id)
            if link is None or link.local_id not in local.contacts or not any(
                    is_tag(n) and tag_name(n).casefold() == key for n, _ in link.fields.custom):
                break
            locals_.add(link.local_id)
        else:
            actions.append(_tag_action(names[key], locals_, local, baseline, local_by_tag, in_account, taken))
    return tuple(actions)


def _tag_action(name: str, locals_: set[int], local: LocalSnapshot, baseline: Baseline,
                local_by_tag: Mapping[str, set[int]], in_account: set[str], taken: set[str]) -> TagAction:  # fmt: skip
    """What became of one tag the CRM no longer has (see :func:`plan_tag_actions`)."""
    new: set[str] | None = None
    shown: dict[str, str] = {}
    linked = baseline.contacts.keys()  # CRM contacts not in Constant Contact have no say in it
    for local_id in locals_:
        had = {tag_name(n).casefold() for n, _ in baseline.contacts[local_id].fields.custom if is_tag(n)}
        now = set()
        for n, v in local.contacts[local_id].custom_fields:
            if is_tag(n) and v and tag_name(n).casefold() not in had:
                now.add(tag_name(n).casefold())
                shown[tag_name(n).casefold()] = tag_name(n)
        new = now if new is None else new & now
    for candidate in sorted(new or ()):
        if candidate in taken:
            continue
        if candidate not in in_account and local_by_tag.get(candidate, set()) & linked == locals_:
            taken.add(candidate)
            return TagAction("rename", name, shown[candidate], len(locals_))
        if candidate in in_account:
            return TagAction("merge", name, shown[candidate], len(locals_))
    return TagAction("delete", name, "", len(locals_))


def after_tag_actions(remote: RemoteSnapshot, actions: Iterable[TagAction]) -> RemoteSnapshot:
    """Constant Contact as it will be once ``actions`` are done: what the push is planned against, so the
    contacts those actions take care of need no tagging of their own."""
    change = {a.name.casefold(): a for a in actions}
    if not change:
        return remote
    contacts = dict(remote.contacts)
    for cc_id, rc in remote.contacts.items():
        if not any(is_tag(n) and tag_name(n).casefold() in change for n, _ in rc.custom_fields):
            continue
        pairs = set()
        for n, v in rc.custom_fields:
            action = change.get(tag_name(n).casefold()) if is_tag(n) else None
            if action is None:
                pairs.add((n, v))
            elif action.into:
                pairs.add(tag_entry(action.into))
        contacts[cc_id] = replace(rc, custom_fields=tuple(sorted(pairs)))
    return replace(remote, contacts=contacts)
