"""Contact and list ids are never given out twice (the sync baseline links them to Constant Contact)."""

import sqlite3

import peewee
import pytest

from ctctdesk.crm import contacts, db, lists
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.models import Contact, ContactField, EmailList, Membership, database_proxy
from ctctdesk.crm.schema import CRM_SCHEMA
from ctctdesk.storage.migrations import current_version
from tests.support.crm_fixtures import add_contact

# The CRM schema as version 3 of the app wrote it (plain INTEGER PRIMARY KEY: SQLite reuses the highest
# deleted id), with a sync baseline that still remembers contact 9 and list 4, both deleted before the upgrade.
VERSION_3 = """
CREATE TABLE schema_version (component VARCHAR(64) NOT NULL PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO schema_version VALUES ('crm', 3);
CREATE TABLE "company" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL,
  "name_key" VARCHAR(255) NOT NULL, "type" VARCHAR(16) NOT NULL, "phone" VARCHAR(64) NOT NULL,
  "address" VARCHAR(255) NOT NULL, "created_at" DATETIME NOT NULL, "updated_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "company_name_key" ON "company" ("name_key");
CREATE INDEX "company_type" ON "company" ("type");
CREATE TABLE "tag" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL, "name_key" VARCHAR(255) NOT NULL);
CREATE UNIQUE INDEX "tag_name_key" ON "tag" ("name_key");
CREATE TABLE "company_tag" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "tag_id" INTEGER NOT NULL, FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("tag_id") REFERENCES "tag" ("id") ON DELETE CASCADE);
CREATE TABLE "contact" ("id" INTEGER NOT NULL PRIMARY KEY, "company_id" INTEGER NOT NULL,
  "first_name" VARCHAR(255) NOT NULL, "last_name" VARCHAR(255) NOT NULL, "job_title" VARCHAR(255) NOT NULL,
  "email" VARCHAR(320) NOT NULL, "email_key" VARCHAR(320), "phone" VARCHAR(64) NOT NULL,
  "do_not_contact" INTEGER NOT NULL, "email_status" VARCHAR(16) NOT NULL, "created_at" DATETIME NOT NULL,
  "updated_at" DATETIME NOT NULL,
  FOREIGN KEY ("company_id") REFERENCES "company" ("id") ON DELETE CASCADE);
ALTER TABLE "contact" ADD COLUMN "ineligible_reason" VARCHAR(32);
CREATE INDEX "contact_company_id" ON "contact" ("company_id");
CREATE UNIQUE INDEX "contact_email_key" ON "contact" ("email_key");
CREATE INDEX "contact_ineligible_reason" ON "contact" ("ineligible_reason");
CREATE INDEX "contact_last_name_first_name_company_id_ineligible_reason" ON "contact"
  ("last_name", "first_name", "company_id", "ineligible_reason");
CREATE TABLE "contact_field" ("id" INTEGER NOT NULL PRIMARY KEY, "contact_id" INTEGER NOT NULL,
  "name" VARCHAR(255) NOT NULL, "value" TEXT NOT NULL,
  FOREIGN KEY ("contact_id") REFERENCES "contact" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "contact_field_contact_id_name" ON "contact_field" ("contact_id", "name");
CREATE TABLE "email_list" ("id" INTEGER NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL,
  "name_key" VARCHAR(255) NOT NULL, "description" TEXT NOT NULL, "created_at" DATETIME NOT NULL,
  "updated_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "email_list_name_key" ON "email_list" ("name_key");
CREATE TABLE "membership" ("id" INTEGER NOT NULL PRIMARY KEY, "email_list_id" INTEGER NOT NULL,
  "contact_id" INTEGER NOT NULL,
  FOREIGN KEY ("email_list_id") REFERENCES "email_list" ("id") ON DELETE CASCADE,
  FOREIGN KEY ("contact_id") REFERENCES "contact" ("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "membership_email_list_id_contact_id" ON "membership" ("email_list_id", "contact_id");
CREATE TABLE "setting" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "sync_base_contact" ("local_id" INTEGER NOT NULL PRIMARY KEY, "cc_id" VARCHAR(64) NOT NULL,
  "fields" TEXT NOT NULL);
CREATE TABLE "sync_base_list" ("local_id" INTEGER NOT NULL PRIMARY KEY, "cc_id" VARCHAR(64) NOT NULL,
  "name" VARCHAR(255) NOT NULL);
CREATE TABLE "sync_base_member" ("list_id" INTEGER NOT NULL, "contact_id" INTEGER NOT NULL,
  PRIMARY KEY ("list_id", "contact_id"));
INSERT INTO company VALUES (1, 'Acme Ltd', 'acme ltd', 'customer', '', '', '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO contact VALUES (2, 1, 'Ann', 'Ames', 'Buyer', 'ann@acme.co.uk', 'ann@acme.co.uk', '', 0, 'subscribed',
  '2024-01-01 00:00:00', '2024-01-01 00:00:00', NULL);
INSERT INTO contact VALUES (5, 1, 'Ben', 'Bird', '', 'ben@acme.co.uk', 'ben@acme.co.uk', '', 1, 'unknown',
  '2024-01-01 00:00:00', '2024-01-01 00:00:00', 'do_not_contact');
INSERT INTO contact_field VALUES (1, 2, 'Birthday', '1 May');
INSERT INTO email_list VALUES (3, 'Old Friends', 'old friends', 'since 2020', '2024-01-01 00:00:00', '2024-01-01 00:00:00');
INSERT INTO membership VALUES (7, 3, 2);
INSERT INTO sync_base_contact VALUES (2, 'cc-ann', ''), (9, 'cc-deleted-person', '');
INSERT INTO sync_base_list VALUES (3, 'cc-friends', 'Old Friends'), (4, 'cc-deleted-list', 'Gone');
"""


def test_new_contact_never_takes_the_id_of_a_deleted_one(crm, office):
    company = office["acme"]
    highest = add_contact(company, "Zed", "Last", "zed@acme-plumbing.com")
    Contact.delete_by_id(highest)
    newcomer = add_contact(company, "New", "Person", "new@acme-plumbing.com")
    assert newcomer > highest


def test_new_list_never_takes_the_id_of_a_deleted_one(crm, office):
    lists.create_list("First")
    highest = lists.create_list("Second").id
    lists.delete_list(highest)
    assert lists.create_list("Third").id > highest


def test_version_3_database_upgrades_without_loss(tmp_path):
    path = tmp_path / "ctctdesk.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(VERSION_3)
    database = db.open_database(f"sqlite:///{path}")
    try:
        assert current_version(database, "crm") == CRM_SCHEMA.latest_version >= 4
        assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the rebuild
        ann, ben = Contact.get_by_id(2), Contact.get_by_id(5)
        assert (ann.first_name, ann.job_title, ann.email_status, ann.company.name) == (
            "Ann",
            "Buyer",
            "subscribed",
            "Acme Ltd",
        )
        assert (ben.do_not_contact, ben.ineligible_reason) == (True, "do_not_contact")
        assert contacts.custom_fields(2) == {"Birthday": "1 May"}
        friends = EmailList.get_by_id(3)
        assert (friends.name, friends.description) == ("Old Friends", "since 2020")
        assert lists.member_ids(3) == {2}
        indexes = {
            name
            for (name,) in database.execute_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('contact', 'email_list')"
            )
        }
        assert {
            "contact_email_key",
            "contact_company_id",
            "contact_ineligible_reason",
            "contact_last_name_first_name_company_id_ineligible_reason",
            "email_list_name_key",
        } <= indexes
        # unique indexes and foreign keys still hold: cascades reach memberships and custom fields
        assert contacts.find_contact_by_email("ANN@acme.co.uk").id == 2
        Contact.delete_by_id(2)
        assert Membership.select().count() == 0 and ContactField.select().count() == 0
        # ids the baseline still remembers (deleted before the upgrade) are not given out either
        newcomer = contacts.create_contact(1, first_name="New", email="new@acme.co.uk")
        assert newcomer.id > 9
        assert lists.create_list("Fresh").id > 4
    finally:
        db.close_database()


def test_upgrade_inside_a_transaction_is_refused_without_loss(tmp_path):
    """Foreign keys cannot be switched off inside a transaction; rebuilding then would cascade-delete
    memberships and custom fields, so the upgrade refuses and changes nothing."""
    path = tmp_path / "ctctdesk.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(VERSION_3)
    database = peewee.SqliteDatabase(str(path), pragmas=db.SQLITE_PRAGMAS)
    database_proxy.initialize(database)
    try:
        with pytest.raises(CrmError, match="outside a transaction"), database.atomic():
            db.migrate(database, [CRM_SCHEMA])
        assert current_version(database, "crm") == 3
        assert database.execute_sql("SELECT COUNT(*) FROM membership").fetchone()[0] == 1
        assert database.execute_sql("SELECT COUNT(*) FROM contact_field").fetchone()[0] == 1
    finally:
        database.close()
