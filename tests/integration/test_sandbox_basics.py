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
