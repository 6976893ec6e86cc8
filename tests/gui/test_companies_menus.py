"""Right-click menus of the Companies tab: on a company (edit, tags, delete) and on a contact (copy the
email, move, delete), opened the way a right-click opens them and answered through the dialog seam."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMenu, QTableView

from ctctdesk.crm import contacts, editing
from ctctdesk.ui import companies_tab
from ctctdesk.ui.companies_tab import CompaniesTab
from ctctdesk.ui.crm_events import CrmEvents
from tests.gui.companies_helpers import Answers, choose_company, choose_tag, fill_company_dialog


@pytest.fixture
def tab(qtbot, office):
    widget = CompaniesTab(CrmEvents())
    qtbot.addWidget(widget)
    widget.resize(1300, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


class RightClick:
    """Opens a table's context menu as a right-click does, and keeps the menu instead of showing it
    (a shown menu would wait for a person): ``actions`` are its entries by their words."""

    def __init__(self, monkeypatch) -> None:
        self.menus: list[QMenu] = []
        menus = self.menus

        class KeptMenu(QMenu):
            def exec(self, *_args) -> None:  # noqa: A003 - Qt's name
                menus.append(self)

        monkeypatch.setattr(companies_tab, "QMenu", KeptMenu)

    def on(self, view: QTableView, row: int) -> dict:
        position = view.visualRect(view.model().index(row, 0)).center()
        return self.at(view, position)

    def at(self, view: QTableView, position: QPoint) -> dict:
        shown = len(self.menus)
        view.customContextMenuRequested.emit(position)
        if len(self.menus) == shown:
            return {}  # no menu
        return {action.text(): action for action in self.menus[-1].actions() if action.text()}


def names(tab: CompaniesTab) -> list[str]:
    model = tab.company_model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def row_of(tab: CompaniesTab, name: str) -> int:
    return names(tab).index(name)


def test_right_click_on_a_company_selects_it_and_edits_it(qtbot, tab, office, monkeypatch):
    click = RightClick(monkeypatch)
    menu = click.on(tab.company_table, row_of(tab, "Bolt Electrical"))
    assert list(menu) == ["Edit the company…", "Add a tag to the selected companies…",
                          "Remove a tag from the selected companies…", "Delete…"]
    assert tab.selected_company_ids() == [office["bolt"]]  # the row under the pointer is selected
    assert all(action.isEnabled() for action in menu.values())
    Answers(monkeypatch).fillers.append(fill_company_dialog(qtbot, "Bolt Electrical Ltd", "Customer"))
    menu["Edit the company…"].trigger()
    qtbot.waitUntil(lambda: "Bolt Electrical Ltd" in names(tab))


def test_right_click_on_a_selection_tags_every_selected_company(qtbot, tab, office, monkeypatch):
    click = RightClick(monkeypatch)
    tab.select_companies([office["acme"], office["cedar"]])
    menu = click.on(tab.company_table, row_of(tab, "Cedar Dental"))  # inside the selection: kept
    assert sorted(tab.selected_company_ids()) == sorted([office["acme"], office["cedar"]])
    assert not menu["Edit the company…"].isEnabled()  # one company at a time
    answers = Answers(monkeypatch)
    answers.fillers.append(choose_tag(qtbot, "Trade"))
    menu["Add a tag to the selected companies…"].trigger()
    qtbot.waitUntil(lambda: not tab.busy)
    tagged = contacts.tags_of_companies([office["acme"], office["cedar"]])
    assert all("Trade" in tags for tags in tagged.values())

    menu = click.on(tab.company_table, row_of(tab, "Acme Plumbing"))
    answers.fillers.append(choose_tag(qtbot, "Newsletter"))
    menu["Remove a tag from the selected companies…"].trigger()
    qtbot.waitUntil(lambda: not tab.busy)
    assert "Newsletter" not in contacts.tags_of_companies([office["acme"]])[office["acme"]]


def test_delete_from_the_company_menu_asks_first(qtbot, tab, office, monkeypatch):
    answers = Answers(monkeypatch, answer=False)
    click = RightClick(monkeypatch)
    menu = click.on(tab.company_table, row_of(tab, "Cedar Dental"))
    menu["Delete…"].trigger()
    assert "Cedar Dental" in answers.asked[-1] and "4 contacts" in answers.asked[-1]
    assert "Cedar Dental" in names(tab)  # “No” keeps it
    answers.answer = True
    menu = click.on(tab.company_table, row_of(tab, "Cedar Dental"))
    menu["Delete…"].trigger()
    qtbot.waitUntil(lambda: "Cedar Dental" not in names(tab))


def test_no_menu_below_the_last_row(tab, monkeypatch):
    click = RightClick(monkeypatch)
    view = tab.company_table
    below = view.visualRect(view.model().index(view.model().rowCount() - 1, 0)).bottomLeft() + QPoint(5, 40)
    assert click.at(view, below) == {}


def test_right_click_on_a_contact_copies_the_email_moves_and_deletes(qtbot, tab, office, monkeypatch):
    answers = Answers(monkeypatch)
    click = RightClick(monkeypatch)
    tab.show_company(office["cedar"])
    qtbot.waitUntil(lambda: tab.contact_model.row_of(office["carol"]) >= 0)
    view = tab.contact_table

    menu = click.on(view, tab.contact_model.row_of(office["carol"]))
    assert list(menu) == ["Copy the email address", "Move to another company…", "Delete…"]
    assert tab.selected_contact_ids() == [office["carol"]]
    menu["Copy the email address"].trigger()
    assert QApplication.clipboard().text() == "carol@cedardental.com"

    menu = click.on(view, tab.contact_model.row_of(office["noemail"]))
    assert not menu["Copy the email address"].isEnabled()  # Ned has no email to copy

    view.selectAll()
    menu = click.on(view, 0)
    assert len(tab.selected_contact_ids()) == 4
    assert not menu["Copy the email address"].isEnabled()  # one contact at a time

    view.clearSelection()
    menu = click.on(view, tab.contact_model.row_of(office["carol"]))
    assert tab.selected_contact_ids() == [office["carol"]]
    answers.fillers.append(choose_company(qtbot, "Bolt"))
    menu["Move to another company…"].trigger()
    qtbot.waitUntil(lambda: tab.contact_model.row_of(office["carol"]) < 0)
    assert office["carol"] in [c.id for c in editing.company_contacts(office["bolt"])]

    menu = click.on(view, tab.contact_model.row_of(office["noemail"]))
    menu["Delete…"].trigger()
    assert "Ned Nomail" in answers.asked[-1]
    qtbot.waitUntil(lambda: tab.contact_model.row_of(office["noemail"]) < 0)
