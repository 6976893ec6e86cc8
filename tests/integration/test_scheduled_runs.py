# ruff: noqa: F811 - pytest fixtures are imported by name
"""X2 against the real engine and the sandbox: a scheduled run is an ordinary run with trigger "schedule",
with the same history and the same guards, and it never confirms a guard by itself."""

from __future__ import annotations

from ctctdesk.crm import lists
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.schedule import Outcome, run_scheduled
from ctctdesk.sync.service import RunLock, StopReason
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401


def scheduled(env: SyncEnv, direction: Direction, **options):
    return run_scheduled(env.service, env.connection.status(), direction, **options)


def members_in_cc(env: SyncEnv, name: str) -> int:
    list_id = env.cc_lists()[name]
    return sum(list_id in c.get("list_memberships", []) for c in env.cc_contacts().values())


def test_a_scheduled_push_is_an_ordinary_run_in_the_history(sync_env):
    env = sync_env
    firm = add_company("Firm")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(3)])

    attempt = scheduled(env, Direction.TO_CC)

    assert attempt.outcome is Outcome.COMPLETED and not attempt.notify  # a clean run is silent
    assert members_in_cc(env, "Customers") == 3
    newest = env.service.history()[0]
    assert (newest.trigger, newest.direction, newest.stop) == ("schedule", Direction.TO_CC, StopReason.COMPLETED)
    assert newest.requests_used > 0


def test_a_scheduled_run_never_confirms_a_mass_removal(sync_env):
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(60)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    assert scheduled(env, Direction.TO_CC).outcome is Outcome.COMPLETED
    lists.remove_members(crm_list.id, ids[:55])

    attempt = scheduled(env, Direction.TO_CC)

    assert attempt.outcome is Outcome.HELD and attempt.notify
    assert members_in_cc(env, "Customers") == 60, "nothing was removed without a person's confirmation"
    held = env.service.history()[0]
    assert (held.trigger, held.stop) == ("schedule", StopReason.GUARD)
    assert "Synchronize tab" in held.stopped_reason


def test_a_scheduled_both_run_holds_its_push_at_the_guard(sync_env):
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(60)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    assert scheduled(env, Direction.BOTH).outcome is Outcome.COMPLETED
    lists.remove_members(crm_list.id, ids[:55])

    attempt = scheduled(env, Direction.BOTH)

    assert attempt.outcome is Outcome.HELD
    assert members_in_cc(env, "Customers") == 60
    assert env.service.history()[0].stop is StopReason.GUARD


def test_a_run_going_elsewhere_makes_the_slot_skip_and_says_why(sync_env):
    env = sync_env
    token = RunLock().acquire("command line")  # e.g. `ctctdesk sync` from the task scheduler
    try:
        attempt = scheduled(env, Direction.FROM_CC)
    finally:
        RunLock().release(token)

    assert attempt.outcome is Outcome.BUSY and not attempt.notify
    skipped = env.service.history()[0]
    assert (skipped.trigger, skipped.stop) == ("schedule", StopReason.SKIPPED)
    assert "command line" in skipped.stopped_reason
    assert skipped.requests_used == 0
    assert not env.service.has_pulled(), "a skipped pull does not count as the first pull (C5)"


def test_a_broken_connection_stops_the_schedule_before_any_request(sync_env):
    import pytest

    from ctctdesk.ctct.errors import AuthRevoked

    env = sync_env
    env.sandbox.oauth.reset()  # Constant Contact forgets every token
    with pytest.raises(AuthRevoked):
        env.connection.client().account_summary()
    used = env.connection.quota.used

    attempt = scheduled(env, Direction.BOTH)

    assert attempt.outcome is Outcome.BROKEN and attempt.notify
    assert env.connection.quota.used == used, "no request was sent"
    newest = env.service.history()[0]
    assert (newest.trigger, newest.stop) == ("schedule", StopReason.AUTH)
    assert "reconnect" in newest.stopped_reason
