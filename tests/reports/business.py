"""Two months of a small company's work, generated through the real services with a moving clock:
orders bought from shops and paid in CNY, parcels received in China, shipped in sacks, received
in Vietnam, billed and delivered; top-ups, CNY bought, a rate change, a refund paid out.

Every order runs as its own timeline (a generator that does one step and says how long until the
next), and all timelines are played together in time order — so the ledger's postings, the money
books' running balances and the activity log follow the clock as they would in a real office.
Steps due after ``END`` are not taken: the orders started last are still on their way.

Deterministic for a seed: the same calls in the same order on SQLite and PostgreSQL give the same
records, ids and times — which is what lets the two databases' reports be compared.
"""
from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Iterator

from sqlalchemy import select

from app.db import Database
from app.models import Order, OrderItem, Parcel, Shipment
from app.permissions import Actor, Role
from app.reports import Period
from app.services import billing, ledger, orders, parcels, purchasing, rates, shipments, wallets
from app.services import settings as settings_service
from app.services.scanning import Measurements, Outcome
from app.workflows.orders import OrderKind, OrderStatus
from tests.factories import arrive_sealed, make_customer, make_user, make_warehouses

#: the company is in Hanoi: reports count days from local midnight (UTC+7)
HANOI = 7 * 60
START = datetime(2026, 10, 3, 1, 0, tzinfo=timezone.utc)
END = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)      # "now" when generation ends
WHOLE = Period(date(2026, 10, 1), date(2026, 11, 30), HANOI)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), HANOI)
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), HANOI)
#: new rates from 1 November, 00:10 in Hanoi
RATE_CHANGE = datetime(2026, 10, 31, 17, 10, tzinfo=timezone.utc)

SHOPS = [("taobao", "杭州女装旗舰店"), ("1688", "广州白云皮具厂"), ("tmall", "小米官方旗舰店"),
         ("taobao", "义乌小商品批发"), ("1688", "汕头玩具厂家直销"), ("", "")]
PRODUCTS = [("女士连衣裙 夏季", "Đỏ / L", "59.90"), ("真皮女包", "Nâu", "168.00"), ("蓝牙耳机", "Đen", "89.50"),
            ("发夹 一套10个", "Mix", "0.035"), ("不锈钢保温杯", "Xanh", "19.90"), ("运动鞋 男款", "42", "139.00")]
PURCHASE_TARGETS = [OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.DEPOSITED, OrderStatus.AWAITING_APPROVAL, OrderStatus.ACCEPTED, OrderStatus.PURCHASING, OrderStatus.PURCHASED,
                    OrderStatus.SELLER_SHIPPED, OrderStatus.IN_TRANSIT, OrderStatus.AWAITING_DELIVERY, OrderStatus.DELIVERED, OrderStatus.RECEIVED, OrderStatus.RECEIVED,
                    OrderStatus.RECEIVED, OrderStatus.CANCELLED, OrderStatus.OUT_OF_STOCK, OrderStatus.LOST, OrderStatus.REFUSED]
CONSIGNMENT_TARGETS = [OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.IN_CN_WAREHOUSE, OrderStatus.IN_TRANSIT, OrderStatus.DELIVERING,
                       OrderStatus.RECEIVED, OrderStatus.RECEIVED, OrderStatus.CANCELLED, OrderStatus.LOST]
#: exit -> the status the order is in when it leaves, and who says why
EXITS = {OrderStatus.CANCELLED: (OrderStatus.NEW, "care", "cancel", "Khách đổi ý"),
         OrderStatus.OUT_OF_STOCK: (OrderStatus.PURCHASING, "ordering", "out_of_stock", "Shop hết hàng"),
         OrderStatus.LOST: (OrderStatus.IN_TRANSIT, "manager", "mark_lost", "Thất lạc trên đường"),
         OrderStatus.REFUSED: (OrderStatus.DELIVERING, "care", "refuse", "Khách không nhận")}
CENT = Decimal("0.01")


@dataclass
class Business:
    db: Database
    manager: Actor
    care: list[Actor]
    ordering: list[Actor]
    forwarders_cn: list[Actor]
    forwarder_vn: Actor
    store: Actor
    accountant: Actor
    customers: list[int]
    orders: list[int] = field(default_factory=list)


@dataclass
class _World:
    """What every timeline shares: the people, the warehouses, the company's accounts."""

    db: Database
    biz: Business
    wh: dict[str, int]
    bank: int = 0
    cny: list[int] = field(default_factory=list)
    refs: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def ref(self, prefix: str) -> str:
        return f"{prefix}{next(self.refs):08d}"

    def top_up(self, customer_id: int, amount: Decimal) -> None:
        done = wallets.record_payment(self.db, self.biz.accountant, "topup", customer_id, amount,
                                      self.ref("FT"), self.db.clock.now().date(), self.bank)
        if done.entry_id is None:          # above the approval limit: a manager approves it
            wallets.approve_payment(self.db, self.biz.manager, done.payment_id)


#: a product link on each platform (the app reads an item's platform from its link)
PRODUCT_LINKS = {"taobao": "https://item.taobao.com/item.htm?id={}", "tmall": "https://detail.tmall.com/item.htm?id={}",
                 "1688": "https://detail.1688.com/offer/{}.html", "other": "https://shop.example.cn/item/{}"}

def hours(rng: random.Random, lo: float, hi: float) -> timedelta:
    return timedelta(hours=rng.uniform(lo, hi))


def generate(db: Database, n_orders: int = 60, seed: int = 5) -> Business:
    rng = random.Random(seed)
    clock = db.clock
    clock.set(START - timedelta(days=2))
    wh = make_warehouses(db)
    manager = make_user(db, Role.MANAGER, Role.CARE, username="quanly", full_name="Phạm Quốc Hùng")
    care = [make_user(db, Role.CARE, username="trang", full_name="Lê Thu Trang"),
            make_user(db, Role.CARE, username="anh", full_name="Nguyễn Ngọc Ánh")]
    ordering = [make_user(db, Role.ORDERING, username="duc", full_name="Vũ Minh Đức"),
                make_user(db, Role.ORDERING, username="bao", full_name="Hoàng Gia Bảo")]
    forwarders_cn = [make_user(db, Role.FORWARDER_CN, username="xiaoming", full_name="王小明",
                               warehouse_code="CN-GZ"),
                     make_user(db, Role.FORWARDER_CN, username="lihua", full_name="李华", warehouse_code="CN-PX")]
    forwarder_vn = make_user(db, Role.FORWARDER_VN, username="nam", full_name="Đỗ Văn Nam", warehouse_code="VN-HN")
    store = make_user(db, Role.WAREHOUSE_VN, username="lan", full_name="Ngô Thị Lan", warehouse_code="VN-HN")
    accountant = make_user(db, Role.ACCOUNTANT, username="ketoan", full_name="Trịnh Thu Hà")
    names = ["Nguyễn Thị Hằng", "Trần Văn Đức", "Lê Thị Lan", "Phạm Minh Tuấn", "Hoàng Thu Trang",
             "Vũ Quốc Dũng", "Đặng Ngọc Yến", "Bùi Hải Sơn"]
    customers = [make_customer(db, care[i % 2], name=n, phone=f"09{i}2 345 67{i}", care=care[i % 2],
                               email=f"khach{i}@example.com") for i, n in enumerate(names)]
    biz = Business(db, manager.as_role(Role.MANAGER), care, ordering, forwarders_cn, forwarder_vn, store,
                   accountant, customers)
    world = _World(db, biz, wh)
    _open_books(world)
    # Bùi Hải Sơn never pays: his orders wait for their deposit. Two customers keep little in
    # their wallets: their bills go unpaid (debts). The rest pay as they go.
    unfunded, tight, funded = customers[7], customers[5:7], customers[:5]
    for cid in funded:
        world.top_up(cid, Decimal(15_000_000))
    for cid in tight:
        world.top_up(cid, Decimal(1_500_000))

    span = (END - START - timedelta(days=4)).total_seconds()
    starts = sorted(START + timedelta(seconds=rng.uniform(0, span)) for _ in range(n_orders))
    queue: list[tuple[datetime, int, Iterator[timedelta]]] = []
    seq = itertools.count()
    for i, at in enumerate(starts):
        kind = OrderKind.PURCHASE if rng.random() < 0.65 else OrderKind.CONSIGNMENT
        target = rng.choice(PURCHASE_TARGETS if kind == OrderKind.PURCHASE else CONSIGNMENT_TARGETS)
        customer = unfunded if target in (OrderStatus.DRAFT, OrderStatus.NEW) else rng.choice(funded + tight)
        timeline = (_purchase if kind == OrderKind.PURCHASE else _consignment)(
            world, random.Random(seed * 1000 + i), customer, target)
        heapq.heappush(queue, (at, next(seq), timeline))
    heapq.heappush(queue, (START, next(seq), _company(world, random.Random(seed * 1000 - 1), funded + tight)))
    heapq.heappush(queue, (RATE_CHANGE, next(seq), _once(lambda: _new_rates(world))))
    while queue:
        at, n, timeline = heapq.heappop(queue)
        if at > END:
            continue                       # not yet: the order is still on its way "now"
        clock.set(at)
        wait = next(timeline, None)
        if wait is not None:
            heapq.heappush(queue, (at + wait, n, timeline))
    clock.set(END)
    return biz


def _open_books(w: _World) -> None:
    """Rates, the company's VND bank and two CNY accounts, and the first yuan bought."""
    db, biz = w.db, w.biz
    rates.set_rate(db, biz.manager, rates.BUYING, Decimal("3580"))
    rates.set_rate(db, biz.manager, rates.SELLING, Decimal("3650"))
    with db.transaction() as tx:
        ledger.ensure_default_accounts(tx)
    # the accountant buys yuan now and then; shops are paid meanwhile (borrowed at the buying rate)
    settings_service.update_settings(db, make_user(db, Role.ADMIN), {"money.cny_borrow": True})
    w.bank = ledger.cash_accounts(db, biz.accountant, "vn")[0].id
    w.cny = [ledger.cash_accounts(db, biz.accountant, "cn")[0].id,
             ledger.create_cash_account(db, biz.accountant, "ICBC 6222 0210", "cn")]
    _buy_cny(w, w.cny[0], Decimal("6000.00"), Decimal("3585"))
    _buy_cny(w, w.cny[1], Decimal("3000.00"), Decimal("3590"))


def _buy_cny(w: _World, account: int, cny: Decimal, rate: Decimal) -> None:
    ledger.record_cny_purchase(w.db, w.biz.accountant, account, cny, w.bank, (cny * rate).to_integral_value(),
                               w.ref("FX"), w.db.clock.now().date())


def _once(step: Callable[[], None]) -> Iterator[timedelta]:
    step()
    yield from ()


def _new_rates(w: _World) -> None:
    rates.set_rate(w.db, w.biz.manager, rates.BUYING, Decimal("3600"), note="Tỷ giá tháng 11")
    rates.set_rate(w.db, w.biz.manager, rates.SELLING, Decimal("3680"), note="Tỷ giá tháng 11")


def _company(w: _World, rng: random.Random, payers: list[int]) -> Iterator[timedelta]:
    """The office's own money work: top-ups as customers transfer, yuan bought now and then, a
    refund paid out."""
    refunded = False
    while True:
        yield hours(rng, 40, 80)
        now = w.db.clock.now()
        w.top_up(rng.choice(payers), Decimal(rng.choice([2, 5, 8, 12])) * 1_000_000)
        if rng.random() < 0.4:
            _buy_cny(w, rng.choice(w.cny), Decimal(rng.choice([1000, 2000, 3000])), Decimal("3590"))
        if not refunded and now > START + timedelta(days=30):
            wallets.record_payment(w.db, w.biz.accountant, "refund", payers[0], Decimal(1_250_000),
                                   w.ref("RF"), now.date(), w.bank, "Khách rút bớt tiền ví")
            refunded = True


# -- one order's timeline ------------------------------------------------------------------------------

def _status(db: Database, oid: int) -> OrderStatus:
    with db.read() as s:
        return OrderStatus(s.get(Order, oid).status)


def _purchase(w: _World, rng: random.Random, customer: int, target: OrderStatus) -> Iterator[timedelta]:
    db, biz = w.db, w.biz
    care, buyer = rng.choice(biz.care), rng.choice(biz.ordering)
    services = ["cargo_insurance"] if rng.random() < 0.15 else []
    if rng.random() < 0.3:
        services.append("inspection")
    items = []
    for _n in range(rng.randint(1, 3)):
        platform, shop = rng.choice(SHOPS)
        title, variant, price = rng.choice(PRODUCTS)
        link = PRODUCT_LINKS[platform or "taobao"].format(rng.randint(1, 10**9))   # the link names the platform
        items.append(orders.ItemInput(shop, platform or "taobao", link,
                                      rng.randint(1, 7), Decimal(price), title, variant))
    oid = orders.create_order(db, care, orders.OrderInput(OrderKind.PURCHASE, customer, w.wh["VN-HN"], w.wh["CN-GZ"],
                                                          items=items, services=services))
    biz.orders.append(oid)
    if target == OrderStatus.DRAFT:
        return
    exit_ = EXITS.get(target)
    stop = exit_[0] if exit_ else target
    yield hours(rng, 0.5, 30)
    status = OrderStatus(orders.apply_action(db, care, oid, "submit"))      # the deposit, if the wallet can pay
    if status == OrderStatus.NEW and stop != OrderStatus.NEW:
        yield hours(rng, 2, 20)
        w.top_up(customer, Decimal(5_000_000))                    # the wallet takes the deposit now
        status = _status(db, oid)
    if stop in (OrderStatus.NEW, OrderStatus.DEPOSITED):
        yield from _leave(w, rng, oid, exit_, care)
        return
    yield hours(rng, 0.5, 30)
    if rng.random() < 0.3 and not services:
        status = OrderStatus(orders.apply_action(db, buyer.as_role(Role.ORDERING), oid, "claim"))
    else:
        status = OrderStatus(orders.confirm_order(db, biz.manager, oid, care.user_id, buyer.user_id))
    if status == OrderStatus.AWAITING_APPROVAL:
        if target == OrderStatus.AWAITING_APPROVAL:
            return
        yield hours(rng, 1, 10)
        orders.apply_action(db, biz.manager, oid, "approve")
    if target == OrderStatus.ACCEPTED:
        return
    yield hours(rng, 0.5, 30)
    _name_missing_shops(db, buyer, oid, rng)
    purchasing.prepare_shop_orders(db, buyer, oid)
    orders.apply_action(db, buyer, oid, "start_purchase")
    if target == OrderStatus.PURCHASING:
        return
    shop_orders = purchasing.purchasing_view(db, buyer, oid).shop_orders
    for n, so in enumerate(shop_orders):
        yield hours(rng, 0.5, 6)
        _record_shop_order(w, rng, buyer, so, nothing=target == OrderStatus.OUT_OF_STOCK,
                           with_code=target != OrderStatus.PURCHASED or n < len(shop_orders) - 1)
    if target in (OrderStatus.PURCHASED, OrderStatus.OUT_OF_STOCK):
        return                                                    # out of stock: the shops had none
    codes = [c for so in purchasing.purchasing_view(db, buyer, oid).shop_orders for c in so.tracking_codes]
    if target == OrderStatus.SELLER_SHIPPED:
        return
    yield from _carry(w, rng, oid, codes, stop, exit_, care, slow=rng.random() < 0.3)


def _consignment(w: _World, rng: random.Random, customer: int, target: OrderStatus) -> Iterator[timedelta]:
    db, biz = w.db, w.biz
    care = rng.choice(biz.care)
    codes = [f"YT{rng.randint(10**11, 10**12)}" for _n in range(rng.randint(1, 2))]
    oid = orders.create_order(db, care, orders.OrderInput(OrderKind.CONSIGNMENT, customer, w.wh["VN-HN"], w.wh["CN-GZ"],
                                                          tracking_codes=codes, goods_description="Quần áo"))
    biz.orders.append(oid)
    if target == OrderStatus.DRAFT:
        return
    exit_ = EXITS.get(target)
    stop = exit_[0] if exit_ else target
    yield hours(rng, 0.5, 30)
    orders.apply_action(db, care, oid, "submit")
    if stop == OrderStatus.NEW:
        yield from _leave(w, rng, oid, exit_, care)
        return
    yield hours(rng, 0.5, 30)
    if rng.random() < 0.3:
        orders.apply_action(db, care, oid, "claim")
    else:
        orders.confirm_order(db, biz.manager, oid, care.user_id, None)
    if target == OrderStatus.ACCEPTED:
        return
    yield from _carry(w, rng, oid, codes, stop, exit_, care, slow=rng.random() < 0.3)


def _leave(w: _World, rng: random.Random, oid: int, exit_, care: Actor) -> Iterator[timedelta]:
    if exit_:
        yield hours(rng, 1, 20)
        who = {"care": care, "manager": w.biz.manager}[exit_[1]]
        orders.apply_action(w.db, who, oid, exit_[2], exit_[3])


def _name_missing_shops(db: Database, buyer: Actor, oid: int, rng: random.Random) -> None:
    """Items the customer's cart named no shop for: the buyer finds the shop."""
    with db.read() as s:
        missing = list(s.scalars(select(OrderItem.id).where(OrderItem.order_id == oid, OrderItem.shop_id.is_(None))))
    if missing:
        platform, shop = rng.choice(SHOPS[:-1])
        purchasing.set_item_shop(db, buyer, oid, missing, platform, shop)


def _record_shop_order(w: _World, rng: random.Random, buyer: Actor, so, nothing: bool, with_code: bool) -> None:
    """Bought and paid: usually a little under the listed price (bargaining), sometimes a little
    over; domestic shipping; now and then a shop discount, or one item short."""
    if nothing:
        purchasing.record_shop_order(w.db, buyer, so.id, purchasing.ShopOrderInput(
            "", Decimal(0), Decimal(0), Decimal(0), None, {i.id: 0 for i in so.items}))
        return
    quantities = {i.id: i.quantity for i in so.items}
    first = so.items[0]
    if rng.random() < 0.15 and first.quantity > 1:
        quantities[first.id] = first.quantity - 1                  # the shop had one fewer
    bought = sum((i.unit_price_cny * quantities[i.id] for i in so.items), Decimal(0))
    bargain = Decimal(rng.choice([0, 0, 2, 5, 8, -3])) / 100
    goods = max(CENT, (bought * (1 - bargain)).quantize(CENT, rounding=ROUND_HALF_UP))
    shipping = Decimal(rng.choice([0, 5, 8, 12]))
    discount = Decimal("3.00") if rng.random() < 0.2 and goods > 10 else Decimal(0)
    codes = [f"JT{rng.randint(10**11, 10**12)}"] if with_code else []
    purchasing.record_shop_order(w.db, buyer, so.id, purchasing.ShopOrderInput(
        f"TB{rng.randint(10**9, 10**10)}", goods, shipping, discount, rng.choice(w.cny), quantities,
        tracking_codes=codes))


def _check(result, *ok: Outcome):
    assert result.outcome in ok, (result.outcome, result.title, result.detail)
    return result


def _carry(w: _World, rng: random.Random, oid: int, codes: list[str], stop: OrderStatus, exit_, care: Actor,
           slow: bool) -> Iterator[timedelta]:
    """From the seller (or the customer) to the customer's door: received and weighed in China,
    packed into a sack, received in Hanoi, billed, delivered and confirmed."""
    db, biz = w.db, w.biz
    # one in four orders goes through Pingxiang (李华); 王小明 helps there now and then
    origin = "CN-PX" if rng.random() < 0.25 else "CN-GZ"
    receiver = biz.forwarders_cn[1] if origin == "CN-PX" and rng.random() < 0.7 else biz.forwarders_cn[0]
    yield hours(rng, 24, 72)
    for code in codes:
        weight = Decimal(rng.randint(300, 9000)) / 1000
        dims = ((Decimal(rng.randint(20, 60)), Decimal(rng.randint(20, 50)), Decimal(rng.randint(10, 40)))
                if rng.random() < 0.5 else (None, None, None))
        _check(parcels.receive_cn(db, receiver, w.wh[origin], code, Measurements(weight, *dims)),
               Outcome.RECEIVED, Outcome.EXCESS)
        yield hours(rng, 0.1, 3)
    if stop == OrderStatus.IN_CN_WAREHOUSE:
        return
    yield hours(rng, 2, 30)
    packer = biz.forwarders_cn[1] if origin == "CN-PX" else biz.forwarders_cn[0]
    sid = shipments.open_shipment(db, packer, w.wh[origin], w.wh["VN-HN"])
    for code in codes:
        _check(shipments.pack_scan(db, packer, sid, code), Outcome.PACKED)
    with db.read() as s:
        sh = s.get(Shipment, sid)
        net, shipment_code = sh.net_weight_kg, sh.code
    shipments.seal_shipment(db, packer, sid, net + Decimal("0.400"), w.ref("SEAL"))
    yield hours(rng, 1, 8)
    shipments.depart_shipment(db, packer, sid)
    if stop == OrderStatus.IN_TRANSIT:
        if exit_:
            yield from _leave(w, rng, oid, exit_, care)
        return
    yield hours(rng, 48, 96) + (timedelta(days=rng.uniform(10, 20)) if slow else timedelta(0))
    _check(arrive_sealed(db, biz.forwarder_vn, shipment_code), Outcome.SHIPMENT)
    for code in codes:
        with db.read() as s:
            china = s.scalar(select(Parcel.weight_kg).where(Parcel.tracking_code == code))
        vn_weight = (china or Decimal(1)) + Decimal(rng.choice([0, 0, 10, -20, 60])) / 100
        _check(shipments.receive_scan(db, biz.forwarder_vn, sid, code, max(vn_weight, Decimal("0.1"))),
               Outcome.RECEIVED, Outcome.WEIGHT_WARNING)
    yield hours(rng, 1, 20)
    billing.issue_billing_notice(db, biz.accountant, oid, billing.measured_packages(db, biz.accountant, oid))
    if stop == OrderStatus.AWAITING_DELIVERY:
        if rng.random() < 0.4:
            view = orders.get_order(db, care, oid)
            if view.committed_deliver_by is not None:
                orders.update_estimates(db, care, oid, view.estimated_ship_at,
                                        view.committed_deliver_by + timedelta(days=rng.randint(2, 9)),
                                        "Hàng ùn tắc ở cửa khẩu")
        return
    yield hours(rng, 2, 30)
    orders.apply_action(db, biz.store, oid, "start_delivery")
    if stop == OrderStatus.DELIVERING:
        if exit_:
            yield from _leave(w, rng, oid, exit_, care)
        return
    yield hours(rng, 2, 30)
    orders.apply_action(db, biz.store, oid, "deliver")
    if stop == OrderStatus.DELIVERED:
        return
    yield hours(rng, 5, 100)
    orders.apply_action(db, care, oid, "confirm_received")

