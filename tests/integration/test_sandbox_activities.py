"""Bulk activities: validation limits, effects, asynchronous progress and the queue."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.support.sandbox_http import Api

IMPORT = "/v3/activities/contacts_json_import"


def _ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


def test_import_validation_errors(sandbox_api):
    list_id = sandbox_api.default_list_id()

    def post(body):
        return sandbox_api.post(IMPORT, body)

    assert post({"import_data": [{"email": "a@example.com"}], "list_ids": []}).json()[0]["error_key"] == \
        "json.min.items.violation"
    assert post({"import_data": [{"email": "a@example.com"}], "list_ids": _ids(51)}).json()[0]["error_key"] == \
        "json.max.items.violation"
    assert post({"import_data": [{"email": "a@example.com"}], "list_ids": _ids(1)}).status_code == 400
    assert post({"import_data": [{"email": "a@example.com"}], "list_ids": ["not-a-uuid"]}).status_code == 400
    assert post({"list_ids": [list_id]}).json()[0]["error_key"] == "json.field.required"
    assert post({"import_data": [{"email": "a@example.com", "company_name": "c" * 51}],
                 "list_ids": [list_id]}).json()[0]["error_key"] == "json.field.too.long"
    unknown_field = post({"import_data": [{"email": "a@example.com", "cf:shoe_size": "44"}], "list_ids": [list_id]})
    assert unknown_field.status_code == 400 and "cf:shoe_size" in unknown_field.json()[0]["error_message"]
    assert sandbox_api.all_contacts(status="all") == []


def test_import_writes_custom_fields_phones_and_addresses(sandbox_api):
    list_id = sandbox_api.default_list_id()
    field = sandbox_api.post("/v3/contact_custom_fields", {"label": "Shoe size", "type": "string"}).json()
    activity = sandbox_api.import_contacts([{"email": "a@example.com", "cf:shoe_size": "44", "work_phone": "555-0102",
                                             "street": "1 High St", "city": "Leeds", "country": "UK"}], [list_id])
    assert activity["status"]["person_count"] == 1 and activity["percent_done"] == 100
    contact = sandbox_api.contact_by_email("a@example.com", include="custom_fields,phone_numbers,street_addresses")
    assert contact["custom_fields"] == [{"custom_field_id": field["custom_field_id"], "value": "44"}]
    assert contact["phone_numbers"][0]["phone_number"] == "555-0102"
    assert contact["street_addresses"][0]["city"] == "Leeds"
    too_many = {f"cf:f{i}": "x" for i in range(26)}
    assert sandbox_api.post(IMPORT, {"import_data": [{"email": "b@example.com", **too_many}],
                                     "list_ids": [list_id]}).status_code == 400


def test_import_updates_only_the_properties_given(sandbox_api):
    list_id = sandbox_api.default_list_id()
    sandbox_api.import_contacts([{"email": "a@example.com", "first_name": "Ann", "last_name": "Lee"}], [list_id])
    sandbox_api.import_contacts([{"email": "A@example.com", "job_title": "Cook"}], [list_id])
    contact = sandbox_api.contact_by_email("a@example.com")
    assert (contact["first_name"], contact["last_name"], contact["job_title"]) == ("Ann", "Lee", "Cook")


def test_bad_rows_are_reported_in_the_activity(sandbox_api):
    activity = sandbox_api.import_contacts([{"email": "ok@example.com"}, {"email": "nope"}, {"first_name": "X"}],
                                           [sandbox_api.default_list_id()])
    assert activity["state"] == "completed"
    assert activity["status"]["error_count"] == 2 and len(activity["activity_errors"]) == 2
    assert [c["email_address"]["address"] for c in sandbox_api.all_contacts()] == ["ok@example.com"]


def test_import_beyond_four_megabytes_drops_the_rest(sandbox_api):
    list_id = sandbox_api.default_list_id()
    rows = [{"email": f"person{i:06d}@example.com", "first_name": "F" * 40, "last_name": "L" * 40,
             "company_name": "C" * 45, "street": "S" * 200} for i in range(15_000)]
    size = len(json.dumps({"import_data": rows, "list_ids": [list_id]}))
    assert size > 4 * 1024 * 1024
    activity = sandbox_api.import_contacts(rows, [list_id])
    kept = activity["status"]["items_total_count"]
    assert 0 < kept < len(rows)
    contacts = sandbox_api.all_contacts()
    assert len(contacts) == kept
    assert contacts[-1]["email_address"]["address"] == f"person{kept - 1:06d}@example.com"


@pytest.mark.sandbox_config(activity_delay=10.0, max_running_activities=1)
def test_activities_progress_by_the_clock_and_queue(sandbox_api):
    list_id = sandbox_api.default_list_id()
    first = sandbox_api.post(IMPORT, {"import_data": [{"email": "one@example.com"}], "list_ids": [list_id]}).json()
    second = sandbox_api.post(IMPORT, {"import_data": [{"email": "two@example.com"}], "list_ids": [list_id]}).json()
    assert first["state"] == second["state"] == "initialized"

    def state(activity):
        return sandbox_api.get(f"/v3/activities/{activity['activity_id']}").json()

    sandbox_api.control("clock", {"advance_seconds": 5})
    running = state(first)
    assert running["state"] == "processing" and 40 <= running["percent_done"] <= 60
    assert state(second)["state"] == "initialized"  # waiting in the queue behind the first
    assert sandbox_api.all_contacts() == []
    sandbox_api.control("clock", {"advance_seconds": 6})
    assert state(first)["state"] == "completed"
    assert state(second)["state"] == "processing"
    assert [c["email_address"]["address"] for c in sandbox_api.all_contacts()] == ["one@example.com"]
    sandbox_api.control("clock", {"advance_seconds": 10})
    assert state(second)["state"] == "completed"
    assert len(sandbox_api.all_contacts()) == 2
    listed = sandbox_api.get("/v3/activities").json()["activities"]
    assert [a["activity_id"] for a in listed] == [second["activity_id"], first["activity_id"]]
    assert sandbox_api.get("/v3/activities", params={"state": "processing"}).json()["activities"] == []
    assert sandbox_api.get("/v3/activities", params={"state": "sleeping"}).status_code == 400
    assert sandbox_api.get("/v3/activities", params={"limit": 501}).status_code == 400


@pytest.mark.sandbox_config(activity_delay=5.0)
def test_activity_fails_when_its_lists_vanish_before_it_runs(sandbox_api):
    list_id = sandbox_api.new_list("Short lived")
    created = sandbox_api.post(IMPORT, {"import_data": [{"email": "a@example.com"}], "list_ids": [list_id]}).json()
    sandbox_api.control("owner/delete_list", {"list_id": list_id})
    sandbox_api.control("clock", {"advance_seconds": 6})
    activity = sandbox_api.get(created["_links"]["self"]["href"]).json()
    assert activity["state"] == "failed" and activity["activity_errors"]
    assert sandbox_api.get(f"/v3/activities/{uuid.uuid4()}").status_code == 404


def test_add_and_remove_list_memberships(sandbox_api):
    general = sandbox_api.default_list_id()
    target = sandbox_api.new_list("Target")
    sandbox_api.import_contacts([{"email": f"m{i}@example.com"} for i in range(3)], [general])
    ids = [c["contact_id"] for c in sandbox_api.all_contacts()]
    added = sandbox_api.finish(sandbox_api.post("/v3/activities/add_list_memberships",
                                                {"source": {"list_ids": [general]}, "list_ids": [target],
                                                 "exclude": {"contact_ids": ids[:1]}}))
    assert added["status"]["items_total_count"] == 2 and added["status"]["list_count"] == 1
    assert sorted(c["contact_id"] for c in sandbox_api.all_contacts(lists=target)) == sorted(ids[1:])
    removed = sandbox_api.finish(sandbox_api.post("/v3/activities/remove_list_memberships",
                                                  {"source": {"contact_ids": ids[1:2]}, "list_ids": [target]}))
    assert removed["state"] == "completed"
    assert [c["contact_id"] for c in sandbox_api.all_contacts(lists=target)] == ids[2:]
    everyone = sandbox_api.finish(sandbox_api.post("/v3/activities/add_list_memberships",
                                                   {"source": {"all_active_contacts": True}, "list_ids": [target]}))
    assert everyone["status"]["items_total_count"] == 3


def test_membership_activity_errors(sandbox_api):
    target = sandbox_api.default_list_id()
    add = "/v3/activities/add_list_memberships"
    remove = "/v3/activities/remove_list_memberships"
    assert sandbox_api.post(add, {"source": {"contact_ids": _ids(501)}, "list_ids": [target]}).status_code == 400
    assert sandbox_api.post(add, {"source": {"contact_ids": _ids(1)}, "list_ids": _ids(51)}).status_code == 400
    assert sandbox_api.post(add, {"source": {}, "list_ids": [target]}).status_code == 400
    assert sandbox_api.post(add, {"source": {"contact_ids": _ids(1)}, "list_ids": _ids(1)}).status_code == 400
    assert sandbox_api.post(add, {"list_ids": [target]}).status_code == 400
    assert sandbox_api.post(add, {"source": {"contact_ids": _ids(1)}, "list_ids": []}).status_code == 400
    assert sandbox_api.post(remove, {"source": {"contact_ids": _ids(1)}, "list_ids": _ids(1)}).status_code == 404
    assert sandbox_api.post(remove, {"source": {"contact_ids": _ids(501)}, "list_ids": [target]}).status_code == 400
    assert sandbox_api.post(remove, {"source": {"contact_ids": _ids(500)}, "list_ids": [target]}).status_code == 201


def test_contact_delete_activity(sandbox_api):
    general = sandbox_api.default_list_id()
    doomed = sandbox_api.new_list("Doomed")
    sandbox_api.import_contacts([{"email": "a@example.com"}, {"email": "b@example.com"}], [general])
    sandbox_api.import_contacts([{"email": "c@example.com"}], [doomed])
    first = sandbox_api.contact_by_email("a@example.com")["contact_id"]
    url = "/v3/activities/contact_delete"
    assert sandbox_api.finish(sandbox_api.post(url, {"contact_ids": [first]}))["status"]["items_total_count"] == 1
    assert sandbox_api.finish(sandbox_api.post(url, {"list_ids": [doomed]}))["state"] == "completed"
    assert [c["email_address"]["address"] for c in sandbox_api.all_contacts()] == ["b@example.com"]
    assert sandbox_api.post(url, {"contact_ids": _ids(501)}).status_code == 400
    assert sandbox_api.post(url, {"list_ids": _ids(51)}).status_code == 400
    assert sandbox_api.post(url, {}).status_code == 400


def test_list_delete_activity(sandbox_api):
    lists = [sandbox_api.new_list(f"Gone {i}") for i in range(2)]
    activity = sandbox_api.finish(sandbox_api.post("/v3/activities/list_delete", {"list_ids": lists}))
    assert activity["state"] == "completed"
    names = [item["name"] for item in sandbox_api.get("/v3/contact_lists").json()["lists"]]
    assert names == ["General Interest"]
    assert sandbox_api.post("/v3/activities/list_delete", {"list_ids": _ids(101)}).status_code == 400
    assert sandbox_api.post("/v3/activities/list_delete", {"list_ids": _ids(1)}).status_code == 400


def test_taggings_add_and_remove(sandbox_api):
    general = sandbox_api.default_list_id()
    tag_id = sandbox_api.post("/v3/contact_tags", {"name": "Donor"}).json()["tag_id"]
    sandbox_api.import_contacts([{"email": "a@example.com"}, {"email": "b@example.com"}], [general])
    added = sandbox_api.finish(sandbox_api.post("/v3/activities/contacts_taggings_add",
                                                {"source": {"list_ids": [general]}, "tag_ids": [tag_id]}))
    assert added["status"]["items_total_count"] == 2
    assert sandbox_api.contact_by_email("a@example.com", include="taggings")["taggings"] == [tag_id]
    assert sandbox_api.get(f"/v3/contact_tags/{tag_id}", params={"include_count": "true"}).json()["contacts_count"] == 2
    assert len(sandbox_api.all_contacts(tags=tag_id)) == 2
    first = sandbox_api.contact_by_email("a@example.com")["contact_id"]
    sandbox_api.finish(sandbox_api.post("/v3/activities/contacts_taggings_remove",
                                        {"source": {"contact_ids": [first]}, "tag_ids": [tag_id]}))
    assert sandbox_api.contact_by_email("a@example.com", include="taggings")["taggings"] == []
    url = "/v3/activities/contacts_taggings_add"
    assert sandbox_api.post(url, {"source": {"contact_ids": [first]}, "tag_ids": _ids(1)}).status_code == 404
    assert sandbox_api.post(url, {"source": {"contact_ids": _ids(501)}, "tag_ids": [tag_id]}).status_code == 400
    assert sandbox_api.post(url, {"source": {}, "tag_ids": [tag_id]}).status_code == 400


def test_more_than_a_thousand_queued_activities_gets_429(sandbox, sandbox_token):
    from ctctdesk.sandbox import activities

    for _ in range(1000):
        activities.create(sandbox.state, "list_delete", {"list_ids": []}, 0)
    sandbox.config.activity_delay = 3600
    api = Api(sandbox.base_url, sandbox_token)
    response = api.post("/v3/activities/list_delete", {"list_ids": [api.default_list_id()]})
    assert response.status_code == 429
    assert "1,000 queued activities" in response.json()[0]["error_message"]
