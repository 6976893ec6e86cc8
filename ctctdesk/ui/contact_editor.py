"""The contact editor (D2): one person's details, checked as you type with the shared eligibility rules.

It sits beside a company's contacts in the Companies tab. An existing contact is saved as soon as a field
is left (or with Enter, Ctrl+S, Save); a new one when Save is pressed, so nobody half-typed is created.
The email is validated on every keystroke and the reason a contact cannot be in email lists is shown
under it (L6); an invalid address is refused. Do Not Contact applies at once, after saying which lists the contact will leave (R2), and
can be undone with Ctrl+Z. Saving a changed email keeps the same record, so the sync keeps the Constant
Contact identity linked to it (R7).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ctctdesk import email_services
from ctctdesk.crm import contacts, editing, rules
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.rules import Ineligibility
from ctctdesk.ui.crm_events import CrmChange, CrmChangeEvent, CrmEvents
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.undo import CrmUndoStack, DoNotContactCommand

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: these models are flat tables

_STATUS_TEXT = {
    "subscribed": "Subscribed",
    "unsubscribed": "Unsubscribed (only the contact can re-subscribe)",
    "bounced": "Bounced / on hold",
    "unknown": "Unknown (not synchronised yet)",
}


class CustomFieldsModel(QAbstractTableModel):
    """Editable name → value pairs of a contact (kept in memory until Save)."""

    HEADERS = ("Field", "Value")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[list[str]] = []

    def set_fields(self, fields: tuple[tuple[str, str], ...]) -> None:
        self.beginResetModel()
        self._rows = [[name, value] for name, value in fields]
        self.endResetModel()

    def fields(self) -> list[tuple[str, str]]:
        return [(name, value) for name, value in self._rows]

    def add_row(self) -> int:
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(["", ""])
        self.endInsertRows()
        return row

    def remove_row(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._rows[row]
        self.endRemoveRows()

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._rows[index.row()][index.column()]
        return None

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        self._rows[index.row()][index.column()] = str(value)
        self.dataChanged.emit(index, index)
        return True


DO_NOT_CONTACT_TIP = "Never sent to Constant Contact; ticking it takes the contact out of its email lists"


class ContactEditor(QFrame):
    """Edit one contact, or type a new one for a company (`new_contact(company_id)`)."""

    saved = Signal(int)  # contact id, after a successful save

    def __init__(self, events: CrmEvents, undo_stack: CrmUndoStack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactEditor")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._events = events
        self._undo = undo_stack
        self._contact_id: int | None = None
        self._company_id: int | None = None
        self._stored_email = ""
        self._status = "unknown"
        self._prefixes: tuple[str, ...] = rules.DEFAULT_ROLE_PREFIXES

        self._title = QLabel("No contact selected")
        self._title.setObjectName("contactEditorTitle")
        font = self._title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self._title.setFont(font)

        self._hint = QLabel(objectName="contactEditorHint")
        self._hint.setStyleSheet("color: #666;")

        self.first_name = QLineEdit(objectName="firstNameEdit")
        self.last_name = QLineEdit(objectName="lastNameEdit")
        self.job_title = QLineEdit(objectName="jobTitleEdit")
        self.email = QLineEdit(objectName="emailEdit")
        self.email.setPlaceholderText("name@company.com")
        self.email_reason = QLabel(objectName="emailReasonLabel")
        self.email_reason.setWordWrap(True)
        self.phone = QLineEdit(objectName="phoneEdit")
        self.do_not_contact = QCheckBox("Do Not Contact", objectName="doNotContactCheck")
        #: the email service in use (`email_services.name_in_use`), named in the Do Not Contact tooltip
        self.service_name: Callable[[], str] = lambda: email_services.DEFAULT_NAME
        self._word_for_service()
        self.email_status = QLabel(objectName="emailStatusLabel")
        self.lists_label = QLabel(objectName="contactListsLabel")
        self.lists_label.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("First name:", self.first_name)
        form.addRow("Last name:", self.last_name)
        form.addRow("Job title:", self.job_title)
        form.addRow("Email:", self.email)
        form.addRow("", self.email_reason)
        form.addRow("Phone:", self.phone)
        form.addRow("", self.do_not_contact)
        form.addRow("Email status:", self.email_status)
        form.addRow("In email lists:", self.lists_label)

        self.fields_model = CustomFieldsModel(self)
        self.fields_view = QTableView(objectName="customFieldsTable")
        self.fields_view.setModel(self.fields_model)
        self.fields_view.verticalHeader().hide()
        self.fields_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.fields_view.horizontalHeader().setStretchLastSection(True)
        self.fields_view.setColumnWidth(0, 140)
        self.fields_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.fields_view.setMinimumHeight(90)
        self.add_field_button = QPushButton("Add field", objectName="addFieldButton")
        self.remove_field_button = QPushButton("Remove", objectName="removeFieldButton")
        field_buttons = QHBoxLayout()
        field_buttons.addWidget(QLabel("Custom fields"))
        field_buttons.addStretch()
        field_buttons.addWidget(self.add_field_button)
        field_buttons.addWidget(self.remove_field_button)

        self.error_label = QLabel(objectName="contactErrorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.save_button = QPushButton("Save", objectName="saveContactButton")
        self.save_button.setDefault(True)
        self.revert_button = QPushButton("Revert", objectName="revertContactButton")
        buttons = QHBoxLayout()
        buttons.addWidget(self.error_label, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self._title)
        layout.addWidget(self._hint)
        layout.addLayout(form)
        layout.addLayout(field_buttons)
        layout.addWidget(self.fields_view, 1)
        layout.addLayout(buttons)

        for edit in (self.first_name, self.last_name, self.job_title, self.email, self.phone):
            edit.textEdited.connect(self._on_edited)
            edit.returnPressed.connect(self.save)
            edit.editingFinished.connect(self._autosave)
        self.email.textChanged.connect(self._check_email)
        self.do_not_contact.clicked.connect(self._on_do_not_contact_clicked)
        self.add_field_button.clicked.connect(self._add_field)
        self.remove_field_button.clicked.connect(self._remove_field)
        self.fields_model.dataChanged.connect(self._on_field_changed)
        self.save_button.clicked.connect(self.save)
        self.revert_button.clicked.connect(self.revert)
        save_shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_shortcut.activated.connect(self.save)
        events.changed.connect(self._on_crm_changed)
        self._dirty = False
        self._saving = False
        self.clear()

    # --- what is shown ---
    @property
    def contact_id(self) -> int | None:
        return self._contact_id

    @property
    def is_dirty(self) -> bool:
        return self._dirty

    def title(self) -> str:
        """Who is being edited, as the header says it ("Alice Archer" or "New contact at Acme")."""
        return self._title.text().split(" — ")[0]

    def discard_changes(self) -> None:
        """Forget unsaved typing (the caller is about to show something else)."""
        self._set_dirty(False)

    def clear(self) -> None:
        """No contact: everything empty and disabled."""
        self._contact_id = None
        self._company_id = None
        self._fill_empty()
        self._title.setText("No contact selected")
        self._hint.setText("Choose a person in the list, or Add contact.")
        self.email_reason.clear()  # no person, so no verdict on an email (not "No email address")
        self._set_enabled(False)

    def new_contact(self, company_id: int, company_name: str) -> None:
        """An empty form for a new contact of this company; nothing is written until Save."""
        self._contact_id = None
        self._company_id = company_id
        self._prefixes = rules.load_role_prefixes()
        self._fill_empty()
        self._title.setText(f"New contact at {company_name}")
        self._hint.setText("Type the details, then press Save to add this person.")
        self._set_enabled(True)
        self.first_name.setFocus()

    def _word_for_service(self) -> None:
        self.do_not_contact.setToolTip(email_services.worded_for(DO_NOT_CONTACT_TIP, self.service_name()))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._word_for_service()  # the service may have been switched since
        super().showEvent(event)

    def show_contact(self, contact_id: int) -> None:
        try:
            details = editing.contact_details(contact_id)
        except CrmError as error:
            self.clear()
            self.error_label.setText(str(error))
            return
        self._prefixes = rules.load_role_prefixes()
        self._contact_id = details.id
        self._company_id = details.company_id
        self._stored_email = details.email
        self._status = details.email_status
        self.first_name.setText(details.first_name)
        self.last_name.setText(details.last_name)
        self.job_title.setText(details.job_title)
        self.email.setText(details.email)
        self.phone.setText(details.phone)
        self.do_not_contact.setChecked(details.do_not_contact)
        self.email_status.setText(_STATUS_TEXT.get(details.email_status, details.email_status))
        self._show_lists(details.lists)
        self.fields_model.set_fields(details.fields)
        name = " ".join(p for p in (details.first_name, details.last_name) if p) or details.email
        self._title.setText(f"{name} — {details.company_name}")
        self._hint.setText("Changes are saved as soon as you leave a field.")
        self.error_label.clear()
        self._set_enabled(True)
        self._check_email()
        self._set_dirty(False)

    def _fill_empty(self) -> None:
        self._stored_email = ""
        self._status = "unknown"
        for edit in (self.first_name, self.last_name, self.job_title, self.email, self.phone):
            edit.clear()
        self.do_not_contact.setChecked(False)
        self.email_status.setText(_STATUS_TEXT["unknown"])
        self.lists_label.setText("None")
        self.fields_model.set_fields(())
        self.error_label.clear()
        self._check_email()
        self._set_dirty(False)

    def _show_lists(self, names: tuple[str, ...] | list[str]) -> None:
        self.lists_label.setText(", ".join(names) if names else "None")

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.first_name,
            self.last_name,
            self.job_title,
            self.email,
            self.phone,
            self.do_not_contact,
            self.fields_view,
            self.add_field_button,
            self.remove_field_button,
        ):
            widget.setEnabled(enabled)
        self._update_buttons()

    def _set_dirty(self, dirty: bool) -> None:
        self._dirty = dirty
        self._update_buttons()

    def _update_buttons(self) -> None:
        active = self._company_id is not None
        self.save_button.setEnabled(active and self._dirty and self._email_acceptable())
        self.revert_button.setEnabled(active and self._dirty)

    def _on_edited(self, *_args) -> None:
        self.error_label.clear()
        self._set_dirty(True)

    # --- email checked as you type (shared rules) ---
    def current_reason(self) -> Ineligibility | None:
        return rules.ineligibility(
            self.email.text(), self.do_not_contact.isChecked(), self._status, self._prefixes
        )

    def _email_acceptable(self) -> bool:
        """An invalid address is refused, unless it is the one already stored (fix it later, save the rest)."""
        text = self.email.text().strip()
        return not text or rules.is_valid_email(text) or text == self._stored_email

    def _check_email(self) -> None:
        if self._company_id is None:  # no contact selected: no verdict about an empty form
            self.email_reason.setText("")
            self._update_buttons()
            return
        reason = self.current_reason()
        if reason is None:
            self.email_reason.setText("✓ Can be added to email lists")
            self.email_reason.setStyleSheet("color: #1b7a32;")
        elif reason is Ineligibility.INVALID_EMAIL:
            problem = rules.email_problem(self.email.text()) or reason.text
            self.email_reason.setText(f"✗ {reason.text}: {problem} It cannot be saved like this.")
            self.email_reason.setStyleSheet("color: #b00020;")
        else:
            self.email_reason.setText(f"Cannot be in email lists: {reason.text}")
            self.email_reason.setStyleSheet("color: #8a5a00;")
        self._update_buttons()

    # --- saving ---
    def _autosave(self) -> None:
        """An existing contact is saved as soon as a field is left (like every tick in the lists tab);
        a new one waits for Save, so a half-typed person is not created."""
        if self._contact_id is not None and self._dirty and not self._saving:
            self.save()

    def _on_field_changed(self, *_args) -> None:
        self._on_edited()
        if all(name.strip() for name, _value in self.fields_model.fields()):
            self._autosave()  # a row without a name yet is still being typed

    def save(self) -> bool:
        """Write the form; returns True when saved. Errors are shown under the form, nothing half-saved."""
        if self._company_id is None or not self._dirty or self._saving:
            return False
        self._saving = True
        try:
            return self._save()
        finally:
            self._saving = False

    def _save(self) -> bool:
        if not self._email_acceptable():
            problem = rules.email_problem(self.email.text()) or ""
            self.error_label.setText(
                f"Not saved: {Ineligibility.INVALID_EMAIL.text} “{self.email.text().strip()}”. {problem}".strip()
            )
            return False
        values = {
            "first_name": self.first_name.text(),
            "last_name": self.last_name.text(),
            "job_title": self.job_title.text(),
            "email": self.email.text(),
            "phone": self.phone.text(),
        }
        if not self._confirm_leaving_lists():
            return False
        is_new = self._contact_id is None
        try:
            contact_id = editing.save_contact(
                self._contact_id, self._company_id, values, self.fields_model.fields()
            )
            if is_new and self.do_not_contact.isChecked():
                contacts.set_do_not_contact([contact_id], True)
        except CrmError as error:
            self.error_label.setText(f"Not saved: {error}")
            return False
        self._contact_id = contact_id
        self.show_contact(contact_id)
        self.saved.emit(contact_id)
        self._events.emit(
            CrmChange.CONTACTS | CrmChange.MEMBERSHIPS,
            company_ids=[self._company_id],
            contact_ids=[contact_id],
        )
        return True

    def _confirm_leaving_lists(self) -> bool:
        """A new address that may not be in lists takes the contact out of its lists: say so first."""
        if self._contact_id is None or self.email.text().strip() == self._stored_email:
            return True
        reason = self.current_reason()
        lists = editing.contact_list_names(self._contact_id)
        if reason is None or not lists:
            return True
        return interaction_for(self).confirm(
            self,
            "Leave email lists?",
            f"With this address the contact cannot be in email lists ({reason.text}).\n"
            f"It will be removed from: {', '.join(lists)}.\n\nSave anyway?",
        )

    def revert(self) -> None:
        if self._contact_id is not None:
            self.show_contact(self._contact_id)
        elif self._company_id is not None:
            self._fill_empty()

    # --- Do Not Contact: applied at once, after confirming, undoable ---
    def _on_do_not_contact_clicked(self, checked: bool) -> None:
        self._check_email()
        if self._contact_id is None:
            self._set_dirty(True)  # a new contact: saved with the rest
            return
        lists = editing.contact_list_names(self._contact_id)
        name = self.title()
        if checked and lists:
            if not interaction_for(self).confirm(
                self,
                "Do Not Contact",
                f"{name} will be removed from {len(lists)} email list{'s' if len(lists) != 1 else ''}: "
                f"{', '.join(lists)}.\n\nSet Do Not Contact?",
            ):
                self.do_not_contact.setChecked(False)
                self._check_email()
                return
        removed = editing.lists_of_contacts([self._contact_id]) if checked else []
        try:
            contacts.set_do_not_contact([self._contact_id], checked)
        except CrmError as error:
            self.do_not_contact.setChecked(not checked)
            self.error_label.setText(str(error))
            return
        self._undo.push(DoNotContactCommand(self._undo, [self._contact_id], checked, removed, name))
        self._events.emit(
            CrmChange.CONTACTS | CrmChange.MEMBERSHIPS,
            company_ids=[self._company_id],
            contact_ids=[self._contact_id],
        )

    def _on_crm_changed(self, event: CrmChangeEvent) -> None:
        """Keep the read-only parts true (undo of Do Not Contact, sync, rules) without losing typing."""
        if self._contact_id is None:
            return
        if event.touches(CrmChange.RULES) or (
            event.touches(CrmChange.CONTACTS | CrmChange.MEMBERSHIPS)
            and (not event.contact_ids or self._contact_id in event.contact_ids)
        ):
            self.refresh_read_only()

    def refresh_read_only(self) -> None:
        """Re-read Do Not Contact, email status and lists of the shown contact (typing is kept)."""
        if self._contact_id is not None:
            try:
                details = editing.contact_details(self._contact_id)
            except CrmError:
                self.clear()
                return
            self._prefixes = rules.load_role_prefixes()
            self._status = details.email_status
            self.do_not_contact.setChecked(details.do_not_contact)
            self.email_status.setText(_STATUS_TEXT.get(details.email_status, details.email_status))
            self._show_lists(details.lists)
            self._check_email()

    # --- custom fields ---
    def _add_field(self) -> None:
        row = self.fields_model.add_row()
        index = self.fields_model.index(row, 0)
        self.fields_view.setCurrentIndex(index)
        self.fields_view.edit(index)
        self._set_dirty(True)

    def _remove_field(self) -> None:
        index = self.fields_view.currentIndex()
        if index.isValid():
            self.fields_model.remove_row(index.row())
            self._set_dirty(True)
