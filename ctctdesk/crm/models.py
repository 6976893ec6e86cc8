"""peewee models of the local CRM (rules D1–D4 of product.md).

The models are bound to the storage layer's `database_proxy` (the CRM's modules import it from here);
`ctctdesk.crm.db.open_database` points the proxy at a real SQLite or PostgreSQL database, so nothing here
knows which one is in use.

Normalised "key" columns (`name_key`, `email_key`) carry the case-insensitive uniqueness the product asks
for in a way both SQLite and PostgreSQL enforce with a plain unique index. Timestamps are naive UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import peewee

from ctctdesk.storage.proxy import database_proxy

COMPANY_TYPES = ("customer", "prospect")
EMAIL_STATUSES = ("subscribed", "unsubscribed", "bounced", "unknown")

_SPACES = re.compile(r"\s+")


def utc_now() -> datetime:
    """Current time as naive UTC (what every timestamp column holds)."""
    return datetime.now(UTC).replace(tzinfo=None)


def name_key(name: str) -> str:
    """Key under which names are unique and matched: case and spacing ignored ("ACME  Ltd" = "acme ltd")."""
    return _SPACES.sub(" ", name).strip().casefold()


def email_key(email: str) -> str | None:
    """Key under which emails are unique: lower case; None for no email (many contacts may have none)."""
    cleaned = email.strip().lower()
    return cleaned or None


class NeverReusedIdField(peewee.AutoField):
    """An integer primary key whose values are never given out twice, on SQLite and PostgreSQL alike.

    Why: the sync baseline links contact and list ids to Constant Contact ids. A plain SQLite
    ``INTEGER PRIMARY KEY`` hands the highest deleted id to the next new row, so a new person could
    inherit a deleted contact's Constant Contact link. ``AUTOINCREMENT`` forbids that on SQLite;
    PostgreSQL sequences (``SERIAL``) never go back, so nothing is added there.
    """

    def ddl(self, ctx):
        node_list = super().ddl(ctx)
        # The SQLite dialect maps AUTO to plain INTEGER (PostgreSQL: SERIAL, which must stay bare).
        if ctx.state.field_types.get("AUTO") == "INTEGER":
            return peewee.NodeList((node_list, peewee.SQL("AUTOINCREMENT")))
        return node_list


class BaseModel(peewee.Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Company(BaseModel):
    """D1: a customer or prospect; company-level addresses are never offered for email lists."""

    name = peewee.CharField(max_length=255)
    name_key = peewee.CharField(max_length=255, unique=True)
    type = peewee.CharField(max_length=16, default="customer", index=True)
    phone = peewee.CharField(max_length=64, default="")
    address = peewee.CharField(max_length=255, default="")
    created_at = peewee.DateTimeField(default=utc_now)
    updated_at = peewee.DateTimeField(default=utc_now)


class Tag(BaseModel):
    """D3: a marketing tag, attached to companies."""

    name = peewee.CharField(max_length=255)
    name_key = peewee.CharField(max_length=255, unique=True)


class CompanyTag(BaseModel):
    company = peewee.ForeignKeyField(Company, backref="company_tags", on_delete="CASCADE")
    tag = peewee.ForeignKeyField(Tag, backref="company_tags", on_delete="CASCADE", index=True)

    class Meta:
        indexes = ((("company", "tag"), True),)


class Contact(BaseModel):
    """D2: a person employed by one company.

    `ineligible_reason` caches `rules.ineligibility(...)` (None = may be in lists) so the lists tab can
    filter and bulk-tick 100,000 contacts in SQL. Every CRM function that changes email, Do Not Contact,
    email status or the role-address list refreshes it; code that writes these columns directly must call
    `rules.refresh_ineligibility` for the contacts it touched.
    """

    id = NeverReusedIdField()  # linked to Constant Contact by the sync baseline: never reused
    company = peewee.ForeignKeyField(Company, backref="contacts", on_delete="CASCADE", index=True)
    first_name = peewee.CharField(max_length=255, default="")
    last_name = peewee.CharField(max_length=255, default="")
    job_title = peewee.CharField(max_length=255, default="")
    email = peewee.CharField(max_length=320, default="")
    email_key = peewee.CharField(max_length=320, null=True, unique=True)
    phone = peewee.CharField(max_length=64, default="")
    do_not_contact = peewee.BooleanField(default=False)
    email_status = peewee.CharField(max_length=16, default="unknown")
    ineligible_reason = peewee.CharField(max_length=32, null=True)
    created_at = peewee.DateTimeField(default=utc_now)
    updated_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = (
            # The order of the contacts table, covering what the lists tab filters on, so that SQLite
            # answers "all contacts in order" from this index alone (see contacts.matching_ids).
            (("last_name", "first_name", "company", "ineligible_reason"), False),
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactField(BaseModel):
    """D2: a custom field of a contact (name → value)."""

    contact = peewee.ForeignKeyField(Contact, backref="fields", on_delete="CASCADE")
    name = peewee.CharField(max_length=255)
    value = peewee.TextField(default="")

    class Meta:
        indexes = ((("contact", "name"), True),)


class EmailList(BaseModel):
    """D4: an email list; the name is unique case-insensitively."""

    id = NeverReusedIdField()  # linked to Constant Contact by the sync baseline: never reused

    name = peewee.CharField(max_length=255)
    name_key = peewee.CharField(max_length=255, unique=True)
    description = peewee.TextField(default="")
    created_at = peewee.DateTimeField(default=utc_now)
    updated_at = peewee.DateTimeField(default=utc_now)


class Membership(BaseModel):
    email_list = peewee.ForeignKeyField(EmailList, backref="memberships", on_delete="CASCADE")
    contact = peewee.ForeignKeyField(Contact, backref="memberships", on_delete="CASCADE", index=True)

    class Meta:
        indexes = ((("email_list", "contact"), True),)


class Setting(BaseModel):
    """Small key → value store for settings that belong with the data (e.g. the role-address list)."""

    key = peewee.CharField(max_length=255, primary_key=True)
    value = peewee.TextField(default="")


MODELS: tuple[type[BaseModel], ...] = (
    Company,
    Tag,
    CompanyTag,
    Contact,
    ContactField,
    EmailList,
    Membership,
    Setting,
)
