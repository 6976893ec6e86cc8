"""Which email service a data folder talks to: Constant Contact or Campaign Monitor, one at a time.

The choice lives in the data folder's settings.json (``email_service``), so the window and the command
line agree on it. `ActiveConnection` is the one connection object the rest of the program holds: it
stands for the chosen service's connection and can be pointed at the other one when the user switches,
so the sync service, the Synchronize tab and the scheduler never keep a connection that is no longer in
use. This module is neutral (like `ctctdesk.settings_store`): it imports no layer, the connections it
carries are built by the composition root.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SETTING = "email_service"
CONSTANT_CONTACT = "constant-contact"
CAMPAIGN_MONITOR = "campaign-monitor"
SERVICES = (CONSTANT_CONTACT, CAMPAIGN_MONITOR)
DISPLAY_NAMES = {CONSTANT_CONTACT: "Constant Contact", CAMPAIGN_MONITOR: "Campaign Monitor"}


class UnknownService(ValueError):
    """A service name that is neither of the two (a typo on the command line, an edited settings file)."""


def check_service(name: str) -> str:
    if name not in SERVICES:
        raise UnknownService(f"Unknown email service {name!r}: use {' or '.join(SERVICES)}.")
    return name


def chosen_service(settings: Any) -> str:
    """The service of a data folder (a `SettingsStore`); Constant Contact when none was ever chosen."""
    value = settings.get(SETTING) if settings is not None else None
    return value if value in SERVICES else CONSTANT_CONTACT


DEFAULT_NAME = DISPLAY_NAMES[CONSTANT_CONTACT]


def display_name(service: str) -> str:
    return DISPLAY_NAMES.get(service, service)


def name_in_use(source: Any) -> str:
    """What people call the email service in use, from whatever is at hand: an `ActiveConnection`, a
    connection, a sync service object, or anything with a ``connection`` (a window's context, the sync
    service). Constant Contact when nothing says otherwise (no connection yet, an older object).

    The one helper every text about "the email service in use" goes through, so the window and the
    command line never word a sentence for Constant Contact while Campaign Monitor is in use.
    """
    for candidate in (source, getattr(source, "connection", None)):
        name = getattr(candidate, "display_name", None)
        if isinstance(name, str) and name:
            return name
    return DEFAULT_NAME


def worded_for(text: str, name: str) -> str:
    """A text written for Constant Contact, worded for the service called ``name``."""
    return text if name == DEFAULT_NAME else text.replace(DEFAULT_NAME, name)


class ActiveConnection:
    """The chosen service's connection, and the one place that changes which one it is.

    Everything a connection offers (``status()``, ``client()``, ``quota``, ``disconnect()``…) is the
    current connection's. Listeners and disconnect hooks are kept here and follow the switch: a listener
    added once hears the current service, whichever it is, and hears the new status right after a switch.
    """

    def __init__(self, service: str, connection: Any) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Any], None]] = []
        self._hooks: list[Callable[[], object]] = []
        self.service = check_service(service)
        self._inner = connection
        self._attach(connection)

    @property
    def inner(self) -> Any:
        """The connection of the chosen service itself (its own type: settings, sign-in flows)."""
        return self._inner

    @property
    def display_name(self) -> str:
        return display_name(self.service)

    def __getattr__(self, name: str) -> Any:
        # only called for what this class does not define: the current connection's own attributes
        if name.startswith("__") or name == "_inner":  # not set yet, or Python asking for a protocol
            raise AttributeError(name)
        return getattr(self._inner, name)

    # -- listeners and hooks ---------------------------------------------------------------------------
    def add_listener(self, listener: Callable[[Any], None]) -> None:
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[Any], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add_disconnect_hook(self, hook: Callable[[], object]) -> None:
        """Run after the current service's disconnect (whichever service that is by then)."""
        self._hooks.append(hook)

    def _attach(self, connection: Any) -> None:
        connection.add_listener(lambda status, owner=connection: self._forward(owner, status))
        connection.add_disconnect_hook(lambda owner=connection: self._run_hooks(owner))

    def _forward(self, owner: Any, status: Any) -> None:
        if owner is not self._inner:
            return  # a connection no longer chosen: nobody listens to it any more
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # one faulty listener must not stop the others
                log.exception("A connection listener failed")

    def _run_hooks(self, owner: Any) -> None:
        if owner is not self._inner:
            return
        for hook in list(self._hooks):
            hook()

    # -- switching -------------------------------------------------------------------------------------
    def switch(self, service: str, connection: Any) -> None:
        """Point at another service's connection (the caller disconnected the old one first) and tell
        every listener the new status."""
        with self._lock:
            self.service = check_service(service)
            self._inner = connection
            self._attach(connection)
        self._forward(connection, connection.status())
