"""The Companies tab driven as office staff would: add a prospect with people and a tag, tick Do Not
Contact, refuse a bad email, tag many companies and undo it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from ctctdesk.crm import contacts, editing, lists
from ctctdesk.crm.contacts import ContactFilter
from ctctdesk.ui.companies_tab import CompaniesTab
from ctctdesk.ui.crm_events import CrmEvents
from ctctdesk.ui.interaction import UnansweredDialog
from tests.gui.companies_helpers import Answers, choose_company, choose_tag, fill_company_dialog


@pytest.fixture
def events():
    return CrmEvents()


@pytest.fixture
def tab(qtbot, office, events):
    widget = CompaniesTab(events)
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    return widget


def company_names(tab: CompaniesTab) -> list[str]:
    model = tab.company_model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def click(qtbot, button) -> None:
    assert button.isEnabled(), f"{button.objectName()} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def select_company(tab: CompaniesTab, name: str) -> None:
    row = company_names(tab).index(name)
    tab.company_table.selectRow(row)


def type_contact(qtbot, tab: CompaniesTab, first: str, last: str, email: str, job: str = "") -> None:
    click(qtbot, tab.add_contact_button)
    editor = tab.editor
    qtbot.keyClicks(editor.first_name, first)
    qtbot.keyClicks(editor.last_name, last)
    qtbot.keyClicks(editor.job_title, job)
    qtbot.keyClicks(editor.email, email)
    click(qtbot, editor.save_button)


def test_add_a_prospect_with_two_contacts_and_a_tag_then_it_is_in_the_lists_filter(
    qtbot, tab, events, monkeypatch
):
    editing.create_tag("Apparel Sports Wear")
    tab._fill_tag_filter()
    seen = []
    events.changed.connect(seen.append)
    answers = Answers(monkeypatch)
    answers.fillers.append(
        fill_company_dialog(qtbot, "Tina's Tees", "Prospect", tags=["Apparel Sports Wear"], phone="555 0101")
    )
    click(qtbot, tab.findChild(type(tab.add_button), "addCompanyButton"))

    assert "Tina's Tees" in company_names(tab)
    assert tab.selected_company_ids() and tab.contacts_box.title() == "Contacts of Tina's Tees"
    type_contact(qtbot, tab, "Tina", "Fey", "tina@tinas-tees.example", "Owner")
    type_contact(qtbot, tab, "Tom", "Fey", "tom@tinas-tees.example")
    assert tab.contact_model.rowCount() == 2
    row = tab.company_model.company_row(tab.company_model.row_of(tab.current_company_id()))
    assert (row.type, row.tags, row.contact_count) == ("prospect", ("Apparel Sports Wear",), 2)
    assert seen, "edits are announced so the lists tab can reload"

    # What the Manage Email Lists tab shows under "Prospects only" + the tag filter:
    tag_id = contacts.all_tags()[0][0]
    found = contacts.rows(contacts.matching_ids(ContactFilter("prospect", tag_id)), None)
    assert sorted(r.name for r in found) == ["Tina Fey", "Tom Fey"]
    assert all(r.eligible for r in found)


def test_an_invalid_email_is_refused_with_the_reason(qtbot, tab, office):
    select_company(tab, "Acme Plumbing")
    click(qtbot, tab.add_contact_button)
    editor = tab.editor
    qtbot.keyClicks(editor.first_name, "Pat")
    qtbot.keyClicks(editor.email, "pat at acme")
    assert "Invalid email address" in editor.email_reason.text()
    assert not editor.save_button.isEnabled()
    editor.save()
    assert "Invalid email address" in editor.error_label.text()
    assert tab.contact_model.rowCount() == 2  # nothing saved

    editor.email.clear()
    qtbot.keyClicks(editor.email, "sales@acme-plumbing.com")
    assert "Role address" in editor.email_reason.text()
    editor.email.clear()
    qtbot.keyClicks(editor.email, "pat@acme-plumbing.com")
    assert "Can be added" in editor.email_reason.text()
    click(qtbot, editor.save_button)
    assert tab.contact_model.rowCount() == 3


def test_changing_an_email_keeps_the_same_contact(qtbot, tab, office):
    select_company(tab, "Acme Plumbing")
    tab.select_contact(office["alice"])
    editor = tab.editor
    assert editor.contact_id == office["alice"]
    editor.email.selectAll()
    qtbot.keyClicks(editor.email, "alice.archer@acme-plumbing.com")
    click(qtbot, editor.save_button)
    assert contacts.find_contact_by_email("alice.archer@acme-plumbing.com").id == office["alice"]
    assert tab.editor.contact_id == office["alice"]


def test_custom_fields_are_added_and_removed(qtbot, tab, office):
    select_company(tab, "Acme Plumbing")
    tab.select_contact(office["alice"])
    editor = tab.editor
    click(qtbot, editor.add_field_button)
    model = editor.fields_model
    model.setData(model.index(0, 0), "Birthday")
    model.setData(model.index(0, 1), "1 May")
    assert editing.contact_details(office["alice"]).fields == (("Birthday", "1 May"),)  # saved at once
    editor.fields_view.setCurrentIndex(model.index(0, 0))
    click(qtbot, editor.remove_field_button)
    click(qtbot, editor.save_button)
    assert editing.contact_details(office["alice"]).fields == ()


def test_an_existing_contact_is_saved_when_a_field_is_left(qtbot, tab, office):
    select_company(tab, "Acme Plumbing")
    tab.select_contact(office["alice"])
    editor = tab.editor
    editor.job_title.setFocus()
    qtbot.keyClicks(editor.job_title, "Office Manager")
    qtbot.keyClick(editor.job_title, Qt.Key.Key_Tab)  # leave the field
    assert editing.contact_details(office["alice"]).job_title == "Office Manager"
    assert not editor.save_button.isEnabled()
    row = tab.contact_model.row_of(office["alice"])
    assert tab.contact_model.data(tab.contact_model.index(row, 1)) == "Office Manager"


def test_ticking_do_not_contact_asks_then_the_contact_leaves_its_lists_and_undo_brings_it_back(
    qtbot, tab, office, monkeypatch
):
    newsletter = lists.create_list("Newsletter").id
    lists.add_members(newsletter, [office["alice"]])
    answers = Answers(monkeypatch, answer=False)
    select_company(tab, "Acme Plumbing")
    tab.select_contact(office["alice"])
    editor = tab.editor
    assert editor.lists_label.text() == "Newsletter"

    click(qtbot, editor.do_not_contact)  # the person says No
    assert "Newsletter" in answers.asked[-1]
    assert not editor.do_not_contact.isChecked()
    assert lists.member_ids(newsletter) == {office["alice"]}

    answers.answer = True
    click(qtbot, editor.do_not_contact)
    assert editor.do_not_contact.isChecked()
    assert lists.member_ids(newsletter) == set()
    assert editor.lists_label.text() == "None"
    assert "Do Not Contact" in editor.email_reason.text()
    row = tab.contact_model.row_of(office["alice"])
    assert tab.contact_model.data(tab.contact_model.index(row, 4)) == "Do Not Contact"

    tab.contact_table.setFocus()
    qtbot.keyClick(tab.contact_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not editor.do_not_contact.isChecked()
    assert lists.member_ids(newsletter) == {office["alice"]}
    assert editor.lists_label.text() == "Newsletter"


def test_tag_many_selected_companies_at_once_and_undo(qtbot, tab, office, monkeypatch):
    tab.company_table.selectAll()
    assert len(tab.selected_company_ids()) == 3
    answers = Answers(monkeypatch)
    answers.fillers.append(choose_tag(qtbot, "Healthcare"))
    tab.assign_tag_action.trigger()
    qtbot.waitUntil(lambda: not tab.busy)  # written on the task runner
    tagged = contacts.tags_of_companies([office["acme"], office["bolt"], office["cedar"]])
    assert all("Healthcare" in tags for tags in tagged.values())
    assert "Healthcare" in tab.company_model.data(tab.company_model.index(0, 2))

    tab.company_table.setFocus()
    qtbot.keyClick(tab.company_table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    tagged = contacts.tags_of_companies([office["acme"], office["bolt"], office["cedar"]])
    assert "Healthcare" not in tagged[office["acme"]]
    assert "Healthcare" in tagged[office["cedar"]], "undo leaves the company that had it before alone"

    answers.fillers.append(choose_tag(qtbot, "Trade"))
    tab.remove_tag_action.trigger()
    qtbot.waitUntil(lambda: not tab.busy)
    assert all(
        "Trade" not in tags for tags in contacts.tags_of_companies([office["acme"], office["bolt"]]).values()
    )


def test_deleting_a_company_says_what_else_goes(qtbot, tab, office, monkeypatch):
    newsletter = lists.create_list("Newsletter").id
    lists.add_members(newsletter, [office["bob"]])
    answers = Answers(monkeypatch, answer=False)
    select_company(tab, "Bolt Electrical")
    click(qtbot, tab.delete_button)
    assert "2 contacts" in answers.asked[-1] and "1 list membership" in answers.asked[-1]
    assert "Bolt Electrical" in company_names(tab)
    answers.answer = True
    click(qtbot, tab.delete_button)
    qtbot.waitUntil(lambda: not tab.busy)
    assert company_names(tab) == ["Acme Plumbing", "Cedar Dental"]
    assert lists.member_ids(newsletter) == set()


def test_delete_a_contact_and_move_another_to_a_chosen_company(qtbot, tab, office, monkeypatch):
    answers = Answers(monkeypatch)
    select_company(tab, "Cedar Dental")
    tab.select_contact(office["noemail"])
    click(qtbot, tab.delete_contact_button)
    qtbot.waitUntil(lambda: not tab.busy)
    assert "Ned Nomail" in answers.asked[-1] and "no list memberships" in answers.asked[-1]
    assert tab.contact_model.row_of(office["noemail"]) < 0

    tab.select_contact(office["carol"])
    answers.fillers.append(choose_company(qtbot, "Bolt"))
    click(qtbot, tab.move_contact_button)
    qtbot.waitUntil(lambda: not tab.busy)
    assert tab.contact_model.row_of(office["carol"]) < 0
    assert office["carol"] in [c.id for c in editing.company_contacts(office["bolt"])]
    tab.undo_action.trigger()
    assert office["carol"] in [c.id for c in editing.company_contacts(office["cedar"])]


def test_search_and_filters_narrow_the_companies(qtbot, tab, office):
    qtbot.keyClicks(tab.search, "dental")
    qtbot.waitUntil(lambda: company_names(tab) == ["Cedar Dental"])
    tab.search.clear()
    tab.type_filter.setCurrentIndex(tab.type_filter.findData("customer"))
    qtbot.waitUntil(lambda: company_names(tab) == ["Acme Plumbing", "Bolt Electrical"])
    tab.tag_filter.setCurrentIndex(tab.tag_filter.findText("Newsletter"))
    assert company_names(tab) == ["Acme Plumbing"]
    assert tab.count_label.text() == "1 company"


def test_unsaved_typing_is_offered_for_saving_when_another_contact_is_chosen(qtbot, tab, office, monkeypatch):
    answers = Answers(monkeypatch)
    select_company(tab, "Acme Plumbing")
    tab.select_contact(office["alice"])
    qtbot.keyClicks(tab.editor.job_title, "Director")
    tab.select_contact(office["info"])
    assert "Alice Archer" in answers.asked[-1]
    assert editing.contact_details(office["alice"]).job_title == "Director"
    assert tab.editor.contact_id == office["info"]
    selected = tab.selected_contact_ids()
    assert selected == [office["info"]], "the table and the editor show the same contact"


def test_edit_a_company_and_refuse_a_name_already_used(qtbot, tab, office, monkeypatch):
    select_company(tab, "Cedar Dental")
    answers = Answers(monkeypatch)
    answers.fillers.append(fill_company_dialog(qtbot, "Acme plumbing", "Customer"))
    click(qtbot, tab.edit_button)  # refused: the dialog stays open with the reason, nothing saved
    refused = answers.dialogs[0]
    assert refused.isVisible() and "already exists" in refused.error_label.text()
    refused.reject()
    assert editing.company_details(office["cedar"]).name == "Cedar Dental"

    answers.fillers.append(
        fill_company_dialog(qtbot, "Cedar Dental Clinic", "Customer", tags=["Trade"], phone="555 0199")
    )
    click(qtbot, tab.edit_button)
    row = tab.company_model.company_row(tab.company_model.row_of(office["cedar"]))
    assert (row.name, row.type, row.tags, row.phone) == (
        "Cedar Dental Clinic",
        "customer",
        ("Healthcare", "Trade"),
        "555 0199",
    )


def test_the_empty_editor_gives_no_verdict_on_an_email(qtbot, tab, office):
    select_company(tab, "Acme Plumbing")
    assert not tab.editor.first_name.isEnabled()  # no person chosen yet
    assert tab.editor.email_reason.text() == ""  # not "Cannot be in email lists: No email address"


def test_a_company_dialog_nobody_answers_fails_at_once_and_cancel_adds_nothing(qtbot, tab, office, monkeypatch):
    with pytest.raises(UnansweredDialog):  # unattended: no modal dialog waits for a person
        tab.add_company()
    answers = Answers(monkeypatch)

    def type_then_cancel(dialog) -> None:
        qtbot.keyClicks(dialog.name, "Never Saved Ltd")
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)

    answers.fillers.append(type_then_cancel)
    click(qtbot, tab.add_button)
    assert answers.dialogs[-1].name.text() == "Never Saved Ltd"  # the real dialog was filled in, then cancelled
    assert "Never Saved Ltd" not in company_names(tab)
