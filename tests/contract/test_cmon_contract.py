"""The Campaign Monitor emulator and client against the documented API v3.3 shapes (`cmon_shapes.py`,
written from ctctdesk/sandbox/cmon/NOTES.md).

1. Every answer the emulator gives, driven here endpoint by endpoint, has the documented shape — strictly:
   no undocumented keys. `test_cmon_recorded_shapes` checks every answer the rest of the suite received
   too, and runs last.
2. Every request body the client sends uses only documented keys, and always `Resubscribe: false`.
3. The client reads the documented example answers (the shapes of Campaign Monitor's own recorded
   answers) into its types.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from ctctdesk.cmon.client import CmonClient, FieldValue, Rule, RuleGroup, SubscriberData
from ctctdesk.cmon.http import ApiKey, CmonTransport, RateLimiter
from ctctdesk.sandbox.cmon.api import url_map
from tests.contract.cmon_shapes import (
    CUSTOM_FIELD_VALUE_KEYS,
    READ_PARAMETERS,
    REQUESTS,
    SUBSCRIBER_KEYS,
    answer_shape,
    problems,
)
from tests.support.clocks import client_clock
from tests.support.scripted_http import scripted_session


def _drive_every_endpoint(server) -> None:
    """One or more calls to each endpoint the emulator serves, successes and documented failures."""
    base, auth = server.api_base_url, (server.api_key, "x")

    def call(method, path, body=None, **params):
        return requests.request(method, f"{base}/{path}", json=body, params=params or None, auth=auth, timeout=10)

    call("GET", "systemdate.json")
    client_id = call("GET", "clients.json").json()[0]["ClientID"]
    call("GET", f"clients/{client_id}.json")
    list_id = call("POST", f"lists/{client_id}.json", {"Title": "Shapes", "UnsubscribeSetting": "AllClientLists"}).json()
    other = call("POST", f"lists/{client_id}.json", {"Title": "Other", "UnsubscribeSetting": "OnlyThisList"}).json()
    call("POST", f"lists/{client_id}.json", {"Title": "Shapes"})  # 250
    call("GET", f"clients/{client_id}/lists.json")
    call("GET", f"lists/{list_id}.json")
    call("PUT", f"lists/{other}.json", {"Title": "Other list", "UnsubscribeSetting": "OnlyThisList"})
    key = call("POST", f"lists/{list_id}/customfields.json",
               {"FieldName": "Tags", "DataType": "MultiSelectMany", "Options": ["Gold", "Silver"]}).json()
    call("POST", f"lists/{list_id}/customfields.json", {"FieldName": "City", "DataType": "Text"})
    call("POST", f"lists/{list_id}/customfields.json", {"FieldName": "City", "DataType": "Text"})  # 255
    call("PUT", f"lists/{list_id}/customfields/{key}/options.json", {"KeepExistingOptions": True, "Options": ["Bronze"]})
    call("GET", f"lists/{list_id}/customfields.json")
    city = call("PUT", f"lists/{list_id}/customfields/[City].json", {"FieldName": "Town"}).json()
    call("PUT", f"lists/{list_id}/customfields/{city}.json", {"FieldName": "City"})
    call("POST", f"subscribers/{list_id}.json", {"EmailAddress": "one@example.org", "Name": "One",
                                                 "CustomFields": [{"Key": "Tags", "Value": "Gold"},
                                                                  {"Key": "City", "Value": "Oslo"}],
                                                 "Resubscribe": False, "ConsentToTrack": "Yes"})
    call("POST", f"subscribers/{list_id}/import.json",
         {"Subscribers": [{"EmailAddress": f"p{n}@example.org", "Name": f"P{n}"} for n in range(12)],
          "Resubscribe": False})
    call("POST", f"subscribers/{list_id}/import.json",
         {"Subscribers": [{"EmailAddress": "bad"}, {"EmailAddress": "p1@example.org"}], "Resubscribe": False})
    call("POST", f"subscribers/{list_id}/import.json", {"Subscribers": [], "Resubscribe": False})
    call("GET", f"subscribers/{list_id}.json", email="one@example.org")
    call("GET", f"subscribers/{list_id}.json", email="one@example.org", includetrackingpreference="true")
    call("GET", f"subscribers/{list_id}.json", email="nobody@example.org")  # 203
    call("PUT", f"subscribers/{list_id}.json", {"EmailAddress": "one@example.org", "Name": "Uno"},
         email="one@example.org")
    call("POST", f"subscribers/{list_id}/unsubscribe.json", {"EmailAddress": "p2@example.org"})
    call("DELETE", f"subscribers/{list_id}.json", email="p3@example.org")
    requests.post(f"{server.base_url}/_sandbox/bounce", json={"email": "p4@example.org", "list_id": list_id},
                  timeout=10)
    for state in ("active", "unconfirmed", "unsubscribed", "bounced", "deleted"):
        call("GET", f"lists/{list_id}/{state}.json", date="2000-01-01", pagesize=10, page=1, orderfield="date")
    call("GET", f"lists/{list_id}/active.json", pagesize=5)  # 801
    call("GET", f"lists/{list_id}/stats.json")
    call("GET", f"clients/{client_id}/listsforemail.json", email="p2@example.org")
    call("GET", f"clients/{client_id}/suppressionlist.json")
    call("POST", f"clients/{client_id}/suppress.json", {"EmailAddresses": ["x@example.org"]})
    call("PUT", f"clients/{client_id}/unsuppress.json", email="x@example.org")
    segment = call("POST", f"segments/{list_id}.json",
                   {"Title": "Gold", "RuleGroups": [{"Rules": [{"RuleType": "[Tags]", "Clause": "EQUALS Gold"}]}]}).json()
    call("POST", f"segments/{list_id}.json", {"Title": "Bad", "RuleGroups": [{"Rules": [{"RuleType": "[Nope]",
                                                                                         "Clause": "EQUALS x"}]}]})
    call("GET", f"lists/{list_id}/segments.json")
    call("GET", f"segments/{segment}.json")
    call("GET", f"segments/{segment}/active.json")
    call("POST", f"segments/{segment}/rules.json", {"Rules": [{"RuleType": "Name", "Clause": "PROVIDED"}]})
    call("PUT", f"segments/{segment}.json", {"Title": "Gold ones", "RuleGroups": []})
    call("DELETE", f"segments/{segment}/rules.json")
    call("DELETE", f"segments/{segment}.json")
    call("DELETE", f"lists/{list_id}/customfields/{key}.json")
    call("DELETE", f"lists/{other}.json")
    call("GET", f"lists/{other}.json")  # 101


def test_every_emulator_answer_has_the_documented_shape(cmon_sandbox, cmon_recorder):
    before = len(cmon_recorder.records)
    with cmon_recorder.uncapped():
        _drive_every_endpoint(cmon_sandbox)
    mine = cmon_recorder.records[before:]
    seen = {(method, label) for method, label, _, _ in mine}
    served = {(method, rule.rule) for rule in url_map().iter_rules() for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert len(seen) == len(served), "every endpoint the emulator serves was driven"
    found = []
    for method, label, status, body in mine:
        found += problems(body, answer_shape(method, label, status), f"{method} {label} {status}")
    assert found == []


def _scripted_client(answer):
    session, adapter = scripted_session(answer)
    transport = CmonTransport(ApiKey("k"), api_base_url="https://cm.test/api/v3.3", session=session,
                              limiter=RateLimiter(1000, clock=client_clock()), clock=client_clock())
    return CmonClient(transport), adapter


def _template_of(method: str, url: str) -> str:
    path = unquote(urlsplit(url).path)
    adapter = url_map().bind("cm.test", "/")
    rule, _ = adapter.match(path, method=method, return_rule=True)
    return rule.rule[len("/api/v3.3/"):].replace("<", "{").replace(">", "}")


def test_the_client_sends_only_documented_keys_and_never_resubscribes():
    def answer(request):
        template = _template_of(request.method, request.url)
        if template == "subscribers/{list_id}/import.json":
            return 201, {"FailureDetails": [], "TotalUniqueEmailsSubmitted": 1, "TotalExistingSubscribers": 0,
                         "TotalNewSubscribers": 1, "DuplicateEmailsInSubmission": []}, {}
        if template == "subscribers/{list_id}.json" and request.method == "POST":
            return 201, "a@example.org", {}
        if template.endswith("active.json"):
            return 200, {"Results": [], "ResultsOrderedBy": "date", "OrderDirection": "asc", "PageNumber": 1,
                         "PageSize": 1000, "RecordsOnThisPage": 0, "TotalNumberOfRecords": 0, "NumberOfPages": 0}, {}
        if template == "lists/{list_id}/customfields/{key}.json":
            return 200, "[Town]", {}
        if request.method == "POST" and template == "lists/{list_id}/customfields.json":
            return 201, "[Tags]", {}
        if request.method == "POST" and template in ("lists/{client_id}.json", "segments/{list_id}.json"):
            return 201, "0123456789abcdef0123456789abcdef", {}
        return 200, None, {}

    client, adapter = _scripted_client(answer)
    person = SubscriberData("a@example.org", "A", (FieldValue("[Tags]", "Gold"), FieldValue("City", "", clear=True)))
    client.create_list("c" * 32, "News", unsubscribe_setting="OnlyThisList")
    client.update_list("l" * 32, "News", unsubscribe_setting="OnlyThisList")
    client.create_custom_field("l" * 32, "Tags", "MultiSelectMany", ["Gold"])
    client.update_custom_field_options("l" * 32, "[Tags]", ["Silver"])
    client.update_custom_field("l" * 32, "[City]", "Town")
    client.add_subscriber("l" * 32, person)
    client.import_subscribers("l" * 32, [person])
    client.update_subscriber("l" * 32, "a@example.org", person)
    client.unsubscribe("l" * 32, "a@example.org")
    client.suppress("c" * 32, ["a@example.org"])
    client.create_segment("l" * 32, "Gold", [RuleGroup((Rule("[Tags]", "EQUALS Gold"),))])
    client.update_segment("s" * 32, "Gold", [RuleGroup((Rule("[Tags]", "EQUALS Gold"),))])
    client.add_rule_group("s" * 32, RuleGroup((Rule("Name", "PROVIDED"),)))
    list(client.subscribers("l" * 32, "active", since="2026-01-01 00:00:00"))

    found = []
    for sent in adapter.sent:
        template = _template_of(sent.method, sent.url)
        query = parse_qs(urlsplit(sent.url).query)
        if sent.method == "GET":
            found += [f"{template}: undocumented parameter {p}" for p in query if p not in READ_PARAMETERS]
            continue
        if not sent.body:
            continue
        body = json.loads(sent.body)
        allowed, required = REQUESTS[(sent.method, template)]
        found += [f"{sent.method} {template}: undocumented {k}" for k in body if k not in allowed]
        found += [f"{sent.method} {template}: missing {k}" for k in required if k not in body]
        if "Resubscribe" in body and body["Resubscribe"] is not False:
            found.append(f"{template}: Resubscribe is {body['Resubscribe']!r}")
        for row in body.get("Subscribers", []):
            found += [f"import row: undocumented {k}" for k in row if k not in SUBSCRIBER_KEYS]
        for entry in [*body.get("CustomFields", []), *(f for r in body.get("Subscribers", [])
                                                       for f in r.get("CustomFields", []))]:
            found += [f"custom field value: undocumented {k}" for k in entry if k not in CUSTOM_FIELD_VALUE_KEYS]
    assert found == []
    assert {(s.method, _template_of(s.method, s.url)) for s in adapter.sent if s.method != "GET"} == set(REQUESTS)


# Documented example answers, in the shape of Campaign Monitor's own recorded answers (NOTES.md, [PY]).
DOCUMENTED_SUBSCRIBER = {"EmailAddress": "subscriber@example.org", "Name": "Subscriber One",
                         "ListJoinedDate": "2024-03-01 10:28:00", "State": "Active",
                         "StateChangedDate": "2024-03-02 11:00:00",
                         "CustomFields": [{"Key": "website", "Value": "https://example.org"},
                                          {"Key": "multi select field", "Value": "option one"},
                                          {"Key": "multi select field", "Value": "option two"}],
                         "ReadsEmailWith": "Gmail"}


@pytest.mark.parametrize("method,args,answer,check", [
    ("clients", (), [{"ClientID": "a" * 32, "Name": "Client One"}],
     lambda r: [(c.client_id, c.name) for c in r] == [("a" * 32, "Client One")]),
    ("lists", ("a" * 32,), [{"ListID": "b" * 32, "Name": "List One"}],
     lambda r: [(i.list_id, i.name) for i in r] == [("b" * 32, "List One")]),
    ("list_details", ("b" * 32,), {"ConfirmedOptIn": False, "Title": "List One", "UnsubscribePage": "",
                                   "ListID": "b" * 32, "ConfirmationSuccessPage": "",
                                   "UnsubscribeSetting": "AllClientLists"},
     lambda r: (r.title, r.unsubscribe_setting) == ("List One", "AllClientLists")),
    ("custom_fields", ("b" * 32,), [{"FieldName": "subscription date", "Key": "[subscriptiondate]",
                                     "DataType": "Date", "FieldOptions": [], "VisibleInPreferenceCenter": False}],
     lambda r: (r[0].field_name, r[0].key, r[0].data_type) == ("subscription date", "[subscriptiondate]", "Date")),
    ("subscriber", ("b" * 32, "subscriber@example.org"), DOCUMENTED_SUBSCRIBER,
     lambda r: (r.state, r.values("multi select field"), r.state_changed.day) == (
         "Active", ["option one", "option two"], 2)),
    ("subscribers_page", ("b" * 32, "active"),
     {"Results": [DOCUMENTED_SUBSCRIBER], "ResultsOrderedBy": "email", "OrderDirection": "asc", "PageNumber": 1,
      "PageSize": 1000, "RecordsOnThisPage": 1, "TotalNumberOfRecords": 1, "NumberOfPages": 1},
     lambda r: (r.total_records, r.results[0].email) == (1, "subscriber@example.org")),
    ("segment", ("c" * 32,), {"ActiveSubscribers": 0, "ListID": "b" * 32, "SegmentID": "c" * 32,
                              "Title": "My Segment", "RuleGroups": [
                                  {"Rules": [{"RuleType": "EmailAddress", "Clause": "CONTAINS @example.org"}]},
                                  {"Rules": [{"RuleType": "Name", "Clause": "PROVIDED"}]}]},
     lambda r: r.rule_groups[1].rules[0] == Rule("Name", "PROVIDED")),
])
def test_the_client_reads_the_documented_answers(method, args, answer, check):
    client, _ = _scripted_client([(200, answer, {})])
    assert check(getattr(client, method)(*args))


def test_the_client_reads_a_documented_partial_import_failure():
    answer = {"ResultData": {"TotalUniqueEmailsSubmitted": 3, "TotalExistingSubscribers": 2,
                             "TotalNewSubscribers": 0, "DuplicateEmailsInSubmission": [],
                             "FailureDetails": [{"EmailAddress": "example+1@example", "Code": 1,
                                                 "Message": "Invalid Email Address"}]},
              "Code": 210, "Message": "Subscriber Import had some failures"}
    client, _ = _scripted_client([(400, answer, {})])
    result = client.import_subscribers("b" * 32, [SubscriberData("example+1@example")])
    assert (result.total_existing, [(f.email, f.code) for f in result.failures]) == (2, [("example+1@example", 1)])


def test_cmon_recorded_shapes(cmon_recorder):
    """Every answer any test of the session received from an emulator has the documented shape."""
    found = []
    for method, label, status, body in cmon_recorder.records:
        try:
            shape: Any = answer_shape(method, label, status)
        except KeyError:
            found.append(f"{method} {label} {status}: no documented shape")
            continue
        found += problems(body, shape, f"{method} {label} {status}")
    assert found == []
