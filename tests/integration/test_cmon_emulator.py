"""The Campaign Monitor emulator over plain HTTP: sign-in, the control interface, limits and faults."""

from __future__ import annotations

import pytest
import requests


class Http:
    """Plain requests against one emulator, signed in with its API key."""

    def __init__(self, server):
        self.server = server
        self.base = server.api_base_url
        self.auth = (server.api_key, "x")

    def get(self, path, **kw):
        return requests.get(f"{self.base}/{path}", auth=kw.pop("auth", self.auth), timeout=10, **kw)

    def post(self, path, body=None, **kw):
        return requests.post(f"{self.base}/{path}", json=body, auth=kw.pop("auth", self.auth), timeout=10, **kw)

    def control(self, path, body=None, method="POST"):
        return requests.request(method, f"{self.server.base_url}/_sandbox/{path}", json=body, timeout=10)

    def new_list(self, title="Members", setting="OnlyThisList"):
        client_id = self.get("clients.json").json()[0]["ClientID"]
        response = self.post(f"lists/{client_id}.json", {"Title": title, "UnsubscribeSetting": setting})
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def http(cmon_sandbox):
    return Http(cmon_sandbox)


def test_api_key_from_the_control_interface_is_accepted(http):
    key = http.control("api_key", method="GET").json()["api_key"]
    assert http.get("clients.json", auth=(key, "anything")).status_code == 200
    missing = requests.get(f"{http.base}/clients.json", timeout=10)
    assert (missing.status_code, missing.json()["Code"]) == (401, 50)
    wrong = http.get("clients.json", auth=("wrong", "x"))
    assert (wrong.status_code, wrong.json()) == (401, {"Code": 100, "Message": "Invalid API Key"})


def test_a_rotated_api_key_stops_working(http):
    old = http.auth[0]
    new = http.control("api_key/rotate").json()["api_key"]
    assert new != old
    assert http.get("clients.json", auth=(old, "x")).json()["Code"] == 100
    assert http.get("clients.json", auth=(new, "x")).status_code == 200


def test_oauth_tokens_expire_refresh_and_revoke(http, cmon_sandbox):
    tokens = http.control("tokens").json()
    assert set(tokens) == {"access_token", "expires_in", "refresh_token"}
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert requests.get(f"{http.base}/clients.json", headers=bearer, timeout=10).status_code == 200
    cmon_sandbox.clock.advance(tokens["expires_in"] + 1)
    expired = requests.get(f"{http.base}/clients.json", headers=bearer, timeout=10)
    assert (expired.status_code, expired.json()["Code"]) == (401, 121)
    renewed = requests.post(f"{cmon_sandbox.base_url}/oauth/token", timeout=10,
                            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}).json()
    fresh = {"Authorization": f"Bearer {renewed['access_token']}"}
    assert requests.get(f"{http.base}/clients.json", headers=fresh, timeout=10).status_code == 200
    reused = requests.post(f"{cmon_sandbox.base_url}/oauth/token", timeout=10,
                           data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
    assert (reused.status_code, reused.json()["error"]) == (400, "invalid_grant")
    http.control("tokens/revoke")
    revoked = requests.get(f"{http.base}/clients.json", headers=fresh, timeout=10)
    assert (revoked.status_code, revoked.json()["Code"]) == (401, 122)


def test_authorization_code_flow_approves_at_once(cmon_sandbox):
    redirect = "http://127.0.0.1:9/callback"
    answer = requests.get(f"{cmon_sandbox.base_url}/oauth", allow_redirects=False, timeout=10, params={
        "type": "web_server", "client_id": "123", "redirect_uri": redirect, "scope": "ImportSubscribers",
        "state": "s1"})
    assert answer.status_code == 302 and answer.headers["Location"].startswith(redirect + "?code=")
    code = answer.headers["Location"].split("code=")[1].split("&")[0]
    assert "state=s1" in answer.headers["Location"]
    tokens = requests.post(f"{cmon_sandbox.base_url}/oauth/token", timeout=10, data={
        "grant_type": "authorization_code", "client_id": "123", "client_secret": "s", "code": code,
        "redirect_uri": redirect}).json()
    assert tokens["access_token"] and tokens["refresh_token"]


def test_import_limits_and_documented_error_bodies(http):
    list_id = http.new_list()
    too_many = http.post(f"subscribers/{list_id}/import.json",
                         {"Subscribers": [{"EmailAddress": f"p{n}@example.org"} for n in range(1001)],
                          "Resubscribe": False})
    assert (too_many.status_code, too_many.json()["Code"]) == (400, 209)
    none = http.post(f"subscribers/{list_id}/import.json", {"Subscribers": [], "Resubscribe": False})
    assert none.json()["Code"] == 212
    unknown = http.get("lists/0123456789abcdef0123456789abcdef.json")
    assert (unknown.status_code, unknown.json()["Code"]) == (401, 101)
    not_there = http.get(f"subscribers/{list_id}.json", params={"email": "x@example.org"})
    assert (not_there.status_code, not_there.json()["Code"]) == (400, 203)
    bad_page = http.get(f"lists/{list_id}/active.json", params={"pagesize": 5})
    assert bad_page.json()["Code"] == 801


def test_unsubscribed_stays_unsubscribed_unless_resubscribe_is_sent(http):
    list_id = http.new_list()
    http.post(f"subscribers/{list_id}.json", {"EmailAddress": "a@example.org", "Name": "A", "Resubscribe": False})
    http.post(f"subscribers/{list_id}/unsubscribe.json", {"EmailAddress": "a@example.org"})
    again = http.post(f"subscribers/{list_id}.json", {"EmailAddress": "a@example.org", "Name": "A",
                                                       "Resubscribe": False})
    assert again.status_code == 201
    state = http.get(f"subscribers/{list_id}.json", params={"email": "a@example.org"}).json()["State"]
    assert state == "Unsubscribed"
    http.post(f"subscribers/{list_id}.json", {"EmailAddress": "a@example.org", "Resubscribe": True})
    assert http.get(f"subscribers/{list_id}.json", params={"email": "a@example.org"}).json()["State"] == "Active"


def test_a_suppressed_address_is_not_added_to_another_list(http):
    first, second = http.new_list("A", "AllClientLists"), http.new_list("B", "OnlyThisList")
    http.post(f"subscribers/{first}.json", {"EmailAddress": "s@example.org"})
    http.control("unsubscribe", {"email": "s@example.org", "list_id": first})
    result = http.post(f"subscribers/{second}/import.json",
                       {"Subscribers": [{"EmailAddress": "s@example.org"}], "Resubscribe": False}).json()
    assert result["Code"] == 210
    assert result["ResultData"]["FailureDetails"] == [
        {"EmailAddress": "s@example.org", "Code": 204, "Message": "In Suppression List"}]


def test_owner_actions_in_the_web_app(http):
    list_id = http.new_list()
    http.post(f"lists/{list_id}/customfields.json", {"FieldName": "City", "DataType": "Text"})
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        http.post(f"subscribers/{list_id}.json", {"EmailAddress": email})
    edited = http.control("owner/update_subscriber", {"list_id": list_id, "email": "a@example.org",
                                                      "name": "Ann", "custom_fields": {"City": "Rome"}}).json()
    assert (edited["Name"], edited["CustomFields"]) == ("Ann", [{"Key": "City", "Value": "Rome"}])
    http.control("owner/delete_subscriber", {"list_id": list_id, "email": "b@example.org"})
    http.control("owner/remove_from_list", {"list_id": list_id, "email": "c@example.org"})
    deleted = http.get(f"lists/{list_id}/deleted.json").json()["Results"]
    assert [s["EmailAddress"] for s in deleted] == ["b@example.org"]
    assert http.get(f"subscribers/{list_id}.json", params={"email": "c@example.org"}).json()["Code"] == 203
    http.control("owner/rename_list", {"list_id": list_id, "new_title": "Friends"})
    assert http.get(f"lists/{list_id}.json").json()["Title"] == "Friends"
    http.control("owner/delete_list", {"list": "Friends"})
    assert http.get(f"lists/{list_id}.json").status_code == 401


def test_requests_are_counted_and_faults_injected(http):
    http.control("counters", method="DELETE")
    http.get("clients.json")
    http.control("faults", {"kind": "503", "count": 1})
    assert http.get("clients.json").status_code == 503
    assert http.get("clients.json").status_code == 200
    counted = http.control("counters", method="GET").json()
    assert counted["total"] == 3 and counted["by_endpoint"] == {"GET clients.json": 3}


@pytest.mark.cmon_config(rate_limit_per_second=2)
def test_the_assumed_rate_limit_answers_429_with_reset_headers(http):
    answers = [http.get("clients.json") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert refused.json()["Code"] == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0" and int(refused.headers["X-RateLimit-Reset"]) >= 1


def test_state_survives_dump_and_load(http, cmon_factory):
    list_id = http.new_list()
    http.post(f"subscribers/{list_id}.json", {"EmailAddress": "keep@example.org", "Name": "Keep"})
    saved = http.control("state", method="GET").json()
    other = Http(cmon_factory())
    assert other.control("state", saved, method="PUT").status_code == 200
    other.auth = http.auth  # the saved state carries the API key
    found = other.get(f"subscribers/{list_id}.json", params={"email": "keep@example.org"}).json()
    assert found["Name"] == "Keep"


def test_double_opt_in_lists_hold_new_subscribers_until_they_confirm(http):
    client_id = http.get("clients.json").json()[0]["ClientID"]
    list_id = http.post(f"lists/{client_id}.json", {"Title": "Careful", "ConfirmedOptIn": True}).json()
    http.post(f"subscribers/{list_id}.json", {"EmailAddress": "c@example.org", "Resubscribe": False})
    assert [s["EmailAddress"] for s in http.get(f"lists/{list_id}/unconfirmed.json").json()["Results"]] == [
        "c@example.org"]
    assert http.control("confirm", {"list_id": list_id, "email": "c@example.org"}).json()["State"] == "Active"
    assert http.control("confirm", {"list_id": list_id, "email": "c@example.org"}).status_code == 409
