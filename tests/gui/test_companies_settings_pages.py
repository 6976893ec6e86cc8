"""Settings → Marketing Tags and Settings → Email rules, driven as an office admin would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from ctctdesk.crm import contacts, editing, lists, rules
from ctctdesk.crm.rules import Ineligibility
from ctctdesk.ui.crm_events import CrmChange, CrmEvents
from ctctdesk.ui.role_address_settings import RoleAddressSettingsPage
from ctctdesk.ui.tags_settings import TagsSettingsPage
from tests.gui.companies_helpers import Answers


@pytest.fixture
def events():
    return CrmEvents()


@pytest.fixture
def tags_page(qtbot, office, events):
    page = TagsSettingsPage(events)
    qtbot.addWidget(page)
    page.show()
    return page


def tag_rows(page: TagsSettingsPage) -> list[tuple[str, int]]:
    model = page.model
    return [(model.data(model.index(r, 0)), model.data(model.index(r, 1))) for r in range(model.rowCount())]


def test_create_a_tag_and_refuse_a_duplicate(qtbot, tags_page):
    qtbot.keyClicks(tags_page.new_name, "Apparel Sports Wear")
    qtbot.keyClick(tags_page.new_name, Qt.Key.Key_Return)
    assert ("Apparel Sports Wear", 0) in tag_rows(tags_page)
    qtbot.keyClicks(tags_page.new_name, "apparel  sports wear")
    qtbot.mouseClick(tags_page.add_button, Qt.MouseButton.LeftButton)
    assert "already exists" in tags_page.message.text()
    assert len(tag_rows(tags_page)) == 4


def test_rename_a_tag_then_undo(qtbot, tags_page, office, monkeypatch):
    tags_page.select_tags(["Trade"])
    Answers(monkeypatch).texts.append("Trades & Crafts")
    qtbot.mouseClick(tags_page.rename_button, Qt.MouseButton.LeftButton)
    assert ("Trades & Crafts", 2) in tag_rows(tags_page)
    assert contacts.tags_of_companies([office["bolt"]])[office["bolt"]] == ("Trades & Crafts",)
    tags_page.undo_stack.undo()
    assert ("Trade", 2) in tag_rows(tags_page)


def test_merge_two_tags_keeps_each_company_once(qtbot, tags_page, office, monkeypatch):
    answers = Answers(monkeypatch)
    tags_page.select_tags(["Newsletter", "Trade"])
    answers.texts.append("Trade")
    qtbot.mouseClick(tags_page.merge_button, Qt.MouseButton.LeftButton)
    assert "“Newsletter” (1 company) into “Trade”" in answers.asked[-1]
    assert tag_rows(tags_page) == [("Healthcare", 1), ("Trade", 2)]
    assert contacts.tags_of_companies([office["acme"]])[office["acme"]] == ("Trade",)


def test_deleting_a_tag_asks_and_says_how_many_companies_carry_it(qtbot, tags_page, office, monkeypatch):
    answers = Answers(monkeypatch, answer=False)
    tags_page.select_tags(["Trade"])
    qtbot.mouseClick(tags_page.delete_button, Qt.MouseButton.LeftButton)
    assert "2 companies carry it" in answers.asked[-1]
    assert ("Trade", 2) in tag_rows(tags_page)
    answers.answer = True
    qtbot.mouseClick(tags_page.delete_button, Qt.MouseButton.LeftButton)
    assert [name for name, _ in tag_rows(tags_page)] == ["Healthcare", "Newsletter"]
    assert editing.company_ids(editing.CompanyFilter(search="Bolt"))  # the company stays


def test_tag_counts_follow_assignments_made_elsewhere(qtbot, tags_page, office, events):
    healthcare = contacts.find_or_create_tag("Healthcare").id
    editing.assign_tag(healthcare, [office["acme"]])
    events.emit(CrmChange.COMPANY_TAGS, company_ids=[office["acme"]])
    assert ("Healthcare", 2) in tag_rows(tags_page)


@pytest.fixture
def rules_page(qtbot, office, events):
    page = RoleAddressSettingsPage(events)
    qtbot.addWidget(page)
    page.show()
    return page


def test_a_new_role_prefix_says_how_many_contacts_leave_lists_before_saving(
    qtbot, rules_page, office, monkeypatch
):
    newsletter = lists.create_list("Newsletter").id
    lists.add_members(newsletter, [office["alice"], office["bob"]])
    answers = Answers(monkeypatch)
    assert not rules_page.save_button.isEnabled()
    rules_page.editor.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(rules_page.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(rules_page.editor, "alice")
    qtbot.mouseClick(rules_page.save_button, Qt.MouseButton.LeftButton)
    assert "1 contact will count as role addresses" in answers.asked[-1]
    assert "1 list membership will be removed" in answers.asked[-1]
    assert "alice" in rules.load_role_prefixes()
    assert lists.member_ids(newsletter) == {office["bob"]}
    assert editing.contact_details(office["alice"]).reason is Ineligibility.ROLE_ADDRESS
    assert "now role addresses" in rules_page.message.text()


def test_built_in_defaults_can_be_restored(qtbot, rules_page, office, monkeypatch):
    Answers(monkeypatch)
    rules_page.editor.setPlainText("info\nsales")
    qtbot.mouseClick(rules_page.save_button, Qt.MouseButton.LeftButton)
    assert rules.load_role_prefixes() == ("info", "sales")
    assert editing.contact_details(office["info"]).reason is Ineligibility.ROLE_ADDRESS
    qtbot.mouseClick(rules_page.restore_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(rules_page.save_button, Qt.MouseButton.LeftButton)
    assert rules.load_role_prefixes() == rules.normalise_prefixes(rules.DEFAULT_ROLE_PREFIXES)
    assert not rules_page.restore_button.isEnabled()
