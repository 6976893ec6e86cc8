"""`ctctdesk sync` against the Campaign Monitor emulator as an office script runs it: a mass removal
stops with exit code 10, and what it says — on stderr, in `--dry-run` and in `--json` — names Campaign
Monitor, never Constant Contact."""

from __future__ import annotations

import json

import pytest
import requests

from ctctdesk.cli import main
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


def _members_of(name: str) -> list[int]:
    from ctctdesk.crm import lists

    found = lists.find_list(name)
    assert found is not None
    return sorted(lists.member_ids(found.id))


def test_a_mass_removal_stops_with_10_and_names_campaign_monitor_also_in_json(cmon_factory, keys, tmp_path,
                                                                              monkeypatch, capsys):
    from ctctdesk.crm import lists
    from ctctdesk.crm.db import close_database, database_url_for, open_database

    monkeypatch.setattr("ctctdesk.cmon.http.DEFAULT_REQUESTS_PER_SECOND", 1000)  # no pacing waits here
    server = cmon_factory(seed_subscribers=12)
    common = ["--data-dir", str(tmp_path), "--sandbox", server.base_url]
    key = requests.get(f"{server.base_url}/_sandbox/api_key", timeout=5).json()["api_key"]
    monkeypatch.setenv("CTCTDESK_CM_API_KEY", key)
    assert main(["connect", "--service", "campaign-monitor", *common]) == 0  # pulls the seeded list in
    capsys.readouterr()

    open_database(database_url_for(tmp_path))
    try:
        name = max((x.name for x in lists.list_summaries()), key=lambda n: len(_members_of(n)))
        members = _members_of(name)
        assert len(members) >= 10
        for contact_id in members:
            lists.set_member(lists.find_list(name).id, contact_id, False)
    finally:
        close_database()

    assert main(["sync", "--push", "--dry-run", *common]) == 0
    out = capsys.readouterr().out
    assert f"Needs confirmation: the list “{name}” would lose" in out and "Constant Contact" not in out

    assert main(["sync", "--push", *common]) == 10
    err = capsys.readouterr().err
    assert "in Campaign Monitor" in err and "Constant Contact" not in err and "--force" in err

    assert main(["sync", "--push", "--json", *common]) == 10
    ended = json.loads(capsys.readouterr().out)  # a script learns how it ended from stdout
    assert ended["stop"] == "guard" and ended["service"] == "Campaign Monitor"
    assert "in Campaign Monitor" in ended["guard_reason"]


def test_a_contact_ticked_back_into_a_list_it_left_is_named_once_per_push_with_what_to_do(
        cmon_factory, keys, tmp_path, monkeypatch, capsys):  # fmt: skip
    from ctctdesk.crm import lists
    from ctctdesk.crm.db import close_database, database_url_for, open_database

    monkeypatch.setattr("ctctdesk.cmon.http.DEFAULT_REQUESTS_PER_SECOND", 1000)
    server = cmon_factory(seed_subscribers=12)
    common = ["--data-dir", str(tmp_path), "--sandbox", server.base_url]
    control = f"{server.base_url}/_sandbox"
    monkeypatch.setenv("CTCTDESK_CM_API_KEY", requests.get(f"{control}/api_key", timeout=5).json()["api_key"])
    assert main(["connect", "--service", "campaign-monitor", *common]) == 0
    # a second list, so that leaving the first is not leaving Campaign Monitor altogether
    open_database(database_url_for(tmp_path))
    try:
        name = lists.list_summaries()[0].name
        first = lists.find_list(name).id
        someone = min(lists.member_ids(first))
        lists.add_members(lists.create_list("Second").id, [someone])
    finally:
        close_database()
    assert main(["sync", "--push", *common]) == 0

    def tick(member: bool) -> None:
        open_database(database_url_for(tmp_path))
        try:
            lists.set_member(first, someone, member)
        finally:
            close_database()

    tick(False)
    assert main(["sync", "--push", *common]) == 0  # deleted from that list in Campaign Monitor
    tick(True)
    capsys.readouterr()
    for _ in range(2):
        requests.delete(f"{control}/counters", timeout=5)
        assert main(["sync", "--push", *common]) == 1
        out = capsys.readouterr()
        assert out.out.count(f"to the list “{name}”") == 1
        assert "add it back in Campaign Monitor" in out.out and "take the contact off the list in the CRM" in out.out
        assert "1 contact could not be synchronized" in out.err
        imports = requests.get(f"{control}/counters", timeout=5).json()["by_endpoint"]
        assert imports.get("POST subscribers/{list_id}/import.json") == 1  # asked once, not again and again


def test_a_replaced_key_and_an_unreachable_service_are_said_once_and_plainly(cmon_factory, keys, tmp_path,
                                                                             monkeypatch, capsys):
    monkeypatch.setattr("ctctdesk.cmon.http.DEFAULT_REQUESTS_PER_SECOND", 1000)
    server = cmon_factory(seed_subscribers=3)
    common = ["--data-dir", str(tmp_path), "--sandbox", server.base_url]
    control = f"{server.base_url}/_sandbox"
    monkeypatch.setenv("CTCTDESK_CM_API_KEY", requests.get(f"{control}/api_key", timeout=5).json()["api_key"])
    assert main(["connect", "--service", "campaign-monitor", *common]) == 0
    capsys.readouterr()

    requests.post(f"{control}/api_key/rotate", json={}, timeout=5)
    assert main(["sync", "--pull", *common]) == 4
    err = capsys.readouterr().err
    assert "Campaign Monitor no longer accepts the saved API key" in err
    assert "ctctdesk connect --service campaign-monitor" in err and err.count("Campaign Monitor") <= 3

    nowhere = ["--data-dir", str(tmp_path), "--sandbox", "http://127.0.0.1:9"]  # nothing listens there
    monkeypatch.setattr("ctctdesk.timing.SystemClock.sleep", lambda self, seconds, cancel=None: False)  # retries at once
    assert main(["sync", "--pull", *nowhere]) == 1
    err = capsys.readouterr().err
    assert "Campaign Monitor cannot be reached" in err and "Campaign Monitor: Campaign Monitor" not in err
