"""One table model for every declared queue: pages appended by keyset as the user scrolls.

The model never holds the whole result: it asks for the next page after the last (sort value, id)
it has (``session.call("queues.page", …)``, in-process or on the server: the rows as values with
the flags computed where the data is, ``app.remote.views.QueuePage``), when Qt calls ``fetchMore``
(on scroll). Sorting and searching start again from the database; no widget builds SQL.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from app.i18n import _
from app.queries.paging import PageRequest, Queue
from ui.format import NUMERIC_KINDS, row_cell_text
from ui.session import Session

FLAG_BACKGROUND = {"overdue": QColor("#fde2e1"), "warning": QColor("#fff4d6")}
FLAG_FOREGROUND = {"done": QColor("#7a7a7a")}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class QueueModel(QAbstractTableModel):
    load_failed = Signal(str)
    reloaded = Signal()

    @staticmethod
    def first_request(queue: Queue, page_size: int) -> PageRequest:
        """What a fresh model asks first (its state below): the queue's default sort, no
        search, no filter — the main window asks it ahead, with its own first call."""
        return PageRequest(queue.sort, "", {}, None, page_size)

    def __init__(self, session: Session, queue: Queue, page_size: int = 100, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.queue = queue
        self.page_size = page_size
        self.search = ""
        self.filters: dict[str, Any] = {}
        self.sort_key: tuple[str, bool] = queue.sort
        self._rows: list[Any] = []
        self._cells: list[list[str]] = []
        self._flags: list[str | None] = []
        self._after: tuple[Any, int] | None = None
        self._exhausted = False
        self._failed = False

    # -- what the view asks ---------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.queue.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return _(self.queue.columns[section].title)
        if role == Qt.ItemDataRole.ToolTipRole and self.queue.columns[section].sortable:
            return _("Click to sort")
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[r][c]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self.queue.columns[c].kind in NUMERIC_KINDS else _LEFT
        if role == Qt.ItemDataRole.BackgroundRole:
            color = FLAG_BACKGROUND.get(self._flags[r] or "")
            return QBrush(color) if color else None
        if role == Qt.ItemDataRole.ForegroundRole:
            color = FLAG_FOREGROUND.get(self._flags[r] or "")
            return QBrush(color) if color else None
        if role == Qt.ItemDataRole.UserRole:
            return self._rows[r].id
        return None

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._failed

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:
        if parent.isValid() or self._exhausted:
            return
        page = self._load(self._after, self.page_size)
        if page is None:
            return
        if page.values:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page.values) - 1)  # last is inclusive
            self._append(page)
            self.endInsertRows()
        self._after, self._exhausted = page.last_key, page.exhausted

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.queue.columns) or not self.queue.columns[column].sortable:
            return
        key = (self.queue.columns[column].key, order == Qt.SortOrder.DescendingOrder)
        if key == self.sort_key:
            return
        self.sort_key = key
        self.reload(keep_loaded=False)

    # -- what screens do -------------------------------------------------------------------------
    def request(self, after: tuple[Any, int] | None = None, limit: int | None = None) -> PageRequest:
        return PageRequest(self.sort_key, self.search, dict(self.filters), after, limit or self.page_size)

    def set_search(self, text: str) -> None:
        if text != self.search:
            self.search = text
            self.reload(keep_loaded=False)

    def set_filter(self, key: str, value: Any) -> None:
        if self.filters.get(key) != value:
            self.filters[key] = value
            self.reload(keep_loaded=False)

    def reload(self, keep_loaded: bool = True) -> None:
        """Read again from the first row; after a change elsewhere, as many rows as were shown
        (up to 1,000) so the user keeps their place."""
        want = min(max(len(self._rows), self.page_size), 1000) if keep_loaded else self.page_size
        self.show_page(self._load(None, want))

    def show_page(self, page) -> None:
        """Show ``page`` (a ``QueuePage`` from the first row, or None: it could not be read)."""
        self.beginResetModel()
        self._rows, self._cells, self._flags = [], [], []
        if page is not None:
            self._append(page)
            self._after, self._exhausted = page.last_key, page.exhausted
        else:
            self._after, self._exhausted = None, True
        self.endResetModel()
        self.reloaded.emit()

    def row_id(self, row: int) -> int | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, row_id: int) -> int:
        for i, r in enumerate(self._rows):
            if r.id == row_id:
                return i
        return -1

    def raw_row(self, row: int) -> Any:
        return self._rows[row]

    def cells(self, row: int) -> list[str]:
        return self._cells[row]

    def flag(self, row: int) -> str | None:
        return self._flags[row]

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    # -- inside ----------------------------------------------------------------------------------
    def _load(self, after, limit):
        try:
            page = self.session.call("queues.page", self.queue.name, self.request(after, limit))
            self._failed = False
            return page
        except Exception as exc:  # server unreachable, permission changed…: say so, keep going
            self.failed(exc)
            return None

    def failed(self, exc: BaseException) -> None:
        self._failed = True
        self.load_failed.emit(str(exc))

    def _append(self, page) -> None:
        """The page's rows (objects with one attribute per column of the queue's select) and the
        flags the data side computed for them at its own "now"."""
        columns = self.queue.columns
        for row, flag in zip(page.rows, page.flags):
            self._rows.append(row)
            self._cells.append([row_cell_text(c, row) for c in columns])
            self._flags.append(flag)
