"""Migration steps of the CRM's own tables (component "crm").

Append new steps at the end; never edit a released one. Version 1 is the first schema; version 2 added the
cached eligibility column and version 3 the covering sort index, so the lists tab can filter 100,000
contacts in SQL.
"""

from __future__ import annotations

import peewee
from playhouse.migrate import SchemaMigrator, migrate

from ctctdesk.crm.migrations import register_migrations
from ctctdesk.crm.models import MODELS, Contact

COMPONENT = "crm"


def _create_missing_tables(db: peewee.Database) -> None:
    """v1: every CRM table that does not exist yet, as the current models define it.

    Existing tables are left untouched (later steps bring their columns up to date), so this is also
    correct on a database an older app created.
    """
    existing = set(db.get_tables())
    with db.bind_ctx(MODELS):
        for model in MODELS:
            if model._meta.table_name not in existing:
                model.create_table(safe=True)


def _add_ineligible_reason(db: peewee.Database) -> None:
    """v2: `contact.ineligible_reason` (cached rules.ineligibility) with its index, filled for all rows."""
    from ctctdesk.crm.rules import refresh_ineligibility

    _create_missing_tables(db)  # the role-address setting lives in a table an early database may lack
    table = Contact._meta.table_name
    columns = {c.name for c in db.get_columns(table)}
    if "ineligible_reason" not in columns:
        migrator = SchemaMigrator.from_database(db)
        migrate(migrator.add_column(table, "ineligible_reason", peewee.CharField(max_length=32, null=True)))
    db.execute_sql(
        f'CREATE INDEX IF NOT EXISTS "{table}_ineligible_reason" ON "{table}" ("ineligible_reason")'
    )
    with db.bind_ctx(MODELS):
        refresh_ineligibility(None)


SORT_INDEX = "contact_last_name_first_name_company_id_ineligible_reason"


def _add_sort_index(db: peewee.Database) -> None:
    """v3: the covering index in the contacts table's order (replaces the plain name index)."""
    table = Contact._meta.table_name
    db.execute_sql('DROP INDEX IF EXISTS "contact_last_name_first_name"')
    db.execute_sql(
        f'CREATE INDEX IF NOT EXISTS "{SORT_INDEX}" ON "{table}" '
        '("last_name", "first_name", "company_id", "ineligible_reason")'
    )


STEPS = [_create_missing_tables, _add_ineligible_reason, _add_sort_index]


def register() -> None:
    register_migrations(COMPONENT, STEPS)
