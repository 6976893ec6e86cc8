# ruff: noqa: F811 - pytest fixtures are imported by name
"""R12: a pull with nothing changed reuses the last quiet plan without reading the CRM — and any change,
in the CRM (every kind of write) or in Constant Contact, is still seen by the next preview."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ctctdesk.crm import contacts, csv_io, lists
from ctctdesk.crm.editing import contacts as editing
from ctctdesk.crm.models import Contact
from ctctdesk.sync import service as service_module
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, make_env


@pytest.fixture
def env(sandbox, memory_keyring, tmp_path, monkeypatch):
    """Two contacts pushed into "News" and pulled back (the baseline), the service reading the
    sandbox's clock; ``env.crm_reads`` counts how often a preview read the whole CRM."""
    from ctctdesk.crm.db import close_database

    env = make_env(sandbox, tmp_path, service_clock=sandbox.clock.now_datetime)
    reads = []
    real = service_module.read_local_mapped

    def counting(*args, **kwargs):
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service_module, "read_local_mapped", counting)
    env.crm_reads = reads
    firm = add_company("Firm")
    env.ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(2)]
    lists.add_members(lists.create_list("News").id, env.ids)
    assert run(env, "to_cc").ok
    env.control("clock", {"advance_seconds": 5})
    assert run(env, "from_cc").ok
    yield env
    close_database()


def run(env: SyncEnv, direction: str):
    return env.service.run(env.service.preview(direction), force=True)


def quiet_preview(env: SyncEnv, direction: str = "from_cc"):
    """A preview after one that planned in full (which notes the quiet plan)."""
    env.control("clock", {"advance_seconds": 60})
    env.service.preview(direction)
    env.control("clock", {"advance_seconds": 60})
    before, used = len(env.crm_reads), env.connection.quota.used
    preview = env.service.preview(direction)
    return preview, len(env.crm_reads) - before, env.connection.quota.used - used


def test_nothing_changed_pull_reads_no_crm_and_says_what_a_full_plan_says(env):
    full = env.service.preview("from_cc")  # planned in full
    reused, crm_reads, requests = quiet_preview(env)
    assert crm_reads == 0
    assert requests <= 5
    assert reused.lines == full.lines
    assert reused.plan.is_empty and reused.pending_other_way == full.pending_other_way
    assert env.service.run(reused).ok


def test_pending_other_way_is_kept_by_the_reused_plan(env):
    contacts.update_contact(env.ids[0], job_title="Chef")  # a CRM change: pending for the push (R8)
    full = env.service.preview("from_cc")
    assert full.pending_other_way == 1
    reused, crm_reads, _ = quiet_preview(env)
    assert crm_reads == 0
    assert reused.lines == full.lines
    assert "1 change in Constant Contact not yet in the CRM" not in reused.lines
    assert any("1 change in the CRM not yet in Constant Contact" in line for line in reused.lines)


def _edit_field(env):
    contacts.update_contact(env.ids[0], first_name="Petra")


def _custom_field(env):
    contacts.set_custom_fields(env.ids[0], {"Region": "North"})


def _untick(env):
    lists.set_member(lists.find_list("News").id, env.ids[1], False)


def _do_not_contact(env):
    contacts.set_do_not_contact([env.ids[1]], True)


def _delete(env):
    editing.delete_contacts([env.ids[1]])


def _import(env):
    path = env.data_dir / "people.csv"
    path.write_text("company,first_name,last_name,email,lists\nFirm,New,Person,new@firm.example,News\n",
                    encoding="utf-8")
    assert csv_io.import_csv(path).created == 1


CRM_EDITS: dict[str, Callable[[SyncEnv], None]] = {
    "contact field": _edit_field, "custom field": _custom_field, "list tick": _untick,
    "do not contact": _do_not_contact, "delete": _delete, "import": _import,
}


@pytest.mark.parametrize("edit", sorted(CRM_EDITS))
def test_every_kind_of_crm_edit_after_the_baseline_defeats_the_shortcut(env, edit):
    quiet_preview(env, "to_cc")  # the push's quiet plan is noted
    CRM_EDITS[edit](env)
    before = len(env.crm_reads)
    push = env.service.preview("to_cc")
    assert len(env.crm_reads) == before + 1
    assert push.plan.changes, f"the push after a CRM {edit} shows it"
    summary = env.service.run(push, force=True)
    assert summary.ok, summary
    _, crm_reads, _ = quiet_preview(env, "to_cc")
    assert crm_reads == 0  # quiet again once both sides agree


def test_a_change_in_constant_contact_defeats_the_shortcut(env):
    quiet_preview(env)
    env.control("clock", {"advance_seconds": 5})
    answer = env.control("owner/update_contact", {"email": "p0@firm.example", "job_title": "Owner"})
    assert answer
    before = len(env.crm_reads)
    pull = env.service.preview("from_cc")
    assert len(env.crm_reads) == before + 1
    assert any("job title" in line and "Owner" in line for line in pull.lines)
    assert env.service.run(pull).ok
    assert Contact.get_by_id(env.ids[0]).job_title == "Owner"


def test_an_unsubscribe_that_does_not_move_updated_at_defeats_the_shortcut(env):
    quiet_preview(env)
    env.control("unsubscribe", {"email": "p1@firm.example"})
    pull = env.service.preview("from_cc")
    assert pull.plan.changes
    assert env.service.run(pull).ok
    assert Contact.get_by_id(env.ids[1]).email_status == "unsubscribed"


def test_a_full_check_always_reads_everything(env):
    quiet_preview(env)
    before = len(env.crm_reads)
    env.service.preview("from_cc", full=True)
    assert len(env.crm_reads) == before + 1
