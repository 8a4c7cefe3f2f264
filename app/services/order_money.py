"""An order's money record: its selling rate and fee policy fixed once, the deposit taken from
the wallet and given back, the purchasing fee booked — every money change to an order goes
through ``lock_order`` and ``order_money`` here.

The deposit follows the goods: it is the order's deposit percent of the goods actually bought,
so when a shop has fewer items than ordered, the deposit taken for the missing ones goes back
to the wallet (and all of it when nothing could be bought, or the order is cancelled).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import Database
from app import posting_rules
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import OrderFacts, Tariff, quote, to_vnd
from app.i18n import Lazy, Message, N_, Percent, _
from app.models import Customer, DiscountCode, DiscountUse, FeePolicy, Order, OrderMoney, ShopOrder
from app.money import CNY, VND, Money
from app.permissions import SYSTEM_ACTOR, Actor, Perm, require
from app.services import fee_policies, ledger, rates
from app.services.activity import now, record
from app.services.rates import NoRate
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer
from app.workflows.money import ShopOrderStatus
from app.workflows.orders import CLOSED, OrderKind

SO = ShopOrderStatus

CUSTOMER_TEMPLATES.setdefault("deposit_needed", (
    N_("Order {code} is waiting for your deposit"),
    N_("Dear {name}, order {code} needs a deposit of {amount}; your wallet holds {balance}. "
       "Please top up at least {missing} so we can start buying.")))


# -- the order's money record -------------------------------------------------------------------------

def lock_order(tx: Session, order_id: int) -> Order:
    """The order, locked for this transaction: every money change to an order goes through here."""
    order = tx.get(Order, order_id, with_for_update=True)
    if order is None:
        raise NotFound(what=Lazy(N_("The order")))
    return order


def order_money(tx: Session, order: Order) -> OrderMoney:
    om = tx.get(OrderMoney, order.id)
    if om is None:
        om = OrderMoney(order_id=order.id, customer_id=order.customer_id, deposit_held=Money.zero(VND),
                        charged=Money.zero(VND), balance_due=Money.zero(VND), service_fee_booked=False)
        tx.add(om)
        tx.flush()
    return om


def fix_terms(tx: Session, order: Order, om: OrderMoney, goods: Money | None = None) -> Decimal:
    """Give the order its selling rate and fee policy (once; later changes do not touch it)."""
    if om.fee_policy_id is None:
        level = fee_policies.vip_level(tx, order.customer_id)
        om.fee_policy_id = fee_policies.policy_for(tx, level.id if level else None).id
    if om.selling_rate is None:
        from app.services import quotes   # a quote still valid holds its rate

        quoted = quotes.rate_to_take(tx, order)
        if quoted is not None:
            om.selling_rate, om.rate_id = quoted.selling_rate, quoted.rate_id
            record(tx, SYSTEM_ACTOR, "order_money", order.id, "rate_applied",
                   after={"selling_rate": quoted.selling_rate, "quote_version": quoted.version},
                   note=Message(N_("the rate of quote version {version}, valid until {time}"),
                                version=quoted.version, time=quoted.valid_until))
            return om.selling_rate
        level = fee_policies.vip_level(tx, order.customer_id)
        applied = rates.selling_rate_for(tx, level.id if level else None, goods or order.goods_cny)
        if applied is None:
            raise NoRate(kind=Lazy(rates.RATE_KINDS[rates.SELLING]))
        om.selling_rate, om.rate_id = applied.value, applied.rate_id
        record(tx, SYSTEM_ACTOR, "order_money", order.id, "rate_applied", after={"selling_rate": applied.value},
               note=applied.explanation)
    return om.selling_rate


def tariff_of(tx: Session, om: OrderMoney) -> Tariff:
    return Tariff.from_json(tx.get(FeePolicy, om.fee_policy_id).rules)


@dataclass(frozen=True)
class DepositOutcome:
    taken: bool
    amount: Money | None = None
    why: "str | Message" = ""   # why it was not taken, read in the reader's language


def take_deposit(tx: Session, actor: Actor, order: Order, required: bool = False) -> DepositOutcome:
    """Take the order's deposit from the wallet (within any credit limit) — once.

    ``required``: raise the reason instead of returning it (the "Take deposit" step). Called with
    the order locked, inside the submitting transaction.
    """
    om = order_money(tx, order)
    if om.deposit_percent is not None:
        return DepositOutcome(True, om.deposit_held)
    customer = tx.get(Customer, order.customer_id)
    if om.selling_rate is None:
        from app.services import quotes   # an expired quote is quoted again and waits for the customer

        why = quotes.gate_deposit(tx, actor, order)
        if why is not None:
            if required:
                raise DomainError(why.key, **why.params)
            return DepositOutcome(False, None, why)
    try:
        with tx.begin_nested():
            rate = fix_terms(tx, order, om)
            pct = fee_policies.deposit_percent(tx, order)
            amount = to_vnd(order.goods_cny, rate).percent(pct)
            if not amount.is_zero():
                ledger.post_lines(tx, actor, "deposit", posting_rules.deposit(amount, order.id),
                    memo=Message(N_("Deposit {percent} of goods {goods} × {rate}"),
                                 percent=Percent(pct), goods=order.goods_cny, rate=rate),
                    counterpart=customer.name, order_id=order.id, customer_id=order.customer_id, rate=rate)
            om.deposit_percent, om.deposit_held = pct, amount
    except (ledger.InsufficientFunds, NoRate) as exc:
        tx.expire(om)
        if required:
            raise
        if isinstance(exc, ledger.InsufficientFunds):
            held, _limit = ledger.wallet_money(tx, order.customer_id)
            want = exc.params["needed"]
            notify_customer(tx, customer, "deposit_needed", "order", order.id, code=order.code, amount=want,
                            balance=held, missing=want - held - _limit if want > held + _limit else want)
        return DepositOutcome(False, None, Message(exc.msgid, **exc.params))
    return DepositOutcome(True, amount)


def _paid_to_shops(tx: Session, order_id: int) -> Money:
    total = Money.zero(CNY)
    for paid in tx.scalars(select(ShopOrder.paid_cny).where(ShopOrder.order_id == order_id,
                                                           ShopOrder.status == SO.PAID)):
        if paid is not None:
            total += paid
    return total


def refund_deposit(tx: Session, actor: Actor, order: Order, reason: str) -> Money:
    """Give back the deposit still held (the order is cancelled or nothing could be bought).
    Refused once money went to a shop: then the goods exist and the shortage path applies."""
    om = tx.get(OrderMoney, order.id)
    if om is None or om.deposit_held.is_zero():
        return Money.zero(VND)
    if not _paid_to_shops(tx, order.id).is_zero():
        raise DomainError(N_("Shop orders of this order are paid already; the deposit cannot simply be "
                             "returned. Record what the shops could not supply as a shortage instead."))
    amount = om.deposit_held
    customer = tx.get(Customer, order.customer_id)
    ledger.post_lines(tx, actor, "deposit_refund", posting_rules.deposit_refund(amount, order.id),
        memo=reason or Message(N_("Deposit refunded")), counterpart=customer.name, order_id=order.id,
        customer_id=order.customer_id, rate=om.selling_rate)
    om.deposit_held = Money.zero(VND)
    notify_customer(tx, customer, "refund", "order", order.id, code=order.code, amount=amount, reason=reason or "")
    return amount


def book_service_fee(tx: Session, actor: Actor, order: Order) -> Money:
    """When the order is purchased: the purchasing fee on the goods actually bought."""
    om = order_money(tx, order)
    if om.service_fee_booked or order.kind != OrderKind.PURCHASE:
        return Money.zero(VND)
    goods = bought_value(order)
    rate = fix_terms(tx, order, om, goods)
    level = fee_policies.vip_level(tx, order.customer_id)
    facts = OrderFacts(goods, rate, vip_service_discount=level.service_fee_discount_percent if level else Decimal(0),
                       discount=fee_policies.discount_rule(tx, order.id))
    line = quote(tariff_of(tx, om), facts, stage="purchase").line("purchasing_fee")
    om.service_fee_booked = True
    if line is None or line.amount is None or line.amount.is_zero():
        return Money.zero(VND)
    customer = tx.get(Customer, order.customer_id)
    ledger.post_lines(tx, actor, "service_fee", posting_rules.service_fee(line.amount, order.id),
        memo=line.explanation, counterpart=customer.name, order_id=order.id, customer_id=order.customer_id,
        rate=rate)
    om.charged = om.charged + line.amount
    return line.amount


def bought_value(order: Order) -> Money:
    return Money.total((Money(i.unit_price_cny * (i.quantity if i.quantity_bought is None else i.quantity_bought), CNY)
                        for i in order.items), CNY)


# -- a discount code on the order's fees --------------------------------------------------------------

def apply_discount_code(db: Database, actor: Actor, order_id: int, code: str) -> None:
    """Put a discount code on an order; its use is counted at once, against its limits."""
    require(actor, Perm.EDIT_ORDERS)
    code = (code or "").strip().upper()
    with db.transaction() as tx:
        order = lock_order(tx, order_id)
        if order.status in CLOSED:
            raise DomainError(N_("A closed order cannot be edited."))
        om = order_money(tx, order)
        if om.billed_at is not None:
            raise DomainError(N_("The order is billed already: a discount now needs a supplementary bill."))
        if om.discount_code_id is not None:
            raise ValidationFailed({"code": _("The order has a discount code already; remove it first.")})
        d = tx.scalar(select(DiscountCode).where(DiscountCode.code == code))
        at = now(tx)
        problem = None
        if d is None or not d.is_active:
            problem = _("There is no active discount code {code}.").format(code=code or "—")
        elif d.valid_from > at or (d.valid_until is not None and d.valid_until <= at):
            problem = _("The code {code} is not valid today.").format(code=code)
        elif d.customer_id is not None and d.customer_id != order.customer_id:
            problem = _("The code {code} belongs to another customer.").format(code=code)
        elif d.max_uses_per_customer is not None and (tx.scalar(select(func.count()).select_from(DiscountUse).where(
                DiscountUse.code_id == d.id, DiscountUse.customer_id == order.customer_id)) or 0) >= d.max_uses_per_customer:
            problem = _("This customer has used the code {code} as often as allowed.").format(code=code)
        if problem is None:
            # Counted atomically against the overall limit: two desktops cannot both take the last use.
            taken = tx.execute(update(DiscountCode).where(
                DiscountCode.id == d.id,
                (DiscountCode.max_uses.is_(None)) | (DiscountCode.used_count < DiscountCode.max_uses))
                .values(used_count=DiscountCode.used_count + 1, version=DiscountCode.version + 1)
                .execution_options(synchronize_session=False)).rowcount
            if not taken:
                problem = _("The code {code} has been used as often as allowed.").format(code=code)
        if problem:
            raise ValidationFailed({"code": problem})
        tx.add(DiscountUse(code_id=d.id, order_id=order.id, customer_id=order.customer_id, at=at, by_id=actor.user_id))
        om.discount_code_id = d.id
        record(tx, actor, "order", order.id, "discount_code", after={"discount_code": code})


def remove_discount_code(db: Database, actor: Actor, order_id: int) -> None:
    require(actor, Perm.EDIT_ORDERS)
    with db.transaction() as tx:
        order = lock_order(tx, order_id)
        om = order_money(tx, order)
        if om.discount_code_id is None:
            return
        if om.billed_at is not None or om.service_fee_booked:
            raise DomainError(N_("Fees were booked with this code already; it stays on the order."))
        d = tx.get(DiscountCode, om.discount_code_id)
        tx.execute(update(DiscountCode).where(DiscountCode.id == d.id).values(
            used_count=DiscountCode.used_count - 1, version=DiscountCode.version + 1)
            .execution_options(synchronize_session=False))
        use = tx.scalar(select(DiscountUse).where(DiscountUse.order_id == order.id))
        if use is not None:
            tx.delete(use)
        om.discount_code_id = None
        record(tx, actor, "order", order.id, "discount_code", before={"discount_code": d.code},
               after={"discount_code": None})
