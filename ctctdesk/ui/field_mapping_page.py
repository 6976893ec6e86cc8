"""Settings → Field mapping (R11): what each CRM field becomes in Constant Contact.

The page edits a `FieldMapping` and keeps it in ``settings.json`` on Save (``ctctdesk mapping show`` reads
the same). It shows how many custom fields the mapping sends against Constant Contact's limits and refuses
a mapping that cannot fit, saying why. Nothing is sent on Save: the next preview shows the change first.
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

PAGE_TITLE = "Field mapping"
NOTE = ("Nothing is sent when you save: the next preview on the Synchronize tab shows what the new mapping "
        "changes in Constant Contact, before you run it. Tags beyond Constant Contact's limits (50 per "
        "contact, 500 per account) are named in that preview.")
#: What each kind of field may become (the model refuses the rest with a reason too).
CHOICES = {PHONE: (Target.STANDARD, Target.CUSTOM, Target.OFF), ADDRESS: (Target.STANDARD, Target.OFF)}
CUSTOM_CHOICES = (Target.CUSTOM, Target.OFF)
#: How a standard field reads in the choice, per field.
STANDARD_TEXT = {PHONE: "standard field (phone number)", ADDRESS: "standard field (street address)"}
LABEL_TIP = ("The Constant Contact custom field it goes to: pick one Constant Contact already has, or type a "
             "new label (at most 50 characters) — it is made, with the type on the right, at the next sync.")


class FieldMappingPage(QWidget):
    """``settings``: the data folder's settings store; ``field_use``: contact id → custom field names
    (read from the CRM by the caller, so the page holds no SQL)."""

    def __init__(self, settings, field_use: Callable[[], dict[int, list[str]]],
                 parent: QWidget | None = None,
                 cc_labels: Callable[[], list[str]] | None = None,
                 field_values: Callable[[str], list[str]] | None = None) -> None:  # fmt: skip
        """``cc_labels``: the labels of the custom fields Constant Contact had at the last sync (kept
        locally, so the page reads nothing over the network); ``field_values``: a CRM custom field's
        values (a field chosen to go as a date must hold dates)."""
        super().__init__(parent)
        self.settings = settings
        self.field_use = field_use
        self.cc_labels = cc_labels or (lambda: [])
        self.field_values = field_values
        self.setObjectName("fieldMappingSettings")
        layout = QVBoxLayout(self)

        self.tags = QCheckBox("Company type and marketing tags as contact tags")
        self.tags.setToolTip("Each contact carries its company's type and marketing tags as Constant Contact "
                             "contact tags, created there under the CRM's names.")
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
        note = QLabel(NOTE)
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(note)

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
            cc_label.setToolTip(LABEL_TIP)
            cc_label.addItems(self._known)
            cc_label.setEditText(self.saved.label(name))
            cc_label.lineEdit().setMaxLength(60)  # longer than allowed, so a too-long label is explained
            cc_label.editTextChanged.connect(self._edited)
            kind = QComboBox()
            kind.setObjectName(f"mappingType:{name}")
            kind.setToolTip("The type a new Constant Contact custom field is made with (an existing one keeps "
                            "its own).")
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
                    mapping = mapping.with_field(name, target, label=label, field_type=kind)
            elif target != mapping.target(name):
                mapping = mapping.with_field(name, target)
        return mapping

    def problem(self) -> str:
        """Why the edited mapping cannot be kept ("" when it can)."""
        try:
            check(self.edited_mapping(), self._use.values(), self.saved, values=self.field_values)
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
        self.usage.setText(usage_text(usage(mapping, self._use.values())))
        changed = mapping != self.saved
        self.save.setEnabled(changed and not problem)
        over = usage(mapping, self._use.values()).problems()
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
