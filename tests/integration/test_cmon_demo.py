"""`ctctdesk --demo --service campaign-monitor`: the emulator starts with the sample client, the API key
comes from its control interface, the connection connects and chooses the client with no browser and no
question, and the window names Campaign Monitor."""

from __future__ import annotations

import pytest

from ctctdesk.cli import build_parser
from ctctdesk.demo import SHARED_LIST, start_cmon_demo
from ctctdesk.sandbox.cmon.server import CmonConfig
from tests.support.clocks import client_clock


@pytest.fixture
def cmon_demo(tmp_path):
    clock = client_clock()  # the client's pacing waits skip ahead, and the emulator's time with them
    demo = start_cmon_demo(tmp_path / "demo", crm_contacts=80, clock=clock,
                           emulator_config=CmonConfig(rate_limit_per_second=None))
    clock.follow(demo.sandbox.clock.advance)
    yield demo
    demo.context.close()
    demo.stop()


def test_the_demo_connects_by_api_key_and_chooses_the_client(cmon_demo):
    status = cmon_demo.connection.status()
    assert status.connected and status.client_name == "Demo Office"
    active = cmon_demo.context.connection
    assert active.service == "campaign-monitor" and active.display_name == "Campaign Monitor"
    assert cmon_demo.context.settings.get("email_service") == "campaign-monitor"
    assert cmon_demo.sandbox.state.list_by_title(SHARED_LIST) is not None
    assert cmon_demo.context.sync.service_name() == "Campaign Monitor"


def test_the_option_is_only_for_the_demo(capsys):
    args = build_parser().parse_args(["--demo", "--service", "campaign-monitor"])
    assert args.demo and args.demo_service == "campaign-monitor"
    from ctctdesk.cli import main

    with pytest.raises(SystemExit):
        main(["--service", "campaign-monitor"])
    assert "--service before a command is for --demo" in capsys.readouterr().err


def test_one_pull_and_one_push_through_the_sync_service(cmon_demo):
    from ctctdesk.crm import lists
    from ctctdesk.crm.models import Contact

    sync = cmon_demo.context.sync
    pulled = sync.activate()
    assert pulled.ok and pulled.service == "Campaign Monitor", pulled.stopped_reason
    names = {s.name for s in lists.list_summaries()}
    assert {SHARED_LIST, "Spring Webinar"} <= names

    shared = lists.find_list(SHARED_LIST)
    newcomer = (Contact.select().where(Contact.ineligible_reason.is_null() & Contact.email.is_null(False)
                                       & Contact.id.not_in(lists.member_ids(shared.id)))
                .order_by(Contact.id).first())  # fmt: skip
    lists.set_member(shared.id, newcomer.id, True)
    preview = sync.preview("to_cc")
    pushed = sync.run(preview, force=True)
    assert pushed.ok and pushed.service == "Campaign Monitor", pushed.stopped_reason
    emulated = cmon_demo.sandbox.state.list_by_title(SHARED_LIST)
    assert newcomer.email.lower() in emulated.subscribers
    assert [run.service for run in sync.history()][:2] == ["Campaign Monitor", "Campaign Monitor"]
    assert cmon_demo.connection.status().requests_today == sum(r.requests_used for r in sync.history()) + 1
