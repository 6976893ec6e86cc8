"""One engine contact per address out of Campaign Monitor's per-list subscribers (issue 16): the rules of
`ctctdesk.sync.campaign_monitor.model`, which every read goes through."""

from __future__ import annotations

from ctctdesk.sync.campaign_monitor.model import Entry, remote_contact, subscriber_body
from ctctdesk.sync.campaign_monitor.reader import since_date
from ctctdesk.sync.snapshot import RemoteStatus


def entry(state: str, date: str = "2026-11-30 10:00:00", **fields: str) -> Entry:
    return Entry(state, date, "", {k.replace("_", " "): [v] for k, v in fields.items()})


def test_unsubscribed_in_one_list_is_unsubscribed_and_in_no_list():
    rc = remote_contact("Ann@X.example", {"a": entry("Active"), "b": entry("Unsubscribed")})
    assert (rc.cc_id, rc.status, rc.list_ids) == ("ann@x.example", RemoteStatus.UNSUBSCRIBED, frozenset())


def test_a_bounce_holds_the_contact_in_its_lists():
    rc = remote_contact("ann@x.example", {"a": entry("Active"), "b": entry("Bounced")}, suppressed=True)
    assert rc.status == RemoteStatus.ON_HOLD and rc.list_ids == {"a", "b"}


def test_suppressed_alone_reads_as_unsubscribed():
    assert remote_contact("ann@x.example", {"a": entry("Active")}, suppressed=True).status == RemoteStatus.UNSUBSCRIBED


def test_deleted_everywhere_is_deleted_and_deleted_from_one_list_leaves_that_list():
    assert remote_contact("a@x.example", {"a": entry("Deleted")}).status == RemoteStatus.DELETED
    rc = remote_contact("a@x.example", {"a": entry("Deleted"), "b": entry("Active")})
    assert rc.status == RemoteStatus.ACTIVE and rc.list_ids == {"b"}


def test_values_come_from_the_newest_active_subscriber_whatever_the_order_of_the_lists():
    old = entry("Active", "2026-11-01 10:00:00", Job_title="Old")
    new = entry("Active", "2026-11-20 10:00:00", Job_title="New")
    assert remote_contact("a@x.example", {"a": old, "b": new}).job_title == "New"
    assert remote_contact("a@x.example", {"b": new, "a": old}).job_title == "New"
    assert remote_contact("a@x.example", {"c": entry("Deleted", Job_title="D"), "a": old}).job_title == "Old"
    tie_a, tie_b = entry("Active", Job_title="A"), entry("Active", Job_title="B")
    assert remote_contact("a@x.example", {"a": tie_a, "b": tie_b}).job_title == remote_contact(
        "a@x.example", {"b": tie_b, "a": tie_a}).job_title


def test_standard_fields_travel_as_custom_fields_and_tags_as_one_multi_valued_field():
    rc = remote_contact("a@x.example", {"a": Entry("Active", "", "Ann Archer", {
        "First name": ["Ann"], "Region": ["North"], "Tags": ["Gold", "Customer"]})})
    assert rc.first_name == "Ann" and rc.last_name == ""
    assert rc.custom_fields == (("#tag:Customer", "1"), ("#tag:Gold", "1"), ("Region", "North"))
    only_name = remote_contact("a@x.example", {"a": Entry("Active", "", "Bob Baker", {})})
    assert (only_name.first_name, only_name.last_name) == ("Bob", "Baker")


def test_a_subscriber_written_carries_its_name_its_fields_cleared_ones_and_its_tags():
    body = subscriber_body("a@x.example", {"first_name": "Ann", "last_name": "Archer", "custom:Region": "N"},
                           ["Gold"], clear=["Phone"])
    assert body["Name"] == "Ann Archer" and body["ConsentToTrack"] == "Unchanged"
    assert {"Key": "Region", "Value": "N"} in body["CustomFields"]
    assert {"Key": "Phone", "Value": "", "Clear": True} in body["CustomFields"]
    assert {"Key": "Tags", "Value": "Gold"} in body["CustomFields"]
    assert {"Key": "Tags", "Value": "", "Clear": True} in subscriber_body("a@x.example", {}, [])["CustomFields"]


def test_an_incremental_read_asks_from_an_hour_before_the_newest_date_it_saw_in_the_services_own_zone():
    assert since_date("2026-11-30 00:30:00") == "2026-11-29 23:30"


def test_the_clients_time_zone_moves_the_cursor_on_in_a_quiet_account():
    from datetime import UTC, datetime, timedelta

    from ctctdesk.sync.campaign_monitor.reader import next_cursor
    from ctctdesk.sync.campaign_monitor.service import utc_offset

    assert utc_offset("(GMT+10:00) Canberra, Melbourne, Sydney") == timedelta(hours=10)
    assert utc_offset("(GMT-03:30) Newfoundland") == -timedelta(hours=3, minutes=30)
    assert utc_offset("(GMT) Coordinated Universal Time") == timedelta(0)
    assert utc_offset("somewhere") is None
    started = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    assert next_cursor("2026-11-28 09:00:00", "", started, timedelta(hours=10)) == "2026-12-01 05:00:00"
    assert next_cursor("2026-11-28 09:00:00", "2026-11-27 00:00:00", started, None) == "2026-11-28 09:00:00"
    assert next_cursor("", "2026-11-27 00:00:00", started, None) == "2026-11-27 00:00:00"
