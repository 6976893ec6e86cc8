"""The sync engine over Campaign Monitor for tests: a real CRM database, a Campaign Monitor (the fake of
`tests.support.fake_cmon`) and the SyncService reaching it through the adapter."""

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


@dataclass
class CmonEnv:
    world: FakeCampaignMonitor
    cm: Any  # CampaignMonitorService
    service: Any  # SyncService
    data_dir: Path

    def sync(self, direction: str, *, full: bool = False, **options: Any) -> Any:
        return self.service.run(self.service.preview(direction, full=full), force=True, **options)

    def restarted(self, **options: Any) -> Any:
        """A new SyncService and adapter over the same database and Campaign Monitor (a restart)."""
        from ctctdesk.sync.campaign_monitor.service import CampaignMonitorService
        from ctctdesk.sync.service import SyncService

        self.cm = CampaignMonitorService(self.world, self.world.client_id, clock=WorldClock(lambda: self.world.now))
        options.setdefault("pull_first", False)
        self.service = SyncService(self.service.database, Access(self.cm, lambda: self.world.total_requests),
                                   clock=lambda: self.world.now, **options)
        return self.service


def make_cmon_env(tmp_path: Path, world: FakeCampaignMonitor | None = None, **options: Any) -> CmonEnv:
    from ctctdesk.sync.campaign_monitor.service import CampaignMonitorService
    from ctctdesk.sync.service import SyncService

    world = world or FakeCampaignMonitor()
    data_dir = tmp_path / "data"
    database = open_crm(data_dir)
    cm = CampaignMonitorService(world, world.client_id, clock=WorldClock(lambda: world.now))
    options.setdefault("pull_first", False)
    service = SyncService(database, Access(cm, lambda: world.total_requests), clock=lambda: world.now, **options)
    return CmonEnv(world, cm, service, data_dir)
