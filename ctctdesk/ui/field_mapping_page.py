"""Settings → Field mapping (R11): what each CRM field becomes in the email service in use.

The page edits a `FieldMapping` and keeps it in ``settings.json`` on Save (``ctctdesk mapping show`` reads
the same). It shows how many custom fields the mapping sends against the service's limits (Constant
Contact's or Campaign Monitor's, `ctctdesk.sync.service_limits`) and refuses a mapping that cannot fit,
saying why. Nothing is sent on Save: the next preview shows the change first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ctctdesk import email_services
from ctctdesk.sync import service_limits
from ctctdesk.sync.mapping import (
    ADDRESS,
    FIELD_TYPES,
    PHONE,
    TARGET_TEXT,
    FieldMapping,
    MappingError,
    Target,
    check,
    load_mapping,
    save_mapping,
    usage,
    usage_text,
)
from ctctdesk.ui.page_parts import heading

PAGE_TITLE = "Field mapping"


def note_text(limits: service_limits.ServiceLimits) -> str:
    """What Save does, and the service's tag limits when it has any."""
    service = limits.service
    text = (f"Nothing is sent when you save: the next preview on the Synchronize tab shows what the new "
            f"mapping changes in {service}, before you run it.")
    if limits.tags_per_contact is not None and limits.tags_per_account is not None:
        text += (f" Tags beyond {service}'s limits ({limits.tags_per_contact} per contact, "
                 f"{limits.tags_per_account:,} per account) are named in that preview.")
    return text


def label_tip(limits: service_limits.ServiceLimits) -> str:
    longest = limits.custom_field_label_length
    return (f"The {limits.service} custom field it goes to: pick one {limits.service} already has, or type a "
            f"new label{f' (at most {longest} characters)' if longest else ''} — it is made, with the type "
            "on the right, at the next sync.")


NOTE = note_text(service_limits.CONSTANT_CONTACT)
#: What each kind of field may become (the model refuses the rest with a reason too).
CHOICES = {PHONE: (Target.STANDARD, Target.CUSTOM, Target.OFF), ADDRESS: (Target.STANDARD, Target.OFF)}
CUSTOM_CHOICES = (Target.CUSTOM, Target.OFF)
#: How a standard field reads in the choice, per field.
STANDARD_TEXT = {PHONE: "standard field (phone number)", ADDRESS: "standard field (street address)"}
LABEL_TIP = label_tip(service_limits.CONSTANT_CONTACT)
TAGS_TIP = ("Each contact carries its company's type and marketing tags as Constant Contact contact tags, "
            "created there under the CRM's names.")
TYPE_TIP = "The type a new Constant Contact custom field is made with (an existing one keeps its own)."


def tags_choice(service: str) -> str:
    """The tags choice in the words of the service: Constant Contact has contact tags; Campaign Monitor
    has none, so the adapter carries them as one multi-value field with a segment per tag."""
    if service == email_services.DEFAULT_NAME:
        return "Company type and marketing tags as contact tags"
    return (f"Company type and marketing tags to {service} (a multi-value field “Tags”, "
            "with one segment per tag in each list)")


class FieldMappingPage(QWidget):
    """``settings``: the data folder's settings store; ``field_use``: contact id → custom field names
    (read from the CRM by the caller, so the page holds no SQL)."""

    def __init__(self, settings, field_use: Callable[[], dict[int, list[str]]],
                 parent: QWidget | None = None,
                 cc_labels: Callable[[], list[str]] | None = None,
                 field_values: Callable[[str], list[str]] | None = None,
                 service_name: Callable[[], str] | None = None) -> None:  # fmt: skip
        """``cc_labels``: the labels of the custom fields the service had at the last sync (kept
        locally, so the page reads nothing over the network); ``field_values``: a CRM custom field's
        values (a field chosen to go as a date must hold dates); ``service_name``: the email service in
        use (`email_services.name_in_use`), whose name and limits the page states (Constant Contact
        when not given)."""
        super().__init__(parent)
        self.service_name = service_name or (lambda: email_services.DEFAULT_NAME)
        self.settings = settings
        self.field_use = field_use
        self.cc_labels = cc_labels or (lambda: [])
        self.field_values = field_values
        self.setObjectName("fieldMappingSettings")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Field mapping", "fieldMappingHeading"))

        self.tags = QCheckBox(tags_choice(email_services.DEFAULT_NAME))
        self.tags.setObjectName("mappingTags")
        layout.addWidget(self.tags)

        box = QGroupBox("Fields")
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        inner = QWidget()
        inner.setLayout(self.form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(scroll)
        layout.addWidget(box, 1)

        self.usage = QLabel()
        self.usage.setObjectName("mappingUsage")
        self.usage.setWordWrap(True)
        layout.addWidget(self.usage)
        buttons = QHBoxLayout()
        self.save = QPushButton("Save")
        self.save.setObjectName("mappingSave")
        self.save.clicked.connect(self.apply)
        buttons.addWidget(self.save)
        self.state = QLabel()
        self.state.setObjectName("mappingState")
        self.state.setWordWrap(True)
        buttons.addWidget(self.state, 1)
        layout.addLayout(buttons)
        self.note = QLabel()
        self.note.setObjectName("mappingNote")
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.note)

        self.combos: dict[str, QComboBox] = {}
        self.labels: dict[str, QComboBox] = {}
        self.types: dict[str, QComboBox] = {}
        self._as: dict[str, QLabel] = {}
        self._use: dict[int, list[str]] = {}
        self.tags.toggled.connect(self._edited)
        self.reload()

    # -- showing ------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the saved mapping and the CRM's custom fields again (they change as people edit)."""
        self.saved = load_mapping(self.settings)
        self._use = self.field_use()
        self.limits = service_limits.for_name(self.service_name())  # the service may have been switched
        name = self.limits.service
        self.note.setText(note_text(self.limits))
        self.tags.setText(tags_choice(name))
        self.tags.setToolTip(TAGS_TIP if name == email_services.DEFAULT_NAME else (
            f"Each contact carries its company's type and marketing tags in the multi-value field “Tags” of "
            f"each {name} list it is in, and each tag has a segment “Tag: …” there to send to."))
        in_use: dict[str, int] = {}
        for names in self._use.values():
            for name in names:
                in_use[name] = in_use.get(name, 0) + 1
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos.clear()
        self.labels.clear()
        self.types.clear()
        self._as.clear()
        self._known = sorted(set(self.cc_labels()), key=str.casefold)
        self._add(PHONE, "Phone", CHOICES[PHONE])
        self._add(ADDRESS, "Company address", CHOICES[ADDRESS])
        for name in sorted(in_use, key=str.casefold):
            count = in_use[name]
            self._add(name, f"{name} ({count:,} contact{'' if count == 1 else 's'})", CUSTOM_CHOICES)
        self.tags.setChecked(self.saved.tags)
        self._edited()

    def _add(self, name: str, label: str, choices: Iterable[Target]) -> None:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        combo = QComboBox()
        combo.setObjectName(f"mapping:{name}")
        for target in choices:
            combo.addItem(STANDARD_TEXT.get(name, TARGET_TEXT[target]) if target is Target.STANDARD
                          else TARGET_TEXT[target], target.value)
        combo.setCurrentIndex(max(0, combo.findData(self.saved.target(name).value)))
        combo.currentIndexChanged.connect(self._edited)
        self.combos[name] = combo
        line.addWidget(combo)
        if Target.CUSTOM in choices:
            cc_label = QComboBox()
            cc_label.setObjectName(f"mappingLabel:{name}")
            cc_label.setEditable(True)
            cc_label.setMinimumContentsLength(18)
            cc_label.setToolTip(label_tip(self.limits))
            cc_label.addItems(self._known)
            cc_label.setEditText(self.saved.label(name))
            cc_label.lineEdit().setMaxLength(60)  # longer than allowed, so a too-long label is explained
            cc_label.editTextChanged.connect(self._edited)
            kind = QComboBox()
            kind.setObjectName(f"mappingType:{name}")
            kind.setToolTip(email_services.worded_for(TYPE_TIP, self.limits.service))
            for value, text in FIELD_TYPES.items():
                kind.addItem(text, value)
            kind.setCurrentIndex(max(0, kind.findData(self.saved.field_type(name))))
            kind.currentIndexChanged.connect(self._edited)
            self.labels[name], self.types[name] = cc_label, kind
            word = QLabel("as")
            self._as[name] = word
            line.addWidget(word)
            line.addWidget(cc_label)
            line.addWidget(kind)
        line.addStretch(1)
        self.form.addRow(label, row)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Coming back to the page shows the CRM's fields as they are now (unless an edit is pending)."""
        if self.edited_mapping() == self.saved:
            self.reload()
        super().showEvent(event)

    # -- editing --------------------------------------------------------------------------------------

    def edited_mapping(self) -> FieldMapping:
        """The mapping as the page shows it (``MappingError`` when a label cannot be)."""
        mapping = FieldMapping(self.tags.isChecked(), self.saved.fields, self.saved.labels, self.saved.types)
        for name, combo in self.combos.items():
            target = Target(combo.currentData())
            if target is Target.CUSTOM and name in self.labels:
                label, kind = self.labels[name].currentText(), self.types[name].currentData()
                if (target, label.strip(), kind) != (mapping.target(name), mapping.label(name),
                                                     mapping.field_type(name)):
                    mapping = mapping.with_field(name, target, label=label, field_type=kind, limits=self.limits)
            elif target != mapping.target(name):
                mapping = mapping.with_field(name, target)
        return mapping

    def problem(self) -> str:
        """Why the edited mapping cannot be kept ("" when it can)."""
        try:
            check(self.edited_mapping(), self._use.values(), self.saved, values=self.field_values,
                  limits=self.limits)
        except MappingError as error:
            return str(error)
        return ""

    def _edited(self, *_args: object) -> None:
        for name, combo in self.combos.items():  # a label and type only for a custom field
            if name in self.labels:
                custom = combo.currentData() == Target.CUSTOM.value
                for widget in (self._as[name], self.labels[name], self.types[name]):
                    widget.setEnabled(custom)
                    widget.setVisible(custom)
        problem = self.problem()
        if problem and not self._label_ok():
            self.save.setEnabled(False)
            self.state.setText("Cannot be kept: " + problem)
            return
        mapping = self.edited_mapping()
        used = usage(mapping, self._use.values(), limits=self.limits)
        self.usage.setText(usage_text(used))
        changed = mapping != self.saved
        self.save.setEnabled(changed and not problem)
        over = used.problems()
        if problem:
            self.state.setText("Cannot be kept: " + problem)
        else:
            self.state.setText(("Not saved yet." if changed else "Saved.")
                               + (" Over the limits: " + " ".join(over) if over else ""))

    def _label_ok(self) -> bool:
        try:
            self.edited_mapping()
        except MappingError:
            return False
        return True

    def apply(self) -> None:
        if self.problem():
            return
        save_mapping(self.settings, self.edited_mapping())
        self.reload()
