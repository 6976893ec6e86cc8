"""The sync engine over Campaign Monitor for tests: a real CRM database, a Campaign Monitor and the
SyncService reaching it through the adapter.

Two Campaign Monitors with one interface for the tests (a "world"): `FakeCampaignMonitor`, in memory
behind the adapter's Protocol, and `EmulatorWorld`, the emulator of the sandbox package on 127.0.0.1
reached through the real wire client (`ctctdesk.cmon`), as the application does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.crm_fixtures import open_crm
from tests.support.fake_cmon import FakeCampaignMonitor


class WorldClock:
    """The adapter's clock: the fake service's time (so a read's cursor and its dates agree)."""

    def __init__(self, now: Callable[[], dt.datetime]) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now()

    def monotonic(self) -> float:
        return self._now().timestamp()

    def sleep(self, seconds: float) -> None:  # nothing in the adapter waits
        raise AssertionError("the Campaign Monitor adapter does not wait")


class Quota:
    def __init__(self, count: Callable[[], int]) -> None:
        self._count = count

    @property
    def used(self) -> int:
        return self._count()


class Access:
    """`AccountAccess` over one adapter, as the front end's connection gives it."""

    def __init__(self, service: Any, count: Callable[[], int]) -> None:
        self._service = service
        self.quota = Quota(count)

    def client(self) -> Any:
        return self._service

    def add_listener(self, listener: Any) -> None:
        pass


class EmulatorWorld:
    """The emulator as the tests' Campaign Monitor: the engine talks to it through the wire client; the
    test acts as the subscribers and the owner on its state, as its control interface does."""

    def __init__(self, server: Any) -> None:
        from tests.support.cmon_fixtures import client_for

        self.server = server
        self.state = server.state
        self.client_id = next(iter(self.state.clients))
        self.client = client_for(server)

    def make_service(self) -> Any:
        from ctctdesk.sync.campaign_monitor.factory import service_over

        return service_over(self.client, self.client_id)

    @property
    def now(self) -> dt.datetime:
        return self.server.clock.now_datetime()

    @property
    def total_requests(self) -> int:
        return self.client.requests_sent

    def advance(self, **delta: float) -> None:
        self.client.transport.clock.advance(dt.timedelta(**delta).total_seconds())  # the emulator follows

    def _titled(self, title: str) -> Any:
        found = [i for i in self.state.client_lists(self.client_id) if i.title == title]
        assert found, f"no list {title}"
        return found[0]

    def list_id(self, title: str) -> str:
        return self._titled(title).list_id

    def list_count(self) -> int:
        return len(self.state.client_lists(self.client_id))

    def set_state(self, title: str, email: str, state: str) -> None:
        with self.state.lock:
            item = self._titled(title)
            if state == "Unsubscribed":
                self.state.unsubscribe(item, email)
            elif state == "Bounced":
                self.state.bounce(self.client_id, email, item.list_id)
            else:
                self.state.set_state(self.state.subscriber(item, email), state)

    def remove(self, title: str, email: str) -> None:
        with self.state.lock:
            self.state.remove_subscriber(self._titled(title), email)

    def edit(self, title: str, email: str, field_name: str, value: str) -> None:
        with self.state.lock:
            item = self._titled(title)
            self.state.apply_fields(item, self.state.subscriber(item, email), [{"Key": field_name, "Value": value}])

    def rename(self, title: str, email: str, name: str) -> None:
        with self.state.lock:
            item = self._titled(title)
            self.state.subscriber(item, email).name = name

    def suppress(self, email: str) -> None:
        with self.state.lock:
            self.state.suppress(self.client_id, email, "Manually added")

    def refuse(self, email: str) -> None:
        self.suppress(email)  # an import leaves a suppressed address out (code 204)

    def sign_up(self, title: str, email: str, name: str) -> None:
        with self.state.lock:
            self.state.add_or_update(self._titled(title), {"EmailAddress": email, "Name": name}, resubscribe=True)

    def values(self, title: str, email: str) -> dict[str, list[str]]:
        item = self._titled(title)
        sub = item.subscribers[email.lower()]
        return {item.custom_fields[k]["FieldName"]: list(v) for k, v in sub.fields.items()}

    def name(self, title: str, email: str) -> str:
        return self._titled(title).subscribers[email.lower()].name

    def state_of(self, title: str, email: str) -> str:
        return self._titled(title).subscribers[email.lower()].state

    def segment_titles(self, title: str) -> set[str]:
        list_id = self.list_id(title)
        return {s.title for s in self.state.segments.values() if s.list_id == list_id}

    def members(self, title: str, state: str = "Active") -> set[str]:
        return {e for e, s in self._titled(title).subscribers.items() if s.state == state}


@dataclass
class CmonEnv:
    world: Any  # FakeCampaignMonitor | EmulatorWorld
    cm: Any  # CampaignMonitorService
    service: Any  # SyncService
    data_dir: Path

    def sync(self, direction: str, *, full: bool = False, **options: Any) -> Any:
        return self.service.run(self.service.preview(direction, full=full), force=True, **options)

    def restarted(self, **options: Any) -> Any:
        """A new SyncService and adapter over the same database and Campaign Monitor (a restart)."""
        from ctctdesk.sync.service import SyncService

        self.cm = make_service(self.world)
        options.setdefault("pull_first", False)
        self.service = SyncService(self.service.database, Access(self.cm, lambda: self.world.total_requests),
                                   clock=lambda: self.world.now, **options)
        return self.service


def make_service(world: Any) -> Any:
    from ctctdesk.sync.campaign_monitor.service import CampaignMonitorService

    if isinstance(world, FakeCampaignMonitor):
        return CampaignMonitorService(world, world.client_id, clock=WorldClock(lambda: world.now))
    return world.make_service()


def make_cmon_env(tmp_path: Path, world: Any = None, **options: Any) -> CmonEnv:
    from ctctdesk.sync.service import SyncService

    world = world or FakeCampaignMonitor()
    data_dir = tmp_path / "data"
    database = open_crm(data_dir)
    cm = make_service(world)
    options.setdefault("pull_first", False)
    service = SyncService(database, Access(cm, lambda: world.total_requests), clock=lambda: world.now, **options)
    return CmonEnv(world, cm, service, data_dir)
