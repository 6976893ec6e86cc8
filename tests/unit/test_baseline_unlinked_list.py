"""Regression: a pull that takes an unsubscribed contact off a CRM-only list (R3) must not stop the run.

Found by demo mode: the planner rightly removes the contact from every local list, including lists
never linked to Constant Contact; confirming that removal has no baseline entry to change.
"""

from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.operations import ContactRef, ListRef, RemoveMembership, Side
from ctctdesk.sync.snapshot import Baseline, BaselineContact, BaselineList, FieldValues


def test_removing_a_member_from_an_unlinked_local_list_leaves_the_baseline_unchanged():
    baseline = Baseline.build(
        "acct",
        [BaselineContact(1, "cc-1", FieldValues(email="a@example.com"))],
        [BaselineList(10, "cc-10", "Linked", frozenset({1}))],
    )
    builder = BaselineBuilder(baseline)
    op = RemoveMembership(1, Side.CRM, ListRef(20, None, "CRM only"), ContactRef(1, "cc-1", "a@example.com"))
    builder.apply(op)
    assert builder.build() == baseline


def test_removing_a_member_from_a_linked_list_is_recorded():
    baseline = Baseline.build(
        "acct",
        [BaselineContact(1, "cc-1", FieldValues(email="a@example.com"))],
        [BaselineList(10, "cc-10", "Linked", frozenset({1}))],
    )
    builder = BaselineBuilder(baseline)
    builder.apply(
        RemoveMembership(1, Side.CRM, ListRef(10, "cc-10", "Linked"), ContactRef(1, "cc-1", "a@example.com"))
    )
    assert builder.build().lists[10].member_ids == frozenset()
