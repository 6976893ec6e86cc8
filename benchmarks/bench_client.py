"""How fast the client reads and writes through the 4-a-second limiter, against the sandbox.

Prints figures only: requests per second achieved, time to page through contacts, import throughput.
Run: PYTHONPATH=. python benchmarks/bench_client.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import keyring
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for tests.support

from ctctdesk.ctct.connection import Connection
from ctctdesk.ctct.endpoints import ConnectionSettings
from ctctdesk.ctct.tokens import TokenSet, TokenStore
from ctctdesk.sandbox.server import SandboxConfig, SandboxServer
from tests.support.memory_keyring import MemoryKeyring


def main() -> None:
    keyring.set_keyring(MemoryKeyring())  # no system keyring entries from a benchmark
    server = SandboxServer(SandboxConfig(rate_limit_per_second=4.0, daily_limit=None, activity_delay=0.0))
    server.start()
    try:
        requests.post(f"{server.base_url}/_sandbox/seed", json={"contacts": 5000, "lists": 0}, timeout=60)
        token = server.oauth.issue_token("contact_data account_read offline_access", None)
        with tempfile.TemporaryDirectory() as folder:
            settings = ConnectionSettings.for_sandbox(server.base_url)
            connection = Connection(Path(folder), settings=settings)
            TokenStore().save(settings.profile, TokenSet(token["access_token"], token["refresh_token"],
                                                         time.time() + 86_400))
            (Path(folder) / "constant-contact-state.json").write_text('{"connected_since": "2026-01-01T00:00:00"}')
            client = connection.client()

            started = time.perf_counter()
            for _ in range(20):
                client.account_summary()
            elapsed = time.perf_counter() - started
            print(f"20 small GETs: {elapsed:.2f} s (bursts of at most 4 in any second; the first 4 go at once)")

            started = time.perf_counter()
            pages = list(client.contact_pages(include=["list_memberships", "custom_fields"]))
            elapsed = time.perf_counter() - started
            count = sum(len(page) for page in pages)
            print(f"paged {count} contacts in {len(pages)} pages: {elapsed:.2f} s "
                  f"({count / elapsed:.0f} contacts/s)")

            target = client.create_list("Bench")
            rows = [{"email": f"bench{i}@example.com", "first_name": "B", "last_name": str(i)}
                    for i in range(5000)]
            started = time.perf_counter()
            activities = client.import_contacts(rows, [target.list_id])
            for activity in activities:
                client.wait(activity, first_delay=0.05)
            elapsed = time.perf_counter() - started
            print(f"imported {len(rows)} contacts in {len(activities)} import(s): {elapsed:.2f} s")
            print(f"requests counted today: {connection.quota.used}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
