"""The eligibility rules (L6, R1–R3) decide who can be ticked; these are what a user sees as reasons."""

import pytest

from ctctdesk.crm import lists, rules
from ctctdesk.crm.models import Contact
from ctctdesk.crm.rules import Ineligibility, ineligibility


@pytest.mark.parametrize(
    ("email", "dnc", "status", "expected"),
    [
        ("jane@smith-co.com", False, "subscribed", None),
        ("jane@smith-co.com", False, "bounced", None),
        ("", False, "unknown", Ineligibility.NO_EMAIL),
        ("   ", False, "unknown", Ineligibility.NO_EMAIL),
        ("jane.smith-co.com", False, "unknown", Ineligibility.INVALID_EMAIL),
        ("jane@", False, "unknown", Ineligibility.INVALID_EMAIL),
        ("jane smith@smith-co.com", False, "unknown", Ineligibility.INVALID_EMAIL),
        ("info@smith-co.com", False, "unknown", Ineligibility.ROLE_ADDRESS),
        ("Sales@Smith-Co.com", False, "unknown", Ineligibility.ROLE_ADDRESS),
        ("support+eu@smith-co.com", False, "unknown", Ineligibility.ROLE_ADDRESS),
        ("information.desk@smith-co.com", False, "unknown", None),
        ("jane@smith-co.com", True, "subscribed", Ineligibility.DO_NOT_CONTACT),
        ("jane@smith-co.com", False, "unsubscribed", Ineligibility.UNSUBSCRIBED),
    ],
)
def test_reasons(email, dnc, status, expected):
    assert ineligibility(email, dnc, status) is expected


def test_every_reason_has_a_readable_text():
    for reason in Ineligibility:
        assert reason.text and reason.text[0].isupper()


def test_role_prefixes_are_configurable_and_stored(office):
    assert rules.load_role_prefixes() == rules.DEFAULT_ROLE_PREFIXES
    # "alice" becomes a role address; "info" no longer is one.
    rules.save_role_prefixes(["Alice@", "sales", " "])
    assert rules.load_role_prefixes() == ("alice", "sales")
    assert Contact.get_by_id(office["alice"]).ineligible_reason == Ineligibility.ROLE_ADDRESS.value
    assert Contact.get_by_id(office["info"]).ineligible_reason is None


def test_new_role_prefix_takes_contact_out_of_lists(office):
    newsletter = lists.create_list("Newsletter")
    lists.add_members(newsletter.id, [office["alice"], office["bob"]])
    rules.save_role_prefixes([*rules.DEFAULT_ROLE_PREFIXES, "bob"])
    assert lists.member_ids(newsletter.id) == {office["alice"]}


def test_refresh_only_touches_changed_rows(office):
    assert rules.refresh_ineligibility(None) == 0
    Contact.update(email="").where(Contact.id == office["alice"]).execute()
    assert rules.refresh_ineligibility([office["alice"], office["bob"]]) == 1
    assert Contact.get_by_id(office["alice"]).ineligible_reason == "no_email"
