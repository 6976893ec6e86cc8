# ruff: noqa: F811 - pytest fixtures are imported by name
"""The same person entered again on one side (R9): one Constant Contact contact, the link carried over."""

from __future__ import annotations

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
