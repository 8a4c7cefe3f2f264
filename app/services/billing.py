"""Billing (tính cước): the fees of an order as the order window shows them, the billing notice
once weight and freight are known, supplementary bills (truy thu) a manager approves, net
profit per order (managers), and customer debts by order and age.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app import posting_rules
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import (DISCOUNTABLE, FeeLine, FeeQuote, ItemFact, OrderFacts, Package, Tariff,
                      quote)
from app.i18n import Lazy, Message, N_, _
from app.models import (Bill, Customer, FeePolicy, JournalEntry, JournalLine, LedgerAccount, Order,
                        OrderMoney, Parcel, ShopOrder, VipLevel, Warehouse)
from app.money import CNY, VND, Money
from app.permissions import Actor, Perm, Role, require
from app.services import cny_lots, fee_policies, ledger, rates
from app.services.activity import now, record, stale_edit_after
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer, notify_staff, staff_ids_with_role
from app.services.order_money import fix_terms, lock_order, order_money, tariff_of
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.services.wallets import settle
from app.workflows.money import BILL_FLOW, BILLABLE, BillStatus, ShopOrderStatus
from app.workflows.orders import OrderKind, OrderStatus
from app.workflows.tasks import TaskKind

BS = BillStatus
#: a purchase order is billed once its goods are bought; a consignment order once accepted
MAX_KG = Decimal(100000)
MAX_CM = Decimal(1000)

CUSTOMER_TEMPLATES.setdefault("supplementary_bill", (
    N_("Supplementary bill for order {code}"),
    N_("Dear {name}, order {code} has a supplementary charge of {amount}: {reason}")))


def _need(actor: Actor, *perms: Perm) -> None:
    """Allowed if the role has any of ``perms``; the refusal names the first."""
    if not any(actor.can(p) for p in perms):
        require(actor, perms[0])


# -- facts and the fee quote ------------------------------------------------------------------------

def _facts(tx: Session, order: Order, om: OrderMoney | None, packages: tuple[Package, ...] | None = None,
           deliver: bool = True) -> tuple[OrderFacts, str]:
    """What the fee engine needs to know of an order, and how its rate was found."""
    level = None
    customer = tx.get(Customer, order.customer_id)
    if customer.vip_level_id:
        level = tx.get(VipLevel, customer.vip_level_id)
    purchased = order.kind == OrderKind.PURCHASE and any(i.quantity_bought is not None for i in order.items)
    items = tuple(ItemFact(i.quantity_bought if i.quantity_bought is not None else i.quantity, i.unit_price_cny,
                           i.tally_exempt) for i in order.items)
    goods = Money.total((Money(f.unit_price_cny * f.quantity, CNY) for f in items), CNY) if purchased else order.goods_cny
    rate, how = (om.selling_rate if om else None), ""
    if rate is None:
        applied = rates.selling_rate_for(tx, level.id if level else None, goods)
        if applied is not None:
            rate, how = applied.value, _("current {explanation}, fixed when the deposit is taken").format(
                explanation=applied.explanation)
    else:
        how = _("the order's rate")
    shipping = Money.total((so.domestic_shipping_cny for so in tx.scalars(select(ShopOrder).where(
        ShopOrder.order_id == order.id, ShopOrder.status == ShopOrderStatus.PAID)) if so.domestic_shipping_cny), CNY)
    dest = tx.get(Warehouse, order.destination_warehouse_id).code if order.destination_warehouse_id else "*"
    from app.services.remedies import order_voucher   # "priority shipping on the next order"

    facts = OrderFacts(goods, rate, items, frozenset(order.service_codes), dest, shipping, packages,
                       om.declared_value if om else None,
                       level.service_fee_discount_percent if level else Decimal(0),
                       fee_policies.discount_rule(tx, order.id), deliver,
                       order_voucher(tx, order, om is not None and om.billed_at is not None))
    return facts, how


def _tariff(tx: Session, order: Order, om: OrderMoney | None):
    if om is not None and om.fee_policy_id is not None:
        return tx.get(FeePolicy, om.fee_policy_id)
    customer = tx.get(Customer, order.customer_id)
    return fee_policies.policy_for(tx, customer.vip_level_id)


@dataclass(frozen=True)
class BillView:
    id: int
    order_id: int
    order_code: str
    customer_name: str
    kind: str
    status: str
    amount: Money
    lines: tuple[dict, ...]
    packages: tuple[dict, ...]
    reason: str
    created_by: str
    created_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    version: int
    #: a supplementary bill waiting for a manager's approval or rejection (BILL_FLOW)
    awaiting_decision: bool = False


@dataclass(frozen=True)
class EntryLine:
    entry_id: int
    at: datetime
    kind: str
    memo: str
    amount: Money              # on the order's receivable: + charged, − paid


@dataclass(frozen=True)
class NetProfit:
    fees: Money
    bargaining: Money
    fx_margin: Money
    freight_cost: Money
    unrecovered: Money
    compensation: Money
    commissions: Money

    @property
    def total(self) -> Money:
        return (self.fees + self.bargaining + self.fx_margin - self.freight_cost - self.unrecovered
                - self.compensation - self.commissions)


@dataclass(frozen=True)
class OrderMoneyView:
    order_id: int
    code: str
    kind: str
    status: str
    rate: Decimal | None
    rate_note: str
    policy_name: str
    deposit_percent: Decimal | None
    deposit_held: Money
    quote: FeeQuote
    charged: Money
    balance_due: Money
    paid: Money
    wallet_balance: Money
    wallet_available: Money
    discount_code: str
    entries: tuple[EntryLine, ...]
    bills: tuple[BillView, ...]
    billed: bool
    net_profit: NetProfit | None       # managers only
    #: what the yuan paid for the order really cost (CNY lots) against the rates; managers only
    currency: cny_lots.OrderCurrencyResult | None = None

    @property
    def total_vnd(self) -> Money | None:
        return self.quote.total_vnd

    @property
    def can_issue_notice(self) -> bool:
        """Not billed yet and billable (a purchase order once its goods are bought)."""
        return not self.billed and self.status in BILLABLE and \
            not (self.kind == OrderKind.PURCHASE and self.status == OrderStatus.ACCEPTED)

    @property
    def total_cny(self) -> Money | None:
        return self.quote.total_cny(self.rate)


def _bill_view(s: Session, b: Bill) -> BillView:
    order = s.get(Order, b.order_id)
    customer = s.get(Customer, b.customer_id)
    return BillView(b.id, b.order_id, order.code, customer.name, b.kind, b.status, b.amount, tuple(b.lines or ()),
                    tuple(b.packages or ()), b.reason, b.created_by_name, b.created_at, b.decided_by_name,
                    b.decided_at, b.decision_note, b.version, b.status in BILL_FLOW.sources("approve"))


def _billed_quote(order: Order, q: FeeQuote, notice: Bill | None) -> FeeQuote:
    """Once a billing notice exists, its fees (as issued) replace the pending estimates."""
    if notice is None:
        return q
    issued = {l["code"]: FeeLine(l["code"], Money(Decimal(l["amount"]), VND), l["explanation"],
                                 Money(Decimal(l["amount"]), VND)) for l in notice.lines}
    lines = [issued.pop(l.code, l) if l.code in issued else l for l in q.lines
             if not (l.amount is None and l.code not in issued)]
    lines.extend(issued.values())
    return FeeQuote(q.goods_cny, q.goods_vnd, tuple(lines))


#: every fee's revenue account is "revenue:<fee code>" (app.posting_rules.CHART)
FEE_ACCOUNT_PREFIX = posting_rules.FEE_ACCOUNT_PREFIX
#: each part of net profit (a NetProfit field): the ledger accounts whose VND lines it sums, and
#: the side it is read on — +1 a revenue (credit side), −1 a cost (debit side). "fees" sums every
#: fee revenue account. Statistics read the same table, so a report's figures are the order's.
PROFIT_PARTS: dict[str, tuple[tuple[str, ...], int]] = {
    "fees": ((), +1),
    "bargaining": ((posting_rules.BARGAINING_PROFIT,), +1),
    "fx_margin": ((posting_rules.FX_MARGIN,), +1),
    "freight_cost": ((posting_rules.FREIGHT_COST,), -1),
    "unrecovered": ((posting_rules.UNRECOVERED_COST,), -1),
    "compensation": ((posting_rules.COMPENSATION,), -1),
    "commissions": ((posting_rules.COMMISSION_EXPENSE,), -1),
}


def profit_part(account_code: str) -> str | None:
    """The part of net profit an account's lines count in (None: they are not part of it)."""
    if account_code.startswith(FEE_ACCOUNT_PREFIX):
        return "fees"
    return next((part for part, (codes, _side) in PROFIT_PARTS.items() if account_code in codes), None)


def net_profit_from_sums(sums: dict[str, int]) -> NetProfit:
    """Net profit from the signed (debit +) minor-unit sums of each part's lines."""
    return NetProfit(**{part: Money.from_minor(int(sums.get(part) or 0) * -side, VND)
                        for part, (_codes, side) in PROFIT_PARTS.items()})


def net_profit_of(s: Session, order_id: int) -> NetProfit:
    """From the order's ledger lines: every figure is what was booked, so later setting changes
    never rewrite it."""
    sums: dict[str, int] = {}
    for code, total in s.execute(select(LedgerAccount.code, func.sum(JournalLine.amount))
                                 .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                                 .where(JournalLine.order_id == order_id, JournalLine.currency == VND)
                                 .group_by(LedgerAccount.code)):
        part = profit_part(code)
        if part is not None:
            sums[part] = sums.get(part, 0) + int(total or 0)
    return net_profit_from_sums(sums)


def order_money_view(db: Database, actor: Actor, order_id: int) -> OrderMoneyView:
    """The order window's money tab: each fee and how it was computed, totals in VND and CNY,
    deposit, charged, paid and due, the wallet; net profit for those who may see profit."""
    require(actor, Perm.VIEW_CUSTOMERS)
    with db.read() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        om = s.get(OrderMoney, order_id)
        facts, how = _facts(s, order, om)
        policy = _tariff(s, order, om)
        q = quote(Tariff.from_json(policy.rules), facts,
                  stage="all" if order.kind == OrderKind.PURCHASE else "billing")
        notice = s.scalar(select(Bill).where(Bill.order_id == order_id, Bill.kind == "notice"))
        q = _billed_quote(order, q, notice)
        held, limit = ledger.wallet_money(s, order.customer_id)
        receivable = s.scalar(select(LedgerAccount.id).where(LedgerAccount.code == posting_rules.RECEIVABLE))
        entries = tuple(EntryLine(e.id, e.at, e.kind, ledger.entry_memo(e), Money.from_minor(int(amount), VND))
                        for e, amount in s.execute(
                            select(JournalEntry, func.sum(JournalLine.amount))
                            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
                            .where(JournalEntry.order_id == order_id, JournalLine.account_id == receivable)
                            .group_by(JournalEntry.id).order_by(JournalEntry.id))) if receivable else ()
        bills = tuple(_bill_view(s, b) for b in s.scalars(select(Bill).where(Bill.order_id == order_id).order_by(Bill.id)))
        code = ""
        if om is not None and om.discount_code_id:
            from app.models import DiscountCode

            code = s.get(DiscountCode, om.discount_code_id).code
        charged = om.charged if om else Money.zero(VND)
        due = om.balance_due if om else Money.zero(VND)
        return OrderMoneyView(
            order.id, order.code, order.kind, order.status, facts.rate, how, f"{fee_policies.policy_name(policy.name)} (v{policy.version})",
            om.deposit_percent if om else None, om.deposit_held if om else Money.zero(VND), q, charged, due,
            charged - due, held, held + limit, code, entries, bills, notice is not None,
            net_profit_of(s, order_id) if actor.can(Perm.VIEW_PROFIT) else None,
            cny_lots.currency_results(s, [order_id])[order_id] if actor.can(Perm.VIEW_PROFIT) else None)


def net_profit(db: Database, actor: Actor, order_id: int) -> NetProfit:
    """Fees + bargaining profit + FX margin − freight cost − unrecovered costs − compensation −
    commissions (managers only)."""
    require(actor, Perm.VIEW_PROFIT)
    with db.read() as s:
        if s.get(Order, order_id) is None:
            raise NotFound(what=Lazy(N_("The order")))
        return net_profit_of(s, order_id)


# -- billing notice ------------------------------------------------------------------------------------

@dataclass
class PackageInput:
    actual_kg: Decimal | str
    length_cm: Decimal | str = Decimal(0)
    width_cm: Decimal | str = Decimal(0)
    height_cm: Decimal | str = Decimal(0)


def _measure(value: Decimal | str, key: str, errors: dict[str, str], maximum: Decimal, places: str,
             required: bool) -> Decimal:
    if isinstance(value, float):
        raise TypeError("floats are not accepted")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip() or "0")
    except InvalidOperation:
        errors[key] = _("Enter a number.")
        return Decimal(0)
    if not d.is_finite() or d < 0 or d > maximum or (required and d <= 0):
        errors[key] = _("Enter a number above 0 and up to {maximum}.").format(maximum=maximum) if required else \
            _("Enter a number from 0 to {maximum}.").format(maximum=maximum)
        return Decimal(0)
    if d != d.quantize(Decimal(places)):
        errors[key] = _("At most {n} decimals.").format(n=len(places) - 2)
        return Decimal(0)
    return d


def parse_packages(packages: list[PackageInput]) -> tuple[Package, ...]:
    errors: dict[str, str] = {}
    out = []
    if not packages:
        errors["packages"] = _("Enter at least one parcel's weight.")
    for i, p in enumerate(packages):
        kg = _measure(p.actual_kg, f"packages.{i}.actual_kg", errors, MAX_KG, "0.001", True)
        dims = [_measure(getattr(p, k), f"packages.{i}.{k}", errors, MAX_CM, "0.1", False)
                for k in ("length_cm", "width_cm", "height_cm")]
        if any(dims) and not all(dims):
            errors[f"packages.{i}.length_cm"] = _("Parcel {n}: give all three dimensions, or none.").format(n=i + 1)
        out.append(Package(kg, *dims))
    if errors:
        raise ValidationFailed(errors)
    return tuple(out)


def measured_packages(db: Database, actor: Actor, order_id: int) -> list[PackageInput]:
    """The order's parcels as the China warehouse weighed and measured them (the Vietnam re-weigh
    where China recorded no weight), for the billing notice to start from."""
    _need(actor, Perm.RECORD_PAYMENTS, Perm.APPROVE_BILLS)
    with db.read() as s:
        rows = s.execute(select(Parcel.weight_kg, Parcel.vn_weight_kg, Parcel.length_cm, Parcel.width_cm,
                                Parcel.height_cm)
                         .where(Parcel.order_id == order_id, Parcel.status != "lost")
                         .order_by(Parcel.id)).all()
    out = []
    for r in rows:
        weight = r.weight_kg if r.weight_kg is not None else r.vn_weight_kg
        if weight is None:
            continue
        dims = (r.length_cm, r.width_cm, r.height_cm)
        out.append(PackageInput(weight, *(dims if all(d is not None for d in dims) else (Decimal(0),) * 3)))
    return out


def preview_billing(db: Database, actor: Actor, order_id: int, packages: list[PackageInput],
                    deliver: bool = True) -> FeeQuote:
    """What the billing notice would charge, before it is issued."""
    _need(actor, Perm.RECORD_PAYMENTS, Perm.APPROVE_BILLS)
    parsed = parse_packages(packages)
    with db.read() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        om = s.get(OrderMoney, order_id)
        facts, _how = _facts(s, order, om, parsed, deliver)
        return quote(Tariff.from_json(_tariff(s, order, om).rules), facts, stage="billing")


def issue_billing_notice(db: Database, actor: Actor, order_id: int, packages: list[PackageInput],
                         deliver: bool = True) -> int:
    """Weight and freight are known: charge the order's remaining fees, tell the customer, and
    take what is due from the wallet if it can pay (else the debt stays on the order)."""
    _need(actor, Perm.RECORD_PAYMENTS, Perm.APPROVE_BILLS)
    parsed = parse_packages(packages)
    with db.transaction() as tx:
        order = lock_order(tx, order_id)
        if order.status not in BILLABLE or (order.kind == OrderKind.PURCHASE and order.status == OrderStatus.ACCEPTED):
            raise DomainError(N_("The order cannot be billed while it is “{status}”."),
                              status=Lazy(_status_label(order.status)))
        om = order_money(tx, order)
        if om.billed_at is not None:
            raise DomainError(N_("The order has its billing notice already; changes go on a supplementary bill."))
        fix_terms(tx, order, om)
        from app.services.remedies import take_voucher

        voucher = take_voucher(tx, actor, order)   # used exactly once, by this notice
        facts, _how = _facts(tx, order, om, parsed, deliver)
        facts = replace(facts, priority_voucher=voucher is not None)
        q = quote(tariff_of(tx, om), facts, stage="billing")
        if q.pending:
            raise DomainError(N_("Some fees cannot be computed yet: {fees}."),
                              fees=", ".join(_(l.label) + ": " + l.explanation for l in q.pending))
        lines = [l for l in q.lines if l.amount is not None and not l.amount.is_zero()]
        total = Money.total((l.amount for l in lines), VND)
        customer = tx.get(Customer, order.customer_id)
        at = now(tx)
        bill = Bill(order_id=order.id, customer_id=order.customer_id, kind="notice", status=BS.ISSUED, amount=total,
                    lines=[{"code": l.code, "amount": str(l.amount.amount), "explanation": l.explanation,
                            "cost": str(l.cost.amount) if l.cost else None} for l in lines],
                    packages=[{"actual_kg": str(p.actual_kg), "length_cm": str(p.length_cm), "width_cm": str(p.width_cm),
                               "height_cm": str(p.height_cm)} for p in parsed],
                    reason="" if deliver else _("Picked up at the warehouse"),
                    created_by_id=actor.user_id, created_by_name=actor.name, created_at=at)
        tx.add(bill)
        tx.flush()
        cost = Money.total((l.cost for l in lines if l.cost), VND)
        specs = posting_rules.billing_notice(total, [(l.code, l.amount) for l in lines], cost, order.id)
        if specs:
            entry = ledger.post_lines(tx, actor, "billing", specs, memo=Message(N_("Billing notice {n} for order {code}"),
                n=bill.id, code=order.code), counterpart=customer.name, order_id=order.id,
                customer_id=order.customer_id, rate=facts.rate)
            bill.entry_id = entry.id
        om.charged = om.charged + total
        om.billed_at = at
        record(tx, actor, "order", order.id, "billed", after={"bill": bill.id, "amount": total,
                                                              "fees": {l.code: l.amount for l in lines}})
        notify_customer(tx, customer, "billed", "order", order.id, code=order.code, amount=om.balance_due)
        settle(tx, actor, order)
        return bill.id


def _status_label(status: str) -> str:
    from app.workflows.orders import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


# -- supplementary bills --------------------------------------------------------------------------------

@dataclass
class BillLineInput:
    code: str
    amount: Decimal          # VND; negative gives back (a re-weigh found less)
    note: str = ""


def propose_supplementary_bill(db: Database, actor: Actor, order_id: int, lines: list[BillLineInput],
                               reason: str) -> int:
    """A re-weigh or an extra service changes the charge (truy thu): it waits for a manager."""
    _need(actor, Perm.RECORD_PAYMENTS, Perm.EDIT_ORDERS)
    errors: dict[str, str] = {}
    if not (reason or "").strip():
        errors["reason"] = _("Say why: the customer reads it (e.g. re-weighed in Hanoi: 12.4 kg, not 10 kg).")
    if not lines:
        errors["lines"] = _("Add at least one charge.")
    for i, l in enumerate(lines):
        if l.code not in DISCOUNTABLE:
            errors[f"lines.{i}"] = _("Line {n}: choose the fee.").format(n=i + 1)
        elif isinstance(l.amount, float) or not isinstance(l.amount, Decimal) or not l.amount.is_finite() \
                or l.amount == 0 or l.amount != l.amount.to_integral_value() or abs(l.amount) > Decimal(10**10):
            errors[f"lines.{i}"] = _("Line {n}: a whole, non-zero amount of đồng.").format(n=i + 1)
    if errors:
        raise ValidationFailed(errors)
    with db.transaction() as tx:
        order = lock_order(tx, order_id)
        if order.status in (OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.CANCELLED, OrderStatus.OUT_OF_STOCK):
            raise DomainError(N_("The order cannot be billed while it is “{status}”."),
                              status=Lazy(_status_label(order.status)))
        order_money(tx, order)
        total = Money.total((Money(l.amount, VND) for l in lines), VND)
        customer = tx.get(Customer, order.customer_id)
        bill = Bill(order_id=order.id, customer_id=order.customer_id, kind="supplementary", status=BS.PROPOSED,
                    amount=total, lines=[{"code": l.code, "amount": str(l.amount), "explanation": l.note.strip()}
                                         for l in lines],
                    packages=None, reason=reason.strip(), created_by_id=actor.user_id, created_by_name=actor.name,
                    created_at=now(tx))
        tx.add(bill)
        tx.flush()
        record(tx, actor, "bill", bill.id, "proposed", after={"order": order.code, "amount": total,
                                                              "lines": bill.lines}, note=bill.reason)
        title = Message(N_("Approve supplementary bill {amount} for {code} · {customer}"),
                        amount=total, code=order.code, customer=customer.name)
        open_task(tx, actor, TaskKind.APPROVE, Role.MANAGER, title, "bill", bill.id)
        notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER), title, bill.reason, "bill", bill.id)
        return bill.id


def _load_bill(tx: Session, bill_id: int) -> Bill:
    b = tx.get(Bill, bill_id, with_for_update=True)
    if b is None:
        raise NotFound(what=Lazy(N_("The bill")))
    return b


def approve_bill(db: Database, actor: Actor, bill_id: int, note: str = "") -> int:
    """The manager approves: the charge is ledgered, the customer told, the wallet pays if it can."""
    require(actor, Perm.APPROVE_BILLS)
    try:
        with db.transaction() as tx:
            b = _load_bill(tx, bill_id)
            order = lock_order(tx, b.order_id)
            BILL_FLOW.check(b, "approve", actor)
            om = order_money(tx, order)
            customer = tx.get(Customer, order.customer_id)
            specs = posting_rules.supplementary(
                b.amount, [(l["code"], Money(Decimal(l["amount"]), VND)) for l in b.lines], order.id)
            entry = ledger.post_lines(tx, actor, "supplementary", specs, memo=b.reason, counterpart=customer.name,
                                order_id=order.id, customer_id=order.customer_id)
            b.entry_id = entry.id
            move(tx, actor, b, BILL_FLOW, "approve", after={"entry": entry.id}, note=(note or "").strip(),
                 stamp={"decided_by_id": actor.user_id, "decided_by_name": actor.name, "decided_at": now(tx),
                        "decision_note": (note or "").strip()})
            om.charged = om.charged + b.amount
            record(tx, actor, "order", order.id, "supplementary_bill", after={"bill": b.id, "amount": b.amount},
                   note=b.reason)
            close_tasks(tx, actor, "bill", b.id, {TaskKind.APPROVE})
            notify_customer(tx, customer, "supplementary_bill", "order", order.id, code=order.code, amount=b.amount,
                            reason=b.reason)
            if b.amount.amount < 0:
                # Less to pay than charged: what the order no longer owes goes back to the wallet.
                om_due = tx.get(OrderMoney, order.id).balance_due
                back = min(-om_due, -b.amount) if om_due.amount < 0 else Money.zero(VND)
                if back.amount > 0:
                    ledger.post_lines(tx, actor, "settlement", posting_rules.overpayment_back(back, order.id),
                        memo=Message(N_("Overpayment on order {code} back to the wallet"), code=order.code),
                        counterpart=customer.name, order_id=order.id, customer_id=order.customer_id)
            else:
                settle(tx, actor, order)
            return entry.id
    except StaleDataError:
        raise stale_edit_after(db, "bill", bill_id, N_("The bill")) from None


def reject_bill(db: Database, actor: Actor, bill_id: int, reason: str) -> None:
    require(actor, Perm.APPROVE_BILLS)
    with db.transaction() as tx:
        b = _load_bill(tx, bill_id)
        move(tx, actor, b, BILL_FLOW, "reject", reason,
             stamp={"decided_by_id": actor.user_id, "decided_by_name": actor.name, "decided_at": now(tx),
                    "decision_note": reason.strip()})
        close_tasks(tx, actor, "bill", b.id, {TaskKind.APPROVE})
        notify_staff(tx, [b.created_by_id], Message(N_("Supplementary bill {n} was rejected: {reason}"),
            n=b.id, reason=reason.strip()), entity="bill", entity_id=b.id)


def get_bill(db: Database, actor: Actor, bill_id: int) -> BillView:
    _need(actor, Perm.APPROVE_BILLS, Perm.VIEW_MONEY, Perm.EDIT_ORDERS)
    with db.read() as s:
        b = s.get(Bill, bill_id)
        if b is None:
            raise NotFound(what=Lazy(N_("The bill")))
        return _bill_view(s, b)


# -- customer debts ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DebtRow:
    customer_id: int
    customer_code: str
    customer_name: str
    order_id: int
    order_code: str
    charged: Money
    paid: Money
    due: Money
    due_since: datetime
    age_days: int

    @property
    def bucket(self) -> str:
        return age_bucket(self.age_days)


AGE_BUCKETS = ((7, N_("up to 7 days")), (30, N_("8–30 days")), (60, N_("31–60 days")), (None, N_("over 60 days")))


def age_bucket(days: int) -> str:
    for limit, label in AGE_BUCKETS:
        if limit is None or days <= limit:
            return label
    return AGE_BUCKETS[-1][1]


def customer_debts(db: Database, actor: Actor, customer_id: int | None = None, limit: int = 5000) -> list[DebtRow]:
    """What each customer owes, order by order, oldest debt first, with its age."""
    require(actor, Perm.VIEW_MONEY)
    with db.read() as s:
        at = db.clock.now()
        q = (select(Customer.id, Customer.code, Customer.name, Order.id, Order.code, OrderMoney.charged,
                    OrderMoney.balance_due, OrderMoney.due_since)
             .join(Order, Order.id == OrderMoney.order_id).join(Customer, Customer.id == OrderMoney.customer_id)
             .where(OrderMoney.due_since.isnot(None)).order_by(OrderMoney.due_since, OrderMoney.order_id).limit(limit))
        if customer_id is not None:
            q = q.where(OrderMoney.customer_id == customer_id)
        return [DebtRow(cid, ccode, cname, oid, ocode, charged, charged - due, due, since, (at - since).days)
                for cid, ccode, cname, oid, ocode, charged, due, since in s.execute(q)]

