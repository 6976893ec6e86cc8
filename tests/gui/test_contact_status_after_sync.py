# ruff: noqa: F811 - pytest fixtures are imported by name
"""The Status column of the contacts table after a push and a pull (issue 11, found in `make demo`): a
contact ctctdesk put into Constant Contact is no longer "Not synced yet"; one never sent still is."""

from __future__ import annotations

from ctctdesk.crm import lists
from ctctdesk.crm.contacts import ContactFilter
from ctctdesk.ui.contacts_model import ContactsModel
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import sync_env  # noqa: F401


def statuses(model: ContactsModel) -> dict[str, str]:
    model.set_filter(ContactFilter())
    return {model.index(r, ContactsModel.EMAIL).data(): model.index(r, ContactsModel.STATUS).data()
            for r in range(model.rowCount())}


def test_a_contact_pushed_into_a_list_shows_subscribed_after_push_and_pull(qapp, sync_env):
    env = sync_env
    firm = add_company("Firm")
    sent = add_contact(firm, "Sent", "Q", "sent@firm.example")
    add_contact(firm, "Kept", "Q", "kept@firm.example")
    gone = add_contact(firm, "Gone", "Q", "gone@firm.example")
    customers = lists.create_list("Customers")
    lists.add_members(customers.id, [sent, gone])
    model = ContactsModel()
    assert statuses(model)["sent@firm.example"] == "Not synced yet"

    for direction in ("to_cc", "from_cc"):
        assert env.service.run(env.service.preview(direction), force=True).ok
    env.control("unsubscribe", {"email": "gone@firm.example"})
    assert env.service.run(env.service.preview("from_cc"), force=True).ok

    shown = statuses(model)
    assert shown["sent@firm.example"] == "Subscribed"
    assert shown["kept@firm.example"] == "Not synced yet"  # never in a list, never sent
    assert shown["gone@firm.example"] == "Unsubscribed"
