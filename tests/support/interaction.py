"""The person at the window, played by a test: answers every question of `ctctdesk.ui.interaction`.

`Answers(monkeypatch)` answers the methods of every `Interaction` (the window's and a lone widget's):
questions get `answer` (Yes by default), text and choice prompts the next queued value, file choosers the
queued path; everything asked or shown is recorded, so a test asserts on the words a person would read.
"""

from __future__ import annotations

from pathlib import Path

from ctctdesk.ui.interaction import Interaction


class Answers:
    def __init__(self, monkeypatch, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[str] = []  # the text of every Yes/No question
        self.titles: list[str] = []  # the title of every question
        self.warnings: list[str] = []
        self.messages: list[str] = []  # information and reports (text, then details)
        self.texts: list[str | None] = []  # answers for ask_text / choose, first first
        self.files: list[Path | None] = []  # answers for open_file / save_file, first first
        for name in ("confirm", "warn", "inform", "report", "ask_text", "choose", "open_file", "save_file"):
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
