# ruff: noqa: F811 - pytest fixtures are imported by name
"""Export Contacts to a File through the client: a large list's members in a few requests."""

from __future__ import annotations

import pytest
import requests

from ctctdesk.ctct.client import _row_email
from ctctdesk.ctct.errors import BadResponse
from tests.support.ctct_fixtures import connect_through_browser, memory_keyring, sandbox_connection  # noqa: F401


def control(sandbox, path, body=None, method="POST"):
    response = requests.request(method, f"{sandbox.base_url}/_sandbox/{path}", json=body, timeout=30)
    assert response.status_code < 300, response.text
    return response.json()


@pytest.fixture
def client(sandbox_connection, memory_keyring):
    connect_through_browser(sandbox_connection)
    return sandbox_connection.client()


@pytest.mark.sandbox_config(activity_delay=0)
def test_members_of_a_3000_contact_list_in_a_few_requests(sandbox, client):
    control(sandbox, "seed", {"contacts": 3000, "lists": 2})
    lists = {item.name: item for item in client.iter_lists(include_membership_count=True)}
    wanted = [item.list_id for item in lists.values() if item.membership_count]
    state = sandbox.state
    expected = {lid: frozenset(state.contacts[cid].email for cid in state.members[lid]) for lid in wanted}
    control(sandbox, "counters", method="DELETE")
    members = client.list_member_emails(wanted)
    assert members == expected
    assert max(len(m) for m in members.values()) > 2000
    used = sandbox.counters.by_endpoint
    assert used["POST /v3/activities/contact_exports"] == len(wanted)
    assert used["GET /v3/contact_exports/{file_export_id}"] == len(wanted)
    assert sum(used.values()) <= 4 * len(wanted)


def test_the_address_column_is_found_however_it_is_headed():
    for header in ("email_address", "Email address", "EMAIL", "Email Address "):
        assert _row_email({"First name": "Ann", header: " Ann@Example.COM "}) == "ann@example.com"
    with pytest.raises(BadResponse):
        _row_email({"First name": "Ann"})
