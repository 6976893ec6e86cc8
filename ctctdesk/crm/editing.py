"""Editing the CRM by hand: companies, contacts and marketing tags (D1–D3).

The Companies tab, the contact editor and the Settings pages call these functions; they never write SQL
themselves. Every function saves at once and keeps the eligibility cache and the list memberships right
(L6, R2), so that what the lists tab shows after an edit is already true.

Functions that change many rows at once (tag assignment, merges, moves) return exactly what they changed,
so that the GUI can undo them precisely — un-assigning a tag must not take it from companies that had it
before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import peewee

from ctctdesk.crm.contacts import CONTACT_FIELDS, create_contact, update_contact
from ctctdesk.crm.errors import CrmError, DuplicateNameError, InvalidNameError, NotFoundError
from ctctdesk.crm.models import (
    COMPANY_TYPES,
    Company,
    CompanyTag,
    Contact,
    ContactField,
    EmailList,
    Membership,
    Tag,
    database_proxy,
    name_key,
    utc_now,
)
from ctctdesk.crm.rules import (
    Ineligibility,
    load_role_prefixes,
    normalise_prefixes,
    reason_from_db,
)

MAX_NAME_LENGTH = 255
_CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _clean_name(name: str, what: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidNameError(f"Please type a name for the {what}.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidNameError(f"A {what} name can have at most {MAX_NAME_LENGTH} characters.")
    return cleaned


# --- companies ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompanyRow:
    """One row of the Companies table."""

    id: int
    name: str
    type: str
    tags: tuple[str, ...]
    contact_count: int
    phone: str
    address: str


@dataclass(frozen=True)
class CompanyDetails:
    """What the company dialog edits."""

    id: int
    name: str
    type: str
    phone: str
    address: str
    tag_ids: tuple[int, ...]


@dataclass(frozen=True)
class CompanyFilter:
    """Filters of the Companies table; they combine. Empty/None = no restriction."""

    search: str = ""  # words in name, phone or general address
    company_type: str | None = None
    tag_id: int | None = None
    exclude_id: int | None = None  # e.g. the company contacts are moved away from
    sort: str = "name"  # one of COMPANY_SORT_KEYS; the database sorts
    descending: bool = False


COMPANY_SORT_KEYS = ("name", "type", "tags", "contacts", "phone")


def _company_order(company_filter: CompanyFilter) -> tuple[peewee.Node, ...]:
    key = company_filter.sort
    if key == "name":
        primary: tuple[peewee.Node, ...] = (Company.name_key,)
    elif key == "type":
        primary = (Company.type,)
    elif key == "phone":
        primary = (Company.phone,)
    elif key == "contacts":
        primary = (Contact.select(peewee.fn.COUNT(Contact.id)).where(Contact.company == Company.id),)
    elif key == "tags":
        first_tag = CompanyTag.select(peewee.fn.MIN(Tag.name_key)).join(Tag).where(CompanyTag.company == Company.id)
        primary = (peewee.fn.COALESCE(first_tag, "\uffff"),)
    else:
        raise CrmError(f"The companies cannot be sorted by {key!r}.")
    if company_filter.descending:
        primary = tuple(peewee.Ordering(column, "DESC") for column in primary)
    return (*primary, Company.name_key, Company.id)


def company_ids(company_filter: CompanyFilter = CompanyFilter()) -> list[int]:
    """Ordered ids (by name) of the companies matching the filter — one indexed query."""
    query = Company.select(Company.id)
    if company_filter.company_type:
        query = query.where(Company.type == company_filter.company_type)
    if company_filter.tag_id is not None:
        tagged = CompanyTag.select(CompanyTag.company).where(CompanyTag.tag == company_filter.tag_id)
        query = query.where(Company.id.in_(tagged))
    if company_filter.exclude_id is not None:
        query = query.where(Company.id != company_filter.exclude_id)
    for word in company_filter.search.split():
        query = query.where(
            Company.name.contains(word) | Company.phone.contains(word) | Company.address.contains(word)
        )
    return [row[0] for row in query.order_by(*_company_order(company_filter)).tuples().iterator()]


def _id_set(ids: Iterable[int]) -> peewee.SQL:
    """`(1,2,3)` for `column.in_(...)`: the ids are integers (coerced here), so they are written into the
    statement instead of 200 bound parameters, which peewee takes several milliseconds to build."""
    listed = ",".join(str(int(i)) for i in ids)
    return peewee.SQL(f"({listed or 'NULL'})")  # IN (NULL) matches nothing, as an empty list should


def company_rows(ids: Sequence[int]) -> list[CompanyRow]:
    """Table rows of the given companies, in the order given (the few hundred on screen)."""
    found: dict[int, tuple] = {}
    counts: dict[int, int] = {}
    tags: dict[int, list[str]] = {}
    for chunk in _chunks(list(ids)):
        if not chunk:
            continue
        in_chunk = _id_set(chunk)
        query = Company.select(Company.id, Company.name, Company.type, Company.phone, Company.address).where(
            Company.id.in_(in_chunk)
        )
        for row in query.tuples():
            found[row[0]] = row
        count_query = (
            Contact.select(Contact.company, peewee.fn.COUNT(Contact.id))
            .where(Contact.company.in_(in_chunk))
            .group_by(Contact.company)
        )
        counts.update(dict(count_query.tuples()))
        tag_query = (
            CompanyTag.select(CompanyTag.company, Tag.name)
            .join(Tag)
            .where(CompanyTag.company.in_(in_chunk))
            .order_by(Tag.name_key)
        )
        for company_id, tag_name in tag_query.tuples():
            tags.setdefault(company_id, []).append(tag_name)
    return [
        CompanyRow(
            id=cid,
            name=found[cid][1],
            type=found[cid][2],
            tags=tuple(tags.get(cid, ())),
            contact_count=counts.get(cid, 0),
            phone=found[cid][3],
            address=found[cid][4],
        )
        for cid in ids
        if cid in found
    ]


def company_details(company_id: int) -> CompanyDetails:
    company = _get_company(company_id)
    tag_ids = CompanyTag.select(CompanyTag.tag).where(CompanyTag.company == company_id)
    return CompanyDetails(
        id=company.id,
        name=company.name,
        type=company.type,
        phone=company.phone,
        address=company.address,
        tag_ids=tuple(sorted(row[0] for row in tag_ids.tuples())),
    )


def _get_company(company_id: int) -> Company:
    company = Company.get_or_none(Company.id == company_id)
    if company is None:
        raise NotFoundError("This company no longer exists.")
    return company


def _check_company_type(company_type: str) -> None:
    if company_type not in COMPANY_TYPES:
        raise CrmError(f"Unknown company type {company_type!r}: use customer or prospect.")


def _check_company_name_free(cleaned: str, except_id: int | None) -> None:
    query = Company.select(Company.id).where(Company.name_key == name_key(cleaned))
    if except_id is not None:
        query = query.where(Company.id != except_id)
    if query.exists():
        raise DuplicateNameError(f'A company named "{cleaned}" already exists.')


def create_company(
    name: str,
    company_type: str = "customer",
    phone: str = "",
    address: str = "",
    tag_ids: Iterable[int] = (),
) -> int:
    """A new company (D1); a name already used (case and spacing ignored) is refused. Returns its id."""
    cleaned = _clean_name(name, "company")
    _check_company_type(company_type)
    with database_proxy.atomic():
        _check_company_name_free(cleaned, None)
        company = Company.create(
            name=cleaned,
            name_key=name_key(cleaned),
            type=company_type,
            phone=phone.strip(),
            address=address.strip(),
        )
        set_company_tags(company.id, tag_ids)
    return company.id


def update_company(
    company_id: int,
    *,
    name: str,
    company_type: str,
    phone: str = "",
    address: str = "",
    tag_ids: Iterable[int] | None = None,
) -> None:
    """Save the company dialog: name, type, general details and (when given) exactly these tags."""
    cleaned = _clean_name(name, "company")
    _check_company_type(company_type)
    with database_proxy.atomic():
        _get_company(company_id)
        _check_company_name_free(cleaned, company_id)
        Company.update(
            name=cleaned,
            name_key=name_key(cleaned),
            type=company_type,
            phone=phone.strip(),
            address=address.strip(),
            updated_at=utc_now(),
        ).where(Company.id == company_id).execute()
        if tag_ids is not None:
            set_company_tags(company_id, tag_ids)


def set_company_tags(company_id: int, tag_ids: Iterable[int]) -> None:
    """Give a company exactly these tags."""
    wanted = set(tag_ids)
    with database_proxy.atomic():
        CompanyTag.delete().where(
            (CompanyTag.company == company_id) & CompanyTag.tag.not_in(list(wanted) or [-1])
        ).execute()
        if wanted:
            CompanyTag.insert_many(
                [(company_id, tag_id) for tag_id in sorted(wanted)], [CompanyTag.company, CompanyTag.tag]
            ).on_conflict_ignore().execute()


@dataclass(frozen=True)
class DeleteImpact:
    """What else goes when companies or contacts are deleted — said before asking."""

    companies: int
    contacts: int
    memberships: int
    lists: int  # how many different lists lose members

    def text(self) -> str:
        parts = []
        if self.contacts:
            parts.append(f"{self.contacts} contact{'s' if self.contacts != 1 else ''}")
        if self.memberships:
            parts.append(
                f"{self.memberships} list membership{'s' if self.memberships != 1 else ''}"
                f" (in {self.lists} list{'s' if self.lists != 1 else ''})"
            )
        return " and ".join(parts) if parts else "nothing else"


def _membership_impact(contact_query: peewee.SelectQuery) -> tuple[int, int]:
    memberships = Membership.select().where(Membership.contact.in_(contact_query))
    lists = (
        Membership.select(Membership.email_list)
        .where(Membership.contact.in_(contact_query))
        .distinct()
        .count()
    )
    return memberships.count(), lists


def company_delete_impact(company_ids_: Iterable[int]) -> DeleteImpact:
    ids = list(company_ids_)
    contacts = Contact.select(Contact.id).where(Contact.company.in_(_id_set(ids)))
    memberships, lists = _membership_impact(contacts)
    return DeleteImpact(len(ids), contacts.count(), memberships, lists)


def delete_companies(company_ids_: Iterable[int]) -> int:
    """Delete companies with their contacts, tags, custom fields and memberships; returns how many."""
    ids = list(company_ids_)
    deleted = 0
    with database_proxy.atomic():
        for chunk in _chunks(ids):
            contacts = Contact.select(Contact.id).where(Contact.company.in_(_id_set(chunk)))
            _delete_contacts_where(contacts)
            CompanyTag.delete().where(CompanyTag.company.in_(_id_set(chunk))).execute()
            deleted += Company.delete().where(Company.id.in_(_id_set(chunk))).execute()
    return deleted


# --- contacts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactSummary:
    """One row of a company's contacts table."""

    id: int
    first_name: str
    last_name: str
    job_title: str
    email: str
    phone: str
    do_not_contact: bool
    email_status: str
    reason: Ineligibility | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class ContactDetails:
    """Everything the contact editor shows."""

    id: int
    company_id: int
    company_name: str
    first_name: str
    last_name: str
    job_title: str
    email: str
    phone: str
    do_not_contact: bool
    email_status: str
    reason: Ineligibility | None
    fields: tuple[tuple[str, str], ...]
    lists: tuple[str, ...]


def company_contacts(company_id: int) -> list[ContactSummary]:
    """The contacts of one company, by last and first name."""
    query = (
        Contact.select(
            Contact.id,
            Contact.first_name,
            Contact.last_name,
            Contact.job_title,
            Contact.email,
            Contact.phone,
            Contact.do_not_contact,
            Contact.email_status,
            Contact.ineligible_reason,
        )
        .where(Contact.company == company_id)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
    )
    return [ContactSummary(*row[:6], bool(row[6]), row[7], reason_from_db(row[8])) for row in query.tuples()]


def contact_details(contact_id: int) -> ContactDetails:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFoundError("This contact no longer exists.")
    company = Company.get_by_id(contact.company_id)
    fields = ContactField.select(ContactField.name, ContactField.value).where(
        ContactField.contact == contact_id
    )
    return ContactDetails(
        id=contact.id,
        company_id=contact.company_id,
        company_name=company.name,
        first_name=contact.first_name,
        last_name=contact.last_name,
        job_title=contact.job_title,
        email=contact.email,
        phone=contact.phone,
        do_not_contact=bool(contact.do_not_contact),
        email_status=contact.email_status,
        reason=reason_from_db(contact.ineligible_reason),
        fields=tuple(fields.order_by(ContactField.name).tuples()),
        lists=tuple(contact_list_names(contact_id)),
    )


def contact_list_names(contact_id: int) -> list[str]:
    query = (
        EmailList.select(EmailList.name)
        .join(Membership)
        .where(Membership.contact == contact_id)
        .order_by(EmailList.name_key)
    )
    return [row[0] for row in query.tuples()]


EDITABLE_CONTACT_FIELDS = ("first_name", "last_name", "job_title", "email", "phone")


def save_contact(
    contact_id: int | None,
    company_id: int,
    values: dict[str, str],
    fields: Sequence[tuple[str, str]] = (),
) -> int:
    """Create (contact_id None) or update a contact from the editor, custom fields included.

    An update keeps the record — same local id — whatever changes, the email included, so that the sync
    keeps the Constant Contact identity linked to this id (R7). Returns the contact's id.
    """
    unknown = set(values) - set(EDITABLE_CONTACT_FIELDS)
    if unknown:
        raise CrmError(f"Unknown contact fields: {', '.join(sorted(unknown))}.")
    cleaned = {key: str(value).strip() for key, value in values.items()}
    if not (cleaned.get("first_name") or cleaned.get("last_name") or cleaned.get("email")):
        raise InvalidNameError("A contact needs a name or an email address.")
    field_map = _clean_fields(fields)
    with database_proxy.atomic():
        _get_company(company_id)
        if contact_id is None:
            contact_id = create_contact(company_id, **cleaned).id
        else:
            update_contact(contact_id, **cleaned)
        _replace_custom_fields(contact_id, field_map)
    return contact_id


def _clean_fields(fields: Sequence[tuple[str, str]]) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in fields:
        key = " ".join(name.split())
        if not key:
            if value.strip():
                raise InvalidNameError("Every custom field needs a name.")
            continue
        if key in result:
            raise DuplicateNameError(f'The custom field "{key}" appears twice.')
        result[key] = value
    return result


def _replace_custom_fields(contact_id: int, fields: dict[str, str]) -> None:
    ContactField.delete().where(
        (ContactField.contact == contact_id) & ContactField.name.not_in(list(fields) or [""])
    ).execute()
    for name, value in fields.items():
        ContactField.insert(contact=contact_id, name=name, value=value).on_conflict(
            conflict_target=[ContactField.contact, ContactField.name], update={ContactField.value: value}
        ).execute()


def contact_delete_impact(contact_ids: Iterable[int]) -> DeleteImpact:
    ids = list(contact_ids)
    memberships, lists = _membership_impact(Contact.select(Contact.id).where(Contact.id.in_(_id_set(ids))))
    return DeleteImpact(0, len(ids), memberships, lists)


def _delete_contacts_where(contacts: peewee.SelectQuery) -> int:
    Membership.delete().where(Membership.contact.in_(contacts)).execute()
    ContactField.delete().where(ContactField.contact.in_(contacts)).execute()
    return Contact.delete().where(Contact.id.in_(contacts)).execute()


def delete_contacts(contact_ids: Iterable[int]) -> int:
    """Delete contacts locally with their custom fields and memberships; returns how many.

    Constant Contact is not touched here: a linked contact leaves the linked lists on the next push.
    """
    ids = list(contact_ids)
    deleted = 0
    with database_proxy.atomic():
        for chunk in _chunks(ids):
            deleted += _delete_contacts_where(
                Contact.select(Contact.id).where(Contact.id.in_(_id_set(chunk)))
            )
    return deleted


def move_contacts(contact_ids: Iterable[int], company_id: int) -> dict[int, int]:
    """Move contacts to another company; returns their previous company per contact (for undo)."""
    ids = list(contact_ids)
    with database_proxy.atomic():
        _get_company(company_id)
        before: dict[int, int] = {}
        for chunk in _chunks(ids):
            before.update(
                Contact.select(Contact.id, Contact.company).where(Contact.id.in_(_id_set(chunk))).tuples()
            )
            Contact.update(company=company_id, updated_at=utc_now()).where(
                Contact.id.in_(_id_set(chunk))
            ).execute()
    return before


def lists_of_contacts(contact_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(list id, contact id) of every membership of these contacts — to put them back on undo."""
    pairs: list[tuple[int, int]] = []
    for chunk in _chunks(list(contact_ids)):
        query = Membership.select(Membership.email_list, Membership.contact).where(
            Membership.contact.in_(_id_set(chunk))
        )
        pairs.extend(query.tuples())
    return pairs


def restore_memberships(pairs: Iterable[tuple[int, int]]) -> int:
    """Put memberships back (undo); contacts that are not eligible now are skipped, as for any tick."""
    by_list: dict[int, list[int]] = {}
    for list_id, contact_id in pairs:
        by_list.setdefault(list_id, []).append(contact_id)
    restored = 0
    with database_proxy.atomic():
        for list_id, ids in by_list.items():
            if not EmailList.select().where(EmailList.id == list_id).exists():
                continue
            for chunk in _chunks(ids):
                eligible = Contact.select(peewee.Value(list_id), Contact.id).where(
                    Contact.id.in_(_id_set(chunk)) & Contact.ineligible_reason.is_null()
                )
                restored += (
                    Membership.insert_from(eligible, [Membership.email_list, Membership.contact])
                    .on_conflict_ignore()
                    .as_rowcount()  # PostgreSQL would otherwise answer with the new ids (RETURNING)
                    .execute()
                    or 0
                )
    return restored


# --- marketing tags ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagSummary:
    id: int
    name: str
    company_count: int


def tag_summaries() -> list[TagSummary]:
    """Every tag with how many companies carry it, by name — one query."""
    count = peewee.fn.COUNT(CompanyTag.id)
    query = (
        Tag.select(Tag.id, Tag.name, count)
        .join(CompanyTag, peewee.JOIN.LEFT_OUTER)
        .group_by(Tag.id, Tag.name, Tag.name_key)
        .order_by(Tag.name_key)
    )
    return [TagSummary(*row) for row in query.tuples()]


def _get_tag(tag_id: int) -> Tag:
    tag = Tag.get_or_none(Tag.id == tag_id)
    if tag is None:
        raise NotFoundError("This marketing tag no longer exists.")
    return tag


def _check_tag_name_free(cleaned: str, except_id: int | None) -> None:
    query = Tag.select(Tag.id).where(Tag.name_key == name_key(cleaned))
    if except_id is not None:
        query = query.where(Tag.id != except_id)
    if query.exists():
        raise DuplicateNameError(f'A tag named "{cleaned}" already exists. To combine two tags, use Merge.')


def create_tag(name: str) -> int:
    cleaned = _clean_name(name, "tag")
    with database_proxy.atomic():
        _check_tag_name_free(cleaned, None)
        return Tag.create(name=cleaned, name_key=name_key(cleaned)).id


def rename_tag(tag_id: int, new_name: str) -> str:
    """Rename a tag; returns the old name (for undo)."""
    cleaned = _clean_name(new_name, "tag")
    with database_proxy.atomic():
        tag = _get_tag(tag_id)
        _check_tag_name_free(cleaned, tag_id)
        old = tag.name
        Tag.update(name=cleaned, name_key=name_key(cleaned)).where(Tag.id == tag_id).execute()
    return old


def tag_company_count(tag_id: int) -> int:
    return CompanyTag.select().where(CompanyTag.tag == tag_id).count()


def delete_tag(tag_id: int) -> int:
    """Delete a tag; the companies stay. Returns how many companies carried it."""
    with database_proxy.atomic():
        _get_tag(tag_id)
        carried = CompanyTag.delete().where(CompanyTag.tag == tag_id).execute()
        Tag.delete().where(Tag.id == tag_id).execute()
    return carried


def merge_tags(source_ids: Iterable[int], target_id: int) -> int:
    """Fold the source tags into the target: their companies get the target, the sources are deleted.

    Returns how many companies newly carry the target tag.
    """
    sources = [tag_id for tag_id in dict.fromkeys(source_ids) if tag_id != target_id]
    if not sources:
        raise CrmError("Choose at least one other tag to merge into this one.")
    with database_proxy.atomic():
        _get_tag(target_id)
        for tag_id in sources:
            _get_tag(tag_id)
        before = tag_company_count(target_id)
        companies = CompanyTag.select(peewee.Value(target_id), CompanyTag.company).where(
            CompanyTag.tag.in_(sources)
        )
        CompanyTag.insert_from(companies, [CompanyTag.tag, CompanyTag.company]).on_conflict_ignore().execute()
        CompanyTag.delete().where(CompanyTag.tag.in_(sources)).execute()
        Tag.delete().where(Tag.id.in_(sources)).execute()
        return tag_company_count(target_id) - before


def assign_tag(tag_id: int, company_ids_: Iterable[int]) -> list[int]:
    """Give a tag to many companies at once; returns the ids that did not have it yet (for undo)."""
    ids = list(dict.fromkeys(company_ids_))
    added: list[int] = []
    with database_proxy.atomic():
        _get_tag(tag_id)
        for chunk in _chunks(ids):
            had = {
                row[0]
                for row in CompanyTag.select(CompanyTag.company)
                .where((CompanyTag.tag == tag_id) & CompanyTag.company.in_(_id_set(chunk)))
                .tuples()
            }
            existing = {
                row[0] for row in Company.select(Company.id).where(Company.id.in_(_id_set(chunk))).tuples()
            }
            new = [cid for cid in chunk if cid not in had and cid in existing]
            if new:  # INSERT … SELECT: one short statement instead of a VALUES row per company
                rows = Company.select(Company.id, peewee.Value(tag_id)).where(Company.id.in_(_id_set(new)))
                CompanyTag.insert_from(rows, [CompanyTag.company, CompanyTag.tag]).execute()
            added.extend(new)
    return added


def remove_tag(tag_id: int, company_ids_: Iterable[int]) -> list[int]:
    """Take a tag from many companies at once; returns the ids that had it (for undo)."""
    ids = list(dict.fromkeys(company_ids_))
    removed: list[int] = []
    with database_proxy.atomic():
        for chunk in _chunks(ids):
            had = [
                row[0]
                for row in CompanyTag.select(CompanyTag.company)
                .where((CompanyTag.tag == tag_id) & CompanyTag.company.in_(_id_set(chunk)))
                .tuples()
            ]
            if had:
                CompanyTag.delete().where(
                    (CompanyTag.tag == tag_id) & CompanyTag.company.in_(_id_set(had))
                ).execute()
            removed.extend(had)
    return removed


# --- role addresses (R1) -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RolePrefixImpact:
    """What saving a new role-address list would do, said before saving."""

    contacts: int  # eligible contacts that become role addresses
    memberships: int  # list memberships they lose
    freed: int  # role-address contacts that become eligible again


def role_prefix_impact(new_prefixes: Iterable[str]) -> RolePrefixImpact:
    """Count, in SQL, who changes if `new_prefixes` replaced the current role-address list."""
    old = set(load_role_prefixes())
    new = set(normalise_prefixes(new_prefixes))

    def starting_with(prefixes: set[str]) -> peewee.Expression | None:
        condition = None
        for prefix in sorted(prefixes):
            term = Contact.email_key.startswith(f"{prefix}@") | Contact.email_key.startswith(f"{prefix}+")
            condition = term if condition is None else condition | term
        return condition

    added = starting_with(new - old)
    removed = starting_with(old - new)
    contacts = memberships = freed = 0
    if added is not None:
        becoming = Contact.select(Contact.id).where(Contact.ineligible_reason.is_null() & added)
        contacts = becoming.count()
        memberships = Membership.select().where(Membership.contact.in_(becoming)).count()
    if removed is not None:
        freed = (
            Contact.select()
            .where((Contact.ineligible_reason == Ineligibility.ROLE_ADDRESS.value) & removed)
            .count()
        )
    return RolePrefixImpact(contacts, memberships, freed)


__all__ = [
    "CONTACT_FIELDS",
    "CompanyDetails",
    "CompanyFilter",
    "CompanyRow",
    "ContactDetails",
    "ContactSummary",
    "DeleteImpact",
    "RolePrefixImpact",
    "TagSummary",
    "assign_tag",
    "company_contacts",
    "company_delete_impact",
    "company_details",
    "company_ids",
    "company_rows",
    "contact_delete_impact",
    "contact_details",
    "contact_list_names",
    "create_company",
    "create_tag",
    "delete_companies",
    "delete_contacts",
    "delete_tag",
    "lists_of_contacts",
    "merge_tags",
    "move_contacts",
    "remove_tag",
    "rename_tag",
    "restore_memberships",
    "role_prefix_impact",
    "save_contact",
    "set_company_tags",
    "tag_company_count",
    "tag_summaries",
    "update_company",
]
