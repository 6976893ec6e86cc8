"""The CRM's change counter: a number that grows with every write to a CRM table, on SQLite and PostgreSQL.

Why: the sync proves "nothing changed in the CRM since the last plan" by comparing this number with the
one it noted then, instead of reading 100,000 contacts again (R12). The counter is kept by database
triggers (installed by the CRM schema's version 5), so no writer can forget it: contact and company
edits, list ticks, imports, bulk SQL, the role-address setting, the sync's own writes, a second desk.

* SQLite: a row trigger per table and kind of write (SQLite has no statement triggers); it costs about
  a microsecond a row.
* PostgreSQL: one statement trigger per table, ``BEFORE`` the statement, so the counter row is locked
  before any data row: two desks writing at once queue on it instead of deadlocking. The counter is
  transactional, so a write another desk has not committed yet is not taken for "no change" once it
  commits (the number moves then). A statement that changes no row still moves it: never less sure.

The number only ever grows (a restored backup restores the sync's notes with it, in the same file or
database), so a note taken at one value can only match while nothing was written since.
"""

from __future__ import annotations

import peewee

from ctctdesk.storage.proxy import database_proxy

TABLE = "crm_change_counter"
#: The CRM tables whose rows make up what the sync reads (contacts, companies, tags, lists, settings).
COUNTED_TABLES = ("company", "tag", "company_tag", "contact", "contact_field", "email_list", "membership",
                  "setting")
_PG_FUNCTION = "crm_count_change"


def install_counter(db: peewee.Database) -> None:
    """Create the counter and its triggers (idempotent; the schema migration calls it)."""
    db.execute_sql(f'CREATE TABLE IF NOT EXISTS "{TABLE}" (id INTEGER NOT NULL PRIMARY KEY, value BIGINT NOT NULL)')
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql(f'INSERT INTO "{TABLE}" (id, value) VALUES (1, 0) ON CONFLICT (id) DO NOTHING')
        db.execute_sql(
            f"CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f'BEGIN UPDATE "{TABLE}" SET value = value + 1 WHERE id = 1; RETURN NULL; END $$'
        )
        for table in COUNTED_TABLES:
            trigger = f"{table}_counts_changes"
            db.execute_sql(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"')
            db.execute_sql(f'CREATE TRIGGER "{trigger}" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
                           f"FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()")
        return
    db.execute_sql(f'INSERT OR IGNORE INTO "{TABLE}" (id, value) VALUES (1, 0)')
    for table in COUNTED_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute_sql(f'CREATE TRIGGER IF NOT EXISTS "{table}_counts_{event.lower()}" AFTER {event} ON "{table}" '
                           f'BEGIN UPDATE "{TABLE}" SET value = value + 1 WHERE id = 1; END')


def change_count() -> int:
    """The counter's committed value now (read it *before* reading the CRM it stands for)."""
    row = database_proxy.execute_sql(f'SELECT value FROM "{TABLE}" WHERE id = 1').fetchone()
    if row is None:  # never: the migration creates the row
        raise peewee.DatabaseError("The CRM change counter is missing.")
    return int(row[0])
