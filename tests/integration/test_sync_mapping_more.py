# ruff: noqa: F811 - pytest fixtures are imported by name
"""R11 against the sandbox, the rest of the mapping: the company address as the street address and the
phone as a custom field (both ways), a chosen Constant Contact field and type, shortened labels mapped back
on pull, CRM tags renamed, merged or deleted in place, and tagging that fails after an import."""

from __future__ import annotations

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.editing import tags as crm_tags
from ctctdesk.crm.models import Company, Contact, ContactField
from ctctdesk.sync.mapping import FieldMapping, Target
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401


def sync(env: SyncEnv, direction: str):
    summary = env.service.run(env.service.preview(direction), force=True)
    assert summary.ok, summary
    return summary


def updates(env: SyncEnv, direction: str) -> list:
    return [op for op in env.service.preview(direction).plan.changes if type(op).__name__ == "UpdateContact"]


def cc_contact(env: SyncEnv, email: str) -> dict:
    return env.api.contact_by_email(email, include="custom_fields,phone_numbers,street_addresses,taggings")


def cc_fields(env: SyncEnv, email: str) -> dict[str, str]:
    """label → value of one Constant Contact contact's custom fields."""
    labels = {f["custom_field_id"]: f["label"] for f in
              env.api.get("/v3/contact_custom_fields", params={"limit": 100}).json()["custom_fields"]}
    return {labels[item["custom_field_id"]]: item["value"] for item in cc_contact(env, email)["custom_fields"]}


def cc_tags(env: SyncEnv) -> dict[str, dict[str, set[str]]]:
    """tag name → {tag id, emails carrying it} of every tag in the account."""
    client = env.connection.client()
    tags = {t.tag_id: t.name for t in client.iter_tags()}
    out = {name: {"id": {tag_id}, "emails": set()} for tag_id, name in tags.items()}
    for c in env.api.all_contacts(status="all", include="taggings"):
        for tag_id in c.get("taggings", []):
            out[tags[tag_id]]["emails"].add(c["email_address"]["address"])
    return out


def one_contact(name: str = "Acme", address: str = "") -> int:
    company = add_company(name, "customer", ("Gold",))
    if address:
        Company.update(address=address).where(Company.id == company).execute()
    cid = add_contact(company, "Ann", "A", "ann@acme.example", phone="555-0100")
    lists.add_members(lists.create_list("News").id, [cid])
    return cid


def test_the_company_address_goes_as_the_street_address_and_comes_back(sync_env):
    env = sync_env
    cid = one_contact(address="1 Harbour Road, Leith")
    sync(env, "to_cc")
    assert not cc_contact(env, "ann@acme.example").get("street_addresses")  # off by default, as before
    env.service.mapping = lambda: FieldMapping().with_field("address", Target.STANDARD)
    preview = env.service.preview("to_cc")
    assert 'company address → "1 Harbour Road, Leith"' in "\n".join(preview.lines)
    env.service.run(preview, force=True)
    [address] = cc_contact(env, "ann@acme.example")["street_addresses"]
    assert (address["kind"], address["street"]) == ("work", "1 Harbour Road, Leith")
    assert env.service.preview("to_cc").plan.changes == ()
    # edited in Constant Contact, with its parts: the pull brings it back as one line
    contact_id = env.cc_contacts()["ann@acme.example"]["contact_id"]
    full = cc_contact(env, "ann@acme.example")
    body = {"email_address": {"address": "ann@acme.example"}, "update_source": "Account",
            "first_name": "Ann", "last_name": "A", "company_name": "Acme",
            "custom_fields": full.get("custom_fields", []),
            "list_memberships": env.api.contact_by_email("ann@acme.example")["list_memberships"],
            "street_addresses": [{"kind": "work", "street": "9 Quay Street", "city": "Edinburgh",
                                  "postal_code": "EH6 6AA", "country": "UK"}]}
    assert env.api.put(f"/v3/contacts/{contact_id}", body).ok
    preview = env.service.preview("from_cc")
    assert "company address" in "\n".join(preview.lines)
    env.service.run(preview, force=True)
    assert Contact.get_by_id(cid).company.address == "9 Quay Street, Edinburgh, EH6 6AA, UK"
    assert env.service.preview("to_cc").plan.changes == ()
    # changed in the CRM: the whole work address is replaced, not mixed with the old parts
    Company.update(address="2 New Street").where(Company.id == Contact.get_by_id(cid).company).execute()
    sync(env, "to_cc")
    [address] = cc_contact(env, "ann@acme.example")["street_addresses"]
    assert address["street"] == "2 New Street" and not address.get("city")


def test_the_phone_as_a_custom_field_goes_and_comes_back_into_the_phone(sync_env):
    env = sync_env
    cid = one_contact()
    env.service.mapping = lambda: FieldMapping().with_field("phone", Target.CUSTOM, label="Office phone")
    sync(env, "to_cc")
    contact = cc_contact(env, "ann@acme.example")
    assert not contact.get("phone_numbers")
    assert cc_fields(env, "ann@acme.example") == {"Office phone": "555-0100"}
    client = env.connection.client()
    field_id = next(f.custom_field_id for f in client.iter_custom_fields() if f.label == "Office phone")
    client.update_contact(contact["contact_id"], {
        "email_address": {"address": "ann@acme.example"}, "update_source": "Account", "first_name": "Ann",
        "last_name": "A", "custom_fields": [{"custom_field_id": field_id, "value": "555-0199"}],
        "list_memberships": env.api.contact_by_email("ann@acme.example")["list_memberships"]})
    sync(env, "from_cc")
    assert Contact.get_by_id(cid).phone == "555-0199"
    assert not ContactField.select().where(ContactField.name == "Office phone").exists()  # no new CRM field


def test_a_chosen_constant_contact_field_is_used_and_a_missing_one_is_made_with_its_type(sync_env):
    env = sync_env
    cid = one_contact()
    contacts.set_custom_fields(cid, {"Region": "North", "Member since": "2020-05-01"})
    client = env.connection.client()
    client.create_custom_field("Sales area")  # made in Constant Contact by someone, before
    env.service.mapping = lambda: (FieldMapping().with_field("Region", "custom", label="Sales area")
                                   .with_field("Member since", "custom", field_type="date"))
    sync(env, "to_cc")
    fields = {f.label: f.type for f in client.iter_custom_fields()}
    assert fields == {"Sales area": "string", "Member since": "date"}  # no "Region" made
    assert cc_fields(env, "ann@acme.example") == {"Sales area": "North", "Member since": "2020-05-01"}
    assert env.service.preview("to_cc").plan.changes == ()
    assert not updates(env, "from_cc")


def test_a_shortened_label_is_mapped_back_to_its_crm_field_on_pull(sync_env):
    env = sync_env
    cid = one_contact()
    long_name = "How the customer first heard about us, in their own words"  # 58 characters
    contacts.set_custom_fields(cid, {long_name: "A friend"})
    preview = env.service.preview("to_cc")
    assert any("is sent as" in line for line in preview.lines)
    env.service.run(preview, force=True)
    [(label, value)] = cc_fields(env, "ann@acme.example").items()
    assert len(label) <= 50 and value == "A friend"
    client = env.connection.client()
    field_id = next(f.custom_field_id for f in client.iter_custom_fields() if f.label == label)
    contact_id = cc_contact(env, "ann@acme.example")["contact_id"]
    client.update_contact(contact_id, {
        "email_address": {"address": "ann@acme.example"}, "update_source": "Account", "first_name": "Ann",
        "last_name": "A", "custom_fields": [{"custom_field_id": field_id, "value": "A newspaper"}],
        "list_memberships": env.api.contact_by_email("ann@acme.example")["list_memberships"]})
    sync(env, "from_cc")
    rows = {f.name: f.value for f in ContactField.select().where(ContactField.contact == cid)}
    assert rows == {long_name: "A newspaper"}  # the same CRM field, no new one under the short label
    assert env.service.preview("to_cc").plan.changes == ()


def test_a_renamed_crm_tag_is_renamed_in_place_in_constant_contact(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    one_contact()
    sync(env, "to_cc")
    before = cc_tags(env)["Gold"]
    gold = next(t.id for t in crm_tags.tag_summaries() if t.name == "Gold")
    crm_tags.rename_tag(gold, "Platinum")
    preview = env.service.preview("to_cc")
    assert "Tag “Gold” renamed “Platinum” in Constant Contact" in "\n".join(preview.lines)
    assert not [op for op in preview.plan.changes if type(op).__name__ == "UpdateContact"]
    env.service.run(preview, force=True)
    after = cc_tags(env)
    assert "Gold" not in after and after["Platinum"] == before  # the same tag, the same contacts
    assert env.service.preview("to_cc").plan.changes == () and not env.service.preview("to_cc").plan.tag_actions
    assert not updates(env, "from_cc")


def test_merged_crm_tags_become_one_in_constant_contact_and_the_old_one_goes(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    one_contact()
    beta = add_company("Beta", "customer", ("Members",))
    bob = add_contact(beta, "Bob", "B", "bob@beta.example")
    lists.add_members(lists.find_list("News").id, [bob])
    sync(env, "to_cc")
    ids = {t.name: t.id for t in crm_tags.tag_summaries()}
    crm_tags.merge_tags([ids["Gold"]], ids["Members"])
    preview = env.service.preview("to_cc")
    assert "Tag “Gold” merged into “Members”" in "\n".join(preview.lines)
    env.service.run(preview, force=True)
    tags = cc_tags(env)
    assert "Gold" not in tags and tags["Members"]["emails"] == {"ann@acme.example", "bob@beta.example"}
    assert env.service.preview("to_cc").plan.changes == ()


def test_a_crm_tag_deleted_is_deleted_in_constant_contact(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    one_contact()
    sync(env, "to_cc")
    gold = next(t.id for t in crm_tags.tag_summaries() if t.name == "Gold")
    crm_tags.delete_tag(gold)
    preview = env.service.preview("to_cc")
    assert "Tag “Gold” deleted from Constant Contact" in "\n".join(preview.lines)
    env.service.run(preview, force=True)
    assert "Gold" not in cc_tags(env)
    assert env.service.preview("to_cc").plan.changes == ()


def test_tagging_that_fails_after_the_import_is_reported_and_done_by_the_next_run(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    cid = one_contact()
    env.control("faults", {"kind": "500", "count": 50, "path_prefix": "/v3/activities/contacts_taggings_add"})
    summary = env.service.run(env.service.preview("to_cc"), force=True)
    assert not summary.ok and "cannot be reached" in summary.stopped_reason
    assert [e.message for e in summary.errors] == [
        "1 contact added in Constant Contact without their tags: tagging did not go through; the next run tags them."]
    assert "ann@acme.example" in env.cc_contacts()  # the import went through: nothing lost
    env.api.control("faults", method="DELETE")
    preview = env.service.preview("to_cc")
    assert "Gold" in "\n".join(preview.lines)  # the tagging still to do is shown, not forgotten
    env.service.run(preview, force=True)
    assert cc_tags(env)["Gold"]["emails"] == {"ann@acme.example"}
    assert Contact.select().count() == 1 and len(env.cc_contacts()) == 1  # no duplicate either side
    assert env.service.preview("to_cc").plan.changes == ()
    assert Contact.get_by_id(cid).email == "ann@acme.example"


def test_a_field_moved_to_another_label_is_added_there_without_blanking_the_old_one(sync_env):
    env = sync_env
    cid = one_contact()
    contacts.set_custom_fields(cid, {"Region": "North"})
    sync(env, "to_cc")
    env.service.mapping = lambda: FieldMapping().with_field("Region", "custom", label="Sales area")
    preview = env.service.preview("to_cc")
    assert 'Sales area → "North"' in "\n".join(preview.lines) and "Region cleared" not in "\n".join(preview.lines)
    env.service.run(preview, force=True)
    assert cc_fields(env, "ann@acme.example") == {"Region": "North", "Sales area": "North"}
    assert env.service.preview("to_cc").plan.changes == () and not updates(env, "from_cc")


def test_a_tag_rename_that_fails_stops_before_any_contact_and_the_next_run_does_it(sync_env):
    env = sync_env
    env.service.mapping = lambda: FieldMapping(tags=True)
    one_contact()
    sync(env, "to_cc")
    gold = next(t.id for t in crm_tags.tag_summaries() if t.name == "Gold")
    crm_tags.rename_tag(gold, "Platinum")
    contacts.update_contact(Contact.get(Contact.email == "ann@acme.example").id, first_name="Annie")
    env.control("faults", {"kind": "500", "count": 50, "path_prefix": "/v3/contact_tags/"})
    summary = env.service.run(env.service.preview("to_cc"), force=True)
    assert not summary.ok and summary.stopped_reason
    assert "Gold" in cc_tags(env) and "Platinum" not in cc_tags(env)
    assert env.cc_contacts()["ann@acme.example"]["first_name"] == "Ann"  # nothing sent before the rename
    env.api.control("faults", method="DELETE")
    preview = env.service.preview("to_cc")
    assert "Tag “Gold” renamed “Platinum”" in "\n".join(preview.lines)
    env.service.run(preview, force=True)
    assert cc_tags(env)["Platinum"]["emails"] == {"ann@acme.example"} and "Gold" not in cc_tags(env)
    assert env.cc_contacts()["ann@acme.example"]["first_name"] == "Annie"
    assert env.service.preview("to_cc").plan.is_empty or env.service.preview("to_cc").plan.changes == ()


def test_a_mirror_kept_before_addresses_were_read_is_read_again_once_when_the_address_goes(sync_env):
    from ctctdesk.sync import store
    from ctctdesk.sync.service import MIRROR_ADDRESSES

    env = sync_env
    one_contact(address="1 Harbour Road")
    sync(env, "to_cc")
    store.set_state(MIRROR_ADDRESSES, "")  # as an older version left it
    assert not env.service.preview("to_cc").plan.changes  # the address off: the mirror does
    assert store.get_state(MIRROR_ADDRESSES) == ""
    env.service.mapping = lambda: FieldMapping().with_field("address", Target.STANDARD)
    assert env.service.preview("to_cc").plan.changes  # read whole once, then the address goes
    assert store.get_state(MIRROR_ADDRESSES) == "1"


def test_a_contact_made_in_constant_contact_brings_its_mapped_phone_and_address_into_the_crm(sync_env):
    env = sync_env
    one_contact()
    client = env.connection.client()
    client.create_custom_field("Office phone")
    env.service.mapping = lambda: (FieldMapping().with_field("phone", "custom", label="Office phone")
                                   .with_field("address", Target.STANDARD))
    sync(env, "to_cc")
    news = env.cc_lists()["News"]
    env.api.import_contacts([{"email": "cy@cedar.example", "first_name": "Cy", "company_name": "Cedar",
                              "cf:" + next(f.name for f in client.iter_custom_fields() if f.label == "Office phone"): "555-0123", "work_street": "3 Mill Lane"}], [news])
    sync(env, "from_cc")
    cy = Contact.get(Contact.email == "cy@cedar.example")
    assert (cy.phone, cy.company.name, cy.company.address) == ("555-0123", "Cedar", "3 Mill Lane")
    assert not ContactField.select().where(ContactField.contact == cy.id).exists()
    assert env.service.preview("to_cc").plan.changes == ()
