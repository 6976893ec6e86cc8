"""Kill `ctctdesk sync` at random points while both sides are edited, then check nothing went wrong.

A sandbox is started with `ctctdesk sandbox` on 127.0.0.1 and a desk with a CRM is connected to it.
Each round edits both sides (job titles in the CRM, first names and an unsubscribe in Constant
Contact), starts `ctctdesk sync --both` as a real process and kills it (SIGKILL) after a random
moment. At the end, full runs until a dry run plans nothing. Prints kills, duplicates, re-subscribes,
lost edits and the runs it took to converge (goals: 0, 0, 0).

Run: python benchmarks/soak_kill.py [--rounds 12] [--contacts 60] [--seed 1] [--max-seconds 900]
Traffic goes only to 127.0.0.1; the sign-in lives in a throw-away gnome-keyring (D-Bus session).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this folder, for soak_common

from soak_common import Desk, Sandbox, run_inside_keyring_session  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--contacts", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop starting rounds after this")
    parser.add_argument("--longest-run", type=float, default=4.0,
                        help="kill each run at a random moment up to this many seconds after it starts")
    args = parser.parse_args()
    run_inside_keyring_session()

    rng = random.Random(args.seed)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ctctdesk-soak-kill-") as tmp:
        folder = Path(tmp)
        sandbox = Sandbox.start(folder)
        try:
            desk = Desk.create(folder / "desk", sandbox, args.contacts, rng)
            kills = finished = 0
            for round_no in range(args.rounds):
                if time.monotonic() - started > args.max_seconds:
                    print(f"time limit reached after {round_no} rounds")
                    break
                if round_no:
                    desk.edit_both_sides(rng, round_no)
                process = desk.sync()
                try:
                    process.communicate(timeout=rng.uniform(0.2, args.longest_run))
                    finished += 1
                except Exception:  # noqa: BLE001 - TimeoutExpired: still running, so kill it here
                    process.kill()
                    process.communicate()
                    kills += 1
            desk.edit_both_sides(rng, args.rounds)
            runs = desk.run_until_converged()
            found = desk.findings()
        finally:
            sandbox.stop()
    print(f"rounds: {kills + finished} (killed {kills}, finished before the kill {finished})")
    print(f"kills: {kills}")
    for name, value in found.items():
        print(f"{name}: {value}")
    print(f"runs to converge: {runs if runs is not None else 'did not converge'}")
    print(f"edits checked: {len(desk.crm_titles)} CRM job titles, {len(desk.cc_names)} CC first names, "
          f"{len(desk.unsubscribed)} unsubscribes")
    print(f"wall time: {time.monotonic() - started:.0f} s")
    return 0 if runs is not None and not any(found.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
