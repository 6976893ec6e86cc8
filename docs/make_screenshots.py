"""`make screenshots`: the README's pictures, taken from the demo offscreen.

Starts the demo as `ctctdesk --demo` does (sample CRM, the built-in Constant Contact sandbox, connected),
opens the main window at a common laptop size and visits each tab as a person would: a list with a
filter, the companies, a preview of "Update Constant Contact from CRM", the summary of that run with
the history, Settings → Constant Contact and Settings → Email service. Then the same demo with Campaign
Monitor as the email service (`ctctdesk --demo --service campaign-monitor`): the Synchronize tab after a
pull, Settings → Campaign Monitor, connected and (on a fresh page) choosing among two clients, and
Settings → Field mapping stating Campaign Monitor's limits. Each view is saved to docs/screenshots/NN-name.png.
Regenerate them when the GUI changes; look at each one before committing.

Run: QT_QPA_PLATFORM=offscreen python docs/make_screenshots.py
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OUT = Path(__file__).resolve().parent / "screenshots"
SIZE = (1280, 800)
TIMEOUT = 120.0  # seconds any one step may take


def main() -> int:
    from PySide6.QtWidgets import QApplication

    from ctctdesk.app import APP_NAME, build_window
    from ctctdesk.crm.models import Contact, EmailList
    from ctctdesk.demo import SHARED_LIST, start_demo
    from ctctdesk.ui.connection_page import PAGE_TITLE

    app = QApplication.instance() or QApplication([APP_NAME])
    app.setApplicationName(APP_NAME)

    def wait_until(what: str, condition: Callable[[], bool], settle: float = 0.3) -> None:
        """Run the event loop until `condition` holds, then a moment more so the view is painted."""
        deadline = time.monotonic() + TIMEOUT
        while not condition():
            if time.monotonic() > deadline:
                raise SystemExit(f"make_screenshots: {what} did not happen within {TIMEOUT:.0f} s")
            app.processEvents()
            time.sleep(0.02)
        end = time.monotonic() + settle
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)

    demo = start_demo()
    window = build_window(demo.data_dir, context=demo.context)
    try:
        window.resize(*SIZE)
        window.show()
        tab_index = {window.tabs.tabText(i): i for i in range(window.tabs.count())}
        sync = window.sync_tab
        window.tabs.setCurrentWidget(sync)  # its first showing reads the connection state
        wait_until("the connection", lambda: sync.connected)
        sync.start_activation()  # as `ctctdesk --demo` does (a no-op when the connection started it)
        wait_until("the initial activation", lambda: sync.idle and sync.last_summary is not None)
        OUT.mkdir(parents=True, exist_ok=True)

        def shoot(name: str) -> None:
            path = OUT / f"{name}.png"
            window.grab().save(str(path))
            print(f"wrote {path.relative_to(OUT.parent.parent)}")

        # 1. Manage Email Lists: the shared list, customers only, searched for a company
        window.tabs.setCurrentIndex(tab_index["Manage Email Lists"])
        lists = window.tabs.widget(tab_index["Manage Email Lists"])
        lists.select_list(EmailList.get(EmailList.name == SHARED_LIST).id)
        lists.type_filter.setCurrentIndex(lists.type_filter.findData("customer"))
        lists.apply_filters()
        wait_until("the filtered contacts", lambda: lists.contacts_model.rowCount() > 0)
        shoot("01-lists")

        # 2. Companies: the first company selected, its people and the contact editor below
        companies = window.tabs.widget(tab_index["Companies"])
        window.tabs.setCurrentWidget(companies)
        wait_until("the companies", lambda: companies.isVisible())
        wait_until("the company list", lambda: companies.company_table.model().rowCount() > 0)
        companies.company_table.selectRow(2)
        wait_until("the company's people", lambda: bool(companies.current_company_id()))
        person = (Contact.select().where((Contact.company == companies.current_company_id())
                                         & Contact.email.is_null(False)).order_by(Contact.id).first())  # fmt: skip
        companies.select_contact(person.id)
        wait_until("the contact editor", lambda: True, settle=0.6)
        shoot("02-companies")

        # 3. Synchronize: the preview of a push
        window.tabs.setCurrentWidget(sync)
        wait_until("the Synchronize tab", lambda: sync.idle and sync.connected)
        sync.choose("to_cc")
        wait_until("the push preview", lambda: sync.idle and sync.preview is not None)
        shoot("03-sync-preview")

        # 4. Synchronize: the run's summary and the history below it
        before = sync.last_summary
        sync.start_run(force=True)
        wait_until("the push", lambda: sync.idle and sync.last_summary is not before, settle=0.8)
        shoot("04-sync-summary")

        # 5. Settings → Constant Contact
        window.settings_tab.show_page(PAGE_TITLE)
        wait_until("the Constant Contact page", lambda: window.settings_tab.isVisible(), settle=0.8)
        shoot("05-constant-contact")

        # 6. Settings → Email service, Campaign Monitor ticked (not switched)
        window.settings_tab.show_page("Email service")
        window.service_pages.chooser.select("campaign-monitor")
        wait_until("the Email service page", lambda: window.settings_tab.isVisible(), settle=0.5)
        shoot("06-email-service")
    finally:
        window.close()
        demo.context.close()
        demo.stop()
    campaign_monitor_shots(app, wait_until, SIZE)
    return 0


def campaign_monitor_shots(app, wait_until, size) -> None:
    """The demo with Campaign Monitor: the Synchronize tab after the pull and a push preview, Settings →
    Campaign Monitor connected, and the client picker of a key that reaches two clients."""
    from ctctdesk.app import build_window
    from ctctdesk.demo import start_cmon_demo

    demo = start_cmon_demo()
    window = build_window(demo.data_dir, context=demo.context)
    try:
        window.resize(*size)
        window.show()

        def shoot(name: str, widget=None) -> None:
            path = OUT / f"{name}.png"
            (widget or window).grab().save(str(path))
            print(f"wrote {path.relative_to(OUT.parent.parent)}")

        sync = window.sync_tab
        window.tabs.setCurrentWidget(sync)
        wait_until("the connection", lambda: sync.connected)
        sync.start_activation()
        wait_until("the initial activation", lambda: sync.idle and sync.last_summary is not None)
        sync.choose("to_cc")
        wait_until("the push preview", lambda: sync.idle and sync.preview is not None, settle=0.6)
        shoot("07-campaign-monitor-sync")

        window.settings_tab.show_page("Campaign Monitor")
        page = window.service_pages.page
        wait_until("the Campaign Monitor page", lambda: page.status is not None and not page.busy, settle=0.6)
        shoot("08-campaign-monitor")

        # the page as it asks which client, for an agency key reaching two (shown on its own)
        from ctctdesk.cmon.connection import ClientChoice

        page._key_checked(("choose", [ClientChoice("c-1", "Demo Office"), ClientChoice("c-2", "Harbour Bakery")]))
        page.apiKeyEdit.setText("an api key")
        wait_until("the client picker", lambda: page.clientBox.isVisible(), settle=0.4)
        shoot("09-campaign-monitor-client")

        window.settings_tab.show_page("Field mapping")
        wait_until("the Field mapping page", lambda: window.settings_tab.isVisible(), settle=0.5)
        shoot("10-campaign-monitor-field-mapping")
    finally:
        window.close()
        demo.context.close()
        demo.stop()


if __name__ == "__main__":
    sys.exit(main())
