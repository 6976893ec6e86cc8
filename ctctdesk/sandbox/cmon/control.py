"""The Campaign Monitor emulator's control interface under `/_sandbox/`: what no API client could do.

Of the same kind as the Constant Contact sandbox's: hand out the API key and OAuth tokens without a
browser; act as a subscriber (unsubscribe through a campaign's footer, bounce, sign up again) or as the
account owner in Campaign Monitor's web app (delete or remove a subscriber, edit one, rename or delete a
list, change its unsubscribe setting, suppress an address); move the clock; inject faults; read the
request counters; reset, seed, dump and load the state; change the limits. Bodies and answers are JSON;
these requests are neither rate limited nor counted.

Lists are named by `list_id` or `list` (the title); a client by `client_id`, default the first one.
"""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from werkzeug.routing import Map
from werkzeug.wrappers import Request

from ctctdesk.sandbox.cmon.errors import CmonApiError
from ctctdesk.sandbox.cmon.oauth import CmonOAuth
from ctctdesk.sandbox.cmon.seed import seed
from ctctdesk.sandbox.cmon.state import CmonClient, CmonList, CmonState, Subscriber
from ctctdesk.sandbox.control_base import ControlBase, ControlError, ControlledServer, control_map, rule

CONFIG_KEYS = ("rate_limit_per_second", "access_token_lifetime", "retry_after_header", "utc_offset_minutes")


class ControlledEmulator(ControlledServer, Protocol):
    state: CmonState
    oauth: CmonOAuth
    api_keys: set[str]

    @property
    def api_key(self) -> str: ...


def _rules() -> Map:
    r = rule
    return control_map([
        r("/api_key", "GET", "api_key_get"),
        r("/api_key/rotate", "POST", "api_key_rotate"),
        r("/tokens", "POST", "tokens"),
        r("/tokens/expire", "POST", "tokens_expire"),
        r("/tokens/revoke", "POST", "tokens_revoke"),
        r("/oauth/deny_next", "POST", "oauth_deny_next"),
        r("/clients", "GET", "clients_get"),
        r("/clients", "POST", "clients_add"),
        r("/unsubscribe", "POST", "unsubscribe"),
        r("/bounce", "POST", "bounce"),
        r("/resubscribe", "POST", "resubscribe"),
        r("/confirm", "POST", "confirm"),
        r("/owner/delete_subscriber", "POST", "owner_delete_subscriber"),
        r("/owner/remove_from_list", "POST", "owner_remove_from_list"),
        r("/owner/update_subscriber", "POST", "owner_update_subscriber"),
        r("/owner/rename_list", "POST", "owner_rename_list"),
        r("/owner/delete_list", "POST", "owner_delete_list"),
        r("/owner/unsubscribe_setting", "POST", "owner_unsubscribe_setting"),
        r("/owner/suppress", "POST", "owner_suppress"),
        r("/subscriber", "GET", "subscriber_get"),
    ])


class CmonControl(ControlBase):
    config_keys = CONFIG_KEYS
    fault_path_prefix = "/api/"

    def __init__(self, server: ControlledEmulator):
        self.server = server
        self.state = server.state
        self.map = _rules()

    def handle(self, request: Request, subpath: str) -> tuple[int, Any]:
        try:
            endpoint = self._endpoint(request, subpath)
            body = self._body(request)
            if request.method == "GET":
                body = {**request.args.to_dict(), **body}
            with self.state.lock:
                return getattr(self, endpoint)(body)
        except ControlError as error:
            return error.status, {"error": error.message}
        except CmonApiError as error:
            return 409 if error.status == 400 else 404, {"error": error.message, "Code": error.code}

    # --------------------------------------------------------------------------------- helpers
    def _client(self, body: dict[str, Any]) -> CmonClient:
        if body.get("client_id"):
            client = self.state.clients.get(body["client_id"])
            if client is None:
                raise ControlError(404, f"no client with id {body['client_id']}")
            return client
        if body.get("client"):
            client = next((c for c in self.state.clients.values() if c.name == body["client"]), None)
            if client is None:
                raise ControlError(404, f"no client named {body['client']}")
            return client
        return next(iter(self.state.clients.values()))

    def _list(self, body: dict[str, Any]) -> CmonList:
        if body.get("list_id"):
            item = self.state.lists.get(body["list_id"])
            if item is None:
                raise ControlError(404, f"no list with id {body['list_id']}")
            return item
        if body.get("list"):
            item = self.state.list_by_title(body["list"])
            if item is None:
                raise ControlError(404, f"no list titled {body['list']}")
            return item
        raise ControlError(400, "give list_id or list (the list's title)")

    def _email(self, body: dict[str, Any]) -> str:
        email = body.get("email")
        if not isinstance(email, str) or not email.strip():
            raise ControlError(400, "give the subscriber's email")
        return email.strip()

    def _subscriber(self, body: dict[str, Any]) -> tuple[CmonList, Subscriber]:
        item = self._list(body)
        email = self._email(body)
        sub = item.subscribers.get(email.lower())
        if sub is None:
            raise ControlError(404, f"{email} is not a subscriber of {item.title}")
        return item, sub

    def _answer(self, item: CmonList, sub: Subscriber) -> tuple[int, Any]:
        return 200, {"ListID": item.list_id, **self.state.subscriber_json(item, sub)}

    # ------------------------------------------------------------------------------- sign-in
    def api_key_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"api_key": self.server.api_key}

    def api_key_rotate(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The owner regenerates the API key: the old one stops working at once."""
        self.server.api_keys.clear()
        self.server.api_keys.add("cm-sandbox-" + secrets.token_hex(20))
        return 200, {"api_key": self.server.api_key}

    def tokens(self, body: dict[str, Any]) -> tuple[int, Any]:
        expires_in = body.get("expires_in")
        if expires_in is not None and (not isinstance(expires_in, int) or expires_in < 0):
            raise ControlError(400, "expires_in must be a whole number of seconds")
        return 200, self.server.oauth.issue(expires_in)

    def tokens_expire(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"expired": self.server.oauth.expire_all()}

    def tokens_revoke(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"revoked": self.server.oauth.revoke_all()}

    def oauth_deny_next(self, body: dict[str, Any]) -> tuple[int, Any]:
        self.server.oauth.deny_next = True
        return 200, {"deny_next": True}

    def clients_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"clients": [{"ClientID": c.client_id, "Name": c.name} for c in self.state.clients.values()]}

    def clients_add(self, body: dict[str, Any]) -> tuple[int, Any]:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ControlError(400, "give the client's name")
        client = self.state.add_client(name.strip())
        return 201, {"ClientID": client.client_id, "Name": client.name}

    # ----------------------------------------------------------------------- the subscriber acts
    def unsubscribe(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The subscriber follows the unsubscribe link of a campaign sent to this list."""
        item, sub = self._subscriber(body)
        left = self.state.unsubscribe(item, sub.email)
        return 200, {"lists_left": left, "suppressed": self.state.suppressed(item, sub.email)}

    def bounce(self, body: dict[str, Any]) -> tuple[int, Any]:
        """A hard bounce: Bounced on the client's lists (or on `list_id`/`list` only) and suppressed."""
        email = self._email(body)
        if body.get("list_id") or body.get("list"):
            item = self._list(body)
            hit = self.state.bounce(item.client_id, email, item.list_id)
        else:
            hit = self.state.bounce(self._client(body).client_id, email)
        return 200, {"lists_bounced": hit}

    def resubscribe(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The person signs up again through the list's form: the only way back that needs no Resubscribe."""
        item = self._list(body)
        email = self._email(body)
        self.state.add_or_update(item, {"EmailAddress": email, "Name": body.get("name")}, resubscribe=True)
        return self._answer(item, item.subscribers[email.lower()])

    def confirm(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The subscriber clicks the confirmation link of a double opt-in list: Unconfirmed becomes Active."""
        item, sub = self._subscriber(body)
        if sub.state != "Unconfirmed":
            raise ControlError(409, f"{sub.email} is {sub.state}, not Unconfirmed")
        self.state.set_state(sub, "Active")
        return self._answer(item, sub)

    # ------------------------------------------------------------------------------ the owner acts
    def owner_delete_subscriber(self, body: dict[str, Any]) -> tuple[int, Any]:
        item, sub = self._subscriber(body)
        self.state.set_state(sub, "Deleted")
        return self._answer(item, sub)

    def owner_remove_from_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The subscriber's record goes from the list altogether (nothing left to read in any state)."""
        item, sub = self._subscriber(body)
        self.state.remove_subscriber(item, sub.email)
        return 200, {"removed": sub.email, "ListID": item.list_id}

    def owner_update_subscriber(self, body: dict[str, Any]) -> tuple[int, Any]:
        """Edit name, email or custom fields (`custom_fields`: {field name or key: value or [values]})."""
        item, sub = self._subscriber(body)
        update: dict[str, Any] = {}
        if isinstance(body.get("name"), str):
            update["Name"] = body["name"]
        if isinstance(body.get("new_email"), str):
            update["EmailAddress"] = body["new_email"]
        fields = body.get("custom_fields")
        if isinstance(fields, dict):
            entries = []
            for key, value in fields.items():
                values = value if isinstance(value, list) else [value]
                if value is None or value == []:
                    entries.append({"Key": key, "Value": "", "Clear": True})
                entries += [{"Key": key, "Value": v} for v in values if v is not None]
            update["CustomFields"] = entries
        if not update:
            raise ControlError(400, "give name, new_email or custom_fields")
        self.state.update_subscriber(item, sub.email, update)
        return self._answer(item, sub)

    def owner_rename_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        item = self._list(body)
        new_title = body.get("new_title")
        if not isinstance(new_title, str) or not new_title.strip():
            raise ControlError(400, "give new_title")
        self.state.update_list(item, new_title, unsubscribe_setting=item.unsubscribe_setting,
                               confirmed_opt_in=item.confirmed_opt_in, unsubscribe_page=item.unsubscribe_page,
                               confirmation_success_page=item.confirmation_success_page)
        return 200, {"ListID": item.list_id, "Title": item.title}

    def owner_delete_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        item = self._list(body)
        self.state.delete_list(item)
        return 200, {"deleted": item.list_id}

    def owner_unsubscribe_setting(self, body: dict[str, Any]) -> tuple[int, Any]:
        item = self._list(body)
        self.state.update_list(item, item.title, unsubscribe_setting=body.get("setting"),
                               confirmed_opt_in=item.confirmed_opt_in, unsubscribe_page=item.unsubscribe_page,
                               confirmation_success_page=item.confirmation_success_page)
        return 200, {"ListID": item.list_id, "UnsubscribeSetting": item.unsubscribe_setting}

    def owner_suppress(self, body: dict[str, Any]) -> tuple[int, Any]:
        client = self._client(body)
        email = self._email(body)
        self.state.suppress(client.client_id, email, "Manually added")
        return 200, {"suppressed": email, "ClientID": client.client_id}

    def subscriber_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        item, sub = self._subscriber(body)
        return self._answer(item, sub)

    # ---------------------------------------------------------------------------- housekeeping
    def state_put(self, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            self.server.load(body)
        except (KeyError, TypeError, ValueError) as error:
            raise ControlError(400, f"not an emulator state: {error}") from None
        return 200, {"loaded": True, "lists": len(self.state.lists)}

    def seed(self, body: dict[str, Any]) -> tuple[int, Any]:
        subscribers, lists = body.get("subscribers", 20), body.get("lists", 3)
        if not isinstance(subscribers, int) or not isinstance(lists, int) or subscribers < 0 or lists < 0:
            raise ControlError(400, "subscribers and lists must be whole numbers")
        return 200, seed(self.state, subscribers=subscribers, lists=lists, seed_value=body.get("seed", 3))

    def clock_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"now": self.state.show(self.server.clock.now())}

    def clock(self, body: dict[str, Any]) -> tuple[int, Any]:
        self._advance_clock(body)
        return 200, {"now": self.state.show(self.server.clock.now())}
