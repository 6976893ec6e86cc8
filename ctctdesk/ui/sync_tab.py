"""The Synchronize tab (S1–S5): choose a direction, preview, run, watch, read the summary and the history.

The tab only shows: what may be pressed, and why, comes from `ctctdesk.sync.controller.SyncController`
(Qt-free, tested without a window); every call into the sync service runs through the window's task
runner (`ctctdesk.ui.tasks`) as a coroutine awaiting a worker thread, so the window stays responsive,
progress arrives throttled on the GUI thread, and Cancel sets the `threading.Event` the engine checks
between steps. Run applies exactly the `Preview` the user saw (the service refuses to re-plan behind
the user's back), and asks first when the mass-change guard tripped (R14).

This module is the glue between the controller, the task runner and the widgets; the widgets themselves
are built in `ctctdesk.ui.sync_page` (the page), `ctctdesk.ui.sync_views` (preview and summary trees) and
`ctctdesk.ui.sync_history` (the history panel).

Object names tests drive (issue 5): syncTab, pushButton, pullButton, previewButton, runButton, fullCheckBox,
cancelButton, syncProgress, syncPhaseLabel, planView, summaryView, historyView.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QWidget

from ctctdesk.ctct.connection import ConnectionState, ConnectionStatus
from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError
from ctctdesk.sync.controller import (
    ACTIVATION_HINT,
    NOT_CONNECTED_TEXT,
    RUN_TEXT,
    NotAllowed,
    SyncController,
    SyncState,
)
from ctctdesk.sync.errors import GuardTripped, SyncCancelled, SyncError
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.presenting import (
    DEFAULT_SERVICE,
    change_count,
    direction_text,
    for_service,
    plan_tree,
    side_of,
    summary_tree,
)
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.sync_history import HistoryPanel
from ctctdesk.ui.sync_page import BUTTON_TEXT, PULL_WARNING, PUSH_WARNING, SyncPage
from ctctdesk.ui.sync_views import PlanPanel, SummaryPanel
from ctctdesk.ui.tasks import TaskFailed, TaskHandle, TaskRunner

if TYPE_CHECKING:
    from ctctdesk.ui.context import UiContext

log = logging.getLogger(__name__)

__all__ = ["SyncTab", "install_sync_ui", "ACTIVATION_HINT", "NOT_CONNECTED_TEXT", "RUN_TEXT", "TAB_TITLE"]

TAB_TITLE = "Synchronize"
CONNECTION_PAGE_TITLE = "Constant Contact"
BROKEN_TEXT = ("The connection to Constant Contact is broken. Reconnect in Settings → Constant Contact; "
               "nothing is lost, the next sync catches up.")
QUEUED_TEXT = "Queued at Constant Contact — your data will be processed. ctctdesk keeps checking."


class _StatusBridge(QObject):
    """Carries connection state changes from any thread to the GUI thread."""

    changed = Signal(object)


class SyncTab(QWidget):
    """The tab. `service` is the SyncService; `connection` tells connected or not (and changes);
    `tasks` runs the service's calls (the window's runner; a tab on its own makes one)."""

    crmChanged = Signal()  # a run changed the CRM: the lists tab reloads
    openSettingsRequested = Signal()  # "Open Settings → Constant Contact"
    reconnectNeeded = Signal()  # Constant Contact refused the access during a preview or run (C7)
    progressed = Signal(object)  # each Progress shown, on the GUI thread (throttled; status bar, tests)

    def __init__(self, service: Any, connection: Any, parent: QWidget | None = None, *,
                 tasks: TaskRunner | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("syncTab")
        self.service = service
        self.connection = connection
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self.controller = SyncController()
        self._status: ConnectionStatus | None = None
        self._reads = 0  # background reads (status, history, details) under way; they do not make it busy
        self.last_summary: Any = None
        self.last_error: str = ""
        self._read_error = ""  # the message of a failed background read, cleared by the next good one
        self._build()
        self._bridge = _StatusBridge(self)
        self._bridge.changed.connect(self._show_connection, Qt.ConnectionType.QueuedConnection)
        listener = self._bridge.changed.emit
        connection.add_listener(listener)
        self.destroyed.connect(lambda *_: connection.remove_listener(listener))
        self._update_buttons()
        self._first_shown = False

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        """Read the connection state when the tab is first looked at, not at start-up (a window opened on
        another tab does no sync work at all), and the history each time: scheduled and command-line
        runs add to it behind the tab's back."""
        super().showEvent(event)
        if not self._first_shown:
            self._first_shown = True
            self.refresh_connection()
        self.reload_history()

    # -- layout -------------------------------------------------------------------------------------
    def _build(self) -> None:
        """The page (`ctctdesk.ui.sync_page`) around the preview, summary and history panels; the names
        below are the ones the glue and the tests use."""
        self.plan_panel = PlanPanel()
        self.summary_panel = SummaryPanel()
        self.history_panel = HistoryPanel()
        self.page = page = SyncPage(self, self.plan_panel, self.summary_panel, self.history_panel)
        self.connectionBox, self.connectionLabel = page.connectionBox, page.connectionLabel
        self.openSettingsButton, self.noteLabel = page.openSettingsButton, page.noteLabel
        self.activationHint = page.activationHint
        self.pushButton, self.pullButton = page.pushButton, page.pullButton
        self.pushWarning, self.pullWarning = page.pushWarning, page.pullWarning
        self.previewButton, self.runButton, self.cancelButton = page.previewButton, page.runButton, page.cancelButton
        self.fullCheckBox = page.fullCheckBox
        self.syncProgress, self.syncPhaseLabel = page.syncProgress, page.syncPhaseLabel
        self.messageLabel = page.messageLabel
        self.splitter, self.right_splitter = page.splitter, page.right_splitter
        self.planTitle, self.pendingLabel = self.plan_panel.planTitle, self.plan_panel.pendingLabel
        self.plan_model, self.planView = self.plan_panel.plan_model, self.plan_panel.planView
        self.guardLabel = self.plan_panel.guardLabel
        self.summaryTitle = self.summary_panel.summaryTitle
        self.summary_model, self.summaryView = self.summary_panel.summary_model, self.summary_panel.summaryView
        self.history_model, self.historyView = self.history_panel.history_model, self.history_panel.historyView

        self.openSettingsButton.clicked.connect(self.openSettingsRequested)
        for button, direction in ((self.pushButton, Direction.TO_CC), (self.pullButton, Direction.FROM_CC)):
            button.clicked.connect(lambda _checked=False, d=direction: self.choose(d))
        self.previewButton.clicked.connect(self.start_preview)
        self.runButton.clicked.connect(self.start_run)
        self.cancelButton.clicked.connect(self.cancel)
        self.fullCheckBox.toggled.connect(self._full_check_toggled)
        self.history_panel.runSelected.connect(self._show_run)
        self.plan_panel.show_placeholder()
        self.summary_panel.show_placeholder()
        self._show_service_name()

    # -- state --------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.controller.busy

    @property
    def connected(self) -> bool:
        return self.controller.connected

    @property
    def preview(self) -> Any:
        return self.controller.preview

    @property
    def direction(self) -> Direction | None:
        return self.controller.direction

    def _update_buttons(self) -> None:
        """Show the controller's view: which buttons work, and the tooltip saying why (not)."""
        view = self.controller.view()
        self.activationHint.setVisible(view.activation_hint)
        for button, control, direction in ((self.pushButton, view.push, Direction.TO_CC),
                                           (self.pullButton, view.pull, Direction.FROM_CC)):
            button.setEnabled(control.enabled)
            button.setChecked(view.chosen is direction)
            button.setToolTip(self._say(control.reason))
        self.previewButton.setEnabled(view.preview.enabled)
        self.runButton.setEnabled(view.run.enabled)
        self.runButton.setText(self._say(view.run_text))
        self.cancelButton.setEnabled(view.cancel.enabled)
        self.fullCheckBox.setEnabled(view.full_check.enabled)
        self.fullCheckBox.setToolTip(self._say(view.full_check.reason))
        if self.fullCheckBox.isChecked() != view.full_checked:
            self.fullCheckBox.setChecked(view.full_checked)
        self.historyView.setEnabled(True)

    @Slot(bool)
    def _full_check_toggled(self, checked: bool) -> None:
        try:
            self.controller.set_full_check(checked)
        except NotAllowed:
            pass
        self._update_buttons()

    # -- connection ---------------------------------------------------------------------------------
    def refresh_connection(self) -> None:
        """Read the connection state in the background (keyring access can be slow)."""
        self._read("Constant Contact status", lambda handle: self.connection.status(), self._show_connection,
                   on_failure=self._connection_unknown)

    def _connection_unknown(self, failure: TaskFailed) -> None:
        """The state could not be read (e.g. no keyring): behave as not connected, and say why."""
        self._status = None
        self.controller.set_connection(None)
        self._set_connection_text(failure.message if isinstance(failure.error, CtctError)
                                     else NOT_CONNECTED_TEXT)  # fmt: skip
        self.connectionBox.show()
        self._update_buttons()

    # -- the service's name -------------------------------------------------------------------------
    @property
    def service_name(self) -> str:
        """The email service the tab talks to ("Campaign Monitor"), from the connection."""
        name = getattr(self.connection, "display_name", None)
        return name if isinstance(name, str) and name else DEFAULT_SERVICE

    def _say(self, text: str) -> str:
        """A text written for Constant Contact, worded for the service in use."""
        name = self.service_name
        return text if name == DEFAULT_SERVICE else text.replace(DEFAULT_SERVICE, name)

    def _set_phase(self, text: str) -> None:
        self.syncPhaseLabel.setText(self._say(text))

    def _set_connection_text(self, text: str) -> None:
        self.connectionLabel.setText(self._say(text))

    def _show_service_name(self) -> None:
        """Buttons, warnings and hints name the service in use (again after a switch of service)."""
        self.pushButton.setText(self._say(BUTTON_TEXT[Direction.TO_CC]))
        self.pullButton.setText(self._say(BUTTON_TEXT[Direction.FROM_CC]))
        self.pushWarning.setText(self._say(PUSH_WARNING))
        self.pullWarning.setText(self._say(PULL_WARNING))
        self.activationHint.setText(self._say(ACTIVATION_HINT))
        self.openSettingsButton.setText(f"Open Settings → {self.service_name}")

    @Slot(object)
    def _show_connection(self, status: ConnectionStatus) -> None:
        self._show_service_name()
        was = self._status.state if self._status is not None else None
        self._status = status
        first_connection = self.controller.set_connection(status.state)
        if status.state is ConnectionState.NOT_CONNECTED and was not in (None, ConnectionState.NOT_CONNECTED):
            # A disconnect took the Constant Contact lists out of the CRM (C6): the lists tab must
            # not keep showing them, and the next connection starts with an activation again.
            self.crmChanged.emit()
        elif first_connection:
            # A first connection is an initial activation (C5): Constant Contact's lists and contacts
            # come into the CRM before anything can be pushed. A reconnect after a break is not one.
            QTimer.singleShot(0, self, self.start_activation)
        if status.state is ConnectionState.CONNECTED:
            self.connectionBox.hide()
        else:
            self._set_connection_text(BROKEN_TEXT if status.state is ConnectionState.BROKEN
                                         else NOT_CONNECTED_TEXT)
            self.connectionBox.show()
            if not self.busy:
                self._set_phase(NOT_CONNECTED_TEXT)
            if status.state is ConnectionState.BROKEN:
                self.reload_history()  # the service recorded "Connection broken: …" (C7)
        self._update_buttons()

    def set_note(self, text: str) -> None:
        """A standing note above the buttons (demo mode says where the data lives)."""
        self.noteLabel.setText(text)
        self.noteLabel.setVisible(bool(text))

    # -- activation (C5) ----------------------------------------------------------------------------
    @Slot()
    def start_activation(self) -> None:
        """The first pull after connecting: Constant Contact's lists and contacts come into the CRM."""
        try:
            cancel = self.controller.begin_activation()
        except NotAllowed:
            return
        self._show_preview(None)
        self.planTitle.setText("Preview")

        def work(handle: TaskHandle) -> tuple[Any, Any]:
            summary = self.service.activate(on_progress=handle.report, cancel=cancel)
            return summary, for_service(summary_tree(summary), getattr(summary, "service", ""))

        self._start("initial activation", work, cancel,
                    "Initial activation: bringing Constant Contact's lists into the CRM…", self._activated)

    def _activated(self, result: tuple[Any, Any]) -> None:
        summary, tree = result
        self.controller.finished(summary)
        self.last_summary = summary
        self._show_summary(tree, title="Initial activation")
        first = tree.children[0].text if tree.children else "Done"
        self._set_phase(f"Initial activation: {first.lower()}. Constant Contact's lists are now "
                                    "in the CRM; preview either direction to continue.")
        self.crmChanged.emit()
        self.reload_history(select_run=summary.run_id)

    # -- preview ------------------------------------------------------------------------------------
    def choose(self, direction: Direction | str) -> None:
        """Pick a direction (S1) and preview it at once (S2)."""
        try:
            self.controller.choose(direction)
        except NotAllowed:
            self._update_buttons()
            return
        self._show_preview(None)
        self.start_preview()

    @Slot()
    def start_preview(self) -> None:
        try:
            full = self.controller.preview_is_full
            direction, cancel = self.controller.begin_preview()
        except NotAllowed:
            self._update_buttons()
            return
        self._show_preview(None)
        self.plan_model.clear()
        service = self.service_name
        self.planTitle.setText(f"Preview — {direction_text(direction, service)}")

        def work(handle: TaskHandle) -> tuple[Any, Any]:
            preview = self.service.preview(direction, on_progress=handle.report, cancel=cancel, full=full)
            extra = {"not_sent": preview.not_sent} if getattr(preview, "not_sent", ()) else {}
            tree = plan_tree(preview.plan, pending_other_way=preview.pending_other_way, **extra)
            return preview, for_service(tree, service)

        self._start("preview", work, cancel, "Reading both sides…", self._previewed)

    def _previewed(self, result: tuple[Any, Any]) -> None:
        preview, tree = result
        self.controller.previewed(preview)
        self._show_preview(preview)
        self.plan_panel.show_plan(tree)
        changes = change_count(tree)  # what the tree shows, not the engine's operation count
        target, _source = side_of(preview.plan.direction)
        if changes:
            self._set_phase(f"Preview ready: {changes:,} change{'s' if changes != 1 else ''} "
                                        f"to {target}. Nothing has been changed yet — press Run to apply.")
        elif not preview.plan.is_empty:
            self._set_phase("Preview ready: no data changes, only records of what both sides "
                                        "agree on. Run to save them.")
        else:
            self._set_phase(f"Nothing to change in {target}: both sides agree.")

    def _show_preview(self, preview: Any) -> None:
        self.plan_panel.show_labels(preview)
        self._update_buttons()

    # -- run ----------------------------------------------------------------------------------------
    def confirm(self, title: str, question: str) -> bool:
        """Ask the user; tests replace this method."""
        return interaction_for(self).confirm(self, title, question, warning=True)

    def _confirm_guard(self, reason: str) -> bool:
        return self.confirm("Large change — confirm the run",
                            f"{reason or 'This run removes much of what is linked.'}\n\n"
                            "This may mean one side was emptied by mistake. Run it anyway?")

    @Slot()
    def start_run(self, *, force: bool = False) -> None:
        preview = self.controller.preview
        if not self.controller.view().run.enabled:
            return
        if preview.needs_confirmation and not force:
            if not self._confirm_guard(preview.guard_reason):
                self._set_phase("Not run: nothing was changed.")
                return
            force = True
        preview, cancel = self.controller.begin_run()

        def work(handle: TaskHandle) -> tuple[Any, Any]:
            summary = self.service.run(preview, trigger="button", on_progress=handle.report, cancel=cancel,
                                       force=force)
            return summary, for_service(summary_tree(summary), getattr(summary, "service", ""))

        self._start("run", work, cancel, "Starting…", self._ran)

    def _ran(self, result: tuple[Any, Any]) -> None:
        summary, tree = result
        self.controller.finished(summary)
        self.last_summary = summary
        self._show_summary(tree, title="Summary of this run")
        first = tree.children[0].text if tree.children else "Done"
        if summary.ok and summary.direction in (Direction.TO_CC, Direction.FROM_CC):
            target, source = side_of(summary.direction)
            self._set_phase(f"{first}. {target[:1].upper() + target[1:]} now matches {source}.")
        else:
            self._set_phase(f"{first}. Preview again to see what is left.")
        self.planTitle.setText(self.planTitle.text().split(" (")[0] + " (already run)")
        if summary.direction in (Direction.FROM_CC, Direction.BOTH):
            self.crmChanged.emit()
        self.reload_history(select_run=summary.run_id)

    def _show_summary(self, tree: Any, *, title: str) -> None:
        self.summary_panel.show_summary(tree, title=title)

    @Slot()
    def cancel(self) -> None:
        if self.controller.cancel():
            self._set_phase("Cancelling — stopping cleanly after the current step…")
            self._update_buttons()

    # -- history ------------------------------------------------------------------------------------
    def reload_history(self, select_run: int | None = None) -> None:
        def loaded(result: tuple[list[Any], bool]) -> None:
            runs, pulled = result
            self.controller.set_has_pulled(pulled)
            self._update_buttons()
            self.history_panel.set_runs(runs, select_run)

        self._read("sync history", lambda handle: (self.service.history(), self.service.has_pulled()), loaded)

    def _show_run(self, run: Any) -> None:
        """The summary of the run selected in the history."""

        def work(handle: TaskHandle) -> tuple[Any, Any]:
            details = self.service.run_details(run.run_id)
            return details, for_service(summary_tree(details), getattr(details, "service", ""))

        def show(result: tuple[Any, Any]) -> None:
            details, tree = result
            started = details.started_at.astimezone() if details.started_at.tzinfo else details.started_at
            direction = direction_text(details.direction or "connection", getattr(details, "service", ""))
            self._show_summary(tree, title=f"Run of {started:%Y-%m-%d %H:%M} ({direction})")

        self._read("run details", work, show)

    # -- background work ----------------------------------------------------------------------------
    def _start(self, name: str, work: Callable[[TaskHandle], Any], cancel: threading.Event, phase: str,
               on_success: Callable[[Any], None]) -> None:  # fmt: skip
        """A preview, run or activation: the controller is busy already; show it and start the work."""
        self._clear_message()
        self._set_phase(phase)
        self.syncProgress.setRange(0, 0)  # busy until the engine tells a total
        self.syncProgress.show()
        self._update_buttons()
        self.tasks.spawn(self._work(name, work, cancel, on_success))

    async def _work(self, name: str, work: Callable[[TaskHandle], Any], cancel: threading.Event,
                    on_success: Callable[[Any], None]) -> None:  # fmt: skip
        try:
            result = await self.tasks.run(name, work, on_progress=self._progress, cancel=cancel)
        except TaskFailed as failure:
            self._failed(failure)
        else:
            try:
                on_success(result)
            except Exception:  # a bug in showing the result must not leave the tab busy for good
                log.exception("Showing the result of the %s failed", name)
                self.controller.failed()
        self.syncProgress.setRange(0, 1)
        self.syncProgress.setValue(1 if self.controller.state is SyncState.DONE else 0)
        self.syncProgress.hide()
        self._update_buttons()

    @Slot(object)
    def _progress(self, progress: Any) -> None:
        if not self.busy:
            return
        self.progressed.emit(progress)
        if progress.total > 0:
            self.syncProgress.setRange(0, progress.total)
            self.syncProgress.setValue(min(progress.done, progress.total))
        else:
            self.syncProgress.setRange(0, 0)
        if self.controller.cancelling:
            return  # keep saying "Cancelling…"
        if progress.queued:
            self._set_phase(QUEUED_TEXT)
            return
        text = progress.phase
        if progress.total > 0:
            text += f" — {progress.done:,} of {progress.total:,}"
        if progress.message:
            text += f": {progress.message}"
        self._set_phase(text)

    def _failed(self, failure: TaskFailed) -> None:
        error = failure.error
        cancelled = self.controller.cancelling
        self.controller.failed()
        if isinstance(error, GuardTripped) and self.controller.preview is not None:
            # the service saw more than the preview said: ask, then run the same preview again
            if self._confirm_guard(str(error)):
                self.controller.retry_run()
                QTimer.singleShot(0, self, lambda: self.start_run(force=True))
                return
            self._show_message("Not run: nothing was changed.", error=False)
            return
        if isinstance(error, SyncCancelled) or (cancelled and isinstance(error, SyncError)):
            self._show_message("Cancelled: nothing was changed.", error=False)
            self._set_phase("Cancelled.")
            return
        if isinstance(error, (AuthRevoked, AuthExpired)):
            self._show_message(f"{error} Reconnect in Settings → Constant Contact; nothing is lost.")
            self._set_phase("Stopped: the connection to Constant Contact needs attention.")
            self.reconnectNeeded.emit()
            self.reload_history()
            self.refresh_connection()
            return
        self._show_message(failure.message)
        self._set_phase("Stopped.")
        self.reload_history()

    def _show_message(self, text: str, *, error: bool = True) -> None:
        self.last_error = text if error else ""
        colour = "#b00020" if error else "#555"
        self.messageLabel.setStyleSheet(f"color: {colour};")
        self.messageLabel.setText(self._say(text))
        self.messageLabel.show()

    def _clear_message(self) -> None:
        self.last_error = ""
        self.messageLabel.clear()
        self.messageLabel.hide()

    def _read(self, name: str, work: Callable[[TaskHandle], Any], on_success: Callable[[Any], None], *,
              on_failure: Callable[[TaskFailed], None] | None = None) -> None:  # fmt: skip
        """A short background read (status, history) that does not make the tab busy."""
        self._reads += 1
        self.tasks.spawn(self._read_async(name, work, on_success, on_failure or self._read_failed))

    async def _read_async(self, name: str, work: Callable[[TaskHandle], Any], on_success: Callable[[Any], None],
                          on_failure: Callable[[TaskFailed], None]) -> None:  # fmt: skip
        try:
            result = await self.tasks.run(name, work)
        except TaskFailed as failure:
            self._reads -= 1
            on_failure(failure)
        else:
            self._reads -= 1
            if self._read_error and self.messageLabel.text() == self._read_error:
                self._clear_message()  # the read works again: its old error no longer holds
            self._read_error = ""
            on_success(result)

    def _read_failed(self, failure: TaskFailed) -> None:
        if isinstance(failure.error, NotImplementedError):
            log.info("The sync service does not offer this yet")
            return
        self._show_message(failure.message)
        self._read_error = failure.message

    @property
    def idle(self) -> bool:
        """No preview, run or background read in flight (tests wait for this)."""
        return not self.busy and self._reads == 0

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Cancel a running preview or run and wait for the work (window closing, tests): stops the task
        runner, which the window shares."""
        self.controller.cancel()
        self.tasks.shutdown(timeout_ms / 1000)

    # -- window state -------------------------------------------------------------------------------
    def save_state(self, settings: QSettings) -> None:
        settings.setValue("splitter", self.splitter.saveState())
        settings.setValue("rightSplitter", self.right_splitter.saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, splitter in (("splitter", self.splitter), ("rightSplitter", self.right_splitter)):
            state = settings.value(key)
            if state is not None:
                splitter.restoreState(state)



def install_sync_ui(window: Any, context: UiContext, *, connection_page: Any = None,
                    on_crm_changed: Callable[[], None] | None = None, note: str = "") -> SyncTab:  # fmt: skip
    """Mount the tab in the main window: Settings link, reconnect banner, lists reload. Closing the
    window stops a running sync cleanly (the task runner cancels and waits)."""
    tab = SyncTab(context.sync, context.connection, tasks=context.tasks)
    tab.set_note(note)
    window.add_tab(tab, TAB_TITLE)

    def open_settings() -> None:
        # the page of the service in use ("Constant Contact" or "Campaign Monitor")
        for title in (tab.service_name, CONNECTION_PAGE_TITLE):
            if title in window.settings_tab.page_titles():
                window.settings_tab.show_page(title)
                return

    tab.openSettingsRequested.connect(open_settings)
    if connection_page is not None:  # a page with a banner, or the pages of the email service
        tab.reconnectNeeded.connect(getattr(connection_page, "show_banner", None) or connection_page.banner.show)
    if on_crm_changed is not None:
        tab.crmChanged.connect(on_crm_changed)
    return tab
