"""The CRM's own unit tests, run again with their `crm` fixture on PostgreSQL (see conftest.py).

Tests that open their own SQLite file (tmp_path) are SQLite-only by nature and are left out.
"""

from tests.unit.crm.test_contacts import *  # noqa: F403
from tests.unit.crm.test_csv_io import *  # noqa: F403
from tests.unit.crm.test_editing import *  # noqa: F403
from tests.unit.crm.test_lists import *  # noqa: F403
from tests.unit.crm.test_rules import *  # noqa: F403

# SQLite-only: it locks the file with a second sqlite3 connection (PostgreSQL has no database file lock).
del test_locked_database_is_a_clear_crm_error  # noqa: F821
