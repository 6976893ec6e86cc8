"""The composition root: the one place that builds the object graph, for the GUI and the command line.

`build_context(data_dir)` opens the database, the settings and the log file of a data folder;
`build_window(data_dir)` adds the main window on top without starting the event loop (tests, scripts);
`run_gui(args)` is what `ctctdesk` without a sub-command runs (for `--demo` the command line passes demo
mode's own session opener instead of the data folder's; this module never imports the demo). Later
layers (Constant Contact client, sync service) are created here too, so no module reaches for a global.
"""

from __future__ import annotations

import argparse
import logging
import logging.handlers
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import peewee

from ctctdesk import email_services
from ctctdesk.email_services import ActiveConnection
from ctctdesk.file_problems import DataFileError, cannot_use_folder, problem_of
from ctctdesk.settings_store import SETTINGS_FILE_NAME, SettingsStore

if TYPE_CHECKING:
    from ctctdesk.sync.service import SyncService
    from ctctdesk.ui.main_window import MainWindow

APP_NAME = "ctctdesk"
LOG_FILE_NAME = "ctctdesk.log"
DATABASE_URL_SETTING = "database_url"

log = logging.getLogger(__name__)


@dataclass
class AppContext:
    """Everything a feature needs from the outside world, built once per data folder."""

    data_dir: Path
    database: peewee.Database
    database_url: str
    settings: SettingsStore
    log_path: Path
    demo: bool = False
    extras: dict[str, Any] = field(default_factory=dict)
    #: the connection to the data folder's email service (settings, keyring, API client): Constant
    #: Contact's `Connection` or Campaign Monitor's `CmonConnection`, behind one `ActiveConnection`
    #: that follows a switch of service (Settings → Email service)
    connection: ActiveConnection | None = None
    #: the sync service (created always; it raises a clear SyncError "Not connected to Constant
    #: Contact" when it needs an account and there is none)
    sync: SyncService | None = None
    #: the window's task runner (`ctctdesk.ui.tasks.TaskRunner`), set by `build_window`; None on the
    #: command line, so this module stays free of Qt
    tasks: Any = None
    #: the window's dialog seam (`ctctdesk.ui.interaction.Interaction`), set by `build_window`; every
    #: question and message of the window goes through it, and tests answer it
    ask: Any = None
    #: the CSV the last disconnect wrote of the lists it removed (None: none written yet / no members)
    last_disconnect_backup: Path | None = None

    def close(self) -> None:
        """Stop background work and close the database; call once the window (or command) is done."""
        from ctctdesk.crm.db import close_database

        if self.tasks is not None:
            self.tasks.shutdown()  # cancels and waits (bounded) for work still running
        close_database()


def resolve_data_dir(args: argparse.Namespace | None = None) -> Path:
    """--data-dir when given, else the platform's user data folder (e.g. ~/.local/share/ctctdesk)."""
    chosen = getattr(args, "data_dir", None) if args is not None else None
    if chosen:
        return Path(chosen).expanduser().resolve()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


_log_handler: logging.Handler | None = None


def configure_logging(data_dir: Path) -> Path:
    """Log to a rotating file in <data dir>/logs (replacing the handler of an earlier data folder)."""
    global _log_handler
    log_dir = data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    if _log_handler is not None:
        root.removeHandler(_log_handler)
        _log_handler.close()
    handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=2_000_000, backupCount=5, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    from ctctdesk.ctct.redaction import RedactingFilter

    handler.addFilter(RedactingFilter())  # tokens, codes and verifiers never reach the file (C3)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    _log_handler = handler
    return log_path


def prepare_data_folder(data_dir: Path) -> Path:
    """Create the data folder when missing and log to it; a DataFileError when it may not be written
    (read-only, another user's), said before anything else fails on it. Returns the log file."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        return configure_logging(data_dir)
    except OSError as error:
        raise DataFileError(cannot_use_folder(data_dir, error), path=data_dir, problem=problem_of(error)) from None


def build_context(data_dir: Path, *, demo: bool = False, sandbox_url: str | None = None) -> AppContext:
    """Open (creating when missing) the data folder: logs, settings, database with up-to-date schema.

    `sandbox_url` points the chosen service's connection at a sandbox (--sandbox, demo mode).
    """
    from ctctdesk.crm.db import database_url_for, open_database

    data_dir = Path(data_dir)
    log_path = prepare_data_folder(data_dir)
    settings = SettingsStore(data_dir / SETTINGS_FILE_NAME)  # raises SettingsError, never falls back
    url = settings.get(DATABASE_URL_SETTING) or database_url_for(data_dir)
    database = open_database(url)
    context = AppContext(
        data_dir=data_dir,
        database=database,
        database_url=url,
        settings=settings,
        log_path=log_path,
        demo=demo,
    )
    if sandbox_url:
        context.extras["sandbox_url"] = sandbox_url
    service = email_services.chosen_service(settings)
    try:
        attach_connection(context, open_service_connection(service, data_dir, sandbox_url))  # no network yet
    except BaseException:  # a damaged connection file: the caller gets no context to close
        context.close()
        raise
    return context


def open_service_connection(service: str, data_dir: Path, sandbox_url: str | None = None) -> Any:
    """The connection of `service` for a data folder (no network, no keyring yet)."""
    if service == email_services.CAMPAIGN_MONITOR:
        from ctctdesk.cmon.connection import CmonConnection

        return CmonConnection.open(data_dir, sandbox_url, service_factory=campaign_monitor_service)
    from ctctdesk.ctct.connection import Connection

    return Connection.open(data_dir, sandbox_url)


def campaign_monitor_service(*, base_url: str, credentials: Any, client_id: str, clock: Any,
                             quota: Any = None, origin: str | None = None, save_tokens: Any = None) -> Any:
    """The sync engine's Campaign Monitor service for the chosen client, over the wire client: the
    connection (in `ctctdesk.cmon`, which may not import the sync layer) gets it from here."""
    from ctctdesk.cmon import wiring
    from ctctdesk.sync.campaign_monitor.factory import service_over

    # the wire client of the connection (its requests counted in the day's count), under the adapter
    client = wiring.open_client(base_url, credentials, clock=clock, quota=quota, origin=origin,
                                save_tokens=save_tokens)
    return service_over(client, client_id)


def service_of(connection: Any) -> str:
    """Which service a bare connection talks to (by the name it gives itself)."""
    name = getattr(connection, "display_name", email_services.DISPLAY_NAMES[email_services.CONSTANT_CONTACT])
    for key, display in email_services.DISPLAY_NAMES.items():
        if display == name:
            return key
    return email_services.CONSTANT_CONTACT


def attach_connection(context: AppContext, connection: Any) -> None:
    """Give the context its email service's connection and the sync service over it and the CRM.

    One place for the wiring, so demo mode (which brings a sandbox connection of its own) gets the same:
    a disconnect, from the window or the command line, also takes the service's lists out of the CRM
    (C6). A bare connection is wrapped in the `ActiveConnection` that follows a switch of service.
    """
    from ctctdesk.sync.mapping import load_mapping
    from ctctdesk.sync.service import SyncService

    if not isinstance(connection, ActiveConnection):
        connection = ActiveConnection(service_of(connection), connection)
    context.connection = connection
    settings = context.settings
    context.sync = SyncService(context.database, connection,
                               mapping=(lambda: load_mapping(settings)) if settings is not None else None)
    connection.add_disconnect_hook(lambda: forget_account_with_backup(context))


def switch_service(context: AppContext, service: str, connection: Any = None) -> bool:
    """Make `service` the data folder's email service; True when it changed.

    Switching is a disconnect of the other service first, with its backup and the removal of its lists
    from the CRM (C6, the disconnect hook); only then is the choice saved in settings.json and the new
    service's connection (`connection`, or the data folder's own) put in place. The caller asks the user
    before (it removes lists); a disconnect that fails raises and nothing is switched.
    """
    active = context.connection
    assert active is not None
    email_services.check_service(service)
    if active.service == service:
        return False
    if active.status().state.value != "not connected":
        active.disconnect()
    context.settings.set(email_services.SETTING, service)
    if connection is None:
        connection = open_service_connection(service, context.data_dir, context.extras.get("sandbox_url"))
    active.switch(service, connection)
    log.info("Email service switched to %s", email_services.display_name(service))
    return True


def forget_account_with_backup(context: AppContext) -> int:
    """The CRM half of a disconnect (C6), for the window and the command line alike: first a backup of
    the lists about to leave (``<data folder>/backups/``, readable by import-csv), then their removal.
    A backup that cannot be written raises, and then nothing is removed."""
    from ctctdesk.sync.lists_backup import write_backup

    context.last_disconnect_backup = write_backup(context.data_dir)
    if context.last_disconnect_backup is not None:
        name = context.connection.display_name if context.connection is not None else "the email service"
        log.info("Lists linked to %s backed up to %s", name, context.last_disconnect_backup)
    assert context.sync is not None
    return context.sync.forget_account()


def build_window(data_dir: Path, *, context: AppContext | None = None) -> MainWindow:
    """The main window of a data folder with every tab, shown by the caller; no event loop is started.

    Needs a QApplication (created here when there is none). The window owns its context:
    `window.context.close()` after closing the window releases the database.
    """
    from PySide6.QtWidgets import QApplication

    from ctctdesk.ui import companies_feature
    from ctctdesk.ui.crm_events import CrmChange
    from ctctdesk.ui.general_page import GeneralPage
    from ctctdesk.ui.interaction import Interaction
    from ctctdesk.ui.lists_tab import ListsTab
    from ctctdesk.ui.main_window import MainWindow
    from ctctdesk.ui.menus import install_menus
    from ctctdesk.ui.tasks import TaskRunner, ensure_event_loop

    app = QApplication.instance() or QApplication([APP_NAME])
    ensure_event_loop(app)  # the same asyncio loop on Qt's event loop as `ctctdesk` runs
    if context is None:
        context = build_context(Path(data_dir))
    if context.tasks is None:
        context.tasks = TaskRunner()  # one per window's context; the window shuts it down on close
    if context.ask is None:
        context.ask = Interaction()
    window = MainWindow(context)
    lists_tab = ListsTab(tasks=context.tasks)
    lists_tab.service_name = lambda: email_services.name_in_use(context.connection)
    window.add_tab(lists_tab, "Manage Email Lists")
    window.settings_tab.add_page("General", GeneralPage(context))
    # Companies tab, Settings → Marketing Tags / Email rules; CRM edits reload the lists tab.
    feature = companies_feature.install(window, lists_tab)
    lists_tab.use_undo_stack(feature.undo_stack)  # ticks undo from the same stack and Edit menu
    window.undo_stack = feature.undo_stack

    def open_company(company_id: int) -> None:
        window.tabs.setCurrentWidget(feature.companies_tab)
        feature.companies_tab.show_company(company_id)

    lists_tab.openCompanyRequested.connect(open_company)
    everything = (
        CrmChange.COMPANIES | CrmChange.CONTACTS | CrmChange.TAGS | CrmChange.COMPANY_TAGS | CrmChange.MEMBERSHIPS
    )
    # After a sync every tab is brought up to date (the company counts too), through the one event hub.
    install_constant_contact_ui(window, context, on_crm_changed=lambda: feature.events.emit(everything))
    install_auto_sync(window, context, on_crm_changed=lambda: feature.events.emit(everything))
    install_field_mapping(window, context)
    install_menus(window)
    window.restore_state()
    return window


def install_constant_contact_ui(
    window: MainWindow, context: AppContext, *, on_crm_changed: Any = None
) -> None:
    """Settings → Email service with the page of the service in use (Constant Contact or Campaign
    Monitor; unless mounted already) and the Synchronize tab, on one connection."""
    from ctctdesk.ui.connection_page import PAGE_TITLE, make_connection_page
    from ctctdesk.ui.email_service_page import PAGE_TITLE as SERVICE_PAGE_TITLE
    from ctctdesk.ui.email_service_page import ServicePages
    from ctctdesk.ui.sync_tab import install_sync_ui

    page = None
    titles = window.settings_tab.page_titles()
    if PAGE_TITLE not in titles and SERVICE_PAGE_TITLE not in titles:
        page = ServicePages(window, context, switch=lambda service: switch_service(context, service),
                            mount_constant_contact=lambda: make_connection_page(window, context))
        window.service_pages = page
    window.sync_tab = install_sync_ui(
        window,
        context,
        connection_page=page,
        on_crm_changed=on_crm_changed,
        note=context.extras.get("demo_note", ""),
    )


def install_auto_sync(window: MainWindow, context: AppContext, *, on_crm_changed: Any = None) -> None:
    """Settings → Automatic sync, its timer and the tray icon (X2); after each scheduled attempt the
    Synchronize tab's history (and, when the run changed something, every tab) is brought up to date."""
    from ctctdesk.ui.auto_sync import AutoSync
    from ctctdesk.ui.schedule_page import PAGE_TITLE, SchedulePage
    from ctctdesk.ui.tray import TrayController

    sync_tab = window.sync_tab
    connection = context.connection
    assert connection is not None

    auto = AutoSync(service=context.sync, status=lambda: connection.status(), settings=context.settings,
                    tasks=context.tasks, window_busy=lambda: sync_tab.busy, parent=window)  # fmt: skip

    def attempted(attempt: Any) -> None:
        sync_tab.reload_history()
        if attempt.summary is None or not sum(attempt.summary.counts.values()):
            return
        if on_crm_changed:
            on_crm_changed()
        if sync_tab.preview is not None and sync_tab.direction is not None and not sync_tab.busy:
            sync_tab.choose(sync_tab.direction)  # the preview shown is out of date: Run must not apply it

    auto.attempted.connect(attempted)
    window.settings_tab.add_page(PAGE_TITLE, SchedulePage(auto, service_name=lambda: connection.display_name))
    window.auto_sync = auto
    window.tray = TrayController(window, auto)
    auto.start()


def install_field_mapping(window: MainWindow, context: AppContext) -> None:
    """Settings → Field mapping (R11), over the data folder's settings and the CRM's custom fields."""
    from ctctdesk.sync.local_reader import custom_field_use, custom_field_values
    from ctctdesk.sync.service import known_cc_field_labels
    from ctctdesk.ui.field_mapping_page import PAGE_TITLE, FieldMappingPage

    window.settings_tab.add_page(PAGE_TITLE, FieldMappingPage(context.settings, custom_field_use,
                                                              cc_labels=known_cc_field_labels,
                                                              field_values=custom_field_values,
                                                              service_name=lambda: email_services.name_in_use(
                                                                  context.connection)))


@dataclass
class GuiSession:
    """What `run_gui` opens the window on, and what it does once the window shows and after it closed.

    `open_data_folder` makes the usual one; demo mode (`ctctdesk.demo`) brings a sandbox-backed one.
    """

    data_dir: Path
    context: AppContext
    after_show: Callable[[MainWindow], None] | None = None
    after_close: Callable[[], None] | None = None


def open_data_folder(args: argparse.Namespace) -> GuiSession:
    """The session of the data folder the options name (--data-dir, --sandbox)."""
    data_dir = resolve_data_dir(args)
    return GuiSession(data_dir, build_context(data_dir, sandbox_url=getattr(args, "sandbox", None)))


def _display_available() -> bool:
    """False on a Linux/BSD machine without X11 or Wayland, where Qt would abort with a cryptic message."""
    import os
    import sys

    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_gui(
    args: argparse.Namespace, open_session: Callable[[argparse.Namespace], GuiSession] = open_data_folder
) -> int:
    """Open the main window on `open_session(args)` and run the Qt event loop, with qasync's asyncio loop
    on it (the same loop, made the same way, as the GUI tests run: `ctctdesk.ui.tasks.ensure_event_loop`).
    A CrmError, CtctError or a data file that cannot be used (settings, database) while opening is
    shown in one message box before any window, and the exit code is not zero."""
    import sys

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ctctdesk.crm.errors import CrmError
    from ctctdesk.ctct.errors import CtctError

    if not _display_available():
        print(
            "ctctdesk: no display found to open the window on. Start it from a desktop session, or on a "
            "machine without one use `xvfb-run ctctdesk ...` (or QT_QPA_PLATFORM=offscreen for scripts).",
            file=sys.stderr,
        )
        return 1
    from ctctdesk.ui.tasks import close_event_loop, ensure_event_loop

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("ctctdesk")
    app.setDesktopFileName("ctctdesk")  # Wayland and the taskbar find the menu entry and its icon by this
    loop = ensure_event_loop(app)
    try:
        session = open_session(args)
    except (CrmError, CtctError, DataFileError) as error:
        from ctctdesk.ui.interaction import Interaction

        Interaction().warn(None, "ctctdesk", str(error))
        return 1
    window = build_window(session.data_dir, context=session.context)
    window.show()
    # once the event loop has painted it: the log says when the window was up (benchmarks/bench_startup.py)
    QTimer.singleShot(0, lambda: log.info("Main window shown"))
    if session.after_show is not None:
        session.after_show(window)
    try:
        app.exec()
    finally:
        session.context.close()  # cancels and waits for background work, then closes the database
        close_event_loop(loop)
        if session.after_close is not None:
            session.after_close()
    return 0
