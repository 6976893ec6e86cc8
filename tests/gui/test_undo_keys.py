"""Ctrl+Z and Ctrl+Shift+Z undo and redo from whichever tab is in front, and a text field being edited
keeps its own undo."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLineEdit, QWidget

from ctctdesk.crm import lists
from ctctdesk.crm.models import Contact
from tests.gui.test_lists_tab import Tab
from tests.support.interaction import Answers

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def members(name: str) -> list[str]:
    found = lists.find_list(name)
    assert found is not None
    return sorted(Contact.get_by_id(cid).email for cid in lists.member_ids(found.id))


def something_to_focus(page: QWidget) -> QWidget:
    """A table or button of the page in front (not a text field: those keep Ctrl+Z for their text)."""
    for kind in (QAbstractItemView, QAbstractButton):
        for widget in page.findChildren(kind):
            if widget.isVisible() and widget.isEnabled():
                return widget
    return page


def focus(qtbot, widget: QWidget) -> None:
    widget.window().activateWindow()
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)


def tick_alice(qtbot, window) -> str:
    tab = Tab(window)
    tab.new_list(qtbot, "Trade Newsletter")
    tab.press_space_on(qtbot, "Alice Archer")
    assert tab.ticked() == ["Alice Archer"]
    ticked = members("Trade Newsletter")
    assert len(ticked) == 1
    return ticked[0]


def test_ctrl_z_and_ctrl_shift_z_work_on_every_tab(qtbot, office_dir, open_window, monkeypatch):
    Answers(monkeypatch)
    window = open_window(office_dir)
    alice = tick_alice(qtbot, window)
    names = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert {"Manage Email Lists", "Companies", "Synchronize", "Settings"} <= set(names)
    for index in range(len(names)):
        window.tabs.setCurrentIndex(index)
        target = something_to_focus(window.tabs.currentWidget())
        focus(qtbot, target)
        qtbot.keyClick(target, Qt.Key.Key_Z, CTRL)
        qtbot.waitUntil(lambda: members("Trade Newsletter") == [], timeout=3000)
        qtbot.keyClick(target, Qt.Key.Key_Z, CTRL_SHIFT)
        qtbot.waitUntil(lambda: members("Trade Newsletter") == [alice], timeout=3000)


def test_a_text_field_being_edited_keeps_its_own_undo(qtbot, office_dir, open_window, monkeypatch):
    Answers(monkeypatch)
    window = open_window(office_dir)
    alice = tick_alice(qtbot, window)
    window.tabs.setCurrentWidget(window.companies_tab)
    search = window.findChild(QLineEdit, "companySearch")
    focus(qtbot, search)
    qtbot.keyClicks(search, "Harb")
    qtbot.keyClick(search, Qt.Key.Key_Z, CTRL)
    assert search.text() == ""  # the field's typing undone …
    qtbot.keyClick(search, Qt.Key.Key_Z, CTRL_SHIFT)
    assert search.text() == "Harb"
    assert members("Trade Newsletter") == [alice]  # … and the tick left alone
    assert window.undo_stack.canUndo() and not window.undo_stack.canRedo()
