"""Helpers for driving the Companies tab and its dialogs the way a person would (pytest-qt)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

from ctctdesk.ui.company_dialogs import CompanyChooserDialog, CompanyDialog, TagChooserDialog


class Answers:
    """Stands in for the person answering QMessageBox.question: records what was asked, answers Yes/No."""

    def __init__(self, monkeypatch, answer: bool = True) -> None:
        self.asked: list[str] = []
        self.answer = answer
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)
        self.warnings: list[str] = []

    def _question(self, _parent, _title, text, *_args, **_kwargs):
        self.asked.append(text)
        return QMessageBox.StandardButton.Yes if self.answer else QMessageBox.StandardButton.No

    def _warning(self, _parent, _title, text, *_args, **_kwargs):
        self.warnings.append(text)
        return QMessageBox.StandardButton.Ok


def fill_company_dialog(
    monkeypatch, qtbot, name: str, company_type: str = "Prospect", tags=(), phone: str = ""
):
    """The next CompanyDialog is filled in by typing and closed with Save; returns the dialogs seen."""
    seen: list[CompanyDialog] = []

    def exec_(dialog: CompanyDialog) -> int:
        seen.append(dialog)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.name.selectAll()
        qtbot.keyClicks(dialog.name, name)
        dialog.type.setCurrentIndex(dialog.type.findText(company_type))
        if phone:
            qtbot.keyClicks(dialog.phone, phone)
        for tag in tags:
            dialog.set_tag_checked(tag)
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(CompanyDialog, "exec", exec_)
    return seen


def choose_tag(monkeypatch, qtbot, tag_name: str) -> None:
    """The next TagChooserDialog: pick `tag_name` and press OK."""

    def exec_(dialog: TagChooserDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.combo.setCurrentIndex(dialog.combo.findText(tag_name))
        dialog.accept()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TagChooserDialog, "exec", exec_)


def choose_company(monkeypatch, qtbot, search: str) -> None:
    """The next CompanyChooserDialog: type part of the name, take the first match, press Move here."""

    def exec_(dialog: CompanyChooserDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.search, search)
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
        dialog.view.selectRow(0)
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        return dialog.result()

    monkeypatch.setattr(CompanyChooserDialog, "exec", exec_)
