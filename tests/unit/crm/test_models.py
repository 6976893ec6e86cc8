"""What the schema guarantees on its own: normalised keys, uniqueness, cascades."""

import peewee
import pytest

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.models import Company, Contact, ContactField, EmailList, Membership, email_key, name_key


def test_keys_ignore_case_and_spacing():
    assert name_key("  ACME \t Plumbing  Ltd ") == "acme plumbing ltd"
    assert name_key("Straße") == name_key("STRASSE")  # casefold, not lower
    assert email_key(" Ann@Example.COM ") == "ann@example.com"
    assert email_key("  ") is None


def test_database_refuses_duplicates_the_services_would_refuse(office):
    with pytest.raises(peewee.IntegrityError):
        Company.create(name="ACME plumbing", name_key=name_key("ACME plumbing"))
    EmailList.create(name="x", name_key="x")
    with pytest.raises(peewee.IntegrityError):
        EmailList.create(name="X", name_key="x")


def test_deleting_a_company_removes_its_people_their_fields_and_memberships(office):
    newsletter = lists.create_list("Newsletter")
    lists.add_members(newsletter.id, [office["alice"], office["bob"]])
    contacts.set_custom_fields(office["alice"], {"Region": "North"})
    Company.delete().where(Company.id == office["acme"]).execute()
    assert Contact.select().where(Contact.company == office["acme"]).count() == 0
    assert ContactField.select().count() == 0
    assert [m.contact_id for m in Membership.select()] == [office["bob"]]


def test_timestamps_are_set(office):
    alice = Contact.get_by_id(office["alice"])
    assert alice.created_at is not None and alice.updated_at >= alice.created_at
    before = alice.updated_at
    contacts.update_contact(office["alice"], job_title="Owner")
    assert Contact.get_by_id(office["alice"]).updated_at >= before
