"""Realistic sample data: people with plausible names, companies and phone numbers, spread over lists.

Deterministic for a given seed so a demo or a test sees the same account every time.
"""

from __future__ import annotations

import random

from ctctdesk.sandbox.state import SandboxState, new_id

FIRST_NAMES = ("Ada", "Ben", "Chloe", "Daniel", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
               "Liam", "Maya", "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Samir", "Tara", "Umar", "Vera",
               "Wen", "Ximena", "Yusuf", "Zoe", "Amara", "Bruno", "Carmen", "Dmitri")
LAST_NAMES = ("Anderson", "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova",
              "Jensen", "Kowalski", "Lopez", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi",
              "Schmidt", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zimmermann")
COMPANIES = ("Riverside Bakery", "Northwind Traders", "Blue Harbor Dental", "Maple Street Books",
             "Summit Bicycles", "Green Leaf Florists", "Harbor View Realty", "Oak & Iron Carpentry")
JOBS = ("Owner", "Manager", "Accountant", "Designer", "Teacher", "Nurse", "Engineer", "Volunteer")
LIST_NAMES = ("Newsletter", "Volunteers", "Customers", "Events", "Board Members", "Donors", "Partners",
              "Workshop Attendees", "Members", "Press")
DOMAINS = ("example.com", "example.org", "example.net")


def seed(state: SandboxState, *, contacts: int, lists: int = 3, seed_value: int = 3) -> dict[str, int]:
    """Add `lists` lists and `contacts` contacts; each contact joins one to three of the lists."""
    rng = random.Random(seed_value)
    with state.lock:
        list_ids: list[str] = []
        for index in range(lists):
            name = LIST_NAMES[index % len(LIST_NAMES)]
            if index >= len(LIST_NAMES):
                name = f"{name} {index // len(LIST_NAMES) + 1}"
            existing = state.list_by_name(name)
            list_ids.append(existing["list_id"] if existing else state.create_list(name)["list_id"])
        added = 0
        serial = len(state.order)
        while added < contacts:
            serial += 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first}.{last}{serial}@{rng.choice(DOMAINS)}".lower()
            if state.find_email(email) is not None:
                continue
            contact = state.new_contact(email, "Account")
            contact.first_name, contact.last_name = first, last
            if rng.random() < 0.6:
                contact.company_name = rng.choice(COMPANIES)
                contact.job_title = rng.choice(JOBS)
            if rng.random() < 0.5:
                now = state.now()
                contact.phone_numbers.append({"phone_number_id": new_id(),
                                              "phone_number": f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                                              "kind": "work", "created_at": now, "updated_at": now})
            for list_id in rng.sample(list_ids, k=min(len(list_ids), rng.randint(1, 3))) if list_ids else []:
                state.add_membership(contact, list_id)
            added += 1
        return {"contacts": added, "lists": len(list_ids)}
