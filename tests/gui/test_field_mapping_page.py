"""Settings → Field mapping (R11): shows the mapping and the custom-field count, saves it to settings.json,
and refuses a mapping that cannot fit with the reason."""

from __future__ import annotations

from ctctdesk.settings_store import SettingsStore
from ctctdesk.sync.mapping import Target, load_mapping
from ctctdesk.ui.field_mapping_page import FieldMappingPage


def test_the_page_shows_the_default_and_saves_tags_and_a_field_turned_off(qtbot, office_dir, open_window, tmp_path):
    from ctctdesk.crm import contacts
    from ctctdesk.crm.models import Contact

    window = open_window(office_dir)
    page = window.findChild(FieldMappingPage, "fieldMappingSettings")
    assert page is not None and "Field mapping" in window.settings_tab.page_titles()
    contacts.set_custom_fields(Contact.select().first().id, {"Region": "North"})
    window.settings_tab.show_page("Field mapping")
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.combos["Region"].isVisible())  # rows rebuilt as the page shows
    assert not page.tags.isChecked() and not page.save.isEnabled()
    assert page.combos["phone"].currentText() == "standard field"
    assert page.combos["Region"].currentText() == "custom field"
    assert "Custom fields sent: 1 of 100 per account" in page.usage.text()

    page.tags.setChecked(True)
    page.combos["Region"].setCurrentIndex(page.combos["Region"].findData("off"))
    assert page.state.text() == "Not saved yet." and "0 of 100" in page.usage.text()
    page.grab().save(str(tmp_path / "field-mapping-page.png"))
    page.save.click()
    kept = load_mapping(SettingsStore(office_dir / "settings.json"))
    assert kept.tags and kept.target("Region") is Target.OFF
    assert page.state.text() == "Saved." and not page.save.isEnabled()


def test_a_mapping_that_cannot_fit_is_refused_with_the_reason(qtbot, office_dir, open_window):
    from ctctdesk.crm import contacts
    from ctctdesk.crm.models import Contact

    window = open_window(office_dir)
    contacts.set_custom_fields(Contact.select().first().id, {f"Field {i:02}": "x" for i in range(26)})
    page = window.findChild(FieldMappingPage, "fieldMappingSettings")
    window.settings_tab.show_page("Field mapping")
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.combos["Field 00"].isVisible())
    assert "Over the limits: A contact would carry 26 custom fields" in page.state.text()
    page.combos["Field 00"].setCurrentIndex(page.combos["Field 00"].findData("off"))
    assert page.save.isEnabled() and page.state.text() == "Not saved yet."
    page.save.click()
    page.combos["Field 00"].setCurrentIndex(page.combos["Field 00"].findData("custom"))  # back over
    assert not page.save.isEnabled()
    assert "Cannot be kept" in page.state.text() and "at most 25 per contact" in page.state.text()
