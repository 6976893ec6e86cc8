"""The service's own rules without a network: how recorded runs read back (old rows too), C5, one run."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from ctctdesk.crm.db import close_database
from ctctdesk.sync import store
from ctctdesk.sync.errors import PullFirst, RunInProgress
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.service import LOCK_STALE_AFTER, RUN_LOCK_STATE, RunLock, StopReason, SyncService
from tests.support.crm_fixtures import open_crm

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def service(tmp_path):
    database = open_crm(tmp_path / "data")
    yield SyncService(database, None)
    close_database()


def old_row(direction: str, *, finished: bool = True, cancelled: bool = False, reason: str = "") -> int:
    """A history row as versions before the typed stop reason wrote it (``stop`` left empty)."""
    run_id = store.start_run(direction, "button", T0)
    store.finish_run(run_id, finished_at=T0 + timedelta(minutes=1) if finished else None, counts={},
                     per_list={}, errors=[], requests_used=3, cancelled=cancelled,
                     stopped_reason=reason)  # fmt: skip
    return run_id


def test_rows_without_a_stored_reason_read_back_sensibly(service):
    expected = {
        old_row("to_cc"): (Direction.TO_CC, StopReason.COMPLETED),
        old_row("from_cc", cancelled=True): (Direction.FROM_CC, StopReason.CANCELLED),
        old_row("both", finished=False): (Direction.BOTH, StopReason.INTERRUPTED),
        old_row("to_cc", reason="The daily allowance of 10,000 API requests is used up."):
            (Direction.TO_CC, StopReason.QUOTA),
        old_row("to_cc", reason="Constant Contact answered 500."): (Direction.TO_CC, StopReason.ERROR),
    }
    event = service.record_connection_broken("the access was revoked")
    runs = {run.run_id: run for run in service.history()}
    for run_id, (direction, stop) in expected.items():
        assert (runs[run_id].direction, runs[run_id].stop) == (direction, stop)
    assert runs[event].is_connection_event and runs[event].direction is None
    assert runs[event].stop is StopReason.AUTH and not runs[event].ok
    assert [run.ok for run in service.history()][-1] is True  # the plain old push


def test_a_push_before_the_first_pull_is_refused_and_a_disconnect_brings_the_rule_back(service):
    with pytest.raises(PullFirst, match="update the CRM from Constant Contact first"):
        service.check_may_push()
    old_row("from_cc")  # a database that pulled before the rule was stored
    service.check_may_push()
    service.forget_account()  # disconnect (C6): the next account starts with a pull again
    with pytest.raises(PullFirst):
        service.check_may_push()
    assert SyncService(service.database, None, pull_first=False).check_may_push() is None


def test_one_run_at_a_time_and_a_crashed_holder_is_taken_over(service):
    now = [T0]
    lock, other = RunLock(lambda: now[0]), RunLock(lambda: now[0])
    token = lock.acquire("button")
    with pytest.raises(RunInProgress, match="Another synchronization is running"):
        other.acquire("command line")
    now[0] += LOCK_STALE_AFTER / 2
    lock.beat(token)  # a live run keeps its claim
    now[0] += LOCK_STALE_AFTER / 2
    with pytest.raises(RunInProgress):
        other.acquire("command line")
    lock.release(token)
    second = other.acquire("command line")
    assert "from the command line" in lock.holder()
    now[0] += LOCK_STALE_AFTER  # the command line died without releasing
    assert lock.holder() == ""
    taken = lock.acquire("button")  # taken over
    other.release(second)  # a late release of the lost claim does not free the new one
    assert lock.holder().startswith("at ")
    lock.release(taken)
    assert lock.holder() == ""


def test_a_lock_held_by_a_killed_process_of_this_machine_is_taken_over_at_once(service):
    """R13: `ctctdesk sync` killed mid-run; the next run must not be refused for ten minutes."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock = RunLock(lambda: T0)
    token = lock.acquire("command line")
    uuid_part, _, host = token.split("/")
    claim = store.get_state(RUN_LOCK_STATE)
    store.set_state(RUN_LOCK_STATE, claim.replace(token, f"{uuid_part}/{dead.pid}/{host}"))  # its claim
    assert lock.holder() == ""
    taken = lock.acquire("button")
    assert lock.holder().startswith("at ")
    lock.release(taken)
