"""Sync engine figures against the sandbox with its real limits (4 requests/s, activities that take time).

Prints, for the issue's goals:
  1. first push of 10,000 new CRM contacts into 3 lists: API requests (goal ≤ 40 + activity polls) and time;
  2. first pull (activation) of 100,000 Constant Contact contacts: requests (goal ≤ 215), time (goal ≤ 90 s);
  3. a sync with nothing changed: requests (goal ≤ 5) and time (goal ≤ 3 s);
  4. planning 100,000 contacts: time (goal ≤ 2 s) and peak memory (goal ≤ 400 MB).
And in the sandbox as the real service behaves (R16), at 100,000 linked contacts in 20 lists:
  5. a pull with nothing changed: requests (goal ≤ 5) and time (goal ≤ 2 s). The first such pull after
     a change plans in full and notes the quiet plan; every later one reuses it without reading the
     CRM (both are printed; the goal is for the second);
  6. a pull after 1,000 unsubscribes and 1,000 removals from one list made in Constant Contact, none of
     which moves updated_at: all seen, requests (goal ≤ 30). The removals cost a re-read of their list:
     by export when it has more than 2,000 members (a start, its polls and the file), else paged;
  7. the full check (``sync --from-cc --full``): requests (goal ≤ ⌈100,000/500⌉ + 10).
Each pull also prints its requests by endpoint.

Run: PYTHONPATH=. python benchmarks/bench_sync.py [--push 10000] [--pull 100000] [--changes 100000]
     [--lists 20]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import keyring
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for tests.support

from ctctdesk.crm import db
from ctctdesk.crm.models import Company, Contact, EmailList, Membership, email_key, name_key, utc_now
from ctctdesk.crm.rules import refresh_ineligibility
from ctctdesk.ctct.connection import Connection
from ctctdesk.ctct.endpoints import ConnectionSettings
from ctctdesk.ctct.tokens import TokenSet
from ctctdesk.sandbox.server import SandboxConfig, SandboxServer
from ctctdesk.sync import store
from ctctdesk.sync.local_reader import read_local
from ctctdesk.sync.plan import plan
from ctctdesk.sync.remote_reader import read_remote
from ctctdesk.sync.service import SyncService
from tests.support.memory_keyring import MemoryKeyring


def _sandbox() -> SandboxServer:
    server = SandboxServer(SandboxConfig(rate_limit_per_second=4.0, daily_limit=None))
    server.start()
    return server


def _service(server: SandboxServer, folder: Path, **options) -> tuple[SyncService, Connection]:
    database = db.open_database(db.database_url_for(folder))
    settings = ConnectionSettings.for_sandbox(server.base_url)
    connection = Connection(folder, settings=settings)
    token = server.oauth.issue_token("contact_data account_read offline_access", None)
    connection._connected(TokenSet(token["access_token"], token["refresh_token"], time.time() + 86_400))  # noqa: SLF001
    return SyncService(database, connection, **{"pull_first": False, **options}), connection


def _crm_with_contacts(count: int, list_count: int) -> None:
    """``count`` eligible contacts of 1,000 companies, contact i in list i % list_count (bulk SQL)."""
    now = utc_now()
    companies = [{"name": f"Company {c}", "name_key": name_key(f"Company {c}"), "created_at": now,
                  "updated_at": now} for c in range(1000)]
    for start in range(0, len(companies), 300):
        Company.insert_many(companies[start:start + 300]).execute()
    company_ids = [cid for (cid,) in Company.select(Company.id).tuples()]
    rows = [{"company": company_ids[i % len(company_ids)], "first_name": f"First{i}", "last_name": f"Last{i}",
             "job_title": "Buyer", "email": f"person{i}@bench.example", "email_key": email_key(f"person{i}@bench.example"),
             "email_status": "subscribed", "created_at": now, "updated_at": now} for i in range(count)]
    for start in range(0, len(rows), 300):
        Contact.insert_many(rows[start:start + 300]).execute()
    refresh_ineligibility(None)
    lists = [EmailList.create(name=f"Bench {n}", name_key=f"bench {n}").id for n in range(list_count)]
    ids = [cid for (cid,) in Contact.select(Contact.id).order_by(Contact.id).tuples()]
    members = [{"email_list": lists[i % list_count], "contact": cid} for i, cid in enumerate(ids)]
    for start in range(0, len(members), 400):
        Membership.insert_many(members[start:start + 400]).execute()


def bench_push(count: int) -> None:
    server = _sandbox()
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-push-"))
    try:
        service, connection = _service(server, folder)
        _crm_with_contacts(count, 3)
        used = connection.quota.used
        started = time.perf_counter()
        summary = service.run(service.preview("to_cc"), trigger="command line", force=True)
        elapsed = time.perf_counter() - started
        by_endpoint = server.counters.by_endpoint
        polls = sum(n for label, n in by_endpoint.items() if label.startswith("GET /v3/activities/"))
        print(f"1. first push of {count:,} contacts into 3 lists: {connection.quota.used - used} requests "
              f"({polls} of them activity polls), {elapsed:.1f} s; counts {dict(summary.counts)}; "
              f"ok={summary.ok}")
        print("   by endpoint: " + ", ".join(f"{k} {v}" for k, v in sorted(by_endpoint.items())))
    finally:
        db.close_database()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def bench_pull(count: int) -> None:
    server = _sandbox()
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-pull-"))
    try:
        seeded = time.perf_counter()
        requests.post(f"{server.base_url}/_sandbox/seed", json={"contacts": count, "lists": 3}, timeout=600)
        print(f"   (sandbox seeded with {count:,} contacts in {time.perf_counter() - seeded:.1f} s)")
        # Incremental reads re-read what changed within a second of the newest change seen; a later
        # edit makes the seeded contacts "old", as they would be in a real account.
        time.sleep(2)
        first = server.state.order[0].email
        requests.post(f"{server.base_url}/_sandbox/owner/update_contact",
                      json={"email": first, "job_title": "Owner"}, timeout=60)
        service, connection = _service(server, folder)
        used = connection.quota.used
        started = time.perf_counter()
        summary = service.activate()
        elapsed = time.perf_counter() - started
        print(f"2. first pull (activation) of {count:,} contacts: {connection.quota.used - used} requests, "
              f"{elapsed:.1f} s; counts {dict(summary.counts)}; ok={summary.ok}")

        used = connection.quota.used
        started = time.perf_counter()
        preview = service.preview("from_cc")
        summary = service.run(preview, force=True)
        elapsed = time.perf_counter() - started
        print(f"3. sync with nothing changed ({count:,} linked): {connection.quota.used - used} requests, "
              f"{elapsed:.2f} s; {len(preview.plan.changes)} changes planned")

        local = read_local()
        baseline = store.load_baseline()
        client = connection.client()
        remote = read_remote(client, account_id=baseline.account_id).snapshot  # a complete read
        started = time.perf_counter()
        result = plan(local, remote, baseline, "from_cc")
        elapsed = time.perf_counter() - started
        tracemalloc.start()  # a second time with allocation tracing (much slower, so not timed)
        plan(local, remote, baseline, "from_cc")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"4. planning {len(local.contacts):,} CRM / {len(remote.contacts):,} Constant Contact contacts: "
              f"{elapsed:.2f} s, {peak / 2**20:.0f} MB allocated at peak by planning "
              f"(whole process incl. the in-process sandbox: {rss:.0f} MB max RSS); "
              f"{len(result.changes)} changes")
    finally:
        db.close_database()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _timed_pull(service: SyncService, connection: Connection, *, full: bool = False,
                rested: bool = False) -> tuple[Any, int, float]:  # fmt: skip
    """One pull, timed. ``rested``: first let the client's rate limiter refill, as the hours between two
    syncs would (it runs on this machine's real time, not the sandbox's clock the benchmark moves), so
    the figure is not the previous pull's requests still being paid for (~1 s at 4 per second)."""
    if rested:
        time.sleep(2)
    used = connection.quota.used
    started = time.perf_counter()
    summary = service.run(service.preview("from_cc", full=full), force=True)
    return summary, connection.quota.used - used, time.perf_counter() - started


def _by_endpoint(server: SandboxServer, before: dict[str, int]) -> str:
    """The requests since ``before`` (a copy of the counters), by endpoint."""
    now = server.counters.by_endpoint
    used = {label: now[label] - before.get(label, 0) for label in now if now[label] - before.get(label, 0)}
    return ", ".join(f"{label} {n}" for label, n in sorted(used.items()))


def bench_changes(count: int, list_count: int) -> None:
    """Figures 5–7: pulls that must see changes which do not move ``updated_at``."""
    server = _sandbox()
    folder = Path(tempfile.mkdtemp(prefix="bench-sync-changes-"))
    try:
        seeded = time.perf_counter()
        requests.post(f"{server.base_url}/_sandbox/seed", json={"contacts": count, "lists": list_count},
                      timeout=600)
        print(f"   (sandbox seeded with {count:,} contacts in {list_count} lists in "
              f"{time.perf_counter() - seeded:.1f} s)")
        # The service reads this machine's time from the sandbox's clock, so moving that clock stands
        # in for the hours between two syncs.
        service, connection = _service(server, folder, clock=server.clock.now_datetime)
        summary, used, elapsed = _timed_pull(service, connection, full=True)
        print(f"   (activation: {used} requests, {elapsed:.1f} s; ok={summary.ok})")

        def later_edit(n: int) -> None:  # something newer elsewhere, as a real account always has
            server.clock.advance(3600)
            requests.post(f"{server.base_url}/_sandbox/owner/update_contact",
                          json={"email": server.state.order[n].email, "job_title": f"Edited {n}"}, timeout=60)

        later_edit(0)
        _timed_pull(service, connection)
        server.clock.advance(3600)
        summary, first_used, first_elapsed = _timed_pull(service, connection, rested=True)
        server.clock.advance(3600)
        before = dict(server.counters.by_endpoint)
        summary, used, elapsed = _timed_pull(service, connection, rested=True)
        print(f"5. pull with nothing changed ({count:,} linked, {list_count} lists): {used} requests, "
              f"{elapsed:.2f} s (the first one after a change, which plans in full: {first_used} requests, "
              f"{first_elapsed:.2f} s); counts {dict(summary.counts)}")
        print(f"   by endpoint: {_by_endpoint(server, before)}")

        later_edit(1)
        state = server.state
        with state.lock:  # as the contacts and the owner would, through the control interface
            target = max(state.lists.values(), key=lambda item: len(state.members[item["list_id"]]))
            target_id = target["list_id"]
            members = sorted(state.members[target_id], key=lambda cid: state.contacts[cid].seq)
            removed = members[:1000]
            for contact_id in removed:
                state.remove_membership(state.contacts[contact_id], target_id)
            candidates = [c for c in state.order[2:] if c.contact_id not in set(removed)]
            unsubscribed = candidates[::max(1, len(candidates) // 1000)][:1000]
            for contact in unsubscribed:
                state.unsubscribe(contact, source="Contact", reason=None)
        server.clock.advance(60)
        before = dict(server.counters.by_endpoint)
        summary, used, elapsed = _timed_pull(service, connection, rested=True)
        by_endpoint = _by_endpoint(server, before)
        from ctctdesk.crm import lists as crm_lists
        local = crm_lists.find_list(target["name"])
        members_left = set(crm_lists.member_ids(local.id)) if local else set()
        emails_left = {email for (email,) in Contact.select(Contact.email).where(Contact.id.in_(list(members_left))).tuples()} if members_left else set()
        removed_seen = sum(1 for cid in removed if state.contacts[cid].email not in emails_left)
        marked = Contact.select().where(Contact.email.in_([c.email for c in unsubscribed])
                                        & (Contact.email_status == "unsubscribed")).count()
        print(f"6. pull after {len(unsubscribed):,} unsubscribes and {len(removed):,} removals from "
              f"'{target['name']}' ({len(members):,} members): {used} requests, {elapsed:.2f} s; "
              f"removals seen {removed_seen:,}/{len(removed):,}, unsubscribes seen {marked:,}/{len(unsubscribed):,}; "
              f"counts {dict(summary.counts)}")
        print(f"   by endpoint: {by_endpoint}")

        before = dict(server.counters.by_endpoint)
        summary, used, elapsed = _timed_pull(service, connection, full=True)
        print(f"7. full check (--full) of {count:,} contacts: {used} requests "
              f"(goal ≤ {-(-count // 500) + 10}), {elapsed:.1f} s; counts {dict(summary.counts)}")
        print(f"   by endpoint: {_by_endpoint(server, before)}")
    finally:
        db.close_database()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--push", type=int, default=10_000)
    parser.add_argument("--pull", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--lists", type=int, default=20, help="lists of the --changes account")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())  # no system keyring entries from a benchmark
    if args.push:
        bench_push(args.push)
    if args.pull:
        bench_pull(args.pull)
    if args.changes:
        bench_changes(args.changes, args.lists)


if __name__ == "__main__":
    main()
