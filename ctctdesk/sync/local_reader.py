"""CRM → :class:`LocalSnapshot` in a few SQL queries (never one query per contact).

At 100,000 contacts this is four scans (contacts with their company name, custom fields, lists,
memberships); eligibility comes from the CRM's cached ``ineligible_reason`` so the rules (R1–R3) are
decided in exactly one place.
"""

from __future__ import annotations

import dataclasses

from ctctdesk.crm.models import Company, CompanyTag, Contact, ContactField, EmailList, Membership, Tag
from ctctdesk.sync import sql
from ctctdesk.sync.local_writer import NO_COMPANY
from ctctdesk.sync.mapping import (
    ADDRESS,
    ADDRESS_FIELD,
    PHONE,
    FieldMapping,
    NotSent,
    Target,
    company_tags,
    fit_tags,
    tag_entry,
)
from ctctdesk.sync.service_limits import CONSTANT_CONTACT, ServiceLimits
from ctctdesk.sync.snapshot import Eligibility, LocalCompany, LocalContact, LocalList, LocalSnapshot


def read_local(mapping: FieldMapping | None = None, remote_tags: tuple[str, ...] = ()) -> LocalSnapshot:
    """The CRM as the mapping sends it (R11); no mapping = the default one."""
    return read_local_mapped(mapping or FieldMapping(), remote_tags)[0]


def read_local_mapped(mapping: FieldMapping, remote_tags: tuple[str, ...] = (), *,
                      limits: ServiceLimits = CONSTANT_CONTACT) -> tuple[LocalSnapshot, NotSent]:  # fmt: skip
    """The CRM as ``mapping`` sends it, and the tags that do not fit in the service (``limits``; named in
    the preview). ``remote_tags``: tag names the account already has (they always fit)."""
    t_company, t_contact = Company._meta.table_name, Contact._meta.table_name
    t_field, t_list, t_member = ContactField._meta.table_name, EmailList._meta.table_name, Membership._meta.table_name
    companies: dict[int, LocalCompany] = {}
    addresses: dict[int, str] = {}
    send_address = mapping.target(ADDRESS) is Target.STANDARD
    for cid, name, address in sql.select(f"SELECT id, name, address FROM {sql.quote(t_company)}"):
        companies[cid] = LocalCompany(cid, "" if name == NO_COMPANY else name)
        if send_address and address and name != NO_COMPANY:
            addresses[cid] = address
    custom: dict[int, list[tuple[str, str]]] = {}
    off = {n for n, t in mapping.fields.items() if t is Target.OFF}
    renamed = {n: mapping.label(n) for n in mapping.labels if n != PHONE}
    for contact_id, name, value in sql.select(f"SELECT contact_id, name, value FROM {sql.quote(t_field)}"):
        if name not in off:
            custom.setdefault(contact_id, []).append((renamed.get(name, name), value))
    tags_of_company = _company_tags() if mapping.tags else {}
    send_phone = mapping.target(PHONE) is Target.STANDARD
    phone_label = mapping.label(PHONE) if mapping.target(PHONE) is Target.CUSTOM else None
    contacts: dict[int, LocalContact] = {}
    no_custom: tuple = ()
    eligible = Eligibility.ELIGIBLE
    query = (
        "SELECT id, email, first_name, last_name, job_title, company_id, phone, ineligible_reason, email_status"
        f" FROM {sql.quote(t_contact)}"
    )
    tags: dict[int, list[str]] = {}
    labels: dict[int, str] = {}
    for cid, email, first, last, job, company_id, phone, reason, status in sql.select(query):
        company = companies.get(company_id)
        fields = custom.get(cid)
        if tags_of_company and company_id in tags_of_company:
            tags[cid] = tags_of_company[company_id]
            labels[cid] = email or f"{first or ''} {last or ''}".strip()
        if phone_label is not None and phone:
            fields = [*(fields or ()), (phone_label, phone)]
        if company_id in addresses:
            fields = [*(fields or ()), (ADDRESS_FIELD, addresses[company_id])]
        if not send_phone:
            phone = ""
        contacts[cid] = LocalContact(
            cid,
            email or "",
            first or "",
            last or "",
            job or "",
            company.name if company else "",
            phone or "",
            tuple(sorted(fields)) if fields else no_custom,
            Eligibility(reason) if reason else eligible,
            status or "unknown",
        )
    members: dict[int, set[int]] = {}
    for list_id, contact_id in sql.select(f"SELECT email_list_id, contact_id FROM {sql.quote(t_member)}"):
        members.setdefault(list_id, set()).add(contact_id)
    lists = {
        lid: LocalList(lid, name, frozenset(members.get(lid, ())))
        for lid, name in sql.select(f"SELECT id, name FROM {sql.quote(t_list)}")
    }
    not_sent = NotSent(limits=limits)
    if tags:
        kept, not_sent = fit_tags(tags, labels, remote_tags, limits=limits)
        for cid, names in kept.items():
            c = contacts[cid]
            pairs = tuple(sorted(c.custom_fields + tuple(tag_entry(n) for n in names)))
            contacts[cid] = dataclasses.replace(c, custom_fields=pairs)
    return LocalSnapshot(contacts=contacts, lists=lists, companies=companies), not_sent


def _company_tags() -> dict[int, list[str]]:
    """Company id → the tag names its contacts carry (type, then marketing tags)."""
    t_company, t_link, t_tag = Company._meta.table_name, CompanyTag._meta.table_name, Tag._meta.table_name
    marketing: dict[int, list[str]] = {}
    for company_id, name in sql.select(f"SELECT l.company_id, t.name FROM {sql.quote(t_link)} l "
                                       f"JOIN {sql.quote(t_tag)} t ON t.id = l.tag_id"):  # fmt: skip
        marketing.setdefault(company_id, []).append(name)
    # Contacts without a company (the placeholder) carry none: see mapping.keep_remote_tags.
    return {
        cid: company_tags(kind, marketing.get(cid, ()))
        for cid, name, kind in sql.select(f"SELECT id, name, type FROM {sql.quote(t_company)}")
        if name != NO_COMPANY
    }


def custom_field_use() -> dict[int, list[str]]:
    """Contact id → the names of its custom fields (for the mapping's counts and limits, R11)."""
    out: dict[int, list[str]] = {}
    for contact_id, name in sql.select(f"SELECT contact_id, name FROM {sql.quote(ContactField._meta.table_name)}"):
        out.setdefault(contact_id, []).append(name)
    return out


def crm_tag_names() -> list[str]:
    """Every marketing tag name the CRM has, carried by a company or not (R11: a Constant Contact tag of
    another name was renamed, merged or deleted in the CRM)."""
    return [name for (name,) in sql.select(f"SELECT name FROM {sql.quote(Tag._meta.table_name)}")]


def custom_field_values(name: str) -> list[str]:
    """The values one CRM custom field holds (a date field takes only dates, R11)."""
    return [value for (value,) in sql.select(
        f"SELECT value FROM {sql.quote(ContactField._meta.table_name)} WHERE name = ?", (name,))]
