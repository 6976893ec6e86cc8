"""Fixtures for the tests that run the CRM and the sync on a real PostgreSQL server (D5)."""

from collections.abc import Iterator

import peewee
import pytest

from ctctdesk.crm import db
from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)


@pytest.fixture
def pg_crm(postgres_url: str) -> Iterator[peewee.Database]:  # noqa: F811
    """The CRM opened on a fresh PostgreSQL database (models bound, migrations run)."""
    database = db.open_database(postgres_url)
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
