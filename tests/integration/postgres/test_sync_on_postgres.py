# ruff: noqa: F403, F811
"""The sync scenarios (pull, push, both) end to end against the sandbox, with the CRM, the baseline and the
journal in PostgreSQL: the sync's plain SQL (placeholders, quoting, ON CONFLICT) runs on the real server."""

import pytest

from tests.integration.test_sync_scenarios import *


@pytest.fixture
def sync_env(pg_sync_env):
    """The scenarios' own fixture name, pointed at PostgreSQL (defined after the import on purpose)."""
    return pg_sync_env
