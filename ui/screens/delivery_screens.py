"""Delivery screens (warehouse Vietnam): a new delivery request for a customer's parcels, and the
delivery window — scan parcels into boxes, issue and print the slip, hand over, signed slip."""
from __future__ import annotations

from decimal import Decimal
from html import escape
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
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ValidationFailed
from app.i18n import _, fmt_datetime, fmt_decimal, fmt_money
from app.money import VND, Money
from app.services.deliveries import MAX_BOXES, DeliveryInput, weight_text
from app.services.scanning import ScanResult
from app.workflows.deliveries import DELIVERY_METHOD_LABELS
from app.workflows.parcels import shelf_label
from ui.common import ask_open_path, fit_to_screen, named, report_error
from ui.screens.warehouse_common import FieldDialog, ask_save_path, button
from ui.screens.work_common import fill_warehouses, print_pdf, save_bytes, warehouse_combo
from ui.session import Session
from ui.widgets.amount_edit import AmountEdit
from ui.widgets.customer_picker import CustomerPicker
from ui.widgets.scan_panel import ScanPanel


class NewDeliveryDialog(FieldDialog):
    """Find the customer, tick the parcels on the shelves, choose how they leave."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "new_delivery_dialog", _("New delivery request"))
        self.setWindowTitle(_("New delivery request"))
        self.session = session
        self.delivery_id: int | None = None
        self.customer_id: int | None = None
        self.picker = CustomerPicker(session, self)
        self.search = named(self.picker.search, "delivery_customer_search", _("Customer"))
        self.hits = named(self.picker.results, "delivery_customer_hits", _("Matching customers"))
        named(self.picker.label, "delivery_customer_chosen")
        self.picker.chosen.connect(self._choose)
        self.picker.cleared.connect(lambda: self._choose(None))
        self.warehouse = warehouse_combo("delivery_warehouse")
        fill_warehouses(session, (self.warehouse, "VN"))
        self.warehouse.currentIndexChanged.connect(lambda _i: self._load_parcels())
        self.parcels = named(QTableWidget(0, 5), "delivery_parcels", _("Parcels"))
        self.parcels.setHorizontalHeaderLabels([_("Deliver"), _("Tracking code"), _("Order"), _("Shelf"),
                                                _("Weight (kg)")])
        self.parcels.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.parcels.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.method = named(QComboBox(), "delivery_method", _("Delivery by"))
        for key, label in DELIVERY_METHOD_LABELS.items():
            self.method.addItem(_(label), key)
        self.fee = AmountEdit("delivery_fee", _("Delivery fee (VND)"), currency="VND")
        self.fee.set_value(Decimal(0))
        self.recipient = named(QLineEdit(), "delivery_recipient", _("Recipient"))
        self.phone = named(QLineEdit(), "delivery_phone", _("Phone"))
        self.address = named(QLineEdit(), "delivery_address", _("Address"))
        for w in (self.recipient, self.phone, self.address):
            w.setPlaceholderText(_("from the customer's default address"))
        self.note = named(QLineEdit(), "delivery_note", _("Note"))
        self.error = named(QLabel(""), "delivery_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("Customer:"), self.picker)
        form.addRow(_("From warehouse:"), self.warehouse)
        form.addRow(_("Parcels on the shelves:"), self.parcels)
        form.addRow(_("Delivery by:"), self.method)
        form.addRow(_("Delivery fee (VND):"), self.fee)
        form.addRow(_("Recipient:"), self.recipient)
        form.addRow(_("Phone:"), self.phone)
        form.addRow(_("Address:"), self.address)
        form.addRow(_("Note:"), self.note)
        create = named(QPushButton(_("Create the request")), "delivery_create")
        cancel = named(QPushButton(_("Cancel")), "delivery_cancel_new")
        for b, slot in ((create, self.save), (cancel, self.reject)):
            b.setAutoDefault(False)     # Enter in the customer search searches, it creates nothing
            b.clicked.connect(slot)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(create)
        row.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(row)
        self.resize(760, 680)

    def _choose(self, customer_id: int | None) -> None:
        self.customer_id = customer_id
        self._load_parcels()

    def _load_parcels(self) -> None:
        self.rows = []
        if self.customer_id is not None:
            try:
                self.rows = self.session.call("deliveries.deliverable_parcels", self.customer_id,
                                              self.warehouse.currentData())
            except Exception as exc:
                report_error(self, exc)
        self.parcels.setRowCount(len(self.rows))
        for row, p in enumerate(self.rows):
            tick = named(QCheckBox(), f"delivery_pick_{row}")
            tick.setChecked(True)
            self.parcels.setCellWidget(row, 0, tick)
            for col, text in enumerate((p.tracking_code, p.order_code, shelf_label(p.shelf), fmt_decimal(p.weight_kg)), start=1):
                self.parcels.setItem(row, col, QTableWidgetItem(text))
        self.error.setText("" if self.rows or self.customer_id is None else
                           _("This customer has no parcels waiting in this warehouse."))

    def chosen(self) -> list[int]:
        return [p.id for row, p in enumerate(self.rows) if self.parcels.cellWidget(row, 0).isChecked()]

    def save(self) -> None:
        s = self.session
        if self.customer_id is None:
            self.error.setText(_("Find and choose the customer first."))
            return
        if self.fee.text().strip() and not self.fee.check():
            self.error.setText(self.fee.problem())
            return
        try:
            fee = Money(self.fee.value() or Decimal(0), VND)
            self.delivery_id = s.call("deliveries.create", DeliveryInput(
                self.customer_id, self.warehouse.currentData(), self.chosen(), self.method.currentData(),
                self.recipient.text(), self.phone.text(), self.address.text(), fee, self.note.text()))
        except (ValidationFailed, ValueError) as exc:
            self.error.setText(str(exc))
            return
        except Exception as exc:
            report_error(self, exc)
            return
        self.accept()


class HandOverDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "handover_dialog", _("Hand over"))
        self.setWindowTitle(_("Record the hand-over"))
        self.handed_to = named(QLineEdit(), "handover_to", _("Handed to"))
        self.courier = named(QLineEdit(), "handover_courier", _("Courier"))
        self.tracking = named(QLineEdit(), "handover_tracking", _("Courier's tracking code"))
        form = QFormLayout(self)
        form.addRow(_("Handed to (name):"), self.handed_to)
        form.addRow(_("Courier company:"), self.courier)
        form.addRow(_("Courier's tracking code:"), self.tracking)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "handover_save").setText(_("Hand over"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)


class SignedDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "signed_dialog", _("Signed slip"))
        self.setWindowTitle(_("Record the signed slip"))
        self.signed_by = named(QLineEdit(), "signed_by", _("Signed by"))
        self.has_copy = named(QCheckBox(_("I hold the signed copy of the slip")), "signed_has_copy")
        self.file: Path | None = None
        self.file_label = named(QLabel(_("No scan attached")), "signed_file")
        attach = named(QPushButton(_("Attach a scan or photo…")), "signed_attach")
        attach.clicked.connect(lambda: self.attach())
        self.error = named(QLabel(""), "signed_error")
        self.error.setStyleSheet("color: #b3261e;")
        form = QFormLayout(self)
        form.addRow(_("Signed by:"), self.signed_by)
        form.addRow("", self.has_copy)
        form.addRow(attach, self.file_label)
        form.addRow(self.error)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "signed_save").setText(_("Delivered"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def attach(self, path: str | None = None) -> None:
        if path is None:
            path = ask_open_path(self, _("The signed slip"), _("Images and PDF (*.png *.jpg *.jpeg *.pdf)"))
        if path:
            self.file = Path(path)
            self.file_label.setText(self.file.name)


class DeliveryWindow(FieldDialog):
    """A delivery request: scan each parcel into its box, issue and print the slip, hand over,
    record the signed slip."""

    def __init__(self, session: Session, delivery_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "delivery_window", _("Delivery"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session, self.delivery_id = session, delivery_id
        self.code = named(QLabel(""), "delivery_code")
        self.code.setStyleSheet("font-size: 22px; font-weight: bold;")
        self.state = named(QLabel(""), "delivery_state")
        self.state.setStyleSheet("font-size: 15px; font-weight: bold; color: #1565c0;")
        self.facts = named(QLabel(""), "delivery_facts")
        self.facts.setWordWrap(True)
        self.box_no = named(QSpinBox(), "delivery_box", _("Box"))
        self.box_no.setRange(1, MAX_BOXES)
        self.box_no.setPrefix(_("Box "))
        self.box_no.setStyleSheet("font-size: 18px;")
        next_box = button(_("Next box (F6)"), "delivery_next_box", lambda: self.box_no.setValue(self.box_no.value() + 1), "F6")
        self.panel = ScanPanel(self._scan, None, self._acknowledge, _("Scan each parcel as it goes into the box"))
        self.table = named(QTableWidget(0, 5), "delivery_lines", _("Parcels"))
        self.table.setHorizontalHeaderLabels([_("Tracking code"), _("Order"), _("Shelf"), _("Box"), _("Status")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons = {
            "issue_slip": button(_("Issue and print the slip"), "delivery_issue_slip", self.issue_slip),
            "hand_over": button(_("Hand over…"), "delivery_hand_over", self.hand_over),
            "confirm_delivered": button(_("Signed slip back…"), "delivery_delivered", self.delivered),
            "failed": button(_("Delivery failed…"), "delivery_failed", self.failed),
            "cancel": button(_("Cancel request…"), "delivery_cancel", self.cancel),
        }
        self.courier_button = button(_("Courier tracking…"), "delivery_courier", lambda: self.set_courier())
        top = QHBoxLayout()
        top.addWidget(self.code)
        top.addSpacing(12)
        top.addWidget(self.state)
        top.addStretch(1)
        top.addWidget(self.box_no)
        top.addWidget(next_box)
        row = QHBoxLayout()
        row.addWidget(button(_("Print delivery note"), "delivery_print", self.print_note))
        row.addWidget(button(_("Save delivery note PDF…"), "delivery_save_pdf", lambda: self.save_note()))
        row.addStretch(1)
        for b in self.buttons.values():
            row.addWidget(b)
        row.addWidget(self.courier_button)
        self.status_line = named(QLabel(""), "delivery_status_line")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        self.link = named(QLabel(""), "delivery_tracking_link")
        self.link.setOpenExternalLinks(True)
        layout.addWidget(self.link)
        layout.addWidget(self.panel, 3)
        layout.addWidget(self.table, 2)
        layout.addLayout(row)
        layout.addWidget(self.status_line)
        fit_to_screen(self, 1100, 820)
        self.reload()

    def reload(self) -> None:
        self.view = self.session.call("deliveries.get", self.delivery_id)
        self._paint()

    def _paint(self) -> None:
        v = self.view
        self.setWindowTitle(_("Delivery {code} — {customer}").format(code=v.code, customer=v.customer_name))
        self.code.setText(v.code)
        self.state.setText(_(v.status_label))
        self.facts.setText("\n".join(p for p in (
            f"{v.customer_code} · {v.customer_name} · {v.customer_phone}",
            _("To: {recipient} · {phone} · {address}").format(recipient=v.recipient, phone=v.phone, address=v.address),
            _("By: {method} {courier} {tracking} · COD {cod} · {kg}").format(
                method=_(v.method_label), courier=v.courier, tracking=v.courier_tracking, cod=fmt_money(v.cod),
                kg=weight_text(v)),
            _("Handed to {who} at {when}").format(who=v.handed_to, when=fmt_datetime(v.handed_over_at))
            if v.handed_over_at else "",
            _("Signed by {who} at {when}").format(who=v.signed_by, when=fmt_datetime(v.delivered_at))
            if v.delivered_at else "",
            v.status_reason) if p))
        actions = {a for a, _l, _r in v.actions}
        if v.can_pack:
            actions.add("issue_slip")        # shown; refused with the reason while parcels are unpacked
        for name, b in self.buttons.items():
            b.setVisible(name in actions)
        self.courier_button.setVisible(v.can_set_courier)
        self.link.setText(f"<a href='{escape(v.tracking_link)}'>{escape(v.tracking_link)}</a>" if v.tracking_link else "")
        self.link.setVisible(bool(v.tracking_link))
        packing = v.can_pack
        self.panel.field.setEnabled(packing)
        self.box_no.setEnabled(packing)
        self.table.setRowCount(len(v.lines))
        for row, ln in enumerate(v.lines):
            for col, text in enumerate((ln.tracking_code, ln.order_code, shelf_label(ln.shelf),
                                        str(ln.box_no) if ln.box_no else "", _(ln.status_label))):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def _scan(self, text: str) -> ScanResult:
        scan = self.session.call("deliveries.pack_scan_view", self.delivery_id, text, self.box_no.value())
        if scan.view is not None:          # the delivery as the scan left it came with the answer
            self.view = scan.view
            QTimer.singleShot(0, self._paint)
        else:
            QTimer.singleShot(0, self.reload)
        return scan.result

    def _acknowledge(self, r: ScanResult) -> None:
        self.session.call("alerts.acknowledge", [a.id for a in r.alerts])

    def _do(self, op: str, *args) -> bool:
        try:
            self.session.call(op, self.delivery_id, *args)
            return True
        except Exception as exc:
            report_error(self, exc)
            return False
        finally:
            self.reload()

    def issue_slip(self) -> None:
        if self._do("deliveries.issue_slip"):
            self.print_note()

    def print_note(self) -> None:
        try:
            content = self.session.call("deliveries.note", self.delivery_id)
            self.status_line.setText(print_pdf(content, self.view.code, self))
        except Exception as exc:
            report_error(self, exc)

    def save_note(self, path: str | None = None) -> None:
        path = path or ask_save_path(self, _("Save the delivery note"), f"{self.view.code}.pdf", "PDF (*.pdf)")
        if path:
            try:
                save_bytes(self.session.call("deliveries.note", self.delivery_id), path)
                self.status_line.setText(_("Saved to {path}").format(path=path))
            except Exception as exc:
                report_error(self, exc)

    def hand_over(self) -> None:
        dialog = HandOverDialog(self)
        if dialog.exec():
            self._do("deliveries.hand_over", dialog.handed_to.text(), dialog.courier.text(), dialog.tracking.text())

    def delivered(self) -> None:
        dialog = SignedDialog(self)
        while dialog.exec():
            slip = (dialog.file.name, dialog.file.read_bytes()) if dialog.file else None
            try:
                self.session.call("deliveries.confirm_delivered", self.delivery_id, dialog.signed_by.text(),
                                  dialog.has_copy.isChecked(), slip)
            except ValidationFailed as exc:
                dialog.error.setText(str(exc))
                continue
            except Exception as exc:
                report_error(self, exc)
            break
        self.reload()

    def failed(self) -> None:
        reason, ok = QInputDialog.getText(self, _("Delivery failed"), _("What happened?"))
        if ok:
            self._do("deliveries.failed", reason)

    def set_courier(self, courier: str | None = None, tracking: str | None = None) -> bool:
        """Enter or correct the courier and its tracking number after the hand-over."""
        if courier is None:
            dialog = HandOverDialog(self)
            dialog.setWindowTitle(_("Courier tracking"))
            dialog.handed_to.setText(self.view.handed_to)
            dialog.handed_to.setEnabled(False)
            dialog.courier.setText(self.view.courier)
            dialog.tracking.setText(self.view.courier_tracking)
            if not dialog.exec():
                return False
            courier, tracking = dialog.courier.text(), dialog.tracking.text()
        return self._do("deliveries.set_courier_tracking", courier, tracking)

    def cancel(self) -> None:
        reason, ok = QInputDialog.getText(self, _("Cancel request"), _("Why is the request cancelled?"))
        if ok:
            self._do("deliveries.cancel", reason)

