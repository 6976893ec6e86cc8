"""Apply the CRM-side operations (``side=Side.CRM``) of a pull plan, in bulk, through the CRM's own rules.

Each method takes every operation of one kind (a step), writes them in SQL batches and returns the
id each creation got. The caller runs a step inside one transaction together with the baseline entries
it changed, so a pull killed at any instant leaves the CRM and the baseline in agreement (R13).

Eligibility stays right because every write that can change it goes through
``rules.refresh_ineligibility`` and ``rules.remove_ineligible_members`` (or the crm services that call
them); memberships are only added for eligible contacts (L6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ctctdesk.crm import contacts as crm_contacts
from ctctdesk.crm import lists as crm_lists
from ctctdesk.crm.editing import tags as crm_tags
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.models import (
    Company,
    Contact,
    ContactField,
    Membership,
    Tag,
    database_proxy,
    email_key,
    name_key,
    utc_now,
)
from ctctdesk.crm.rules import refresh_ineligibility
from ctctdesk.sync import sql
from ctctdesk.sync.mapping import ADDRESS_FIELD, COMPANY_TYPE_TAGS, PHONE_COLUMN, is_tag, tag_name
from ctctdesk.sync.operations import CreateContact, CreateList, CreateLocalCompany, RenameList, UpdateContact
from ctctdesk.sync.snapshot import CUSTOM_PREFIX

#: Tag name (casefolded) → company type, for a type tag arriving from Constant Contact (R11).
_TYPE_OF_TAG = {name.casefold(): kind for kind, name in COMPANY_TYPE_TAGS.items()}

#: Contacts from Constant Contact without a company name belong here; the reader shows it as "".
NO_COMPANY = "(No company)"


def _company_id(name: str, cache: dict[str, int], kind: str = "customer") -> int:
    name = " ".join((name or "").split()) or NO_COMPANY
    key = name_key(name)
    if key not in cache:
        cache[key] = crm_contacts.find_or_create_company(name, kind).id
    return cache[key]


class LocalWriter:
    """``crm_names``: Constant Contact label → CRM field where they differ (the plan's, R11): what comes
    under a chosen or shortened label goes into the CRM field it stands for, never into a new one."""

    def __init__(self, crm_names: Mapping[str, str] | None = None) -> None:
        self._companies: dict[str, int] = {}
        self._crm_names = dict(crm_names or {})

    def _split(self, pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str], list[str],
                                                                  list[str]]:  # fmt: skip
        """(CRM custom fields, contact/company columns, tags added, tags removed) of custom pairs as they
        come from Constant Contact (a blank value = taken away there)."""
        custom: dict[str, str] = {}
        columns: dict[str, str] = {}
        added: list[str] = []
        removed: list[str] = []
        for label, value in pairs:
            if is_tag(label):
                (added if value else removed).append(tag_name(label))
            elif label == ADDRESS_FIELD:
                columns["address"] = value
            else:
                name = self._crm_names.get(label, label)
                if name == PHONE_COLUMN:
                    columns["phone"] = value
                else:
                    custom[name] = value
        return custom, columns, added, removed

    def _set_address(self, contact_id: int, address: str) -> None:
        """R11: the address is the company's; a contact without one has nowhere to keep it."""
        company = Contact.get_by_id(contact_id).company
        if company.name != NO_COMPANY:
            Company.update(address=address[:255]).where(Company.id == company.id).execute()

    def create_companies(self, ops: Sequence[CreateLocalCompany]) -> None:
        for op in ops:
            _company_id(op.name, self._companies, op.company_kind)

    def create_list(self, op: CreateList) -> int:
        existing = crm_lists.find_list(op.list.name)
        if existing is not None:  # created by an earlier, interrupted run
            return existing.id
        return crm_lists.create_list(op.list.name).id

    def rename_list(self, op: RenameList, local_id: int) -> None:
        crm_lists.rename_list(local_id, op.new_name)

    def delete_list(self, local_id: int) -> None:
        if crm_lists.EmailList.get_or_none(crm_lists.EmailList.id == local_id) is not None:
            crm_lists.delete_list(local_id)

    def create_contacts(self, ops: Sequence[CreateContact],
                        list_ids: Sequence[Sequence[int]]) -> list[int]:  # fmt: skip
        """Insert new contacts in bulk; ``list_ids[i]``: resolved local lists of ``ops[i]``.

        A contact whose email is already in the CRM (an earlier run created it and was stopped before
        recording it) is reused, never duplicated.
        """
        table = Contact._meta.table_name
        existing = dict(sql.select(f"SELECT email_key, id FROM {sql.quote(table)} WHERE email_key IS NOT NULL"))
        now = utc_now()
        columns = ("company_id", "first_name", "last_name", "job_title", "email", "email_key", "phone",
                   "email_status", "do_not_contact", "created_at", "updated_at")  # fmt: skip
        rows = []
        seen: set[str] = set()
        for op in ops:
            f = op.fields
            key = email_key(f.email)
            if key in existing or key in seen:
                continue
            seen.add(key)
            company = _company_id(f.company_name, self._companies)
            rows.append((company, f.first_name, f.last_name, f.job_title, f.email, key, f.phone,
                         op.email_status, False, now, now))  # fmt: skip
        sql.insert_many(table, columns, rows)
        ids = dict(sql.select(f"SELECT email_key, id FROM {sql.quote(table)} WHERE email_key IS NOT NULL"))
        created = [ids[email_key(op.fields.email)] for op in ops]
        refresh_ineligibility(created)
        custom = []
        for op, cid in zip(ops, created, strict=True):
            if not op.fields.custom:
                continue
            fields, columns, tags, _ = self._split(op.fields.custom)
            custom.extend((cid, n, v) for n, v in fields.items())
            if columns.get("phone"):
                crm_contacts.update_contact(cid, phone=columns["phone"])
            if columns.get("address"):
                self._set_address(cid, columns["address"])
            if tags:
                self._tag_company(cid, tags, [])
        sql.insert_many(ContactField._meta.table_name, ("contact_id", "name", "value"), custom,
                        ignore_conflicts=True)  # fmt: skip
        pairs = [(lid, cid) for lids, cid in zip(list_ids, created, strict=True) for lid in lids]
        self._add_members(pairs)
        return created

    def _tag_company(self, contact_id: int, added: Sequence[str], removed: Sequence[str]) -> None:
        """R11: tags from Constant Contact are the contact's company's: its type, or marketing tags
        (created under Constant Contact's name when the CRM has none of that name)."""
        company = Contact.get_by_id(contact_id).company
        if company.name == NO_COMPANY:  # no company to give them to: they stay in Constant Contact only
            return
        company_id = company.id
        for name in added:
            kind = _TYPE_OF_TAG.get(name.casefold())
            if kind is not None:
                Company.update(type=kind).where(Company.id == company_id).execute()
                continue
            tag = Tag.get_or_none(Tag.name_key == name_key(name))
            tag_id = tag.id if tag is not None else crm_tags.create_tag(name)
            crm_tags.assign_tag(tag_id, [company_id])
        for name in removed:  # a type tag taken off leaves the type: a company always has one
            tag = Tag.get_or_none(Tag.name_key == name_key(name))
            if tag is not None and name.casefold() not in _TYPE_OF_TAG:
                crm_tags.remove_tag(tag.id, [company_id])

    def update_contacts(self, ops: Sequence[UpdateContact], local_ids: Sequence[int]
                        ) -> tuple[list[int], list[tuple[str, str]]]:  # fmt: skip
        """Update each contact in its own savepoint; returns the op ids done and (email, error) pairs.

        A refused change (e.g. an email another CRM contact already has) is reported, not fatal: the
        other updates of the step still go through, and the next plan offers the refused one again.
        """
        done: list[int] = []
        errors: list[tuple[str, str]] = []
        for op, local_id in zip(ops, local_ids, strict=True):
            try:
                with database_proxy.atomic():
                    self._update_one(op, local_id)
            except CrmError as error:
                errors.append((op.contact.label, str(error)))
            else:
                done.append(op.op_id)
        return done, errors

    def _update_one(self, op: UpdateContact, local_id: int) -> None:
        changes: dict[str, object] = {}
        for name, value in op.changes:
            if name == "company_name":
                changes["company_id"] = _company_id(value, self._companies)
            elif not name.startswith(CUSTOM_PREFIX):
                changes[name] = value
        custom, columns, added, removed = self._split(
            (name[len(CUSTOM_PREFIX):], value) for name, value in op.changes if name.startswith(CUSTOM_PREFIX))
        if "phone" in columns:
            changes["phone"] = columns["phone"]
        if changes:
            crm_contacts.update_contact(local_id, **changes)
        if custom:
            crm_contacts.set_custom_fields(local_id, custom)
        if "address" in columns:
            self._set_address(local_id, columns["address"])
        if added or removed:
            self._tag_company(local_id, added, removed)

    def mark_bounced(self, local_ids: Sequence[int]) -> None:
        crm_contacts.set_email_status(local_ids, "bounced")

    def mark_unsubscribed(self, local_ids: Sequence[int]) -> None:
        crm_contacts.set_email_status(local_ids, "unsubscribed")

    def add_members(self, pairs: Sequence[tuple[int, int]]) -> None:
        self._add_members(pairs)

    def _add_members(self, pairs: Sequence[tuple[int, int]]) -> None:
        """Insert (list, contact) memberships of eligible contacts only (L6)."""
        table = Contact._meta.table_name
        ineligible = {cid for (cid,) in sql.select(
            f"SELECT id FROM {sql.quote(table)} WHERE ineligible_reason IS NOT NULL")}  # fmt: skip
        rows = list(dict.fromkeys((lid, cid) for lid, cid in pairs if cid not in ineligible))
        sql.insert_many(Membership._meta.table_name, ("email_list_id", "contact_id"), rows, ignore_conflicts=True)

    def remove_members(self, pairs: Sequence[tuple[int, int]]) -> None:
        by_list: dict[int, list[int]] = {}
        for lid, cid in pairs:
            by_list.setdefault(lid, []).append(cid)
        for lid, cids in by_list.items():
            crm_lists.remove_members(lid, cids)
