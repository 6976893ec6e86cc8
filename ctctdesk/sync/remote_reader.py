"""Constant Contact → :class:`RemoteSnapshot` with as few requests as the API allows (R12).

Lists are always read in full (one page of up to 1,000). Contacts come in pages of 500 with their
custom fields, list memberships and phone numbers in the same request. Once a mirror of the account
exists (:mod:`ctctdesk.sync.mirror`) only the contacts updated since the previous read are fetched
(``updated_after``), with ``status=all`` so that deletions and unsubscribes arrive too; the service
folds them into the mirror so the planner always sees a complete picture.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ctctdesk.ctct.client import Contact
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import SyncCancelled
from ctctdesk.sync.progress import ProgressCallback, report
from ctctdesk.sync.snapshot import RemoteContact, RemoteList, RemoteSnapshot, RemoteStatus

INCLUDE = ("custom_fields", "list_memberships", "phone_numbers")
DEFAULT_LIST_NAME = "General Interest"
#: Re-read a little before the cursor: ``updated_after`` is strict and times have whole seconds.
CURSOR_MARGIN = timedelta(seconds=1)


@dataclass(frozen=True)
class RemoteRead:
    snapshot: RemoteSnapshot
    started_at: datetime  # UTC, this machine's clock
    next_cursor: str  # where the next incremental read starts (stored with the mirror)
    field_labels: Mapping[str, str]  # custom_field_id → label (the CRM's field name)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_of(contact: Contact) -> str:
    if contact.deleted_at:
        return RemoteStatus.DELETED
    if contact.permission_to_send == "unsubscribed":
        return RemoteStatus.UNSUBSCRIBED
    return RemoteStatus.ACTIVE


def _phone(raw: Mapping) -> str:
    phones = raw.get("phone_numbers") or []
    for phone in phones:
        if phone.get("kind") == "other" and phone.get("phone_number"):
            return str(phone["phone_number"])
    for phone in phones:
        if phone.get("phone_number"):
            return str(phone["phone_number"])
    return ""


def to_remote(contact: Contact, labels: Mapping[str, str]) -> RemoteContact:
    return RemoteContact(
        cc_id=contact.contact_id,
        email=contact.email or "",
        first_name=contact.first_name or "",
        last_name=contact.last_name or "",
        job_title=contact.job_title or "",
        company_name=contact.company_name or "",
        phone=_phone(contact.raw),
        custom_fields=tuple(
            sorted((labels[fid], v) for fid, v in contact.custom_fields if fid in labels and v)
        ),
        status=status_of(contact),
        list_ids=frozenset(contact.list_memberships),
        updated_at=contact.updated_at,
    )


def read_remote(client: EmailService, *, account_id: str, cursor: str = "",
                on_progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None) -> RemoteRead:  # fmt: skip
    """Read lists and contacts; ``cursor`` (ISO time) makes it incremental."""
    started = client.clock.now()  # this machine's time, on the clock the client waits on
    phase = "Reading Constant Contact"
    report(on_progress, phase, message="lists")
    lists = {
        cl.list_id: RemoteList(
            cl.list_id, cl.name, cl.name.strip().casefold() == DEFAULT_LIST_NAME.casefold()
        )
        for cl in client.iter_lists()
    }
    labels = {f.custom_field_id: f.label or f.name for f in client.iter_custom_fields()}
    contacts: dict[str, RemoteContact] = {}
    filters: dict = {"include": INCLUDE, "status": "all"}
    if cursor:
        since = _parse(cursor) - CURSOR_MARGIN
        filters["updated_after"] = iso(since)
    latest: datetime | None = None
    for page in client.contact_pages(**filters):
        if cancel is not None and cancel.is_set():
            raise SyncCancelled("Cancelled while reading Constant Contact.")
        for contact in page:
            contacts[contact.contact_id] = to_remote(contact, labels)
            if contact.updated_at:
                moment = _parse(contact.updated_at)
                if latest is None or moment > latest:
                    latest = moment
        report(on_progress, phase, len(contacts), 0, message=f"{len(contacts):,} contacts read")
    snapshot = RemoteSnapshot(contacts=contacts, lists=lists, complete=not cursor, account_id=account_id)
    return RemoteRead(snapshot, started, next_cursor(started, latest, cursor), labels)


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def next_cursor(started: datetime, latest_seen: datetime | None, previous: str) -> str:
    """Where the next incremental read starts, in Constant Contact's own time where possible.

    The start of this read by this machine's clock could be ahead of Constant Contact's clock and
    skip changes; the newest ``updated_at`` seen in the read is Constant Contact's time and never
    ahead. Take the earlier of the two; with nothing read, keep the previous cursor.
    """
    if latest_seen is not None:
        return iso(min(started, latest_seen))
    return previous or iso(started - CURSOR_MARGIN)
