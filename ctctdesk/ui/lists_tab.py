"""The Manage Email Lists tab (L1–L6): lists on the left, the contacts with a tick per row on the right.

Every change is written at once through `crm.lists` (no Save button). Widgets tests and scripts drive
carry the object names of issue 2: listsPanel, newListTitle, addListButton, renameListButton,
deleteListButton, contactTable, contactTypeFilter, tagFilter, applyFilterButton, searchBox,
selectAllCheck, memberCountLabel.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.contacts import ContactFilter
from ctctdesk.crm.errors import CrmError
from ctctdesk.ui.contacts_model import ContactsModel, ListsModel
from ctctdesk.ui.crm_events import CrmEvents, ReloadWhenShown
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.tasks import TaskFailed, TaskRunner
from ctctdesk.ui.undo import CrmUndoStack, MembershipCommand, add_undo_shortcuts

TYPE_CHOICES = (("All", None), ("Customers only", "customer"), ("Prospects only", "prospect"))
SEARCH_DELAY_MS = 250
BACKGROUND_WRITE_ROWS = 5_000  # Select All on more rows than this is written off the GUI thread
CONFIRM_UNTICK_ABOVE = 20  # unticking more contacts than this at once asks first

CONTACT_COLUMN_WIDTHS = {
    ContactsModel.TICK: 56,
    ContactsModel.NAME: 140,
    ContactsModel.COMPANY: 165,
    ContactsModel.TYPE: 72,
    ContactsModel.EMAIL: 210,
    ContactsModel.TAGS: 125,  # narrower, so Status (the last, stretching column) shows its words at 1200 wide
}


class ContactTable(QTableView):
    """The contacts table; space toggles the tick of the current row."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() == Qt.Key.Key_Space and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            current = self.currentIndex()
            model = self.model()
            if current.isValid() and isinstance(model, ContactsModel):
                model.toggle(current.row())
            event.accept()
            return
        super().keyPressEvent(event)


class SelectAllCheckBox(QCheckBox):
    """Shows whether all / some / none of the visible eligible rows are ticked; a click asks the tab to
    tick all (or clear all, when all are ticked) instead of cycling through the partial state."""

    requested = Signal(bool)

    def nextCheckState(self) -> None:  # noqa: N802
        self.requested.emit(self.checkState() != Qt.CheckState.Checked)


class ListsTab(QWidget):
    openCompanyRequested = Signal(int)  # noqa: N815 - right-click “Open company”: the company's id
    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        tasks: TaskRunner | None = None,
        undo_stack: CrmUndoStack | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("listsTab")
        self.tasks = tasks if tasks is not None else TaskRunner(self)  # the window's; own when alone
        self.undo_stack: CrmUndoStack | None = None
        self._undo_actions: tuple = ()
        self.lists_model = ListsModel(self)
        self.contacts_model = ContactsModel(self)
        #: the email service in use, named in the questions about linked lists (the window sets it)
        self.service_name: Callable[[], str] = lambda: "Constant Contact"
        self.lists_model.service_name = lambda: self.service_name()
        self._visible_eligible = 0
        self._visible_members = 0
        self._busy = False
        self._focus_before: QWidget | None = None

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("listsSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._build_lists_side())
        self.splitter.addWidget(self._build_contacts_side())
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([230, 970])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 6, 4, 4)
        layout.addWidget(self.splitter)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)

        self._connect()
        if undo_stack is None:  # on its own (tests): its own stack, and its own undo reloads it
            undo_stack = CrmUndoStack(CrmEvents(self), self)
            ReloadWhenShown(self, self.reload, undo_stack.events)
        self.use_undo_stack(undo_stack)
        self.reload()

    def use_undo_stack(self, stack: CrmUndoStack) -> None:
        """Put ticks on `stack` (the window's shared one), with Ctrl+Z / Ctrl+Shift+Z in this tab."""
        for action in self._undo_actions:
            self.removeAction(action)
            action.deleteLater()
        self.undo_stack = stack
        self._undo_actions = add_undo_shortcuts(self, stack)
        stack.failed.connect(self.show_error)

    # --- building -----------------------------------------------------------------------------------------

    def _build_lists_side(self) -> QWidget:
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(0, 0, 6, 0)
        heading = QLabel("Email lists")
        heading.setObjectName("listsHeading")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)

        self.lists_view = QTableView()
        self.lists_view.setObjectName("listsPanel")
        self.lists_view.setModel(self.lists_model)
        self.lists_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lists_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lists_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.lists_view.verticalHeader().hide()
        self.lists_view.setShowGrid(False)
        self.lists_view.setAlternatingRowColors(True)
        self.lists_view.setWordWrap(False)
        header = self.lists_view.horizontalHeader()
        header.setSectionResizeMode(ListsModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(ListsModel.MEMBERS, QHeaderView.ResizeMode.ResizeToContents)
        header.setHighlightSections(False)
        layout.addWidget(self.lists_view, 1)

        new_row = QHBoxLayout()
        self.new_title = QLineEdit()
        self.new_title.setObjectName("newListTitle")
        self.new_title.setPlaceholderText("New list title")
        self.new_title.setClearButtonEnabled(True)
        self.add_button = QPushButton("Add")
        self.add_button.setObjectName("addListButton")
        self.add_button.setToolTip(
            f"Create a list with this title ({QKeySequence(QKeySequence.StandardKey.New).toString()})"
        )
        new_row.addWidget(self.new_title, 1)
        new_row.addWidget(self.add_button)
        layout.addLayout(new_row)

        self.message = QLabel()
        self.message.setObjectName("listMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #a01e1e;")
        policy = self.message.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the buttons below stay put when a message comes and goes
        self.message.setSizePolicy(policy)
        self.message.hide()
        layout.addWidget(self.message)

        buttons = QHBoxLayout()
        self.rename_button = QPushButton("Rename")
        self.rename_button.setObjectName("renameListButton")
        self.rename_button.setToolTip("Rename the selected list (F2)")
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setObjectName("deleteListButton")
        self.delete_button.setToolTip("Delete the selected list (Del); its contacts stay in the CRM")
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return side

    def _build_contacts_side(self) -> QWidget:
        side = QWidget()
        layout = QVBoxLayout(side)
        layout.setContentsMargins(6, 0, 0, 0)

        self.member_count_label = QLabel()
        self.member_count_label.setObjectName("memberCountLabel")
        self.member_count_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.member_count_label.font()
        font.setBold(True)
        self.member_count_label.setFont(font)
        layout.addWidget(self.member_count_label)

        filters = QHBoxLayout()
        type_label = QLabel("Contact &type:")
        self.type_filter = QComboBox()
        self.type_filter.setObjectName("contactTypeFilter")
        for text, value in TYPE_CHOICES:
            self.type_filter.addItem(text, value)
        type_label.setBuddy(self.type_filter)
        tag_label = QLabel("Marketing &tag:")
        self.tag_filter = QComboBox()
        self.tag_filter.setObjectName("tagFilter")
        self.tag_filter.setMinimumContentsLength(10)
        self.tag_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        tag_label.setBuddy(self.tag_filter)
        self.apply_button = QPushButton("Apply Filter")
        self.apply_button.setObjectName("applyFilterButton")
        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search name, company or email")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumWidth(230)
        for widget in (type_label, self.type_filter, tag_label, self.tag_filter, self.apply_button):
            filters.addWidget(widget)
        filters.addStretch(1)
        layout.addLayout(filters)

        select_row = QHBoxLayout()
        self.select_all = SelectAllCheckBox("Select All")
        self.select_all.setObjectName("selectAllCheck")
        self.select_all.setTristate(True)
        self.select_all.setToolTip(
            "Tick every shown contact that may be in a list; click again to untick them"
        )
        self.shown_label = QLabel()
        self.shown_label.setObjectName("shownCountLabel")
        self.shown_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        select_row.addWidget(self.select_all)
        select_row.addSpacing(12)
        select_row.addWidget(self.shown_label, 1)
        select_row.addWidget(self.search_box)
        layout.addLayout(select_row)

        self.table = ContactTable()
        self.table.setObjectName("contactTable")
        self.table.setModel(self.contacts_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        for column, width in CONTACT_COLUMN_WIDTHS.items():
            header.resizeSection(column, width)
        # A click on any header sorts (in the database); the arrow shows how, and the choice is remembered
        # with the other column sizes.
        header.setSortIndicator(ContactsModel.NAME, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        self.table.setSortingEnabled(True)
        layout.addWidget(self.table, 1)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        # When the filters hide everyone, the table says so, over its empty area (nothing moves).
        self.empty_note = QWidget(self.table.viewport())
        self.empty_note.setObjectName("emptyFilterNote")
        note_layout = QVBoxLayout(self.empty_note)
        self.empty_label = QLabel("No contact matches these filters.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clear_filters_button = QPushButton("Clear filters")
        self.clear_filters_button.setObjectName("clearFiltersButton")
        note_layout.addWidget(self.empty_label)
        note_layout.addWidget(self.clear_filters_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.empty_note.hide()
        return side

    def _connect(self) -> None:
        self.add_button.clicked.connect(self.add_list)
        self.new_title.returnPressed.connect(self.add_list)
        self.new_title.textEdited.connect(lambda _text: self.show_message(""))
        self.rename_button.clicked.connect(self.rename_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.lists_view.selectionModel().currentRowChanged.connect(lambda *_: self._list_changed())
        self.lists_model.modelReset.connect(self._list_changed)
        self.lists_model.errorOccurred.connect(self.show_message)
        self.lists_model.renamed.connect(lambda _id: self._update_labels())
        self.type_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())
        self.tag_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())  # at once, like the type
        self.clear_filters_button.clicked.connect(self.clear_filters)
        self.table.customContextMenuRequested.connect(self._contact_menu)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(lambda: (self.search_box.setFocus(), self.search_box.selectAll()))
        self.apply_button.clicked.connect(self.apply_filters)
        self.search_box.textChanged.connect(lambda _t: self._search_timer.start())
        self.search_box.returnPressed.connect(self.apply_filters)
        self.select_all.requested.connect(self.set_all_visible)
        self.contacts_model.membershipChanged.connect(self._membership_changed)
        self.contacts_model.contactTicked.connect(self._push_tick)
        self.contacts_model.errorOccurred.connect(self.show_error)
        delete_list = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.lists_view)
        delete_list.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_list.activated.connect(self.delete_selected)
        new_list = QShortcut(QKeySequence(QKeySequence.StandardKey.New), self)
        new_list.setContext(Qt.ShortcutContext.WindowShortcut)
        new_list.activated.connect(self.focus_new_title)

    # --- state --------------------------------------------------------------------------------------------

    def current_filter(self) -> ContactFilter:
        return ContactFilter(
            company_type=self.type_filter.currentData(),
            tag_id=self.tag_filter.currentData(),
            search=self.search_box.text().strip(),
        )

    def selected_list_id(self) -> int | None:
        summary = self.lists_model.summary(self.lists_view.currentIndex().row())
        return summary.id if summary else None

    def reload(self) -> None:
        """Re-read lists, tags and contacts from the database (after imports, rule changes, syncs)."""
        selected = self.selected_list_id()
        self._reload_tags()
        self.lists_model.reload()
        self.select_list(selected if selected is not None else self._first_list_id())
        self.apply_filters()

    def _first_list_id(self) -> int | None:
        first = self.lists_model.summary(0)
        return first.id if first else None

    def _reload_tags(self) -> None:
        chosen = self.tag_filter.currentData()
        self.tag_filter.blockSignals(True)
        self.tag_filter.clear()
        self.tag_filter.addItem("All tags", None)
        for tag_id, name in contacts.all_tags():
            self.tag_filter.addItem(name, tag_id)
        index = self.tag_filter.findData(chosen)
        self.tag_filter.setCurrentIndex(max(index, 0))
        self.tag_filter.blockSignals(False)

    def select_list(self, list_id: int | None) -> None:
        row = self.lists_model.row_of_list(list_id) if list_id is not None else -1
        if row >= 0:
            self.lists_view.selectionModel().setCurrentIndex(
                self.lists_model.index(row, ListsModel.NAME),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._list_changed()

    def _list_changed(self) -> None:
        list_id = self.selected_list_id()
        if list_id != self.contacts_model.list_id:
            self.contacts_model.set_list(list_id)
        has_list = list_id is not None
        self.rename_button.setEnabled(has_list)
        self.delete_button.setEnabled(has_list)
        self._recount_visible()

    def apply_filters(self) -> None:
        self._search_timer.stop()
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.contacts_model.set_filter(self.current_filter())
            self._recount_visible()
        finally:
            QApplication.restoreOverrideCursor()

    def _recount_visible(self) -> None:
        self._visible_eligible = self.contacts_model.eligible_count
        self._visible_members = self.contacts_model.visible_member_count()
        self._update_labels()
        self._update_empty_note()

    def _update_empty_note(self) -> None:
        hidden_by_filters = self.contacts_model.rowCount() == 0 and self.current_filter() != ContactFilter()
        if hidden_by_filters:
            self.empty_note.adjustSize()
            viewport = self.table.viewport().rect()
            self.empty_note.move(
                max(0, (viewport.width() - self.empty_note.width()) // 2), min(40, viewport.height() // 3)
            )
        self.empty_note.setVisible(hidden_by_filters)

    def clear_filters(self) -> None:
        """Back to everyone: type, tag and search reset, then one reload."""
        for combo in (self.type_filter, self.tag_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.apply_filters()

    # --- right-click menu on contacts -------------------------------------------------------------------

    def _selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.table.selectionModel().selectedRows()})

    def _contact_menu(self, position) -> None:
        row = self.table.indexAt(position).row()
        if row < 0:
            return
        if row not in self._selected_rows():
            self.table.selectRow(row)
        menu = self.contact_menu(self._selected_rows())
        menu.exec(self.table.viewport().mapToGlobal(position))

    def contact_menu(self, rows: list[int]) -> QMenu:
        """The right-click menu for these rows (built apart from showing it, so tests can use it)."""
        menu = QMenu(self)
        menu.setObjectName("contactContextMenu")
        has_list = self.contacts_model.list_id is not None
        tick = menu.addAction("Tick the selected contacts", lambda: self._tick_rows(rows, True))
        untick = menu.addAction("Untick the selected contacts", lambda: self._tick_rows(rows, False))
        tick.setEnabled(has_list)
        untick.setEnabled(has_list)
        menu.addSeparator()
        first = self.contacts_model.contact_row(rows[0]) if rows else None
        open_company = menu.addAction("Open the company", lambda: self._open_company(first.id))
        copy = menu.addAction("Copy the email address", lambda: QApplication.clipboard().setText(first.email))
        open_company.setEnabled(first is not None and len(rows) == 1)
        copy.setEnabled(first is not None and bool(first.email) and len(rows) == 1)
        return menu

    def _tick_rows(self, rows: list[int], ticked: bool) -> None:
        for row in rows:  # each tick is written and undoable on its own; ineligible rows say why
            self.contacts_model.set_ticked(row, ticked)

    def _open_company(self, contact_id: int) -> None:
        company_id = contacts.company_of_contact(contact_id)
        if company_id is not None:
            self.openCompanyRequested.emit(company_id)

    def _update_labels(self) -> None:
        list_id = self.contacts_model.list_id
        summary = self.lists_model.summary(self.lists_model.row_of_list(list_id)) if list_id else None
        if summary is None:
            self.member_count_label.setText(
                "No list selected — create a list on the left to start ticking contacts"
            )
        else:
            members = "1 member" if summary.member_count == 1 else f"{summary.member_count:,} members"
            self.member_count_label.setText(f"{summary.name} — {members}")
        shown = self.contacts_model.rowCount()
        contacts_shown = "1 contact shown" if shown == 1 else f"{shown:,} contacts shown"
        self.shown_label.setText(
            f"{contacts_shown}, {self._visible_eligible:,} can be in lists, {self._visible_members:,} ticked"
        )
        self.select_all.setEnabled(summary is not None and self._visible_eligible > 0)
        if self._visible_members == 0:
            state = Qt.CheckState.Unchecked
        elif self._visible_members >= self._visible_eligible:
            state = Qt.CheckState.Checked
        else:
            state = Qt.CheckState.PartiallyChecked
        self.select_all.setCheckState(state)

    def _list_name(self, list_id: int) -> str:
        summary = self.lists_model.summary(self.lists_model.row_of_list(list_id))
        return summary.name if summary else ""

    def _push_tick(self, list_id: int, contact_id: int, ticked: bool) -> None:
        if self.undo_stack is not None:
            self.undo_stack.push(
                MembershipCommand(self.undo_stack, list_id, self._list_name(list_id), [contact_id], ticked)
            )

    def _membership_changed(self, list_id: int, delta: int) -> None:
        self.lists_model.adjust_count(list_id, delta)
        self._visible_members += delta
        self._update_labels()

    # --- actions ------------------------------------------------------------------------------------------

    def focus_new_title(self) -> None:
        self.new_title.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.new_title.selectAll()

    def add_list(self) -> None:
        try:
            created = lists.create_list(self.new_title.text())
        except CrmError as error:
            self.show_message(str(error))
            self.new_title.setFocus()
            return
        self.show_message("")
        self.new_title.clear()
        self.lists_model.reload()
        self.select_list(created.id)
        self.table.setFocus()

    def rename_selected(self) -> None:
        index = self.lists_view.currentIndex()
        if index.isValid():
            self.lists_view.setFocus()
            self.lists_view.edit(self.lists_model.index(index.row(), ListsModel.NAME))

    def delete_selected(self) -> None:
        summary = self.lists_model.summary(self.lists_view.currentIndex().row())
        if summary is None:
            return
        members = "1 member" if summary.member_count == 1 else f"{summary.member_count:,} members"
        question = f"Delete the list “{summary.name}” ({members})?\n\nThe contacts stay in the CRM."
        if self.lists_model.is_linked(summary.id):
            name = self.service_name()
            question += (
                f"\n\nThis list is linked to {name}: it will also be deleted there at the next "
                f"“Update {name} from CRM”."
            )
        if not self.confirm("Delete list", question):
            return
        try:
            lists.delete_list(summary.id)
        except CrmError as error:
            self.show_error(str(error))
        row = self.lists_view.currentIndex().row()
        self.lists_model.reload()
        next_row = min(row, self.lists_model.rowCount() - 1)
        following = self.lists_model.summary(next_row)
        self.select_list(following.id if following else None)

    @property
    def busy(self) -> bool:
        """True while a Select All is being written in the background."""
        return self._busy

    def set_all_visible(self, ticked: bool) -> None:
        """Select All (L4): tick every shown eligible contact, or untick every shown one — one SQL write.
        Large selections are written off the GUI thread (100,000 rows take a moment); the table and
        lists wait meanwhile."""
        list_id = self.contacts_model.list_id
        if list_id is None or self._busy:
            return
        contact_filter = self.contacts_model.contact_filter
        list_name = self._list_name(list_id)
        if not ticked and self._visible_members > CONFIRM_UNTICK_ABOVE:
            if not self.confirm(
                "Untick contacts",
                f"Untick {self._visible_members:,} contacts in “{list_name}”?\n\n"
                f"They leave the list here, and in {self.service_name()} at the next "
                f"“Update {self.service_name()} from CRM”. Edit → Undo (Ctrl+Z) puts them back.",
            ):
                self._update_labels()  # the box shows the unchanged state again
                return

        def done(change: lists.MembershipChange) -> None:
            if self._busy:
                self._set_busy(False)
            count = change.member_count
            if change.changed_ids and self.undo_stack is not None:
                self.undo_stack.push(
                    MembershipCommand(self.undo_stack, list_id, list_name, list(change.changed_ids), ticked)
                )
            self.lists_model.set_count(list_id, count)
            self.contacts_model.refresh_ticks()
            self._recount_visible()

        def failed(message: str) -> None:
            if self._busy:
                self._set_busy(False)
            self.contacts_model.refresh_ticks()
            self._recount_visible()
            self.show_error(message)

        def write(_handle: object = None) -> lists.MembershipChange:
            return lists.set_membership_for_filter_tracked(list_id, contact_filter, ticked)

        async def write_in_background() -> None:
            try:
                count = await self.tasks.run("Select All", write)
            except TaskFailed as failure:
                failed(failure.message)
            else:
                done(count)

        if self._visible_eligible + self._visible_members < BACKGROUND_WRITE_ROWS:
            # A few thousand rows take milliseconds: no need to grey the tab out for them.
            try:
                count = write()
            except CrmError as error:
                failed(str(error))
            else:
                done(count)
            return
        self._set_busy(True)
        self.tasks.spawn(write_in_background())

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self._focus_before = QApplication.focusWidget()
            self.shown_label.setText("Saving…")
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.splitter.setEnabled(not busy)
        if not busy:
            QApplication.restoreOverrideCursor()
            if self._focus_before is not None and self.isAncestorOf(self._focus_before):
                self._focus_before.setFocus()
            self._focus_before = None

    # --- messages (methods so tests can replace the modal ones) --------------------------------------------

    def show_message(self, text: str) -> None:
        """A short message under the new-list box (refused names); empty hides it."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def show_error(self, text: str) -> None:
        interaction_for(self).warn(self, "ctctdesk", text)

    def confirm(self, title: str, text: str) -> bool:
        return interaction_for(self).confirm(self, title, text)

    # --- remembered sizes ---------------------------------------------------------------------------------

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("splitter", self.splitter.saveState())
        settings.setValue("contactColumns", self.table.horizontalHeader().saveState())
        settings.setValue("listColumns", self.lists_view.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, target in (
            ("splitter", self.splitter.restoreState),
            ("contactColumns", self.table.horizontalHeader().restoreState),
            ("listColumns", self.lists_view.horizontalHeader().restoreState),
        ):
            value = settings.value(key)
            if value is not None:
                target(value)
        header = self.table.horizontalHeader()
        self.table.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())
