"""Helpers for driving the Companies tab and its dialogs the way a person would (pytest-qt).

Each dialog helper returns a filler for `Answers.fillers`: the tab opens its real dialog through the
interaction seam, the filler types into it and presses its buttons, and the dialog's own checks decide.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from ctctdesk.ui.company_dialogs import CompanyChooserDialog, CompanyDialog, TagChooserDialog
from tests.support.interaction import Answers  # noqa: F401 - the helpers' tests import it from here


def fill_company_dialog(
    qtbot, name: str, company_type: str = "Prospect", tags=(), phone: str = ""
) -> Callable[[CompanyDialog], None]:
    """A CompanyDialog filled in by typing and closed with Save (it stays open when Save is refused)."""

    def fill(dialog: CompanyDialog) -> None:
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

    return fill


def choose_tag(qtbot, tag_name: str) -> Callable[[TagChooserDialog], None]:
    """A TagChooserDialog: pick `tag_name` and press OK."""

    def fill(dialog: TagChooserDialog) -> None:
        qtbot.addWidget(dialog)
        dialog.combo.setCurrentIndex(dialog.combo.findText(tag_name))
        ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    return fill


def choose_company(qtbot, search: str) -> Callable[[CompanyChooserDialog], None]:
    """A CompanyChooserDialog: type part of the name, take the first match, press Move here."""

    def fill(dialog: CompanyChooserDialog) -> None:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.keyClicks(dialog.search, search)
        qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
        dialog.view.selectRow(0)
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    return fill
