"""The CRM's change counter on PostgreSQL (D5): every write moves it, and a write another desk has not
committed yet moves it when it commits — never before the data it stands for is visible."""

import psycopg2

from ctctdesk.crm import changes
from tests.support.crm_fixtures import add_company, add_contact
from tests.unit.crm.test_change_counter import (  # noqa: F401 - collected here again, on PostgreSQL
    test_a_rolled_back_write_leaves_it_as_it_was,
    test_every_kind_of_write_moves_the_counter,
    test_reading_does_not_move_it,
)


def test_another_desks_write_counts_when_it_commits(crm, postgres_url):
    firm = add_company("Firm")
    add_contact(firm, "Ann", "Ames", "ann@firm.example")
    other = psycopg2.connect(postgres_url)
    try:
        before = changes.change_count()
        with other.cursor() as cursor:
            cursor.execute("UPDATE contact SET job_title = 'Buyer'")
            assert changes.change_count() == before  # not committed: not seen, not counted here
        other.commit()
        assert changes.change_count() > before
    finally:
        other.close()
