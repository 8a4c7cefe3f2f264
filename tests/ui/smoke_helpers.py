"""What the smoke walk needs: the demo company built once, a guard that fails on any traceback or
Qt critical message, modal dialogs that cancel themselves, and a walker that opens every tab and
presses every button that opens a dialog ("…")."""
from __future__ import annotations

import shutil
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import (QAbstractButton, QApplication, QDialog, QFileDialog, QInputDialog,
                               QMessageBox, QTabWidget, QWidget)

import PySide6.QtWidgets as QtWidgets
from shiboken6 import isValid

ELLIPSIS = ("…", "...")
MAX_DEPTH = 2   # a record window (1) and the dialogs its buttons open (2): not their buttons


@dataclass
class Guard:
    """Everything that went wrong while the guard was installed."""

    errors: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)   # a domain error shown: the user's to fix
    dialogs: list[str] = field(default_factory=list)
    where: list[str] = field(default_factory=list)     # what the walk is doing, for the messages
    depth: int = 0
    walker: "Walker | None" = None

    def here(self) -> str:
        return " › ".join(self.where) or "start"

    def fail(self, text: str) -> None:
        self.errors.append(f"[{self.here()}] {text}")


def _exec_class_names() -> list[type]:
    """QDialog and every Qt dialog class that declares its own exec (QMessageBox, QFileDialog…)."""
    out = []
    for name in dir(QtWidgets):
        cls = getattr(QtWidgets, name)
        if isinstance(cls, type) and issubclass(cls, QDialog) and "exec" in cls.__dict__:
            out.append(cls)
    return out


@contextmanager
def guarded(monkeypatch):
    """Install the traceback hook, the Qt message handler and self-cancelling dialogs; the guard's
    walker walks each dialog it cancels (up to MAX_DEPTH)."""
    guard = Guard()
    walker = guard.walker = Walker(guard)

    def hook(kind, value, tb):
        guard.fail("".join(traceback.format_exception(kind, value, tb)))

    def messages(kind, context, text):
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            guard.fail(f"Qt {kind.name}: {text}")

    def fake_exec(self, *args):
        title = f"{type(self).__name__}:{self.objectName()}"
        guard.dialogs.append(title)
        if isinstance(self, QMessageBox):
            text = f"{title} {self.text()}"
            if self.icon() == QMessageBox.Icon.Critical:
                guard.fail(f"error box: {text}")
            elif self.icon() == QMessageBox.Icon.Warning:
                guard.refusals.append(f"[{guard.here()}] {text}")
        guard.where.append(title)
        try:
            self.show()
            QApplication.processEvents()
            if guard.depth < MAX_DEPTH:
                guard.depth += 1
                try:
                    walker.walk(self)
                finally:
                    guard.depth -= 1
        finally:
            guard.where.pop()
            if self.isVisible():
                self.reject()
            QApplication.processEvents()
        return 0   # Rejected; for a message box no button it could compare with

    def static_box(kind: str):
        def box(parent, title, text, *args, **kwargs):
            guard.dialogs.append(f"QMessageBox.{kind}")
            if kind == "critical":
                guard.fail(f"error box: {title}: {text}")
            return QMessageBox.StandardButton.Cancel
        return staticmethod(box)

    old_hook = sys.excepthook
    sys.excepthook = hook
    old_handler = qInstallMessageHandler(messages)
    try:
        with monkeypatch.context() as m:
            for cls in _exec_class_names():
                m.setattr(cls, "exec", fake_exec)
            for kind in ("question", "warning", "information", "critical", "about"):
                m.setattr(QMessageBox, kind, static_box(kind))
            m.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: ("", "")))
            m.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: ("", "")))
            m.setattr(QFileDialog, "getOpenFileNames", staticmethod(lambda *a, **k: ([], "")))
            m.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
            for kind in ("getText", "getMultiLineText", "getItem"):
                m.setattr(QInputDialog, kind, staticmethod(lambda *a, **k: ("", False)))
            for kind in ("getInt", "getDouble"):
                m.setattr(QInputDialog, kind, staticmethod(lambda *a, **k: (0, False)))
            from PySide6.QtGui import QDesktopServices
            m.setattr(QDesktopServices, "openUrl", staticmethod(lambda *a, **k: True))
            yield guard
    finally:
        qInstallMessageHandler(old_handler)
        sys.excepthook = old_hook


def visible_top_levels() -> set[QWidget]:
    return {w for w in QApplication.topLevelWidgets() if w.isVisible()}


class Walker:
    """Opens every tab of a window and presses every enabled button (or menu entry) whose text
    ends with "…" — the ones that open a dialog — closing whatever window that opened."""

    def __init__(self, guard: Guard | None = None) -> None:
        self.guard = guard
        self.seen: set[tuple] = set()   # a window of this kind offering these buttons, walked

    def walk(self, window: QWidget) -> None:
        QApplication.processEvents()
        free = window.screen().availableGeometry()
        if self.guard is not None and (window.frameGeometry().width() > free.width()
                                       or window.frameGeometry().height() > free.height()):
            self.guard.fail(f"{type(window).__name__} is {window.frameGeometry().width()}×"
                            f"{window.frameGeometry().height()}, larger than the screen {free.width()}×{free.height()}")
        self.tabs(window)
        offered = tuple(sorted(b.text() for b in self.dialog_buttons(window) if b.isVisible() and b.isEnabled()))
        if (type(window).__name__, offered) in self.seen:
            return   # the same window with the same buttons, for another record: pressed them already
        self.seen.add((type(window).__name__, offered))
        for button in self.dialog_buttons(window):
            if not (isValid(button) and button.isVisible() and button.isEnabled()):
                continue   # an earlier press changed the window
            self.press(button.text(), button.click)
        for button in window.findChildren(QAbstractButton):
            if not isValid(button) or not hasattr(button, "menu"):
                continue
            menu = button.menu()
            if menu is None or not button.isVisible() or not button.isEnabled():
                continue
            menu.aboutToShow.emit()   # menus filled when shown
            for text in [a.text() for a in menu.actions() if a.text().rstrip().endswith(ELLIPSIS)]:
                # an earlier entry may have reloaded the window, which rebuilds its menus
                if not isValid(button) or not button.isVisible() or not button.isEnabled():
                    break
                menu = button.menu()
                menu.aboutToShow.emit()
                act = next((a for a in menu.actions() if a.text() == text), None)
                if act is not None and act.isVisible() and act.isEnabled():
                    self.press(text, act.trigger)

    def tabs(self, window: QWidget) -> None:
        for tabs in window.findChildren(QTabWidget):
            if not tabs.isVisible():
                continue
            for i in range(tabs.count()):
                if tabs.isTabEnabled(i) and tabs.isTabVisible(i):
                    self._note(f"tab {tabs.tabText(i)}")
                    tabs.setCurrentIndex(i)
                    QApplication.processEvents()
                    self._unnote()
            tabs.setCurrentIndex(0)

    @staticmethod
    def dialog_buttons(window: QWidget) -> list[QAbstractButton]:
        return [b for b in window.findChildren(QAbstractButton)
                if b.text().replace("&", "").rstrip().endswith(ELLIPSIS) and b.window() is window]

    def press(self, label: str, do) -> None:
        before = visible_top_levels()
        self._note(label)
        try:
            do()
            QApplication.processEvents()
            for w in visible_top_levels() - before:   # a window it opened (not modal)
                if not isValid(w):     # a progress dialog that closed while the previous window's tabs were walked
                    continue
                self._note(f"{type(w).__name__}:{w.objectName()}")
                self.tabs(w)
                self._unnote()
                w.close()
            QApplication.processEvents()
        finally:
            self._unnote()

    def _note(self, text: str) -> None:
        if self.guard is not None:
            self.guard.where.append(text)

    def _unnote(self) -> None:
        if self.guard is not None:
            self.guard.where.pop()


def copy_database(template, tmp_path):
    from app import db as dbmod

    path = tmp_path / "demo.db"
    shutil.copyfile(template, path)
    return dbmod.Database(f"sqlite:///{path}")


def add_a_record_to_every_queue(db, passwords: dict[str, str]) -> None:
    """What the demo company lacks so that every queue has a row to open: parcels in each
    warehouse state, shipments packing / on the way / received, an open delivery, a stocktake,
    a complaint and a claim to the seller, bills, a top-up waiting for approval, the China book."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from app.models import Customer, CustomerMessage, Warehouse
    from app.services.outbox import NO_EMAIL
    from app.services import billing, complaints, deliveries, ledger, parcels, seller_complaints, shipments
    from app.services import stocktakes, wallets
    from app.services.auth import login
    from app.services.complaints import ComplaintInput, RemedyInput
    from app.services.deliveries import DeliveryInput
    from app.services.seller_complaints import SellerComplaintInput
    from app.money import VND, Money
    from app.permissions import Role
    from tests.services.complaint_helpers import delivered, in_vietnam, new_codes
    from tests.services.warehouse_helpers import Staff, kg, purchase_order

    def actor(username: str, role: Role):
        return login(db, username, passwords[username]).actor(role)

    with db.read() as s:
        wh = {w.code: w.id for w in s.scalars(select(Warehouse))}
        customers = list(s.scalars(select(Customer.id).order_by(Customer.id).limit(3)))
    st = Staff(wh, actor("cskh1", Role.CARE), actor("quanly", Role.MANAGER), actor("dathang1", Role.ORDERING),
               actor("khotq", Role.FORWARDER_CN), actor("khotq", Role.FORWARDER_CN), actor("khovn", Role.FORWARDER_VN),
               actor("giaohang", Role.WAREHOUSE_VN), actor("ketoan", Role.ACCOUNTANT))
    # received in Hà Nội (a closed shipment), and a delivery request for it still open
    oid, _so, codes = in_vietnam(db, st, 2, customer_id=customers[0])
    ids = [p.id for p in deliveries.deliverable_parcels(db, st.store, customers[0], wh["VN-HN"])]
    deliveries.create_delivery(db, st.store, DeliveryInput(customers[0], wh["VN-HN"], ids[:1], "pickup",
                                                          delivery_fee=Money.of("0", VND)))
    billing.issue_billing_notice(db, st.accountant, oid, billing.measured_packages(db, st.accountant, oid))
    billing.propose_supplementary_bill(db, st.care, oid, [billing.BillLineInput("freight", Decimal(58000), "2 kg")],
                                       "Cân lại ở Hà Nội")
    # delivered, then a complaint and a claim to the seller
    oid2, so2, _codes2 = delivered(db, st)
    cid = complaints.open_complaint(db, st.care, ComplaintInput(oid2, "late", "Hàng về chậm", []))
    seller_complaints.open_seller_complaint(db, st.ordering, SellerComplaintInput(
        so2, "wrong_item", "Sai mẫu", Decimal("10.00"), complaint_id=cid))
    complaints.record_contact(db, st.ordering, cid, "shop", "Shop nhận lỗi", "wangwang")
    complaints.propose_plan(db, st.care, cid, "shop", [RemedyInput("refund", Decimal(10000))], "Khách đồng ý")
    # in the China warehouse: in stock, packed in an open shipment, on the way in a departed one
    stock, packed, sent, lost = new_codes(4)
    for code in (stock, packed, sent, lost):
        purchase_order(db, st, [code], customer_id=customers[1])
        parcels.receive_cn(db, st.cn, wh["CN-GZ"], code, kg("1.5"))
    parcels.receive_cn(db, st.cn, wh["CN-GZ"], "YT7000000000001", kg("0.8"))   # nobody's: ownerless
    open_one = shipments.open_shipment(db, st.cn, wh["CN-GZ"], wh["VN-HN"])
    shipments.pack_scan(db, st.cn, open_one, packed)
    on_way = shipments.open_shipment(db, st.cn, wh["CN-GZ"], wh["VN-HN"])
    shipments.pack_scan(db, st.cn, on_way, sent)
    shipments.pack_scan(db, st.cn, on_way, lost)
    shipments.seal_shipment(db, st.cn, on_way, Decimal("3.5"), "S-SMOKE")
    shipments.depart_shipment(db, st.cn, on_way)
    parcels.mark_parcel_lost(db, st.manager, parcels.find_parcel(db, st.manager, lost), "Rơi khỏi xe ở cửa khẩu")
    from app.errors import DomainError

    try:
        stocktakes.start_stocktake(db, st.cn, wh["CN-GZ"])
    except DomainError:
        pass    # the demo company has one open already: the queue has its row
    # money: a top-up above the approval limit waits; CNY bought for the China book
    vnd = ledger.cash_accounts(db, st.accountant, "vn")[0].id
    cny = ledger.cash_accounts(db, st.accountant, "cn")[0].id
    wallets.record_payment(db, st.accountant, "topup", customers[2], Decimal(900_000_000), "FT-SMOKE-1",
                           date.today(), vnd)
    with db.transaction() as tx:   # a message the outbox could not e-mail: the customer has no address
        message = tx.scalars(select(CustomerMessage).order_by(CustomerMessage.id)).first()
        message.status = NO_EMAIL
    ledger.record_cny_purchase(db, st.accountant, cny, Decimal("5000"), vnd, Decimal("18000000"), "FT-SMOKE-2",
                               date.today())
