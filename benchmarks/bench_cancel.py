"""How long after pressing Cancel a sync run stops while it waits on a Constant Contact bulk job.

The real service code path (SyncService.run with a cancel event, as the Synchronize tab and the command
line use it) on the real clock, against the sandbox with its real rate limit and bulk jobs that take an
hour: the run imports new contacts and then polls the import, with waits that grow from 0.5 s to 15 s.
Cancel is pressed at several moments of that polling; each trial prints the time from setting the
cancel event to `run()` returning, and the poll wait that was in progress at that moment (how long the
run could have kept going if the wait did not wake on Cancel).

Run: PYTHONPATH=. python benchmarks/bench_cancel.py [--moments 0.3 1 3 6 12 25]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import keyring

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root, for tests.support

from ctctdesk.crm import db
from ctctdesk.crm.models import Company, Contact, EmailList, Membership, email_key, name_key, utc_now
from ctctdesk.crm.rules import refresh_ineligibility
from ctctdesk.ctct.connection import Connection
from ctctdesk.ctct.endpoints import ConnectionSettings
from ctctdesk.ctct.timing import SystemClock
from ctctdesk.ctct.tokens import TokenSet
from ctctdesk.sandbox.server import SandboxConfig, SandboxServer
from ctctdesk.sync.progress import Progress
from ctctdesk.sync.service import SyncService
from tests.support.memory_keyring import MemoryKeyring

#: The client's poll waits (CtctClient.wait defaults): 0.5 s growing by 1.6 up to 15 s.
POLL_WAITS = [min(15.0, 0.5 * 1.6 ** n) for n in range(12)]


def _crm(count: int) -> None:
    now = utc_now()
    company = Company.create(name="Bench", name_key=name_key("Bench"), created_at=now, updated_at=now)
    rows = [{"company": company.id, "first_name": f"F{i}", "last_name": f"L{i}", "email": f"p{i}@bench.example",
             "email_key": email_key(f"p{i}@bench.example"), "email_status": "subscribed",
             "created_at": now, "updated_at": now} for i in range(count)]
    Contact.insert_many(rows).execute()
    refresh_ineligibility(None)
    crm_list = EmailList.create(name="Bench", name_key="bench")
    Membership.insert_many([{"email_list": crm_list.id, "contact": cid}
                            for (cid,) in Contact.select(Contact.id).tuples()]).execute()


def _wait_in_progress(polling_for: float) -> float:
    """The poll wait under way `polling_for` seconds after the first poll (ignoring request time)."""
    elapsed = 0.0
    for wait in POLL_WAITS[1:]:
        if elapsed + wait > polling_for:
            return wait
        elapsed += wait
    return POLL_WAITS[-1]


def trial(service: SyncService, moment: float) -> tuple[float, float, bool]:
    """Run a push, press Cancel `moment` seconds after the first poll of the import."""
    polling = threading.Event()

    def on_progress(progress: Progress) -> None:
        if progress.phase.startswith("Importing") and progress.total >= 100:  # a poll's report
            polling.set()

    cancel = threading.Event()
    preview = service.preview("to_cc")
    outcome: dict[str, object] = {}

    def work() -> None:
        outcome["summary"] = service.run(preview, on_progress=on_progress, cancel=cancel, force=True)
        outcome["stopped"] = time.monotonic()

    worker = threading.Thread(target=work, name="bench-run")
    worker.start()
    if not polling.wait(120):
        raise SystemExit("the run never reached the import's polling")
    time.sleep(moment)
    pressed = time.monotonic()
    cancel.set()
    worker.join(120)
    if worker.is_alive():
        raise SystemExit("the run did not stop within two minutes of Cancel")
    summary = outcome["summary"]
    return float(outcome["stopped"]) - pressed, _wait_in_progress(moment), bool(summary.cancelled)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--moments", type=float, nargs="+", default=[0.3, 1.0, 3.0, 6.0, 12.0, 25.0],
                        help="seconds after the import's first poll at which Cancel is pressed")
    args = parser.parse_args()
    keyring.set_keyring(MemoryKeyring())  # no system keyring entries from a benchmark
    folder = Path(tempfile.mkdtemp(prefix="bench-cancel-"))
    server = SandboxServer(SandboxConfig(rate_limit_per_second=4.0, daily_limit=None, activity_delay=3600.0,
                                         max_running_activities=100))
    server.start()
    try:
        database = db.open_database(db.database_url_for(folder))
        _crm(50)
        connection = Connection(folder, settings=ConnectionSettings.for_sandbox(server.base_url),
                                clock=SystemClock())
        token = server.oauth.issue_token("contact_data account_read offline_access", None)
        connection._connected(TokenSet(token["access_token"], token["refresh_token"],  # noqa: SLF001
                                       time.time() + 86_400))
        service = SyncService(database, connection)
        print("Cancel while a bulk import is polled (real clock, sandbox: 4 requests/s, jobs take an hour)")
        print(f"{'pressed after':>14} {'poll wait under way':>20} {'Cancel → stopped':>17}  cancelled")
        stops = []
        for moment in args.moments:
            stopped_after, wait, cancelled = trial(service, moment)
            stops.append(stopped_after)
            print(f"{moment:>12.1f} s {wait:>18.2f} s {stopped_after * 1000:>14.0f} ms  {cancelled}")
        print(f"Cancel → stopped: median {statistics.median(stops) * 1000:.0f} ms, "
              f"max {max(stops) * 1000:.0f} ms over {len(stops)} trials")
    finally:
        server.stop()
        db.close_database()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
