"""R15 with Campaign Monitor in use: the planner holds to Campaign Monitor's documented limits, not
Constant Contact's — 30 custom fields on one contact all go (Constant Contact would send 25 and name the
other five), since Campaign Monitor publishes no number of custom fields a subscriber may carry."""

from __future__ import annotations

import pytest

from ctctdesk.crm import contacts, lists
from ctctdesk.sync import service_limits
from ctctdesk.sync.presenting import plan_lines
from tests.support.cmon_sync import make_cmon_env
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.fake_cmon import FakeCampaignMonitor


@pytest.fixture
def env(tmp_path):
    from ctctdesk.crm.db import close_database

    environment = make_cmon_env(tmp_path, FakeCampaignMonitor())
    yield environment
    close_database()


def test_thirty_custom_fields_on_a_contact_all_reach_campaign_monitor(env):
    ann = add_contact(add_company("Firm"), "Ann", "Archer", "ann@firm.example")
    contacts.set_custom_fields(ann, {f"Field {n:02}": f"v{n}" for n in range(30)})
    lists.add_members(lists.create_list("Customers").id, [ann])

    assert env.service.limits() is service_limits.CAMPAIGN_MONITOR
    preview = env.service.preview("to_cc")
    assert preview.plan.limit_notes == ()
    assert not any("at most 25" in line for line in plan_lines(preview.plan))
    summary = env.service.run(preview)

    assert summary.ok, summary
    values = env.world.values("Customers", "ann@firm.example")
    assert {f"Field {n:02}" for n in range(30)} <= set(values)
    assert values["Field 29"] == ["v29"]
