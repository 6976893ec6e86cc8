"""With Campaign Monitor as the data folder's email service, the window names it — not Constant Contact —
wherever a text is about the email service in use, and states Campaign Monitor's limits, not Constant
Contact's, on Settings → Field mapping."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ctctdesk import email_services
from ctctdesk.settings_store import SettingsStore
from ctctdesk.sync.mapping import load_mapping
from ctctdesk.ui.field_mapping_page import FieldMappingPage
from ctctdesk.ui.role_address_settings import RoleAddressSettingsPage
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture
from tests.support.interaction import Answers


@pytest.fixture
def cmon_dir(office_dir, memory_keyring):  # noqa: F811 - the in-memory keyring: no real one is touched
    """The small office, its settings saying Campaign Monitor is the email service (not connected)."""
    SettingsStore(office_dir / "settings.json").set(email_services.SETTING, email_services.CAMPAIGN_MONITOR)
    return office_dir


def show_mapping_page(qtbot, window) -> FieldMappingPage:
    page = window.findChild(FieldMappingPage, "fieldMappingSettings")
    window.settings_tab.show_page("Field mapping")
    qtbot.waitExposed(page)
    return page


def test_the_field_mapping_page_states_campaign_monitors_limits_and_keeps_26_fields_a_contact(
        qtbot, cmon_dir, open_window, tmp_path):  # fmt: skip
    from ctctdesk.crm import contacts
    from ctctdesk.crm.models import Contact

    contacts.set_custom_fields(Contact.select().first().id, {f"Field {i:02}": "x" for i in range(26)})
    window = open_window(cmon_dir)
    page = show_mapping_page(qtbot, window)
    qtbot.waitUntil(lambda: page.combos["Field 00"].isVisible())

    note = page.note.text()
    assert "changes in Campaign Monitor" in note and "Constant Contact" not in note
    assert "50 per contact" not in note  # Campaign Monitor publishes no tag limits
    usage = page.usage.text()
    assert usage.startswith("Custom fields sent: 26; at most 26 on one contact.")
    assert "of 100" not in usage and "limit 25" not in usage
    assert "Campaign Monitor publishes no limit on the number of custom fields" in usage
    # Constant Contact would hold 25 a contact; Campaign Monitor publishes no such limit: nothing is over
    assert page.state.text() == "Saved."
    label = page.labels["Field 00"]
    assert "Campaign Monitor custom field" in label.toolTip() and "50 characters" not in label.toolTip()
    assert "Campaign Monitor" in page.types["Field 00"].toolTip() and "Campaign Monitor" in page.tags.toolTip()
    # Campaign Monitor has no contact tags: the choice says what the tags become there
    assert "contact tags" not in page.tags.text() + page.tags.toolTip()
    assert "“Tags”" in page.tags.text() and "segment" in page.tags.text()

    # a label longer than Constant Contact's 50 characters is accepted for Campaign Monitor
    long_label = "Sales area of the customer as the regional office records it"[:55]
    label.setEditText(long_label)
    assert page.state.text() == "Not saved yet." and page.save.isEnabled()
    page.grab().save(str(tmp_path / "field-mapping-campaign-monitor.png"))
    page.save.click()
    assert load_mapping(SettingsStore(cmon_dir / "settings.json")).label("Field 00") == long_label


def test_the_same_26_fields_are_over_constant_contacts_limit(qtbot, office_dir, open_window):
    """The counterpart: with Constant Contact in use, the page states its numbers and names the excess."""
    from ctctdesk.crm import contacts
    from ctctdesk.crm.models import Contact

    contacts.set_custom_fields(Contact.select().first().id, {f"Field {i:02}": "x" for i in range(26)})
    window = open_window(office_dir)
    page = show_mapping_page(qtbot, window)
    qtbot.waitUntil(lambda: page.combos["Field 00"].isVisible())
    assert "Custom fields sent: 26 of 100 per account; at most 26 on one contact (limit 25)." == page.usage.text()
    assert "Constant Contact holds at most 25 per contact" in page.state.text()
    assert "Tags beyond Constant Contact's limits (50 per contact, 500 per account)" in page.note.text()
    assert page.tags.text() == "Company type and marketing tags as contact tags"


def test_companies_tab_editor_and_email_rules_name_campaign_monitor(qtbot, cmon_dir, open_window, monkeypatch):
    window = open_window(cmon_dir)
    tab = window.companies_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitExposed(tab)
    qtbot.waitUntil(lambda: tab.company_table.model().rowCount() == 3)

    answers = Answers(monkeypatch, answer=False)
    tab.company_table.selectRow(0)
    qtbot.waitUntil(lambda: tab.contact_table.model().rowCount() > 0)
    tab.contact_table.selectRow(0)
    qtbot.waitUntil(lambda: tab.delete_contact_button.isEnabled())
    qtbot.mouseClick(tab.delete_contact_button, Qt.MouseButton.LeftButton)
    assert "already in Campaign Monitor" in answers.asked[-1] and "Constant Contact" not in answers.asked[-1]

    tip = tab.editor.do_not_contact.toolTip()
    assert tip.startswith("Never sent to Campaign Monitor;") and "Constant Contact" not in tip

    window.settings_tab.show_page("Email rules")
    page = window.findChild(RoleAddressSettingsPage, "roleAddressSettings")
    qtbot.waitExposed(page)
    assert "never sent to Campaign Monitor," in page.intro.text()
    assert "Constant Contact" not in page.intro.text()


def test_with_constant_contact_the_texts_stay_as_they_were(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    assert window.companies_tab.editor.do_not_contact.toolTip().startswith("Never sent to Constant Contact;")
    window.settings_tab.show_page("Email rules")
    page = window.findChild(RoleAddressSettingsPage, "roleAddressSettings")
    qtbot.waitExposed(page)
    assert "never sent to Constant Contact," in page.intro.text()
