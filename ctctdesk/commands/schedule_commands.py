"""`ctctdesk schedule show | off | every N | daily HH:MM [--direction to-cc|from-cc|both]` (X2).

Reads and writes the same setting as Settings → Automatic sync (``settings.json`` in the data folder),
for scripted set-ups. The schedule runs while the window is open; to sync with the app closed, a
system scheduler runs ``ctctdesk sync`` (see the README), which takes the same run lock.

Exit codes: 0 done, 2 usage error (a value out of range, a time that is not HH:MM).
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "schedule", parents=[common],
        help="show or set automatic sync while the window is open: off, every N minutes, daily HH:MM",
        description="Automatic sync while the window is open (the same setting as Settings → Automatic "
                    "sync). Examples: `ctctdesk schedule every 15 --direction both`, `ctctdesk schedule "
                    "daily 07:30 --direction to-cc`, `ctctdesk schedule off`.",
        epilog="exit codes: 0 ok, 2 usage error",
    )  # fmt: skip
    parser.add_argument("action", choices=("show", "off", "every", "daily"), nargs="?", default="show",
                        help="show (default), off, every N (minutes, 5-1440), daily HH:MM (24-hour clock)")
    parser.add_argument("value", nargs="?", metavar="N|HH:MM", help="the minutes or the time")
    parser.add_argument("--direction", choices=("to-cc", "from-cc", "both"),
                        help="which way the runs go (default: as set before; at first both, from first)")
    parser.set_defaults(run=run_schedule)


def run_schedule(args: argparse.Namespace) -> int:
    from ctctdesk.app import resolve_data_dir
    from ctctdesk.settings_store import SETTINGS_FILE_NAME, SettingsStore
    from ctctdesk.sync.schedule import (
        CLI_DIRECTIONS,
        LAST_RUN_SETTING,
        Mode,
        ScheduleError,
        ScheduleSetting,
        load_setting,
        parse_time,
        save_setting,
    )

    data_dir = resolve_data_dir(args)
    settings = SettingsStore(data_dir / SETTINGS_FILE_NAME)
    current = load_setting(settings)
    action, value = args.action, args.value
    if action in ("show", "off") and value is not None:
        print(f"ctctdesk schedule {action}: takes no value (got {value!r}).", file=sys.stderr)
        return EXIT_USAGE
    if action in ("every", "daily") and value is None:
        example = "every 15" if action == "every" else "daily 07:30"
        print(f"ctctdesk schedule {action}: say when, e.g. `ctctdesk schedule {example}`.", file=sys.stderr)
        return EXIT_USAGE
    if action != "show":
        direction = CLI_DIRECTIONS[args.direction] if args.direction else current.direction
        try:
            if action == "off":
                chosen = ScheduleSetting(Mode.OFF, current.minutes, current.at, direction)
            elif action == "every":
                if not value.isdigit():
                    raise ScheduleError(f"Every N minutes: N is a whole number, not {value!r}.")
                chosen = ScheduleSetting(Mode.EVERY, int(value), current.at, direction)
            else:
                chosen = ScheduleSetting(Mode.DAILY, current.minutes, parse_time(value), direction)
        except ScheduleError as error:
            print(f"ctctdesk schedule: {error}", file=sys.stderr)
            return EXIT_USAGE
        save_setting(settings, chosen)
        current = chosen
    print(current.describe())
    last = settings.get(LAST_RUN_SETTING)
    if last:
        print(f"Last scheduled run started: {last}")
    if current.on:
        print("It runs while the ctctdesk window is open (also closed to the tray); a window already open "
              "picks the change up when it starts next.")
    return EXIT_OK
