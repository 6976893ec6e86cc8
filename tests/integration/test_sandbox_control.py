"""The control interface: acting as contacts and the account owner, faults, state, clock, seeding."""

from __future__ import annotations

import json
import time

import pytest
import requests

from ctctdesk.sandbox.server import SandboxConfig, SandboxServer
from tests.support.sandbox_http import Api


def test_unsubscribe_and_bounce_need_a_known_contact(sandbox_api):
    assert sandbox_api.control("unsubscribe", {"email": "nobody@example.com"}).status_code == 404
    assert sandbox_api.control("bounce", {}).status_code == 400
    sandbox_api.import_contacts([{"email": "b@example.com"}], [sandbox_api.default_list_id()])
    bounced = sandbox_api.control("bounce", {"email": "b@example.com"})
    assert bounced.status_code == 200
    assert [c["email_address"]["address"] for c in sandbox_api.all_contacts(status="temp_hold")] == ["b@example.com"]


def test_unsubscribe_is_found_by_optout_after(sandbox_api):
    sandbox_api.import_contacts([{"email": "u@example.com"}], [sandbox_api.default_list_id()])
    before = sandbox_api.control("clock", method="GET").json()["now"]
    sandbox_api.control("clock", {"advance_seconds": 1})
    sandbox_api.control("unsubscribe", {"email": "U@example.com", "reason": "too many emails"})
    found = sandbox_api.all_contacts(optout_after=before)
    assert len(found) == 1
    email = found[0]["email_address"]
    assert email["permission_to_send"] == "unsubscribed" and email["opt_out_reason"] == "too many emails"


def test_owner_actions_in_the_web_ui(sandbox_api):
    general = sandbox_api.default_list_id()
    other = sandbox_api.new_list("Other")
    sandbox_api.import_contacts([{"email": "a@example.com"}, {"email": "b@example.com"}], [general, other])
    assert sandbox_api.control("owner/rename_list", {"name": "Other", "new_name": "General Interest"}).status_code == 409
    renamed = sandbox_api.control("owner/rename_list", {"list_id": other, "new_name": "Renamed"})
    assert renamed.status_code == 200
    assert sandbox_api.get(f"/v3/contact_lists/{other}").json()["name"] == "Renamed"
    removed = sandbox_api.control("owner/remove_from_list", {"email": "a@example.com", "list_name": "Renamed"})
    assert removed.status_code == 200
    assert sandbox_api.contact_by_email("a@example.com")["list_memberships"] == [general]
    assert sandbox_api.control("owner/remove_from_list", {"email": "a@example.com", "list_id": other}).status_code == 409
    updated = sandbox_api.control("owner/update_contact", {"email": "a@example.com", "first_name": "Ada",
                                                           "new_email": "ada@example.com"})
    assert updated.status_code == 200
    assert sandbox_api.contact_by_email("ada@example.com")["first_name"] == "Ada"
    assert sandbox_api.control("owner/update_contact", {"email": "ada@example.com"}).status_code == 400
    assert sandbox_api.control("owner/delete_contact", {"email": "b@example.com"}).status_code == 200
    assert sandbox_api.control("owner/delete_contact", {"email": "b@example.com"}).status_code == 409
    assert [c["email_address"]["address"] for c in sandbox_api.all_contacts()] == ["ada@example.com"]
    assert sandbox_api.control("owner/delete_list", {"name": "Renamed"}).status_code == 200
    assert sandbox_api.get(f"/v3/contact_lists/{other}").status_code == 404
    assert sandbox_api.control("owner/delete_list", {"list_id": other}).status_code == 404
    assert sandbox_api.control("owner/delete_list", {}).status_code == 400
    assert sandbox_api.control("owner/nothing", {}).status_code == 404
    assert sandbox_api.control("owner/delete_list", method="GET").status_code == 405


@pytest.mark.parametrize("kind,status", [("500", 500), ("503", 503), ("429", 429)])
def test_error_faults_hit_the_next_requests_then_stop(sandbox_api, kind, status):
    assert sandbox_api.control("faults", {"kind": kind, "count": 2}).status_code == 201
    first, second, third = (sandbox_api.get("/v3/contacts") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (status, status, 200)
    assert isinstance(first.json(), list) and first.json()[0]["error_key"]
    if kind == "429":
        assert first.json()[0]["error_key"] == "throttled" and "Retry-After" not in first.headers


def test_fault_on_a_path_prefix_and_clearing(sandbox_api):
    sandbox_api.control("faults", {"kind": "500", "fraction": 1.0, "path_prefix": "/v3/contact_lists"})
    assert sandbox_api.get("/v3/contacts").status_code == 200
    assert sandbox_api.get("/v3/contact_lists").status_code == 500
    assert sandbox_api.get("/v3/contact_lists").status_code == 500
    assert len(sandbox_api.control("faults", method="GET").json()["faults"]) == 1
    sandbox_api.control("faults", method="DELETE")
    assert sandbox_api.get("/v3/contact_lists").status_code == 200


def test_fraction_fault_hits_about_that_share(sandbox_api):
    sandbox_api.control("faults", {"kind": "503", "fraction": 0.3, "seed": 7})
    statuses = [sandbox_api.get("/v3/contacts").status_code for _ in range(100)]
    assert 15 <= statuses.count(503) <= 45 and statuses.count(200) == 100 - statuses.count(503)


def test_slow_and_dropped_responses(sandbox_api):
    sandbox_api.control("faults", {"kind": "slow", "count": 1, "delay": 0.4})
    began = time.perf_counter()
    assert sandbox_api.get("/v3/contacts").status_code == 200
    assert time.perf_counter() - began >= 0.4
    sandbox_api.control("faults", {"kind": "slow", "count": 1, "delay": 2})
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(sandbox_api.base + "/v3/contacts", headers=sandbox_api.session.headers, timeout=0.3)
    sandbox_api.control("faults", {"kind": "drop", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(sandbox_api.base + "/v3/contacts", headers=sandbox_api.session.headers, timeout=5)
    assert sandbox_api.get("/v3/contacts").status_code == 200


def test_expired_token_fault_expires_the_current_tokens(sandbox, sandbox_api):
    sandbox_api.control("faults", {"kind": "expired_token", "count": 1})
    refused = sandbox_api.get("/v3/contacts")
    assert refused.status_code == 401 and "expired" in refused.json()["error_message"]
    assert sandbox_api.get("/v3/contacts").status_code == 401
    fresh = Api(sandbox.base_url, sandbox.oauth.issue_token("contact_data", None)["access_token"])
    assert fresh.get("/v3/contacts").status_code == 200


def test_fault_requests_are_checked(sandbox_api):
    assert sandbox_api.control("faults", {"kind": "fire", "count": 1}).status_code == 400
    assert sandbox_api.control("faults", {"kind": "500"}).status_code == 400
    assert sandbox_api.control("faults", {"kind": "500", "count": 1, "fraction": 0.5}).status_code == 400
    assert sandbox_api.control("faults", {"kind": "500", "fraction": 1.5}).status_code == 400
    assert sandbox_api.control("faults", "not an object").status_code == 400


def test_reset_empties_the_account_but_keeps_tokens(sandbox_api):
    sandbox_api.new_list("Extra")
    sandbox_api.import_contacts([{"email": "a@example.com"}], [sandbox_api.default_list_id()])
    assert sandbox_api.control("reset").json() == {"reset": True}
    assert sandbox_api.all_contacts(status="all") == []
    assert [item["name"] for item in sandbox_api.get("/v3/contact_lists").json()["lists"]] == ["General Interest"]
    sandbox_api.control("reset", {"oauth": True})
    assert sandbox_api.get("/v3/contacts").status_code == 401


def test_state_dump_and_load(sandbox_api):
    sandbox_api.import_contacts([{"email": "keep@example.com", "first_name": "Kept"}], [sandbox_api.default_list_id()])
    dumped = sandbox_api.control("state", method="GET").json()
    sandbox_api.control("reset")
    assert sandbox_api.all_contacts() == []
    assert sandbox_api.control("state", dumped, method="PUT").json()["contacts"] == 1
    assert sandbox_api.contact_by_email("keep@example.com")["first_name"] == "Kept"
    assert sandbox_api.control("state", {"nothing": 1}, method="PUT").status_code == 400


def test_state_file_survives_a_restart(tmp_path):
    state_file = tmp_path / "sandbox.json"
    config = SandboxConfig(rate_limit_per_second=None, activity_delay=0, state_file=state_file)
    with SandboxServer(config) as first:
        token = first.oauth.issue_token("contact_data", None)["access_token"]
        api = Api(first.base_url, token)
        api.new_list("Persistent")
    assert json.loads(state_file.read_text())["state"]["lists"]
    with SandboxServer(config) as second:
        names = [i["name"] for i in Api(second.base_url, token).get("/v3/contact_lists").json()["lists"]]
    assert sorted(names) == ["General Interest", "Persistent"]


def test_seed_adds_realistic_contacts_and_lists(sandbox_api):
    seeded = sandbox_api.control("seed", {"contacts": 40, "lists": 4}).json()
    assert seeded == {"contacts": 40, "lists": 4}
    contacts = sandbox_api.all_contacts(include="list_memberships")
    assert len(contacts) == 40
    assert all(c["first_name"] and c["last_name"] and c["list_memberships"] for c in contacts)
    assert len({c["email_address"]["address"] for c in contacts}) == 40
    assert len(sandbox_api.get("/v3/contact_lists").json()["lists"]) == 5
    assert sandbox_api.control("seed", {"contacts": -1}).status_code == 400


def test_clock_moves_only_forward(sandbox_api):
    before = sandbox_api.control("clock", method="GET").json()["now"]
    after = sandbox_api.control("clock", {"advance_seconds": 3600}).json()["now"]
    assert after > before
    assert sandbox_api.control("clock", {"advance_seconds": -5}).status_code == 400
    assert sandbox_api.control("clock", {}).status_code == 400


def test_device_approve_answers_a_count(sandbox_api):
    response = sandbox_api.control("device/approve")
    assert response.status_code == 200 and response.json()["approved"] == 0


def test_concurrent_requests_are_served(sandbox_api):
    from concurrent.futures import ThreadPoolExecutor

    sandbox_api.control("seed", {"contacts": 200, "lists": 2})
    with ThreadPoolExecutor(max_workers=8) as pool:
        sizes = list(pool.map(lambda _: len(Api(sandbox_api.base, sandbox_api.session.headers["Authorization"][7:])
                                             .all_contacts()), range(16)))
    assert sizes == [200] * 16


def test_control_tokens_refuse_unknown_scopes_and_bad_lifetimes(sandbox_api):
    assert sandbox_api.control("tokens", {"scopes": "contact_data mind_reading"}).status_code == 400
    assert sandbox_api.control("tokens", {"scopes": "contact_data", "expires_in": -1}).status_code == 400
    assert sandbox_api.control("tokens", {"scopes": 5}).status_code == 400


def test_device_code_approved_through_the_control_interface(sandbox):
    from ctctdesk.sandbox import oauth

    started = requests.post(sandbox.base_url + "/oauth2/default/v1/device/authorize",
                            data={"client_id": oauth.DEMO_CLIENT_ID, "scope": "contact_data offline_access"},
                            timeout=5).json()
    assert requests.get(sandbox.base_url + "/activate", timeout=5).status_code == 200
    poll = {"grant_type": oauth.DEVICE_GRANT_TYPE, "device_code": started["device_code"],
            "client_id": oauth.DEMO_CLIENT_ID}
    pending = requests.post(sandbox.base_url + "/oauth2/default/v1/token", data=poll, timeout=5)
    assert pending.json()["error"] == "authorization_pending"
    approved = requests.post(sandbox.base_url + "/_sandbox/device/approve",
                             json={"user_code": started["user_code"]}, timeout=5).json()
    assert approved == {"approved": 1}
    sandbox.clock.advance(10)
    token = requests.post(sandbox.base_url + "/oauth2/default/v1/token", data=poll, timeout=5).json()
    assert Api(sandbox.base_url, token["access_token"]).get("/v3/contacts").status_code == 200


def test_faults_can_target_the_authorization_server(sandbox):
    from ctctdesk.sandbox import oauth

    requests.post(sandbox.base_url + "/_sandbox/faults",
                  json={"kind": "503", "count": 1, "path_prefix": "/oauth2/"}, timeout=5)
    refresh = sandbox.oauth.issue_token("contact_data offline_access", None)["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": oauth.DEMO_CLIENT_ID}
    unavailable = requests.post(sandbox.base_url + "/oauth2/default/v1/token", data=form, timeout=5)
    assert unavailable.status_code == 503
    refreshed = requests.post(sandbox.base_url + "/oauth2/default/v1/token", data=form, timeout=5)
    assert refreshed.status_code == 200 and refreshed.json()["access_token"]


def test_only_the_contact_can_resubscribe(sandbox_api):
    sandbox_api.import_contacts([{"email": "r@example.com"}], [sandbox_api.default_list_id()])
    sandbox_api.control("unsubscribe", {"email": "r@example.com"})
    sandbox_api.control("clock", {"advance_seconds": 1})
    before = sandbox_api.contact_by_email("r@example.com")
    back = sandbox_api.control("resubscribe", {"email": "r@example.com"}).json()
    email = back["email_address"]
    assert email["permission_to_send"] == "explicit" and email["opt_in_source"] == "Contact"
    assert "opt_out_date" not in email
    assert back["updated_at"] > before["updated_at"]
    assert sandbox_api.control("resubscribe", {"email": "nobody@example.com"}).status_code == 404
