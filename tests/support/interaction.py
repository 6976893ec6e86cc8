"""The person at the window, played by a test: answers every question of `ctctdesk.ui.interaction`.

`Answers(monkeypatch)` answers the methods of every `Interaction` (the window's and a lone widget's):
questions get `answer` (Yes by default), text and choice prompts the next queued value, file choosers the
queued path, our own form dialogs (`run_dialog`) the next queued filler — a callable given the real dialog
that types into it and presses its buttons, so the dialog's own checks run as they do for a person.
Everything asked or shown is recorded, so a test asserts on the words a person would read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog

from ctctdesk.ui.interaction import Interaction, UnansweredDialog


class Answers:
    def __init__(self, monkeypatch, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[str] = []  # the text of every Yes/No question
        self.titles: list[str] = []  # the title of every question
        self.warnings: list[str] = []
        self.messages: list[str] = []  # information and reports (text, then details)
        self.texts: list[str | None] = []  # answers for ask_text / choose, first first
        self.files: list[Path | None] = []  # answers for open_file / save_file, first first
        #: how to fill in and close each form dialog (run_dialog), first first: accept by pressing its OK
        #: button, reject with Cancel, or leave it open (a refused Save) — the answer is what it ends as.
        #: A filler shows the dialog itself when it needs it on screen (showing one moves the focus).
        self.fillers: list[Callable[[QDialog], object]] = []
        self.dialogs: list[QDialog] = []  # every form dialog shown, first first
        names = ("confirm", "warn", "inform", "report", "ask_text", "choose", "open_file", "save_file", "run_dialog")
        for name in names:
            monkeypatch.setattr(Interaction, name, getattr(self, "_" + name))

    def _confirm(self, _parent, title, text, **_kwargs) -> bool:
        self.titles.append(title)
        self.asked.append(text)
        return self.answer

    def _warn(self, _parent, _title, text) -> None:
        self.warnings.append(text)

    def _inform(self, _parent, _title, text) -> None:
        self.messages.append(text)

    def _report(self, _parent, _title, text, details="") -> None:
        self.messages.append(text + ("\n" + details if details else ""))

    def _ask_text(self, _parent, _title, label, text="") -> str | None:
        self.asked.append(label)
        return self.texts.pop(0)

    def _choose(self, _parent, _title, label, items) -> str | None:
        self.asked.append(label)
        return self.texts.pop(0)

    def _open_file(self, _parent, _title, _filter) -> Path | None:
        return self.files.pop(0)

    def _save_file(self, _parent, _title, _suggested, _filter) -> Path | None:
        return self.files.pop(0)

    def _run_dialog(self, dialog: QDialog) -> bool:
        self.titles.append(dialog.windowTitle())
        self.dialogs.append(dialog)
        if not self.fillers:
            raise UnansweredDialog(f"no filler queued for the dialog {dialog.windowTitle()!r}")
        self.fillers.pop(0)(dialog)
        return dialog.result() == QDialog.DialogCode.Accepted
