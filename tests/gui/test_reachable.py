"""Everything reachable from the window: filters that apply at once, a way out of an empty result,
right-click menus on rows and Ctrl+F to search."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from tests.gui.test_lists_tab import Tab
from tests.support.interaction import Answers


def test_the_tag_filter_applies_at_once_and_clear_filters_brings_everyone_back(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    tab = Tab(window)
    tab.tag_filter.setCurrentText("Healthcare")  # no Apply Filter click
    assert set(tab.names()) == {"Carol Chen", "Uma Unwin", "Ned Nomail", "Ivy Invalid"}
    qtbot.keyClicks(tab.search, "zzz-nobody")
    tab.search.returnPressed.emit()
    assert tab.names() == []
    clear = window.findChild(QPushButton, "clearFiltersButton")
    qtbot.waitUntil(clear.isVisible)
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert len(tab.names()) == 8
    assert tab.tag_filter.currentText() == "All tags" and tab.search.text() == ""
    assert not clear.isVisible()


def test_right_click_ticks_selected_rows_copies_and_opens_the_company(qtbot, office_dir, open_window, monkeypatch):
    Answers(monkeypatch)
    window = open_window(office_dir)
    tab = Tab(window)
    tab.new_list(qtbot, "Dentists")
    lists_tab = tab.widget
    rows = [tab.row_of("Carol Chen"), tab.row_of("Bob Baker")]
    menu = lists_tab.contact_menu(rows)
    texts = {action.text(): action for action in menu.actions()}
    texts["Tick the selected contacts"].trigger()
    assert sorted(tab.ticked()) == ["Bob Baker", "Carol Chen"]
    assert not texts["Open the company"].isEnabled()  # one contact at a time

    menu = lists_tab.contact_menu([tab.row_of("Carol Chen")])
    texts = {action.text(): action for action in menu.actions()}
    texts["Copy the email address"].trigger()
    assert QApplication.clipboard().text() == "carol@cedardental.com"
    texts["Open the company"].trigger()
    assert window.tabs.currentWidget() is window.companies_tab
    assert window.companies_tab.contacts_box.title() == "Contacts of Cedar Dental"


def test_ctrl_f_goes_to_the_search_box_of_the_tab_in_front(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    tab = Tab(window)
    window.activateWindow()
    tab.table.setFocus()
    qtbot.waitUntil(tab.table.hasFocus)
    qtbot.keyClick(tab.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(tab.search.hasFocus)
    window.tabs.setCurrentWidget(window.companies_tab)
    window.companies_tab.company_table.setFocus()
    qtbot.waitUntil(window.companies_tab.company_table.hasFocus)
    qtbot.keyClick(window.companies_tab.company_table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(window.companies_tab.search.hasFocus)


def test_an_invalid_email_says_what_is_wrong_the_same_in_editor_and_import(
    qtbot, office_dir, open_window, monkeypatch, tmp_path
):
    from ctctdesk.crm.rules import email_problem

    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    companies = window.companies_tab
    window.tabs.setCurrentWidget(companies)
    editor = companies.editor
    assert editor.email_reason.text() == ""  # no contact selected: no verdict
    companies.show_company(companies.company_model.company_id(0))
    companies.contact_table.selectRow(0)
    qtbot.waitUntil(lambda: editor.contact_id is not None)
    editor.email.setText("kim at acme")
    problem = email_problem("kim at acme")
    assert problem == "An email address must have an @-sign."
    qtbot.waitUntil(lambda: problem in editor.email_reason.text())

    source = tmp_path / "kim.csv"
    source.write_text("company,first_name,last_name,email\nAcme Plumbing,Kim,Lee,kim at acme\n", encoding="utf-8")
    answers.files.append(source)
    window.menu.import_action.trigger()
    qtbot.waitUntil(lambda: bool(answers.messages))
    assert f"line 2: imported with a warning — kim at acme is not a valid email address ({problem})" in (
        answers.messages[-1]
    )


def test_at_1024_by_640_the_companies_tab_shows_at_least_8_companies(qtbot, tmp_path, open_window):
    from ctctdesk.app import build_context
    from ctctdesk.crm.demo_data import generate

    data_dir = tmp_path / "many"
    context = build_context(data_dir)
    generate(contacts=120, seed=3)
    context.close()
    window = open_window(data_dir)
    window.resize(1024, 640)
    window.tabs.setCurrentWidget(window.companies_tab)
    table = window.companies_tab.company_table
    qtbot.waitUntil(lambda: window.height() <= 640 and table.isVisible())
    qtbot.waitUntil(lambda: table.rowAt(table.viewport().height() - 2) + 1 >= 8)


def test_companies_say_when_filters_hide_them_all(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    tab = window.companies_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.keyClicks(tab.search, "no such company")
    qtbot.waitUntil(lambda: tab.company_model.rowCount() == 0)
    clear = window.findChild(QPushButton, "clearCompanyFiltersButton")
    qtbot.waitUntil(clear.isVisible)
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert tab.company_model.rowCount() == 3 and tab.search.text() == ""
    assert not clear.isVisible()
