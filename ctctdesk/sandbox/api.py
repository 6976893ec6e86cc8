"""The V3 API operations ctctdesk uses, on top of `SandboxState`.

The server has already authenticated, scope-checked and rate-limited the request when a handler runs;
handlers parse parameters and bodies exactly as the spec describes them and answer `(status, body)`.
Paging cursors are opaque tokens holding the original query and where the next page starts, so a
`_links.next.href` such as `/v3/contacts?cursor=…` is complete on its own, as the real one is.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from ctctdesk.sandbox import activities
from ctctdesk.sandbox.errors import ApiError, bad_request, not_found
from ctctdesk.sandbox.state import MAX_CUSTOM_FIELDS_PER_CONTACT, SIMPLE_FIELDS, Contact, SandboxState, new_id
from ctctdesk.sandbox.timefmt import parse_instant
from ctctdesk.sandbox.validation import validate, validate_import_rows

IMPORT_BODY_LIMIT = 4 * 1024 * 1024
CONTACT_INCLUDES = ("custom_fields", "list_memberships", "phone_numbers", "street_addresses", "taggings", "notes")
CONTACT_STATUSES = ("all", "active", "deleted", "not_set", "pending_confirmation", "temp_hold", "unsubscribed")

RULES = [
    Rule("/v3/account/summary", methods=["GET"], endpoint="account_summary"),
    Rule("/v3/contact_lists", methods=["GET"], endpoint="lists_get"),
    Rule("/v3/contact_lists", methods=["POST"], endpoint="lists_post"),
    Rule("/v3/contact_lists/<list_id>", methods=["GET"], endpoint="list_get"),
    Rule("/v3/contact_lists/<list_id>", methods=["PUT"], endpoint="list_put"),
    Rule("/v3/contact_lists/<list_id>", methods=["DELETE"], endpoint="list_delete"),
    Rule("/v3/contacts", methods=["GET"], endpoint="contacts_get"),
    Rule("/v3/contacts", methods=["POST"], endpoint="contacts_post"),
    Rule("/v3/contacts/sign_up_form", methods=["POST"], endpoint="sign_up_form"),
    Rule("/v3/contacts/<contact_id>", methods=["GET"], endpoint="contact_get"),
    Rule("/v3/contacts/<contact_id>", methods=["PUT"], endpoint="contact_put"),
    Rule("/v3/contacts/<contact_id>", methods=["DELETE"], endpoint="contact_delete"),
    Rule("/v3/contact_custom_fields", methods=["GET"], endpoint="fields_get"),
    Rule("/v3/contact_custom_fields", methods=["POST"], endpoint="fields_post"),
    Rule("/v3/contact_custom_fields/<custom_field_id>", methods=["GET"], endpoint="field_get"),
    Rule("/v3/contact_custom_fields/<custom_field_id>", methods=["PUT"], endpoint="field_put"),
    Rule("/v3/contact_custom_fields/<custom_field_id>", methods=["DELETE"], endpoint="field_delete"),
    Rule("/v3/contact_tags", methods=["GET"], endpoint="tags_get"),
    Rule("/v3/contact_tags", methods=["POST"], endpoint="tags_post"),
    Rule("/v3/contact_tags/<tag_id>", methods=["GET"], endpoint="tag_get"),
    Rule("/v3/contact_tags/<tag_id>", methods=["PUT"], endpoint="tag_put"),
    Rule("/v3/contact_tags/<tag_id>", methods=["DELETE"], endpoint="tag_delete"),
    Rule("/v3/activities", methods=["GET"], endpoint="activities_get"),
    Rule("/v3/activities/<activity_id>", methods=["GET"], endpoint="activity_get"),
    Rule("/v3/activities/contacts_json_import", methods=["POST"], endpoint="act_import"),
    Rule("/v3/activities/add_list_memberships", methods=["POST"], endpoint="act_add_memberships"),
    Rule("/v3/activities/remove_list_memberships", methods=["POST"], endpoint="act_remove_memberships"),
    Rule("/v3/activities/contact_delete", methods=["POST"], endpoint="act_contact_delete"),
    Rule("/v3/activities/list_delete", methods=["POST"], endpoint="act_list_delete"),
    Rule("/v3/activities/contacts_taggings_add", methods=["POST"], endpoint="act_taggings_add"),
    Rule("/v3/activities/contacts_taggings_remove", methods=["POST"], endpoint="act_taggings_remove"),
    Rule("/v3/activities/contact_exports", methods=["POST"], endpoint="act_contact_exports"),
    Rule("/v3/contact_exports/<file_export_id>", methods=["GET"], endpoint="contact_export_get"),
]

# Which scope each operation needs (everything else needs contact_data).
ENDPOINT_SCOPES = {"account_summary": "account_read"}

Result = tuple[int, Any]


class CsvText(str):
    """A handler's answer that is a CSV file (an exported contacts file), not JSON."""


def url_map() -> Map:
    return Map([rule.empty() for rule in RULES], strict_slashes=False, merge_slashes=False)


def template(rule_text: str) -> str:
    """`/v3/contacts/<contact_id>` as the spec writes it: `/v3/contacts/{contact_id}`."""
    return rule_text.replace("<", "{").replace(">", "}")


# ---------------------------------------------------------------------------------------- parameters
def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request([("query.param.invalid", f"The {name} parameter must be an integer.")]) from None
    if not low <= value <= high:
        raise bad_request([("query.param.invalid", f"The {name} parameter must be between {low} and {high}.")])
    return value


def _bool_param(request: Request, name: str) -> bool:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return False
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise bad_request([("query.param.invalid", f"The {name} parameter must be true or false.")])


def _enum_param(request: Request, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw not in allowed:
        raise bad_request([("query.param.invalid", f"The {name} parameter must be one of {', '.join(allowed)}.")])
    return raw


def _csv_param(request: Request, name: str, allowed: tuple[str, ...] | None = None) -> list[str]:
    raw = request.args.get(name)
    if not raw:
        return []
    values = [v.strip() for v in raw.split(",") if v.strip()]
    if allowed is not None:
        wrong = [v for v in values if v not in allowed]
        if wrong:
            raise bad_request([("query.param.invalid",
                                f"'{wrong[0]}' is not a valid value of {name}; use {', '.join(allowed)}.")])
    return values


def _instant_param(request: Request, name: str) -> float | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return parse_instant(raw)
    except ValueError:
        raise bad_request([("query.param.invalid", f"The {name} parameter must be an ISO-8601 date-time.")]) from None


def encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str, kind: str) -> dict[str, Any]:
    """The query a cursor carries; 400 when it is damaged or was made for another collection."""
    try:
        padded = text + "=" * (-len(text) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(data, dict) or not isinstance(data.get("start"), int) or data.get("kind") != kind:
            raise ValueError
        return data
    except ValueError:
        raise bad_request([("query.param.invalid", "The cursor is not valid.")]) from None


def json_body(request: Request) -> Any:
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, UnicodeDecodeError):
        raise bad_request([("json.parse.error", "The request body is not valid JSON.")]) from None


def _page(items: list[Any], start: int, limit: int) -> tuple[list[Any], int | None]:
    chunk = items[start:start + limit]
    return chunk, (start + limit if start + limit < len(items) else None)


class V3Api:
    """Handlers for every rule in `RULES`, each `(request, **path values) -> (status, body)`."""

    def __init__(self, state: SandboxState, account: Callable[[], dict[str, Any]]):
        self.state = state
        self._account = account

    def handle(self, endpoint: str, request: Request, values: dict[str, str]) -> Result:
        handler = getattr(self, endpoint)
        activities.advance(self.state)
        with self.state.lock:
            return handler(request, **values)

    # ------------------------------------------------------------------------------------- account
    def account_summary(self, request: Request) -> Result:
        extra = _csv_param(request, "extra_fields", ("physical_address", "company_logo"))
        info = dict(self._account())
        physical = info.pop("physical_address", None)
        if "physical_address" in extra and physical:
            info["physical_address"] = physical
        return 200, info

    # --------------------------------------------------------------------------------------- lists
    def lists_get(self, request: Request) -> Result:
        state = self.state
        if request.args.get("cursor"):
            query = decode_cursor(request.args["cursor"], "lists")
        else:
            query = {"kind": "lists", "start": 0, "limit": _int_param(request, "limit", 50, 1, 1000),
                     "count": _bool_param(request, "include_count"),
                     "membership": _enum_param(request, "include_membership_count", ("all", "active")),
                     "name": request.args.get("name") or None,
                     "status": _enum_param(request, "status", ("all", "active", "deleted")) or "active"}
        status = query["status"]
        lists = [item for item in state.lists.values()
                 if status == "all" or (status == "deleted") == (item["deleted_at"] is not None)]
        if query.get("name"):
            lists = [item for item in lists if item["name"].casefold() == query["name"].casefold()]
        chunk, nxt = _page(lists, query["start"], query["limit"])
        body: dict[str, Any] = {"lists": [state.list_json(item, membership=query.get("membership"))
                                          for item in chunk]}
        if query.get("count"):
            body["lists_count"] = len(lists)
        if nxt is not None:
            body["_links"] = {"next": {"href": "/v3/contact_lists?cursor=" + encode_cursor({**query, "start": nxt})}}
        return 200, body

    def lists_post(self, request: Request) -> Result:
        body = json_body(request)
        validate(body, "ListInput")
        item = self.state.create_list(body["name"], favorite=bool(body.get("favorite")),
                                      description=body.get("description") or None)
        return 201, self.state.list_json(item)

    def list_get(self, request: Request, list_id: str) -> Result:
        membership = _enum_param(request, "include_membership_count", ("all", "active"))
        return 200, self.state.list_json(self.state.active_list(list_id), membership=membership)

    def list_put(self, request: Request, list_id: str) -> Result:
        self.state.active_list(list_id)
        body = json_body(request)
        validate(body, "ListInput")
        item = self.state.update_list(list_id, body["name"], body.get("favorite"),
                                      body.get("description") or None, replace=True)
        return 200, self.state.list_json(item)

    def list_delete(self, request: Request, list_id: str) -> Result:
        self.state.active_list(list_id)
        activity = self._queue("list_delete", {"list_ids": [list_id]}, 1)
        out = activities.activity_json(activity)
        out.pop("status", None)
        return 202, out

    # ------------------------------------------------------------------------------------ contacts
    def contacts_get(self, request: Request) -> Result:
        if request.args.get("cursor"):
            query = decode_cursor(request.args["cursor"], "contacts")
        else:
            lists = _csv_param(request, "lists")
            if len(lists) > 25:
                raise bad_request([("query.param.invalid", "The lists parameter accepts at most 25 list ids.")])
            tags = _csv_param(request, "tags")
            if len(tags) > 50:
                raise bad_request([("query.param.invalid", "The tags parameter accepts at most 50 tag ids.")])
            query = {
                "kind": "contacts",
                "start": 0,
                "limit": _int_param(request, "limit", 50, 1, 500),
                "status": _csv_param(request, "status", CONTACT_STATUSES),
                "email": request.args.get("email") or None,
                "lists": lists,
                "tags": tags,
                "include": _csv_param(request, "include", CONTACT_INCLUDES),
                "count": _bool_param(request, "include_count"),
            }
            for name in ("updated_after", "updated_before", "created_after", "created_before",
                         "optout_after", "optout_before"):
                query[name] = _instant_param(request, name)
        page, nxt = self.state.query_contacts(query, query["start"], query["limit"])
        body: dict[str, Any] = {"contacts": [self.state.contact_json(c, query["include"]) for c in page]}
        if query.get("count"):
            # Counted once, on the first page; later pages carry that figure in their cursor.
            if not isinstance(query.get("total"), int):
                query["total"] = self.state.count_contacts(query)
            body["contacts_count"] = query["total"]
        if nxt is not None:
            body["_links"] = {"next": {"href": "/v3/contacts?cursor=" + encode_cursor({**query, "start": nxt})}}
        return 200, body

    def _check_refs(self, body: dict[str, Any]) -> None:
        if body.get("list_memberships"):
            self.state.check_lists_exist(body["list_memberships"])
        for item in body.get("custom_fields") or []:
            if item.get("custom_field_id") not in self.state.custom_fields:
                raise bad_request([("custom_field.not_found",
                                    f"Custom field not found: {item.get('custom_field_id')}")])
        missing_tags = [t for t in body.get("taggings") or [] if t not in self.state.tags]
        if missing_tags:
            raise bad_request([("tag.not_found", f"Tag not found: {missing_tags[0]}")])

    def _write_sub_resources(self, contact: Contact, body: dict[str, Any], source: str) -> None:
        now = self.state.now()
        if body.get("custom_fields") is not None:
            contact.custom_fields = {item["custom_field_id"]: item.get("value") or ""
                                     for item in body["custom_fields"]}
        if body.get("phone_numbers") is not None:
            contact.phone_numbers = [
                {"phone_number_id": new_id(), "phone_number": p.get("phone_number"), "kind": p.get("kind") or "other",
                 "created_at": now, "updated_at": now, "create_source": source, "update_source": source}
                for p in body["phone_numbers"]]
        if body.get("street_addresses") is not None:
            contact.street_addresses = [
                {"street_address_id": new_id(), **{k: v for k, v in a.items() if v is not None},
                 "created_at": now, "updated_at": now}
                for a in body["street_addresses"]]
        if body.get("list_memberships") is not None:
            self.state.set_memberships(contact, body["list_memberships"])
        if body.get("taggings") is not None:
            contact.tag_ids = set(body["taggings"])
        if body.get("notes") is not None:
            contact.notes = [{"note_id": n.get("note_id") or new_id(), "content": n.get("content") or "",
                              "created_at": now} for n in body["notes"]]

    def contacts_post(self, request: Request) -> Result:
        body = json_body(request)
        validate(body, "ContactPostRequest")
        self._check_refs(body)
        address = body["email_address"]["address"].strip()
        if not activities.looks_like_email(address):
            raise bad_request([("email_address.invalid", f"'{address}' is not a valid email address.")])
        source = body["create_source"]
        contact = self.state.find_email(address)
        if contact is not None and contact.deleted_at is None:
            raise ApiError(409, "contacts.api.conflict", "A contact with this email address already exists.")
        if contact is None:
            contact = self.state.new_contact(address, source)
        else:
            self.state.revive(contact)
        for name in SIMPLE_FIELDS:
            if body.get(name) is not None:
                setattr(contact, name, body[name])
        self.state.set_permission(contact, body["email_address"].get("permission_to_send"), source)
        self._write_sub_resources(contact, body, source)
        self.state.touch(contact, source)
        return 201, self.state.contact_json(contact, CONTACT_INCLUDES)

    def sign_up_form(self, request: Request) -> Result:
        body = json_body(request)
        validate(body, "ContactCreateOrUpdateInput")
        self.state.check_lists_exist(body["list_memberships"])
        for item in body.get("custom_fields") or []:
            if item.get("custom_field_id") not in self.state.custom_fields:
                raise bad_request([("custom_field.not_found",
                                    f"Custom field not found: {item.get('custom_field_id')}")])
        address = body["email_address"].strip()
        if not activities.looks_like_email(address):
            raise bad_request([("email_address.invalid", f"'{address}' is not a valid email address.")])
        contact = self.state.find_email(address)
        created = contact is None
        if contact is None:
            contact = self.state.new_contact(address, "Account")
        else:
            self.state.revive(contact)
        for name in SIMPLE_FIELDS:
            if body.get(name) is not None:
                setattr(contact, name, body[name])
        if body.get("phone_number"):
            now = self.state.now()
            contact.phone_numbers = [p for p in contact.phone_numbers if p["kind"] != "other"][:2] + [
                {"phone_number_id": new_id(), "phone_number": body["phone_number"], "kind": "other",
                 "created_at": now, "updated_at": now}]
        for item in body.get("custom_fields") or []:
            if (item["custom_field_id"] in contact.custom_fields
                    or len(contact.custom_fields) < MAX_CUSTOM_FIELDS_PER_CONTACT):
                contact.custom_fields[item["custom_field_id"]] = item.get("value") or ""
        # Explicit consent from the contact; an unsubscribed contact still stays unsubscribed.
        self.state.set_permission(contact, "explicit", "Contact")
        for list_id in body["list_memberships"]:
            self.state.add_membership(contact, list_id)
        self.state.touch(contact, "Account")
        return (201 if created else 200), {"contact_id": contact.contact_id,
                                          "action": "created" if created else "updated"}

    def contact_get(self, request: Request, contact_id: str) -> Result:
        include = _csv_param(request, "include", CONTACT_INCLUDES)
        return 200, self.state.contact_json(self.state.contact(contact_id), include)

    def contact_put(self, request: Request, contact_id: str) -> Result:
        contact = self.state.contact(contact_id)
        body = json_body(request)
        validate(body, "ContactPutRequest")
        self._check_refs(body)
        address = body["email_address"]["address"].strip()
        if not activities.looks_like_email(address):
            raise bad_request([("email_address.invalid", f"'{address}' is not a valid email address.")])
        source = body["update_source"]
        self.state.change_email(contact, address)
        self.state.revive(contact)
        for name in SIMPLE_FIELDS:  # PUT replaces top-level properties: left out means cleared
            setattr(contact, name, body.get(name))
        self.state.set_permission(contact, body["email_address"].get("permission_to_send"), source)
        self._write_sub_resources(contact, body, source)
        self.state.touch(contact, source)
        return 200, self.state.contact_json(contact, CONTACT_INCLUDES)

    def contact_delete(self, request: Request, contact_id: str) -> Result:
        contact = self.state.contact(contact_id)
        if not self.state.delete_contact_now(contact):
            raise not_found("contact")
        return 204, None

    # ------------------------------------------------------------------------------- custom fields
    def fields_get(self, request: Request) -> Result:
        if request.args.get("cursor"):
            query = decode_cursor(request.args["cursor"], "custom_fields")
        else:
            query = {"kind": "custom_fields", "start": 0, "limit": _int_param(request, "limit", 50, 1, 100)}
        fields = list(self.state.custom_fields.values())
        chunk, nxt = _page(fields, query["start"], query["limit"])
        body: dict[str, Any] = {"custom_fields": [self.state.custom_field_json(f) for f in chunk]}
        if nxt is not None:
            body["_links"] = {"next": {"href": "/v3/contact_custom_fields?cursor=" +
                                       encode_cursor({**query, "start": nxt})}}
        return 200, body

    def fields_post(self, request: Request) -> Result:
        body = json_body(request)
        validate(body, "CustomFieldRequest")
        return 201, self.state.custom_field_json(self.state.create_custom_field(body["label"], body["type"]))

    def field_get(self, request: Request, custom_field_id: str) -> Result:
        return 200, self.state.custom_field_json(self.state.custom_field(custom_field_id))

    def field_put(self, request: Request, custom_field_id: str) -> Result:
        self.state.custom_field(custom_field_id)
        body = json_body(request)
        validate(body, "CustomFieldPutRequest")
        return 200, self.state.custom_field_json(self.state.update_custom_field(custom_field_id, body["label"]))

    def field_delete(self, request: Request, custom_field_id: str) -> Result:
        self.state.delete_custom_field(custom_field_id)
        return 204, None

    # ---------------------------------------------------------------------------------------- tags
    def tags_get(self, request: Request) -> Result:
        if request.args.get("cursor"):
            query = decode_cursor(request.args["cursor"], "tags")
        else:
            query = {"kind": "tags", "start": 0, "limit": _int_param(request, "limit", 50, 1, 500),
                     "count": _bool_param(request, "include_count")}
        tags = list(self.state.tags.values())
        chunk, nxt = _page(tags, query["start"], query["limit"])
        body: dict[str, Any] = {"tags": [self.state.tag_json(t, with_count=query["count"]) for t in chunk]}
        if nxt is not None:
            body["_links"] = {"next": {"href": "/v3/contact_tags?cursor=" + encode_cursor({**query, "start": nxt})}}
        return 200, body

    def tags_post(self, request: Request) -> Result:
        body = json_body(request)
        validate(body, "TagPost")
        return 201, self.state.tag_json(self.state.create_tag(body["name"], body.get("tag_source")))

    def tag_get(self, request: Request, tag_id: str) -> Result:
        return 200, self.state.tag_json(self.state.tag(tag_id), with_count=_bool_param(request, "include_count"))

    def tag_put(self, request: Request, tag_id: str) -> Result:
        self.state.tag(tag_id)
        body = json_body(request)
        validate(body, "TagPut")
        return 200, self.state.tag_json(self.state.rename_tag(tag_id, body["name"]))

    def tag_delete(self, request: Request, tag_id: str) -> Result:
        self.state.tag(tag_id)
        activity = self._queue("tag_delete", {"tag_ids": [tag_id]}, 1)
        out = activities.activity_json(activity)
        out["activity_errors"] = []
        return 202, out

    # ---------------------------------------------------------------------------------- activities
    def activities_get(self, request: Request) -> Result:
        if request.args.get("cursor"):
            query = decode_cursor(request.args["cursor"], "activities")
        else:
            query = {"kind": "activities", "start": 0, "limit": _int_param(request, "limit", 50, 1, 500),
                     "state": _enum_param(request, "state",
                                          ("processing", "completed", "cancelled", "failed", "timed_out"))}
        items = [a for a in reversed(self.state.activities.values())
                 if not query["state"] or a["state"] == query["state"]]
        chunk, nxt = _page(items, query["start"], query["limit"])
        body: dict[str, Any] = {"activities": [activities.activity_json(a) for a in chunk]}
        if nxt is not None:
            body["_links"] = {"next": {"href": "/v3/activities?cursor=" + encode_cursor({**query, "start": nxt})}}
        return 200, body

    def activity_get(self, request: Request, activity_id: str) -> Result:
        activity = self.state.activities.get(activity_id)
        if activity is None:
            raise not_found("activity")
        return 200, activities.activity_json(activity)

    def _queue(self, kind: str, payload: dict[str, Any], items_total: int) -> dict[str, Any]:
        if activities.pending_count(self.state) >= activities.MAX_QUEUED:
            raise ApiError(429, "too_many_requests",
                           "Too many requests. You exceeded 1,000 queued activities for this user account.")
        return activities.create(self.state, kind, payload, items_total)

    def act_import(self, request: Request) -> Result:
        body = json_body(request)
        if isinstance(body, dict) and isinstance(body.get("import_data"), list):
            raw_size = len(request.get_data(cache=True))
            if raw_size > IMPORT_BODY_LIMIT:
                body["import_data"] = _first_four_megabytes(body)
        validate(body, "ContactsJsonImport")
        rows = body["import_data"]
        validate_import_rows(rows)
        self.state.check_lists_exist(body["list_ids"])
        names = {key[3:] for row in rows if isinstance(row, dict) for key in row if key.startswith("cf:")}
        missing = sorted(n for n in names if self.state.custom_field_by_name(n) is None)
        if missing:
            raise bad_request([("custom_field.not_found",
                                f"Custom field 'cf:{missing[0]}' does not exist in this account.")])
        too_many = [i for i, row in enumerate(rows)
                    if isinstance(row, dict) and sum(1 for k in row if k.startswith("cf:")) > 25]
        if too_many:
            raise bad_request([("json.max.items.violation",
                                f"#/import_data/{too_many[0]}: a contact can have at most 25 custom fields")])
        activity = self._queue("contacts_json_import", {"import_data": rows, "list_ids": body["list_ids"]},
                               len(rows))
        return 201, activities.activity_json(activity)

    def _membership_activity(self, request: Request, kind: str, definition: str, missing_status: int) -> Result:
        body = json_body(request)
        validate(body, definition)
        source = body["source"]
        if not (source.get("contact_ids") or source.get("list_ids") or source.get("all_active_contacts")):
            raise bad_request([("source.invalid",
                                "The source must name contact_ids, list_ids or all_active_contacts.")])
        if not body["list_ids"]:
            raise bad_request([("json.min.items.violation", "#/list_ids: expected minimum item count: 1, found: 0")])
        try:
            self.state.check_lists_exist(body["list_ids"] + (source.get("list_ids") or []))
        except ApiError as error:
            error.status = missing_status
            raise
        total = len(activities.resolve_source(self.state, source, body.get("exclude")))
        activity = self._queue(kind, {"list_ids": body["list_ids"], "source": source,
                                      "exclude": body.get("exclude")}, total)
        return 201, activities.activity_json(activity)

    def act_add_memberships(self, request: Request) -> Result:
        return self._membership_activity(request, "add_list_memberships", "ListActivityAddContacts", 400)

    def act_remove_memberships(self, request: Request) -> Result:
        return self._membership_activity(request, "remove_list_memberships", "ListActivityRemoveContacts", 404)

    def act_contact_delete(self, request: Request) -> Result:
        body = json_body(request)
        validate(body, "ContactDelete")
        if not (body.get("contact_ids") or body.get("list_ids")):
            raise bad_request([("source.invalid", "Give contact_ids or list_ids.")])
        if body.get("contact_ids") and body.get("list_ids"):
            raise bad_request([("source.invalid", "Give contact_ids or list_ids, not both.")])
        if body.get("list_ids"):
            self.state.check_lists_exist(body["list_ids"])
        total = len(activities.resolve_source(self.state, body, None))
        activity = self._queue("contact_delete", {"contact_ids": body.get("contact_ids") or [],
                                                  "list_ids": body.get("list_ids") or []}, total)
        return 201, activities.activity_json(activity)

    def act_list_delete(self, request: Request) -> Result:
        body = json_body(request)
        validate(body, "ListIdList100")
        if not body["list_ids"]:
            raise bad_request([("json.min.items.violation", "#/list_ids: expected minimum item count: 1, found: 0")])
        self.state.check_lists_exist(body["list_ids"])
        activity = self._queue("list_delete", {"list_ids": body["list_ids"]}, len(body["list_ids"]))
        out = activities.activity_json(activity)
        out["status"] = {"list_count": len(body["list_ids"])}
        return 201, out

    def _taggings(self, request: Request, kind: str) -> Result:
        body = json_body(request)
        validate(body, "TagAddRemoveContacts")
        source = body["source"]
        if not (source.get("contact_ids") or source.get("list_ids") or source.get("tag_ids")
                or source.get("all_active_contacts")):
            raise bad_request([("source.invalid",
                                "The source must name contact_ids, list_ids, tag_ids or all_active_contacts.")])
        if not body["tag_ids"]:
            raise bad_request([("json.min.items.violation", "#/tag_ids: expected minimum item count: 1, found: 0")])
        self.state.check_tags_exist(body["tag_ids"] + (source.get("tag_ids") or []))
        if source.get("list_ids"):
            try:
                self.state.check_lists_exist(source["list_ids"])
            except ApiError as error:
                error.status = 404
                raise
        total = len(activities.resolve_source(self.state, source, body.get("exclude")))
        activity = self._queue(kind, {"tag_ids": body["tag_ids"], "source": source,
                                      "exclude": body.get("exclude")}, total)
        return 201, activities.activity_json(activity)

    def act_taggings_add(self, request: Request) -> Result:
        return self._taggings(request, "contacts_taggings_add")

    def act_taggings_remove(self, request: Request) -> Result:
        return self._taggings(request, "contacts_taggings_remove")

    def act_contact_exports(self, request: Request) -> Result:
        """Export Contacts to a File: the rows are chosen and written when the activity completes."""
        body = json_body(request)
        validate(body, "ContactsExport")
        sources = [name for name in ("contact_ids", "list_ids", "tag_ids", "segment_id") if body.get(name)]
        if len(sources) > 1:
            raise bad_request([("source.invalid", f"{sources[0]} and {sources[1]} are mutually exclusive.")])
        source = sources[0] if sources else ""
        status = body.get("status")
        if status is not None and status not in activities.EXPORT_STATUSES:
            raise bad_request([("json.field.invalid", f"#/status: {status} is not a valid enum value")])
        if status is not None and source not in ("", "contact_ids", "list_ids"):
            raise bad_request([("source.invalid", f"status cannot be combined with {source}.")])
        if body.get("exclude") and source not in ("", "list_ids"):
            raise bad_request([("source.invalid", f"exclude cannot be combined with {source}.")])
        if body.get("new_subscriber") and source not in ("", "list_ids"):
            raise bad_request([("source.invalid", f"new_subscriber cannot be combined with {source}.")])
        if source == "segment_id":
            raise not_found("segment")
        fields = body.get("fields") or list(activities.EXPORT_FIELDS)
        unknown = [name for name in fields if name not in activities.EXPORT_FIELDS]
        if unknown:
            raise bad_request([("json.field.invalid", f"#/fields: {unknown[0]} is not a contact field that can be "
                                                      "exported")])
        if body.get("list_ids"):
            self.state.check_lists_exist(body["list_ids"])
        if body.get("tag_ids"):
            self.state.check_tags_exist(body["tag_ids"])
        payload = {name: body.get(name) for name in ("contact_ids", "list_ids", "tag_ids", "new_subscriber",
                                                     "status", "exclude")}
        payload["fields"] = list(fields)
        total = len(activities.export_rows(self.state, payload))
        activity = self._queue("contact_exports", payload, total)
        return 201, activities.activity_json(activity)

    def contact_export_get(self, request: Request, file_export_id: str) -> Result:
        activity = self.state.activities.get(file_export_id)
        if activity is None or activity["kind"] != "contact_exports" or activity["state"] != "completed":
            raise not_found("exported file")
        return 200, CsvText(activity["result"]["csv"])


def _first_four_megabytes(body: dict[str, Any]) -> list[Any]:
    """The rows the service keeps from an oversized import: those within its first 4 MB.

    The spec says the service imports what the first 4 MB hold and drops the rest; the sandbox counts
    each row's compact JSON size (plus the wrapper around them) to find where that boundary falls.
    """
    overhead = len(json.dumps({k: v for k, v in body.items() if k != "import_data"}, separators=(",", ":")))
    used = overhead + len('"import_data":[]')
    kept: list[Any] = []
    for row in body["import_data"]:
        used += len(json.dumps(row, separators=(",", ":"))) + 1
        if used > IMPORT_BODY_LIMIT:
            break
        kept.append(row)
    return kept
