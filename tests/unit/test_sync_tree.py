"""The readable plan tree of the Synchronize tab, built from real planner results on small snapshots."""

from datetime import UTC

from ctctdesk.sync import presenting
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.plan import PlanSettings, plan
from ctctdesk.sync.presenting import plan_tree
from ctctdesk.sync.snapshot import (
    Baseline,
    BaselineContact,
    BaselineList,
    Eligibility,
    LocalContact,
    LocalList,
    LocalSnapshot,
    RemoteContact,
    RemoteList,
    RemoteSnapshot,
)

ACCOUNT = "acct-1"


def local(*contacts, lists=()):
    return LocalSnapshot({c.local_id: c for c in contacts}, {lst.local_id: lst for lst in lists})


def remote(*contacts, lists=()):
    return RemoteSnapshot(
        {c.cc_id: c for c in contacts}, {lst.cc_id: lst for lst in lists}, account_id=ACCOUNT
    )


def people():
    ada = LocalContact(1, "ada@riverside.example", "Ada", "Lovelace", "Owner", "Riverside Bakery")
    ben = LocalContact(2, "ben@northwind.example", "Ben", "Becker", "Buyer", "Northwind")
    info = LocalContact(
        3, "info@northwind.example", "", "", "", "Northwind", eligibility=Eligibility.ROLE_ADDRESS
    )
    dnc = LocalContact(
        4, "carl@harbor.example", "Carl", "Costa", "", "Harbor", eligibility=Eligibility.DO_NOT_CONTACT
    )
    return ada, ben, info, dnc


def test_first_push_lists_the_new_list_its_members_and_the_skips_with_reasons():
    ada, ben, info, dnc = people()
    newsletter = LocalList(10, "Newsletter", frozenset({1, 2, 3, 4}))
    result = plan(
        local(ada, ben, info, dnc, lists=[newsletter]),
        remote(lists=[RemoteList("d", "General Interest", is_default=True)]),
        Baseline.empty(ACCOUNT),
        Direction.TO_CC,
    )

    root = plan_tree(result)
    lines = root.lines()
    top = [child.text for child in root.children]
    assert top[0] == "Newsletter"
    newsletter_node = root.children[0]
    assert "List created in Constant Contact" in [c.text for c in newsletter_node.children]
    added = newsletter_node.find("Contacts added")
    assert added.count == 2
    assert {c.text for c in added.children} == {
        "Ada Lovelace <ada@riverside.example>", "Ben Becker <ben@northwind.example>"}  # names beside emails
    skipped = root.find("Skipped")
    assert skipped.count >= 2
    assert skipped.find("Role address").count == 1
    assert skipped.find("Do Not Contact").count == 1
    assert any("info@northwind.example (Newsletter)" in line for line in lines)
    assert any("carl@harbor.example> (Newsletter)" in line for line in lines)
    assert root.find("New contacts in Constant Contact").count == 2


def linked_world():
    """Ada linked on both sides in a linked list, agreed fields in the baseline."""
    ada, *_ = people()
    base_fields = ada.values()
    baseline = Baseline.build(
        ACCOUNT,
        [BaselineContact(1, "cc-ada", base_fields)],
        [BaselineList(10, "cc-news", "Newsletter", frozenset({1}))],
    )
    return ada, baseline


def test_a_change_on_each_side_shows_the_update_the_conflict_and_the_pending_count():
    ada, baseline = linked_world()
    # the CRM renames the job title; Constant Contact changes the title too and the phone (pending)
    crm_ada = LocalContact(1, ada.email, "Ada", "Lovelace", "Director", "Riverside Bakery")
    cc_ada = RemoteContact(
        "cc-ada",
        ada.email,
        "Ada",
        "Lovelace",
        "Chair",
        "Riverside Bakery",
        phone="+1 555 0100",
        list_ids=frozenset({"cc-news"}),
    )
    result = plan(
        local(crm_ada, lists=[LocalList(10, "Newsletter", frozenset({1}))]),
        remote(cc_ada, lists=[RemoteList("cc-news", "Newsletter")]),
        baseline,
        Direction.TO_CC,
    )

    root = plan_tree(result)
    conflicts = root.find("Conflicts, resolved for the CRM")
    assert conflicts is not None and conflicts.count == 1
    assert 'job title — keeps "Director"; Constant Contact had "Chair"' in conflicts.children[0].text
    assert root.find("Contacts updated in Constant Contact").count == 1
    assert result.pending_other_way >= 1
    assert root.children[-1].text.endswith("in Constant Contact not yet in the CRM")


def test_pull_of_a_rename_and_a_removed_member_reads_per_list():
    ada, baseline = linked_world()
    ben = LocalContact(2, "ben@northwind.example", "Ben", "Becker", "Buyer", "Northwind")
    baseline = Baseline.build(
        ACCOUNT,
        [*baseline.contacts.values(), BaselineContact(2, "cc-ben", ben.values())],
        [BaselineList(10, "cc-news", "Newsletter", frozenset({1, 2}))],
    )
    cc_ada = RemoteContact(
        "cc-ada", ada.email, "Ada", "Lovelace", "Owner", "Riverside Bakery", list_ids=frozenset({"cc-news"})
    )
    cc_ben = RemoteContact("cc-ben", ben.email, "Ben", "Becker", "Buyer", "Northwind")
    result = plan(
        local(ada, ben, lists=[LocalList(10, "Newsletter", frozenset({1, 2}))]),
        remote(cc_ada, cc_ben, lists=[RemoteList("cc-news", "Monthly News")]),
        baseline,
        Direction.FROM_CC,
    )

    root = plan_tree(result)
    node = root.find("Monthly News")
    assert node is not None and node.kind == "list"
    assert 'List renamed in the CRM to "Monthly News"' in [c.text for c in node.children]
    removed = node.find("Contacts removed")
    assert removed.count == 1 and removed.children[0].text == "Ben Becker <ben@northwind.example>"
    assert node.count == 2


def test_nothing_to_do_says_so():
    ada, baseline = linked_world()
    cc_ada = RemoteContact(
        "cc-ada", ada.email, "Ada", "Lovelace", "Owner", "Riverside Bakery", list_ids=frozenset({"cc-news"})
    )
    result = plan(
        local(ada, lists=[LocalList(10, "Newsletter", frozenset({1}))]),
        remote(cc_ada, lists=[RemoteList("cc-news", "Newsletter")]),
        baseline,
        Direction.TO_CC,
    )
    root = plan_tree(result)
    assert [c.text for c in root.children] == ["Nothing to change in Constant Contact: both sides agree."]


def test_a_long_list_of_details_is_capped_but_the_count_stays_exact(monkeypatch):
    monkeypatch.setattr(presenting, "MAX_DETAIL_ROWS", 5)
    contacts = [LocalContact(i, f"person{i}@example.com", "P", str(i)) for i in range(1, 13)]
    result = plan(
        local(*contacts, lists=[LocalList(10, "Big", frozenset(range(1, 13)))]),
        remote(),
        Baseline.empty(ACCOUNT),
        Direction.TO_CC,
    )
    added = plan_tree(result).find("Big").find("Contacts added")
    assert added.count == 12
    assert len(added.children) == 6 and added.children[-1].text == "… and 7 more"


def test_the_mass_change_guard_is_shown():
    contacts = [LocalContact(i, f"person{i}@example.com", "P", str(i)) for i in range(1, 61)]
    members = frozenset(range(1, 61))
    baseline = Baseline.build(
        ACCOUNT,
        [BaselineContact(c.local_id, f"cc{c.local_id}", c.values()) for c in contacts],
        [BaselineList(10, "cc-big", "Big", members)],
    )
    remote_contacts = [
        RemoteContact(f"cc{c.local_id}", c.email, "P", str(c.local_id), list_ids=frozenset({"cc-big"}))
        for c in contacts
    ]
    # the CRM list was emptied: a push would take all 60 people off the Constant Contact list
    result = plan(
        local(*contacts, lists=[LocalList(10, "Big", frozenset())]),
        remote(*remote_contacts, lists=[RemoteList("cc-big", "Big")]),
        baseline,
        Direction.TO_CC,
        PlanSettings(),
    )
    assert result.guard.needs_confirmation
    root = plan_tree(result)
    guard = root.find("Large change: confirmation needed")
    assert guard is not None and guard.children
    assert root.find("Big").find("Contacts removed").count == 60


def test_the_command_line_and_json_say_what_the_window_shows():
    ada, ben, info, dnc = people()
    result = plan(
        local(ada, ben, info, dnc, lists=[LocalList(10, "Newsletter", frozenset({1, 2, 3, 4}))]),
        remote(lists=[RemoteList("d", "General Interest", is_default=True)]),
        Baseline.empty(ACCOUNT),
        Direction.TO_CC,
    )
    root = plan_tree(result)

    lines = presenting.plan_lines(result)
    assert lines[0] == "CRM → Constant Contact:"
    assert lines[1:] == root.lines("  ")  # the same rows, words and counts as the tree in the window
    assert "  Newsletter (3)" in lines and "      Ada Lovelace <ada@riverside.example>" in lines

    data = presenting.plan_to_dict(result)
    assert data["tree"] == [child.to_dict() for child in root.children]
    newsletter = data["tree"][0]
    assert (newsletter["text"], newsletter["count"], newsletter["kind"]) == ("Newsletter", 3, "list")
    assert data["direction"] == "to_cc" and data["needs_confirmation"] is False


def test_the_command_line_caps_long_lists_with_the_exact_number_left_out():
    contacts = [LocalContact(i, f"person{i:02}@example.com", "P", str(i)) for i in range(1, 31)]
    result = plan(
        local(*contacts, lists=[LocalList(10, "Big", frozenset(range(1, 31)))]),
        remote(),
        Baseline.empty(ACCOUNT),
        Direction.TO_CC,
    )
    lines = presenting.plan_lines(result, limit=4)
    start = lines.index("    Contacts added (30)")
    assert lines[start + 1 : start + 6] == [
        "      P 1 <person01@example.com>", "      P 2 <person02@example.com>", "      P 3 <person03@example.com>",
        "      P 4 <person04@example.com>", "      … and 26 more",
    ]  # fmt: skip


def test_a_history_row_recorded_before_lists_were_counted_per_list_still_reads_in_the_same_words():
    from datetime import datetime

    from ctctdesk.sync.service import RunSummary

    now = datetime(2026, 11, 30, 16, 15, tzinfo=UTC)
    old_row = RunSummary(
        1, Direction.TO_CC, "button", now, now,
        {"lists created": 3, "contacts added": 204, "contacts updated": 17, "memberships added": 7},
        {"Customer Updates": {"contacts added": 84, "memberships added": 2}}, (), 36,
    )  # fmt: skip
    root = presenting.summary_tree(old_row)
    customers = root.find("Customer Updates")
    assert (customers.count, [(c.text, c.count) for c in customers.children]) == (86, [("Contacts added", 86)])
    assert root.find("New contacts in Constant Contact").count == 204
    assert root.find("Contacts updated in Constant Contact").count == 17
    lists_row = root.find("Lists")  # which lists were created was not recorded then
    assert [(c.text, c.count) for c in lists_row.children] == [
        ("Lists created in Constant Contact", 3), ("Contacts added to lists in Constant Contact", 5)]
    assert presenting.summary_change_count(old_row) == 86 + 221 + 8


def test_the_summary_has_words_for_every_count_the_engine_records():
    from ctctdesk.sync.step_journal import COUNT_LABEL

    assert set(COUNT_LABEL.values()) <= presenting.KNOWN_COUNTS


def test_a_run_shorter_than_a_tenth_of_a_second_is_said_without_its_duration():
    from datetime import datetime, timedelta

    from ctctdesk.sync.service import RunSummary

    start = datetime(2026, 11, 30, 16, 15, tzinfo=UTC)

    def detail(seconds: float) -> str:
        row = RunSummary(1, Direction.FROM_CC, "activation", start, start + timedelta(seconds=seconds), {}, {}, (), 4)
        return presenting.summary_tree(row).children[0].children[1].text

    assert detail(0.04) == "4 API requests"
    assert detail(2.5) == "Took 2.5 s; 4 API requests"
    assert detail(125) == "Took 2 min 5 s; 4 API requests"


def test_a_both_row_recorded_before_sides_were_kept_still_reads():
    from datetime import datetime

    from ctctdesk.sync.service import RunSummary

    now = datetime(2026, 11, 30, 16, 15, tzinfo=UTC)
    old_row = RunSummary(1, Direction.BOTH, "button", now, now, {"contacts updated": 3}, {}, (), 9)
    root = presenting.summary_tree(old_row)
    assert root.find("Contacts updated").count == 3
    assert presenting.summary_change_count(old_row) == 3
