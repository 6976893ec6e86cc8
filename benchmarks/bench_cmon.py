"""Sync engine figures with Campaign Monitor behind it (issue 16), against the emulator at its rate.

Campaign Monitor documents no request rate for its list and subscriber API, so the emulator assumes
10 requests a second (see its NOTES) and the wire client paces itself (5 a second by default). This
script runs the client at the emulator's assumed rate, in real time, and prints:

  1. the first push of 10,000 new CRM contacts into 3 lists (each contact in one list): requests and time;
  2. a pull with nothing changed at 100,000 subscribers (seeded in 3 lists, most in more than one):
     requests and time; and the activation before it (the complete read), for scale;
  with each figure's time at the client's own default pace too (requests ÷ 5 + the time not spent
  waiting), since that is what a user gets out of the box.

Run: PYTHONPATH=. python benchmarks/bench_cmon.py [--push 10000] [--pull 100000] [--rate 10]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

from benchmarks.bench_sync import _crm_with_contacts
from ctctdesk.cmon.client import open_client
from ctctdesk.cmon.http import DEFAULT_REQUESTS_PER_SECOND
from ctctdesk.crm import db
from ctctdesk.sandbox.cmon.seed import seed
from ctctdesk.sandbox.cmon.server import ASSUMED_RATE_PER_SECOND, CmonConfig, CmonServer
from ctctdesk.sync.campaign_monitor.factory import service_over
from ctctdesk.sync.service import SyncService


class _Quota:
    def __init__(self, service: Any) -> None:
        self._service = service

    @property
    def used(self) -> int:
        return self._service.requests_sent


class _Access:
    def __init__(self, service: Any) -> None:
        self._service = service
        self.quota = _Quota(service)

    def client(self) -> Any:
        return self._service

    def add_listener(self, listener: Any) -> None:
        pass


def _setup(rate: float, folder: Path) -> tuple[CmonServer, Any, SyncService]:
    server = CmonServer(CmonConfig(rate_limit_per_second=rate))
    server.start()
    client = open_client(api_key=server.api_key, api_base_url=server.api_base_url, requests_per_second=int(rate))
    cm = service_over(client, next(iter(server.state.clients)))
    database = db.open_database(db.database_url_for(folder))
    service = SyncService(database, _Access(cm), pull_first=False, clock=server.clock.now_datetime)
    return server, cm, service


def _timed(cm: Any, action: Any) -> tuple[Any, int, float]:
    used = cm.requests_sent
    started = time.perf_counter()
    result = action()
    return result, cm.requests_sent - used, time.perf_counter() - started


def _at_default_pace(requests: int, elapsed: float, rate: float) -> float:
    """The same run at the client's default pace: the extra waiting a slower pace adds (approximate)."""
    return elapsed + max(0.0, requests / DEFAULT_REQUESTS_PER_SECOND - requests / rate)


def bench_push(count: int, rate: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-cmon-push-"))
    server, cm, service = _setup(rate, folder)
    try:
        _crm_with_contacts(count, 3)
        summary, used, elapsed = _timed(cm, lambda: service.run(service.preview("to_cc"), force=True))
        print(f"1. first push of {count:,} contacts into 3 lists: {used} requests, {elapsed:.1f} s at "
              f"{rate:g}/s ({_at_default_pace(used, elapsed, rate):.1f} s at the client's default "
              f"{DEFAULT_REQUESTS_PER_SECOND}/s); counts {dict(summary.counts)}; ok={summary.ok}")
        print("   by endpoint: " + ", ".join(f"{k} {v}" for k, v in sorted(server.counters.by_endpoint.items())))
    finally:
        db.close_database()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def bench_pull(count: int, rate: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-cmon-pull-"))
    server, cm, service = _setup(rate, folder)
    try:
        started = time.perf_counter()
        made = seed(server.state, subscribers=count, lists=3)
        subscriptions = sum(len(server.state.list(i).subscribers) for i in made["lists"])
        print(f"   (emulator seeded with {count:,} addresses, {subscriptions:,} subscriptions in 3 lists, "
              f"in {time.perf_counter() - started:.1f} s)")
        # The subscribers joined days before ctctdesk connects, and the next pull comes a day later: an
        # incremental read re-reads the 26 hours before the last read (time zones), not beyond.
        server.clock.advance(3 * 86_400)
        summary, used, elapsed = _timed(cm, service.activate)
        print(f"   activation (complete read of {count:,}, CRM filled): {used} requests, {elapsed:.1f} s; "
              f"counts {dict(summary.counts)}; ok={summary.ok}")
        server.clock.advance(86_400)
        time.sleep(1.0)  # the client's rate window refills, as it would between two syncs
        server.counters.reset()
        summary, used, elapsed = _timed(cm, lambda: service.run(service.preview("from_cc"), force=True))
        print(f"2. pull with nothing changed at {count:,} ({subscriptions:,} subscriptions): {used} requests, "
              f"{elapsed:.2f} s at {rate:g}/s ({_at_default_pace(used, elapsed, rate):.2f} s at the client's "
              f"default {DEFAULT_REQUESTS_PER_SECOND}/s); counts {dict(summary.counts)}; ok={summary.ok}")
        print("   by endpoint: " + ", ".join(f"{k} {v}" for k, v in sorted(server.counters.by_endpoint.items())))
    finally:
        db.close_database()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--push", type=int, default=10_000)
    parser.add_argument("--pull", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=ASSUMED_RATE_PER_SECOND,
                        help="requests a second (default: the emulator's assumed rate)")
    args = parser.parse_args()
    print(f"Campaign Monitor emulator at {args.rate:g} requests/s (assumed: Campaign Monitor documents no "
          "rate for this API)")
    if args.push:
        bench_push(args.push, args.rate)
    if args.pull:
        bench_pull(args.pull, args.rate)


if __name__ == "__main__":
    main()
