"""Database plumbing that the CRM and the sync both build on: no tables of its own but `schema_version`.

- `storage.connection`: `connect(url) -> peewee.Database` (sqlite:///path in WAL mode with foreign keys,
  or postgresql://… as a `SharedPostgresqlDatabase` that replaces a connection the server dropped),
  `describe_url(url)` (password hidden), `SQLITE_PRAGMAS`.
- `storage.proxy`: `database_proxy`, the one peewee proxy every model is bound to, and
  `close_database()` (the calling thread's connection).
- `storage.migrations`: `Component(name, steps)` — an ordered, append-only list of migration steps with
  its own version number in `schema_version` — and `migrate(db, components)`, `current_version(db, name)`,
  `rebuilds_tables`, `check_foreign_keys`. Whoever opens a database names the components it needs
  (the CRM its own, the sync service the sync's), so no table appears as a side effect of an import.
- `storage.errors`: `StorageError` and its subclasses; the CRM turns them into `CrmError`s with the same
  user-facing message.
"""
