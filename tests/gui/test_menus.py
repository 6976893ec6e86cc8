"""The menu bar: import and export without a terminal, undo from the Edit menu, About = --version."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from ctctdesk.cli import main
from ctctdesk.crm.models import Contact
from tests.support.interaction import Answers


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def companies_count(window) -> str:
    return window.findChild(QLabel, "companyCountLabel").text()


def test_import_from_the_file_menu_reports_each_refused_row_and_refreshes_the_tabs(
    qtbot, office_dir, open_window, monkeypatch, tmp_path
):
    answers = Answers(monkeypatch)
    source = tmp_path / "new people.csv"
    source.write_text(
        "company,type,first_name,last_name,email,lists\n"
        "Delta Bakery,customer,Dan,Dough,dan@deltabakery.com,Bakers\n"
        "Delta Bakery,customer,Dee,Dough,dee@deltabakery.com,Bakers\n"
        ",customer,No,Company,nocompany@example.com,\n",
        encoding="utf-8",
    )
    window = open_window(office_dir)
    window.tabs.setCurrentIndex(window.tabs.indexOf(window.companies_tab))
    assert companies_count(window) == "3 companies"
    answers.files.append(source)
    action(window, "importCsvAction").trigger()
    qtbot.waitUntil(lambda: bool(answers.messages))
    report = answers.messages[0]
    assert report.startswith("new people.csv: 2 contacts added, 0 updated, 1 row not imported")
    assert "line 4: not imported — " in report
    qtbot.waitUntil(lambda: companies_count(window) == "4 companies")


def test_a_refused_file_writes_nothing_and_says_why(qtbot, office_dir, open_window, monkeypatch, tmp_path):
    answers = Answers(monkeypatch)
    source = tmp_path / "photo.csv"
    source.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    window = open_window(office_dir)
    before = Contact.select().count()
    answers.files.append(source)
    action(window, "importCsvAction").trigger()
    qtbot.waitUntil(lambda: bool(answers.warnings))
    assert answers.warnings == ["photo.csv is not a CSV file (it contains binary data). Nothing was imported."]
    assert Contact.select().count() == before


def test_export_then_about_and_quit(qtbot, office_dir, open_window, monkeypatch, tmp_path, capsys):
    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    target = tmp_path / "out.csv"
    answers.files.append(target)
    action(window, "exportCsvAction").trigger()
    qtbot.waitUntil(lambda: bool(answers.messages))
    assert answers.messages[-1] == f"Exported 8 contacts to {target}."
    assert target.read_text(encoding="utf-8-sig").count("\n") == 9

    action(window, "aboutAction").trigger()
    about = answers.messages[-1]
    assert f"Data folder: {office_dir}" in about and "Qt version: " in about and "Version: ctctdesk " in about
    try:
        main(["--data-dir", str(office_dir), "--version"])
    except SystemExit:
        pass
    assert capsys.readouterr().out.strip() == about  # the same facts on the command line

    action(window, "shortcutsAction").trigger()
    assert "Ctrl+Shift+Z" in answers.messages[-1]
    assert action(window, "quitAction").shortcut().toString() == "Ctrl+Q"
    action(window, "quitAction").trigger()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_edit_menu_undoes_a_tick(qtbot, office_dir, open_window, monkeypatch):
    from tests.gui.test_lists_tab import Tab

    Answers(monkeypatch)
    window = open_window(office_dir)
    tab = Tab(window)
    tab.new_list(qtbot, "Trade Newsletter")
    tab.press_space_on(qtbot, "Alice Archer")
    assert tab.ticked() == ["Alice Archer"]
    undo = action(window, "undoAction")
    assert "Tick 1 contact in “Trade Newsletter”" in undo.text()
    undo.trigger()
    qtbot.waitUntil(lambda: tab.ticked() == [])
    action(window, "redoAction").trigger()
    qtbot.waitUntil(lambda: tab.ticked() == ["Alice Archer"])
