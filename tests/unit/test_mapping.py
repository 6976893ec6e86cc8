"""The field mapping model (R11): its default, what it refuses, and how tags are fitted to the limits."""

from __future__ import annotations

import pytest

from ctctdesk.sync.mapping import (
    FieldMapping,
    MappingError,
    Target,
    fit_tags,
    project_remote,
    tag_entry,
    usage,
)
from ctctdesk.sync.snapshot import RemoteContact, RemoteSnapshot


def test_the_default_sends_what_was_always_sent():
    m = FieldMapping()
    assert (m.tags, m.target("phone"), m.target("address"), m.target("Region")) == (
        False, Target.STANDARD, Target.OFF, Target.CUSTOM)
    assert FieldMapping.from_json(m.to_json()) == m
    assert FieldMapping.from_json(None) == m and FieldMapping.from_json({"fields": {"x": "sideways"}}) == m


def test_targets_a_field_cannot_have_are_refused_with_the_reason():
    with pytest.raises(MappingError, match="no standard field"):
        FieldMapping().with_field("Region", "standard")
    with pytest.raises(MappingError, match="standard or off"):
        FieldMapping().with_field("address", "custom")
    with pytest.raises(MappingError, match="at most 50"):
        FieldMapping().with_field("Region", "custom", label="x" * 51)
    with pytest.raises(MappingError, match="string or date"):
        FieldMapping().with_field("Region", "custom", field_type="number")
    with pytest.raises(MappingError, match="Only a field that goes as a custom field"):
        FieldMapping().with_field("phone", "standard", label="Tel")
    kept = FieldMapping().with_field("Region", "off")
    assert FieldMapping.from_json(kept.to_json()).target("Region") is Target.OFF


def test_tags_beyond_the_limits_are_named_never_dropped_silently():
    many = {1: [f"T{i:02}" for i in range(53)], 2: ["Old", "New"]}
    kept, not_sent = fit_tags(many, {1: "ann@x.example"}, remote_tags=("Old",))
    assert len(kept[1]) == 50 and not_sent.contact_tags == (("ann@x.example", ("T50", "T51", "T52")),)
    assert "3 tags not sent, at most 50 per contact: T50, T51, T52" in not_sent.lines()[0]
    full = [f"Existing {i}" for i in range(499)]
    kept, not_sent = fit_tags({1: ["A", "B"], 2: ["B"]}, {}, remote_tags=full)
    assert kept == {1: ["B"], 2: ["B"]} and not_sent.account_tags == ("A",)  # the most used one fits


def test_usage_counts_only_the_fields_sent():
    m = FieldMapping().with_field("Notes", "off")
    used = usage(m, [["Region", "Notes"], ["Region", "Size"]])
    assert (used.fields_sent, used.most_per_contact) == (2, 2) and not used.problems()


def test_constant_contact_tags_are_seen_only_when_the_mapping_carries_them():
    rc = RemoteContact("c1", "a@x.example", phone="555", custom_fields=(tag_entry("VIP"), ("Region", "N")))
    snap = RemoteSnapshot({"c1": rc}, {})
    assert project_remote(snap, FieldMapping()).contacts["c1"].custom_fields == (("Region", "N"),)
    assert project_remote(snap, FieldMapping(tags=True)) is snap
    off = FieldMapping(tags=True).with_field("phone", "off").with_field("Region", "off")
    seen = project_remote(snap, off).contacts["c1"]
    assert (seen.phone, seen.custom_fields) == ("", (tag_entry("VIP"),))


def test_tags_do_not_count_against_the_custom_field_limits():
    from ctctdesk.sync.plan_limits import within_limits
    from ctctdesk.sync.snapshot import Baseline, LocalContact, LocalSnapshot

    tags = tuple(tag_entry(f"Tag {i:02}") for i in range(30))
    lc = LocalContact(1, "a@x.example", custom_fields=tuple(sorted(tags + (("Region", "N"),))))
    fitted = within_limits(LocalSnapshot({1: lc}, {}), RemoteSnapshot({}, {}), Baseline.empty(), push=True,
                           label_limit=3, fields_per_account=100, fields_per_contact=25)
    kept = fitted.local.contacts[1].custom_fields
    assert sum(1 for name, _ in kept if name.startswith("#tag:")) == 30  # neither cut nor shortened
    assert ("Reg", "N") in kept


def test_a_chosen_label_and_type_are_kept_and_two_fields_on_one_label_are_refused():
    from ctctdesk.sync.mapping import check

    m = FieldMapping().with_field("Region", "custom", label="Sales area", field_type="date").with_field(
        "phone", "custom")
    assert FieldMapping.from_json(m.to_json()) == m
    assert m.crm_names() == {"Sales area": "Region", "Phone": "#phone"}
    assert m.sent_types() == {"Sales area": "date"}
    with pytest.raises(MappingError, match="would both go to the Constant Contact custom field “Phone”"):
        check(m, [["Region", "Phone"]])
    with pytest.raises(MappingError, match="at most 25 per contact"):
        check(FieldMapping(), [[f"F{i}" for i in range(26)]])
    check(m, [["Region", "Size"]])  # fits: no error
    assert usage(m, [["Region", "Size"]]).fields_sent == 3  # the phone counts as a custom field


def test_tags_renamed_merged_or_gone_in_the_crm_are_planned_as_one_change_each():
    from ctctdesk.sync.mapping import after_tag_actions, plan_tag_actions
    from ctctdesk.sync.snapshot import Baseline, BaselineContact, FieldValues, LocalContact, LocalSnapshot

    def remote(cc_id, *tags):
        return RemoteContact(cc_id, f"{cc_id}@x.example", custom_fields=tuple(sorted(tag_entry(t) for t in tags)))

    def local(i, *tags):
        return LocalContact(i, f"c{i}@x.example", custom_fields=tuple(sorted(tag_entry(t) for t in tags)))

    was = {1: ("Gold", "Old"), 2: ("Gold", "Silver"), 3: ("Silver",)}
    base = Baseline.build("acct", [BaselineContact(i, f"c{i}", FieldValues(custom=tuple(sorted(
        tag_entry(t) for t in tags)))) for i, tags in was.items()], [])
    snap = RemoteSnapshot({f"c{i}": remote(f"c{i}", *tags) for i, tags in was.items()}, {})
    # Gold renamed Platinum; Silver merged into Old; nothing else changed
    now = LocalSnapshot({1: local(1, "Platinum", "Old"), 2: local(2, "Platinum", "Old"), 3: local(3, "Old")}, {})
    actions = plan_tag_actions(now, snap, base, ("Gold", "Silver", "Old"), ("Platinum", "Old"))
    assert [(a.kind, a.name, a.into, a.contacts) for a in actions] == [
        ("rename", "Gold", "Platinum", 2), ("merge", "Silver", "Old", 2)]
    seen = after_tag_actions(snap, actions)
    assert {cc: {n for n, _ in rc.custom_fields} for cc, rc in seen.contacts.items()} == {
        cc: {n for n, _ in now.contacts[int(cc[1:])].custom_fields} for cc in seen.contacts}
    # a tag only taken off every company stays in the CRM: no action, the contacts lose it one by one
    assert plan_tag_actions(now, snap, base, ("Gold", "Silver", "Old"), ("Gold", "Silver", "Platinum", "Old")) == ()
    # a tag added in Constant Contact since the last sync is the pull's business, not deleted
    fresh = RemoteSnapshot({**snap.contacts, "c3": remote("c3", "Silver", "VIP")}, {})
    assert all(a.name != "VIP" for a in plan_tag_actions(now, fresh, base, ("VIP",), ()))


def test_tagging_goes_by_tag_set_or_tag_by_tag_whichever_needs_fewer_activities():
    from ctctdesk.sync.remote_steps import _tag_groups

    ids = {n.casefold(): f"id-{n}" for n in ("Customer", "Gold", "Events", "VIP")}
    alike = {i: (f"c{i}", ["Customer", "Gold", "Events"]) for i in range(1000)}
    assert len(_tag_groups(alike, ids)) == 1  # 1,000 contacts tagged alike: 2 activities, not 6
    mixed = {i: (f"c{i}", [n for j, n in enumerate(("Customer", "Gold", "Events", "VIP")) if i >> j & 1])
             for i in range(1, 16)}
    assert sorted(_tag_groups(mixed, ids)) == [("id-Customer",), ("id-Events",), ("id-Gold",), ("id-VIP",)]
