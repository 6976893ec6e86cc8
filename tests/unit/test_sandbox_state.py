"""The sandbox's building blocks without HTTP: limits, the activity queue, body rules, timestamps."""

from __future__ import annotations

import pytest

from ctctdesk.sandbox import activities
from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.errors import ApiError
from ctctdesk.sandbox.limits import RateLimiter
from ctctdesk.sandbox.state import SandboxState, field_name
from ctctdesk.sandbox.timefmt import iso, iso_date, parse_instant
from ctctdesk.sandbox.validation import problems, validate


def test_rate_limiter_allows_four_a_second_then_says_how_long_to_wait():
    limiter = RateLimiter(4, None)
    assert [limiter.check("a", 100.0 + i * 0.1) for i in range(4)] == [None] * 4
    assert limiter.check("a", 100.5) == ("rate", 1)
    assert limiter.check("b", 100.5) is None  # another account has its own window
    assert limiter.check("a", 101.05) is None


def test_daily_allowance_counts_accepted_requests_and_restarts_at_midnight_utc():
    limiter = RateLimiter(None, 2)
    midnight = parse_instant("2030-01-02T00:00:00Z")
    assert limiter.check("a", midnight - 100) is None
    assert limiter.check("a", midnight - 90) is None
    assert limiter.check("a", midnight - 80) == ("daily", 80)
    assert limiter.check("a", midnight + 1) is None


def _state(delay: float, slots: int) -> tuple[Clock, SandboxState]:
    clock = Clock()
    return clock, SandboxState(clock, activity_delay=lambda: delay, max_running=lambda: slots)


def test_activities_queue_behind_the_running_ones_and_complete_in_order():
    clock, state = _state(10, 1)
    list_id = next(iter(state.lists))
    made = [
        activities.create(
            state,
            "contacts_json_import",
            {"import_data": [{"email": f"p{i}@example.com"}], "list_ids": [list_id]},
            1,
        )
        for i in range(3)
    ]
    activities.advance(state)
    assert [a["state"] for a in made] == ["processing", "initialized", "initialized"]
    clock.advance(25)
    activities.advance(state)
    assert [a["state"] for a in made] == ["completed", "completed", "processing"]
    assert made[1]["started_at"] == made[0]["completed_at"]
    assert made[2]["percent_done"] == 50
    assert [c.email for c in state.order] == ["p0@example.com", "p1@example.com"]


def test_zero_delay_completes_on_the_first_advance():
    _, state = _state(0, 2)
    list_id = next(iter(state.lists))
    made = activities.create(state, "list_delete", {"list_ids": [list_id]}, 1)
    assert activities.activity_json(made)["state"] == "initialized"
    activities.advance(state)
    assert made["state"] == "completed" and state.lists[list_id]["deleted_at"] is not None


def test_unsubscribe_is_never_lifted_by_a_permission_change():
    _, state = _state(0, 2)
    contact = state.new_contact("a@example.com", "Account")
    state.unsubscribe(contact, source="Contact", reason=None)
    state.set_permission(contact, "explicit", "Account")
    assert contact.permission == "unsubscribed" and contact.opt_out_source == "Contact"


def test_state_dump_and_load_round_trip():
    _, state = _state(0, 2)
    contact = state.new_contact("a@example.com", "Account")
    state.add_membership(contact, next(iter(state.lists)))
    dumped = state.dump()
    _, other = _state(0, 2)
    other.load(dumped)
    assert other.dump() == dumped
    assert other.find_email("A@EXAMPLE.COM").contact_id == contact.contact_id


def test_body_rules_report_every_problem_with_where_it_is():
    found = problems(
        {"name": 5, "favorite": "yes"},
        {
            "type": "object",
            "required": ["name", "x"],
            "properties": {"name": {"type": "string"}, "favorite": {"type": "boolean"}},
        },
    )
    assert ("json.field.required", "#: required key [x] not found") in found
    assert [key for key, _ in found].count("json.type.invalid") == 2
    with pytest.raises(ApiError) as caught:
        validate({"import_data": [], "list_ids": ["nope"]}, "ContactsJsonImport")
    assert caught.value.status == 400 and "#/list_ids/0" in caught.value.items[0][1]


def test_timestamps_and_names():
    assert iso(0) == "1970-01-01T00:00:00.000Z" and iso_date(86_400 * 2) == "1970-01-03"
    assert parse_instant("1970-01-01T00:00:01Z") == 1.0
    assert parse_instant("1970-01-01T01:00:01+01:00") == 1.0
    assert parse_instant("1970-01-02") == 86_400
    with pytest.raises(ValueError):
        parse_instant("yesterday")
    assert field_name("Member since (year)") == "member_since_year"
