"""D5: two desks (two data folders) whose settings point at one PostgreSQL database see the same CRM."""

import peewee

from ctctdesk.app import DATABASE_URL_SETTING, build_context
from ctctdesk.crm import lists
from ctctdesk.settings_store import SETTINGS_FILE_NAME, SettingsStore


def test_two_desks_share_one_database(postgres_url, tmp_path):
    desks = [tmp_path / "front desk", tmp_path / "back office"]
    for data_dir in desks:
        data_dir.mkdir()
        SettingsStore(data_dir / SETTINGS_FILE_NAME).set(DATABASE_URL_SETTING, postgres_url)
    context = build_context(desks[0])
    try:
        assert isinstance(context.database, peewee.PostgresqlDatabase)
        lists.create_list("Shared Newsletter")
    finally:
        context.close()
    context = build_context(desks[1])
    try:
        assert [s.name for s in lists.list_summaries()] == ["Shared Newsletter"]
        assert not (desks[1] / "ctctdesk.sqlite3").exists()  # nothing kept on the desk itself
    finally:
        context.close()
