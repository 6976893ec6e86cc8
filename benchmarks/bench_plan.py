"""Planner figures at 100,000 contacts in 4 lists (goal: ≤ 2 s and ≤ 400 MB peak per plan).

Run: ``python benchmarks/bench_plan.py [contacts]``. Times are measured without tracing; the peak
memory of each plan is measured in a second run under tracemalloc (Python allocations made while
planning, on top of the snapshots themselves, which are reported separately).
"""

from __future__ import annotations

import gc
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable

from ctctdesk.sync.baseline_update import baseline_after
from ctctdesk.sync.operations import CreateContact, CreateList, Direction
from ctctdesk.sync.plan import plan
from ctctdesk.sync.snapshot import (
    Baseline,
    BaselineContact,
    BaselineList,
    LocalCompany,
    LocalContact,
    LocalList,
    LocalSnapshot,
    RemoteContact,
    RemoteList,
    RemoteSnapshot,
)

LISTS = 4


def build(n: int, seed: int = 1):
    """A synced world: the same n people on both sides and a baseline linking them."""
    rng = random.Random(seed)
    local_contacts, remote_contacts, base_contacts = {}, {}, {}
    members: list[set[int]] = [set() for _ in range(LISTS)]
    for i in range(1, n + 1):
        company = f"Company {i % 5000}"
        custom = (("Region", ("North", "South", "East", "West")[i % 4]),)
        lists = {rng.randrange(LISTS)} | ({rng.randrange(LISTS)} if i % 3 == 0 else set())
        for x in lists:
            members[x].add(i)
        lc = LocalContact(i, f"person{i}@example{i % 97}.com", f"First{i}", f"Last{i}", "Buyer", company,
                          "555-0100", custom)  # fmt: skip
        local_contacts[i] = lc
        cc_id = f"cc-{i:08d}"
        remote_contacts[cc_id] = RemoteContact(
            cc_id, lc.email, lc.first_name, lc.last_name, lc.job_title, company, lc.phone, custom,
            list_ids=frozenset(f"list-{x}" for x in lists),
        )  # fmt: skip
        base_contacts[i] = BaselineContact(i, cc_id, lc.values())
    local_lists = {
        10_000_000 + x: LocalList(10_000_000 + x, f"List {x}", frozenset(members[x])) for x in range(LISTS)
    }
    remote_lists = {
        f"list-{x}": RemoteList(f"list-{x}", f"List {x}", is_default=x == 0) for x in range(LISTS)
    }
    base_lists = {
        10_000_000 + x: BaselineList(10_000_000 + x, f"list-{x}", f"List {x}", frozenset(members[x]))
        for x in range(LISTS)
    }
    companies = {j: LocalCompany(j, f"Company {j}") for j in range(5000)}
    local = LocalSnapshot(local_contacts, local_lists, companies)
    remote = RemoteSnapshot(remote_contacts, remote_lists, True, "acct")
    base = Baseline("acct", base_contacts, base_lists)
    return local, remote, base


def one_percent_changed(local: LocalSnapshot, remote: RemoteSnapshot, seed: int = 2):
    """1 % of the people edited on each side: a field and a membership, disjoint sets of people."""
    rng = random.Random(seed)
    ids = rng.sample(sorted(local.contacts), len(local.contacts) // 50)
    half = len(ids) // 2
    contacts = dict(local.contacts)
    lists = {k: set(v.member_ids) for k, v in local.lists.items()}
    for i in ids[:half]:
        c = contacts[i]
        contacts[i] = LocalContact(c.local_id, c.email, c.first_name, c.last_name + "-x", c.job_title,
                                   c.company_name, c.phone, c.custom_fields)  # fmt: skip
        lists[10_000_000 + i % LISTS].symmetric_difference_update({i})
    local2 = LocalSnapshot(contacts, {k: LocalList(k, local.lists[k].name, frozenset(v)) for k, v in lists.items()},
                           local.companies)  # fmt: skip
    rcontacts = dict(remote.contacts)
    for i in ids[half:]:
        r = rcontacts[f"cc-{i:08d}"]
        rcontacts[r.cc_id] = RemoteContact(r.cc_id, r.email, r.first_name, r.last_name, "Manager", r.company_name,
                                           r.phone, r.custom_fields, list_ids=r.list_ids ^ {f"list-{i % LISTS}"})  # fmt: skip
    return local2, RemoteSnapshot(rcontacts, remote.lists, True, "acct")


def measure(label: str, fn: Callable[[], object]) -> object:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    ops = len(getattr(result, "operations", ()))
    print(f"{label:<44} {elapsed:6.2f} s  peak {peak / 2**20:7.1f} MB  operations {ops:>7}")
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    t0 = time.perf_counter()
    local, remote, base = build(n)
    print(f"snapshots of {n:,} contacts in {LISTS} lists built in {time.perf_counter() - t0:.2f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process resident memory with the three snapshots (local, remote, baseline): {rss:.0f} MB")
    empty_local = LocalSnapshot({}, {})
    empty_remote = RemoteSnapshot({}, {}, True, "acct")
    none = Baseline.empty()

    first_pull = measure(
        "first pull (C5 activation), from_cc", lambda: plan(empty_local, remote, none, Direction.FROM_CC)
    )
    measure(
        "first push into an empty account, to_cc", lambda: plan(local, empty_remote, none, Direction.TO_CC)
    )
    measure("nothing changed, to_cc", lambda: plan(local, remote, base, Direction.TO_CC))
    measure("nothing changed, from_cc", lambda: plan(local, remote, base, Direction.FROM_CC))
    local2, remote2 = one_percent_changed(local, remote)
    measure("1 % changed on each side, to_cc", lambda: plan(local2, remote2, base, Direction.TO_CC))
    measure("1 % changed on each side, from_cc", lambda: plan(local2, remote2, base, Direction.FROM_CC))

    ids: dict[int, int | str] = {}
    for op in first_pull.operations:  # type: ignore[attr-defined]
        if isinstance(op, CreateContact | CreateList):
            ids[op.op_id] = op.op_id
    measure("baseline after the first pull", lambda: baseline_after(none, first_pull, ids))  # type: ignore[arg-type]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak resident memory {rss:.0f} MB (snapshots, plans and tracing included)")


if __name__ == "__main__":
    main()
