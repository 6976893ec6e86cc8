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
