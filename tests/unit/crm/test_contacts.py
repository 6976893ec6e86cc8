"""Contact queries behind the lists tab (filters L3 combine) and the contact services."""

import pytest

from ctctdesk.crm import contacts
from ctctdesk.crm.contacts import ContactFilter
from ctctdesk.crm.errors import DuplicateNameError
from ctctdesk.crm.models import Tag
from ctctdesk.crm.rules import Ineligibility


def names(contact_filter):
    return [row.name for row in contacts.rows(contacts.matching_ids(contact_filter), None)]


def test_all_contacts_sorted_by_last_name(office):
    assert names(ContactFilter()) == [
        "Alice Archer",
        "Bob Baker",
        "Carol Chen",
        "Front Desk",
        "Ivy Invalid",
        "Dora Noakes",
        "Ned Nomail",
        "Uma Unwin",
    ]


def test_filters_combine(office):
    trade = Tag.get(Tag.name == "Trade").id
    assert names(ContactFilter(company_type="prospect", search="dental")) == [
        "Carol Chen",
        "Ivy Invalid",
        "Ned Nomail",
        "Uma Unwin",
    ]
    assert names(ContactFilter(company_type="customer", search="dental")) == []
    assert names(ContactFilter(tag_id=trade, search="BOLT")) == ["Bob Baker", "Dora Noakes"]
    assert names(ContactFilter(company_type="prospect", tag_id=trade)) == []
    assert names(ContactFilter(search="alice@acme")) == ["Alice Archer"]
    assert names(ContactFilter(search="acme plumbing")) == ["Alice Archer", "Front Desk"]
    assert contacts.count_matching(ContactFilter(company_type="prospect"), eligible_only=True) == 1


def test_search_treats_wildcards_literally(office):
    assert names(ContactFilter(search="%")) == []
    assert names(ContactFilter(search="_")) == []


def test_rows_carry_tags_reason_and_tick(office):
    row = contacts.rows([office["info"]], None)[0]
    assert row.company == "Acme Plumbing" and row.company_type == "customer"
    assert row.tags == ("Newsletter", "Trade")
    assert row.reason is Ineligibility.ROLE_ADDRESS and not row.eligible
    assert [
        r.reason for r in contacts.rows([office["noemail"], office["invalid"], office["unsub"]], None)
    ] == [
        Ineligibility.NO_EMAIL,
        Ineligibility.INVALID_EMAIL,
        Ineligibility.UNSUBSCRIBED,
    ]


def test_companies_match_by_name_ignoring_case_and_spacing(office):
    assert contacts.find_or_create_company("  acme   PLUMBING ").id == office["acme"]


def test_email_is_unique_case_insensitively(office):
    with pytest.raises(DuplicateNameError, match="already has the email"):
        contacts.create_contact(office["acme"], first_name="A", email="ALICE@acme-plumbing.com")
    # many contacts without an email are fine
    contacts.create_contact(office["acme"], first_name="No", last_name="Mail")
    contacts.create_contact(office["acme"], first_name="Also", last_name="None")


def test_update_contact_keeps_reason_right(office):
    contacts.update_contact(office["noemail"], email="ned@cedardental.com")
    assert contacts.rows([office["noemail"]], None)[0].eligible
    contacts.update_contact(office["noemail"], email="info@cedardental.com")
    assert contacts.rows([office["noemail"]], None)[0].reason is Ineligibility.ROLE_ADDRESS


def test_custom_fields(office):
    contacts.set_custom_fields(office["alice"], {"Birthday": "1 May", "Region": "North"})
    contacts.set_custom_fields(office["alice"], {"Region": "South", "Birthday": ""})
    assert contacts.custom_fields(office["alice"]) == {"Region": "South"}


@pytest.mark.parametrize(
    "contact_filter",
    [
        ContactFilter(),
        ContactFilter(company_type="customer"),
        ContactFilter(search="dental"),
        ContactFilter(tag_id=1),
    ],
)
def test_paged_result_matches_the_full_list(office, contact_filter):
    from ctctdesk.crm import lists

    newsletter = lists.create_list("Newsletter")
    lists.add_members(newsletter.id, [office["alice"], office["carol"]])
    expected = contacts.matching_ids(contact_filter)
    found = contacts.FilteredContacts(contact_filter, newsletter.id)
    pages = [found.page(offset, 3) for offset in range(0, found.total + 3, 3)]
    assert [cid for page in pages for cid in page] == expected
    assert found.total == len(expected)
    assert found.eligible == contacts.count_matching(contact_filter, eligible_only=True)
    assert found.members == len({office["alice"], office["carol"]} & set(expected))
    assert found.count_members(newsletter.id) == found.members
