"""Warehouse screens: the China receiving station, the parcel window (with ownerless matching),
stocktakes, partner imports, alert notes, and the order window's parcels tab. Shipments and
deliveries have their own modules; all register here."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError, ValidationFailed
from app.i18n import _, fmt_datetime, fmt_decimal
from app.permissions import Perm
from app.services.parcels import LabelFacts
from app.services.stocktakes import FOUND, RESULT_LABELS
from app.services.scanning import (
    Measurements,
    Outcome,
    ScanResult,
    chargeable_kg,
    parse_dims,
    parse_weight,
)
from app.workflows.parcels import STAGE_LABELS, Stage, shelf_label
from ui.widgets.read_when_shown import ReadWhenShown
from ui.common import fit_to_screen, named, open_in_main, report_error
from ui.screens.warehouse_common import (
    FieldDialog,
    ask_save_path,
    button,
    keep_window,
    parse_kg,
    print_or_open,
    temp_pdf,
    warehouse_box,
)
from ui.session import Session
from ui.widgets.journal_status import StationLink
from ui.widgets.scan_panel import ScanPanel
from ui.windows.detail import ActivityTimeline

# -- the China receiving station ------------------------------------------------------------------

class ReceiveStation(FieldDialog):
    """Trạm nhập kho TQ: scan a parcel (weigh and measure it before or after), see at once whose it
    is and where it goes, print its label."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "receive_station", _("Receiving station (China)"))
        self.setWindowTitle(_("Receiving station — China warehouse"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session = session
        self.divisor = session.call("stations.volumetric_divisor")
        self.last_parcel: int | None = None
        self.last_scan: str | None = None        # a scan answered from the journal, not sent yet
        self.last_weighed = False
        self.warehouse = warehouse_box(session, "receive_warehouse", "CN")
        self.weight = named(QLineEdit(), "receive_weight", _("Weight (kg)"))
        self.length = named(QLineEdit(), "receive_length", _("Length (cm)"))
        self.width = named(QLineEdit(), "receive_width", _("Width (cm)"))
        self.height = named(QLineEdit(), "receive_height", _("Height (cm)"))
        for w in (self.weight, self.length, self.width, self.height):
            w.setMaximumWidth(90)
            w.textChanged.connect(self._preview)
            w.returnPressed.connect(lambda: self.panel.focus_field())
        self.chargeable = named(QLabel(""), "receive_chargeable", _("Chargeable weight"))
        self.chargeable.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.auto_label = named(QCheckBox(_("Print a label after each receipt")), "receive_auto_label")
        self.auto_label.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.status = named(QLabel(""), "receive_status")
        self.panel = ScanPanel(self._scan, self._intercept, self._acknowledge,
                               _("Scan a tracking code (or put the parcel on the scale), then Enter"))
        # every scan goes through the station's journal: it keeps scanning when the link drops
        self.link = StationLink(session, self.warehouse.currentData, self.panel.sounds, self)
        self.finished.connect(self.link.stop)
        self.warehouse.currentIndexChanged.connect(
            lambda _i: self.link.watch("receive_cn", self.warehouse.currentData()))
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Warehouse:")))
        top.addWidget(self.warehouse)
        top.addSpacing(16)
        top.addWidget(QLabel(_("Weight (kg):")))
        top.addWidget(self.weight)
        top.addWidget(QLabel(_("L × W × H (cm):")))
        top.addWidget(self.length)
        top.addWidget(QLabel("×"))
        top.addWidget(self.width)
        top.addWidget(QLabel("×"))
        top.addWidget(self.height)
        top.addWidget(self.chargeable)
        top.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.auto_label)
        actions.addStretch(1)
        actions.addWidget(button(_("Print label of the last parcel (F9)"), "receive_print_label", self.print_label, "F9"))
        actions.addWidget(button(_("Save label as PDF… (F10)"), "receive_save_label", self.save_label, "F10"))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.panel, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addWidget(self.link)
        fit_to_screen(self, 1100, 760)

    # the measurements typed in (or by the scale) for the next parcel
    def _measurements(self) -> Measurements:
        return Measurements(parse_kg(self.weight.text(), "weight_kg"), parse_kg(self.length.text(), "dims"),
                            parse_kg(self.width.text(), "dims"), parse_kg(self.height.text(), "dims"))

    def _preview(self) -> None:
        try:
            m = self._measurements()
        except ValidationFailed:
            self.chargeable.setText("")
            return
        charge = chargeable_kg(m.weight_kg, m.dims, self.divisor)
        self.chargeable.setText(_("Chargeable: {kg} kg").format(kg=fmt_decimal(charge)) if charge is not None else "")

    def _clear_measurements(self) -> None:
        for w in (self.weight, self.length, self.width, self.height):
            w.blockSignals(True)
            w.clear()
            w.blockSignals(False)
        self.chargeable.setText("")

    def _scan(self, text: str) -> ScanResult:
        m = self._measurements()
        r = self.link.scan(self.warehouse.currentData(), text, m)
        if r.facts.get("local"):
            if not m.empty:
                self._clear_measurements()           # journalled with the scan
            if r.outcome in (Outcome.RECEIVED, Outcome.OWNERLESS):
                self.last_parcel, self.last_scan = None, r.facts.get("scan_id")
                self.last_weighed = not m.empty
        if r.parcel_id is not None and r.outcome in (Outcome.RECEIVED, Outcome.EXCESS, Outcome.OWNERLESS,
                                                     Outcome.ALREADY):
            self.last_parcel = r.parcel_id
            self.last_weighed = r.weight_kg is not None
            if not m.empty:
                self._clear_measurements()
            if self.auto_label.isChecked() and r.outcome is not Outcome.ALREADY:
                self.print_label()
        return r

    def _intercept(self, text: str) -> ScanResult | None:
        """A keyboard-wedge scale types its reading into the focused field: a number with a
        decimal mark is a weight (no tracking code has one), "40x30x20" is a size."""
        weight = parse_weight(text)
        dims = parse_dims(text) if weight is None else None
        if weight is None and dims is None:
            return None
        pending = any(w.text().strip() for w in (self.weight, self.length, self.width, self.height))
        if weight is not None and self._last_parcel() is not None and not self.last_weighed and not pending:
            r = self.session.call("parcels.record_measurements", self.last_parcel, Measurements(weight))
            self.last_weighed = True
            return r
        if weight is not None:
            self.weight.setText(str(weight))
            return ScanResult(Outcome.SHIPMENT, "", _("Weight {kg} kg taken").format(kg=fmt_decimal(weight)),
                              _("It is recorded with the next parcel scanned."))
        self.length.setText(str(dims[0]))
        self.width.setText(str(dims[1]))
        self.height.setText(str(dims[2]))
        return ScanResult(Outcome.SHIPMENT, "", _("Size {dims} cm taken").format(dims=text.strip()),
                          _("It is recorded with the next parcel scanned."))

    def _acknowledge(self, r: ScanResult) -> None:
        self.session.call("alerts.acknowledge", [a.id for a in r.alerts])

    def _last_parcel(self) -> int | None:
        """The last parcel received; one answered from the journal is known once it is sent."""
        if self.last_parcel is None and self.last_scan is not None:
            self.last_parcel = self.link.journal.get(self.last_scan).parcel_id
        return self.last_parcel

    def _label_ready(self) -> bool:
        if self._last_parcel() is not None:
            return True
        if self.last_scan is not None:
            self.status.setText(_("The scan is not sent yet: print its label when the station is online."))
        else:
            self.status.setText(_("Scan a parcel first."))
        self.panel.focus_field()
        return False

    def print_label(self) -> None:
        if not self._label_ready():
            return
        try:
            path = temp_pdf("label")
            path.write_bytes(self.session.call("parcels.label_pdf", [self.last_parcel]))
            self.status.setText(print_or_open(path, self, (100, 75)))
        except Exception as exc:
            report_error(self, exc)
        self.panel.focus_field()

    def save_label(self, path: str | None = None) -> None:
        if not self._label_ready():
            return
        path = path or ask_save_path(self, _("Save label as PDF"), "label.pdf", "PDF (*.pdf)")
        if path:
            try:
                Path(path).write_bytes(self.session.call("parcels.label_pdf", [self.last_parcel]))
                self.status.setText(_("Label saved to {path}").format(path=path))
            except Exception as exc:
                report_error(self, exc)
        self.panel.focus_field()


# -- the parcel window (and matching an ownerless parcel) -----------------------------------------

class ParcelWindow(FieldDialog):
    """One parcel: where it is, its weights, alert notes, history; an ownerless one also shows what
    its label says and the orders it may belong to, best first."""

    def __init__(self, session: Session, parcel_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "parcel_window", _("Parcel"))
        self.session, self.parcel_id = session, parcel_id
        self.code = named(QLabel(""), "parcel_code")
        self.code.setStyleSheet("font-size: 20px; font-weight: bold;")
        self.status = named(QLabel(""), "parcel_status")
        self.status.setStyleSheet("font-size: 14px; font-weight: bold; color: #1565c0;")
        self.facts = named(QLabel(""), "parcel_facts")
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.alerts = named(QLabel(""), "parcel_alerts")
        self.alerts.setWordWrap(True)
        self.alerts.setStyleSheet("background: #fff8e1; color: #5d4037; padding: 6px;")
        top = QHBoxLayout()
        top.addWidget(self.code)
        top.addStretch(1)
        top.addWidget(self.status)
        can = session.can
        labels = can(Perm.RECEIVE_CN) or can(Perm.RECEIVE_VN) or can(Perm.MATCH_PARCELS)
        buttons = QHBoxLayout()
        for text, name, slot, allowed in (
                (_("Print label"), "parcel_print_label", self.print_label, labels),
                (_("Save label as PDF…"), "parcel_save_label", lambda: self.save_label(), labels),
                (_("Move to shelf…"), "parcel_set_shelf", self.set_shelf,
                 can(Perm.RECEIVE_CN) or can(Perm.RECEIVE_VN) or can(Perm.DELIVER)),
                (_("Pin an alert note…"), "parcel_pin_alert", self.pin_alert, can(Perm.PIN_ALERTS)),
                (_("Declare lost…"), "parcel_declare_lost", lambda: self.declare_lost(), False)):
            b = named(QPushButton(text), name)
            b.clicked.connect(slot)
            b.setVisible(allowed)
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.tabs = named(QTabWidget(), "parcel_tabs")
        self.match_page = self._build_match_page()
        self.timeline = ActivityTimeline()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(self.alerts)
        layout.addLayout(buttons)
        layout.addWidget(self.tabs, 1)
        self.resize(980, 700)
        self.reload()

    def _build_match_page(self) -> QWidget:
        page = QWidget()
        self.label_name = named(QLineEdit(), "ownerless_label_name", _("Name on the label"))
        self.label_shop = named(QLineEdit(), "ownerless_label_shop", _("Sender / shop"))
        self.seller_no = named(QLineEdit(), "ownerless_seller_order_no", _("Seller's order number"))
        self.item_count = named(QSpinBox(), "ownerless_item_count", _("Items inside"))
        self.item_count.setRange(0, 100000)
        self.item_count.setSpecialValueText(_("not counted"))
        self.note = named(QLineEdit(), "ownerless_note", _("Note"))
        form = QFormLayout()
        form.addRow(_("Name on the label (shipping mark):"), self.label_name)
        form.addRow(_("Sender / shop:"), self.label_shop)
        form.addRow(_("Seller's order number:"), self.seller_no)
        form.addRow(_("Items inside:"), self.item_count)
        form.addRow(_("Note:"), self.note)
        save = named(QPushButton(_("Save and find owners")), "ownerless_save")
        save.clicked.connect(self.save_facts)
        save.setDefault(True)          # Enter in a label field saves and ranks the candidates
        self.candidates = named(QTableWidget(0, 5), "ownerless_candidates", _("Candidate orders"))
        self.candidates.setHorizontalHeaderLabels([_("Order"), _("Customer"), _("Status"), _("Score"), _("Why")])
        self.candidates.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.candidates.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.candidates.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.candidates.horizontalHeader().setStretchLastSection(True)
        self.candidates.cellDoubleClicked.connect(lambda r, c: self.match_selected())
        match = named(QPushButton(_("Match to the selected order")), "ownerless_match")
        match.clicked.connect(self.match_selected)
        self.order_code = named(QLineEdit(), "ownerless_order_code", _("Order code"))
        self.order_code.setPlaceholderText(_("or type an order code, e.g. DH0000123"))
        self.order_code.setMinimumWidth(260)
        by_code = named(QPushButton(_("Match to this order")), "ownerless_match_code")
        by_code.clicked.connect(self.match_code)
        row = QHBoxLayout()
        row.addWidget(match)
        row.addStretch(1)
        row.addWidget(self.order_code)
        row.addWidget(by_code)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(save, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(QLabel(_("Orders it may belong to, best first:")))
        layout.addWidget(self.candidates, 1)
        layout.addLayout(row)
        return page

    def reload(self) -> None:
        s = self.session
        v = self.view = s.call("parcels.get", self.parcel_id)
        ln = v.line
        self.setWindowTitle(_("Parcel {code}").format(code=ln.tracking_code))
        self.code.setText(ln.tracking_code + (f"  ·  {ln.carrier}" if ln.carrier else ""))
        self.status.setText(_(ln.status_label) + ("  ·  " + _("ownerless") if ln.ownerless else "")
                            + ("  ·  " + _("excess") if ln.excess else ""))
        kg = lambda d: fmt_decimal(d) if d is not None else "—"  # noqa: E731
        self.facts.setText("\n".join([
            _("Owner: {customer} · Order: {order} · To: {dest}").format(
                customer=f"{v.customer_code} {v.customer_name}".strip() or "—", order=v.order_code or "—",
                dest=v.destination or "—"),
            _("Warehouse: {wh} · Shelf: {shelf} · Shipment: {shipment}").format(
                wh=ln.warehouse or "—", shelf=shelf_label(ln.shelf) or "—", shipment=ln.shipment_code or "—"),
            _("Weight: {w} kg · Size: {dims} cm · Chargeable: {c} kg · Weight in Vietnam: {vn} kg").format(
                w=kg(ln.weight_kg), dims=ln.dims or "—", c=kg(ln.chargeable_kg), vn=kg(ln.vn_weight_kg)),
            _("Known since {created} · Received in China {cn} · Received in Vietnam {vn}").format(
                created=fmt_datetime(v.created_at), cn=fmt_datetime(ln.received_cn_at) or "—",
                vn=fmt_datetime(ln.received_vn_at) or "—"),
        ]))
        self.alerts.setText("\n".join(_("Alert note ({stage}): {text} — {who}").format(
            stage=_(STAGE_LABELS[a.stage]), text=a.text, who=a.created_by) for a in v.alerts))
        self.alerts.setVisible(bool(v.alerts))
        self.findChild(QPushButton, "parcel_declare_lost").setVisible(v.can_declare_lost)
        self.timeline.show_lines(s.call("activity.history", "parcel", self.parcel_id))
        if self.tabs.count() == 0:
            if ln.ownerless and s.can(Perm.MATCH_PARCELS):
                self.tabs.addTab(self.match_page, _("Find the owner"))
            self.tabs.addTab(self.timeline, _("Activity"))
        if ln.ownerless:
            self.label_name.setText(v.label_name)
            self.label_shop.setText(v.label_shop)
            self.seller_no.setText(v.seller_order_no)
            self.item_count.setValue(v.item_count or 0)
            self.note.setText(v.note)
            self._fill_candidates()

    def _fill_candidates(self) -> None:
        from app.workflows.orders import STATUS_LABELS

        s = self.session
        if not s.can(Perm.MATCH_PARCELS):
            return
        self.found = s.call("parcels.candidates", self.parcel_id)
        self.candidates.setRowCount(len(self.found))
        for row, c in enumerate(self.found):
            for col, text in enumerate((c.order_code, f"{c.customer_code} {c.customer_name}",
                                        _(STATUS_LABELS.get(c.status, c.status)), str(c.score),
                                        "; ".join(c.evidence))):
                item = QTableWidgetItem(text)
                item.setToolTip("\n".join(c.evidence))
                self.candidates.setItem(row, col, item)
        if self.found:
            self.candidates.selectRow(0)
        self.candidates.resizeColumnsToContents()

    def save_facts(self) -> None:
        s = self.session
        try:
            s.call("parcels.describe_ownerless", self.parcel_id, LabelFacts(
                self.label_name.text(), self.label_shop.text(), self.seller_no.text(),
                self.item_count.value() or None, self.note.text()))
        except Exception as exc:
            report_error(self, exc)
            return
        self.reload()

    def match_selected(self) -> None:
        row = self.candidates.currentRow()
        if not 0 <= row < len(getattr(self, "found", [])):
            return
        c = self.found[row]
        evidence = _("Ranked {n} of {total} (score {score}): {why}").format(
            n=row + 1, total=len(self.found), score=c.score, why="; ".join(c.evidence))
        self._match(c.order_id, evidence, c.shop_order_id)

    def match_code(self) -> None:
        code = self.order_code.text().strip().upper()
        try:
            oid = self.session.call("stations.order_id_by_code", code)
        except Exception as exc:
            report_error(self, exc)
            return
        if oid is None:
            report_error(self, DomainError(_("No order has the code {code}.").format(code=code)))
            return
        self._match(oid, _("Matched by hand to {code}").format(code=code), None)

    def _match(self, order_id: int, evidence: str, shop_order_id: int | None) -> None:
        s = self.session
        try:
            s.call("parcels.match", self.parcel_id, order_id, evidence, shop_order_id)
        except Exception as exc:
            report_error(self, exc)
            return
        self.tabs.removeTab(self.tabs.indexOf(self.match_page))
        self.reload()

    def print_label(self) -> None:
        try:
            path = temp_pdf("label")
            path.write_bytes(self.session.call("parcels.label_pdf", [self.parcel_id]))
            print_or_open(path, self, (100, 75))
        except Exception as exc:
            report_error(self, exc)

    def save_label(self, path: str | None = None) -> None:
        path = path or ask_save_path(self, _("Save label as PDF"), f"{self.view.line.tracking_code}.pdf", "PDF (*.pdf)")
        if path:
            try:
                Path(path).write_bytes(self.session.call("parcels.label_pdf", [self.parcel_id]))
            except Exception as exc:
                report_error(self, exc)

    def set_shelf(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        shelf, ok = QInputDialog.getText(self, _("Move to shelf"), _("New shelf / bin:"), text=self.view.line.shelf)
        if ok:
            try:
                self.session.call("parcels.set_shelf", self.parcel_id, shelf)
            except Exception as exc:
                report_error(self, exc)
            self.reload()

    def pin_alert(self) -> None:
        if PinAlertDialog(self.session, tracking_code=self.view.line.tracking_code, parent=self).exec():
            self.reload()

    def declare_lost(self, reason: str | None = None) -> bool:
        """A manager declares the parcel lost (its order's staff are told); asks why first."""
        if reason is None:
            from PySide6.QtWidgets import QInputDialog

            reason, ok = QInputDialog.getText(self, _("Declare lost"), _("Why is the parcel declared lost?"))
            if not ok:
                return False
        try:
            self.session.call("parcels.mark_lost", self.parcel_id, reason)
        except Exception as exc:
            report_error(self, exc)
            return False
        self.reload()
        return True


# -- alert notes ---------------------------------------------------------------------------------

class PinAlertDialog(QDialog):
    """Lưu ý hàng hóa: a note for the warehouse, pinned to an order or a tracking code, for a stage."""

    def __init__(self, session: Session, order_id: int | None = None, order_code: str = "",
                 tracking_code: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "pin_alert_dialog", _("Pin an alert note"))
        self.setWindowTitle(_("Pin an alert note"))
        self.session, self.order_id = session, order_id
        self.target = named(QComboBox(), "alert_target", _("Pinned to"))
        if order_id is not None:
            self.target.addItem(_("Order {code} (all its parcels)").format(code=order_code), "order")
        self.target.addItem(_("A tracking code"), "code")
        self.code = named(QLineEdit(tracking_code), "alert_tracking_code", _("Tracking code"))
        self.stage = named(QComboBox(), "alert_stage", _("Stage"))
        for st in Stage:
            self.stage.addItem(_(STAGE_LABELS[st]), st.value)
        self.text = named(QPlainTextEdit(), "alert_text", _("Note"))
        self.text.setPlaceholderText(_("What the warehouse must know or do at that stage"))
        self.error = named(QLabel(""), "alert_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Pinned to:"), self.target)
        form.addRow(_("Tracking code:"), self.code)
        form.addRow(_("Stops the scan at:"), self.stage)
        form.addRow(_("Note:"), self.text)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "alert_save").setText(_("Pin"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        self.target.currentIndexChanged.connect(lambda _i: self.code.setEnabled(self.target.currentData() == "code"))
        self.code.setEnabled(self.target.currentData() == "code")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(box)

    def save(self) -> None:
        s = self.session
        by_order = self.target.currentData() == "order"
        try:
            self.alert_id = s.call("alerts.pin", self.stage.currentData(), self.text.toPlainText(),
                                   order_id=self.order_id if by_order else None,
                                   tracking_code=None if by_order else self.code.text())
        except ValidationFailed as exc:
            self.error.setText(str(exc))
            return
        except Exception as exc:
            report_error(self, exc)
            return
        self.accept()


# -- stocktake -----------------------------------------------------------------------------------

class StocktakeWindow(FieldDialog):
    """Kiểm kê: choose the warehouse, scan every parcel on its shelves, close: missing and excess."""

    def __init__(self, session: Session, stocktake_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "stocktake_window", _("Stocktake"))
        self.setWindowTitle(_("Stocktake"))
        self.session, self.stocktake_id = session, stocktake_id
        self.warehouse = warehouse_box(session, "stocktake_warehouse", None)
        self.start_button = button(_("Start counting"), "stocktake_start", self.start)
        self.close_button = button(_("Close the stocktake"), "stocktake_close", self.finish)
        self.summary = named(QLabel(""), "stocktake_summary")
        self.summary.setStyleSheet("font-size: 15px;")
        self.panel = ScanPanel(self._scan, placeholder=_("Scan every parcel on the shelves"))
        # every count goes through the station's journal: it keeps counting when the link drops
        self.link = StationLink(session, self.warehouse.currentData, self.panel.sounds, self, kind="stocktake")
        self.finished.connect(self.link.stop)
        self._refresh_soon = QTimer(self)
        self._refresh_soon.setSingleShot(True)
        self._refresh_soon.setInterval(2000 if session.remote else 0)
        self._refresh_soon.timeout.connect(self.refresh)
        self.results = named(QTableWidget(0, 5), "stocktake_results", _("Result"))
        self.results.setHorizontalHeaderLabels([_("Result"), _("Tracking code"), _("Customer"), _("Order"),
                                                _("Where the records put it")])
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.results.horizontalHeader().setStretchLastSection(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Warehouse:")))
        top.addWidget(self.warehouse)
        top.addWidget(self.start_button)
        top.addStretch(1)
        top.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.panel, 2)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.link)
        fit_to_screen(self, 1000, 780)
        self.refresh()

    def refresh(self) -> None:
        s = self.session
        try:
            if self.stocktake_id is None:
                self.stocktake_id = s.call("stocktakes.open_for", self.warehouse.currentData())
            v = s.call("stocktakes.get", self.stocktake_id) if self.stocktake_id is not None else None
        except Exception as exc:        # offline: the counting goes on from the station's journal
            from app.journal import is_link_error

            if not is_link_error(exc):
                raise
            self.summary.setText(_("Offline: the counts are kept on this station and sent when the "
                                   "connection returns."))
            return
        counting = False
        if v is not None:
            self.link.watch("stocktake", v.warehouse_id, v.id)
            self.warehouse.setCurrentIndex(self.warehouse.findData(v.warehouse_id))
            counting = v.counting
            self.summary.setText(_("{warehouse}: {scanned} counted of {expected} expected · missing {missing} · "
                                   "should not be there {excess}").format(
                warehouse=v.warehouse, scanned=v.scanned_count, expected=v.expected_count,
                missing=v.missing_count, excess=v.excess_count))
            if not v.counting:
                self._show_lines(v)
        else:
            self.summary.setText(_("Choose the warehouse and start counting."))
        self.warehouse.setEnabled(self.stocktake_id is None)
        self.start_button.setEnabled(self.stocktake_id is None)
        self.close_button.setEnabled(counting)
        self.panel.field.setEnabled(counting)

    def _show_lines(self, v) -> None:
        lines = [ln for ln in v.lines if ln.result != FOUND]
        self.results.setRowCount(len(lines))
        for row, ln in enumerate(lines):
            for col, text in enumerate((_(RESULT_LABELS[ln.result]), ln.tracking_code, ln.customer_code,
                                        ln.order_code, ln.detail)):
                self.results.setItem(row, col, QTableWidgetItem(text))

    def start(self) -> None:
        s = self.session
        try:
            self.stocktake_id = s.call("stocktakes.start", self.warehouse.currentData())
        except Exception as exc:
            report_error(self, exc)
        self.refresh()
        self.panel.focus_field()

    def _scan(self, text: str) -> ScanResult:
        r = self.link.scan(self.warehouse.currentData(), text, kind="stocktake", target_id=self.stocktake_id)
        if self.link.station.online and not self._refresh_soon.isActive():
            self._refresh_soon.start()           # the counts (through a server: every 2 s at most)
        return r

    def finish(self) -> None:
        from ui.common import confirm

        if not confirm(self, _("Close the stocktake? Every parcel not scanned will be listed missing.")):
            return
        try:
            self.link.station.send_pending()          # every count made here is in before it closes
            self.session.call("stocktakes.close", self.stocktake_id)
        except Exception as exc:
            report_error(self, exc)
        self.refresh()


# -- partner imports ------------------------------------------------------------------------------

class OrderParcelsTab(ReadWhenShown, QWidget):
    """Kiện hàng: the order's parcels, where each is, their weights; alert notes on the order."""

    COLUMNS = ("tracking_code", "status", "warehouse", "shelf", "weight", "dims", "chargeable", "vn_weight",
               "shipment", "received_cn")

    def __init__(self, session: Session, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_id, self.order_code = session, view.id, view.code
        self.table = named(QTableWidget(0, len(self.COLUMNS)), "order_parcels_table", _("Parcels"))
        self.table.setHorizontalHeaderLabels([_("Tracking code"), _("Status"), _("Warehouse"), _("Shelf"),
                                              _("Weight (kg)"), _("Size (cm)"), _("Chargeable (kg)"),
                                              _("Weight in VN (kg)"), _("Shipment"), _("Received in China")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellDoubleClicked.connect(self._open)
        self.alerts = named(QLabel(""), "order_alerts")
        self.alerts.setWordWrap(True)
        self.summary = named(QLabel(""), "order_parcels_summary")
        pin = named(QPushButton(_("Pin an alert note…")), "order_pin_alert")
        pin.clicked.connect(self.pin)
        pin.setVisible(session.can(Perm.PIN_ALERTS))
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(pin)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.alerts)
        self.refresh(view)

    def load(self) -> None:
        s = self.session
        self.lines = s.call("parcels.of_order", self.order_id)
        self.table.setRowCount(len(self.lines))
        for row, p in enumerate(self.lines):
            values = (p.tracking_code, _(p.status_label) + (" · " + _("excess") if p.excess else ""), p.warehouse,
                      shelf_label(p.shelf), fmt_decimal(p.weight_kg), p.dims, fmt_decimal(p.chargeable_kg),
                      fmt_decimal(p.vn_weight_kg), p.shipment_code, fmt_datetime(p.received_cn_at))
            for col, text in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(text))
        total = sum((p.chargeable_kg or Decimal(0) for p in self.lines), Decimal(0))
        self.summary.setText(_("{n} parcels · chargeable {kg} kg").format(n=len(self.lines), kg=fmt_decimal(total)))
        notes = s.call("alerts.for_order", self.order_id, [p.tracking_code for p in self.lines])
        self.alerts.setText("\n".join(
            _("Alert note ({stage}): {text} — {who}").format(stage=_(STAGE_LABELS[a.stage]), text=a.text,
                                                             who=a.created_by)
            + (" " + _("(read by {who})").format(who=a.acknowledged_by) if a.acknowledged_at else "")
            for a in notes))

    def _open(self, row: int, _col: int) -> None:
        if 0 <= row < len(self.lines):
            open_in_main(self, "parcel", self.lines[row].id)

    def pin(self) -> None:
        if PinAlertDialog(self.session, self.order_id, self.order_code, parent=self).exec():
            self.refresh()



# -- registration: windows by record, "New …" actions, the order's parcels tab -------------------

def _station(key: str, factory):
    def run(session: Session, parent: QWidget) -> None:
        keep_window(parent, f"{key}:{session.role.value}", lambda: factory(session, parent))
    return run


def new_shipment(session: Session, parent: QWidget) -> None:
    from ui.screens.shipment_screens import NewShipmentDialog

    dialog = NewShipmentDialog(session, parent)
    if dialog.exec() and dialog.shipment_id is not None:
        open_in_main(parent, "shipment", dialog.shipment_id)


def new_delivery(session: Session, parent: QWidget) -> None:
    from ui.screens.delivery_screens import NewDeliveryDialog

    dialog = NewDeliveryDialog(session, parent)
    if dialog.exec() and dialog.delivery_id is not None:
        open_in_main(parent, "delivery", dialog.delivery_id)


def pin_alert(session: Session, parent: QWidget) -> None:
    PinAlertDialog(session, parent=parent).exec()


open_receive_cn = _station("receive_cn", ReceiveStation)


def open_receive_shipments(session: Session, parent: QWidget) -> None:
    from ui.screens.shipment_screens import ShipmentWindow

    _station("receive_shipments", lambda s, p: ShipmentWindow(s, None, p))(session, parent)


def open_receive_returns(session: Session, parent: QWidget) -> None:
    from ui.screens.shipment_screens import ShipmentWindow

    _station("receive_returns", lambda s, p: ShipmentWindow(s, None, p))(session, parent)


open_stocktake = _station("stocktake", lambda s, p: StocktakeWindow(s, None, p))


def _register() -> None:
    from app.i18n import N_
    from ui.screens.delivery_screens import DeliveryWindow
    from ui.screens.shipment_screens import ShipmentWindow
    from ui.windows.registry import OrderTab, register_detail, register_order_tab

    register_detail("parcel", ParcelWindow)
    register_detail("shipment", ShipmentWindow)
    register_detail("delivery", DeliveryWindow)
    register_detail("stocktake", StocktakeWindow)
    register_order_tab(OrderTab("order_tab_parcels", N_("Parcels"), Perm.VIEW_ORDERS,
                                lambda session, view, parent: OrderParcelsTab(session, view, parent), order=30))


_register()
