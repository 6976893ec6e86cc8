"""Campaign Monitor → :class:`RemoteSnapshot`, read per list and per state (the engine's reader for it).

Campaign Monitor has no contact search across lists and no "updated since": each list answers, per
state (active, unsubscribed, bounced, deleted), the subscribers whose state changed on or after a date,
in pages of at most 1,000. The reader folds those per-list answers into one contact per address (see
`model`) and hands the service its complete picture (`CampaignMonitorService.picture`).

* **Complete** (the first read, and the full check ``sync --full``): the client's lists, then every
  subscriber of every list in each of the four states, then the client's suppression list.
* **Incremental** (every other read), against the kept mirror (``known``): the lists; each list's
  four states since the cursor less `SINCE_MARGIN`; the suppression list (entries since then count);
  each list's statistics (``TotalActiveSubscribers``), and for a list whose count
  differs from the mirror's once this read is folded in, all its active subscribers again (the only
  way to see who left or joined without a state change).

  The cursor is Campaign Monitor's own date: the newest ``StateChangedDate`` (or suppression date) a
  read saw, kept as the service shows it — in the client's time zone, which the filter uses too, so no
  time zone is assumed or converted (the emulator's NOTES recommend it); when the client's details name
  its zone, the start of the read in that zone less an hour moves it on in a quiet account (otherwise
  the last changes would be read again by every pull). The next read asks from `SINCE_MARGIN` before: the filter takes minutes, and a change made in a list already read while
  the read went on may carry a date older than the newest one seen in a later list. A read that sees
  no change keeps the cursor; an account with nothing in it yet is read completely again (cheap).
  Reads are idempotent, so what the margin reads again costs only its pages.

Cost model, L = lists, n = addresses, s = list subscriptions (n × lists per address), S = suppressed
addresses, c = subscribers whose state changed in the window, R = active subscribers of the lists
whose count differs, all in requests of at most 1,000:

* complete: 1 (lists) + Σ over lists and states of max(1, ⌈count/1,000⌉) ≈ 1 + 4L + ⌈s/1,000⌉, plus
  max(1, ⌈S/1,000⌉) for the suppression list and L for the lists' field definitions (read afresh by
  every read that meets subscribers: they name the fields their values belong to);
* incremental, nothing changed: 1 + 4L + 1 + L = 2 + 5L (17 for three lists), whatever n, while
  S < 1,000 (else ⌈S/1,000⌉ for the suppression list); with changes: 2 + 5L + ⌈c/1,000⌉ + ⌈R/1,000⌉
  + L field definitions;
* the engine adds its account summary (1 request) to either.

Blind spot, stated: Campaign Monitor moves a subscriber's dates only when its *state* changes (a
sign-up, an unsubscribe, a bounce, a deletion, a re-activation). A value edited in Campaign Monitor's
own screens (a name, a custom field) moves nothing a list read can filter on, so an incremental read
does not see it; the full check (``sync --full``) reads every subscriber and settles it. Values
ctctdesk writes itself are folded into the mirror by the push that wrote them (`written`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from ctctdesk.sync.campaign_monitor import model
from ctctdesk.sync.campaign_monitor.wire import PAGE_SIZE, STATES
from ctctdesk.sync.errors import SyncCancelled
from ctctdesk.sync.progress import ProgressCallback, report
from ctctdesk.sync.remote_reader import RemoteRead
from ctctdesk.sync.snapshot import RemoteContact, RemoteList, RemoteSnapshot, RemoteStatus

if TYPE_CHECKING:
    from ctctdesk.sync.campaign_monitor.service import CampaignMonitorService

PHASE = "Reading Campaign Monitor"
SINCE_MARGIN = timedelta(hours=1)
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def since_date(cursor: str) -> str:
    """The ``date`` filter for a read after ``cursor`` (a date as Campaign Monitor shows it), to the
    minute, less the margin."""
    moment = datetime.strptime(cursor[:19], DATE_FORMAT) if len(cursor) >= 19 else datetime.strptime(
        cursor[:10], "%Y-%m-%d")
    return (moment - SINCE_MARGIN).strftime("%Y-%m-%d %H:%M")


def read_campaign_monitor(service: CampaignMonitorService, *, account_id: str, cursor: str = "",
                          known: Mapping[str, RemoteContact] | None = None,
                          on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
                          now: datetime | None = None, known_names: object = None) -> RemoteRead:  # fmt: skip
    """Read the client's lists and subscribers: incrementally when ``cursor`` and the mirror ``known``
    are given, completely otherwise (the module docstring gives the cost of each). ``known_names`` (the
    Constant Contact reader's kept field and tag names) is not needed: subscribers carry field names."""
    reader = _Reader(service, on_progress, cancel)
    started = now or service.clock.now()
    if cursor and known is not None and _is_service_date(cursor):
        snapshot, reread = reader.incremental(account_id, since_date(cursor), known)
    else:
        snapshot, reread, cursor = reader.complete(account_id, known), 0, ""
    labels = {label: label for rc in snapshot.contacts.values() for label, _ in rc.custom_fields
              if not label.startswith("#")}  # fmt: skip
    return RemoteRead(snapshot, started, next_cursor(reader.latest, cursor, started, service.utc_offset),
                      labels, reread,
                      {t: t for rc in snapshot.contacts.values() for t in model.tags_of(rc)})


class _Reader:
    def __init__(self, service: CampaignMonitorService, on_progress: ProgressCallback | None,
                 cancel: threading.Event | None) -> None:  # fmt: skip
        self.service = service
        self.on_progress = on_progress
        self.cancel = cancel
        self.entries: dict[str, dict[str, model.Entry]] = defaultdict(dict)  # address → list id → entry
        self.read = 0
        self.latest = ""  # the newest date seen, as the service shows it (the next cursor)

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise SyncCancelled("Cancelled while reading Campaign Monitor.")

    def _lists(self) -> dict[str, RemoteList]:
        report(self.on_progress, PHASE, message="lists")
        return {list_id: RemoteList(list_id, name) for list_id, name in self.service.list_names(fresh=True).items()}

    def _states(self, list_id: str, since: str | None, states: tuple[str, ...] = STATES) -> set[str]:
        """Read a list's subscribers in these states (since a date); returns the addresses seen."""
        seen: set[str] = set()
        for state in states:
            for page in self.service.subscriber_pages(list_id, state, since):
                self._check_cancel()
                for record in page:
                    email = model.email_id(record.get("EmailAddress"))
                    entry = self.service.entry(list_id, record, model.STATE_OF[state])
                    self.entries[email][list_id] = entry
                    self.latest = max(self.latest, entry.date if _is_service_date(entry.date) else "")
                    seen.add(email)
                self.read += len(page)
                report(self.on_progress, PHASE, self.read, 0, message=f"{self.read:,} subscribers read")
        return seen

    def _suppressed(self, since: str | None) -> set[str]:
        """Suppressed addresses (with ``since``, those suppressed since then); every page is read, as
        the list's order is not one the reader can rely on (usually one request)."""
        out: set[str] = set()
        page = 1
        while True:
            self._check_cancel()
            answer = self.service.suppression_page(page)
            results = list(answer.get("Results") or ())
            for item in results:
                date = str(item.get("Date") or "")
                if since is None or date[:16] >= since:
                    out.add(model.email_id(item.get("EmailAddress")))
                    self.latest = max(self.latest, date if _is_service_date(date) else "")
            if page >= int(answer.get("NumberOfPages") or 1) or not results:
                return out
            page += 1

    # -- complete --------------------------------------------------------------------------------------

    def complete(self, account_id: str, known: Mapping[str, RemoteContact] | None = None) -> RemoteSnapshot:
        lists = self._lists()
        for list_id in lists:
            self._states(list_id, None)
        suppressed = self._suppressed(None)
        known = known or {}
        # what was known before, to tell an edited ``Name`` from edited name fields: the full check is
        # given no mirror, so the picture of this service's last read stands for it
        before = known or self.service.picture
        contacts = {email: _still_listless(_with_edited_name(model.remote_contact(email, entries, email in suppressed),
                                                             entries, before.get(email), self.service.renamed),
                                           known.get(email))
                    for email, entries in self.entries.items() if email}  # fmt: skip
        self.service.picture = dict(contacts)
        return RemoteSnapshot(contacts=contacts, lists=lists, complete=True, account_id=account_id)

    # -- incremental -----------------------------------------------------------------------------------

    def incremental(self, account_id: str, since: str, known: Mapping[str, RemoteContact]
                    ) -> tuple[RemoteSnapshot, int]:  # fmt: skip
        lists = self._lists()
        for list_id in lists:
            self._states(list_id, since)
        suppressed = self._suppressed(since)
        changed = {email: _fold(email, known.get(email), self.entries.get(email, {}), email in suppressed, lists, self.service.renamed)
                   for email in set(self.entries) | (suppressed & set(known)) if email}  # fmt: skip
        reread = 0
        for list_id in lists:
            count = self.service.active_count(list_id)  # a bounced member is in the list, not active
            expected = sum(1 for email, rc in known.items()
                           if _active_in(rc, list_id) and email not in changed)  # fmt: skip
            expected += sum(1 for rc in changed.values() if _active_in(rc, list_id))
            if count == expected:
                continue
            reread += 1
            members = self._states(list_id, None, ("active",))
            for email in members:
                changed[email] = _fold(email, known.get(email), self.entries[email], email in suppressed, lists, self.service.renamed)
            for email, rc in known.items():
                if _active_in(changed.get(email, rc), list_id) and email not in members:
                    base = changed.get(email, rc)
                    changed[email] = _replace_lists(base, base.list_ids - {list_id})
        # a list deleted in Campaign Monitor: its members are no longer in it
        for email, rc in known.items():
            if email not in changed and rc.list_ids - set(lists):
                changed[email] = _replace_lists(rc, rc.list_ids & set(lists))
        picture = dict(known)
        picture.update(changed)
        self.service.picture = picture
        return RemoteSnapshot(contacts=changed, lists=lists, complete=False, account_id=account_id), reread


def next_cursor(latest: str, previous: str, started: datetime, offset: timedelta | None) -> str:
    """Where the next read starts, as a date of the service: the newest it showed, or — when the client's
    time zone is known — the start of this read in that zone less an hour (daylight saving, clocks),
    whichever is later, so a quiet account does not have its last changes read again each time."""
    cursor = max(latest, previous)
    if offset is not None:
        local = started.astimezone(UTC).replace(tzinfo=None) + offset - timedelta(hours=1)
        cursor = max(cursor, local.strftime(DATE_FORMAT))
    return cursor


def _is_service_date(text: str) -> bool:
    """``YYYY-MM-DD HH:MM:SS``, as Campaign Monitor shows a date (a cursor of another form: read all)."""
    try:
        datetime.strptime(text[:19], DATE_FORMAT)
    except ValueError:
        return False
    return len(text) >= 19


def _active_in(rc: RemoteContact, list_id: str) -> bool:
    return rc.status == RemoteStatus.ACTIVE and list_id in rc.list_ids


def _replace_lists(rc: RemoteContact, list_ids: frozenset[str]) -> RemoteContact:
    import dataclasses

    return dataclasses.replace(rc, list_ids=frozenset(list_ids))


def _fold(email: str, known: RemoteContact | None, seen: Mapping[str, model.Entry], suppressed: bool,
          lists: Mapping[str, RemoteList], renamed: dict[str, tuple[str, str]]) -> RemoteContact:  # fmt: skip
    """An address as the mirror had it, with what this read saw of it in some lists.

    Lists not seen keep the mirror's answer. Unsubscribed or bounced stays so until a complete read
    says otherwise (never read as "active again" from a partial view: R3)."""
    entries: dict[str, model.Entry] = {}
    if known is not None:
        source = _entry_of_known(known)
        for list_id in known.list_ids:
            if list_id in lists:
                entries[list_id] = source
    entries.update(seen)
    fresh = _with_edited_name(model.remote_contact(email, entries, suppressed), entries, known, renamed)
    if known is not None and not any(e.state == model.ACTIVE and e.fields for e in seen.values()):
        fresh = _with_values_of(fresh, known)  # nothing newer to take the values from
    fresh = _still_listless(fresh, known)
    if known is not None and known.status in (RemoteStatus.UNSUBSCRIBED, RemoteStatus.ON_HOLD):
        stricter = RemoteStatus.UNSUBSCRIBED if RemoteStatus.UNSUBSCRIBED in (known.status, fresh.status) \
            else RemoteStatus.ON_HOLD
        fresh = _with_status(fresh, stricter)
    return fresh


def _still_listless(fresh: RemoteContact, known: RemoteContact | None) -> RemoteContact:
    """"Deleted" in every list, for an address the mirror already had in no list, is the trace of its
    being taken out of them (by a push, R5/R2), not a deletion of the person (R4): it stays a contact in
    no list, as Constant Contact keeps one. Read as deleted, a later tick in the CRM would never be
    tried (a push leaves a deleted contact to the pull, which then takes the tick away again)."""
    if (fresh.status == RemoteStatus.DELETED and known is not None and known.status == RemoteStatus.ACTIVE
            and not known.list_ids):
        return _with_status(fresh, RemoteStatus.ACTIVE)
    return fresh


def split_name(name: str) -> tuple[str, str]:
    """A ``Name`` as first and last name: the first word, then the rest ("Petra van Dijk" → "Petra",
    "van Dijk"). A guess — Campaign Monitor keeps one name — but the one ctctdesk's own "first last"
    reverses exactly."""
    first, _, last = " ".join(name.split()).partition(" ")
    return first, last


def _with_edited_name(fresh: RemoteContact, entries: Mapping[str, model.Entry], known: RemoteContact | None,
                      renamed: dict[str, tuple[str, str]]) -> RemoteContact:  # fmt: skip
    """The name a subscriber stands for when its ``Name`` and its first/last name fields disagree.

    Every push writes both, so a disagreement means the owner edited one of them in Campaign Monitor's
    screens; what was known before tells which. Fields as known → the ``Name`` was edited: it is split
    (`split_name`) and that is the change this read brings (otherwise a pull would ignore it and the next
    push write the old name back). Fields changed → they were edited, and win. Until ctctdesk writes the
    subscriber again its fields still hold the old name; ``renamed`` (the service's, per address) keeps
    them, so a later read takes the same ``Name`` again instead of reading the stale fields as an edit."""
    source = model.source_of(entries)
    if known is None or source is None or not source.name.strip():
        return fresh
    fields = (fresh.first_name, fresh.last_name)
    named = split_name(source.name)
    if split_name(" ".join(v for v in fields if v)) == named:
        renamed.pop(fresh.email, None)
        return fresh
    if fields == (known.first_name, known.last_name) or (
            renamed.get(fresh.email) == fields and named == (known.first_name, known.last_name)):
        import dataclasses

        renamed[fresh.email] = fields
        return dataclasses.replace(fresh, first_name=named[0], last_name=named[1])
    return fresh


def _entry_of_known(rc: RemoteContact) -> model.Entry:
    fields = {label: [value] for name, label in model.STANDARD_FIELDS.items() if (value := getattr(rc, name))}
    fields.update({label: [value] for label, value in rc.custom_fields if not label.startswith("#")})
    tags = model.tags_of(rc)
    if tags:
        fields[model.TAGS_FIELD] = tags
    return model.Entry(model.ACTIVE, "", "", fields)


def _with_values_of(rc: RemoteContact, known: RemoteContact) -> RemoteContact:
    import dataclasses

    return dataclasses.replace(rc, first_name=known.first_name, last_name=known.last_name,
                               job_title=known.job_title, company_name=known.company_name, phone=known.phone,
                               custom_fields=known.custom_fields)  # fmt: skip


def _with_status(rc: RemoteContact, status: str) -> RemoteContact:
    import dataclasses

    lists = frozenset() if status == RemoteStatus.UNSUBSCRIBED else rc.list_ids
    return dataclasses.replace(rc, status=status, list_ids=lists)


__all__ = ["read_campaign_monitor", "since_date", "PAGE_SIZE"]
