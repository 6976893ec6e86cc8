"""One email service per data folder, kept in settings.json; switching disconnects the other first, with
the backup of its lists, and everything holding the connection follows."""

from __future__ import annotations

import json

import pytest

from ctctdesk import email_services
from ctctdesk.app import build_context, switch_service
from ctctdesk.crm import lists
from ctctdesk.ctct.connection import Connection, ConnectionState
from ctctdesk.sync import store
from tests.support.cmon_fakes import GOOD_KEY, FakeCampaignMonitor
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


def test_a_new_data_folder_talks_to_constant_contact(tmp_path):
    context = build_context(tmp_path)
    try:
        assert context.connection.service == email_services.CONSTANT_CONTACT
        assert isinstance(context.connection.inner, Connection)
        assert context.connection.display_name == "Constant Contact"
    finally:
        context.close()


def test_switching_disconnects_the_other_service_with_its_backup(tmp_path, keys):
    fake = FakeCampaignMonitor()
    context = build_context(tmp_path)
    try:
        switch_service(context, email_services.CAMPAIGN_MONITOR, fake.connection(tmp_path))
        assert json.loads((tmp_path / "settings.json").read_text())["email_service"] == "campaign-monitor"
        heard = []
        context.connection.add_listener(heard.append)  # as the Synchronize tab does, once
        context.connection.connect_api_key(GOOD_KEY)
        assert heard[-1].connected and context.connection.status().client_name == "Harbour Office"
        # a list that came from Campaign Monitor, with a member
        company = add_company("Harbour Office")
        newsletter = lists.create_list("Newsletter")
        lists.set_member(newsletter.id, add_contact(company, "Ann", "Lee", "ann@example.com"), True)
        store.BaseList.create(local_id=newsletter.id, cc_id="cm-list-1", name="Newsletter")

        assert switch_service(context, email_services.CONSTANT_CONTACT) is True

        assert not keys.entries  # the Campaign Monitor key left the keyring
        assert [s.name for s in lists.list_summaries()] == []  # its lists left the CRM (C6)
        backup = context.last_disconnect_backup
        assert backup is not None and "ann@example.com" in backup.read_text()
        assert context.connection.service == email_services.CONSTANT_CONTACT
        assert heard[-1].state is ConnectionState.NOT_CONNECTED  # the listener follows the switch
        assert json.loads((tmp_path / "settings.json").read_text())["email_service"] == "constant-contact"
        assert switch_service(context, email_services.CONSTANT_CONTACT) is False  # already chosen
    finally:
        context.close()


def test_the_choice_is_read_back_and_an_unknown_name_is_refused(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({"email_service": "campaign-monitor"}))
    context = build_context(tmp_path)
    try:
        assert context.connection.service == email_services.CAMPAIGN_MONITOR
        assert context.connection.status().state is ConnectionState.NOT_CONNECTED
        with pytest.raises(email_services.UnknownService, match="constant-contact or campaign-monitor"):
            switch_service(context, "mailchimp")
    finally:
        context.close()
