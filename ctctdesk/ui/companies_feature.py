"""Mounts the Companies tab and its Settings pages in the main window, with one event hub and undo stack.

`install(window, lists_tab=None)` is all the composition root calls: it adds the Companies tab, the
Settings pages "Marketing Tags" and "Email rules", and — when given the Manage Email Lists tab — makes
that tab reload after every CRM edit (at once when visible, else when next shown).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from ctctdesk import email_services
from ctctdesk.ui.companies_tab import CompaniesTab
from ctctdesk.ui.crm_events import CrmEvents, ReloadWhenShown
from ctctdesk.ui.role_address_settings import RoleAddressSettingsPage
from ctctdesk.ui.tags_settings import TagsSettingsPage
from ctctdesk.ui.undo import CrmUndoStack

COMPANIES_TAB_TITLE = "Companies"
TAGS_PAGE_TITLE = "Marketing Tags"
RULES_PAGE_TITLE = "Email rules"


@dataclass
class CompaniesFeature:
    events: CrmEvents
    undo_stack: CrmUndoStack
    companies_tab: CompaniesTab
    tags_page: TagsSettingsPage
    rules_page: RoleAddressSettingsPage


def install(window, lists_tab: QWidget | None = None) -> CompaniesFeature:
    """Add the feature to a `MainWindow` (uses only its `add_tab` and `settings_tab.add_page`)."""
    events = CrmEvents(window)
    undo_stack = CrmUndoStack(events, window)
    tab = CompaniesTab(events, undo_stack, tasks=getattr(getattr(window, "context", None), "tasks", None))
    window.add_tab(tab, COMPANIES_TAB_TITLE)
    tags_page = TagsSettingsPage(events, undo_stack)
    rules_page = RoleAddressSettingsPage(events)
    window.settings_tab.add_page(TAGS_PAGE_TITLE, tags_page)
    window.settings_tab.add_page(RULES_PAGE_TITLE, rules_page)
    if hasattr(window, "statusBar"):
        tab.status_message.connect(lambda text: window.statusBar().showMessage(text, 6000))
    if lists_tab is not None and hasattr(lists_tab, "reload"):
        ReloadWhenShown(lists_tab, lists_tab.reload, events)
    # the texts about the email service name the one in use (the window's context has the connection)
    def service_name() -> str:
        return email_services.name_in_use(getattr(window, "context", None))

    tab.service_name = rules_page.service_name = service_name
    window.crm_events = events
    window.companies_tab = tab
    return CompaniesFeature(events, undo_stack, tab, tags_page, rules_page)
