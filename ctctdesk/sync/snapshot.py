"""Value types the sync planner reasons about: both sides' snapshots and the agreed baseline.

Why these types exist: the planner must be pure and fast, so it never touches the CRM database or the
Constant Contact client. Readers (built elsewhere) turn the CRM and the API into these frozen values;
the planner compares them; the executor applies the result. Everything here is immutable, uses
tuples, frozensets and plain dicts that are never mutated after construction, and is cheap at 100,000
contacts (``slots=True``, no per-object dict).

Field values are compared in "Constant Contact space" (:class:`FieldValues`): stripped, email
lower-cased, each value cut to the Constant Contact limit (R10). That way a CRM value longer than the
limit does not look like a change on every run: Constant Contact holds the shortened value, the CRM
keeps the full one, and both agree on the shortened form in the baseline.

What the readers must provide:

* CRM reader → :class:`LocalSnapshot`: every contact (``eligibility`` from the CRM rules — the values
  match ``crm.rules.Ineligibility`` names in lower case; ``email_status`` as stored), every email list
  with its members, every company (names are matched on pull, R9). A contact filed under a
  placeholder company because Constant Contact gave none must read back with ``company_name=""``.
* Constant Contact reader → :class:`RemoteSnapshot`: custom fields by *name* (the mapped CRM field
  name, without the ``cf:`` prefix), ``status`` from ``permission_to_send`` / deletion (see
  :class:`RemoteStatus`), ``list_ids`` from the list memberships, the account's default list flagged.
  Reads should include deleted contacts (``status=all``) and be folded into a kept mirror
  (:meth:`RemoteSnapshot.merged`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

# ---------------------------------------------------------------------------------------------------
# Synced fields and Constant Contact limits (R7, R10) — the one place that knows them.

CORE_FIELDS: tuple[str, ...] = ("email", "first_name", "last_name", "job_title", "company_name", "phone")
CUSTOM_PREFIX = "custom:"
# Every synced field name; custom fields appear as "custom:<name>" and are open-ended.
SYNCED_FIELDS: tuple[str, ...] = CORE_FIELDS + (CUSTOM_PREFIX + "*",)

# Limits from the V3 spec (ContactCreateOrUpdateInput, PhoneNumber, ContactCustomField) and the
# import documentation (email address up to 80 characters).
EMAIL_LIMIT = 80
NAME_LIMIT = 50  # first and last name, job title, company name
PHONE_LIMIT = 25
FIELD_LIMITS: Mapping[str, int] = {
    "email": EMAIL_LIMIT,
    "first_name": NAME_LIMIT,
    "last_name": NAME_LIMIT,
    "job_title": NAME_LIMIT,
    "company_name": NAME_LIMIT,
    "phone": PHONE_LIMIT,
}
CUSTOM_FIELD_LIMIT = 255


def field_limit(name: str) -> int:
    """Maximum length Constant Contact accepts for a synced field."""
    return FIELD_LIMITS.get(name, CUSTOM_FIELD_LIMIT)


class FieldValues(NamedTuple):
    """Synced field values in Constant Contact space; equality is the "unchanged" test.

    ``custom`` holds (name, value) pairs sorted by name with empty values left out, so two contacts
    with the same custom data compare equal whatever order the readers produced.
    """

    email: str = ""
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    company_name: str = ""
    phone: str = ""
    custom: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        """Field name → value, custom fields as "custom:<name>", empty values omitted."""
        out = {name: value for name, value in zip(CORE_FIELDS, self[:6], strict=True) if value}
        for name, value in self.custom:
            out[CUSTOM_PREFIX + name] = value
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, str]) -> FieldValues:
        """Inverse of :meth:`as_dict` (values are taken as already normalised)."""
        custom = tuple(
            sorted(
                (name[len(CUSTOM_PREFIX) :], value)
                for name, value in values.items()
                if name.startswith(CUSTOM_PREFIX) and value
            )
        )
        return cls(*(values.get(name, "") for name in CORE_FIELDS), custom)


def cc_value(name: str, value: str | None) -> str:
    """The value Constant Contact will hold for ``value``: stripped, cut to the limit, email lowered."""
    if not value:
        return ""
    value = value.strip()
    if name == "email":
        return value.lower()
    limit = field_limit(name)
    return value[:limit].rstrip() if len(value) > limit else value


def _normalised(email: str | None, first_name: str | None, last_name: str | None, job_title: str | None,
                company_name: str | None, phone: str | None,
                custom: tuple[tuple[str, str], ...]) -> FieldValues:  # fmt: skip
    """:class:`FieldValues` of one contact; written out by hand because it runs for every contact
    on every plan (100,000 × 2), where a loop over field names costs a second."""
    email = email.strip().lower() if email else ""
    first_name = first_name.strip() if first_name else ""
    if len(first_name) > NAME_LIMIT:
        first_name = first_name[:NAME_LIMIT].rstrip()
    last_name = last_name.strip() if last_name else ""
    if len(last_name) > NAME_LIMIT:
        last_name = last_name[:NAME_LIMIT].rstrip()
    job_title = job_title.strip() if job_title else ""
    if len(job_title) > NAME_LIMIT:
        job_title = job_title[:NAME_LIMIT].rstrip()
    company_name = company_name.strip() if company_name else ""
    if len(company_name) > NAME_LIMIT:
        company_name = company_name[:NAME_LIMIT].rstrip()
    phone = phone.strip() if phone else ""
    if len(phone) > PHONE_LIMIT:
        phone = phone[:PHONE_LIMIT].rstrip()
    return _new_values(
        FieldValues,
        (
            email,
            first_name,
            last_name,
            job_title,
            company_name,
            phone,
            normalise_custom(custom) if custom else (),
        ),
    )


_new_values = tuple.__new__


def normalise_custom(custom: Iterable[tuple[str, str | None]]) -> tuple[tuple[str, str], ...]:
    """Sorted (name, value) pairs in Constant Contact space, empty values dropped."""
    pairs = []
    for name, value in custom:
        if value:
            value = value.strip()
            if len(value) > CUSTOM_FIELD_LIMIT:
                value = value[:CUSTOM_FIELD_LIMIT].rstrip()
            if value:
                pairs.append((name, value))
    pairs.sort()
    return tuple(pairs)


def company_key(name: str | None) -> str:
    """Company matching key (R9): case and spacing ignored."""
    return "".join((name or "").split()).casefold()


def list_name_key(name: str) -> str:
    """List names are unique case-insensitively on both sides (D4, Constant Contact 409)."""
    return name.strip().casefold()


# ---------------------------------------------------------------------------------------------------
# Local side (the CRM)


class Eligibility(enum.StrEnum):
    """Whether a CRM contact may be sent to Constant Contact (R1–R3); mirrors crm.rules.Ineligibility."""

    ELIGIBLE = "eligible"
    NO_EMAIL = "no_email"
    INVALID_EMAIL = "invalid_email"
    ROLE_ADDRESS = "role_address"
    DO_NOT_CONTACT = "do_not_contact"
    UNSUBSCRIBED = "unsubscribed"


class EmailStatus(enum.StrEnum):
    """CRM email status (D2)."""

    SUBSCRIBED = "subscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LocalContact:
    local_id: int
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    company_name: str = ""
    phone: str = ""
    custom_fields: tuple[tuple[str, str], ...] = ()
    eligibility: Eligibility = Eligibility.ELIGIBLE
    email_status: str = EmailStatus.UNKNOWN

    def values(self) -> FieldValues:
        """Synced fields in Constant Contact space (truncated per R10)."""
        return _normalised(self.email, self.first_name, self.last_name, self.job_title, self.company_name,
                           self.phone, self.custom_fields)  # fmt: skip

    def may_be_shortened(self) -> bool:
        """Cheap test: could any value exceed its Constant Contact limit? (R10 warnings)"""
        return (
            len(self.first_name or "") > NAME_LIMIT
            or len(self.last_name or "") > NAME_LIMIT
            or len(self.job_title or "") > NAME_LIMIT
            or len(self.company_name or "") > NAME_LIMIT
            or len(self.phone or "") > PHONE_LIMIT
            or any(len(v or "") > CUSTOM_FIELD_LIMIT for _, v in self.custom_fields)
        )

    def full_value(self, name: str) -> str:
        """The CRM's own (untruncated) value of a synced field, for R10 warnings."""
        if name.startswith(CUSTOM_PREFIX):
            wanted = name[len(CUSTOM_PREFIX) :]
            return next(((v or "").strip() for n, v in self.custom_fields if n == wanted), "")
        return (getattr(self, name) or "").strip()


@dataclass(frozen=True, slots=True)
class LocalList:
    local_id: int
    name: str
    member_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class LocalCompany:
    local_id: int
    name: str


@dataclass(frozen=True, slots=True)
class LocalSnapshot:
    """Everything the planner needs from the CRM. Mappings are keyed by local id."""

    contacts: Mapping[int, LocalContact]
    lists: Mapping[int, LocalList]
    companies: Mapping[int, LocalCompany] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# Remote side (Constant Contact)


class RemoteStatus(enum.StrEnum):
    """What the remote reader derives from permission_to_send / deleted_at. Other values = active."""

    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    DELETED = "deleted"
    #: ``temp_hold``: the address bounced; the CRM shows it as "Bounced / on hold" (R3).
    ON_HOLD = "on_hold"


@dataclass(frozen=True, slots=True)
class RemoteContact:
    cc_id: str
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    job_title: str = ""
    company_name: str = ""
    phone: str = ""
    custom_fields: tuple[tuple[str, str], ...] = ()
    status: str = RemoteStatus.ACTIVE
    list_ids: frozenset[str] = frozenset()
    updated_at: str | None = None

    def values(self) -> FieldValues:
        return _normalised(self.email, self.first_name, self.last_name, self.job_title, self.company_name,
                           self.phone, self.custom_fields)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RemoteList:
    cc_id: str
    name: str
    is_default: bool = False


@dataclass(frozen=True, slots=True)
class RemoteSnapshot:
    """Constant Contact as read for this run.

    ``complete=False``: an incremental read. Lists are always complete; only contacts updated since
    the last sync are present; deleted contacts come back with status ``deleted``. The planner takes
    an absent contact to be exactly as in the baseline — true only if Constant Contact holds no
    change the CRM has not taken yet. Prefer :meth:`merged` (a kept mirror updated by incremental
    reads), which is always exact. ``account_id`` identifies the account read (R14).
    """

    contacts: Mapping[str, RemoteContact]
    lists: Mapping[str, RemoteList]
    complete: bool = True
    account_id: str = ""

    def merged(self, newer: RemoteSnapshot) -> RemoteSnapshot:
        """A complete snapshot: this one (complete, kept as a mirror) updated by a newer read.

        Why: an incremental read alone cannot say what an absent contact looks like when Constant
        Contact holds a change the CRM has not taken yet (a push leaves such changes pending, R8).
        Keeping the last complete picture and folding each incremental read into it gives the
        planner the exact state at the cost of no extra request. Deleted contacts stay, with status
        ``deleted``: their address may still be taken in Constant Contact.
        """
        if newer.complete:
            return newer
        contacts = dict(self.contacts)
        contacts.update(newer.contacts)
        return RemoteSnapshot(contacts, newer.lists, True, newer.account_id or self.account_id)


# ---------------------------------------------------------------------------------------------------
# Baseline: what both sides agreed after the last successful sync (three-way comparison, R8)


@dataclass(frozen=True, slots=True)
class BaselineContact:
    local_id: int
    cc_id: str
    fields: FieldValues


@dataclass(frozen=True, slots=True)
class BaselineList:
    """A linked list; ``member_ids`` = local contact ids both sides agreed are members."""

    local_id: int
    cc_id: str
    name: str
    member_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Baseline:
    """Linked lists and contacts of one Constant Contact account, indexed both ways.

    Memberships live on the lists only (``BaselineList.member_ids``), so there is a single truth.
    """

    account_id: str
    contacts: Mapping[int, BaselineContact]
    lists: Mapping[int, BaselineList]
    contacts_by_cc: Mapping[str, BaselineContact] = field(init=False, repr=False, compare=False)
    lists_by_cc: Mapping[str, BaselineList] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "contacts_by_cc", {c.cc_id: c for c in self.contacts.values()})
        object.__setattr__(self, "lists_by_cc", {b.cc_id: b for b in self.lists.values()})

    @classmethod
    def empty(cls, account_id: str = "") -> Baseline:
        return cls(account_id, {}, {})

    @classmethod
    def build(
        cls, account_id: str, contacts: Iterable[BaselineContact], lists: Iterable[BaselineList]
    ) -> Baseline:
        return cls(account_id, {c.local_id: c for c in contacts}, {b.local_id: b for b in lists})

    @property
    def is_empty(self) -> bool:
        return not self.contacts and not self.lists
