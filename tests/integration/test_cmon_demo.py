"""`ctctdesk --demo --service campaign-monitor`: the emulator starts with the sample client, the API key
comes from its control interface, the connection connects and chooses the client with no browser and no
question, and the window names Campaign Monitor."""

from __future__ import annotations

import pytest

from ctctdesk.cli import build_parser
from ctctdesk.demo import SHARED_LIST, start_cmon_demo
from ctctdesk.sandbox.cmon.server import CmonConfig


@pytest.fixture
def cmon_demo(tmp_path):
    demo = start_cmon_demo(tmp_path / "demo", crm_contacts=80,
                           emulator_config=CmonConfig(rate_limit_per_second=None))
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
