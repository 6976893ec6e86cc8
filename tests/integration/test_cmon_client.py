"""The Campaign Monitor client against the emulator: what a sync engine relies on, call by call."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from ctctdesk.cmon.client import FieldValue, Rule, RuleGroup, SubscriberData
from ctctdesk.cmon.errors import AuthFailed, InvalidRequest, NotFound


def _control(server, path, body=None, method="POST"):
    response = requests.request(method, f"{server.base_url}/_sandbox/{path}", json=body, timeout=10)
    assert response.status_code < 300, response.text
    return response.json()


@pytest.fixture
def client_id(cmon_client):
    return cmon_client.clients()[0].client_id


@pytest.fixture
def list_id(cmon_client, client_id):
    return cmon_client.create_list(client_id, "Members", unsubscribe_setting="OnlyThisList")


def test_clients_lists_and_list_settings(cmon_client, client_id):
    assert [c.name for c in cmon_client.clients()] == ["Demo Office"]
    details = cmon_client.client_details(client_id)
    assert (details.name, details.time_zone) == ("Demo Office", "(GMT) Coordinated Universal Time")
    news = cmon_client.create_list(client_id, "News")
    assert [(item.list_id, item.name) for item in cmon_client.lists(client_id)] == [(news, "News")]
    details = cmon_client.list_details(news)
    assert (details.title, details.unsubscribe_setting) == ("News", "AllClientLists")
    cmon_client.update_list(news, "Newsletter", unsubscribe_setting="OnlyThisList")
    assert cmon_client.list_details(news).unsubscribe_setting == "OnlyThisList"
    with pytest.raises(InvalidRequest) as refused:
        cmon_client.create_list(client_id, "Newsletter")
    assert refused.value.code == 250
    cmon_client.delete_list(news)
    assert cmon_client.lists(client_id) == []
    with pytest.raises(NotFound):
        cmon_client.list_details(news)


def test_custom_fields_are_per_list_and_options_grow(cmon_client, client_id, list_id):
    other = cmon_client.create_list(client_id, "Other")
    key = cmon_client.create_custom_field(list_id, "Company Type", "MultiSelectMany", ["Client", "Vendor"])
    assert key == "[CompanyType]"
    assert cmon_client.custom_fields(other) == []
    cmon_client.update_custom_field_options(list_id, key, ["Partner"])
    (field,) = cmon_client.custom_fields(list_id)
    assert (field.field_name, field.key, field.data_type) == ("Company Type", "[CompanyType]", "MultiSelectMany")
    assert field.options == ("Client", "Vendor", "Partner")
    with pytest.raises(InvalidRequest) as refused:
        cmon_client.create_custom_field(list_id, "Company Type", "Text")
    assert refused.value.code == 255
    cmon_client.add_subscriber(list_id, SubscriberData("a@example.org", "A", (FieldValue(key, "Client"),)))
    renamed = cmon_client.update_custom_field(list_id, key, "Organisation Type")
    assert renamed == "[OrganisationType]"
    assert cmon_client.subscriber(list_id, "a@example.org").values("Organisation Type") == ["Client"]
    cmon_client.delete_custom_field(list_id, renamed)
    assert cmon_client.custom_fields(list_id) == []


def test_one_email_on_two_lists_is_two_subscribers(cmon_client, client_id, list_id):
    other = cmon_client.create_list(client_id, "Other", unsubscribe_setting="OnlyThisList")
    cmon_client.create_custom_field(list_id, "City", "Text")
    cmon_client.add_subscriber(list_id, SubscriberData("ann@example.org", "Ann", (FieldValue("City", "Oslo"),)))
    cmon_client.add_subscriber(other, SubscriberData("ann@example.org", "Ann B"))
    first, second = cmon_client.subscriber(list_id, "ann@example.org"), cmon_client.subscriber(other, "ann@example.org")
    assert (first.name, first.values("City")) == ("Ann", ["Oslo"])
    assert (second.name, second.custom_fields) == ("Ann B", ())
    cmon_client.unsubscribe(list_id, "ann@example.org")
    assert cmon_client.subscriber(list_id, "ann@example.org").state == "Unsubscribed"
    assert cmon_client.subscriber(other, "ann@example.org").state == "Active"
    assert cmon_client.subscriber(other, "nobody@example.org") is None


def test_all_client_lists_unsubscribe_leaves_every_list_and_suppresses(cmon_client, client_id):
    a = cmon_client.create_list(client_id, "A")  # AllClientLists, the service's default
    b = cmon_client.create_list(client_id, "B", unsubscribe_setting="OnlyThisList")
    for list_id in (a, b):
        cmon_client.add_subscriber(list_id, SubscriberData("bo@example.org", "Bo"))
    cmon_client.unsubscribe(a, "bo@example.org")
    assert [cmon_client.subscriber(i, "bo@example.org").state for i in (a, b)] == ["Unsubscribed", "Unsubscribed"]
    assert [s.email for s in cmon_client.suppression_list(client_id)] == ["bo@example.org"]
    states = {m.list_name: m.state for m in cmon_client.lists_for_email(client_id, "bo@example.org")}
    assert states == {"A": "Unsubscribed", "B": "Unsubscribed"}


def test_import_never_resubscribes_and_reports_each_failure(cmon_client, cmon_sandbox, list_id):
    cmon_client.create_custom_field(list_id, "Tags", "MultiSelectMany", ["Gold", "Silver"])
    first = cmon_client.import_subscribers(list_id, [
        SubscriberData("a@example.org", "A", (FieldValue("[Tags]", "Gold"), FieldValue("[Tags]", "Silver"))),
        SubscriberData("b@example.org", "B"),
    ])
    assert (first.total_new, first.total_existing, first.failures) == (2, 0, ())
    _control(cmon_sandbox, "unsubscribe", {"email": "b@example.org", "list_id": list_id})
    second = cmon_client.import_subscribers(list_id, [
        SubscriberData("a@example.org", "A. Person"),
        SubscriberData("b@example.org", "B"),
        SubscriberData("not-an-email", "C"),
        SubscriberData("d@example.org", "D"),
        SubscriberData("D@example.org", "D again"),
    ])
    assert (second.total_new, second.total_existing) == (1, 2)
    assert {(f.email, f.code) for f in second.failures} == {("b@example.org", 206), ("not-an-email", 1)}
    assert second.duplicates == ("D@example.org",)
    assert cmon_client.subscriber(list_id, "b@example.org").state == "Unsubscribed"
    kept = cmon_client.subscriber(list_id, "a@example.org")
    assert (kept.name, kept.values("Tags")) == ("A. Person", ["Gold", "Silver"])


def test_import_takes_at_most_a_thousand_a_request(cmon_client, cmon_sandbox, list_id):
    rows = [SubscriberData(f"p{n}@example.org", f"P {n}") for n in range(2500)]
    with pytest.raises(ValueError):
        cmon_client.import_subscribers(list_id, rows)
    results = list(cmon_client.import_batches(list_id, rows))
    assert [r.total_new for r in results] == [1000, 1000, 500]
    counted = _control(cmon_sandbox, "counters", method="GET")["by_endpoint"]
    assert counted["POST subscribers/{list_id}/import.json"] == 3


def test_update_delete_and_the_reads_by_state_since_a_date(cmon_client, cmon_sandbox, list_id):
    cmon_client.import_subscribers(list_id, [SubscriberData(f"s{n}@example.org", f"S {n}") for n in range(25)])
    _control(cmon_sandbox, "clock", {"advance_seconds": 3600})
    cutoff = cmon_client.system_date()
    _control(cmon_sandbox, "clock", {"advance_seconds": 60})
    cmon_client.update_subscriber(list_id, "s1@example.org", SubscriberData("s1.new@example.org", "S One"))
    cmon_client.delete_subscriber(list_id, "s2@example.org")
    _control(cmon_sandbox, "unsubscribe", {"email": "s3@example.org", "list_id": list_id})
    _control(cmon_sandbox, "bounce", {"email": "s4@example.org", "list_id": list_id})

    active = list(cmon_client.subscribers(list_id, "active", page_size=10))
    assert len(active) == 22 and "s1.new@example.org" in {s.email for s in active}
    assert list(cmon_client.subscribers(list_id, "active", since=cutoff)) == []
    assert [s.email for s in cmon_client.subscribers(list_id, "deleted", since=cutoff)] == ["s2@example.org"]
    assert [s.email for s in cmon_client.subscribers(list_id, "unsubscribed", since=cutoff)] == ["s3@example.org"]
    assert [s.email for s in cmon_client.subscribers(list_id, "bounced", since=cutoff)] == ["s4@example.org"]
    page = cmon_client.subscribers_page(list_id, "active", page=3, page_size=10)
    assert (page.page_number, page.records_on_this_page, page.total_records, page.number_of_pages) == (3, 2, 22, 3)
    assert cmon_client.list_stats(list_id).total_active == 22


def test_segments_select_by_rule(cmon_client, list_id):
    cmon_client.create_custom_field(list_id, "Tags", "MultiSelectMany", ["Gold", "Silver"])
    cmon_client.import_subscribers(list_id, [
        SubscriberData("g@example.org", "G", (FieldValue("Tags", "Gold"),)),
        SubscriberData("s@example.org", "S", (FieldValue("Tags", "Silver"),)),
        SubscriberData("n@example.org", "N"),
    ])
    gold = RuleGroup((Rule("[Tags]", "EQUALS Gold"),))
    segment_id = cmon_client.create_segment(list_id, "Gold", [gold])
    assert [s.title for s in cmon_client.segments(list_id)] == ["Gold"]
    assert [s.email for s in cmon_client.segment_subscribers(segment_id)] == ["g@example.org"]
    either = RuleGroup((Rule("[Tags]", "EQUALS Gold"), Rule("[Tags]", "EQUALS Silver")))
    cmon_client.update_segment(segment_id, "Gold or Silver", [either])
    details = cmon_client.segment(segment_id)
    assert (details.title, details.active_subscribers, details.rule_groups) == ("Gold or Silver", 2, (either,))
    with pytest.raises(InvalidRequest) as refused:
        cmon_client.create_segment(list_id, "Bad", [RuleGroup((Rule("[Tags]", "EQUALS Bronze"),))])
    assert refused.value.code == 2722
    cmon_client.delete_segment(segment_id)
    assert cmon_client.segments(list_id) == []


def test_a_wrong_api_key_is_refused_without_showing_it(cmon_sandbox):
    from tests.support.cmon_fixtures import client_for

    client = client_for(cmon_sandbox, api_key="not-the-key-12345")
    with pytest.raises(AuthFailed) as refused:
        client.clients()
    assert refused.value.code == 100
    assert "not-the-key-12345" not in str(refused.value) and "not-the-key-12345" not in repr(client.transport.credentials)


def test_since_dates_are_sent_as_the_client_local_time(cmon_client, list_id):
    cmon_client.add_subscriber(list_id, SubscriberData("x@example.org", "X"))
    joined = cmon_client.subscriber(list_id, "x@example.org").state_changed
    assert [s.email for s in cmon_client.subscribers(list_id, "active", since=joined)] == ["x@example.org"]
    later = joined + dt.timedelta(seconds=1)
    assert list(cmon_client.subscribers(list_id, "active", since=later)) == []


@pytest.mark.cmon_config(utc_offset_minutes=600)
def test_dates_are_the_client_time_zone_and_a_seen_date_is_a_safe_since(cmon_client, client_id):
    list_id = cmon_client.create_list(client_id, "Sydney office")
    cmon_client.add_subscriber(list_id, SubscriberData("syd@example.org", "Syd"))
    assert cmon_client.client_details(client_id).time_zone.startswith("(GMT+10:00)")
    seen = cmon_client.subscriber(list_id, "syd@example.org").state_changed
    utc_now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert abs((seen - utc_now) - dt.timedelta(hours=10)) < dt.timedelta(minutes=5)
    assert [s.email for s in cmon_client.subscribers(list_id, "active", since=seen)] == ["syd@example.org"]
    assert list(cmon_client.subscribers(list_id, "active", since=seen + dt.timedelta(seconds=1))) == []


@pytest.mark.real_clock
@pytest.mark.cmon_config(rate_limit_per_second=10)
def test_the_client_pace_stays_under_the_emulator_limit_in_real_time(cmon_sandbox):
    import time

    from ctctdesk.cmon.client import open_client
    from ctctdesk.timing import SystemClock

    client = open_client(api_key=cmon_sandbox.api_key, api_base_url=cmon_sandbox.api_base_url,
                         clock=SystemClock(), requests_per_second=10)
    _control(cmon_sandbox, "counters", method="DELETE")
    started = time.monotonic()
    for _ in range(25):
        client.clients()
    assert time.monotonic() - started >= 2.0
    assert _control(cmon_sandbox, "counters", method="GET")["total"] == 25  # not one refused and repeated
