"""Every request body the client sends matches the official V3 spec (and its query parameters exist)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from ctctdesk.ctct.client import CtctClient
from ctctdesk.ctct.http import ApiTransport, RateLimiter
from ctctdesk.ctct.timing import FakeClock
from tests.conftest import SPEC_PATH
from tests.support.scripted_http import scripted_session

pytestmark = pytest.mark.skipif(not SPEC_PATH.exists(),
                                reason=f"official Constant Contact spec not found at {SPEC_PATH}")

UUID = "04fe9a97-a579-43c5-bb1a-58ed29bf0a6a"


@pytest.fixture(scope="module")
def spec():
    import yaml

    with SPEC_PATH.open(encoding="utf-8") as handle:
        return correct_known_defects(yaml.safe_load(handle))


def correct_known_defects(node):
    """The spec says `maxItems: 0` for remove_list_memberships' `source.contact_ids` while its own
    description (and the developer guide) says up to 500; read such a zero as the number described."""
    import re

    if isinstance(node, dict):
        if node.get("maxItems") == 0:
            found = re.search(r"up to (\d+)", node.get("description", ""))
            if found:
                node["maxItems"] = int(found.group(1))
        for value in node.values():
            correct_known_defects(value)
    elif isinstance(node, list):
        for value in node:
            correct_known_defects(value)
    return node


class Tokens:
    def access_token(self):
        return "t"

    def refresh_after_unauthorized(self, rejected):
        return "t"


def answer(request):
    path = urlsplit(request.url).path
    if "/activities/" in path or request.method == "DELETE":
        return 201, {"activity_id": UUID, "state": "initialized"}, {}
    if path.endswith("/contact_lists") or "/contact_lists/" in path:
        return 200, {"list_id": UUID, "name": "n"}, {}
    if "/contact_custom_fields" in path:
        return 201, {"custom_field_id": UUID, "name": "n", "label": "n", "type": "string"}, {}
    if "/contact_tags" in path:
        return 201, {"tag_id": UUID, "name": "n"}, {}
    if path.endswith("/contacts") and request.method == "GET":
        return 200, {"contacts": []}, {}
    return 200, {"contact_id": UUID, "email_address": {"address": "a@example.com"}}, {}


def operation(spec, method, path):
    """The spec's operation for a concrete request path (`/v3/contacts/<uuid>` → `/contacts/{contact_id}`)."""
    relative = path[len(spec["basePath"]):]
    for template, operations in spec["paths"].items():
        parts, wanted = template.strip("/").split("/"), relative.strip("/").split("/")
        if len(parts) == len(wanted) and all(p == w or p.startswith("{") for p, w in zip(parts, wanted, strict=True)):
            if method.lower() in operations:
                return template, operations[method.lower()]
    raise AssertionError(f"{method} {relative} is not in the spec")


def test_request_bodies_and_parameters_follow_the_spec(spec):
    import jsonschema

    session, adapter = scripted_session(answer)
    client = CtctClient(ApiTransport("https://api.cc.email/v3", Tokens(), session=session,
                                     limiter=RateLimiter(max_requests=10_000), clock=FakeClock()))
    ids = [UUID] * 3
    client.create_list("Customers", "desc")
    client.update_list(UUID, "Clients")
    client.delete_list(UUID)
    list(client.contact_pages(include=["custom_fields", "list_memberships"], status="all",
                              updated_after="2026-01-01T00:00:00Z", lists=[UUID]))
    list(client.iter_lists(include_membership_count=True, status="all"))
    list(client.search_contacts(include=["custom_fields"], status=["temp_hold", "deleted"], include_count=True,
                                optout_after="2026-01-01T00:00:00Z", lists=[UUID]))
    client.create_contact({"email_address": {"address": "a@example.com", "permission_to_send": "implicit"},
                           "first_name": "A"})
    client.update_contact(UUID, {"email_address": {"address": "a@example.com"}, "first_name": "A"})
    client.create_custom_field("Company type")
    client.create_tag("VIP")
    client.import_contacts([{"email": "a@example.com", "first_name": "A", "cf:company_type": "x"}], [UUID])
    client.add_list_memberships(ids, [UUID])
    client.remove_list_memberships(ids, [UUID])
    client.delete_contacts(ids)
    client.delete_lists(ids)
    client.add_tags(ids, [UUID])
    client.remove_tags(ids, [UUID])

    checked = set()
    for sent in adapter.sent:
        parts = urlsplit(sent.url)
        template, op = operation(spec, sent.method, parts.path)
        declared = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
        for name, values in parse_qs(parts.query).items():
            assert name in declared, f"{sent.method} {template}: unknown query parameter {name}"
            if "enum" in declared[name]:
                for value in values[0].split(","):
                    assert value in declared[name]["enum"], f"{template}: {name}={value}"
            if declared[name].get("type") == "integer" and "maximum" in declared[name]:
                assert int(values[0]) <= declared[name]["maximum"], f"{template}: {name}={values[0]}"
        body_params = [p for p in op.get("parameters", []) if p.get("in") == "body"]
        if sent.body:
            assert body_params, f"{sent.method} {template} takes no body"
            schema = {**body_params[0]["schema"], "definitions": spec["definitions"]}
            jsonschema.Draft4Validator(schema).validate(sent.json())
        checked.add(f"{sent.method} {template}")
    assert len(checked) >= 15
