"""Lists, custom fields and tags: CRUD, unique names, limits and validation errors."""

from __future__ import annotations

import uuid


def test_create_read_update_list(sandbox_api):
    created = sandbox_api.post("/v3/contact_lists", {"name": "Volunteers", "favorite": True,
                                                     "description": "People who help"})
    assert created.status_code == 201
    list_id = created.json()["list_id"]
    assert created.json()["favorite"] is True
    read = sandbox_api.get(f"/v3/contact_lists/{list_id}").json()
    assert (read["name"], read["description"]) == ("Volunteers", "People who help")
    kept = sandbox_api.put(f"/v3/contact_lists/{list_id}", {"name": "Volunteers", "description": "Helpers",
                                                            "favorite": True})
    assert (kept.json()["description"], kept.json()["favorite"]) == ("Helpers", True)
    renamed = sandbox_api.put(f"/v3/contact_lists/{list_id}", {"name": "Helpers"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Helpers"
    # PUT replaces the list: what it leaves out goes back to its default
    assert "description" not in renamed.json() and renamed.json()["favorite"] is False
    names = [item["name"] for item in sandbox_api.get("/v3/contact_lists").json()["lists"]]
    assert sorted(names) == ["General Interest", "Helpers"]


def test_duplicate_list_name_is_409_on_create_and_rename(sandbox_api):
    sandbox_api.new_list("Board")
    other = sandbox_api.new_list("Donors")
    assert sandbox_api.post("/v3/contact_lists", {"name": "board"}).status_code == 409
    assert sandbox_api.put(f"/v3/contact_lists/{other}", {"name": "Board"}).status_code == 409
    assert sandbox_api.put(f"/v3/contact_lists/{other}", {"name": "Donors", "favorite": True}).status_code == 200


def test_list_validation_errors(sandbox_api):
    missing = sandbox_api.post("/v3/contact_lists", {"favorite": True})
    assert missing.status_code == 400
    assert missing.json()[0]["error_key"] == "json.field.required"
    too_long = sandbox_api.post("/v3/contact_lists", {"name": "x" * 256})
    assert too_long.status_code == 400 and too_long.json()[0]["error_key"] == "json.field.too.long"
    wrong_type = sandbox_api.post("/v3/contact_lists", {"name": 12})
    assert wrong_type.status_code == 400 and wrong_type.json()[0]["error_key"] == "json.type.invalid"
    assert sandbox_api.post("/v3/contact_lists", {"name": "x" * 255}).status_code == 201


def test_unknown_list_is_404(sandbox_api):
    unknown = str(uuid.uuid4())
    assert sandbox_api.get(f"/v3/contact_lists/{unknown}").status_code == 404
    assert sandbox_api.put(f"/v3/contact_lists/{unknown}", {"name": "x"}).status_code == 404
    assert sandbox_api.delete(f"/v3/contact_lists/{unknown}").status_code == 404


def test_list_paging_limit_and_count(sandbox_api):
    for index in range(7):
        sandbox_api.new_list(f"List {index}")
    first = sandbox_api.get("/v3/contact_lists", params={"limit": 3, "include_count": "true"}).json()
    assert len(first["lists"]) == 3 and first["lists_count"] == 8
    seen = [item["list_id"] for item in first["lists"]]
    href = first["_links"]["next"]["href"]
    while href:
        page = sandbox_api.get(href).json()
        seen += [item["list_id"] for item in page["lists"]]
        href = page.get("_links", {}).get("next", {}).get("href")
    assert len(seen) == len(set(seen)) == 8
    contacts_with_a_list_cursor = sandbox_api.get("/v3/contacts?" + href_of_first_page(first))
    assert contacts_with_a_list_cursor.status_code == 400
    assert sandbox_api.get("/v3/contact_lists", params={"limit": 1001}).status_code == 400
    assert sandbox_api.get("/v3/contact_lists", params={"limit": 0}).status_code == 400
    assert sandbox_api.get("/v3/contact_lists", params={"limit": 1000}).status_code == 200
    assert sandbox_api.get("/v3/contact_lists", params={"status": "gone"}).status_code == 400


def test_membership_counts_and_name_filter(sandbox_api):
    list_id = sandbox_api.new_list("Members")
    sandbox_api.import_contacts([{"email": "a@example.com"}, {"email": "b@example.com"}], [list_id])
    sandbox_api.control("bounce", {"email": "b@example.com"})  # on hold: a member, but not an active one
    body = sandbox_api.get("/v3/contact_lists", params={"name": "Members", "include_membership_count": "all"}).json()
    assert [(item["name"], item["membership_count"]) for item in body["lists"]] == [("Members", 2)]
    active = sandbox_api.get(f"/v3/contact_lists/{list_id}", params={"include_membership_count": "active"})
    assert active.json()["membership_count"] == 1
    assert "membership_count" not in sandbox_api.get(f"/v3/contact_lists/{list_id}").json()


def test_deleting_a_list_is_an_activity_and_frees_its_members(sandbox_api):
    list_id = sandbox_api.new_list("Old")
    sandbox_api.import_contacts([{"email": "a@example.com"}], [list_id])
    response = sandbox_api.delete(f"/v3/contact_lists/{list_id}")
    assert response.status_code == 202
    assert sandbox_api.finish(response)["state"] == "completed"
    assert sandbox_api.get(f"/v3/contact_lists/{list_id}").status_code == 404
    deleted = sandbox_api.get("/v3/contact_lists", params={"status": "deleted"}).json()["lists"]
    assert [item["list_id"] for item in deleted] == [list_id] and deleted[0]["deleted_at"]
    assert sandbox_api.contact_by_email("a@example.com")["list_memberships"] == []
    assert sandbox_api.post("/v3/contact_lists", {"name": "Old"}).status_code == 201


def test_custom_fields_crud(sandbox_api):
    created = sandbox_api.post("/v3/contact_custom_fields", {"label": "Member Since", "type": "date"})
    assert created.status_code == 201
    field = created.json()
    assert field["name"] == "member_since" and field["type"] == "date"
    assert sandbox_api.post("/v3/contact_custom_fields", {"label": "Member since", "type": "string"}).status_code == 409
    field_id = field["custom_field_id"]
    assert sandbox_api.get(f"/v3/contact_custom_fields/{field_id}").json()["label"] == "Member Since"
    relabelled = sandbox_api.put(f"/v3/contact_custom_fields/{field_id}", {"label": "Joined"})
    assert relabelled.status_code == 200 and relabelled.json()["label"] == "Joined"
    listed = sandbox_api.get("/v3/contact_custom_fields").json()["custom_fields"]
    assert [f["custom_field_id"] for f in listed] == [field_id]
    assert sandbox_api.delete(f"/v3/contact_custom_fields/{field_id}").status_code == 204
    assert sandbox_api.get(f"/v3/contact_custom_fields/{field_id}").status_code == 404
    assert sandbox_api.delete(f"/v3/contact_custom_fields/{field_id}").status_code == 404


def test_custom_field_validation_and_account_maximum(sandbox_api):
    assert sandbox_api.post("/v3/contact_custom_fields", {"label": "x" * 51, "type": "string"}).status_code == 400
    assert sandbox_api.post("/v3/contact_custom_fields", {"label": "Shoe", "type": "number"}).status_code == 400
    assert sandbox_api.post("/v3/contact_custom_fields", {"label": "Shoe"}).status_code == 400
    for index in range(100):
        assert sandbox_api.post("/v3/contact_custom_fields", {"label": f"F{index}", "type": "string"}).status_code == 201
    over = sandbox_api.post("/v3/contact_custom_fields", {"label": "One more", "type": "string"})
    assert over.status_code == 400
    assert sandbox_api.get("/v3/contact_custom_fields", params={"limit": 101}).status_code == 400
    page = sandbox_api.get("/v3/contact_custom_fields", params={"limit": 100}).json()
    assert len(page["custom_fields"]) == 100 and "next" not in page.get("_links", {})


def test_tags_crud(sandbox_api):
    created = sandbox_api.post("/v3/contact_tags", {"name": "VIP"})
    assert created.status_code == 201
    tag_id = created.json()["tag_id"]
    assert sandbox_api.post("/v3/contact_tags", {"name": "vip"}).status_code == 409
    assert sandbox_api.post("/v3/contact_tags", {"name": ""}).status_code == 400
    renamed = sandbox_api.put(f"/v3/contact_tags/{tag_id}", {"name": "Very Important"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Very Important"
    assert sandbox_api.get(f"/v3/contact_tags/{tag_id}", params={"include_count": "true"}).json()["contacts_count"] == 0
    assert [t["name"] for t in sandbox_api.get("/v3/contact_tags").json()["tags"]] == ["Very Important"]
    deleting = sandbox_api.delete(f"/v3/contact_tags/{tag_id}")
    assert deleting.status_code == 202
    sandbox_api.finish(deleting)
    assert sandbox_api.get(f"/v3/contact_tags/{tag_id}").status_code == 404
    assert sandbox_api.get("/v3/contact_tags").json()["tags"] == []


def href_of_first_page(page):
    return page["_links"]["next"]["href"].split("?", 1)[1]
