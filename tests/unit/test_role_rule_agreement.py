"""R1 has one rule: a contact arriving from Constant Contact is a role address for the planner exactly
when the CRM would call it one — `info+news@`, any case, and the office's own list of prefixes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctctdesk.crm import rules
from ctctdesk.sync.operations import CreateContact, Direction, SkipReason
from ctctdesk.sync.plan import PlanSettings, plan
from ctctdesk.sync.snapshot import Baseline, LocalSnapshot, RemoteContact, RemoteList, RemoteSnapshot

ACCOUNT = "acct-1"


def pulled(email: str, prefixes) -> bool | None:
    """Pull one Constant Contact contact in a list into an empty CRM: True when the planner kept it out
    of the list as a role address, False when it ticks it in (None: neither, a test bug)."""
    remote = RemoteSnapshot(
        {"c1": RemoteContact("c1", email, "Pat", list_ids=frozenset({"l1"}))},
        {"l1": RemoteList("l1", "News")},
        account_id=ACCOUNT,
    )
    settings = PlanSettings(role_prefixes=frozenset(prefixes))
    result = plan(LocalSnapshot({}, {}), remote, Baseline.empty(ACCOUNT), Direction.FROM_CC, settings)
    (create,) = [op for op in result.operations if isinstance(op, CreateContact)]
    role_skips = [s for s in result.skips if s.reason is SkipReason.ROLE_ADDRESS]
    if role_skips and not create.lists:
        return True
    if create.lists and not role_skips:
        return False
    return None


def crm_says_role(email: str, prefixes) -> bool:
    return rules.ineligibility(email, False, "subscribed", prefixes) is rules.Ineligibility.ROLE_ADDRESS


@pytest.mark.parametrize(
    ("email", "role"),
    [
        ("info@northwind.example", True),
        ("info+news@northwind.example", True),  # the tag is ignored (the two copies disagreed here)
        ("INFO@Northwind.example", True),
        ("Sales+EU@northwind.example", True),
        ("accounts@northwind.example", True),  # in the CRM's list, once missing from the planner's
        ("help@northwind.example", True),
        ("information@northwind.example", False),
        ("ada@northwind.example", False),
    ],
)
def test_planner_and_crm_agree_with_the_default_prefixes(email, role):
    prefixes = rules.DEFAULT_ROLE_PREFIXES
    assert crm_says_role(email, prefixes) is role
    assert pulled(email, prefixes) is role


def test_planner_uses_the_configured_list_not_a_copy_of_the_defaults():
    prefixes = rules.normalise_prefixes(["Alice@", "sales"])  # as the settings page stores them
    assert pulled("alice+x@northwind.example", prefixes) is True
    assert pulled("info@northwind.example", prefixes) is False  # "info" was taken off the list
    assert crm_says_role("alice+x@northwind.example", prefixes)
    assert not crm_says_role("info@northwind.example", prefixes)


def test_the_planner_defaults_are_the_crm_defaults():
    assert PlanSettings().role_prefixes == frozenset(rules.DEFAULT_ROLE_PREFIXES)


local_parts = st.sampled_from([*rules.DEFAULT_ROLE_PREFIXES, "ada", "info.desk", "salesforce", "x"])
tags = st.sampled_from(["", "+news", "+EU", "+"])


@given(local_parts, tags, st.booleans(), st.sets(st.sampled_from(["info", "sales", "ada", "x"]), max_size=3))
def test_planner_agrees_with_the_crm_for_any_address_and_list(local, tag, upper, chosen):
    email = f"{local}{tag}@northwind.example"
    if upper:
        email = email.upper()
    prefixes = rules.normalise_prefixes(chosen) if chosen else rules.DEFAULT_ROLE_PREFIXES
    assert pulled(email, prefixes) is crm_says_role(email, prefixes)
