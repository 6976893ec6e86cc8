"""R11 figures: what carrying tags and custom fields costs a push, against the sandbox's real limits.

Pushes ``--count`` new CRM contacts (default 10,000) into 3 lists twice, each time into a fresh sandbox:
  A. with the 5 custom fields every contact has turned off and tags off (nothing extra carried);
  B. with the 5 custom fields sent and tags on: each company has its type and 2 marketing tags, so each
     contact carries 3 tags (the first push: fields and tags are created in the account);
  C. as B, with the fields and tags already in the account (what every later push pays).
and prints the requests of each, the difference (goal ≤ 5) and where it goes, by endpoint.

Run: PYTHONPATH=. python benchmarks/bench_mapping.py [--count 10000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_sync's helpers

import bench_sync  # noqa: E402

from ctctdesk.crm import contacts as crm_contacts  # noqa: E402
from ctctdesk.crm import db  # noqa: E402
from ctctdesk.crm.models import Company, Contact, ContactField  # noqa: E402
from ctctdesk.sync.mapping import FieldMapping, Target  # noqa: E402

FIELDS = ("Region", "Size", "Source", "Since", "Owner")


def _add_fields_and_tags() -> None:
    ids = [cid for (cid,) in Contact.select(Contact.id).tuples()]
    rows = [{"contact": cid, "name": name, "value": f"{name} {cid % 7}"} for cid in ids for name in FIELDS]
    for start in range(0, len(rows), 300):
        ContactField.insert_many(rows[start:start + 300]).execute()
    for (company_id,) in Company.select(Company.id).tuples():
        crm_contacts.add_company_tags(company_id, ("Members", "Newsletter readers"))


def _push(mapping: FieldMapping, count: int, *, existing: bool = False) -> tuple[int, Counter, float, bool]:
    """One push into a fresh sandbox; ``existing``: the custom fields and tags are already in the account
    (every push after the first), so only what is carried is counted, not the one-time creations."""
    server = bench_sync._sandbox()  # noqa: SLF001
    folder = Path(tempfile.mkdtemp(prefix="bench-mapping-"))
    try:
        service, connection = bench_sync._service(server, folder, mapping=lambda: mapping)  # noqa: SLF001
        bench_sync._crm_with_contacts(count, 3)  # noqa: SLF001
        _add_fields_and_tags()
        if existing:
            client = connection.client()
            for name in FIELDS:
                client.create_custom_field(name)
            for name in ("Customer", "Members", "Newsletter readers"):
                client.create_tag(name)
        before = Counter(server.counters.by_endpoint)
        used = connection.quota.used
        started = time.perf_counter()
        summary = service.run(service.preview("to_cc"), trigger="command line", force=True)
        elapsed = time.perf_counter() - started
        return connection.quota.used - used, Counter(server.counters.by_endpoint) - before, elapsed, summary.ok
    finally:
        db.close_database()
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    count = parser.parse_args().count
    plain = FieldMapping()
    for name in FIELDS:
        plain = plain.with_field(name, Target.OFF)
    a, a_by, a_time, a_ok = _push(plain, count)
    b, b_by, b_time, b_ok = _push(FieldMapping(tags=True), count)
    c, c_by, c_time, c_ok = _push(FieldMapping(tags=True), count, existing=True)
    print(f"A. push of {count:,} contacts, nothing extra: {a} requests, {a_time:.1f} s, ok={a_ok}")
    print(f"B. the same with 3 tags and 5 custom fields each: {b} requests, {b_time:.1f} s, ok={b_ok}")
    print(f"   extra: {b - a} requests (goal ≤ 5)")
    _extra(a_by, b_by)
    print(f"C. as B, the 5 fields and 3 tags already in the account: {c} requests, {c_time:.1f} s, ok={c_ok}")
    print(f"   extra: {c - a} requests (goal ≤ 5)")
    _extra(a_by, c_by)


def _extra(base: Counter, other: Counter) -> None:
    extra = {k: other[k] - base.get(k, 0) for k in other | base if other[k] != base.get(k, 0)}
    print("   extra by endpoint: " + ", ".join(f"{k} {v:+}" for k, v in sorted(extra.items())))


if __name__ == "__main__":
    main()
