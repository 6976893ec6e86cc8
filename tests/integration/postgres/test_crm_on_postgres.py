"""The CRM on a shared PostgreSQL database (D5): opening by URL, migrations, ids, demo data, the baseline."""

from collections import Counter

import peewee
import pytest

import ctctdesk.sync.store as store
from ctctdesk.crm import contacts, db, demo_data, lists
from ctctdesk.crm.contacts import ContactFilter
from ctctdesk.crm.errors import CrmError, DatabaseOpenError
from ctctdesk.crm.models import Company, Contact, Membership
from ctctdesk.crm.schema import CRM_SCHEMA
from ctctdesk.storage.migrations import current_version
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.local_reader import read_local
from ctctdesk.sync.operations import ContactRef, CreateContact, CreateList, ListRef, Side
from ctctdesk.sync.snapshot import Baseline, FieldValues
from tests.unit.crm.test_ids_never_reused import (  # noqa: F401 - collected here again, on PostgreSQL
    test_new_contact_never_takes_the_id_of_a_deleted_one,
    test_new_list_never_takes_the_id_of_a_deleted_one,
)


def test_open_by_url_migrates_once_and_reopens(postgres_url):
    database = db.open_database(postgres_url, [store.SYNC_SCHEMA])  # opened for the sync, too
    try:
        assert isinstance(database, peewee.PostgresqlDatabase)
        for component in (CRM_SCHEMA, store.SYNC_SCHEMA):
            assert current_version(database, component.name) == component.latest_version
        assert {"contact", "email_list", "membership", "sync_base_contact", "sync_journal"} <= set(
            database.get_tables()
        )
        lists.create_list("Newsletter")
    finally:
        db.close_database()
    database = db.open_database(postgres_url)  # a second desk opening the same database
    try:
        assert [s.name for s in lists.list_summaries()] == ["Newsletter"]
    finally:
        db.close_database()


def test_unique_names_and_emails_are_case_insensitive(pg_crm):
    acme = contacts.find_or_create_company("Acme Ltd")
    assert contacts.find_or_create_company("ACME  ltd").id == acme.id
    contacts.create_contact(acme.id, first_name="Ann", email="Ann@Acme.example")
    assert contacts.find_contact_by_email("ann@acme.EXAMPLE").first_name == "Ann"


def test_demo_data_on_postgres(pg_crm):
    summary = demo_data.generate(contacts=200, seed=3)
    assert summary.contacts == Contact.select().count() == 200
    assert summary.companies == Company.select().count()
    assert summary.memberships == Membership.select().count() > 0
    reasons = Counter(c.ineligible_reason for c in Contact.select())
    assert reasons[None] > 100 and len(reasons) > 2
    page = contacts.FilteredContacts(ContactFilter(), None).page(0, 50)
    assert len(page) == 50


def test_baseline_round_trip_on_postgres(pg_crm):
    """The sync store's bulk SQL (executemany, chunked IN, ON CONFLICT DO NOTHING) on the real server."""
    store.ensure_tables(pg_crm)
    writer = store.BaselineWriter(store.load_baseline())
    builder = BaselineBuilder(Baseline.empty("acct-1"))
    builder.apply(CreateList(1, Side.CC, ListRef(10, None, "News")), "L1")
    for i in range(1200):
        fields = FieldValues(f"p{i}@x.example", f"P{i}", custom=(("Region", "North"),))
        ref = ContactRef(100 + i, None, fields.email)
        builder.apply(CreateContact(2 + i, Side.CC, ref, fields, (ListRef(10, "L1", "News"),)), f"C{i}")
    with pg_crm.atomic():
        writer.save(builder, range(100, 1300), [10])
    loaded = store.load_baseline()
    assert loaded == builder.build()
    assert loaded.contacts[105].fields.custom == (("Region", "North"),)
    writer.replace_account("acct-2")
    assert store.load_baseline().is_empty


def test_local_reader_sees_the_crm(pg_crm):
    firm = contacts.find_or_create_company("Firm")
    ann = contacts.create_contact(firm.id, first_name="Ann", email="ann@firm.example")
    contacts.set_custom_fields(ann.id, {"Region": "North"})
    news = lists.create_list("News")
    lists.add_members(news.id, [ann.id])
    snapshot = read_local()
    assert snapshot.contacts[ann.id].custom_fields == (("Region", "North"),)
    assert snapshot.lists[news.id].member_ids == frozenset({ann.id})


def test_a_dropped_connection_is_replaced(pg_crm, postgres_server):
    """The office server restarted (or dropped an idle connection): at most one action fails with a
    clear message, then the desk works again without being restarted."""
    lists.create_list("Before")
    postgres_server.terminate_connections(pg_crm.database)
    try:
        lists.create_list("After")
    except CrmError as error:  # the statement that met the dead connection
        assert "try again" in str(error)
        lists.create_list("After")
    assert sorted(s.name for s in lists.list_summaries()) == ["After", "Before"]


def test_unreachable_server_is_a_clear_error_without_the_password(postgres_server):
    url = postgres_server.url("no_such_database").replace("ctctdesk@", "ctctdesk:s3cret-pw@")
    with pytest.raises(DatabaseOpenError) as raised:
        db.open_database(url)
    message = str(raised.value)
    assert "Cannot open the database" in message and "no_such_database" in message
    assert "s3cret-pw" not in message
