"""A damaged, locked, read-only or full data file ends in one sentence naming it, with its own exit code.

Each case is met the way a user meets it: a file damaged on disk, a second program holding the
database, a write refused by the operating system (injected at the JSON writer: ENOSPC for a full
disk, EROFS for a read-only folder, since filling a disk or remounting is not for a test), and the
command line or the settings store run on it. Every case also checks that nothing was written half.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ctctdesk import jsonfile
from ctctdesk.app import build_context, prepare_data_folder
from ctctdesk.cli import main
from ctctdesk.commands import _file_problems as codes
from ctctdesk.crm import lists
from ctctdesk.crm.errors import CrmError
from ctctdesk.ctct.connection import STATE_FILE_NAME, Connection
from ctctdesk.ctct.endpoints import SETTINGS_FILE_NAME as CC_SETTINGS
from ctctdesk.ctct.errors import CtctError
from ctctdesk.file_problems import DataFileError, FileProblem
from ctctdesk.settings_store import SettingsError, SettingsStore
from tests.conftest import REPO_ROOT


def ctctdesk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ctctdesk", *args], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=timeout)


def one_sentence(stderr: str) -> str:
    """The one line the command line printed, checked to be a sentence and not a traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("ctctdesk: ") and lines[0].endswith(".")
    return lines[0]


def leftovers(folder: Path) -> list[str]:
    """Temporary files a half-done write would leave behind."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


@pytest.fixture
def refuse_writes(monkeypatch):
    """Make the JSON writer's operating system refuse with `errno` after half the file is written."""

    def install(code: int) -> None:
        real_fdopen = jsonfile.os.fdopen

        def half_then_fail(fd, *args, **kwargs):
            handle = real_fdopen(fd, *args, **kwargs)
            real_write = handle.write

            def write(text: str) -> int:
                real_write(text[: len(text) // 2])
                handle.flush()
                raise OSError(code, "injected: " + errno.errorcode[code])

            handle.write = write
            return handle

        monkeypatch.setattr(jsonfile.os, "fdopen", half_then_fail)

    return install


# -- settings.json -------------------------------------------------------------------------------------


def test_settings_that_are_not_json_stop_the_command_and_never_fall_back_to_a_local_database(tmp_path):
    data_dir = tmp_path / "desk"
    data_dir.mkdir()
    damaged = '{"database_url": "postgresql://ctctdesk@dbserver/ctctdesk",\n'  # the closing brace lost
    (data_dir / "settings.json").write_text(damaged)
    result = ctctdesk("--data-dir", str(data_dir), "export-csv", str(tmp_path / "out.csv"))
    assert result.returncode == codes.EXIT_DAMAGED == 13
    line = one_sentence(result.stderr)
    assert str(data_dir / "settings.json") in line
    assert "is not valid JSON (line 2, column 1" in line and "fix it, or delete it" in line
    assert not (data_dir / "ctctdesk.sqlite3").exists()  # no quiet local database instead of the office's
    assert not (tmp_path / "out.csv").exists()
    assert (data_dir / "settings.json").read_text() == damaged  # kept as it was, for fixing


@pytest.mark.parametrize("content", ["[1, 2]", "\xff\xfe binary", ""])
def test_settings_store_refuses_any_file_that_is_not_a_json_object(tmp_path, content):
    path = tmp_path / "settings.json"
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(SettingsError) as caught:
        SettingsStore(path)
    assert caught.value.problem is FileProblem.DAMAGED
    assert str(path) in str(caught.value) and "fix it, or delete it" in str(caught.value)


@pytest.mark.parametrize(("code", "problem", "words"), [
    (errno.ENOSPC, FileProblem.DISK_FULL, "the disk is full: free some space"),
    (errno.EROFS, FileProblem.NOT_WRITABLE, "writable for you, or start ctctdesk with --data-dir"),
])
def test_a_settings_save_the_disk_refuses_keeps_the_old_file_whole(tmp_path, refuse_writes, code, problem, words):
    path = tmp_path / "settings.json"
    store = SettingsStore(path)
    store.set("database_url", "postgresql://office/crm")
    refuse_writes(code)
    with pytest.raises(SettingsError) as caught:
        store.set("sync_every_minutes", 15)
    assert caught.value.problem is problem
    assert str(path) in str(caught.value) and words in str(caught.value)
    assert json.loads(path.read_text()) == {"database_url": "postgresql://office/crm"}
    assert store.get("sync_every_minutes") is None  # memory agrees with the file
    assert leftovers(tmp_path) == []


# -- the database ----------------------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["not a database", "truncated"])
def test_a_damaged_database_is_named_with_what_to_do(tmp_path, damage):
    data_dir = tmp_path / "desk"
    if damage == "truncated":
        assert ctctdesk("--data-dir", str(data_dir), "demo-data", "--contacts", "60").returncode == 0
        database = data_dir / "ctctdesk.sqlite3"
        whole = database.read_bytes()
        assert len(whole) > 8192
        database.write_bytes(whole[: len(whole) // 3])
        for journal in data_dir.glob("ctctdesk.sqlite3-*"):
            journal.unlink()
    else:
        data_dir.mkdir()
        (data_dir / "ctctdesk.sqlite3").write_bytes(b"PK\x03\x04 a zip file, say" * 300)
    before = (data_dir / "ctctdesk.sqlite3").read_bytes()
    result = ctctdesk("--data-dir", str(data_dir), "export-csv", str(tmp_path / "out.csv"))
    assert result.returncode == codes.EXIT_DAMAGED
    line = one_sentence(result.stderr)
    assert f"The database {data_dir / 'ctctdesk.sqlite3'} is damaged" in line
    assert "restore it from a backup, or move it out of the data folder" in line
    assert (data_dir / "ctctdesk.sqlite3").read_bytes() == before  # not "repaired" behind the user's back


def test_a_database_locked_beyond_the_busy_timeout_names_the_file(tmp_path):
    context = build_context(tmp_path)
    try:
        context.database.execute_sql("PRAGMA busy_timeout = 50")  # the 5 s of real use, shortened
        other = sqlite3.connect(tmp_path / "ctctdesk.sqlite3", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another desk program in the middle of a write
        try:
            with pytest.raises(CrmError) as caught:
                lists.create_list("Newsletter")
        finally:
            other.rollback()
            other.close()
        assert isinstance(caught.value, DataFileError) and caught.value.problem is FileProblem.LOCKED
        assert str(tmp_path / "ctctdesk.sqlite3") in str(caught.value)
        assert "close the other ctctdesk window or command" in str(caught.value)
        assert [s.name for s in lists.list_summaries()] == []  # nothing was written
    finally:
        context.close()


@pytest.mark.slow
def test_the_command_line_gives_up_on_a_locked_database_with_exit_code_14(tmp_path):
    """The real busy timeout (5 s) of a real process, while this test holds the write lock."""
    data_dir = tmp_path / "desk"
    build_context(data_dir).close()
    csv = tmp_path / "people.csv"
    csv.write_text("company,type,email,first_name\nAcme,customer,ann@acme.example,Ann\n")
    other = sqlite3.connect(data_dir / "ctctdesk.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        result = ctctdesk("--data-dir", str(data_dir), "import-csv", str(csv))
    finally:
        other.rollback()
        other.close()
    assert result.returncode == codes.EXIT_LOCKED == 14
    line = one_sentence(result.stderr)
    assert f"The database {data_dir / 'ctctdesk.sqlite3'} is locked by another program" in line
    exported = tmp_path / "after.csv"
    assert ctctdesk("--data-dir", str(data_dir), "export-csv", str(exported)).returncode == 0
    assert "ann@acme.example" not in exported.read_text(encoding="utf-8-sig")  # nothing half-imported


@pytest.mark.parametrize(("pragma", "problem", "words"), [
    ("max_page_count", FileProblem.DISK_FULL, "because the disk is full: free some space"),
    ("query_only", FileProblem.NOT_WRITABLE, "writable for you, or start ctctdesk with --data-dir"),
])
def test_a_database_that_cannot_be_written_says_why(tmp_path, pragma, problem, words):
    context = build_context(tmp_path)
    try:
        lists.create_list("Kept")
        if pragma == "max_page_count":  # SQLite's own "database or disk is full", without filling a disk
            pages = context.database.execute_sql("PRAGMA page_count").fetchone()[0]
            context.database.execute_sql(f"PRAGMA max_page_count = {pages}")
        else:  # SQLite's "attempt to write a readonly database", as on a read-only folder
            context.database.execute_sql("PRAGMA query_only = 1")
        with pytest.raises(CrmError) as caught:
            for number in range(200):
                lists.create_list(f"List {number} " + "x" * 200)
        assert caught.value.problem is problem
        assert str(tmp_path / "ctctdesk.sqlite3") in str(caught.value) and words in str(caught.value)
        context.database.execute_sql("PRAGMA query_only = 0")
        context.database.execute_sql("PRAGMA max_page_count = 1073741823")
        assert "Kept" in [s.name for s in lists.list_summaries()]
    finally:
        context.close()


def test_a_data_folder_that_cannot_be_made_is_named(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(DataFileError) as caught:
        prepare_data_folder(blocker / "desk")
    assert caught.value.problem is FileProblem.NOT_WRITABLE
    assert "--data-dir" in str(caught.value)
    result = ctctdesk("--data-dir", str(blocker / "desk"), "status", "--offline")
    assert result.returncode == codes.EXIT_NOT_WRITABLE == 15
    assert str(blocker / "desk") in one_sentence(result.stderr)


# -- the Constant Contact files -------------------------------------------------------------------------


def test_a_damaged_constant_contact_settings_file_is_never_replaced_by_defaults(tmp_path):
    data_dir = tmp_path / "desk"
    Connection.open(data_dir).set_client_id("office-key")
    path = data_dir / CC_SETTINGS
    saved = path.read_text()
    path.write_text(saved[: len(saved) // 2])  # cut short, as by a crash of another program
    for command in (["status", "--offline"], ["sync", "--from-cc", "--dry-run"]):
        result = ctctdesk("--data-dir", str(data_dir), *command)
        assert result.returncode == codes.EXIT_DAMAGED, result.stderr
        line = one_sentence(result.stderr)
        assert f"The Constant Contact settings file {path} is damaged" in line
        assert "fix it, or delete it and connect again" in line
    assert path.read_text() == saved[: len(saved) // 2]  # the profile id in it is not overwritten


def test_wrong_values_in_the_constant_contact_settings_file_are_damage_too(tmp_path):
    (tmp_path / CC_SETTINGS).write_text('{"redirect_port": "eighty", "client_id": "k"}')
    with pytest.raises(CtctError) as caught:
        Connection.open(tmp_path)
    assert caught.value.problem is FileProblem.DAMAGED and "redirect_port" in str(caught.value)


def test_a_damaged_state_file_is_named(tmp_path):
    data_dir = tmp_path / "desk"
    Connection.open(data_dir)
    (data_dir / STATE_FILE_NAME).write_text('{"connected_since": "2026-')
    result = ctctdesk("--data-dir", str(data_dir), "status", "--offline")
    assert result.returncode == codes.EXIT_DAMAGED
    line = one_sentence(result.stderr)
    assert f"The Constant Contact state file {data_dir / STATE_FILE_NAME} is damaged" in line
    assert "delete it, then connect again" in line


def test_a_full_disk_while_saving_the_api_key_changes_nothing(tmp_path, refuse_writes, capsys):
    data_dir = tmp_path / "desk"
    Connection.open(data_dir).set_client_id("old-key")
    saved = (data_dir / CC_SETTINGS).read_text()
    refuse_writes(errno.ENOSPC)
    code = main(["--data-dir", str(data_dir), "connect", "--api-key", "new-key", "--no-browser"])
    assert code == codes.EXIT_DISK_FULL == 16
    line = one_sentence(capsys.readouterr().err)
    assert f"could not save {data_dir / CC_SETTINGS} because the disk is full" in line
    assert (data_dir / CC_SETTINGS).read_text() == saved
    assert leftovers(data_dir) == []


def test_a_read_only_folder_while_counting_requests_refuses_the_request(tmp_path, refuse_writes):
    connection = Connection.open(tmp_path)
    refuse_writes(errno.EROFS)
    with pytest.raises(CtctError) as caught:
        connection.quota.reserve()
    assert caught.value.problem is FileProblem.NOT_WRITABLE
    assert "constant-contact-usage.json" in str(caught.value)
    assert connection.quota.used == 0  # the request was not sent, so it is not counted
    assert leftovers(tmp_path) == []


def test_exit_codes_are_in_the_readme_next_to_the_others():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for code in (codes.EXIT_DAMAGED, codes.EXIT_LOCKED, codes.EXIT_NOT_WRITABLE, codes.EXIT_DISK_FULL):
        assert f"{code} " in readme.split("## Data files that cannot be used", 1)[1].split("\n## ", 1)[0]
