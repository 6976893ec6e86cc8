"""The sync store keeps the planner's baseline exactly, writes only differences, and binds it to one account."""

from __future__ import annotations

import ctctdesk.sync.store as store
from ctctdesk.crm.db import close_database
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.operations import (
    ContactRef,
    CreateContact,
    CreateList,
    ListRef,
    RemoveMembership,
    Side,
)
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.snapshot import Baseline, FieldValues
from tests.support.crm_fixtures import open_crm


def test_baseline_round_trip_and_incremental_saves(tmp_path):
    store.ensure_tables(open_crm(tmp_path))
    try:
        writer = store.BaselineWriter(store.load_baseline())
        builder = BaselineBuilder(Baseline.empty("acct-1"))
        make_list = CreateList(1, Side.CC, ListRef(10, None, "News"))
        builder.apply(make_list, "L1")
        ops = []
        for i in range(1200):
            fields = FieldValues(f"p{i}@x.example", f"P{i}", custom=(("Region", "North"),))
            op = CreateContact(2 + i, Side.CC, ContactRef(100 + i, None, fields.email), fields, (ListRef(10, "L1", "News"),))
            builder.apply(op, f"C{i}")
            ops.append(op)
        writer.save(builder, range(100, 1300), [10])
        loaded = store.load_baseline()
        assert loaded == builder.build()
        assert loaded.account_id == "acct-1"
        builder.apply(RemoveMembership(5000, Side.CC, ListRef(10, "L1", "News"), ContactRef(100, "C0", "")))
        writer.save(builder, [100], [10])
        again = store.load_baseline()
        assert 100 not in again.lists[10].member_ids and len(again.lists[10].member_ids) == 1199
        assert again.contacts[105].fields.custom == (("Region", "North"),)
    finally:
        close_database()


def test_another_account_replaces_the_baseline(tmp_path):
    store.ensure_tables(open_crm(tmp_path))
    try:
        builder = BaselineBuilder.for_plan(Baseline.empty("acct-1"), Plan("to_cc", (), account_id="acct-1"))
        builder.apply(CreateList(1, Side.CC, ListRef(10, None, "News")), "L1")
        writer = store.BaselineWriter(store.load_baseline())
        writer.save(builder, [], [10])
        writer.replace_account("acct-2")
        loaded = store.load_baseline()
        assert loaded.account_id == "acct-2" and loaded.is_empty
    finally:
        close_database()


def test_a_journal_left_by_an_older_version_mid_run_is_read_and_abandoned(tmp_path):
    """The journal stores step labels and op ids, never operation classes, so an unfinished step of
    an older version (whose operations had a class per side) is simply re-planned by the next run."""
    store.ensure_tables(open_crm(tmp_path))
    try:
        old = store.journal_begin(7, 3, "importing contacts", [4, 5, 6])
        older = store.journal_begin(7, 4, "CreateRemoteContact", [7])  # whatever an older label was
        assert [e.id for e in store.unfinished_steps()] == [old, older]
        assert store.abandon_unfinished() == 2
        assert not store.unfinished_steps()
        assert {e.state for e in store.journal_of(7)} == {"abandoned"}
    finally:
        close_database()
