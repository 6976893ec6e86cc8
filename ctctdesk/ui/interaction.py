"""The one way the window asks a person something or tells them something (git-cola's interaction idea).

Every question ("Delete this list?"), message ("Could not save"), small chooser (a file name, a new tag
name) and form dialog of our own (a company's details, a tag to add) in `ctctdesk.ui` goes through an
`Interaction`. The window's context carries one (``context.ask``);
a widget finds it with `interaction_for(widget)`. Tests replace it (or answer its methods) so that no
modal dialog can ever wait for a person during an unattended run: with ``Interaction.unattended`` set
(the GUI tests set it), a question nobody answered fails the test at once instead of blocking it.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QMessageBox, QWidget


class UnansweredDialog(AssertionError):
    """A modal dialog opened in an unattended run (a test) that nobody answered."""


class Interaction:
    """Questions and messages shown as Qt dialogs; the methods are what tests answer instead."""

    #: set by the GUI tests: a dialog that would wait for a person raises `UnansweredDialog` instead
    unattended = False

    def _refuse_unattended(self, title: str, text: str) -> None:
        if self.unattended:
            raise UnansweredDialog(f"a dialog nobody answered: {title}: {text}")

    def confirm(self, parent: QWidget | None, title: str, text: str, *, default_yes: bool = False,
                warning: bool = False) -> bool:
        """Yes/No; True for Yes. `default_yes` for harmless questions ("Save your changes?")."""
        self._refuse_unattended(title, text)
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        default = QMessageBox.StandardButton.Yes if default_yes else QMessageBox.StandardButton.No
        show = QMessageBox.warning if warning else QMessageBox.question
        return show(parent, title, text, buttons, default) == QMessageBox.StandardButton.Yes

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        self._refuse_unattended(title, text)
        QMessageBox.information(parent, title, text)

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        """Something did not work; `text` says what and what to do."""
        self._refuse_unattended(title, text)
        QMessageBox.warning(parent, title, text)

    def report(self, parent: QWidget | None, title: str, text: str, details: str = "") -> None:
        """A result with a long list behind it (an import's refused rows): `details` under "Show Details"."""
        self._refuse_unattended(title, text)
        box = QMessageBox(QMessageBox.Icon.Information, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setObjectName("reportDialog")
        if details:
            box.setDetailedText(details)
            for button in box.buttons():  # open the details at once: they are what the person needs
                if box.buttonRole(button) == QMessageBox.ButtonRole.ActionRole:
                    button.click()
        box.exec()

    def ask_text(self, parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
        """A line of text, or None when cancelled."""
        self._refuse_unattended(title, label)
        value, ok = QInputDialog.getText(parent, title, label, text=text)
        return value if ok else None

    def choose(self, parent: QWidget | None, title: str, label: str, items: list[str]) -> str | None:
        """One of `items`, or None when cancelled."""
        self._refuse_unattended(title, label)
        value, ok = QInputDialog.getItem(parent, title, label, items, 0, False)
        return value if ok else None

    def open_file(self, parent: QWidget | None, title: str, name_filter: str) -> Path | None:
        self._refuse_unattended(title, name_filter)
        name, _ = QFileDialog.getOpenFileName(parent, title, "", name_filter)
        return Path(name) if name else None

    def save_file(self, parent: QWidget | None, title: str, suggested: str, name_filter: str) -> Path | None:
        self._refuse_unattended(title, suggested)
        name, _ = QFileDialog.getSaveFileName(parent, title, suggested, name_filter)
        return Path(name) if name else None

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show one of our own form dialogs modally; True when the person accepted it (its own checks passed).

        The caller builds the dialog and reads its fields afterwards, so a test answering this method fills
        in the real dialog and its validation still runs."""
        self._refuse_unattended(dialog.windowTitle(), type(dialog).__name__)
        return dialog.exec() == QDialog.DialogCode.Accepted


def interaction_for(widget: QWidget | None) -> Interaction:
    """The interaction of the window `widget` sits in (its context's ``ask``); a widget shown on its own
    (tests, scripts) gets a plain `Interaction`."""
    current = widget
    while current is not None:
        ask = getattr(getattr(current, "context", None), "ask", None)
        if isinstance(ask, Interaction):
            return ask
        current = current.parentWidget()
    return Interaction()
