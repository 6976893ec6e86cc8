# ruff: noqa: F811 - pytest fixtures are imported by name
"""R13: a run stopped at any step — killed, cancelled, out of quota — is finished safely by the next run.

"Killed" is an exception the executor does not handle, raised before a step is sent or after it was
sent but before it was recorded: the same as the process dying at that instant. The next run (a new
service, as after a restart) must converge: nothing duplicated, nothing lost, nobody re-subscribed.
"""

from __future__ import annotations

import threading

import pytest

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.models import Company, Contact
from ctctdesk.sync import store
from ctctdesk.sync.service import SyncService
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, make_env

STEPS = range(1, 9)


class Killed(BaseException):
    """The process died here (not an error the engine could handle)."""


def kill_at(step: int, stage: str):
    def hook(number: int, kind: str, when: str) -> None:
        if number == step and when == stage:
            raise Killed(f"killed at step {number} ({kind}, {when})")

    return hook


@pytest.fixture
def env(sandbox, memory_keyring, tmp_path):
    from ctctdesk.crm.db import close_database

    environment = make_env(sandbox, tmp_path)
    yield environment
    close_database()


def restarted(env: SyncEnv, **options) -> SyncService:
    return SyncService(env.service.database, env.connection, pull_first=False, **options)


def run(service: SyncService, direction: str, **options):
    return service.run(service.preview(direction), force=True, **options)


# -- push --------------------------------------------------------------------------------------------


def push_world(env: SyncEnv) -> dict[str, int]:
    """CRM: two lists with overlapping members; CC: one of the lists, one known contact, one unsubscribed."""
    b_id = env.api.new_list("Beta")
    env.api.import_contacts([{"email": "p4@firm.example", "first_name": "Old"},
                             {"email": "gone@firm.example", "first_name": "Una"}], [b_id])
    env.control("unsubscribe", {"email": "gone@firm.example"})
    firm = add_company("Firm")
    ids = {f"p{i}": add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(6)}
    ids["gone"] = add_contact(firm, "Una", "Gone", "gone@firm.example")
    contacts.set_custom_fields(ids["p1"], {"Region": "North"})
    alpha, beta = lists.create_list("Alpha"), lists.create_list("Beta")
    lists.add_members(alpha.id, [ids[k] for k in ("p0", "p1", "p2", "p3", "gone")])
    lists.add_members(beta.id, [ids[k] for k in ("p2", "p3", "p4", "p5")])
    return ids


FIRST_PUSH = {"Alpha": {"p0", "p1", "p2", "p3"}, "Beta": {"p2", "p3", "p4", "p5"}}
SECOND_PUSH = {"Alpha": {"p0", "p1", "p2"}, "Beta": {"p0", "p2", "p4"}}


def edit_crm_after_first_push(ids: dict[str, int]) -> None:
    """Membership added and removed, a contact set to Do Not Contact, a field changed."""
    beta = lists.find_list("Beta")
    lists.set_member(beta.id, ids["p0"], True)
    lists.set_member(beta.id, ids["p5"], False)
    contacts.set_do_not_contact([ids["p3"]], True)
    contacts.update_contact(ids["p2"], job_title="Boss")


def check_push_converged(env: SyncEnv, service: SyncService, expected_lists=FIRST_PUSH) -> None:
    assert service.preview("to_cc").plan.changes == ()
    cc_lists = env.cc_lists()
    assert sorted(cc_lists) == sorted(set(cc_lists))
    cc = env.cc_contacts()
    for name, expected in expected_lists.items():
        members = {e.split("@")[0] for e, c in cc.items() if cc_lists[name] in c.get("list_memberships", [])
                   and c["email_address"]["permission_to_send"] != "unsubscribed"}
        assert members == expected, name
    gone = cc["gone@firm.example"]
    assert gone["email_address"]["permission_to_send"] == "unsubscribed"
    assert cc_lists["Alpha"] not in gone.get("list_memberships", [])
    assert cc["p4@firm.example"]["first_name"] == "P4"
    emails = [c["email_address"]["address"] for c in env.api.all_contacts(status="all")]
    assert len(emails) == len(set(emails))


@pytest.mark.parametrize("stage", ["before", "sent"])
@pytest.mark.parametrize("step", STEPS)
def test_first_push_killed_at_any_step_converges_on_the_next_run(env, step, stage):
    push_world(env)
    killer = restarted(env, step_hook=kill_at(step, stage))
    try:
        run(killer, "to_cc")
    except Killed:
        pass
    service = restarted(env)
    summary = run(service, "to_cc")
    assert summary.ok, summary
    check_push_converged(env, service)
    assert not store.unfinished_steps()


@pytest.mark.parametrize("stage", ["before", "sent"])
@pytest.mark.parametrize("step", STEPS)
def test_later_push_killed_at_any_step_converges_on_the_next_run(env, step, stage):
    ids = push_world(env)
    assert run(env.service, "to_cc").ok
    edit_crm_after_first_push(ids)
    try:
        run(restarted(env, step_hook=kill_at(step, stage)), "to_cc")
    except Killed:
        pass
    service = restarted(env)
    assert run(service, "to_cc").ok
    check_push_converged(env, service, SECOND_PUSH)
    assert env.cc_contacts()["p2@firm.example"]["job_title"] == "Boss"


# -- pull --------------------------------------------------------------------------------------------


def pull_world(env: SyncEnv) -> None:
    x, y = env.api.new_list("Xray"), env.api.new_list("Yankee")
    rows = [{"email": f"q{i}@co{i % 3}.example", "first_name": f"Q{i}", "company_name": f"Co {i % 3}"}
            for i in range(6)]
    env.api.import_contacts(rows[:4], [x])
    env.api.import_contacts(rows[2:], [y])
    env.control("unsubscribe", {"email": "q5@co2.example"})
    add_contact(add_company("Co 0"), "Local", "Person", "q0@co0.example")


def check_pull_converged(env: SyncEnv, service: SyncService) -> None:
    assert service.preview("from_cc").plan.changes == ()
    names = [c.name for c in Company.select()]
    assert len(names) == len({n.casefold() for n in names})
    members = {s.name: {Contact.get_by_id(i).email for i in lists.member_ids(s.id)} for s in lists.list_summaries()}
    assert members["Xray"] == {"q0@co0.example", "q1@co1.example", "q2@co2.example", "q3@co0.example"}
    assert members["Yankee"] == {"q2@co2.example", "q3@co0.example", "q4@co1.example"}
    # Unsubscribed in Constant Contact and unknown to the CRM: never brought into a list (R3).
    assert all("q5@co2.example" not in m for m in members.values())
    assert all(c.email_status == "unsubscribed" for c in Contact.select().where(Contact.email == "q5@co2.example"))
    assert Contact.select().where(Contact.email == "q0@co0.example").count() == 1


@pytest.mark.parametrize("stage", ["before", "sent"])
@pytest.mark.parametrize("step", range(1, 7))
def test_pull_killed_at_any_step_converges_on_the_next_run(env, step, stage):
    pull_world(env)
    killer = restarted(env, step_hook=kill_at(step, stage))
    try:
        run(killer, "from_cc")
    except Killed:
        pass
    service = restarted(env)
    assert run(service, "from_cc").ok
    check_pull_converged(env, service)


def edit_cc_after_first_pull(env: SyncEnv) -> None:
    env.control("owner/rename_list", {"name": "Xray", "new_name": "X-ray"})
    env.control("owner/remove_from_list", {"email": "q1@co1.example", "list_name": "X-ray"})
    env.control("owner/update_contact", {"email": "q2@co2.example", "last_name": "Changed", "company_name": "Co 9"})
    env.control("owner/delete_contact", {"email": "q4@co1.example"})
    env.control("owner/delete_list", {"name": "Yankee"})


@pytest.mark.parametrize("stage", ["before", "sent"])
@pytest.mark.parametrize("step", range(1, 9))
def test_later_pull_killed_at_any_step_converges_on_the_next_run(env, step, stage):
    pull_world(env)
    assert run(env.service, "from_cc").ok
    edit_cc_after_first_pull(env)
    try:
        run(restarted(env, step_hook=kill_at(step, stage)), "from_cc")
    except Killed:
        pass
    service = restarted(env)
    assert run(service, "from_cc").ok
    assert service.preview("from_cc").plan.changes == ()
    summaries = {s.name: {Contact.get_by_id(i).email for i in lists.member_ids(s.id)} for s in lists.list_summaries()}
    assert "Yankee" not in summaries and "Xray" not in summaries
    assert summaries["X-ray"] == {"q0@co0.example", "q2@co2.example", "q3@co0.example"}
    changed = Contact.get(Contact.email == "q2@co2.example")
    assert (changed.last_name, changed.company.name) == ("Changed", "Co 9")
    assert Contact.select().where(Contact.email == "q4@co1.example").count() == 1  # the record stays


# -- cancel and quota ----------------------------------------------------------------------------------


def test_cancel_stops_between_steps_and_the_next_run_finishes(env):
    push_world(env)
    cancel = threading.Event()

    def progress(p):
        if p.phase.startswith("Importing"):
            cancel.set()

    preview = env.service.preview("to_cc")
    summary = env.service.run(preview, force=True, on_progress=progress, cancel=cancel)
    assert summary.cancelled and not summary.ok
    assert env.service.history()[0].cancelled
    assert run(restarted(env), "to_cc").ok
    check_push_converged(env, env.service)


def test_quota_exhausted_stops_cleanly_and_the_next_day_continues(env):
    push_world(env)
    quota = env.connection.quota

    def progress(p):
        if p.phase.startswith("Importing") and quota.allowance > quota.used:
            quota.allowance = quota.used

    allowance = quota.allowance
    summary = env.service.run(env.service.preview("to_cc"), force=True, on_progress=progress)
    assert "allowance" in summary.stopped_reason
    assert not summary.ok and summary.counts.get("contacts added", 0) == 0
    quota.allowance = allowance
    assert run(restarted(env), "to_cc").ok
    check_push_converged(env, env.service)


@pytest.mark.sandbox_config(activity_delay=1.5, max_running_activities=1)
def test_a_queued_bulk_job_is_reported_as_queued(env):
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(3)]
    for n, contact_id in enumerate(ids):  # three lists with one member each: three imports
        lists.add_members(lists.create_list(f"List {n}").id, [contact_id])
    seen = []
    summary = env.service.run(env.service.preview("to_cc"), on_progress=seen.append)
    assert summary.ok
    queued = [p for p in seen if p.queued]
    assert queued and queued[0].phase == "Waiting for Constant Contact"
    assert "queue" in queued[0].message


def test_revoked_access_is_raised_after_the_run_is_recorded(env):
    from ctctdesk.ctct.errors import AuthRevoked

    push_world(env)
    preview = env.service.preview("to_cc")
    tokens = env.connection.tokens.load(env.connection.settings.profile)
    env.connection._oauth().revoke(tokens.refresh_token, "refresh_token")  # noqa: SLF001
    env.control("faults", {"kind": "expired_token", "count": 1000, "path_prefix": "/v3/activities"})
    with pytest.raises(AuthRevoked):
        env.service.run(preview, force=True)
    recorded = next(h for h in env.service.history() if not h.is_connection_event)
    assert recorded.stopped_reason and not recorded.ok
    assert recorded.finished_at is not None


def kill_after_sending(kind: str):
    def hook(number: int, step_kind: str, when: str) -> None:
        if step_kind == kind and when == "sent":
            raise Killed(f"killed after sending step {number} ({kind})")

    return hook


def test_a_value_sent_but_not_recorded_is_not_taken_for_a_change_in_constant_contact(env):
    """Killed after Constant Contact took "r19" and before the baseline recorded it; the CRM then says
    "r20". The next two-way run must not bring "r19" back as a Constant Contact change (R8, R13)."""
    ids = push_world(env)
    assert run(env.service, "to_cc").ok
    contacts.update_contact(ids["p2"], job_title="r19")
    with pytest.raises(Killed):
        run(restarted(env, step_hook=kill_after_sending("updating contacts")), "to_cc")
    assert env.cc_contacts()["p2@firm.example"]["job_title"] == "r19"  # sent, never recorded
    contacts.update_contact(ids["p2"], job_title="r20")
    service = restarted(env)
    summary = run(service, "both")
    assert summary.ok, summary
    assert Contact.get_by_id(ids["p2"]).job_title == "r20"
    assert env.cc_contacts()["p2@firm.example"]["job_title"] == "r20"
    assert service.preview("both").plan.changes == ()


def test_an_import_sent_but_not_recorded_is_not_taken_for_a_contact_made_in_constant_contact(env):
    """The same for a new contact: killed after Constant Contact imported it with "r19" and before the
    link was recorded; the CRM then says "r20". The next two-way run links it and pushes "r20"."""
    push_world(env)
    assert run(env.service, "to_cc").ok
    firm = Company.get(Company.name == "Firm")
    new = add_contact(firm, "Nia", "New", "nia@firm.example")
    contacts.update_contact(new, job_title="r19")
    lists.add_members(lists.find_list("Alpha").id, [new])
    with pytest.raises(Killed):
        run(restarted(env, step_hook=kill_after_sending("importing contacts")), "to_cc")
    assert env.cc_contacts()["nia@firm.example"]["job_title"] == "r19"  # sent, never recorded
    contacts.update_contact(new, job_title="r20")
    service = restarted(env)
    summary = run(service, "both")
    assert summary.ok, summary
    assert Contact.get_by_id(new).job_title == "r20"
    assert env.cc_contacts()["nia@firm.example"]["job_title"] == "r20"
    assert Contact.select().where(Contact.email == "nia@firm.example").count() == 1
    assert service.preview("both").plan.changes == ()
