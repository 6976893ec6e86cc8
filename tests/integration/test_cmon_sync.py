# ruff: noqa: F811 - pytest fixtures are imported by name
"""The Constant Contact scenario suite, again with Campaign Monitor behind the engine (issue 16).

The same guarantees with per-list subscribers: pushes land in the lists with the fields as custom
fields; unsubscribes, bounces and deletions made in Campaign Monitor come back and follow R3; nobody is
subscribed again; one refused subscriber does not stop the run (R15); a run killed at any step is
finished by the next (R13); a mass removal needs confirmation (R14); nothing changed costs a few
requests. Each test runs against every Campaign Monitor in `WORLDS`."""

from __future__ import annotations

import pytest

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.editing import tags as crm_tags
from ctctdesk.crm.models import Company, Contact
from ctctdesk.sync.mapping import FieldMapping
from tests.support.cmon_sync import CmonEnv, EmulatorWorld, make_cmon_env
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.fake_cmon import FakeCampaignMonitor

STEPS = range(1, 9)


class Killed(BaseException):
    """The process died here (not an error the engine could handle)."""


WORLDS = ["fake", "emulator", "emulator+10:00"]


@pytest.fixture(params=WORLDS)
def env(request, tmp_path):
    """The engine over the in-memory fake, and over the emulator through the real wire client — also with
    the client's dates in a time zone ten hours ahead of UTC (the engine assumes none)."""
    from ctctdesk.crm.db import close_database

    if request.param == "fake":
        world = FakeCampaignMonitor()
    else:
        offset = 600 if request.param.endswith("+10:00") else 0
        world = EmulatorWorld(request.getfixturevalue("cmon_factory")(utc_offset_minutes=offset))
    environment = make_cmon_env(tmp_path, world)
    yield environment
    close_database()


def ok(summary):
    assert summary.ok, summary
    return summary


def local_list(name: str) -> set[str]:
    found = lists.find_list(name)
    assert found is not None, f"no local list {name}"
    return {Contact.get_by_id(cid).email for cid in lists.member_ids(found.id)}


def pushed(env: CmonEnv, count: int = 4, names: tuple[str, ...] = ("One", "Two")) -> list[int]:
    """``count`` CRM contacts in every list of ``names``, pushed; then, a day later, a pull."""
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(count)]
    for name in names:
        lists.add_members(lists.create_list(name).id, ids)
    ok(env.sync("to_cc"))
    env.world.advance(days=2)
    ok(env.sync("from_cc"))
    return ids


def quiet(env: CmonEnv) -> None:
    assert env.service.preview("from_cc").plan.changes == ()
    assert env.service.preview("to_cc").plan.changes == ()


# -- push ------------------------------------------------------------------------------------------------


def test_first_push_puts_each_contact_in_its_lists_with_its_fields(env):
    firm = add_company("Firm")
    ann = add_contact(firm, "Ann", "Archer", "Ann@Firm.example", job_title="Boss", phone="555 1234")
    bob = add_contact(firm, "Bob", "Baker", "bob@firm.example")
    contacts.set_custom_fields(ann, {"Region": "North"})
    lists.add_members(lists.create_list("Customers").id, [ann, bob])
    lists.add_members(lists.create_list("Events").id, [ann])

    summary = ok(env.sync("to_cc"))

    assert summary.counts["lists created"] == 2 and summary.counts["contacts added"] == 2
    assert env.world.members("Customers") == {"ann@firm.example", "bob@firm.example"}
    assert env.world.members("Events") == {"ann@firm.example"}
    for title in ("Customers", "Events"):
        values = env.world.values(title, "ann@firm.example")
        assert values["First name"] == ["Ann"] and values["Job title"] == ["Boss"]
        assert values["Region"] == ["North"] and values["Phone"] == ["555 1234"]
    assert env.world.name("Events", "ann@firm.example") == "Ann Archer"
    quiet(env)


def test_an_edit_reaches_every_list_and_a_later_pull_does_not_take_it_back(env):
    ids = pushed(env)
    contacts.update_contact(ids[1], job_title="Chief", last_name="Quinn")
    contacts.set_custom_fields(ids[2], {"Region": "South"})
    ok(env.sync("to_cc"))
    for title in ("One", "Two"):
        assert env.world.values(title, "p1@firm.example")["Job title"] == ["Chief"]
        assert env.world.name(title, "p1@firm.example") == "P1 Quinn"
        assert env.world.values(title, "p2@firm.example")["Region"] == ["South"]
    env.world.advance(days=3)
    quiet(env)
    assert Contact.get_by_id(ids[1]).job_title == "Chief"


def test_a_blanked_value_is_cleared_in_every_list(env):
    ids = pushed(env)
    contacts.update_contact(ids[0], last_name="")
    ok(env.sync("to_cc"))
    for title in ("One", "Two"):
        assert "Last name" not in env.world.values(title, "p0@firm.example")
    quiet(env)


def test_membership_changes_add_to_and_remove_from_one_list(env):
    ids = pushed(env, names=("One",))
    two = lists.create_list("Two")
    lists.add_members(two.id, ids[:2])
    lists.set_member(lists.find_list("One").id, ids[3], False)
    ok(env.sync("to_cc"))
    assert env.world.members("Two") == {"p0@firm.example", "p1@firm.example"}
    assert env.world.values("Two", "p1@firm.example")["First name"] == ["P1"]
    assert env.world.members("One") == {"p0@firm.example", "p1@firm.example", "p2@firm.example"}
    env.world.advance(days=2)
    quiet(env)


def test_an_address_changed_in_the_crm_moves_the_subscriber_and_stays_one_contact(env):
    ids = pushed(env)
    contacts.update_contact(ids[1], email="p1.new@firm.example")
    ok(env.sync("to_cc"))
    assert "p1.new@firm.example" in env.world.members("One") and "p1@firm.example" not in env.world.members("One")
    env.world.advance(days=2)
    ok(env.sync("from_cc"))
    quiet(env)
    assert Contact.select().count() == 4
    assert "p1.new@firm.example" in local_list("Two")


# -- pull: R3 --------------------------------------------------------------------------------------------


def test_an_unsubscribe_in_one_list_unsubscribes_everywhere_and_is_never_undone(env):
    ids = pushed(env)
    env.world.advance(hours=1)
    env.world.set_state("Two", "p1@firm.example", "Unsubscribed")
    ok(env.sync("from_cc"))
    assert Contact.get_by_id(ids[1]).email_status == "unsubscribed"
    assert "p1@firm.example" not in local_list("One") | local_list("Two")
    lists.add_members(lists.find_list("One").id, [ids[1]])  # someone puts them back in the CRM
    preview = env.service.preview("to_cc")
    assert not preview.plan.changes
    ok(env.service.run(preview, force=True))
    assert env.world.state_of("Two", "p1@firm.example") == "Unsubscribed"


def test_a_suppressed_address_comes_back_as_unsubscribed(env):
    ids = pushed(env)
    env.world.advance(hours=1)
    env.world.suppress("p2@firm.example")
    ok(env.sync("from_cc"))
    assert Contact.get_by_id(ids[2]).email_status == "unsubscribed"
    quiet(env)


def test_a_bounce_shows_bounced_in_the_crm(env):
    ids = pushed(env)
    env.world.advance(hours=1)
    env.world.set_state("One", "p3@firm.example", "Bounced")
    summary = ok(env.sync("from_cc"))
    assert summary.counts["marked bounced"] == 1
    assert Contact.get_by_id(ids[3]).email_status == "bounced"
    assert "p3@firm.example" in local_list("One")  # on hold, not gone: it stays in its lists
    assert env.service.preview("from_cc").plan.changes == ()


def test_an_edit_of_a_bounced_contact_still_reaches_its_list(env):
    """An import leaves a bounced subscriber as it is; the update goes by subscriber instead."""
    ids = pushed(env, names=("One",))
    env.world.advance(hours=1)
    env.world.set_state("One", "p1@firm.example", "Bounced")
    ok(env.sync("from_cc"))
    contacts.update_contact(ids[1], job_title="Fixed")
    ok(env.sync("to_cc"))
    assert env.world.values("One", "p1@firm.example")["Job title"] == ["Fixed"]
    assert env.world.state_of("One", "p1@firm.example") == "Bounced"
    env.world.advance(days=2)
    quiet(env)


def test_a_subscriber_deleted_from_one_list_leaves_that_list_only(env):
    ids = pushed(env)
    env.world.advance(hours=1)
    env.world.set_state("One", "p0@firm.example", "Deleted")
    ok(env.sync("from_cc"))
    assert "p0@firm.example" not in local_list("One") and "p0@firm.example" in local_list("Two")
    assert Contact.get_by_id(ids[0]).email_status != "unsubscribed"
    quiet(env)


def test_a_subscriber_deleted_from_every_list_leaves_the_lists_and_the_record_stays(env):
    ids = pushed(env)
    env.world.advance(hours=1)
    for title in ("One", "Two"):
        env.world.set_state(title, "p0@firm.example", "Deleted")
    ok(env.sync("from_cc"))
    assert "p0@firm.example" not in local_list("One") | local_list("Two")
    assert Contact.get_by_id(ids[0]).email == "p0@firm.example"


def test_a_new_subscriber_in_campaign_monitor_arrives_in_the_crm(env):
    pushed(env)
    env.world.advance(hours=1)
    env.world.sign_up("Two", "new@else.example", "Nia New")
    ok(env.sync("from_cc"))
    assert "new@else.example" in local_list("Two")
    person = Contact.get(Contact.email == "new@else.example")
    assert (person.first_name, person.last_name) == ("Nia", "New")
    quiet(env)


def test_a_subscriber_the_owner_removes_from_a_list_without_a_trace_leaves_that_list_in_the_crm(env):
    pushed(env)
    env.world.advance(hours=1)
    env.world.remove("One", "p3@firm.example")  # no state change to read: the list's count tells
    ok(env.sync("from_cc"))
    assert "p3@firm.example" not in local_list("One") and "p3@firm.example" in local_list("Two")
    quiet(env)


def test_a_value_edited_in_campaign_monitor_is_settled_by_the_full_check(env):
    """The stated blind spot: an edit moves no date, so only the full check reads it."""
    ids = pushed(env)
    env.world.advance(hours=1)
    for title in ("One", "Two"):
        env.world.edit(title, "p1@firm.example", "Last name", "Owner")
    ok(env.sync("from_cc"))
    assert Contact.get_by_id(ids[1]).last_name == "Q"
    ok(env.sync("from_cc", full=True))
    assert Contact.get_by_id(ids[1]).last_name == "Owner"
    quiet(env)


def test_a_name_edited_in_campaign_monitor_reaches_the_crm_and_is_not_written_back(env):
    """The owner edits ``Name`` (not the first/last name fields): the full check brings it, split into
    first and last name, and the next push does not restore the old name."""
    ids = pushed(env)
    env.world.advance(hours=1)
    for title in ("One", "Two"):
        env.world.rename(title, "p1@firm.example", "Petra van Dijk")
    ok(env.sync("from_cc", full=True))
    person = Contact.get_by_id(ids[1])
    assert (person.first_name, person.last_name) == ("Petra", "van Dijk")
    contacts.update_contact(ids[2], job_title="Chief")  # something else to push
    ok(env.sync("to_cc"))
    ok(env.sync("from_cc", full=True))
    person = Contact.get_by_id(ids[1])
    assert (person.first_name, person.last_name) == ("Petra", "van Dijk")
    for title in ("One", "Two"):
        assert env.world.name(title, "p1@firm.example") == "Petra van Dijk"
    quiet(env)


def test_adding_back_someone_removed_from_a_list_is_refused_with_the_reason_and_nothing_else_stops(env):
    """Campaign Monitor keeps a deleted subscriber deleted unless resubscribed, which ctctdesk never asks."""
    ids = pushed(env)
    one = lists.find_list("One").id
    lists.set_member(one, ids[0], False)
    ok(env.sync("to_cc"))
    assert env.world.state_of("One", "p0@firm.example") == "Deleted"
    lists.set_member(one, ids[0], True)
    contacts.update_contact(ids[1], job_title="Chief")
    summary = env.sync("to_cc")
    assert len(summary.errors) == 1 and "p0@firm.example" in summary.errors[0].email
    message = summary.errors[0].message
    assert "to the list “One”" in message  # which list, and what to do about it
    assert "add it back in Campaign Monitor" in message and "take the contact off the list in the CRM" in message
    assert env.world.state_of("One", "p0@firm.example") == "Deleted"
    assert env.world.values("One", "p1@firm.example")["Job title"] == ["Chief"]
    # stable: every later push names it once more, the same way, and asks nothing else of Campaign Monitor
    again, third = env.sync("to_cc"), env.sync("to_cc")
    assert [e.message for e in again.errors] == [e.message for e in third.errors] == [message]
    assert again.requests_used == third.requests_used
    assert env.world.state_of("One", "p0@firm.example") == "Deleted"


def test_someone_taken_out_of_their_only_list_is_not_a_deletion_and_ticking_them_back_is_said(env):
    """Taken out of the one list they were in, a subscriber is "Deleted" everywhere in Campaign Monitor:
    that is ctctdesk's own removal, not the person deleted (R4). Nothing is left waiting for a pull, and
    a tick back in the CRM is tried, refused with its reason, and kept in the CRM."""
    ids = pushed(env, names=("One",))
    one = lists.find_list("One").id
    lists.set_member(one, ids[0], False)
    ok(env.sync("to_cc"))
    assert env.world.state_of("One", "p0@firm.example") == "Deleted"
    env.world.advance(hours=1)
    assert env.service.preview("to_cc").pending_other_way == 0
    ok(env.sync("from_cc", full=True))
    assert env.service.preview("to_cc").pending_other_way == 0

    lists.set_member(one, ids[0], True)
    summary = env.sync("to_cc")
    assert len(summary.errors) == 1 and "to the list “One”" in summary.errors[0].message
    assert env.world.state_of("One", "p0@firm.example") == "Deleted"  # never resubscribed
    env.world.advance(hours=1)
    ok(env.sync("from_cc"))
    assert "p0@firm.example" in local_list("One")  # the pull does not take the tick away


# -- R15, R13, R14 ---------------------------------------------------------------------------------------


def test_one_refused_subscriber_is_named_and_everyone_else_arrives(env):
    ids = pushed(env, names=("One",))
    firm = add_company("Other")
    new = [add_contact(firm, f"N{i}", "Q", f"n{i}@other.example") for i in range(5)]
    bad = add_contact(firm, "Bea", "Broken", "bea@other.example")
    env.world.refuse("bea@other.example")
    lists.add_members(lists.find_list("One").id, [*new[:2], bad, *new[2:]])
    contacts.set_do_not_contact([ids[0]], True)

    summary = env.sync("to_cc")

    assert [e.email for e in summary.errors] == ["bea@other.example"]
    assert "Bea Broken" in summary.errors[0].message
    assert env.world.members("One") == {f"n{i}@other.example" for i in range(5)} | {
        f"p{i}@firm.example" for i in (1, 2, 3)}
    again = env.service.preview("to_cc").plan.changes
    assert {op.contact.label for op in again} == {"Bea Broken <bea@other.example>"}


def kill_at(step: int, stage: str):
    def hook(number: int, kind: str, when: str) -> None:
        if number == step and when == stage:
            raise Killed(f"killed at step {number} ({kind}, {when})")

    return hook


@pytest.mark.parametrize("stage", ["before", "sent"])
@pytest.mark.parametrize("step", STEPS)
def test_a_push_killed_at_any_step_converges_on_the_next_run(env, step, stage):
    ids = pushed(env, names=("One",))
    contacts.update_contact(ids[0], job_title="Boss")
    lists.add_members(lists.create_list("Two").id, ids[1:3])
    lists.set_member(lists.find_list("One").id, ids[3], False)
    firm = add_company("New")
    lists.add_members(lists.find_list("One").id, [add_contact(firm, "Nat", "N", "nat@new.example")])
    env.service.step_hook = kill_at(step, stage)
    try:
        env.service.run(env.service.preview("to_cc"), force=True)
    except Killed:
        pass
    service = env.restarted()
    ok(service.run(service.preview("to_cc"), force=True))
    assert service.preview("to_cc").plan.changes == ()
    assert env.world.members("One") == {"p0@firm.example", "p1@firm.example", "p2@firm.example", "nat@new.example"}
    assert env.world.members("Two") == {"p1@firm.example", "p2@firm.example"}
    assert env.world.values("One", "p0@firm.example")["Job title"] == ["Boss"]
    assert env.world.list_count() == 2


def test_a_mass_removal_needs_confirmation(env):
    ids = pushed(env, count=60, names=("One",))
    one = lists.find_list("One").id
    for contact_id in ids[:55]:
        lists.set_member(one, contact_id, False)
    preview = env.service.preview("to_cc")
    assert preview.needs_confirmation
    assert len(env.world.members("One")) == 60


# -- tags (R11) ------------------------------------------------------------------------------------------


def test_tags_go_as_one_multi_valued_field_with_a_segment_per_tag_on_each_list(env):
    env.service.mapping = lambda: FieldMapping(tags=True)
    acme = add_company("Acme", "customer", ("Gold", "Events"))
    beta = add_company("Beta", "prospect")
    ids = (add_contact(acme, "Ann", "A", "ann@acme.example"), add_contact(beta, "Bob", "B", "bob@beta.example"))
    lists.add_members(lists.create_list("News").id, ids)
    lists.add_members(lists.create_list("Offers").id, ids[:1])
    ok(env.sync("to_cc"))
    assert sorted(env.world.values("News", "ann@acme.example")["Tags"]) == ["Customer", "Events", "Gold"]
    assert env.world.values("News", "bob@beta.example")["Tags"] == ["Prospect"]
    assert sorted(env.world.values("Offers", "ann@acme.example")["Tags"]) == ["Customer", "Events", "Gold"]
    assert {"Tag: Gold", "Tag: Customer", "Tag: Events"} <= env.world.segment_titles("Offers")
    assert "Tag: Prospect" in env.world.segment_titles("News")
    env.world.advance(days=2)
    quiet(env)
    gold = next(t.id for t in crm_tags.tag_summaries() if t.name == "Gold")
    crm_tags.remove_tag(gold, [Company.get(Company.name == "Acme").id])
    ok(env.sync("to_cc"))
    assert sorted(env.world.values("News", "ann@acme.example")["Tags"]) == ["Customer", "Events"]
    assert sorted(env.world.values("Offers", "ann@acme.example")["Tags"]) == ["Customer", "Events"]
    env.world.advance(days=2)
    quiet(env)


def test_a_tag_renamed_or_deleted_in_the_crm_is_renamed_or_dropped_in_each_list(env):
    env.service.mapping = lambda: FieldMapping(tags=True)
    acme = add_company("Acme", "customer", ("Gold", "Events"))
    ann = add_contact(acme, "Ann", "A", "ann@acme.example")
    lists.add_members(lists.create_list("News").id, [ann])
    ok(env.sync("to_cc"))
    tag_ids = {t.name: t.id for t in crm_tags.tag_summaries()}
    crm_tags.rename_tag(tag_ids["Gold"], "Platinum")
    ok(env.sync("to_cc"))
    assert sorted(env.world.values("News", "ann@acme.example")["Tags"]) == ["Customer", "Events", "Platinum"]
    assert "Tag: Platinum" in env.world.segment_titles("News") and "Tag: Gold" not in env.world.segment_titles("News")
    crm_tags.delete_tag(tag_ids["Events"])
    ok(env.sync("to_cc"))
    assert sorted(env.world.values("News", "ann@acme.example")["Tags"]) == ["Customer", "Platinum"]
    assert "Tag: Events" not in env.world.segment_titles("News")
    env.world.advance(days=2)
    quiet(env)


# -- cost ------------------------------------------------------------------------------------------------


def test_a_pull_with_nothing_changed_costs_a_few_requests_whatever_the_size(env):
    pushed(env, count=50, names=("One", "Two", "Three"))
    env.world.advance(days=2)
    before = env.world.total_requests
    summary = ok(env.sync("from_cc"))
    assert summary.counts == {} or not any(summary.counts.values())
    assert env.world.total_requests - before == 2 + 5 * 3 + 1  # lists, 4 states + stats per list, suppression; account
    before = env.world.total_requests
    ok(env.sync("from_cc", full=True))
    assert env.world.total_requests - before == 1 + 1 + 3 * (4 + 1) + 1  # and each list's field definitions


@pytest.mark.parametrize("step", STEPS)
def test_a_push_killed_after_a_recorded_step_never_turns_its_edits_into_changes_to_pull(env, step):
    """Campaign Monitor's reads do not bring back a value edit: what a push wrote is in the mirror as soon
    as the step that wrote it is recorded, not only when the run ends."""
    ids = pushed(env, names=("One",))
    contacts.update_contact(ids[0], job_title="Boss")
    lists.add_members(lists.create_list("Two").id, ids[1:3])
    env.service.step_hook = kill_at(step, "before")
    try:
        env.service.run(env.service.preview("to_cc"), force=True)
    except Killed:
        pass
    service = env.restarted()
    env.world.advance(days=2)
    ok(service.run(service.preview("from_cc"), force=True))
    assert Contact.get_by_id(ids[0]).job_title == "Boss"
    ok(service.run(service.preview("to_cc"), force=True))
    assert service.preview("to_cc").plan.changes == () and service.preview("from_cc").plan.changes == ()


def test_the_preview_and_a_refusal_name_campaign_monitor(env):
    ids = pushed(env, names=("One",))
    contacts.update_contact(ids[0], job_title="Boss")
    lines = "\n".join(env.service.preview("to_cc").lines)
    assert "CRM → Campaign Monitor" in lines and "Constant Contact" not in lines
    assert env.service.service_name() == "Campaign Monitor"
    firm = add_company("Other")
    env.world.refuse("bea@other.example")
    lists.add_members(lists.find_list("One").id, [add_contact(firm, "Bea", "B", "bea@other.example")])
    summary = env.sync("to_cc")
    assert "Campaign Monitor" in summary.errors[0].message and "Constant Contact" not in summary.errors[0].message


def test_the_history_says_which_service_each_run_talked_to(env):
    pushed(env, names=("One",))
    assert {run.service for run in env.service.history()} == {"Campaign Monitor"}


@pytest.fixture
def emulated(request, tmp_path):
    from ctctdesk.crm.db import close_database

    environment = make_cmon_env(tmp_path, EmulatorWorld(request.getfixturevalue("cmon_sandbox")))
    yield environment
    close_database()


def test_a_push_stopped_by_an_outage_is_recorded_and_the_next_run_finishes_it(emulated):
    """Campaign Monitor keeps failing the imports beyond the client's retries: the run stops and says
    so, keeps what went through; once the service is back, the next run does the rest, once."""
    from ctctdesk.sandbox.faults import Fault

    env = emulated
    ids = pushed(env, names=("One",))
    contacts.update_contact(ids[0], job_title="Boss")
    firm = add_company("New")
    lists.add_members(lists.find_list("One").id, [add_contact(firm, f"N{i}", "N", f"n{i}@new.example")
                                                  for i in range(3)])
    env.world.server.faults.add(Fault(kind="503", count=50, path_prefix="/api/v3.3/subscribers/"))
    summary = env.sync("to_cc")
    assert summary.stop.value == "error" and "Campaign Monitor" in summary.stopped_reason
    assert env.service.history()[0].stop.value == "error"
    env.world.server.faults.clear()
    ok(env.sync("to_cc"))
    assert env.world.members("One") == {f"p{i}@firm.example" for i in range(4)} | {
        f"n{i}@new.example" for i in range(3)}
    assert env.world.values("One", "p0@firm.example")["Job title"] == ["Boss"]
    assert env.service.preview("to_cc").plan.changes == ()


def test_activation_brings_an_existing_client_into_the_crm_and_nothing_is_left_either_way(emulated):
    from ctctdesk.sandbox.cmon.seed import seed

    env = emulated
    made = seed(env.world.state, subscribers=40, lists=3)
    env.world.advance(days=1)
    summary = ok(env.service.activate())
    assert summary.counts["contacts added"] == 40 and summary.counts["lists created"] == 3
    for list_id in made["lists"]:
        item = env.world.state.list(list_id)
        assert local_list(item.title) == set(item.subscribers)
    some = next(iter(env.world.state.list(made["lists"][0]).subscribers.values()))
    person = Contact.get(Contact.email == some.email)
    assert f"{person.first_name} {person.last_name}" == some.name
    env.world.advance(days=1)
    quiet(env)
