"""The sync store keeps the planner's baseline exactly, writes only differences, and binds it to one account."""

from __future__ import annotations

import ctctdesk.sync.store as store
from ctctdesk.crm.db import close_database
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.operations import (
    ContactRef,
    CreateRemoteContact,
    CreateRemoteList,
    ListRef,
    RemoveRemoteMembership,
)
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.snapshot import Baseline, FieldValues
from tests.support.crm_fixtures import open_crm


def test_baseline_round_trip_and_incremental_saves(tmp_path):
    store.ensure_tables(open_crm(tmp_path))
    try:
        writer = store.BaselineWriter(store.load_baseline())
        builder = BaselineBuilder(Baseline.empty("acct-1"))
        make_list = CreateRemoteList(1, ListRef(10, None, "News"))
        builder.apply(make_list, "L1")
        ops = []
        for i in range(1200):
            fields = FieldValues(f"p{i}@x.example", f"P{i}", custom=(("Region", "North"),))
            op = CreateRemoteContact(2 + i, ContactRef(100 + i, None, fields.email), fields, (ListRef(10, "L1", "News"),))
            builder.apply(op, f"C{i}")
            ops.append(op)
        writer.save(builder, range(100, 1300), [10])
        loaded = store.load_baseline()
        assert loaded == builder.build()
        assert loaded.account_id == "acct-1"
        builder.apply(RemoveRemoteMembership(5000, ListRef(10, "L1", "News"), ContactRef(100, "C0", "")))
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
        builder.apply(CreateRemoteList(1, ListRef(10, None, "News")), "L1")
        writer = store.BaselineWriter(store.load_baseline())
        writer.save(builder, [], [10])
        writer.replace_account("acct-2")
        loaded = store.load_baseline()
        assert loaded.account_id == "acct-2" and loaded.is_empty
    finally:
        close_database()
