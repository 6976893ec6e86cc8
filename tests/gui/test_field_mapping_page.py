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
    assert page.combos["phone"].currentText() == "standard field (phone number)"
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


def test_a_field_goes_to_a_chosen_constant_contact_field_with_a_type_and_a_bad_label_is_refused(
        qtbot, office_dir, open_window, tmp_path):  # fmt: skip
    from ctctdesk.crm import contacts
    from ctctdesk.crm.models import Contact
    from ctctdesk.sync import store
    from ctctdesk.sync.service import CC_FIELD_LABELS

    window = open_window(office_dir)
    store.set_state(CC_FIELD_LABELS, '["Sales area", "Member since"]')  # as the last sync saw them
    contacts.set_custom_fields(Contact.select().first().id, {"Region": "North", "Joined": "2020-05-01"})
    page = window.findChild(FieldMappingPage, "fieldMappingSettings")
    window.settings_tab.show_page("Field mapping")
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: "Region" in page.labels and page.labels["Region"].isVisible())
    region = page.labels["Region"]
    assert [region.itemText(i) for i in range(region.count())] == ["Member since", "Sales area"]
    assert region.currentText() == "Region" and region.isEnabled()
    assert not page.labels["phone"].isVisible()  # the phone goes as the standard field
    region.setCurrentIndex(region.findText("Sales area"))
    page.types["Joined"].setCurrentIndex(page.types["Joined"].findData("date"))
    page.combos["address"].setCurrentIndex(page.combos["address"].findData("standard"))
    assert page.state.text() == "Not saved yet." and page.save.isEnabled()
    window.resize(1000, 640)
    page.grab().save(str(tmp_path / "field-mapping-chosen.png"))
    page.save.click()
    kept = load_mapping(SettingsStore(office_dir / "settings.json"))
    assert (kept.label("Region"), kept.field_type("Joined"), kept.target("address")) == (
        "Sales area", "date", Target.STANDARD)
    page.combos["phone"].setCurrentIndex(page.combos["phone"].findData("custom"))
    page.labels["phone"].setEditText("Sales area")  # where Region goes already
    assert not page.save.isEnabled() and "would both go to the Constant Contact custom field" in page.state.text()
    page.labels["phone"].setEditText("x" * 55)
    assert not page.save.isEnabled() and "at most 50" in page.state.text()
