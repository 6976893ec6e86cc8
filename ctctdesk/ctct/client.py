"""Typed Constant Contact V3 operations for the sync engine (R12: bulk, paged, incremental).

Every method goes through `ApiTransport`, so the limiter, the daily quota, retries and error mapping
apply to all of them. Results are frozen dataclasses; the `raw` field keeps the API's JSON for the
fields the sync maps itself (it is excluded from equality and hashing).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ctctdesk.chunking import chunks
from ctctdesk.ctct.errors import BadResponse, CtctError, EndlessPaging
from ctctdesk.ctct.http import ApiTransport
from ctctdesk.ctct.timing import Clock

#: The service drops what is beyond 4 MB of an import body; stay well below both MB and MiB readings.
MAX_IMPORT_BYTES = 4_000_000
MAX_IMPORT_CONTACTS = 40_000
MAX_LISTS_PER_ACTIVITY = 50
MAX_CONTACT_IDS_PER_ACTIVITY = 500
MAX_LIST_DELETE = 100
MAX_TAGS_PER_ACTIVITY = 50
CONTACTS_PAGE_SIZE = 500
LISTS_PAGE_SIZE = 1000
FINAL_STATES = frozenset({"completed", "failed", "cancelled", "timed_out"})
#: Pages read at most in one listing when the service reports no count (1,000,000 contacts at 500).
MAX_PAGES = 2000
#: The longest a poll wait runs without looking at a `cancelled` callback (an event wakes it at once).
CANCEL_CHECK_INTERVAL = 0.25


@dataclass(frozen=True)
class AccountSummary:
    organization_name: str
    contact_email: str
    first_name: str = ""
    last_name: str = ""
    encoded_account_id: str = ""


@dataclass(frozen=True)
class ContactList:
    list_id: str
    name: str
    description: str = ""
    favorite: bool = False
    membership_count: int | None = None
    created_at: str | None = None
    updated_at: str | None = None
    deleted_at: str | None = None


@dataclass(frozen=True)
class Contact:
    contact_id: str
    email: str | None
    permission_to_send: str | None
    first_name: str | None = None
    last_name: str | None = None
    job_title: str | None = None
    company_name: str | None = None
    updated_at: str | None = None
    deleted_at: str | None = None
    list_memberships: tuple[str, ...] = ()
    taggings: tuple[str, ...] = ()
    custom_fields: tuple[tuple[str, str], ...] = ()  # (custom_field_id, value)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Contact:
        email = data.get("email_address") or {}
        return cls(
            contact_id=str(data["contact_id"]),
            email=email.get("address"),
            permission_to_send=email.get("permission_to_send"),
            first_name=data.get("first_name"),
            last_name=data.get("last_name"),
            job_title=data.get("job_title"),
            company_name=data.get("company_name"),
            updated_at=data.get("updated_at"),
            deleted_at=data.get("deleted_at"),
            list_memberships=tuple(data.get("list_memberships") or ()),
            taggings=tuple(data.get("taggings") or ()),
            custom_fields=tuple((str(cf.get("custom_field_id")), str(cf.get("value", "")))
                                for cf in data.get("custom_fields") or ()),
            raw=dict(data),
        )


@dataclass(frozen=True)
class ContactPage:
    """One page of a contact search; ``total`` is the search's whole count when it was asked for."""

    contacts: list[Contact]
    total: int | None = None
    last: bool = True  # no page follows


@dataclass(frozen=True)
class CustomField:
    custom_field_id: str
    name: str
    label: str
    type: str


@dataclass(frozen=True)
class Tag:
    tag_id: str
    name: str


@dataclass(frozen=True)
class Activity:
    """A bulk activity handle, and its state the last time we looked."""

    activity_id: str
    state: str
    percent_done: int = 0
    errors: tuple[str, ...] = ()
    status: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    kind: str = ""  # which bulk call made it, e.g. "contacts_json_import"
    item_count: int = 0  # how many items we sent in it
    results_href: str = ""  # a finished export's file (``_links.results.href``); "" for other kinds

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def succeeded(self) -> bool:
        return self.state == "completed"

    @property
    def queued(self) -> bool:
        return self.state == "initialized"

    @classmethod
    def from_api(cls, data: Mapping[str, Any], kind: str = "", item_count: int = 0) -> Activity:
        return cls(
            activity_id=str(data["activity_id"]),
            state=str(data.get("state", "initialized")),
            percent_done=int(data.get("percent_done") or 0),
            errors=tuple(str(e.get("message", e)) if isinstance(e, Mapping) else str(e)
                         for e in data.get("activity_errors") or ()),
            status=dict(data.get("status") or {}),
            kind=kind,
            item_count=item_count,
            results_href=_results_href(data),
        )


def _results_href(data: Mapping[str, Any]) -> str:
    links = data.get("_links")
    results = links.get("results") if isinstance(links, Mapping) else None
    href = results.get("href") if isinstance(results, Mapping) else None
    return href if isinstance(href, str) else ""


ProgressCallback = Callable[[Activity], None]


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    """Turn a missing or mistyped field in an answer into BadResponse instead of a traceback."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BadResponse(what, f"a field is missing or has the wrong type ({type(error).__name__}: "
                                f"{str(error)[:80]})") from None


def import_batches(contacts: Sequence[Mapping[str, Any]], list_ids: Sequence[str],
                   max_bytes: int = MAX_IMPORT_BYTES,
                   max_contacts: int = MAX_IMPORT_CONTACTS) -> Iterator[list[Mapping[str, Any]]]:
    """Split contacts so that each encoded import body stays under `max_bytes`.

    The size is measured on the same compact JSON encoding the transport sends: the envelope with the
    list ids, plus each contact's encoding and its separating comma.
    """
    envelope = len(_encode({"import_data": [], "list_ids": list(list_ids)}))
    batch: list[Mapping[str, Any]] = []
    size = envelope
    for contact in contacts:
        item = len(_encode(contact)) + (1 if batch else 0)
        if envelope + item > max_bytes:
            raise CtctError(f"One contact ({contact.get('email', 'without email')}) is too large to import.")
        if batch and (size + item > max_bytes or len(batch) >= max_contacts):
            yield batch
            batch, size = [], envelope
            item = len(_encode(contact))
        batch.append(contact)
        size += item
    if batch:
        yield batch


def _encode(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


class CtctClient:
    """Constant Contact V3 operations the sync uses."""

    #: The service's name as the tab, the command line and the history say it (`EmailService`).
    display_name = "Constant Contact"

    def __init__(self, transport: ApiTransport) -> None:
        self.transport = transport

    @property
    def clock(self) -> Clock:
        """The clock this client waits on; also this machine's time for a sync's read cursor."""
        return self.transport.clock

    def server_now(self) -> dt.datetime:
        """Constant Contact's time now (from its last answer): the clock its `updated_after` obeys."""
        return self.transport.server_now()

    def cancelled_by(self, cancel: threading.Event | None) -> contextlib.AbstractContextManager[None]:
        """Context manager: within it, every wait of this client on this thread ends on `cancel`.

        Polling then returns the activity as it stands; a request waiting its turn raises
        RequestCancelled.
        """
        return self.transport.cancelled_by(cancel)

    # -- account ------------------------------------------------------------------------------------
    def account_summary(self) -> AccountSummary:
        data = self.transport.get_json("/account/summary")
        return AccountSummary(
            organization_name=data.get("organization_name") or "",
            contact_email=data.get("contact_email") or "",
            first_name=data.get("first_name") or "",
            last_name=data.get("last_name") or "",
            encoded_account_id=data.get("encoded_account_id") or "",
        )

    # -- paging -------------------------------------------------------------------------------------
    def _pages(self, path: str, params: Mapping[str, Any] | None, key: str) -> Iterator[list[dict]]:
        """The items of a listing, page by page (see `_listing`)."""
        for items, _count, _last in self._listing(path, params, key):
            yield items

    def _listing(self, path: str, params: Mapping[str, Any] | None, key: str,
                 ) -> Iterator[tuple[list[dict], int | None, bool]]:  # fmt: skip
        """(items, the service's `<key>_count` if it sent one, whether this is the last page) of each
        page of a listing, following `_links.next` until the last page.

        Every listing goes through here, so each is guarded alike: an answer of the wrong shape is a
        BadResponse, and a listing that would not end is stopped with EndlessPaging (a link seen before,
        or more pages than the count the service reported allows at the page size asked for).
        """
        next_path: str | None = path
        next_params = dict(params or {})
        what = key.replace("_", " ")
        seen: set[str] = set()
        asked = int(next_params.get("limit") or 50)
        largest_page = 0  # the service may send smaller pages than asked: count in its own size
        allowed = MAX_PAGES
        pages = 0
        while next_path:
            data = self.transport.get_json(next_path, next_params or None)
            pages += 1
            items = data.get(key) or []
            if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
                raise BadResponse(f"GET {path}", f"its {key!r} is not a list of objects")
            largest_page = max(largest_page, len(items))
            count = data.get(f"{key}_count")
            if not isinstance(count, int) or count < 0:
                count = None
            else:
                page_size = min(asked, largest_page) or asked
                allowed = min(MAX_PAGES, max(1, math.ceil(count / page_size)) + 1)
            links = data.get("_links")
            link = links.get("next") if isinstance(links, Mapping) else None
            href = link.get("href") if isinstance(link, Mapping) else None
            if href is not None and not isinstance(href, str):
                raise BadResponse(f"GET {path}", "its next-page link is not text")
            yield list(items), count, not href
            if href:
                if href in seen or href == path:
                    raise EndlessPaging(what, "a page pointed back to one already read")
                if pages >= allowed:
                    raise EndlessPaging(what, f"more than the {allowed} pages its own count allows")
                seen.add(href)
            next_path = href
            next_params = {}  # the next link carries the cursor and the original filters

    # -- lists --------------------------------------------------------------------------------------
    def iter_lists(self, *, include_membership_count: bool = False, status: str | None = None
                   ) -> Iterator[ContactList]:
        params: dict[str, Any] = {"limit": LISTS_PAGE_SIZE}
        if include_membership_count:
            params["include_membership_count"] = "all"
        if status:
            params["status"] = status
        for page in self._pages("/contact_lists", params, "lists"):
            with _reading("GET /contact_lists"):
                converted = [_contact_list(item) for item in page]
            yield from converted

    def create_list(self, name: str, description: str = "", favorite: bool = False) -> ContactList:
        body = {"name": name, "favorite": favorite, "description": description}
        return _contact_list(self.transport.request_json("POST", "/contact_lists", json_body=body))

    def update_list(self, list_id: str, name: str, description: str = "", favorite: bool = False
                    ) -> ContactList:
        body = {"name": name, "description": description, "favorite": favorite}
        return _contact_list(self.transport.request_json("PUT", f"/contact_lists/{list_id}",
                                                         json_body=body))

    def rename_list(self, list_id: str, name: str) -> ContactList:
        """PUT replaces the whole list, so keep its description and favourite flag."""
        current = _contact_list(self.transport.get_json(f"/contact_lists/{list_id}"))
        return self.update_list(list_id, name, current.description, current.favorite)

    def delete_list(self, list_id: str) -> Activity:
        response = self.transport.request("DELETE", f"/contact_lists/{list_id}")
        data = (self.transport.json_object(response, f"DELETE /contact_lists/{list_id}") if response.content
                else {"activity_id": "", "state": "completed"})
        return Activity.from_api(data, "list_delete", 1)

    # -- contacts -----------------------------------------------------------------------------------
    def contact_pages(self, *, include: Iterable[str] = (), status: str | None = None,
                      updated_after: str | None = None, lists: Iterable[str] = (),
                      limit: int = CONTACTS_PAGE_SIZE) -> Iterator[list[Contact]]:
        """Contacts in pages of `limit` (max 500), following `_links.next` to the end."""
        for page in self.search_contacts(include=include, status=(status,) if status else (),
                                         updated_after=updated_after, lists=lists, limit=limit):
            yield page.contacts

    def search_contacts(self, *, include: Iterable[str] = (), status: Iterable[str] = (),
                        updated_after: str | None = None, optout_after: str | None = None,
                        lists: Iterable[str] = (), include_count: bool = False,
                        limit: int = CONTACTS_PAGE_SIZE) -> Iterator[ContactPage]:
        """Contact pages for the change checks of a sync: several statuses at once (``status`` is a
        comma-separated filter), ``optout_after`` for unsubscribes, and the search's whole count
        (``include_count``, on the first page) so a caller can stop after one page when the count
        tells it enough."""
        params: dict[str, Any] = {"limit": limit}
        if include:
            params["include"] = ",".join(include)
        if status:
            params["status"] = ",".join(status)
        if updated_after:
            params["updated_after"] = updated_after
        if optout_after:
            params["optout_after"] = optout_after
        if lists:
            params["lists"] = ",".join(lists)
        if include_count:
            params["include_count"] = "true"
        for items, total, last in self._listing("/contacts", params, "contacts"):
            with _reading("GET /contacts"):
                contacts = [Contact.from_api(item) for item in items]
            yield ContactPage(contacts, total, last)

    def iter_contacts(self, **filters: Any) -> Iterator[Contact]:
        for page in self.contact_pages(**filters):
            yield from page

    def get_contact(self, contact_id: str, include: Iterable[str] = ()) -> Contact:
        params = {"include": ",".join(include)} if include else None
        return Contact.from_api(self.transport.get_json(f"/contacts/{contact_id}", params))

    def create_contact(self, body: Mapping[str, Any]) -> Contact:
        payload = {**body, "create_source": "Account"}
        return Contact.from_api(self.transport.request_json("POST", "/contacts", json_body=payload))

    def update_contact(self, contact_id: str, body: Mapping[str, Any]) -> Contact:
        """PUT replaces top-level properties: send the complete contact, not a patch."""
        payload = {**body, "update_source": "Account"}
        return Contact.from_api(self.transport.request_json("PUT", f"/contacts/{contact_id}",
                                                            json_body=payload))

    def delete_contact(self, contact_id: str) -> None:
        self.transport.request("DELETE", f"/contacts/{contact_id}")

    # -- custom fields and tags ---------------------------------------------------------------------
    def iter_custom_fields(self) -> Iterator[CustomField]:
        for page in self._pages("/contact_custom_fields", {"limit": 100}, "custom_fields"):
            yield from (_custom_field(item) for item in page)

    def create_custom_field(self, label: str, type_: str = "string") -> CustomField:
        data = self.transport.request_json("POST", "/contact_custom_fields",
                                           json_body={"label": label, "type": type_})
        return _custom_field(data)

    def iter_tags(self) -> Iterator[Tag]:
        for page in self._pages("/contact_tags", {"limit": 500}, "tags"):
            yield from (Tag(str(item["tag_id"]), str(item.get("name", ""))) for item in page)

    def create_tag(self, name: str) -> Tag:
        data = self.transport.request_json("POST", "/contact_tags", json_body={"name": name})
        return Tag(str(data["tag_id"]), str(data.get("name", name)))

    def rename_tag(self, tag_id: str, name: str) -> Tag:
        """``PUT /contact_tags/{tag_id}``: the tag keeps its contacts and history under the new name."""
        data = self.transport.request_json("PUT", f"/contact_tags/{tag_id}", json_body={"name": name})
        return Tag(str(data.get("tag_id", tag_id)), str(data.get("name", name)))

    def delete_tag(self, tag_id: str) -> list[Activity]:
        """``DELETE /contact_tags/{tag_id}``: an activity that takes the tag off every contact, then deletes it."""
        data = self.transport.request_json("DELETE", f"/contact_tags/{tag_id}", retry_safe=True)
        with _reading("DELETE /contact_tags"):
            return [Activity.from_api(data, "tag_delete", 1)]

    def create_typed_custom_field(self, label: str, field_type: str) -> CustomField:
        """A custom field of the given Constant Contact type (``string`` or ``date``)."""
        return self.create_custom_field(label, field_type)

    # -- bulk activities ----------------------------------------------------------------------------
    def _activity(self, kind: str, body: Mapping[str, Any], item_count: int) -> Activity:
        # Retrying an activity creation repeats the same idempotent work; it cannot duplicate contacts.
        data = self.transport.request_json("POST", f"/activities/{kind}", json_body=body, retry_safe=True)
        with _reading(f"POST /activities/{kind}"):
            return Activity.from_api(data, kind, item_count)

    def import_contacts(self, contacts: Sequence[Mapping[str, Any]], list_ids: Sequence[str]
                        ) -> list[Activity]:
        """JSON import (adds and updates), batched under 4 MB and at most 50 lists per import.

        More than 50 target lists means one import per group of 50 lists.
        """
        if not list_ids:
            raise CtctError("An import needs at least one target list.")
        activities = []
        for list_group in chunks(list(list_ids), MAX_LISTS_PER_ACTIVITY):
            for batch in import_batches(contacts, list_group):
                body = {"import_data": list(batch), "list_ids": list_group}
                activities.append(self._activity("contacts_json_import", body, len(batch)))
        return activities

    def _membership(self, kind: str, contact_ids: Sequence[str], list_ids: Sequence[str]) -> list[Activity]:
        activities = []
        for list_group in chunks(list(list_ids), MAX_LISTS_PER_ACTIVITY):
            for ids in chunks(list(contact_ids), MAX_CONTACT_IDS_PER_ACTIVITY):
                body = {"source": {"contact_ids": ids}, "list_ids": list_group}
                activities.append(self._activity(kind, body, len(ids)))
        return activities

    def add_list_memberships(self, contact_ids: Sequence[str], list_ids: Sequence[str]) -> list[Activity]:
        return self._membership("add_list_memberships", contact_ids, list_ids)

    def remove_list_memberships(self, contact_ids: Sequence[str], list_ids: Sequence[str]
                                ) -> list[Activity]:
        return self._membership("remove_list_memberships", contact_ids, list_ids)

    def delete_contacts(self, contact_ids: Sequence[str]) -> list[Activity]:
        return [self._activity("contact_delete", {"contact_ids": ids}, len(ids))
                for ids in chunks(list(contact_ids), MAX_CONTACT_IDS_PER_ACTIVITY)]

    def delete_lists(self, list_ids: Sequence[str]) -> list[Activity]:
        return [self._activity("list_delete", {"list_ids": ids}, len(ids))
                for ids in chunks(list(list_ids), MAX_LIST_DELETE)]

    def _taggings(self, kind: str, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        activities = []
        for tag_group in chunks(list(tag_ids), MAX_TAGS_PER_ACTIVITY):
            for ids in chunks(list(contact_ids), MAX_CONTACT_IDS_PER_ACTIVITY):
                body = {"source": {"contact_ids": ids}, "tag_ids": tag_group}
                activities.append(self._activity(kind, body, len(ids)))
        return activities

    def add_tags(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        return self._taggings("contacts_taggings_add", contact_ids, tag_ids)

    def remove_tags(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        return self._taggings("contacts_taggings_remove", contact_ids, tag_ids)

    def add_tags_to_lists(self, list_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        """Tag every member of the lists: one activity per 50 lists and 50 tags, whatever their size."""
        activities = []
        for tag_group in chunks(list(tag_ids), MAX_TAGS_PER_ACTIVITY):
            for lists in chunks(list(list_ids), MAX_LISTS_PER_ACTIVITY):
                body = {"source": {"list_ids": lists}, "tag_ids": tag_group}
                activities.append(self._activity("contacts_taggings_add", body, len(lists)))
        return activities

    # -- contact exports ----------------------------------------------------------------------------
    def export_contacts(self, *, list_ids: Sequence[str] = (), fields: Sequence[str] = ("email_address",),
                        status: str | None = None) -> Activity:
        """Start an "Export Contacts to a File" activity (the members of up to 50 lists, or everyone);
        when it has completed, `exported_rows` reads the file."""
        if len(list_ids) > MAX_LISTS_PER_ACTIVITY:
            raise CtctError(f"An export names at most {MAX_LISTS_PER_ACTIVITY} lists.")
        body: dict[str, Any] = {"fields": list(fields)}
        if list_ids:
            body["list_ids"] = list(list_ids)
        if status:
            body["status"] = status
        return self._activity("contact_exports", body, len(list_ids))

    def exported_rows(self, activity: Activity) -> list[dict[str, str]]:
        """The rows of a completed export's CSV file, keyed by its header's words as written."""
        if not activity.results_href:
            raise BadResponse("GET /activities", "a completed export names no file to fetch")
        response = self.transport.request("GET", activity.results_href, accept="text/csv")
        text = response.content.decode("utf-8-sig", errors="replace")
        try:
            return list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as error:
            raise BadResponse("GET /contact_exports", f"its CSV file cannot be read ({error})") from None

    def list_member_emails(self, list_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """The email addresses (lower case) of every member of each list, one export per list: a few
        requests whatever the list's size (start, polls, file), where paging costs one per 500.

        The exports are all started first, so they run side by side in Constant Contact. An export
        file carries no contact id (the fields that can be exported do not include it), so members
        are named by their address, which is unique in an account.
        """
        started = {list_id: self.export_contacts(list_ids=[list_id]) for list_id in list_ids}
        members: dict[str, frozenset[str]] = {}
        for list_id, activity in started.items():
            done = self.wait(activity)
            if not done.succeeded:
                problem = "; ".join(done.errors) or done.state
                raise CtctError(f"Constant Contact could not export the members of a list ({problem}).")
            members[list_id] = frozenset(_row_email(row) for row in self.exported_rows(done)) - {""}
        return members

    def add_tags_by_tag(self, source_tag_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        """Tag every contact that has one of ``source_tag_ids`` (a merge): one activity, whatever their number."""
        activities = []
        for tag_group in chunks(list(tag_ids), MAX_TAGS_PER_ACTIVITY):
            for sources in chunks(list(source_tag_ids), MAX_TAGS_PER_ACTIVITY):
                body = {"source": {"tag_ids": sources}, "tag_ids": tag_group}
                activities.append(self._activity("contacts_taggings_add", body, len(sources)))
        return activities

    def get_activity(self, activity: Activity) -> Activity:
        data = self.transport.get_json(f"/activities/{activity.activity_id}")
        with _reading("GET /activities"):
            return Activity.from_api(data, activity.kind, activity.item_count)

    def wait(self, activity: Activity, on_progress: ProgressCallback | None = None, *,
             first_delay: float = 0.5, max_delay: float = 15.0, timeout: float = 3600.0,
             cancelled: Callable[[], bool] | None = None) -> Activity:
        """Poll until the activity ends, reporting each state (queued, percent, done, errors).

        The delay between polls grows from `first_delay` to `max_delay`, so a queued import costs few
        requests of the daily allowance. Returns the final Activity; a failed one is returned, not
        raised, so the caller can record its errors. Cancel (the event bound with `cancelled_by`, or
        `cancelled` returning True) returns the activity as it stands, not done.
        """
        clock = self.transport.clock
        deadline = clock.monotonic() + timeout
        delay = first_delay
        current = activity
        if on_progress:
            on_progress(current)
        while not current.done:
            if self._cancelled(cancelled):
                return current
            if clock.monotonic() >= deadline:
                raise CtctError("Constant Contact has not finished a bulk job after a long wait; "
                                "the next sync will check again.")
            if not self._pause(delay, cancelled):
                return current
            delay = min(max_delay, delay * 1.6)
            current = self.get_activity(current)
            if on_progress:
                on_progress(current)
        return current

    def _cancelled(self, cancelled: Callable[[], bool] | None) -> bool:
        event = self.transport.cancel_event
        return bool((event is not None and event.is_set()) or (cancelled and cancelled()))

    def _pause(self, seconds: float, cancelled: Callable[[], bool] | None) -> bool:
        """Wait between polls; False when Cancel ended the wait.

        The bound cancel event wakes the sleep at once; without one, a `cancelled` callback is asked at
        least every CANCEL_CHECK_INTERVAL seconds.
        """
        clock = self.transport.clock
        event = self.transport.cancel_event
        end = clock.monotonic() + seconds
        while True:
            left = end - clock.monotonic()
            if left <= 0:
                return True
            step = left if event is not None or cancelled is None else min(left, CANCEL_CHECK_INTERVAL)
            if clock.sleep(step, event) or self._cancelled(cancelled):
                return False


#: How the column of the address may be headed: the field's name, or the same in words ("Email address").
_EMAIL_HEADERS = frozenset({"email_address", "email", "email_addresses"})


def _row_email(row: Mapping[str, str | None]) -> str:
    for header, value in row.items():
        if header is not None and "_".join(header.strip().lower().replace("-", " ").split()) in _EMAIL_HEADERS:
            return (value or "").strip().lower()
    raise BadResponse("GET /contact_exports", "its CSV file has no email address column")


def _contact_list(data: Mapping[str, Any]) -> ContactList:
    return ContactList(
        list_id=str(data["list_id"]),
        name=str(data.get("name", "")),
        description=data.get("description") or "",
        favorite=bool(data.get("favorite", False)),
        membership_count=data.get("membership_count"),
        created_at=data.get("created_at"),
        updated_at=data.get("updated_at"),
        deleted_at=data.get("deleted_at"),
    )


def _custom_field(data: Mapping[str, Any]) -> CustomField:
    return CustomField(str(data["custom_field_id"]), str(data.get("name", "")),
                       str(data.get("label", "")), str(data.get("type", "string")))
