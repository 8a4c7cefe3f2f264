"""Complaints in the desktop: opening one on an order's items or parcels, the complaint window
(lines and photos, the contacts with the shop and the customer, the plan with its amounts,
approve / reject for managers, carry out), the customer's inspection after delivery, claims
against sellers with the after-sale countdown, and the order window's Complaints tab.

Everything is reachable from the keyboard: mnemonics on the buttons, Ctrl+Enter records a
contact, F5 reloads; every interactive widget has an objectName and an accessibleName."""
from __future__ import annotations

import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QGridLayout, QGroupBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from app.errors import DomainError, StaleEdit, ValidationFailed
from app.fees import to_vnd
from app.i18n import N_, _, fmt_datetime, fmt_decimal, fmt_money
from app.permissions import Perm
from app.services import complaints, seller_complaints   # their dataclasses; data comes through session.call
from app.services.complaints import CHANNELS, PARTIES, ComplaintInput, InspectionInput, LineInput, RemedyInput
from app.services.seller_complaints import SellerComplaintInput
from app.workflows.complaints import (COMPLAINT_KIND_LABELS, COMPLAINT_STAGE_LABELS, FAULT_LABELS,
                                      INSPECTION_LABELS, MONEY_REMEDIES, PLAN_STATUS_LABELS, REMEDY_LABELS,
                                      SELLER_REASON_LABELS, InspectionResult, RemedyKind)
from app.workflows.orders import OrderKind
from app.workflows.parcels import PARCEL_STATUS_LABELS
from ui.common import ask_open_paths, error_label, fit_to_screen, named, open_in_main, report_error, show_field_errors
from ui.screens.money_common import amount_edit, cell, heading, read_decimal, readonly_table
from ui.session import Session
from ui.windows.detail import ActivityTimeline

PHOTO_PATTERN = " (*.png *.jpg *.jpeg *.gif *.webp)"


def photo_filter() -> str:
    """The file dialog's filter: "Images" in the reader's language, then the patterns (the
    label and the patterns as one msgid was never found in the catalog, so it stayed English)."""
    return _("Images") + PHOTO_PATTERN


def dialog_buttons(prefix: str, ok_text: str) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    named(box.button(QDialogButtonBox.StandardButton.Ok), f"{prefix}_submit", ok_text).setText(ok_text)
    named(box.button(QDialogButtonBox.StandardButton.Cancel), f"{prefix}_cancel", _("Cancel")).setText(_("Cancel"))
    return box


class ServerTime:
    """The server's "now" as of a read, moved on by this desktop's own clock (countdowns tick
    between reads without asking the server, and never trust the desktop's date)."""

    def __init__(self, at: datetime) -> None:
        self.at, self.read_at = at, time.monotonic()

    def now(self) -> datetime:
        return self.at + timedelta(seconds=time.monotonic() - self.read_at)


def show_photo(mime_data: tuple[str, bytes], name: str) -> None:
    _mime, data = mime_data
    path = Path(tempfile.mkdtemp(prefix="importdesk-")) / name
    path.write_bytes(data)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class PhotoPicker(QWidget):
    """Photos chosen before they are saved: a list, "Add photos…" (Ctrl+Shift+A) and "Remove"."""

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.photos: list[tuple[str, bytes]] = []
        self.list = named(QListWidget(), f"{prefix}_photos", _("Photos"))
        self.list.setMaximumHeight(72)
        self.add_button = named(QPushButton(_("Add &photos…")), f"{prefix}_add_photos", _("Add photos"))
        self.add_button.clicked.connect(self.choose)
        self.remove_button = named(QPushButton(_("Remove photo")), f"{prefix}_remove_photo", _("Remove photo"))
        self.remove_button.clicked.connect(self.remove)
        buttons = QVBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def choose(self) -> None:
        paths = ask_open_paths(self, _("Add photos"), photo_filter())
        for p in paths:
            self.add_path(p)

    def add_path(self, path: str) -> None:
        try:
            self.add(Path(path).name, Path(path).read_bytes())
        except OSError as exc:
            report_error(self, exc)

    def add(self, name: str, data: bytes) -> None:
        self.photos.append((name, data))
        self.list.addItem(f"{name} · {fmt_decimal(len(data) // 1024 or 1)} KB")

    def remove(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.photos):
            del self.photos[row]
            self.list.takeItem(row)


class LinePicker(QTableWidget):
    """The order's items (with how many pieces) and parcels, each ticked (Space) or not."""

    def __init__(self, name: str, choices: complaints.ComplaintChoices, parent: QWidget | None = None) -> None:
        super().__init__(0, 4, parent)
        named(self, name, _("Items and parcels concerned"))
        self.setHorizontalHeaderLabels([_("Concerned"), _("Item or parcel"), _("Shop / status"), _("Pieces")])
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.rows: list[tuple[str, int, QSpinBox | None]] = []
        entries = [("item", i.id, i.label, i.shop_name, i.quantity) for i in choices.items] + \
                  [("parcel", p.id, p.tracking_code, _(p.status_label), None) for p in choices.parcels]
        self.setRowCount(len(entries))
        for r, (kind, ident, label, detail, qty) in enumerate(entries):
            check = QTableWidgetItem(_("Item") if kind == "item" else _("Parcel"))
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(Qt.CheckState.Unchecked)
            self.setItem(r, 0, check)
            self.setItem(r, 1, cell(label))
            self.setItem(r, 2, cell(detail))
            spin = None
            if qty is not None:
                spin = named(QSpinBox(), f"{name}_pieces_{r}", _("Pieces of {item}").format(item=label))
                spin.setRange(1, qty)
                spin.setValue(qty)
                spin.setSuffix(" / " + fmt_decimal(qty))
                self.setCellWidget(r, 3, spin)
            self.rows.append((kind, ident, spin))
        self.setColumnWidth(0, 110)
        self.setColumnWidth(1, 330)
        self.setColumnWidth(2, 170)
        self.horizontalHeader().setStretchLastSection(True)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and self.currentRow() >= 0:
            self.toggle(self.currentRow())
            return
        super().keyPressEvent(event)

    def toggle(self, row: int, on: bool | None = None) -> None:
        item = self.item(row, 0)
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Checked if (not checked if on is None else on) else Qt.CheckState.Unchecked)

    def chosen(self) -> list[LineInput]:
        out = []
        for r, (kind, ident, spin) in enumerate(self.rows):
            if self.item(r, 0).checkState() != Qt.CheckState.Checked:
                continue
            if kind == "item":
                out.append(LineInput(order_item_id=ident, quantity=spin.value()))
            else:
                out.append(LineInput(parcel_id=ident))
        return out


# -- opening a complaint ------------------------------------------------------------------------------------

class OpenComplaintDialog(QDialog):
    """"Open complaint": what is wrong, on which items or parcels, described, with photos."""

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "complaint_open_dialog", _("Open a complaint"))
        self.session, self.order_id = session, order_id
        self.complaint_id: int | None = None
        choices = session.call("complaints.choices", order_id)
        self.setWindowTitle(_("Open a complaint — {code}").format(code=choices.order_code))
        intro = named(QLabel(_("Order {code} · {stage}").format(
            code=choices.order_code, stage=_(COMPLAINT_STAGE_LABELS[choices.stage]))), "complaint_open_intro")
        intro.setStyleSheet("font-weight: bold;")
        self.kind = named(QComboBox(), "complaint_kind", _("What is wrong"))
        for code, label in COMPLAINT_KIND_LABELS.items():
            self.kind.addItem(_(label), code)
        self.lines = LinePicker("complaint_lines", choices)
        self.description = named(QPlainTextEdit(), "complaint_description", _("Description"))
        self.description.setPlaceholderText(_("What the customer or the warehouse found, in their words"))
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(90)
        self.photos = PhotoPicker("complaint")
        self.errors = {k: error_label(f"complaint_{k}_error") for k in ("kind", "lines", "description")}
        form = QFormLayout()
        form.addRow(_("&What is wrong:"), self.kind)
        form.addRow("", self.errors["kind"])
        hint = QLabel(_("Tick the items or parcels concerned (Space ticks the selected row):"))
        self.box = dialog_buttons("complaint_open", _("Open complaint"))
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.errors["lines"])
        layout.addWidget(QLabel(_("Description:")))
        layout.addWidget(self.description)
        layout.addWidget(self.errors["description"])
        layout.addWidget(QLabel(_("Photos:")))
        layout.addWidget(self.photos)
        layout.addWidget(self.box)
        self.resize(760, 600)

    def submit(self) -> None:
        s = self.session
        data = ComplaintInput(self.order_id, self.kind.currentData(), self.description.toPlainText(),
                              self.lines.chosen(), list(self.photos.photos))
        try:
            self.complaint_id = s.call("complaints.open", data)
        except ValidationFailed as exc:
            errors = dict(exc.field_errors)
            errors.setdefault("lines", next((m for k, m in errors.items() if k.startswith("lines.")), ""))
            show_field_errors(self.errors, errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


# -- the plan -------------------------------------------------------------------------------------------------

class PlanDialog(QDialog):
    """A plan: where the fault lies, the remedies with their amounts, a note for the manager."""

    def __init__(self, session: Session, view: complaints.ComplaintView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "plan_dialog", _("Propose a plan"))
        self.setWindowTitle(_("Propose a plan — {code}").format(code=view.code))
        self.session, self.view = session, view
        self.fault = named(QComboBox(), "plan_fault", _("Where the fault lies"))
        self.fault.addItem(_("(choose)"), None)
        for code, label in FAULT_LABELS.items():
            self.fault.addItem(_(label), code)
        if view.fault:
            self.fault.setCurrentIndex(self.fault.findData(view.fault))
        self.checks: dict[str, QCheckBox] = {}
        self.amounts: dict[str, QLineEdit] = {}
        self.errors = {"fault": error_label("plan_fault_error"), "remedies": error_label("plan_remedies_error")}
        grid = QGridLayout()
        has_items = any(line.order_item_id for line in view.lines)
        has_parcels = any(line.parcel_id for line in view.lines)
        why_not = {
            RemedyKind.RESHIP: None if view.order_kind == OrderKind.PURCHASE and has_items else
            _("Only purchased items the complaint lists can be bought again."),
            RemedyKind.RETURN_CN: None if has_parcels else _("The complaint lists no parcel to send back."),
        }
        for row, (kind, label) in enumerate(REMEDY_LABELS.items()):
            check = named(QCheckBox(_(label)), f"plan_remedy_{kind}", _(label))
            self.checks[kind] = check
            grid.addWidget(check, row, 0)
            if kind in MONEY_REMEDIES:
                edit = amount_edit(f"plan_amount_{kind}", _("{remedy} amount (VND)").format(remedy=_(label)),
                                   placeholder=_("amount in đồng"))
                edit.setEnabled(False)
                check.toggled.connect(edit.setEnabled)
                check.toggled.connect(lambda on, e=edit: e.setFocus() if on else None)
                self.amounts[kind] = edit
                self.errors[f"amount.{kind}"] = error_label(f"plan_amount_{kind}_error")
                grid.addWidget(edit, row, 1)
                grid.addWidget(QLabel("₫"), row, 2)
                grid.addWidget(self.errors[f"amount.{kind}"], row, 3)
            elif why_not.get(kind):
                check.setEnabled(False)
                check.setToolTip(why_not[kind])
                grid.addWidget(QLabel(why_not[kind]), row, 1, 1, 3)
        grid.setColumnStretch(3, 1)
        self.hint = named(QLabel(self._hint()), "plan_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("background: #f3f6fa; padding: 6px;")
        self.note = named(QPlainTextEdit(), "plan_note", _("Note for the manager"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(70)
        self.box = dialog_buttons("plan", _("Propose plan"))
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(_("&Fault:"), self.fault)
        form.addRow("", self.errors["fault"])
        group = QGroupBox(_("Remedies"))
        group.setLayout(grid)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(group)
        layout.addWidget(self.errors["remedies"])
        layout.addWidget(self.hint)
        layout.addWidget(QLabel(_("Note for the manager:")))
        layout.addWidget(self.note)
        layout.addWidget(self.box)
        from ui.screens.remedies import add_plan_suggestion   # what the rules in settings propose
        add_plan_suggestion(self)
        self.resize(640, 480)

    def _hint(self) -> str:
        v = self.view
        parts = []
        if not v.items_value_cny.is_zero():
            value = fmt_money(v.items_value_cny)
            if v.selling_rate:
                parts.append(_("Items complained about: {value} ≈ {vnd} at the order's rate {rate}.").format(
                    value=value, vnd=fmt_money(to_vnd(v.items_value_cny, v.selling_rate)),
                    rate=fmt_decimal(v.selling_rate)))
            else:
                parts.append(_("Items complained about: {value}.").format(value=value))
        parts.append(_("The order was charged {charged}: a refund gives back at most that and lowers what the "
                       "order owes first; compensation goes to the wallet as the company's loss.").format(
            charged=fmt_money(v.charged)))
        return "\n".join(parts)

    def remedies(self) -> tuple[list[RemedyInput], dict[str, str]]:
        errors: dict[str, str] = {}
        out = []
        for kind, check in self.checks.items():
            if not check.isChecked():
                continue
            amount = None
            if kind in self.amounts:
                amount = read_decimal(self.amounts[kind], errors, f"amount.{kind}", empty=None)
            out.append(RemedyInput(kind, amount))
        return out, errors

    def submit(self) -> None:
        remedies, errors = self.remedies()
        if errors:
            show_field_errors(self.errors, errors)
            return
        s = self.session
        try:
            s.call("complaints.propose_plan", self.view.id, self.fault.currentData() or "", remedies,
                   self.note.toPlainText(), seen_version=self.view.version)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


# -- the complaint window ---------------------------------------------------------------------------------------

def remedy_text(r: complaints.RemedyView) -> str:
    label = _(REMEDY_LABELS[r.kind])
    return f"{label} {fmt_money(r.amount)}" if r.amount is not None else label


def remedy_result(r: complaints.RemedyView) -> str:
    if r.entry_id:
        return _("journal entry {n}").format(n=r.entry_id)
    if r.shipment_code:
        return _("return shipment {code}").format(code=r.shipment_code)
    if r.reship_order_code:
        return _("reship order {code}").format(code=r.reship_order_code)
    if r.discount_code:
        return _("discount code {code}").format(code=r.discount_code)
    return ""


class ComplaintWindow(QDialog):
    """One complaint: what it is about, the contacts, the plan and its decision, the history."""

    def __init__(self, session: Session, complaint_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "complaint_window", _("Complaint"))
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self.session, self.complaint_id = session, complaint_id
        self.view: complaints.ComplaintView | None = None

        self.code = named(QLabel(""), "complaint_code", _("Complaint code"))
        self.code.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.status = named(QLabel(""), "complaint_status", _("Status"))
        self.status.setStyleSheet("font-size: 14px; font-weight: bold; color: #1565c0;")
        self.open_order = named(QPushButton(""), "complaint_open_order", _("Open the order"))
        self.open_order.clicked.connect(lambda: open_in_main(self, "order", self.view.order_id))
        top = QHBoxLayout()
        top.addWidget(self.code)
        top.addWidget(self.open_order)
        top.addStretch(1)
        top.addWidget(self.status)
        self.info = named(QLabel(""), "complaint_info")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = named(QLabel(""), "complaint_description_view")
        self.description.setWordWrap(True)
        self.description.setStyleSheet("background: #fafafa; padding: 6px;")
        self.notice = named(QLabel(""), "complaint_notice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("color: #b3261e;")

        # lines and photos
        self.lines = readonly_table("complaint_lines_view", _("Items and parcels"),
                                    [_("Item or parcel"), _("Shop / status"), _("Pieces"), _("Value")])
        for col, width in enumerate((360, 200, 70)):
            self.lines.setColumnWidth(col, width)
        self.photo_list = named(QListWidget(), "complaint_photos_view", _("Photos"))
        self.photo_list.itemActivated.connect(self._open_photo)
        self.add_photos = named(QPushButton(_("Add &photos…")), "complaint_add_photos", _("Add photos"))
        self.add_photos.clicked.connect(self._add_photos)
        lines_page = QWidget()
        lp = QVBoxLayout(lines_page)
        lp.addWidget(self.lines, 2)
        lp.addWidget(QLabel(_("Photos (Enter opens one):")))
        lp.addWidget(self.photo_list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.add_photos)
        lp.addLayout(row)

        # contacts
        self.contacts = readonly_table("complaint_contacts", _("Contacts"),
                                       [_("When"), _("Who"), _("With"), _("How"), _("What was said")])
        for col, width in enumerate((130, 150, 110, 120)):
            self.contacts.setColumnWidth(col, width)
        self.contacts.setWordWrap(True)
        self.party = named(QComboBox(), "contact_party", _("Contact with"))
        for code, label in PARTIES.items():
            self.party.addItem(_(label), code)
        self.channel = named(QComboBox(), "contact_channel", _("How"))
        self.channel.addItem("—", "")
        for code, label in CHANNELS.items():
            self.channel.addItem(_(label), code)
        self.contact_note = named(QPlainTextEdit(), "contact_note", _("What was said"))
        self.contact_note.setPlaceholderText(_("What was said or agreed… (Ctrl+Enter records it)"))
        self.contact_note.setMaximumHeight(70)
        self.contact_note.setTabChangesFocus(True)
        self.contact_error = error_label("contact_error")
        self.record_contact = named(QPushButton(_("&Record contact")), "contact_record", _("Record contact"))
        self.record_contact.clicked.connect(self._record_contact)
        QShortcut(QKeySequence("Ctrl+Return"), self.contact_note, activated=self._record_contact)
        contacts_page = QWidget()
        cp = QVBoxLayout(contacts_page)
        cp.addWidget(self.contacts, 1)
        crow = QHBoxLayout()
        crow.addWidget(QLabel(_("With:")))
        crow.addWidget(self.party)
        crow.addWidget(QLabel(_("How:")))
        crow.addWidget(self.channel)
        crow.addStretch(1)
        crow.addWidget(self.record_contact)
        cp.addWidget(self.contact_note)
        cp.addLayout(crow)
        cp.addWidget(self.contact_error)
        self.contact_widgets = (self.party, self.channel, self.contact_note, self.record_contact)

        # the plan
        self.plan_info = named(QLabel(""), "complaint_plan_info")
        self.plan_info.setWordWrap(True)
        self.remedies = readonly_table("complaint_plan_view", _("Plan"), [_("Remedy"), _("Amount"), _("Made")])
        for col, width in enumerate((220, 150)):
            self.remedies.setColumnWidth(col, width)
        self.history = readonly_table("complaint_plans_history", _("Earlier plans"),
                                      [_("Proposed"), _("By"), _("Plan"), _("Decision"), _("Note")])
        self.history.setMaximumHeight(120)
        for col, width in enumerate((130, 140, 260, 130)):
            self.history.setColumnWidth(col, width)
        self.result = named(QLabel(""), "complaint_result")
        self.result.setWordWrap(True)
        self.result.setStyleSheet("color: #2e7d32;")
        self.buttons: dict[str, QPushButton] = {}
        brow = QHBoxLayout()
        for action, text in (("propose", _("&Propose plan…")), ("approve", _("&Approve plan")),
                             ("reject", _("Re&ject plan…")), ("execute", _("&Carry out the plan")),
                             ("dismiss", _("&Dismiss…")), ("withdraw", _("Customer &withdrew…"))):
            b = named(QPushButton(text), f"complaint_{action}", text.replace("&", "").rstrip("…"))
            b.clicked.connect(lambda _c=False, a=action: self.act(a))
            self.buttons[action] = b
            brow.addWidget(b)
        brow.addStretch(1)
        self.open_made = named(QPushButton(""), "complaint_open_made", _("Open what the plan made"))
        self.open_made.clicked.connect(self._open_made)
        brow.addWidget(self.open_made)
        plan_page = QWidget()
        pp = QVBoxLayout(plan_page)
        self.remedies.setMaximumHeight(190)
        self.history_label = QLabel(_("Earlier plans:"))
        pp.addWidget(self.plan_info)
        pp.addWidget(self.remedies)
        pp.addWidget(self.result)
        pp.addLayout(brow)
        pp.addWidget(self.history_label)
        pp.addWidget(self.history)
        pp.addStretch(1)

        self.timeline = ActivityTimeline()
        self.tabs = named(QTabWidget(), "complaint_tabs")
        self.tabs.addTab(lines_page, _("Items and photos"))
        self.tabs.addTab(contacts_page, _("Contacts"))
        self.tabs.addTab(plan_page, _("Plan"))
        self.tabs.addTab(self.timeline, _("Activity"))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.info)
        layout.addWidget(self.description)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, activated=self.reload)
        fit_to_screen(self, 1100, 740)
        self.reload()
        if self.view.active and self.view.plan_pending:
            self.tabs.setCurrentIndex(2)

    # -- loading ------------------------------------------------------------------------------------------------
    def reload(self) -> None:
        s = self.session
        shown = s.call("complaints.window", self.complaint_id)     # the complaint and its history: one call
        v = self.view = shown.complaint
        self.setWindowTitle(_("Complaint {code} — {customer}").format(code=v.code, customer=v.customer_name))
        self.code.setText(v.code)
        self.status.setText(_(v.status_label))
        self.open_order.setText(_("Order {code} ↗").format(code=v.order_code))
        self.info.setText(
            _("{kind} · {stage} · customer {customer} {name} · {phone}").format(
                kind=_(COMPLAINT_KIND_LABELS[v.kind]), stage=_(COMPLAINT_STAGE_LABELS[v.stage]),
                customer=v.customer_code, name=v.customer_name, phone=v.customer_phone)
            + "\n" + _("Opened {when} by {who} · customer care: {care} · ordering staff: {buyer} · fault: {fault}").format(
                when=fmt_datetime(v.opened_at), who=v.opened_by, care=v.care_staff or "—",
                buyer=v.ordering_staff or "—", fault=_(FAULT_LABELS[v.fault]) if v.fault else "—"))
        self.description.setText(v.description)
        self.notice.setText(_("Reason: {reason}").format(reason=v.status_reason) if v.status_reason else "")
        self.notice.setVisible(bool(v.status_reason))
        self.lines.setRowCount(len(v.lines))
        for r, line in enumerate(v.lines):
            detail = line.shop_name if line.order_item_id else _(PARCEL_STATUS_LABELS.get(line.parcel_status or "", ""))
            values = [line.label, detail, "" if line.quantity is None else fmt_decimal(line.quantity),
                      fmt_money(line.value_cny) if line.value_cny is not None else ""]
            for c, value in enumerate(values):
                self.lines.setItem(r, c, cell(value, c in (2, 3)))
        self.photo_list.clear()
        for f in v.files:
            item = QListWidgetItem(f"{f.name} · {fmt_datetime(f.uploaded_at)} · {f.uploaded_by}")
            item.setData(Qt.ItemDataRole.UserRole, (f.file_id, f.name))
            self.photo_list.addItem(item)
        self.add_photos.setVisible(v.active and (s.can(Perm.HANDLE_COMPLAINTS) or s.can(Perm.OPEN_COMPLAINTS)))
        self.contacts.setRowCount(len(v.contacts))
        for r, c in enumerate(v.contacts):
            values = [fmt_datetime(c.at), c.by_name, _(PARTIES.get(c.party, c.party)),
                      _(CHANNELS[c.channel]) if c.channel in CHANNELS else "", c.note]
            for col, value in enumerate(values):
                self.contacts.setItem(r, col, cell(value))
        self.contacts.resizeRowsToContents()
        can_contact = v.active and s.can(Perm.HANDLE_COMPLAINTS)
        for w in self.contact_widgets:
            w.setEnabled(can_contact)
        self._show_plan(v)
        allowed = {a for a, _label, _reason in v.actions}
        for action, b in self.buttons.items():
            b.setVisible(action in allowed)
        self.timeline.show_lines(shown.history)

    def _show_plan(self, v: complaints.ComplaintView) -> None:
        plan = v.current_plan
        earlier = list(v.plans[:-1]) if plan else []
        if plan is None:
            self.plan_info.setText(_("No plan yet: record the contacts, then propose one."))
            self.remedies.setRowCount(0)
            self.result.clear()
        else:
            text = _("Plan {status} · fault: {fault} · total {total} · proposed {when} by {who}").format(
                status=_(PLAN_STATUS_LABELS[plan.status]).lower(), fault=_(FAULT_LABELS.get(plan.fault, plan.fault)),
                total=fmt_money(plan.total), when=fmt_datetime(plan.proposed_at), who=plan.proposed_by)
            if plan.decided_at:
                text += "\n" + _("Decided {when} by {who}").format(when=fmt_datetime(plan.decided_at),
                                                                  who=plan.decided_by)
                if plan.decision_note:
                    text += ": " + plan.decision_note
            if plan.note:
                text += "\n" + _("Note: {note}").format(note=plan.note)
            if plan.awaiting_approval and plan.proposed_by_id == self.session.signed.user_id \
                    and self.session.can(Perm.APPROVE_COMPLAINTS):
                text += "\n" + _("You proposed this plan: another manager approves it.")
            self.plan_info.setText(text)
            self.remedies.setRowCount(len(plan.remedies))
            for r, rem in enumerate(plan.remedies):
                values = [_(REMEDY_LABELS[rem.kind]), fmt_money(rem.amount) if rem.amount is not None else "",
                          remedy_result(rem)]
                for c, value in enumerate(values):
                    self.remedies.setItem(r, c, cell(value, c == 1))
            made = [remedy_result(r) for r in plan.remedies if remedy_result(r)]
            self.result.setText(_("Carried out {when}: {made}.").format(
                when=fmt_datetime(plan.executed_at), made=", ".join(made)) if plan.executed_at else "")
        self._made = None
        if plan is not None:
            for r in plan.remedies:
                if r.shipment_id:
                    self._made = ("shipment", r.shipment_id, _("Open shipment {code}").format(code=r.shipment_code))
                elif r.reship_order_id:
                    self._made = ("order", r.reship_order_id, _("Open order {code}").format(code=r.reship_order_code))
        self.open_made.setVisible(self._made is not None)
        if self._made:
            self.open_made.setText(self._made[2])
        self.history.setRowCount(len(earlier))
        for r, p in enumerate(earlier):
            values = [fmt_datetime(p.proposed_at), p.proposed_by, "; ".join(remedy_text(x) for x in p.remedies),
                      _(PLAN_STATUS_LABELS[p.status]), p.decision_note]
            for c, value in enumerate(values):
                self.history.setItem(r, c, cell(value))
        self.history.setVisible(bool(earlier))
        self.history_label.setVisible(bool(earlier))

    # -- actions -------------------------------------------------------------------------------------------------
    def act(self, action: str, reason: str | None = None) -> bool:
        """One of the plan's buttons; ``reason`` is asked for when the step needs one."""
        v = self.view
        s = self.session
        if action == "propose":
            done = PlanDialog(s, v, self).exec() == QDialog.DialogCode.Accepted
            self.reload()
            return done
        needs_reason = next((r for a, _l, r in v.actions if a == action), False)
        if needs_reason and reason is None:
            label = next((_(lbl) for a, lbl, _r in v.actions if a == action), action)
            reason, ok = QInputDialog.getMultiLineText(self, label, _("Reason:"))
            if not ok:
                return False
        try:
            if action == "approve":
                s.call("complaints.approve_plan", v.id, seen_version=v.version)
            elif action == "reject":
                s.call("complaints.reject_plan", v.id, reason or "", seen_version=v.version)
            elif action == "execute":
                result = s.call("complaints.execute_plan", v.id, seen_version=v.version)
                self.tabs.setCurrentIndex(2)
                if result.reship_order_id or result.shipment_id:
                    self.open_made.setFocus()
            elif action == "dismiss":
                s.call("complaints.dismiss", v.id, reason or "")
            elif action == "withdraw":
                s.call("complaints.withdraw", v.id, reason or "")
        except StaleEdit as exc:
            report_error(self, exc)
            self.reload()
            return False
        except DomainError as exc:
            report_error(self, exc)
            return False
        self.reload()
        return True

    def _record_contact(self) -> None:
        s = self.session
        try:
            s.call("complaints.record_contact", self.complaint_id, self.party.currentData(),
                   self.contact_note.toPlainText(), self.channel.currentData())
        except ValidationFailed as exc:
            self.contact_error.setText(next(iter(exc.field_errors.values())))
            self.contact_error.show()
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.contact_error.hide()
        self.contact_note.clear()
        self.reload()

    def _add_photos(self) -> None:
        paths = ask_open_paths(self, _("Add photos"), photo_filter())
        self.add_photo_files([(Path(p).name, Path(p).read_bytes()) for p in paths])

    def add_photo_files(self, photos: list[tuple[str, bytes]]) -> None:
        if not photos:
            return
        try:
            self.session.call("complaints.add_photos", self.complaint_id, photos)
        except DomainError as exc:
            report_error(self, exc)
            return
        self.reload()

    def _open_photo(self, item: QListWidgetItem) -> None:
        file_id, name = item.data(Qt.ItemDataRole.UserRole)
        try:
            show_photo(self.session.call("complaints.read_photo", file_id), name)
        except DomainError as exc:
            report_error(self, exc)

    def _open_made(self) -> None:
        if self._made:
            open_in_main(self, self._made[0], self._made[1])


# -- the customer's inspection after delivery -----------------------------------------------------------------

class InspectionDialog(QDialog):
    """Kiểm hàng: the customer's verdict on what was delivered; a rejection opens a complaint."""

    def __init__(self, session: Session, order_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "inspection_dialog", _("Customer's inspection"))
        self.session, self.order_id = session, order_id
        self.outcome: complaints.InspectionOutcome | None = None
        choices = session.call("complaints.choices", order_id)
        self.setWindowTitle(_("Customer's inspection — {code}").format(code=choices.order_code))
        self.result = named(QComboBox(), "inspection_result", _("Verdict"))
        for code, label in INSPECTION_LABELS.items():
            self.result.addItem(_(label), code)
        self.lines = LinePicker("inspection_lines", choices)
        self.kind = named(QComboBox(), "inspection_kind", _("What is wrong"))
        for code, label in COMPLAINT_KIND_LABELS.items():
            self.kind.addItem(_(label), code)
        self.note = named(QPlainTextEdit(), "inspection_note", _("What the customer said"))
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(80)
        self.photos = PhotoPicker("inspection")
        self.explain = named(QLabel(""), "inspection_explain")
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("background: #f3f6fa; padding: 6px;")
        self.errors = {k: error_label(f"inspection_{k}_error") for k in ("result", "lines", "note", "description")}
        form = QFormLayout()
        form.addRow(_("&Verdict:"), self.result)
        form.addRow(_("What is &wrong:"), self.kind)
        self.box = dialog_buttons("inspection", _("Record inspection"))
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.explain)
        layout.addWidget(QLabel(_("Not accepted (Space ticks the selected row):")))
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.errors["lines"])
        layout.addWidget(QLabel(_("What the customer said:")))
        layout.addWidget(self.note)
        layout.addWidget(self.errors["note"])
        layout.addWidget(self.photos)
        layout.addWidget(self.box)
        self.result.currentIndexChanged.connect(lambda _i: self._explain())
        self._explain()
        self.resize(760, 600)

    def _explain(self) -> None:
        result = self.result.currentData()
        self.explain.setText({
            InspectionResult.ACCEPTED: _("Accepted: the customer confirms receipt and the order is complete "
                                         "(unless a complaint is still open)."),
            InspectionResult.REJECTED: _("Rejected: a complaint opens on the ticked lines, or on the whole order "
                                         "when none is ticked."),
            InspectionResult.REWORK: _("Requires rework: customer care get a task to agree the next step."),
            InspectionResult.PARTLY_ACCEPTED: _("Partly accepted: a complaint opens on the ticked lines."),
        }[result])
        rejecting = result != InspectionResult.ACCEPTED
        self.lines.setEnabled(rejecting)
        self.kind.setEnabled(result in (InspectionResult.REJECTED, InspectionResult.PARTLY_ACCEPTED))
        self.photos.setEnabled(self.kind.isEnabled())

    def submit(self) -> None:
        s = self.session
        result = self.result.currentData()
        data = InspectionInput(self.order_id, result, self.note.toPlainText(),
                               self.lines.chosen() if result != InspectionResult.ACCEPTED else [],
                               self.kind.currentData(), list(self.photos.photos))
        try:
            self.outcome = s.call("complaints.record_inspection", data)
        except ValidationFailed as exc:
            errors = dict(exc.field_errors)
            if "description" in errors:
                errors.setdefault("note", errors["description"])
            errors.setdefault("lines", next((m for k, m in errors.items() if k.startswith("lines.")), ""))
            show_field_errors(self.errors, errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


# -- claims against sellers ---------------------------------------------------------------------------------

def countdown_style(deadline: datetime, now: datetime, warn_hours: int = 72) -> str:
    left = (deadline - now).total_seconds()
    if left <= 0:
        return "color: #b3261e; font-weight: bold; font-size: 15px;"
    if left <= warn_hours * 3600:
        return "color: #b26a00; font-weight: bold; font-size: 15px;"
    return "color: #2e7d32; font-weight: bold; font-size: 15px;"


class SellerComplaintDialog(QDialog):
    """Khiếu nại người bán: claim from the shop of one of the order's paid shop orders, with the
    time left before the platform's after-sale window closes."""

    def __init__(self, session: Session, order_id: int, shop_order_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "seller_complaint_dialog", _("Claim from a seller"))
        self.session, self.order_id = session, order_id
        self.seller_complaint_id: int | None = None
        first = session.call("seller_complaints.claim_choices", order_id)   # shop orders, complaints, now
        self.choices = first.shop_orders
        self.clock = ServerTime(first.now)
        self.setWindowTitle(_("Claim from a seller"))
        self.shop_order = named(QComboBox(), "seller_shop_order", _("Shop order"))
        for c in self.choices:
            self.shop_order.addItem(_("{shop} ({platform}) · {no} · paid {paid}").format(
                shop=c.shop_name, platform=c.platform, no=c.platform_order_no or "—", paid=fmt_money(c.paid_cny)), c.id)
        if shop_order_id is not None and self.shop_order.findData(shop_order_id) >= 0:
            self.shop_order.setCurrentIndex(self.shop_order.findData(shop_order_id))
        self.countdown = named(QLabel(""), "seller_countdown", _("Time left"))
        self.countdown.setWordWrap(True)
        self.reason = named(QComboBox(), "seller_reason", _("Reason"))
        for code, label in SELLER_REASON_LABELS.items():
            self.reason.addItem(_(label), code)
        self.description = named(QPlainTextEdit(), "seller_description", _("Problem and evidence"))
        self.description.setPlaceholderText(_("What the China warehouse found; what the photos show"))
        self.description.setTabChangesFocus(True)
        self.description.setMaximumHeight(90)
        self.claimed = amount_edit("seller_claimed", _("Amount claimed (CNY)"), placeholder="0,00")
        self.complaint = named(QComboBox(), "seller_complaint_link", _("Customer complaint"))
        self.complaint.addItem(_("(none)"), None)
        for c in first.complaints:
            self.complaint.addItem(f"{c.code} · {_(COMPLAINT_KIND_LABELS[c.kind])}", c.id)
        self.photos = PhotoPicker("seller")
        self.errors = {k: error_label(f"seller_{k}_error")
                       for k in ("reason", "description", "claimed_cny", "complaint_id")}
        form = QFormLayout()
        form.addRow(_("&Shop order:"), self.shop_order)
        form.addRow("", self.countdown)
        form.addRow(_("&Reason:"), self.reason)
        form.addRow(_("Problem and &evidence:"), self.description)
        form.addRow("", self.errors["description"])
        form.addRow(_("Amount &claimed (CNY):"), self.claimed)
        form.addRow("", self.errors["claimed_cny"])
        form.addRow(_("Customer complaint:"), self.complaint)
        form.addRow("", self.errors["complaint_id"])
        self.box = dialog_buttons("seller", _("Open claim"))
        self.box.accepted.connect(self.submit)
        self.box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if not self.choices:
            empty = named(QLabel(_("The order has no paid shop order to claim from.")), "seller_none")
            layout.addWidget(empty)
            self.box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        layout.addLayout(form)
        layout.addWidget(QLabel(_("Photos:")))
        layout.addWidget(self.photos)
        layout.addStretch(1)
        layout.addWidget(self.box)
        self.shop_order.currentIndexChanged.connect(lambda _i: self._tick())
        self.timer = QTimer(self, interval=30_000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._tick()
        self.resize(640, 520)

    def _choice(self) -> seller_complaints.ShopOrderChoice | None:
        return next((c for c in self.choices if c.id == self.shop_order.currentData()), None)

    def _tick(self) -> None:
        c = self._choice()
        if c is None:
            self.countdown.clear()
            return
        at = self.clock.now()
        self.countdown.setText(_("Seller shipped {shipped} · after-sale closes {deadline} — {left}").format(
            shipped=fmt_datetime(c.seller_shipped_at), deadline=fmt_datetime(c.deadline_at),
            left=seller_complaints.countdown(c.deadline_at, at)))
        self.countdown.setStyleSheet(countdown_style(c.deadline_at, at))

    def submit(self) -> None:
        errors: dict[str, str] = {}
        amount = read_decimal(self.claimed, errors, "claimed_cny", empty=Decimal(0))
        if errors:
            show_field_errors(self.errors, errors)
            return
        s = self.session
        data = SellerComplaintInput(self.shop_order.currentData(), self.reason.currentData(),
                                    self.description.toPlainText(), amount, self.complaint.currentData(),
                                    list(self.photos.photos))
        try:
            self.seller_complaint_id = s.call("seller_complaints.open", data)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


class RecoveryDialog(QDialog):
    """The seller paid back: how much, into which CNY account."""

    def __init__(self, session: Session, view: seller_complaints.SellerComplaintView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "recovery_dialog", _("Money recovered"))
        self.setWindowTitle(_("Money recovered — {code}").format(code=view.code))
        self.session, self.view = session, view
        self.amount = amount_edit("recovery_amount", _("Amount recovered (CNY)"), view.claimed_cny)
        self.account = named(QComboBox(), "recovery_account", _("Arrived in"))
        self.account.addItem(_("(choose)"), None)
        accounts = session.call("ledger.cash_accounts", "cn")
        for a in accounts:
            self.account.addItem(a.name, a.id)
        if len(accounts) == 1:
            self.account.setCurrentIndex(1)
        self.errors = {k: error_label(f"recovery_{k}_error") for k in ("amount_cny", "cny_account_id")}
        form = QFormLayout(self)
        form.addRow(_("&Amount (CNY):"), self.amount)
        form.addRow("", self.errors["amount_cny"])
        form.addRow(_("Arrived &in:"), self.account)
        form.addRow("", self.errors["cny_account_id"])
        box = dialog_buttons("recovery", _("Record"))
        box.accepted.connect(self.submit)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def submit(self) -> None:
        errors: dict[str, str] = {}
        amount = read_decimal(self.amount, errors, "amount_cny", empty=None)
        if errors:
            show_field_errors(self.errors, errors)
            return
        s = self.session
        try:
            s.call("seller_complaints.record_recovery", self.view.id, amount, self.account.currentData(),
                   seen_version=self.view.version)
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.accept()


class SellerComplaintWindow(QDialog):
    """One claim against a seller, with its live countdown to the after-sale deadline."""

    def __init__(self, session: Session, sc_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "seller_complaint_window", _("Claim against a seller"))
        self.session, self.sc_id = session, sc_id
        self.view: seller_complaints.SellerComplaintView | None = None
        self.code = named(QLabel(""), "seller_code", _("Claim code"))
        self.code.setStyleSheet("font-size: 18px; font-weight: bold;")
        self.status = named(QLabel(""), "seller_status", _("Status"))
        self.status.setStyleSheet("font-size: 14px; font-weight: bold; color: #1565c0;")
        self.open_order = named(QPushButton(""), "seller_open_order", _("Open the order"))
        self.open_order.clicked.connect(lambda: open_in_main(self, "order", self.view.order_id))
        top = QHBoxLayout()
        top.addWidget(self.code)
        top.addWidget(self.open_order)
        top.addStretch(1)
        top.addWidget(self.status)
        self.countdown = named(QLabel(""), "seller_window_countdown", _("Time left"))
        self.info = named(QLabel(""), "seller_info")
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.description = named(QLabel(""), "seller_description_view")
        self.description.setWordWrap(True)
        self.description.setStyleSheet("background: #fafafa; padding: 6px;")
        self.photo_list = named(QListWidget(), "seller_photos_view", _("Photos"))
        self.photo_list.setMaximumHeight(90)
        self.photo_list.itemActivated.connect(self._open_photo)
        self.buttons: dict[str, QPushButton] = {}
        brow = QHBoxLayout()
        for action, text in (("file", _("&Filed on the platform…")), ("recover", _("&Money recovered…")),
                             ("refuse", _("Seller &refused…")), ("withdraw", _("&Withdraw…"))):
            b = named(QPushButton(text), f"seller_{action}", text.replace("&", "").rstrip("…"))
            b.clicked.connect(lambda _c=False, a=action: self.act(a))
            self.buttons[action] = b
            brow.addWidget(b)
        brow.addStretch(1)
        self.timeline = ActivityTimeline()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.countdown)
        layout.addWidget(self.info)
        layout.addWidget(self.description)
        layout.addWidget(QLabel(_("Evidence (Enter opens a photo):")))
        layout.addWidget(self.photo_list)
        layout.addLayout(brow)
        layout.addWidget(QLabel(_("Activity")))
        layout.addWidget(self.timeline, 1)
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, activated=self.reload)
        self.timer = QTimer(self, interval=30_000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self.resize(900, 640)
        self.reload()

    def reload(self) -> None:
        s = self.session
        shown = s.call("seller_complaints.window", self.sc_id)     # the claim, its history, "now": one call
        v = self.view = shown.claim
        self.clock = ServerTime(shown.now)
        self.setWindowTitle(_("Claim {code} — {shop}").format(code=v.code, shop=v.shop_name))
        self.code.setText(v.code)
        self.status.setText(_(v.status_label))
        self.open_order.setText(_("Order {code} ↗").format(code=v.order_code))
        lines = [
            _("{shop} ({platform}) · seller order {no} · paid {paid}").format(
                shop=v.shop_name, platform=v.platform, no=v.platform_order_no or "—",
                paid=fmt_money(v.paid_cny) if v.paid_cny else "—"),
            _("{reason} · claimed {claimed} · recovered {recovered}").format(
                reason=_(SELLER_REASON_LABELS[v.reason]), claimed=fmt_money(v.claimed_cny),
                recovered=fmt_money(v.recovered_cny) if v.recovered_cny is not None else "—"),
            _("Opened {when} by {who} · ordering staff {staff} · dispute no. {case}").format(
                when=fmt_datetime(v.opened_at), who=v.opened_by, staff=v.ordering_staff or "—",
                case=v.platform_case_no or "—"),
        ]
        if v.complaint_code:
            lines.append(_("For customer complaint {code}").format(code=v.complaint_code))
        if v.account_name:
            lines.append(_("Recovered into {account}").format(account=v.account_name))
        if v.status_reason:
            lines.append(_("Reason: {reason}").format(reason=v.status_reason))
        self.info.setText("\n".join(lines))
        self.description.setText(v.description)
        self.photo_list.clear()
        for f in v.files:
            item = QListWidgetItem(f"{f.name} · {fmt_datetime(f.uploaded_at)}")
            item.setData(Qt.ItemDataRole.UserRole, (f.file_id, f.name))
            self.photo_list.addItem(item)
        allowed = {a for a, _l, _r in v.actions}
        for action, b in self.buttons.items():
            b.setVisible(action in allowed)
        self.timeline.show_lines(shown.history)
        self._tick()

    def _tick(self) -> None:
        v = self.view
        if v is None:
            return
        at = self.clock.now()
        if v.active:
            self.countdown.setText(_("After-sale closes {deadline} — {left}").format(
                deadline=fmt_datetime(v.deadline_at), left=seller_complaints.countdown(v.deadline_at, at)))
            self.countdown.setStyleSheet(countdown_style(v.deadline_at, at))
        else:
            self.countdown.setText(_("After-sale window: {deadline}").format(deadline=fmt_datetime(v.deadline_at)))
            self.countdown.setStyleSheet("color: #666;")

    def act(self, action: str, value: str | None = None) -> bool:
        """A step: ``value`` is the dispute number (file) or the reason (refuse, withdraw)."""
        s, v = self.session, self.view
        try:
            if action == "recover":
                if RecoveryDialog(s, v, self).exec() != QDialog.DialogCode.Accepted:
                    return False
            else:
                if value is None:
                    label = next((_(lbl) for a, lbl, _r in v.actions if a == action), action)
                    if action == "file":
                        value, ok = QInputDialog.getText(self, label, _("Dispute number on the platform:"))
                    else:
                        value, ok = QInputDialog.getMultiLineText(self, label, _("Reason:"))
                    if not ok:
                        return False
                if action == "file":
                    s.call("seller_complaints.file", v.id, value, seen_version=v.version)
                elif action == "refuse":
                    s.call("seller_complaints.refuse", v.id, value)
                elif action == "withdraw":
                    s.call("seller_complaints.withdraw", v.id, value)
        except DomainError as exc:
            report_error(self, exc)
            return False
        self.reload()
        return True

    def _open_photo(self, item: QListWidgetItem) -> None:
        file_id, name = item.data(Qt.ItemDataRole.UserRole)
        try:
            show_photo(self.session.call("complaints.read_photo", file_id), name)
        except DomainError as exc:
            report_error(self, exc)


# -- the order window: Complaints tab and commands -------------------------------------------------------------

def open_complaint_dialog(session: Session, order_id: int, parent: QWidget | None) -> int | None:
    dialog = OpenComplaintDialog(session, order_id, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.complaint_id is not None:
        open_in_main(parent, "complaint", dialog.complaint_id)
        return dialog.complaint_id
    return None


def inspection_dialog(session: Session, order_id: int, parent: QWidget | None) -> bool:
    dialog = InspectionDialog(session, order_id, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    if dialog.outcome and dialog.outcome.complaint_id:
        open_in_main(parent, "complaint", dialog.outcome.complaint_id)
    return True


def seller_complaint_dialog(session: Session, order_id: int, parent: QWidget | None,
                            shop_order_id: int | None = None) -> bool:
    dialog = SellerComplaintDialog(session, order_id, shop_order_id, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.seller_complaint_id is not None:
        open_in_main(parent, "seller_complaint", dialog.seller_complaint_id)
        return True
    return False


class OrderComplaintsTab(QWidget):
    """The order window's "Complaints" tab: its complaints, its claims against sellers, the
    customer's inspections, and the buttons that add them."""

    def __init__(self, session: Session, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_id, self.kind = session, view.id, view.kind
        self.complaints = readonly_table("order_complaints_table", _("Complaints"), [
            _("Complaint"), _("Status"), _("What is wrong"), _("Found"), _("Opened"), _("By"), _("Description")])
        for col, width in enumerate((100, 160, 110, 230, 130, 140)):
            self.complaints.setColumnWidth(col, width)
        self.complaints.cellDoubleClicked.connect(lambda r, _c: self._open("complaint", self.complaints, r))
        self.claims = readonly_table("order_seller_complaints_table", _("Claims against sellers"), [
            _("Claim"), _("Status"), _("Shop"), _("Claimed"), _("Recovered"), _("After-sale closes")])
        for col, width in enumerate((100, 190, 200, 110, 110)):
            self.claims.setColumnWidth(col, width)
        self.claims.cellDoubleClicked.connect(lambda r, _c: self._open("seller_complaint", self.claims, r))
        self.inspections = named(QLabel(""), "order_inspections")
        self.inspections.setWordWrap(True)
        self.open_button = named(QPushButton(_("&Open complaint…")), "order_complaint_open", _("Open complaint"))
        self.open_button.clicked.connect(self._new_complaint)
        self.inspect_button = named(QPushButton(_("Customer's &inspection…")), "order_inspection",
                                    _("Customer's inspection"))
        self.inspect_button.clicked.connect(self._inspect)
        self.claim_button = named(QPushButton(_("Claim from a &seller…")), "order_seller_complaint",
                                  _("Claim from a seller"))
        self.claim_button.clicked.connect(self._claim)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.inspect_button)
        buttons.addWidget(self.claim_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(_("Complaints (Enter or double-click opens one)")))
        layout.addWidget(self.complaints, 2)
        self.claims_heading = heading(_("Claims against sellers"))
        layout.addWidget(self.claims_heading)
        layout.addWidget(self.claims, 1)
        layout.addWidget(self.inspections)
        layout.addLayout(buttons)
        for table, entity in ((self.complaints, "complaint"), (self.claims, "seller_complaint")):
            QShortcut(QKeySequence(Qt.Key.Key_Return), table, activated=lambda t=table, e=entity:
                      self._open(e, t, t.currentRow()), context=Qt.ShortcutContext.WidgetShortcut)
        self._stale = True      # read when the tab is first shown, not with the order window's first paint
        self.refresh(view)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self._load()

    def refresh(self, view=None) -> None:
        s = self.session
        if view is not None:
            self.order_view = view
        self._stale = True
        if self.isVisible():
            self._load()
        purchase = self.kind == OrderKind.PURCHASE
        self.claims.setVisible(purchase)
        self.claims_heading.setVisible(purchase)
        self.open_button.setVisible(s.can(Perm.OPEN_COMPLAINTS))
        self.open_button.setEnabled(self.order_view.can_complain)
        self.inspect_button.setVisible(s.can(Perm.RECORD_INSPECTIONS))
        self.inspect_button.setEnabled(self.order_view.can_inspect)
        self.claim_button.setVisible(purchase and s.can(Perm.SELLER_COMPLAINTS))
        self.claim_button.setEnabled(self.order_view.can_claim_from_seller)

    def _load(self) -> None:
        """The order's complaints, claims and inspections, in one call."""
        try:
            shown = self.session.call("complaints.of_order", self.order_id)
        except DomainError as exc:
            report_error(self, exc)
            return
        self._stale = False
        rows = shown.complaints
        self.complaints.setRowCount(len(rows))
        for r, c in enumerate(rows):
            values = [c.code, _(c.status_label), _(COMPLAINT_KIND_LABELS[c.kind]), _(COMPLAINT_STAGE_LABELS[c.stage]),
                      fmt_datetime(c.opened_at), c.opened_by, c.description]
            for col, value in enumerate(values):
                self.complaints.setItem(r, col, cell(value))
            self.complaints.item(r, 0).setData(Qt.ItemDataRole.UserRole, c.id)
        claims = shown.claims
        self.claims.setRowCount(len(claims))
        for r, c in enumerate(claims):
            values = [c.code, _(c.status_label), c.shop_name, fmt_money(c.claimed_cny),
                      fmt_money(c.recovered_cny) if c.recovered_cny is not None else "", fmt_datetime(c.deadline_at)]
            for col, value in enumerate(values):
                self.claims.setItem(r, col, cell(value, col in (3, 4)))
            self.claims.item(r, 0).setData(Qt.ItemDataRole.UserRole, c.id)
        inspections = shown.inspections
        self.inspections.setText("\n".join(
            _("Inspection {when} by {who}: {result}").format(when=fmt_datetime(i.recorded_at), who=i.recorded_by,
                                                             result=_(INSPECTION_LABELS[i.result]))
            + (f" — {i.note}" if i.note else "") + (f" → {i.complaint_code}" if i.complaint_code else "")
            for i in inspections))
        self.inspections.setVisible(bool(inspections))

    def _open(self, entity: str, table: QTableWidget, row: int) -> None:
        item = table.item(row, 0) if row >= 0 else None
        if item is not None:
            open_in_main(self, entity, item.data(Qt.ItemDataRole.UserRole))

    def _changed(self) -> None:
        w = self.parentWidget()
        while w is not None and not hasattr(w, "reload"):
            w = w.parentWidget()
        if w is not None:
            w.reload()
        else:
            self.refresh()

    def _new_complaint(self) -> None:
        if open_complaint_dialog(self.session, self.order_id, self) is not None:
            self._changed()

    def _inspect(self) -> None:
        if inspection_dialog(self.session, self.order_id, self):
            self._changed()

    def _claim(self) -> None:
        if seller_complaint_dialog(self.session, self.order_id, self):
            self._changed()


def _register() -> None:
    from ui.windows.registry import (OrderCommand, OrderTab, register_detail, register_order_command,
                                     register_order_tab)

    register_detail("complaint", ComplaintWindow)
    register_detail("seller_complaint", SellerComplaintWindow)
    register_order_tab(OrderTab("order_tab_complaints", N_("Complaints"), Perm.VIEW_ORDERS,
                                lambda session, view, parent: OrderComplaintsTab(session, view, parent), order=60))
    register_order_command(OrderCommand(
        "order_open_complaint", N_("Open complaint…"), Perm.OPEN_COMPLAINTS,
        lambda session, view, parent: open_complaint_dialog(session, view.id, parent) is not None,
        lambda view, actor: view.can_complain))
    register_order_command(OrderCommand(
        "order_inspection", N_("Customer's inspection…"), Perm.RECORD_INSPECTIONS,
        lambda session, view, parent: inspection_dialog(session, view.id, parent),
        lambda view, actor: view.can_inspect))
    register_order_command(OrderCommand(
        "order_seller_complaint", N_("Claim from a seller…"), Perm.SELLER_COMPLAINTS,
        lambda session, view, parent: seller_complaint_dialog(session, view.id, parent),
        lambda view, actor: view.can_claim_from_seller))


_register()
