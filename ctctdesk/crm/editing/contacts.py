"""Editing contacts by hand (D2): the contact editor, moving and deleting contacts, undoing list removals,
and what a new role-address list would change (R1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import peewee

from ctctdesk.crm.contacts import create_contact, update_contact
from ctctdesk.crm.editing._shared import (
    DeleteImpact,
    chunks,
    delete_contacts_where,
    get_company,
    id_set,
    membership_impact,
)
from ctctdesk.crm.errors import CrmError, DuplicateNameError, InvalidNameError, NotFoundError
from ctctdesk.crm.models import (
    Company,
    Contact,
    ContactField,
    EmailList,
    Membership,
    database_proxy,
    utc_now,
)
from ctctdesk.crm.rules import (
    Ineligibility,
    load_role_prefixes,
    normalise_prefixes,
    reason_from_db,
)


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
        get_company(company_id)
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
    memberships, lists = membership_impact(Contact.select(Contact.id).where(Contact.id.in_(id_set(ids))))
    return DeleteImpact(0, len(ids), memberships, lists)


def delete_contacts(contact_ids: Iterable[int]) -> int:
    """Delete contacts locally with their custom fields and memberships; returns how many.

    Constant Contact is not touched here: a linked contact leaves the linked lists on the next push.
    """
    ids = list(contact_ids)
    deleted = 0
    with database_proxy.atomic():
        for chunk in chunks(ids):
            deleted += delete_contacts_where(
                Contact.select(Contact.id).where(Contact.id.in_(id_set(chunk)))
            )
    return deleted


def move_contacts(contact_ids: Iterable[int], company_id: int) -> dict[int, int]:
    """Move contacts to another company; returns their previous company per contact (for undo)."""
    ids = list(contact_ids)
    with database_proxy.atomic():
        get_company(company_id)
        before: dict[int, int] = {}
        for chunk in chunks(ids):
            before.update(
                Contact.select(Contact.id, Contact.company).where(Contact.id.in_(id_set(chunk))).tuples()
            )
            Contact.update(company=company_id, updated_at=utc_now()).where(
                Contact.id.in_(id_set(chunk))
            ).execute()
    return before


def lists_of_contacts(contact_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(list id, contact id) of every membership of these contacts — to put them back on undo."""
    pairs: list[tuple[int, int]] = []
    for chunk in chunks(list(contact_ids)):
        query = Membership.select(Membership.email_list, Membership.contact).where(
            Membership.contact.in_(id_set(chunk))
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
            for chunk in chunks(ids):
                eligible = Contact.select(peewee.Value(list_id), Contact.id).where(
                    Contact.id.in_(id_set(chunk)) & Contact.ineligible_reason.is_null()
                )
                restored += (
                    Membership.insert_from(eligible, [Membership.email_list, Membership.contact])
                    .on_conflict_ignore()
                    .as_rowcount()  # PostgreSQL would otherwise answer with the new ids (RETURNING)
                    .execute()
                    or 0
                )
    return restored


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
