"""The whole story of the seed, in the real main window: a marketing tag created in Settings, assigned to a
new prospect with two people, used as the filter of the Manage Email Lists tab; Do Not Contact then takes
a person out of the list — all without a restart."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QTableView, QTabWidget, QWidget

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
    assert window.settings_tab.page_titles()[1:3] == ["Marketing Tags", "Email rules"]

    # Settings → Marketing Tags: create the tag.
    window.settings_tab.show_page("Marketing Tags")
    tags_page = window.findChild(QWidget, "tagsSettings")
    qtbot.keyClicks(tags_page.findChild(QLineEdit, "newTagEdit"), "Apparel Sports Wear")
    qtbot.mouseClick(tags_page.findChild(QPushButton, "addTagButton"), Qt.MouseButton.LeftButton)

    # Companies: a new prospect carrying the tag, with two people.
    companies = show_tab(window, "companiesTab")
    fill_company_dialog(monkeypatch, qtbot, "Tina's Tees", "Prospect", tags=["Apparel Sports Wear"])
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
