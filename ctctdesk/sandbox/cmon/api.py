"""The Campaign Monitor API v3.3 endpoints the emulator answers, under `/api/v3.3/…json`.

Covered: clients, lists (with stats), list custom fields, subscribers (add, import, get, update,
unsubscribe, delete), the per-state reads of a list, segments, and the client's suppression list.
Each handler takes the request and the path values and returns (status, body); errors are raised as
`CmonApiError` and answered by the server. Bodies are JSON; a created id is answered as a JSON string.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from ctctdesk.sandbox.cmon.errors import CmonApiError, bad_request, invalid_email
from ctctdesk.sandbox.cmon.state import CmonList, CmonState, Subscriber

PREFIX = "/api/v3.3"
MAX_IMPORT = 1000
STATE_READS = {"active": "Active", "unconfirmed": "Unconfirmed", "unsubscribed": "Unsubscribed",
               "bounced": "Bounced", "deleted": "Deleted"}


def url_map() -> Map:
    def r(path: str, method: str, endpoint: str) -> Rule:
        return Rule(PREFIX + path, methods=[method], endpoint=endpoint)

    rules = [
        r("/systemdate.json", "GET", "system_date"),
        r("/clients.json", "GET", "clients"),
        r("/clients/<client_id>.json", "GET", "client_details"),
        r("/clients/<client_id>/lists.json", "GET", "client_lists"),
        r("/clients/<client_id>/listsforemail.json", "GET", "lists_for_email"),
        r("/clients/<client_id>/suppressionlist.json", "GET", "suppression_list"),
        r("/clients/<client_id>/suppress.json", "POST", "suppress"),
        r("/clients/<client_id>/unsuppress.json", "PUT", "unsuppress"),
        r("/lists/<client_id>.json", "POST", "list_create"),
        r("/lists/<list_id>.json", "GET", "list_details"),
        r("/lists/<list_id>.json", "PUT", "list_update"),
        r("/lists/<list_id>.json", "DELETE", "list_delete"),
        r("/lists/<list_id>/stats.json", "GET", "list_stats"),
        r("/lists/<list_id>/customfields.json", "GET", "custom_fields"),
        r("/lists/<list_id>/customfields.json", "POST", "custom_field_create"),
        r("/lists/<list_id>/customfields/<key>/options.json", "PUT", "custom_field_options"),
        r("/lists/<list_id>/customfields/<key>.json", "PUT", "custom_field_update"),
        r("/lists/<list_id>/customfields/<key>.json", "DELETE", "custom_field_delete"),
        r("/lists/<list_id>/segments.json", "GET", "list_segments"),
        *[r(f"/lists/<list_id>/{name}.json", "GET", f"read_{name}") for name in STATE_READS],
        r("/subscribers/<list_id>.json", "POST", "subscriber_add"),
        r("/subscribers/<list_id>.json", "GET", "subscriber_get"),
        r("/subscribers/<list_id>.json", "PUT", "subscriber_update"),
        r("/subscribers/<list_id>.json", "DELETE", "subscriber_delete"),
        r("/subscribers/<list_id>/import.json", "POST", "subscriber_import"),
        r("/subscribers/<list_id>/unsubscribe.json", "POST", "subscriber_unsubscribe"),
        r("/segments/<list_id>.json", "POST", "segment_create"),
        r("/segments/<segment_id>.json", "GET", "segment_details"),
        r("/segments/<segment_id>.json", "PUT", "segment_update"),
        r("/segments/<segment_id>.json", "DELETE", "segment_delete"),
        r("/segments/<segment_id>/rules.json", "POST", "segment_add_rule_group"),
        r("/segments/<segment_id>/rules.json", "DELETE", "segment_clear_rules"),
        r("/segments/<segment_id>/active.json", "GET", "segment_active"),
    ]
    return Map(rules, strict_slashes=False)


def template(rule: str) -> str:
    """`/api/v3.3/lists/<list_id>.json` → `lists/{list_id}.json`, the label requests are counted by."""
    return rule[len(PREFIX) + 1:].replace("<", "{").replace(">", "}")


def json_body(request: Request) -> Any:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise bad_request(400, "Failed to deserialize your request. Please check the documentation.") from None


def _object(request: Request) -> dict[str, Any]:
    body = json_body(request)
    if not isinstance(body, dict):
        raise bad_request(400, "Failed to deserialize your request. Please check the documentation.")
    return body


def paged(request: Request, items: list[Any], to_json: Callable[[Any], dict[str, Any]],
          keys: dict[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The documented paged envelope around `items`, after the page/pagesize/order parameters."""
    args = request.args
    try:
        page = int(args.get("page", "1"))
    except ValueError:
        page = 0
    if page < 1:
        raise bad_request(800, "Invalid page number")
    try:
        size = int(args.get("pagesize", "1000"))
    except ValueError:
        size = 0
    if not 10 <= size <= 1000:
        raise bad_request(801, "Invalid page size: must be between 10 and 1000")
    order = args.get("orderfield", "email").lower()
    if order not in keys:
        raise bad_request(802, "Invalid order field: must be " + ", ".join(keys))
    direction = args.get("orderdirection", "asc").lower()
    if direction not in ("asc", "desc"):
        raise bad_request(803, "Invalid order direction: must be asc or desc")
    # by email first, then (stable) by the order field: equal dates or names stay in email order
    ordered = sorted(items, key=keys["email"], reverse=direction == "desc")
    if order != "email":
        ordered.sort(key=keys[order], reverse=direction == "desc")
    chunk = ordered[(page - 1) * size: page * size]
    return {"Results": [to_json(i) for i in chunk], "ResultsOrderedBy": order, "OrderDirection": direction,
            "PageNumber": page, "PageSize": size, "RecordsOnThisPage": len(chunk),
            "TotalNumberOfRecords": len(ordered), "NumberOfPages": max(1, -(-len(ordered) // size))
            if ordered else 0}


def _tracking(request: Request) -> bool:
    return (request.args.get("includetrackingpreference") or "").lower() == "true"


def _since(request: Request, state: CmonState) -> float | None:
    text = request.args.get("date")
    if text is None or not text.strip():
        return None
    moment = state.parse(text)
    if moment is None:
        raise bad_request(5, "Invalid Date")
    return moment


SUBSCRIBER_ORDER: dict[str, Callable[[Subscriber], Any]] = {
    "email": lambda s: s.email.lower(), "name": lambda s: s.name.lower(), "date": lambda s: s.state_changed}


class CmonApi:
    def __init__(self, state: CmonState):
        self.state = state

    def handle(self, endpoint: str, request: Request, values: dict[str, Any]) -> tuple[int, Any]:
        if endpoint.startswith("read_"):
            return self.read_state(request, values["list_id"], STATE_READS[endpoint[len("read_"):]])
        handler = getattr(self, endpoint)
        with self.state.lock:
            return handler(request, **values)

    # ---------------------------------------------------------------------------------- clients
    def system_date(self, request: Request) -> tuple[int, Any]:
        return 200, {"SystemDate": self.state.show(self.state.now())}

    def clients(self, request: Request) -> tuple[int, Any]:
        return 200, [{"ClientID": c.client_id, "Name": c.name} for c in self.state.clients.values()]

    def client_details(self, request: Request, client_id: str) -> tuple[int, Any]:
        client = self.state.client(client_id)
        return 200, {"ApiKey": None, "BasicDetails": {
            "ClientID": client.client_id, "CompanyName": client.name, "ContactName": "", "EmailAddress": "",
            "Country": "United States of America", "TimeZone": self.state.time_zone_name()}}

    def client_lists(self, request: Request, client_id: str) -> tuple[int, Any]:
        self.state.client(client_id)
        return 200, [{"ListID": i.list_id, "Name": i.title} for i in self.state.client_lists(client_id)]

    def lists_for_email(self, request: Request, client_id: str) -> tuple[int, Any]:
        self.state.client(client_id)
        email = (request.args.get("email") or "").strip().lower()
        if not email:
            raise invalid_email()
        found = []
        for item in self.state.client_lists(client_id):
            sub = item.subscribers.get(email)
            if sub is not None:
                found.append({"ListID": item.list_id, "ListName": item.title, "SubscriberState": sub.state,
                              "DateSubscriberAdded": self.state.show(sub.joined)})
        return 200, found

    def suppression_list(self, request: Request, client_id: str) -> tuple[int, Any]:
        client = self.state.client(client_id)
        entries = list(client.suppressed.values())
        keys = {"email": lambda e: e[0].lower(), "date": lambda e: e[2]}
        return 200, paged(request, entries, lambda e: {"SuppressionReason": e[1], "EmailAddress": e[0],
                                                      "Date": self.state.show(e[2]), "State": "Suppressed"}, keys)

    def suppress(self, request: Request, client_id: str) -> tuple[int, Any]:
        self.state.client(client_id)
        emails = _object(request).get("EmailAddresses")
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise invalid_email()
        for email in emails:
            self.state.suppress(client_id, email.strip(), "Manually added")
        return 200, None

    def unsuppress(self, request: Request, client_id: str) -> tuple[int, Any]:
        email = request.args.get("email") or ""
        if not self.state.unsuppress(client_id, email):
            raise bad_request(176, "Email address not in suppression list")
        return 200, None

    # ------------------------------------------------------------------------------------ lists
    def list_create(self, request: Request, client_id: str) -> tuple[int, Any]:
        body = _object(request)
        item = self.state.create_list(client_id, body.get("Title"),
                                      unsubscribe_setting=body.get("UnsubscribeSetting") or "AllClientLists",
                                      confirmed_opt_in=bool(body.get("ConfirmedOptIn")),
                                      unsubscribe_page=body.get("UnsubscribePage") or "",
                                      confirmation_success_page=body.get("ConfirmationSuccessPage") or "")
        return 201, item.list_id

    def list_details(self, request: Request, list_id: str) -> tuple[int, Any]:
        return 200, _list_json(self.state.list(list_id))

    def list_update(self, request: Request, list_id: str) -> tuple[int, Any]:
        item = self.state.list(list_id)
        body = _object(request)
        self.state.update_list(item, body.get("Title"),
                               unsubscribe_setting=body.get("UnsubscribeSetting") or item.unsubscribe_setting,
                               confirmed_opt_in=bool(body.get("ConfirmedOptIn")),
                               unsubscribe_page=body.get("UnsubscribePage") or "",
                               confirmation_success_page=body.get("ConfirmationSuccessPage") or "")
        return 200, None

    def list_delete(self, request: Request, list_id: str) -> tuple[int, Any]:
        self.state.delete_list(self.state.list(list_id))
        return 200, None

    def list_stats(self, request: Request, list_id: str) -> tuple[int, Any]:
        return 200, self.state.list_stats(self.state.list(list_id))

    # ---------------------------------------------------------------------------- custom fields
    def custom_fields(self, request: Request, list_id: str) -> tuple[int, Any]:
        item = self.state.list(list_id)
        return 200, [{"FieldName": d["FieldName"], "Key": f"[{k}]", "DataType": d["DataType"],
                      "FieldOptions": list(d["FieldOptions"]),
                      "VisibleInPreferenceCenter": d["VisibleInPreferenceCenter"]}
                     for k, d in item.custom_fields.items()]

    def custom_field_create(self, request: Request, list_id: str) -> tuple[int, Any]:
        item = self.state.list(list_id)
        body = _object(request)
        key = self.state.add_custom_field(item, body.get("FieldName"), body.get("DataType"), body.get("Options"),
                                          body.get("VisibleInPreferenceCenter", True))
        return 201, key

    def custom_field_options(self, request: Request, list_id: str, key: str) -> tuple[int, Any]:
        body = _object(request)
        self.state.update_field_options(self.state.list(list_id), key, body.get("Options"),
                                        bool(body.get("KeepExistingOptions")))
        return 200, None

    def custom_field_update(self, request: Request, list_id: str, key: str) -> tuple[int, Any]:
        body = _object(request)
        new_key = self.state.update_custom_field(self.state.list(list_id), key, body.get("FieldName"),
                                                 body.get("VisibleInPreferenceCenter"))
        return 200, new_key

    def custom_field_delete(self, request: Request, list_id: str, key: str) -> tuple[int, Any]:
        self.state.delete_custom_field(self.state.list(list_id), key)
        return 200, None

    # ------------------------------------------------------------------------------ subscribers
    def subscriber_add(self, request: Request, list_id: str) -> tuple[int, Any]:
        item = self.state.list(list_id)
        body = _object(request)
        self.state.add_or_update(item, body, resubscribe=bool(body.get("Resubscribe")))
        return 201, str(body.get("EmailAddress", "")).strip()

    def subscriber_get(self, request: Request, list_id: str) -> tuple[int, Any]:
        item = self.state.list(list_id)
        sub = self.state.subscriber(item, request.args.get("email") or "")
        return 200, self.state.subscriber_json(item, sub, tracking=_tracking(request))

    def subscriber_update(self, request: Request, list_id: str) -> tuple[int, Any]:
        item = self.state.list(list_id)
        self.state.update_subscriber(item, request.args.get("email") or "", _object(request))
        return 200, None

    def subscriber_delete(self, request: Request, list_id: str) -> tuple[int, Any]:
        self.state.delete_subscriber(self.state.list(list_id), request.args.get("email") or "")
        return 200, None

    def subscriber_unsubscribe(self, request: Request, list_id: str) -> tuple[int, Any]:
        email = _object(request).get("EmailAddress")
        if not isinstance(email, str):
            raise invalid_email()
        self.state.unsubscribe(self.state.list(list_id), email)
        return 200, None

    def subscriber_import(self, request: Request, list_id: str) -> tuple[int, Any]:
        """Up to 1,000 subscribers; a partial failure is a 400 (code 210) whose ResultData has the details,
        and everyone else in the batch is imported all the same."""
        item = self.state.list(list_id)
        body = _object(request)
        rows = body.get("Subscribers")
        if not isinstance(rows, list) or not rows:
            raise bad_request(212, "No subscribers were provided in this batch")
        if len(rows) > MAX_IMPORT:
            raise bad_request(209, "Too many subscribers in this batch. You can only add 1000 subscribers in one call")
        resubscribe = bool(body.get("Resubscribe"))
        seen: set[str] = set()
        duplicates: list[str] = []
        failures: list[dict[str, Any]] = []
        new = existing = 0
        for row in rows:
            email = row.get("EmailAddress") if isinstance(row, dict) else None
            folded = email.strip().lower() if isinstance(email, str) else ""
            if folded and folded in seen:
                if email.strip() not in duplicates:
                    duplicates.append(email.strip())
                continue
            seen.add(folded)
            try:
                kind, code = self.state.add_or_update(item, row if isinstance(row, dict) else {},
                                                      resubscribe=resubscribe)
            except CmonApiError as error:  # one bad subscriber fails alone, as documented
                failures.append({"EmailAddress": email if isinstance(email, str) else "", "Code": error.code,
                                 "Message": error.message})
                continue
            if code is not None:
                failures.append({"EmailAddress": email.strip(), "Code": code, "Message": FAILURE_MESSAGES[code]})
                if kind == "existing":
                    existing += 1
                continue
            if kind == "new":
                new += 1
            else:
                existing += 1
        result = {"FailureDetails": failures, "TotalUniqueEmailsSubmitted": len(seen),
                  "TotalExistingSubscribers": existing, "TotalNewSubscribers": new,
                  "DuplicateEmailsInSubmission": duplicates}
        if failures:
            raise bad_request(210, "Subscriber Import had some failures", result)
        return 201, result

    # ------------------------------------------------------------------------------ state reads
    def read_state(self, request: Request, list_id: str, state: str) -> tuple[int, Any]:
        with self.state.lock:
            item = self.state.list(list_id)
            since = _since(request, self.state)
            found = self.state.by_state(item, state, since)
            tracking = _tracking(request)
            return 200, paged(request, found, lambda s: self.state.subscriber_json(item, s, tracking=tracking),
                              SUBSCRIBER_ORDER)

    # --------------------------------------------------------------------------------- segments
    def list_segments(self, request: Request, list_id: str) -> tuple[int, Any]:
        self.state.list(list_id)
        return 200, [{"ListID": s.list_id, "SegmentID": s.segment_id, "Title": s.title}
                     for s in self.state.segments.values() if s.list_id == list_id]

    def segment_create(self, request: Request, list_id: str) -> tuple[int, Any]:
        item = self.state.list(list_id)
        body = _object(request)
        segment = self.state.save_segment(item, body.get("Title"), body.get("RuleGroups"))
        return 201, segment.segment_id

    def segment_details(self, request: Request, segment_id: str) -> tuple[int, Any]:
        segment = self.state.segment(segment_id)
        return 200, {"ActiveSubscribers": len(self.state.segment_members(segment)),
                     "RuleGroups": [{"Rules": [dict(r) for r in g["Rules"]]} for g in segment.rule_groups],
                     "ListID": segment.list_id, "SegmentID": segment.segment_id, "Title": segment.title}

    def segment_update(self, request: Request, segment_id: str) -> tuple[int, Any]:
        segment = self.state.segment(segment_id)
        body = _object(request)
        groups = body.get("RuleGroups", segment.rule_groups)
        self.state.save_segment(self.state.list(segment.list_id), body.get("Title"), groups, segment)
        return 200, None

    def segment_delete(self, request: Request, segment_id: str) -> tuple[int, Any]:
        segment = self.state.segment(segment_id)
        del self.state.segments[segment.segment_id]
        return 200, None

    def segment_add_rule_group(self, request: Request, segment_id: str) -> tuple[int, Any]:
        segment = self.state.segment(segment_id)
        groups = self.state.check_rule_groups(self.state.list(segment.list_id), [_object(request)])
        segment.rule_groups.extend(groups)
        return 200, None

    def segment_clear_rules(self, request: Request, segment_id: str) -> tuple[int, Any]:
        self.state.segment(segment_id).rule_groups = []
        return 200, None

    def segment_active(self, request: Request, segment_id: str) -> tuple[int, Any]:
        segment = self.state.segment(segment_id)
        item = self.state.list(segment.list_id)
        members = self.state.segment_members(segment, _since(request, self.state))
        tracking = _tracking(request)
        return 200, paged(request, members, lambda s: self.state.subscriber_json(item, s, tracking=tracking),
                          SUBSCRIBER_ORDER)


FAILURE_MESSAGES = {
    204: "In Suppression List", 205: "Is Deleted", 206: "Is Unsubscribed", 207: "Is Bounced",
    208: "Is Unconfirmed",
}


def _list_json(item: CmonList) -> dict[str, Any]:
    return {"ConfirmedOptIn": item.confirmed_opt_in, "Title": item.title, "UnsubscribePage": item.unsubscribe_page,
            "ListID": item.list_id, "ConfirmationSuccessPage": item.confirmation_success_page,
            "UnsubscribeSetting": item.unsubscribe_setting}
