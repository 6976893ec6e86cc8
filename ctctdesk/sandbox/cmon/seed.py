"""Sample data for the Campaign Monitor emulator: a few lists with custom fields and subscribers."""

from __future__ import annotations

import random
from typing import Any

from ctctdesk.sandbox.cmon.state import CmonState

FIRST = ("Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "June", "Kofi", "Lena")
LAST = ("Alvarez", "Brown", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones")
LIST_TITLES = ("Newsletter", "Customers", "Events")


def seed(state: CmonState, *, subscribers: int = 20, lists: int = 3, seed_value: int = 3) -> dict[str, Any]:
    """Add `lists` lists to the first client (or reuse them) with `subscribers` subscribers spread over them."""
    rng = random.Random(seed_value)
    with state.lock:
        client = next(iter(state.clients.values()))
        made = []
        for index in range(lists):
            title = LIST_TITLES[index] if index < len(LIST_TITLES) else f"List {index + 1}"
            item = state.list_by_title(title) or state.create_list(client.client_id, title)
            if "City" not in {d["FieldName"] for d in item.custom_fields.values()}:
                state.add_custom_field(item, "City", "Text", None)
            made.append(item)
        for number in range(subscribers):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first.lower()}.{last.lower()}{number}@example.org"
            for item in rng.sample(made, k=rng.randint(1, len(made))) if made else []:
                state.add_or_update(item, {"EmailAddress": email, "Name": f"{first} {last}",
                                           "CustomFields": [{"Key": "City", "Value": rng.choice(
                                               ("Springfield", "Shelbyville", "Ogdenville"))}]},
                                    resubscribe=False)
        return {"lists": [i.list_id for i in made], "subscribers": subscribers}
