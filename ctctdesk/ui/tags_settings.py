"""Settings → Marketing Tags: create, rename, merge and delete the tags that companies carry (D3).

Tags are then assigned to companies (one by one in the company dialog, or many at once from the
Companies tab) and used as a filter when building email lists, as in the CRM the product follows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.crm import editing
from ctctdesk.crm.errors import CrmError
from ctctdesk.ui.company_models import TagTableModel
from ctctdesk.ui.crm_events import CrmChange, CrmChangeEvent, CrmEvents
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.undo import CrmUndoStack, RenameTagCommand, add_undo_shortcuts


def _companies(count: int) -> str:
    return f"{count:,} compan{'y' if count == 1 else 'ies'}"


class TagsSettingsPage(QWidget):
    def __init__(
        self, events: CrmEvents, undo_stack: CrmUndoStack | None = None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("tagsSettings")
        self.events = events
        self.undo_stack = undo_stack or CrmUndoStack(events, self)

        title = QLabel("Marketing Tags")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        intro = QLabel(
            "Marketing tags group customers and prospects (for example by trade or interest). Assign them to "
            "companies in the Companies tab, then filter by tag in Manage Email Lists to build a list."
        )
        intro.setWordWrap(True)

        self.new_name = QLineEdit(objectName="newTagEdit")
        self.new_name.setPlaceholderText("New tag name")
        self.add_button = QPushButton("Add tag", objectName="addTagButton")
        add_row = QHBoxLayout()
        add_row.addWidget(self.new_name, 1)
        add_row.addWidget(self.add_button)

        self.model = TagTableModel(self)
        self.table = QTableView(objectName="tagTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 100)
        self.table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )

        self.rename_button = QPushButton("Rename…", objectName="renameTagButton")
        self.merge_button = QPushButton("Merge…", objectName="mergeTagButton")
        self.merge_button.setToolTip("Combine the selected tags into one: every company keeps one of them")
        self.delete_button = QPushButton("Delete…", objectName="deleteTagButton")
        buttons = QVBoxLayout()
        for button in (self.rename_button, self.merge_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch()
        table_row = QHBoxLayout()
        table_row.addWidget(self.table, 1)
        table_row.addLayout(buttons)

        self.message = QLabel(objectName="tagsMessage")
        self.message.setWordWrap(True)

        content = QWidget()
        content.setMaximumWidth(760)  # a short list reads better than a table as wide as the screen
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(content, 1)
        outer.addStretch(0)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addLayout(add_row)
        layout.addLayout(table_row, 1)
        layout.addWidget(self.message)

        self.add_button.clicked.connect(self.add_tag)
        self.new_name.returnPressed.connect(self.add_tag)
        self.rename_button.clicked.connect(self.rename_selected)
        self.merge_button.clicked.connect(self.merge_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.doubleClicked.connect(lambda _index: self.rename_selected())
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        events.changed.connect(self._on_crm_changed)
        self.undo_action, self.redo_action = add_undo_shortcuts(self, self.undo_stack)
        self.reload()

    # --- helpers ---
    def reload(self, select_ids: list[int] | None = None) -> None:
        keep = self.selected_ids() if select_ids is None else select_ids
        self.model.reload()
        self.table.clearSelection()
        for tag_id in keep:
            row = self.model.row_of(tag_id)
            if row >= 0:
                self.table.selectionModel().select(
                    self.model.index(row, 0),
                    self.table.selectionModel().SelectionFlag.Select
                    | self.table.selectionModel().SelectionFlag.Rows,
                )
        self._update_buttons()

    def selected_ids(self) -> list[int]:
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.tag(row).id for row in rows]

    def select_tags(self, names: list[str]) -> None:
        ids = [tag.id for tag in self.model.tags() if tag.name in names]
        self.reload(ids)

    def _update_buttons(self, *_args) -> None:
        count = len(self.selected_ids())
        self.rename_button.setEnabled(count == 1)
        self.merge_button.setEnabled(count >= 1 and self.model.rowCount() >= 2)
        self.delete_button.setEnabled(count >= 1)

    def _changed(self, select_ids: list[int], text: str) -> None:
        self.reload(select_ids)
        self.message.setText(text)
        self.events.emit(CrmChange.TAGS | CrmChange.COMPANY_TAGS)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.reload()  # counts may have changed through an import or a sync

    def _on_crm_changed(self, event: CrmChangeEvent) -> None:
        if event.touches(CrmChange.TAGS | CrmChange.COMPANY_TAGS | CrmChange.COMPANIES):
            self.reload()

    # --- actions ---
    def add_tag(self) -> None:
        try:
            tag_id = editing.create_tag(self.new_name.text())
        except CrmError as error:
            self.message.setText(str(error))
            return
        name = " ".join(self.new_name.text().split())
        self.new_name.clear()
        self._changed([tag_id], f"Tag “{name}” created. Assign it to companies in the Companies tab.")

    def rename_selected(self) -> None:
        ids = self.selected_ids()
        if len(ids) != 1:
            return
        tag = self.model.tag(self.model.row_of(ids[0]))
        new_name = interaction_for(self).ask_text(
            self, "Rename tag", f"New name for “{tag.name}”:", text=tag.name
        )
        if new_name is None or " ".join(new_name.split()) == tag.name:
            return
        try:
            old = editing.rename_tag(tag.id, new_name)
        except CrmError as error:
            interaction_for(self).warn(self, "Rename tag", str(error))
            return
        cleaned = " ".join(new_name.split())
        self.undo_stack.push(RenameTagCommand(self.undo_stack, tag.id, old, cleaned))
        self._changed([tag.id], f"Renamed “{old}” to “{cleaned}” on {_companies(tag.company_count)}.")

    def merge_selected(self) -> None:
        """Merge: with several tags selected, choose which one to keep; with one, choose where it goes."""
        ids = self.selected_ids()
        tags = {tag.id: tag for tag in self.model.tags()}
        if len(ids) >= 2:
            names = [tags[i].name for i in ids]
            keep = interaction_for(self).choose(
                self, "Merge tags", "Keep this tag; the others are folded into it:", names
            )
            sources = [i for i in ids if tags[i].name != keep]
        elif len(ids) == 1:
            names = [t.name for t in tags.values() if t.id != ids[0]]
            keep = interaction_for(self).choose(self, "Merge tags", f"Merge “{tags[ids[0]].name}” into:", names)
            sources = ids
        else:
            return
        if keep is None:
            return
        target = next(t for t in tags.values() if t.name == keep)
        source_names = ", ".join(f"“{tags[i].name}”" for i in sources)
        carried = sum(tags[i].company_count for i in sources)
        if not interaction_for(self).confirm(
            self,
            "Merge tags",
            f"Fold {source_names} ({_companies(carried)}) into “{target.name}”?\n\n"
            f"Those companies will carry “{target.name}” instead, and {source_names} will be deleted.",
        ):
            return
        try:
            gained = editing.merge_tags(sources, target.id)
        except CrmError as error:
            interaction_for(self).warn(self, "Merge tags", str(error))
            return
        self._changed(
            [target.id], f"Merged {source_names} into “{target.name}” ({_companies(gained)} gained it)."
        )

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        tags = [self.model.tag(self.model.row_of(i)) for i in ids]
        names = ", ".join(f"“{t.name}”" for t in tags)
        count = sum(editing.tag_company_count(t.id) for t in tags)
        carried = (
            f"{_companies(count)} carry {'it' if len(tags) == 1 else 'them'}"
            if count
            else "No company carries it"
        )
        if not interaction_for(self).confirm(
            self, "Delete tag", f"Delete {names}?\n\n{carried}; the companies themselves stay."
        ):
            return
        try:
            for tag in tags:
                editing.delete_tag(tag.id)
        except CrmError as error:
            interaction_for(self).warn(self, "Delete tag", str(error))
        self._changed([], f"Deleted {names}.")
