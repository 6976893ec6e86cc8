"""Property-based tests of the engine over Campaign Monitor's per-list subscriber model (issue 16).

Random histories on both sides — in the CRM (values, list ticks, Do Not Contact, new contacts, address
changes) and in Campaign Monitor, list by list (a subscriber unsubscribes from one list, bounces, is
deleted by the owner, an address is suppressed, a new address signs up) — then a pull and a push as a
person would run them. The planner is the same as for Constant Contact; what is checked is that the
per-list model reaches it intact:

* R3: nobody who unsubscribed (in any list) or was suppressed is made active in a list by ctctdesk
  (a suppressed address stays "Active" in its lists in Campaign Monitor, which sends it nothing), and
  the CRM says they unsubscribed (or bounced);
* nothing left to pull, and nothing left to push but the re-adds Campaign Monitor refuses (a subscriber
  deleted from a list comes back only when resubscribed, which ctctdesk never asks);
* one CRM contact per address.

The engine runs on a real CRM database against the in-memory Campaign Monitor of
`tests/support/fake_cmon.py` (the scenario suite covers the emulator); more examples with
CMON_EXAMPLES=200.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.editing.contacts import delete_contacts
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.models import Contact
from ctctdesk.sync.operations import AddMembership, Side, UpdateContact
from tests.support.cmon_sync import CmonEnv, make_cmon_env
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.fake_cmon import FakeCampaignMonitor

EXAMPLES = int(os.environ.get("CMON_EXAMPLES", "40"))
TITLES = ("One", "Two")
CRM_EDITS = ["l_field", "l_tick", "l_untick", "l_dnc", "l_new", "l_email", "l_delete"]
CM_EDITS = ["r_unsub", "r_bounce", "r_delete", "r_suppress", "r_signup"]
edits = st.lists(st.tuples(st.sampled_from(CRM_EDITS + CM_EDITS), st.integers(0, 20), st.integers(0, 1)),
                 max_size=10)


def pick(seq, i):
    seq = list(seq)
    return seq[i % len(seq)] if seq else None


class History:
    """What the random edits did that the rules speak about."""

    def __init__(self) -> None:
        #: unsubscribed in some list, or suppressed → the lists it was still active in at that moment
        self.gone: dict[str, set[str]] = {}
        self.fresh = 0

    def went(self, world, email: str) -> None:
        active = {title for title in TITLES if email in world.members(title)}
        self.gone[email] = self.gone.get(email, active) & active


def apply(env: CmonEnv, history: History, edit: tuple[str, int, int]) -> None:
    kind, i, which = edit
    world, title = env.world, TITLES[which]
    people = list(Contact.select().order_by(Contact.id))
    person = pick(people, i)
    local = lists.find_list(title)
    if kind == "l_field" and person is not None:
        contacts.update_contact(person.id, job_title=f"T{i}")
    elif kind == "l_tick" and person is not None:
        with contextlib.suppress(CrmError):  # an ineligible contact cannot be ticked (L6)
            lists.set_member(local.id, person.id, True)
    elif kind == "l_untick" and person is not None:
        lists.set_member(local.id, person.id, False)
    elif kind == "l_delete" and person is not None:
        delete_contacts([person.id])
    elif kind == "l_dnc" and person is not None:
        contacts.set_do_not_contact([person.id], True)
    elif kind == "l_new":
        history.fresh += 1
        new = add_contact(add_company(f"New{history.fresh}"), "N", f"{history.fresh}", f"n{history.fresh}@new.example")
        lists.set_member(local.id, new, True)
    elif kind == "l_email" and person is not None:
        history.fresh += 1
        contacts.update_contact(person.id, email=f"moved{history.fresh}@firm.example")
    else:
        members = sorted(world.members(title))
        email = pick(members, i)
        if kind == "r_signup":
            history.fresh += 1
            world.sign_up(title, f"s{history.fresh}@else.example", f"Sam S{history.fresh}")
        elif email is None:
            return
        elif kind == "r_unsub":
            world.set_state(title, email, "Unsubscribed")
            history.went(world, email)
        elif kind == "r_bounce":
            world.set_state(title, email, "Bounced")
        elif kind == "r_delete":
            world.set_state(title, email, "Deleted")
        elif kind == "r_suppress":
            world.suppress(email)
            history.went(world, email)


def run(env: CmonEnv, direction: str) -> None:
    summary = env.sync(direction)
    assert not summary.stopped_reason, summary


def refused_readd(env: CmonEnv, op) -> bool:
    """A push of an add Campaign Monitor refuses, naming the address: it was deleted from that list, or
    it is on the client's suppression list (an import leaves it out, code 204: a bounced address the CRM
    ticks into another list)."""
    if not isinstance(op, AddMembership):
        return False
    email = op.contact.label.rpartition("<")[2].rstrip(">")
    return email in env.world.members(op.list.name, "Deleted") or email.lower() in env.world.suppressed


def refused_move(env: CmonEnv, op) -> bool:
    """A push of a new address Campaign Monitor cannot take: the subscriber is active in no list, so
    there is no subscription to carry it (the adapter refuses it by name, and the address travels
    with the contact's next list)."""
    if not (isinstance(op, UpdateContact) and op.side is Side.CC and op.contact.cc_id):
        return False
    return not any(op.contact.cc_id in env.world.members(title) for title in TITLES)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 5), history=edits)
# found by hypothesis: the CRM unticks and re-addresses a contact whom Campaign Monitor bounced from
# one list and deleted from the other — the move is refused, named, and no other change is left
@example(n=1, history=[("l_untick", 0, 1), ("l_email", 0, 0), ("r_bounce", 0, 1), ("r_delete", 0, 0)])
# found by hypothesis: the CRM ticks a contact into a list while Campaign Monitor suppresses it and a
# list bounces it — it reads as bounced, and the add is refused by name (code 204) on each push
@example(n=2, history=[("l_tick", 1, 1), ("r_suppress", 1, 0), ("r_bounce", 1, 0)])
def test_random_histories_on_both_sides_keep_the_rules(n, history):
    from ctctdesk.crm.db import close_database

    with tempfile.TemporaryDirectory() as folder:
        env = make_cmon_env(Path(folder), FakeCampaignMonitor())
        try:
            firm = add_company("Firm")
            ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(n)]
            one, two = lists.create_list("One"), lists.create_list("Two")
            lists.add_members(one.id, ids)
            lists.add_members(two.id, ids[::2])
            run(env, "to_cc")
            env.world.advance(days=2)
            run(env, "from_cc")
            done = History()
            for edit in history:
                env.world.advance(minutes=7)
                apply(env, done, edit)
            env.world.advance(hours=1)
            run(env, "from_cc")
            run(env, "to_cc")
            env.world.advance(days=2)
            run(env, "from_cc")

            for email, active in done.gone.items():  # R3: made active nowhere it was not
                now_active = {title for title in TITLES if email in env.world.members(title)}
                assert now_active <= active, (email, now_active, active)
                person = Contact.get_or_none(Contact.email == email)
                if person is not None:
                    assert person.email_status in ("unsubscribed", "bounced"), (email, person.email_status)
            assert env.service.preview("from_cc").plan.changes == ()
            left = [op for op in env.service.preview("to_cc").plan.changes
                    if not (refused_readd(env, op) or refused_move(env, op))]
            assert left == [], left
            emails = [c.email.lower() for c in Contact.select() if c.email]
            assert len(emails) == len(set(emails))
            for title in TITLES:  # the lists agree for everyone ctctdesk may send to
                found = lists.find_list(title)
                crm = {c.email.lower() for c in (Contact.get_by_id(i) for i in lists.member_ids(found.id))
                       if c.email_status not in ("unsubscribed", "bounced") and not c.do_not_contact}
                cm = {e for e in env.world.members(title)
                      if (p := Contact.get_or_none(Contact.email == e)) is None
                      or p.email_status not in ("unsubscribed", "bounced")}
                deleted = env.world.members(title, "Deleted")
                assert crm - deleted == cm - deleted - done.gone.keys(), title
        finally:
            close_database()
