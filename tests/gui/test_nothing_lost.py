"""Nothing is lost by accident on the Manage Email Lists tab: a big untick asks first, every tick undoes."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ctctdesk.app import build_context
from ctctdesk.crm import lists
from tests.gui.test_lists_tab import Tab
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.interaction import Answers


@pytest.fixture
def big_office(tmp_path: Path) -> Path:
    """30 contacts who may all be in lists, all in the list “Newsletter”."""
    data_dir = tmp_path / "office"
    context = build_context(data_dir)
    company = add_company("Harbour Traders", "customer")
    ids = [add_contact(company, f"Person{i:02d}", "Trader", f"person{i:02d}@harbour.example") for i in range(30)]
    newsletter = lists.create_list("Newsletter")
    lists.add_members(newsletter.id, ids)
    context.close()
    return data_dir


def test_select_all_twice_asks_before_unticking_everyone_and_can_be_undone(
    qtbot, big_office, open_window, monkeypatch
):
    answers = Answers(monkeypatch, answer=False)
    window = open_window(big_office)
    tab = Tab(window)
    assert tab.count.text() == "Newsletter — 30 members"
    assert tab.select_all.checkState() == Qt.CheckState.Checked

    tab.click_select_all(qtbot)  # the second Select All: would untick everyone
    assert answers.asked == [answers.asked[0]]
    assert "Untick 30 contacts in “Newsletter”" in answers.asked[0]
    assert tab.count.text() == "Newsletter — 30 members"  # “No” leaves the list alone
    assert tab.select_all.checkState() == Qt.CheckState.Checked

    answers.answer = True
    tab.click_select_all(qtbot)
    assert tab.count.text() == "Newsletter — 0 members"
    assert tab.ticked() == []

    window.activateWindow()
    tab.table.setFocus()
    qtbot.waitUntil(tab.table.hasFocus)
    qtbot.keyClick(tab.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.count.text() == "Newsletter — 30 members")
    assert len(tab.ticked()) == 30
    qtbot.keyClick(
        tab.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: tab.count.text() == "Newsletter — 0 members")


def test_a_few_unticks_do_not_ask_and_a_single_tick_undoes(qtbot, big_office, open_window, monkeypatch):
    answers = Answers(monkeypatch)
    window = open_window(big_office)
    tab = Tab(window)
    tab.search.setText("Person0")  # ten people shown
    tab.apply.click()
    tab.click_select_all(qtbot)
    assert answers.asked == []
    assert tab.count.text() == "Newsletter — 20 members"

    tab.search.clear()
    tab.apply.click()
    tab.press_space_on(qtbot, "Person15 Trader")
    assert tab.count.text() == "Newsletter — 19 members"
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: tab.count.text() == "Newsletter — 20 members")
    assert "Person15 Trader" in tab.ticked()


def click_header(qtbot, header, section: int) -> None:
    from PySide6.QtCore import QPoint

    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_a_header_click_sorts_in_the_database_and_is_remembered(qtbot, office_dir, open_window):
    from ctctdesk.ui.contacts_model import ContactsModel

    window = open_window(office_dir)
    tab = Tab(window)
    header = tab.table.horizontalHeader()
    assert tab.names()[0] == "Alice Archer"  # by last name at first
    click_header(qtbot, header, ContactsModel.EMAIL)
    emails = [tab.table.model().index(r, ContactsModel.EMAIL).data() for r in range(len(tab.names()))]
    assert emails == sorted(emails)
    assert header.isSortIndicatorShown() and header.sortIndicatorSection() == ContactsModel.EMAIL
    click_header(qtbot, header, ContactsModel.EMAIL)  # again: the other way round
    emails = [tab.table.model().index(r, ContactsModel.EMAIL).data() for r in range(len(tab.names()))]
    assert emails == sorted(emails, reverse=True)
    click_header(qtbot, header, ContactsModel.COMPANY)
    companies = [tab.table.model().index(r, ContactsModel.COMPANY).data() for r in range(len(tab.names()))]
    assert companies == sorted(companies)
    window.close()

    again = Tab(open_window(office_dir))
    qtbot.waitUntil(lambda: again.table.horizontalHeader().sortIndicatorSection() == ContactsModel.COMPANY)
    companies = [again.table.model().index(r, ContactsModel.COMPANY).data() for r in range(len(again.names()))]
    assert companies == sorted(companies)


def test_greyed_rows_say_why_next_to_the_name(qtbot, office_dir, open_window):
    from ctctdesk.ui.contacts_model import ContactsModel

    tab = Tab(open_window(office_dir))
    index = tab.table.model().index(tab.row_of("Dora Noakes"), ContactsModel.NAME)
    assert index.data(Qt.ItemDataRole.DecorationRole) is not None
    assert "Do Not Contact" in index.data(Qt.ItemDataRole.ToolTipRole)
    alice = tab.table.model().index(tab.row_of("Alice Archer"), ContactsModel.NAME)
    assert alice.data(Qt.ItemDataRole.DecorationRole) is None


def test_companies_sort_by_any_column(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    tab = window.companies_tab
    window.tabs.setCurrentWidget(tab)
    header = tab.company_table.horizontalHeader()
    model = tab.company_model

    def column(section: int) -> list[str]:
        return [model.index(r, section).data() for r in range(model.rowCount())]

    assert column(0) == ["Acme Plumbing", "Bolt Electrical", "Cedar Dental"]
    click_header(qtbot, header, 3)  # Contacts
    click_header(qtbot, header, 3)  # most first
    assert column(0)[0] == "Cedar Dental"
    assert header.sortIndicatorSection() == 3 and header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    click_header(qtbot, header, 1)  # Type
    assert column(1) == sorted(column(1))


def test_the_companies_order_is_remembered(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    window.tabs.setCurrentWidget(window.companies_tab)
    header = window.companies_tab.company_table.horizontalHeader()
    click_header(qtbot, header, 3)
    click_header(qtbot, header, 3)  # most contacts first
    window.close()

    again = open_window(office_dir)
    tab = again.companies_tab
    qtbot.waitUntil(lambda: tab.company_table.horizontalHeader().sortIndicatorSection() == 3)
    assert tab.company_model.index(0, 0).data() == "Cedar Dental"
