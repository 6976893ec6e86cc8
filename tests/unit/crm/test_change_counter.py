"""The CRM's change counter moves with every kind of write the sync reads (it proves "nothing changed")."""

from __future__ import annotations

import pytest

from ctctdesk.crm import changes, contacts, lists, rules
from ctctdesk.crm.editing import companies as company_editing
from ctctdesk.crm.editing import contacts as contact_editing
from ctctdesk.crm.models import Contact, Membership
from tests.support.crm_fixtures import add_company, add_contact


def moved(write) -> bool:
    before = changes.change_count()
    write()
    return changes.change_count() > before


def test_every_kind_of_write_moves_the_counter(crm):
    firm = add_company("Firm", tags=("Trade",))
    ann = add_contact(firm, "Ann", "Ames", "ann@firm.example")
    news = lists.create_list("News")
    assert moved(lambda: contacts.update_contact(ann, job_title="Buyer"))
    assert moved(lambda: contacts.set_custom_fields(ann, {"Region": "North"}))
    assert moved(lambda: lists.add_members(news.id, [ann]))
    assert moved(lambda: lists.set_member(news.id, ann, False))
    assert moved(lambda: contacts.set_do_not_contact([ann], True))
    assert moved(lambda: contacts.set_email_status([ann], "bounced"))
    assert moved(lambda: lists.rename_list(news.id, "Newsletter"))
    assert moved(lambda: contacts.add_company_tags(firm, ["VIP"]))
    assert moved(lambda: rules.save_role_prefixes(["info", "sales", "office"]))
    assert moved(lambda: Contact.update(last_name="Bulk").execute())  # SQL straight past the CRM's functions
    assert moved(lambda: contact_editing.delete_contacts([ann]))
    assert moved(lambda: lists.delete_list(news.id))
    assert moved(lambda: company_editing.delete_companies([firm]))


def test_reading_does_not_move_it(crm):
    firm = add_company("Firm")
    ann = add_contact(firm, "Ann", "Ames", "ann@firm.example")
    before = changes.change_count()
    contacts.custom_fields(ann)
    lists.list_summaries()
    rules.load_role_prefixes()
    list(Membership.select())
    assert changes.change_count() == before


def test_a_rolled_back_write_leaves_it_as_it_was(crm):
    firm = add_company("Firm")
    before = changes.change_count()
    with pytest.raises(RuntimeError), crm.atomic():
        add_contact(firm, "Ann", "Ames", "ann@firm.example")
        raise RuntimeError("undo")
    assert changes.change_count() == before
