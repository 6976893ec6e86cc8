"""The sandbox starts fast, serves the three prefixes, and answers the first calls a client makes."""

from __future__ import annotations

import time

import requests

from ctctdesk.sandbox.server import SandboxConfig, SandboxServer


def test_start_and_stop_take_well_under_a_second():
    began = time.perf_counter()
    with SandboxServer(SandboxConfig()) as server:
        assert requests.get(server.base_url + "/_sandbox/counters", timeout=5).status_code == 200
    assert time.perf_counter() - began < 1.0


def test_new_account_has_the_general_interest_list(sandbox_api):
    response = sandbox_api.get("/v3/contact_lists")
    assert response.status_code == 200
    assert [item["name"] for item in response.json()["lists"]] == ["General Interest"]


def test_imported_contact_is_listed_with_its_membership(sandbox_api):
    list_id = sandbox_api.default_list_id()
    activity = sandbox_api.import_contacts([{"email": "Ann@Example.com", "first_name": "Ann"}], [list_id])
    assert activity["state"] == "completed"
    contact = sandbox_api.contact_by_email("ann@example.com")
    assert contact["first_name"] == "Ann"
    assert contact["list_memberships"] == [list_id]
    assert contact["create_source"] == "Account"


def test_each_sandbox_is_its_own_account(sandbox_factory):
    from tests.support.sandbox_http import Api

    first, second = sandbox_factory(), sandbox_factory()
    api_one = Api(first.base_url, first.oauth.issue_token("contact_data", None)["access_token"])
    api_two = Api(second.base_url, second.oauth.issue_token("contact_data", None)["access_token"])
    api_one.new_list("Only here")
    assert len(api_one.get("/v3/contact_lists").json()["lists"]) == 2
    assert len(api_two.get("/v3/contact_lists").json()["lists"]) == 1
    assert api_two.get("/v3/contact_lists", headers=api_one.session.headers).status_code == 401


def test_an_enormous_body_is_refused_with_413(sandbox_api, monkeypatch):
    from ctctdesk.sandbox import serving

    monkeypatch.setattr(serving.BoundedRequest, "max_content_length", 10_000)
    response = sandbox_api.post("/v3/activities/contacts_json_import",
                                {"import_data": [{"email": f"p{i}@example.com"} for i in range(1000)],
                                 "list_ids": [sandbox_api.default_list_id()]})
    assert response.status_code == 413
    assert response.json()[0]["error_key"] == "request.invalid"


def test_a_stopped_sandbox_stops_answering_kept_alive_connections(sandbox_factory):
    import pytest

    server = sandbox_factory()
    session = requests.Session()
    url = server.base_url + "/_sandbox/counters"
    assert session.get(url, timeout=5).status_code == 200
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(url, timeout=5)
