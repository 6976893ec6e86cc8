"""The sandbox as the real service behaves (issue 11, facts 4–6): tokens, queues and account limits."""

from __future__ import annotations

import pytest
import requests

from ctctdesk.sandbox import oauth

TOKEN_PATH = "/oauth2/default/v1/token"


def refresh(sandbox, token: str) -> requests.Response:
    form = {"grant_type": "refresh_token", "refresh_token": token, "client_id": oauth.DEMO_CLIENT_ID}
    return requests.post(sandbox.base_url + TOKEN_PATH, data=form, timeout=5)


def test_access_tokens_last_a_day_and_rotating_refresh_tokens_work_once(sandbox):
    issued = sandbox.oauth.issue_token("contact_data offline_access", None)
    assert issued["expires_in"] == 86_400
    first = refresh(sandbox, issued["refresh_token"])
    assert first.status_code == 200 and first.json()["refresh_token"] != issued["refresh_token"]
    assert refresh(sandbox, issued["refresh_token"]).json()["error"] == "invalid_grant"


def test_long_lived_refresh_tokens_come_back_and_expire_after_180_days_unused(sandbox_api, sandbox):
    assert sandbox_api.control("config", {"refresh_tokens": "long_lived"}).json()["refresh_tokens"] == "long_lived"
    token = sandbox.oauth.issue_token("contact_data offline_access", None)["refresh_token"]
    sandbox.clock.advance(170 * 86_400)
    again = refresh(sandbox, token)
    assert again.status_code == 200 and again.json()["refresh_token"] == token
    sandbox.clock.advance(170 * 86_400)  # 340 days after issue, 170 after the last use: still good
    assert refresh(sandbox, token).status_code == 200
    sandbox.clock.advance(181 * 86_400)
    assert refresh(sandbox, token).json()["error"] == "invalid_grant"
    assert sandbox_api.control("config", {"refresh_tokens": "forever"}).status_code == 400


@pytest.mark.sandbox_config(activity_delay=60.0, max_running_activities=1)
def test_more_than_a_thousand_queued_activities_get_429(sandbox_api):
    list_id = sandbox_api.default_list_id()
    body = {"import_data": [{"email": "q@example.com"}], "list_ids": [list_id]}
    statuses = [sandbox_api.post("/v3/activities/contacts_json_import", body).status_code for _ in range(1001)]
    assert statuses[:1000] == [201] * 1000 and statuses[1000] == 429


def test_an_account_has_at_most_1000_lists_and_500_tags(sandbox_api, sandbox):
    with sandbox.state.lock:
        for n in range(999):  # plus the default list
            sandbox.state.create_list(f"List {n}")
        for n in range(500):
            sandbox.state.create_tag(f"Tag {n}", None)
    refused = sandbox_api.post("/v3/contact_lists", {"name": "One too many"})
    assert refused.status_code == 400 and refused.json()[0]["error_key"] == "contact_lists.limit"
    refused = sandbox_api.post("/v3/contact_tags", {"name": "One too many"})
    assert refused.status_code == 400 and refused.json()[0]["error_key"] == "contact_tags.limit"


def test_a_contact_has_at_most_50_tags(sandbox_api, sandbox):
    sandbox_api.import_contacts([{"email": "t@example.com"}], [sandbox_api.default_list_id()])
    contact_id = sandbox_api.contact_by_email("t@example.com")["contact_id"]
    with sandbox.state.lock:
        tag_ids = [sandbox.state.create_tag(f"Tag {n}", None)["tag_id"] for n in range(55)]
    for start in (0, 50):
        sandbox_api.finish(sandbox_api.post("/v3/activities/contacts_taggings_add", {
            "source": {"contact_ids": [contact_id]}, "tag_ids": tag_ids[start:start + 50]}))
    assert len(sandbox_api.contact_by_email("t@example.com", include="taggings")["taggings"]) == 50
