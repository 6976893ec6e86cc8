# ruff: noqa: F811 - pytest fixtures are imported by name
"""The same person entered again on one side (R9): one Constant Contact contact, the link carried over."""

from __future__ import annotations

from ctctdesk.crm import contacts as crm_contacts
from ctctdesk.crm import lists
from ctctdesk.crm.models import Contact
from ctctdesk.sync.operations import OpKind
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401


def run(env: SyncEnv, direction: str):
    return env.service.run(env.service.preview(direction), force=True)


def test_a_contact_deleted_and_entered_again_in_the_crm_stays_one_constant_contact_contact(sync_env):
    env = sync_env
    company = add_company("Firm")
    first = add_contact(company, "Pat", "Old", "pat@firm.example")
    add_contact(company, "Sam", "Other", "sam@firm.example")  # so that the new record gets a new id
    news = lists.create_list("News")
    lists.add_members(news.id, [first])
    assert run(env, "to_cc").ok
    cc_id = env.cc_contacts()["pat@firm.example"]["contact_id"]

    Contact.get_by_id(first).delete_instance(recursive=True)
    again = add_contact(company, "Pat", "New", "pat@firm.example")
    lists.add_members(news.id, [again])
    preview = env.service.preview("to_cc")
    assert OpKind.RELINK_CONTACT in {op.kind for op in preview.plan.operations}
    assert env.service.run(preview, force=True).ok

    contact = env.cc_contacts()["pat@firm.example"]
    assert contact["contact_id"] == cc_id and contact["last_name"] == "New"
    assert env.cc_lists()["News"] in contact["list_memberships"]
    assert env.service.preview("to_cc").plan.is_empty
    pull = env.service.preview("from_cc").plan
    assert not [op for op in pull.changes if getattr(op, "contact", None)]  # nothing to bring back


def test_an_address_passed_on_to_a_contact_deleted_from_the_crm_arrives_in_one_pull(sync_env):
    """Kim is deleted from the CRM; in Constant Contact Pat moves to a new address and Kim's contact
    takes Pat's old one. One pull: Pat's CRM record gets the new address and Kim comes back with the
    old one as a record of its own (Pat's record is not reused for Kim)."""
    env = sync_env
    company = add_company("Firm")
    pat = add_contact(company, "Pat", "Old", "pat@firm.example")
    kim = add_contact(company, "Kim", "Lee", "kim@firm.example")
    news = lists.create_list("News")
    lists.add_members(news.id, [pat, kim])
    assert run(env, "to_cc").ok
    kim_cc = env.cc_contacts()["kim@firm.example"]["contact_id"]
    Contact.get_by_id(kim).delete_instance(recursive=True)
    env.control("owner/update_contact", {"email": "pat@firm.example", "new_email": "pat.new@firm.example"})
    env.control("owner/update_contact", {"email": "kim@firm.example", "new_email": "pat@firm.example"})

    summary = run(env, "from_cc")

    assert summary.ok, summary
    assert Contact.get_by_id(pat).email == "pat.new@firm.example"
    back = Contact.get(Contact.email == "pat@firm.example")
    assert back.id != pat and (back.first_name, back.last_name) == ("Kim", "Lee")
    assert env.cc_contacts()["pat@firm.example"]["contact_id"] == kim_cc
    assert env.service.preview("from_cc").plan.is_empty


def test_an_address_passed_on_in_the_crm_reaches_constant_contact_in_one_push(sync_env):
    """Pat moves to a new address in the CRM and a new contact takes Pat's old one: one push gives
    Pat's Constant Contact contact the new address and adds the newcomer as a contact of its own."""
    env = sync_env
    company = add_company("Firm")
    pat = add_contact(company, "Pat", "Old", "pat@firm.example")
    news = lists.create_list("News")
    lists.add_members(news.id, [pat])
    assert run(env, "to_cc").ok
    pat_cc = env.cc_contacts()["pat@firm.example"]["contact_id"]
    crm_contacts.update_contact(pat, email="pat.new@firm.example")
    newcomer = add_contact(company, "Kim", "Lee", "pat@firm.example")
    lists.add_members(news.id, [newcomer])

    summary = run(env, "to_cc")

    assert summary.ok, summary
    cc = env.cc_contacts()
    assert cc["pat.new@firm.example"]["contact_id"] == pat_cc
    assert cc["pat@firm.example"]["contact_id"] != pat_cc
    assert (cc["pat@firm.example"]["first_name"], cc["pat@firm.example"]["last_name"]) == ("Kim", "Lee")
    assert env.service.preview("to_cc").plan.is_empty
