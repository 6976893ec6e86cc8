# ruff: noqa: F811 - pytest fixtures are imported by name
"""A desktop clock ahead of Constant Contact's must not turn imported contacts into "not accepted"
(issue 12, item 8): the import is read back against the service's clock, from its `Date` header."""

from __future__ import annotations

import datetime as dt

import ctctdesk.sync.executor as executor_module
from ctctdesk.crm import lists
from ctctdesk.ctct.timing import FakeClock
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import make_env

AHEAD = dt.timedelta(hours=1)


class DesktopAhead(dt.datetime):
    """`datetime` as a desktop whose clock runs an hour ahead sees it."""

    @classmethod
    def now(cls, tz=None):
        return dt.datetime.now(tz) + AHEAD


def test_a_push_from_a_desktop_an_hour_ahead_accepts_every_imported_contact(
        sandbox, memory_keyring, tmp_path, monkeypatch):
    from ctctdesk.crm.db import close_database

    clock = FakeClock()
    clock.advance(AHEAD.total_seconds())  # the client's own clock is ahead too (the sandbox's is not)
    clock.follow(sandbox.clock.advance)
    monkeypatch.setattr(executor_module, "datetime", DesktopAhead, raising=False)
    env = make_env(sandbox, tmp_path, clock=clock)
    try:
        ids = [add_contact(add_company(f"Firm {i}"), f"P{i}", "Q", f"p{i}@firm{i}.example") for i in range(3)]
        lists.add_members(lists.create_list("Spring Promo").id, ids)
        summary = env.service.run(env.service.preview("to_cc"), force=True)
        assert summary.ok, summary
        assert not summary.errors
        assert summary.counts["contacts added"] == 3
        assert {f"p{i}@firm{i}.example" for i in range(3)} <= set(env.cc_contacts())
    finally:
        close_database()


def test_the_services_daily_limit_mid_push_is_reported_as_the_services_count(
        sandbox, memory_keyring, tmp_path):
    """Issue 12, item 9: Constant Contact's own count ran out, not this computer's: the summary says so."""
    from ctctdesk.crm.db import close_database

    env = make_env(sandbox, tmp_path)
    try:
        ids = [add_contact(add_company(f"Firm {i}"), f"P{i}", "Q", f"p{i}@firm{i}.example") for i in range(3)]
        lists.add_members(lists.create_list("Spring Promo").id, ids)

        def progress(p):
            if p.phase.startswith("Importing"):
                env.control("config", {"daily_limit": 1})

        summary = env.service.run(env.service.preview("to_cc"), force=True, on_progress=progress)
        assert not summary.ok
        assert "Constant Contact says" in summary.stopped_reason
        assert "allowance" in summary.stopped_reason  # the command line's exit code 9 still applies
        assert env.connection.quota.used < env.connection.quota.allowance
    finally:
        close_database()
