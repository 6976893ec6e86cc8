"""The Campaign Monitor emulator's account: clients, their lists, each list's custom fields, subscribers
and segments, and each client's suppression list.

The model follows the documented one (see NOTES.md beside this file):

- a subscriber belongs to one list: the same email in two lists is two subscribers, each with the custom
  fields of its own list; there is no account-wide contact id;
- a subscriber is in one state per list: Active, Unconfirmed, Unsubscribed, Bounced or Deleted, with the
  date it entered that state (`StateChangedDate`), which the per-state reads filter on;
- an unsubscribe follows the list's `UnsubscribeSetting`: `AllClientLists` unsubscribes the address from
  every list of the client and puts it on the client's suppression list, `OnlyThisList` from this list only;
- nothing the API does brings an inactive subscriber back unless the request says `Resubscribe: true`.

All times come from the emulator's clock; dates are shown in the client's time zone, UTC here.
"""

from __future__ import annotations

import copy
import re
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ctctdesk.sandbox.clock import Clock
from ctctdesk.sandbox.cmon.errors import (
    bad_request,
    invalid_client,
    invalid_email,
    invalid_list,
    invalid_segment,
    not_in_list,
)

STATES = ("Active", "Unconfirmed", "Unsubscribed", "Bounced", "Deleted")
DATA_TYPES = ("Text", "Number", "MultiSelectOne", "MultiSelectMany", "Date", "Country", "USState")
MULTI = ("MultiSelectOne", "MultiSelectMany")
UNSUBSCRIBE_SETTINGS = ("AllClientLists", "OnlyThisList")
MAX_VALUE_LENGTH = 250
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def new_id() -> str:
    """A 32-hex-digit id, the shape of Campaign Monitor's ClientID, ListID and SegmentID."""
    return secrets.token_hex(16)


def show_date(moment: float, offset: float = 0.0) -> str:
    """A time as the API shows it: `YYYY-MM-DD HH:MM:SS` in the client's time zone, `offset` seconds
    east of UTC."""
    return datetime.fromtimestamp(moment + offset, tz=UTC).strftime(DATE_FORMAT)


def parse_date(text: str, offset: float = 0.0) -> float | None:
    """`YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DD HH:MM:SS` in the client's time zone."""
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=UTC).timestamp() - offset
        except ValueError:
            continue
    return None


def field_key(name: str) -> str:
    """The personalisation tag of a custom field: its name without spaces, in square brackets."""
    return "[" + re.sub(r"[^0-9A-Za-z_]", "", name) + "]"


def bare(key: str) -> str:
    return key[1:-1] if key.startswith("[") and key.endswith("]") else key


@dataclass
class Subscriber:
    email: str
    name: str
    state: str
    joined: float
    state_changed: float
    #: bare key (no brackets) -> values; a MultiSelectMany field holds several
    fields: dict[str, list[str]] = field(default_factory=dict)
    consent_to_track: str = "Unchanged"
    #: last change of any kind (not shown by the API; the per-state reads filter on `state_changed`)
    updated: float = 0.0

    def dump(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CmonList:
    list_id: str
    client_id: str
    title: str
    unsubscribe_setting: str = "AllClientLists"
    confirmed_opt_in: bool = False
    unsubscribe_page: str = ""
    confirmation_success_page: str = ""
    #: bare key -> definition (FieldName, DataType, FieldOptions, VisibleInPreferenceCenter)
    custom_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: lower-cased email -> subscriber
    subscribers: dict[str, Subscriber] = field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "subscribers"}
        data["subscribers"] = [s.dump() for s in self.subscribers.values()]
        return copy.deepcopy(data)


@dataclass
class Segment:
    segment_id: str
    list_id: str
    title: str
    rule_groups: list[dict[str, Any]]


@dataclass
class CmonClient:
    client_id: str
    name: str
    #: lower-cased email -> (email, reason, date)
    suppressed: dict[str, tuple[str, str, float]] = field(default_factory=dict)


class CmonState:
    """Everything the emulator holds; callers hold `lock` around each request."""

    def __init__(self, clock: Clock, *, client_names: Iterable[str] = ("Demo Office",),
                 utc_offset_minutes: int = 0):
        self.clock = clock
        self.lock = threading.RLock()
        #: the clients' time zone, in which every date is shown and read (all clients share it here)
        self.utc_offset_minutes = utc_offset_minutes
        self._client_names = tuple(client_names)
        self.reset()

    # ------------------------------------------------------------------------------ life cycle
    def reset(self) -> None:
        self.clients: dict[str, CmonClient] = {}
        self.lists: dict[str, CmonList] = {}
        self.segments: dict[str, Segment] = {}
        for name in self._client_names:
            self.add_client(name)

    def add_client(self, name: str) -> CmonClient:
        client = CmonClient(new_id(), name)
        self.clients[client.client_id] = client
        return client

    def now(self) -> float:
        return self.clock.now()

    @property
    def offset(self) -> float:
        return self.utc_offset_minutes * 60.0

    def show(self, moment: float) -> str:
        return show_date(moment, self.offset)

    def parse(self, text: str) -> float | None:
        return parse_date(text, self.offset)

    def time_zone_name(self) -> str:
        """The client's TimeZone as the service names it, e.g. `(GMT+10:00) …`."""
        minutes = self.utc_offset_minutes
        if minutes == 0:
            return "(GMT) Coordinated Universal Time"
        sign = "+" if minutes > 0 else "-"
        return f"(GMT{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}) Emulated time zone"

    def dump(self) -> dict[str, Any]:
        return {
            "clients": [{"client_id": c.client_id, "name": c.name,
                         "suppressed": [list(v) for v in c.suppressed.values()]} for c in self.clients.values()],
            "lists": [item.dump() for item in self.lists.values()],
            "segments": [copy.deepcopy(s.__dict__) for s in self.segments.values()],
        }

    def load(self, data: dict[str, Any]) -> None:
        self.clients, self.lists, self.segments = {}, {}, {}
        for raw in data["clients"]:
            client = CmonClient(raw["client_id"], raw["name"])
            for email, reason, when in raw.get("suppressed", []):
                client.suppressed[email.lower()] = (email, reason, when)
            self.clients[client.client_id] = client
        for raw in data["lists"]:
            raw = dict(raw)
            subscribers = raw.pop("subscribers", [])
            item = CmonList(**raw)
            for s in subscribers:
                sub = Subscriber(**s)
                item.subscribers[sub.email.lower()] = sub
            self.lists[item.list_id] = item
        for raw in data.get("segments", []):
            segment = Segment(**raw)
            self.segments[segment.segment_id] = segment

    # ---------------------------------------------------------------------------------- lookup
    def client(self, client_id: str) -> CmonClient:
        client = self.clients.get(client_id)
        if client is None:
            raise invalid_client()
        return client

    def list(self, list_id: str) -> CmonList:
        item = self.lists.get(list_id)
        if item is None:
            raise invalid_list()
        return item

    def segment(self, segment_id: str) -> Segment:
        segment = self.segments.get(segment_id)
        if segment is None:
            raise invalid_segment()
        return segment

    def client_lists(self, client_id: str) -> list[CmonList]:
        return [item for item in self.lists.values() if item.client_id == client_id]

    def list_by_title(self, title: str) -> CmonList | None:
        return next((item for item in self.lists.values() if item.title == title), None)

    def subscriber(self, item: CmonList, email: str) -> Subscriber:
        found = item.subscribers.get((email or "").strip().lower())
        if found is None:
            raise not_in_list()
        return found

    # ----------------------------------------------------------------------------------- lists
    def create_list(self, client_id: str, title: str, *, unsubscribe_setting: str = "AllClientLists",
                    confirmed_opt_in: bool = False, unsubscribe_page: str = "",
                    confirmation_success_page: str = "") -> CmonList:
        self.client(client_id)
        self._check_list_settings(client_id, title, unsubscribe_setting, None)
        item = CmonList(new_id(), client_id, title.strip(), unsubscribe_setting, bool(confirmed_opt_in),
                        unsubscribe_page or "", confirmation_success_page or "")
        self.lists[item.list_id] = item
        return item

    def update_list(self, item: CmonList, title: str, *, unsubscribe_setting: str,
                    confirmed_opt_in: bool, unsubscribe_page: str = "",
                    confirmation_success_page: str = "") -> None:
        self._check_list_settings(item.client_id, title, unsubscribe_setting, item.list_id)
        item.title = title.strip()
        item.unsubscribe_setting = unsubscribe_setting
        item.confirmed_opt_in = bool(confirmed_opt_in)
        item.unsubscribe_page = unsubscribe_page or ""
        item.confirmation_success_page = confirmation_success_page or ""

    def _check_list_settings(self, client_id: str, title: Any, setting: Any, own_id: str | None) -> None:
        if not isinstance(title, str) or not title.strip():
            raise bad_request(251, "List title must not be empty")
        if any(other.title == title.strip() and other.list_id != own_id for other in self.client_lists(client_id)):
            raise bad_request(250, "List title must be unique within a client")
        if setting not in UNSUBSCRIBE_SETTINGS:
            raise bad_request(261, "Invalid Unsubscribe Setting: must be AllClientLists or OnlyThisList")

    def delete_list(self, item: CmonList) -> None:
        del self.lists[item.list_id]
        for segment_id in [s.segment_id for s in self.segments.values() if s.list_id == item.list_id]:
            del self.segments[segment_id]

    # --------------------------------------------------------------------------- custom fields
    def add_custom_field(self, item: CmonList, name: Any, data_type: Any, options: Any,
                         visible: Any = True) -> str:
        if not isinstance(name, str) or not name.strip() or not re.sub(r"[^0-9A-Za-z_]", "", name):
            raise bad_request(254, "Invalid Field Name")
        key = bare(field_key(name))
        if key.lower() in (k.lower() for k in item.custom_fields) or any(
                d["FieldName"].lower() == name.strip().lower() for d in item.custom_fields.values()):
            raise bad_request(255, "The Field Name already exists in this list")
        if data_type not in DATA_TYPES:
            raise bad_request(259, "Data type is incorrect")
        options = list(options or [])
        if data_type in MULTI and not options:
            raise bad_request(257, "No options defined for Multi-Valued field")
        if data_type not in MULTI and options:
            raise bad_request(256, "Options defined for Text or Number Field")
        item.custom_fields[key] = {"FieldName": name.strip(), "DataType": data_type,
                                   "FieldOptions": [str(o) for o in options],
                                   "VisibleInPreferenceCenter": bool(True if visible is None else visible)}
        return field_key(name)

    def custom_field(self, item: CmonList, key: str) -> tuple[str, dict[str, Any]]:
        wanted = bare(key).lower()
        for known, definition in item.custom_fields.items():
            if known.lower() == wanted:
                return known, definition
        raise bad_request(253, "Invalid Key. Keys must be surrounded with [ ]")

    def update_field_options(self, item: CmonList, key: str, options: Any, keep_existing: bool) -> None:
        known, definition = self.custom_field(item, key)
        if definition["DataType"] not in MULTI:
            raise bad_request(256, "Options defined for Text or Number Field")
        new = [str(o) for o in (options or [])]
        merged = list(definition["FieldOptions"]) if keep_existing else []
        merged += [o for o in new if o not in merged]
        definition["FieldOptions"] = merged
        if not keep_existing:  # values no longer offered are dropped from subscribers
            for sub in item.subscribers.values():
                if known in sub.fields:
                    sub.fields[known] = [v for v in sub.fields[known] if v in merged]

    def update_custom_field(self, item: CmonList, key: str, name: Any, visible: Any) -> str:
        """Rename a field (its tag follows the new name; subscribers keep their values); returns the tag."""
        known, definition = self.custom_field(item, key)
        if not isinstance(name, str) or not name.strip() or not re.sub(r"[^0-9A-Za-z_]", "", name):
            raise bad_request(254, "Invalid Field Name")
        new_key = bare(field_key(name))
        clash = any((k.lower() == new_key.lower() or d["FieldName"].lower() == name.strip().lower())
                    and k != known for k, d in item.custom_fields.items())
        if clash:
            raise bad_request(255, "The Field Name already exists in this list")
        definition["FieldName"] = name.strip()
        if visible is not None:
            definition["VisibleInPreferenceCenter"] = bool(visible)
        if new_key != known:
            item.custom_fields = {(new_key if k == known else k): d for k, d in item.custom_fields.items()}
            for sub in item.subscribers.values():
                if known in sub.fields:
                    sub.fields[new_key] = sub.fields.pop(known)
        return field_key(name)

    def delete_custom_field(self, item: CmonList, key: str) -> None:
        known, _ = self.custom_field(item, key)
        del item.custom_fields[known]
        for sub in item.subscribers.values():
            sub.fields.pop(known, None)

    def _field_for(self, item: CmonList, key: Any) -> tuple[str, dict[str, Any]] | None:
        """The definition a subscriber's CustomFields entry names: by tag (with or without brackets) or name."""
        if not isinstance(key, str) or not key.strip():
            return None
        wanted = bare(key.strip()).lower()
        for known, definition in item.custom_fields.items():
            if known.lower() == wanted or definition["FieldName"].lower() == wanted:
                return known, definition
        return None

    def apply_fields(self, item: CmonList, sub: Subscriber, entries: Any) -> bool:
        """Set a subscriber's custom field values from a request's `CustomFields` array.

        Fields not named keep their values. Several entries with one key set a MultiSelectMany field to
        those values; `Clear: true` empties the field (or, on MultiSelectMany with a Value, that option).
        Values the field cannot hold (unknown key, option not offered, not a number, a bad date) are
        ignored, as the service ignores them.
        """
        if not isinstance(entries, list):
            return False
        given: dict[str, list[str]] = {}
        cleared: dict[str, list[str] | None] = {}
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            found = self._field_for(item, entry.get("Key"))
            if found is None:
                continue
            known, definition = found
            value = entry.get("Value")
            value = "" if value is None else str(value)
            if entry.get("Clear"):
                if definition["DataType"] == "MultiSelectMany" and value:
                    bucket = cleared.setdefault(known, [])
                    if bucket is not None:
                        bucket.append(value)
                else:
                    cleared[known] = None
                continue
            normal = _normal_value(definition, value)
            if normal is not None:
                given.setdefault(known, []).append(normal)
        changed = False
        for known, options in cleared.items():
            before = sub.fields.get(known, [])
            after = [] if options is None else [v for v in before if v not in options]
            if after != before:
                changed = True
                if after:
                    sub.fields[known] = after
                else:
                    sub.fields.pop(known, None)
        for known, values in given.items():
            definition = item.custom_fields[known]
            if definition["DataType"] != "MultiSelectMany":
                values = values[-1:]
            values = list(dict.fromkeys(values))
            if sub.fields.get(known) != values:
                sub.fields[known] = values
                changed = True
        return changed

    # ----------------------------------------------------------------------------- subscribers
    def suppressed(self, item: CmonList, email: str) -> bool:
        return email.lower() in self.client(item.client_id).suppressed

    def add_or_update(self, item: CmonList, body: dict[str, Any], *, resubscribe: bool) -> tuple[str, int | None]:
        """One subscriber of an add or an import: ("new" | "existing", failure code or None).

        A failure code says why the subscriber was left as it was (documented codes 204-208); the
        service's single add answers success for these and leaves the subscriber inactive.
        """
        email = body.get("EmailAddress")
        if not isinstance(email, str) or not EMAIL.match(email.strip()):
            raise invalid_email()
        email = email.strip()
        now = self.now()
        existing = item.subscribers.get(email.lower())
        name = body.get("Name")
        if existing is None:
            if self.suppressed(item, email) and not resubscribe:
                return "new", 204
            state = "Unconfirmed" if item.confirmed_opt_in else "Active"
            sub = Subscriber(email, name if isinstance(name, str) else "", state, now, now, updated=now)
            self.apply_fields(item, sub, body.get("CustomFields"))
            self._consent(item, sub, body)
            item.subscribers[email.lower()] = sub
            if resubscribe:
                self._unsuppress(item, email)
            return "new", None
        if existing.state not in ("Active", "Unconfirmed"):
            if not resubscribe:
                code = {"Deleted": 205, "Unsubscribed": 206, "Bounced": 207}[existing.state]
                return "existing", code
            self._unsuppress(item, email)
            existing.state = "Unconfirmed" if item.confirmed_opt_in else "Active"
            existing.state_changed = now
            existing.joined = now
        elif self.suppressed(item, email) and not resubscribe:
            return "existing", 204
        changed = self.apply_fields(item, existing, body.get("CustomFields"))
        if isinstance(name, str) and name != existing.name:
            existing.name = name
            changed = True
        changed = self._consent(item, existing, body) or changed
        if changed:
            existing.updated = now
        return "existing", None

    def _consent(self, item: CmonList, sub: Subscriber, body: dict[str, Any]) -> bool:
        """ConsentToTrack "Yes"/"No" applies to the address on every list of the client, as documented;
        "Unchanged" (or nothing) keeps what it has."""
        value = body.get("ConsentToTrack")
        if value not in ("Yes", "No") or value == sub.consent_to_track:
            return False
        sub.consent_to_track = value
        for other in self.client_lists(item.client_id):
            same = other.subscribers.get(sub.email.lower())
            if same is not None:
                same.consent_to_track = value
        return True

    def update_subscriber(self, item: CmonList, current_email: str, body: dict[str, Any]) -> None:
        sub = self.subscriber(item, current_email)
        new_email = body.get("EmailAddress")
        if new_email is not None and (not isinstance(new_email, str) or not EMAIL.match(new_email.strip())):
            raise bad_request(211, "Invalid New Email Address")
        now = self.now()
        if isinstance(new_email, str) and new_email.strip().lower() != sub.email.lower():
            if new_email.strip().lower() in item.subscribers:
                raise bad_request(201, "New Email Address already subscribed. Subscriber not updated.")
            del item.subscribers[sub.email.lower()]
            sub.email = new_email.strip()
            item.subscribers[sub.email.lower()] = sub
            sub.updated = now
        elif isinstance(new_email, str) and new_email.strip() != sub.email:
            sub.email = new_email.strip()
            sub.updated = now
        if isinstance(body.get("Name"), str) and body["Name"] != sub.name:
            sub.name = body["Name"]
            sub.updated = now
        if self.apply_fields(item, sub, body.get("CustomFields")) or self._consent(item, sub, body):
            sub.updated = now
        if body.get("Resubscribe") and sub.state not in ("Active", "Unconfirmed"):
            self._unsuppress(item, sub.email)
            self.set_state(sub, "Active")

    def set_state(self, sub: Subscriber, state: str) -> None:
        if sub.state != state:
            now = self.now()
            sub.state = state
            sub.state_changed = now
            sub.updated = now

    def unsubscribe(self, item: CmonList, email: str) -> list[str]:
        """Unsubscribe as the list's UnsubscribeSetting says; returns the ids of the lists it left."""
        sub = self.subscriber(item, email)
        if item.unsubscribe_setting == "OnlyThisList":
            if sub.state in ("Active", "Unconfirmed"):
                self.set_state(sub, "Unsubscribed")
                return [item.list_id]
            return []
        left = []
        for other in self.client_lists(item.client_id):
            found = other.subscribers.get(email.strip().lower())
            if found is not None and found.state in ("Active", "Unconfirmed"):
                self.set_state(found, "Unsubscribed")
                left.append(other.list_id)
        self.suppress(item.client_id, sub.email, "Unsubscribed")
        return left

    def bounce(self, client_id: str, email: str, list_id: str | None = None) -> list[str]:
        """A hard bounce: the address is Bounced on the client's lists (or one list) and suppressed."""
        hit = []
        for other in self.client_lists(client_id):
            if list_id is not None and other.list_id != list_id:
                continue
            found = other.subscribers.get(email.strip().lower())
            if found is not None and found.state in ("Active", "Unconfirmed"):
                self.set_state(found, "Bounced")
                hit.append(other.list_id)
        self.suppress(client_id, email, "Bounced")
        return hit

    def delete_subscriber(self, item: CmonList, email: str) -> None:
        sub = self.subscriber(item, email)
        self.set_state(sub, "Deleted")

    def remove_subscriber(self, item: CmonList, email: str) -> None:
        """The owner removes the subscriber from the list for good (no record left to read)."""
        sub = self.subscriber(item, email)
        del item.subscribers[sub.email.lower()]

    def suppress(self, client_id: str, email: str, reason: str) -> None:
        client = self.client(client_id)
        client.suppressed.setdefault(email.lower(), (email, reason, self.now()))

    def _unsuppress(self, item: CmonList, email: str) -> None:
        self.client(item.client_id).suppressed.pop(email.lower(), None)

    def unsuppress(self, client_id: str, email: str) -> bool:
        return self.client(client_id).suppressed.pop(email.strip().lower(), None) is not None

    # ---------------------------------------------------------------------------------- reads
    def by_state(self, item: CmonList, state: str, since: float | None) -> list[Subscriber]:
        return [s for s in item.subscribers.values()
                if s.state == state and (since is None or s.state_changed >= since)]

    def subscriber_json(self, item: CmonList, sub: Subscriber, *, tracking: bool = False) -> dict[str, Any]:
        """A subscriber as the API shows it; custom fields are named by their FieldName, one entry per
        value. `ConsentToTrack` is shown only when asked for (`includetrackingpreference=true`)."""
        fields = []
        for known, values in sub.fields.items():
            definition = item.custom_fields.get(known)
            if definition is None:
                continue
            fields += [{"Key": definition["FieldName"], "Value": value} for value in values]
        body = {"EmailAddress": sub.email, "Name": sub.name, "ListJoinedDate": self.show(sub.joined),
                "State": sub.state, "StateChangedDate": self.show(sub.state_changed), "CustomFields": fields,
                "ReadsEmailWith": ""}
        if tracking:
            body["ConsentToTrack"] = sub.consent_to_track
        return body

    def list_stats(self, item: CmonList) -> dict[str, Any]:
        """Totals per state, and per period for the state each subscriber entered (UTC calendar)."""
        now = datetime.fromtimestamp(self.now() + self.offset, tz=UTC)
        today = now.date()
        periods = {
            "Today": lambda d: d == today,
            "Yesterday": lambda d: (today - d).days == 1,
            "ThisWeek": lambda d: 0 <= (today - d).days < 7,
            "ThisMonth": lambda d: (d.year, d.month) == (today.year, today.month),
            "ThisYear": lambda d: d.year == today.year,
        }
        names = {"Active": "NewActiveSubscribers", "Unsubscribed": "Unsubscribes", "Deleted": "Deleted",
                 "Bounced": "Bounces"}
        totals = {"Active": "TotalActiveSubscribers", "Unsubscribed": "TotalUnsubscribes",
                  "Deleted": "TotalDeleted", "Bounced": "TotalBounces"}
        stats: dict[str, Any] = {}
        for state, prefix in names.items():
            members = [s for s in item.subscribers.values() if s.state == state]
            stats[totals[state]] = len(members)
            dates = [datetime.fromtimestamp(s.state_changed + self.offset, tz=UTC).date() for s in members]
            for period, test in periods.items():
                stats[prefix + period] = sum(1 for d in dates if test(d))
        return stats

    # -------------------------------------------------------------------------------- segments
    def save_segment(self, item: CmonList, title: Any, rule_groups: Any, segment: Segment | None = None) -> Segment:
        if not isinstance(title, str) or not title.strip():
            raise bad_request(273, "Segment Title Empty")
        if any(s.title == title.strip() and s.list_id == item.list_id and s is not segment
               for s in self.segments.values()):
            raise bad_request(275, "Duplicate Segment Title")
        groups = self.check_rule_groups(item, rule_groups)
        if segment is None:
            segment = Segment(new_id(), item.list_id, title.strip(), groups)
            self.segments[segment.segment_id] = segment
        else:
            segment.title = title.strip()
            segment.rule_groups = groups
        return segment

    def check_rule_groups(self, item: CmonList, rule_groups: Any) -> list[dict[str, Any]]:
        if rule_groups is None:
            return []
        if not isinstance(rule_groups, list):
            raise bad_request(277, "Invalid Segment Rules")
        groups = []
        for group in rule_groups:
            rules = group.get("Rules") if isinstance(group, dict) else None
            if not isinstance(rules, list) or not rules:
                raise bad_request(277, "Invalid Segment Rules")
            checked = []
            for rule in rules:
                if not isinstance(rule, dict):
                    raise bad_request(277, "Invalid Segment Rules")
                rule_type, clause = rule.get("RuleType"), rule.get("Clause")
                if not isinstance(rule_type, str) or not rule_type.strip():
                    raise bad_request(2704, "Empty Segment RuleType")
                if not isinstance(clause, str) or not clause.strip():
                    raise bad_request(2706, "Empty Segment Clauses")
                compile_rule(item, rule_type.strip(), clause.strip(), self.offset)  # raises on a bad rule
                checked.append({"RuleType": rule_type.strip(), "Clause": clause.strip()})
            groups.append({"Rules": checked})
        return groups

    def segment_members(self, segment: Segment, since: float | None = None) -> list[Subscriber]:
        item = self.list(segment.list_id)
        tests = [[compile_rule(item, r["RuleType"], r["Clause"], self.offset) for r in g["Rules"]]
                 for g in segment.rule_groups]
        return [s for s in item.subscribers.values()
                if s.state == "Active" and (since is None or s.state_changed >= since)
                and all(any(test(s) for test in group) for group in tests)]


def _normal_value(definition: dict[str, Any], value: str) -> str | None:
    """The value as stored, or None when the field cannot hold it (the service then ignores it)."""
    value = value[:MAX_VALUE_LENGTH]
    kind = definition["DataType"]
    if kind in MULTI:
        return value if value in definition["FieldOptions"] else None
    if kind == "Number":
        try:
            float(value)
        except ValueError:
            return None
        return value
    if kind == "Date":
        for pattern in ("%Y/%m/%d", "%Y-%m-%d"):
            try:
                moment = datetime.strptime(value, pattern)
            except ValueError:
                continue
            if not (1900 <= moment.year <= 2076):
                return None
            return moment.strftime("%Y-%m-%d")
        return None
    return value


# ------------------------------------------------------------------------------------- segment rules
_TEXT_VERBS = ("EQUALS", "NOT_EQUALS", "CONTAINS", "NOT_CONTAINS", "PROVIDED", "NOT_PROVIDED")
_NUMBER_VERBS = ("EQUALS", "NOT_EQUALS", "GREATER_THAN_OR_EQUAL", "LESS_THAN_OR_EQUAL", "PROVIDED",
                 "NOT_PROVIDED")
_DATE_VERBS = ("EQUALS", "AFTER", "BEFORE", "BETWEEN", "PROVIDED", "NOT_PROVIDED")
_MULTI_VERBS = ("EQUALS", "NOT_EQUALS", "PROVIDED", "NOT_PROVIDED")
_NO_OBJECT = ("PROVIDED", "NOT_PROVIDED")


def compile_rule(item: CmonList, rule_type: str, clause: str, offset: float = 0.0) -> Callable[[Subscriber], bool]:
    """A test for one rule (`RuleType` + `Clause` such as `EQUALS Gold`), or the documented error.

    Covered: EmailAddress, Name, DateSubscribed and custom fields by their `[tag]`; the campaign-activity
    rule types need sent campaigns, which the emulator does not have, and are refused.
    """
    verb, _, operand = clause.partition(" ")
    verb, operand = verb.upper(), operand.strip()
    if verb not in _NO_OBJECT and not operand:
        raise bad_request(2719, "Required Clause Object Missing")

    def values_of(sub: Subscriber) -> list[str]:
        if rule_type == "EmailAddress":
            return [sub.email]
        if rule_type == "Name":
            return [sub.name] if sub.name else []
        if rule_type == "DateSubscribed":
            return [show_date(sub.joined, offset)[:10]]
        return sub.fields.get(known, [])

    if rule_type in ("EmailAddress", "Name"):
        kind, known = "Text", ""
        if verb not in _TEXT_VERBS:
            raise bad_request(2713 if rule_type == "EmailAddress" else 2712, f"Invalid Verb For {rule_type} Rule")
    elif rule_type == "DateSubscribed":
        kind, known = "Date", ""
        if verb not in _DATE_VERBS:
            raise bad_request(2714, "Invalid Verb For DateSubscribed Rule")
    elif rule_type.startswith("[") and rule_type.endswith("]"):
        found = next(((k, d) for k, d in item.custom_fields.items() if k.lower() == bare(rule_type).lower()), None)
        if found is None:
            raise bad_request(2705, "Invalid Segment RuleType")
        known, definition = found
        kind = {"MultiSelectOne": "Multi", "MultiSelectMany": "Multi"}.get(definition["DataType"],
                                                                           definition["DataType"])
        allowed = {"Number": _NUMBER_VERBS, "Date": _DATE_VERBS, "Multi": _MULTI_VERBS}.get(kind, _TEXT_VERBS)
        if verb not in allowed:
            code = {"Number": 2716, "Date": 2718, "Multi": 2717}.get(kind, 2715)
            raise bad_request(code, "Invalid Verb For Field Rule")
        if kind == "Multi" and operand and operand not in definition["FieldOptions"]:
            raise bad_request(2722, "Option Doesnt Exist For Field")
    else:
        raise bad_request(2705, "Invalid Segment RuleType")

    if verb == "PROVIDED":
        return lambda sub: bool([v for v in values_of(sub) if v])
    if verb == "NOT_PROVIDED":
        return lambda sub: not [v for v in values_of(sub) if v]
    if kind == "Number":
        try:
            target = float(operand)
        except ValueError:
            raise bad_request(2721, "Invalid Number Format") from None
        compare = {"EQUALS": lambda a: a == target, "NOT_EQUALS": lambda a: a != target,
                   "GREATER_THAN_OR_EQUAL": lambda a: a >= target, "LESS_THAN_OR_EQUAL": lambda a: a <= target}[verb]

        def number_test(sub: Subscriber) -> bool:
            numbers = []
            for v in values_of(sub):
                try:
                    numbers.append(float(v))
                except ValueError:
                    pass
            return any(compare(n) for n in numbers) if verb != "NOT_EQUALS" else all(compare(n) for n in numbers)
        return number_test
    if kind == "Date":
        bounds = operand.split(" ") if verb == "BETWEEN" else [operand]
        if any(parse_date(b) is None or len(b) != 10 for b in bounds) or (verb == "BETWEEN" and len(bounds) != 2):
            raise bad_request(2720, "Invalid Date Format")
        compare_date = {"EQUALS": lambda d: d == bounds[0], "AFTER": lambda d: d > bounds[0],
                        "BEFORE": lambda d: d < bounds[0],
                        "BETWEEN": lambda d: bounds[0] <= d <= bounds[-1]}[verb]
        return lambda sub: any(compare_date(v[:10]) for v in values_of(sub))
    folded = operand.lower()
    if verb == "EQUALS":
        return lambda sub: any(v.lower() == folded for v in values_of(sub))
    if verb == "NOT_EQUALS":
        return lambda sub: all(v.lower() != folded for v in values_of(sub))
    if verb == "CONTAINS":
        return lambda sub: any(folded in v.lower() for v in values_of(sub))
    return lambda sub: all(folded not in v.lower() for v in values_of(sub))
