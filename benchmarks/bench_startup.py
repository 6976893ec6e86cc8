"""Start-to-first-window: the PyInstaller bundle (dist/ctctdesk/ctctdesk) against `python -m ctctdesk`.

Each trial starts the program offscreen on a data folder holding the demo's sample CRM (600 contacts,
filled once before the trials) and waits until its log says "Main window shown" (written by
`ctctdesk.app.run_gui` once the event loop has run with the window up); the time from starting the
process to that line is the figure. The process is then stopped. The two programs take turns, so a
busy machine slows both alike; the median of the trials is printed, with the fastest and slowest.

Run: python benchmarks/bench_startup.py [--trials 5]   (the bundle part needs `make package` first)
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "dist" / "ctctdesk" / "ctctdesk"
SHOWN = "Main window shown"
TIMEOUT = 120.0  # seconds a start may take before the trial is given up


def time_to_window(command: list[str], data_dir: Path) -> float:
    """Seconds from starting `command --data-dir data_dir` until the log says the window is shown."""
    log = data_dir / "logs" / "ctctdesk.log"
    before = log.read_text(encoding="utf-8").count(SHOWN) if log.exists() else 0
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    process = subprocess.Popen([*command, "--data-dir", str(data_dir)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        while True:
            if log.exists() and log.read_text(encoding="utf-8").count(SHOWN) > before:
                return time.perf_counter() - started
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} ended (exit code {process.returncode}) before its window showed")
            if time.perf_counter() - started > TIMEOUT:
                raise RuntimeError(f"{command[0]} showed no window within {TIMEOUT:.0f} s")
            time.sleep(0.005)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=5)
    args = parser.parse_args()

    programs = {"python -m ctctdesk": [sys.executable, "-m", "ctctdesk"]}
    if BUNDLE.exists():
        programs["bundle (dist/ctctdesk)"] = [str(BUNDLE)]
    else:
        print(f"no bundle at {BUNDLE.relative_to(ROOT)}: run `make package` to time it too")

    work = Path(tempfile.mkdtemp(prefix="ctctdesk-bench-startup-"))
    try:
        folders = {}
        for index, (name, command) in enumerate(programs.items()):
            folders[name] = work / f"data{index}"
            subprocess.run([*command, "--data-dir", str(folders[name]), "demo-data", "--contacts", "600"],
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in programs}
        for _trial in range(args.trials):
            for name, command in programs.items():
                times[name].append(time_to_window(command, folders[name]))
        print(f"start to first window, offscreen, {args.trials} trials each, taking turns:")
        for name, values in times.items():
            print(f"  {name:24} median {statistics.median(values):.2f} s "
                  f"(fastest {min(values):.2f} s, slowest {max(values):.2f} s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
