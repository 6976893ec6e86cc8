"""The Companies tab: find a company, edit it and its people, tag many companies at once (D1–D3).

Top: search and filters over a table of companies (name, type, marketing tags, number of contacts).
Bottom: the selected company's contacts on the left and the contact editor on the right. Every edit is
saved at once through `crm.editing` and announced on the `CrmEvents` hub so the Manage Email Lists tab
shows it without a restart. Tag assignment, Do Not Contact and moves can be undone with Ctrl+Z.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ctctdesk import email_services
from ctctdesk.crm import editing
from ctctdesk.crm.editing import CompanyFilter
from ctctdesk.crm.errors import CrmError
from ctctdesk.ui.company_dialogs import CompanyChooserDialog, CompanyDialog, TagChooserDialog
from ctctdesk.ui.company_models import CompanyTableModel, ContactTableModel
from ctctdesk.ui.contact_editor import ContactEditor
from ctctdesk.ui.crm_events import CrmChange, CrmChangeEvent, CrmEvents
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.tasks import TaskFailed, TaskRunner
from ctctdesk.ui.undo import CrmUndoStack, MoveContactsCommand, TagAssignmentCommand, add_undo_shortcuts

T = TypeVar("T")

LINKED_NOTE = (
    "Contacts that are already in Constant Contact are not deleted there: they leave the linked lists on "
    "the next update of Constant Contact, and its summary says so."
)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (plural or word + 's')}"


class CompaniesTab(QWidget):
    """Companies with their contacts; `events` announces edits, `undo_stack` takes undoable ones."""

    status_message = Signal(str)  # short feedback for the main window's status bar

    def __init__(
        self,
        events: CrmEvents,
        undo_stack: CrmUndoStack | None = None,
        parent: QWidget | None = None,
        *,
        tasks: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("companiesTab")
        self.events = events
        self.undo_stack = undo_stack or CrmUndoStack(events, self)
        self.tasks = tasks if tasks is not None else TaskRunner(self)  # the window's; own when alone
        self._busy = False
        self._reloading = False
        self._shown_before = False
        #: the email service in use (`email_services.name_in_use`), named in the delete confirmations
        self.service_name: Callable[[], str] = lambda: email_services.DEFAULT_NAME

        # --- filters and actions over companies ---
        self.search = QLineEdit(objectName="companySearch")
        self.search.setPlaceholderText("Search companies by name, phone or address…")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(140)
        self.type_filter = QComboBox(objectName="companyTypeFilter")
        self.type_filter.addItem("All types", None)
        self.type_filter.addItem("Customers only", "customer")
        self.type_filter.addItem("Prospects only", "prospect")
        self.tag_filter = QComboBox(objectName="companyTagFilter")
        for combo in (self.type_filter, self.tag_filter):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(9)
        self.add_button = QPushButton("Add company…", objectName="addCompanyButton")
        self.edit_button = QPushButton("Edit…", objectName="editCompanyButton")
        self.delete_button = QPushButton("Delete…", objectName="deleteCompanyButton")
        self.tags_button = QToolButton(objectName="companyTagsButton")
        self.tags_button.setText("Marketing tags")
        self.tags_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.tags_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tags_menu = QMenu(self.tags_button)
        self.assign_tag_action = tags_menu.addAction("Add a tag to the selected companies…")
        self.remove_tag_action = tags_menu.addAction("Remove a tag from the selected companies…")
        self.tags_button.setMenu(tags_menu)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(QLabel("Type:"))
        filters.addWidget(self.type_filter)
        filters.addWidget(QLabel("Marketing tag:"))
        filters.addWidget(self.tag_filter)
        company_actions = QHBoxLayout()
        for widget in (self.add_button, self.edit_button, self.delete_button, self.tags_button):
            company_actions.addWidget(widget)
        company_actions.addStretch(1)

        # --- companies table ---
        self.company_model = CompanyTableModel(self)
        self.company_table = QTableView(objectName="companyTable")
        self.company_table.setModel(self.company_model)
        self.company_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.company_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.company_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.company_table.setAlternatingRowColors(True)
        self.company_table.verticalHeader().hide()
        self.company_table.verticalHeader().setDefaultSectionSize(24)
        header = self.company_table.horizontalHeader()
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        self.company_table.setSortingEnabled(True)  # a header click sorts in the database (remembered)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 280), (1, 90), (3, 80), (4, 140)):
            self.company_table.setColumnWidth(column, width)
        header.moveSection(4, 2)  # Phone next to Type, tags take the remaining width
        self.count_label = QLabel(objectName="companyCountLabel")

        # --- contacts of the selected company ---
        self.contact_model = ContactTableModel(self)
        self.contact_table = QTableView(objectName="companyContactTable")
        self.contact_table.setModel(self.contact_model)
        self.contact_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.contact_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.contact_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.contact_table.setAlternatingRowColors(True)
        self.contact_table.verticalHeader().hide()
        self.contact_table.verticalHeader().setDefaultSectionSize(24)
        contact_header = self.contact_table.horizontalHeader()
        contact_header.setStretchLastSection(True)
        contact_header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column, width in ((0, 140), (1, 110), (2, 200), (3, 100)):
            self.contact_table.setColumnWidth(column, width)
        self.add_contact_button = QPushButton("Add contact", objectName="addContactButton")
        self.delete_contact_button = QPushButton("Delete…", objectName="deleteContactButton")
        self.move_contact_button = QPushButton("Move to another company…", objectName="moveContactButton")
        contact_buttons = QHBoxLayout()
        contact_buttons.addWidget(self.add_contact_button)
        contact_buttons.addWidget(self.delete_contact_button)
        contact_buttons.addWidget(self.move_contact_button)
        contact_buttons.addStretch()
        self.contacts_box = QGroupBox("Contacts", objectName="companyContactsBox")
        contacts_layout = QVBoxLayout(self.contacts_box)
        contacts_layout.addWidget(self.contact_table, 1)
        contacts_layout.addLayout(contact_buttons)

        self.editor = ContactEditor(events, self.undo_stack, self)
        self.editor.service_name = lambda: self.service_name()

        self.lower_splitter = lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self.contacts_box)
        # The editor scrolls rather than holding the window open: on a small screen the companies keep
        # their rows (at least 8 at 1024×640) and the editor gives way.
        editor_scroll = QScrollArea()
        editor_scroll.setObjectName("contactEditorScroll")
        editor_scroll.setWidgetResizable(True)
        editor_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        editor_scroll.setWidget(self.editor)
        lower.addWidget(editor_scroll)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setChildrenCollapsible(False)
        lower.setSizes([700, 460])

        upper = QWidget()
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(0, 0, 0, 0)
        upper_layout.addLayout(filters)
        upper_layout.addWidget(self.company_table, 1)
        company_actions.addWidget(self.count_label)
        upper_layout.addLayout(company_actions)

        self.splitter = splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(upper)
        splitter.addWidget(lower)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([470, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(splitter)

        self.empty_note = QWidget(self.company_table.viewport())
        self.empty_note.setObjectName("companyEmptyFilterNote")
        note_layout = QVBoxLayout(self.empty_note)
        note_layout.addWidget(QLabel("No company matches these filters."), 0, Qt.AlignmentFlag.AlignHCenter)
        self.clear_filters_button = QPushButton("Clear filters", objectName="clearCompanyFiltersButton")
        self.clear_filters_button.clicked.connect(self.clear_filters)
        note_layout.addWidget(self.clear_filters_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.empty_note.hide()

        # --- undo / redo ---
        self.undo_action, self.redo_action = add_undo_shortcuts(self, self.undo_stack)
        self.undo_stack.failed.connect(lambda message: interaction_for(self).warn(self, "Undo", message))

        # --- wiring ---
        self._search_timer = QTimer(self, singleShot=True, interval=200)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.type_filter.currentIndexChanged.connect(self.apply_filter)
        self.tag_filter.currentIndexChanged.connect(self.apply_filter)
        self.add_button.clicked.connect(self.add_company)
        self.edit_button.clicked.connect(self.edit_company)
        self.delete_button.clicked.connect(self.delete_companies)
        self.company_table.doubleClicked.connect(lambda _index: self.edit_company())
        self.assign_tag_action.triggered.connect(lambda: self.change_tag_of_selection(True))
        self.remove_tag_action.triggered.connect(lambda: self.change_tag_of_selection(False))
        self.company_table.selectionModel().selectionChanged.connect(self._on_company_selection)
        self.contact_table.selectionModel().selectionChanged.connect(self._on_contact_selection)
        self.add_contact_button.clicked.connect(self.add_contact)
        self.delete_contact_button.clicked.connect(self.delete_contacts)
        self.move_contact_button.clicked.connect(self.move_contacts)
        self.editor.saved.connect(self._on_contact_saved)
        self.contact_model.modelReset.connect(self._fit_contact_columns)
        for view, action in (
            (self.company_table, self.delete_companies),
            (self.contact_table, self.delete_contacts),
        ):
            # the context must be set on the object: the constructor's keyword is silently ignored
            shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), view)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(action)
        events.changed.connect(self._on_crm_changed)
        for view, build in ((self.company_table, self.company_menu), (self.contact_table, self.contact_menu)):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(
                lambda position, view=view, build=build: self._show_menu(view, build, position)
            )
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(lambda: (self.search.setFocus(), self.search.selectAll()))

        self._fill_tag_filter()
        self.apply_filter()

    # --- remembered sizes (the main window calls these) ---

    def _linked_note(self) -> str:
        return email_services.worded_for(LINKED_NOTE, self.service_name())
    def save_state(self, settings: QSettings) -> None:
        settings.setValue("splitter", self.splitter.saveState())
        settings.setValue("lowerSplitter", self.lower_splitter.saveState())
        settings.setValue("companyColumns", self.company_table.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, target in (
            ("splitter", self.splitter),
            ("lowerSplitter", self.lower_splitter),
            ("companyColumns", self.company_table.horizontalHeader()),
        ):
            state = settings.value(key)
            if state is not None:
                target.restoreState(state)
        header = self.company_table.horizontalHeader()
        self.company_table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _fit_contact_columns(self) -> None:
        """A company has a handful of people: size the columns to what they hold, within reason."""
        self.contact_table.resizeColumnsToContents()
        for column, (least, most) in enumerate(((110, 200), (90, 180), (160, 280), (90, 140))):
            width = self.contact_table.columnWidth(column)
            self.contact_table.setColumnWidth(column, max(least, min(most, width)))

    # --- companies ---
    def current_filter(self) -> CompanyFilter:
        return CompanyFilter(
            search=self.search.text(),
            company_type=self.type_filter.currentData(),
            tag_id=self.tag_filter.currentData(),
        )

    def apply_filter(self) -> None:
        self._reload_companies(self.selected_company_ids())

    def _reload_companies(self, keep_ids: list[int]) -> None:
        self._reloading = True
        try:
            self.company_model.set_filter(self.current_filter())
            self.select_companies(keep_ids)
        finally:
            self._reloading = False
        self._on_company_selection()
        self.count_label.setText(_plural(self.company_model.rowCount(), "company", "companies"))
        self._update_empty_note()

    def _update_empty_note(self) -> None:
        """When the filters hide every company, the table says so and offers a way back."""
        hidden = self.company_model.rowCount() == 0 and self.current_filter() != CompanyFilter()
        if hidden:
            self.empty_note.adjustSize()
            width = self.company_table.viewport().width()
            self.empty_note.move(max(0, (width - self.empty_note.width()) // 2), 24)
        self.empty_note.setVisible(hidden)

    def clear_filters(self) -> None:
        self._reset_filter_widgets()
        self.apply_filter()

    def _reset_filter_widgets(self) -> None:
        """Every filter back to "all", without each change filtering on its own."""
        for widget in (self.type_filter, self.tag_filter):
            widget.blockSignals(True)
            widget.setCurrentIndex(0)
            widget.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)

    def _fill_tag_filter(self) -> None:
        current = self.tag_filter.currentData()
        self.tag_filter.blockSignals(True)
        self.tag_filter.clear()
        self.tag_filter.addItem("All tags", None)
        for tag in editing.tag_summaries():
            self.tag_filter.addItem(tag.name, tag.id)
        index = self.tag_filter.findData(current)
        self.tag_filter.setCurrentIndex(max(0, index))
        self.tag_filter.blockSignals(False)
        if index < 0 and current is not None:
            self.apply_filter()  # the chosen tag was deleted or merged away

    def selected_company_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.company_table.selectionModel().selectedRows())
        return [self.company_model.company_id(row) for row in rows]

    def select_companies(self, company_ids: list[int]) -> None:
        """Select these companies (those visible under the filter), the first one current."""
        selection = QItemSelection()
        first = -1
        last_column = self.company_model.columnCount() - 1
        for company_id in company_ids:
            row = self.company_model.row_of(company_id)
            if row < 0:
                continue
            first = row if first < 0 else first
            selection.select(self.company_model.index(row, 0), self.company_model.index(row, last_column))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows
        self.company_table.selectionModel().select(selection, flags)
        if first >= 0:
            self.company_table.selectionModel().setCurrentIndex(
                self.company_model.index(first, 0), QItemSelectionModel.SelectionFlag.NoUpdate
            )
            self.company_table.scrollTo(self.company_model.index(first, 0))

    def current_company_id(self) -> int | None:
        ids = self.selected_company_ids()
        return ids[0] if len(ids) == 1 else None

    def _on_company_selection(self, *_args) -> None:
        if self._reloading:
            return
        ids = self.selected_company_ids()
        company_id = ids[0] if len(ids) == 1 else None
        self.edit_button.setEnabled(company_id is not None)
        self.delete_button.setEnabled(bool(ids))
        self.tags_button.setEnabled(bool(ids))
        if company_id != self.contact_model.company_id:
            self._offer_to_save()
            self.contact_model.set_company(company_id)
            self.editor.clear()
        if company_id is None:
            title = f"Contacts — {len(ids):,} companies selected" if ids else "Contacts — select a company"
        else:
            row = self.company_model.company_row(self.company_model.row_of(company_id))
            title = f"Contacts of {row.name}" if row else "Contacts"
        self.contacts_box.setTitle(title)
        self.add_contact_button.setEnabled(company_id is not None)
        self._on_contact_selection()

    def add_company(self) -> int | None:
        dialog = CompanyDialog(None, self)
        if not interaction_for(self).run_dialog(dialog) or dialog.company_id is None:
            return None
        self.events.emit(CrmChange.COMPANIES, company_ids=[dialog.company_id])
        self._clear_filters_hiding(dialog.company_id)
        self.select_companies([dialog.company_id])
        self._on_company_selection()
        self.status_message.emit(f"Company “{dialog.name.text().strip()}” added.")
        return dialog.company_id

    def show_company(self, company_id: int) -> None:
        """Select one company (clearing filters that hide it), e.g. from “Open the company” elsewhere."""
        self._clear_filters_hiding(company_id)
        self.select_companies([company_id])
        self._on_company_selection()
        row = self.company_model.row_of(company_id)
        if row >= 0:
            self.company_table.scrollTo(self.company_model.index(row, 0))

    # --- right-click menus ---
    def company_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("companyContextMenu")
        ids = self.selected_company_ids()
        edit = menu.addAction("Edit the company…", self.edit_company)
        edit.setEnabled(len(ids) == 1)
        menu.addAction(self.assign_tag_action)
        menu.addAction(self.remove_tag_action)
        menu.addSeparator()
        delete = menu.addAction("Delete…", self.delete_companies)
        delete.setEnabled(bool(ids))
        return menu

    def contact_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("companyContactContextMenu")
        ids = self.selected_contact_ids()
        row = self.contact_model.contact(self.contact_model.row_of(ids[0])) if len(ids) == 1 else None
        copy = menu.addAction(
            "Copy the email address", lambda: QApplication.clipboard().setText(row.email if row else "")
        )
        copy.setEnabled(row is not None and bool(row.email))
        menu.addAction("Move to another company…", self.move_contacts).setEnabled(bool(ids))
        menu.addSeparator()
        menu.addAction("Delete…", self.delete_contacts).setEnabled(bool(ids))
        return menu

    def _show_menu(self, view: QTableView, build, position) -> None:
        index = view.indexAt(position)
        if not index.isValid():
            return
        if not view.selectionModel().isRowSelected(index.row(), index.parent()):
            view.selectRow(index.row())
        build().exec(view.viewport().mapToGlobal(position))

    def _clear_filters_hiding(self, company_id: int) -> None:
        if self.company_model.row_of(company_id) < 0:
            self._reset_filter_widgets()
            self._reload_companies([company_id])

    def edit_company(self) -> None:
        company_id = self.current_company_id()
        if company_id is None:
            return
        try:
            details = editing.company_details(company_id)
        except CrmError as error:
            interaction_for(self).warn(self, "Edit company", str(error))
            return
        dialog = CompanyDialog(details, self)
        if interaction_for(self).run_dialog(dialog):
            self.events.emit(CrmChange.COMPANIES | CrmChange.COMPANY_TAGS, company_ids=[company_id])
            self.status_message.emit(f"Company “{dialog.name.text().strip()}” saved.")

    def delete_companies(self) -> None:
        ids = self.selected_company_ids()
        if not ids:
            return
        impact = editing.company_delete_impact(ids)
        if len(ids) == 1:
            row = self.company_model.company_row(self.company_model.row_of(ids[0]))
            what = f"the company “{row.name if row else ''}”"
        else:
            what = _plural(len(ids), "company", "companies")
        if not interaction_for(self).confirm(
            self,
            "Delete company",
            f"Delete {what}?\n\nThis also deletes {impact.text()}.\n\n{self._linked_note()}\n\nThis cannot be "
            "undone.",
        ):
            return

        def done(_result: object) -> None:
            self.editor.clear()
            self.events.emit(
                CrmChange.COMPANIES | CrmChange.CONTACTS | CrmChange.MEMBERSHIPS | CrmChange.TAGS,
                company_ids=ids,
            )
            self.status_message.emit(f"Deleted {what} and {impact.text()}.")

        self.run_in_background("Delete company", lambda: editing.delete_companies(ids), done)

    def change_tag_of_selection(self, assign: bool) -> None:
        """Add (or remove) one marketing tag on every selected company at once — undoable."""
        ids = self.selected_company_ids()
        if not ids:
            return
        companies = _plural(len(ids), "selected company", "selected companies")
        dialog = TagChooserDialog(
            "Add marketing tag" if assign else "Remove marketing tag",
            f"Tag to {'add to' if assign else 'remove from'} the {companies}:",
            self,
        )
        if not interaction_for(self).run_dialog(dialog) or dialog.tag() is None:
            return
        tag_id, tag_name = dialog.tag()
        self.apply_tag(tag_id, tag_name, ids, assign)

    def apply_tag(self, tag_id: int, tag_name: str, company_ids: list[int], assign: bool) -> None:
        """Assign/remove without asking (the dialog already did), on the task runner."""

        def done(changed: list[int]) -> None:
            if changed:
                self.undo_stack.push(TagAssignmentCommand(self.undo_stack, tag_id, tag_name, changed, assign))
                self.events.emit(CrmChange.COMPANY_TAGS, company_ids=changed)
            verb = "now carry" if assign else "no longer carry"
            self.status_message.emit(f"{_plural(len(changed), 'company', 'companies')} {verb} “{tag_name}”.")

        change = editing.assign_tag if assign else editing.remove_tag
        self.run_in_background("Marketing tags", lambda: change(tag_id, company_ids), done)

    # --- bulk work off the GUI thread ---
    @property
    def busy(self) -> bool:
        """True while a bulk change (tags, deletes, moves) is being written in the background."""
        return self._busy

    def run_in_background(self, title: str, work: Callable[[], T], done: Callable[[T], None]) -> None:
        """Run a CRM write on the task runner; `done` gets its result on the GUI thread, a failure is
        shown under `title`. One bulk change at a time: the next waits for a click after this one."""
        if self._busy:
            return
        self._busy = True
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)

        async def go() -> None:
            try:
                result = await self.tasks.run(title, lambda _handle: work())
            except TaskFailed as failure:
                self._busy = False
                QApplication.restoreOverrideCursor()
                interaction_for(self).warn(self, title, failure.message)
                return
            self._busy = False
            QApplication.restoreOverrideCursor()
            done(result)

        self.tasks.spawn(go())

    # --- contacts of the selected company ---
    def selected_contact_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.contact_table.selectionModel().selectedRows())
        return [self.contact_model.contact(row).id for row in rows]

    def _on_contact_selection(self, *_args) -> None:
        ids = self.selected_contact_ids()
        self.delete_contact_button.setEnabled(bool(ids))
        self.move_contact_button.setEnabled(bool(ids))
        if len(ids) == 1 and ids[0] != self.editor.contact_id:
            self._offer_to_save()
            self.editor.show_contact(ids[0])
        elif not ids and self.editor.contact_id is not None:
            self._offer_to_save()
            self.editor.clear()

    def _offer_to_save(self) -> None:
        """Typing is not lost by clicking elsewhere: offer to save what the editor holds."""
        if not self.editor.is_dirty:
            return
        who = self.editor.title()
        ask = interaction_for(self)
        save = ask.confirm(self, "Unsaved changes", f"Save the changes you made to {who}?", default_yes=True)
        if save and not self.editor.save():
            interaction_for(self).warn(self, "Unsaved changes", self.editor.error_label.text() or "Not saved.")
        self.editor.discard_changes()

    def select_contact(self, contact_id: int) -> None:
        row = self.contact_model.row_of(contact_id)
        if row >= 0:
            self.contact_table.selectRow(row)

    def add_contact(self) -> None:
        company_id = self.current_company_id()
        if company_id is None:
            return
        self._offer_to_save()
        self.contact_table.clearSelection()
        row = self.company_model.company_row(self.company_model.row_of(company_id))
        self.editor.new_contact(company_id, row.name if row else "")

    def _on_contact_saved(self, contact_id: int) -> None:
        """A new contact joins the table and becomes the selected one; an edited one keeps the selection
        (the CRM event that follows refreshes its row)."""
        if self.contact_model.row_of(contact_id) >= 0:
            return
        self.contact_model.reload()
        self.contact_table.selectionModel().blockSignals(True)
        self.select_contact(contact_id)
        self.contact_table.selectionModel().blockSignals(False)
        self._on_contact_selection()

    def delete_contacts(self) -> None:
        ids = self.selected_contact_ids()
        if not ids:
            return
        impact = editing.contact_delete_impact(ids)
        if len(ids) == 1:
            what = f"the contact “{self.contact_model.contact(self.contact_model.row_of(ids[0])).name}”"
        else:
            what = _plural(len(ids), "contact")
        goes = "no list memberships" if not impact.memberships else impact.text().split(" and ")[-1]
        if not interaction_for(self).confirm(
            self,
            "Delete contact",
            f"Delete {what}?\n\nThis also removes {goes}.\n\n{self._linked_note()}\n\nThis cannot be undone.",
        ):
            return
        company_id = self.contact_model.company_id or 0

        def done(_result: object) -> None:
            self.editor.clear()
            self.events.emit(CrmChange.CONTACTS | CrmChange.MEMBERSHIPS, company_ids=[company_id], contact_ids=ids)
            self.status_message.emit(f"Deleted {what}.")

        self.run_in_background("Delete contact", lambda: editing.delete_contacts(ids), done)

    def move_contacts(self) -> None:
        ids = self.selected_contact_ids()
        company_id = self.contact_model.company_id
        if not ids or company_id is None:
            return
        dialog = CompanyChooserDialog(
            f"Move {_plural(len(ids), 'contact')} to another company", company_id, self
        )
        if not interaction_for(self).run_dialog(dialog) or dialog.chosen() is None:
            return
        target_id, target_name = dialog.chosen()
        self.move_contacts_to(ids, target_id, target_name)

    def move_contacts_to(self, contact_ids: list[int], company_id: int, company_name: str) -> None:

        def done(previous: dict[int, int]) -> None:
            self.undo_stack.push(MoveContactsCommand(self.undo_stack, previous, company_id, company_name))
            self.events.emit(
                CrmChange.CONTACTS,
                company_ids=sorted({company_id, *previous.values()}),
                contact_ids=contact_ids,
            )
            self.status_message.emit(f"Moved {_plural(len(contact_ids), 'contact')} to {company_name}.")

        self.run_in_background("Move contacts", lambda: editing.move_contacts(contact_ids, company_id), done)

    # --- keeping in step with edits made anywhere ---
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        """Coming back to the tab: pick up what changed elsewhere without the hub (ticks in the lists
        tab, a CSV import, a sync)."""
        super().showEvent(event)
        if self._shown_before:
            everything = CrmChange.COMPANIES | CrmChange.TAGS | CrmChange.CONTACTS | CrmChange.MEMBERSHIPS
            self._on_crm_changed(CrmChangeEvent(everything))
            self.editor.refresh_read_only()
        self._shown_before = True

    def _on_crm_changed(self, event: CrmChangeEvent) -> None:
        if event.touches(CrmChange.TAGS):
            self._fill_tag_filter()
        filtered_by_tag = self.tag_filter.currentData() is not None
        if event.touches(CrmChange.COMPANIES) or (
            filtered_by_tag and event.touches(CrmChange.TAGS | CrmChange.COMPANY_TAGS)
        ):
            self._reload_companies(self.selected_company_ids())  # which companies match may change
        elif (
            event.touches(CrmChange.COMPANY_TAGS | CrmChange.CONTACTS)
            and event.company_ids
            and not (event.touches(CrmChange.TAGS))
        ):
            self.company_model.refresh_companies(event.company_ids)  # their tags or contact counts
        elif event.touches(CrmChange.TAGS | CrmChange.COMPANY_TAGS | CrmChange.CONTACTS):
            self.company_model.refresh_rows()  # same companies; tags or contact counts changed
        if event.touches(CrmChange.CONTACTS | CrmChange.RULES | CrmChange.MEMBERSHIPS) and (
            self.contact_model.company_id is not None
        ):
            selected = self.selected_contact_ids()
            self.contact_table.selectionModel().blockSignals(True)
            self.contact_model.reload()
            for contact_id in selected:
                row = self.contact_model.row_of(contact_id)
                if row >= 0:
                    self.contact_table.selectionModel().select(
                        self.contact_model.index(row, 0),
                        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
                    )
            self.contact_table.selectionModel().blockSignals(False)
            self.contact_table.viewport().update()
            if self.editor.contact_id is not None and self.contact_model.row_of(self.editor.contact_id) < 0:
                self.editor.clear()
            self._on_contact_selection()
