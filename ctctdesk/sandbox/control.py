"""The control interface under `/_sandbox/`: what tests and the demo do that no API client could.

Issue tokens and approve device codes without a browser; act as a contact (unsubscribe through a
campaign footer, leave some lists on the "Update Profile" page, bounce) or as the account owner in Constant Contact's web UI (rename or delete a list,
take someone off a list, edit or delete a contact); move the clock; inject faults; read counters;
reset, seed, dump and load the state; change limits. Bodies are JSON; answers are JSON. These requests
are neither rate limited nor counted.
"""

from __future__ import annotations

from typing import Any, Protocol

from werkzeug.routing import Map
from werkzeug.wrappers import Request

from ctctdesk.sandbox import activities
from ctctdesk.sandbox.control_base import ControlBase, ControlError, ControlledServer, control_map, rule
from ctctdesk.sandbox.errors import ApiError
from ctctdesk.sandbox.oauth import OAuthServer
from ctctdesk.sandbox.seed import seed
from ctctdesk.sandbox.state import SIMPLE_FIELDS, Contact, SandboxState
from ctctdesk.sandbox.timefmt import iso

CONFIG_KEYS = ("rate_limit_per_second", "daily_limit", "activity_delay", "max_running_activities",
               "access_token_lifetime", "refresh_tokens", "retry_after_header", "unsubscribe_empties_lists",
               "optouts_move_updated_at", "list_changes_move_updated_at")


class ControlledSandbox(ControlledServer, Protocol):
    """What the control interface drives: the parts of `server.SandboxServer` it reaches.

    A protocol rather than an import of the server, which builds the control interface and imports it.
    """

    state: SandboxState
    oauth: OAuthServer


def _rules() -> Map:
    r = rule
    return control_map([
        r("/tokens", "POST", "tokens"),
        r("/device/approve", "POST", "device_approve"),
        r("/unsubscribe", "POST", "unsubscribe"),
        r("/bounce", "POST", "bounce"),
        r("/update_profile", "POST", "update_profile"),
        r("/resubscribe", "POST", "resubscribe"),
        r("/owner/rename_list", "POST", "owner_rename_list"),
        r("/owner/delete_list", "POST", "owner_delete_list"),
        r("/owner/remove_from_list", "POST", "owner_remove_from_list"),
        r("/owner/delete_contact", "POST", "owner_delete_contact"),
        r("/owner/update_contact", "POST", "owner_update_contact"),
    ])


class Control(ControlBase):
    config_keys = CONFIG_KEYS
    fault_path_prefix = "/v3/"

    def __init__(self, server: ControlledSandbox):
        self.server = server
        self.state = server.state
        self.map = _rules()

    def handle(self, request: Request, subpath: str) -> tuple[int, Any]:
        try:
            endpoint = self._endpoint(request, subpath)
            body = self._body(request)
            activities.advance(self.state)
            with self.state.lock:
                return getattr(self, endpoint)(body)
        except ControlError as error:
            return error.status, {"error": error.message}
        except ApiError as error:
            return error.status, {"error": error.items[0][1]}

    # --------------------------------------------------------------------------------- helpers
    def _contact(self, body: dict[str, Any]) -> Contact:
        email = body.get("email")
        if not isinstance(email, str) or not email:
            raise ControlError(400, "give the contact's email")
        contact = self.state.find_email(email)
        if contact is None:
            raise ControlError(404, f"no contact with email {email}")
        return contact

    def _list(self, body: dict[str, Any], id_key: str = "list_id", name_key: str = "name") -> dict[str, Any]:
        if body.get(id_key):
            item = self.state.lists.get(body[id_key])
            if item is None or item["deleted_at"] is not None:
                raise ControlError(404, f"no list with id {body[id_key]}")
            return item
        if body.get(name_key):
            item = self.state.list_by_name(body[name_key])
            if item is None:
                raise ControlError(404, f"no list named {body[name_key]}")
            return item
        raise ControlError(400, f"give {id_key} or {name_key}")

    # ------------------------------------------------------------------------------ operations
    def tokens(self, body: dict[str, Any]) -> tuple[int, Any]:
        scopes = body.get("scopes", "contact_data account_read offline_access")
        if not isinstance(scopes, str):
            raise ControlError(400, "scopes must be a space-separated string")
        try:
            return 200, self.server.oauth.issue_token(scopes, body.get("expires_in"))
        except ValueError as error:
            raise ControlError(400, str(error)) from None

    def device_approve(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"approved": self.server.oauth.approve_device(body.get("user_code"))}

    def unsubscribe(self, body: dict[str, Any]) -> tuple[int, Any]:
        contact = self._contact(body)
        self.state.unsubscribe(contact, source="Contact", reason=body.get("reason"))
        return 200, self.state.contact_json(contact, ("list_memberships",))

    def update_profile(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The contact leaves the given lists on the "Update Profile" page and stays subscribed."""
        contact = self._contact(body)
        list_ids = body.get("list_ids")
        if not isinstance(list_ids, list) or not list_ids or not all(isinstance(i, str) for i in list_ids):
            raise ControlError(400, "give list_ids, the lists the contact leaves")
        missing = [i for i in list_ids if i not in contact.list_ids]
        if missing:
            raise ControlError(409, f"{contact.email} is not on the list {missing[0]}")
        for list_id in list_ids:
            self.state.remove_membership(contact, list_id)
        self.state.touch_for_list_change(contact)
        return 200, self.state.contact_json(contact, ("list_memberships",))

    def resubscribe(self, body: dict[str, Any]) -> tuple[int, Any]:
        """The contact opts in again themselves (sign-up form plus confirmation email): the only way back."""
        contact = self._contact(body)
        now = self.state.now()
        contact.permission = "explicit"
        contact.opt_in_source = "Contact"
        contact.opt_in_date = now
        contact.opt_out_source = contact.opt_out_date = contact.opt_out_reason = None
        contact.email_updated_at = now
        contact.update_source = "Contact"
        self.state.revive(contact)
        self.state.touch(contact)
        return 200, self.state.contact_json(contact, ("list_memberships",))

    def bounce(self, body: dict[str, Any]) -> tuple[int, Any]:
        contact = self._contact(body)
        contact.bounces += 1
        if contact.permission != "unsubscribed":
            contact.permission = "temp_hold"
            contact.email_updated_at = self.state.now()
        if self.state.realism.optouts_move_updated_at:
            self.state.touch(contact)
        return 200, self.state.contact_json(contact)

    def state_put(self, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            self.server.load(body)
        except (KeyError, TypeError, ValueError) as error:
            raise ControlError(400, f"not a sandbox state: {error}") from None
        return 200, {"loaded": True, "contacts": len(self.state.order)}

    def seed(self, body: dict[str, Any]) -> tuple[int, Any]:
        contacts, lists = body.get("contacts", 20), body.get("lists", 3)
        if not isinstance(contacts, int) or not isinstance(lists, int) or contacts < 0 or lists < 0:
            raise ControlError(400, "contacts and lists must be whole numbers")
        return 200, seed(self.state, contacts=contacts, lists=lists, seed_value=body.get("seed", 3))

    def clock(self, body: dict[str, Any]) -> tuple[int, Any]:
        self._advance_clock(body)
        activities.advance(self.state)
        return 200, {"now": iso(self.server.clock.now())}

    def clock_get(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"now": iso(self.server.clock.now())}

    def owner_rename_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        item = self._list(body)
        new_name = body.get("new_name")
        if not isinstance(new_name, str) or not new_name.strip():
            raise ControlError(400, "give new_name")
        updated = self.state.update_list(item["list_id"], new_name, None)
        return 200, self.state.list_json(updated)

    def owner_delete_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        item = self._list(body)
        self.state.delete_list_now(item["list_id"])
        return 200, self.state.list_json(item)

    def owner_remove_from_list(self, body: dict[str, Any]) -> tuple[int, Any]:
        contact = self._contact(body)
        item = self._list(body, "list_id", "list_name")
        if not self.state.remove_membership(contact, item["list_id"]):
            raise ControlError(409, f"{contact.email} is not on the list {item['name']}")
        self.state.touch_for_list_change(contact)
        return 200, self.state.contact_json(contact, ("list_memberships",))

    def owner_delete_contact(self, body: dict[str, Any]) -> tuple[int, Any]:
        contact = self._contact(body)
        if not self.state.delete_contact_now(contact):
            raise ControlError(409, f"{contact.email} is already deleted")
        return 200, self.state.contact_json(contact)

    def owner_update_contact(self, body: dict[str, Any]) -> tuple[int, Any]:
        contact = self._contact(body)
        changed = False
        for name in SIMPLE_FIELDS:
            if name in body:
                setattr(contact, name, body[name])
                changed = True
        if body.get("new_email"):
            self.state.change_email(contact, body["new_email"])
            changed = True
        if not changed:
            raise ControlError(400, f"give at least one of {', '.join(SIMPLE_FIELDS)} or new_email")
        self.state.touch(contact, "Account")
        return 200, self.state.contact_json(contact)
