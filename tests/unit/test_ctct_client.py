"""Bulk batching, chunking, paging and activity polling of CtctClient (scripted HTTP, no server)."""

import json
import threading
import time

import pytest

from ctctdesk.ctct.client import MAX_IMPORT_BYTES, CtctClient, import_batches
from ctctdesk.ctct.errors import CtctError
from ctctdesk.ctct.http import ApiTransport, RateLimiter, RetryPolicy
from ctctdesk.ctct.timing import FakeClock, SystemClock
from tests.support.scripted_http import scripted_session


class Tokens:
    def access_token(self):
        return "t"

    def refresh_after_unauthorized(self, rejected):
        return "t"


def make_client(answers, clock=None):
    session, adapter = scripted_session(answers)
    transport = ApiTransport(
        "https://api.example.test/v3",
        Tokens(),
        session=session,
        limiter=RateLimiter(max_requests=10_000),
        retry=RetryPolicy(attempts=2, base=0.001, cap=0.001),
        clock=clock or FakeClock(),
    )
    return CtctClient(transport), adapter


def big_contacts(count, note_size=3000):
    return [
        {"email": f"person{i}@example.com", "first_name": "P", "cf:notes": "x" * note_size}
        for i in range(count)
    ]


def test_import_batches_stay_under_four_megabytes_and_keep_every_contact():
    contacts = big_contacts(3000)  # about 9 MB in all
    list_ids = ["04fe9a97-a579-43c5-bb1a-58ed29bf0a6a"]
    batches = list(import_batches(contacts, list_ids))
    assert len(batches) >= 3
    for batch in batches:
        body = json.dumps({"import_data": batch, "list_ids": list_ids}, separators=(",", ":"))
        assert len(body.encode()) <= MAX_IMPORT_BYTES
    assert [c for batch in batches for c in batch] == contacts


def test_import_sends_measured_bodies_under_the_limit():
    contacts = big_contacts(2000)
    answer = (201, {"activity_id": "a1", "state": "initialized"}, {})
    client, adapter = make_client(lambda request: answer)
    activities = client.import_contacts(contacts, ["l1", "l2"])
    assert len(activities) == len(adapter.sent) >= 2
    assert all(len(sent.body) <= MAX_IMPORT_BYTES for sent in adapter.sent)
    assert sum(len(sent.json()["import_data"]) for sent in adapter.sent) == 2000
    assert sum(a.item_count for a in activities) == 2000


def test_memberships_go_in_chunks_of_500_ids_and_50_lists():
    ids = [f"c{i}" for i in range(1201)]
    lists = [f"l{i}" for i in range(51)]
    client, adapter = make_client(lambda request: (201, {"activity_id": "a", "state": "initialized"}, {}))
    activities = client.add_list_memberships(ids, lists)
    assert len(activities) == 3 * 2
    for sent in adapter.sent:
        body = sent.json()
        assert len(body["source"]["contact_ids"]) <= 500 and len(body["list_ids"]) <= 50
        assert sent.url.endswith("/activities/add_list_memberships")
    assert client.delete_contacts(ids)[-1].item_count == 201


def test_paging_follows_next_links_until_the_last_page():
    pages = [
        (
            200,
            {
                "contacts": [{"contact_id": "1", "email_address": {"address": "a@x.com"}}],
                "_links": {"next": {"href": "/v3/contacts?cursor=c2"}},
            },
            {},
        ),
        (
            200,
            {
                "contacts": [
                    {
                        "contact_id": "2",
                        "email_address": {"address": "b@x.com", "permission_to_send": "unsubscribed"},
                    }
                ]
            },
            {},
        ),
    ]
    client, adapter = make_client(pages)
    contacts = list(
        client.iter_contacts(include=["list_memberships"], status="all", updated_after="2026-01-01T00:00:00Z")
    )
    assert [c.email for c in contacts] == ["a@x.com", "b@x.com"]
    assert contacts[1].permission_to_send == "unsubscribed"
    assert "limit=500" in adapter.sent[0].url and "updated_after=" in adapter.sent[0].url
    assert adapter.sent[1].url == "https://api.example.test/v3/contacts?cursor=c2"


def test_wait_reports_queued_percent_and_done():
    polls = [
        (200, {"activity_id": "a", "state": "initialized", "percent_done": 0}, {}),
        (200, {"activity_id": "a", "state": "processing", "percent_done": 40}, {}),
        (
            200,
            {
                "activity_id": "a",
                "state": "completed",
                "percent_done": 100,
                "activity_errors": [{"message": "Email x is invalid"}],
            },
            {},
        ),
    ]
    client, _ = make_client([(201, {"activity_id": "a", "state": "initialized"}, {})] + polls)
    activity = client.delete_contacts(["c1"])[0]
    seen = []
    final = client.wait(activity, seen.append)
    assert [a.state for a in seen] == ["initialized", "initialized", "processing", "completed"]
    assert seen[0].queued and final.done and final.succeeded
    assert final.errors == ("Email x is invalid",)
    assert final.kind == "contact_delete"


def processing_forever(request):
    if request.method == "POST":
        return 201, {"activity_id": "a", "state": "initialized"}, {}
    return 200, {"activity_id": "a", "state": "processing", "percent_done": 10}, {}


def test_wait_polls_less_often_as_time_goes_on_and_gives_up_after_the_timeout():
    clock = FakeClock()
    client, _ = make_client(processing_forever, clock)
    activity = client.delete_contacts(["c1"])[0]
    with pytest.raises(CtctError) as caught:
        client.wait(activity, first_delay=0.5, max_delay=15.0, timeout=600.0)
    assert "has not finished a bulk job" in str(caught.value)
    assert clock.slept[:3] == pytest.approx([0.5, 0.8, 1.28], abs=0.01)
    assert max(clock.slept) == pytest.approx(15.0, abs=0.01)  # a long job costs few requests a day
    assert 590.0 <= sum(clock.slept) <= 600.0 + 15.0


def test_cancel_ends_a_poll_wait_at_once():
    client, adapter = make_client(processing_forever, SystemClock())
    activity = client.delete_contacts(["c1"])[0]
    cancel = threading.Event()
    threading.Timer(0.05, cancel.set).start()
    started = time.monotonic()
    with client.cancelled_by(cancel):
        final = client.wait(activity, first_delay=30.0)  # the real clock: half a minute to the next poll
    assert time.monotonic() - started < 1.0
    assert not final.done and len(adapter.sent) == 1  # stopped as it stood, no further poll
