"""The composition root without Qt: a data folder gets its database, settings and log file."""

import argparse
import logging

import pytest

from ctctdesk.app import build_context, resolve_data_dir
from ctctdesk.crm import lists
from ctctdesk.settings_store import SettingsError, SettingsStore


def test_data_folder_holds_database_settings_and_logs(tmp_path):
    data_dir = tmp_path / "office data"
    context = build_context(data_dir)
    try:
        assert context.database_url.endswith("ctctdesk.sqlite3")
        assert (data_dir / "ctctdesk.sqlite3").exists()
        lists.create_list("Kept")
        logging.getLogger("ctctdesk.test").info("hello from the test")
        assert context.log_path.parent == data_dir / "logs"
        assert "hello from the test" in context.log_path.read_text()
        context.settings.set("sync_every_minutes", 15)
    finally:
        context.close()
    context = build_context(data_dir)
    try:
        assert [s.name for s in lists.list_summaries()] == ["Kept"]
        assert context.settings.get("sync_every_minutes") == 15
    finally:
        context.close()


def test_data_dir_option_and_platform_default(tmp_path):
    assert resolve_data_dir(argparse.Namespace(data_dir=str(tmp_path))) == tmp_path.resolve()
    default = resolve_data_dir(argparse.Namespace(data_dir=None))
    assert default.name == "ctctdesk" and default.is_absolute()


def test_damaged_settings_file_stops_the_app_and_is_kept(tmp_path):
    """Issue 12: no quiet fallback to defaults (a PostgreSQL desk would open an empty local database)."""
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(SettingsError, match="fix it, or delete it"):
        SettingsStore(path)
    with pytest.raises(SettingsError):
        build_context(tmp_path)
    assert path.read_text() == "{not json"
    assert not (tmp_path / "ctctdesk.sqlite3").exists()
    path.unlink()
    store = SettingsStore(path)
    store.set("a", [1, 2])
    assert SettingsStore(path).as_dict() == {"a": [1, 2]}


def test_log_file_never_gets_tokens(tmp_path):
    context = build_context(tmp_path)
    try:
        logging.getLogger("ctctdesk.test").warning(
            "refresh failed: Authorization: Bearer abc.def-123 body refresh_token=r3fr3sh&x=1"
        )
        text = context.log_path.read_text()
        assert "refresh failed" in text
        assert "abc.def-123" not in text and "r3fr3sh" not in text
    finally:
        context.close()
