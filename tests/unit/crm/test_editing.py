"""Editing companies, contacts and tags by hand (issue: companies, contacts and marketing tags)."""

import pytest

from ctctdesk.crm import contacts, editing, lists, rules
from ctctdesk.crm.errors import CrmError, DuplicateNameError, InvalidNameError
from ctctdesk.crm.models import Contact


def tag_names_of(company_id: int) -> tuple[str, ...]:
    return contacts.tags_of_companies([company_id]).get(company_id, ())


def test_create_company_with_tags_and_find_it_by_search(crm):
    tag = editing.create_tag("Apparel Sports Wear")
    cid = editing.create_company("  Tina's   Tees ", "prospect", "01 234", "info@tees.example", [tag])
    assert editing.company_ids(editing.CompanyFilter(search="tees")) == [cid]
    (row,) = editing.company_rows([cid])
    assert (row.name, row.type, row.tags, row.contact_count) == (
        "Tina's Tees",
        "prospect",
        ("Apparel Sports Wear",),
        0,
    )
    assert editing.company_ids(editing.CompanyFilter(company_type="customer")) == []
    assert editing.company_ids(editing.CompanyFilter(tag_id=tag)) == [cid]
    assert editing.company_ids(editing.CompanyFilter(exclude_id=cid)) == []


def test_company_names_are_unique_ignoring_case_and_spacing(crm):
    editing.create_company("Acme Ltd")
    with pytest.raises(DuplicateNameError):
        editing.create_company("ACME   ltd")
    with pytest.raises(InvalidNameError):
        editing.create_company("   ")
    with pytest.raises(CrmError):
        editing.create_company("Other", "supplier")


def test_update_company_sets_exactly_the_chosen_tags(office):
    trade = contacts.find_or_create_tag("Trade").id
    health = contacts.find_or_create_tag("Healthcare").id
    editing.update_company(
        office["acme"],
        name="Acme Plumbing & Heating",
        company_type="prospect",
        phone="555",
        address="",
        tag_ids=[trade, health],
    )
    details = editing.company_details(office["acme"])
    assert details.name == "Acme Plumbing & Heating" and details.type == "prospect"
    assert tag_names_of(office["acme"]) == ("Healthcare", "Trade")


def test_deleting_a_company_says_what_goes_and_takes_contacts_and_memberships(office):
    newsletter = lists.create_list("Newsletter").id
    lists.add_members(newsletter, [office["alice"], office["bob"]])
    impact = editing.company_delete_impact([office["acme"]])
    assert (impact.contacts, impact.memberships, impact.lists) == (2, 1, 1)
    assert "2 contacts" in impact.text() and "1 list membership" in impact.text()
    editing.delete_companies([office["acme"]])
    assert not Contact.select().where(Contact.id == office["alice"]).exists()
    assert lists.member_ids(newsletter) == {office["bob"]}


def test_changing_the_email_keeps_the_same_contact_record(office):
    cid = editing.save_contact(
        office["alice"],
        office["acme"],
        {"first_name": "Alice", "last_name": "Archer", "email": "a.archer@acme-plumbing.com"},
        [("Birthday", "1 May")],
    )
    assert cid == office["alice"]
    details = editing.contact_details(cid)
    assert details.email == "a.archer@acme-plumbing.com" and details.fields == (("Birthday", "1 May"),)
    editing.save_contact(cid, office["acme"], {"email": "a.archer@acme-plumbing.com"}, [])
    assert editing.contact_details(cid).fields == ()


def test_a_new_contact_with_a_role_address_is_saved_but_cannot_be_in_lists(office):
    cid = editing.save_contact(
        None, office["acme"], {"first_name": "Sam", "email": "sales@acme-plumbing.com"}
    )
    assert editing.contact_details(cid).reason is rules.Ineligibility.ROLE_ADDRESS


def test_deleting_contacts_and_moving_them(office):
    newsletter = lists.create_list("Newsletter").id
    lists.add_members(newsletter, [office["alice"]])
    assert editing.contact_delete_impact([office["alice"]]).memberships == 1
    before = editing.move_contacts([office["bob"]], office["cedar"])
    assert before == {office["bob"]: office["bolt"]}
    assert office["bob"] in [c.id for c in editing.company_contacts(office["cedar"])]
    editing.delete_contacts([office["alice"]])
    assert lists.member_ids(newsletter) == set()


def test_rename_merge_and_delete_tags(office):
    trade = contacts.find_or_create_tag("Trade").id
    newsletter = contacts.find_or_create_tag("Newsletter").id
    with pytest.raises(DuplicateNameError):
        editing.rename_tag(trade, "newsletter")
    assert editing.rename_tag(trade, "Trades") == "Trade"
    assert tag_names_of(office["bolt"]) == ("Trades",)
    # Acme has both: merging gives it once; Bolt gains Newsletter.
    assert editing.merge_tags([trade], newsletter) == 1
    assert [t.name for t in editing.tag_summaries()] == ["Healthcare", "Newsletter"]
    assert tag_names_of(office["acme"]) == ("Newsletter",)
    assert tag_names_of(office["bolt"]) == ("Newsletter",)
    assert editing.tag_company_count(newsletter) == 2
    assert editing.delete_tag(newsletter) == 2
    assert tag_names_of(office["acme"]) == ()


def test_assign_and_remove_a_tag_report_exactly_what_changed(office):
    trade = contacts.find_or_create_tag("Trade").id
    added = editing.assign_tag(trade, [office["acme"], office["bolt"], office["cedar"]])
    assert added == [office["cedar"]]
    removed = editing.remove_tag(trade, added)
    assert removed == [office["cedar"]]
    assert tag_names_of(office["acme"]) == ("Newsletter", "Trade")


def test_role_prefix_impact_counts_before_saving(office):
    newsletter = lists.create_list("Newsletter").id
    lists.add_members(newsletter, [office["alice"], office["bob"]])
    impact = editing.role_prefix_impact([*rules.DEFAULT_ROLE_PREFIXES, "alice"])
    assert (impact.contacts, impact.memberships, impact.freed) == (1, 1, 0)
    freed = editing.role_prefix_impact([p for p in rules.DEFAULT_ROLE_PREFIXES if p != "info"])
    assert freed.freed == 1


def test_memberships_come_back_on_undo_of_do_not_contact(office):
    newsletter = lists.create_list("Newsletter").id
    lists.add_members(newsletter, [office["alice"]])
    pairs = editing.lists_of_contacts([office["alice"]])
    contacts.set_do_not_contact([office["alice"]], True)
    assert lists.member_ids(newsletter) == set()
    contacts.set_do_not_contact([office["alice"]], False)
    editing.restore_memberships(pairs)
    assert lists.member_ids(newsletter) == {office["alice"]}


def test_nothing_chosen_changes_nothing(office):
    assert editing.company_delete_impact([]).text() == "nothing else"
    assert editing.assign_tag(contacts.find_or_create_tag("Trade").id, []) == []
    assert editing.company_rows([]) == []
    assert editing.delete_contacts([]) == 0
