"""Claims against sellers in the desktop: the claim from the shop of one of the order's paid shop
orders with the after-sale countdown, the recovery, and the claim's window."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QInputDialog,
                               QLabel, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_datetime, fmt_money
from app.permissions import Perm
from app.services import seller_complaints   # their dataclasses; data comes through session.call
from app.services.seller_complaints import SellerComplaintInput
from app.workflows.complaints import COMPLAINT_KIND_LABELS, SELLER_REASON_LABELS
from ui.common import error_label, named, open_in_main, report_error, show_field_errors
from ui.screens.complaint_common import PhotoPicker, dialog_buttons, show_photo
from ui.screens.money_common import amount_edit, read_decimal
from ui.session import Session
from ui.windows.detail import ActivityTimeline


class ServerTime:
    """The server's "now" as of a read, moved on by this desktop's own clock (countdowns tick
    between reads without asking the server, and never trust the desktop's date)."""

    def __init__(self, at: datetime) -> None:
        self.at, self.read_at = at, time.monotonic()

    def now(self) -> datetime:
        return self.at + timedelta(seconds=time.monotonic() - self.read_at)


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



def seller_complaint_dialog(session: Session, order_id: int, parent: QWidget | None,
                            shop_order_id: int | None = None) -> bool:
    dialog = SellerComplaintDialog(session, order_id, shop_order_id, parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.seller_complaint_id is not None:
        open_in_main(parent, "seller_complaint", dialog.seller_complaint_id)
        return True
    return False


def _register() -> None:
    from ui.windows.registry import OrderCommand, register_detail, register_order_command

    register_detail("seller_complaint", SellerComplaintWindow)
    register_order_command(OrderCommand(
        "order_seller_complaint", N_("Claim from a seller…"), Perm.SELLER_COMPLAINTS,
        lambda session, view, parent: seller_complaint_dialog(session, view.id, parent),
        lambda view, actor: view.can_claim_from_seller))


_register()
