"""The window's edge: a data file that cannot be used is one message box before any window, exit not 0."""

from __future__ import annotations

import argparse

import pytest
from PySide6.QtWidgets import QApplication

from ctctdesk.app import run_gui
from ctctdesk.ctct.connection import STATE_FILE_NAME
from ctctdesk.ui.interaction import Interaction


@pytest.fixture
def message_boxes(monkeypatch):
    """The dialog seam's message answered by the test (a modal must never block an unattended run)."""
    shown: list[str] = []
    monkeypatch.setattr(Interaction, "warn", lambda self, parent, title, text: shown.append(text))
    return shown


@pytest.mark.parametrize(("file_name", "content", "words"), [
    ("settings.json", '{"database_url": "postgresql://office/crm"', "is not valid JSON"),
    ("ctctdesk.sqlite3", "this is no database " * 400, "is damaged or is not a ctctdesk database"),
    (STATE_FILE_NAME, "[", "The Constant Contact state file"),
])
def test_a_damaged_data_file_is_one_message_before_any_window(qapp, tmp_path, message_boxes, file_name,
                                                              content, words):
    data_dir = tmp_path / "desk"
    data_dir.mkdir()
    (data_dir / file_name).write_text(content)
    windows_before = set(QApplication.topLevelWidgets())
    code = run_gui(argparse.Namespace(data_dir=str(data_dir), sandbox=None))
    assert code != 0
    assert len(message_boxes) == 1
    assert str(data_dir / file_name) in message_boxes[0] and words in message_boxes[0]
    assert not [w for w in set(QApplication.topLevelWidgets()) - windows_before if w.isVisible()]
