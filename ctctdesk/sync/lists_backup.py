"""Before a disconnect takes the Constant Contact lists out of the CRM (C6): which lists, and a backup.

A disconnect removes every list linked to Constant Contact from the CRM. A person must know which lists
(and how many members each) before saying yes, and must be able to get them back: `write_backup` puts
those lists and their members in a CSV file (the columns of `ctctdesk export-csv`, with the lists
column) that File → Import contacts from CSV… and `ctctdesk import-csv` read back.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ctctdesk.crm import lists as crm_lists
from ctctdesk.crm.csv_io import export_csv
from ctctdesk.crm.lists import ListSummary
from ctctdesk.sync import store

BACKUP_FOLDER_NAME = "backups"


def linked_list_ids() -> set[int]:
    """The CRM lists that are linked to a Constant Contact list (they would leave on a disconnect)."""
    return {row.local_id for row in store.BaseList.select(store.BaseList.local_id)}


def linked_lists() -> list[ListSummary]:
    """The linked lists with their member counts, by name."""
    linked = linked_list_ids()
    return [summary for summary in crm_lists.list_summaries() if summary.id in linked]


def describe(summaries: list[ListSummary]) -> str:
    """“Newsletter (120 members), Trade (1 member)” — how the confirmation names them."""
    return ", ".join(
        f"“{s.name}” ({s.member_count:,} member{'s' if s.member_count != 1 else ''})" for s in summaries
    )


def write_backup(data_dir: Path, now: datetime | None = None) -> Path | None:
    """Write the linked lists' members (with their lists) to <data folder>/backups/; None when no linked
    list has a member. Raises OSError when the file cannot be written (then nothing is removed)."""
    members: set[int] = set()
    for list_id in linked_list_ids():
        members |= crm_lists.member_ids(list_id)
    if not members:
        return None
    folder = Path(data_dir) / BACKUP_FOLDER_NAME
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y-%m-%d-%H%M%S")
    path = folder / f"lists-before-disconnect-{stamp}.csv"
    export_csv(path, contact_ids=sorted(members))
    return path
