"""Table models of the Manage Email Lists tab: the contacts (with a tick per row) and the lists.

`ContactsModel` never holds 100,000 rows in memory: filtering and counting happen in SQL
(`crm.contacts.FilteredContacts`), and the model loads the rows the view actually paints, a page of 200
at a time, into a small LRU cache. The member ids of the selected list are kept as a set so that ticks
show without a query per row. Each tick is written at once through `crm.lists` (L5). Rows changed by
another desk or a sync appear after `reload()`.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QStyle

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.contacts import ContactFilter, ContactRow, ContactSort
from ctctdesk.crm.errors import CrmError
from ctctdesk.crm.lists import ListSummary
from ctctdesk.sync.lists_backup import linked_list_ids
from ctctdesk.sync.store import linked_contact_ids

Index = QModelIndex | QPersistentModelIndex

BLOCK_SIZE = 200
CACHED_BLOCKS = 40  # at most 8,000 rows in memory

TYPE_TEXT = {"customer": "Customer", "prospect": "Prospect"}
STATUS_TEXT = {
    "subscribed": "Subscribed",
    "unsubscribed": "Unsubscribed",
    "bounced": "Bounced / on hold",
    "unknown": "Not synced yet",
}

LINKED_LIST_TIP = "Linked to Constant Contact: changes go there at the next update"
ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the ContactRow of a row, for tests and scripts
# the columns of ContactsModel (TICK, NAME, …) and how the database sorts by each
SORT_KEY_OF_COLUMN = dict(enumerate(contacts.CONTACT_SORT_KEYS))


def _with_sync_status(row: ContactRow, linked: set[int]) -> ContactRow:
    """A contact ctctdesk has put in (or found in) Constant Contact is no longer "Not synced yet": the
    CRM keeps "unknown" until Constant Contact says otherwise, and it says unsubscribed or bounced (those
    reach the CRM with a pull) or nothing — the contact is subscribed there."""
    if row.email_status == "unknown" and row.id in linked:
        return dataclasses.replace(row, email_status="subscribed")
    return row


class ContactsModel(QAbstractTableModel):
    TICK, NAME, COMPANY, TYPE, EMAIL, TAGS, STATUS = range(7)
    HEADERS = ("In list", "Name", "Company", "Type", "Email", "Tags", "Status")

    #: (list id, change in member count) after ticks written by this model
    membershipChanged = Signal(int, int)  # noqa: N815 (Qt naming)
    contactTicked = Signal(int, int, bool)  # noqa: N815 (list id, contact id, ticked): one tick, for undo
    #: a user-facing message when a write was refused
    errorOccurred = Signal(str)  # noqa: N815

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._found: contacts.FilteredContacts | None = None
        self._total = 0
        self._members: set[int] = set()  # members of the bound list (all, not only the visible ones)
        self._blocks: OrderedDict[int, list[ContactRow | None]] = OrderedDict()
        self._filter = ContactFilter()
        self._list_id: int | None = None
        self._sort_column = self.NAME
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._bold = QFont()
        self._bold.setBold(True)

    # --- what is shown ----------------------------------------------------------------------------------

    @property
    def contact_filter(self) -> ContactFilter:
        return self._filter

    @property
    def list_id(self) -> int | None:
        return self._list_id

    @property
    def eligible_count(self) -> int:
        """How many of the shown contacts may be in lists."""
        return self._found.eligible if self._found else 0

    def visible_member_count(self) -> int:
        """How many of the shown contacts are in the bound list."""
        if self._found is None or self._list_id is None:
            return 0
        if self._filter == ContactFilter():
            return len(self._members)  # everyone is shown
        if self._found.all_ids is not None:  # a search: few ids, all in memory
            return len(self._members.intersection(self._found.all_ids))
        if self._found.members is None:
            self._found.members = self._found.count_members(self._list_id)
        return self._found.members

    def set_filter(self, contact_filter: ContactFilter) -> None:
        """Run the filter in the database and show its result from the first row."""
        # Members among the shown rows: the whole member set when everyone is shown, the in-memory ids of
        # a search, else counted by the database together with the other counts.
        in_memory = contact_filter == ContactFilter() or bool(contact_filter.search.strip())
        found = contacts.FilteredContacts(
            contact_filter, None if in_memory else self._list_id, self._sort_spec()
        )
        self.beginResetModel()
        self._filter = contact_filter
        self._found = found
        self._total = found.total
        self._blocks.clear()
        self.endResetModel()

    def reload(self) -> None:
        self.set_filter(self._filter)

    def _sort_spec(self) -> ContactSort:
        key = SORT_KEY_OF_COLUMN[self._sort_column]
        return ContactSort(key, self._sort_order == Qt.SortOrder.DescendingOrder, self._list_id)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A click on a column header: the database sorts, and the table shows the result from the top."""
        if column not in SORT_KEY_OF_COLUMN or (column, order) == (self._sort_column, self._sort_order):
            return
        self._sort_column, self._sort_order = column, order
        if self._found is not None:
            self.reload()

    def set_list(self, list_id: int | None) -> None:
        """Bind the tick column to another list (or none)."""
        self._list_id = list_id
        if self._sort_column == self.TICK and self._found is not None:
            self.reload()  # members of the new list come first
        self.refresh_ticks()

    def refresh_ticks(self) -> None:
        """Re-read the members after a bulk change (Select All); only painted rows are reloaded."""
        self._members = lists.member_ids(self._list_id) if self._list_id is not None else set()
        if self._found is not None:
            self._found.members = None  # recounted when asked
        self._blocks.clear()
        if self._total:
            self.dataChanged.emit(self.index(0, 0), self.index(self._total - 1, len(self.HEADERS) - 1))

    def contact_row(self, row: int) -> ContactRow | None:
        if not 0 <= row < self._total or self._found is None:
            return None
        block_number = row // BLOCK_SIZE
        block = self._blocks.get(block_number)
        if block is None:
            block_ids = self._found.page(block_number * BLOCK_SIZE, BLOCK_SIZE)
            linked = linked_contact_ids(block_ids)
            loaded = {r.id: _with_sync_status(r, linked)
                      for r in contacts.rows(block_ids, self._list_id, self._members)}
            block = [loaded.get(contact_id) for contact_id in block_ids]
            self._blocks[block_number] = block
            while len(self._blocks) > CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(block_number)
        offset = row % BLOCK_SIZE
        return block[offset] if offset < len(block) else None

    # --- Qt model interface -----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == self.TICK:
            return "Ticked contacts are members of the selected list (saved at once)"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if index.column() == self.TICK:
            row = self.contact_row(index.row())
            if row is None or self._list_id is None or not row.eligible:
                return Qt.ItemFlag.ItemIsSelectable  # shown greyed, cannot be ticked (L6)
            return base | Qt.ItemFlag.ItemIsUserCheckable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.contact_row(index.row())
        if row is None:
            return (
                "(deleted)" if role == Qt.ItemDataRole.DisplayRole and index.column() == self.NAME else None
            )
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.CheckStateRole and column == self.TICK:
            if self._list_id is None:
                return None
            return Qt.CheckState.Checked if row.is_member else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and column == self.NAME and row.reason is not None:
            # why the row is grey, visible without scrolling to the Status column (tooltip: the words)
            return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.reason is not None:
                return f"Cannot be in an email list: {row.reason.text}. {row.reason.explanation}"
            if column == self.TAGS and row.tags:
                return ", ".join(row.tags)
            return None
        if role == Qt.ItemDataRole.ForegroundRole and row.reason is not None:
            if column == self.STATUS:
                return QBrush(QColor(160, 60, 20))
            return QApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        if role == ROW_ROLE:
            return row
        return None

    def _display(self, row: ContactRow, column: int) -> str | None:
        if column == self.NAME:
            return row.name
        if column == self.COMPANY:
            return row.company
        if column == self.TYPE:
            return TYPE_TEXT.get(row.company_type, row.company_type)
        if column == self.EMAIL:
            return row.email
        if column == self.TAGS:
            return ", ".join(row.tags)
        if column == self.STATUS:
            return (
                row.reason.text
                if row.reason is not None
                else STATUS_TEXT.get(row.email_status, row.email_status)
            )
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() != self.TICK or role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = Qt.CheckState(value) == Qt.CheckState.Checked if not isinstance(value, bool) else value
        return self.set_ticked(index.row(), checked)

    # --- ticking ----------------------------------------------------------------------------------------

    def toggle(self, row: int) -> bool:
        contact = self.contact_row(row)
        return contact is not None and self.set_ticked(row, not contact.is_member)

    def set_ticked(self, row: int, ticked: bool) -> bool:
        """Write one tick to the database (L5); refused for ineligible rows (L6). True when it changed."""
        contact = self.contact_row(row)
        if contact is None or self._list_id is None or contact.is_member == ticked:
            return False
        if ticked and not contact.eligible:
            assert contact.reason is not None
            self.errorOccurred.emit(
                f"{contact.name or contact.email} cannot be in a list: {contact.reason.text}."
            )
            return False
        try:
            lists.set_member(self._list_id, contact.id, ticked)
        except CrmError as error:
            self.errorOccurred.emit(str(error))
            return False
        self._blocks[row // BLOCK_SIZE][row % BLOCK_SIZE] = dataclasses.replace(contact, is_member=ticked)
        if ticked:
            self._members.add(contact.id)
        else:
            self._members.discard(contact.id)
        if self._found is not None and self._found.members is not None:
            self._found.members += 1 if ticked else -1
        tick_index = self.index(row, self.TICK)
        self.dataChanged.emit(tick_index, tick_index, [Qt.ItemDataRole.CheckStateRole])
        self.membershipChanged.emit(self._list_id, 1 if ticked else -1)
        self.contactTicked.emit(self._list_id, contact.id, ticked)
        return True


class ListsModel(QAbstractTableModel):
    """The email lists with their member counts (L1); the name is edited in place to rename."""

    NAME, MEMBERS = range(2)
    HEADERS = ("List", "Members")
    errorOccurred = Signal(str)  # noqa: N815
    renamed = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lists: list[ListSummary] = []
        self._linked: set[int] = set()
        self.service_name: Callable[[], str] = lambda: "Constant Contact"  # named in the linked tooltip

    def reload(self) -> None:
        self.beginResetModel()
        self._lists = lists.list_summaries()
        self._linked = linked_list_ids()
        self.endResetModel()

    def is_linked(self, list_id: int) -> bool:
        """True when the list is linked to a Constant Contact list (deleting it deletes it there too)."""
        return list_id in self._linked

    def summary(self, row: int) -> ListSummary | None:
        return self._lists[row] if 0 <= row < len(self._lists) else None

    def row_of_list(self, list_id: int) -> int:
        return next((i for i, s in enumerate(self._lists) if s.id == list_id), -1)

    def adjust_count(self, list_id: int, delta: int) -> None:
        row = self.row_of_list(list_id)
        if row >= 0:
            summary = self._lists[row]
            self._lists[row] = dataclasses.replace(summary, member_count=summary.member_count + delta)
            self.dataChanged.emit(self.index(row, self.MEMBERS), self.index(row, self.MEMBERS))

    def set_count(self, list_id: int, count: int) -> None:
        row = self.row_of_list(list_id)
        if row >= 0:
            self.adjust_count(list_id, count - self._lists[row].member_count)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._lists)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            if section == self.MEMBERS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
        if index.isValid() and index.column() == self.NAME:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        summary = self.summary(index.row()) if index.isValid() else None
        if summary is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if index.column() == self.NAME:
                return summary.name
            return (
                f"{summary.member_count:,}" if role == Qt.ItemDataRole.DisplayRole else summary.member_count
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == self.MEMBERS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        linked = summary.id in self._linked
        if role == Qt.ItemDataRole.DecorationRole and index.column() == self.NAME and linked:
            return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_DriveNetIcon)
        if role == Qt.ItemDataRole.ToolTipRole:
            parts = [summary.description] if summary.description else []
            if linked:
                parts.append(LINKED_LIST_TIP.replace("Constant Contact", self.service_name()))
            return "\n".join(parts) or None
        if role == ROW_ROLE:
            return summary
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        summary = self.summary(index.row()) if index.isValid() else None
        if summary is None or index.column() != self.NAME or role != Qt.ItemDataRole.EditRole:
            return False
        if str(value).strip() == summary.name:
            return False
        try:
            renamed = lists.rename_list(summary.id, str(value))
        except CrmError as error:
            self.errorOccurred.emit(str(error))
            return False
        self._lists[index.row()] = dataclasses.replace(summary, name=renamed.name)
        self.dataChanged.emit(index, index)
        self.renamed.emit(summary.id)
        return True
