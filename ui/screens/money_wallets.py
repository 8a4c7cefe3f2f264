"""Wallets on screen: the customer's statement with top-up, refund and credit; the top-up /
refund dialog accountants record bank transfers in; a payment awaiting approval; one ledger
entry with its lines (and its reversal)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QVBoxLayout, QWidget)

from app.errors import DomainError, ValidationFailed
from app.i18n import _, fmt_date, fmt_datetime, fmt_decimal, fmt_money
from app.money import VND, Money
from app.permissions import Perm
from app.services.ledger import ENTRY_KIND_LABELS
from app.services.wallets import MAX_AMOUNT, PaymentResult
from app.workflows.money import PAYMENT_KIND_LABELS, PAYMENT_LABELS
from ui.common import error_label, named, report_error, show_field_errors
from ui.screens.money_common import amount_edit, fill, heading, readonly_table
from ui.session import Session
from ui.widgets.amount_edit import AmountEdit


class PaymentDialog(QDialog):
    """Record a top-up (bank transfer in) or a refund paid out to the customer."""

    FIELDS = ("customer_id", "amount", "bank_reference", "received_on", "cash_account_id")

    def __init__(self, session: Session, kind: str = "topup", customer_id: int | None = None,
                 customer_text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "payment_dialog", _("Record a payment"))
        self.session, self.kind = session, kind
        self.result_value: PaymentResult | None = None
        self.setWindowTitle(_("Record a top-up") if kind == "topup" else _("Record a refund paid out"))
        from ui.widgets.customer_picker import CustomerPicker

        self.picker = CustomerPicker(session, self)
        named(self.picker.search, "payment_customer_search", _("Customer"))
        named(self.picker.label, "payment_customer_chosen")
        if customer_id is not None:
            self.picker.set_customer(customer_id, customer_text)
            self.picker.search.hide()
        self.picker.chosen.connect(lambda _c: self._show_wallet())
        self.picker.cleared.connect(lambda: self._show_wallet())
        self.wallet = named(QLabel(""), "payment_wallet")
        self.wallet.setWordWrap(True)
        self.wallet.setStyleSheet("color: #555;")
        self.amount = AmountEdit("payment_amount", _("Amount (VND)"), currency="VND",
                                 placeholder=fmt_decimal(1_000_000), maximum=MAX_AMOUNT)
        self.reference = named(QLineEdit(), "payment_reference", _("Bank reference"))
        self.reference.setPlaceholderText(_("e.g. FT24327001234 or the cash receipt number"))
        self.date = named(QDateEdit(), "payment_date", _("Date the money moved"))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("dd/MM/yyyy")
        # accounts, approval limit, today and the given customer's wallet: the first paint in one call
        form_data = session.call("wallets.payment_form", customer_id)
        today = form_data.now.astimezone().date()
        self.date.setDate(QDate(today.year, today.month, today.day))
        self.account = named(QComboBox(), "payment_account", _("Company account"))
        for a in form_data.accounts:
            self.account.addItem(a.name, a.id)
        self.note = named(QPlainTextEdit(), "payment_note", _("Note"))
        self.note.setMaximumHeight(60)
        self.errors = {k: error_label(f"payment_{k}_error") for k in self.FIELDS}
        self.amount.attach_error(self.errors["amount"])
        self.amount.textEdited.connect(self._show_total)
        self.picker.chosen.connect(lambda _c: show_field_errors({"customer_id": self.errors["customer_id"]}, {}))
        for key, signal in (("bank_reference", self.reference.textEdited), ("received_on", self.date.dateChanged),
                            ("cash_account_id", self.account.currentIndexChanged)):
            signal.connect(lambda *_a, k=key: show_field_errors({k: self.errors[k]}, {}))
        limit = form_data.approval_limit_vnd
        hint = named(QLabel(_("Above {limit} a second person approves it before it reaches the wallet.")
                            .format(limit=fmt_money(Money(Decimal(limit), VND)))), "payment_hint")
        hint.setStyleSheet("color: #555;")
        form = QFormLayout()
        form.addRow(_("Customer"), self.picker)
        form.addRow("", self.errors["customer_id"])
        form.addRow("", self.wallet)
        form.addRow(_("Amount (VND)"), self.amount)
        form.addRow("", self.errors["amount"])
        form.addRow(_("Bank reference"), self.reference)
        form.addRow("", self.errors["bank_reference"])
        form.addRow(_("Date the money moved"), self.date)
        form.addRow("", self.errors["received_on"])
        form.addRow(_("Company account"), self.account)
        form.addRow("", self.errors["cash_account_id"])
        form.addRow(_("Note"), self.note)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = named(box.button(QDialogButtonBox.StandardButton.Ok), "payment_submit", _("Record"))
        ok.setText(_("Record"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "payment_cancel").setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addStretch(1)
        layout.addWidget(box)
        self._show_wallet(form_data.wallet)
        self.resize(600, self.sizeHint().height())

    def _show_wallet(self, known=None) -> None:
        cid = self.picker.customer_id
        self.view = None
        if cid is None:
            self.wallet.clear()
            self._show_total()
            return
        if known is None or known.customer_id != cid:
            known = self.session.call("wallets.view", cid)
        v = self.view = known
        self.picker.set_extra(_("Wallet now: {balance} · credit limit {limit} · owed on orders {owed}").format(
            balance=fmt_money(v.balance), limit=fmt_money(v.credit_limit), owed=fmt_money(v.owed_on_orders)))
        self._show_total()

    def _show_total(self, *_a) -> None:
        """What the wallet will hold once this is posted, beside the customer it goes to."""
        amount = self.amount.value()
        if self.view is None or amount is None:
            self.wallet.clear()
            return
        sign = 1 if self.kind == "topup" else -1
        after = self.view.balance + Money(sign * amount, VND)
        self.wallet.setText(_("After this {kind}: {balance} in the wallet of {customer}.").format(
            kind=_("top-up") if self.kind == "topup" else _("refund"), balance=fmt_money(after),
            customer=f"{self.view.customer_code} — {self.view.customer_name}"))

    def accept(self) -> None:
        errors: dict[str, str] = {}
        amount_ok = self.amount.check()
        amount = self.amount.value()
        if self.picker.customer_id is None:
            errors["customer_id"] = _("Choose the customer from the list.")
        if not amount_ok or errors:
            show_field_errors({"customer_id": self.errors["customer_id"]}, errors)
            (self.picker.search if errors else self.amount).setFocus()
            return
        d = self.date.date()
        try:
            self.result_value = self.session.call(
                "wallets.record_payment", self.kind, self.picker.customer_id, amount,
                self.reference.text(), date(d.year(), d.month(), d.day()), self.account.currentData(),
                self.note.toPlainText())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        super().accept()


class CreditDialog(QDialog):
    def __init__(self, session: Session, customer_id: int, current, parent: QWidget | None = None,
                 customer_text: str = "") -> None:
        super().__init__(parent)
        named(self, "credit_dialog", _("Credit limit"))
        self.setWindowTitle(_("Credit limit"))
        self.session, self.customer_id = session, customer_id
        self.limit = amount_edit("credit_limit", _("Credit limit (VND)"), current, currency="VND")
        self.note = named(QLineEdit(), "credit_note", _("Why"))
        self.errors = {k: error_label(f"credit_{k}_error") for k in ("credit_limit", "note")}
        self.limit.attach_error(self.errors["credit_limit"])
        self.note.textEdited.connect(lambda _t: show_field_errors({"note": self.errors["note"]}, {}))
        form = QFormLayout(self)
        if customer_text:
            who = named(QLabel(customer_text), "credit_customer")
            who.setStyleSheet("font-size: 15pt; font-weight: 600;")
            form.addRow(who)
        form.addRow(QLabel(_("The wallet may go below zero down to minus this amount.")))
        form.addRow(_("Credit limit (VND)"), self.limit)
        form.addRow("", self.errors["credit_limit"])
        form.addRow(_("Why"), self.note)
        form.addRow("", self.errors["note"])
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        named(box.button(QDialogButtonBox.StandardButton.Ok), "credit_submit").setText(_("Grant"))
        named(box.button(QDialogButtonBox.StandardButton.Cancel), "credit_cancel").setText(_("Cancel"))
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def accept(self) -> None:
        if not self.limit.check():
            return
        value = self.limit.value()
        try:
            self.session.call("wallets.grant_credit", self.customer_id, value, self.note.text())
        except ValidationFailed as exc:
            show_field_errors(self.errors, exc.field_errors)
            return
        except DomainError as exc:
            report_error(self, exc)
            return
        super().accept()


class WalletWindow(QDialog):
    """A customer's wallet: balance, credit, what orders owe, the statement line by line."""

    def __init__(self, session: Session, customer_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "wallet_window", _("Wallet"))
        self.session, self.customer_id = session, customer_id
        self.title = heading("")
        self.figures = named(QLabel(""), "wallet_figures")
        self.figures.setWordWrap(True)
        self.pending = named(QLabel(""), "wallet_pending")
        self.pending.setStyleSheet("color: #8a5a00;")
        self.statement = readonly_table("wallet_statement", _("Statement"), [
            _("Date"), _("Type"), _("Reference"), _("Order"), _("In"), _("Out"), _("Balance"), _("Description")])
        for col, width in enumerate((130, 130, 130, 100, 120, 120, 130)):
            self.statement.setColumnWidth(col, width)
        self.orders = readonly_table("wallet_orders", _("Orders"), [
            _("Order"), _("Charged"), _("Owed"), _("Owed since")])
        for col, width in enumerate((120, 130, 130)):
            self.orders.setColumnWidth(col, width)
        self.orders.setMaximumHeight(130)
        buttons = QHBoxLayout()
        self.topup = named(QPushButton(_("Record top-up…")), "wallet_topup")
        self.topup.clicked.connect(lambda: self._payment("topup"))
        self.refund = named(QPushButton(_("Record refund paid out…")), "wallet_refund")
        self.refund.clicked.connect(lambda: self._payment("refund"))
        self.credit = named(QPushButton(_("Credit limit…")), "wallet_credit")
        self.credit.clicked.connect(self._credit)
        for b, perm in ((self.topup, Perm.RECORD_PAYMENTS), (self.refund, Perm.RECORD_PAYMENTS),
                        (self.credit, Perm.GRANT_CREDIT)):
            b.setVisible(session.can(perm))
            buttons.addWidget(b)
        buttons.addStretch(1)
        close = named(QPushButton(_("Close")), "wallet_close")
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.figures)
        layout.addWidget(self.pending)
        layout.addWidget(QLabel(_("Statement")))
        layout.addWidget(self.statement, 1)
        layout.addWidget(QLabel(_("What orders owe")))
        layout.addWidget(self.orders)
        layout.addLayout(buttons)
        self.resize(1100, 640)
        self.reload()

    def reload(self) -> None:
        window = self.session.call("wallets.window", self.customer_id)     # the wallet and its statement
        v = self.view = window.wallet
        self.setWindowTitle(_("Wallet — {code} {name}").format(code=v.customer_code, name=v.customer_name))
        self.title.setText(f"{v.customer_code} · {v.customer_name}")
        self.figures.setText(_("In the wallet: {balance} · credit limit {limit} · available {available} · "
                               "owed on orders {owed} · total debt {debt}").format(
            balance=fmt_money(v.balance), limit=fmt_money(v.credit_limit), available=fmt_money(v.available),
            owed=fmt_money(v.owed_on_orders), debt=fmt_money(v.debt)))
        self.pending.setText("\n".join(_("Awaiting approval: {kind} {amount} ({reference}) recorded by {who}").format(
            kind=_(PAYMENT_KIND_LABELS[p.kind]), amount=fmt_money(p.amount), reference=p.bank_reference,
            who=p.created_by) for p in v.pending))
        self.pending.setVisible(bool(v.pending))
        lines = window.statement
        fill(self.statement, [[fmt_datetime(l.at), _(ENTRY_KIND_LABELS.get(l.kind, l.kind)), l.reference,
                               l.order_code, l.money_in, l.money_out, l.balance, l.memo] for l in lines],
             right={4, 5, 6})
        self.statement.scrollToBottom()
        fill(self.orders, [[o.code, o.charged, o.balance_due, fmt_datetime(o.due_since)] for o in v.orders
                           if not o.balance_due.is_zero()], right={1, 2})

    def _payment(self, kind: str) -> None:
        dialog = PaymentDialog(self.session, kind, self.customer_id,
                               f"{self.view.customer_code} — {self.view.customer_name}", self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.reload()

    def _credit(self) -> None:
        if CreditDialog(self.session, self.customer_id, self.view.credit_limit, self,
                        f"{self.view.customer_code} — {self.view.customer_name}").exec() == QDialog.DialogCode.Accepted:
            self.reload()


class PaymentWindow(QDialog):
    """One recorded payment; a second person approves or rejects it here."""

    def __init__(self, session: Session, payment_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "payment_window", _("Payment"))
        self.session, self.payment_id = session, payment_id
        self.body = named(QLabel(""), "payment_details")
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.approve = named(QPushButton(_("Approve and post")), "payment_approve")
        self.approve.clicked.connect(self._approve)
        self.reject_button = named(QPushButton(_("Reject…")), "payment_reject")
        self.reject_button.clicked.connect(self._reject)
        close = named(QPushButton(_("Close")), "payment_close")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.approve)
        row.addWidget(self.reject_button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body)
        layout.addLayout(row)
        self.resize(560, 320)
        self.reload()

    def reload(self) -> None:
        p = self.session.call("wallets.get_payment", self.payment_id)
        self.setWindowTitle(_("{kind} {amount} — {customer}").format(
            kind=_(PAYMENT_KIND_LABELS[p.kind]), amount=fmt_money(p.amount), customer=p.customer_name))
        rows = [(_("Status"), _(PAYMENT_LABELS[p.status])), (_("Customer"), f"{p.customer_code} {p.customer_name}"),
                (_("Amount"), fmt_money(p.amount)), (_("Bank reference"), p.bank_reference),
                (_("Bank date"), fmt_date(p.received_on)), (_("Account"), p.account_name), (_("Note"), p.note),
                (_("Recorded by"), f"{p.created_by} · {fmt_datetime(p.created_at)}")]
        if p.decided_at:
            rows.append((_("Decided by"), f"{p.decided_by} · {fmt_datetime(p.decided_at)} {p.decision_note}"))
        self.body.setText("\n".join(f"{k}: {v}" for k, v in rows))
        waiting = p.can_approve and self.session.can(Perm.APPROVE_PAYMENTS)
        self.approve.setVisible(waiting)
        self.reject_button.setVisible(waiting)

    def _approve(self) -> None:
        try:
            self.session.call("wallets.approve_payment", self.payment_id)
        except DomainError as exc:
            report_error(self, exc)
        self.reload()

    def _reject(self) -> None:
        reason, ok = QInputDialog.getText(self, _("Reject"), _("Why is it rejected?"))
        if not ok:
            return
        try:
            self.session.call("wallets.reject_payment", self.payment_id, reason)
        except DomainError as exc:
            report_error(self, exc)
        self.reload()


class EntryWindow(QDialog):
    """One journal entry: what moved between which accounts; a manual one can be reversed."""

    def __init__(self, session: Session, entry_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "entry_window", _("Journal entry"))
        self.session, self.entry_id = session, entry_id
        self.head = named(QLabel(""), "entry_details")
        self.head.setWordWrap(True)
        self.lines = readonly_table("entry_lines", _("Lines"), [
            _("Account"), _("Debit"), _("Credit"), _("In VND"), _("Balance after")])
        self.lines.setColumnWidth(0, 300)
        self.reverse_button = named(QPushButton(_("Reverse this entry…")), "entry_reverse")
        self.reverse_button.clicked.connect(self._reverse)
        close = named(QPushButton(_("Close")), "entry_close")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.reverse_button)
        row.addStretch(1)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.head)
        layout.addWidget(self.lines, 1)
        layout.addLayout(row)
        self.resize(820, 420)
        self.reload()

    def reload(self) -> None:
        e = self.session.call("ledger.get_entry", self.entry_id)
        self.setWindowTitle(_("Journal entry {n}").format(n=e.id))
        text = _("{kind} · {when} · by {who}").format(kind=_(ENTRY_KIND_LABELS.get(e.kind, e.kind)),
                                                     when=fmt_datetime(e.at), who=e.actor_name)
        for label, value in ((_("Reference"), e.reference), (_("Counterpart"), e.counterpart),
                             (_("Order"), e.order_code), (_("Description"), e.memo)):
            if value:
                text += f"\n{label}: {value}"
        if e.reverses_id:
            text += "\n" + _("Reverses entry {n}.").format(n=e.reverses_id)
        if e.reversed_by_id:
            text += "\n" + _("Reversed by entry {n}.").format(n=e.reversed_by_id)
        self.head.setText(text)
        fill(self.lines, [[l.account_name, l.amount if l.amount.amount > 0 else None,
                           -l.amount if l.amount.amount < 0 else None, l.amount_vnd, l.balance_after]
                          for l in e.lines], right={1, 2, 3, 4})
        self.reverse_button.setVisible(e.reversible and self.session.can(Perm.APPROVE_PAYMENTS))

    def _reverse(self) -> None:
        reason, ok = QInputDialog.getText(self, _("Reverse"), _("Why is this entry reversed?"))
        if not ok:
            return
        try:
            new = self.session.call("ledger.reverse_entry", self.entry_id, reason)
        except DomainError as exc:
            report_error(self, exc)
            return
        self.entry_id = new
        self.reload()


def entry_of_line(session: Session, line_id: int, parent: QWidget | None = None) -> EntryWindow:
    """Money book rows are lines; opening one shows its whole entry."""
    return EntryWindow(session, session.call("ledger.entry_of_line", line_id), parent)

