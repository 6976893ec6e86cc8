from pathlib import Path

import pytest

from ctctdesk.crm import db
from tests.support.crm_fixtures import open_crm, small_office


@pytest.fixture
def crm(tmp_path: Path):
    database = open_crm(tmp_path / "data")
    yield database
    db.close_database()


@pytest.fixture
def office(crm):
    return small_office()
