"""Constant Contact → :class:`RemoteSnapshot`: every change seen, with as few requests as the API allows.

Two kinds of read:

* **Complete** (the first read of an account, and the full check on demand, ``sync --full``): the
  lists, the custom fields and every contact (``status=all``, so deleted ones too) in pages of 500
  with their custom fields, list memberships and phone numbers.
* **Incremental** (every other read), against the kept mirror of the previous read (``known``). It
  must see changes that do not move a contact's ``updated_at`` in Constant Contact: unsubscribes (which
  also take the contact off every list), bounces, list removals by the owner, bulk add/remove/move/copy
  activities and the contact's own "Update Profile" choices. So it reads:

  1. the lists with ``include_membership_count`` — the membership count of every list;
  2. contacts with ``updated_after`` the cursor — edits, imports, new and deleted contacts;
  3. contacts with ``optout_after`` the cursor — unsubscribes, with their (now empty) memberships;
  4. contacts with ``status=temp_hold,deleted`` and ``include_count`` — bounced and deleted contacts.
     When the first page holds them all, that set is compared with the mirror's; otherwise the count
     is compared, and all pages are read only when it differs;
  5. for each list whose count differs from the count the mirror gives once 2–4 are folded in, its
     members — the only way to see who left or joined. A small list is paged (``lists=`` up to 25
     lists a request, whole contacts); a large one, whose pages would cost more than an export
     (`export_pays`: more than 4 pages, i.e. over 2,000 members), is exported ("Export Contacts to
     a File", email addresses only): a start, its polls and one file, whatever its size. Members are
     matched to the mirror by address (an export carries no contact id); a list whose file names
     an address nobody known has is paged after all;
  6. the custom fields and the tags, only when a contact read carries any and is new or changed
     (a contact the mirror already holds with the same ``updated_at`` is converted with the labels
     and tag names kept from the last read that asked).

  Cost model, n = contacts, m = contacts read in 2–4, S = members of the small lists whose count
  changed, B = the large ones: nothing changed → 4 requests here (1 + 1 + 1 + 1) plus the caller's
  account summary; changes → 4 + ⌈m/500⌉ + ⌈S/500⌉ + ~4·B + 2 (fields and tags when needed). E.g.
  1,000 unsubscribes and 1,000 removals from a list of 67,000 at 100,000 contacts: 4 + 2 + 0 + ~4
  + 2 ≈ 12, where paging that list cost 134. A complete read costs 2 + ⌈n/500⌉ (+ 2).

  Blind spot, stated: a list whose count is unchanged because in the same interval one contact left it
  without a change to its record (owner removal, bulk remove or move, Update Profile) and another
  joined it the same way (bulk add, copy, move) is not re-read. No V3 read reports such a pair short
  of reading the list's members, so the reader does not pay that on every run; any addition that
  does move a record (an import, a new contact, a sign-up) is accounted for before counts are compared,
  so only two invisible changes that cancel exactly escape — the full check (``sync --full``) reads
  everything and settles them.

The service folds the result into the mirror (:mod:`ctctdesk.sync.mirror`), so the planner always
sees a complete picture.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import chain

from ctctdesk.chunking import chunks
from ctctdesk.ctct.client import CONTACTS_PAGE_SIZE, Contact
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import SyncCancelled
from ctctdesk.sync.mapping import ADDRESS_FIELD, address_text, tag_entry
from ctctdesk.sync.progress import ProgressCallback, report
from ctctdesk.sync.snapshot import RemoteContact, RemoteList, RemoteSnapshot, RemoteStatus

INCLUDE = ("custom_fields", "list_memberships", "phone_numbers", "street_addresses", "taggings")
DEFAULT_LIST_NAME = "General Interest"
#: Re-read a little before the cursor: ``updated_after`` is strict and times have whole seconds.
CURSOR_MARGIN = timedelta(seconds=1)
#: ``GET /contacts`` accepts at most 25 list ids in ``lists``.
LISTS_PER_SEARCH = 25
HELD_OR_DELETED = ("temp_hold", "deleted")
#: What reading a list's members by export costs: its start, about two polls, and the file.
EXPORT_REQUESTS = 4


def export_pays(members: int) -> bool:
    """Whether exporting a list's members costs fewer requests than paging them (500 a page)."""
    return -(-members // CONTACTS_PAGE_SIZE) > EXPORT_REQUESTS
PHASE = "Reading Constant Contact"


@dataclass(frozen=True)
class RemoteRead:
    snapshot: RemoteSnapshot
    started_at: datetime  # UTC, this machine's clock
    next_cursor: str  # where the next incremental read starts (stored with the mirror)
    field_labels: Mapping[str, str]  # custom_field_id → label (the CRM's field name); may be empty
    lists_reread: int = 0  # incremental reads: lists whose members were read again
    #: tag_id → name of the account's tags (read only when a contact carries any); R11
    tag_names: Mapping[str, str] = field(default_factory=dict)
    #: The custom field labels and tag names as asked of Constant Contact by this read (None: not asked,
    #: the kept ones served), for the service to keep beside the mirror.
    asked_labels: Mapping[str, str] | None = None
    asked_tags: Mapping[str, str] | None = None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status_of(contact: Contact) -> str:
    if contact.deleted_at:
        return RemoteStatus.DELETED
    if contact.permission_to_send == "unsubscribed":
        return RemoteStatus.UNSUBSCRIBED
    if contact.permission_to_send == "temp_hold":
        return RemoteStatus.ON_HOLD
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


def _address(raw: Mapping) -> str:
    """The contact's work street address (the one a push writes), else its first, as one line."""
    addresses = [a for a in raw.get("street_addresses") or () if isinstance(a, Mapping)]
    chosen = next((a for a in addresses if a.get("kind") == "work"), addresses[0] if addresses else None)
    return address_text(chosen) if chosen else ""


def to_remote(contact: Contact, labels: Mapping[str, str], tags: Mapping[str, str] | None = None) -> RemoteContact:
    """One contact in snapshot terms; its tags ride along as tag entries among the custom fields (R11:
    the service drops them again when the mapping does not carry tags)."""
    custom = [(labels[fid], v) for fid, v in contact.custom_fields if fid in labels and v]
    if tags and contact.taggings:
        custom.extend(tag_entry(tags[t]) for t in contact.taggings if t in tags)
    address = _address(contact.raw)
    if address:  # R11: the company address, when the mapping carries it (the service decides)
        custom.append((ADDRESS_FIELD, address))
    return RemoteContact(
        cc_id=contact.contact_id,
        email=contact.email or "",
        first_name=contact.first_name or "",
        last_name=contact.last_name or "",
        job_title=contact.job_title or "",
        company_name=contact.company_name or "",
        phone=_phone(contact.raw),
        custom_fields=tuple(sorted(custom)),
        status=status_of(contact),
        list_ids=frozenset(contact.list_memberships),
        updated_at=contact.updated_at,
    )


def read_remote(client: EmailService, *, account_id: str, cursor: str = "",
                known: Mapping[str, RemoteContact] | None = None,
                on_progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None, now: datetime | None = None,
                known_names: tuple[Mapping[str, str], Mapping[str, str]] | None = None) -> RemoteRead:  # fmt: skip
    """Read Constant Contact: incrementally when ``cursor`` and the mirror ``known`` are given,
    completely otherwise (see the module docstring for what each costs). ``now``: this machine's
    time (UTC) as the read starts; by default the clock the client waits on. ``known_names``: the
    custom field labels and tag names kept from an earlier read (see `_Reader._names`)."""
    reader = _Reader(client, on_progress, cancel, now or client.clock.now())
    if cursor and known is not None:
        return reader.incremental(account_id, cursor, known, known_names)
    return reader.complete(account_id)


class _Reader:
    def __init__(self, client: EmailService, on_progress: ProgressCallback | None,
                 cancel: threading.Event | None, started: datetime) -> None:  # fmt: skip
        self.client = client
        self.on_progress = on_progress
        self.cancel = cancel
        self.started = started
        self.raw: dict[str, Contact] = {}  # everything read, newest answer wins

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SyncCancelled("Cancelled while reading Constant Contact.")

    def _lists(self) -> tuple[dict[str, RemoteList], dict[str, int]]:
        report(self.on_progress, PHASE, message="lists")
        lists: dict[str, RemoteList] = {}
        counts: dict[str, int] = {}
        for cl in self.client.iter_lists(include_membership_count=True):
            is_default = cl.name.strip().casefold() == DEFAULT_LIST_NAME.casefold()
            lists[cl.list_id] = RemoteList(cl.list_id, cl.name, is_default)
            if cl.membership_count is not None:
                counts[cl.list_id] = int(cl.membership_count)
        return lists, counts

    def _take(self, contacts: Iterable[Contact]) -> None:
        for contact in contacts:
            self.raw[contact.contact_id] = contact
        report(self.on_progress, PHASE, len(self.raw), 0, message=f"{len(self.raw):,} contacts read")

    def _labels(self) -> dict[str, str]:
        if not any(c.custom_fields for c in self.raw.values()):
            return {}
        return {f.custom_field_id: f.label or f.name for f in self.client.iter_custom_fields()}

    def _tags(self) -> dict[str, str]:
        if not any(c.taggings for c in self.raw.values()):
            return {}
        return {t.tag_id: t.name for t in self.client.iter_tags()}

    def _names(self, known: Mapping[str, RemoteContact],
               kept: tuple[Mapping[str, str], Mapping[str, str]] | None,
               ) -> tuple[dict[str, str], dict[str, str], dict[str, str] | None, dict[str, str] | None]:  # fmt: skip
        """(labels, tag names, labels asked, tag names asked) for converting what this read brought.

        The kept maps serve when every contact read is one the mirror holds with the same
        ``updated_at`` (the re-read within the cursor's margin, a contact seen again in a list) and
        every id they carry is known: nothing new was met, so asking again (two requests) could only
        bring a label renamed meanwhile, which a rename does not make visible on contacts either.
        Anything new, or an id not kept, asks Constant Contact as before.
        """
        raw = self.raw
        nothing_new = all(cc_id in known and known[cc_id].updated_at == c.updated_at for cc_id, c in raw.items())
        labels = tags = None
        if kept is not None and nothing_new:
            used_fields = {fid for c in raw.values() for fid, _ in c.custom_fields}
            used_tags = {tid for c in raw.values() for tid in c.taggings}
            if used_fields <= kept[0].keys():
                labels = dict(kept[0]) if used_fields else {}
            if used_tags <= kept[1].keys():
                tags = dict(kept[1]) if used_tags else {}
        asked_labels = self._labels() if labels is None else None
        asked_tags = self._tags() if tags is None else None
        return (labels if labels is not None else asked_labels or {}, tags if tags is not None else asked_tags or {},
                asked_labels if asked_labels else None, asked_tags if asked_tags else None)  # fmt: skip

    # -- complete --------------------------------------------------------------------------------------

    def complete(self, account_id: str) -> RemoteRead:
        lists, _ = self._lists()
        latest: datetime | None = None
        for page in self.client.search_contacts(include=INCLUDE, status=("all",)):
            self._check_cancel()
            self._take(page.contacts)
            latest = _latest(latest, (c.updated_at for c in page.contacts))
        labels, tags = self._labels(), self._tags()
        contacts = {cc_id: to_remote(c, labels, tags) for cc_id, c in self.raw.items()}
        snapshot = RemoteSnapshot(contacts=contacts, lists=lists, complete=True, account_id=account_id)
        return RemoteRead(snapshot, self.started, next_cursor(self.started, latest, ""), labels,
                          tag_names=tags, asked_labels=labels or None, asked_tags=tags or None)

    # -- incremental -----------------------------------------------------------------------------------

    def incremental(self, account_id: str, cursor: str, known: Mapping[str, RemoteContact],
                    kept_names: tuple[Mapping[str, str], Mapping[str, str]] | None = None) -> RemoteRead:
        lists, counts = self._lists()
        since = iso(_parse(cursor) - CURSOR_MARGIN)
        latest: datetime | None = None
        for page in self.client.search_contacts(include=INCLUDE, status=("all",), updated_after=since):
            self._check_cancel()
            self._take(page.contacts)
            latest = _latest(latest, (c.updated_at for c in page.contacts))
        for page in self.client.search_contacts(include=INCLUDE, status=("all",), optout_after=since):
            self._check_cancel()
            self._take(page.contacts)
            latest = _latest(latest, (_opt_out_date(c) for c in page.contacts))
        gone_back = self._held_or_deleted(known)
        for contact_id in sorted(gone_back):  # on hold or deleted before, neither now: rare
            self._check_cancel()
            self._take([self.client.get_contact(contact_id, include=INCLUDE)])
        changed_lists = self._lists_to_reread(known, lists, counts)
        left: dict[str, set[str]] = {}  # contact id → lists it was seen to have left
        joined: dict[str, set[str]] = {}  # contact id → lists it was seen to have joined (exports)
        large = {list_id for list_id in changed_lists if export_pays(counts[list_id])}
        exported = self._export_members(known, large, left, joined)
        for group in chunks(sorted(changed_lists - exported), LISTS_PER_SEARCH):
            seen: set[str] = set()
            for page in self.client.search_contacts(include=INCLUDE, status=("all",), lists=group):
                self._check_cancel()
                self._take(page.contacts)
                seen.update(c.contact_id for c in page.contacts)
            wanted = frozenset(group)
            for cc_id, rc in known.items():
                gone = rc.list_ids & wanted
                if gone and cc_id not in seen and cc_id not in self.raw:
                    left.setdefault(cc_id, set()).update(gone)
        labels, tags, asked_labels, asked_tags = self._names(known, kept_names)
        contacts = {cc_id: to_remote(c, labels, tags) for cc_id, c in self.raw.items()}
        for cc_id in left.keys() | joined.keys():
            if cc_id in contacts:
                continue  # read whole in this read: its memberships are current
            rc = known[cc_id]
            moved = (rc.list_ids - left.get(cc_id, set())) | joined.get(cc_id, set())
            contacts[cc_id] = dataclasses.replace(rc, list_ids=frozenset(moved))
        snapshot = RemoteSnapshot(contacts=contacts, lists=lists, complete=False, account_id=account_id)
        return RemoteRead(snapshot, self.started, next_cursor(self.started, latest, cursor), labels,
                          len(changed_lists), tags, asked_labels, asked_tags)  # fmt: skip

    def _held_or_deleted(self, known: Mapping[str, RemoteContact]) -> set[str]:
        """Read bounced and deleted contacts when they may have changed; returns the ids the mirror
        has as bounced or deleted that Constant Contact no longer lists as either (to read one by one).
        """
        flagged = (RemoteStatus.ON_HOLD, RemoteStatus.DELETED)
        ids: set[str] = set()
        pages = self.client.search_contacts(include=INCLUDE, status=HELD_OR_DELETED, include_count=True)
        first = next(pages)
        self._take(first.contacts)
        ids.update(c.contact_id for c in first.contacts)
        raw = self.raw
        expected = {cc_id for cc_id, rc in known.items() if rc.status in flagged and cc_id not in raw}
        expected.update(cc_id for cc_id, contact in raw.items() if status_of(contact) in flagged)
        if not first.last:
            if first.total is not None and first.total == len(expected):
                pages.close()
                return set()  # the same number as before: nothing to read beyond this page
            for page in pages:
                self._check_cancel()
                self._take(page.contacts)
                ids.update(c.contact_id for c in page.contacts)
        return {cc_id for cc_id in expected if cc_id not in ids and cc_id in known and cc_id not in self.raw}

    def _export_members(self, known: Mapping[str, RemoteContact], wanted: set[str],
                        left: dict[str, set[str]], joined: dict[str, set[str]]) -> set[str]:  # fmt: skip
        """Learn who left and who joined each of the ``wanted`` lists from one export per list; returns
        the lists so learnt. A list whose file names an address the mirror and this read do not know
        (or know twice) is left out, to be paged: paging brings whole contacts, an export only addresses.
        """
        export = getattr(self.client, "list_member_emails", None)
        if not wanted or export is None:
            return set()
        self._check_cancel()
        report(self.on_progress, PHASE, message=f"exporting the members of {len(wanted)} large lists")
        members = export(sorted(wanted))
        raw, deleted = self.raw, RemoteStatus.DELETED
        by_email: dict[str, str | None] = {}  # address → contact id; None: two contacts have it

        def index(email: str, cc_id: str) -> None:
            key = email.strip().lower()
            by_email[key] = cc_id if by_email.get(key, cc_id) == cc_id else None

        before: dict[str, set[str]] = {list_id: set() for list_id in wanted}  # members as the mirror has them
        for cc_id, rc in known.items():
            if cc_id in raw:
                continue
            if rc.status != deleted and rc.email:
                index(rc.email, cc_id)
            for list_id in rc.list_ids & wanted:
                before[list_id].add(cc_id)
        for cc_id, contact in raw.items():
            if not contact.deleted_at and contact.email:
                index(contact.email, cc_id)
        learnt: set[str] = set()
        for list_id, emails in members.items():
            ids = {by_email.get(email) for email in emails}
            if None in ids or list_id not in before:
                continue
            for cc_id in ids - before[list_id]:
                if cc_id not in raw:
                    joined.setdefault(cc_id, set()).add(list_id)  # type: ignore[arg-type]
            for cc_id in before[list_id] - ids:
                left.setdefault(cc_id, set()).add(list_id)
            learnt.add(list_id)
        return learnt

    def _lists_to_reread(self, known: Mapping[str, RemoteContact], lists: Mapping[str, RemoteList],
                         counts: Mapping[str, int]) -> set[str]:  # fmt: skip
        """Lists whose membership count differs from what the mirror, with this read folded in, holds."""
        raw, deleted = self.raw, RemoteStatus.DELETED
        expected = Counter(chain.from_iterable(
            rc.list_ids for cc_id, rc in known.items() if rc.list_ids and rc.status != deleted and cc_id not in raw
        ))  # fmt: skip
        expected.update(chain.from_iterable(c.list_memberships for c in raw.values() if not c.deleted_at))
        return {list_id for list_id in lists if list_id in counts and counts[list_id] != expected[list_id]}


def _opt_out_date(contact: Contact) -> str | None:
    return (contact.raw.get("email_address") or {}).get("opt_out_date")


def _latest(current: datetime | None, stamps: Iterable[str | None]) -> datetime | None:
    for stamp in stamps:
        if stamp:
            moment = _parse(stamp)
            if current is None or moment > current:
                current = moment
    return current


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def next_cursor(started: datetime, latest_seen: datetime | None, previous: str) -> str:
    """Where the next incremental read starts, in Constant Contact's own time where possible.

    The start of this read by this machine's clock could be ahead of Constant Contact's clock and
    skip changes; the newest ``updated_at`` (or opt-out date) seen in the read is Constant Contact's
    time and never ahead. Take the earlier of the two; with nothing read, keep the previous cursor.
    """
    if latest_seen is not None:
        return iso(min(started, latest_seen))
    return previous or iso(started - CURSOR_MARGIN)
