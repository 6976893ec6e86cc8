"""Undoable CRM edits (Ctrl+Z) on a QUndoStack: tag assignment, Do Not Contact, tag renames, moves.

Each command is built *after* its edit succeeded, from what the crm service reported it changed, so that
undo reverts exactly that (un-assigning a tag leaves companies that had it before alone; clearing Do Not
Contact puts the contact back into the lists it left). Failures of the edit itself therefore surface as a
`CrmError` before anything is pushed; failures during undo/redo (a record deleted meanwhile) are reported
through `CrmUndoStack.failed` instead of escaping from Qt's virtual call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from ctctdesk.crm import contacts, editing, lists
from ctctdesk.crm.errors import CrmError
from ctctdesk.ui.crm_events import CrmChange, CrmEvents

log = logging.getLogger(__name__)


def redo_keys() -> list[QKeySequence]:
    """Ctrl+Shift+Z everywhere, and the platform's own Redo key (e.g. Ctrl+Y) as well. (A function: the
    platform's keys can only be asked once the application exists.)"""
    return list(
        dict.fromkeys([QKeySequence("Ctrl+Shift+Z"), *QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)])
    )


#: Marks the pair `add_undo_shortcuts` gave a tab or page, so the window's own pair can quiet them.
OWN_PAIR = "ctctdeskOwnUndoPair"


def add_undo_shortcuts(widget: QWidget, stack: QUndoStack) -> tuple[QAction, QAction]:
    """Ctrl+Z / Ctrl+Shift+Z on `widget` and its children, for a tab or page shown on its own. In the main
    window, `use_window_undo` takes the keys over for the whole window and quiets these pairs."""
    undo = stack.createUndoAction(widget, "Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = stack.createRedoAction(widget, "Redo")
    redo.setShortcuts(redo_keys())
    for action in (undo, redo):
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.setProperty(OWN_PAIR, True)
        widget.addAction(action)
    return undo, redo


def use_window_undo(window: QWidget, undo: QAction, redo: QAction) -> None:
    """Ctrl+Z / Ctrl+Shift+Z from every tab of `window`, through `undo` and `redo` (the Edit menu's).

    The keys of the tabs' and pages' own pairs are cleared (their actions still work when triggered):
    two shortcuts on the same keys in one window would be ambiguous, and Qt fires neither. A text field
    being edited keeps its own undo: Qt offers it the keys first (ShortcutOverride) and an editable field
    takes them, so a window-wide shortcut never reaches past it."""
    for action in window.findChildren(QAction):
        if action.property(OWN_PAIR):
            action.setShortcuts([])
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo.setShortcuts(redo_keys())
    for action in (undo, redo):
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        window.addAction(action)  # fires while the menu is closed


class CrmUndoStack(QUndoStack):
    """The undo stack shared by the Companies tab and the Settings pages."""

    failed = Signal(str)  # user-facing message when an undo/redo could not be applied

    def __init__(self, events: CrmEvents, parent=None) -> None:
        super().__init__(parent)
        self.events = events


class _DoneCommand(QUndoCommand):
    """A command whose edit was already applied when it is pushed."""

    def __init__(self, stack: CrmUndoStack, text: str) -> None:
        super().__init__(text)
        self._stack = stack
        self._applied = True

    def _run(self, action: Callable[[], None]) -> None:
        try:
            action()
        except CrmError as error:
            log.warning("undo/redo of %r failed: %s", self.text(), error)
            self._stack.failed.emit(f"Could not {self.text().lower()}: {error}")

    def redo(self) -> None:  # noqa: D401 - Qt override
        if self._applied:
            self._applied = False  # the edit itself did the first redo
            return
        self._run(self.apply)

    def undo(self) -> None:
        self._run(self.revert)

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class TagAssignmentCommand(_DoneCommand):
    """A tag given to (or taken from) the companies whose ids the crm service reported."""

    def __init__(
        self, stack: CrmUndoStack, tag_id: int, tag_name: str, company_ids: list[int], assigned: bool
    ):
        verb = "Add" if assigned else "Remove"
        n = len(company_ids)
        super().__init__(
            stack,
            f"{verb} tag “{tag_name}” {'to' if assigned else 'from'} {n} compan{'y' if n == 1 else 'ies'}",
        )
        self.tag_id = tag_id
        self.company_ids = company_ids
        self.assigned = assigned

    def _set(self, assign: bool) -> None:
        if assign:
            editing.assign_tag(self.tag_id, self.company_ids)
        else:
            editing.remove_tag(self.tag_id, self.company_ids)
        self._stack.events.emit(CrmChange.COMPANY_TAGS, company_ids=self.company_ids)

    def apply(self) -> None:
        self._set(self.assigned)

    def revert(self) -> None:
        self._set(not self.assigned)


class DoNotContactCommand(_DoneCommand):
    """Do Not Contact set or cleared; undoing a set also puts back the list memberships it removed."""

    def __init__(
        self,
        stack: CrmUndoStack,
        contact_ids: list[int],
        flag: bool,
        removed_memberships: list[tuple[int, int]],
        label: str,
    ):
        super().__init__(stack, f"{'Set' if flag else 'Clear'} Do Not Contact for {label}")
        self.contact_ids = contact_ids
        self.flag = flag
        self.removed_memberships = removed_memberships

    def _emit(self) -> None:
        self._stack.events.emit(CrmChange.CONTACTS | CrmChange.MEMBERSHIPS, contact_ids=self.contact_ids)

    def apply(self) -> None:
        contacts.set_do_not_contact(self.contact_ids, self.flag)
        self._emit()

    def revert(self) -> None:
        contacts.set_do_not_contact(self.contact_ids, not self.flag)
        if self.flag:
            editing.restore_memberships(self.removed_memberships)
        self._emit()


class RenameTagCommand(_DoneCommand):
    def __init__(self, stack: CrmUndoStack, tag_id: int, old_name: str, new_name: str):
        super().__init__(stack, f"Rename tag “{old_name}” to “{new_name}”")
        self.tag_id, self.old_name, self.new_name = tag_id, old_name, new_name

    def apply(self) -> None:
        editing.rename_tag(self.tag_id, self.new_name)
        self._stack.events.emit(CrmChange.TAGS)

    def revert(self) -> None:
        editing.rename_tag(self.tag_id, self.old_name)
        self._stack.events.emit(CrmChange.TAGS)


class MoveContactsCommand(_DoneCommand):
    def __init__(self, stack: CrmUndoStack, previous: dict[int, int], company_id: int, company_name: str):
        n = len(previous)
        super().__init__(stack, f"Move {n} contact{'s' if n != 1 else ''} to {company_name}")
        self.previous, self.company_id = previous, company_id

    def _emit(self) -> None:
        companies = {self.company_id, *self.previous.values()}
        self._stack.events.emit(
            CrmChange.CONTACTS,
            company_ids=sorted(companies),
            contact_ids=list(self.previous),
        )

    def apply(self) -> None:
        editing.move_contacts(list(self.previous), self.company_id)
        self._emit()

    def revert(self) -> None:
        by_company: dict[int, list[int]] = {}
        for contact_id, company_id in self.previous.items():
            by_company.setdefault(company_id, []).append(contact_id)
        for company_id, ids in by_company.items():
            editing.move_contacts(ids, company_id)
        self._emit()


class MembershipCommand(_DoneCommand):
    """Contacts ticked into (or unticked out of) one email list — one click or a whole Select All."""

    def __init__(
        self, stack: CrmUndoStack, list_id: int, list_name: str, contact_ids: list[int], ticked: bool
    ) -> None:
        n = len(contact_ids)
        who = f"{n:,} contact{'s' if n != 1 else ''}"
        text = f"Tick {who} in “{list_name}”" if ticked else f"Untick {who} in “{list_name}”"
        super().__init__(stack, text)
        self.list_id = list_id
        self.contact_ids = contact_ids
        self.ticked = ticked

    def _set(self, ticked: bool) -> None:
        if ticked:
            lists.add_members(self.list_id, self.contact_ids)
        else:
            lists.remove_members(self.list_id, self.contact_ids)
        self._stack.events.emit(CrmChange.MEMBERSHIPS, contact_ids=self.contact_ids)

    def apply(self) -> None:
        self._set(self.ticked)

    def revert(self) -> None:
        self._set(not self.ticked)
