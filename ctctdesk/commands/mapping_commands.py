"""`ctctdesk mapping show | fields | set tags on|off | set field NAME custom|standard|off` (R11).

Reads and writes the same setting as Settings → Field mapping (``settings.json`` in the data folder), for
scripted set-ups. The next sync's preview shows what a change will send before anything is sent.

    ctctdesk mapping set field Region custom --as "Sales area"     # an existing field of the service
    ctctdesk mapping set field "Member since" custom --type date   # created as a date field when missing
    ctctdesk mapping set field phone custom --as "Office phone"    # the phone as a custom field
    ctctdesk mapping set field address standard                    # the company address as street address
    ctctdesk mapping fields                                        # the email service's custom fields

Limits, names and texts are those of the email service in use (Constant Contact or Campaign Monitor).

Exit codes: 0 done, 1 the email service could not be read (``fields``), 2 usage error or a mapping refused
(with the reason).
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
        help="show or set what goes to the email service: tags, phone, address, custom fields",
        description="The field mapping (the same setting as Settings → Field mapping). Examples: "
                    "`ctctdesk mapping set tags on` (company type and marketing tags as contact tags), "
                    "`ctctdesk mapping set field Region off`, `ctctdesk mapping set field Region custom --as "
                    "\"Sales area\" --type string`, `ctctdesk mapping set field phone custom`, "
                    "`ctctdesk mapping set field address standard` (the company address as the street "
                    "address), `ctctdesk mapping fields` (the custom fields the email service in use has, to choose from).",
        epilog="exit codes: 0 ok, 1 the email service could not be read, 2 usage error or a mapping that "
               "cannot fit (the reason is printed)",
    )  # fmt: skip
    parser.add_argument("action", choices=("show", "set", "fields"), nargs="?", default="show")
    parser.add_argument("what", nargs="*", metavar="tags on|off | field NAME custom|standard|off")
    parser.add_argument("--as", dest="label", metavar="LABEL",
                        help="with `custom`: the email service's custom field to use, by its label "
                             "(made when missing; Constant Contact takes at most 50 characters)")
    parser.add_argument("--type", dest="field_type", choices=("string", "date"),
                        help="with `custom`: the type a missing custom field is made with "
                             "(default string)")
    parser.set_defaults(run=run_mapping)


def run_mapping(args: argparse.Namespace) -> int:
    from ctctdesk import email_services
    from ctctdesk.app import build_context, resolve_data_dir
    from ctctdesk.crm.errors import CrmError
    from ctctdesk.sync import service_limits
    from ctctdesk.sync.local_reader import custom_field_use, custom_field_values
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

    if args.action in ("show", "fields") and (args.what or args.label or args.field_type):
        print(f"ctctdesk mapping {args.action}: takes no value.", file=sys.stderr)
        return EXIT_USAGE
    try:
        context = build_context(resolve_data_dir(args), sandbox_url=getattr(args, "sandbox", None))
    except CrmError as error:
        from ctctdesk.commands._file_problems import exit_code

        print(f"ctctdesk: {error}", file=sys.stderr)
        return exit_code(error, EXIT_FAILED)
    try:
        if args.action == "fields":
            return _print_cc_fields(context)
        settings = context.settings
        limits = service_limits.for_name(email_services.name_in_use(context))  # the service in use
        mapping = load_mapping(settings)
        use = custom_field_use()
        if args.action == "set":
            try:
                before = mapping
                mapping = _changed(mapping, args, FieldMapping, Target, MappingError, limits)
                check(mapping, use.values(), before, values=custom_field_values, limits=limits)
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
        used = usage(mapping, use.values(), limits=limits)
        print(usage_text(used))
        for problem in used.problems():
            print(f"Over the limits: {problem} Until then the fields beyond are not sent (the preview names them).")
        if args.action == "set":
            print(f"The next preview shows what this changes in {limits.service} before anything is sent.")
    finally:
        context.close()
    return EXIT_OK


def _changed(mapping, args, field_mapping_cls, target_cls, error_cls, limits):
    """The mapping after ``set tags on|off`` or ``set field NAME custom [--as LABEL] [--type T]|standard|off``."""
    import dataclasses

    words = args.what
    if len(words) == 2 and words[0] == "tags" and words[1] in ("on", "off"):
        if args.label or args.field_type:
            raise error_cls("--as and --type go with `set field NAME custom`.")
        return dataclasses.replace(mapping, tags=words[1] == "on")
    if len(words) == 3 and words[0] == "field":
        if words[2] not in {t.value for t in target_cls}:
            raise error_cls(f"A field goes as custom, standard or off, not {words[2]!r}.")
        return mapping.with_field(words[1], words[2], label=args.label, field_type=args.field_type, limits=limits)
    raise error_cls("say `set tags on|off` or `set field NAME custom [--as LABEL] [--type string|date]` "
                    "or `set field NAME standard|off`.")


def _print_cc_fields(context) -> int:
    """The service's custom fields (label, type, and which CRM field goes there) to choose from."""
    from ctctdesk import email_services
    from ctctdesk.ctct.errors import CtctError
    from ctctdesk.sync import service_limits
    from ctctdesk.sync.mapping import FIELD_TYPES, load_mapping

    name = email_services.name_in_use(context)
    if context.connection is None:
        print(f"ctctdesk mapping fields: not connected to {name}.", file=sys.stderr)
        return EXIT_FAILED
    mapping = load_mapping(context.settings)
    used = {label.casefold(): name for label, name in mapping.crm_names().items()}
    try:
        fields = list(context.connection.client().iter_custom_fields())
    except CtctError as error:  # not connected, network, access: said plainly
        print(f"ctctdesk mapping fields: {error}", file=sys.stderr)
        return EXIT_FAILED
    width = max([len(f.label or f.name) for f in fields] + [5])
    for f in sorted(fields, key=lambda f: (f.label or f.name).casefold()):
        label = f.label or f.name
        crm = used.get(label.casefold(), label)
        print(f"{label:<{width}}  {FIELD_TYPES.get(f.type, f.type)}" + (f"  ← {crm}" if crm != label else ""))
    most = service_limits.for_name(name).custom_fields_per_account
    print((f"{len(fields)} of {most} custom fields" if most is not None else f"{len(fields)} custom fields")
          + f" in this {name} account. Choose one with `ctctdesk mapping set field NAME custom --as LABEL`.")
    return EXIT_OK
