# ruff: noqa: F811 - pytest fixtures are imported by name
"""`ctctdesk sync` from the command line: the same engine and history, exit codes, JSON for scripts."""

from __future__ import annotations

import json

import pytest

from ctctdesk.cli import main
from ctctdesk.commands import sync_commands as sc
from tests.support.clocks import opened_connections_on_fake_clock  # noqa: F401
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import connect

pytestmark = pytest.mark.usefixtures("opened_connections_on_fake_clock")


def prepare(sandbox, tmp_path):
    """A data folder with a small CRM and a saved connection to the sandbox."""
    from ctctdesk.app import build_context
    from ctctdesk.crm import lists
    from tests.support.crm_fixtures import add_company, add_contact

    data_dir = tmp_path / "data"
    context = build_context(data_dir, sandbox_url=sandbox.base_url)
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(3)]
    ids.append(add_contact(firm, "Front", "Desk", "info@firm.example"))
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    connect(context.connection, sandbox)
    context.close()
    return ["--data-dir", str(data_dir), "--sandbox", sandbox.base_url]


def test_dry_run_prints_the_plan_and_changes_nothing(sandbox, memory_keyring, tmp_path, capsys):
    common = prepare(sandbox, tmp_path)
    assert main(["sync", "--to-cc", "--dry-run", "--json", *common]) == sc.EXIT_OK
    plan = json.loads(capsys.readouterr().out)
    assert plan["changes"] == {"CreateRemoteList": 1, "CreateRemoteContact": 3}
    assert plan["direction"] == "to_cc"
    contacts = sandbox.state.order
    assert not [c for c in contacts if c.email.endswith("@firm.example")]


def test_run_prints_the_summary_records_history_and_converges(sandbox, memory_keyring, tmp_path, capsys):
    common = prepare(sandbox, tmp_path)
    assert main(["sync", "--from-cc", *common]) == sc.EXIT_OK  # C5: the first pull comes first
    capsys.readouterr()
    assert main(["sync", "--to-cc", "--json", *common]) == sc.EXIT_OK
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and summary["trigger"] == "command line"
    assert summary["stop"] == "completed" and summary["direction"] == "to_cc"
    assert summary["counts"]["contacts added"] == 3
    assert summary["requests_used"] > 0
    assert main(["sync", "--both", *common]) == sc.EXIT_OK
    out = capsys.readouterr().out
    assert "Run 3: Both ways (command line)" in out  # words, not the internal direction names
    assert main(["sync", "--to-cc", "--dry-run", "--json", *common]) == sc.EXIT_OK
    assert json.loads(capsys.readouterr().out)["changes"] == {}


def test_not_connected_is_a_clear_one_line_failure(sandbox, memory_keyring, tmp_path, capsys):
    data_dir = tmp_path / "empty"
    code = main(["sync", "--from-cc", "--data-dir", str(data_dir), "--sandbox", sandbox.base_url])
    assert code == sc.EXIT_NOT_CONNECTED
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ctctdesk: Not connected to Constant Contact")
    assert "Traceback" not in "\n".join(err)


def test_a_direction_is_required(capsys):
    try:
        main(["sync"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "one of the arguments --push --pull --both --to-cc --from-cc is required" in capsys.readouterr().err


def test_disconnect_from_the_command_line_removes_the_linked_lists_and_keeps_the_people(
    sandbox, memory_keyring, tmp_path, capsys
):
    from ctctdesk.app import build_context
    from ctctdesk.crm import lists
    from ctctdesk.crm.models import Contact

    common = prepare(sandbox, tmp_path)
    assert main(["sync", "--both", *common]) == sc.EXIT_OK
    assert main(["disconnect", "--yes", *common]) == 0
    out = capsys.readouterr().out
    assert "Removed from the CRM: “Customers” (3 members)" in out  # the role address never joined
    backups = list((tmp_path / "data" / "backups").glob("*.csv"))
    assert len(backups) == 1 and str(backups[0]) in out
    context = build_context(tmp_path / "data", sandbox_url=sandbox.base_url)
    try:
        assert lists.list_summaries() == []  # Customers and the account's default list are gone (C6)
        assert Contact.select().count() == 4  # companies and contacts stay
        assert not context.connection.status().connected
    finally:
        context.close()
    # a sync now says how to connect again
    assert main(["sync", "--from-cc", *common]) == sc.EXIT_NOT_CONNECTED
    assert "Run `ctctdesk connect` first" in capsys.readouterr().err
    # the backup brings the list and its members back
    assert main(["import-csv", str(backups[0]), *common]) == 0
    context = build_context(tmp_path / "data", sandbox_url=sandbox.base_url)
    try:
        assert [(s.name, s.member_count) for s in lists.list_summaries()] == [("Customers", 3)]
        assert Contact.select().count() == 4
    finally:
        context.close()


def test_a_push_before_the_first_pull_is_refused_with_its_own_exit_code(sandbox, memory_keyring, tmp_path,
                                                                          capsys):
    common = prepare(sandbox, tmp_path)
    assert main(["sync", "--to-cc", *common]) == sc.EXIT_PULL_FIRST
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ctctdesk: Nothing is sent to Constant Contact before its lists")
    assert "--pull" in err[-1]  # the service-neutral name (--from-cc stays as an alias)
    assert not [c for c in sandbox.state.order if c.email.endswith("@firm.example")]  # nothing pushed
    assert main(["sync", "--from-cc", *common]) == sc.EXIT_OK
    assert main(["sync", "--to-cc", *common]) == sc.EXIT_OK


def test_a_second_run_while_one_is_running_is_refused(sandbox, memory_keyring, tmp_path, capsys):
    """The window (here: a service on a worker thread) runs; `ctctdesk sync` at the same time is refused."""
    import threading

    from ctctdesk.app import build_context
    from ctctdesk.crm.db import close_database

    common = prepare(sandbox, tmp_path)
    context = build_context(tmp_path / "data", sandbox_url=sandbox.base_url)
    running, release = threading.Event(), threading.Event()
    outcome: list = []

    def hold(progress) -> None:
        if progress.phase == "Finished":
            return
        running.set()
        release.wait(30)

    def run_in_window() -> None:
        try:
            preview = context.sync.preview("from_cc")
            outcome.append(context.sync.run(preview, on_progress=hold))
        finally:
            close_database()

    worker = threading.Thread(target=run_in_window)
    worker.start()
    try:
        assert running.wait(30)
        assert main(["sync", "--from-cc", *common]) == sc.EXIT_BUSY
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("ctctdesk: Another synchronization is running")
    finally:
        release.set()
        worker.join(30)
        context.close()
    assert outcome and outcome[0].ok
    assert main(["sync", "--from-cc", *common]) == sc.EXIT_OK  # the lock went with the run


def test_a_push_emptying_a_list_needs_force(sandbox, memory_keyring, tmp_path, capsys):
    from ctctdesk.app import build_context
    from ctctdesk.crm import lists

    common = prepare(sandbox, tmp_path)
    assert main(["sync", "--from-cc", *common]) == sc.EXIT_OK
    assert main(["sync", "--to-cc", *common]) == sc.EXIT_OK
    context = build_context(tmp_path / "data", sandbox_url=sandbox.base_url)
    customers = lists.find_list("Customers").id
    lists.remove_members(customers, lists.member_ids(customers))  # Select All twice, as it were
    context.close()
    capsys.readouterr()

    assert main(["sync", "--to-cc", "--dry-run", *common]) == sc.EXIT_OK
    out = capsys.readouterr().out
    assert "the list “Customers” would lose every member in Constant Contact" in out
    assert main(["sync", "--to-cc", *common]) == sc.EXIT_NEEDS_CONFIRMATION
    err = capsys.readouterr().err
    assert "the list “Customers” would lose every member in Constant Contact" in err and "--force" in err
    cc_list = next(lst["list_id"] for lst in sandbox.state.lists.values() if lst["name"] == "Customers")
    assert len(sandbox.state.members[cc_list]) == 3  # nothing was taken out
    assert main(["sync", "--to-cc", "--force", *common]) == sc.EXIT_OK
    assert len(sandbox.state.members[cc_list]) == 0


def test_progress_prints_each_phase_once_with_a_count_within_its_total(sandbox, memory_keyring, tmp_path, capsys):
    import re

    common = prepare(sandbox, tmp_path)
    assert main(["sync", "--from-cc", *common]) == sc.EXIT_OK
    capsys.readouterr()
    assert main(["sync", "--to-cc", *common]) == sc.EXIT_OK
    lines = [line.strip() for line in capsys.readouterr().err.splitlines() if line.startswith("  ")]
    assert lines, "progress is shown"
    phases = [re.sub(r" [\d,]+/[\d,]+.*$", "", line) for line in lines]
    assert len(phases) == len(set(phases)), "\n".join(lines)  # each phase once
    for line in lines:
        counted = re.search(r" ([\d,]+)/([\d,]+)", line)
        if counted:
            done, total = (int(n.replace(",", "")) for n in counted.groups())
            assert done <= total, line


def test_mapping_fields_lists_constant_contacts_custom_fields_to_choose_from(sandbox, memory_keyring, tmp_path,
                                                                             capsys):  # fmt: skip
    common = prepare(sandbox, tmp_path)
    sandbox.state.create_custom_field("Sales area", "string")
    sandbox.state.create_custom_field("Member since", "date")
    assert main(["mapping", "set", "field", "Region", "custom", "--as", "Sales area", *common]) == 0
    capsys.readouterr()
    assert main(["mapping", "fields", *common]) == 0
    out = capsys.readouterr().out
    assert "Member since  date" in out and "Sales area    text  ← Region" in out
    assert "2 of 100 custom fields in this Constant Contact account" in out
