"""Migration steps of the CRM's own tables (component "crm").

Append new steps at the end; never edit a released one. Version 1 is the first schema; version 2 added the
cached eligibility column and version 3 the covering sort index, so the lists tab can filter 100,000
contacts in SQL. Version 4 makes contact and list ids never reused on SQLite (AUTOINCREMENT), because the
sync baseline links them to Constant Contact ids. Version 5 adds the change counter (`ctctdesk.crm.changes`):
database triggers count every write to a CRM table, so the sync can tell for sure that nothing changed.
"""

from __future__ import annotations

import re

import peewee
from playhouse.migrate import SchemaMigrator, migrate

from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.models import MODELS, Contact, EmailList
from ctctdesk.storage.migrations import Component, check_foreign_keys, rebuilds_tables

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


# Tables outside the CRM that remember contact / list ids (the sync baseline): a rebuilt table's id counter
# starts above every id they hold, so even a contact deleted *before* the upgrade is never re-used.
_IDS_REMEMBERED_ELSEWHERE = {
    "contact": (("sync_base_contact", "local_id"), ("sync_base_member", "contact_id")),
    "email_list": (("sync_base_list", "local_id"), ("sync_base_member", "list_id")),
}

_ID_COLUMN = re.compile(
    r'(?<!\w)(["`\[]?id["`\]]?\s+INTEGER\s+(?:NOT\s+NULL\s+)?PRIMARY\s+KEY)', re.IGNORECASE
)


@rebuilds_tables
def _never_reuse_ids(db: peewee.Database) -> None:
    """v4: contact and email_list ids become AUTOINCREMENT on SQLite (PostgreSQL: nothing to do).

    SQLite cannot add AUTOINCREMENT to a table, so each table is rebuilt (its own definition plus
    AUTOINCREMENT, rows copied with their ids, old table dropped, new one renamed, indexes re-created).
    `migrate` runs this with foreign keys off, so the drop does not cascade to memberships and
    custom fields, and in one transaction with a final foreign-key check.
    """
    if not isinstance(db, peewee.SqliteDatabase):
        return
    for model in (Contact, EmailList):
        _rebuild_with_autoincrement(db, model._meta.table_name)
    check_foreign_keys(db)


def _rebuild_with_autoincrement(db: peewee.Database, table: str) -> None:
    row = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if row is None:
        return
    create_sql = row[0]
    if "AUTOINCREMENT" in create_sql.upper():
        return  # created from the current models
    if not _ID_COLUMN.search(create_sql):
        raise CrmError(f"The database upgrade cannot read the definition of the {table} table.")
    columns_part = create_sql[create_sql.index("(") :]
    new_table = f"{table}__rebuild"
    new_sql = f'CREATE TABLE "{new_table}" ' + _ID_COLUMN.sub(r"\1 AUTOINCREMENT", columns_part, count=1)
    extras = [
        sql
        for (sql,) in db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL",
            (table,),
        ).fetchall()
    ]
    highest = db.execute_sql(f'SELECT MAX(id) FROM "{table}"').fetchone()[0] or 0
    existing = set(db.get_tables())
    for other_table, column in _IDS_REMEMBERED_ELSEWHERE.get(table, ()):
        if other_table in existing:
            other = db.execute_sql(f'SELECT MAX("{column}") FROM "{other_table}"').fetchone()[0] or 0
            highest = max(highest, other)
    db.execute_sql(f'DROP TABLE IF EXISTS "{new_table}"')
    db.execute_sql(new_sql)
    db.execute_sql(f'INSERT INTO "{new_table}" SELECT * FROM "{table}"')
    db.execute_sql(f'DROP TABLE "{table}"')
    db.execute_sql(f'ALTER TABLE "{new_table}" RENAME TO "{table}"')
    for sql in extras:
        db.execute_sql(sql)
    # The copy set the counter to the highest copied id; raise it past ids only the baseline still knows.
    db.execute_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    db.execute_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest))


def _add_change_counter(db: peewee.Database) -> None:
    """v5: `crm_change_counter` and the triggers that bump it on every write to a CRM table.

    Why triggers, not calls in the code that writes: every writer (editing, imports, bulk SQL, list
    ticks, the sync's own writes, a second desk on PostgreSQL, a future module) is counted without
    having to remember it, so "the counter did not move" proves "the CRM did not change".
    """
    from ctctdesk.crm.changes import install_counter

    install_counter(db)


STEPS = [_create_missing_tables, _add_ineligible_reason, _add_sort_index, _never_reuse_ids, _add_change_counter]

#: What `crm.db.open_database` migrates first, on every database it opens.
CRM_SCHEMA = Component(COMPONENT, tuple(STEPS))
