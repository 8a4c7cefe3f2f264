"""The demo company (công ty demo): a month of a small import business, played through the real
services so that every role signs in to something to do today.

Orders are bought from real shop orders, their parcels scanned in Guangzhou, packed into
shipments that are sealed, sent, received and reconciled in Hà Nội or Hồ Chí Minh City, billed,
delivered and confirmed; ownerless parcels wait with the orders they may belong to; complaints
stand at every step, a claim against a seller is close to its deadline, customers owe money,
top-ups wait for approval and tasks are overdue. A ``FixedClock`` walks from about a month ago
to today, so every record has a natural date. Each step checks where it should have led: the
build is also a run of every workflow from start to end (``DemoBroken`` says which one failed).
"""
from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.clock import FixedClock
from app.db import Database
from app.demo import (ACCOUNTS_KEY, CITIES, PRODUCTS, ROLE_USERS, SHOPS, STREETS, DemoAccount, new_password,
                      phone, vietnamese_name)
from app.models import (Complaint, Customer, Order, OrderItem, Parcel, SettingValue, Shipment, User, UserRole,
                        VipLevel, Warehouse)
from app.money import VND, Money
from app.permissions import Actor, Role
from app.services import seals
from app.services import (auth, billing, complaints, customers, deliveries, delays, ledger, orders,
                          outbox, parcels, purchasing, rates, seller_complaints, shipments, stocktakes,
                          tasks, wallets)
from app.services.activity import now
from app.services.scanning import Measurements
from app.workflows.complaints import ComplaintStatus as CS
from app.workflows.orders import OrderKind, OrderStatus
from app.workflows.shipments import ShipmentStatus as SH

P, C = OrderKind.PURCHASE, OrderKind.CONSIGNMENT
CARE_OF = ["cskh1", "cskh2", "cskh1", "cskh2", "quanly"]   # customer i is looked after by CARE_OF[i % 5]


class DemoBroken(RuntimeError):
    """A workflow of the demo did not end where it should: the services and the demo disagree."""


@dataclass
class _Order:
    id: int
    kind: str
    customer: int
    care: str | None
    buyer: str | None
    dest: str
    codes: list[str] = field(default_factory=list)


def create_demo_company(db: Database, seed: int = 7) -> list[DemoAccount]:
    """Users for every role (random passwords, returned once and kept for the demo's sign-in
    dialog), customers, shops, orders in every status, shipments, parcels, deliveries, money and
    complaints. Refused (by the first-run set-up) if the database already has accounts."""
    real_clock = db.clock
    today = real_clock.now()
    clock = FixedClock(today - timedelta(days=30))
    db.clock = clock
    try:
        accounts = _staff(db)
        _Demo(db, random.Random(seed), clock, today).build()
        clock.set(today)
        _keep_accounts(db, accounts)
        return accounts
    finally:
        db.clock = real_clock


def _keep_accounts(db: Database, accounts: list[DemoAccount]) -> None:
    with db.transaction() as tx:
        tx.add(SettingValue(key=ACCOUNTS_KEY, value=json.dumps(
            [{"username": a.username, "password": a.password} for a in accounts]), updated_at=now(tx)))


def _staff(db: Database) -> list[DemoAccount]:
    accounts = [DemoAccount(u, n, tuple(r), new_password()) for u, n, r, _ in ROLE_USERS]
    auth.first_run_setup(db, "Công ty TNHH Vận chuyển Hằng Nga (demo)", "admin", "Trần Quản Trị",
                         accounts[0].password)
    with ThreadPoolExecutor(2) as pool:     # argon2 lets go of the GIL: both cores hash
        hashes = list(pool.map(auth.hash_password, [a.password for a in accounts[1:]]))
    with db.transaction() as tx:
        codes = {w.code: w.id for w in tx.scalars(select(Warehouse))}
        for (username, full_name, roles, wh), acc, hashed in zip(ROLE_USERS[1:], accounts[1:], hashes):
            user = User(username=username, full_name=full_name, password_hash=hashed, created_at=now(tx),
                        home_warehouse_id=codes.get(wh) if wh else None)
            user.roles = [UserRole(role=r.value) for r in roles]
            tx.add(user)
    return accounts


class _Demo:
    def __init__(self, db: Database, rng: random.Random, clock: FixedClock, today: datetime) -> None:
        self.db, self.rng, self.clock, self.today = db, rng, clock, today
        self.users: dict[str, Actor] = {}
        with db.read() as s:
            self.wh = {w.code: w.id for w in s.scalars(select(Warehouse))}
            for user in s.scalars(select(User)):
                roles = [Role(r.role) for r in user.roles]
                self.users[user.username] = Actor(user.id, user.full_name, roles[0], frozenset(roles),
                                                  user.home_warehouse_id)
        self.customers: list[int] = []
        self.care_of: dict[int, str | None] = {}
        self.orders: dict[str, _Order] = {}
        self._codes = iter(range(1, 10**6))
        self._sellers = iter(range(1, 10**6))

    # -- people, time --------------------------------------------------------------------------------

    def as_(self, username: str, role: Role | None = None) -> Actor:
        a = self.users[username]
        return Actor(a.user_id, a.name, role or a.role, a.roles, a.warehouse_id)

    @property
    def manager(self) -> Actor:
        return self.as_("quanly", Role.MANAGER)

    def care(self, o: _Order) -> Actor:
        return self.as_(o.care or "cskh1", Role.CARE)

    def days_ago(self, days: float) -> datetime:
        return self.today - timedelta(days=days)

    def at(self, when: datetime) -> None:
        self.clock.set(when)

    def later(self, lo: float = 0.3, hi: float = 3.0) -> None:
        self.clock.advance(hours=self.rng.uniform(lo, hi))

    def expect(self, what: str, got, want) -> None:
        if got != want:
            raise DemoBroken(f"{what}: {got!r}, expected {want!r}")

    # -- the whole month --------------------------------------------------------------------------------

    def build(self) -> None:
        self.setup()
        self.front_office()
        self.warehouse_month()
        self.ownerless_and_lost()
        self.problems()
        self.today_at_the_desks()

    def setup(self) -> None:
        db, rng = self.db, self.rng
        manager = self.manager
        with db.transaction() as tx:
            for rank, (code, name, spend, deposit, discount) in enumerate([
                    ("THUONG", "Khách thường", "0", None, "0"), ("VIP1", "VIP 1", "50000000", "60", "5"),
                    ("VIP2", "VIP 2", "200000000", "50", "10"), ("VIP3", "VIP 3", "1000000000", "40", "20")]):
                tx.add(VipLevel(code=code, name=name, rank=rank, min_spend=Money.of(spend, VND),
                                deposit_percent=Decimal(deposit) if deposit else None,
                                service_fee_discount_percent=Decimal(discount)))
            ledger.ensure_default_accounts(tx)
        rates.set_rate(db, manager, rates.BUYING, Decimal("3580"))
        rates.set_rate(db, manager, rates.SELLING, Decimal("3650"))
        self.later(1, 2)
        for i in range(40):
            care = CARE_OF[i % 5] if i < 38 else None          # the last two: nobody looks after them yet
            creator = self.as_(care, Role.CARE) if care else manager
            cid = customers.create_customer(db, creator, customers.CustomerInput(
                name=vietnamese_name(rng), phone=phone(rng),
                email="" if i % 7 == 3 else f"khach{i + 1}@example.com",   # these are phoned
                care_staff_id=self.users[care].user_id if care else None, addresses=[self._address()]))
            self.customers.append(cid)
            self.care_of[cid] = care
        self.funded, self.debtors, self.unfunded = self.customers[:32], self.customers[32:35], self.customers[35:]
        accountant = self.as_("ketoan")
        self.vnd_account = ledger.cash_accounts(db, accountant, "vn")[0].id
        self.cny_account = ledger.cash_accounts(db, accountant, "cn")[0].id
        self.later(1, 3)
        for n, cid in enumerate(self.funded):
            # a top-up of the approval limit (20,000,000 đ) is posted at once; above, the manager approves
            big = n % 8 == 0
            done = wallets.record_payment(db, accountant, "topup", cid, Decimal(60_000_000 if big else 20_000_000),
                                          f"FT26{n + 1:07d}", self.clock.now().date(), self.vnd_account)
            if done.entry_id is None:
                wallets.approve_payment(db, manager, done.payment_id)
            self.clock.advance(minutes=rng.uniform(3, 20))
        # yuan bought for the Alipay account in two lots, each at its own rate: the shops are paid
        # from them first in, first out (CNY lots report, each order's currency result)
        for n, (cny, rate) in enumerate(((Decimal(60_000), Decimal("3572")), (Decimal(90_000), Decimal("3591")))):
            ledger.record_cny_purchase(db, accountant, self.cny_account, cny, self.vnd_account,
                                       (cny * rate).to_integral_value(), f"FX26{n + 1:05d}",
                                       self.clock.now().date(), "")
            self.clock.advance(hours=20)

    def _address(self) -> customers.AddressInput:
        rng = self.rng
        city, districts = rng.choice(CITIES)
        return customers.AddressInput(recipient=vietnamese_name(rng),
                                      line=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                                      phone=phone(rng), district=rng.choice(districts), city=city)

    def code(self, prefix: str | None = None) -> str:
        prefix = prefix or self.rng.choice(["YT", "ZT", "JT", "SF"])
        return f"{prefix}{4_620_000_000_000 + next(self._codes) * 7919}"

    # -- one order's front office ------------------------------------------------------------------------

    def new_order(self, key: str, kind: str, customer: int, when: datetime, buyer: str | None = None,
                  dest: str = "VN-HN", services: tuple[str, ...] = (), shops: int = 1) -> _Order:
        rng = self.rng
        self.at(when)
        care = self.care_of[customer]
        creator = self.as_(care or "cskh2", Role.CARE)
        if kind == P:
            items, chosen = [], rng.sample(SHOPS, shops)
            for platform, shop in chosen:
                for _ in range(rng.randint(1, 2)):
                    title, variant, price = rng.choice(PRODUCTS)
                    items.append(orders.ItemInput(
                        shop, platform, f"https://item.{platform}.com/item.htm?id={rng.randint(10**8, 10**9)}",
                        rng.randint(1, 3), Decimal(price), title, variant))
            data = orders.OrderInput(kind, customer, self.wh[dest], self.wh["CN-GZ"], items=items,
                                     services=list(services),
                                     note=rng.choice(["", "Khách cần gấp", "Đóng gói kỹ giúp khách"]))
            codes: list[str] = []
        else:
            codes = [self.code() for _ in range(rng.randint(1, 2))]
            data = orders.OrderInput(kind, customer, self.wh[dest], self.wh["CN-GZ"], tracking_codes=codes,
                                     services=list(services),
                                     goods_description=rng.choice(["Quần áo trẻ em", "Phụ kiện điện thoại",
                                                                   "Đồ gia dụng", "Giày dép"]))
        oid = orders.create_order(self.db, creator, data)
        o = _Order(oid, kind, customer, care, (buyer or rng.choice(["dathang1", "dathang2"])) if kind == P else None,
                   dest, codes)
        self.orders[key] = o
        return o

    def submit(self, o: _Order) -> str:
        self.later(0.2, 2)
        return orders.apply_action(self.db, self.care(o), o.id, "submit")

    def accept(self, o: _Order, approve: bool = True) -> str:
        self.later(1, 6)
        care_id = self.users[o.care or "cskh1"].user_id
        st = orders.confirm_order(self.db, self.manager, o.id, care_id,
                                  self.users[o.buyer].user_id if o.buyer else None)
        if st == OrderStatus.AWAITING_APPROVAL and approve:
            self.later(1, 4)
            st = orders.apply_action(self.db, self.manager, o.id, "approve")
        o.care = o.care or "cskh1"
        return st

    def buy(self, o: _Order, place_only: bool = False, overpay: Decimal | None = None,
            short: bool = False) -> str:
        """The ordering staff's shop orders: placed on the platform and paid (every item bought,
        or one short); ``overpay`` CNY more than the customer's prices (a bargaining alert)."""
        db, buyer = self.db, self.as_(o.buyer)
        self.later(1, 8)
        purchasing.prepare_shop_orders(db, buyer, o.id)
        view = purchasing.purchasing_view(db, buyer, o.id)
        for n, so in enumerate(view.shop_orders):
            self.later(0.2, 1.5)
            number = f"{'TB' if so.platform != '1688' else 'AL'}{3_900_000_000 + next(self._sellers) * 37:012d}"
            if place_only:
                purchasing.place_shop_order(db, buyer, so.id, number)
                continue
            quantities = {i.id: i.quantity for i in so.items}
            several = [i for i in so.items if i.quantity > 1]
            if short and n == 0 and several:        # the shop had one piece fewer than ordered
                quantities[several[0].id] -= 1
            bought = sum((i.unit_price_cny * quantities[i.id] for i in so.items), Decimal(0))
            shipping = Decimal(self.rng.choice(["0", "6", "8", "12"]))
            discount = Decimal(self.rng.choice(["0", "0", "2", "5"])) if bought > 20 else Decimal(0)
            goods = bought + (overpay if overpay is not None and n == 0 else Decimal(0))
            purchasing.record_shop_order(db, buyer, so.id, purchasing.ShopOrderInput(
                number, goods, shipping, min(discount, goods), self.cny_account, quantities))
        return self.status_of(o)

    def status_of(self, o: _Order) -> str:
        with self.db.read() as s:
            return s.get(Order, o.id).status

    def seller_ships(self, o: _Order, when: datetime) -> str:
        """The shops send: one tracking code per shop order (the first moves the order)."""
        self.at(when)
        buyer = self.as_(o.buyer)
        for so in purchasing.purchasing_view(self.db, buyer, o.id).shop_orders:
            code = self.code()
            purchasing.add_tracking_codes(self.db, buyer, so.id, [code])
            o.codes.append(code)
            self.later(0.1, 3)
        return self.status_of(o)

    def through_purchase(self, key: str, kind: str, customer: int, created: datetime,
                         shipped: datetime | None = None, **kw) -> _Order:
        """An order submitted, deposited, confirmed and (a purchase) bought; with ``shipped``
        the shops' tracking codes arrive then."""
        buy_kw = {k: kw.pop(k) for k in ("overpay", "short") if k in kw}
        o = self.new_order(key, kind, customer, created, **kw)
        self.expect(f"{key} submitted", self.submit(o), OrderStatus.DEPOSITED if kind == P else OrderStatus.NEW)
        self.expect(f"{key} accepted", self.accept(o), OrderStatus.ACCEPTED)
        if kind == P:
            self.expect(f"{key} bought", self.buy(o, **buy_kw), OrderStatus.PURCHASED)
            if shipped is not None:
                self.expect(f"{key} shipped", self.seller_ships(o, shipped), OrderStatus.SELLER_SHIPPED)
        return o

    # -- the front office: orders that have not reached China's warehouse ----------------------------------

    def front_office(self) -> None:
        rng, fund = self.rng, self.funded
        when = lambda lo, hi: self.days_ago(rng.uniform(lo, hi))  # noqa: E731
        # carts and orders waiting on the customer
        self.new_order("cart", P, rng.choice(fund), when(1, 6))
        self.new_order("cart_c", C, rng.choice(fund), when(1, 6))
        for n, cid in enumerate(self.unfunded[::3]):          # no money yet: waiting for the deposit
            o = self.new_order(f"waits{n}", P, cid, when(0.5, 4))
            self.expect("unfunded submitted", self.submit(o), OrderStatus.NEW)
        o = self.new_order("cons_new", C, rng.choice(fund), when(0.2, 1))
        self.expect("consignment submitted", self.submit(o), OrderStatus.NEW)
        # deposited, waiting for the manager; services that need approval
        o = self.new_order("deposited", P, rng.choice(fund), when(0.2, 1.5))
        self.expect("deposited", self.submit(o), OrderStatus.DEPOSITED)
        o = self.new_order("approval", P, rng.choice(fund), when(0.5, 1.5), services=("cargo_insurance",))
        self.submit(o)
        self.expect("needs approval", self.accept(o, approve=False), OrderStatus.AWAITING_APPROVAL)
        # accepted (one past its purchase deadline), being bought, bought and waiting for the shop
        for n, (days, buyer) in enumerate([(3, "dathang1"), (0.4, "dathang2")]):
            o = self.new_order(f"accepted{n}", P, fund[n], self.days_ago(days), buyer=buyer)
            self.submit(o)
            self.expect("accepted", self.accept(o), OrderStatus.ACCEPTED)
        o = self.new_order("purchasing", P, rng.choice(fund), when(1, 2), buyer="dathang2", shops=2)
        self.submit(o)
        self.accept(o)
        self.expect("purchasing", self.buy(o, place_only=True), OrderStatus.PURCHASING)
        self.through_purchase("purchased", P, rng.choice(fund), when(2, 4), buyer="dathang1")
        o = self.through_purchase("shipped0", P, fund[4], when(3, 5), shipped=self.days_ago(1.2), buyer="dathang1")
        self.later(0.5, 2)
        orders.set_awaiting_customer(self.db, self.care(o), o.id, True,
                                     "Shop hỏi khách có đồng ý đổi sang màu xanh không")
        self.through_purchase("shipped1", P, fund[9], when(3, 5), shipped=self.days_ago(0.8), shops=2)
        self.through_purchase("cons_accepted", C, fund[10], when(1, 3))   # its parcels are on the way
        # the ways out: cancelled, out of stock
        o = self.new_order("cancelled", P, rng.choice(fund), when(5, 12))
        self.submit(o)
        self.later(2, 20)
        orders.apply_action(self.db, self.care(o), o.id, "cancel", "Khách đổi ý, không mua nữa")
        o = self.new_order("cancelled_c", C, rng.choice(fund), when(5, 12))
        self.submit(o)
        self.later(2, 20)
        orders.apply_action(self.db, self.care(o), o.id, "cancel", "Khách tự gửi hàng về nơi khác")
        o = self.new_order("out_of_stock", P, rng.choice(fund), when(4, 10))
        self.submit(o)
        self.accept(o)
        self.later(2, 8)
        orders.apply_action(self.db, self.as_(o.buyer), o.id, "start_purchase")
        self.later(1, 5)
        self.expect("out of stock", orders.apply_action(self.db, self.as_(o.buyer), o.id, "out_of_stock",
                                                        "Shop báo hết hàng màu này"), OrderStatus.OUT_OF_STOCK)

    # -- a month in the warehouses --------------------------------------------------------------------------

    def to_china(self, key: str, kind: str, customer: int, received: datetime, dest: str = "VN-HN",
                 shipped_days: float | None = None, **kw) -> _Order:
        """An order whose parcels reach the Guangzhou warehouse at ``received``."""
        rng = self.rng
        shipped = received - timedelta(days=shipped_days if shipped_days is not None else rng.uniform(1.5, 3))
        created = shipped - timedelta(days=rng.uniform(1, 2.5))
        o = self.through_purchase(key, kind, customer, created, shipped=shipped if kind == P else None,
                                  dest=dest, **kw)
        self.receive(o, received)
        return o

    def receive(self, o: _Order, when: datetime) -> None:
        self.at(when)
        forwarder = self.as_("khotq")
        for code in o.codes:
            r = parcels.receive_cn(self.db, forwarder, self.wh["CN-GZ"], code, self._measure())
            self.expect(f"{code} received", r.outcome.value in ("received", "excess"), True)
            self.clock.advance(minutes=self.rng.uniform(1, 20))

    def _measure(self) -> Measurements:
        rng = self.rng
        sides = sorted((Decimal(rng.randint(15, 60)) for _ in range(3)), reverse=True)
        return Measurements(Decimal(rng.randint(300, 9000)) / 1000, *sides)

    def shipment(self, dest: str, opened: datetime, keys: list[str], until: str,
                 receive: int | None = None, missing: tuple[str, ...] = ()) -> int:
        """A shipment from Guangzhou to ``dest`` carrying the parcels of orders ``keys``, played up
        to ``until`` (open, sealed, departed, arrived, reconciled). When arrived, ``receive``
        of its parcels are scanned in so far; parcels of ``missing`` never arrive."""
        db, rng = self.db, self.rng
        cn, vn = self.as_("khotq"), self.as_("khovn")
        self.at(opened)
        sid = shipments.open_shipment(db, cn, self.wh["CN-GZ"], self.wh[dest],
                                      transport=rng.choice(["Xe tải Bằng Tường", "Xe container Hữu Nghị"]))
        codes = [c for k in keys for c in self.orders[k].codes]
        for c in codes:
            self.clock.advance(minutes=rng.uniform(1, 8))
            self.expect(f"{c} packed", shipments.pack_scan(db, cn, sid, c).outcome.value, "packed")
        if until == SH.OPEN:
            return sid
        self.later(1, 4)
        net = shipments.get_shipment(db, cn, sid).net_weight_kg
        shipments.seal_shipment(db, cn, sid, net + Decimal(rng.randint(400, 1500)) / 1000,
                                f"KP{rng.randint(100000, 999999)}")
        if until == SH.SEALED:
            return sid
        self.later(1, 3)
        shipments.depart_shipment(db, cn, sid)
        if until == SH.DEPARTED:
            return sid
        # about three days on the road; a shipment still arriving came in this morning, not later
        self.at(min(self.clock.now() + timedelta(days=rng.uniform(2.6, 3.2)),
                    self.today - timedelta(hours=rng.uniform(3, 5))))
        view = shipments.get_shipment(db, vn, sid)
        code = view.code
        # the Hanoi warehouse reads the seal and weighs the sack (a few grams off) before opening it
        check = seals.SealCheck(view.seal_no, view.gross_weight_kg + Decimal(rng.randint(-60, 60)) / 1000)
        self.expect(f"{code} arrived", shipments.arrive_scan(db, vn, code, check).outcome.value, "shipment")
        lost = {c for k in missing for c in self.orders[k].codes}
        arriving = [c for c in codes if c not in lost]
        for n, c in enumerate(arriving[:receive] if receive is not None else arriving):
            self.clock.advance(minutes=rng.uniform(1, 10))
            with db.read() as s:
                cn_kg = s.scalar(select(Parcel.weight_kg).where(Parcel.tracking_code == c))
            vn_kg = cn_kg + (Decimal("1.350") if n == 1 and missing else Decimal(rng.randint(-40, 40)) / 1000)
            shipments.receive_scan(db, vn, sid, c, max(vn_kg, Decimal("0.1")))
        if until == SH.ARRIVED:
            return sid
        self.later(0.5, 2)
        shipments.close_shipment(db, vn, sid)
        return sid

    def bill(self, key: str, when: datetime | None = None) -> None:
        if when is not None:
            self.at(when)
        else:
            self.later(0.5, 3)
        accountant, o = self.as_("ketoan"), self.orders[key]
        billing.issue_billing_notice(self.db, accountant, o.id, billing.measured_packages(self.db, accountant, o.id))

    def deliver(self, key: str, when: datetime, until: str = "delivered", fail: bool = False) -> int:
        """A delivery of the order's parcels from its warehouse, up to ``until`` (requested,
        slip_issued, handed_over, delivered)."""
        db, rng, o = self.db, self.rng, self.orders[key]
        store = self.as_("giaohang")
        self.at(when)
        ids = [p.id for p in deliveries.deliverable_parcels(db, store, o.customer, self.wh[o.dest])
               if p.tracking_code in o.codes]
        self.expect(f"{key} deliverable", len(ids), len(o.codes))
        method = rng.choice(["courier", "courier", "pickup"])
        did = deliveries.create_delivery(db, store, deliveries.DeliveryInput(
            o.customer, self.wh[o.dest], ids, method,
            delivery_fee=Money.of("0" if method == "pickup" else rng.choice(["30000", "45000"]), VND)))
        if until == "requested":
            return did
        self.later(0.5, 3)
        for n, c in enumerate(o.codes):
            deliveries.pack_scan(db, store, did, c, 1 + n // 2)
        deliveries.issue_slip(db, store, did)
        if until == "slip_issued":
            return did
        self.later(0.5, 4)
        name = vietnamese_name(rng)
        deliveries.hand_over(db, store, did, name, *(("Giao Hàng Nhanh", f"GHN{rng.randint(10**8, 10**9)}")
                                                     if method == "courier" else ()))
        if fail:
            self.later(5, 9)
            deliveries.delivery_failed(db, store, did, "Khách không nhận hàng, hẹn giao lại")
            return did
        if until == "handed_over":
            return did
        self.later(4, 30)
        deliveries.confirm_delivered(db, store, did, name, True)
        return did

    def warehouse_month(self) -> None:
        rng, fund, d = self.rng, self.funded, self.days_ago
        # Shipment 1, Hà Nội, sent 16 days ago: delivered, confirmed, refused
        for key, kind, cid, days, kw in (
                ("a_received0", P, fund[0], rng.uniform(17.2, 18), {"buyer": "dathang1", "overpay": Decimal(18)}),
                ("a_received1", C, fund[1], rng.uniform(17.2, 18), {}),
                ("a_delivered0", P, fund[3], 17.4, {"buyer": "dathang1"}),
                # shipped by the shop 23 days ago: its after-sale window closes in about two days
                ("a_claim", P, fund[5], 17.6, {"buyer": "dathang1", "shipped_days": 5.8}),
                ("a_refused", P, fund[6], 17.3, {"buyer": "dathang2"}),
                ("a_complaint0", P, fund[7], 17.5, {"buyer": "dathang2"}),
                ("a_complaint1", P, fund[8], 17.3, {"buyer": "dathang1", "short": True})):
            self.to_china(key, kind, cid, d(days), **kw)
        self.shipment("VN-HN", d(17), [k for k in self.orders if k.startswith("a_")], SH.RECONCILED)
        for key in (k for k in self.orders if k.startswith("a_")):
            self.bill(key)
        for key, delivered in (("a_received0", 13), ("a_received1", 12.5),
                               ("a_delivered0", 4), ("a_claim", 3.5), ("a_complaint0", 6), ("a_complaint1", 5)):
            self.deliver(key, d(delivered))
            self.expect(f"{key} delivered", self.status_of(self.orders[key]), OrderStatus.DELIVERED)
        self.deliver("a_refused", d(11), fail=True)
        self.later(2, 5)
        self.expect("refused", orders.apply_action(self.db, self.care(self.orders["a_refused"]),
                                                   self.orders["a_refused"].id, "refuse",
                                                   "Khách không nhận hàng, đổi ý"), OrderStatus.REFUSED)
        for key, days in (("a_received0", 6), ("a_received1", 2)):
            self.at(d(days))
            self.expect(f"{key} received", orders.apply_action(
                self.db, self.care(self.orders[key]), self.orders[key].id, "confirm_received"), OrderStatus.RECEIVED)
        # Shipment 2, Hồ Chí Minh City, sent 10 days ago
        for n, key in enumerate(("b_delivered", "b_ready")):
            self.to_china(key, P, fund[12 + n], d(rng.uniform(11.2, 12)), dest="VN-SG")
        self.shipment("VN-SG", d(11), ["b_delivered", "b_ready"], SH.RECONCILED)
        for key in ("b_delivered", "b_ready"):
            self.bill(key)
        self.deliver("b_delivered", d(5))
        # Shipment 3, Hà Nội, sent a week ago: one parcel did not arrive; deliveries at every step
        debtor, credited = self.debtors[0], self.debtors[1]
        for key, kind, cid in (("c_delivering", P, fund[15]), ("c_slip", P, fund[16]), ("c_requested", C, fund[17]),
                               ("c_ready", P, fund[18]), ("c_inspect", P, fund[19]), ("c_return", P, fund[20]),
                               ("c_debt", C, debtor), ("c_credit", C, credited), ("c_lost", P, fund[21])):
            self.to_china(key, kind, cid, d(rng.uniform(8.2, 9)), buyer="dathang1" if key == "c_inspect" else None)
        c_keys = [k for k in self.orders if k.startswith("c_")]
        self.shipment("VN-HN", d(8), c_keys, SH.RECONCILED, missing=("c_lost",))
        for key in c_keys:
            if key != "c_lost":
                self.bill(key)
        self.later(1, 3)
        lost = self.orders["c_lost"]
        with self.db.read() as s:
            pid = s.scalar(select(Parcel.id).where(Parcel.tracking_code == lost.codes[0]))
        parcels.mark_parcel_lost(self.db, self.manager, pid, "Không tìm thấy ở cả hai kho sau khi đối soát")
        self.expect("lost", orders.apply_action(self.db, self.manager, lost.id, "mark_lost",
                                                "Kiện thất lạc trên đường vận chuyển"), OrderStatus.LOST)
        self.at(d(2))
        wallets.grant_credit(self.db, self.manager, credited, Decimal(3_000_000),
                             "Khách quen, cho nợ cước đến cuối tháng")
        self.deliver("c_credit", self.today - timedelta(hours=5), until="requested")
        self.deliver("c_delivering", self.today - timedelta(hours=7), until="handed_over")
        self.deliver("c_slip", self.today - timedelta(hours=4), until="slip_issued")
        self.deliver("c_requested", self.today - timedelta(hours=2), until="requested")
        # Shipment 4, Hà Nội: arrived this morning, being scanned in
        for n, key in enumerate(("d_arrived", "d_transit", "d_transit_c")):
            self.to_china(key, C if key.endswith("_c") else P, fund[22 + n], d(rng.uniform(4.2, 5)))
        self.shipment("VN-HN", d(3.5), ["d_arrived", "d_transit", "d_transit_c"], SH.ARRIVED,
                      receive=len(self.orders["d_arrived"].codes))
        # Shipment 5 left yesterday; shipment 6 sealed today; shipment 7 being packed
        for n, key in enumerate(("e_transit", "e_transit_c")):
            self.to_china(key, C if key.endswith("_c") else P, fund[26 + n], d(rng.uniform(1.6, 2.4)))
        self.shipment("VN-HN", d(1.5), ["e_transit", "e_transit_c"], SH.DEPARTED)
        self.to_china("f_sealed", P, fund[29], d(rng.uniform(0.7, 1.2)))
        self.shipment("VN-HN", self.today - timedelta(hours=9), ["f_sealed"], SH.SEALED)
        self.to_china("g_packing", P, fund[31], d(0.5))
        self.shipment("VN-HN", self.today - timedelta(hours=2), ["g_packing"], SH.OPEN)
        # On the Guangzhou shelves, not packed yet
        self.to_china("h_shelf0", P, fund[11], d(0.6))
        self.to_china("h_shelf1", C, fund[14], d(0.3))
        self.to_china("h_shelf_sg", P, fund[13], d(0.4), dest="VN-SG")
        self.expect("d_arrived", self.status_of(self.orders["d_arrived"]), OrderStatus.AWAITING_DELIVERY)
        for key in ("d_transit", "e_transit"):
            self.expect(key, self.status_of(self.orders[key]), OrderStatus.IN_TRANSIT)
        for key in ("f_sealed", "g_packing", "h_shelf0"):
            self.expect(key, self.status_of(self.orders[key]), OrderStatus.IN_CN_WAREHOUSE)

    # -- parcels nobody declared, and parcels that never came --------------------------------------------

    def ownerless_and_lost(self) -> None:
        db, rng = self.db, self.rng
        cn = self.as_("khotq")
        gz = self.wh["CN-GZ"]
        # A shop sent a second box under a code nobody declared: matched to its shop order by the
        # seller's number on the label; when the declared box comes, it is one too many (excess).
        x = self.through_purchase("x_excess", P, self.funded[30], self.days_ago(4), shipped=self.days_ago(2),
                                  buyer="dathang1")
        self.at(self.days_ago(0.9))
        stray = self.code("75")
        parcels.receive_cn(db, cn, gz, stray, self._measure())
        so = purchasing.purchasing_view(db, self.as_(x.buyer), x.id).shop_orders[0]
        pid = parcels.find_parcel(db, cn, stray)
        self.later(0.2, 1)
        parcels.describe_ownerless(db, cn, pid, parcels.LabelFacts(
            label_name="Kho Hằng Nga", label_shop=so.shop_name, seller_order_no=so.platform_order_no))
        best = parcels.candidates(db, cn, pid)[0]
        self.expect("ownerless matched by the seller's number", best.order_id, x.id)
        parcels.match_parcel(db, self.as_("cskh1"), pid, x.id,
                             "; ".join(best.evidence), best.shop_order_id)
        self.receive(x, self.days_ago(0.7))
        with db.read() as s:
            excess = s.scalar(select(Parcel.excess).where(Parcel.tracking_code == x.codes[0]))
        self.expect("excess parcel", excess, True)
        # Three parcels waiting for an owner, each with a good candidate on its label
        for label, owner in self._ownerless_labels():
            self.clock.advance(minutes=rng.uniform(20, 90))
            code = self.code(rng.choice(["75", "JT", "YT"]))
            parcels.receive_cn(db, cn, gz, code, self._measure())
            pid = parcels.find_parcel(db, cn, code)
            self.clock.advance(minutes=rng.uniform(2, 10))
            parcels.describe_ownerless(db, cn, pid, label)
            best = parcels.candidates(db, cn, pid)
            self.expect(f"{code}'s best candidate", best[0].order_id if best else None, self.orders[owner].id)
        # bought and sent by the shop twelve days ago, never scanned in Guangzhou: flagged lost today
        self.through_purchase("lost_expected", P, self.funded[31], self.days_ago(14), shipped=self.days_ago(12),
                              buyer="dathang1")

    def _ownerless_labels(self) -> list[tuple[parcels.LabelFacts, str]]:
        """What the three ownerless parcels' labels say, and whose they are: a customer's code in
        the recipient's name (with the count of items inside), an order code written on the
        box, a seller's order number and shop."""
        with self.db.read() as s:
            shipped = s.get(Order, self.orders["shipped1"].id)
            customer_code, items = s.get(Customer, shipped.customer_id).code, shipped.item_count
            cons_order = s.get(Order, self.orders["cons_accepted"].id).code
        o = self.orders["shipped0"]
        so = purchasing.purchasing_view(self.db, self.as_(o.buyer), o.id).shop_orders[0]
        return [(parcels.LabelFacts(label_name=f"{vietnamese_name(self.rng)} {customer_code}", item_count=items),
                 "shipped1"),
                (parcels.LabelFacts(label_name=f"Hằng Nga {cons_order}", note="Mã đơn viết tay trên thùng"),
                 "cons_accepted"),
                (parcels.LabelFacts(label_shop=so.shop_name, seller_order_no=so.platform_order_no,
                                    label_name="Kho HN"), "shipped0")]

    # -- complaints, claims, money that waits -----------------------------------------------------------

    def complaint(self, key: str, when: datetime, kind: str, text: str, up_to: str,
                  parcel_line: bool = False, remedies: list[complaints.RemedyInput] | None = None,
                  fault: str = "shop") -> int:
        db, o = self.db, self.orders[key]
        care = self.care(o)
        self.at(when)
        with db.read() as s:
            item = s.scalar(select(OrderItem).where(OrderItem.order_id == o.id).order_by(OrderItem.id))
            pid = s.scalar(select(Parcel.id).where(Parcel.order_id == o.id).order_by(Parcel.id))
        line = complaints.LineInput(parcel_id=pid) if parcel_line else complaints.LineInput(order_item_id=item.id,
                                                                                            quantity=1)
        cid = complaints.open_complaint(db, care, complaints.ComplaintInput(o.id, kind, text, [line]))
        steps = [CS.OPEN, CS.INVESTIGATING, CS.PROPOSED, CS.APPROVED, CS.CLOSED]
        if steps.index(up_to) >= 1:
            self.later(1, 6)
            complaints.record_contact(db, care, cid, "customer", "Khách gửi ảnh qua Zalo, xác nhận lỗi", "zalo")
            if o.buyer:
                self.later(1, 6)
                complaints.record_contact(db, self.as_(o.buyer), cid, "shop", "Shop nhận lỗi, đồng ý hoàn tiền "
                                          "một phần", "wangwang")
        if steps.index(up_to) >= 2:
            self.later(1, 5)
            # a manager never approves their own plan: another care staff proposes it then
            proposer = self.as_("cskh2", Role.CARE) if o.care == "quanly" and up_to != CS.PROPOSED else care
            complaints.propose_plan(db, proposer, cid, fault, remedies or [complaints.RemedyInput(
                "refund", Decimal(self.rng.choice([50_000, 80_000, 120_000])))], "Đề xuất theo ảnh khách gửi")
        if steps.index(up_to) >= 3:
            self.later(1, 8)
            complaints.approve_plan(db, self.manager, cid)
        if steps.index(up_to) >= 4:
            self.later(1, 8)
            complaints.execute_plan(db, care, cid)
        with db.read() as s:
            self.expect(f"complaint on {key}", s.get(Complaint, cid).status, up_to)
        return cid

    def problems(self) -> None:
        db, d = self.db, self.days_ago
        # customers' complaints, one at each step
        self.complaint("a_delivered0", d(2.5), "missing", "Khách báo thiếu 1 sản phẩm trong kiện", CS.OPEN)
        self.complaint("a_complaint0", d(4), "damaged", "Cốc bị móp khi nhận hàng", CS.INVESTIGATING)
        self.complaint("a_complaint1", d(3), "wrong_item", "Shop giao sai màu, khách đặt màu đỏ", CS.PROPOSED)
        self.complaint("c_inspect", d(3.8), "damaged", "Kiểm hàng tại kho Hà Nội: hộp bị vỡ góc", CS.APPROVED,
                       fault="transport")
        self.complaint("a_received0", d(5), "late", "Khách phàn nàn giao chậm 3 ngày", CS.CLOSED,
                       remedies=[complaints.RemedyInput("compensation", Decimal(50_000))], fault="transport")
        self.complaint("c_return", d(3.5), "wrong_item", "Hàng sai mẫu hoàn toàn, khách không nhận", CS.CLOSED,
                       parcel_line=True, fault="shop", remedies=[complaints.RemedyInput("return_cn"),
                                                                 complaints.RemedyInput("refund", Decimal(100_000))])
        with db.read() as s:   # the goods of the return go into its shipment back to China
            ret = s.scalar(select(Shipment).where(Shipment.direction == "to_cn"))
            self.expect("return shipment", ret is not None and ret.status, SH.OPEN)
        self.later(1, 4)
        shipments.pack_scan(db, self.as_("giaohang"), ret.id, self.orders["c_return"].codes[0])
        # claims against sellers: one about to close, one filed, one recovered
        for key, when, reason, amount, to in (("a_claim", d(3), "short", "25.00", "open"),
                                              ("a_complaint1", d(2.8), "wrong_item", "40.00", "claimed"),
                                              ("b_delivered", d(4), "defective", "15.50", "recovered")):
            o = self.orders[key]
            buyer = self.as_(o.buyer)
            self.at(when)
            so = purchasing.purchasing_view(db, buyer, o.id).shop_orders[0]
            claimed = min(Decimal(amount), (so.paid_cny.amount / 2).quantize(Decimal("0.01")))
            sc = seller_complaints.open_seller_complaint(db, buyer, seller_complaints.SellerComplaintInput(
                so.id, reason, "Ảnh chụp hàng lỗi và video mở hộp đính kèm", claimed))
            if to in ("claimed", "recovered"):
                self.later(2, 8)
                seller_complaints.file_seller_complaint(db, buyer, sc, f"TK{self.rng.randint(10**9, 10**10)}")
            if to == "recovered":
                self.later(20, 40)
                seller_complaints.record_recovery(db, buyer, sc, claimed, self.cny_account)
        # a re-weigh in Hà Nội found more: a supplementary bill for the manager
        self.at(d(1))
        billing.propose_supplementary_bill(db, self.as_("ketoan"), self.orders["c_ready"].id, [
            billing.BillLineInput("freight", Decimal(42_000), "Cân lại tại Hà Nội: +1,5 kg")],
            "Cân lại tại kho Hà Nội nặng hơn 1,5 kg so với cân tại Quảng Châu")
        # top-ups the customers sent, above the limit: waiting for the manager's approval
        accountant = self.as_("ketoan")
        for n, (cid, amount) in enumerate(((self.unfunded[0], 25_000_000), (self.debtors[0], 40_000_000))):
            self.at(self.today - timedelta(hours=3 - n))
            wallets.record_payment(db, accountant, "topup", cid, Decimal(amount), f"FT26{9_000_001 + n}",
                                   self.clock.now().date(), self.vnd_account, "Khách chuyển khoản Vietcombank")

    # -- this morning: counts, tasks, and what the timers do ----------------------------------------------

    def today_at_the_desks(self) -> None:
        db, d = self.db, self.days_ago
        # the Hà Nội shelves counted yesterday (one bin was skipped); Guangzhou counting now
        vn = self.as_("khovn")
        self.at(d(1.2))
        st = stocktakes.start_stocktake(db, vn, self.wh["VN-HN"], "Kiểm kê định kỳ")
        with db.read() as s:
            on_shelf = list(s.scalars(select(Parcel.tracking_code).where(
                Parcel.warehouse_id == self.wh["VN-HN"], Parcel.status.in_(["received_vn", "ready"]))
                .order_by(Parcel.id)))
        for code in on_shelf[1:]:
            self.clock.advance(minutes=2)
            stocktakes.stocktake_scan(db, vn, st, code)
        stocktakes.close_stocktake(db, vn, st)
        cn = self.as_("khotq")
        self.at(self.today - timedelta(hours=1))
        st = stocktakes.start_stocktake(db, cn, self.wh["CN-GZ"], "Kiểm kê kệ A1–A4")
        for key in ("h_shelf0", "h_shelf1"):
            for code in self.orders[key].codes:
                self.clock.advance(minutes=3)
                stocktakes.stocktake_scan(db, cn, st, code)
        # tasks the manager wrote by hand, some already late
        manager = self.manager
        self.at(d(3))
        for role, who, title, due in (
                (Role.ADMIN, "admin", "Tạo tài khoản cho nhân viên kho mới", d(1)),
                (Role.FORWARDER_CN, "khotq", "Chụp ảnh kiện hàng dễ vỡ trước khi đóng bao", d(0.5)),
                (Role.FORWARDER_VN, "khovn", "Cân lại bao hàng có chênh lệch cân", d(0.2)),
                (Role.WAREHOUSE_VN, "giaohang", "Gọi khách hẹn giờ giao hàng cồng kềnh", self.today + timedelta(hours=5)),
                (Role.ACCOUNTANT, "ketoan", "Đối soát sổ quỹ tháng 11", d(0.5)),
                (Role.ORDERING, "dathang1", "Hỏi shop 义乌小商品批发 lịch nghỉ Tết", self.today + timedelta(days=2)),
                (Role.MANAGER, "quanly", "Duyệt bảng giá cước tháng 12", self.today + timedelta(days=1))):
            tasks.create_manual_task(db, manager, role, title, self.users[who].user_id, due)
            self.clock.advance(minutes=7)
        # the timers of this morning: lost parcels, delays, overdue tasks, e-mails, seller deadlines
        self.at(self.today - timedelta(minutes=30))
        parcels.flag_lost_parcels(db)
        delays.refresh_delay_flags(db)
        tasks.escalate_overdue(db)
        seller_complaints.warn_seller_deadlines(db)
        outbox.send_due(db)
        with db.read() as s:
            self.expect("lost flagged", s.scalar(select(Parcel.status).where(
                Parcel.tracking_code == self.orders["lost_expected"].codes[0])), "lost")
