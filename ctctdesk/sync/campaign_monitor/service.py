"""`CampaignMonitorService`: the sync engine's `EmailService` over Campaign Monitor's per-list subscribers.

How the engine's calls land (the model itself is in `model`):

* lists are the client's lists; list names are unique per client (a second one is a `Conflict`);
* ``import_contacts`` imports each list's subscribers in requests of at most 1,000 with
  ``Resubscribe: false`` — an unsubscribed, bounced or suppressed address is never made active again
  (R3). Each refused address is named in the answer's ``FailureDetails`` and comes back as a refused
  row of that import (R15: the others go on). Imports answer at once: every "activity" this service
  returns is already finished, and names the addresses it wrote (``status["contact_ids"]``), so the
  engine need not read them back;
* custom fields are defined per list: a field is created on every list a contact is written to when
  that list lacks it; a new field is created on every list of the client;
* adding a contact to a list imports its subscriber there with the values the service last saw for
  it (`picture`); removing it deletes that list's subscriber (one request per subscriber: the API
  has no bulk removal);
* tags are the values of the multi-valued field ``Tags``; each tag is an option of that field and a
  segment (rule: ``[Tags] EQUALS tag``) on every list they are written to, created when missing; a
  tag renamed or deleted in the CRM moves its subscribers to the new option (or off it) and drops the
  old option and segment from every list;
* the field mapping's types (a date field) go as text fields: values come back exactly as written;
* an address change re-creates the subscriber under the new address in the contact's lists (with
  ``Resubscribe: false``) and deletes the old one: the next read sees the old address deleted and the
  new one entered, which the planner relinks to the same CRM contact as it does for Constant Contact.

Reading is the reader's (`read_remote`, see `reader`), which also refreshes `picture`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from ctctdesk.chunking import chunks
from ctctdesk.ctct.client import AccountSummary, Activity, Contact, ContactList, ContactPage, CustomField, Tag
from ctctdesk.ctct.errors import ApiErrorItem, AuthRevoked, Conflict, CtctError, NotFound, ValidationError
from ctctdesk.sync.campaign_monitor import model
from ctctdesk.sync.campaign_monitor.wire import IMPORT_BATCH, PAGE_SIZE, STATES, CmonWire, WireError
from ctctdesk.sync.snapshot import CUSTOM_PREFIX, RemoteContact, RemoteStatus
from ctctdesk.timing import Clock

DISPLAY_NAME = "Campaign Monitor"
ACCOUNT_PREFIX = "campaign-monitor:"
#: Campaign Monitor's numeric code for a list title already used by the client.
DUPLICATE_LIST_TITLE = 250
TEXT, MULTI = "Text", "MultiSelectMany"
#: 401s that name an unknown list, client or segment rather than a refused key.
UNKNOWN_ID_CODES = frozenset({101, 102, 271})
#: What an import's failure codes mean for the person reading the summary (``Resubscribe`` is never sent).
FAILURE_HINTS = {
    204: "the address is on the client's suppression list; ctctdesk never takes it off",
    # Refused on every push while the CRM still has the contact in that list: the text says what to do.
    205: "it was removed from that list earlier (by a sync or in Campaign Monitor), and Campaign Monitor "
         "takes a removed subscriber back only as a resubscription, which ctctdesk never asks for. To have "
         "it on the list again, add it back in Campaign Monitor (the list → Add subscribers), then pull; "
         "or take the contact off the list in the CRM. Until then each push names it here once",
    206: "it unsubscribed; ctctdesk never subscribes anyone again",
    207: "its address bounced; ctctdesk never subscribes it again",
}
#: "Subscriber not in list or has already been removed": a removal that is already done.
NOT_IN_LIST = 203


def utc_offset(time_zone: str) -> dt.timedelta | None:
    """The offset a client's ``TimeZone`` names, e.g. "(GMT+10:00) Canberra" → +10 h; None when it names
    none (daylight saving is not in the name: whoever uses it allows an hour)."""
    found = re.match(r"\s*\((?:GMT|UTC)(?:([+-])(\d{1,2}):(\d{2}))?\)", time_zone)
    if found is None:
        return None
    if found.group(1) is None:
        return dt.timedelta(0)
    offset = dt.timedelta(hours=int(found.group(2)), minutes=int(found.group(3)))
    return -offset if found.group(1) == "-" else offset


def cm_error(error: WireError, what: str = "") -> CtctError:
    """A wire refusal in the engine's error family (the one the executor and the service handle)."""
    message = error.message or str(error)
    if error.status == 401 and error.code not in UNKNOWN_ID_CODES:
        return AuthRevoked(f"{DISPLAY_NAME} no longer accepts the saved API key or sign-in (replaced or "
                           f"revoked there). Connect again (Settings → {DISPLAY_NAME}, or `ctctdesk connect "
                           "--service campaign-monitor`); nothing has been lost.")
    if error.status == 404 or error.code in UNKNOWN_ID_CODES:
        return NotFound(what or "The item")
    if error.code == DUPLICATE_LIST_TITLE:
        return Conflict(f"{DISPLAY_NAME} already has a list with that name; choose another name.")
    if error.status == 400:
        return ValidationError([ApiErrorItem(str(error.code), message)])
    return CtctError(message if DISPLAY_NAME in message else f"{DISPLAY_NAME}: {message}")


@contextlib.contextmanager
def translated(what: str = "") -> Iterator[None]:
    try:
        yield
    except WireError as error:
        raise cm_error(error, what) from error


def _activity(kind: str, items: int, errors: Sequence[str] = (), written: Iterable[str] = ()) -> Activity:
    """A finished "activity": what one call did, in the engine's terms."""
    return Activity(activity_id=f"cm-{kind}-{uuid.uuid4().hex[:12]}", state="completed", percent_done=100,
                    errors=tuple(errors), status={"contact_ids": {e: e for e in written}},
                    kind=kind, item_count=items)  # fmt: skip


class CampaignMonitorService:
    """One Campaign Monitor client (the account's client the user chose) as the engine's email service.

    ``picture``: the last values seen per address (the reader's complete picture after each read, and
    what this service wrote since); adding someone to a list or re-tagging them needs their values,
    which Campaign Monitor keeps per list. Keep one instance for the connection's life.
    """

    display_name = DISPLAY_NAME

    @property
    def requests_sent(self) -> int:
        """Requests this service's wire client has sent (the history records each run's share, S5)."""
        return int(getattr(self.wire, "requests_sent", 0))

    def __init__(self, wire: CmonWire, client_id: str, *, clock: Clock) -> None:
        self.wire = wire
        self.client_id = client_id
        self._clock = clock
        self.picture: dict[str, RemoteContact] = {}
        self._written: dict[str, RemoteContact] = {}  # since the last `take_written`
        #: address → the first/last name fields a taken ``Name`` edit left stale (the reader's
        #: `_with_edited_name`), until this service writes that subscriber again
        self.renamed: dict[str, tuple[str, str]] = {}
        #: the client's time zone (from its details, read with every account summary); None: unknown
        self.utc_offset: dt.timedelta | None = None
        self._list_names: dict[str, str] | None = None
        self._fields: dict[str, dict[str, str]] = {}  # list id → casefolded name → key
        self._names: dict[str, dict[str, str]] = {}  # list id → casefolded name or bare key → name
        self._tag_options: dict[str, set[str]] = {}  # list id → options of the tags field
        self._segments: dict[str, dict[str, str]] = {}  # list id → segment title → segment id

    # -- waits and time ---------------------------------------------------------------------------------

    def cancelled_by(self, cancel: threading.Event | None) -> contextlib.AbstractContextManager[None]:
        return self.wire.cancelled_by(cancel)

    @property
    def clock(self) -> Clock:
        return self._clock

    def server_now(self) -> dt.datetime:
        own = getattr(self.wire, "server_now", None)
        return own() if callable(own) else self._clock.now()

    def read_remote(self, **kwargs: Any) -> Any:
        """The engine's read of this service (`ctctdesk.sync.readers`): per list and per state. Each
        read starts from fresh list definitions (fields, tag options, segments): the owner may have
        changed them in Campaign Monitor since."""
        from ctctdesk.sync.campaign_monitor.reader import read_campaign_monitor

        self._fields.clear()
        self._names.clear()
        self._tag_options.clear()
        self._segments.clear()
        return read_campaign_monitor(self, **kwargs)

    # -- account -----------------------------------------------------------------------------------------

    def account_summary(self) -> AccountSummary:
        with translated("The client"):
            details = self.wire.client_details(self.client_id)
        basic = details.get("BasicDetails") or details
        self.utc_offset = utc_offset(str(basic.get("TimeZone") or ""))
        return AccountSummary(organization_name=str(basic.get("CompanyName") or ""),
                              contact_email=str(basic.get("EmailAddress") or ""),
                              encoded_account_id=ACCOUNT_PREFIX + self.client_id)  # fmt: skip

    # -- lists -------------------------------------------------------------------------------------------

    def list_names(self, *, fresh: bool = False) -> dict[str, str]:
        if self._list_names is None or fresh:
            with translated():
                self._list_names = {str(x["ListID"]): str(x["Name"]) for x in self.wire.lists(self.client_id)}
        return self._list_names

    def iter_lists(self, *, include_membership_count: bool = False) -> Iterator[ContactList]:
        for list_id, name in list(self.list_names(fresh=True).items()):
            count = None
            if include_membership_count:
                count = self.active_count(list_id)
            yield ContactList(list_id, name, membership_count=count)

    def create_list(self, name: str) -> ContactList:
        key = name.strip().casefold()
        if any(n.strip().casefold() == key for n in self.list_names(fresh=True).values()):
            raise Conflict(f"{DISPLAY_NAME} already has a list named “{name}”.")
        with translated():
            list_id = self.wire.create_list(self.client_id, name)
        self.list_names()[list_id] = name
        self._fields[list_id] = {}
        self._tag_options[list_id] = set()
        self._segments[list_id] = {}
        return ContactList(list_id, name)

    def rename_list(self, list_id: str, name: str) -> ContactList:
        with translated("The list"):
            self.wire.update_list(list_id, name)
        self.list_names()[list_id] = name
        return ContactList(list_id, name)

    def delete_lists(self, list_ids: Sequence[str]) -> list[Activity]:
        errors = []
        for list_id in list_ids:
            try:
                self.wire.delete_list(list_id)
            except WireError as error:
                if error.status != 404:  # already gone is what was asked
                    errors.append(f"list {list_id}: {error.message or error}")
            self.list_names().pop(list_id, None)
        return [_activity("list_delete", len(list_ids), errors)]

    # -- custom fields and tags, per list ----------------------------------------------------------------

    def _read_fields(self, list_id: str) -> dict[str, str]:
        """casefolded field name → the field's ``Key`` on this list (read once per list)."""
        if list_id not in self._fields:
            with translated("The list"):
                defs = self.wire.custom_fields(list_id)
            self._fields[list_id] = {}
            for d in defs:
                self._learn_field(list_id, str(d["FieldName"]), str(d.get("Key") or f"[{d['FieldName']}]"))
                if str(d["FieldName"]) == model.TAGS_FIELD:
                    self._tag_options[list_id] = {str(o) for o in d.get("FieldOptions") or ()}
        return self._fields[list_id]

    def _learn_field(self, list_id: str, name: str, key: str) -> None:
        self._fields.setdefault(list_id, {})[name.casefold()] = key
        names = self._names.setdefault(list_id, {})
        names[name.casefold()] = name
        names[model.field_name(key).casefold()] = name

    def field_name_on(self, list_id: str, key: str) -> str:
        """The field name behind a ``Key`` a subscriber of this list carries (answers may give either)."""
        self._read_fields(list_id)
        bare = model.field_name(key)
        return self._names.get(list_id, {}).get(bare.casefold(), bare)

    def _keyed(self, list_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """A subscriber body whose field names are replaced by this list's keys."""
        keys = self._read_fields(list_id)
        fields = [{**item, "Key": keys.get(str(item["Key"]).casefold(), f"[{item['Key']}]")}
                  for item in body.get("CustomFields") or ()]  # fmt: skip
        return {**body, "CustomFields": fields}

    def _ensure_fields(self, list_id: str, labels: Iterable[str]) -> None:
        have = self._read_fields(list_id)
        for label in sorted(set(labels)):
            if label.casefold() not in have:
                with translated("The list"):
                    key = self.wire.create_custom_field(list_id, label, TEXT)
                self._learn_field(list_id, label, str(key or f"[{label}]"))

    def _ensure_tags(self, list_id: str, tags: Iterable[str]) -> None:
        """The tags field with these options, and one segment per tag, on the list."""
        tags = set(tags)
        if not tags:
            return
        have = self._read_fields(list_id)
        options = self._tag_options.setdefault(list_id, set())
        with translated("The list"):
            if model.TAGS_FIELD.casefold() not in have:
                key = self.wire.create_custom_field(list_id, model.TAGS_FIELD, MULTI, sorted(tags))
                self._learn_field(list_id, model.TAGS_FIELD, str(key or f"[{model.TAGS_FIELD}]"))
                options.update(tags)
            elif missing := sorted(tags - options):
                self.wire.update_field_options(list_id, have[model.TAGS_FIELD.casefold()], missing)
                options.update(missing)
            segments = self._segments_of(list_id)
            for tag in sorted(tags):
                title = model.segment_title(tag)
                if title not in segments:
                    segments[title] = self.wire.create_segment(list_id, title, model.segment_rules(tag))

    def _segments_of(self, list_id: str) -> dict[str, str]:
        if list_id not in self._segments:
            self._segments[list_id] = {str(s["Title"]): str(s["SegmentID"]) for s in self.wire.segments(list_id)}
        return self._segments[list_id]

    def _drop_tag(self, tag: str) -> None:
        """The tag's option and segment off every list (its subscribers no longer carry it)."""
        for list_id in self.list_names():
            have = self._read_fields(list_id)
            options = self._tag_options.get(list_id, set())
            with translated("The list"):
                if tag in options and model.TAGS_FIELD.casefold() in have:
                    options.discard(tag)
                    self.wire.replace_field_options(list_id, have[model.TAGS_FIELD.casefold()], sorted(options))
                segments = self._segments_of(list_id)
                segment_id = segments.pop(model.segment_title(tag), None)
                if segment_id is not None:
                    self.wire.delete_segment(segment_id)

    def iter_custom_fields(self) -> Iterator[CustomField]:
        names: dict[str, str] = {}
        for list_id in self.list_names():
            self._read_fields(list_id)
            for folded, name in self._names.get(list_id, {}).items():
                if folded == name.casefold() and folded not in model.RESERVED:
                    names.setdefault(folded, name)
        for name in sorted(names.values(), key=str.casefold):
            yield CustomField(name, name, name, "string")

    def create_custom_field(self, label: str) -> CustomField:
        if label.strip().casefold() in model.RESERVED:
            raise ValidationError([ApiErrorItem("reserved", f"“{label}” is a field ctctdesk keeps for "
                                                "itself in Campaign Monitor; rename the CRM field.")])
        for list_id in self.list_names():
            self._ensure_fields(list_id, [label])
        return CustomField(label, label, label, "string")

    def iter_tags(self) -> Iterator[Tag]:
        names: set[str] = set()
        for list_id in self.list_names():
            self._read_fields(list_id)
            names.update(self._tag_options.get(list_id, ()))
        for name in sorted(names, key=str.casefold):
            yield Tag(name, name)

    def create_tag(self, name: str) -> Tag:
        for list_id in self.list_names():
            self._ensure_tags(list_id, [name])
        return Tag(name, name)

    def add_tags(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        return self._retag(contact_ids, lambda tags: tags | set(tag_ids), "tag_add")

    def remove_tags(self, contact_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        return self._retag(contact_ids, lambda tags: tags - set(tag_ids), "tag_remove")

    def create_typed_custom_field(self, label: str, field_type: str) -> CustomField:
        """Campaign Monitor's fields are made as text whatever the type: a value goes and comes back
        exactly as the CRM writes it (its date fields take and show other formats)."""
        return self.create_custom_field(label)

    def _carrying(self, tags: Sequence[str]) -> list[str]:
        wanted = set(tags)
        return sorted(email for email, rc in self.picture.items() if wanted & set(model.tags_of(rc)))

    def add_tags_by_tag(self, source_tag_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        for tag in tag_ids:
            self.create_tag(tag)
        return self.add_tags(self._carrying(source_tag_ids), tag_ids)

    def rename_tag(self, tag_id: str, name: str) -> Tag:
        """A new option and segment, the subscribers moved onto it, the old one dropped."""
        self.create_tag(name)
        carrying = self._carrying([tag_id])
        for activity in self._retag(carrying, lambda tags: (tags - {tag_id}) | {name}, "tag_rename"):
            if activity.errors:
                raise CtctError(f"{DISPLAY_NAME} did not rename the tag “{tag_id}”: " + "; ".join(activity.errors))
        self._drop_tag(tag_id)
        return Tag(name, name)

    def delete_tag(self, tag_id: str) -> list[Activity]:
        activities = self.remove_tags(self._carrying([tag_id]), [tag_id])
        if not any(a.errors for a in activities):
            self._drop_tag(tag_id)
        return activities

    def list_member_emails(self, list_ids: Sequence[str]) -> dict[str, frozenset[str]]:
        """list id → the addresses of its active subscribers, 1,000 a request."""
        return {list_id: frozenset(model.email_id(r.get("EmailAddress")) for page in
                                   self.subscriber_pages(list_id, "active", None) for r in page)
                for list_id in list_ids}  # fmt: skip

    def add_tags_to_lists(self, list_ids: Sequence[str], tag_ids: Sequence[str]) -> list[Activity]:
        wanted = set(list_ids)
        members = [e for e, rc in self.picture.items() if rc.list_ids & wanted]
        return self.add_tags(members, tag_ids)

    def _retag(self, contact_ids: Sequence[str], change: Callable[[set[str]], set[str]],
               kind: str) -> list[Activity]:  # fmt: skip
        """Write each contact's new tag set to every list it is active in."""
        by_list: dict[str, list[dict[str, Any]]] = defaultdict(list)
        new_tags: dict[str, list[str]] = {}
        for email in contact_ids:
            rc = self._known(email)
            if rc is None:
                continue
            tags = sorted(change(set(model.tags_of(rc))))
            new_tags[email] = tags
            for list_id in rc.list_ids:
                by_list[list_id].append(model.subscriber_body(email, {}, tags))
        errors, written = self._import(by_list, tags_of=new_tags)
        for email, tags in new_tags.items():
            if email in written:
                self._remember(email, tags=tags)
        return [_activity(kind, len(contact_ids), errors, written)]

    # -- contacts ----------------------------------------------------------------------------------------

    def _import(self, by_list: Mapping[str, Sequence[Mapping[str, Any]]],
                tags_of: Mapping[str, Sequence[str]] | None = None) -> tuple[list[str], set[str]]:  # fmt: skip
        """Import subscribers list by list, 1,000 a request; (errors naming each refused address,
        the addresses every list took)."""
        errors: list[str] = []
        refused: set[str] = set()
        sent: set[str] = set()
        for list_id, bodies in by_list.items():
            labels = {model.field_name(c["Key"]) for b in bodies for c in b["CustomFields"]}
            labels.discard(model.TAGS_FIELD)
            self._ensure_fields(list_id, labels)
            self._ensure_tags(list_id, {t for b in bodies for t in (tags_of or {}).get(model.email_id(b["EmailAddress"]), ())})
            held = [b for b in bodies if self._on_hold(b["EmailAddress"], list_id)]
            for body in held:  # an import leaves a bounced subscriber as it is (207); an update does not
                email = model.email_id(body["EmailAddress"])
                try:
                    self.wire.update_subscriber(list_id, email, self._keyed(list_id, body))
                except WireError as error:
                    refused.add(email)
                    errors.append(f"{DISPLAY_NAME} refused '{email}': {error.message or error}")
                sent.add(email)
            bodies = [b for b in bodies if not self._on_hold(b["EmailAddress"], list_id)]
            for batch in chunks([self._keyed(list_id, b) for b in bodies], IMPORT_BATCH):
                with translated("The list"):
                    result = self.wire.import_subscribers(list_id, batch)
                for failure in result.get("FailureDetails") or ():
                    email = model.email_id(failure.get("EmailAddress"))
                    refused.add(email)
                    why = FAILURE_HINTS.get(failure.get("Code")) or failure.get("Message") or "no detail given"
                    errors.append(f"{DISPLAY_NAME} did not add '{email}' to the list “{self._list_title(list_id)}”: "
                                  f"{why}.")
                sent.update(model.email_id(b["EmailAddress"]) for b in batch)
        return errors, sent - refused

    def _list_title(self, list_id: str) -> str:
        """The list's name for a message (its id when the name cannot be read)."""
        try:
            return self.list_names().get(list_id, list_id)
        except CtctError:
            return list_id

    def _on_hold(self, address: str, list_id: str) -> bool:
        """Is this a bounced subscriber of the list (held there; an update reaches it, an import not)?"""
        known = self.picture.get(model.email_id(address))
        return known is not None and known.status == RemoteStatus.ON_HOLD and list_id in known.list_ids

    def import_contacts(self, contacts: Sequence[Mapping[str, Any]], list_ids: Sequence[str]) -> list[Activity]:
        rows = [{(CUSTOM_PREFIX + k[3:] if k.startswith("cf:") else k): str(v) for k, v in row.items()}
                for row in contacts]  # fmt: skip
        if not list_ids:  # no list-less subscriber in Campaign Monitor: nothing to store it in
            errors = [f"{DISPLAY_NAME} refused '{model.email_id(r.get('email'))}': Campaign Monitor keeps "
                      "subscribers in lists only; add the contact to a list." for r in rows]
            return [_activity("import", len(rows), errors)]
        by_list: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            email = model.email_id(row.get("email"))
            values = self._full_values(email, row)
            for list_id in list_ids:
                by_list[list_id].append(model.subscriber_body(email, values))
        errors, written = self._import(by_list)
        for row in rows:
            email = model.email_id(row.get("email"))
            if email in written:
                self._remember(email, values=row, lists=set(list_ids))
        return [_activity("import", len(rows), errors, written)]

    def _full_values(self, email: str, row: Mapping[str, str]) -> dict[str, str]:
        """The row, with the name parts it leaves out taken from what is known (``Name`` is both)."""
        values = dict(row)
        known = self.picture.get(email)
        if known is not None:
            for name in ("first_name", "last_name"):
                values.setdefault(name, getattr(known, name))
        return values

    def add_list_memberships(self, contact_ids: Sequence[str], list_ids: Sequence[str]) -> list[Activity]:
        by_list: dict[str, list[dict[str, Any]]] = defaultdict(list)
        tags: dict[str, list[str]] = {}
        missing: list[str] = []
        for email in contact_ids:
            rc = self._known(email)
            if rc is None:
                missing.append(f"{DISPLAY_NAME} refused '{email}': no such subscriber in this client's lists.")
                continue
            tags[email] = model.tags_of(rc)
            values = {k: v for k, v in rc.values().as_dict().items() if k != "email"}
            values = {k: v for k, v in values.items() if not k.startswith(CUSTOM_PREFIX + "#")}
            for list_id in list_ids:
                by_list[list_id].append(model.subscriber_body(email, values, tags[email] or None))
        errors, written = self._import(by_list, tags_of=tags)
        for email in written:
            self._remember(email, lists=self.picture[email].list_ids | set(list_ids))
        return [_activity("list_add", len(contact_ids), missing + errors, written)]

    def remove_list_memberships(self, contact_ids: Sequence[str], list_ids: Sequence[str]) -> list[Activity]:
        errors: list[str] = []
        done: set[str] = set()
        for email in contact_ids:
            ok = True
            for list_id in list_ids:
                try:
                    self.wire.delete_subscriber(list_id, email)
                except WireError as error:
                    if error.status != 404 and error.code != NOT_IN_LIST:
                        errors.append(f"{DISPLAY_NAME} refused '{email}': {error.message or error}")
                        ok = False
            if ok:
                done.add(email)
                if email in self.picture:
                    self._remember(email, lists=self.picture[email].list_ids - set(list_ids))
        return [_activity("list_remove", len(contact_ids), errors, done)]

    def get_contact(self, contact_id: str, include: Iterable[str] = ()) -> Contact:
        """The address's subscribers: which lists hold it (one request), then its values from each list
        where it is active or, when none, from one list (one request each)."""
        email = model.email_id(contact_id)
        with translated("The subscriber"):
            found = self.wire.lists_for_email(self.client_id, email)
        states = {str(x["ListID"]): str(x.get("SubscriberState") or model.ACTIVE) for x in found}
        if not states:
            raise NotFound("The subscriber")
        read = [i for i, state in states.items() if state == model.ACTIVE] or list(states)[:1]
        entries = {list_id: model.Entry(state) for list_id, state in states.items()}
        for list_id in read:
            with translated("The subscriber"):
                record = self.wire.subscriber(list_id, email)
            if record is not None:
                entries[list_id] = self.entry(list_id, record, states[list_id])
        rc = model.remote_contact(email, entries)
        self.picture[email] = rc
        return contact_of(rc)

    def entry(self, list_id: str, record: Mapping[str, Any], state: str | None = None) -> model.Entry:
        """One subscriber of a list as the model reads it, field keys turned into field names."""
        return model.entry_of(record, state, lambda key: self.field_name_on(list_id, key))

    def update_contact(self, contact_id: str, body: Mapping[str, Any]) -> Contact:
        """A whole contact in Constant Contact's shape (what the engine's full update sends): written to
        each list the subscriber is active in; values it no longer has are cleared; a new address
        moves the subscriber (see the module docstring)."""
        old = model.email_id(contact_id)
        known = self._known(old)
        if known is None:
            raise NotFound("The subscriber")
        values, labels = _values_of_body(body)
        new = model.email_id((body.get("email_address") or {}).get("address")) or old
        tags = model.tags_of(known)
        lists = sorted(known.list_ids)
        if new != old:
            if not lists:
                raise ValidationError([ApiErrorItem("address", "Campaign Monitor keeps subscribers by address and "
                                                    "this one is in no list: the new address goes there with the "
                                                    "contact's next list")])
            by_list = {list_id: [model.subscriber_body(new, values, tags or None)] for list_id in lists}
            errors, written = self._import(by_list, tags_of={new: tags})
            if errors or new not in written:
                raise ValidationError([ApiErrorItem("import", "; ".join(errors) or "not accepted")])
            for list_id in lists:
                with translated("The subscriber"):
                    self.wire.delete_subscriber(list_id, old)
            gone = self.picture.pop(old)
            self._written[old] = _with(gone, status=RemoteStatus.DELETED, list_ids=frozenset())
            self._remember(new, values={"email": new, **values}, lists=set(lists), tags=tags)
            return contact_of(self.picture[new])
        old_labels = set(model.field_labels({k: v for k, v in known.values().as_dict().items()
                                             if not k.startswith(CUSTOM_PREFIX + "#")}))  # fmt: skip
        clear = sorted(old_labels - labels)
        for list_id in lists:
            self._ensure_fields(list_id, labels)
            with translated("The subscriber"):
                self.wire.update_subscriber(list_id, old, self._keyed(list_id, model.subscriber_body(
                    old, values, clear=clear)))
        kept = {k: v for k, v in known.values().as_dict().items() if k.startswith(CUSTOM_PREFIX + "#")}
        whole = {name: values.get(name, "") for name in model.STANDARD_FIELDS}
        self._put(old, _replaced(_with(known, custom_fields=()), {**whole, **values, **kept}))
        return contact_of(self.picture[old])

    def _known(self, email: str) -> RemoteContact | None:
        email = model.email_id(email)
        if email not in self.picture:
            try:
                self.get_contact(email)
            except NotFound:
                return None
        return self.picture.get(email)

    def _remember(self, email: str, *, values: Mapping[str, str] | None = None, lists: set[str] | None = None,
                  tags: Sequence[str] | None = None) -> None:  # fmt: skip
        """Fold what this service just wrote into `picture` (the next read confirms it)."""
        rc = self.picture.get(email) or RemoteContact(email, email)
        if values is not None:
            rc = _replaced(rc, values)
        if lists is not None:
            rc = _with(rc, list_ids=frozenset(lists))
        if tags is not None:
            plain = tuple(p for p in rc.custom_fields if not p[0].startswith("#"))
            rc = _with(rc, custom_fields=tuple(sorted(plain + tuple(model.tag_entry(t) for t in tags))))
        self._put(email, rc)

    def _put(self, email: str, rc: RemoteContact) -> None:
        self.picture[email] = rc
        if rc.first_name or rc.last_name:  # a write sends both name fields with ``Name``
            self.renamed.pop(email, None)
        self._written[email] = rc

    def take_written(self) -> dict[str, RemoteContact]:
        """What this service wrote since the last call, as Campaign Monitor now holds it: a value edit
        moves no date a list read filters on, so the engine folds these into its mirror after a push."""
        written, self._written = self._written, {}
        return written

    # -- reads the engine's generic calls make --------------------------------------------------------

    def subscriber_pages(self, list_id: str, state: str, since: str | None) -> Iterator[list[Mapping[str, Any]]]:
        """Every subscriber of a list in a state (since a date), 1,000 a request."""
        page = 1
        while True:
            with translated("The list"):
                answer = self.wire.subscribers(list_id, state, since=since, page=page, page_size=PAGE_SIZE)
            yield list(answer.get("Results") or ())
            if page >= int(answer.get("NumberOfPages") or 1):
                return
            page += 1

    def suppression_page(self, page: int) -> Mapping[str, Any]:
        with translated("The client"):
            return self.wire.suppression_list(self.client_id, page=page, page_size=PAGE_SIZE)

    def active_count(self, list_id: str) -> int:
        with translated("The list"):
            return int(self.wire.list_stats(list_id).get("TotalActiveSubscribers") or 0)

    def search_contacts(
        self, *, include: Iterable[str] = (), status: Iterable[str] = (), updated_after: str | None = None,
        optout_after: str | None = None, lists: Iterable[str] = (), include_count: bool = False,
    ) -> Iterator[ContactPage]:
        """Contacts as one page: subscribers of the lists asked (all), in the states asked, that
        subscribed or changed state since a date (Campaign Monitor's own filter: edits of values do not
        move it)."""
        wanted = set(status) or {"all"}
        states = list(STATES) if wanted & {"all"} else [s for s in STATES if s in wanted or
                                                            (s == "bounced" and "temp_hold" in wanted)]
        if optout_after:
            states, updated_after = ["unsubscribed"], optout_after
        since = updated_after[:10] if updated_after else None
        entries: dict[str, dict[str, model.Entry]] = defaultdict(dict)
        for list_id in list(lists) or list(self.list_names()):
            for state in states:
                for page in self.subscriber_pages(list_id, state, since):
                    for record in page:
                        entries[model.email_id(record.get("EmailAddress"))][list_id] = self.entry(
                            list_id, record, model.STATE_OF[state])
        contacts = [contact_of(model.remote_contact(email, e)) for email, e in sorted(entries.items())]
        yield ContactPage(contacts, len(contacts) if include_count else None, True)

    def contact_pages(self, *, include: Iterable[str] = (), status: str | None = None,
                      updated_after: str | None = None) -> Iterator[list[Contact]]:  # fmt: skip
        for page in self.search_contacts(include=include, status=(status,) if status else (),
                                         updated_after=updated_after):  # fmt: skip
            yield page.contacts

    # -- activities ----------------------------------------------------------------------------------

    def wait(self, activity: Activity, on_progress: Callable[[Activity], None] | None = None, *,
             cancelled: Callable[[], bool] | None = None) -> Activity:  # fmt: skip
        """Every call of this service finishes before it returns: nothing to wait for."""
        if on_progress is not None:
            on_progress(activity)
        return activity


# -- the engine's Constant-Contact-shaped values, out of the model --------------------------------------

_PERMISSION = {RemoteStatus.UNSUBSCRIBED: "unsubscribed", RemoteStatus.ON_HOLD: "temp_hold"}


def contact_of(rc: RemoteContact) -> Contact:
    """The engine's `Contact` (and the raw shape its full update reads) for a remote contact."""
    custom = tuple((label, value) for label, value in rc.custom_fields if not label.startswith("#"))
    tags = tuple(model.tags_of(rc))
    raw = {
        "first_name": rc.first_name, "last_name": rc.last_name, "job_title": rc.job_title,
        "company_name": rc.company_name,
        "email_address": {"address": rc.email, "permission_to_send": _PERMISSION.get(rc.status, "implicit")},
        "phone_numbers": [{"phone_number": rc.phone, "kind": "other"}] if rc.phone else [],
        "custom_fields": [{"custom_field_id": k, "value": v} for k, v in custom],
        "list_memberships": sorted(rc.list_ids),
        "taggings": list(tags),
    }  # fmt: skip
    return Contact(
        contact_id=rc.cc_id, email=rc.email, permission_to_send=_PERMISSION.get(rc.status, "implicit"),
        first_name=rc.first_name, last_name=rc.last_name, job_title=rc.job_title,
        company_name=rc.company_name, updated_at=rc.updated_at,
        deleted_at=rc.updated_at or "deleted" if rc.status == RemoteStatus.DELETED else None,
        list_memberships=tuple(sorted(rc.list_ids)), taggings=tags, custom_fields=custom, raw=raw,
    )  # fmt: skip


def _values_of_body(body: Mapping[str, Any]) -> tuple[dict[str, str], set[str]]:
    """(engine field values, custom field labels holding a value) of a Constant-Contact-shaped body."""
    values = {name: str(body.get(name) or "") for name in ("first_name", "last_name", "job_title", "company_name")}
    phones = [p for p in body.get("phone_numbers") or () if p.get("phone_number")]
    values["phone"] = str(phones[0]["phone_number"]) if phones else ""
    for item in body.get("custom_fields") or ():
        values[CUSTOM_PREFIX + str(item["custom_field_id"])] = str(item.get("value") or "")
    values = {k: v for k, v in values.items() if v}
    return values, model.field_labels(values)


def _with(rc: RemoteContact, **changes: Any) -> RemoteContact:
    import dataclasses

    return dataclasses.replace(rc, **changes)


def _replaced(rc: RemoteContact, values: Mapping[str, str]) -> RemoteContact:
    """``rc`` with the engine field values given (standard names and ``custom:<label>``)."""
    changes: dict[str, Any] = {n: values[n] for n in ("email", *model.STANDARD_FIELDS) if n in values}
    custom = dict(rc.custom_fields)
    for name, value in values.items():
        if name.startswith(CUSTOM_PREFIX):
            label = name[len(CUSTOM_PREFIX):]
            if value:
                custom[label] = value
            else:
                custom.pop(label, None)
    changes["custom_fields"] = tuple(sorted(custom.items()))
    if "email" in changes:
        changes["email"] = changes["cc_id"] = model.email_id(changes["email"])
    return _with(rc, **changes)
