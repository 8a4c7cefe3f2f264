"""The freight carrier's bills (hóa đơn nhà vận chuyển): import the carrier's file or type the
bill in, see each line beside our sack (sealed weight, our parcels, the route's cost price, the
difference and why it is flagged), then accept it (the payable is posted) or dispute it (a task
with the evidence). Everything goes through ``session.call``."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError, ValidationFailed
from app.i18n import _, current_language, fmt_date, fmt_decimal, fmt_money
from app.money import VND, Money
from app.services.carrier_bills import (FLAG_LABELS, SCHEMA, STATUS_LABELS, BillHeader, BillLineInput, BillPreview,
                                        BillView, LineCheck)
from ui.common import confirm, fit_to_screen, named, report_error
from ui.session import Session
from ui.widgets.sheet_import import SheetImportDialog
from ui.windows.registry import register_detail

FLAGGED = QColor("#fff3e0")
ERROR = QColor("#ffebee")

def _line_headers() -> list[str]:
    return [_("Shipment"), _("Seal"), _("Billed kg"), _("Our sealed kg"), _("Our parcels kg"), _("kg difference"),
            _("Billed m³"), _("Our m³"), _("Billed"), _("Expected (route cost)"), _("Difference"), _("Flags")]


def _signed(value: Decimal | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "") + fmt_decimal(value)


def _signed_money(value: Money) -> str:
    return ("+" if value.amount > 0 else "") + fmt_money(value)


def _line_texts(l: LineCheck) -> list[str]:
    if l.errors:        # a row that cannot be read is not compared: its problems take the flags' place
        return [l.shipment_code, "", fmt_decimal(l.billed_kg), "", "", "", fmt_decimal(l.billed_m3), "",
                fmt_money(l.amount) if not l.amount.is_zero() else "", "", "", " ".join(l.errors)]
    known = l.shipment_id is not None
    return [l.shipment_code, l.seal_no, fmt_decimal(l.billed_kg), fmt_decimal(l.our_gross_kg),
            fmt_decimal(l.our_parcels_kg), _signed(l.kg_diff), fmt_decimal(l.billed_m3), fmt_decimal(l.our_m3),
            fmt_money(l.amount), fmt_money(l.expected) if known else "", _signed_money(l.amount_diff),
            "; ".join(_(FLAG_LABELS.get(f, f)) for f in l.flags)]


#: flag -> the comparison column (index in _line_texts) holding the difference it is about
FLAG_COLUMNS = {"weight": 5, "volume": 7, "price": 10, "unknown": 10, "no_price": 10}
# (a unit price off the route's cost price shows in the flags: the bill's unit price is not a column)
DIFFERENCE = QColor("#b3261e")


def _fill_lines(table: QTableWidget, lines: list[LineCheck], first: list[str] | None = None) -> None:
    table.setRowCount(len(lines))
    shift = 1 if first else 0
    last = len(_line_headers()) - 1 + shift
    for row, l in enumerate(lines):
        texts = (first[row:row + 1] if first else []) + _line_texts(l)
        marked = {FLAG_COLUMNS[f] + shift for f in l.flags if f in FLAG_COLUMNS}
        for col, text in enumerate(texts):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if l.errors:
                item.setBackground(ERROR)
            elif l.flagged:
                item.setBackground(FLAGGED)
            if col in marked or (l.errors and col == last):     # what is beyond tolerance, or wrong, in red
                item.setForeground(DIFFERENCE)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            if shift + 2 <= col < last:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, col, item)
    # the figures as wide as they need; the flags (the last column) take what is left of a
    # 1366 px screen and wrap onto a second line instead of running off the side
    for col in range(table.columnCount() - 1):
        table.resizeColumnToContents(col)
    table.setWordWrap(True)
    table.resizeRowsToContents()


def _table(name: str, headers: list[str], accessible: str) -> QTableWidget:
    table = named(QTableWidget(0, len(headers)), name, accessible)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().hide()
    return table


class _HeaderFields:
    """The bill's own paper: carrier (suggested from earlier bills), number, date."""

    def __init__(self, session: Session, prefix: str) -> None:
        self.carrier = named(QComboBox(), f"{prefix}_carrier", _("Carrier"))
        self.carrier.setEditable(True)
        self.carrier.setMinimumWidth(220)
        try:
            self.carrier.addItems(session.call("carrier_bills.carriers"))
        except (DomainError, ValidationFailed):
            pass
        self.carrier.setCurrentText("")
        self.number = named(QLineEdit(), f"{prefix}_number", _("Bill number"))
        self.date = named(QDateEdit(QDate.currentDate()), f"{prefix}_date", _("Bill date"))
        from ui.screens.statistics import DATE_EDIT_FORMATS     # the reports' date fields, one format per language

        self.date.setDisplayFormat(DATE_EDIT_FORMATS.get(current_language(), "yyyy-MM-dd"))
        self.date.setCalendarPopup(True)

    def row(self) -> QHBoxLayout:
        box = QHBoxLayout()
        for label, w in ((_("Carrier:"), self.carrier), (_("Bill number:"), self.number), (_("Date:"), self.date)):
            box.addWidget(QLabel(label))
            box.addWidget(w)
        box.addStretch(1)
        return box

    def header(self) -> BillHeader:
        d = self.date.date()
        return BillHeader(self.carrier.currentText(), self.number.text(), date(d.year(), d.month(), d.day()))


class CarrierBillImportDialog(SheetImportDialog):
    """Nhập hóa đơn nhà vận chuyển: the carrier's file read as parcel lists are — each column
    with what it is read as (map one by hand; remembered for this carrier), each row checked and
    compared with our sack; the whole file or nothing."""

    preview_data: BillPreview | None

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(session, SCHEMA, "carrier_import", run_label=_("Import the bill"),
                         file_title=_("Choose the carrier's bill"), file_kind=_("Carriers' bills"), parent=parent)
        named(self, "carrier_import_dialog", _("Import a carrier's bill"))
        self.setWindowTitle(_("Import a carrier's bill"))
        self.bill_id: int | None = None
        self.fields = _HeaderFields(session, "carrier_import")
        self.fields.carrier.currentTextChanged.connect(lambda _t: self._new_source())
        self.table = _table("carrier_import_preview", [_("Row")] + _line_headers(), _("Preview"))
        top = self.fields.row()
        top.insertSpacing(top.count() - 1, 16)
        top.insertWidget(top.count() - 1, self.choose_button)
        top.insertWidget(top.count() - 1, self.file_label, 1)
        self.lay_out(top)
        fit_to_screen(self, 1280, 720)

    def preview_call(self, name: str, content: bytes) -> tuple[str, tuple, dict] | None:
        carrier = self.fields.carrier.currentText().strip()
        if not carrier:
            self.summary.setText(_("Enter the carrier's name: their columns are remembered by it."))
            return None
        return "carrier_bills.preview", (carrier, name, content), {"columns": dict(self.columns.choices)}

    def show_rows(self, pv: BillPreview) -> None:
        _fill_lines(self.table, pv.rows, first=[str(r.line) for r in pv.rows])

    def ready_text(self, pv: BillPreview) -> str:
        flagged = sum(1 for r in pv.rows if r.flagged)
        billed = Money.total((r.amount for r in pv.rows), VND)
        return _("{n} lines, {billed} billed; {flagged} flagged (in orange). Nothing is saved "
                 "until you press Import.").format(n=len(pv.rows), billed=fmt_money(billed), flagged=flagged)

    def import_call(self, name: str, content: bytes) -> tuple[str, tuple, dict]:
        return "carrier_bills.import", (self.fields.header(), name, content), {"columns": dict(self.columns.choices)}

    def imported(self, bill_id: int) -> None:
        self.bill_id = bill_id
        self.accept()


class CarrierBillEntryDialog(QDialog):
    """Type a bill in from the carrier's paper: one row per sack (code, kg, m³, unit price,
    surcharges, amount); the service checks every row before anything is saved."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "carrier_entry_dialog", _("Type in a carrier's bill"))
        self.setWindowTitle(_("Type in a carrier's bill"))
        self.session = session
        self.bill_id: int | None = None
        self.fields = _HeaderFields(session, "carrier_entry")
        self.table = named(QTableWidget(8, 6), "carrier_entry_lines", _("Lines"))
        self.table.setHorizontalHeaderLabels([_("Shipment code"), _("Weight (kg)"), _("Volume (m³)"),
                                              _("Unit price (VND)"), _("Surcharges (VND)"), _("Amount (VND)")])
        self.table.horizontalHeader().setStretchLastSection(True)
        add = named(QPushButton(_("Add a row")), "carrier_entry_add")
        add.clicked.connect(lambda: self.table.setRowCount(self.table.rowCount() + 1))
        self.errors = named(QLabel(""), "carrier_entry_errors")
        self.errors.setStyleSheet("color: #b3261e;")
        self.errors.setWordWrap(True)
        save = named(QPushButton(_("Save the bill")), "carrier_entry_save")
        save.clicked.connect(self.save)
        close = named(QPushButton(_("Close")), "carrier_entry_close")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(add)
        bottom.addStretch(1)
        bottom.addWidget(save)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(self.fields.row())
        layout.addWidget(self.table, 1)
        layout.addWidget(self.errors)
        layout.addLayout(bottom)
        self.resize(900, 480)

    def _lines(self) -> list[BillLineInput] | None:
        from app.i18n import NumberInputError, parse_decimal

        lines, problems = [], []
        for r in range(self.table.rowCount()):
            cells = [(self.table.item(r, c).text().strip() if self.table.item(r, c) else "") for c in range(6)]
            if not any(cells):
                continue
            values: list[Decimal | None] = []
            for c, text in enumerate(cells[1:], start=1):
                try:
                    values.append(parse_decimal(text) if text else None)
                except (NumberInputError, ValueError):
                    problems.append(_("Row {n}: cannot read “{text}” as a number.").format(n=r + 1, text=text))
                    values.append(None)
            kg, m3, price, surcharges, amount = values
            lines.append(BillLineInput(cells[0], kg, m3, *(None if v is None else Money(v, VND)
                                                          for v in (price, surcharges, amount))))
        if problems:
            self.errors.setText("\n".join(problems))
            return None
        return lines

    def save(self) -> None:
        lines = self._lines()
        if lines is None:
            return
        try:
            self.bill_id = self.session.call("carrier_bills.enter", self.fields.header(), lines)
        except ValidationFailed as exc:
            self.errors.setText("\n".join(exc.field_errors.values()))
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


class CarrierBillsDialog(QDialog):
    """Đối soát hóa đơn nhà vận chuyển: the bills, and the chosen one line by line beside our
    sacks, with Accept and Dispute."""

    def __init__(self, session: Session, parent: QWidget | None = None, bill_id: int | None = None) -> None:
        super().__init__(parent)
        named(self, "carrier_bills", _("Carriers' bills"))
        self.setWindowTitle(_("Carriers' bills"))
        self.session = session
        self.view: BillView | None = None
        self.bill_ids: list[int] = []
        import_button = named(QPushButton(_("Import a bill…")), "carrier_bills_import")
        import_button.clicked.connect(self.import_bill)
        enter_button = named(QPushButton(_("Type in a bill…")), "carrier_bills_enter")
        enter_button.clicked.connect(self.enter_bill)
        self.bills = _table("carrier_bills_list", [_("Carrier"), _("Bill number"), _("Date"), _("Status"),
                                                   _("Lines"), _("Flagged"), _("Billed"), _("Expected cost")],
                            _("Bills"))
        self.bills.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.bills.horizontalHeader().setStretchLastSection(False)
        self.bills.itemSelectionChanged.connect(self._chosen)
        self.title = named(QLabel(_("Choose a bill to compare it with our sacks.")), "carrier_bills_title")
        self.title.setStyleSheet("font-weight: bold;")
        self.totals = named(QLabel(""), "carrier_bills_totals")
        self.totals.setWordWrap(True)
        self.lines = _table("carrier_bills_lines", _line_headers(), _("Comparison"))
        self.lines.resizeColumnsToContents()        # the headers whole before a bill is chosen
        from ui.screens.money_common import amount_edit

        self.amount = amount_edit("carrier_bills_amount", _("Amount agreed with the carrier"), currency=VND,
                                  placeholder=_("agreed amount (after a dispute)"))
        # wide enough for its hint in every language ("số tiền thống nhất (sau khiếu nại)")
        self.amount.setFixedWidth(self.amount.fontMetrics().horizontalAdvance(self.amount.placeholderText()) + 24)
        self.accept_button = named(QPushButton(_("Accept")), "carrier_bills_accept")
        self.accept_button.clicked.connect(self.accept_bill)
        self.reason = named(QLineEdit(), "carrier_bills_reason", _("Why the bill is disputed"))
        self.reason.setPlaceholderText(_("What is wrong with the bill"))
        self.dispute_button = named(QPushButton(_("Dispute")), "carrier_bills_dispute")
        self.dispute_button.clicked.connect(self.dispute_bill)
        close = named(QPushButton(_("Close")), "carrier_bills_close")
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(import_button)
        top.addWidget(enter_button)
        top.addStretch(1)
        detail = QWidget()
        d = QVBoxLayout(detail)
        d.setContentsMargins(0, 0, 0, 0)
        d.addWidget(self.title)
        d.addWidget(self.totals)
        d.addWidget(self.lines, 1)
        decide = QHBoxLayout()
        decide.addWidget(self.reason, 1)
        decide.addWidget(self.dispute_button)
        decide.addSpacing(24)
        decide.addWidget(self.amount)
        decide.addWidget(self.accept_button)
        decide.addWidget(close)
        d.addLayout(decide)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.bills)
        split.addWidget(detail)
        split.setSizes([180, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self._decidable(False)
        fit_to_screen(self, 1340, 700)
        self.reload(bill_id)

    # -- the list ----------------------------------------------------------------------------------
    def reload(self, select: int | None = None) -> None:
        try:
            bills = self.session.call("carrier_bills.list")
        except (DomainError, ValidationFailed) as exc:
            report_error(self, exc)
            return
        self.bill_ids = [b.bill_id for b in bills]
        self.bills.blockSignals(True)
        self.bills.setRowCount(len(bills))
        for row, b in enumerate(bills):
            texts = (b.carrier, b.bill_no, fmt_date(b.bill_date), _(STATUS_LABELS.get(b.status, b.status)),
                     str(b.lines), str(b.flagged_lines), fmt_money(b.billed), fmt_money(b.expected))
            for col, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if b.flagged_lines and not b.decided:
                    item.setBackground(FLAGGED)
                self.bills.setItem(row, col, item)
        self.bills.resizeColumnsToContents()
        self.bills.blockSignals(False)
        if select in self.bill_ids:
            self.bills.selectRow(self.bill_ids.index(select))
        elif self.view is not None and self.view.bill_id in self.bill_ids:
            self.bills.selectRow(self.bill_ids.index(self.view.bill_id))
            self._chosen()

    def _chosen(self) -> None:
        rows = self.bills.selectionModel().selectedRows()
        if rows:
            self.show_bill(self.bill_ids[rows[0].row()])

    # -- the comparison ------------------------------------------------------------------------------
    def show_bill(self, bill_id: int) -> None:
        try:
            v: BillView = self.session.call("carrier_bills.view", bill_id)
        except (DomainError, ValidationFailed) as exc:
            report_error(self, exc)
            return
        self.view = v
        self.title.setText(_("{carrier} — bill {number} of {date} — {status}").format(
            carrier=v.carrier, number=v.bill_no, date=fmt_date(v.bill_date),
            status=_(STATUS_LABELS.get(v.status, v.status))))
        flagged = sum(1 for l in v.lines if l.flagged)
        text = _("Billed {billed}, expected {expected} at the routes' cost prices: difference {difference}. "
                 "{flagged} of {n} lines flagged.").format(
            billed=fmt_money(v.billed), expected=fmt_money(v.expected), difference=_signed_money(v.difference),
            flagged=flagged, n=len(v.lines))
        if v.accepted_amount is not None:
            text += " " + _("Accepted: {amount}.").format(amount=fmt_money(v.accepted_amount))
        if v.dispute_reason:
            text += " " + _("Disputed: {reason}").format(reason=v.dispute_reason)
        self.totals.setText(text)
        _fill_lines(self.lines, v.lines)
        self._decidable(True)

    def _decidable(self, chosen: bool) -> None:
        v = self.view if chosen else None
        self.accept_button.setEnabled(bool(v and v.can_accept))
        self.amount.setEnabled(bool(v and v.can_accept and v.can_lower_amount))
        self.dispute_button.setEnabled(bool(v and v.can_dispute))
        self.reason.setEnabled(bool(v and v.can_dispute))

    # -- actions -------------------------------------------------------------------------------------
    def import_bill(self) -> None:
        dialog = CarrierBillImportDialog(self.session, self)
        if dialog.exec() and dialog.bill_id:
            self.reload(dialog.bill_id)

    def enter_bill(self) -> None:
        dialog = CarrierBillEntryDialog(self.session, self)
        if dialog.exec() and dialog.bill_id:
            self.reload(dialog.bill_id)

    def accept_bill(self) -> None:
        v = self.view
        if v is None:
            return
        amount = None
        if v.can_lower_amount and self.amount.text().strip():
            if not self.amount.check():
                return
            amount = Money(self.amount.value(), VND)
        shown = amount or v.billed
        if not confirm(self, _("Accept bill {number} of {carrier} for {amount}? The payable to the carrier is "
                               "posted to the ledger.").format(number=v.bill_no, carrier=v.carrier,
                                                                amount=fmt_money(shown))):
            return
        try:
            self.session.call("carrier_bills.accept", v.bill_id, amount)
        except (DomainError, ValidationFailed) as exc:
            report_error(self, exc)
        self.amount.set_value(None)
        self.reload()

    def dispute_bill(self) -> None:
        v = self.view
        if v is None:
            return
        try:
            self.session.call("carrier_bills.dispute", v.bill_id, self.reason.text())
        except (DomainError, ValidationFailed) as exc:
            report_error(self, exc)
            return
        self.reason.clear()
        self.reload()


def open_carrier_bills(session: Session, parent: QWidget | None = None) -> None:
    CarrierBillsDialog(session, parent).exec()


def carrier_bill_window(session: Session, bill_id: int, parent: QWidget | None = None) -> QWidget:
    """A dispute task's subject opened from a queue: the bills screen on that bill."""
    return CarrierBillsDialog(session, parent, bill_id)


register_detail("carrier_bill", carrier_bill_window)
