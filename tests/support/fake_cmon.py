"""A small in-memory Campaign Monitor behind the adapter's `CmonWire` Protocol, for unit tests of the
adapter and the engine. The scenario tests run against the emulator in the sandbox package; this fake
keeps only the documented behaviour the adapter relies on (per-list subscribers and states, dates that
move with a state change only, ``Resubscribe: false`` failures 204–207, the suppression list,
multi-valued fields, 1,000-subscriber imports) and counts requests."""

from __future__ import annotations

import contextlib
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ctctdesk.sync.campaign_monitor.wire import IMPORT_BATCH, WireError

CODES = {204: "In Suppression List", 205: "Is Deleted", 206: "Is Unsubscribed", 207: "Is Bounced"}


@dataclass
class Sub:
    email: str
    name: str
    state: str
    changed: datetime
    fields: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class FakeList:
    list_id: str
    title: str
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)  # bare key → definition
    subs: dict[str, Sub] = field(default_factory=dict)
    segments: dict[str, str] = field(default_factory=dict)


def bare(key: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "", key)


class FakeCampaignMonitor:
    def __init__(self, client_id: str = "client-1", name: str = "Office") -> None:
        self.client_id, self.client_name = client_id, name
        self.by_id: dict[str, FakeList] = {}
        self.suppressed: dict[str, datetime] = {}
        self.now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        self.requests: Counter[str] = Counter()
        self.refused: set[str] = set()  # addresses every import refuses (code 1: invalid)
        self._ids = itertools.count(1)

    # -- test controls ------------------------------------------------------------------------------
    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def _titled(self, title: str) -> FakeList:
        return next(i for i in self.by_id.values() if i.title == title)

    def list_id(self, title: str) -> str:
        return self._titled(title).list_id

    def list_count(self) -> int:
        return len(self.by_id)

    def set_state(self, title: str, email: str, state: str) -> None:
        """A subscriber unsubscribes (from this list only), bounces, or the owner deletes it."""
        sub = self._titled(title).subs[email.lower()]
        sub.state, sub.changed = state, self.now

    def remove(self, title: str, email: str) -> None:
        """The owner removes the subscriber's record from the list (no state left to read)."""
        del self._titled(title).subs[email.lower()]

    def edit(self, title: str, email: str, field_name: str, value: str) -> None:
        """The owner edits a value in Campaign Monitor's screens: no date moves."""
        item = self._titled(title)
        key = next(k for k, d in item.fields.items() if d["FieldName"] == field_name)
        item.subs[email.lower()].fields[key] = [value]

    def rename(self, title: str, email: str, name: str) -> None:
        """The owner edits the subscriber's ``Name`` in Campaign Monitor's screens: no date moves."""
        self._titled(title).subs[email.lower()].name = name

    def suppress(self, email: str) -> None:
        self.suppressed[email.lower()] = self.now

    def refuse(self, email: str) -> None:
        self.refused.add(email.lower())

    def sign_up(self, title: str, email: str, name: str) -> None:
        self._add(self._titled(title), {"EmailAddress": email, "Name": name})

    def values(self, title: str, email: str) -> dict[str, list[str]]:
        item = self._titled(title)
        return {item.fields[k]["FieldName"]: v for k, v in item.subs[email.lower()].fields.items()}

    def name(self, title: str, email: str) -> str:
        return self._titled(title).subs[email.lower()].name

    def state_of(self, title: str, email: str) -> str:
        return self._titled(title).subs[email.lower()].state

    def segment_titles(self, title: str) -> set[str]:
        return set(self._titled(title).segments.values())

    def members(self, title: str, state: str = "Active") -> set[str]:
        return {s.email.lower() for s in self._titled(title).subs.values() if s.state == state}

    # -- the Protocol -------------------------------------------------------------------------------
    def _hit(self, what: str) -> None:
        self.requests[what] += 1

    def _list(self, list_id: str) -> FakeList:
        if list_id not in self.by_id:
            raise WireError(401, 101, "Invalid ListID")
        return self.by_id[list_id]

    def cancelled_by(self, cancel: Any) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def server_now(self) -> datetime:
        return self.now

    def client_details(self, client_id: str) -> dict[str, Any]:
        self._hit("client")
        return {"BasicDetails": {"ClientID": client_id, "CompanyName": self.client_name,
                                 "TimeZone": "(GMT) Coordinated Universal Time"}}

    def lists_for_email(self, client_id: str, email: str) -> list[dict[str, Any]]:
        self._hit("listsforemail")
        return [{"ListID": i.list_id, "ListName": i.title, "SubscriberState": i.subs[email.lower()].state}
                for i in self.by_id.values() if email.lower() in i.subs]

    def lists(self, client_id: str) -> list[dict[str, Any]]:
        self._hit("lists")
        return [{"ListID": i.list_id, "Name": i.title} for i in self.by_id.values()]

    def list_stats(self, list_id: str) -> dict[str, Any]:
        self._hit("stats")
        return {"TotalActiveSubscribers": sum(s.state == "Active" for s in self._list(list_id).subs.values())}

    def create_list(self, client_id: str, title: str) -> str:
        self._hit("list_create")
        if any(i.title.casefold() == title.casefold() for i in self.by_id.values()):
            raise WireError(400, 250, "List title must be unique")
        list_id = f"list{next(self._ids)}"
        self.by_id[list_id] = FakeList(list_id, title)
        return list_id

    def update_list(self, list_id: str, title: str) -> None:
        self._hit("list_update")
        self._list(list_id).title = title

    def delete_list(self, list_id: str) -> None:
        self._hit("list_delete")
        self._list(list_id)
        del self.by_id[list_id]

    def custom_fields(self, list_id: str) -> list[dict[str, Any]]:
        self._hit("customfields")
        return [{**d, "Key": f"[{k}]"} for k, d in self._list(list_id).fields.items()]

    def create_custom_field(self, list_id: str, name: str, data_type: str, options: Any = ()) -> str:
        self._hit("customfield_create")
        item = self._list(list_id)
        key = bare(name)
        if key in item.fields:
            raise WireError(400, 255, "Field name already exists")
        item.fields[key] = {"FieldName": name, "DataType": data_type, "FieldOptions": list(options)}
        return f"[{key}]"

    def update_field_options(self, list_id: str, key: str, options: Any) -> None:
        self._hit("field_options")
        definition = self._list(list_id).fields[bare(key)]
        definition["FieldOptions"] = list(dict.fromkeys([*definition["FieldOptions"], *options]))

    def replace_field_options(self, list_id: str, key: str, options: Any) -> None:
        self._hit("field_options")
        definition = self._list(list_id).fields[bare(key)]
        definition["FieldOptions"] = list(options)
        for sub in self._list(list_id).subs.values():  # values no longer offered go
            if bare(key) in sub.fields:
                sub.fields[bare(key)] = [v for v in sub.fields[bare(key)] if v in options]

    def delete_segment(self, segment_id: str) -> None:
        self._hit("segment_delete")
        for item in self.by_id.values():
            item.segments.pop(segment_id, None)

    def segments(self, list_id: str) -> list[dict[str, Any]]:
        self._hit("segments")
        return [{"SegmentID": s, "Title": t} for s, t in self._list(list_id).segments.items()]

    def create_segment(self, list_id: str, title: str, rule_groups: Any) -> str:
        self._hit("segment_create")
        segment_id = f"seg{next(self._ids)}"
        self._list(list_id).segments[segment_id] = title
        return segment_id

    def _json(self, item: FakeList, sub: Sub) -> dict[str, Any]:
        fields = [{"Key": item.fields[k]["FieldName"], "Value": v} for k, vs in sub.fields.items() for v in vs]
        return {"EmailAddress": sub.email, "Name": sub.name, "State": sub.state,
                "StateChangedDate": sub.changed.strftime("%Y-%m-%d %H:%M:%S"), "CustomFields": fields}

    def subscribers(self, list_id: str, state: str, *, since: str | None = None, page: int = 1,
                    page_size: int = 1000) -> dict[str, Any]:  # fmt: skip
        self._hit(f"read_{state}")
        item = self._list(list_id)
        moment = datetime.strptime(since, "%Y-%m-%d %H:%M").replace(tzinfo=UTC) if since else None
        found = sorted((s for s in item.subs.values() if s.state.lower() == state
                        and (moment is None or s.changed >= moment)), key=lambda s: s.changed)  # fmt: skip
        chunk = found[(page - 1) * page_size: page * page_size]
        return {"Results": [self._json(item, s) for s in chunk], "PageNumber": page,
                "NumberOfPages": max(1, -(-len(found) // page_size)), "TotalNumberOfRecords": len(found)}

    def subscriber(self, list_id: str, email: str) -> dict[str, Any] | None:
        self._hit("subscriber")
        item = self._list(list_id)
        sub = item.subs.get(email.lower())
        return self._json(item, sub) if sub else None

    def _apply(self, item: FakeList, sub: Sub, entries: list[dict[str, Any]]) -> None:
        given: dict[str, list[str]] = {}
        for entry in entries:
            key = bare(str(entry["Key"]))
            definition = item.fields.get(key)
            if definition is None:
                continue
            if entry.get("Clear"):
                sub.fields.pop(key, None)
                continue
            value = str(entry.get("Value") or "")
            if definition["DataType"] == "MultiSelectMany" and value not in definition["FieldOptions"]:
                continue
            given.setdefault(key, []).append(value)
        sub.fields.update(given)

    def _add(self, item: FakeList, body: dict[str, Any]) -> int | None:
        email = str(body["EmailAddress"]).strip()
        if email.lower() in self.refused:
            return 1
        existing = item.subs.get(email.lower())
        if email.lower() in self.suppressed:
            return 204
        if existing is None:
            existing = item.subs[email.lower()] = Sub(email, "", "Active", self.now)
        elif existing.state != "Active":
            return {"Deleted": 205, "Unsubscribed": 206, "Bounced": 207}[existing.state]
        if body.get("Name"):
            existing.name = body["Name"]
        self._apply(item, existing, body.get("CustomFields") or [])
        return None

    def import_subscribers(self, list_id: str, subscribers: Any) -> dict[str, Any]:
        self._hit("import")
        assert len(subscribers) <= IMPORT_BATCH
        item = self._list(list_id)
        failures = []
        for body in subscribers:
            code = self._add(item, body)
            if code is not None:
                failures.append({"EmailAddress": body["EmailAddress"], "Code": code,
                                 "Message": CODES.get(code, "Invalid Email Address")})
        return {"FailureDetails": failures}

    def update_subscriber(self, list_id: str, email: str, subscriber: Any) -> None:
        self._hit("subscriber_update")
        item = self._list(list_id)
        sub = item.subs.get(email.lower())
        if sub is None:
            raise WireError(400, 203, "Subscriber not in list or has already been removed.")
        if subscriber.get("Name"):
            sub.name = subscriber["Name"]
        self._apply(item, sub, subscriber.get("CustomFields") or [])

    def delete_subscriber(self, list_id: str, email: str) -> None:
        self._hit("subscriber_delete")
        sub = self._list(list_id).subs.get(email.lower())
        if sub is None or sub.state == "Deleted":
            raise WireError(400, 203, "Subscriber not in list or has already been removed.")
        sub.state, sub.changed = "Deleted", self.now

    def suppression_list(self, client_id: str, *, page: int = 1, page_size: int = 1000) -> dict[str, Any]:
        self._hit("suppressionlist")
        found = sorted(self.suppressed.items(), key=lambda e: e[1], reverse=True)
        chunk = found[(page - 1) * page_size: page * page_size]
        return {"Results": [{"EmailAddress": e, "Date": d.strftime("%Y-%m-%d %H:%M:%S")} for e, d in chunk],
                "NumberOfPages": max(1, -(-len(found) // page_size))}
