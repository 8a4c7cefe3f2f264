"""Statistics for managers: the dashboard (figures, charts and the figures behind them) and the
reports (a paged table per report), for a chosen period, with export to Excel.

Everything is read through ``session.call`` ("stats.*", app.remote.views_money) off the UI
thread, in-process or from the application server (an export comes back as the workbook's
bytes and is written here), so the window never freezes: a slow read shows a progress dialog
with Cancel after a moment, and a newer choice of period simply supersedes an older read still
on its way.
"""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCharts import (QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView,
                              QHorizontalBarSeries, QLineSeries, QPieSeries, QStackedBarSeries,
                              QValueAxis)
from PySide6.QtCore import QAbstractTableModel, QDate, QMargins, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from shiboken6 import isValid
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFrame,
                               QGridLayout, QHBoxLayout, QHeaderView, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QScrollArea, QSizePolicy, QSplitter,
                               QTableView, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from app.i18n import N_, _, current_language, fmt_date, fmt_datetime, fmt_decimal, fmt_money
from app.permissions import Perm
from app.progress import Cancelled
from app.remote.views_money import StatsChart, StatsDashboard, StatsPage, StatsReportView
from app.reports.base import NUMERIC_KINDS, Period, percent
from app.reports.export import ExportResult
from ui.background import BackgroundJob, run_in_background
from ui.common import ask_save_path, fit_to_screen, named, report_error
from ui.screens.money_common import call_reporting, write_file
from ui.session import Session

PERIODS = (("this_month", N_("This month")), ("last_month", N_("Last month")),
           ("this_year", N_("This year")), ("custom", N_("Custom period")))
GRAINS = (("auto", N_("Automatic")), ("day", N_("Day")), ("week", N_("Week")), ("month", N_("Month")))
DATE_EDIT_FORMATS = {"vi": "dd/MM/yyyy", "en": "yyyy-MM-dd", "zh_CN": "yyyy/MM/dd"}
BLUE, ORANGE, GREEN = QColor("#1f6fb2"), QColor("#f28e2b"), QColor("#2e8b57")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def cell_text(kind: str, value: Any) -> str:
    """A report value as the tables show it: money, numbers, percentages and dates per locale."""
    if value is None or value == "":
        return ""
    if kind in ("money_vnd", "money_cny"):
        return fmt_money(value)
    if kind == "percent":
        return fmt_decimal(value, digits=2) + " %"
    if kind == "int":
        return fmt_decimal(value)
    if kind == "decimal":
        digits = max(0, -value.as_tuple().exponent) if isinstance(value, Decimal) else None
        return fmt_decimal(value, digits=digits)
    if kind == "date":
        return fmt_date(value)
    if kind == "datetime":
        return fmt_datetime(value)
    return str(value)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


# -- the period chooser ----------------------------------------------------------------------------

class PeriodBar(QWidget):
    """This month / last month / this year / from–to, and how to group the time charts."""

    changed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None, now: datetime | None = None) -> None:
        super().__init__(parent)
        self.session = session
        #: the server's "now" when the window opened: "this month" is the company's month
        self.now = now or datetime.now(timezone.utc)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel(_("Period:")))
        self.choice = named(QComboBox(), "stats_period", _("Period"))
        for key, label in PERIODS:
            self.choice.addItem(_(label), key)
        row.addWidget(self.choice)
        row.addWidget(QLabel(_("From")))
        self.start = named(QDateEdit(), "stats_from", _("From"))
        row.addWidget(self.start)
        row.addWidget(QLabel(_("To")))
        self.end = named(QDateEdit(), "stats_to", _("To"))
        row.addWidget(self.end)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(DATE_EDIT_FORMATS.get(current_language(), "yyyy-MM-dd"))
            edit.dateChanged.connect(self._dates_edited)
        row.addSpacing(12)
        row.addWidget(QLabel(_("Group by:")))
        self.grain = named(QComboBox(), "stats_granularity", _("Group by"))
        for key, label in GRAINS:
            self.grain.addItem(_(label), key)
        row.addWidget(self.grain)
        self.refresh = named(QPushButton(_("Refresh")), "stats_refresh")
        row.addWidget(self.refresh)
        self.error = named(QLabel(""), "stats_period_error")
        self.error.setStyleSheet("color: #b3261e;")
        row.addWidget(self.error, 1)
        self._debounce = QTimer(self, singleShot=True, interval=400)
        self._debounce.timeout.connect(self._emit)
        self.choice.currentIndexChanged.connect(self._chosen)
        self.grain.currentIndexChanged.connect(lambda _i: self._emit())
        self.refresh.clicked.connect(self._emit)
        self._set_dates(self._preset("this_month"))

    def _preset(self, key: str) -> Period:
        now = self.now
        return {"this_month": Period.this_month, "last_month": Period.last_month,
                "this_year": Period.this_year}[key](now)

    def _set_dates(self, period: Period) -> None:
        for edit, day in ((self.start, period.start), (self.end, period.end)):
            edit.blockSignals(True)
            edit.setDate(_qdate(day))
            edit.blockSignals(False)

    def _chosen(self, _index: int) -> None:
        key = self.choice.currentData()
        if key != "custom":
            self._set_dates(self._preset(key))
        self._emit()

    def _dates_edited(self, _d: QDate) -> None:
        custom = self.choice.findData("custom")
        if self.choice.currentIndex() != custom:
            self.choice.blockSignals(True)
            self.choice.setCurrentIndex(custom)
            self.choice.blockSignals(False)
        self._debounce.start()

    def _emit(self) -> None:
        self._debounce.stop()
        if self.period() is None:
            return
        self.changed.emit()

    def period(self) -> Period | None:
        start, end = self.start.date().toPython(), self.end.date().toPython()
        if end < start:
            self.error.setText(_("The period ends before it starts: choose a “to” date on or after the “from” date."))
            return None
        self.error.setText("")
        return Period(start, end)

    def by(self) -> str:
        return self.grain.currentData()


# -- charts ------------------------------------------------------------------------------------------

def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont()
    font.setPointSize(11)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    chart.setMargins(QMargins(4, 4, 4, 4))
    return chart


def _value_axis(maximum: float) -> QValueAxis:
    axis = QValueAxis()
    axis.setLabelFormat("%d")
    axis.setRange(0, max(4, maximum))
    axis.applyNiceNumbers()
    axis.setMinorTickCount(0)
    return axis


def _bucket_label(day: date, grain: str) -> str:
    if grain == "month":
        return f"{day.month:02d}/{day.year}"
    if current_language() == "vi":
        return f"{day.day:02d}/{day.month:02d}"
    return f"{day.month:02d}-{day.day:02d}"


def volumes_chart(data: StatsChart, grain: str) -> QChart:
    """Orders created per bucket (purchase and consignment stacked) and orders received (a line)."""
    chart = _chart(_("Orders over time"))
    keys = [c.key for c in data.columns]
    col = {k: keys.index(k) for k in ("bucket", "purchase", "consignment", "received")}
    purchase, consignment = QBarSet(_("Purchase orders")), QBarSet(_("Consignment orders"))
    purchase.setColor(BLUE)
    consignment.setColor(ORANGE)
    received = QLineSeries()
    received.setName(_("Received"))
    received.setPen(QPen(GREEN, 2.5))
    received.setPointsVisible(True)
    categories, peak = [], 0
    for i, row in enumerate(data.rows):
        categories.append(_bucket_label(row[col["bucket"]], grain))
        purchase.append(row[col["purchase"]])
        consignment.append(row[col["consignment"]])
        received.append(i, row[col["received"]])
        peak = max(peak, row[col["purchase"]] + row[col["consignment"]], row[col["received"]])
    bars = QStackedBarSeries()
    bars.append(purchase)
    bars.append(consignment)
    chart.addSeries(bars)
    chart.addSeries(received)
    x = QBarCategoryAxis()
    x.append(categories)
    x.setTruncateLabels(False)   # "05/11" read whole, or not at all: "…/11" tells nothing
    if len(categories) > 16:
        x.setLabelsAngle(-90)
        small = QFont()
        small.setPointSize(7)
        x.setLabelsFont(small)
    y = _value_axis(peak)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    for series in (bars, received):
        series.attachAxis(x)
        series.attachAxis(y)
    return chart


def funnel_chart(data: StatsChart, kind_label: str) -> QChart:
    """How many orders of one type reached each step: a bar per step, the first at the top."""
    chart = _chart(_("Status funnel — {kind}").format(kind=kind_label))
    rows = [r for r in data.rows if r[0] == kind_label]
    reached = QBarSet(_("Orders"))
    reached.setColor(BLUE)
    reached.setLabelColor(QColor("#222222"))
    for r in reversed(rows):
        reached.append(r[2])
    series = QHorizontalBarSeries()
    series.append(reached)
    series.setLabelsVisible(True)
    series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
    series.setBarWidth(0.7)
    chart.addSeries(series)
    y = QBarCategoryAxis()
    y.append([r[1] for r in reversed(rows)])
    y.setTruncateLabels(False)   # "Vận chuyển quốc tế" must read in full, not as "…"
    x = _value_axis(max([r[2] for r in rows] or [0]) * 1.15)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(y)
    series.attachAxis(x)
    chart.legend().hide()
    return chart


def profit_chart(data: StatsChart, grain: str) -> QChart:
    """Per month of completion: the fees earned and the net profit (bars), in thousands of đồng —
    a drawing needs coordinates; the exact figures are in the table beside it."""
    chart = _chart(_("Profit by month (thousand ₫)"))
    keys = [c.key for c in data.columns]
    col = {k: keys.index(k) for k in ("bucket", "fees", "net_profit")}
    fees, profit = QBarSet(_("Fees")), QBarSet(_("Net profit"))
    fees.setColor(BLUE)
    profit.setColor(GREEN)
    categories, low, high = [], 0, 0
    for row in data.rows:
        categories.append(_bucket_label(row[col["bucket"]], grain))
        for bar_set, key in ((fees, "fees"), (profit, "net_profit")):
            thousands = int(row[col[key]].amount // 1000)
            bar_set.append(thousands)
            low, high = min(low, thousands), max(high, thousands)
    bars = QBarSeries()
    bars.append(fees)
    bars.append(profit)
    chart.addSeries(bars)
    x = QBarCategoryAxis()
    x.append(categories)
    x.setTruncateLabels(False)
    y = _value_axis(high)
    y.setMin(low)
    y.applyNiceNumbers()
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    bars.attachAxis(x)
    bars.attachAxis(y)
    return chart


def types_chart(data: StatsChart) -> QChart:
    """Purchase vs consignment orders of the period (the report's totals), as a pie."""
    chart = _chart(_("Orders by type"))
    totals = {t.key: t.value for t in data.totals}
    pie = QPieSeries()
    whole = totals.get("orders") or 0
    for key, label, colour in (("purchase", _("Purchase orders"), BLUE),
                               ("consignment", _("Consignment orders"), ORANGE)):
        n = totals.get(key) or 0
        share = percent(n, whole)
        text = f"{label}: {fmt_decimal(n)}" + (f" ({cell_text('percent', share)})" if share is not None else "")
        piece = pie.append(text, n)
        piece.setColor(colour)
        piece.setBorderColor(QColor("white"))
    pie.setPieSize(0.8)
    chart.addSeries(pie)
    # the legend carries the words and figures: slice labels of this length would be cut off
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    legend_font = QFont()
    legend_font.setPointSize(11)
    chart.legend().setFont(legend_font)
    return chart


def _chart_view(name: str, title: str) -> QChartView:
    view = named(QChartView(), name, title)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(330)
    view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    return view


def _set_chart(view: QChartView, chart: QChart) -> None:
    """Show a new chart; the view releases the previous one, which is deleted (no leak per period)."""
    old = view.chart()
    view.setChart(chart)
    if old is not None and old is not chart:
        old.deleteLater()


def _fill_table(table: QTableWidget, columns, rows: list[tuple]) -> None:
    table.clear()
    table.setColumnCount(len(columns))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels([_(c.title) for c in columns])
    for r, row in enumerate(rows):
        for c, (column, value) in enumerate(zip(columns, row)):
            cell = QTableWidgetItem(cell_text(column.kind, value))
            cell.setTextAlignment(_RIGHT if column.kind in NUMERIC_KINDS else _LEFT)
            table.setItem(r, c, cell)
    table.resizeColumnsToContents()


def _small_table(name: str, title: str) -> QTableWidget:
    table = named(QTableWidget(), name, title)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setDefaultSectionSize(24)
    table.setMinimumHeight(330)
    return table


# -- the dashboard -----------------------------------------------------------------------------------

class DashboardTab(QScrollArea):
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "stats_dashboard", _("Dashboard"))
        self.setWidgetResizable(True)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        self.figures_box = QGridLayout()
        self.figures_box.setHorizontalSpacing(10)
        self.figures_box.setVerticalSpacing(10)
        layout.addLayout(self.figures_box)
        self.figure_labels: dict[str, QLabel] = {}
        self.board: StatsDashboard | None = None

        self.volumes = _chart_view("stats_chart_volumes", _("Orders over time"))
        self.volumes_table = _small_table("stats_table_volumes", _("Orders over time"))
        self.volumes_box = self._pair(self.volumes, self.volumes_table)
        layout.addWidget(self.volumes_box)

        self.profit = _chart_view("stats_chart_profit", _("Profit by month"))
        self.profit_table = _small_table("stats_table_profit", _("Profit by month"))
        self.profit_box = self._pair(self.profit, self.profit_table)
        layout.addWidget(self.profit_box)

        funnel_bar = QHBoxLayout()
        funnel_bar.addWidget(QLabel(_("Funnel of:")))
        self.funnel_kind = named(QComboBox(), "stats_funnel_kind", _("Funnel of"))
        self.funnel_kind.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        funnel_bar.addWidget(self.funnel_kind)
        funnel_bar.addStretch(1)
        layout.addLayout(funnel_bar)
        self.funnel_kind.currentIndexChanged.connect(lambda _i: self._draw_funnel())
        self.funnel = _chart_view("stats_chart_funnel", _("Status funnel"))
        self.funnel_table = _small_table("stats_table_funnel", _("Status funnel"))
        layout.addWidget(self._pair(self.funnel, self.funnel_table))

        self.types = _chart_view("stats_chart_types", _("Orders by type"))
        self.types_table = _small_table("stats_table_types", _("Orders by type and status"))
        layout.addWidget(self._pair(self.types, self.types_table))
        layout.addStretch(1)

    @staticmethod
    def _pair(chart: QWidget, table: QWidget) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(chart, 3)
        row.addWidget(table, 2)
        return box

    def show_board(self, board: StatsDashboard) -> None:
        self.board = board
        if [f.key for f in board.figures] != list(self.figure_labels):
            self._build_cards(board)
        for fig in board.figures:
            self.figure_labels[fig.key].setText(cell_text(fig.kind, fig.value) or "—")
        volumes = board.charts.get("volumes")
        self.volumes_box.setVisible(volumes is not None)
        if volumes is not None:
            _set_chart(self.volumes, volumes_chart(volumes, board.grain))
            _fill_table(self.volumes_table, volumes.columns, volumes.rows)
        profit = board.charts.get("profit")
        self.profit_box.setVisible(profit is not None)
        if profit is not None:
            _set_chart(self.profit, profit_chart(profit, profit.params.get("by", "month")))
            _fill_table(self.profit_table, profit.columns, profit.rows)
        types = board.charts.get("types")
        if types is not None:
            _set_chart(self.types, types_chart(types))
            _fill_table(self.types_table, types.columns, types.rows)
        funnel = board.charts.get("funnel")
        if funnel is not None:
            steps = max((sum(1 for r in funnel.rows if r[0] == k) for k in {r[0] for r in funnel.rows}), default=0)
            # a bar of ~26 px per step: thirteen steps do not fit the other charts' height
            self.funnel.setMinimumHeight(max(330, 90 + 26 * steps))
            chosen = self.funnel_kind.currentText()
            kinds = list(dict.fromkeys(r[0] for r in funnel.rows))
            self.funnel_kind.blockSignals(True)
            self.funnel_kind.clear()
            self.funnel_kind.addItems(kinds)
            if chosen in kinds:
                self.funnel_kind.setCurrentText(chosen)
            self.funnel_kind.blockSignals(False)
            self._draw_funnel()
        self.loaded.emit()

    def _build_cards(self, board: StatsDashboard) -> None:
        """One card per figure, made once; later periods only change the numbers."""
        while self.figures_box.count():
            w = self.figures_box.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()
        self.figure_labels.clear()
        row, col, group = -1, 4, None
        for fig in board.figures:
            if fig.group != group:
                group = fig.group
                row += 1
                heading = QLabel(group)
                heading.setStyleSheet("font-size: 13px; font-weight: bold; color: #1f3a5a; margin-top: 6px;")
                self.figures_box.addWidget(heading, row, 0, 1, 4)
                col = 4
            if col == 4:
                row, col = row + 1, 0
            card = QFrame()
            card.setFrameShape(QFrame.Shape.StyledPanel)
            card.setStyleSheet("QFrame { background: #f6f8fb; border-radius: 6px; }")
            box = QVBoxLayout(card)
            title = QLabel(fig.title)
            title.setStyleSheet("color: #555; font-size: 11px;")
            title.setWordWrap(True)
            value = named(QLabel(""), f"stats_figure_{fig.key}", fig.title)
            value.setStyleSheet("font-size: 20px; font-weight: bold; color: #1a1a1a;")
            value.setToolTip(_("From the report “{report}”").format(report=board.report_titles.get(fig.report, fig.report)))
            box.addWidget(title)
            box.addWidget(value)
            self.figures_box.addWidget(card, row, col)
            col += 1
            self.figure_labels[fig.key] = value

    def _draw_funnel(self) -> None:
        if self.board is None or "funnel" not in self.board.charts:
            return
        data = self.board.charts["funnel"]
        kind = self.funnel_kind.currentText()
        _set_chart(self.funnel, funnel_chart(data, kind))
        _fill_table(self.funnel_table, data.columns, [r for r in data.rows if r[0] == kind])


# -- the reports --------------------------------------------------------------------------------------

class ReportTableModel(QAbstractTableModel):
    """One report's rows, a page at a time as the user scrolls; pages are read in the background."""

    page_loaded = Signal()
    failed = Signal(object)

    def __init__(self, session: Session, page_size: int, parent: QWidget | None = None,
                 start: Callable[..., Any] = run_in_background) -> None:
        super().__init__(parent)
        self.session, self.page_size, self.start = session, page_size, start
        self.columns: tuple = ()
        self._cells: list[list[str]] = []
        self.rows: list[tuple] = []
        self._after: tuple | None = None
        self._exhausted = True
        self._loading = False
        self._generation = 0
        self.name, self.period, self.params = "", None, {}

    def show_view(self, view: StatsReportView, period: Period) -> None:
        self.beginResetModel()
        self._generation += 1
        self.name, self.period, self.params = view.name, period, view.params
        self.columns = view.columns
        self.rows, self._cells = [], []
        self._add(view.first.rows)
        self._after, self._exhausted, self._loading = view.first.last_key, view.first.exhausted, False
        self.endResetModel()

    def clear(self) -> None:
        """Empty the table while a new view is read; ``name`` stays empty until it is shown."""
        self.beginResetModel()
        self._generation += 1
        self.name, self.params = "", {}
        self.rows, self._cells, self._exhausted, self._loading = [], [], True, False
        self.endResetModel()

    def _add(self, rows: list[tuple]) -> None:
        for row in rows:
            self.rows.append(row)
            self._cells.append([cell_text(c.kind, v) for c, v in zip(self.columns, row)])

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _(self.columns[section].title)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self.columns[index.column()].kind in NUMERIC_KINDS else _LEFT
        return None

    @property
    def loading(self) -> bool:
        return self._loading

    @property
    def exhausted(self) -> bool:
        return self._exhausted

    def canFetchMore(self, parent: QModelIndex = QModelIndex()) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: QModelIndex = QModelIndex()) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        self._loading = True
        generation = self._generation
        session = self.session
        name, period, params, after, limit = self.name, self.period, dict(self.params), self._after, self.page_size

        def done(page: StatsPage) -> None:
            if generation != self._generation:
                return
            self._loading = False
            if page.rows:
                first = len(self._cells)
                self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
                self._add(page.rows)
                self.endInsertRows()
            self._after, self._exhausted = page.last_key, page.exhausted
            self.page_loaded.emit()

        def failed(exc: BaseException) -> None:
            if generation == self._generation:
                self._loading = False
                self.failed.emit(exc)

        self.start(self.parent(), lambda p: session.call("stats.report_page", name, period, params, after, limit),
                   done, failed, show_progress=False)


class ReportsTab(QWidget):
    loaded = Signal()

    def __init__(self, session: Session, page_size: int, parent: QWidget | None = None,
                 start: Callable[..., Any] = run_in_background, reports: list | None = None) -> None:
        super().__init__(parent)
        named(self, "stats_reports", _("Reports"))
        self.session = session
        self.params_by_report: dict[str, dict[str, str]] = {}
        self.param_boxes: dict[str, QComboBox] = {}
        self.params_for: str | None = None       # the report whose filter boxes are shown
        split = QSplitter(Qt.Orientation.Horizontal)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(split)

        self.list = named(QListWidget(), "stats_report_list", _("Reports"))
        for rep in reports if reports is not None else session.call("stats.window").reports:
            item = QListWidgetItem(_(rep.title))
            item.setData(Qt.ItemDataRole.UserRole, rep.name)
            item.setToolTip(_(rep.description))
            self.list.addItem(item)
        self.list.setMinimumWidth(220)
        split.addWidget(self.list)

        right = QWidget()
        col = QVBoxLayout(right)
        self.title = named(QLabel(""), "stats_report_title")
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        col.addWidget(self.title)
        self.description = named(QLabel(""), "stats_report_description")
        self.description.setWordWrap(True)
        self.description.setStyleSheet("color: #555;")
        col.addWidget(self.description)
        self.params_row = QHBoxLayout()
        col.addLayout(self.params_row)
        self.model = ReportTableModel(session, page_size, self, start)
        self.table = named(QTableView(), "stats_report_table", _("Report"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        col.addWidget(self.table, 1)
        self.count = named(QLabel(""), "stats_report_count")
        col.addWidget(self.count)
        self.totals = named(QLabel(""), "stats_report_totals", _("Totals"))
        self.totals.setWordWrap(True)
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        col.addWidget(self.totals)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = named(QPushButton(_("Export this report to Excel…")), "stats_export")
        buttons.addWidget(self.export_button)
        col.addLayout(buttons)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([240, 1000])
        self.model.page_loaded.connect(self._show_count)
        self.model.failed.connect(lambda exc: report_error(self, exc))
        self.view: StatsReportView | None = None

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def params(self) -> dict[str, str]:
        name = self.current_name()
        return dict(self.params_by_report.get(name, {})) if name else {}

    def build_params(self, name: str, views: list, chosen_now: dict[str, str] | None = None) -> None:
        """The report's filter boxes (its parameters came with its first page)."""
        self.params_for = name
        while self.params_row.count():
            w = self.params_row.takeAt(0).widget()
            if w is not None:   # hidden now: out of the layout it would still paint where it was
                w.hide()
                w.deleteLater()
        self.param_boxes.clear()
        chosen = self.params_by_report.setdefault(name, {})
        for view in views:
            if view.key == "by":
                continue   # the period bar's "Group by" decides
            label = QLabel(view.title + ":")
            box = named(QComboBox(), f"stats_param_{view.key}", view.title)
            for value, text in view.options:
                box.addItem(text, value)
            value = chosen.get(view.key, (chosen_now or {}).get(view.key, view.default))
            box.setCurrentIndex(max(0, box.findData(value)))
            box.currentIndexChanged.connect(lambda _i, key=view.key, b=box: self._param_chosen(key, b.currentData()))
            self.params_row.addWidget(label)
            self.params_row.addWidget(box)
            self.param_boxes[view.key] = box
        self.params_row.addStretch(1)

    def _param_chosen(self, key: str, value: str) -> None:
        name = self.current_name()
        if name:
            self.params_by_report.setdefault(name, {})[key] = value
            self.window().reload_report()

    def show_view(self, view: StatsReportView, period: Period) -> None:
        if self.params_for != view.name:
            self.build_params(view.name, view.param_views, view.params)
        self.view = view
        self.title.setText(view.title)
        self.description.setText(view.description)
        self.model.show_view(view, period)
        header = self.table.horizontalHeader()
        for i, column in enumerate(view.columns):
            # the declared width, or the header's own when its words are longer (Vietnamese)
            self.table.setColumnWidth(i, max(column.width, header.sectionSizeFromContents(i).width()))
        self.totals.setText("   ·   ".join(f"{t.title}: {cell_text(t.kind, t.value) or '—'}" for t in view.totals))
        self._show_count()
        self.loaded.emit()

    def _show_count(self) -> None:
        if self.view is not None:
            self.count.setText(_("{shown} of {total} rows").format(
                shown=fmt_decimal(self.model.rowCount()), total=fmt_decimal(self.view.count)))


# -- the window -------------------------------------------------------------------------------------

class StatisticsWindow(QWidget):
    """Dashboard and reports for a period; exports run in the background with progress and Cancel."""

    exported = Signal(object)      # ExportResult, or the exception that stopped it

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        named(self, "statistics_window", _("Statistics"))
        self.session = session
        info = session.call("stats.window")     # company, page size, now, the reports: one call
        self.report_infos = {r.name: r for r in info.reports}
        self.setWindowTitle(_("Statistics — {company}").format(company=info.company))
        fit_to_screen(self, 1320, 900)
        self._generation = {"dashboard": 0, "report": 0}
        self.last_export: ExportResult | BaseException | None = None
        self._closing = False
        self._jobs: list[tuple[BackgroundJob, threading.Event]] = []

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.period_bar = PeriodBar(session, now=info.now)
        top.addWidget(self.period_bar, 1)
        self.export_all_button = named(QPushButton(_("Export all reports to Excel…")), "stats_export_all")
        top.addWidget(self.export_all_button)
        layout.addLayout(top)
        self.tabs = named(QTabWidget(), "stats_tabs")
        self.dashboard = DashboardTab()
        self.reports = ReportsTab(session, info.page_size, start=self.start_job, reports=info.reports)
        self.tabs.addTab(self.dashboard, _("Dashboard"))
        self.tabs.addTab(self.reports, _("Reports"))
        #: ordering staff open statistics for the shop KPIs only: no dashboard for them
        self.whole = session.can(Perm.VIEW_STATISTICS)
        self.tabs.setTabVisible(0, self.whole)
        self.export_all_button.setVisible(self.whole)
        if not self.whole:
            self.tabs.setCurrentWidget(self.reports)
        layout.addWidget(self.tabs, 1)
        self.status = named(QLabel(""), "stats_status")
        layout.addWidget(self.status)

        self.period_bar.changed.connect(self.reload)
        self.reports.list.currentRowChanged.connect(lambda _r: self._report_chosen())
        self.reports.export_button.clicked.connect(lambda: self.export_current())
        self.export_all_button.clicked.connect(lambda: self.export_all())
        session.role_changed.connect(self._role_changed)
        self.reload()
        if self.reports.list.count():
            self.reports.list.setCurrentRow(0)

    # -- reading -----------------------------------------------------------------------------------
    def _run(self, what: str, fn: Callable, done: Callable, label: str, show_progress: bool = True) -> None:
        self._generation[what] += 1
        generation = self._generation[what]
        self.status.setText(_("Loading…"))

        def finished(result: Any) -> None:
            if generation == self._generation[what]:
                done(result)
                self.status.setText(_("Updated {when}").format(when=fmt_datetime(datetime.now(timezone.utc))))

        def failed(exc: BaseException) -> None:
            if generation != self._generation[what]:
                return
            if isinstance(exc, Cancelled) or self._closing:
                self.status.setText(_("Loading was cancelled; the figures shown are the previous ones."))
            else:
                self.status.setText("")
                report_error(self, exc)

        self.start_job(self, fn, finished, failed, label=label, show_progress=show_progress)

    def reload(self) -> None:
        period = self.period_bar.period()
        if period is None:
            return
        session, by = self.session, self.period_bar.by()
        if not self.whole:
            self.reload_report()
            return
        self._run("dashboard", lambda p: call_reporting(session, p, "stats.dashboard", period, by),
                  self.dashboard.show_board,
                  _("Reading figures…"))
        self.reload_report()

    def _report_chosen(self) -> None:
        if self.reports.current_name():
            self.reload_report()         # its filter boxes come with its first page

    def reload_report(self) -> None:
        name, period = self.reports.current_name(), self.period_bar.period()
        if not name or period is None:
            return
        session = self.session
        params = {**self.reports.params(), "by": self.period_bar.by()}
        limit = self.reports.model.page_size
        self.reports.model.clear()
        self._run("report", lambda p: session.call("stats.open_report", name, period, params, limit),
                  lambda view: self.reports.show_view(view, period), _("Reading the report…"),
                  show_progress=False)

    # -- exporting ---------------------------------------------------------------------------------
    def _requests(self, names: list[str]) -> dict[str, dict[str, str]]:
        """Each report's parameters as chosen on screen, by report name (in the sheets' order)."""
        by = self.period_bar.by()
        return {n: {**self.reports.params_by_report.get(n, {}), "by": by} for n in names}

    def _ask_path(self, suggested: str) -> str | None:
        path = ask_save_path(self, _("Export to Excel"), suggested, "Excel (*.xlsx)")
        if not path:
            return None
        return path if path.lower().endswith(".xlsx") else path + ".xlsx"

    def export_current(self, path: str | Path | None = None) -> None:
        name = self.reports.current_name()
        period = self.period_bar.period()
        if not name or period is None:
            return
        rep = self.report_infos[name]
        path = path or self._ask_path(f"{_(rep.sheet)} {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}.xlsx")
        if path:
            self._export(self._requests([name]), period, Path(path))

    def export_all(self, path: str | Path | None = None) -> None:
        period = self.period_bar.period()
        if period is None:
            return
        path = path or self._ask_path(f"{_('Statistics')} {period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}.xlsx")
        if path:
            names = list(self.report_infos)
            self._export(self._requests(names), period, Path(path))

    def _export(self, requests: dict[str, dict[str, str]], period: Period, path: Path) -> None:
        session = self.session
        self.status.setText(_("Exporting to Excel…"))
        for button in (self.export_all_button, self.reports.export_button):
            button.setEnabled(False)

        reported = []

        def finish(result: Any) -> None:
            if reported:            # cancelled already (through a server): the late result is dropped
                return
            reported.append(result)
            for button in (self.export_all_button, self.reports.export_button):
                button.setEnabled(True)
            self.last_export = result
            if isinstance(result, ExportResult):
                self.status.setText(_("Exported {n} rows to {path}").format(
                    n=fmt_decimal(result.total_rows), path=str(result.path)))
            elif isinstance(result, Cancelled) or self._closing:
                self.status.setText(_("Export cancelled; nothing was written."))
            else:
                self.status.setText("")
                report_error(self, result)
            self.exported.emit(result)

        def work(p) -> ExportResult:
            # the server builds the workbook; this desktop writes it where the user chose (only
            # once it is whole: a cancelled export leaves no file)
            result = call_reporting(session, p, "stats.export", list(requests), requests, period)
            write_file(str(path), result.data)
            return ExportResult(path, result.rows)

        job = self.start_job(self, work, finish, finish, label=_("Exporting to Excel…"))
        if session.remote and job.dialog is not None:
            # a server's export cannot be stopped from here: Cancel drops its result at once (the
            # file is never written) and the window is free for the next one
            job.dialog.canceled.connect(lambda: finish(Cancelled()))

    def show_report(self, name: str) -> None:
        """Bring the reports tab forward on one report."""
        for row in range(self.reports.list.count()):
            if self.reports.list.item(row).data(Qt.ItemDataRole.UserRole) == name:
                self.tabs.setCurrentWidget(self.reports)
                self.reports.list.setCurrentRow(row)
                return

    def _role_changed(self, _role) -> None:
        if not self.session.can(Perm.VIEW_STATISTICS) and not self.session.can(Perm.VIEW_VENDOR_KPIS):
            self.close()

    def start_job(self, parent: QWidget, fn: Callable, done: Callable, failed: Callable, **options: Any) -> BackgroundJob:
        """run_in_background, remembering the job so that closing the window can stop it."""
        stopped = threading.Event()

        def work(progress):
            try:
                return fn(progress)
            finally:
                stopped.set()

        job = run_in_background(parent, work, done, failed, **options)
        self._jobs = [(j, e) for j, e in self._jobs if not e.is_set()] + [(job, stopped)]
        return job

    def running_jobs(self) -> list[BackgroundJob]:
        """Reads and exports this window started whose work has not finished."""
        return [job for job, stopped in self._jobs if not stopped.is_set()]

    def closeEvent(self, event) -> None:
        # Closing cancels what is still running (an export leaves no file) and waits for the
        # workers to stop — without running the event loop here, which could delete this
        # window under our feet — so none of them reports to a window that is gone.
        self._closing = True
        for job, stopped in self._jobs:
            if not stopped.is_set() and isValid(job):
                job.progress.cancel()
        # in-process the work stops at its next row; a call to a server cannot be stopped, and its
        # result is dropped when it arrives (call_reporting), so there is nothing to wait for
        deadline = time.monotonic() + (0 if self.session.remote else 30)
        while self.running_jobs() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.02)   # let each worker post its last (queued) signal
        super().closeEvent(event)

    def showEvent(self, event) -> None:
        self._closing = False
        super().showEvent(event)


def open_statistics(session: Session, parent: QWidget | None) -> None:
    """The "Statistics" action: one window per main window, raised if already open."""
    window = getattr(parent, "_statistics_window", None) if parent is not None else None
    if window is not None and isValid(window) and window.session is session:
        if not window.isVisible():
            window.show()
            window.reload()          # closed earlier: the figures may have moved since
        window.raise_()
        window.activateWindow()
        return
    window = StatisticsWindow(session, parent)
    if parent is not None:
        parent._statistics_window = window
    window.show()



def open_shop_kpis(session: Session, parent: QWidget | None) -> None:
    """Ordering staff's way in: the statistics window on the shop KPIs."""
    open_statistics(session, parent)
    window = getattr(parent, "_statistics_window", None) if parent is not None else None
    if window is not None:
        window.show_report("shops.kpis")

