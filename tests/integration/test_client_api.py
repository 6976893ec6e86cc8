"""The API client against the sandbox: paging, limiter under fault bursts, quota, batching, bulk jobs."""

import threading
import uuid

import pytest
import requests

from ctctdesk.ctct.client import MAX_IMPORT_BYTES
from ctctdesk.ctct.connection import Connection
from ctctdesk.ctct.errors import Conflict, NotFound, QuotaExhausted, ValidationError
from tests.support.ctct_fixtures import (  # noqa: F401
    connect_through_browser,
    memory_keyring,
    sandbox_connection,
)


def control(sandbox, path, body=None, method="POST"):
    response = requests.request(method, f"{sandbox.base_url}/_sandbox/{path}", json=body, timeout=30)
    assert response.status_code < 300, response.text
    return response.json()


def max_in_any_second(timestamps):
    times = sorted(timestamps)
    return max((sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)), default=0)


@pytest.fixture
def client(sandbox_connection, memory_keyring):  # noqa: F811
    connect_through_browser(sandbox_connection)
    return sandbox_connection.client()


def test_paging_through_2000_contacts_in_pages_of_500(sandbox, client):
    control(sandbox, "seed", {"contacts": 2000, "lists": 0})
    control(sandbox, "counters", method="DELETE")
    pages = list(client.contact_pages(include=["list_memberships"], status="all"))
    assert [len(page) for page in pages] == [500, 500, 500, 500]
    assert len({c.contact_id for page in pages for c in page}) == 2000
    assert control(sandbox, "counters", method="GET")["by_endpoint"] == {"GET /v3/contacts": 4}


@pytest.mark.real_clock  # the client's real limiter against the sandbox's real limit
@pytest.mark.sandbox_config(rate_limit_per_second=4.0)
def test_fault_bursts_are_survived_without_ever_passing_four_a_second(sandbox, client):
    control(sandbox, "counters", method="DELETE")
    for kind, count in (("429", 3), ("503", 2), ("500", 2), ("drop", 1)):
        control(sandbox, "faults", {"kind": kind, "count": count})
    results, failures = [], []

    def worker():
        try:
            for _ in range(3):  # 12 calls and 8 faults from two threads: five seconds of real pacing
                results.append(client.account_summary().organization_name)
                results.append(len(list(client.iter_lists())))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures, failures
    assert len(results) == 12
    counters = control(sandbox, "counters", method="GET")
    # every answered call plus the 8 injected faults: the sandbox's own limiter never had to refuse one
    assert counters["total"] == 12 + 8
    assert max_in_any_second(counters["timestamps"]) <= 4


def test_daily_allowance_stops_cleanly_and_is_remembered(sandbox, sandbox_connection, memory_keyring):  # noqa: F811
    limited = Connection(sandbox_connection.data_dir, settings=sandbox_connection.settings, daily_allowance=5,
                         clock=sandbox_connection.clock)
    connect_through_browser(limited)  # reads the account summary: request 1
    client = limited.client()
    for _ in range(4):
        client.account_summary()
    with pytest.raises(QuotaExhausted) as caught:
        client.account_summary()
    assert "5 of 5" in str(caught.value) and "continues" in str(caught.value)
    assert control(sandbox, "counters", method="GET")["total"] == 5  # the refused call was never sent
    again = Connection(sandbox_connection.data_dir, settings=sandbox_connection.settings, daily_allowance=5,
                       clock=sandbox_connection.clock)
    status = again.status()
    assert (status.requests_today, status.daily_allowance) == (5, 5)


@pytest.mark.sandbox_config(daily_limit=3)
def test_the_services_own_daily_limit_is_a_clean_stop_too(sandbox, client):
    client.account_summary()  # the connect used the first request, these are the second and third
    client.account_summary()
    with pytest.raises(QuotaExhausted):
        client.account_summary()


def test_imports_are_batched_under_4_mb_so_nothing_is_dropped(sandbox, client):
    fields = [client.create_custom_field(f"Note {n}") for n in range(10)]
    target = client.create_list("Big import")
    long = "x" * 255
    streets = {f"{prefix}{part}": long for prefix in ("", "home_", "work_", "other_")
               for part in ("street", "street2")}
    contacts = [{"email": f"big{i}@example.com", "first_name": f"Big{i}", **streets,
                 **{f"cf:{field.name}": long for field in fields}} for i in range(1000)]
    activities = client.import_contacts(contacts, [target.list_id])
    assert len(activities) == 2  # about 5 MB in all: one import alone would lose the tail
    finals = [client.wait(activity, first_delay=0.05) for activity in activities]
    assert all(final.succeeded for final in finals), [final.errors for final in finals]
    imported = list(client.iter_contacts(lists=[target.list_id]))
    assert len(imported) == 1000
    assert MAX_IMPORT_BYTES < 4 * 1024 * 1024


def test_membership_activities_in_chunks_and_wait_reports_progress(sandbox, client):
    control(sandbox, "seed", {"contacts": 1200, "lists": 0})
    ids = [c.contact_id for c in client.iter_contacts()]
    target = client.create_list("Everyone")
    activities = client.add_list_memberships(ids, [target.list_id])
    assert [a.item_count for a in activities] == [500, 500, 200]
    seen = []
    finals = [client.wait(activity, seen.append, first_delay=0.05) for activity in activities]
    assert all(final.succeeded and final.percent_done == 100 for final in finals)
    assert seen[0].state == "initialized" and seen[-1].done
    counts = {item.name: item.membership_count for item in client.iter_lists(include_membership_count=True)}
    assert counts["Everyone"] == 1200
    removal = client.remove_list_memberships(ids[:700], [target.list_id])
    for activity in removal:
        client.wait(activity, first_delay=0.05)
    counts = {item.name: item.membership_count for item in client.iter_lists(include_membership_count=True)}
    assert counts["Everyone"] == 500


def test_list_and_contact_operations_and_their_errors(sandbox, client):
    made = client.create_list("Customers", favorite=True)
    with pytest.raises(Conflict):
        client.create_list("Customers")
    renamed = client.rename_list(made.list_id, "Clients")
    assert (renamed.name, renamed.favorite) == ("Clients", True)  # PUT replaces: the flag is kept
    person = client.create_contact({"email_address": {"address": "ann@example.com"}, "first_name": "Ann",
                                    "list_memberships": [made.list_id]})
    assert person.email == "ann@example.com"
    updated = client.update_contact(person.contact_id, {"email_address": {"address": "ann@example.com"},
                                                        "first_name": "Annie"})
    assert updated.first_name == "Annie"
    assert client.get_contact(person.contact_id, ["list_memberships"]).list_memberships == (made.list_id,)
    with pytest.raises(ValidationError) as caught:
        client.create_contact({"email_address": {"address": "not an email"}})
    assert caught.value.items and caught.value.items[0].error_message
    with pytest.raises(NotFound):
        client.get_contact(str(uuid.uuid4()))
    client.delete_contact(person.contact_id)
    assert client.create_tag("VIP").name == "VIP"
    assert [tag.name for tag in client.iter_tags()] == ["VIP"]
    client.wait(client.delete_list(made.list_id), first_delay=0.05)
    assert "Clients" not in [item.name for item in client.iter_lists()]
