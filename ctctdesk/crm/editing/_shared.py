"""What the entity modules of `crm.editing` share: name cleaning, id chunks, delete impact."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import peewee

from ctctdesk.chunking import chunks  # noqa: F401 - the entity modules take it from here
from ctctdesk.crm.errors import InvalidNameError, NotFoundError
from ctctdesk.crm.models import (
    Company,
    Contact,
    ContactField,
    Membership,
)

MAX_NAME_LENGTH = 255


def clean_name(name: str, what: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidNameError(f"Please type a name for the {what}.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidNameError(f"A {what} name can have at most {MAX_NAME_LENGTH} characters.")
    return cleaned


def id_set(ids: Iterable[int]) -> peewee.SQL:
    """`(1,2,3)` for `column.in_(...)`: the ids are integers (coerced here), so they are written into the
    statement instead of 200 bound parameters, which peewee takes several milliseconds to build."""
    listed = ",".join(str(int(i)) for i in ids)
    return peewee.SQL(f"({listed or 'NULL'})")  # IN (NULL) matches nothing, as an empty list should


def get_company(company_id: int) -> Company:
    company = Company.get_or_none(Company.id == company_id)
    if company is None:
        raise NotFoundError("This company no longer exists.")
    return company


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


def membership_impact(contact_query: peewee.SelectQuery) -> tuple[int, int]:
    memberships = Membership.select().where(Membership.contact.in_(contact_query))
    lists = (
        Membership.select(Membership.email_list)
        .where(Membership.contact.in_(contact_query))
        .distinct()
        .count()
    )
    return memberships.count(), lists


def delete_contacts_where(contacts: peewee.SelectQuery) -> int:
    Membership.delete().where(Membership.contact.in_(contacts)).execute()
    ContactField.delete().where(ContactField.contact.in_(contacts)).execute()
    return Contact.delete().where(Contact.id.in_(contacts)).execute()
