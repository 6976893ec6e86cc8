"""Typed Campaign Monitor API v3.3 operations: clients, lists, custom fields, subscribers, segments.

Every method goes through `CmonTransport`, so pacing, retries and error mapping apply to all of them.
Results are frozen dataclasses; `raw` keeps the API's JSON (excluded from equality).

Campaign Monitor's model, which the types follow: an account holds clients; a list belongs to a
client; a subscriber belongs to one list (the same email on two lists is two subscribers, each with
that list's custom fields) and is in one state there: Active, Unconfirmed, Unsubscribed, Bounced or
Deleted. Dates are shown in the client's time zone as `YYYY-MM-DD HH:MM:SS`; the client keeps them as
naive datetimes and sends `since` dates back the same way, so a reader that takes its next `since` from
the `state_changed` it has seen needs no time-zone arithmetic.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from ctctdesk.chunking import chunks
from ctctdesk.cmon.errors import BadResponse, CmonError, InvalidRequest, NotFound
from ctctdesk.cmon.http import CmonTransport

MAX_IMPORT = 1000
PAGE_SIZE = 1000
#: Pages read at most in one listing (a million subscribers at 1,000 a page), a guard against a
#: service that keeps announcing more pages.
MAX_PAGES = 1000
STATES = ("active", "unconfirmed", "unsubscribed", "bounced", "deleted")
DATA_TYPES = ("Text", "Number", "MultiSelectOne", "MultiSelectMany", "Date", "Country", "USState")
UNSUBSCRIBE_SETTINGS = ("AllClientLists", "OnlyThisList")
IMPORT_FAILED = 210
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_date(text: Any) -> dt.datetime | None:
    """A date as the API shows it (`YYYY-MM-DD HH:MM:SS`, client time zone) as a naive datetime."""
    if not isinstance(text, str) or not text.strip():
        return None
    for pattern in (DATE_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


def format_since(since: dt.datetime | dt.date | str) -> str:
    """The `date` parameter of a state read: the client's local time, to the second."""
    if isinstance(since, str):
        return since
    if isinstance(since, dt.datetime):
        return since.strftime(DATE_FORMAT)
    return since.strftime("%Y-%m-%d")


# ------------------------------------------------------------------------------------------- types
@dataclass(frozen=True)
class ClientSummary:
    client_id: str
    name: str


@dataclass(frozen=True)
class ClientDetails:
    client_id: str
    name: str
    #: as the service names it, e.g. "(GMT+10:00) Canberra, Melbourne, Sydney": every date the API
    #: shows or reads for this client is in this zone
    time_zone: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class ListSummary:
    list_id: str
    name: str


@dataclass(frozen=True)
class ListDetails:
    list_id: str
    title: str
    unsubscribe_setting: str
    confirmed_opt_in: bool = False
    unsubscribe_page: str = ""
    confirmation_success_page: str = ""


@dataclass(frozen=True)
class ListStats:
    total_active: int
    total_unsubscribes: int
    total_deleted: int
    total_bounces: int
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class CustomField:
    field_name: str
    #: the personalisation tag, e.g. `[CompanyType]`; subscriber answers name the field by `field_name`
    key: str
    data_type: str
    options: tuple[str, ...] = ()
    visible_in_preference_center: bool = True


@dataclass(frozen=True)
class FieldValue:
    """One `CustomFields` entry of a write. A MultiSelectMany field takes one entry per chosen option;
    `clear=True` empties the field (or, on MultiSelectMany with a value, that one option)."""

    key: str
    value: str = ""
    clear: bool = False

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"Key": self.key, "Value": self.value}
        if self.clear:
            body["Clear"] = True
        return body


@dataclass(frozen=True)
class SubscriberData:
    """What a write sends about one subscriber (add, import, update)."""

    email: str
    name: str | None = None
    custom_fields: tuple[FieldValue, ...] = ()
    #: "Yes", "No" or "Unchanged" (required by the service since 2018; "Unchanged" keeps what it has)
    consent_to_track: str = "Unchanged"

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"EmailAddress": self.email, "ConsentToTrack": self.consent_to_track}
        if self.name is not None:
            body["Name"] = self.name
        if self.custom_fields:
            body["CustomFields"] = [f.as_json() for f in self.custom_fields]
        return body


@dataclass(frozen=True)
class Subscriber:
    email: str
    name: str
    state: str
    list_joined: dt.datetime | None
    state_changed: dt.datetime | None
    #: (field name, value) pairs as answered; a MultiSelectMany field appears once per option
    custom_fields: tuple[tuple[str, str], ...] = ()
    consent_to_track: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def values(self, field_name: str) -> list[str]:
        """The values of one custom field (matched by name, or by tag with or without brackets)."""
        wanted = _loose(field_name)
        return [value for name, value in self.custom_fields if _loose(name) == wanted]


@dataclass(frozen=True)
class Page:
    results: tuple[Any, ...]
    page_number: int
    page_size: int
    records_on_this_page: int
    total_records: int
    number_of_pages: int


@dataclass(frozen=True)
class ImportFailure:
    email: str
    code: int
    message: str


@dataclass(frozen=True)
class ImportResult:
    """What one import request did. `failures` lists the subscribers left out and why (e.g. 206 is
    unsubscribed, 204 on the suppression list); everyone else in the batch was imported."""

    total_unique: int
    total_existing: int
    total_new: int
    duplicates: tuple[str, ...] = ()
    failures: tuple[ImportFailure, ...] = ()


@dataclass(frozen=True)
class Rule:
    rule_type: str
    clause: str


@dataclass(frozen=True)
class RuleGroup:
    """Rules of one group; a subscriber matches the group when any rule matches, and the segment when
    every group matches (see the emulator's NOTES.md)."""

    rules: tuple[Rule, ...]

    def as_json(self) -> dict[str, Any]:
        return {"Rules": [{"RuleType": r.rule_type, "Clause": r.clause} for r in self.rules]}


@dataclass(frozen=True)
class SegmentSummary:
    segment_id: str
    list_id: str
    title: str


@dataclass(frozen=True)
class SegmentDetails:
    segment_id: str
    list_id: str
    title: str
    rule_groups: tuple[RuleGroup, ...]
    active_subscribers: int


@dataclass(frozen=True)
class ListMembership:
    """One list an email is on, from the client's lists-for-email read."""

    list_id: str
    list_name: str
    state: str
    added: dt.datetime | None


@dataclass(frozen=True)
class Suppression:
    email: str
    reason: str
    date: dt.datetime | None


# ------------------------------------------------------------------------------------------ client
class CmonClient:
    """Campaign Monitor API v3.3 calls; see the module docstring for the model."""

    def __init__(self, transport: CmonTransport) -> None:
        self.transport = transport

    @property
    def requests_sent(self) -> int:
        return self.transport.requests_sent

    # ---------------------------------------------------------------------------- account level
    def system_date(self) -> dt.datetime | None:
        body = self._object("GET", "systemdate.json")
        return parse_date(body.get("SystemDate"))

    def clients(self) -> list[ClientSummary]:
        return [ClientSummary(_str(c, "ClientID"), _str(c, "Name")) for c in self._array("GET", "clients.json")]

    def client_details(self, client_id: str) -> ClientDetails:
        body = self._object("GET", f"clients/{_seg(client_id)}.json")
        basic = body.get("BasicDetails")
        if not isinstance(basic, Mapping):
            raise BadResponse("GET clients/{client_id}.json", "it has no BasicDetails")
        return ClientDetails(_str(basic, "ClientID"), _str(basic, "CompanyName"), str(basic.get("TimeZone") or ""),
                             raw=body)

    def lists(self, client_id: str) -> list[ListSummary]:
        return [ListSummary(_str(i, "ListID"), _str(i, "Name"))
                for i in self._array("GET", f"clients/{_seg(client_id)}/lists.json")]

    def lists_for_email(self, client_id: str, email: str) -> list[ListMembership]:
        answer = self._array("GET", f"clients/{_seg(client_id)}/listsforemail.json", params={"email": email})
        return [ListMembership(_str(i, "ListID"), _str(i, "ListName"), _str(i, "SubscriberState"),
                               parse_date(i.get("DateSubscriberAdded"))) for i in answer]

    def suppression_list(self, client_id: str) -> Iterator[Suppression]:
        for item in self._all_pages(f"clients/{_seg(client_id)}/suppressionlist.json", {}):
            yield Suppression(_str(item, "EmailAddress"), _str(item, "SuppressionReason"),
                              parse_date(item.get("Date")))

    def suppress(self, client_id: str, emails: Sequence[str]) -> None:
        self.transport.request("POST", f"clients/{_seg(client_id)}/suppress.json",
                               json_body={"EmailAddresses": list(emails)}, retry_safe=True)

    def unsuppress(self, client_id: str, email: str) -> None:
        self.transport.request("PUT", f"clients/{_seg(client_id)}/unsuppress.json", params={"email": email})

    # ------------------------------------------------------------------------------------ lists
    def create_list(self, client_id: str, title: str, *, unsubscribe_setting: str = "AllClientLists",
                    confirmed_opt_in: bool = False, unsubscribe_page: str = "",
                    confirmation_success_page: str = "") -> str:
        """Create a list; returns its ListID. Not retried on a lost answer (a retry would be a duplicate
        title, code 250): look the list up by title instead."""
        _check_setting(unsubscribe_setting)
        body = {"Title": title, "UnsubscribePage": unsubscribe_page, "UnsubscribeSetting": unsubscribe_setting,
                "ConfirmedOptIn": confirmed_opt_in, "ConfirmationSuccessPage": confirmation_success_page}
        return self._created_id("POST", f"lists/{_seg(client_id)}.json", body)

    def list_details(self, list_id: str) -> ListDetails:
        body = self._object("GET", f"lists/{_seg(list_id)}.json")
        return ListDetails(_str(body, "ListID"), _str(body, "Title"), _str(body, "UnsubscribeSetting"),
                           bool(body.get("ConfirmedOptIn")), str(body.get("UnsubscribePage") or ""),
                           str(body.get("ConfirmationSuccessPage") or ""))

    def update_list(self, list_id: str, title: str, *, unsubscribe_setting: str,
                    confirmed_opt_in: bool = False, unsubscribe_page: str = "",
                    confirmation_success_page: str = "") -> None:
        _check_setting(unsubscribe_setting)
        body = {"Title": title, "UnsubscribePage": unsubscribe_page, "UnsubscribeSetting": unsubscribe_setting,
                "ConfirmedOptIn": confirmed_opt_in, "ConfirmationSuccessPage": confirmation_success_page}
        self.transport.request("PUT", f"lists/{_seg(list_id)}.json", json_body=body)

    def delete_list(self, list_id: str) -> None:
        self.transport.request("DELETE", f"lists/{_seg(list_id)}.json")

    def list_stats(self, list_id: str) -> ListStats:
        body = self._object("GET", f"lists/{_seg(list_id)}/stats.json")
        return ListStats(_int(body, "TotalActiveSubscribers"), _int(body, "TotalUnsubscribes"),
                         _int(body, "TotalDeleted"), _int(body, "TotalBounces"), raw=body)

    # ---------------------------------------------------------------------------- custom fields
    def custom_fields(self, list_id: str) -> list[CustomField]:
        return [CustomField(_str(f, "FieldName"), _str(f, "Key"), _str(f, "DataType"),
                            tuple(str(o) for o in (f.get("FieldOptions") or [])),
                            bool(f.get("VisibleInPreferenceCenter", True)))
                for f in self._array("GET", f"lists/{_seg(list_id)}/customfields.json")]

    def create_custom_field(self, list_id: str, name: str, data_type: str, options: Sequence[str] = (),
                            *, visible_in_preference_center: bool = True) -> str:
        """Create a custom field on the list; returns its tag (e.g. `[CompanyType]`)."""
        if data_type not in DATA_TYPES:
            raise ValueError(f"data_type must be one of {', '.join(DATA_TYPES)}")
        body = {"FieldName": name, "DataType": data_type, "Options": list(options) or None,
                "VisibleInPreferenceCenter": visible_in_preference_center}
        return self._created_id("POST", f"lists/{_seg(list_id)}/customfields.json", body)

    def update_custom_field_options(self, list_id: str, key: str, options: Sequence[str], *,
                                    keep_existing: bool = True) -> None:
        """Offer `options` on a multi-valued field (added to the current ones when `keep_existing`)."""
        self.transport.request("PUT", f"lists/{_seg(list_id)}/customfields/{_seg(key)}/options.json",
                               json_body={"KeepExistingOptions": keep_existing, "Options": list(options)})

    def update_custom_field(self, list_id: str, key: str, name: str, *,
                            visible_in_preference_center: bool = True) -> str:
        """Rename a custom field; returns its new tag (subscribers keep their values)."""
        body = {"FieldName": name, "VisibleInPreferenceCenter": visible_in_preference_center}
        answer = self.transport.json("PUT", f"lists/{_seg(list_id)}/customfields/{_seg(key)}.json", json_body=body)
        if not isinstance(answer, str) or not answer:
            raise BadResponse("PUT lists/{list_id}/customfields/{key}.json", "it does not name the field")
        return answer

    def delete_custom_field(self, list_id: str, key: str) -> None:
        self.transport.request("DELETE", f"lists/{_seg(list_id)}/customfields/{_seg(key)}.json")

    # ------------------------------------------------------------------------------ subscribers
    def add_subscriber(self, list_id: str, subscriber: SubscriberData, *, resubscribe: bool = False) -> None:
        """Add or update one subscriber. With `resubscribe` False (ctctdesk never sends True) an
        unsubscribed, bounced, deleted or suppressed address stays as it is."""
        body = {**subscriber.as_json(), "Resubscribe": resubscribe}
        self.transport.request("POST", f"subscribers/{_seg(list_id)}.json", json_body=body, retry_safe=True)

    def import_subscribers(self, list_id: str, subscribers: Sequence[SubscriberData], *,
                           resubscribe: bool = False) -> ImportResult:
        """Import up to 1,000 subscribers in one request. A partial failure is not an error: the result
        lists who was left out and why (the service answers it as a 400, code 210)."""
        if not subscribers:
            return ImportResult(0, 0, 0)
        if len(subscribers) > MAX_IMPORT:
            raise ValueError(f"at most {MAX_IMPORT} subscribers per import request")
        body = {"Subscribers": [s.as_json() for s in subscribers], "Resubscribe": resubscribe,
                "QueueSubscriptionBasedAutoResponders": False, "RestartSubscriptionBasedAutoresponders": False}
        path = f"subscribers/{_seg(list_id)}/import.json"
        try:
            answer = self.transport.json("POST", path, json_body=body, retry_safe=True)
        except InvalidRequest as error:
            if error.code != IMPORT_FAILED or not isinstance(error.result_data, Mapping):
                raise
            answer = error.result_data
        if not isinstance(answer, Mapping):
            raise BadResponse(f"POST {path}", "it is not a JSON object")
        return _import_result(answer)

    def import_batches(self, list_id: str, subscribers: Iterable[SubscriberData], *,
                       resubscribe: bool = False) -> Iterator[ImportResult]:
        """Import any number of subscribers, 1,000 a request; one result per request, as each is done."""
        for batch in chunks(list(subscribers), MAX_IMPORT):
            yield self.import_subscribers(list_id, batch, resubscribe=resubscribe)

    def subscriber(self, list_id: str, email: str) -> Subscriber | None:
        """The subscriber with this email on the list (in any state), or None when there is none."""
        try:
            body = self._object("GET", f"subscribers/{_seg(list_id)}.json", params={"email": email})
        except NotFound as error:
            if error.code == 203:
                return None
            raise
        return _subscriber(body)

    def update_subscriber(self, list_id: str, email: str, subscriber: SubscriberData, *,
                          resubscribe: bool = False) -> None:
        """Update the subscriber now known by `email` (`subscriber.email` may be a new address)."""
        body = {**subscriber.as_json(), "Resubscribe": resubscribe}
        self.transport.request("PUT", f"subscribers/{_seg(list_id)}.json", params={"email": email},
                               json_body=body)

    def unsubscribe(self, list_id: str, email: str) -> None:
        """Unsubscribe from this list, or from all the client's lists, as the list's UnsubscribeSetting says."""
        self.transport.request("POST", f"subscribers/{_seg(list_id)}/unsubscribe.json",
                               json_body={"EmailAddress": email}, retry_safe=True)

    def delete_subscriber(self, list_id: str, email: str) -> None:
        """Move the subscriber to the list's Deleted state."""
        self.transport.request("DELETE", f"subscribers/{_seg(list_id)}.json", params={"email": email})

    def subscribers_page(self, list_id: str, state: str, *, since: dt.datetime | dt.date | str | None = None,
                         page: int = 1, page_size: int = PAGE_SIZE, order_field: str = "email",
                         order_direction: str = "asc") -> Page:
        """One page of the list's subscribers in `state` (active, unconfirmed, unsubscribed, bounced,
        deleted) whose state changed on or after `since`."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        params = _page_params(since, page, page_size, order_field, order_direction)
        return self._page(f"lists/{_seg(list_id)}/{state}.json", params, _subscriber)

    def subscribers(self, list_id: str, state: str, *, since: dt.datetime | dt.date | str | None = None,
                    page_size: int = PAGE_SIZE, order_field: str = "date") -> Iterator[Subscriber]:
        """Every subscriber of the list in `state` since `since`, page after page (oldest change first)."""
        if state not in STATES:
            raise ValueError(f"state must be one of {', '.join(STATES)}")
        params = _page_params(since, 1, page_size, order_field, "asc")
        for item in self._all_pages(f"lists/{_seg(list_id)}/{state}.json", params):
            yield _subscriber(item)

    # --------------------------------------------------------------------------------- segments
    def segments(self, list_id: str) -> list[SegmentSummary]:
        return [SegmentSummary(_str(s, "SegmentID"), _str(s, "ListID"), _str(s, "Title"))
                for s in self._array("GET", f"lists/{_seg(list_id)}/segments.json")]

    def segment(self, segment_id: str) -> SegmentDetails:
        body = self._object("GET", f"segments/{_seg(segment_id)}.json")
        groups = tuple(RuleGroup(tuple(Rule(_str(r, "RuleType"), _str(r, "Clause")) for r in _list(g, "Rules")))
                       for g in _list(body, "RuleGroups"))
        return SegmentDetails(_str(body, "SegmentID"), _str(body, "ListID"), _str(body, "Title"), groups,
                              _int(body, "ActiveSubscribers"))

    def create_segment(self, list_id: str, title: str, rule_groups: Sequence[RuleGroup]) -> str:
        """Create a segment on the list; returns its SegmentID."""
        body = {"Title": title, "RuleGroups": [g.as_json() for g in rule_groups]}
        return self._created_id("POST", f"segments/{_seg(list_id)}.json", body)

    def update_segment(self, segment_id: str, title: str, rule_groups: Sequence[RuleGroup]) -> None:
        """Rename the segment and replace its rules."""
        body = {"Title": title, "RuleGroups": [g.as_json() for g in rule_groups]}
        self.transport.request("PUT", f"segments/{_seg(segment_id)}.json", json_body=body)

    def add_rule_group(self, segment_id: str, group: RuleGroup) -> None:
        self.transport.request("POST", f"segments/{_seg(segment_id)}/rules.json", json_body=group.as_json())

    def clear_rules(self, segment_id: str) -> None:
        self.transport.request("DELETE", f"segments/{_seg(segment_id)}/rules.json")

    def delete_segment(self, segment_id: str) -> None:
        self.transport.request("DELETE", f"segments/{_seg(segment_id)}.json")

    def segment_subscribers(self, segment_id: str, *, since: dt.datetime | dt.date | str | None = None,
                            page_size: int = PAGE_SIZE) -> Iterator[Subscriber]:
        """The segment's active subscribers, page after page."""
        params = _page_params(since, 1, page_size, "email", "asc")
        for item in self._all_pages(f"segments/{_seg(segment_id)}/active.json", params):
            yield _subscriber(item)

    # ---------------------------------------------------------------------------------- helpers
    def _object(self, method: str, path: str, **kwargs: Any) -> Mapping[str, Any]:
        body = self.transport.json(method, path, **kwargs)
        if not isinstance(body, Mapping):
            raise BadResponse(f"{method} {path}", "it is not a JSON object")
        return body

    def _array(self, method: str, path: str, **kwargs: Any) -> list[Mapping[str, Any]]:
        body = self.transport.json(method, path, **kwargs)
        if not isinstance(body, list) or not all(isinstance(i, Mapping) for i in body):
            raise BadResponse(f"{method} {path}", "it is not a JSON array of objects")
        return body

    def _created_id(self, method: str, path: str, body: Any) -> str:
        answer = self.transport.json(method, path, json_body=body, retry_safe=False)
        if not isinstance(answer, str) or not answer:
            raise BadResponse(f"{method} {path}", "it does not name what was created")
        return answer

    def _page(self, path: str, params: dict[str, Any], convert: Any) -> Page:
        body = self._object("GET", path, params=params)
        results = _list(body, "Results")
        return Page(tuple(convert(r) for r in results), _int(body, "PageNumber"), _int(body, "PageSize"),
                    _int(body, "RecordsOnThisPage"), _int(body, "TotalNumberOfRecords"),
                    _int(body, "NumberOfPages"))

    def _all_pages(self, path: str, params: dict[str, Any]) -> Iterator[Mapping[str, Any]]:
        page_number = 1
        while True:
            body = self._object("GET", path, params={**params, "page": page_number})
            results = _list(body, "Results")
            yield from results
            pages = _int(body, "NumberOfPages")
            if page_number >= pages or not results:
                return
            if page_number >= MAX_PAGES:
                raise BadResponse(f"GET {path}", f"it announced more than {MAX_PAGES} pages")
            page_number += 1


# ------------------------------------------------------------------------------------- converters
def _seg(value: str) -> str:
    """One path segment, escaped (ids are hex; a custom field tag has brackets)."""
    if not isinstance(value, str) or not value:
        raise ValueError("an id or key is required")
    return quote(value, safe="")


def _loose(name: str) -> str:
    return "".join(ch for ch in name.strip().strip("[]").lower() if ch.isalnum() or ch == "_")


def _check_setting(setting: str) -> None:
    if setting not in UNSUBSCRIBE_SETTINGS:
        raise ValueError("unsubscribe_setting must be AllClientLists or OnlyThisList")


def _str(body: Mapping[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise BadResponse(f"a {name} field", f"it is {type(value).__name__}, not text")
    return value


def _int(body: Mapping[str, Any], name: str) -> int:
    value = body.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise BadResponse(f"a {name} field", f"it is {type(value).__name__}, not a number")
    return value


def _list(body: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(i, Mapping) for i in value):
        raise BadResponse(f"a {name} field", "it is not a list of objects")
    return value


def _page_params(since: Any, page: int, page_size: int, order_field: str, order_direction: str) -> dict[str, Any]:
    if not 10 <= page_size <= 1000:
        raise ValueError("page_size must be between 10 and 1000")
    params: dict[str, Any] = {"page": page, "pagesize": page_size, "orderfield": order_field,
                              "orderdirection": order_direction}
    if since is not None:
        params["date"] = format_since(since)
    return params


def _subscriber(body: Mapping[str, Any]) -> Subscriber:
    fields = tuple((_str(f, "Key"), str(f.get("Value") if f.get("Value") is not None else ""))
                   for f in _list(body, "CustomFields")) if body.get("CustomFields") is not None else ()
    return Subscriber(_str(body, "EmailAddress"), str(body.get("Name") or ""), _str(body, "State"),
                      parse_date(body.get("ListJoinedDate") or body.get("Date")),
                      parse_date(body.get("StateChangedDate") or body.get("Date")), fields,
                      str(body.get("ConsentToTrack") or ""), raw=body)


def _import_result(body: Mapping[str, Any]) -> ImportResult:
    failures = tuple(ImportFailure(str(f.get("EmailAddress") or ""), _int(f, "Code"), str(f.get("Message") or ""))
                     for f in _list(body, "FailureDetails"))
    duplicates = body.get("DuplicateEmailsInSubmission") or []
    if not isinstance(duplicates, list):
        raise BadResponse("an import answer", "DuplicateEmailsInSubmission is not a list")
    return ImportResult(_int(body, "TotalUniqueEmailsSubmitted"), _int(body, "TotalExistingSubscribers"),
                        _int(body, "TotalNewSubscribers"), tuple(str(d) for d in duplicates), failures)


__all__ = [
    "ClientDetails", "ClientSummary", "CmonClient", "CmonError", "CustomField", "FieldValue", "ImportFailure", "ImportResult",
    "ListDetails", "ListMembership", "ListStats", "ListSummary", "Page", "Rule", "RuleGroup", "SegmentDetails",
    "SegmentSummary", "Subscriber", "SubscriberData", "Suppression", "format_since", "open_client", "parse_date",
]


def open_client(*, api_key: str | None = None, tokens: Any = None, api_base_url: str | None = None,
                clock: Any = None, session: Any = None, requests_per_second: int | None = None) -> CmonClient:
    """A client signed in with an API key, or with OAuth tokens from `tokens` (an AccessTokenSource)."""
    from ctctdesk.cmon.http import API_BASE_URL, DEFAULT_REQUESTS_PER_SECOND, ApiKey, BearerToken, RateLimiter
    from ctctdesk.timing import SystemClock

    if (api_key is None) == (tokens is None):
        raise ValueError("give either api_key or tokens")
    credentials = ApiKey(api_key) if api_key is not None else BearerToken(tokens)
    clock = clock or SystemClock()
    limiter = RateLimiter(requests_per_second or DEFAULT_REQUESTS_PER_SECOND, clock=clock)
    transport = CmonTransport(credentials, api_base_url=api_base_url or API_BASE_URL, session=session,
                              limiter=limiter, clock=clock)
    return CmonClient(transport)
