"""Bearer tokens, scopes and the generic HTTP errors of the sandbox's V3 API."""

from __future__ import annotations

import requests

from tests.support.sandbox_http import Api


def _unauthorized(response: requests.Response) -> str:
    assert response.status_code == 401
    body = response.json()
    assert body["error_key"] == "unauthorized"
    return body["error_message"]


def test_missing_token_is_refused(sandbox):
    assert "no access token" in _unauthorized(Api(sandbox.base_url, None).get("/v3/contacts"))


def test_unknown_token_is_refused(sandbox):
    assert "not valid" in _unauthorized(Api(sandbox.base_url, "made-up-token").get("/v3/contacts"))


def test_expired_token_is_refused_once_the_clock_passes_its_lifetime(sandbox):
    token = sandbox.oauth.issue_token("contact_data", 60)["access_token"]
    api = Api(sandbox.base_url, token)
    assert api.get("/v3/contacts").status_code == 200
    assert api.control("clock", {"advance_seconds": 61}).status_code == 200
    assert "expired" in _unauthorized(api.get("/v3/contacts"))


def test_revoked_token_is_refused(sandbox):
    from ctctdesk.sandbox import oauth

    token = sandbox.oauth.issue_token("contact_data", None)
    revoked = requests.post(sandbox.base_url + "/oauth2/default/v1/revoke",
                            data={"token": token["access_token"], "token_type_hint": "access_token",
                                  "client_id": oauth.DEMO_CLIENT_ID}, timeout=5)
    assert revoked.status_code == 200
    assert "revoked" in _unauthorized(Api(sandbox.base_url, token["access_token"]).get("/v3/contacts"))


def test_token_from_the_control_interface_works(sandbox):
    issued = requests.post(sandbox.base_url + "/_sandbox/tokens",
                           json={"scopes": "contact_data account_read", "expires_in": 3600}, timeout=5).json()
    assert issued["expires_in"] == 3600 and issued["token_type"].lower() == "bearer"
    assert Api(sandbox.base_url, issued["access_token"]).get("/v3/account/summary").status_code == 200


def test_contact_calls_need_the_contact_data_scope(sandbox):
    api = Api(sandbox.base_url, sandbox.oauth.issue_token("account_read", None)["access_token"])
    for path in ("/v3/contacts", "/v3/contact_lists", "/v3/contact_tags", "/v3/activities"):
        response = api.get(path)
        assert response.status_code == 403, path
        assert response.json()[0]["error_key"] == "forbidden"
    assert api.get("/v3/account/summary").status_code == 200


def test_account_summary_needs_the_account_read_scope(sandbox):
    api = Api(sandbox.base_url, sandbox.oauth.issue_token("contact_data", None)["access_token"])
    assert api.get("/v3/account/summary").status_code == 403


def test_account_summary_describes_the_account(sandbox_api):
    summary = sandbox_api.get("/v3/account/summary").json()
    assert summary["organization_name"] and summary["encoded_account_id"]
    assert "physical_address" not in summary
    with_address = sandbox_api.get("/v3/account/summary", params={"extra_fields": "physical_address"}).json()
    assert with_address["physical_address"]["country_code"] == "US"


def test_unknown_path_is_404_and_wrong_method_is_405(sandbox_api):
    assert sandbox_api.get("/v3/no_such_thing").status_code == 404
    assert sandbox_api.get("/v3/contacts/a/b/c").status_code == 404
    response = sandbox_api.delete("/v3/contacts")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert sandbox_api.put("/v3/contact_lists", {"name": "x"}).status_code == 405
    assert requests.get(sandbox_api.base + "/elsewhere", timeout=5).status_code == 404


def test_body_that_is_not_json_gets_415(sandbox_api):
    response = sandbox_api.session.post(sandbox_api.base + "/v3/contact_lists", data="name=Friends",
                                        headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
    assert response.status_code == 415


def test_malformed_json_gets_400(sandbox_api):
    response = sandbox_api.session.post(sandbox_api.base + "/v3/contact_lists", data="{not json",
                                        headers={"Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 400
    assert response.json()[0]["error_key"] == "json.parse.error"
