"""One signal hub for "the CRM changed", so every tab shows an edit at once without a restart.

Editors emit after they saved (`events.emit(CrmChange.CONTACTS, contact_ids=[...])`); views that show CRM
data (the Manage Email Lists tab, the Companies tab, the tag filters) connect to `changed` and reload what
concerns them. The hub carries no data beyond what changed: views read the database again through the crm
services, which is cheap because they only read what is on screen.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import QWidget


class CrmChange(enum.Flag):
    """What kind of records an edit touched (combine with |)."""

    COMPANIES = enum.auto()  # companies added, deleted, renamed or retyped
    CONTACTS = enum.auto()  # contacts added, deleted, edited or moved
    TAGS = enum.auto()  # tags created, renamed, merged or deleted
    COMPANY_TAGS = enum.auto()  # tags given to or taken from companies
    MEMBERSHIPS = enum.auto()  # list membership changed as a side effect (Do Not Contact, delete, rules)
    RULES = enum.auto()  # eligibility rules (role-address list) changed


@dataclass(frozen=True)
class CrmChangeEvent:
    """What the `changed` signal carries; empty id tuples mean "possibly any"."""

    kinds: CrmChange
    company_ids: tuple[int, ...] = ()
    contact_ids: tuple[int, ...] = ()

    def touches(self, kinds: CrmChange) -> bool:
        return bool(self.kinds & kinds)


class CrmEvents(QObject):
    """The hub; the app creates one and hands it to every widget that edits or shows CRM data."""

    changed = Signal(object)  # CrmChangeEvent

    def emit(
        self,
        kinds: CrmChange,
        *,
        company_ids: tuple[int, ...] | list[int] = (),
        contact_ids: tuple[int, ...] | list[int] = (),
    ) -> None:
        self.changed.emit(CrmChangeEvent(kinds, tuple(company_ids), tuple(contact_ids)))


class ReloadWhenShown(QObject):
    """Connects a view that only knows `reload()` (e.g. the Manage Email Lists tab) to the hub.

    A visible view reloads at once; a hidden one (another tab is in front) is only marked stale and
    reloads when it is shown, so a burst of edits in the Companies tab costs one reload, not one each.
    """

    def __init__(self, widget: QWidget, reload: Callable[[], None], events: CrmEvents) -> None:
        super().__init__(widget)
        self._widget = widget
        self._reload = reload
        self.stale = False
        events.changed.connect(self._on_changed)
        widget.installEventFilter(self)

    def _on_changed(self, _event: CrmChangeEvent) -> None:
        if self._widget.isVisible():
            self.stale = False
            self._reload()
        else:
            self.stale = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if watched is self._widget and event.type() == QEvent.Type.Show and self.stale:
            self.stale = False
            self._reload()
        return False
