"""Each email service's limits (R11, R15): Constant Contact's documented numbers, Campaign Monitor's
documented ones (a value of at most 250 characters, nothing else published), and the texts and
refusals that follow the service in use."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ctctdesk import email_services
from ctctdesk.ctct import limits as ctct_limits
from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.sync.mapping import FieldMapping, MappingError, check, fit_tags, usage, usage_text
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.plan import PlanSettings
from ctctdesk.sync.schedule import Outcome, run_scheduled
from ctctdesk.sync.service import with_service_limits
from ctctdesk.sync.service_limits import CAMPAIGN_MONITOR, CONSTANT_CONTACT, for_name, of

TWENTY_SIX = [[f"Field {i:02}" for i in range(26)]]


def test_constant_contacts_numbers_are_its_clients():
    assert (CONSTANT_CONTACT.custom_fields_per_account, CONSTANT_CONTACT.custom_fields_per_contact,
            CONSTANT_CONTACT.custom_field_label_length, CONSTANT_CONTACT.custom_field_value_length,
            CONSTANT_CONTACT.lists_per_account) == (
        ctct_limits.CUSTOM_FIELDS_PER_ACCOUNT, ctct_limits.CUSTOM_FIELDS_PER_CONTACT,
        ctct_limits.CUSTOM_FIELD_LABEL_LENGTH, ctct_limits.CUSTOM_FIELD_VALUE_LENGTH, ctct_limits.LISTS_PER_ACCOUNT)


def test_campaign_monitor_has_only_its_documented_value_length():
    assert CAMPAIGN_MONITOR.custom_field_value_length == 250
    assert (CAMPAIGN_MONITOR.custom_fields_per_account, CAMPAIGN_MONITOR.custom_fields_per_contact,
            CAMPAIGN_MONITOR.custom_field_label_length, CAMPAIGN_MONITOR.tags_per_account,
            CAMPAIGN_MONITOR.tags_per_contact, CAMPAIGN_MONITOR.lists_per_account) == (None,) * 6
    planned = with_service_limits(PlanSettings(), CAMPAIGN_MONITOR)
    assert (planned.custom_fields_per_contact, planned.custom_fields_per_account,
            planned.custom_field_label_limit, planned.lists_per_account) == (None, None, None, None)
    assert with_service_limits(PlanSettings(custom_fields_per_contact=3), CAMPAIGN_MONITOR) \
        .custom_fields_per_contact == 3  # a caller's own number is kept


def test_the_limits_are_found_by_the_service_in_use():
    bare = SimpleNamespace(add_listener=lambda listener: None, add_disconnect_hook=lambda hook: None)
    active = email_services.ActiveConnection(email_services.CAMPAIGN_MONITOR, bare)
    assert of(active) is CAMPAIGN_MONITOR and of(SimpleNamespace(connection=active)) is CAMPAIGN_MONITOR
    assert of(None) is CONSTANT_CONTACT and for_name("Something else") is CONSTANT_CONTACT
    own = SimpleNamespace(limits=CAMPAIGN_MONITOR, display_name="Constant Contact")
    assert of(own) is CAMPAIGN_MONITOR  # a service object's own limits come first


def test_26_fields_on_a_contact_are_refused_for_constant_contact_not_for_campaign_monitor():
    mapping = FieldMapping()
    with pytest.raises(MappingError, match="Constant Contact holds at most 25 per contact"):
        check(mapping, TWENTY_SIX)
    check(mapping, TWENTY_SIX, limits=CAMPAIGN_MONITOR)  # nothing published, nothing refused
    assert usage_text(usage(mapping, TWENTY_SIX)) == ("Custom fields sent: 26 of 100 per account; "
                                                      "at most 26 on one contact (limit 25).")
    text = usage_text(usage(mapping, TWENTY_SIX, limits=CAMPAIGN_MONITOR))
    assert text.startswith("Custom fields sent: 26; at most 26 on one contact. Campaign Monitor publishes no")


def test_a_label_over_50_characters_is_refused_for_constant_contact_only():
    label = "x" * 60
    with pytest.raises(MappingError, match="a Constant Contact custom field label takes at most 50"):
        FieldMapping().with_field("Region", "custom", label=label)
    assert FieldMapping().with_field("Region", "custom", label=label, limits=CAMPAIGN_MONITOR).label("Region") == label
    # and it survives settings.json
    kept = FieldMapping().with_field("Region", "custom", label=label, limits=CAMPAIGN_MONITOR)
    assert FieldMapping.from_json(kept.to_json()).label("Region") == label


def test_tags_are_cut_at_constant_contacts_50_and_not_for_campaign_monitor():
    tags = {1: [f"tag {i:02}" for i in range(60)]}
    kept, not_sent = fit_tags(tags, {1: "Ann"})
    assert len(kept[1]) == 50 and "at most 50 per contact" in not_sent.lines()[0]
    kept, not_sent = fit_tags(tags, {1: "Ann"}, limits=CAMPAIGN_MONITOR)
    assert len(kept[1]) == 60 and not_sent.empty


class _Service:
    """A sync service whose connection is Campaign Monitor's (what the tray's notice asks of it)."""

    connection = SimpleNamespace(display_name="Campaign Monitor")

    def record_skipped(self, direction, trigger, stop, reason):
        return SimpleNamespace(stop=stop, stopped_reason=reason)


def test_the_notice_of_a_broken_connection_names_campaign_monitor():
    status = SimpleNamespace(state=ConnectionState.BROKEN, broken_reason="", requests_today=0,
                             daily_allowance=10_000)
    attempt = run_scheduled(_Service(), status, Direction.BOTH)
    assert attempt.outcome is Outcome.BROKEN and attempt.notify
    assert attempt.message == ("Automatic sync did not run: the connection is broken (Campaign Monitor refused "
                               "the access); reconnect in Settings → Campaign Monitor.")
    waiting = run_scheduled(_Service(), SimpleNamespace(state=ConnectionState.NOT_CONNECTED), Direction.BOTH)
    assert waiting.message == "Automatic sync waits: not connected to Campaign Monitor."
