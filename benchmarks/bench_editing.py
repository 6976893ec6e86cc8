"""How fast hand editing stays with 100,000 contacts (issue: companies, contacts and marketing tags).

Builds a throw-away SQLite database of 20,000 companies and 100,000 contacts (bulk inserts, a few
seconds), then times what office staff do: load the Companies table, open a company, save a contact,
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

from ctctdesk.crm import db, editing, lists, rules  # noqa: E402
from ctctdesk.crm.models import Company, CompanyTag, Contact, Tag, database_proxy, name_key  # noqa: E402

CONTACTS_PER_COMPANY = 5


def build(contacts: int) -> None:
    """Bulk-fill the database: companies, tags, contacts (some role addresses / DNC), two lists."""
    rng = random.Random(6)
    companies = contacts // CONTACTS_PER_COMPANY
    with database_proxy.atomic():
        Tag.insert_many(
            [(f"Tag {i:02d}", name_key(f"Tag {i:02d}")) for i in range(50)], [Tag.name, Tag.name_key]
        ).execute()
        rows = [
            (
                f"Company {i:06d}",
                name_key(f"Company {i:06d}"),
                "prospect" if i % 3 else "customer",
                f"555-{i:06d}",
            )
            for i in range(companies)
        ]
        for i in range(0, len(rows), 2000):
            Company.insert_many(
                rows[i : i + 2000], [Company.name, Company.name_key, Company.type, Company.phone]
            ).execute()
        company_tags = [(c, t) for c in range(1, companies + 1) for t in rng.sample(range(1, 51), 2)]
        for i in range(0, len(company_tags), 5000):
            CompanyTag.insert_many(company_tags[i : i + 5000], [CompanyTag.company, CompanyTag.tag]).execute()
        people = []
        for n in range(contacts):
            company = n // CONTACTS_PER_COMPANY + 1
            local = "info" if n % 50 == 0 else f"person{n}"
            email = f"{local}@company{company}.example"
            people.append((company, f"First{n}", f"Last{n % 9973}", email, email, n % 97 == 0))
        for i in range(0, len(people), 5000):
            Contact.insert_many(
                people[i : i + 5000],
                [
                    Contact.company,
                    Contact.first_name,
                    Contact.last_name,
                    Contact.email,
                    Contact.email_key,
                    Contact.do_not_contact,
                ],
            ).execute()
    rules.refresh_ineligibility(None)
    for name in ("Newsletter", "Events"):
        list_id = lists.create_list(name).id
        lists.add_members(list_id, range(1, contacts + 1, 3))


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
        some = rng.sample(range(1, companies + 1), 1000)
        tag_id = editing.create_tag("Benchmark tag")

        print("crm services:")
        timed(
            "load Companies table (ids + first 200 rows)",
            lambda: editing.company_rows(editing.company_ids()[:200]),
        )
        timed(
            "search companies for '0042'",
            lambda: editing.company_rows(editing.company_ids(editing.CompanyFilter(search="0042"))[:200]),
        )
        timed(
            "open a company (details + its contacts)",
            lambda: (editing.company_details(some[0]), editing.company_contacts(some[0])),
        )
        timed("open a contact (details, fields, lists)", lambda: editing.contact_details(1234))
        counter = iter(range(10_000))
        timed(
            "save a contact (new email)",
            lambda: editing.save_contact(
                1234,
                Contact.get_by_id(1234).company_id,
                {"first_name": "Edited", "email": f"edited{next(counter)}@example.com"},
            ),
        )
        timed(
            "assign a tag to 1,000 selected companies",
            lambda: (editing.assign_tag(tag_id, some), editing.remove_tag(tag_id, some)),
            repeat=3,
        )
        timed(
            "Do Not Contact on one contact (leaves its lists)",
            lambda: (
                __import__("ctctdesk.crm.contacts", fromlist=["x"]).set_do_not_contact([4321], True),
                __import__("ctctdesk.crm.contacts", fromlist=["x"]).set_do_not_contact([4321], False),
            ),
        )
        timed(
            "role-address impact of one more prefix",
            lambda: editing.role_prefix_impact([*rules.load_role_prefixes(), "person1"]),
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
