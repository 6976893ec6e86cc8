# ruff: noqa: F811 - pytest fixtures are imported by name
"""A run that did exactly what its preview showed says so in the same words with the same numbers: per
list, per heading and in total (the status line's and the history's count)."""

from __future__ import annotations

from ctctdesk.crm import contacts, lists
from ctctdesk.sync.presenting import change_count, plan_tree, summary_change_count, summary_tree
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401
from tests.support.trees import changes_shown


def run_and_compare(env: SyncEnv, direction: str):
    preview = env.service.preview(direction)
    before = plan_tree(preview.plan)
    summary = env.service.run(preview, force=True)
    assert summary.ok, summary
    after = summary_tree(summary)
    assert changes_shown(after) == changes_shown(before)
    assert change_count(after) == change_count(before) == summary_change_count(summary)
    history = env.service.history()[0]  # read back from the database, as the history table shows it
    assert summary_change_count(history) == change_count(before)
    assert changes_shown(summary_tree(history)) == changes_shown(before)
    return before, after


def test_a_push_summary_shows_the_preview_rows_and_counts(sync_env):
    env = sync_env
    firm = add_company("Firm")
    old = [add_contact(firm, f"Old{i}", "Q", f"old{i}@firm.example") for i in range(3)]
    customers = lists.create_list("Customers")
    lists.add_members(customers.id, old)
    doomed = lists.create_list("Doomed")
    lists.add_members(doomed.id, old[:1])
    assert env.service.run(env.service.preview("to_cc"), force=True).ok

    new = [add_contact(firm, f"New{i}", "R", f"new{i}@firm.example") for i in range(2)]
    promo = lists.create_list("Spring Promo")
    lists.add_members(promo.id, [*new, old[0]])  # two new contacts and one already in Constant Contact
    lists.add_members(customers.id, new[:1])
    lists.remove_members(customers.id, old[2:])
    lists.rename_list(customers.id, "Best Customers")
    lists.delete_list(doomed.id)
    contacts.update_contact(old[1], job_title="Director")

    before, after = run_and_compare(env, "to_cc")
    promo_row = after.find("Spring Promo")
    assert promo_row.count == 4
    assert [(c.text, c.count) for c in promo_row.children] == [
        ("List created in Constant Contact", None), ("Contacts added", 3)]
    best = after.find("Best Customers")
    assert [(c.text, c.count) for c in best.children] == [
        ('List renamed in Constant Contact to "Best Customers"', None), ("Contacts added", 1),
        ("Contacts removed", 1)]
    assert after.find("Doomed").children[0].text == "List deleted in Constant Contact (its contacts are kept)"
    assert after.find("New contacts in Constant Contact").count == 2
    assert after.find("Contacts updated in Constant Contact").count == 1


def test_a_pull_summary_shows_the_preview_rows_and_counts(sync_env):
    env = sync_env
    people = [add_contact(add_company(f"Firm {i}"), f"P{i}", "Q", f"p{i}@firm{i}.example") for i in range(3)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, people)
    assert env.service.run(env.service.preview("to_cc"), force=True).ok
    env.control("owner/rename_list", {"name": "Customers", "new_name": "Best Customers"})
    env.control("owner/remove_from_list", {"email": "p1@firm1.example", "list_name": "Best Customers"})
    env.control("owner/update_contact", {"email": "p2@firm2.example", "last_name": "Quinn-Smith"})

    before, after = run_and_compare(env, "from_cc")
    best = after.find("Best Customers")
    assert [(c.text, c.count) for c in best.children] == [
        ('List renamed in the CRM to "Best Customers"', None), ("Contacts removed", 1)]
    assert after.find("Contacts updated in the CRM").count == 1


def test_a_both_run_summary_says_on_which_side_each_change_was_made(sync_env):
    """A "both" run changes the CRM (its pull) and Constant Contact (its push): every row of its summary
    names the side, as the one-way summaries do, and the counts add up to the run's."""
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(3)]
    news = lists.create_list("News")
    lists.add_members(news.id, ids[:2])
    assert env.service.run(env.service.preview("to_cc"), force=True).ok
    lists.add_members(news.id, ids[2:])  # pushed by the run's push half
    contacts.update_contact(ids[0], job_title="Director")
    made = env.api.post("/v3/contacts", {"email_address": {"address": "new@cc.example"}, "create_source": "Account",
                                         "list_memberships": [env.cc_lists()["News"]]})
    assert made.status_code == 201, made.text  # pulled by the run's pull half
    summary = env.service.run(env.service.preview("both"), force=True)
    assert summary.ok, summary
    for shown in (summary, env.service.history()[0]):
        tree = summary_tree(shown)
        lines = tree.lines()
        assert any(line.strip().startswith("Contacts added in the CRM (1)") for line in lines), lines
        assert any(line.strip().startswith("Contacts added in Constant Contact (1)") for line in lines), lines
        assert tree.find("New contacts in the CRM").count == 1
        assert tree.find("Contacts updated in Constant Contact").count == 1
        assert tree.find("News").count == 2
        assert tree.find("New contacts in Constant Contact").count == 1  # p2, new there and added to News
        assert tree.find("General Interest").children[0].text == "List created in the CRM"
        assert summary_change_count(shown) == change_count(tree) == 6 == sum(
            c.count for c in tree.children if c.kind in ("list", "contacts"))
