"""Email list services (L1, L4–L6) as the lists tab and the command line use them."""

import pytest

from ctctdesk.crm import contacts, lists, rules
from ctctdesk.crm.contacts import ContactFilter
from ctctdesk.crm.errors import CrmError, DuplicateNameError, InvalidNameError, NotEligibleError


def test_create_rename_delete(office):
    created = lists.create_list("  Spring   Offers ")
    assert created.name == "Spring Offers"
    lists.rename_list(created.id, "Summer Offers")
    assert [s.name for s in lists.list_summaries()] == ["Summer Offers"]
    lists.add_members(created.id, [office["alice"]])
    lists.delete_list(created.id)
    assert lists.list_summaries() == []
    assert contacts.find_contact_by_email("alice@acme-plumbing.com") is not None


@pytest.mark.parametrize("name", ["", "   "])
def test_empty_name_refused(crm, name):
    with pytest.raises(InvalidNameError, match="name"):
        lists.create_list(name)


def test_duplicate_name_refused_case_insensitively(crm):
    lists.create_list("Newsletter")
    with pytest.raises(DuplicateNameError, match="already exists"):
        lists.create_list("NEWSLETTER ")
    other = lists.create_list("Events")
    with pytest.raises(DuplicateNameError):
        lists.rename_list(other.id, "newsletter")
    lists.rename_list(other.id, "EVENTS")  # renaming to itself with other case is fine
    assert sorted(s.name for s in lists.list_summaries()) == ["EVENTS", "Newsletter"]


def test_counts_and_bulk_membership(office):
    newsletter = lists.create_list("Newsletter")
    lists.create_list("Empty")
    added = lists.add_members(newsletter.id, [office["alice"], office["bob"], office["dnc"], office["info"]])
    assert added == 2  # DNC and role address are skipped
    assert {s.name: s.member_count for s in lists.list_summaries()} == {"Empty": 0, "Newsletter": 2}
    assert lists.remove_members(newsletter.id, [office["bob"]]) == 1
    assert lists.member_ids(newsletter.id) == {office["alice"]}


def test_ticking_an_ineligible_contact_is_refused_with_reason(office):
    newsletter = lists.create_list("Newsletter")
    with pytest.raises(NotEligibleError, match="Do Not Contact"):
        lists.set_member(newsletter.id, office["dnc"], True)
    lists.set_member(newsletter.id, office["carol"], True)
    lists.set_member(newsletter.id, office["carol"], True)  # twice is harmless
    assert lists.member_count(newsletter.id) == 1
    lists.set_member(newsletter.id, office["carol"], False)
    assert lists.member_count(newsletter.id) == 0


def test_select_all_for_a_filter_ticks_only_visible_eligible(office):
    newsletter = lists.create_list("Newsletter")
    prospects = ContactFilter(company_type="prospect")
    assert lists.set_membership_for_filter(newsletter.id, prospects, True) == 1  # only Carol may
    assert lists.member_ids(newsletter.id) == {office["carol"]}
    everyone = ContactFilter()
    assert lists.set_membership_for_filter(newsletter.id, everyone, True) == 3
    assert lists.count_members_matching(newsletter.id, ContactFilter(company_type="customer")) == 2
    assert lists.set_membership_for_filter(newsletter.id, prospects, False) == 2
    assert lists.member_ids(newsletter.id) == {office["alice"], office["bob"]}


def test_do_not_contact_and_unsubscribe_remove_memberships(office):
    newsletter = lists.create_list("Newsletter")
    lists.add_members(newsletter.id, [office["alice"], office["bob"], office["carol"]])
    contacts.set_do_not_contact([office["alice"]], True)
    contacts.set_email_status([office["bob"]], "unsubscribed")
    assert lists.member_ids(newsletter.id) == {office["carol"]}
    contacts.set_do_not_contact([office["alice"]], False)
    lists.set_member(newsletter.id, office["alice"], True)  # eligible again (R2)


def test_remove_ineligible_members_cleans_up_direct_writes(office):
    from ctctdesk.crm.models import Contact

    newsletter = lists.create_list("Newsletter")
    lists.add_members(newsletter.id, [office["alice"], office["bob"]])
    Contact.update(do_not_contact=True).where(Contact.id == office["bob"]).execute()
    rules.refresh_ineligibility([office["bob"]])
    assert rules.remove_ineligible_members() == 1
    assert lists.member_ids(newsletter.id) == {office["alice"]}


def test_unknown_list_is_a_crm_error(crm):
    with pytest.raises(CrmError, match="no longer exists"):
        lists.rename_list(999, "x")


def test_locked_database_is_a_clear_crm_error(office, tmp_path):
    import sqlite3

    from ctctdesk.crm.errors import DatabaseUnavailableError
    from ctctdesk.crm.models import database_proxy

    newsletter = lists.create_list("Newsletter")
    database_proxy.obj.execute_sql("PRAGMA busy_timeout = 50")
    other_desk = sqlite3.connect(database_proxy.obj.database)
    other_desk.execute("BEGIN IMMEDIATE")  # another desk holds the write lock
    try:
        with pytest.raises(DatabaseUnavailableError, match="(?i)nothing was changed"):
            lists.set_member(newsletter.id, office["alice"], True)
    finally:
        other_desk.rollback()
        other_desk.close()
    lists.set_member(newsletter.id, office["alice"], True)
    assert lists.member_count(newsletter.id) == 1
