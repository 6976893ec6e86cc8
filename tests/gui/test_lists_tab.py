"""The Manage Email Lists tab driven as office staff would use it (L1–L6)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QLineEdit, QPushButton, QTableView, QWidget

from ctctdesk.ui.contacts_model import ROW_ROLE, ContactsModel


class Tab:
    """Finds the tab's widgets by their object names, like a script would."""

    def __init__(self, window):
        self.window = window
        self.widget = window.findChild(QWidget, "listsTab")
        self.lists = window.findChild(QTableView, "listsPanel")
        self.title = window.findChild(QLineEdit, "newListTitle")
        self.add = window.findChild(QPushButton, "addListButton")
        self.rename = window.findChild(QPushButton, "renameListButton")
        self.delete = window.findChild(QPushButton, "deleteListButton")
        self.table = window.findChild(QTableView, "contactTable")
        self.type_filter = window.findChild(QComboBox, "contactTypeFilter")
        self.tag_filter = window.findChild(QComboBox, "tagFilter")
        self.apply = window.findChild(QPushButton, "applyFilterButton")
        self.search = window.findChild(QLineEdit, "searchBox")
        self.select_all = window.findChild(QCheckBox, "selectAllCheck")
        self.count = window.findChild(QLabel, "memberCountLabel")
        self.message = window.findChild(QLabel, "listMessage")

    def list_names(self) -> list[str]:
        model = self.lists.model()
        return [model.index(r, 0).data() for r in range(model.rowCount())]

    def names(self) -> list[str]:
        model = self.table.model()
        return [model.index(r, ContactsModel.NAME).data() for r in range(model.rowCount())]

    def ticked(self) -> list[str]:
        model = self.table.model()
        return [
            model.index(r, ContactsModel.NAME).data()
            for r in range(model.rowCount())
            if model.index(r, ContactsModel.TICK).data(Qt.ItemDataRole.CheckStateRole)
            == Qt.CheckState.Checked
        ]

    def row_of(self, name: str) -> int:
        return self.names().index(name)

    def status_of(self, name: str) -> str:
        return self.table.model().index(self.row_of(name), ContactsModel.STATUS).data()

    def new_list(self, qtbot, title: str) -> None:
        self.title.clear()
        qtbot.keyClicks(self.title, title)
        qtbot.mouseClick(self.add, Qt.MouseButton.LeftButton)

    def click_select_all(self, qtbot) -> None:
        """Click Select All and wait for the background write to finish."""
        qtbot.mouseClick(self.select_all, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not self.widget.busy)

    def press_space_on(self, qtbot, name: str) -> None:
        self.table.setFocus()
        self.table.setCurrentIndex(self.table.model().index(self.row_of(name), ContactsModel.NAME))
        qtbot.keyClick(self.table, Qt.Key.Key_Space)


def test_build_list_with_filters_select_all_untick_and_find_it_after_restart(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    tab = Tab(window)
    assert len(tab.names()) == 8  # everyone on entry (L2)

    tab.new_list(qtbot, "Trade Newsletter")
    assert tab.list_names() == ["Trade Newsletter"]
    assert tab.count.text() == "Trade Newsletter — 0 members"

    tab.type_filter.setCurrentText("Customers only")
    tab.tag_filter.setCurrentText("Trade")
    qtbot.mouseClick(tab.apply, Qt.MouseButton.LeftButton)
    assert tab.names() == ["Alice Archer", "Bob Baker", "Front Desk", "Dora Noakes"]

    tab.click_select_all(qtbot)
    assert tab.ticked() == ["Alice Archer", "Bob Baker"]  # the role address and DNC stay unticked
    assert tab.select_all.checkState() == Qt.CheckState.Checked
    assert tab.count.text() == "Trade Newsletter — 2 members"

    tab.press_space_on(qtbot, "Bob Baker")
    assert tab.ticked() == ["Alice Archer"]
    assert tab.select_all.checkState() == Qt.CheckState.PartiallyChecked
    assert tab.lists.model().index(0, 1).data() == "1"

    window.resize(860, 600)  # fits the small offscreen screen, so the geometry comes back unchanged
    qtbot.waitUntil(lambda: window.width() == 860)
    tab.widget.splitter.setSizes([333, 500])
    left_width = tab.widget.splitter.sizes()[0]
    window.close()
    window.context.close()

    tab = Tab(open_window(office_dir))
    assert tab.list_names() == ["Trade Newsletter"]
    assert tab.count.text() == "Trade Newsletter — 1 member"
    assert tab.ticked() == ["Alice Archer"]
    qtbot.waitUntil(lambda: tab.widget.splitter.sizes()[0] == left_width)


def test_filters_combine_with_search(qtbot, office_dir, open_window):
    tab = Tab(open_window(office_dir))
    tab.type_filter.setCurrentText("Prospects only")
    assert tab.names() == ["Carol Chen", "Ivy Invalid", "Ned Nomail", "Uma Unwin"]
    tab.new_list(qtbot, "Dentists")
    tab.press_space_on(qtbot, "Carol Chen")
    qtbot.keyClicks(tab.search, "chen")
    qtbot.waitUntil(lambda: tab.names() == ["Carol Chen"])
    shown = tab.window.findChild(QLabel, "shownCountLabel")
    assert shown.text() == "1 contact shown, 1 can be in lists, 1 ticked"
    assert tab.select_all.checkState() == Qt.CheckState.Checked
    tab.type_filter.setCurrentText("Customers only")
    assert tab.names() == []
    tab.search.clear()
    tab.type_filter.setCurrentText("All")
    qtbot.waitUntil(lambda: len(tab.names()) == 8)


def test_ineligible_rows_show_reason_and_cannot_be_ticked(qtbot, office_dir, open_window, monkeypatch):
    from ctctdesk.ui import lists_tab

    monkeypatch.setattr(lists_tab, "BACKGROUND_WRITE_ROWS", 0)  # Select All as with 100,000 contacts
    tab = Tab(open_window(office_dir))
    errors = []
    tab.widget.show_error = errors.append
    tab.new_list(qtbot, "Everyone")
    assert tab.status_of("Dora Noakes") == "Do Not Contact"
    assert tab.status_of("Front Desk") == "Role address"
    assert tab.status_of("Ned Nomail") == "No email address"
    assert tab.status_of("Ivy Invalid") == "Invalid email address"
    assert tab.status_of("Uma Unwin") == "Unsubscribed"

    model = tab.table.model()
    dora = model.index(tab.row_of("Dora Noakes"), ContactsModel.TICK)
    assert not (model.flags(dora) & Qt.ItemFlag.ItemIsUserCheckable)
    tab.press_space_on(qtbot, "Dora Noakes")
    assert tab.ticked() == []
    assert errors == ["Dora Noakes cannot be in a list: Do Not Contact."]

    tab.click_select_all(qtbot)
    assert tab.ticked() == ["Alice Archer", "Bob Baker", "Carol Chen"]
    assert all(model.index(r, 0).data(ROW_ROLE).eligible for r in range(model.rowCount()) if r in (0, 1, 2))
    tab.click_select_all(qtbot)  # all ticked -> clears them
    assert tab.ticked() == []


def test_empty_and_duplicate_list_names_are_refused(qtbot, office_dir, open_window):
    tab = Tab(open_window(office_dir))
    tab.new_list(qtbot, "Newsletter")
    tab.new_list(qtbot, "  NEWSLETTER ")
    assert tab.list_names() == ["Newsletter"]
    assert tab.message.isVisible() and "already exists" in tab.message.text()
    tab.new_list(qtbot, "   ")
    assert "Please type a name" in tab.message.text()
    tab.new_list(qtbot, "Events")
    assert not tab.message.isVisible()
    assert tab.list_names() == ["Events", "Newsletter"]


def test_ctrl_n_goes_to_the_new_list_title(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    tab = Tab(window)
    with qtbot.waitActive(window):
        window.activateWindow()
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(tab.title.hasFocus)
    qtbot.keyClicks(tab.title, "Spring Offers")
    qtbot.keyClick(tab.title, Qt.Key.Key_Return)
    assert tab.list_names() == ["Spring Offers"]


def open_rename_editor(qtbot, tab) -> QLineEdit:
    """Click Rename and return the in-place editor (a closed editor lingers until deleted later)."""
    qtbot.waitUntil(lambda: not [e for e in tab.lists.findChildren(QLineEdit) if e.isVisible()])
    qtbot.mouseClick(tab.rename, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: [e for e in tab.lists.findChildren(QLineEdit) if e.isVisible()] != [])
    return next(e for e in tab.lists.findChildren(QLineEdit) if e.isVisible())


def test_rename_and_delete_list(qtbot, office_dir, open_window):
    tab = Tab(open_window(office_dir))
    tab.new_list(qtbot, "Old Name")
    tab.new_list(qtbot, "Other")
    tab.widget.select_list(tab.lists.model()._lists[0].id)  # "Old Name"
    editor = open_rename_editor(qtbot, tab)
    assert editor.text() == "Old Name"
    editor.selectAll()
    qtbot.keyClicks(editor, "other")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "already exists" in tab.message.text())  # the view commits queued
    assert tab.list_names() == ["Old Name", "Other"]

    editor = open_rename_editor(qtbot, tab)
    editor.selectAll()
    qtbot.keyClicks(editor, "New Name")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.list_names() == ["New Name", "Other"])
    assert tab.count.text().startswith("New Name")

    asked = []
    tab.widget.confirm = lambda title, text: asked.append(text) or False
    qtbot.mouseClick(tab.delete, Qt.MouseButton.LeftButton)
    assert tab.list_names() == ["New Name", "Other"]
    tab.widget.confirm = lambda title, text: True
    qtbot.mouseClick(tab.delete, Qt.MouseButton.LeftButton)
    assert tab.list_names() == ["Other"]
    assert "New Name" in asked[0]


def test_settings_tab_extension_points(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    titles = window.settings_tab.page_titles()
    assert titles[0] == "General"  # feature pages follow
    assert "Constant Contact" in titles
    extra = QLabel("extra page")
    window.settings_tab.add_page("Extra", extra)
    window.settings_tab.show_page("Extra")
    assert window.tabs.currentWidget() is window.settings_tab
    assert window.settings_tab.pages.currentWidget() is extra
    index = window.add_tab(QLabel("sync"), "Synchronize")
    assert window.tabs.tabText(index) == "Synchronize"
    assert window.tabs.tabText(window.tabs.count() - 1) == "Settings"
    banner = QLabel("Connection lost")
    window.banner_area.addWidget(banner)
    qtbot.waitUntil(banner.isVisible)


def test_role_address_list_is_edited_in_settings_and_the_tab_follows(qtbot, office_dir, open_window, monkeypatch):
    from PySide6.QtWidgets import QPlainTextEdit

    from tests.support.interaction import Answers

    Answers(monkeypatch)
    window = open_window(office_dir)
    tab = Tab(window)
    assert tab.status_of("Front Desk") == "Role address"
    window.settings_tab.show_page("Email rules")
    editor = window.findChild(QPlainTextEdit, "rolePrefixesEdit")
    assert "info" in editor.toPlainText().splitlines()
    editor.setPlainText("sales\nsupport\nalice")  # info@ no longer counts, alice@ now does
    qtbot.mouseClick(window.findChild(QPushButton, "saveRolePrefixesButton"), Qt.MouseButton.LeftButton)
    assert window.findChild(QLabel, "roleAddressMessage").text().startswith("Saved.")
    window.tabs.setCurrentWidget(tab.widget)
    assert tab.status_of("Front Desk") == "Not synced yet"
    assert tab.status_of("Alice Archer") == "Role address"


@pytest.mark.parametrize("in_background", [False, True])
def test_select_all_on_a_list_deleted_meanwhile_says_so(
    qtbot, office_dir, open_window, monkeypatch, in_background
):
    from ctctdesk.crm import lists
    from ctctdesk.ui import lists_tab

    if in_background:
        monkeypatch.setattr(lists_tab, "BACKGROUND_WRITE_ROWS", 0)
    tab = Tab(open_window(office_dir))
    errors = []
    tab.widget.show_error = errors.append
    tab.new_list(qtbot, "Short Lived")
    lists.delete_list(lists.find_list("Short Lived").id)  # e.g. by another desk
    tab.click_select_all(qtbot)
    assert errors == ["This list no longer exists."]
    assert tab.table.isEnabled()
