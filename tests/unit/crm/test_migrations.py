"""A newer app opens a database an older app wrote, without losing anything."""

import sqlite3

import pytest

from ctctdesk.crm import db, lists
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.models import Contact
from ctctdesk.crm.schema import CRM_SCHEMA
from ctctdesk.storage.migrations import Component, current_version

# The CRM schema as version 1 of the app wrote it: no cached eligibility column yet.
VERSION_1 = """
CREATE TABLE schema_version (component VARCHAR(64) NOT NULL PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO schema_version VALUES ('crm', 1);
CREATE TABLE company (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL,
  name_key VARCHAR(255) NOT NULL, type VARCHAR(16) NOT NULL, phone VARCHAR(64) NOT NULL,
  address VARCHAR(255) NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);
CREATE UNIQUE INDEX company_name_key ON company (name_key);
CREATE TABLE contact (id INTEGER NOT NULL PRIMARY KEY, company_id INTEGER NOT NULL
  REFERENCES company (id) ON DELETE CASCADE, first_name VARCHAR(255) NOT NULL, last_name VARCHAR(255) NOT NULL,
  job_title VARCHAR(255) NOT NULL, email VARCHAR(320) NOT NULL, email_key VARCHAR(320),
  phone VARCHAR(64) NOT NULL, do_not_contact INTEGER NOT NULL, email_status VARCHAR(16) NOT NULL,
  created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);
CREATE UNIQUE INDEX contact_email_key ON contact (email_key);
CREATE TABLE email_list (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL,
  name_key VARCHAR(255) NOT NULL, description TEXT NOT NULL, created_at DATETIME NOT NULL,
  updated_at DATETIME NOT NULL);
CREATE TABLE membership (id INTEGER NOT NULL PRIMARY KEY, email_list_id INTEGER NOT NULL
  REFERENCES email_list (id) ON DELETE CASCADE, contact_id INTEGER NOT NULL REFERENCES contact (id) ON DELETE CASCADE);
INSERT INTO company VALUES (1, 'Acme Ltd', 'acme ltd', 'prospect', '', '', '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO contact VALUES (1, 1, 'Ann', 'Ames', 'Buyer', 'ann@acme.co.uk', 'ann@acme.co.uk', '', 0, 'subscribed',
  '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO contact VALUES (2, 1, 'Office', '', '', 'office@acme.co.uk', 'office@acme.co.uk', '', 0, 'unknown',
  '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO email_list VALUES (1, 'Old Friends', 'old friends', '', '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO membership VALUES (1, 1, 1);
"""


def test_version_1_database_opens_without_loss(tmp_path):
    path = tmp_path / "ctctdesk.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(VERSION_1)
    database = db.open_database(f"sqlite:///{path}")
    try:
        assert current_version(database, "crm") == CRM_SCHEMA.latest_version >= 2
        ann = Contact.get_by_id(1)
        assert (ann.first_name, ann.job_title, ann.email_status, ann.company.name) == (
            "Ann",
            "Buyer",
            "subscribed",
            "Acme Ltd",
        )
        assert ann.ineligible_reason is None
        assert Contact.get_by_id(2).ineligible_reason == "role_address"  # filled by the migration
        assert [(s.name, s.member_count) for s in lists.list_summaries()] == [("Old Friends", 1)]
        # tables missing from the old file exist now and work
        lists.create_list("New One")
        assert "tag" in database.get_tables() and "setting" in database.get_tables()
    finally:
        db.close_database()
    # opening again runs nothing and still has everything
    database = db.open_database(f"sqlite:///{path}")
    try:
        assert sorted(s.name for s in lists.list_summaries()) == ["New One", "Old Friends"]
    finally:
        db.close_database()


def test_other_components_get_their_own_version(tmp_path):
    ran = []

    def create_journal(database):
        database.execute_sql("CREATE TABLE IF NOT EXISTS test_journal (id INTEGER PRIMARY KEY, note TEXT)")
        ran.append(1)

    def add_column(database):
        database.execute_sql("ALTER TABLE test_journal ADD COLUMN at TEXT")
        ran.append(2)

    url = db.database_url_for(tmp_path)
    database = db.open_database(url, [Component("test-component", (create_journal,))])
    database.execute_sql("INSERT INTO test_journal (note) VALUES ('kept')")
    db.close_database()
    database = db.open_database(url, [Component("test-component", (create_journal, add_column))])
    assert ran == [1, 2]
    assert database.execute_sql("SELECT note, at FROM test_journal").fetchall() == [("kept", None)]
    assert current_version(database, "crm") == CRM_SCHEMA.latest_version
    assert current_version(database, "test-component") == 2
    db.close_database()


def test_database_from_a_newer_app_is_refused(tmp_path):
    url = db.database_url_for(tmp_path)
    database = db.open_database(url)
    database.execute_sql("UPDATE schema_version SET version = 99 WHERE component = 'crm'")
    db.close_database()
    with pytest.raises(CrmError, match="newer version of ctctdesk"):
        db.open_database(url)
    db.close_database()


def test_database_urls(tmp_path):
    from ctctdesk.crm.errors import DatabaseOpenError

    assert db.database_url_for(tmp_path).startswith("sqlite:///")
    with pytest.raises(DatabaseOpenError, match="Unsupported database URL"):
        db.open_database("mysql://x/y")
    assert db.describe_url("postgresql://me:secret@host/crm") == "postgresql://me:***@host/crm"
    database = db.open_database("sqlite:///:memory:")
    assert "contact" in database.get_tables()
    db.close_database()


def test_wal_and_foreign_keys(tmp_path):
    database = db.open_database(db.database_url_for(tmp_path))
    try:
        assert database.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        db.close_database()
