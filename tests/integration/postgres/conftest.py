"""Fixtures for the tests that run the CRM and the sync on a real PostgreSQL server (D5)."""

from collections.abc import Iterator

import peewee
import pytest

from ctctdesk.crm import db
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401  (fixture)
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)


@pytest.fixture
def pg_crm(postgres_url: str) -> Iterator[peewee.Database]:  # noqa: F811
    """The CRM opened on a fresh PostgreSQL database (models bound, migrations run)."""
    database = db.open_database(postgres_url)
    assert isinstance(database, peewee.PostgresqlDatabase)
    try:
        yield database
    finally:
        db.close_database()


@pytest.fixture
def crm(pg_crm: peewee.Database) -> peewee.Database:
    """The CRM unit tests' `crm` fixture, on PostgreSQL (see test_crm_suite_on_postgres.py)."""
    return pg_crm


@pytest.fixture
def office(crm: peewee.Database) -> dict[str, int]:
    from tests.support.crm_fixtures import small_office

    return small_office()


@pytest.fixture
def pg_sync_env(sandbox, memory_keyring, postgres_url, tmp_path):  # noqa: F811
    """The sync integration tests' environment (sandbox, connection, SyncService) over PostgreSQL."""
    from ctctdesk.ctct.connection import Connection
    from ctctdesk.ctct.endpoints import ConnectionSettings
    from ctctdesk.sync.service import SyncService
    from tests.support.clocks import client_clock
    from tests.support.sandbox_http import Api
    from tests.support.sync_fixtures import SyncEnv, connect

    data_dir = tmp_path / "data"
    data_dir.mkdir(parents=True)
    database = db.open_database(postgres_url)
    connection = Connection(
        data_dir, settings=ConnectionSettings.for_sandbox(sandbox.base_url, redirect_port=0),
        clock=client_clock(sandbox),
    )
    connect(connection, sandbox)
    token = sandbox.oauth.issue_token("contact_data account_read", None)["access_token"]
    env = SyncEnv(
        sandbox, Api(sandbox.base_url, token), connection, SyncService(database, connection, pull_first=False), data_dir
    )
    try:
        yield env
    finally:
        db.close_database()
