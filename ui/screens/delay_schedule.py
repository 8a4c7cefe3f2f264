"""The delay schedule: upcoming shipments (lịch xuất hàng), a calendar with the orders due to
leave China each day, and the order window's "Schedule" tab (dates, delay flag, the stages left
at the usual pace). The sacks' own screens are ``shipment_screens.py``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDate, QRect, QSignalBlocker, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import (QAbstractItemView, QCalendarWidget, QDialog, QGridLayout, QHBoxLayout,
                               QHeaderView, QLabel, QPushButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from app.delay_rule import DELAY_REASON_LABELS, DELAY_STATE_LABELS, DELAYED, EXPECTING
from app.i18n import _, fmt_date, fmt_datetime, fmt_decimal, ngettext
from app.services.delays import DayCount, ShipmentRow
from app.workflows.orders import STATUS_LABELS
from ui.widgets.read_when_shown import ReadWhenShown
from ui.background import run_in_background
from ui.common import named, report_error
from ui.session import Session

RED, YELLOW, BLUE = QColor("#c62828"), QColor("#e6a100"), QColor("#1565c0")
ROW_COLOURS = {DELAYED: QColor("#fde2e1"), EXPECTING: QColor("#fff4d6")}


def local_tz():
    return datetime.now().astimezone().tzinfo


def utc_offset_minutes() -> int:
    """This desktop's time zone as minutes from UTC (the server counts days in it)."""
    return int(datetime.now().astimezone().utcoffset().total_seconds() // 60)


def fmt_duration(value: timedelta) -> str:
    hours = round(value.total_seconds() / 3600)
    days, hours = divmod(hours, 24)
    if days and hours:
        return _("{days} d {hours} h").format(days=days, hours=hours)
    if days:
        return _("{days} d").format(days=days)
    return _("{hours} h").format(hours=hours)


class ShipmentsCalendar(QCalendarWidget):
    """A month with, in each day, how many orders are due to ship (red: some are delayed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "shipments_calendar", _("Shipments calendar"))
        self.counts: dict[date, DayCount] = {}
        self.setGridVisible(True)
        self.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.setMinimumSize(520, 380)

    def set_counts(self, counts: dict[date, DayCount]) -> None:
        self.counts = counts
        self.updateCells()

    def paintCell(self, painter: QPainter, rect: QRect, qdate: QDate) -> None:
        super().paintCell(painter, rect, qdate)
        c = self.counts.get(qdate.toPython())
        if not c:
            return
        colour = RED if c.delayed else YELLOW if c.expecting else BLUE
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = fmt_decimal(c.total)
        font = QFont(painter.font())
        font.setBold(True)
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(text) + 10
        height = painter.fontMetrics().height() + 2
        badge = QRect(rect.right() - width - 2, rect.bottom() - height - 2, width, height)
        painter.setBrush(QBrush(colour))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(badge, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class UpcomingShipmentsWindow(QDialog):
    """Pick a day: the orders planned to leave the China warehouse that day, delayed ones first."""

    COLUMNS = ("code", "customer", "status", "committed", "estimate", "delay", "care")

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "shipments_window", _("Upcoming shipments"))
        self.setWindowTitle(_("Upcoming shipments"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session, self.main = session, parent
        self.tz = local_tz()
        self.offset = utc_offset_minutes()
        self.calendar = ShipmentsCalendar()
        self.calendar.selectionChanged.connect(self.show_day)
        self.calendar.currentPageChanged.connect(lambda y, m: self.load_month())
        today = named(QPushButton(_("Today")), "shipments_today")
        today.clicked.connect(self.go_today)
        legend = named(QLabel(_("The number in a day: orders due to leave China that day.") + "<br>" + " · ".join(
            f"<span style='color:{c.name()}'>■</span> {text}" for c, text in (
                (RED, _("some delayed")), (YELLOW, _("some expecting delay")), (BLUE, _("all on time"))))),
            "shipments_legend")
        legend.setWordWrap(True)
        self.title = named(QLabel(""), "shipments_day_title")
        self.title.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.table = named(QTableWidget(0, len(self.COLUMNS)), "shipments_day_table", _("Orders due to ship"))
        self.table.setHorizontalHeaderLabels([_("Order"), _("Customer"), _("Status"), _("To be shipped by"),
                                              _("Estimated shipping"), _("Delay"), _("Customer care")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(self.open_row)
        left = QVBoxLayout()
        left.addWidget(self.calendar, 1)
        row = QHBoxLayout()
        row.addWidget(today)
        row.addStretch(1)
        left.addLayout(row)
        left.addWidget(legend)
        right = QVBoxLayout()
        right.addWidget(self.title)
        right.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)
        self.resize(1280, 620)
        self.go_today()

    def go_today(self) -> None:
        today = QDate.fromString(datetime.now(self.tz).date().isoformat(), Qt.DateFormat.ISODate)
        blocker = QSignalBlocker(self.calendar)     # the page and the day come in the one call below
        self.calendar.setSelectedDate(today)
        self.calendar.setCurrentPage(today.year(), today.month())
        blocker.unblock()
        self.load_month(with_day=True)

    def _page(self) -> tuple[date, date]:
        first = date(self.calendar.yearShown(), self.calendar.monthShown(), 1) - timedelta(days=7)
        return first, first + timedelta(days=50)

    def load_month(self, with_day: bool = False) -> None:
        """Counts for the visible page (6 weeks around the month), read in the background; with
        ``with_day``, the selected day's orders in the same call."""
        first, last = self._page()
        session, offset, day = self.session, self.offset, self.selected_day()

        def done(result) -> None:
            if self._page() != (first, last):
                return                                  # another month is shown by now
            if with_day:
                self.calendar.set_counts(result.counts)
                if self.selected_day() == day:
                    self.show_rows(day, list(result.day))
            else:
                self.calendar.set_counts(result)

        if with_day:
            call = lambda p: session.call("delays.calendar", first, last, day, offset)   # noqa: E731
        else:
            call = lambda p: session.call("delays.shipment_counts", first, last, offset)   # noqa: E731
        run_in_background(self, call, done, on_error=lambda exc: report_error(self, exc), show_progress=False)

    def selected_day(self) -> date:
        return self.calendar.selectedDate().toPython()

    def show_day(self) -> None:
        day = self.selected_day()
        try:
            rows = self.session.call("delays.shipments_on", day, self.offset)
        except Exception as exc:
            report_error(self, exc)
            return
        self.show_rows(day, rows)

    def show_rows(self, day: date, rows: list[ShipmentRow]) -> None:
        late = sum(r.delay_state == DELAYED for r in rows)
        title = ngettext("{date}: {n} order due to ship", "{date}: {n} orders due to ship", len(rows)).format(
            date=fmt_date(day), n=fmt_decimal(len(rows)))
        if late:
            title += " · " + ngettext("{n} delayed", "{n} delayed", late).format(n=fmt_decimal(late))
        self.title.setText(title)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            values = (row.code, row.customer, _(STATUS_LABELS.get(row.status, row.status)),
                      fmt_date(row.committed_ship_by), fmt_datetime(row.estimated_ship_at),
                      _(DELAY_STATE_LABELS.get(row.delay_state, "")) if row.delay_state else "",
                      row.care_staff)
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                if row.delay_state in ROW_COLOURS:
                    item.setBackground(ROW_COLOURS[row.delay_state])
                if c == 5 and row.delay_reason:
                    item.setToolTip(_(DELAY_REASON_LABELS[row.delay_reason]))
                self.table.setItem(r, c, item)

    def row_flag(self, row: int) -> str | None:
        """The delay state a row is painted with (tests and screen readers)."""
        item = self.table.item(row, 5)
        return next((s for s, label in DELAY_STATE_LABELS.items() if s and item and item.text() == _(label)), None)

    def open_row(self, row: int, _column: int = 0) -> None:
        item = self.table.item(row, 0)
        if item is not None and self.main is not None and hasattr(self.main, "open_record"):
            self.main.open_record("order", item.data(Qt.ItemDataRole.UserRole))


class ScheduleTab(ReadWhenShown, QWidget):
    """The order window's "Schedule" tab: committed, estimated and forecast dates, the flag and
    the stages left, each with its usual duration and where that figure comes from."""

    def __init__(self, session: Session, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_window = session, parent
        self.state = named(QLabel(""), "schedule_state")
        self.state.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.reason = named(QLabel(""), "schedule_reason")
        grid = QGridLayout()
        self.dates: dict[str, QLabel] = {}
        for col, head in enumerate((_("Committed"), _("Current estimate"), _("Forecast at the usual pace"))):
            grid.addWidget(QLabel(f"<b>{head}</b>"), 0, col + 1)
        for row, (key, label) in enumerate((("ship", _("Leaves China")), ("deliver", _("Delivered"))), start=1):
            grid.addWidget(QLabel(label), row, 0)
            for col, kind in enumerate(("committed", "estimated", "forecast")):
                self.dates[f"{kind}_{key}"] = named(QLabel(""), f"schedule_{kind}_{key}")
                grid.addWidget(self.dates[f"{kind}_{key}"], row, col + 1)
        self.stages = named(QTableWidget(0, 4), "schedule_stages", _("Stages left"))
        self.stages.setHorizontalHeaderLabels([_("Status"), _("Usual time"), _("Expected to end"), _("Measured from")])
        self.stages.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stages.verticalHeader().setVisible(False)
        self.stages.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.stages.horizontalHeader().setStretchLastSection(True)
        self.change = named(QPushButton(_("Change estimated dates…")), "schedule_change_estimates")
        self.change.setToolTip(_("A reason is required; the customer receives it"))
        self.change.clicked.connect(self.change_estimates)
        top = QHBoxLayout()
        top.addWidget(self.state)
        top.addWidget(self.reason, 1)
        top.addWidget(self.change)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(grid)
        layout.addWidget(QLabel(_("Stages left")))
        layout.addWidget(self.stages, 1)
        self.refresh(view)

    def load(self) -> None:
        from app.permissions import Perm

        s = self.session
        v = s.call("delays.order_schedule", self.view.id)
        colour = {DELAYED: "#c62828", EXPECTING: "#b26a00"}.get(v.state, "#2e7d32")
        self.state.setText(_(DELAY_STATE_LABELS[v.state]) if (v.stages or v.state) else _("Not scheduled yet"))
        self.state.setStyleSheet(f"font-size: 14px; font-weight: bold; color: {colour};")
        self.reason.setText(_(DELAY_REASON_LABELS[v.reason]) if v.reason else "")
        for key, value in (("committed_ship", v.committed_ship_by), ("estimated_ship", v.estimated_ship_at),
                           ("forecast_ship", v.forecast_ship_at), ("committed_deliver", v.committed_deliver_by),
                           ("estimated_deliver", v.estimated_deliver_at),
                           ("forecast_deliver", v.forecast_deliver_at)):
            self.dates[key].setText(fmt_datetime(value) if value else "—")
        late = v.committed_deliver_by is not None and v.forecast_deliver_at is not None \
            and v.forecast_deliver_at > v.committed_deliver_by
        self.dates["forecast_deliver"].setStyleSheet("color: #c62828; font-weight: bold;" if late else "")
        self.stages.setRowCount(len(v.stages))
        for r, st in enumerate(v.stages):
            source = ngettext("the last {n} order", "the last {n} orders", st.samples).format(n=st.samples) \
                if st.measured else _("the default in settings")
            for c, text in enumerate((_(STATUS_LABELS[st.status]), fmt_duration(st.usual),
                                      fmt_datetime(st.ends_at), source)):
                self.stages.setItem(r, c, QTableWidgetItem(text))
        self.change.setEnabled(s.can(Perm.EDIT_ORDERS) and v.can_edit)

    def change_estimates(self) -> None:
        if self.order_window is not None and hasattr(self.order_window, "change_estimates"):
            self.order_window.change_estimates()
