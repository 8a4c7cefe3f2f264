"""Shipment screens: open a shipment, pack it by scanning, seal and send it; at the other end the
receiving station (scan the sack's code, then its parcels, re-weighed) and the reconciliation."""
from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import UnweighedParcels, ValidationFailed
from app.services.files import FileRefused
from app.i18n import _, fmt_decimal
from app.journal import is_link_error
from app.permissions import Role
from app.services.scanning import Measurements, Outcome, ScanResult, parse_weight
from app.services.shipments import Reconciliation, looks_like_shipment
from ui.common import confirm, fit_to_screen, named, report_error
from ui.screens.warehouse_common import FieldDialog, ask_save_path, button, parse_kg
from ui.screens.work_common import fill_warehouses, print_pdf, save_bytes, warehouse_combo
from ui.screens.seals import CustodyDialog, PhotoPicker, ask_seal_check
from ui.session import Session
from ui.widgets.journal_status import StationLink
from ui.widgets.scan_panel import ScanPanel



class NewShipmentDialog(QDialog):
    """Choose the route: China → Vietnam, or Vietnam → China for goods going back (say why)."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "new_shipment_dialog", _("New shipment"))
        self.setWindowTitle(_("New shipment"))
        self.session = session
        self.shipment_id: int | None = None
        back = session.role in (Role.FORWARDER_VN, Role.WAREHOUSE_VN)
        self.origin = warehouse_combo("shipment_origin")
        self.destination = warehouse_combo("shipment_destination", _("Destination"))
        fill_warehouses(session, (self.origin, "VN" if back else "CN"), (self.destination, "CN" if back else "VN"))
        self.transport = named(QLineEdit(), "shipment_transport", _("Transport"))
        self.transport.setPlaceholderText(_("truck, plate, driver…"))
        self.note = named(QPlainTextEdit(), "shipment_note", _("Note"))
        self.note.setMaximumHeight(70)
        if back:
            self.note.setPlaceholderText(_("Why these goods go back to China (the complaint)"))
        self.error = named(QLabel(""), "shipment_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(_("From:"), self.origin)
        form.addRow(_("To:"), self.destination)
        form.addRow(_("Transport:"), self.transport)
        form.addRow(_("Note:"), self.note)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "shipment_create").setText(_("Open the shipment"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.save)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(box)

    def save(self) -> None:
        s = self.session
        try:
            self.shipment_id = s.call("shipments.open", self.origin.currentData(),
                                      self.destination.currentData(), self.note.toPlainText(), self.transport.text())
        except ValidationFailed as exc:
            self.error.setText(str(exc))
            return
        except Exception as exc:
            report_error(self, exc)
            return
        self.accept()


class SealDialog(QDialog):
    def __init__(self, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "seal_dialog", _("Seal the shipment"))
        self.setWindowTitle(_("Seal shipment {code}").format(code=view.code))
        self.gross = named(QLineEdit(), "seal_gross_weight", _("Gross weight (kg)"))
        self.seal_no = named(QLineEdit(), "seal_number", _("Seal number"))
        self.error = named(QLabel(""), "seal_error")
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(QLabel(_("{n} parcels, {kg} kg inside. Weigh the closed sack.").format(
            n=view.parcel_count, kg=fmt_decimal(view.net_weight_kg))))
        form.addRow(_("Gross weight (kg):"), self.gross)
        form.addRow(_("Seal number:"), self.seal_no)
        self.photo = PhotoPicker("seal_photo")
        form.addRow(_("Photo:"), self.photo)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "seal_save").setText(_("Seal"))
        box.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(box)


class ReconciliationDialog(QDialog):
    """What the closed shipment brought: received, missing, extra, weight differences."""

    def __init__(self, recon: Reconciliation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "reconciliation_dialog", _("Reconciliation"))
        self.setWindowTitle(_("Reconciliation of {code}").format(code=recon.shipment_code))
        layout = QVBoxLayout(self)
        for name, title, lines in (("received", _("Received ({n})"), recon.received),
                                   ("missing", _("Missing ({n}) — a task was opened to find each"), recon.missing),
                                   ("extra", _("Extra ({n}) — not on the manifest"), recon.extra),
                                   ("weights", _("Weight differences ({n})"), recon.weight_warnings),
                                   ("elsewhere", _("Arrived with another shipment ({n})"), recon.elsewhere)):
            if not lines and name in ("elsewhere", "weights"):
                continue
            layout.addWidget(QLabel(f"<b>{title.format(n=len(lines))}</b>"))
            lst = named(QListWidget(), f"reconciliation_{name}")
            for ln in lines:
                weights = ""
                if ln.weight_kg is not None or ln.vn_weight_kg is not None:
                    weights = f" · {fmt_decimal(ln.weight_kg) or '—'} → {fmt_decimal(ln.vn_weight_kg) or '—'} kg"
                lst.addItem(f"{ln.tracking_code} · {ln.customer_code} {ln.order_code}{weights} {ln.note}".strip())
            lst.setMaximumHeight(130)
            layout.addWidget(lst)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        box.rejected.connect(self.reject)
        layout.addWidget(box)
        self.resize(640, 560)


class ShipmentWindow(FieldDialog):
    """One shipment, packed or received by scanning. Without a shipment yet (the receiving
    station), the first code scanned must be a sack's: it is marked arrived and opened here."""

    def __init__(self, session: Session, shipment_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "shipment_window", _("Shipment"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session, self.shipment_id = session, shipment_id
        self.view = None
        #: a sack opened offline (Station.arrive): (warehouse id, its facts as cached), until the
        #: server can be read again
        self.offline_sack = None
        self.code = named(QLabel(""), "shipment_code")
        self.code.setStyleSheet("font-size: 22px; font-weight: bold;")
        self.state = named(QLabel(""), "shipment_state")
        self.state.setStyleSheet("font-size: 15px; font-weight: bold; color: #1565c0;")
        self.facts = named(QLabel(""), "shipment_facts")
        self.facts.setWordWrap(True)
        self.weight = named(QLineEdit(), "shipment_receive_weight", _("Weight on arrival (kg)"))
        self.weight.setMaximumWidth(100)
        self.weight.returnPressed.connect(lambda: self.panel.focus_field())
        self.weight_label = QLabel(_("Re-weighed (kg):"))
        self.panel = ScanPanel(self._scan, self._intercept, self._acknowledge, self._placeholder())
        # packing and receiving scans go through the station's journal: they go on when the link drops
        self.link = StationLink(session, lambda: None, self.panel.sounds, self, kind="pack")
        self.finished.connect(self.link.stop)
        self._reload_soon = QTimer(self)
        self._reload_soon.setSingleShot(True)
        self._reload_soon.setInterval(2000 if session.remote else 0)
        self._reload_soon.timeout.connect(self.reload)
        self.table = named(QTableWidget(0, 8), "shipment_lines", _("Manifest"))
        self.table.setHorizontalHeaderLabels([_("Tracking code"), _("Customer"), _("Order"), _("Weight (kg)"),
                                              _("Size (cm)"), _("Chargeable (kg)"), _("On arrival (kg)"), _("State")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.buttons = {
            "seal": button(_("Seal…"), "shipment_seal", self.seal),
            "reopen": button(_("Reopen…"), "shipment_reopen", self.reopen),
            "depart": button(_("Mark departed"), "shipment_depart", self.depart),
            "reconcile": button(_("Close and reconcile"), "shipment_reconcile", self.reconcile),
            "cancel": button(_("Cancel shipment"), "shipment_cancel", self.cancel),
        }
        self.remove_button = button(_("Take the selected parcel out…"), "shipment_unpack", self.unpack)
        self.custody_button = button(_("Seal and custody…"), "shipment_custody", self.custody)
        docs = QHBoxLayout()
        docs.addWidget(button(_("Print manifest"), "shipment_print_manifest", self.print_manifest))
        docs.addWidget(button(_("Save manifest PDF…"), "shipment_save_pdf", lambda: self.save_manifest("pdf")))
        docs.addWidget(button(_("Save manifest XLSX…"), "shipment_save_xlsx", lambda: self.save_manifest("xlsx")))
        docs.addWidget(self.custody_button)
        docs.addStretch(1)
        docs.addWidget(self.remove_button)
        for b in self.buttons.values():
            docs.addWidget(b)
        top = QHBoxLayout()
        top.addWidget(self.code)
        top.addSpacing(12)
        top.addWidget(self.state)
        top.addStretch(1)
        top.addWidget(self.weight_label)
        top.addWidget(self.weight)
        self.status_line = named(QLabel(""), "shipment_status_line")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(self.panel, 3)
        layout.addWidget(self.table, 2)
        layout.addLayout(docs)
        layout.addWidget(self.status_line)
        layout.addWidget(self.link)
        fit_to_screen(self, 1180, 860)
        self.reload()

    def _placeholder(self) -> str:
        if self.shipment_id is None:
            return _("Scan the shipment's code (on the sack), then its parcels")
        return _("Scan a tracking code, then Enter")

    # -- state -----------------------------------------------------------------------------------
    def _mode(self) -> str:
        """pack, receive or view, from the shipment's status and the person's role."""
        v = self.view
        if v is None:
            return "receive"
        if v.can_pack:
            return "pack"
        if v.can_receive:
            return "receive"
        return "view"

    def reload(self) -> None:
        s = self.session
        if self.shipment_id is not None:
            try:
                view = s.call("shipments.get", self.shipment_id)
            except Exception as exc:
                if self.offline_sack is None or not is_link_error(exc):
                    raise
                self.link.station.online = False
                self._paint_offline()
                return
            if self.offline_sack is not None and view.arrived_at is None:
                self._paint_offline()       # the arrival journalled here is not sent yet
                if self.link.station.online and not self._reload_soon.isActive():
                    self._reload_soon.start()
                return
            self.view, self.offline_sack = view, None
        self._paint()

    def _receiving_warehouse(self) -> int | None:
        """Where this receiving station is (its cache of sacks on their way there)."""
        if self.view is not None:
            return self.view.destination_id
        if self.offline_sack is not None:
            return self.offline_sack[0]
        return self.session.signed.warehouse_id

    def _paint_offline(self) -> None:
        """A sack opened offline: its manifest as the station cached it (the receive_vn cache)."""
        wid, sack = self.offline_sack
        self.link.watch("receive_vn", wid, sack.id)
        self.weight.setVisible(True)
        self.weight_label.setVisible(True)
        self.panel.field.setEnabled(True)
        self.setWindowTitle(_("Shipment {code}").format(code=sack.code))
        self.code.setText(sack.code)
        self.state.setText(_("Arrived (offline)") if not self.link.station.online else _("Arrived"))
        self.facts.setText(_("From {origin} · {n} parcels · the manifest as this station last saw it").format(
            origin=sack.origin, n=sack.parcel_count))
        for b in self.buttons.values():
            b.hide()
        self.remove_button.hide()
        self.custody_button.hide()
        journal = self.link.station.journal
        lines = journal.manifest(sack.id)
        self.table.setRowCount(len(lines))
        for row, e in enumerate(lines):
            received = e.flag == "done" or journal.scanned_before(e.code, "receive_vn", sack.id)
            state = _("received") if received else _("packed")
            for col, text in enumerate((e.code, e.customer_code, e.order_code, fmt_decimal(e.weight_kg),
                                        "", "", "", state)):
                self.table.setItem(row, col, QTableWidgetItem(text))

    def _paint(self) -> None:
        v = self.view
        mode = self._mode()
        if v is not None and mode == "pack":
            self.link.watch("pack", v.origin_id, v.id)
        elif v is not None and mode == "receive":
            self.link.watch("receive_vn", v.destination_id, v.id)
        self.weight.setVisible(mode == "receive")
        self.weight_label.setVisible(mode == "receive")
        self.panel.field.setEnabled(mode != "view")
        if v is None:
            wid = self._receiving_warehouse()
            if wid:                         # the sacks on their way here, to open them offline
                self.link.watch("arrive", wid, None)
            self.setWindowTitle(_("Receive shipments"))
            self.code.setText(_("Receive shipments"))
            self.state.setText("")
            self.facts.setText(_("Scan the code on the sack to start."))
            for b in self.buttons.values():
                b.hide()
            self.remove_button.hide()
            self.custody_button.hide()
            self.table.setRowCount(0)
            return
        self.setWindowTitle(_("Shipment {code}").format(code=v.code))
        self.code.setText(v.code)
        self.state.setText(f"{_(v.status_label)} · {_(v.direction_label)}")
        seal = _("seal {seal}, gross {kg} kg").format(seal=v.seal_no, kg=fmt_decimal(v.gross_weight_kg)) if v.seal_no else ""
        self.facts.setText(" · ".join(p for p in (
            f"{v.origin} {v.origin_name} → {v.destination} {v.destination_name}",
            _("{n} parcels, {kg} kg").format(n=v.parcel_count, kg=fmt_decimal(v.net_weight_kg)),
            _("received {r} of {n}").format(r=v.received_count, n=v.parcel_count) if v.arrived_at else "",
            _("extra {n}").format(n=v.extra_count) if v.extra_count else "",
            _("missing {n}").format(n=v.missing_count) if v.missing_count else "",
            seal, v.transport, v.note) if p))
        actions = {a for a, _l, _r in v.actions}
        for name, b in self.buttons.items():
            b.setVisible(name in actions)
        self.remove_button.setVisible(mode == "pack")
        self.custody_button.setVisible(bool(v.seal_no))
        self.table.setRowCount(len(v.lines))
        for row, ln in enumerate(v.lines):
            state = (_("extra") if ln.extra else _("missing") if ln.missing else
                     (_("received") + (" ⚠" if ln.weight_warning else "")) if ln.received_at else
                     _("packed"))
            for col, text in enumerate((ln.tracking_code, f"{ln.customer_code} {ln.customer_name}".strip(),
                                        ln.order_code, fmt_decimal(ln.weight_kg), ln.dims,
                                        fmt_decimal(ln.chargeable_kg), fmt_decimal(ln.vn_weight_kg), state)):
                self.table.setItem(row, col, QTableWidgetItem(text))

    # -- scanning --------------------------------------------------------------------------------
    def _scan(self, text: str) -> ScanResult:
        if looks_like_shipment(text):
            return self._arrive(text)
        if self.shipment_id is None:
            return ScanResult(Outcome.WRONG, text.strip(), _("Scan the shipment's code first"),
                              _("The code on the sack tells which shipment these parcels came in."))
        mode = self._mode()
        if mode == "pack":
            # journalled on this computer first and answered at once; sent in order (offline too)
            r = self.link.scan(self.view.origin_id, text, kind="pack", target_id=self.shipment_id)
        elif mode == "receive":
            weight = parse_kg(self.weight.text(), "weight_kg")
            r = self.link.scan(self._receiving_warehouse(), text, Measurements(weight), kind="receive_vn",
                               target_id=self.shipment_id)
            if r.outcome not in (Outcome.WRONG, Outcome.REFUSED, Outcome.ALERT):
                self.weight.clear()
        else:
            r = ScanResult(Outcome.WRONG, text.strip(), _("This shipment takes no scans now"),
                           _("It is {status}.").format(status=_(self.view.status_label).lower()))
        if self.link.station.online and not self._reload_soon.isActive():
            self._reload_soon.start()       # the manifest (through a server: every 2 s at most)
        elif self.view is None and self.offline_sack is not None:
            QTimer.singleShot(0, self._paint_offline)
        return r

    def _arrive(self, text: str) -> ScanResult:
        """A sack's code: the server marks it arrived and opens it (its seal checked first). With
        the link down, the station's cache of the sacks on their way here answers instead: the seal
        is checked by the same rule, the arrival journalled and sent in order before the parcels
        scanned from it (a photo of the seal can be added later, online)."""
        s, station = self.session, self.link.station
        wid = self._receiving_warehouse()
        check = None
        sack = station.sack(wid, text) if wid else None
        # through a server the cache answers while online too (as for the parcels); a sack held
        # here is asked about (a manager may have released it meanwhile)
        local = sack is not None and (not station.online or (station.answer_locally and not sack.held))
        if not local:
            try:
                scan = s.call("shipments.arrive_scan_view", text)
                r = scan.result
                if r.outcome is Outcome.CHECK_SEAL:   # the sack is not opened before its seal is checked
                    check = ask_seal_check(self, r.code)
                    if check is None:
                        return r
                    scan = s.call("shipments.arrive_scan_view", text, check)
                    r = scan.result
            except Exception as exc:
                if not is_link_error(exc) or not wid or station.sack(wid, text) is None:
                    raise
                station.online = False
            else:
                if r.outcome is Outcome.SHIPMENT:
                    self.shipment_id = r.facts["shipment_id"]
                    self.offline_sack = None
                self._after_scan(scan.view)
                return r
        quiet = station.online and station.answer_locally
        r = station.arrive(wid, text, check, quiet=quiet)
        if r.outcome is Outcome.CHECK_SEAL:
            check = ask_seal_check(self, r.code)
            if check is None:
                return r
            r = station.arrive(wid, text, check, quiet=quiet)
        if r.outcome is Outcome.SHIPMENT:
            self.shipment_id = r.facts["shipment_id"]
            self.view = None
            self.offline_sack = (wid, station.sack(wid, text))
            QTimer.singleShot(0, self._paint_offline)
            if station.online:                  # the server's shipment once the arrival is sent
                self._reload_soon.start()
        self.link.refresh()
        return r

    def _after_scan(self, view) -> None:
        """Show the shipment as the sack's scan left it (it came with the answer; read again
        only when it did not)."""
        if view is not None:
            self.view = view
            QTimer.singleShot(0, self._paint)
        else:
            QTimer.singleShot(0, self.reload)

    def _intercept(self, text: str) -> ScanResult | None:
        weight = parse_weight(text)
        if weight is None or self._mode() != "receive":
            return None
        self.weight.setText(str(weight))
        return ScanResult(Outcome.SHIPMENT, "", _("Weight {kg} kg taken").format(kg=fmt_decimal(weight)),
                          _("It is recorded with the next parcel scanned."))

    def _acknowledge(self, r: ScanResult) -> None:
        self.session.call("alerts.acknowledge", [a.id for a in r.alerts])

    # -- actions ---------------------------------------------------------------------------------
    def _do(self, op, *args) -> bool:
        """Run ``op``: an operation's name (called with the shipment and ``args``) or a function."""
        try:
            self.link.station.send_pending()      # every scan made here is in before the shipment moves on
            if callable(op):
                op(*args)
            else:
                self.session.call(op, self.shipment_id, *args)
        except Exception as exc:
            report_error(self, exc)
            return False
        finally:
            self.reload()
            self.panel.focus_field()
        return True

    def seal(self, gross: str | None = None, seal_no: str | None = None) -> bool:
        if gross is not None:
            self._do(self._seal_confirming, parse_kg(gross, "gross_weight_kg") or Decimal(0), seal_no or "")
            return self.view.sealed
        self.link.station.send_pending()
        dialog = SealDialog(self.view, self)
        while dialog.exec():
            try:
                # one call: the seal, its weight and its photo are recorded together or not at all
                self._seal_confirming(parse_kg(dialog.gross.text(), "gross_weight_kg") or Decimal(0),
                                      dialog.seal_no.text(), dialog.photo.photo)
            except (ValidationFailed, FileRefused) as exc:
                dialog.error.setText(str(exc))
                continue
            except Exception as exc:
                report_error(self, exc)
            break
        self.reload()
        return self.view.sealed

    def custody(self) -> None:
        if self.view is not None:
            CustodyDialog(self.session, self.shipment_id, self.view.code, self).exec()

    def _seal_confirming(self, gross: Decimal, seal_no: str, photo: tuple[str, bytes] | None = None) -> None:
        """Seal (with the photo, if one was chosen or taken); parcels never weighed are named and
        sealed only if the user says so."""
        try:
            self.session.call("shipments.seal", self.shipment_id, gross, seal_no, photo=photo)
        except UnweighedParcels as exc:
            if confirm(self, str(exc), _("Parcels not weighed")):
                self.session.call("shipments.seal", self.shipment_id, gross, seal_no, unweighed_ok=True,
                                  photo=photo)

    def reopen(self) -> None:
        reason, ok = QInputDialog.getText(self, _("Reopen"), _("Why must the sealed shipment be reopened?"))
        if ok:
            self._do("shipments.reopen", reason)

    def depart(self) -> None:
        if self._do("shipments.depart"):
            self.status_line.setText(_("Shipment {code} has left.").format(code=self.view.code))

    def cancel(self) -> None:
        self._do("shipments.cancel")

    def unpack(self) -> None:
        row = self.table.currentRow()
        if self.view is None or not 0 <= row < len(self.view.lines):
            return
        reason, ok = QInputDialog.getText(self, _("Take out of the shipment"), _("Why does it come out?"))
        if ok:
            self._do("shipments.unpack", self.view.lines[row].parcel_id, reason)

    def reconcile(self, show: bool = True) -> Reconciliation | None:
        try:
            self.link.station.send_pending()
            recon = self.session.call("shipments.close", self.shipment_id)
        except Exception as exc:
            report_error(self, exc)
            return None
        self.reload()
        if show:
            ReconciliationDialog(recon, self).exec()
        return recon

    def print_manifest(self) -> None:
        try:
            content = self.session.call("shipments.manifest", self.shipment_id, "pdf")
            self.status_line.setText(print_pdf(content, "manifest", self))
        except Exception as exc:
            report_error(self, exc)

    def save_manifest(self, kind: str, path: str | None = None) -> None:
        pattern = "Excel (*.xlsx)" if kind == "xlsx" else "PDF (*.pdf)"
        path = path or ask_save_path(self, _("Save the manifest"), f"{self.view.code}.{kind}", pattern)
        if path:
            try:
                save_bytes(self.session.call("shipments.manifest", self.shipment_id, kind), path)
                self.status_line.setText(_("Saved to {path}").format(path=path))
            except Exception as exc:
                report_error(self, exc)

