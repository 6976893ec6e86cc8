"""Reading and changing contacts the way the lists tab, the CSV import and the sync need it.

The lists tab shows up to 100,000 contacts. It asks `matching_ids(filter)` for the ordered ids of the
visible rows (one indexed query, a few tens of milliseconds), then `rows(ids, list_id)` for the few
hundred rows on screen. Filtering happens in SQL, never by loading every contact into Python.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import peewee

from ctctdesk.chunking import chunks
from ctctdesk.crm.errors import CrmError, DuplicateNameError, InvalidNameError, NotFoundError
from ctctdesk.crm.models import (
    COMPANY_TYPES,
    EMAIL_STATUSES,
    Company,
    CompanyTag,
    Contact,
    ContactField,
    Membership,
    Tag,
    database_proxy,
    email_key,
    name_key,
    utc_now,
)
from ctctdesk.crm.rules import Ineligibility, reason_from_db, refresh_ineligibility, remove_ineligible_members


@dataclass(frozen=True)
class ContactFilter:
    """The filters of the lists tab (L3); they combine. None/empty = no restriction."""

    company_type: str | None = None  # "customer" | "prospect" | None for all
    tag_id: int | None = None
    search: str = ""  # free text in name, company, email


@dataclass(frozen=True)
class ContactSort:
    """The order of the contacts table: a column (see `CONTACT_SORT_KEYS`) and its direction. The
    database sorts; ties fall back to last name, first name."""

    key: str = "name"
    descending: bool = False
    list_id: int | None = None  # for key "member": the list whose members come first


CONTACT_SORT_KEYS = ("member", "name", "company", "type", "email", "tags", "status")


@dataclass(frozen=True)
class ContactRow:
    """One row of the contacts table, with its tick state for one list."""

    id: int
    first_name: str
    last_name: str
    company: str
    company_type: str
    email: str
    tags: tuple[str, ...]
    email_status: str
    do_not_contact: bool
    reason: Ineligibility | None
    is_member: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def eligible(self) -> bool:
        return self.reason is None


def filtered_query(
    contact_filter: ContactFilter, *columns: peewee.Node, ordered: bool = False
) -> peewee.ModelSelect:
    """SELECT `columns` (default: Contact.id) of the contacts matching the filter; `ordered` when the
    caller sorts in the table's order (it changes which index SQLite should use).

    Company conditions are subqueries rather than a join: with no company condition SQLite then answers
    from the (last name, first name) index alone, which is what keeps 100,000 rows fast.
    """
    query = Contact.select(*(columns or (Contact.id,)))
    if contact_filter.company_type:
        if contact_filter.company_type not in COMPANY_TYPES:
            raise CrmError(f"Unknown contact type {contact_filter.company_type!r}.")
        of_type = Company.select(Company.id).where(Company.type == contact_filter.company_type)
        # Ordered: "+ 0" keeps the planner on the sort index: half the contacts match, so walking the
        # index in order beats fetching them by company and sorting (60 ms instead of 100 ms at 100,000).
        # Unordered (counts), the company index is the faster way in.
        company = (Contact.company + 0) if ordered else Contact.company
        query = query.where(company.in_(of_type))
    if contact_filter.tag_id is not None:
        tagged = CompanyTag.select(CompanyTag.company).where(CompanyTag.tag == contact_filter.tag_id)
        query = query.where(Contact.company.in_(tagged))
    for word in contact_filter.search.split():
        named = Company.select(Company.id).where(Company.name.contains(word))
        query = query.where(
            Contact.first_name.contains(word)
            | Contact.last_name.contains(word)
            | Contact.email.contains(word)
            | Contact.company.in_(named)
        )
    return query


@dataclass(frozen=True)
class Match:
    """The contacts a filter shows: ordered ids and how many of them may be in lists."""

    ids: list[int]
    eligible: int


def _sort_columns(sort: ContactSort) -> tuple[peewee.Node, ...]:
    """The ORDER BY of a column other than the default name order (correlated subqueries for the
    company's values, so the filter's query keeps its shape)."""
    company = Company.alias()
    key = sort.key
    if key == "member":
        members = Membership.select(Membership.contact).where(Membership.email_list == (sort.list_id or 0))
        return (peewee.Case(None, [(Contact.id.in_(members), 0)], 1),)
    if key == "company":
        return (company.select(company.name_key).where(company.id == Contact.company),)
    if key == "type":
        return (company.select(company.type).where(company.id == Contact.company),)
    if key == "email":
        return (Contact.email,)
    if key == "tags":
        first_tag = (
            CompanyTag.select(peewee.fn.MIN(Tag.name_key))
            .join(Tag)
            .where(CompanyTag.company == Contact.company)
        )
        return (peewee.fn.COALESCE(first_tag, "\uffff"),)  # companies without tags last
    if key == "status":
        return (peewee.fn.COALESCE(Contact.ineligible_reason, ""), Contact.email_status)
    raise CrmError(f"The contacts cannot be sorted by {key!r}.")


def _order(contact_filter: ContactFilter, sort: ContactSort | None = None) -> tuple[peewee.Node, ...]:
    if sort is not None and (sort.key != "name" or sort.descending):
        primary = (Contact.last_name, Contact.first_name) if sort.key == "name" else _sort_columns(sort)
        if sort.descending:
            primary = tuple(peewee.Ordering(column, "DESC") for column in primary)
        return (*primary, Contact.last_name, Contact.first_name, Contact.id)
    # Same columns as the sort index, so SQLite never sorts when the filter keeps many rows.
    order: tuple[peewee.Node, ...] = (
        Contact.last_name,
        Contact.first_name,
        Contact.company,
        Contact.ineligible_reason,
        Contact.id,
    )
    if contact_filter.search.strip():
        # A search matches few rows: scanning the table and sorting the matches beats walking the name
        # index (which SQLite would otherwise pick for the ORDER BY). `|| ''` hides the index, portably.
        order = (Contact.last_name.concat(""), *order[1:])
    return order


def match(contact_filter: ContactFilter, sort: ContactSort | None = None) -> Match:
    """Ordered ids (last name, first name, company) of the contacts matching the filter, and the number
    of eligible ones — one query over the covering index."""
    eligible_flag = Contact.ineligible_reason.is_null()
    query = filtered_query(contact_filter, Contact.id, eligible_flag, ordered=True).order_by(
        *_order(contact_filter, sort)
    )
    rows = database_proxy.execute(query).fetchall()
    if not rows:
        return Match(ids=[], eligible=0)
    ids, flags = zip(*rows, strict=True)  # C speed: this runs on every filter change
    return Match(ids=list(ids), eligible=sum(map(bool, flags)))


class FilteredContacts:
    """A filter's result as the contacts table needs it: the counts at once, the ids a page at a time.

    Without a search, the counts come from one COUNT query and each page is a LIMIT/OFFSET walk of the
    covering sort index, so 100,000 contacts never become 100,000 Python objects. A search keeps few
    rows, which are fetched in one go (paging would repeat the full-text scan for every page).

    `members` is how many shown contacts are in `list_id` (None when no list was asked for).
    """

    def __init__(
        self, contact_filter: ContactFilter, list_id: int | None = None, sort: ContactSort | None = None
    ) -> None:
        self.contact_filter = contact_filter
        self.sort = sort
        self._ids: list[int] | None = None
        self.members: int | None = None
        if contact_filter.search.strip():
            found = match(contact_filter, sort)
            self._ids = found.ids
            self.total, self.eligible = len(found.ids), found.eligible
            if list_id is not None:
                self.members = self.count_members(list_id)
            return
        eligible = peewee.fn.SUM(peewee.Case(None, [(Contact.ineligible_reason.is_null(), 1)], 0))
        columns = [peewee.fn.COUNT(Contact.id), eligible]
        if list_id is not None:
            in_list = Membership.select(Membership.contact).where(Membership.email_list == list_id)
            columns.append(peewee.fn.SUM(peewee.Case(None, [(Contact.id.in_(in_list), 1)], 0)))
        row = database_proxy.execute(filtered_query(contact_filter, *columns)).fetchone()
        self.total, self.eligible = int(row[0] or 0), int(row[1] or 0)
        if list_id is not None:
            self.members = int(row[2] or 0)

    @property
    def all_ids(self) -> list[int] | None:
        """Every id, when they were fetched at once (searches); None in paged mode."""
        return self._ids

    def count_members(self, list_id: int) -> int:
        """How many of these contacts are in the list (after the list changed or a bulk tick)."""
        if self._ids is not None:
            members = member_ids_among(list_id, self._ids)
            return len(members)
        in_list = Membership.select(Membership.contact).where(Membership.email_list == list_id)
        return filtered_query(self.contact_filter).where(Contact.id.in_(in_list)).count()

    def page(self, offset: int, limit: int) -> list[int]:
        """Ids of rows offset … offset+limit-1 in the table's order."""
        if self._ids is not None:
            return self._ids[offset : offset + limit]
        query = (
            filtered_query(self.contact_filter, ordered=True)
            .order_by(*_order(self.contact_filter, self.sort))
            .limit(limit)
            .offset(offset)
        )
        return [row[0] for row in database_proxy.execute(query)]


def matching_ids(contact_filter: ContactFilter) -> list[int]:
    """Ordered ids of every contact matching the filter (the order of the contacts table)."""
    query = filtered_query(contact_filter, ordered=True).order_by(*_order(contact_filter))
    return [row[0] for row in database_proxy.execute(query)]


def count_matching(contact_filter: ContactFilter, *, eligible_only: bool = False) -> int:
    query = filtered_query(contact_filter)
    if eligible_only:
        query = query.where(Contact.ineligible_reason.is_null())
    return query.count()


def rows(
    contact_ids: Sequence[int], list_id: int | None, member_ids: Collection[int] | None = None
) -> list[ContactRow]:
    """The table rows of the given contacts, in the order given, ticked per membership of `list_id`
    (or per `member_ids` when the caller already knows the members)."""
    if not contact_ids:
        return []
    found: dict[int, tuple] = {}
    company_ids: set[int] = set()
    for chunk in chunks(contact_ids):
        query = (
            Contact.select(
                Contact.id,
                Contact.first_name,
                Contact.last_name,
                Company.name,
                Company.type,
                Contact.email,
                Contact.email_status,
                Contact.do_not_contact,
                Contact.ineligible_reason,
                Company.id,
            )
            .join(Company)
            .where(Contact.id.in_(chunk))
        )
        for row in query.tuples():
            found[row[0]] = row
            company_ids.add(row[9])
    tags = tags_of_companies(company_ids)
    if member_ids is not None:
        members: Collection[int] = member_ids
    else:
        members = member_ids_among(list_id, list(found)) if list_id is not None else set()
    result = []
    for cid in contact_ids:
        row = found.get(cid)
        if row is None:
            continue  # deleted meanwhile
        result.append(
            ContactRow(
                id=cid,
                first_name=row[1],
                last_name=row[2],
                company=row[3],
                company_type=row[4],
                email=row[5],
                tags=tags.get(row[9], ()),
                email_status=row[6],
                do_not_contact=bool(row[7]),
                reason=reason_from_db(row[8]),
                is_member=cid in members,
            )
        )
    return result


def tags_of_companies(company_ids: Iterable[int]) -> dict[int, tuple[str, ...]]:
    """Tag names per company id, sorted by name."""
    ids = list(company_ids)
    result: dict[int, list[str]] = {}
    for chunk in chunks(ids):
        query = (
            CompanyTag.select(CompanyTag.company, Tag.name)
            .join(Tag)
            .where(CompanyTag.company.in_(chunk))
            .order_by(Tag.name_key)
        )
        for company_id, tag_name in query.tuples():
            result.setdefault(company_id, []).append(tag_name)
    return {k: tuple(v) for k, v in result.items()}


def member_ids_among(list_id: int, contact_ids: Sequence[int]) -> set[int]:
    """Which of the given contacts are members of the list."""
    members: set[int] = set()
    for chunk in chunks(contact_ids):
        query = Membership.select(Membership.contact).where(
            (Membership.email_list == list_id) & Membership.contact.in_(chunk)
        )
        members.update(row[0] for row in query.tuples())
    return members


def all_tags() -> list[tuple[int, str]]:
    """(id, name) of every marketing tag, by name — for the tag filter."""
    return list(Tag.select(Tag.id, Tag.name).order_by(Tag.name_key).tuples())


def company_of_contact(contact_id: int) -> int | None:
    """The id of the contact's company (None when the contact no longer exists)."""
    row = Contact.select(Contact.company).where(Contact.id == contact_id).tuples().first()
    return row[0] if row else None


def _get(contact_id: int) -> Contact:
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFoundError("This contact no longer exists.")
    return contact


def set_do_not_contact(contact_ids: Iterable[int], flag: bool) -> int:
    """Set or clear Do Not Contact (R2); contacts that become ineligible leave their lists."""
    ids = list(contact_ids)
    with database_proxy.atomic():
        for chunk in chunks(ids):
            Contact.update(do_not_contact=flag, updated_at=utc_now()).where(
                Contact.id.in_(chunk)
            ).execute()
        refresh_ineligibility(ids)
        remove_ineligible_members(ids)
    return len(ids)


def set_email_status(contact_ids: Iterable[int], status: str) -> int:
    """Record an email status (R3: unsubscribed contacts leave every local list)."""
    if status not in EMAIL_STATUSES:
        raise CrmError(f"Unknown email status {status!r}.")
    ids = list(contact_ids)
    with database_proxy.atomic():
        for chunk in chunks(ids):
            Contact.update(email_status=status, updated_at=utc_now()).where(
                Contact.id.in_(chunk)
            ).execute()
        refresh_ineligibility(ids)
        remove_ineligible_members(ids)
    return len(ids)


def confirm_subscribed(contact_ids: Iterable[int]) -> int:
    """"unknown" → "subscribed" for these contacts: the email service holds them as subscribed.

    Only "unknown" changes, in the statement itself, so a status set meanwhile (unsubscribed, bounced)
    is never overwritten; eligibility does not depend on this difference, so nothing else moves.
    """
    changed = 0
    with database_proxy.atomic():
        for chunk in chunks(list(contact_ids)):
            changed += Contact.update(email_status="subscribed").where(
                Contact.id.in_(chunk) & (Contact.email_status == "unknown")
            ).execute()
    return changed


# --- creating and editing (used by the CSV import, the demo data and, later, the sync) -------------------

CONTACT_FIELDS = ("first_name", "last_name", "job_title", "email", "phone", "do_not_contact", "email_status")


def find_company(name: str) -> Company | None:
    """The company with this name, case and spacing ignored (R9)."""
    return Company.get_or_none(Company.name_key == name_key(name))


def find_or_create_company(name: str, company_type: str = "customer") -> Company:
    """The company with this name, created with `company_type` when there is none yet."""
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidNameError("A company needs a name.")
    if company_type not in COMPANY_TYPES:
        raise CrmError(f"Unknown company type {company_type!r}: use customer or prospect.")
    company = find_company(cleaned)
    if company is None:
        company = Company.create(name=cleaned, name_key=name_key(cleaned), type=company_type)
    return company


def find_or_create_tag(name: str) -> Tag:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InvalidNameError("A tag needs a name.")
    tag = Tag.get_or_none(Tag.name_key == name_key(cleaned))
    if tag is None:
        tag = Tag.create(name=cleaned, name_key=name_key(cleaned))
    return tag


def add_company_tags(company_id: int, tag_names: Iterable[str]) -> None:
    for tag_name in tag_names:
        if tag_name.strip():
            tag = find_or_create_tag(tag_name)
            CompanyTag.insert(company=company_id, tag=tag.id).on_conflict_ignore().execute()


def find_contact_by_email(email: str) -> Contact | None:
    key = email_key(email or "")
    return Contact.get_or_none(Contact.email_key == key) if key else None


def _check_email_free(email: str, except_id: int | None) -> None:
    key = email_key(email)
    if key is None:
        return
    query = Contact.select(Contact.id).where(Contact.email_key == key)
    if except_id is not None:
        query = query.where(Contact.id != except_id)
    if query.exists():
        raise DuplicateNameError(f"Another contact already has the email address {email.strip()}.")


def create_contact(company_id: int, **values: object) -> Contact:
    """A new contact of a company; `values` are CONTACT_FIELDS. The eligibility cache is filled."""
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise CrmError(f"Unknown contact fields: {', '.join(sorted(unknown))}.")
    email = str(values.get("email", "") or "").strip()
    status = str(values.get("email_status", "unknown"))
    if status not in EMAIL_STATUSES:
        raise CrmError(f"Unknown email status {status!r}.")
    with database_proxy.atomic():
        _check_email_free(email, None)
        contact = Contact.create(
            company=company_id, **{**values, "email": email, "email_key": email_key(email)}
        )
        refresh_ineligibility([contact.id])
    return Contact.get_by_id(contact.id)


def update_contact(contact_id: int, **changes: object) -> Contact:
    """Change fields of a contact (CONTACT_FIELDS and `company_id`); keeps the eligibility cache right
    and takes the contact out of its lists if it became ineligible."""
    allowed = set(CONTACT_FIELDS) | {"company_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise CrmError(f"Unknown contact fields: {', '.join(sorted(unknown))}.")
    if "email_status" in changes and changes["email_status"] not in EMAIL_STATUSES:
        raise CrmError(f"Unknown email status {changes['email_status']!r}.")
    with database_proxy.atomic():
        contact = _get(contact_id)
        if "email" in changes:
            email = str(changes["email"] or "").strip()
            _check_email_free(email, contact_id)
            changes = {**changes, "email": email, "email_key": email_key(email)}
        if "company_id" in changes:
            changes["company"] = changes.pop("company_id")
        if changes:
            Contact.update(**changes, updated_at=utc_now()).where(Contact.id == contact_id).execute()
        refresh_ineligibility([contact.id])
        remove_ineligible_members([contact.id])
    return Contact.get_by_id(contact_id)


def set_custom_fields(contact_id: int, fields: dict[str, str]) -> None:
    """Set custom fields (name → value) of a contact; an empty value removes the field."""
    for name, value in fields.items():
        if not name.strip():
            continue
        if value == "":
            ContactField.delete().where(
                (ContactField.contact == contact_id) & (ContactField.name == name)
            ).execute()
        else:
            ContactField.insert(contact=contact_id, name=name, value=value).on_conflict(
                conflict_target=[ContactField.contact, ContactField.name], update={ContactField.value: value}
            ).execute()


def custom_fields(contact_id: int) -> dict[str, str]:
    query = ContactField.select(ContactField.name, ContactField.value).where(
        ContactField.contact == contact_id
    )
    return dict(query.order_by(ContactField.name).tuples())
