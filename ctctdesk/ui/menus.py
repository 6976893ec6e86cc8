"""The menu bar: everything a person can do without a terminal (File, Edit, Help).

File → Import contacts from CSV… / Export contacts to CSV… run the same services as `ctctdesk import-csv`
and `export-csv`, on the window's task runner (a big file never freezes the window); the import's
per-row report is shown in a dialog and every tab is refreshed. Edit → Undo / Redo act on the shared
CRM undo stack. Help → Keyboard shortcuts and About (the facts `ctctdesk --version` prints too).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

from ctctdesk.about import about_text
from ctctdesk.ui.crm_events import CrmChange
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.tasks import TaskFailed
from ctctdesk.ui.undo import use_window_undo

if TYPE_CHECKING:
    from ctctdesk.crm.csv_io import ImportReport
    from ctctdesk.ui.main_window import MainWindow

CSV_FILTER = "CSV files (*.csv);;All files (*)"

SHORTCUTS = (
    ("Ctrl+Z", "Undo the last change (ticks, tags, moves, Do Not Contact)"),
    ("Ctrl+Shift+Z", "Redo"),
    ("Ctrl+F", "Search the table in front"),
    ("Ctrl+N", "New email list (Manage Email Lists)"),
    ("Space", "Tick or untick the contact in the current row"),
    ("F2", "Rename the selected list"),
    ("Delete", "Delete the selected list, company or contact (asks first)"),
    ("Ctrl+Q", "Quit"),
)


def import_report_details(report: ImportReport) -> str:
    """One line per reported row, in the order of the file: “line 7: not imported — email …”."""
    issues = [(issue, "not imported") for issue in report.errors] + [
        (issue, "imported with a warning") for issue in report.warnings
    ]
    return "\n".join(
        f"line {issue.line}: {kind} — {issue.message}" for issue, kind in sorted(issues, key=lambda p: p[0].line)
    )


class MenuBar:
    """Builds the menus on `window` and holds their actions (object names for tests and scripts)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        self.import_action = self._action("importCsvAction", "&Import contacts from CSV…", self.import_csv)
        self.export_action = self._action("exportCsvAction", "&Export contacts to CSV…", self.export_csv)
        self.quit_action = self._action("quitAction", "&Quit", window.close)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu("&Edit")
        stack = getattr(window, "undo_stack", None)
        if stack is not None:
            # One pair for the whole window, whichever tab is in front (installed after every tab).
            self.undo_action = stack.createUndoAction(edit_menu, "&Undo")
            self.undo_action.setObjectName("undoAction")
            self.redo_action = stack.createRedoAction(edit_menu, "&Redo")
            self.redo_action.setObjectName("redoAction")
            use_window_undo(window, self.undo_action, self.redo_action)
            edit_menu.addAction(self.undo_action)
            edit_menu.addAction(self.redo_action)

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = self._action("shortcutsAction", "&Keyboard shortcuts", self.show_shortcuts)
        self.about_action = self._action("aboutAction", "&About ctctdesk", self.show_about)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _action(self, name: str, text: str, slot) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)  # shortcuts work while the menu is closed
        return action

    @property
    def ask(self):
        return interaction_for(self.window)

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    # --- File ---------------------------------------------------------------------------------------------

    def import_csv(self, path: Path | None = None) -> None:
        path = path or self.ask.open_file(self.window, "Import contacts from CSV", CSV_FILTER)
        if path is None:
            return
        self.import_action.setEnabled(False)
        self._status(f"Importing {path.name}…")
        self.window.context.tasks.spawn(self._import(path))

    async def _import(self, path: Path) -> None:
        from ctctdesk.crm.csv_io import import_csv

        try:
            report = await self.window.context.tasks.run("Import contacts", lambda _handle: import_csv(path))
        except TaskFailed as failure:
            self._status("")
            self.ask.warn(self.window, "Import contacts", failure.message)
            return
        finally:
            self.import_action.setEnabled(True)
        events = getattr(self.window, "crm_events", None)
        if events is not None and report.imported:
            events.emit(
                CrmChange.COMPANIES | CrmChange.CONTACTS | CrmChange.TAGS | CrmChange.COMPANY_TAGS
                | CrmChange.MEMBERSHIPS
            )
        self._status(f"{path.name}: {report.summary()}")
        text = f"{path.name}: {report.summary()}."
        if report.errors:
            text += "\n\nThe rows marked “not imported” below were left out: correct them in the file and import it again."
        elif report.warnings:
            text += "\n\nEvery row was imported; the rows below carry a warning."
        self.ask.report(self.window, "Import contacts", text, import_report_details(report))

    def export_csv(self, path: Path | None = None) -> None:
        path = path or self.ask.save_file(self.window, "Export contacts to CSV", "contacts.csv", CSV_FILTER)
        if path is None:
            return
        self.export_action.setEnabled(False)
        self.window.context.tasks.spawn(self._export(path))

    async def _export(self, path: Path) -> None:
        from ctctdesk.crm.csv_io import export_csv
        from ctctdesk.crm.errors import CrmError

        def write(_handle) -> int:
            try:
                return export_csv(path)
            except OSError as error:
                raise CrmError(f"Cannot write {path}: {error.strerror or error}. Nothing was exported.") from error

        try:
            count = await self.window.context.tasks.run("Export contacts", write)
        except TaskFailed as failure:
            self.ask.warn(self.window, "Export contacts", failure.message)
            return
        finally:
            self.export_action.setEnabled(True)
        self._status(f"Exported {count:,} contacts to {path}")
        self.ask.inform(self.window, "Export contacts", f"Exported {count:,} contacts to {path}.")

    # --- Help ---------------------------------------------------------------------------------------------

    def show_shortcuts(self) -> None:
        lines = [f"{keys}\t{what}" for keys, what in SHORTCUTS]
        self.ask.inform(self.window, "Keyboard shortcuts", "\n".join(lines))

    def show_about(self) -> None:
        context = self.window.context
        self.ask.inform(self.window, "About ctctdesk", about_text(context.data_dir, context.database_url))


def install_menus(window: MainWindow) -> MenuBar:
    window.menu = MenuBar(window)
    return window.menu
