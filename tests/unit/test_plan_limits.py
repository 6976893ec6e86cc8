"""R15: the planner knows Constant Contact's limits up front (the numbers come from the client's
`ctctdesk.ctct.limits` through the service's `PlanSettings`). Run on the in-memory model of both sides."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctctdesk.ctct import limits
from ctctdesk.sync.operations import CreateList, Direction, SkipReason
from ctctdesk.sync.plan import PlanSettings, plan
from ctctdesk.sync.presenting import plan_lines
from ctctdesk.sync.service import with_service_limits
from tests.unit.test_plan_rules import add_cc, add_crm, run, synced_world

LIMITS = with_service_limits(PlanSettings())


def in_news(world, person: int) -> None:
    news = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news][1].add(person)


def cc_of(world, email: str):
    return next(c for c in world.cc.contacts.values() if c.email == email)


def settled(world) -> bool:
    return replan_with(world, Direction.TO_CC).is_empty and replan_with(world, Direction.FROM_CC).is_empty


def test_the_service_passes_the_clients_numbers():
    assert (LIMITS.custom_fields_per_contact, LIMITS.custom_fields_per_account, LIMITS.custom_field_label_limit,
            LIMITS.lists_per_account) == (limits.CUSTOM_FIELDS_PER_CONTACT, limits.CUSTOM_FIELDS_PER_ACCOUNT,
                                          limits.CUSTOM_FIELD_LABEL_LENGTH, limits.LISTS_PER_ACCOUNT)


def test_fields_beyond_25_on_a_contact_are_not_sent_the_last_by_label_and_named_in_the_preview():
    world = synced_world()
    fay = add_crm(world, "fay@f.com", company="F")
    world.crm.contacts[fay].custom = {f"Field {n:02}": f"v{n}" for n in range(30)}
    in_news(world, fay)

    p = run(world, Direction.TO_CC, LIMITS)

    assert set(cc_of(world, "fay@f.com").custom) == {f"Field {n:02}" for n in range(25)}
    [note] = p.limit_notes
    assert note.contact.local_id == fay and "Field 25, Field 26, Field 27, Field 28, Field 29" in note.text
    assert any("at most 25" in line for line in plan_lines(p))
    assert settled(world)  # nothing to push again, nothing to pull back


def test_a_long_label_is_shortened_the_same_way_each_time_and_two_long_labels_stay_apart():
    world = synced_world()
    fay = add_crm(world, "fay@f.com", company="F")
    long_a, long_b = "A" * 50 + " one", "A" * 50 + " two"
    world.crm.contacts[fay].custom = {long_a: "1", long_b: "2", "Region": "North"}
    in_news(world, fay)

    p = run(world, Direction.TO_CC, LIMITS)

    sent = cc_of(world, "fay@f.com").custom
    assert sent["Region"] == "North" and len(sent) == 3
    assert all(len(label) <= 50 for label in sent)
    assert sorted(sent.values()) == ["1", "2", "North"]
    assert len([n for n in p.limit_notes if "is sent as" in n.text]) == 2
    assert settled(world)


def test_fields_beyond_the_accounts_100_are_not_sent_those_constant_contact_holds_first():
    world = synced_world()
    held = add_cc(world, "cy@c.com", [], first_name="Cy", company_name="C")
    world.cc.contacts[held].custom = {f"Old {n:03}": "x" for n in range(98)}
    run(world, Direction.FROM_CC, LIMITS)
    fay = add_crm(world, "fay@f.com", company="F")
    world.crm.contacts[fay].custom = {"Zone": "1", "Area": "2", "Old 000": "3", "Beat": "4"}
    in_news(world, fay)

    p = run(world, Direction.TO_CC, LIMITS)

    assert cc_of(world, "fay@f.com").custom == {"Old 000": "3", "Area": "2", "Beat": "4"}
    assert any("room for 100" in n.text and "Zone" in n.text for n in p.limit_notes)


def test_a_new_list_beyond_the_accounts_lists_is_refused_in_the_preview_with_the_reason():
    world = synced_world()  # two lists in Constant Contact already
    small = PlanSettings(lists_per_account=3)
    for name in ("Charlie", "Alpha", "Bravo"):
        list_id = world.crm.add_list(name)
        person = add_crm(world, f"{name.lower()}@x.com", company="X")
        world.crm.lists[list_id][1].add(person)

    p = run(world, Direction.TO_CC, small)

    assert [op.list.name for op in p.changes if isinstance(op, CreateList)] == ["Alpha"]
    assert [(s.reason, s.list.name) for s in p.skips if s.list] == [(SkipReason.LIST_LIMIT, "Bravo"),
                                                                    (SkipReason.LIST_LIMIT, "Charlie")]
    assert any("no room for more lists" in line for line in plan_lines(p))
    assert "bravo@x.com" not in {c.email for c in world.cc.contacts.values()}
    again = plan(world.crm.snapshot(), world.remote_snapshot(), world.baseline, Direction.TO_CC, small)
    assert again.changes == () and [s.list.name for s in again.skips if s.list] == ["Bravo", "Charlie"]


labels = st.text(st.sampled_from("ab c"), min_size=1, max_size=60).map(str.strip).filter(bool)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(labels, st.text(st.sampled_from("xyz"), min_size=1, max_size=5), max_size=35))
def test_whatever_the_custom_fields_constant_contact_gets_what_fits_and_nothing_flips(fields):
    world = synced_world()
    fay = add_crm(world, "fay@f.com", company="F")
    world.crm.contacts[fay].custom = dict(fields)
    in_news(world, fay)
    run(world, Direction.TO_CC, LIMITS)
    sent = cc_of(world, "fay@f.com").custom
    assert len(sent) <= 25 and all(len(label) <= 50 for label in sent)
    assert len(sent) == min(len(fields), 25)  # shortening never merges two fields into one
    assert replan_with(world, Direction.TO_CC).is_empty and replan_with(world, Direction.FROM_CC).is_empty


def replan_with(world, direction):
    return plan(world.crm.snapshot(), world.remote_snapshot(), world.baseline, direction, LIMITS)
