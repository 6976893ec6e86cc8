"""The sandbox against the official V3 spec.

1. Every response body the suite received from the sandbox's API (recorded by the `sandbox` fixtures)
   validates against the spec's response schema for that operation and status — strictly: objects may
   not carry properties the spec does not define. Error bodies validate against `APIErrorSchema` (an
   array) or, for 401, `AuthorizationErrorSchema`. This test runs last in the session (see the fixture
   plugin) and also drives every operation itself, so it proves something when run alone.
2. The request-validation rules written out in `ctctdesk/sandbox/validation.py` match the spec's
   definitions, apart from the listed, documented differences.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest

from tests.conftest import SPEC_PATH

pytestmark = pytest.mark.skipif(not SPEC_PATH.exists(),
                                reason=f"the official Constant Contact spec is not at {SPEC_PATH}")

# Where the sandbox's rules knowingly differ from the spec text, and why (path: reason).
DEVIATIONS = {
    "ContactPostRequest:required:email_address": "developer guide: a contact needs an email address",
    "ContactPostRequest:required:create_source": "developer guide: create_source is required",
    "ContactPostRequest/create_source:enum": "developer guide: Account or Contact",
    "ContactPostRequest/email_address/permission_to_send:enum": "the permission values the spec lists elsewhere",
    "ContactPutRequest:required:email_address": "developer guide: PUT needs the email address",
    "ContactPutRequest/update_source:enum": "developer guide: Account or Contact",
    "ContactPutRequest/email_address/permission_to_send:enum": "the permission values the spec lists elsewhere",
    "ContactCreateOrUpdateInput:required:email_address": "developer guide: a sign-up needs an email address",
    "CustomFieldRequest:required:label": "a custom field cannot be made without a label",
    "CustomFieldRequest:required:type": "a custom field cannot be made without a type",
    "CustomFieldRequest/type:enum": "facts doc: string or date",
    "CustomFieldPutRequest:required:label": "a PUT without a label changes nothing",
    "ContactsJsonImport/import_data/items/email:maxLength": "80 like every other email address (spec: 50)",
    "ListActivityRemoveContacts/source/list_ids:maxItems": "spec prints 0; developer guide: 50",
    "ListActivityRemoveContacts/source/contact_ids:maxItems": "spec prints 0; developer guide: 500",
    "ListActivityRemoveContacts/list_ids:maxItems": "spec prints 0; developer guide: 50",
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    import yaml

    with SPEC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _strict(node: Any) -> Any:
    """Forbid properties the spec does not define, wherever it lists an object's properties."""
    if isinstance(node, dict):
        node = {key: _strict(value) for key, value in node.items()}
        if "properties" in node and "additionalProperties" not in node and "$ref" not in node:
            node["additionalProperties"] = False
        return node
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


class SpecValidators:
    def __init__(self, spec: dict[str, Any]):
        from jsonschema import Draft4Validator

        self.spec = spec
        self.definitions = _strict(copy.deepcopy(spec["definitions"]))
        self._make = Draft4Validator
        self._cache: dict[Any, Any] = {}

    def response_schema(self, method: str, template: str, status: int) -> dict[str, Any] | None:
        operation = self.spec["paths"][template][method.lower()]
        response = operation["responses"].get(str(status))
        assert response is not None, f"{method} {template} answered {status}, which the spec does not list"
        return response.get("schema")

    def validator(self, method: str, template: str, status: int) -> Any:
        key = (method, template, status)
        if key not in self._cache:
            if status == 401:
                schema: dict[str, Any] | None = {"$ref": "#/definitions/AuthorizationErrorSchema"}
            elif status >= 400:
                schema = {"$ref": "#/definitions/APIErrorSchema"}
            else:
                schema = self.response_schema(method, template, status)
            self._cache[key] = None if schema is None else self._make(
                {**_strict(copy.deepcopy(schema)), "definitions": self.definitions})
        return self._cache[key]


def drive_every_operation(api: Any) -> None:
    """One successful call of every operation the sandbox serves, plus the common error answers."""
    general = api.default_list_id()
    list_id = api.new_list("Contract")
    api.get(f"/v3/contact_lists/{list_id}", params={"include_membership_count": "all"})
    api.get("/v3/contact_lists", params={"include_count": "true", "include_membership_count": "active", "limit": 1})
    api.put(f"/v3/contact_lists/{list_id}", {"name": "Contract renamed", "favorite": True})
    api.get("/v3/account/summary", params={"extra_fields": "physical_address"})
    field = api.post("/v3/contact_custom_fields", {"label": "Favourite colour", "type": "string"}).json()
    api.get("/v3/contact_custom_fields")
    api.get(f"/v3/contact_custom_fields/{field['custom_field_id']}")
    api.put(f"/v3/contact_custom_fields/{field['custom_field_id']}", {"label": "Colour"})
    tag = api.post("/v3/contact_tags", {"name": "Contract tag"}).json()
    api.get("/v3/contact_tags", params={"include_count": "true"})
    api.get(f"/v3/contact_tags/{tag['tag_id']}")
    api.put(f"/v3/contact_tags/{tag['tag_id']}", {"name": "Contract tag 2"})
    api.import_contacts([{"email": f"c{i}@example.com", "first_name": "C", "cf:favourite_colour": "blue",
                          "home_phone": "555-0100", "home_street": "1 Road", "home_city": "Town"} for i in range(5)],
                        [general, list_id])
    created = api.post("/v3/contacts", {
        "email_address": {"address": "contract@example.com", "permission_to_send": "explicit"},
        "create_source": "Account", "first_name": "Con", "list_memberships": [general],
        "custom_fields": [{"custom_field_id": field["custom_field_id"], "value": "red"}],
        "phone_numbers": [{"phone_number": "555-0199", "kind": "mobile"}],
        "street_addresses": [{"kind": "work", "city": "Paris", "country": "France"}],
        "taggings": [tag["tag_id"]], "notes": [{"content": "met at the fair"}]}).json()
    contact_id = created["contact_id"]
    everything = "custom_fields,list_memberships,phone_numbers,street_addresses,taggings,notes"
    api.get(f"/v3/contacts/{contact_id}", params={"include": everything})
    api.get("/v3/contacts", params={"include": everything, "include_count": "true", "limit": 2})
    api.put(f"/v3/contacts/{contact_id}", {"email_address": {"address": "contract@example.com"},
                                           "update_source": "Account", "last_name": "Tract"})
    api.post("/v3/contacts/sign_up_form", {"email_address": "signup@example.com", "list_memberships": [general]})
    api.post("/v3/contacts/sign_up_form", {"email_address": "signup@example.com", "list_memberships": [general]})
    api.control("unsubscribe", {"email": "c1@example.com"})
    api.control("owner/delete_contact", {"email": "c2@example.com"})
    api.get("/v3/contacts", params={"status": "all", "include": everything})
    ids = [c["contact_id"] for c in api.all_contacts()][:3]
    api.finish(api.post("/v3/activities/add_list_memberships", {"source": {"contact_ids": ids}, "list_ids": [list_id]}))
    api.finish(api.post("/v3/activities/remove_list_memberships", {"source": {"contact_ids": ids}, "list_ids": [list_id]}))
    api.finish(api.post("/v3/activities/contacts_taggings_add", {"source": {"contact_ids": ids}, "tag_ids": [tag["tag_id"]]}))
    api.finish(api.post("/v3/activities/contacts_taggings_remove", {"source": {"contact_ids": ids}, "tag_ids": [tag["tag_id"]]}))
    api.finish(api.post("/v3/activities/contact_delete", {"contact_ids": ids[:1]}))
    api.finish(api.post("/v3/activities/list_delete", {"list_ids": [api.new_list("Temporary")]}))
    exported = api.finish(api.post("/v3/activities/contact_exports",
                                   {"list_ids": [general], "fields": ["email_address", "first_name", "email_lists"]}))
    api.get(exported["_links"]["results"]["href"])
    api.finish(api.post("/v3/activities/contact_exports", {"contact_ids": ids[1:], "status": "active"}))
    api.get("/v3/activities")
    api.finish(api.delete(f"/v3/contact_tags/{tag['tag_id']}"))
    api.finish(api.delete(f"/v3/contact_lists/{list_id}"))
    api.delete(f"/v3/contact_custom_fields/{field['custom_field_id']}")
    api.delete(f"/v3/contacts/{contact_id}")
    # error answers
    api.post("/v3/contact_lists", {"name": "General Interest"})
    api.post("/v3/contact_lists", {})
    api.get(f"/v3/contacts/{uuid.uuid4()}")
    api.get("/v3/contacts", headers={"Authorization": "Bearer nonsense"})


def test_every_response_the_sandbox_gave_matches_the_spec(spec, sandbox_api, sandbox_recorder):
    from ctctdesk.sandbox.api import RULES, template

    drive_every_operation(sandbox_api)
    validators = SpecValidators(spec)
    checked_per_key: dict[tuple[str, str, int], int] = {}
    failures: list[str] = []
    for method, path, status, body in list(sandbox_recorder.records):
        key = (method, path, status)
        if checked_per_key.get(key, 0) >= 200:
            continue
        checked_per_key[key] = checked_per_key.get(key, 0) + 1
        if path not in spec["paths"] or method.lower() not in spec["paths"][path]:
            failures.append(f"{method} {path} is not an operation of the spec")
            continue
        validator = validators.validator(method, path, status)
        if validator is None:
            if body is not None and status < 400:
                failures.append(f"{method} {path} {status}: the spec defines no body, the sandbox sent one")
            continue
        for error in validator.iter_errors(body):
            failures.append(f"{method} {path} {status}: {error.message} at {list(error.absolute_path)}")
            break
    assert not failures, "\n".join(failures[:30])
    assert sum(checked_per_key.values()) >= 40
    served = {(rule.methods - {"HEAD", "OPTIONS"}).pop() + " " + template(rule.rule)[len("/v3"):] for rule in RULES}
    succeeded = {f"{m} {p}" for m, p, status, _ in sandbox_recorder.records if 200 <= status < 300}
    assert served <= succeeded, f"operations never answered successfully: {sorted(served - succeeded)}"


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = spec["definitions"][node["$ref"].split("/")[-1]]
    return node


def _compare(spec: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any], where: str,
             problems: list[str], used: set[str]) -> None:
    theirs = _resolve(spec, theirs)

    def allowed(label: str) -> bool:
        if label in DEVIATIONS:
            used.add(label)
            return True
        return False

    if "type" in theirs and mine.get("type") != theirs["type"]:
        problems.append(f"{where}: type {mine.get('type')} but the spec says {theirs['type']}")
    for keyword in ("maxLength", "minLength", "maxItems", "minItems", "enum", "format"):
        if mine.get(keyword) != theirs.get(keyword) and keyword in mine | theirs:
            if keyword == "format" and keyword not in mine and theirs[keyword] != "uuid":
                continue  # dates are checked by the handlers that read them, not by the body rules
            if keyword in theirs and keyword not in mine and keyword != "minLength":
                if not allowed(f"{where}:{keyword}"):
                    problems.append(f"{where}: the spec's {keyword} {theirs[keyword]} is not enforced")
            elif not allowed(f"{where}:{keyword}"):
                problems.append(f"{where}: {keyword} {mine.get(keyword)} but the spec says {theirs.get(keyword)}")
    for name in set(mine.get("required", [])) ^ set(theirs.get("required", [])):
        if name in theirs.get("required", []):
            problems.append(f"{where}: the spec requires {name}; the sandbox does not")
        elif not allowed(f"{where}:required:{name}"):
            problems.append(f"{where}: the sandbox requires {name}; the spec does not")
    for name, sub in mine.get("properties", {}).items():
        their_props = theirs.get("properties", {})
        if name not in their_props:
            problems.append(f"{where}/{name}: not a property in the spec")
            continue
        _compare(spec, sub, their_props[name], f"{where}/{name}", problems, used)
    if "items" in mine and "items" in theirs:
        _compare(spec, mine["items"], theirs["items"], f"{where}/items", problems, used)


def test_request_validation_rules_match_the_spec(spec):
    from ctctdesk.sandbox.validation import SCHEMAS

    problems: list[str] = []
    used: set[str] = set()
    for name, mine in SCHEMAS.items():
        assert name in spec["definitions"], f"{name} is not a definition of the spec"
        _compare(spec, mine, spec["definitions"][name], name, problems, used)
    assert not problems, "\n".join(problems)
    stale = sorted(set(DEVIATIONS) - used)
    assert not stale, f"listed deviations that no longer exist: {stale}"


def test_every_request_body_the_sandbox_accepts_has_rules(spec):
    """Each operation's body definition in the spec has a rule set in validation.SCHEMAS."""
    from ctctdesk.sandbox.api import RULES, template
    from ctctdesk.sandbox.validation import SCHEMAS

    for rule in RULES:
        method = (rule.methods - {"HEAD", "OPTIONS"}).pop().lower()
        operation = spec["paths"][template(rule.rule)[len("/v3"):]][method]
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "body":
                definition = parameter["schema"]["$ref"].split("/")[-1]
                assert definition in SCHEMAS, f"{method.upper()} {rule.rule}: no rules for {definition}"


@pytest.mark.parametrize("path", ["/contacts", "/contact_lists", "/contact_custom_fields", "/activities",
                                  "/contact_tags"])
def test_page_size_limits_are_the_specs(spec, sandbox_api, path):
    limit = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "limit")
    # The tags operation writes its bounds as maxLength/minLength; the others as maximum/minimum.
    highest = limit.get("maximum", limit.get("maxLength"))
    lowest = limit.get("minimum", limit.get("minLength"))
    assert sandbox_api.get("/v3" + path, params={"limit": highest}).status_code == 200
    assert sandbox_api.get("/v3" + path, params={"limit": highest + 1}).status_code == 400
    assert sandbox_api.get("/v3" + path, params={"limit": lowest - 1}).status_code == 400
    body = sandbox_api.get("/v3" + path).json()
    assert limit["default"] == 50 and isinstance(body, dict)


def test_contact_query_enums_are_the_specs(spec):
    from ctctdesk.sandbox.api import CONTACT_INCLUDES, CONTACT_STATUSES

    parameters = {p["name"]: p for p in spec["paths"]["/contacts"]["get"]["parameters"]}
    assert set(CONTACT_INCLUDES) == set(parameters["include"]["enum"])
    assert set(CONTACT_STATUSES) == set(parameters["status"]["enum"])
    assert parameters["lists"]["maximum"] == 25
