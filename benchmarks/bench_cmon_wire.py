"""Campaign Monitor at the wire: requests and time for the issue's two figures, client against emulator.

1. First push of 10,000 contacts into 3 lists (worst case: everyone on every list), with a text field, a
   multi-valued tag field of 5 options and one segment per tag on each list.
2. A pull with nothing changed at 100,000 subscribers over 3 lists: the incremental reads (active,
   unsubscribed, bounced, deleted since the last date), and the full re-read of the active subscribers
   that seeing edits made in Campaign Monitor needs (see the emulator's NOTES.md).

The client keeps its own pace (5 requests a second; Campaign Monitor publishes no limit for these
endpoints, the emulator assumes 10). Waits run on a fake clock, so "paced time" is what the run would
take against a service that answers at once, and "real" is what it took here. Requests are counted by
the emulator (`/_sandbox/counters`). This measures the wire only; the sync engine adds its own reads.

Run: PYTHONPATH=. python benchmarks/bench_cmon_wire.py [--push 10000] [--pull 100000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctctdesk.cmon.client import FieldValue, Rule, RuleGroup, SubscriberData, open_client
from ctctdesk.sandbox.cmon.server import ASSUMED_RATE_PER_SECOND, CmonConfig, CmonServer
from ctctdesk.timing import FakeClock

TAGS = ("Client", "Vendor", "Partner", "Press", "Board")


def measure(server: CmonServer, clock: FakeClock, label: str, work) -> None:
    server.counters.reset()
    paced_start, real_start = clock.monotonic(), time.perf_counter()
    work()
    paced, real = clock.monotonic() - paced_start, time.perf_counter() - real_start
    print(f"{label}: {server.counters.total} requests, paced {paced:.1f} s, real {real:.1f} s")


def push(server: CmonServer, contacts: int) -> None:
    clock = FakeClock()
    clock.follow(server.clock.advance)
    client = open_client(api_key=server.api_key, api_base_url=server.api_base_url, clock=clock)
    people = [SubscriberData(f"person{n}@example.org", f"Person {n}",
                             (FieldValue("City", "Springfield"), FieldValue("Tags", TAGS[n % len(TAGS)])))
              for n in range(contacts)]

    def work() -> None:
        client_id = client.clients()[0].client_id
        existing = {item.name for item in client.lists(client_id)}
        for title in ("Members", "Newsletter", "Events"):
            if title in existing:
                continue
            list_id = client.create_list(client_id, title, unsubscribe_setting="OnlyThisList")
            client.custom_fields(list_id)
            client.create_custom_field(list_id, "City", "Text")
            client.create_custom_field(list_id, "Tags", "MultiSelectMany", TAGS)
            client.segments(list_id)
            for tag in TAGS:
                client.create_segment(list_id, f"Tag: {tag}", [RuleGroup((Rule("[Tags]", f"EQUALS {tag}"),))])
            for result in client.import_batches(list_id, people):
                assert not result.failures, result.failures[:3]

    measure(server, clock, f"first push, {contacts:,} contacts into 3 lists", work)


def pull(server: CmonServer, subscribers: int) -> None:
    state = server.state
    with state.lock:
        client_id = next(iter(state.clients))
        lists = [state.create_list(client_id, f"Pull {n}") for n in range(3)]
        for n in range(subscribers):
            state.add_or_update(lists[n % 3], {"EmailAddress": f"s{n}@example.org", "Name": f"S {n}"},
                                resubscribe=False)
    server.clock.advance(60)
    clock = FakeClock()
    clock.follow(server.clock.advance)
    client = open_client(api_key=server.api_key, api_base_url=server.api_base_url, clock=clock)
    since = client.system_date()

    def incremental() -> None:
        client.lists(client_id)
        for item in lists:
            for state_name in ("active", "unsubscribed", "bounced", "deleted"):
                assert list(client.subscribers(item.list_id, state_name, since=since)) == []

    def full() -> None:
        total = sum(1 for item in lists for _ in client.subscribers(item.list_id, "active"))
        assert total == subscribers

    measure(server, clock, f"pull with nothing changed, {subscribers:,} subscribers, incremental", incremental)
    measure(server, clock, f"pull with nothing changed, {subscribers:,} subscribers, full active re-read", full)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--push", type=int, default=10_000)
    parser.add_argument("--pull", type=int, default=100_000)
    args = parser.parse_args()
    print(f"client pace 5 requests/s; emulator limit {ASSUMED_RATE_PER_SECOND:g}/s (assumed, see NOTES.md)")
    with CmonServer(CmonConfig()) as server:
        push(server, args.push)
    with CmonServer(CmonConfig()) as server:
        pull(server, args.pull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
