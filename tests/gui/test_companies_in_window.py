"""The whole story of the seed, in the real main window: a marketing tag created in Settings, assigned to a
new prospect with two people, used as the filter of the Manage Email Lists tab; Do Not Contact then takes
a person out of the list — all without a restart."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QTableView, QTabWidget, QWidget

from ctctdesk.ui.contacts_model import ContactsModel
from tests.gui.companies_helpers import Answers, fill_company_dialog
from tests.gui.test_lists_tab import Tab as ListsTabDriver


def show_tab(window, object_name: str) -> QWidget:
    tabs = window.findChild(QTabWidget, "mainTabs")
    widget = window.findChild(QWidget, object_name)
    tabs.setCurrentWidget(widget)
    return widget


def test_tag_from_settings_to_prospect_to_email_list_and_do_not_contact(
    qtbot, office_dir, open_window, monkeypatch
):
    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    assert {"Marketing Tags", "Email rules"} <= set(window.settings_tab.page_titles())

    # Settings → Marketing Tags: create the tag.
    window.settings_tab.show_page("Marketing Tags")
    tags_page = window.findChild(QWidget, "tagsSettings")
    qtbot.keyClicks(tags_page.findChild(QLineEdit, "newTagEdit"), "Apparel Sports Wear")
    qtbot.mouseClick(tags_page.findChild(QPushButton, "addTagButton"), Qt.MouseButton.LeftButton)

    # Companies: a new prospect carrying the tag, with two people.
    companies = show_tab(window, "companiesTab")
    answers.fillers.append(fill_company_dialog(qtbot, "Tina's Tees", "Prospect", tags=["Apparel Sports Wear"]))
    qtbot.mouseClick(companies.findChild(QPushButton, "addCompanyButton"), Qt.MouseButton.LeftButton)
    editor = companies.findChild(QWidget, "contactEditor")
    for first, email in (("Tina", "tina@tinas-tees.example"), ("Tom", "tom@tinas-tees.example")):
        qtbot.mouseClick(companies.findChild(QPushButton, "addContactButton"), Qt.MouseButton.LeftButton)
        qtbot.keyClicks(editor.first_name, first)
        qtbot.keyClicks(editor.last_name, "Fey")
        qtbot.keyClicks(editor.findChild(QLineEdit, "emailEdit"), email)
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert companies.findChild(QTableView, "companyContactTable").model().rowCount() == 2

    # Manage Email Lists: the tag is in the filter at once; the two people are found under it.
    lists = ListsTabDriver(window)
    show_tab(window, "listsTab")
    lists.new_list(qtbot, "Apparel Sports Wear")
    lists.tag_filter.setCurrentText("Apparel Sports Wear")
    qtbot.mouseClick(lists.apply, Qt.MouseButton.LeftButton)
    assert lists.names() == ["Tina Fey", "Tom Fey"]
    qtbot.mouseClick(lists.select_all, Qt.MouseButton.LeftButton)
    assert lists.ticked() == ["Tina Fey", "Tom Fey"]

    # Companies: Tom asks not to be contacted.
    show_tab(window, "companiesTab")
    companies.select_contact(companies.contact_model.contact(1).id)
    assert editor.title() == "Tom Fey"
    qtbot.mouseClick(editor.findChild(QWidget, "doNotContactCheck"), Qt.MouseButton.LeftButton)
    assert "Apparel Sports Wear" in answers.asked[-1]

    show_tab(window, "listsTab")
    assert lists.ticked() == ["Tina Fey"]
    assert lists.count.text() == "Apparel Sports Wear — 1 member"
    row = lists.row_of("Tom Fey")
    assert "Do Not Contact" in lists.table.model().index(row, ContactsModel.STATUS).data()


def test_ticks_made_in_the_lists_tab_show_in_the_contact_editor_on_return(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    companies = show_tab(window, "companiesTab")
    companies.select_companies([companies.company_model.company_id(0)])  # Acme Plumbing
    companies._on_company_selection()
    alice = next(c.id for c in companies.contact_model._rows if c.name == "Alice Archer")
    companies.select_contact(alice)
    assert companies.editor.lists_label.text() == "None"

    lists = ListsTabDriver(window)
    show_tab(window, "listsTab")
    lists.new_list(qtbot, "Spring Offers")
    lists.press_space_on(qtbot, "Alice Archer")
    assert lists.ticked() == ["Alice Archer"]

    show_tab(window, "companiesTab")
    assert companies.editor.lists_label.text() == "Spring Offers"


def test_delete_key_on_the_company_table_asks_first(qtbot, office_dir, open_window, monkeypatch):
    answers = Answers(monkeypatch, answer=False)
    window = open_window(office_dir)
    companies = show_tab(window, "companiesTab")
    window.activateWindow()  # shortcuts only fire in the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    companies.company_table.selectRow(0)
    companies.company_table.setFocus()
    qtbot.keyClick(companies.company_table, Qt.Key.Key_Delete)
    assert "Acme Plumbing" in answers.asked[-1] and "2 contacts" in answers.asked[-1]
    assert companies.company_model.rowCount() == 3


def test_the_companies_tab_remembers_its_splitter(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    companies = show_tab(window, "companiesTab")
    companies.splitter.setSizes([200, 400])
    top = companies.splitter.sizes()[0]
    window.close()
    window.context.close()

    window = open_window(office_dir)
    companies = window.findChild(QWidget, "companiesTab")
    assert window.tabs.currentWidget() is companies  # the tab in front last time
    qtbot.waitUntil(lambda: companies.splitter.sizes()[0] == top)
