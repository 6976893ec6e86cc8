"""How fast hand editing stays with 100,000 contacts (issue: companies, contacts and marketing tags).

Builds a throw-away SQLite database with the sample CRM generator (100,000 contacts), then times what office staff do: load the Companies table, open a company, save a contact,
assign a tag to 1,000 selected companies — each through the crm services and through the real widgets
(offscreen Qt). Goal: each well under a second. Prints figures; decides nothing.

    PYTHONPATH=. python benchmarks/bench_editing.py [--contacts 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ctctdesk.crm import db, editing, rules  # noqa: E402
from ctctdesk.crm.models import Company, Contact  # noqa: E402


def build(contacts: int) -> None:
    """The foundation's sample CRM (customers, prospects, tags, lists, every kind of ineligible contact)."""
    from ctctdesk.crm.demo_data import generate

    generate(contacts=contacts, seed=6)


def timed(label: str, action: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"  {label:<58} median {median * 1000:8.1f} ms   worst {max(times) * 1000:8.1f} ms")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db.open_database(db.database_url_for(Path(folder)))
        start = time.perf_counter()
        build(args.contacts)
        companies = Company.select().count()
        print(
            f"database: {companies:,} companies, {Contact.select().count():,} contacts, "
            f"built in {time.perf_counter() - start:.1f} s"
        )
        rng = random.Random(1)
        all_company_ids = [row[0] for row in Company.select(Company.id).tuples()]
        some = rng.sample(all_company_ids, 1000)
        person = Contact.select(Contact.id).where(Contact.ineligible_reason.is_null()).first().id
        other = Contact.select(Contact.id).where(Contact.ineligible_reason.is_null()).offset(500).first().id
        tag_id = editing.create_tag("Benchmark tag")

        print("crm services:")
        timed(
            "load Companies table (ids + first 200 rows)",
            lambda: editing.company_rows(editing.company_ids()[:200]),
        )
        timed(
            "search companies for 'tech'",
            lambda: editing.company_rows(editing.company_ids(editing.CompanyFilter(search="tech"))[:200]),
        )
        timed(
            "open a company (details + its contacts)",
            lambda: (editing.company_details(some[0]), editing.company_contacts(some[0])),
        )
        timed("open a contact (details, fields, lists)", lambda: editing.contact_details(person))
        counter = iter(range(10_000))
        timed(
            "save a contact (new email)",
            lambda: editing.save_contact(
                person,
                Contact.get_by_id(person).company_id,
                {"first_name": "Edited", "email": f"edited{next(counter)}@example.com"},
            ),
        )
        timed(
            "assign a tag to 1,000 selected companies, then remove it",
            lambda: (editing.assign_tag(tag_id, some), editing.remove_tag(tag_id, some)),
            repeat=3,
        )
        timed(
            "Do Not Contact on one contact (leaves its lists)",
            lambda: (
                __import__("ctctdesk.crm.contacts", fromlist=["x"]).set_do_not_contact([other], True),
                __import__("ctctdesk.crm.contacts", fromlist=["x"]).set_do_not_contact([other], False),
            ),
        )
        timed(
            "role-address impact of one more prefix",
            lambda: editing.role_prefix_impact([*rules.load_role_prefixes(), "james"]),
            repeat=3,
        )

        print("widgets (offscreen Qt, includes the reloads the edit triggers):")
        from PySide6.QtWidgets import QApplication

        from ctctdesk.ui.companies_tab import CompaniesTab
        from ctctdesk.ui.crm_events import CrmEvents

        app = QApplication.instance() or QApplication([])
        events = CrmEvents()
        holder: dict[str, CompaniesTab] = {}

        def open_tab() -> None:
            tab = CompaniesTab(events)
            tab.resize(1300, 800)
            tab.show()
            app.processEvents()
            holder.setdefault("tab", tab)

        timed("open the Companies tab (table shown)", open_tab, repeat=3)
        tab = holder["tab"]

        def open_company() -> None:
            tab.select_companies([some[rng.randrange(1000)]])
            tab._on_company_selection()
            tab.contact_table.selectRow(0)
            app.processEvents()

        timed("open a company (select it: contacts + editor)", open_company)

        def save_in_editor() -> None:
            tab.editor.first_name.setText(f"Renamed{next(counter)}")
            tab.editor._on_edited()
            assert tab.editor.save()
            app.processEvents()

        timed("save a contact in the editor", save_in_editor)

        def tag_selection() -> None:
            tab.select_companies(some)
            tab.apply_tag(tag_id, "Benchmark tag", some, True)
            app.processEvents()
            tab.undo_stack.undo()
            app.processEvents()

        timed("assign a tag to 1,000 selected companies + undo", tag_selection, repeat=3)
        holder.clear()
        tab.close()
        tab.deleteLater()
        app.processEvents()
    db.close_database()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
