"""`ctctdesk mapping show | set tags on|off | set field NAME custom|standard|off` (R11).

Reads and writes the same setting as Settings → Field mapping (``settings.json`` in the data folder), for
scripted set-ups. The next sync's preview shows what a change will send before anything is sent.

Exit codes: 0 done, 2 usage error or a mapping refused (with the reason).
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "mapping", parents=[common],
        help="show or set what goes to Constant Contact: tags, phone, custom fields",
        description="The field mapping (the same setting as Settings → Field mapping). Examples: "
                    "`ctctdesk mapping set tags on` (company type and marketing tags as contact tags), "
                    "`ctctdesk mapping set field Region off`, `ctctdesk mapping set field phone standard`.",
        epilog="exit codes: 0 ok, 2 usage error or a mapping that cannot fit (the reason is printed)",
    )  # fmt: skip
    parser.add_argument("action", choices=("show", "set"), nargs="?", default="show")
    parser.add_argument("what", nargs="*", metavar="tags on|off | field NAME custom|standard|off")
    parser.set_defaults(run=run_mapping)


def run_mapping(args: argparse.Namespace) -> int:
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.sync.local_reader import custom_field_use
    from ctctdesk.sync.mapping import (
        FieldMapping,
        MappingError,
        Target,
        check,
        load_mapping,
        rows,
        save_mapping,
        usage,
        usage_text,
    )

    if args.action == "show" and args.what:
        print("ctctdesk mapping show: takes no value.", file=sys.stderr)
        return EXIT_USAGE
    try:
        context = build_context(resolve_data_dir(args))
    except CrmError as error:
        from ctctdesk.commands._file_problems import exit_code

        print(f"ctctdesk: {error}", file=sys.stderr)
        return exit_code(error, EXIT_FAILED)
    try:
        settings = context.settings
        mapping = load_mapping(settings)
        use = custom_field_use()
        if args.action == "set":
            try:
                before = mapping
                mapping = _changed(mapping, args.what, FieldMapping, Target, MappingError)
                check(mapping, use.values(), before)
            except (MappingError, ValueError) as error:
                print(f"ctctdesk mapping: {error}", file=sys.stderr)
                return EXIT_USAGE
            save_mapping(settings, mapping)
        in_use: dict[str, int] = {}
        for names in use.values():
            for name in names:
                in_use[name] = in_use.get(name, 0) + 1
        width = max(len(r[0]) for r in rows(mapping, in_use))
        for name, count, target in rows(mapping, in_use):
            print(f"{name:<{width}}  {target}" + (f"  ({count})" if count else ""))
        used = usage(mapping, use.values())
        print(usage_text(used))
        for problem in used.problems():
            print(f"Over the limits: {problem} Until then the fields beyond are not sent (the preview names them).")
        if args.action == "set":
            print("The next preview shows what this changes in Constant Contact before anything is sent.")
    finally:
        context.close()
    return EXIT_OK


def _changed(mapping, words, field_mapping_cls, target_cls, error_cls):
    """The mapping after ``set tags on|off`` or ``set field NAME custom|standard|off``."""
    if len(words) == 2 and words[0] == "tags" and words[1] in ("on", "off"):
        return field_mapping_cls(words[1] == "on", mapping.fields)
    if len(words) == 3 and words[0] == "field":
        if words[2] not in {t.value for t in target_cls}:
            raise error_cls(f"A field goes as custom, standard or off, not {words[2]!r}.")
        return mapping.with_field(words[1], words[2])
    raise error_cls("say `set tags on|off` or `set field NAME custom|standard|off`.")
