"""Sync engine figures against the sandbox with its real limits (4 requests/s, activities that take time).

Prints, for the issue's goals:
  1. first push of 10,000 new CRM contacts into 3 lists: API requests (goal ≤ 40 + activity polls) and time;
  2. first pull (activation) of 100,000 Constant Contact contacts: requests (goal ≤ 215), time (goal ≤ 90 s);
  3. a sync with nothing changed: requests (goal ≤ 5) and time (goal ≤ 3 s);
  4. planning 100,000 contacts: time (goal ≤ 2 s) and peak memory (goal ≤ 400 MB).

Run: PYTHONPATH=. python benchmarks/bench_sync.py [--push 10000] [--pull 100000]
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


def _service(server: SandboxServer, folder: Path) -> tuple[SyncService, Connection]:
    database = db.open_database(db.database_url_for(folder))
    settings = ConnectionSettings.for_sandbox(server.base_url)
    connection = Connection(folder, settings=settings)
    token = server.oauth.issue_token("contact_data account_read offline_access", None)
    connection._connected(TokenSet(token["access_token"], token["refresh_token"], time.time() + 86_400))  # noqa: SLF001
    return SyncService(database, connection, pull_first=False), connection


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--push", type=int, default=10_000)
    parser.add_argument("--pull", type=int, default=100_000)
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())  # no system keyring entries from a benchmark
    if args.push:
        bench_push(args.push)
    if args.pull:
        bench_pull(args.pull)


if __name__ == "__main__":
    main()
