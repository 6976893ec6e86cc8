# ruff: noqa: F811 - pytest fixtures are imported by name
"""R11 field mapping against the sandbox: company type and marketing tags as Constant Contact tags, both
ways; a field turned off; the limits named in the preview; a renamed CRM tag."""

from __future__ import annotations

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.editing import tags as crm_tags
from ctctdesk.crm.models import Company, Contact
from ctctdesk.sync.mapping import FieldMapping, Target
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401


def sync(env: SyncEnv, direction: str):
    summary = env.service.run(env.service.preview(direction), force=True)
    assert summary.ok, summary
    return summary


def cc_tags(env: SyncEnv) -> dict[str, set[str]]:
    """email → tag names of every Constant Contact contact."""
    client = env.connection.client()
    names = {t.tag_id: t.name for t in client.iter_tags()}
    contacts_ = env.api.all_contacts(status="all", include="taggings")
    return {c["email_address"]["address"]: {names[t] for t in c.get("taggings", [])} for c in contacts_}


def two_contacts_pushed(env: SyncEnv) -> tuple[int, int]:
    acme = add_company("Acme", "customer", ("Gold", "Events"))
    beta = add_company("Beta", "prospect")
    ids = (add_contact(acme, "Ann", "A", "ann@acme.example"), add_contact(beta, "Bob", "B", "bob@beta.example"))
    lists.add_members(lists.create_list("News").id, ids)
    sync(env, "to_cc")
    return ids


def test_default_mapping_sends_no_tags_and_turning_tags_on_shows_them_before_sending(sync_env):
    env = sync_env
    two_contacts_pushed(env)
    assert cc_tags(env) == {"ann@acme.example": set(), "bob@beta.example": set()}
    env.service.mapping = lambda: FieldMapping(tags=True)
    preview = env.service.preview("to_cc")
    text = "\n".join(preview.lines)
    assert "tag “Gold” added" in text and "tag “Prospect” added" in text
    assert cc_tags(env)["ann@acme.example"] == set()  # nothing sent by a preview
    env.service.run(preview, force=True)
    assert cc_tags(env) == {"ann@acme.example": {"Customer", "Events", "Gold"}, "bob@beta.example": {"Prospect"}}
    assert env.service.preview("to_cc").plan.changes == ()
    assert not [op for op in env.service.preview("from_cc").plan.changes if type(op).__name__ == "UpdateContact"]


def test_new_contacts_go_with_their_tags_and_a_removed_crm_tag_is_taken_off(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    two_contacts_pushed(env)
    assert cc_tags(env)["ann@acme.example"] == {"Customer", "Events", "Gold"}
    acme = Company.get(Company.name == "Acme").id
    gold = next(t.id for t in crm_tags.tag_summaries() if t.name == "Gold")
    crm_tags.remove_tag(gold, [acme])
    text = "\n".join(env.service.preview("to_cc").lines)
    assert "tag “Gold” removed" in text
    sync(env, "to_cc")
    assert cc_tags(env)["ann@acme.example"] == {"Customer", "Events"}


def test_renamed_crm_tag_follows_in_constant_contact(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    two_contacts_pushed(env)
    gold = next(t.id for t in crm_tags.tag_summaries() if t.name == "Gold")
    crm_tags.rename_tag(gold, "Platinum")
    sync(env, "to_cc")
    assert cc_tags(env)["ann@acme.example"] == {"Customer", "Events", "Platinum"}


def test_a_tag_made_in_constant_contact_reaches_the_company_on_pull(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    two_contacts_pushed(env)
    client = env.connection.client()
    vip = client.create_tag("VIP")
    bob_id = env.cc_contacts()["bob@beta.example"]["contact_id"]
    for activity in client.add_tags([bob_id], [vip.tag_id]):
        client.wait(activity)
    preview = env.service.preview("from_cc")
    assert "tag “VIP” added" in "\n".join(preview.lines)
    env.service.run(preview, force=True)
    beta = Company.get(Company.name == "Beta")
    assert [t.tag.name for t in beta.company_tags] == ["VIP"]
    assert env.service.preview("to_cc").plan.changes == ()


def test_tags_beyond_fifty_per_contact_are_named_in_the_preview_not_dropped_silently(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    many = tuple(f"Tag {i:02}" for i in range(55))
    company = add_company("Busy", "customer", many)
    cid = add_contact(company, "Cy", "C", "cy@busy.example")
    lists.add_members(lists.create_list("News").id, [cid])
    preview = env.service.preview("to_cc")
    assert any("6 tags not sent, at most 50 per contact" in line for line in preview.lines), preview.lines
    env.service.run(preview, force=True)
    assert len(cc_tags(env)["cy@busy.example"]) == 50


def test_a_custom_field_turned_off_is_not_sent_and_not_blanked(sync_env):
    env = sync_env
    acme = add_company("Acme")
    cid = add_contact(acme, "Ann", "A", "ann@acme.example")
    contacts.set_custom_fields(cid, {"Region": "North", "Notes": "private"})
    env.service.mapping = lambda: FieldMapping().with_field("Notes", Target.OFF)
    lists.add_members(lists.create_list("News").id, [cid])
    sync(env, "to_cc")
    fields = env.cc_contacts()["ann@acme.example"].get("custom_fields", [])
    assert len(fields) == 1 and fields[0]["value"] == "North"
    contacts.set_custom_fields(cid, {"Notes": "changed"})
    assert env.service.preview("to_cc").plan.changes == ()
    env.service.mapping = FieldMapping  # back on: the next preview shows what it sends
    assert "Notes" in "\n".join(env.service.preview("to_cc").lines)
    assert Contact.get_by_id(cid).email == "ann@acme.example"


def test_a_tag_on_a_contact_without_a_company_stays_in_constant_contact(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    news = env.api.new_list("News")
    env.api.import_contacts([{"email": "solo@example.com", "first_name": "Solo"}], [news])
    client = env.connection.client()
    vip = client.create_tag("VIP")
    solo_id = env.cc_contacts()["solo@example.com"]["contact_id"]
    for activity in client.add_tags([solo_id], [vip.tag_id]):
        client.wait(activity)
    sync(env, "from_cc")
    assert Contact.get(Contact.email == "solo@example.com").company.company_tags.count() == 0
    assert not [op for op in env.service.preview("to_cc").plan.changes if type(op).__name__ == "UpdateContact"]
    sync(env, "to_cc")
    assert cc_tags(env)["solo@example.com"] == {"VIP"}
