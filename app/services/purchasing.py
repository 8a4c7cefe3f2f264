"""Purchasing (mua hàng): the deposit taken on submit, shop orders placed and paid in CNY,
shortages refunded, bargaining profit watched, shops chased for tracking codes.

The deposit follows the goods: it is the order's deposit percent of the goods actually bought,
so when a shop has fewer items than ordered, the deposit taken for the missing ones goes back
to the wallet (and all of it when nothing could be bought, or the order is cancelled).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import posting_rules
from app.bounds import too_large, too_long
from app.db import Database
from app.errors import DomainError, NotFound, ValidationFailed
from app.fees import to_vnd
from app.i18n import Lazy, Message, N_, Percent, _
from app.models import (Customer, LedgerAccount, Order, OrderItem, OrderMoney, Parcel, Shop,
                        ShopOrder, User)
from app.money import CNY, VND, Money
from app.permissions import SYSTEM_ACTOR, Actor, Perm, Role, require
from app.services import ledger, order_lifecycle, rates
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.order_money import fix_terms, lock_order, order_money
from app.services.rates import NoRate
from app.services.notifications import CUSTOMER_TEMPLATES, notify_customer, notify_staff, staff_ids_with_role
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.services.unique import insert_or_get, tracking_code_taken, unique_rules
from app.text import clean, search_blob
from app.tracking import is_plausible, normalize_code
from app.workflows.money import SHOP_ORDER_FLOW, ShopOrderStatus
from app.workflows.orders import OrderKind, OrderStatus
from app.workflows.tasks import TaskKind

SO = ShopOrderStatus
CNY_STEP = Decimal("0.01")
#: beyond this a shop order's amount is a typo (and far inside what the money columns hold)
MAX_SHOP_ORDER_CNY = Decimal(10_000_000_000)

CUSTOMER_TEMPLATES.setdefault("shortage_refund", (
    N_("Order {code}: some items could not be bought"),
    N_("Dear {name}, the shop {shop} could supply only part of order {code}: {missing} item(s) were not "
       "bought. {amount} has been refunded to your wallet.")))


# -- shop orders ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShopItemView:
    id: int
    title: str
    variant: str
    product_url: str
    quantity: int
    quantity_bought: int | None
    unit_price_cny: Decimal
    line_total: Money


@dataclass(frozen=True)
class ShopOrderView:
    id: int
    order_id: int
    order_code: str
    shop_name: str
    platform: str
    status: str
    platform_order_no: str
    items: tuple[ShopItemView, ...]
    items_value: Money                 # at the customer's prices, as ordered
    goods_cny: Money | None
    domestic_shipping_cny: Money | None
    shop_discount_cny: Money | None
    paid_cny: Money | None
    charged_cny: Money | None
    bargain_profit_cny: Money | None   # None unless the viewer may see profit
    bargain_alert: bool
    paying_account: str
    tracking_codes: tuple[str, ...]
    paid_at: object
    paid_by: str
    note: str
    version: int

    @property
    def is_paid(self) -> bool:
        """Paid (SHOP_ORDER_FLOW): its amounts are final; tracking codes and seller claims follow."""
        return self.status == ShopOrderStatus.PAID

    @property
    def can_place(self) -> bool:
        """Not placed on the platform yet."""
        return self.status in SHOP_ORDER_FLOW.sources("place")


@dataclass(frozen=True)
class PurchasingView:
    order_id: int
    order_code: str
    order_status: str
    selling_rate: Decimal | None
    buying_rate: Decimal | None
    deposit_held: Money
    shop_orders: tuple[ShopOrderView, ...]
    unassigned: tuple[ShopItemView, ...]    # items with no shop yet

    @property
    def can_prepare(self) -> bool:
        """The order is being bought: its shop orders may be (re)grouped from its items."""
        return self.order_status in (OrderStatus.ACCEPTED, OrderStatus.PURCHASING)


def _item_view(i: OrderItem) -> ShopItemView:
    return ShopItemView(i.id, i.title or i.product_url, i.variant, i.product_url, i.quantity, i.quantity_bought,
                        i.unit_price_cny, i.line_total)


def _so_view(s: Session, so: ShopOrder, items: list[OrderItem], actor: Actor) -> ShopOrderView:
    codes = tuple(s.scalars(select(Parcel.tracking_code).where(Parcel.shop_order_id == so.id).order_by(Parcel.id)))
    acc = s.get(LedgerAccount, so.paying_account_id).name if so.paying_account_id else ""
    who = s.get(User, so.paid_by_id).full_name if so.paid_by_id else ""
    value = Money.total((i.line_total for i in items), CNY)
    return ShopOrderView(so.id, so.order_id, so.order.code, so.shop.name, so.shop.platform, so.status,
                         so.platform_order_no, tuple(_item_view(i) for i in items), value, so.goods_cny,
                         so.domestic_shipping_cny, so.shop_discount_cny, so.paid_cny, so.charged_cny,
                         so.bargain_profit_cny if actor.can(Perm.VIEW_PROFIT) else None,
                         so.bargain_alert if actor.can(Perm.VIEW_PROFIT) else False,
                         acc, codes, so.paid_at, who, so.note or "", so.version)


def purchasing_view(db: Database, actor: Actor, order_id: int) -> PurchasingView:
    """The order's shop orders as the ordering staff work them, and items still without a shop."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        order = s.get(Order, order_id)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        om = s.get(OrderMoney, order_id)
        by_so: dict[int, list[OrderItem]] = {}
        unassigned = []
        for i in order.items:
            if i.shop_order_id is not None:
                by_so.setdefault(i.shop_order_id, []).append(i)
            elif i.shop_id is None:
                unassigned.append(_item_view(i))
        sos = s.scalars(select(ShopOrder).where(ShopOrder.order_id == order_id,
                                                ShopOrder.status != SO.CANCELLED).order_by(ShopOrder.id))
        buying = rates.current(s, rates.BUYING)
        return PurchasingView(order.id, order.code, order.status, om.selling_rate if om else None,
                              buying.value if buying else None, om.deposit_held if om else Money.zero(VND),
                              tuple(_so_view(s, so, by_so.get(so.id, []), actor) for so in sos), tuple(unassigned))


def order_of_shop_order(db: Database, actor: Actor, shop_order_id: int) -> int:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        order_id = s.scalar(select(ShopOrder.order_id).where(ShopOrder.id == shop_order_id))
        if order_id is None:
            raise NotFound(what=Lazy(N_("The shop order")))
        return order_id


def _check_buyer(order: Order, actor: Actor) -> None:
    require(actor, Perm.PURCHASE)
    if order.kind != OrderKind.PURCHASE:
        raise DomainError(N_("Only purchase orders are bought from shops."))
    if actor.role is Role.ORDERING and order.ordering_staff_id not in (None, actor.user_id):
        raise DomainError(N_("This order is assigned to another ordering staff member."))


def _start_if_needed(tx: Session, actor: Actor, order: Order) -> None:
    """Recording the first shop order of an accepted order starts its purchasing."""
    if order.status == OrderStatus.ACCEPTED:
        order_lifecycle.move(tx, actor, order, "start_purchase")
    if order.status != OrderStatus.PURCHASING:
        raise DomainError(N_("Shop orders are recorded while the order is being purchased (now: {status})."),
                          status=Lazy(_status_label(order.status)))


def prepare_shop_orders(db: Database, actor: Actor, order_id: int) -> list[int]:
    """Split the order's items by shop: one shop order per shop (items already in one stay)."""
    with db.transaction() as tx:
        order = lock_order(tx, order_id)
        _check_buyer(order, actor)
        if order.status not in (OrderStatus.ACCEPTED, OrderStatus.PURCHASING):
            raise DomainError(N_("Shop orders are made once the order is accepted (now: {status})."),
                              status=Lazy(_status_label(order.status)))
        return _group(tx, actor, order)


def _status_label(status: str) -> str:
    from app.workflows.orders import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


def _group(tx: Session, actor: Actor, order: Order) -> list[int]:
    at = now(tx)
    open_sos = {so.shop_id: so for so in tx.scalars(select(ShopOrder).where(
        ShopOrder.order_id == order.id, ShopOrder.status.in_([SO.DRAFT, SO.PLACED])))}
    made = []
    for item in order.items:
        if item.shop_order_id is not None or item.shop_id is None:
            continue
        so = open_sos.get(item.shop_id)
        if so is None:
            so = ShopOrder(order_id=order.id, shop_id=item.shop_id, status=SO.DRAFT, expected_parcels=1,
                           ordering_staff_id=order.ordering_staff_id or actor.user_id, created_at=at, updated_at=at)
            tx.add(so)
            tx.flush()
            open_sos[item.shop_id] = so
            made.append(so.id)
            record(tx, actor, "shop_order", so.id, "created", after={"order": order.code, "shop_id": item.shop_id})
        item.shop_order_id = so.id
    return made


def set_item_shop(db: Database, actor: Actor, order_id: int, item_ids: list[int], platform: str, shop_name: str) -> None:
    """Name the shop of items the customer's cart did not say (then they group into its shop order)."""
    from app.services.orders import PLATFORMS

    with db.transaction() as tx:
        order = lock_order(tx, order_id)
        _check_buyer(order, actor)
        errors = {}
        if not (shop_name or "").strip():
            errors["shop_name"] = _("Enter the shop's name.")
        if platform not in PLATFORMS:
            errors["platform"] = _("Choose Taobao, 1688, Tmall or Other.")
        if errors:
            raise ValidationFailed(errors)
        name = shop_name.strip()[:200]
        shop = insert_or_get(tx, Shop, dict(platform=platform, name=name, search_text=search_blob(name),
                                            created_at=now(tx)), (Shop.platform == platform) & (Shop.name == name))
        for item in order.items:
            if item.id in item_ids and item.shop_order_id is None:
                item.shop_id = shop.id
        record(tx, actor, "order", order.id, "items_shop", after={"shop": name, "items": item_ids})
        if order.status in (OrderStatus.ACCEPTED, OrderStatus.PURCHASING):
            _group(tx, actor, order)


def _load_so(tx: Session, shop_order_id: int) -> ShopOrder:
    so = tx.get(ShopOrder, shop_order_id, with_for_update=True)
    if so is None:
        raise NotFound(what=Lazy(N_("The shop order")))
    return so


def _platform_no(text: str) -> str:
    no = re.sub(r"\s+", "", clean(text))
    if len(no) > 60:   # refused, not cut: a cut number would never be found on the platform
        raise ValidationFailed({"platform_order_no": too_long(_("Seller's order number"), 60)})
    return no


def place_shop_order(db: Database, actor: Actor, shop_order_id: int, platform_order_no: str) -> None:
    """Placed on the platform ("đã pai"): the seller's order number, before it is paid."""
    with db.transaction() as tx:
        so = _load_so(tx, shop_order_id)
        order = lock_order(tx, so.order_id)
        _check_buyer(order, actor)
        no = _platform_no(platform_order_no)
        if not no:
            raise ValidationFailed({"platform_order_no": _("Enter the seller's order number on the platform.")})
        _start_if_needed(tx, actor, order)
        move(tx, actor, so, SHOP_ORDER_FLOW, "place", after={"platform_order_no": no})
        so.platform_order_no, so.updated_at = no, now(tx)


@dataclass
class ShopOrderInput:
    platform_order_no: str
    goods_cny: Decimal | str
    domestic_shipping_cny: Decimal | str
    shop_discount_cny: Decimal | str
    paying_account_id: int | None
    quantities: dict[int, int]                 # item id -> quantity actually bought
    note: str = ""
    tracking_codes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RecordResult:
    shop_order_id: int
    paid: Money
    charged: Money
    refund: Money
    short_items: int
    order_status: str
    bargain_alert: bool

    @property
    def order_purchased(self) -> bool:
        """Every item is bought or short: the order moved to purchased."""
        return self.order_status == OrderStatus.PURCHASED


def parse_cny(value: Decimal | str, key: str, errors: dict[str, str], label: str) -> Decimal | None:
    """An amount in CNY as typed (already parsed by the screen, or plain text): ≥ 0, two decimals."""
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money")
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip() or "0")
    except InvalidOperation:
        errors[key] = _("{what}: enter an amount in CNY, e.g. 125.50.").format(what=_(label))
        return None
    if not d.is_finite() or d < 0:
        errors[key] = _("{what}: enter an amount in CNY from 0.").format(what=_(label))
        return None
    if d > MAX_SHOP_ORDER_CNY:
        errors[key] = too_large(_(label))
        return None
    if d != d.quantize(CNY_STEP):
        errors[key] = _("{what}: an amount in CNY has at most two decimals.").format(what=_(label))
        return None
    return d


def record_shop_order(db: Database, actor: Actor, shop_order_id: int, data: ShopOrderInput,
                      seen_version: int | None = None) -> RecordResult:
    """Record a shop order as bought and paid: seller's order number, what was paid from which
    CNY account, and how many of each item the shop really had.

    One transaction: the purchase entry (CNY out of the paying account; the customer charged at
    the order's rate, the FX margin and the bargaining profit booked), the shortage refund to
    the wallet with the customer told, the managers alerted about unusual bargaining profit, and
    the order moved to purchased once every item is bought or short.
    """
    typed = [normalize_code(c) for c in data.tracking_codes if c.strip()]
    with unique_rules(tracking_code_taken(typed)), db.transaction() as tx:
        so = _load_so(tx, shop_order_id)
        order = lock_order(tx, so.order_id)
        _check_buyer(order, actor)
        if seen_version is not None and so.version != seen_version:
            from app.services.activity import stale_edit

            raise stale_edit(tx, "shop_order", so.id, N_("The shop order"))
        if so.status == SO.PAID:
            raise DomainError(N_("This shop order is recorded as paid already."))
        SHOP_ORDER_FLOW.check(so, "pay", actor)
        items = [i for i in order.items if i.shop_order_id == so.id]
        errors: dict[str, str] = {}
        for i in items:
            q = data.quantities.get(i.id)
            if not isinstance(q, int) or isinstance(q, bool) or not 0 <= q <= i.quantity:
                errors[f"quantity.{i.id}"] = _("{item}: bought is a whole number from 0 to {ordered}.").format(
                    item=(i.title or i.product_url)[:40], ordered=i.quantity)
        bought_any = any(data.quantities.get(i.id) for i in items)
        goods = parse_cny(data.goods_cny, "goods_cny", errors, N_("Goods amount"))
        shipping = parse_cny(data.domestic_shipping_cny, "domestic_shipping_cny", errors, N_("Domestic shipping"))
        discount = parse_cny(data.shop_discount_cny, "shop_discount_cny", errors, N_("Shop discount"))
        no = _platform_no(data.platform_order_no) or so.platform_order_no
        acc = tx.get(LedgerAccount, data.paying_account_id) if data.paying_account_id else None
        if bought_any:
            if not no:
                errors["platform_order_no"] = _("Enter the seller's order number on the platform.")
            if goods is not None and goods <= 0:
                errors["goods_cny"] = _("Enter what the shop charged for the goods.")
            if acc is None or acc.book != "cn" or not acc.is_active:
                errors["paying_account_id"] = _("Choose the CNY account it was paid from.")
        elif goods or shipping:
            errors["goods_cny"] = _("Nothing was bought: there is nothing to pay.")
        if goods is not None and shipping is not None and discount is not None and discount > goods + shipping:
            errors["shop_discount_cny"] = _("The discount cannot be more than the goods and shipping.")
        codes = [normalize_code(c) for c in data.tracking_codes if c.strip()]
        for c in codes:
            if not is_plausible(c):
                errors["tracking_codes"] = _("“{code}” does not look like a tracking code.").format(code=c)
            elif tx.scalar(select(Parcel.id).where(Parcel.tracking_code == c)) is not None:
                errors["tracking_codes"] = _("Tracking code {code} already belongs to another order.").format(code=c)
        if errors:
            raise ValidationFailed(errors)
        _start_if_needed(tx, actor, order)
        om = order_money(tx, order)
        at = now(tx)
        customer = tx.get(Customer, order.customer_id)
        paid = Money(goods + shipping - discount, CNY) if bought_any else Money.zero(CNY)
        bought_cny = Money.total((Money(i.unit_price_cny * data.quantities[i.id], CNY) for i in items), CNY)
        charged = bought_cny + Money(shipping, CNY) if bought_any else Money.zero(CNY)
        profit = charged - paid
        rate = fix_terms(tx, order, om)
        if bought_any:
            buying = rates.current(tx, rates.BUYING)
            if buying is None:
                raise NoRate(kind=Lazy(rates.RATE_KINDS[rates.BUYING]))
            b = buying.value
            charged_vnd = to_vnd(charged, rate)
            at_cost = to_vnd(paid, b)
            fx = Money(paid.amount * (rate - b), VND)
            bargain_vnd = charged_vnd - at_cost - fx
            memo = Message(N_("{shop} {no}: goods {goods} + shipping {shipping} − discount {discount} = paid {paid} "
                              "(buying rate {b}); charged {charged} × {rate} = {charged_vnd}"),
                           shop=so.shop.name, no=no, goods=Money(goods, CNY), shipping=Money(shipping, CNY),
                           discount=Money(discount, CNY), paid=paid, b=b, charged=charged, rate=rate,
                           charged_vnd=charged_vnd)
            ledger.post_lines(
                tx, actor, "purchase",
                posting_rules.purchase(acc.id, paid, at_cost, charged_vnd, fx, bargain_vnd, order.id),
                memo=memo, reference=no, counterpart=so.shop.name, order_id=order.id,
                customer_id=order.customer_id, shop_order_id=so.id, rate=rate)
            om.charged = om.charged + charged_vnd
            so.buying_rate = b
        # The shortage: the deposit taken for what the shop did not have goes back to the wallet.
        short_items = sum(i.quantity - data.quantities[i.id] for i in items)
        refund = Money.zero(VND)
        if short_items:
            missing = Money.total((Money(i.unit_price_cny * (i.quantity - data.quantities[i.id]), CNY) for i in items), CNY)
            pct = om.deposit_percent or Decimal(0)
            refund = min(to_vnd(missing, rate).percent(pct), om.deposit_held)
            if not refund.is_zero():
                ledger.post_lines(tx, actor, "shortage_refund", posting_rules.shortage_refund(refund, order.id),
                    memo=Message(N_("{n} item(s) short from {shop}: deposit {percent} of {missing} × {rate} refunded"),
                                 n=short_items, shop=so.shop.name, percent=Percent(pct), missing=missing, rate=rate),
                    reference=no, counterpart=customer.name, order_id=order.id, customer_id=order.customer_id,
                    shop_order_id=so.id, rate=rate)
                om.deposit_held = om.deposit_held - refund
            notify_customer(tx, customer, "shortage_refund", "order", order.id, code=order.code, shop=so.shop.name,
                            missing=short_items, amount=refund)
            notify_staff(tx, [order.care_staff_id], Message(N_("Order {code}: {n} item(s) short from {shop}"),
                code=order.code, n=short_items, shop=so.shop.name), entity="order", entity_id=order.id)
        for i in items:
            i.quantity_bought = data.quantities[i.id]
        # Bargaining profit: negative, or above the configured share of the goods, is worth a look.
        alert_pct = settings_service.get(tx, "money.bargain_alert_percent")
        alert = bought_any and (profit.is_negative() or profit > charged.percent(alert_pct))
        move(tx, actor, so, SHOP_ORDER_FLOW, "pay", after={
            "platform_order_no": no, "paid_cny": paid, "charged_cny": charged,
            "bargain_profit_cny": profit, "short_items": short_items, "refund": refund})
        so.platform_order_no = no
        so.goods_cny = Money(goods, CNY)
        so.domestic_shipping_cny = Money(shipping, CNY)
        so.shop_discount_cny = Money(discount, CNY)
        so.paid_cny, so.charged_cny, so.bargain_profit_cny = paid, charged, profit
        so.bargain_alert = bool(alert)
        so.paying_account_id = acc.id if acc is not None else None
        so.paid_at, so.paid_by_id, so.updated_at = at, actor.user_id, at
        so.ordering_staff_id = so.ordering_staff_id or actor.user_id
        so.note = (data.note or "").strip()
        record(tx, actor, "order", order.id, "shop_order_paid", after={
            "shop": so.shop.name, "platform_order_no": no, "paid_cny": paid, "short_items": short_items,
            "refund": refund})
        if alert:
            notify_staff(tx, staff_ids_with_role(tx, Role.MANAGER), Message(N_(
                "Bargaining profit {profit} on {shop} for order {code}"),
                profit=profit, shop=so.shop.name, code=order.code), entity="shop_order", entity_id=so.id)
        _add_codes(tx, actor, order, so, codes)
        # Every item bought or short: the order is purchased (or out of stock if nothing was).
        if all(i.quantity_bought is not None for i in order.items):
            if sum(i.quantity_bought for i in order.items) == 0:
                reason = _("The shops had none of the items.")
                order_lifecycle.move(tx, actor, order, "out_of_stock", reason)
            else:
                order_lifecycle.move(tx, actor, order, "mark_purchased")
        return RecordResult(so.id, paid, charged, refund, short_items, order.status, bool(alert))


def _add_codes(tx: Session, actor: Actor, order: Order, so: ShopOrder, codes: list[str]) -> int:
    if not codes:
        return 0
    at = now(tx)
    for c in codes:
        tx.add(Parcel(tracking_code=c, order_id=order.id, shop_order_id=so.id, status="expected",
                      customer_id=order.customer_id, destination_warehouse_id=order.destination_warehouse_id,
                      created_at=at, updated_at=at))
    tx.flush()
    # each code the shop declares is a parcel it sends; only parcels beyond that are excess
    declared = tx.scalar(select(func.count()).select_from(Parcel).where(Parcel.shop_order_id == so.id))
    so.expected_parcels = max(so.expected_parcels or 1, declared)
    record(tx, actor, "shop_order", so.id, "tracking_codes", after={"added": codes})
    close_tasks(tx, actor, "shop_order", so.id, {TaskKind.CHASE_SHOP})
    if order.status == OrderStatus.PURCHASED:
            order_lifecycle.move(tx, actor, order, "seller_ship")
    return len(codes)


def add_tracking_codes(db: Database, actor: Actor, shop_order_id: int, raw_codes: list[str]) -> int:
    """The shop sent it: its tracking codes (the first one moves the order to seller shipped)."""
    typed = [normalize_code(c) for c in raw_codes if c.strip()]
    with unique_rules(tracking_code_taken(typed)), db.transaction() as tx:
        so = _load_so(tx, shop_order_id)
        order = lock_order(tx, so.order_id)
        _check_buyer(order, actor)
        if so.status != SO.PAID:
            raise DomainError(N_("Tracking codes are added once the shop order is paid."))
        codes, seen = [], set()
        for raw in raw_codes:
            c = normalize_code(raw)
            if not c or c in seen:
                continue
            seen.add(c)
            if not is_plausible(c):
                raise ValidationFailed({"tracking_codes": _("“{code}” does not look like a tracking code.").format(code=raw.strip())})
            if tx.scalar(select(Parcel.id).where(Parcel.tracking_code == c)) is not None:
                raise ValidationFailed({"tracking_codes": _("Tracking code {code} already belongs to another order.").format(code=c)})
            codes.append(c)
        return _add_codes(tx, actor, order, so, codes)


def chase_missing_tracking_codes(db: Database) -> int:
    """For the timer: every paid shop order still without a tracking code after the configured
    days gets a "chase the shop" task for its ordering staff. Returns how many were opened."""
    from app.models import Task

    opened = 0
    with db.transaction() as tx:
        days = settings_service.get(tx, "orders.tracking_code_days")
        cutoff = now(tx) - timedelta(days=days)
        has_code = select(Parcel.id).where(Parcel.shop_order_id == ShopOrder.id).exists()
        late = tx.scalars(select(ShopOrder).where(ShopOrder.status == SO.PAID, ShopOrder.paid_at < cutoff,
                                                  ~has_code).order_by(ShopOrder.paid_at, ShopOrder.id))
        for so in list(late):
            order = tx.get(Order, so.order_id)
            if order.status not in (OrderStatus.PURCHASED, OrderStatus.PURCHASING):
                continue
            exists = tx.scalar(select(Task.id).where(Task.kind == TaskKind.CHASE_SHOP, Task.entity == "shop_order",
                                                     Task.entity_id == so.id, Task.status == "open"))
            if exists:
                continue
            title = Message(N_("{code} · chase {shop} ({no}) for a tracking code"),
                            code=order.code, shop=so.shop.name, no=so.platform_order_no or "—")
            open_task(tx, SYSTEM_ACTOR, TaskKind.CHASE_SHOP, Role.ORDERING, title, "shop_order", so.id,
                      assignee_id=so.ordering_staff_id or order.ordering_staff_id,
                      note=Message(N_("Paid {days} days ago without a tracking code."), days=days))
            opened += 1
    return opened

