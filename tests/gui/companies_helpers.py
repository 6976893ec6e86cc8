"""Helpers for driving the Companies tab and its dialogs the way a person would (pytest-qt)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from ctctdesk.ui.company_dialogs import CompanyChooserDialog, CompanyDialog, TagChooserDialog
from tests.support.interaction import Answers  # noqa: F401 - the helpers' tests import it from here


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
