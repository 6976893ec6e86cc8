"""Campaign Monitor API v3.3 answer and request shapes, written from the facts in
ctctdesk/sandbox/cmon/NOTES.md (Campaign Monitor publishes no machine-readable spec).

A shape is a Python type, a `Pattern` (text matching a regular expression), a one-item list (a JSON
array of that shape), a dict (a JSON object with exactly those keys; `Optional` marks keys that may be
missing) or `Either` of several shapes. `problems(value, shape)` lists what does not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pattern:
    regex: str

    def matches(self, value: Any) -> bool:
        return isinstance(value, str) and re.fullmatch(self.regex, value) is not None


@dataclass(frozen=True)
class Optional:
    shape: Any


@dataclass(frozen=True)
class Either:
    shapes: tuple[Any, ...]


@dataclass(frozen=True)
class Open:
    """An object with at least these keys (the service documents more than the emulator needs)."""

    keys: dict[str, Any]


ID = Pattern(r"[0-9a-f]{32}")
DATE = Pattern(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
STATE = Pattern(r"Active|Unconfirmed|Unsubscribed|Bounced|Deleted")
FIELD_KEY = Pattern(r"\[[0-9A-Za-z_]+\]")
DATA_TYPE = Pattern(r"Text|Number|MultiSelectOne|MultiSelectMany|Date|Country|USState")
EMAIL = Pattern(r"[^@\s]+@[^@\s]+")

ERROR = {"Code": int, "Message": str, "ResultData": Optional(object)}
SUBSCRIBER = {"EmailAddress": EMAIL, "Name": str, "ListJoinedDate": DATE, "State": STATE,
              "StateChangedDate": DATE, "CustomFields": [{"Key": str, "Value": str}], "ReadsEmailWith": str,
              "ConsentToTrack": Optional(Pattern(r"Yes|No|Unchanged"))}
IMPORT_RESULT = {"FailureDetails": [{"EmailAddress": str, "Code": int, "Message": str}],
                 "TotalUniqueEmailsSubmitted": int, "TotalExistingSubscribers": int, "TotalNewSubscribers": int,
                 "DuplicateEmailsInSubmission": [str]}
IMPORT_FAILED = {"Code": int, "Message": str, "ResultData": IMPORT_RESULT}
LIST_DETAILS = {"ConfirmedOptIn": bool, "Title": str, "UnsubscribePage": str, "ListID": ID,
                "ConfirmationSuccessPage": str, "UnsubscribeSetting": Pattern(r"AllClientLists|OnlyThisList")}
STATS = {f"{prefix}{period}": int
         for prefix in ("NewActiveSubscribers", "Unsubscribes", "Deleted", "Bounces")
         for period in ("Today", "Yesterday", "ThisWeek", "ThisMonth", "ThisYear")}
STATS.update({"TotalActiveSubscribers": int, "TotalUnsubscribes": int, "TotalDeleted": int, "TotalBounces": int})
CUSTOM_FIELD = {"FieldName": str, "Key": FIELD_KEY, "DataType": DATA_TYPE, "FieldOptions": [str],
                "VisibleInPreferenceCenter": bool}
RULE_GROUPS = [{"Rules": [{"RuleType": str, "Clause": str}]}]
SEGMENT_DETAILS = {"ActiveSubscribers": int, "RuleGroups": RULE_GROUPS, "ListID": ID, "SegmentID": ID, "Title": str}


def paged(item: Any) -> dict[str, Any]:
    return {"Results": [item], "ResultsOrderedBy": Pattern(r"email|name|date"),
            "OrderDirection": Pattern(r"asc|desc"), "PageNumber": int, "PageSize": int,
            "RecordsOnThisPage": int, "TotalNumberOfRecords": int, "NumberOfPages": int}


#: (method, path template, status) -> documented answer shape; None is an empty body.
ANSWERS: dict[tuple[str, str, int], Any] = {
    ("GET", "systemdate.json", 200): {"SystemDate": DATE},
    ("GET", "clients.json", 200): [{"ClientID": ID, "Name": str}],
    ("GET", "clients/{client_id}.json", 200): Open({"BasicDetails": Open({"ClientID": ID, "CompanyName": str,
                                                                          "TimeZone": str})}),
    ("GET", "clients/{client_id}/lists.json", 200): [{"ListID": ID, "Name": str}],
    ("GET", "clients/{client_id}/listsforemail.json", 200): [
        {"ListID": ID, "ListName": str, "SubscriberState": STATE, "DateSubscriberAdded": DATE}],
    ("GET", "clients/{client_id}/suppressionlist.json", 200): paged(
        {"SuppressionReason": str, "EmailAddress": EMAIL, "Date": DATE, "State": Pattern("Suppressed")}),
    ("POST", "clients/{client_id}/suppress.json", 200): None,
    ("PUT", "clients/{client_id}/unsuppress.json", 200): None,
    ("POST", "lists/{client_id}.json", 201): ID,
    ("GET", "lists/{list_id}.json", 200): LIST_DETAILS,
    ("PUT", "lists/{list_id}.json", 200): None,
    ("DELETE", "lists/{list_id}.json", 200): None,
    ("GET", "lists/{list_id}/stats.json", 200): STATS,
    ("GET", "lists/{list_id}/customfields.json", 200): [CUSTOM_FIELD],
    ("POST", "lists/{list_id}/customfields.json", 201): FIELD_KEY,
    ("PUT", "lists/{list_id}/customfields/{key}/options.json", 200): None,
    ("PUT", "lists/{list_id}/customfields/{key}.json", 200): FIELD_KEY,
    ("DELETE", "lists/{list_id}/customfields/{key}.json", 200): None,
    ("GET", "lists/{list_id}/segments.json", 200): [{"ListID": ID, "SegmentID": ID, "Title": str}],
    **{("GET", f"lists/{{list_id}}/{state}.json", 200): paged(SUBSCRIBER)
       for state in ("active", "unconfirmed", "unsubscribed", "bounced", "deleted")},
    ("POST", "subscribers/{list_id}.json", 201): EMAIL,
    ("GET", "subscribers/{list_id}.json", 200): SUBSCRIBER,
    ("PUT", "subscribers/{list_id}.json", 200): None,
    ("DELETE", "subscribers/{list_id}.json", 200): None,
    ("POST", "subscribers/{list_id}/unsubscribe.json", 200): None,
    ("POST", "subscribers/{list_id}/import.json", 201): IMPORT_RESULT,
    ("POST", "subscribers/{list_id}/import.json", 400): Either((IMPORT_FAILED, ERROR)),
    ("POST", "segments/{list_id}.json", 201): ID,
    ("GET", "segments/{segment_id}.json", 200): SEGMENT_DETAILS,
    ("PUT", "segments/{segment_id}.json", 200): None,
    ("DELETE", "segments/{segment_id}.json", 200): None,
    ("POST", "segments/{segment_id}/rules.json", 200): None,
    ("DELETE", "segments/{segment_id}/rules.json", 200): None,
    ("GET", "segments/{segment_id}/active.json", 200): paged(SUBSCRIBER),
}

#: Request bodies: the keys each write may send (all documented), and those it must send.
REQUESTS: dict[tuple[str, str], tuple[set[str], set[str]]] = {
    ("POST", "lists/{client_id}.json"): ({"Title", "UnsubscribePage", "UnsubscribeSetting", "ConfirmedOptIn",
                                          "ConfirmationSuccessPage"}, {"Title"}),
    ("PUT", "lists/{list_id}.json"): ({"Title", "UnsubscribePage", "UnsubscribeSetting", "ConfirmedOptIn",
                                       "ConfirmationSuccessPage", "AddUnsubscribesToSuppList",
                                       "ScrubActiveWithSuppList"}, {"Title"}),
    ("POST", "lists/{list_id}/customfields.json"): ({"FieldName", "DataType", "Options",
                                                     "VisibleInPreferenceCenter"}, {"FieldName", "DataType"}),
    ("PUT", "lists/{list_id}/customfields/{key}/options.json"): ({"KeepExistingOptions", "Options"}, {"Options"}),
    ("PUT", "lists/{list_id}/customfields/{key}.json"): ({"FieldName", "VisibleInPreferenceCenter"}, {"FieldName"}),
    ("POST", "subscribers/{list_id}.json"): ({"EmailAddress", "Name", "CustomFields", "Resubscribe",
                                              "ConsentToTrack", "MobileNumber",
                                              "RestartSubscriptionBasedAutoresponders"},
                                             {"EmailAddress", "Resubscribe", "ConsentToTrack"}),
    ("PUT", "subscribers/{list_id}.json"): ({"EmailAddress", "Name", "CustomFields", "Resubscribe",
                                             "ConsentToTrack", "MobileNumber",
                                             "RestartSubscriptionBasedAutoresponders"},
                                            {"EmailAddress", "ConsentToTrack"}),
    ("POST", "subscribers/{list_id}/import.json"): ({"Subscribers", "Resubscribe",
                                                     "QueueSubscriptionBasedAutoResponders",
                                                     "RestartSubscriptionBasedAutoresponders"},
                                                    {"Subscribers", "Resubscribe"}),
    ("POST", "subscribers/{list_id}/unsubscribe.json"): ({"EmailAddress"}, {"EmailAddress"}),
    ("POST", "segments/{list_id}.json"): ({"Title", "RuleGroups"}, {"Title"}),
    ("PUT", "segments/{segment_id}.json"): ({"Title", "RuleGroups"}, {"Title"}),
    ("POST", "segments/{segment_id}/rules.json"): ({"Rules"}, {"Rules"}),
    ("POST", "clients/{client_id}/suppress.json"): ({"EmailAddresses"}, {"EmailAddresses"}),
}
SUBSCRIBER_KEYS = {"EmailAddress", "Name", "CustomFields", "ConsentToTrack", "MobileNumber"}
CUSTOM_FIELD_VALUE_KEYS = {"Key", "Value", "Clear"}
READ_PARAMETERS = {"date", "page", "pagesize", "orderfield", "orderdirection", "includetrackingpreference"}


def problems(value: Any, shape: Any, where: str = "$") -> list[str]:
    """What in `value` does not match `shape` (empty when it matches)."""
    if shape is object:
        return []
    if isinstance(shape, Either):
        found = [problems(value, s, where) for s in shape.shapes]
        return [] if any(not f for f in found) else found[0]
    if isinstance(shape, Pattern):
        return [] if shape.matches(value) else [f"{where}: {value!r} does not match {shape.regex}"]
    if shape is None:
        return [] if value is None else [f"{where}: expected no body, got {value!r}"]
    if isinstance(shape, type):
        if shape is int and isinstance(value, bool):
            return [f"{where}: expected a number, got a boolean"]
        return [] if isinstance(value, shape) else [f"{where}: expected {shape.__name__}, got {type(value).__name__}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {type(value).__name__}"]
        out: list[str] = []
        for index, item in enumerate(value):
            out += problems(item, shape[0], f"{where}[{index}]")
        return out
    if isinstance(shape, (dict, Open)):
        keys = shape.keys if isinstance(shape, Open) else shape
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        out = []
        for key, inner in keys.items():
            if key not in value:
                if not isinstance(inner, Optional):
                    out.append(f"{where}: missing {key}")
                continue
            out += problems(value[key], inner.shape if isinstance(inner, Optional) else inner, f"{where}.{key}")
        if isinstance(shape, dict):
            out += [f"{where}: undocumented key {key}" for key in value if key not in keys]
        return out
    raise TypeError(f"not a shape: {shape!r}")


def answer_shape(method: str, template: str, status: int) -> Any:
    """The documented shape of an answer; every error status has the error body."""
    if (method, template, status) in ANSWERS:
        return ANSWERS[(method, template, status)]
    if status >= 400:
        return ERROR
    raise KeyError((method, template, status))
