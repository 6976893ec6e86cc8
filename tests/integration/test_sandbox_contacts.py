"""Contacts: create, read, replace, delete, filters, paging, and the rules the real service enforces."""

from __future__ import annotations

import uuid

import pytest


def _create(api, email: str, **fields):
    body = {"email_address": {"address": email}, "create_source": "Account", **fields}
    response = api.post("/v3/contacts", body)
    assert response.status_code == 201, response.text
    return response.json()


def _tick(api, seconds: float = 2) -> None:
    api.control("clock", {"advance_seconds": seconds})


def test_create_and_read_a_contact(sandbox_api):
    list_id = sandbox_api.default_list_id()
    created = _create(sandbox_api, "Pat@Example.com", first_name="Pat", list_memberships=[list_id],
                      phone_numbers=[{"phone_number": "555-0101", "kind": "work"}])
    assert created["email_address"]["permission_to_send"] == "implicit"
    assert created["create_source"] == "Account" and created["list_memberships"] == [list_id]
    contact_id = created["contact_id"]
    plain = sandbox_api.get(f"/v3/contacts/{contact_id}").json()
    assert plain["first_name"] == "Pat" and "list_memberships" not in plain
    full = sandbox_api.get(f"/v3/contacts/{contact_id}", params={"include": "list_memberships,phone_numbers"}).json()
    assert full["list_memberships"] == [list_id]
    assert full["phone_numbers"][0]["phone_number"] == "555-0101"
    assert sandbox_api.get(f"/v3/contacts/{contact_id}", params={"include": "hobbies"}).status_code == 400
    assert sandbox_api.get(f"/v3/contacts/{uuid.uuid4()}").status_code == 404


def test_email_is_unique_whatever_its_case(sandbox_api):
    _create(sandbox_api, "sam@example.com")
    again = sandbox_api.post("/v3/contacts", {"email_address": {"address": "SAM@example.com"},
                                               "create_source": "Account"})
    assert again.status_code == 409
    sandbox_api.import_contacts([{"email": "Sam@Example.COM", "last_name": "Lee"}], [sandbox_api.default_list_id()])
    everyone = sandbox_api.all_contacts(status="all")
    assert len(everyone) == 1 and everyone[0]["last_name"] == "Lee"


def test_create_validation_errors(sandbox_api):
    def post(body):
        return sandbox_api.post("/v3/contacts", body)

    assert post({"create_source": "Account"}).json()[0]["error_key"] == "json.field.required"
    assert post({"email_address": {"address": "a@example.com"}}).status_code == 400
    assert post({"email_address": {"address": "a@example.com"}, "create_source": "Robot"}).status_code == 400
    long_name = post({"email_address": {"address": "a@example.com"}, "create_source": "Account", "first_name": "n" * 51})
    assert long_name.status_code == 400 and long_name.json()[0]["error_key"] == "json.field.too.long"
    long_email = "x" * 70 + "@example.com"
    assert post({"email_address": {"address": long_email}, "create_source": "Account"}).status_code == 400
    assert post({"email_address": {"address": "not-an-email"}, "create_source": "Account"}).status_code == 400
    too_many = [str(uuid.uuid4()) for _ in range(51)]
    assert post({"email_address": {"address": "a@example.com"}, "create_source": "Account",
                 "list_memberships": too_many}).json()[0]["error_key"] == "json.max.items.violation"
    unknown_list = post({"email_address": {"address": "a@example.com"}, "create_source": "Account",
                         "list_memberships": [str(uuid.uuid4())]})
    assert unknown_list.status_code == 400
    assert post({"email_address": {"address": "a@example.com"}, "create_source": "Account",
                 "birthday_month": "May"}).json()[0]["error_key"] == "json.type.invalid"
    assert sandbox_api.all_contacts(status="all") == []


def test_put_replaces_top_level_properties_and_needs_update_source(sandbox_api):
    created = _create(sandbox_api, "kim@example.com", first_name="Kim", last_name="Ng", job_title="Chair")
    contact_id = created["contact_id"]
    missing_source = sandbox_api.put(f"/v3/contacts/{contact_id}", {"email_address": {"address": "kim@example.com"}})
    assert missing_source.status_code == 400
    _tick(sandbox_api)
    replaced = sandbox_api.put(f"/v3/contacts/{contact_id}", {"email_address": {"address": "kim@example.com"},
                                                               "first_name": "Kimberly", "update_source": "Account"})
    assert replaced.status_code == 200
    body = replaced.json()
    assert body["first_name"] == "Kimberly" and "last_name" not in body and "job_title" not in body
    assert body["update_source"] == "Account"
    assert body["updated_at"] > created["updated_at"]
    assert sandbox_api.put(f"/v3/contacts/{uuid.uuid4()}", {"email_address": {"address": "x@example.com"},
                                                            "update_source": "Account"}).status_code == 404


def test_put_cannot_take_another_contacts_email(sandbox_api):
    _create(sandbox_api, "one@example.com")
    two = _create(sandbox_api, "two@example.com")
    response = sandbox_api.put(f"/v3/contacts/{two['contact_id']}",
                               {"email_address": {"address": "ONE@example.com"}, "update_source": "Account"})
    assert response.status_code == 409
    moved = sandbox_api.put(f"/v3/contacts/{two['contact_id']}",
                            {"email_address": {"address": "three@example.com"}, "update_source": "Account"})
    assert moved.status_code == 200
    assert sandbox_api.contact_by_email("three@example.com")["contact_id"] == two["contact_id"]


def test_unsubscribed_contact_stays_unsubscribed(sandbox_api):
    list_id = sandbox_api.default_list_id()
    other = sandbox_api.new_list("Other")
    sandbox_api.import_contacts([{"email": "gone@example.com"}], [list_id])
    unsubscribed = sandbox_api.control("unsubscribe", {"email": "gone@example.com"}).json()
    assert unsubscribed["email_address"]["permission_to_send"] == "unsubscribed"
    assert unsubscribed["email_address"]["opt_out_source"] == "Contact"
    assert unsubscribed["list_memberships"] == []  # the real service takes them off every list
    contact_id = unsubscribed["contact_id"]
    sandbox_api.import_contacts([{"email": "gone@example.com", "first_name": "Back"}], [other])
    sandbox_api.put(f"/v3/contacts/{contact_id}", {"email_address": {"address": "gone@example.com",
                                                                      "permission_to_send": "explicit"},
                                                    "update_source": "Account", "first_name": "Back"})
    sandbox_api.finish(sandbox_api.post("/v3/activities/add_list_memberships",
                                        {"source": {"contact_ids": [contact_id]}, "list_ids": [other]}))
    signed_up = sandbox_api.post("/v3/contacts/sign_up_form", {"email_address": "gone@example.com",
                                                                "list_memberships": [other]})
    assert signed_up.status_code == 200 and signed_up.json()["action"] == "updated"
    contact = sandbox_api.contact_by_email("gone@example.com")
    assert contact["email_address"]["permission_to_send"] == "unsubscribed"
    assert contact["first_name"] == "Back"
    assert contact["list_memberships"] == []  # and no add puts them back on a list


@pytest.mark.sandbox_config(unsubscribe_empties_lists=False)
def test_unsubscribed_contact_keeps_its_lists_when_pinned_so(sandbox_api):
    list_id = sandbox_api.default_list_id()
    sandbox_api.import_contacts([{"email": "gone@example.com"}], [list_id])
    unsubscribed = sandbox_api.control("unsubscribe", {"email": "gone@example.com"}).json()
    assert unsubscribed["email_address"]["permission_to_send"] == "unsubscribed"
    assert unsubscribed["list_memberships"] == [list_id]


def test_delete_hides_the_contact_and_an_import_or_put_revives_it(sandbox_api):
    list_id = sandbox_api.default_list_id()
    created = _create(sandbox_api, "del@example.com", list_memberships=[list_id])
    contact_id = created["contact_id"]
    assert sandbox_api.delete(f"/v3/contacts/{contact_id}").status_code == 204
    assert sandbox_api.delete(f"/v3/contacts/{contact_id}").status_code == 404
    assert sandbox_api.all_contacts() == []
    deleted = sandbox_api.all_contacts(status="deleted", include="list_memberships")
    assert [c["contact_id"] for c in deleted] == [contact_id]
    assert deleted[0]["deleted_at"] and deleted[0]["list_memberships"] == []
    assert len(sandbox_api.all_contacts(status="all")) == 1
    sandbox_api.import_contacts([{"email": "del@example.com"}], [list_id])
    revived = sandbox_api.all_contacts(include="list_memberships")
    assert [c["contact_id"] for c in revived] == [contact_id] and "deleted_at" not in revived[0]
    assert revived[0]["list_memberships"] == [list_id]
    sandbox_api.delete(f"/v3/contacts/{contact_id}")
    put = sandbox_api.put(f"/v3/contacts/{contact_id}", {"email_address": {"address": "del@example.com"},
                                                          "update_source": "Account"})
    assert put.status_code == 200 and "deleted_at" not in put.json()
    assert [c["contact_id"] for c in sandbox_api.all_contacts()] == [contact_id]


def test_updated_at_follows_the_record_not_list_changes_or_optouts(sandbox_api):
    list_id = sandbox_api.default_list_id()
    other = sandbox_api.new_list("Other")
    tag_id = sandbox_api.post("/v3/contact_tags", {"name": "Friends"}).json()["tag_id"]
    sandbox_api.import_contacts([{"email": "mo@example.com"}], [list_id])
    contact_id = sandbox_api.contact_by_email("mo@example.com")["contact_id"]
    stamps = [sandbox_api.contact_by_email("mo@example.com")["updated_at"]]
    moving = [
        lambda: sandbox_api.import_contacts([{"email": "mo@example.com", "first_name": "Mo"}], [list_id]),
        lambda: sandbox_api.finish(sandbox_api.post("/v3/activities/contacts_taggings_add",
                                                    {"source": {"contact_ids": [contact_id]}, "tag_ids": [tag_id]})),
        lambda: sandbox_api.control("owner/update_contact", {"email": "mo@example.com", "job_title": "Cook"}),
    ]
    for change in moving:
        _tick(sandbox_api)
        change()
        stamps.append(sandbox_api.contact_by_email("mo@example.com")["updated_at"])
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    still = [
        lambda: sandbox_api.finish(sandbox_api.post("/v3/activities/add_list_memberships",
                                                    {"source": {"contact_ids": [contact_id]}, "list_ids": [other]})),
        lambda: sandbox_api.finish(sandbox_api.post("/v3/activities/remove_list_memberships",
                                                    {"source": {"contact_ids": [contact_id]}, "list_ids": [other]})),
        lambda: sandbox_api.control("owner/remove_from_list", {"email": "mo@example.com", "list_id": list_id}),
        lambda: sandbox_api.control("bounce", {"email": "mo@example.com"}),
        lambda: sandbox_api.control("unsubscribe", {"email": "mo@example.com"}),
    ]
    for change in still:
        _tick(sandbox_api)
        change()
        assert sandbox_api.contact_by_email("mo@example.com")["updated_at"] == stamps[-1]


@pytest.mark.sandbox_config(optouts_move_updated_at=True, list_changes_move_updated_at=True)
def test_updated_at_moves_on_every_change_when_pinned_so(sandbox_api):
    list_id = sandbox_api.default_list_id()
    other = sandbox_api.new_list("Other")
    sandbox_api.import_contacts([{"email": "mo@example.com"}], [list_id])
    contact_id = sandbox_api.contact_by_email("mo@example.com")["contact_id"]
    stamps = [sandbox_api.contact_by_email("mo@example.com")["updated_at"]]
    changes = [
        lambda: sandbox_api.finish(sandbox_api.post("/v3/activities/add_list_memberships",
                                                    {"source": {"contact_ids": [contact_id]}, "list_ids": [other]})),
        lambda: sandbox_api.control("update_profile", {"email": "mo@example.com", "list_ids": [other]}),
        lambda: sandbox_api.control("bounce", {"email": "mo@example.com"}),
        lambda: sandbox_api.control("unsubscribe", {"email": "mo@example.com"}),
    ]
    for change in changes:
        _tick(sandbox_api)
        change()
        stamps.append(sandbox_api.contact_by_email("mo@example.com")["updated_at"])
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


def test_update_profile_leaves_lists_and_stays_subscribed(sandbox_api):
    list_id = sandbox_api.default_list_id()
    other = sandbox_api.new_list("Other")
    sandbox_api.import_contacts([{"email": "ann@example.com"}], [list_id, other])
    before = sandbox_api.contact_by_email("ann@example.com")
    _tick(sandbox_api)
    left = sandbox_api.control("update_profile", {"email": "ann@example.com", "list_ids": [other]}).json()
    assert left["list_memberships"] == [list_id]
    assert left["email_address"]["permission_to_send"] == before["email_address"]["permission_to_send"]
    assert left["updated_at"] == before["updated_at"]
    again = sandbox_api.control("update_profile", {"email": "ann@example.com", "list_ids": [other]})
    assert again.status_code == 409


def test_filters(sandbox_api):
    list_a = sandbox_api.default_list_id()
    list_b = sandbox_api.new_list("B")
    sandbox_api.import_contacts([{"email": "a1@example.com"}, {"email": "a2@example.com"}], [list_a])
    _tick(sandbox_api, 10)
    middle = sandbox_api.control("clock", method="GET").json()["now"]
    _tick(sandbox_api, 10)
    sandbox_api.import_contacts([{"email": "b1@example.com"}], [list_b])
    sandbox_api.control("unsubscribe", {"email": "a2@example.com"})

    def emails(**params):
        return sorted(c["email_address"]["address"] for c in sandbox_api.all_contacts(**params))

    assert emails() == ["a1@example.com", "a2@example.com", "b1@example.com"]
    assert emails(lists=list_b) == ["b1@example.com"]
    assert emails(lists=f"{list_a},{list_b}") == ["a1@example.com", "b1@example.com"]  # a2 left every list
    assert emails(status="unsubscribed") == ["a2@example.com"]
    assert emails(status="active") == ["a1@example.com", "b1@example.com"]
    assert emails(updated_after=middle) == ["b1@example.com"]  # an unsubscribe does not move updated_at
    assert emails(updated_before=middle) == ["a1@example.com", "a2@example.com"]
    assert emails(created_after=middle) == ["b1@example.com"]
    assert emails(optout_after=middle) == ["a2@example.com"]
    assert emails(email="A1@EXAMPLE.COM") == ["a1@example.com"]
    assert sandbox_api.get("/v3/contacts", params={"updated_after": "yesterday"}).status_code == 400
    assert sandbox_api.get("/v3/contacts", params={"status": "happy"}).status_code == 400
    too_many = ",".join(str(uuid.uuid4()) for _ in range(26))
    assert sandbox_api.get("/v3/contacts", params={"lists": too_many}).status_code == 400
    assert sandbox_api.get("/v3/contacts", params={"limit": 501}).status_code == 400
    assert sandbox_api.get("/v3/contacts", params={"limit": "ten"}).status_code == 400
    assert sandbox_api.get("/v3/contacts", params={"cursor": "garbage!"}).status_code == 400


def test_cursor_paging_walks_every_contact_once(sandbox_api):
    list_id = sandbox_api.default_list_id()
    sandbox_api.import_contacts([{"email": f"p{i}@example.com"} for i in range(1203)], [list_id])
    first = sandbox_api.get("/v3/contacts", params={"limit": 500, "include_count": "true"}).json()
    assert len(first["contacts"]) == 500 and first["contacts_count"] == 1203
    assert first["_links"]["next"]["href"].startswith("/v3/contacts?cursor=")
    second = sandbox_api.get(first["_links"]["next"]["href"]).json()
    assert len(second["contacts"]) == 500 and second["contacts_count"] == 1203
    everyone = sandbox_api.all_contacts()
    assert len(everyone) == 1203 and len({c["contact_id"] for c in everyone}) == 1203
    default = sandbox_api.get("/v3/contacts").json()
    assert len(default["contacts"]) == 50
    last = sandbox_api.get("/v3/contacts", params={"limit": 3, "email": "p7@example.com"}).json()
    assert len(last["contacts"]) == 1 and "next" not in last.get("_links", {})


def test_a_contact_can_be_in_at_most_50_lists(sandbox_api):
    lists = [sandbox_api.new_list(f"L{i}") for i in range(51)]
    created = _create(sandbox_api, "busy@example.com", list_memberships=lists[:50])
    assert len(created["list_memberships"]) == 50
    activity = sandbox_api.import_contacts([{"email": "busy@example.com"}], [lists[50]])
    assert activity["status"]["cannot_add_to_list_count"] == 1
    assert len(sandbox_api.contact_by_email("busy@example.com")["list_memberships"]) == 50
    put = sandbox_api.put(f"/v3/contacts/{created['contact_id']}",
                          {"email_address": {"address": "busy@example.com"}, "update_source": "Account",
                           "list_memberships": lists})
    assert put.status_code == 400


def test_sign_up_form_creates_then_updates(sandbox_api):
    list_id = sandbox_api.default_list_id()
    created = sandbox_api.post("/v3/contacts/sign_up_form", {"email_address": "new@example.com",
                                                              "first_name": "Nia", "list_memberships": [list_id]})
    assert created.status_code == 201 and created.json()["action"] == "created"
    contact = sandbox_api.contact_by_email("new@example.com")
    assert contact["email_address"]["permission_to_send"] == "explicit"
    updated = sandbox_api.post("/v3/contacts/sign_up_form", {"email_address": "new@example.com",
                                                              "last_name": "Obi", "list_memberships": [list_id]})
    assert updated.status_code == 200 and updated.json()["contact_id"] == contact["contact_id"]
    assert sandbox_api.contact_by_email("new@example.com")["first_name"] == "Nia"
    assert sandbox_api.post("/v3/contacts/sign_up_form", {"email_address": "x@example.com"}).status_code == 400
    assert sandbox_api.post("/v3/contacts/sign_up_form", {"email_address": "x@example.com",
                                                          "list_memberships": []}).status_code == 400
