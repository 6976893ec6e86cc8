"""The local CRM: database, models and the rules that decide who may be in an email list.

No Qt, no Constant Contact: everything here can be called from a plain test, the command line or the sync.

Public API (import the modules, e.g. `from ctctdesk.crm import lists`):

- `crm.db`: `open_database(url, components=()) -> peewee.Database` (connects through `ctctdesk.storage`:
  sqlite:///path in WAL mode with foreign keys, or postgresql://… that replaces a connection the server
  dropped; binds the models, migrates the CRM schema and then the given components), `migrate(db,
  components)`, `database_url_for(data_dir)`, `describe_url(url)` (password hidden), `close_database()`.
  Storage errors come out as `CrmError`s.
- `crm.schema`: `CRM_SCHEMA`, the CRM's migration steps (a `storage.migrations.Component`). Other layers
  (sync) own their components and migrate them when they open the database for themselves. A step
  decorated `@rebuilds_tables` runs on SQLite with foreign keys off (and must end with
  `check_foreign_keys(db)`); the migration then refuses to run inside a transaction.
- Contact and email list ids are never reused (SQLite AUTOINCREMENT via `models.NeverReusedIdField`,
  PostgreSQL sequences): the sync baseline links them to Constant Contact ids.
- `crm.models`: `Company`, `Tag`, `CompanyTag`, `Contact`, `ContactField`, `EmailList`, `Membership`,
  `Setting`, `database_proxy` (the storage layer's), `name_key(name)`, `email_key(email)`, `utc_now()`, `COMPANY_TYPES`,
  `EMAIL_STATUSES`.
- `crm.rules`: `Ineligibility` (NO_EMAIL, INVALID_EMAIL, ROLE_ADDRESS, DO_NOT_CONTACT, UNSUBSCRIBED; `.text`
  and `.explanation` for users), `ineligibility(email, do_not_contact, email_status, role_prefixes)`,
  `reason_from_db(value)`, `is_valid_email`,
  `DEFAULT_ROLE_PREFIXES`, `load_role_prefixes()`, `save_role_prefixes(prefixes)`,
  `refresh_ineligibility(contact_ids | None)` (keeps the cached `Contact.ineligible_reason` right),
  `remove_ineligible_members(ids | None)` (takes contacts that became ineligible out of every list).
- `crm.contacts`: `ContactFilter(company_type, tag_id, search)`, `FilteredContacts(filter, list_id)`
  (.total, .eligible, .members, .page(offset, limit) — what the lists tab pages through),
  `matching_ids(filter)`, `match(filter)`, `count_matching(filter)`, `filtered_query(filter, *columns)`,
  `rows(ids, list_id) -> [ContactRow]`, `all_tags()`, `tags_of_companies`, `find_or_create_company`,
  `find_company`, `find_or_create_tag`, `add_company_tags`, `create_contact`, `update_contact`,
  `find_contact_by_email`, `set_do_not_contact(ids, flag)`, `set_email_status(ids, status)`,
  `set_custom_fields`, `custom_fields`.
- `crm.lists`: `create_list`, `rename_list`, `delete_list`, `get_list`, `find_list`, `list_summaries()
  -> [ListSummary]`, `member_count`, `member_ids`, `set_member(list_id, contact_id, bool)`,
  `add_members`, `remove_members`, `set_membership_for_filter(list_id, filter, bool)` (one SQL write),
  `count_members_matching`.
- `crm.csv_io`: `import_csv(path) -> ImportReport` (.created, .updated, .errors/.warnings as RowIssue(line,
  message), .summary()), `export_csv(path, filter=None) -> int`, `COLUMNS`.
- `crm.demo_data`: `generate(contacts, seed) -> DemoSummary` (empty database only).
- `crm.errors`: `CrmError` and its subclasses `InvalidNameError`, `DuplicateNameError`, `NotFoundError`,
  `NotEligibleError`, `DatabaseOpenError`, `DatabaseUnavailableError`, `CsvFormatError`; messages are
  written for users. `database_errors_as_crm_errors` (decorator) turns a locked/unavailable database
  into a DatabaseUnavailableError.

Writing `email`, `do_not_contact` or `email_status` directly with peewee bypasses the eligibility cache:
call `rules.refresh_ineligibility(ids)` and `rules.remove_ineligible_members(ids)` afterwards, or use
`contacts.update_contact` / `set_do_not_contact` / `set_email_status`, which do both.
"""
