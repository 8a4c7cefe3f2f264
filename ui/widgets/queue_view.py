"""The centre of the main window: one queue as a searchable, filterable, sortable table."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QTableView, QVBoxLayout, QWidget)

from app.i18n import _, fmt_decimal, ngettext
from app.queries.paging import Queue
from ui.background import run_in_background
from ui.common import named
from ui.queues import QueueModel
from ui.session import Session, settings_store


class QueueView(QWidget):
    open_requested = Signal(str, int)      # entity, id
    count_changed = Signal(str, int)       # queue name, total

    def __init__(self, session: Session, queue: Queue, page_size: int, parent: QWidget | None = None,
                 opening=None) -> None:
        super().__init__(parent)
        self.session, self.queue = session, queue
        self.model = QueueModel(session, queue, page_size, self)
        self.model.load_failed.connect(self._on_load_failed)
        self._count_generation = 0

        self.search = named(QLineEdit(), "queue_search", _("Search"))
        self.search.setPlaceholderText(_("Search… (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(lambda: self._apply(lambda: self.model.set_search(self.search.text().strip())))
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self._search_now)

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        self.filter_boxes: dict[str, QComboBox] = {}
        # the filters' choices and the first page in one call (one round trip to a server)
        self._first_page, opening_error = None, None
        try:
            # (the main window's first queue came with the window's own opening call)
            opening = opening or session.call("queues.open", queue.name, self.model.request())
            options, self._first_page = opening.options, opening.page
        except Exception as exc:  # server unreachable, permission changed…: shown once built
            options, opening_error = {}, exc
        for f in queue.filters:
            box = named(QComboBox(), f"queue_filter_{f.key}", _(f.title))
            box.addItem(_("{title}: all").format(title=_(f.title)), None)
            for value, label in options.get(f.key, ()):
                box.addItem(_(label), value)
            box.currentIndexChanged.connect(
                lambda _i, key=f.key, b=box: self._apply(lambda: self.model.set_filter(key, b.currentData())))
            self.filter_boxes[f.key] = box
            top.addWidget(box, 1)
        self.count_label = named(QLabel(""), "queue_count", _("Rows"))
        top.addWidget(self.count_label)

        self.table = named(QTableView(), "queue_table", _(queue.title))
        self.table.setModel(self.model)
        key, desc = queue.sort
        idx = next((i for i, c in enumerate(queue.columns) if c.key == key), -1)
        if idx >= 0:   # before enabling sorting, which sorts by the header's indicator at once
            self.table.horizontalHeader().setSortIndicator(
                idx, Qt.SortOrder.DescendingOrder if desc else Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSortIndicatorShown(True)
        for i, col in enumerate(queue.columns):
            if col.width:
                self.table.setColumnWidth(i, col.width)
        self.table.doubleClicked.connect(self._open_index)
        QShortcut(QKeySequence(Qt.Key.Key_Return), self.table, activated=self.open_current,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Enter), self.table, activated=self.open_current,
                  context=Qt.ShortcutContext.WidgetShortcut)

        self.hint = named(QLabel(_(queue.hint)) if queue.hint else QLabel(""), "queue_hint")
        self.hint.setStyleSheet("color: #555;")
        self.error = named(QLabel(""), "queue_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        self._fitted = self._restore_header()
        # the first page may arrive after load() returns (read in the background): fit then
        self.model.modelReset.connect(lambda: None if self._fitted else self._fit_columns())
        self.model.rowsInserted.connect(lambda *_a: None if self._fitted else self._fit_columns())
        self.table.horizontalHeader().sortIndicatorChanged.connect(lambda *_: self._save_header())
        if opening_error is not None:
            self.model.failed(opening_error)

    # -- loading -----------------------------------------------------------------------------------
    def load(self) -> None:
        first, self._first_page = self._first_page, None
        if first is not None:   # read with the filters' choices when the view was made
            self._apply(lambda: self.model.show_page(first))
        else:
            self._apply(lambda: self.model.reload(keep_loaded=False))

    def refresh(self) -> None:
        """Read again (another desktop changed something), keeping the selected row."""
        selected = self.selected_id()
        self._apply(lambda: self.model.reload(keep_loaded=True))
        if selected is not None:
            self.select_id(selected)

    def _search_now(self) -> None:
        self._debounce.stop()
        self._apply(lambda: self.model.set_search(self.search.text().strip()))

    def _apply(self, change) -> None:
        self.error.hide()
        change()
        if not self._fitted:
            self._fit_columns()
        self.update_count()

    def _fit_columns(self) -> None:
        """On the first page, widen each column to its title and what it shows (capped), so
        nothing is cut beside a column left wide and empty; the user's own widths are kept after."""
        if self.model.rowCount() == 0:
            return
        self._fitted = True
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        metrics = header.fontMetrics()
        for i, col in enumerate(self.queue.columns[:-1]):
            title = self.model.headerData(i, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or ""
            wanted = max(metrics.horizontalAdvance(str(title)) + 28, min(self.table.sizeHintForColumn(i), 320))
            self.table.setColumnWidth(i, max(wanted, 48))
        header.blockSignals(False)

    def update_count(self) -> None:
        """The total runs in the background: on big queues it is the slow part, never the page."""
        self._count_generation += 1
        generation = self._count_generation
        request = self.model.request()
        name, session = self.queue.name, self.session
        if self.model.exhausted:
            self._show_count(self.model.rowCount(), generation)
            return
        self.count_label.setText(_("counting…"))
        run_in_background(self, lambda p: session.call("queues.count", name, request),
                          lambda n: self._show_count(n, generation),
                          on_error=lambda exc: self.count_label.setText(""), show_progress=False)

    def _show_count(self, n: int, generation: int) -> None:
        if generation != self._count_generation:
            return
        self.count_label.setText(ngettext("{n} row", "{n} rows", n).format(n=fmt_decimal(n)))
        self.count_changed.emit(self.queue.name, n)

    def _on_load_failed(self, message: str) -> None:
        self.error.setText(_("Could not read the list: {error}").format(error=message))
        self.error.show()

    # -- selection and opening ----------------------------------------------------------------------
    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_id(rows[0].row()) if rows else None

    def select_id(self, row_id: int) -> None:
        row = self.model.row_of(row_id)
        if row >= 0:
            self.table.selectRow(row)

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._open_index(index)

    def _open_index(self, index: QModelIndex) -> None:
        row_id = self.model.row_id(index.row())
        if row_id is not None:
            self.open_requested.emit(self.queue.entity, row_id)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- remembered layout --------------------------------------------------------------------------
    def _header_key(self) -> str:
        return f"{self.session.prefix()}/header/{self.queue.name}"

    def _save_header(self) -> None:
        settings_store().setValue(self._header_key(), self.table.horizontalHeader().saveState())

    def _restore_header(self) -> bool:
        state = settings_store().value(self._header_key())
        if state is not None:  # widths and order only: the sort starts from the queue's default
            header = self.table.horizontalHeader()
            section, order = header.sortIndicatorSection(), header.sortIndicatorOrder()
            header.restoreState(state)
            header.blockSignals(True)
            header.setSortIndicator(section, order)
            header.blockSignals(False)
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self._save_header())
        return state is not None

    def filter_values(self) -> dict[str, Any]:
        return dict(self.model.filters)
