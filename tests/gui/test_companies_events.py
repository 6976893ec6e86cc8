"""The CRM event hub: a hidden tab reloads once when shown, a visible one at once."""

from PySide6.QtWidgets import QLabel, QTabWidget

from ctctdesk.crm import editing
from ctctdesk.ui.crm_events import CrmChange, CrmEvents, ReloadWhenShown


def test_a_hidden_view_reloads_once_when_it_is_shown(qtbot, crm):
    events = CrmEvents()
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    shown_names: list[list[str]] = []
    view = QLabel()

    def reload() -> None:  # what a view does: read the CRM again
        names = [t.name for t in editing.tag_summaries()]
        shown_names.append(names)
        view.setText(", ".join(names))

    tabs.addTab(QLabel("companies"), "Companies")
    tabs.addTab(view, "Lists")
    ReloadWhenShown(view, reload, events)
    tabs.show()

    editing.create_tag("Apparel")
    events.emit(CrmChange.TAGS)
    editing.create_tag("Bakery")
    events.emit(CrmChange.TAGS)
    assert shown_names == []  # hidden: nothing read yet
    tabs.setCurrentWidget(view)
    assert shown_names == [["Apparel", "Bakery"]] and view.text() == "Apparel, Bakery"
    editing.create_tag("Cafe")
    events.emit(CrmChange.TAGS)
    assert view.text() == "Apparel, Bakery, Cafe"
