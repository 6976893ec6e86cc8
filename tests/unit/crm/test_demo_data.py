"""The sample CRM has everything the lists tab must cope with, and the same seed gives the same data."""

from collections import Counter

import pytest

from ctctdesk.crm import db, demo_data
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.models import Company, CompanyTag, Contact, EmailList, Membership
from tests.support.crm_fixtures import open_crm


def snapshot():
    return [
        (c.first_name, c.last_name, c.email, c.company.name, c.company.type, c.do_not_contact, c.email_status)
        for c in Contact.select().order_by(Contact.id)
    ]


def test_sample_is_realistic_and_deterministic(tmp_path):
    open_crm(tmp_path / "a")
    summary = demo_data.generate(contacts=400, seed=5)
    first = snapshot()
    assert (summary.contacts, summary.companies) == (400, 100)
    assert {c.type for c in Company.select()} == {"customer", "prospect"}
    per_company = Counter(c.company_id for c in Contact.select())
    assert min(per_company.values()) >= 1 and max(per_company.values()) >= 3
    reasons = Counter(c.ineligible_reason for c in Contact.select())
    assert reasons[None] > 300
    assert {"role_address", "do_not_contact", "invalid_email", "no_email", "unsubscribed"} <= set(reasons)
    assert CompanyTag.select().count() > 50 and EmailList.select().count() == 4
    ineligible_members = Membership.select().join(Contact).where(Contact.ineligible_reason.is_null(False))
    assert Membership.select().count() > 50 and ineligible_members.count() == 0
    with pytest.raises(CrmError, match="already has contacts"):
        demo_data.generate(contacts=10)
    db.close_database()

    open_crm(tmp_path / "b")
    demo_data.generate(contacts=400, seed=5)
    assert snapshot() == first
    db.close_database()
