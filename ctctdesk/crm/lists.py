"""Email lists and their members (D4, L1, L4–L6): the services the GUI, the CSV import and the CLI share.

Every function writes at once (L5 autosave) and refuses, with a `CrmError`, what a user must not do: an
empty or duplicate list name, an ineligible contact in a list (L6). Bulk changes are single SQL
statements so that ticking 100,000 contacts is one write, not 100,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import peewee

from ctctdesk.chunking import chunks
from ctctdesk.crm.contacts import ContactFilter, filtered_query
from ctctdesk.crm.errors import (
    DuplicateNameError,
    InvalidNameError,
    NotEligibleError,
    NotFoundError,
    database_errors_as_crm_errors,
)
from ctctdesk.crm.models import Contact, EmailList, Membership, database_proxy, name_key, utc_now
from ctctdesk.crm.rules import reason_from_db

MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class ListSummary:
    id: int
    name: str
    description: str
    member_count: int


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidNameError("Please type a name for the list.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidNameError(f"A list name can have at most {MAX_NAME_LENGTH} characters.")
    return cleaned


def _check_unique(cleaned: str, except_id: int | None = None) -> None:
    query = EmailList.select(EmailList.id).where(EmailList.name_key == name_key(cleaned))
    if except_id is not None:
        query = query.where(EmailList.id != except_id)
    if query.exists():
        raise DuplicateNameError(f'A list named "{cleaned}" already exists.')


def get_list(list_id: int) -> EmailList:
    email_list = EmailList.get_or_none(EmailList.id == list_id)
    if email_list is None:
        raise NotFoundError("This list no longer exists.")
    return email_list


def find_list(name: str) -> EmailList | None:
    """The list with this name, case and spacing ignored."""
    return EmailList.get_or_none(EmailList.name_key == name_key(name))


@database_errors_as_crm_errors
def create_list(name: str, description: str = "") -> EmailList:
    cleaned = _clean_name(name)
    with database_proxy.atomic():
        _check_unique(cleaned)
        try:
            return EmailList.create(name=cleaned, name_key=name_key(cleaned), description=description)
        except peewee.IntegrityError as error:  # a second desk created it a moment ago
            raise DuplicateNameError(f'A list named "{cleaned}" already exists.') from error


@database_errors_as_crm_errors
def rename_list(list_id: int, new_name: str) -> EmailList:
    cleaned = _clean_name(new_name)
    with database_proxy.atomic():
        email_list = get_list(list_id)
        _check_unique(cleaned, except_id=list_id)
        email_list.name = cleaned
        email_list.name_key = name_key(cleaned)
        email_list.updated_at = utc_now()
        email_list.save()
        return email_list


@database_errors_as_crm_errors
def delete_list(list_id: int) -> None:
    """Delete a list and its memberships; the contacts stay."""
    with database_proxy.atomic():
        get_list(list_id)
        Membership.delete().where(Membership.email_list == list_id).execute()
        EmailList.delete().where(EmailList.id == list_id).execute()


def list_summaries() -> list[ListSummary]:
    """Every list with its member count, by name (L1) — one query."""
    count = peewee.fn.COUNT(Membership.id)
    query = (
        EmailList.select(EmailList.id, EmailList.name, EmailList.description, count)
        .join(Membership, peewee.JOIN.LEFT_OUTER)
        .group_by(EmailList.id, EmailList.name, EmailList.description)
        .order_by(EmailList.name_key)
    )
    return [ListSummary(*row) for row in query.tuples()]


def member_count(list_id: int) -> int:
    return Membership.select().where(Membership.email_list == list_id).count()


def member_ids(list_id: int) -> set[int]:
    return {
        row[0]
        for row in Membership.select(Membership.contact).where(Membership.email_list == list_id).tuples()
    }


@database_errors_as_crm_errors
def set_member(list_id: int, contact_id: int, member: bool) -> None:
    """Tick or untick one contact (L5); ticking an ineligible contact is refused with its reason (L6)."""
    if member:
        contact = Contact.get_or_none(Contact.id == contact_id)
        if contact is None:
            raise NotFoundError("This contact no longer exists.")
        reason = reason_from_db(contact.ineligible_reason)
        if reason is not None:
            raise NotEligibleError(
                f"{contact.full_name or contact.email} cannot be in a list: {reason.text}."
            )
        get_list(list_id)
        Membership.insert(email_list=list_id, contact=contact_id).on_conflict_ignore().execute()
    else:
        Membership.delete().where(
            (Membership.email_list == list_id) & (Membership.contact == contact_id)
        ).execute()


@database_errors_as_crm_errors
def add_members(list_id: int, contact_ids: Iterable[int]) -> int:
    """Add the eligible ones of the given contacts (ineligible ones are skipped); returns how many were new."""
    get_list(list_id)
    ids = list(dict.fromkeys(contact_ids))
    before = member_count(list_id)
    with database_proxy.atomic():
        for chunk in chunks(ids):
            eligible = Contact.select(peewee.Value(list_id), Contact.id).where(
                Contact.id.in_(chunk) & Contact.ineligible_reason.is_null()
            )
            Membership.insert_from(
                eligible, [Membership.email_list, Membership.contact]
            ).on_conflict_ignore().execute()
    return member_count(list_id) - before


@database_errors_as_crm_errors
def remove_members(list_id: int, contact_ids: Iterable[int]) -> int:
    ids = list(dict.fromkeys(contact_ids))
    removed = 0
    with database_proxy.atomic():
        for chunk in chunks(ids):
            removed += (
                Membership.delete()
                .where((Membership.email_list == list_id) & Membership.contact.in_(chunk))
                .execute()
            )
    return removed


@database_errors_as_crm_errors
def set_membership_for_filter(list_id: int, contact_filter: ContactFilter, member: bool) -> int:
    """Select All / unselect all (L4): every eligible contact matching the filter, in ONE statement.

    Returns the list's member count afterwards.
    """
    get_list(list_id)
    with database_proxy.atomic():
        if member:
            eligible = filtered_query(contact_filter, peewee.Value(list_id), Contact.id).where(
                Contact.ineligible_reason.is_null()
            )
            Membership.insert_from(
                eligible, [Membership.email_list, Membership.contact]
            ).on_conflict_ignore().execute()
        else:
            Membership.delete().where(
                (Membership.email_list == list_id) & Membership.contact.in_(filtered_query(contact_filter))
            ).execute()
    return member_count(list_id)


@dataclass(frozen=True)
class MembershipChange:
    """What a bulk tick or untick did: the list's member count afterwards and the contacts it changed
    (so the change can be undone exactly)."""

    member_count: int
    changed_ids: tuple[int, ...]


def set_membership_for_filter_tracked(
    list_id: int, contact_filter: ContactFilter, member: bool
) -> MembershipChange:
    """`set_membership_for_filter`, also reporting which contacts joined (or left) the list."""
    before = member_ids(list_id)
    count = set_membership_for_filter(list_id, contact_filter, member)
    after = member_ids(list_id)
    changed = after - before if member else before - after
    return MembershipChange(count, tuple(sorted(changed)))


def count_members_matching(list_id: int, contact_filter: ContactFilter) -> int:
    """How many of the contacts matching the filter are in the list (for the Select All state)."""
    return (
        filtered_query(contact_filter)
        .switch(Contact)
        .join(Membership, on=(Membership.contact == Contact.id))
        .where(Membership.email_list == list_id)
        .count()
    )
