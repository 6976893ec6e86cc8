"""Benchmark: import 100,000 contacts into the sandbox and page them all back.

Rate limits off, activities complete on the first poll, so the figures are the sandbox's own cost
(plus `requests` and JSON on this side). Goal: under 30 s for the whole round trip.

    PYTHONPATH=. python benchmarks/bench_sandbox.py [--contacts N] [--batch N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctctdesk.sandbox.server import SandboxConfig, SandboxServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000, help="contacts per import request (stay under 4 MB)")
    args = parser.parse_args()

    config = SandboxConfig(rate_limit_per_second=None, daily_limit=None, activity_delay=0.0)
    server = SandboxServer(config)
    inside = [0.0]
    dispatch = server.dispatch

    def timed(request):  # time spent handling requests inside the sandbox (without HTTP transport)
        began = time.perf_counter()
        try:
            return dispatch(request)
        finally:
            inside[0] += time.perf_counter() - began

    server.dispatch = timed
    with server:
        base = server.base_url
        session = requests.Session()
        session.headers["Authorization"] = "Bearer " + server.oauth.issue_token("contact_data", None)["access_token"]
        list_id = session.post(f"{base}/v3/contact_lists", json={"name": "Benchmark"}).json()["list_id"]

        began = time.perf_counter()
        largest = 0
        for start in range(0, args.contacts, args.batch):
            rows = [{"email": f"person{i:07d}@example.com", "first_name": f"First{i}", "last_name": f"Last{i}",
                     "company_name": "Example Company", "work_phone": "555-0100"}
                    for i in range(start, min(start + args.batch, args.contacts))]
            body = json.dumps({"import_data": rows, "list_ids": [list_id]})
            largest = max(largest, len(body))
            created = session.post(f"{base}/v3/activities/contacts_json_import", data=body,
                                   headers={"Content-Type": "application/json"})
            created.raise_for_status()
            href = created.json()["_links"]["self"]["href"]
            while session.get(base + href).json()["state"] not in ("completed", "failed"):
                time.sleep(0.01)
        imported = time.perf_counter() - began

        began = time.perf_counter()
        seen = 0
        pages = 0
        response = session.get(f"{base}/v3/contacts", params={"limit": 500, "include": "list_memberships"})
        while True:
            body = response.json()
            seen += len(body["contacts"])
            pages += 1
            nxt = body.get("_links", {}).get("next")
            if not nxt:
                break
            response = session.get(base + nxt["href"])
        paged = time.perf_counter() - began

        began = time.perf_counter()
        window = session.get(f"{base}/v3/contacts", params={"limit": 500, "updated_after": "2000-01-01T00:00:00Z",
                                                            "include_count": "true"}).json()
        filtered = time.perf_counter() - began

    print(f"imported {args.contacts:,} contacts in {args.contacts // args.batch} requests "
          f"(largest body {largest / 1_048_576:.2f} MB): {imported:.2f} s")
    print(f"paged back {seen:,} contacts in {pages} pages of 500: {paged:.2f} s")
    print(f"one filtered page with include_count ({window['contacts_count']:,}): {filtered:.2f} s")
    print(f"total: {imported + paged:.2f} s, of which {inside[0]:.2f} s inside the sandbox's request handling "
          "(goal: the sandbox adds < 30 s)")
    return 0 if seen == args.contacts else 1


if __name__ == "__main__":
    raise SystemExit(main())
