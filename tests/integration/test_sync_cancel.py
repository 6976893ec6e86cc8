# ruff: noqa: F811 - pytest fixtures are imported by name
"""Cancel reaches every wait of a sync run: the rate limiter, retries and activity polling.

The client runs on a fake clock here; the clock itself presses Cancel as soon as the run starts
waiting for Constant Contact, so each test sees the run stop inside such a wait (the real-time wake-up
is covered by the client's unit tests and measured by benchmarks/bench_cancel.py).
"""

from __future__ import annotations

import threading

import pytest

from ctctdesk.crm import lists
from ctctdesk.sync.errors import SyncCancelled
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401


def crm_list_of_three() -> None:
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(3)]
    lists.add_members(lists.create_list("Customers").id, ids)


def cancel_on_first_wait(env: SyncEnv) -> threading.Event:
    """A Cancel that is pressed the moment the client starts waiting for anything."""
    cancel = threading.Event()
    env.connection.clock.follow(lambda seconds: cancel.set())
    return cancel


def test_cancel_while_a_failed_import_waits_to_be_retried_ends_the_run_as_cancelled(sync_env):
    env = sync_env
    crm_list_of_three()
    preview = env.service.preview("to_cc")
    env.control("faults", {"kind": "503", "count": 1000, "path_prefix": "/v3/activities"})
    cancel = cancel_on_first_wait(env)
    summary = env.service.run(preview, force=True, cancel=cancel)
    assert summary.cancelled and not summary.stopped_reason
    assert "p0@firm.example" not in env.cc_contacts()

    env.api.control("faults", {}, method="DELETE")
    again = env.service.run(env.service.preview("to_cc"), force=True)
    assert again.ok and again.counts.get("contacts added") == 3  # nothing lost: the next run does it


@pytest.mark.sandbox_config(activity_delay=60.0)
def test_cancel_while_an_import_is_polled_ends_the_run_as_cancelled(sync_env):
    env = sync_env
    crm_list_of_three()
    preview = env.service.preview("to_cc")
    env.connection.limiter.max_requests = 10_000  # so the first wait of the run is the poll's
    cancel = cancel_on_first_wait(env)
    summary = env.service.run(preview, force=True, cancel=cancel)
    assert summary.cancelled and not summary.stopped_reason


def test_cancel_while_a_read_waits_for_a_retry_stops_the_preview(sync_env):
    env = sync_env
    env.control("faults", {"kind": "503", "count": 1000, "path_prefix": "/v3/contacts"})
    cancel = cancel_on_first_wait(env)
    with pytest.raises(SyncCancelled):
        env.service.preview("from_cc", cancel=cancel)
