"""Table models of the Companies tab and the Marketing Tags page (QAbstractTableModel, no SQL here).

The companies model holds only the ordered ids of the matching companies (one indexed query through
`crm.editing.company_ids`) and fetches the rows on screen in pages, so 20,000 companies with 100,000
contacts load as fast as 200.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ctctdesk.crm import editing
from ctctdesk.crm.editing import CompanyFilter, CompanyRow, ContactSummary, TagSummary

_Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: these models are flat tables
_PAGE = 200
_CACHED_PAGES = 20
_MUTED = QColor(110, 110, 110)


def _type_text(company_type: str) -> str:
    return company_type.capitalize()


class CompanyTableModel(QAbstractTableModel):
    """Companies matching a filter: Name, Type, Marketing tags, Contacts (count)."""

    HEADERS = ("Company", "Type", "Marketing tags", "Contacts", "Phone")
    ID_ROLE = Qt.ItemDataRole.UserRole + 1

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._filter = CompanyFilter()
        self._ids: list[int] = []
        self._row_by_id: dict[int, int] | None = None
        self._pages: OrderedDict[int, list[CompanyRow]] = OrderedDict()

    # --- loading ---
    def set_filter(self, company_filter: CompanyFilter) -> None:
        """Show the companies matching `company_filter`, in the order of the last header click."""
        self._filter = dataclasses.replace(company_filter, sort=self._filter.sort, descending=self._filter.descending)
        self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A click on a column header: the database sorts."""
        key = editing.COMPANY_SORT_KEYS[column]
        descending = order == Qt.SortOrder.DescendingOrder
        if (key, descending) != (self._filter.sort, self._filter.descending):
            self._filter = dataclasses.replace(self._filter, sort=key, descending=descending)
            self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._ids = editing.company_ids(self._filter)
        self._row_by_id = None
        self._pages.clear()
        self.endResetModel()

    def refresh_rows(self) -> None:
        """Re-read the visible rows (names, tags, counts) without changing which companies are listed."""
        self._pages.clear()
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, len(self.HEADERS) - 1))

    def refresh_companies(self, company_ids: tuple[int, ...] | list[int]) -> None:
        """Re-read only these companies (their pages are fetched again when next painted)."""
        rows = sorted(r for r in (self.row_of(cid) for cid in company_ids) if r >= 0)
        for page in {row // _PAGE for row in rows}:
            self._pages.pop(page, None)
        if rows:  # one signal for the span: a thousand single-row signals cost more than one repaint
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], len(self.HEADERS) - 1))

    def _row(self, row: int) -> CompanyRow | None:
        page = row // _PAGE
        rows = self._pages.get(page)
        if rows is None:
            ids = self._ids[page * _PAGE : (page + 1) * _PAGE]
            fetched = {r.id: r for r in editing.company_rows(ids)}
            rows = [fetched.get(cid) for cid in ids]  # None = deleted meanwhile
            self._pages[page] = rows
            while len(self._pages) > _CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        return rows[row - page * _PAGE]

    # --- lookups ---
    def company_id(self, row: int) -> int:
        return self._ids[row]

    def row_of(self, company_id: int) -> int:
        if self._row_by_id is None:
            self._row_by_id = {cid: row for row, cid in enumerate(self._ids)}
        return self._row_by_id.get(company_id, -1)

    def company_row(self, row: int) -> CompanyRow | None:
        return self._row(row)

    # --- Qt interface ---
    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if role == self.ID_ROLE:
            return self._ids[index.row()]
        row = self._row(index.row())
        if row is None:
            return "(deleted)" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.name, _type_text(row.type), ", ".join(row.tags), row.contact_count, row.phone)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and row.tags:
            return "\n".join(row.tags)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class _RowsModel(QAbstractTableModel):
    """A flat table over a list of rows held in memory (each with an ``id``), headed by ``HEADERS``.

    The contacts of one company and the tag list are small, so they are read whole; the subclasses only
    say how to load their rows and how to show a cell.
    """

    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list = []

    def row_of(self, row_id: int) -> int:
        for number, item in enumerate(self._rows):
            if item.id == row_id:
                return number
        return -1

    def rowCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class ContactTableModel(_RowsModel):
    """The contacts of one company: Name, Job title, Email, Phone, Can be in lists."""

    HEADERS = ("Name", "Job title", "Email", "Phone", "Email lists")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._company_id: int | None = None
        self._rows: list[ContactSummary] = []

    @property
    def company_id(self) -> int | None:
        return self._company_id

    def set_company(self, company_id: int | None) -> None:
        self._company_id = company_id
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = editing.company_contacts(self._company_id) if self._company_id is not None else []
        self.endResetModel()

    def contact(self, row: int) -> ContactSummary:
        return self._rows[row]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        contact = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            eligibility = "Can be added" if contact.reason is None else contact.reason.text
            return (contact.name, contact.job_title, contact.email, contact.phone, eligibility)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 4:
            if contact.reason is None:
                return "Can be ticked in email lists"
            return f"Cannot be in email lists: {contact.reason.text}"
        if role == Qt.ItemDataRole.ForegroundRole and column == 4 and contact.reason is not None:
            return QBrush(_MUTED)
        return None


class TagTableModel(_RowsModel):
    """Marketing tags with how many companies carry each."""

    HEADERS = ("Marketing tag", "Companies")

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = editing.tag_summaries()
        self.endResetModel()

    def tag(self, row: int) -> TagSummary:
        return self._rows[row]

    def tags(self) -> list[TagSummary]:
        return list(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        tag = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (tag.name, tag.company_count)[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
