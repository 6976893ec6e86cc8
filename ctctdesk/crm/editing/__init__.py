"""Editing the CRM by hand: companies, contacts and marketing tags (D1–D3).

The Companies tab, the contact editor and the Settings pages call these functions; they never write SQL
themselves. Every function saves at once and keeps the eligibility cache and the list memberships right
(L6, R2), so that what the lists tab shows after an edit is already true.

Functions that change many rows at once (tag assignment, merges, moves) return exactly what they changed,
so that the GUI can undo them precisely — un-assigning a tag must not take it from companies that had it
before.

The functions live in one module per entity (`companies`, `contacts`, `tags`); this package gathers them so
that callers write `editing.create_company(...)` whichever entity they touch.
"""

from __future__ import annotations

from ctctdesk.crm.contacts import CONTACT_FIELDS
from ctctdesk.crm.editing._shared import DeleteImpact
from ctctdesk.crm.editing.companies import (
    COMPANY_SORT_KEYS,
    CompanyDetails,
    CompanyFilter,
    CompanyRow,
    company_delete_impact,
    company_details,
    company_ids,
    company_rows,
    create_company,
    delete_companies,
    set_company_tags,
    update_company,
)
from ctctdesk.crm.editing.contacts import (
    ContactDetails,
    ContactSummary,
    RolePrefixImpact,
    company_contacts,
    contact_delete_impact,
    contact_details,
    contact_list_names,
    delete_contacts,
    lists_of_contacts,
    move_contacts,
    restore_memberships,
    role_prefix_impact,
    save_contact,
)
from ctctdesk.crm.editing.tags import (
    TagSummary,
    assign_tag,
    create_tag,
    delete_tag,
    merge_tags,
    remove_tag,
    rename_tag,
    tag_company_count,
    tag_summaries,
)

__all__ = [
    "CONTACT_FIELDS",
    "CompanyDetails",
    "COMPANY_SORT_KEYS",
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
