"""Sync through the sandbox's fault injection at a given rate, then check nothing went wrong.

A sandbox is started with `ctctdesk sandbox` on 127.0.0.1 and a desk with a CRM is connected to it.
Faults (5xx, 429, dropped connections, expired tokens, slow answers) are armed on a random fraction
`--rate` of API requests. Each round edits both sides and runs `ctctdesk sync --both` to its end,
faults and all; then runs go on, faults still armed, until a dry run plans nothing (at most
`--most-runs`; past that the faults are cleared and the rest is counted apart). Prints faults fired
per kind, runs to converge, duplicates, re-subscribes and lost edits (goals: 0, 0, 0).

Run: python benchmarks/soak_faults.py [--rate 0.1] [--rounds 8] [--contacts 60] [--seed 1]
Traffic goes only to 127.0.0.1; the sign-in lives in a throw-away gnome-keyring (D-Bus session).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this folder, for soak_common

from soak_common import Desk, Sandbox, run_inside_keyring_session  # noqa: E402

KINDS = ("500", "503", "429", "drop", "expired_token", "slow")


def arm(sandbox: Sandbox, rate: float, seed: int) -> None:
    """One fault of each kind, together firing on about `rate` of the API requests."""
    for kind in KINDS:
        sandbox.control("faults", {"kind": kind, "fraction": rate / len(KINDS), "delay": 1.0,
                                   "path_prefix": "/v3/"})


def fired(sandbox: Sandbox) -> Counter:
    return Counter({f["kind"]: int(f["fired"]) for f in sandbox.control("faults", method="GET")["faults"]})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=0.1, help="fraction of API requests that fail")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--contacts", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--most-runs", type=int, default=10)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop starting rounds after this")
    args = parser.parse_args()
    run_inside_keyring_session()

    rng = random.Random(args.seed)
    started = time.monotonic()
    stopped_runs = 0
    with tempfile.TemporaryDirectory(prefix="ctctdesk-soak-faults-") as tmp:
        folder = Path(tmp)
        sandbox = Sandbox.start(folder)
        try:
            desk = Desk.create(folder / "desk", sandbox, args.contacts, rng)
            arm(sandbox, args.rate, args.seed)
            rounds = 0
            for round_no in range(args.rounds):
                if time.monotonic() - started > args.max_seconds:
                    print(f"time limit reached after {round_no} rounds")
                    break
                if round_no:
                    desk.edit_both_sides(rng, round_no)
                process = desk.sync()
                process.communicate(timeout=600)
                stopped_runs += process.returncode != 0
                rounds += 1
            desk.edit_both_sides(rng, args.rounds)
            runs = desk.run_until_converged(args.most_runs)
            faults = fired(sandbox)
            extra = None
            if runs is None:
                sandbox.control("faults", method="DELETE")
                extra = desk.run_until_converged(3)
            found = desk.findings()
        finally:
            sandbox.stop()
    print(f"fault rate: {args.rate:.0%} of API requests; rounds: {rounds}; "
          f"runs that stopped early: {stopped_runs}")
    print(f"faults fired: {sum(faults.values())} ({', '.join(f'{k} {faults[k]}' for k in KINDS)})")
    print(f"runs to converge (faults still armed): {runs if runs is not None else 'did not converge'}")
    if extra is not None:
        print(f"runs to converge after clearing the faults: {extra}")
    for name, value in found.items():
        print(f"{name}: {value}")
    print(f"edits checked: {len(desk.crm_titles)} CRM job titles, {len(desk.cc_names)} CC first names, "
          f"{len(desk.unsubscribed)} unsubscribes")
    print(f"wall time: {time.monotonic() - started:.0f} s")
    return 0 if (runs is not None or extra is not None) and not any(found.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
