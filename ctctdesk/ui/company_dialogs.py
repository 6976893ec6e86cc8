"""Dialogs of the Companies tab: edit a company, choose a tag, choose another company."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.crm import editing
from ctctdesk.crm.editing import CompanyDetails, CompanyFilter
from ctctdesk.crm.errors import CrmError
from ctctdesk.ui.company_models import CompanyTableModel

TYPE_CHOICES = (("Customer", "customer"), ("Prospect", "prospect"))


class CompanyDialog(QDialog):
    """Add or edit a company: name, type, general phone and address, marketing tags.

    The dialog saves itself on OK (and stays open with the reason when the CRM refuses, e.g. a name that
    is already used), so the caller only learns the saved company's id.
    """

    def __init__(self, details: CompanyDetails | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("companyDialog")
        self.setWindowTitle("Edit company" if details else "Add company")
        self.setMinimumWidth(420)
        self._details = details
        self.company_id: int | None = details.id if details else None

        self.name = QLineEdit(objectName="companyNameEdit")
        self.type = QComboBox(objectName="companyTypeCombo")
        for text, value in TYPE_CHOICES:
            self.type.addItem(text, value)
        self.phone = QLineEdit(objectName="companyPhoneEdit")
        self.address = QLineEdit(objectName="companyAddressEdit")
        self.address.setPlaceholderText("e.g. info@company.com or street address")
        self.tags_model = QStandardItemModel(self)
        self.tags_view = QListView(objectName="companyTagsList")
        self.tags_view.setModel(self.tags_model)
        self.tags_view.setMinimumHeight(110)
        chosen = set(details.tag_ids) if details else set()
        for tag in editing.tag_summaries():
            item = QStandardItem(tag.name)
            item.setData(tag.id, Qt.ItemDataRole.UserRole)
            item.setCheckable(True)
            item.setEditable(False)
            item.setCheckState(Qt.CheckState.Checked if tag.id in chosen else Qt.CheckState.Unchecked)
            self.tags_model.appendRow(item)
        no_tags = QLabel("No marketing tags yet — create them in Settings → Marketing Tags.")
        no_tags.setWordWrap(True)
        no_tags.setVisible(self.tags_model.rowCount() == 0)

        note = QLabel("The general phone and address are never offered for email lists.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #666;")
        self.error_label = QLabel(objectName="companyErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Name:", self.name)
        form.addRow("Type:", self.type)
        form.addRow("General phone:", self.phone)
        form.addRow("General address:", self.address)
        form.addRow("", note)
        form.addRow("Marketing tags:", self.tags_view)
        form.addRow("", no_tags)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        if details:
            self.name.setText(details.name)
            self.type.setCurrentIndex(max(0, self.type.findData(details.type)))
            self.phone.setText(details.phone)
            self.address.setText(details.address)

    def set_tag_checked(self, tag_name: str, checked: bool = True) -> None:
        for row in range(self.tags_model.rowCount()):
            item = self.tags_model.item(row)
            if item.text() == tag_name:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                return
        raise KeyError(tag_name)

    def chosen_tag_ids(self) -> list[int]:
        return [
            self.tags_model.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.tags_model.rowCount())
            if self.tags_model.item(row).checkState() == Qt.CheckState.Checked
        ]

    def accept(self) -> None:
        try:
            if self.company_id is None:
                self.company_id = editing.create_company(
                    self.name.text(),
                    self.type.currentData(),
                    self.phone.text(),
                    self.address.text(),
                    self.chosen_tag_ids(),
                )
            else:
                editing.update_company(
                    self.company_id,
                    name=self.name.text(),
                    company_type=self.type.currentData(),
                    phone=self.phone.text(),
                    address=self.address.text(),
                    tag_ids=self.chosen_tag_ids(),
                )
        except CrmError as error:
            self.error_label.setText(str(error))
            self.name.setFocus()
            return
        super().accept()


class TagChooserDialog(QDialog):
    """Choose one marketing tag (for assigning to, or removing from, the selected companies)."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tagChooserDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(360)
        self.combo = QComboBox(objectName="tagChooserCombo")
        for tag in editing.tag_summaries():
            self.combo.addItem(tag.name, tag.id)
        label = QLabel(prompt)
        label.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.combo.count() > 0)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        if self.combo.count() == 0:
            layout.addWidget(
                QLabel("There are no marketing tags yet: create them in Settings → Marketing Tags.")
            )
        layout.addWidget(buttons)

    def tag(self) -> tuple[int, str] | None:
        if self.combo.currentIndex() < 0:
            return None
        return self.combo.currentData(), self.combo.currentText()


class CompanyChooserDialog(QDialog):
    """Choose another company by searching its name (used by "Move to another company")."""

    def __init__(self, title: str, exclude_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("companyChooserDialog")
        self.setWindowTitle(title)
        self.resize(520, 420)
        self._exclude_id = exclude_id
        self.search = QLineEdit(objectName="companyChooserSearch")
        self.search.setPlaceholderText("Type part of the company name…")
        self.search.setClearButtonEnabled(True)
        self.model = CompanyTableModel(self)
        self.view = QTableView(objectName="companyChooserTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (2, 4):
            self.view.hideColumn(column)
        self.view.setColumnWidth(1, 90)
        self.view.setColumnWidth(3, 80)
        self.view.doubleClicked.connect(self.accept)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Move here")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        prompt = QLabel("Choose the company the selected contacts now work for:")
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _text: self._timer.start())
        self.view.selectionModel().selectionChanged.connect(self._update_ok)
        self._apply_search()

    def _apply_search(self) -> None:
        self.model.set_filter(CompanyFilter(search=self.search.text(), exclude_id=self._exclude_id))
        self._update_ok()

    def _update_ok(self, *_args) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.chosen() is not None)

    def select_company(self, company_id: int) -> None:
        row = self.model.row_of(company_id)
        if row >= 0:
            self.view.selectRow(row)

    def chosen(self) -> tuple[int, str] | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        company_id = self.model.company_id(rows[0].row())
        if company_id == self._exclude_id:
            return None
        row = self.model.company_row(rows[0].row())
        return company_id, row.name if row else ""
