# ruff: noqa: F811 - pytest fixtures are imported by name
"""Lists linked to Constant Contact, seen from the window: marked, deleting one says where it goes too, and a
disconnect names the lists that leave, backs them up and says where the backup is."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from ctctdesk.crm import lists
from ctctdesk.ui.contacts_model import LINKED_LIST_TIP
from tests.gui.test_lists_tab import Tab
from tests.gui.test_sync_tab import SLOW, activate, demo, demo_window, find  # noqa: F401
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.interaction import Answers


def test_linked_lists_are_marked_and_deleting_one_says_it_goes_there_too(qtbot, demo_window, monkeypatch):
    activate(qtbot, demo_window.sync_tab)
    tab = Tab(demo_window)
    demo_window.tabs.setCurrentWidget(tab.widget)
    qtbot.waitUntil(lambda: "General Interest" in tab.list_names())
    model = tab.lists.model()
    row = tab.list_names().index("General Interest")
    assert LINKED_LIST_TIP in model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(row, 0).data(Qt.ItemDataRole.DecorationRole) is not None

    answers = Answers(monkeypatch, answer=False)
    tab.lists.selectRow(row)
    qtbot.mouseClick(tab.delete, Qt.MouseButton.LeftButton)
    assert "it will also be deleted there at the next" in answers.asked[-1]
    assert "General Interest" in tab.list_names()


def test_disconnect_from_the_window_names_the_lists_and_leaves_a_backup(qtbot, demo_window, demo, monkeypatch):
    activate(qtbot, demo_window.sync_tab)
    members = lists.member_count(lists.find_list("General Interest").id)
    answers = Answers(monkeypatch)
    demo_window.settings_tab.show_page("Constant Contact")
    page = demo_window.findChild(QWidget, "connectionPage")
    qtbot.waitUntil(lambda: not page.busy and find(demo_window, QPushButton, "disconnectButton").isVisible())
    qtbot.mouseClick(find(demo_window, QPushButton, "disconnectButton"), Qt.MouseButton.LeftButton)
    assert f"“General Interest” ({members:,} members)" in answers.asked[-1]
    qtbot.waitUntil(lambda: lists.find_list("General Interest") is None, timeout=SLOW)
    backups = list((demo.data_dir / "backups").glob("*.csv"))
    assert len(backups) == 1
    status = find(demo_window, QLabel, "connectionStatusLabel")
    qtbot.waitUntil(lambda: str(backups[0]) in status.text())

    # File → Import contacts from CSV… with the backup brings the list back, members and all
    answers.files.append(backups[0])
    demo_window.menu.import_action.trigger()
    qtbot.waitUntil(lambda: bool(answers.messages), timeout=SLOW)
    restored = lists.find_list("General Interest")
    assert restored is not None and lists.member_count(restored.id) == members


def test_a_push_taking_over_half_of_a_list_is_shown_and_asks_first(qtbot, demo_window, demo, monkeypatch):
    from PySide6.QtWidgets import QTreeView

    from ctctdesk.demo import SHARED_LIST
    from tests.gui.test_sync_tab import preview, run, wait_idle

    tab = demo_window.sync_tab
    activate(qtbot, tab)
    preview(qtbot, demo_window, "pushButton")
    run(qtbot, demo_window)
    shared = lists.find_list(SHARED_LIST)
    members = sorted(lists.member_ids(shared.id))
    taken = members[: len(members) // 2 + 1]  # just over half
    lists.remove_members(shared.id, taken)

    result = preview(qtbot, demo_window, "previewButton")
    reason = f"the list “{SHARED_LIST}” would lose {len(taken)} of its {len(members)} members in Constant Contact"
    assert reason in result.guard_reason
    assert reason in find(demo_window, QLabel, "guardLabel").text()
    tree = demo_window.findChild(QTreeView, "planView")
    texts = []
    model = tree.model()

    def walk(parent):
        for row in range(model.rowCount(parent)):
            index = model.index(row, 0, parent)
            texts.append(str(index.data()))
            walk(index)

    from PySide6.QtCore import QModelIndex

    walk(QModelIndex())
    assert any(reason in text for text in texts)

    answers = Answers(monkeypatch, answer=False)
    qtbot.mouseClick(find(demo_window, QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    assert reason in answers.asked[-1]
    cc_list = demo.sandbox.state.list_by_name(SHARED_LIST)
    assert len(demo.sandbox.state.members[cc_list["list_id"]]) >= len(members) - 5, "nothing removed unasked"


def test_company_counts_are_right_after_a_sync_and_the_demo_says_so_in_the_title(qtbot, demo_window):
    from ctctdesk.crm import editing

    assert demo_window.windowTitle() == "ctctdesk — demo"
    tab = demo_window.companies_tab
    before = tab.company_model.rowCount()
    activate(qtbot, demo_window.sync_tab)  # brings Constant Contact's people (and new companies) in
    after = len(editing.company_ids())
    assert after > before
    qtbot.waitUntil(lambda: tab.company_model.rowCount() == after)
    assert tab.count_label.text() == f"{after:,} companies"


def test_an_error_message_clears_itself_when_the_next_read_works(qtbot, demo_window, monkeypatch):
    from ctctdesk.sync.errors import SyncError
    from tests.gui.test_sync_tab import wait_idle

    tab = demo_window.sync_tab
    wait_idle(qtbot, tab)
    history = tab.service.history

    def broken():
        raise SyncError("The sync history cannot be read right now.")

    monkeypatch.setattr(tab.service, "history", broken)
    tab.reload_history()
    message = find(demo_window, QLabel, "syncMessageLabel")
    qtbot.waitUntil(lambda: message.text() == "The sync history cannot be read right now.")
    monkeypatch.setattr(tab.service, "history", history)
    tab.reload_history()
    qtbot.waitUntil(lambda: message.text() == "")


def test_the_status_line_counts_what_the_preview_tree_shows(qtbot, demo_window):
    import re

    from tests.gui.test_sync_tab import preview

    tab = demo_window.sync_tab
    activate(qtbot, tab)
    preview(qtbot, demo_window, "pushButton")
    model = tab.plan_model
    shown = 0
    for row in range(model.rowCount()):
        text = model.index(row, 0).data()
        count = model.index(row, 1).data()
        if count and text not in ("Skipped",) and "Conflicts" not in text and "Shortened" not in text:
            shown += int(str(count).replace(",", ""))
    line = find(demo_window, QLabel, "syncPhaseLabel").text()
    said = int(re.search(r"Preview ready: ([\d,]+) change", line).group(1).replace(",", ""))
    assert said == shown, line
