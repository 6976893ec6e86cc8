"""The Synchronize tab driven like a user would, against the real sync engine and the in-process sandbox.

Most tests start from demo mode's own set-up (`ctctdesk.demo.start_demo`): a sample CRM, a sandbox
account that partly overlaps it, and a connection made through the normal device flow. The sandbox
runs without rate limits here so the suite stays quick; the demo itself keeps the real ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QTableView, QTreeView

from ctctdesk.app import build_window
from ctctdesk.demo import SHARED_LIST, start_demo
from ctctdesk.sync.presenting import change_count, summary_tree
from tests.support.clocks import client_clock
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sandbox_fixtures import config_for
from tests.support.trees import changes_shown

SLOW = 60_000
CRM_LISTS_ONLY = ("Customer Updates", "Prospect Outreach")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator:
    clock = client_clock()
    started = start_demo(tmp_path / "demo", sandbox_config=config_for(), crm_contacts=300, clock=clock)
    clock.follow(started.sandbox.clock.advance)  # bulk jobs progress while the client "waits"
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def demo_window(qtbot, demo):
    window = build_window(demo.data_dir, context=demo.context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    tab = window.sync_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.idle and tab.connected, timeout=SLOW)
    yield window
    tab.shutdown()
    window.close()
    demo.context.close()


def find(window, kind, name):
    widget = window.findChild(kind, name)
    assert widget is not None, name
    return widget


def tree_texts(view: QTreeView) -> list[str]:
    model = view.model()
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def wait_idle(qtbot, tab, timeout=SLOW):
    qtbot.waitUntil(lambda: tab.idle, timeout=timeout)


def activate(qtbot, tab):
    tab.start_activation()
    wait_idle(qtbot, tab)
    assert not tab.last_error, tab.last_error
    qtbot.waitUntil(lambda: tab.idle and tab.pushButton.isEnabled())  # the history now shows a pull (C5)


def preview(qtbot, window, button_name):
    tab = window.sync_tab
    qtbot.mouseClick(find(window, QPushButton, button_name), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    assert not tab.last_error, tab.last_error
    assert tab.preview is not None
    return tab.preview


def run(qtbot, window):
    tab = window.sync_tab
    seen = []
    tab.progressed.connect(seen.append)
    qtbot.mouseClick(find(window, QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    tab.progressed.disconnect(seen.append)
    assert not tab.last_error, tab.last_error
    return seen


# -- not connected ------------------------------------------------------------------------------------


def test_not_connected_explains_and_opens_the_settings_page(qtbot, tmp_path, memory_keyring):  # noqa: F811
    window = build_window(tmp_path / "office")
    qtbot.addWidget(window)
    window.show()
    tab = window.sync_tab
    window.tabs.setCurrentWidget(tab)
    try:
        qtbot.waitUntil(lambda: tab.idle and find(window, QLabel, "syncConnectionLabel").isVisible())
        assert "Connect in Settings → Constant Contact first" in find(window, QLabel, "syncConnectionLabel").text()
        for name in ("pushButton", "pullButton", "previewButton", "runButton", "cancelButton"):
            assert not find(window, QPushButton, name).isEnabled(), name
        qtbot.mouseClick(find(window, QPushButton, "openConnectionSettingsButton"), Qt.MouseButton.LeftButton)
        assert window.tabs.currentWidget() is window.settings_tab
        assert window.settings_tab.page_list.currentItem().text() == "Constant Contact"
    finally:
        tab.shutdown()
        window.close()
        window.context.close()


# -- the demo -----------------------------------------------------------------------------------------


def test_demo_window_is_connected_and_a_pull_preview_shows_constant_contacts_changes(qtbot, demo_window, demo):
    tab = demo_window.sync_tab
    assert not find(demo_window, QLabel, "syncConnectionLabel").isVisible()
    assert "Demo mode" in find(demo_window, QLabel, "syncNoteLabel").text()
    # C5: before the first pull nothing may be pushed; the tab says what to do first
    assert find(demo_window, QLabel, "activationHint").isVisible()
    assert not find(demo_window, QPushButton, "pushButton").isEnabled()
    assert find(demo_window, QPushButton, "pullButton").isEnabled()

    result = preview(qtbot, demo_window, "pullButton")
    assert result.plan.changes, "the demo must have something to bring into the CRM"
    rows = tree_texts(find(demo_window, QTreeView, "planView"))
    assert "Spring Webinar" in rows  # a list only Constant Contact has
    assert find(demo_window, QPushButton, "runButton").isEnabled()
    assert "Nothing has been changed yet" in find(demo_window, QLabel, "syncPhaseLabel").text()
    assert tab.preview.direction == "from_cc"


def test_activation_then_push_preview_run_summary_and_history(qtbot, demo_window, demo):
    tab = demo_window.sync_tab
    activate(qtbot, tab)
    summary_rows = tree_texts(find(demo_window, QTreeView, "summaryView"))
    assert summary_rows[0].startswith("Completed")
    history = find(demo_window, QTableView, "historyView").model()
    qtbot.waitUntil(lambda: history.rowCount() == 1)
    qtbot.waitUntil(lambda: find(demo_window, QPushButton, "pushButton").isEnabled())
    assert not find(demo_window, QLabel, "activationHint").isVisible()

    preview(qtbot, demo_window, "pushButton")
    rows = tree_texts(find(demo_window, QTreeView, "planView"))
    for name in CRM_LISTS_ONLY:
        assert name in rows
    node = tab.plan_model.root.find(CRM_LISTS_ONLY[0])
    assert "List created in Constant Contact" in [child.text for child in node.children]
    added = node.find("Contacts added")
    assert added is not None and added.count > 0
    assert tab.plan_model.root.find("New contacts in Constant Contact").count > 0
    previewed = changes_shown(tab.plan_model.root)
    status = find(demo_window, QLabel, "syncPhaseLabel").text()
    total = change_count(tab.plan_model.root)
    assert f"{total:,} changes" in status

    seen = run(qtbot, demo_window)
    assert seen, "the run reported its progress"
    assert all(p.phase for p in seen)
    summary = tab.last_summary
    assert summary.ok and summary.direction == "to_cc" and summary.trigger == "button"
    rows = tree_texts(find(demo_window, QTreeView, "summaryView"))
    assert rows[0] == "Completed"
    assert changes_shown(summary_tree(summary)) == previewed  # the preview's words and counts, per list
    assert CRM_LISTS_ONLY[0] in rows
    for name in CRM_LISTS_ONLY:
        cc_list = demo.sandbox.state.list_by_name(name)
        assert cc_list is not None
        assert demo.sandbox.state.members.get(cc_list["list_id"]), f"{name} has members in Constant Contact"
    assert not find(demo_window, QPushButton, "runButton").isEnabled()  # the plan was run: preview again

    qtbot.waitUntil(lambda: history.rowCount() == 2)
    assert history.index(0, history.DIRECTION).data() == "CRM → Constant Contact"
    assert history.index(0, history.TRIGGER).data() == "Button"
    assert history.index(0, history.RESULT).data() == "Completed"
    assert int(history.index(0, history.REQUESTS).data().replace(",", "")) > 0
    assert history.index(1, history.TRIGGER).data() == "Activation"
    assert history.index(0, history.CHANGES).data() == f"{total:,}"  # the number the preview's status gave

    # selecting the older run shows its details
    view = find(demo_window, QTableView, "historyView")
    view.selectRow(1)
    qtbot.waitUntil(lambda: tab.summaryTitle.text().startswith("Run of") and tab.idle)
    assert "Constant Contact → CRM" in tab.summaryTitle.text()

    # a second push plans nothing more
    preview(qtbot, demo_window, "previewButton")
    assert not tab.preview.plan.changes
    assert tree_texts(find(demo_window, QTreeView, "planView"))[0].startswith("Nothing to change")


def test_pull_run_brings_the_changes_into_the_crm_and_reloads_the_lists(qtbot, demo_window, demo):
    tab = demo_window.sync_tab
    reloads = []
    tab.crmChanged.connect(lambda: reloads.append(True))
    activate(qtbot, tab)
    assert reloads
    from ctctdesk.crm.models import Contact, EmailList

    assert EmailList.select().where(EmailList.name == "Spring Webinar").exists()
    unsubscribed = demo.facts["unsubscribed_in_cc"]
    assert unsubscribed
    status = Contact.get(Contact.email_key == unsubscribed[0].lower()).email_status
    assert status == "unsubscribed"
    assert demo.facts["shared_list"] == SHARED_LIST


def test_run_shows_progress_and_cancel_stops_cleanly(qtbot, demo_window, demo):
    tab = demo_window.sync_tab
    activate(qtbot, tab)
    preview(qtbot, demo_window, "pushButton")
    # bulk jobs take a day (on the sandbox clock, which follows the client's fake one): time to press Cancel
    demo.sandbox.configure(activity_delay=86_400.0)
    seen = []
    tab.progressed.connect(seen.append)
    qtbot.mouseClick(find(demo_window, QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    progress = find(demo_window, QProgressBar, "syncProgress")
    assert progress.isVisible()
    cancel = find(demo_window, QPushButton, "cancelButton")
    assert cancel.isEnabled()
    assert not find(demo_window, QPushButton, "pushButton").isEnabled()
    qtbot.waitUntil(lambda: bool(seen), timeout=SLOW)
    # the window stays responsive while the engine works
    assert tab.busy
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert "Cancelling" in find(demo_window, QLabel, "syncPhaseLabel").text()
    wait_idle(qtbot, tab)
    assert not progress.isVisible()
    summary = tab.last_summary
    assert summary is not None and summary.cancelled
    assert tree_texts(find(demo_window, QTreeView, "summaryView"))[0].startswith("Cancelled")
    history = find(demo_window, QTableView, "historyView").model()
    qtbot.waitUntil(lambda: history.rowCount() >= 2 and history.index(0, history.RESULT).data() == "Cancelled")

    # nothing is lost: the next preview and run finish the job
    demo.sandbox.configure(activity_delay=0.0)
    preview(qtbot, demo_window, "previewButton")
    run(qtbot, demo_window)
    assert tab.last_summary.ok


def test_mass_removal_asks_before_running(qtbot, demo_window, demo):
    tab = demo_window.sync_tab
    activate(qtbot, tab)
    preview(qtbot, demo_window, "pushButton")
    run(qtbot, demo_window)
    # the office empties the shared list in the CRM by mistake
    from ctctdesk.crm import lists

    shared = lists.find_list(SHARED_LIST)
    members = lists.member_ids(shared.id)
    assert len(members) >= 50
    lists.remove_members(shared.id, members)

    result = preview(qtbot, demo_window, "previewButton")
    assert result.needs_confirmation
    assert find(demo_window, QLabel, "guardLabel").isVisible()
    questions = []
    tab.confirm = lambda title, question: questions.append(question) or False
    qtbot.mouseClick(find(demo_window, QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    assert questions and "Run it anyway?" in questions[0]
    assert "Not run" in find(demo_window, QLabel, "syncPhaseLabel").text()
    cc_list = demo.sandbox.state.list_by_name(SHARED_LIST)
    assert demo.sandbox.state.members.get(cc_list["list_id"]), "nothing was removed without confirmation"

    tab.confirm = lambda title, question: questions.append(question) or True
    run(qtbot, demo_window)
    assert len(questions) == 2
    assert tab.last_summary.ok
    left = {demo.sandbox.state.contacts[cid].email for cid in demo.sandbox.state.members[cc_list["list_id"]]}
    # only the people who unsubscribed there stay: ctctdesk never touches them again (R3)
    assert left <= set(demo.facts["unsubscribed_in_cc"])


def test_disconnecting_puts_the_tab_in_the_not_connected_state(qtbot, demo_window, demo):
    from ctctdesk.crm import lists

    tab = demo_window.sync_tab
    activate(qtbot, tab)
    assert lists.find_list("General Interest") is not None  # brought in by the activation
    demo.connection.disconnect()
    qtbot.waitUntil(lambda: not tab.connected)
    assert find(demo_window, QLabel, "syncConnectionLabel").isVisible()
    assert not find(demo_window, QPushButton, "pushButton").isEnabled()
    # C6: the lists that came from Constant Contact left the CRM, and the lists tab shows that
    assert lists.find_list("General Interest") is None
    panel = find(demo_window, QTableView, "listsPanel")
    qtbot.waitUntil(lambda: "General Interest" not in {
        panel.model().index(row, 0).data() for row in range(panel.model().rowCount())})


def test_a_job_queued_at_constant_contact_is_said_plainly_and_the_run_goes_on(qtbot, demo_window, demo):
    from tests.support.sandbox_http import Api

    tab = demo_window.sync_tab
    activate(qtbot, tab)
    preview(qtbot, demo_window, "pushButton")
    # someone else's bulk job holds Constant Contact's only slot for a day (sandbox time)
    demo.sandbox.configure(max_running_activities=1, activity_delay=86_400.0)
    token = demo.sandbox.oauth.issue_token("contact_data", None)["access_token"]
    api = Api(demo.sandbox.base_url, token)
    response = api.post("/v3/activities/contacts_json_import",
                        {"import_data": [{"email": "other.job@example.com"}], "list_ids": [api.default_list_id()]})
    assert response.status_code in (200, 201)
    api.get(f"/v3/activities/{response.json()['activity_id']}")  # it starts processing

    phase = find(demo_window, QLabel, "syncPhaseLabel")
    texts = []
    tab.progressed.connect(lambda p: texts.append(phase.text()))
    qtbot.mouseClick(find(demo_window, QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(t.startswith("Queued at Constant Contact — your data will be processed")
                                for t in texts), timeout=SLOW)
    assert tab.busy  # still waiting, still polling
    demo.sandbox.configure(max_running_activities=2, activity_delay=0.0)
    wait_idle(qtbot, tab)
    assert tab.last_summary.ok


def test_access_revoked_during_a_preview_shows_the_reconnect_banner(qtbot, demo_window, demo):
    from PySide6.QtWidgets import QFrame

    tab = demo_window.sync_tab
    demo.sandbox.oauth.reset()  # Constant Contact forgets ctctdesk's access (revoked in the account)
    qtbot.mouseClick(find(demo_window, QPushButton, "pullButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    message = find(demo_window, QLabel, "syncMessageLabel")
    assert message.isVisible() and "Reconnect in Settings → Constant Contact" in message.text()
    assert "Traceback" not in message.text()
    banner = find(demo_window, QFrame, "reconnectBanner")
    qtbot.waitUntil(banner.isVisible)
    qtbot.waitUntil(lambda: not tab.connected)
    assert not find(demo_window, QPushButton, "runButton").isEnabled()


def test_connecting_again_runs_the_initial_activation_by_itself(qtbot, demo_window, demo):
    from ctctdesk.crm import lists
    from ctctdesk.demo import connect_automatically

    tab = demo_window.sync_tab
    activate(qtbot, tab)
    demo.connection.disconnect()
    qtbot.waitUntil(lambda: not tab.connected)
    assert lists.find_list("General Interest") is None
    connect_automatically(demo.connection, demo.sandbox)  # as a person finishing Connect would
    qtbot.waitUntil(lambda: lists.find_list("General Interest") is not None, timeout=SLOW)  # C5
    wait_idle(qtbot, tab)
    assert tab.service.history()[0].trigger == "activation"


def test_closing_the_window_during_a_run_cancels_it_and_records_it(qtbot, demo_window, demo):
    tab = demo_window.sync_tab
    activate(qtbot, tab)
    preview(qtbot, demo_window, "pushButton")
    # a bulk job that takes a day (on the sandbox clock, which follows the client's fake one) is still being
    # polled when the window closes
    demo.sandbox.configure(activity_delay=86_400.0)
    seen = []
    tab.progressed.connect(seen.append)
    qtbot.mouseClick(find(demo_window, QPushButton, "runButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(p.phase.startswith(("Updating", "Importing", "Waiting")) for p in seen), timeout=SLOW)
    demo_window.close()  # cancels and waits (bounded) for the run: no thread outlives the window
    assert not demo_window.context.tasks.busy
    newest = demo.context.sync.history()[0]
    assert newest.cancelled and newest.finished_at is not None  # stopped cleanly, and says so
    qtbot.wait(50)  # the loop resumes the cancelled coroutines; nothing may be raised from them


def test_full_check_makes_the_next_pull_preview_read_everything_once(qtbot, demo_window, demo, monkeypatch):
    from PySide6.QtWidgets import QCheckBox

    tab = demo_window.sync_tab
    activate(qtbot, tab)
    asked = []
    real_preview = tab.service.preview

    def spy(direction, **kwargs):
        asked.append((str(direction), kwargs.get("full", False)))
        return real_preview(direction, **kwargs)

    monkeypatch.setattr(tab.service, "preview", spy)
    box = find(demo_window, QCheckBox, "fullCheckBox")
    assert box.isEnabled() and not box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert box.isChecked()

    preview(qtbot, demo_window, "pullButton")
    assert asked == [("from_cc", True)]
    assert not box.isChecked()  # one full check; the next preview reads only what changed again
    qtbot.mouseClick(find(demo_window, QPushButton, "previewButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, tab)
    assert asked[-1] == ("from_cc", False)
    assert not tab.last_error, tab.last_error
