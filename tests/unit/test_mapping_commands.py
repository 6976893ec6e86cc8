"""`ctctdesk mapping show | set …`: the same setting as Settings → Field mapping, refused when it cannot fit."""

from __future__ import annotations

from ctctdesk.cli import main
from ctctdesk.settings_store import SettingsStore
from ctctdesk.sync.mapping import FieldMapping, Target, load_mapping


def mapping(data_dir, *words):
    return main(["--data-dir", str(data_dir), "mapping", *words])


def test_show_gives_the_default_which_sends_what_it_always_sent(tmp_path, capsys):
    assert mapping(tmp_path) == 0
    out = capsys.readouterr().out
    assert "Company type    not sent" in out and "phone           standard field" in out
    assert "Custom fields sent: 0 of 100 per account" in out
    assert load_mapping(SettingsStore(tmp_path / "settings.json")) == FieldMapping()


def test_tags_and_fields_are_kept_in_settings_json(tmp_path, capsys):
    assert mapping(tmp_path, "set", "tags", "on") == 0
    assert "Marketing tags  contact tags" in capsys.readouterr().out
    assert mapping(tmp_path, "set", "field", "Region", "off") == 0
    assert "Region          not sent" in capsys.readouterr().out
    kept = load_mapping(SettingsStore(tmp_path / "settings.json"))
    assert kept.tags and kept.target("Region") is Target.OFF and kept.target("Other") is Target.CUSTOM
    assert mapping(tmp_path, "set", "tags", "off") == 0
    assert not load_mapping(SettingsStore(tmp_path / "settings.json")).tags


def test_a_mapping_that_cannot_be_is_refused_with_the_reason(tmp_path, capsys):
    assert mapping(tmp_path, "set", "field", "Region", "standard") == 2
    assert "no standard field for it" in capsys.readouterr().err
    assert mapping(tmp_path, "set", "field", "phone", "sideways") == 2
    assert "custom, standard or off" in capsys.readouterr().err
    assert mapping(tmp_path, "set", "colour", "blue") == 2
    assert load_mapping(SettingsStore(tmp_path / "settings.json")) == FieldMapping()


def test_more_custom_fields_than_a_contact_can_hold_are_refused(tmp_path, capsys):
    from ctctdesk.app import build_context
    from ctctdesk.crm import contacts
    from tests.support.crm_fixtures import add_company, add_contact

    context = build_context(tmp_path)
    try:
        cid = add_contact(add_company("Acme"), "Ann", "A", "ann@acme.example")
        contacts.set_custom_fields(cid, {f"Field {i:02}": "x" for i in range(26)})
    finally:
        context.close()
    assert mapping(tmp_path) == 0
    assert "Over the limits: A contact would carry 26 custom fields" in capsys.readouterr().out
    assert mapping(tmp_path, "set", "field", "Field 00", "off") == 0  # on the way under the limit
    out = capsys.readouterr().out
    assert "at most 25 on one contact" in out and "Over the limits" not in out
    assert mapping(tmp_path, "set", "field", "Field 00", "custom") == 2  # back over: refused, with why
    assert "would carry 26 custom fields" in capsys.readouterr().err


def test_a_chosen_constant_contact_field_and_type_are_kept_and_a_bad_label_is_refused(tmp_path, capsys):
    assert mapping(tmp_path, "set", "field", "Region", "custom", "--as", "Sales area", "--type", "date") == 0
    assert "Region          custom field “Sales area” (date)" in capsys.readouterr().out
    assert mapping(tmp_path, "set", "field", "phone", "custom") == 0
    assert "phone           custom field “Phone”" in capsys.readouterr().out
    assert mapping(tmp_path, "set", "field", "address", "standard") == 0
    assert "address         standard field (street address)" in capsys.readouterr().out
    kept = load_mapping(SettingsStore(tmp_path / "settings.json"))
    assert (kept.label("Region"), kept.field_type("Region"), kept.target("phone")) == ("Sales area", "date",
                                                                                       Target.CUSTOM)
    assert mapping(tmp_path, "set", "field", "Notes", "custom", "--as", "L" * 51) == 2
    assert "at most 50" in capsys.readouterr().err
    assert mapping(tmp_path, "set", "field", "Notes", "custom", "--as", "Phone") == 2  # the phone goes there
    assert "would both go to the Constant Contact custom field “Phone”" in capsys.readouterr().err
    assert mapping(tmp_path, "set", "field", "Notes", "off", "--as", "Other") == 2
    assert "Only a field that goes as a custom field" in capsys.readouterr().err
    assert load_mapping(SettingsStore(tmp_path / "settings.json")) == kept


def test_fields_needs_a_connection_and_says_so(tmp_path, capsys):
    assert mapping(tmp_path, "fields") == 1
    assert "ctctdesk mapping fields:" in capsys.readouterr().err


def test_a_field_whose_values_are_no_dates_cannot_go_as_a_date_field(tmp_path, capsys):
    from ctctdesk.app import build_context
    from ctctdesk.crm import contacts
    from tests.support.crm_fixtures import add_company, add_contact

    context = build_context(tmp_path)
    try:
        company = add_company("Acme")
        contacts.set_custom_fields(add_contact(company, "Ann", "A", "ann@acme.example"), {"Joined": "2020-05-01"})
        contacts.set_custom_fields(add_contact(company, "Bob", "B", "bob@acme.example"), {"Joined": "spring 2019"})
    finally:
        context.close()
    assert mapping(tmp_path, "set", "field", "Joined", "custom", "--type", "date") == 2
    assert "“Joined” cannot go as a date field: 1 of its values is no date (such as “spring 2019”)" in (
        capsys.readouterr().err)
    assert load_mapping(SettingsStore(tmp_path / "settings.json")) == FieldMapping()
    assert mapping(tmp_path, "set", "field", "Joined", "custom", "--type", "string") == 0


def test_with_campaign_monitor_in_use_its_limits_and_name_are_stated(tmp_path, capsys):
    from ctctdesk import email_services
    from ctctdesk.app import build_context
    from ctctdesk.crm import contacts
    from tests.support.crm_fixtures import add_company, add_contact

    SettingsStore(tmp_path / "settings.json").set(email_services.SETTING, email_services.CAMPAIGN_MONITOR)
    context = build_context(tmp_path)
    try:
        cid = add_contact(add_company("Acme"), "Ann", "A", "ann@acme.example")
        contacts.set_custom_fields(cid, {f"Field {i:02}": "x" for i in range(26)})
    finally:
        context.close()
    assert mapping(tmp_path) == 0
    out = capsys.readouterr().out
    assert "Custom fields sent: 26; at most 26 on one contact. Campaign Monitor publishes no limit" in out
    assert "Over the limits" not in out and "of 100" not in out
    long_label = "y" * 60  # over Constant Contact's 50 characters, no published limit for Campaign Monitor
    assert mapping(tmp_path, "set", "field", "Field 00", "custom", "--as", long_label) == 0
    out = capsys.readouterr().out
    assert "The next preview shows what this changes in Campaign Monitor before anything is sent." in out
    assert load_mapping(SettingsStore(tmp_path / "settings.json")).label("Field 00") == long_label
