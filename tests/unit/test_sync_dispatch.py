"""One table says how each operation is carried out on each side; a plan the table cannot carry out is
refused whole, with a message naming what this version cannot apply (never skipped silently)."""

from __future__ import annotations

import pytest

from ctctdesk.sync import store
from ctctdesk.sync.baseline_update import BaselineBuilder
from ctctdesk.sync.errors import SyncError
from ctctdesk.sync.executor import FORGET_STEP, HANDLERS, STEPS, Executor
from ctctdesk.sync.operations import BOOKKEEPING, CreateList, Direction, ListRef, OpKind, Side
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.snapshot import Baseline


def test_every_step_of_each_side_has_a_handler_for_each_kind_it_performs():
    for side, steps in STEPS.items():
        for step in steps:
            assert step.side in (side, None), step
            for kind in step.kinds:
                if kind not in BOOKKEEPING:
                    assert (kind, side) in HANDLERS, (kind, side)


def test_every_handler_is_used_by_a_step_and_every_kind_has_a_place():
    used = {(kind, side) for side, steps in STEPS.items() for step in steps for kind in step.kinds}
    assert set(HANDLERS) <= used
    placed = {kind for steps in STEPS.values() for step in steps for kind in step.kinds}
    assert placed | set(FORGET_STEP.kinds) == set(OpKind)


def test_an_operation_for_the_other_side_is_refused_before_anything_is_done():
    wrong = CreateList(1, Side.CRM, ListRef(None, "l1", "News"))  # a push plan must not change the CRM
    plan = Plan(Direction.TO_CC, (wrong,), account_id="acct-1")
    builder = BaselineBuilder.for_plan(Baseline.empty("acct-1"), plan)
    executor = Executor(None, plan, builder, store.BaselineWriter(Baseline.empty("acct-1")), run_id=1)
    with pytest.raises(SyncError, match="This version cannot apply: CreateLocalList"):
        executor.execute()


def test_the_stable_names_scripts_see_keep_the_side_in_one_word():
    ref = ListRef(1, None, "News")
    assert CreateList(1, Side.CC, ref).type_name == "CreateRemoteList"
    assert CreateList(1, Side.CRM, ref).type_name == "CreateLocalList"
