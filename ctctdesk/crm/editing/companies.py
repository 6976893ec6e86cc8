"""Editing companies by hand (D1): the Companies table, the company dialog, deleting companies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import peewee

from ctctdesk.crm.editing._shared import (
    DeleteImpact,
    chunks,
    clean_name,
    delete_contacts_where,
    get_company,
    id_set,
    membership_impact,
)
from ctctdesk.crm.errors import CrmError, DuplicateNameError
from ctctdesk.crm.models import (
    COMPANY_TYPES,
    Company,
    CompanyTag,
    Contact,
    Tag,
    database_proxy,
    name_key,
    utc_now,
)


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


def company_rows(ids: Sequence[int]) -> list[CompanyRow]:
    """Table rows of the given companies, in the order given (the few hundred on screen)."""
    found: dict[int, tuple] = {}
    counts: dict[int, int] = {}
    tags: dict[int, list[str]] = {}
    for chunk in chunks(list(ids)):
        if not chunk:
            continue
        in_chunk = id_set(chunk)
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
    company = get_company(company_id)
    tag_ids = CompanyTag.select(CompanyTag.tag).where(CompanyTag.company == company_id)
    return CompanyDetails(
        id=company.id,
        name=company.name,
        type=company.type,
        phone=company.phone,
        address=company.address,
        tag_ids=tuple(sorted(row[0] for row in tag_ids.tuples())),
    )


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
    cleaned = clean_name(name, "company")
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
    cleaned = clean_name(name, "company")
    _check_company_type(company_type)
    with database_proxy.atomic():
        get_company(company_id)
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


def company_delete_impact(company_ids_: Iterable[int]) -> DeleteImpact:
    ids = list(company_ids_)
    contacts = Contact.select(Contact.id).where(Contact.company.in_(id_set(ids)))
    memberships, lists = membership_impact(contacts)
    return DeleteImpact(len(ids), contacts.count(), memberships, lists)


def delete_companies(company_ids_: Iterable[int]) -> int:
    """Delete companies with their contacts, tags, custom fields and memberships; returns how many."""
    ids = list(company_ids_)
    deleted = 0
    with database_proxy.atomic():
        for chunk in chunks(ids):
            contacts = Contact.select(Contact.id).where(Contact.company.in_(id_set(chunk)))
            delete_contacts_where(contacts)
            CompanyTag.delete().where(CompanyTag.company.in_(id_set(chunk))).execute()
            deleted += Company.delete().where(Company.id.in_(id_set(chunk))).execute()
    return deleted
