"""Customer wallets (ví): top-ups and refunds recorded by accountants (a second person approves
those above the limit), credit limits granted by managers, the wallet as the customer sees it.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import posting_rules
from app.bounds import check_text
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.i18n import Lazy, Message, N_, _, fmt_date, fmt_money
from app.models import Customer, LedgerAccount, Order, OrderMoney, Payment, Wallet
from app.money import VND, Money
from app.permissions import Actor, Perm, Role, require
from app.services import ledger, order_lifecycle, order_money
from app.services import settings as settings_service
from app.services.activity import now, record, stale_edit_after
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer, notify_staff, staff_ids_with_role
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.services.unique import broken_constraint
from app.text import clean
from app.workflows.money import PAYMENT_FLOW, PaymentStatus
from app.workflows.tasks import TaskKind

PS = PaymentStatus
MAX_AMOUNT = Decimal(100_000_000_000)   # 100 billion đồng: anything above is a typo

CUSTOMER_TEMPLATES.setdefault("wallet_topup", (
    N_("Top-up of {amount} received"),
    N_("Dear {name}, we received your transfer of {amount} (reference {reference}). Your wallet now holds {balance}.")))
CUSTOMER_TEMPLATES.setdefault("wallet_payout", (
    N_("Refund of {amount} sent"),
    N_("Dear {name}, we sent {amount} from your wallet to your bank account (reference {reference}). "
       "Your wallet now holds {balance}.")))


@dataclass(frozen=True)
class PaymentResult:
    payment_id: int
    status: str
    entry_id: int | None


def _amount(value: Decimal, errors: dict[str, str]) -> Money | None:
    if isinstance(value, float) or not isinstance(value, Decimal) or not value.is_finite():
        errors["amount"] = _("Enter the amount in đồng.")
        return None
    if value <= 0:
        errors["amount"] = _("The amount must be more than zero.")
        return None
    if value != value.to_integral_value():
        errors["amount"] = _("Đồng have no decimals: enter a whole amount.")
        return None
    if value > MAX_AMOUNT:
        errors["amount"] = _("That amount is too large to be right; check the digits.")
        return None
    return Money(value, VND)


def record_payment(db: Database, actor: Actor, kind: str, customer_id: int, amount: Decimal,
                   bank_reference: str, received_on: date, cash_account_id: int | None,
                   note: str = "") -> PaymentResult:
    """A customer's top-up (money in) or a refund paid out to them (money out).

    Above the approval limit it waits for a second person; otherwise it is posted at once.
    A bank reference is recorded once per company account and kind (a rejected payment does
    not count): the unique index ``uq_payments_reference`` decides when desktops race.
    """
    require(actor, Perm.RECORD_PAYMENTS)
    if kind not in ("topup", "refund"):
        raise ValueError(kind)
    reference = (bank_reference or "").strip()
    try:
        return _record_payment(db, actor, kind, customer_id, amount, reference, received_on, cash_account_id, note)
    except IntegrityError as exc:
        if broken_constraint(exc) != "uq_payments_reference":
            raise
    # Another desktop recorded the same reference at this very moment and committed first.
    with db.read() as s:
        message = _duplicate(s, kind, cash_account_id, reference)
    raise ValidationFailed({"bank_reference": message or _("This reference was recorded already.")})


def reference_key(reference: str) -> str | None:
    """A bank reference as the duplicate rule compares it: trimmed, NFC, lower case (in Python,
    so both databases compare Vietnamese letters alike)."""
    key = unicodedata.normalize("NFC", (reference or "").strip()).lower()[:80]
    return key or None


def _duplicate(s: Session, kind: str, cash_account_id: int | None, reference: str) -> str | None:
    """The message for a reference already recorded (not rejected) on this account, else None."""
    key = reference_key(reference)
    if key is None:
        return None
    dup = s.execute(select(Payment.created_at, Customer.name)
                    .join(Customer, Customer.id == Payment.customer_id)
                    .where(Payment.cash_account_id == cash_account_id, Payment.kind == kind,
                           Payment.reference_key == key)).first()
    if dup is None:
        return None
    return _("This reference was recorded already on {date} for {customer}.").format(
        date=fmt_date(dup.created_at), customer=dup.name)


def _record_payment(db: Database, actor: Actor, kind: str, customer_id: int, amount: Decimal, reference: str,
                    received_on: date, cash_account_id: int | None, note: str) -> PaymentResult:
    errors: dict[str, str] = {}
    money = _amount(amount, errors)
    reference, note = clean(reference), clean(note)
    if not reference:
        errors["bank_reference"] = _("Enter the bank transfer reference (or the cash receipt number).")
    check_text(errors, "bank_reference", reference, Payment.bank_reference, _("Bank reference"))
    with db.transaction() as tx:
        customer = tx.get(Customer, customer_id) if customer_id else None
        if customer is None:
            errors["customer_id"] = _("Choose the customer.")
        if not isinstance(received_on, date) or received_on > now(tx).date() + timedelta(days=1):
            errors["received_on"] = _("The date the money moved cannot be in the future.")
        acc = tx.get(LedgerAccount, cash_account_id) if cash_account_id else None
        if acc is None or acc.book != "vn" or not acc.is_active:
            errors["cash_account_id"] = _("Choose the company bank or cash account.")
        if reference and acc is not None:
            dup = _duplicate(tx, kind, acc.id, reference)
            if dup is not None:
                errors["bank_reference"] = dup
        if kind == "refund" and money is not None and customer is not None:
            held, _limit = ledger.wallet_money(tx, customer.id)
            if money > held:
                errors["amount"] = _("The wallet holds {balance}: no more than that can be paid back.").format(
                    balance=fmt_money(held))
        if errors:
            raise ValidationFailed(errors)
        limit = Money(Decimal(settings_service.get(tx, "money.approval_limit_vnd")), VND)
        at = now(tx)
        p = Payment(kind=kind, status=PS.AWAITING_APPROVAL, customer_id=customer.id, amount=money,
                    bank_reference=reference, reference_key=reference_key(reference),
                    received_on=received_on, cash_account_id=acc.id, note=note,
                    created_by_id=actor.user_id, created_by_name=actor.name, created_at=at)
        tx.add(p)
        tx.flush()
        record(tx, actor, "payment", p.id, "recorded", after={
            "kind": kind, "customer": customer.code, "amount": money, "reference": reference,
            "received_on": received_on, "account": acc.name})
        if money > limit:
            title = Message(N_("Approve {kind} of {amount} for {customer} ({reference})"),
                            kind=Lazy(N_("top-up") if kind == "topup" else N_("refund")), amount=money,
                            customer=customer.name, reference=reference)
            open_task(tx, actor, TaskKind.APPROVE, Role.MANAGER, title, "payment", p.id)
            notify_staff(tx, [u for u in staff_ids_with_role(tx, Role.MANAGER) + staff_ids_with_role(tx, Role.ACCOUNTANT)
                              if u != actor.user_id], title, entity="payment", entity_id=p.id)
            return PaymentResult(p.id, p.status, None)
        entry = _post(tx, actor, p, customer, acc)
        return PaymentResult(p.id, p.status, entry.id)


def _post(tx: Session, actor: Actor, p: Payment, customer: Customer, acc: LedgerAccount,
          step: str = "post") -> ledger.JournalEntry:
    """Post the payment: ``step`` is "post" when it is recorded within the limit, "approve"
    when a second person approves it."""
    if p.kind == "topup":
        lines = posting_rules.topup(acc.id, p.amount)
        memo = Message(N_("Top-up by bank transfer")) if not p.note else p.note
    else:
        lines = posting_rules.refund_paid_out(acc.id, p.amount)
        memo = Message(N_("Refund paid out to the customer")) if not p.note else p.note
    entry = ledger.post_lines(tx, actor, p.kind, lines, memo=memo, reference=p.bank_reference, counterpart=customer.name,
                        customer_id=customer.id, value_date=p.received_on, allow_credit=False)
    move(tx, actor, p, PAYMENT_FLOW, step, event="posted", stamp={"entry_id": entry.id}, after={"entry": entry.id})
    held, _limit = ledger.wallet_money(tx, customer.id)
    notify_customer(tx, customer, "wallet_topup" if p.kind == "topup" else "wallet_payout", "payment", p.id,
                    amount=p.amount, reference=p.bank_reference, balance=held)
    if p.kind == "topup":
        _retry_deposits(tx, actor, customer.id)
    return entry


def _retry_deposits(tx: Session, actor: Actor, customer_id: int) -> None:
    """Money arrived: orders waiting for their deposit take it now, oldest first, while it lasts."""
    from app.workflows.orders import OrderKind, OrderStatus
    from app.permissions import SYSTEM_ACTOR

    waiting = list(tx.scalars(select(Order.id).where(Order.customer_id == customer_id,
                                                    Order.status == OrderStatus.NEW.value,
                                                    Order.kind == OrderKind.PURCHASE.value)
                              .order_by(Order.submitted_at, Order.id)))
    for oid in waiting:
        order = tx.get(Order, oid, with_for_update=True)
        if order_money.take_deposit(tx, SYSTEM_ACTOR, order).taken:
            order_lifecycle.move(tx, SYSTEM_ACTOR, order, "deposit")


def _load(tx: Session, payment_id: int) -> Payment:
    p = tx.get(Payment, payment_id, with_for_update=True)
    if p is None:
        raise NotFound(what=Lazy(N_("The payment")))
    return p


def approve_payment(db: Database, actor: Actor, payment_id: int, note: str = "") -> int:
    """The second person's approval: the payment is posted now."""
    require(actor, Perm.APPROVE_PAYMENTS)
    try:
        with db.transaction() as tx:
            p = _load(tx, payment_id)
            if p.created_by_id == actor.user_id:
                raise DomainError(N_("A second person must approve this: you recorded it yourself."))
            PAYMENT_FLOW.check(p, "approve", actor)
            p.decided_by_id, p.decided_by_name, p.decided_at = actor.user_id, actor.name, now(tx)
            p.decision_note = (note or "").strip()
            entry = _post(tx, actor, p, tx.get(Customer, p.customer_id), tx.get(LedgerAccount, p.cash_account_id),
                          "approve")
            close_tasks(tx, actor, "payment", p.id, {TaskKind.APPROVE})
            return entry.id
    except StaleDataError:
        raise stale_edit_after(db, "payment", payment_id, N_("The payment")) from None


def reject_payment(db: Database, actor: Actor, payment_id: int, reason: str) -> None:
    require(actor, Perm.APPROVE_PAYMENTS)
    with db.transaction() as tx:
        p = _load(tx, payment_id)
        # (a rejected payment does not block recording its reference again: reference_key None)
        move(tx, actor, p, PAYMENT_FLOW, "reject", reason, stamp={
            "decided_by_id": actor.user_id, "decided_by_name": actor.name, "decided_at": now(tx),
            "decision_note": reason.strip(), "reference_key": None})
        close_tasks(tx, actor, "payment", p.id, {TaskKind.APPROVE})
        notify_staff(tx, [p.created_by_id], Message(N_("Your {kind} of {amount} was rejected: {reason}"),
            kind=Lazy(N_("top-up") if p.kind == "topup" else N_("refund")), amount=p.amount, reason=reason.strip()),
            entity="payment", entity_id=p.id)


@dataclass(frozen=True)
class PaymentView:
    id: int
    kind: str
    status: str
    customer_id: int
    customer_code: str
    customer_name: str
    amount: Money
    bank_reference: str
    received_on: date
    account_name: str
    note: str
    created_by: str
    created_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    entry_id: int | None
    version: int
    #: what this user may do now (PAYMENT_FLOW): "approve", "reject" while it awaits a second person
    actions: tuple[str, ...] = ()

    @property
    def can_approve(self) -> bool:
        return "approve" in self.actions


def get_payment(db: Database, actor: Actor, payment_id: int) -> PaymentView:
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        p = s.get(Payment, payment_id)
        if p is None:
            raise NotFound(what=Lazy(N_("The payment")))
        c = s.get(Customer, p.customer_id)
        acc = s.get(LedgerAccount, p.cash_account_id)
        return PaymentView(p.id, p.kind, p.status, c.id, c.code, c.name, p.amount, p.bank_reference, p.received_on,
                           ledger.account_name(acc), p.note, p.created_by_name, p.created_at, p.decided_by_name, p.decided_at,
                           p.decision_note, p.entry_id, p.version, PAYMENT_FLOW.allowed_actions(p, actor))


# -- credit limits and the wallet as shown -----------------------------------------------------------

def grant_credit(db: Database, actor: Actor, customer_id: int, limit: Decimal, note: str) -> None:
    """A manager lets a trusted customer's wallet go below zero, down to minus ``limit``."""
    require(actor, Perm.GRANT_CREDIT)
    errors: dict[str, str] = {}
    if isinstance(limit, float) or not isinstance(limit, Decimal) or not limit.is_finite() or limit < 0 \
            or limit != limit.to_integral_value():
        errors["credit_limit"] = _("The credit limit is a whole number of đồng from 0.")
    elif limit > MAX_AMOUNT:
        errors["credit_limit"] = _("That amount is too large to be right; check the digits.")
    if not (note or "").strip():
        errors["note"] = _("Say why the customer gets this credit.")
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        if tx.get(Customer, customer_id) is None:
            raise NotFound(what=Lazy(N_("The customer")))
        w = ledger.wallet(tx, customer_id)
        tx.refresh(w, with_for_update=True)
        held, old = ledger.wallet_money(tx, customer_id)
        new = Money(limit, VND)
        if held < -new:
            raise ValidationFailed({"credit_limit": _("The customer already owes {owed}: the limit cannot be "
                                                      "lower than that.").format(owed=fmt_money(-held))})
        w.credit_limit, w.credit_granted_by_id, w.credit_granted_at = new, actor.user_id, now(tx)
        w.credit_note = note.strip()
        record(tx, actor, "customer", customer_id, "credit_limit", {"credit_limit": old}, {"credit_limit": new},
               note.strip())


@dataclass(frozen=True)
class OrderDue:
    order_id: int
    code: str
    status: str
    charged: Money
    balance_due: Money
    due_since: datetime | None


@dataclass(frozen=True)
class WalletView:
    customer_id: int
    customer_code: str
    customer_name: str
    balance: Money
    credit_limit: Money
    available: Money
    credit_note: str
    owed_on_orders: Money          # what open orders still owe (charged − paid)
    orders: tuple[OrderDue, ...]
    pending: tuple[PaymentView, ...]

    @property
    def debt(self) -> Money:
        """What the customer owes in all: orders' dues, plus any overdraft of the wallet."""
        overdraft = -self.balance if self.balance.is_negative() else Money.zero(VND)
        return self.owed_on_orders + overdraft


def wallet_view(db: Database, actor: Actor, customer_id: int) -> WalletView:
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        c = s.get(Customer, customer_id)
        if c is None:
            raise NotFound(what=Lazy(N_("The customer")))
        held, limit = ledger.wallet_money(s, customer_id)
        w = s.get(Wallet, customer_id)
        rows = s.execute(select(Order.id, Order.code, Order.status, OrderMoney.charged, OrderMoney.balance_due,
                                OrderMoney.due_since)
                         .join(OrderMoney, OrderMoney.order_id == Order.id)
                         .where(OrderMoney.customer_id == customer_id).order_by(Order.id.desc()).limit(200)).all()
        orders = tuple(OrderDue(*r) for r in rows)
        owed = Money.total((o.balance_due for o in orders if o.balance_due.amount > 0), VND)
        pending = []
        if actor.can(Perm.VIEW_MONEY):
            for pid in s.scalars(select(Payment.id).where(Payment.customer_id == customer_id,
                                                          Payment.status == PS.AWAITING_APPROVAL)):
                pending.append(get_payment(db, actor, pid))
        return WalletView(c.id, c.code, c.name, held, limit, held + limit, w.credit_note if w else "", owed,
                          orders, tuple(pending))


def settle_order(db: Database, actor: Actor, order_id: int) -> Money:
    """Pay what the order owes from the customer's wallet (within any credit limit)."""
    if not (actor.can(Perm.RECORD_PAYMENTS) or actor.can(Perm.EDIT_ORDERS)):
        require(actor, Perm.RECORD_PAYMENTS)

    with db.transaction() as tx:
        order = order_money.lock_order(tx, order_id)
        paid = settle(tx, actor, order, required=True)
        if paid.is_zero():
            raise DomainError(N_("The order owes nothing."))
        return paid


def settle(tx: Session, actor: Actor, order: Order, required: bool = False) -> Money:
    """Move the order's balance due from the wallet; without ``required`` a wallet that cannot
    cover it is left alone (the debt stays on the order)."""
    om = tx.get(OrderMoney, order.id)
    if om is None or om.balance_due.amount <= 0:
        return Money.zero(VND)
    due = om.balance_due
    customer = tx.get(Customer, order.customer_id)
    ledger.wallet(tx, order.customer_id)   # opened outside the savepoint: a refusal keeps it open
    try:
        with tx.begin_nested():
            ledger.post_lines(tx, actor, "settlement", posting_rules.settlement(due, order.id),
                memo=Message(N_("Paid from wallet for order {code}"), code=order.code), counterpart=customer.name,
                order_id=order.id, customer_id=order.customer_id)
    except ledger.InsufficientFunds:
        if required:
            raise
        return Money.zero(VND)
    return due
