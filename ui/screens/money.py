"""Money and purchasing in the desktop: the order window's money tab (each fee and how it was
computed, totals in VND and CNY, net profit for managers), its commands (shop orders, billing
notice, supplementary bill, wallet), the windows money queues open, and the File-menu actions
(record a top-up, exchange rates, money books, fees and discounts)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_datetime, fmt_decimal, fmt_money
from app.permissions import Perm
from app.services.ledger import ENTRY_KIND_LABELS
from app.workflows.money import BILL_KIND_LABELS, BILL_LABELS
from app.workflows.orders import OrderKind
from ui.widgets.read_when_shown import ReadWhenShown
from ui.common import error_label, named, report_error
from ui.screens.money_bills import BillingNoticeDialog, BillWindow, SupplementaryBillDialog
from ui.screens.money_common import fill, readonly_table
from ui.screens.money_purchasing import ShopOrdersDialog, open_shop_orders
from ui.screens.money_wallets import EntryWindow, PaymentDialog, PaymentWindow, WalletWindow, entry_of_line
from ui.session import Session
from ui.windows.registry import (OrderCommand, OrderTab, register_detail,
                                 register_order_command, register_order_tab)

#: purchase-order statuses in which the ordering staff work on shop orders


def _any(session: Session, *perms: Perm) -> bool:
    return any(session.can(p) for p in perms)


class OrderMoneyTab(ReadWhenShown, QWidget):
    """The order window's "Money" tab (read when first shown: ui.widgets.read_when_shown)."""

    def __init__(self, session: Session, view, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.order_id, self.code = session, view.id, view.code
        self.customer_id = view.customer_id
        self.window_ = parent
        self.terms = named(QLabel(""), "money_terms")
        self.terms.setWordWrap(True)
        self.fees = readonly_table("money_fees", _("Fees"), [_("Fee"), _("Amount (VND)"), _("In CNY"),
                                                              _("How it was computed")])
        for col, width in enumerate((210, 130, 110)):
            self.fees.setColumnWidth(col, width)
        self.fees.setWordWrap(True)
        self.totals = named(QLabel(""), "money_totals")
        self.totals.setStyleSheet("font-size: 14px; font-weight: bold;")
        self.account = named(QLabel(""), "money_account")
        self.account.setWordWrap(True)
        self.profit = named(QLabel(""), "money_profit")
        self.profit_box = QGroupBox(_("Net profit (managers only)"))
        QVBoxLayout(self.profit_box).addWidget(self.profit)
        self.profit_box.setVisible(session.can(Perm.VIEW_PROFIT))
        self.entries = readonly_table("money_entries", _("Charges and payments"), [
            _("Date"), _("Type"), _("Charged (+) / paid (−)"), _("Description")])
        for col, width in enumerate((130, 150, 150)):
            self.entries.setColumnWidth(col, width)
        self.bills = readonly_table("money_bills", _("Bills"), [_("Bill"), _("Status"), _("Amount"), _("Date")])
        self.bills.cellDoubleClicked.connect(self._open_bill)
        self.code_edit = named(QLineEdit(), "money_discount_code", _("Discount code"))
        self.code_edit.setPlaceholderText(_("Discount code"))
        self.code_error = error_label("money_discount_code_error")
        apply_code = named(QPushButton(_("Apply code")), "money_apply_code")
        apply_code.clicked.connect(self._apply_code)
        self.remove_code = named(QPushButton(_("Remove code")), "money_remove_code")
        self.remove_code.clicked.connect(self._remove_code)
        code_row = QHBoxLayout()
        code_row.addWidget(QLabel(_("Discount code")))
        code_row.addWidget(self.code_edit)
        code_row.addWidget(apply_code)
        code_row.addWidget(self.remove_code)
        code_row.addStretch(1)
        self.code_widgets = (self.code_edit, apply_code, self.remove_code)
        for w in self.code_widgets:
            w.setVisible(session.can(Perm.EDIT_ORDERS))
        self.bill_button = named(QPushButton(_("Billing notice…")), "money_billing_notice")
        self.bill_button.clicked.connect(self._billing)
        self.supplement_button = named(QPushButton(_("Supplementary bill…")), "money_supplementary")
        self.supplement_button.clicked.connect(self._supplement)
        self.settle_button = named(QPushButton(_("Collect from wallet")), "money_settle")
        self.settle_button.clicked.connect(self._settle)
        self.wallet_button = named(QPushButton(_("Wallet and statement…")), "money_wallet")
        self.wallet_button.clicked.connect(self._wallet)
        buttons = QHBoxLayout()
        for b in (self.bill_button, self.supplement_button, self.settle_button, self.wallet_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        # Fees on top; what was booked below, in tabs, so the fees keep the room they need.
        self.entries.setMaximumHeight(16777215)
        self.bills.setMaximumHeight(16777215)
        self.books = named(QTabWidget(), "money_books_tabs")
        self.books.addTab(self.entries, _("Charges and payments"))
        self.books.addTab(self.bills, _("Bills"))
        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.terms)
        tl.addWidget(self.fees, 1)
        tl.addWidget(self.totals)
        tl.addWidget(self.account)
        split = named(QSplitter(Qt.Orientation.Vertical), "money_splitter")
        split.addWidget(top)
        split.addWidget(self.books)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addLayout(code_row)
        layout.addWidget(self.code_error)
        layout.addWidget(self.profit_box)
        layout.addLayout(buttons)
        self.refresh(view)

    def load(self) -> None:
        s = self.session
        m = self.money = s.call("billing.order_money", self.order_id)
        rate = fmt_decimal(m.rate) if m.rate else _("no rate yet: the debt stays in CNY")
        self.terms.setText(_("Exchange rate {rate} ({how}) · fee policy {policy}").format(
            rate=rate, how=m.rate_note or "—", policy=m.policy_name))
        rows = []
        q = m.quote
        if m.kind == OrderKind.PURCHASE:
            rows.append([_("Goods"), q.goods_vnd, q.goods_cny,
                         _("{cny} × {rate}").format(cny=fmt_money(q.goods_cny), rate=rate) if m.rate else ""])
        for line in q.lines:
            rows.append([_(line.label), line.amount, line.original, line.explanation])
        fill(self.fees, rows, right={1, 2})
        for r in range(self.fees.rowCount()):
            if self.fees.item(r, 1) and not self.fees.item(r, 1).text():
                self.fees.item(r, 1).setText(_("pending"))
                self.fees.item(r, 1).setForeground(Qt.GlobalColor.darkGray)
        self.fees.resizeRowsToContents()
        if q.total_vnd is not None:
            total_cny = m.total_cny
            self.totals.setText(_("Total {vnd} ≈ {cny}").format(vnd=fmt_money(q.total_vnd),
                                                               cny=fmt_money(total_cny) if total_cny else "—")
                                + ("" if not q.pending else " " + _("(some fees are still pending)")))
        else:
            self.totals.setText(_("Goods {cny}; VND amounts once a selling rate is set.").format(cny=fmt_money(q.goods_cny)))
        deposit = (_("deposit {percent} % held {held}").format(percent=fmt_decimal(m.deposit_percent),
                                                              held=fmt_money(m.deposit_held))
                   if m.deposit_percent is not None else _("no deposit taken yet"))
        self.account.setText(_("{deposit} · charged so far {charged} · paid {paid} · owed {due} · "
                               "wallet {wallet} (available {available})").format(
            deposit=deposit, charged=fmt_money(m.charged), paid=fmt_money(m.paid), due=fmt_money(m.balance_due),
            wallet=fmt_money(m.wallet_balance), available=fmt_money(m.wallet_available)))
        self.code_edit.setText(m.discount_code)
        self.code_edit.setReadOnly(bool(m.discount_code))
        self.remove_code.setEnabled(bool(m.discount_code))
        if m.net_profit is not None:
            p = m.net_profit
            self.profit.setText(_("Fees {fees} + bargaining {bargaining} + FX margin {fx} − freight cost {freight} − "
                                  "unrecovered {unrecovered} − compensation {compensation} − commissions "
                                  "{commissions} = {total}").format(
                fees=fmt_money(p.fees), bargaining=fmt_money(p.bargaining), fx=fmt_money(p.fx_margin),
                freight=fmt_money(p.freight_cost), unrecovered=fmt_money(p.unrecovered),
                compensation=fmt_money(p.compensation), commissions=fmt_money(p.commissions),
                total=fmt_money(p.total)))
            c = m.currency
            if c is not None and not c.paid_cny.is_zero():
                text = self.profit.text() + "\n" + _(
                    "Yuan paid to shops {cny}: charged to the customer {selling} · cost at the CNY lots {lots} · "
                    "the buying rate predicted {buying} · currency result {result}").format(
                    cny=fmt_money(c.paid_cny), selling=fmt_money(c.at_selling), lots=fmt_money(c.at_lots),
                    buying=fmt_money(c.at_buying), result=fmt_money(c.currency_result))
                if not c.borrowed_cny.is_zero():
                    text += " " + _("({cny} paid before yuan were bought: valued at the buying rate until the "
                                    "next purchase)").format(cny=fmt_money(c.borrowed_cny))
                self.profit.setText(text)
        fill(self.entries, [[fmt_datetime(e.at), _(ENTRY_KIND_LABELS.get(e.kind, e.kind)), e.amount, e.memo]
                            for e in m.entries], right={2})
        fill(self.bills, [[f"{_(BILL_KIND_LABELS[b.kind])} {b.id}", _(BILL_LABELS[b.status]), b.amount,
                           fmt_datetime(b.created_at)] for b in m.bills], right={2})
        self.books.setTabText(1, _("Bills ({n})").format(n=len(m.bills)))
        self.bill_button.setVisible(_any(s, Perm.RECORD_PAYMENTS, Perm.APPROVE_BILLS))
        self.bill_button.setEnabled(m.can_issue_notice)
        self.supplement_button.setVisible(_any(s, Perm.RECORD_PAYMENTS, Perm.EDIT_ORDERS))
        self.supplement_button.setEnabled(m.billed)
        self.settle_button.setVisible(_any(s, Perm.RECORD_PAYMENTS, Perm.EDIT_ORDERS))
        self.settle_button.setEnabled(m.balance_due.amount > 0)

    def _reload_window(self) -> None:
        if hasattr(self.window_, "reload"):
            self.window_.reload()
        else:
            self.refresh()

    def _apply_code(self) -> None:
        try:
            self.session.call("fees.apply_discount_code", self.order_id, self.code_edit.text())
        except ValidationFailed as exc:
            self.code_error.setText(next(iter(exc.field_errors.values())))
            self.code_error.show()
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        self.code_error.hide()
        self._reload_window()

    def _remove_code(self) -> None:
        try:
            self.session.call("fees.remove_discount_code", self.order_id)
        except DomainError as exc:
            report_error(self, exc)
            return
        self._reload_window()

    def _billing(self) -> None:
        if BillingNoticeDialog(self.session, self.order_id, self.code, self).exec() == QDialog.DialogCode.Accepted:
            self._reload_window()

    def _supplement(self) -> None:
        if SupplementaryBillDialog(self.session, self.order_id, self.code, self).exec() == QDialog.DialogCode.Accepted:
            self._reload_window()

    def _settle(self) -> None:
        try:
            self.session.call("wallets.settle_order", self.order_id)
        except DomainError as exc:
            report_error(self, exc)
            return
        self._reload_window()

    def _wallet(self) -> None:
        WalletWindow(self.session, self.customer_id, self).exec()
        self._reload_window()

    def _open_bill(self, row: int, _col: int) -> None:
        bill = self.money.bills[row]
        BillWindow(self.session, bill.id, self).exec()
        self._reload_window()


# -- registration --------------------------------------------------------------------------------------

def _money_tab(session: Session, view, parent: QWidget | None = None) -> QWidget:
    return OrderMoneyTab(session, view, parent)


def _wallet_command(session: Session, view, parent: QWidget | None = None) -> bool:
    WalletWindow(session, view.customer_id, parent).exec()
    return True


def _billing_command(session: Session, view, parent: QWidget | None = None) -> bool:
    return BillingNoticeDialog(session, view.id, view.code, parent).exec() == QDialog.DialogCode.Accepted


def _supplement_command(session: Session, view, parent: QWidget | None = None) -> bool:
    return SupplementaryBillDialog(session, view.id, view.code, parent).exec() == QDialog.DialogCode.Accepted


def record_topup(session: Session, parent: QWidget | None = None) -> None:
    dialog = PaymentDialog(session, "topup", parent=parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.result_value and parent is not None \
            and hasattr(parent, "statusBar"):
        r = dialog.result_value
        parent.statusBar().showMessage(_("Top-up recorded and posted.") if r.entry_id
                                       else _("Top-up recorded; it waits for a second person's approval."), 8000)


def open_exchange_rates(session: Session, parent: QWidget | None = None) -> None:
    from ui.screens.money_settings import ExchangeRateDialog

    ExchangeRateDialog(session, parent).exec()


def open_money_books(session: Session, parent: QWidget | None = None) -> None:
    from ui.screens.money_books import MoneyBookDialog

    MoneyBookDialog(session, parent).exec()


def open_fees(session: Session, parent: QWidget | None = None) -> None:
    from ui.screens.money_settings import FeesDialog

    FeesDialog(session, parent).exec()


def _shop_order_window(session: Session, shop_order_id: int, parent: QWidget | None = None) -> QWidget:
    return ShopOrdersDialog(session, session.call("purchasing.order_of_shop_order", shop_order_id), parent)


register_order_tab(OrderTab("order_tab_money", N_("Money"), Perm.VIEW_CUSTOMERS, _money_tab, order=20))
register_order_command(OrderCommand(
    "order_shop_orders", N_("Shop orders…"), Perm.PURCHASE, open_shop_orders,
    lambda view, actor: view.has_shop_orders))
register_order_command(OrderCommand(
    "order_billing_notice", N_("Billing notice…"), Perm.RECORD_PAYMENTS, _billing_command,
    lambda view, actor: view.can_bill))
register_order_command(OrderCommand(
    "order_supplementary_bill", N_("Supplementary bill…"), Perm.EDIT_ORDERS, _supplement_command,
    lambda view, actor: view.can_bill))
register_order_command(OrderCommand(
    "order_wallet", N_("Customer's wallet and statement…"), Perm.VIEW_CUSTOMERS, _wallet_command))
register_detail("wallet", WalletWindow)
register_detail("payment", PaymentWindow)
register_detail("journal_entry", EntryWindow)
register_detail("journal_line", entry_of_line)
register_detail("bill", BillWindow)
register_detail("shop_order", _shop_order_window)
