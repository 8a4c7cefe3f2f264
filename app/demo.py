"""A demo company to click through, and bulk data for benchmarks.

``create_demo_company`` walks the real services (so every order has a true timeline), with a
clock that starts weeks ago and moves forward; ``generate_bulk`` inserts many orders fast for
benchmarks (plain INSERTs in batches, no timelines).
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from app.clock import FixedClock
from app.db import Database
from app.models import Customer, Order, OrderItem, Shop, User, UserRole, VipLevel, Warehouse
from app.money import CNY, VND, Money
from app.permissions import SYSTEM_ACTOR, Actor, Role
from app.progress import NullProgress, Progress
from app.services import auth, customers, orders, tasks
from app.services.activity import now
from app.text import search_blob
from app.workflows.orders import OrderKind, OrderStatus as S
from app.workflows.tasks import TaskKind

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
MIDDLE = ["Thị", "Văn", "Minh", "Thu", "Ngọc", "Quốc", "Hữu", "Thanh", "Đức", "Hoài", "Gia"]
GIVEN = ["Hằng", "Hương", "Lan", "Tuấn", "Dũng", "Hùng", "Trang", "Linh", "Nga", "Đức", "Phương",
         "Thảo", "Quang", "Hải", "Yến", "Sơn", "Thủy", "Khánh", "Vy", "Anh", "Tâm", "Nhung"]
STREETS = ["Phố Huế", "Hàng Bài", "Lê Lợi", "Nguyễn Trãi", "Trần Hưng Đạo", "Điện Biên Phủ",
           "Cầu Giấy", "Hai Bà Trưng", "Lý Thường Kiệt", "Nguyễn Văn Cừ"]
CITIES = [("Hà Nội", ["Hoàn Kiếm", "Đống Đa", "Cầu Giấy", "Hai Bà Trưng"]),
          ("Hồ Chí Minh", ["Quận 1", "Quận 3", "Bình Thạnh", "Tân Bình"]),
          ("Hải Phòng", ["Lê Chân", "Ngô Quyền"])]
SHOPS = [("taobao", "杭州女装旗舰店"), ("taobao", "义乌小商品批发"), ("1688", "广州白云皮具厂"),
         ("1688", "深圳华强北电子"), ("tmall", "优衣库官方旗舰店"), ("taobao", "宁波家居生活馆"),
         ("1688", "汕头玩具厂家直销"), ("tmall", "小米官方旗舰店"), ("taobao", "泉州运动鞋专卖")]
PRODUCTS = [("女士连衣裙 夏季 新款", "Màu đỏ / L", "59.90"), ("男士T恤 纯棉 短袖", "Trắng / XL", "25.00"),
            ("真皮女包 斜挎包", "Nâu", "168.00"), ("蓝牙耳机 无线 降噪", "Đen", "89.50"),
            ("儿童玩具 积木 500片", "Bộ lớn", "45.80"), ("运动鞋 男款 透气", "Xám / 42", "139.00"),
            ("不锈钢保温杯 500ml", "Xanh", "19.90"), ("手机壳 iPhone 15", "Trong suốt", "6.50"),
            ("床上四件套 纯棉", "1m8", "199.00"), ("发夹 韩版 一套10个", "Mix", "0.35")]

ROLE_USERS = [  # username, full name, roles, home warehouse
    ("admin", "Trần Quản Trị", [Role.ADMIN], None),
    ("quanly", "Phạm Quốc Hùng", [Role.MANAGER, Role.CARE], None),
    ("cskh1", "Lê Thu Trang", [Role.CARE], None),
    ("cskh2", "Nguyễn Ngọc Ánh", [Role.CARE], None),
    ("dathang1", "Vũ Minh Đức", [Role.ORDERING], None),
    ("dathang2", "Hoàng Gia Bảo", [Role.ORDERING], None),
    ("khotq", "Lý Văn Quang", [Role.FORWARDER_CN], "CN-GZ"),
    ("khovn", "Đỗ Thanh Sơn", [Role.FORWARDER_VN], "VN-HN"),
    ("giaohang", "Bùi Hải Yến", [Role.WAREHOUSE_VN], "VN-HN"),
    ("ketoan", "Ngô Thị Phương", [Role.ACCOUNTANT], None),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    roles: tuple[Role, ...]
    password: str


def vietnamese_name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def phone(rng: random.Random) -> str:
    return f"09{rng.randint(0, 9)}{rng.randint(1000000, 9999999)}"


def _password() -> str:
    return "-".join(secrets.token_hex(2) for _ in range(3))


def create_demo_company(db: Database, seed: int = 7) -> list[DemoAccount]:
    """Users for every role (random passwords, returned once), customers, shops and orders in
    every status of both workflows. Refused if the database already has accounts."""
    rng = random.Random(seed)
    real_clock = db.clock
    start = real_clock.now() - timedelta(days=21)
    clock = FixedClock(start)
    db.clock = clock
    try:
        accounts = _staff(db)
        actors = {a.username: _actor(db, a.username) for a in accounts}
        _vip_levels(db)
        clock.advance(hours=1)
        cust_ids = [customers.create_customer(db, actors["cskh1"], customers.CustomerInput(
            name=vietnamese_name(rng), phone=phone(rng), email=f"khach{i + 1}@example.com",
            care_staff_id=actors[rng.choice(["cskh1", "cskh2"])].user_id,
            addresses=[_address(rng)])) for i in range(40)]
        warehouses = _warehouse_ids(db)
        funded, unfunded = cust_ids[:-4], cust_ids[-4:]   # the last ones' orders wait for a deposit
        _money(db, actors, funded)
        targets = ([(OrderKind.PURCHASE, s) for s in _purchase_targets()] +
                   [(OrderKind.CONSIGNMENT, s) for s in _consignment_targets()])
        for _round in range(3):
            for kind, target in targets:
                # Each order starts somewhere in the last three weeks and moves on for a few days.
                clock.set(start + timedelta(hours=rng.uniform(2, 18 * 24)))
                waits = kind == OrderKind.PURCHASE and target in (S.NEW, S.CANCELLED)
                _demo_order(db, rng, actors, warehouses, rng.choice(unfunded if waits else funded),
                            kind, target, clock)
        clock.set(real_clock.now() - timedelta(hours=1))
        with db.transaction() as tx:
            tasks.open_task(tx, actors["quanly"], TaskKind.OTHER, Role.FORWARDER_CN,
                            "Kiểm kê kệ A1–A4 kho Quảng Châu", due_in=timedelta(hours=4))
            tasks.open_task(tx, actors["quanly"], TaskKind.OTHER, Role.ACCOUNTANT,
                            "Đối soát sổ quỹ tháng 11", due_in=timedelta(days=2))
        return accounts
    finally:
        db.clock = real_clock


def _staff(db: Database) -> list[DemoAccount]:
    accounts = [DemoAccount(u, n, tuple(r), _password()) for u, n, r, _ in ROLE_USERS]
    signed = auth.first_run_setup(db, "Công ty TNHH Vận chuyển Hằng Nga (demo)", "admin",
                                  "Trần Quản Trị", accounts[0].password)
    with db.transaction() as tx:
        codes = {w.code: w.id for w in tx.scalars(select(Warehouse))}
        for (username, full_name, roles, wh), acc in zip(ROLE_USERS[1:], accounts[1:]):
            user = User(username=username, full_name=full_name,
                        password_hash=auth.hash_password(acc.password), created_at=now(tx),
                        home_warehouse_id=codes.get(wh) if wh else None)
            user.roles = [UserRole(role=r.value) for r in roles]
            tx.add(user)
    assert signed.username == "admin"
    return accounts


def _actor(db: Database, username: str) -> Actor:
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
        roles = [Role(r.role) for r in user.roles]
        return Actor(user.id, user.full_name, roles[0], frozenset(roles), user.home_warehouse_id)


def _vip_levels(db: Database) -> None:
    with db.transaction() as tx:
        for rank, (code, name, spend, deposit, discount) in enumerate([
                ("THUONG", "Khách thường", "0", None, "0"), ("VIP1", "VIP 1", "50000000", "60", "5"),
                ("VIP2", "VIP 2", "200000000", "50", "10"), ("VIP3", "VIP 3", "1000000000", "40", "20")]):
            tx.add(VipLevel(code=code, name=name, rank=rank, min_spend=Money.of(spend, VND),
                            deposit_percent=Decimal(deposit) if deposit else None,
                            service_fee_discount_percent=Decimal(discount)))


def _money(db: Database, actors: dict[str, Actor], funded: list[int]) -> None:
    """Today's exchange rates, the company's accounts, and money in most customers' wallets."""
    from datetime import date

    from app.services import ledger, rates, wallets

    boss = actors["quanly"]
    manager = Actor(boss.user_id, boss.name, Role.MANAGER, boss.roles)
    rates.set_rate(db, manager, rates.BUYING, Decimal("3580"))
    rates.set_rate(db, manager, rates.SELLING, Decimal("3650"))
    with db.transaction() as tx:
        ledger.ensure_default_accounts(tx)
    accountant = actors["ketoan"]
    bank = ledger.cash_accounts(db, accountant, "vn")[0].id
    for n, cid in enumerate(funded):
        done = wallets.record_payment(db, accountant, "topup", cid, Decimal(150_000_000), f"FT26{n + 1:07d}",
                                      db.clock.now().date(), bank)
        if done.entry_id is None:           # above the approval limit: the manager approves
            wallets.approve_payment(db, manager, done.payment_id)


def _address(rng: random.Random) -> customers.AddressInput:
    city, districts = rng.choice(CITIES)
    return customers.AddressInput(recipient=vietnamese_name(rng),
                                  line=f"{rng.randint(1, 200)} {rng.choice(STREETS)}",
                                  phone=phone(rng), district=rng.choice(districts), city=city)


def _warehouse_ids(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {w.code: w.id for w in s.scalars(select(Warehouse))}


def _purchase_targets() -> list[str]:
    return [S.DRAFT, S.NEW, S.DEPOSITED, S.AWAITING_APPROVAL, S.ACCEPTED, S.PURCHASING, S.PURCHASED,
            S.SELLER_SHIPPED, S.IN_CN_WAREHOUSE, S.IN_TRANSIT, S.AWAITING_DELIVERY, S.DELIVERING,
            S.DELIVERED, S.RECEIVED, S.CANCELLED, S.OUT_OF_STOCK, S.LOST, S.REFUSED]


def _consignment_targets() -> list[str]:
    return [S.DRAFT, S.NEW, S.ACCEPTED, S.IN_CN_WAREHOUSE, S.IN_TRANSIT, S.AWAITING_DELIVERY,
            S.DELIVERING, S.DELIVERED, S.RECEIVED, S.CANCELLED, S.LOST, S.REFUSED]


_PURCHASE_PATH = [("care", "submit"), ("care", "deposit"), ("manager", "accept"),
                  ("ordering", "start_purchase"), ("ordering", "mark_purchased"),
                  ("ordering", "seller_ship"), ("system", "arrive_cn"), ("system", "depart_cn"),
                  ("system", "arrive_vn"), ("system", "start_delivery"), ("system", "deliver"),
                  ("care", "confirm_received")]
_CONSIGNMENT_PATH = [("care", "submit"), ("manager", "accept"), ("system", "arrive_cn"),
                     ("system", "depart_cn"), ("system", "arrive_vn"), ("system", "start_delivery"),
                     ("system", "deliver"), ("care", "confirm_received")]
#: exit status -> (the status to reach first, who takes the exit, action, reason)
_EXITS = {S.CANCELLED: (S.NEW, "care", "cancel", "Khách đổi ý, không mua nữa"),
          S.OUT_OF_STOCK: (S.PURCHASING, "ordering", "out_of_stock", "Shop báo hết hàng màu này"),
          S.LOST: (S.IN_TRANSIT, "manager", "mark_lost", "Kiện thất lạc trên đường vận chuyển"),
          S.REFUSED: (S.DELIVERING, "care", "refuse", "Khách không nhận hàng")}


def _demo_order(db: Database, rng: random.Random, actors: dict[str, Actor], wh: dict[str, int],
                customer_id: int, kind: str, target: str, clock: FixedClock) -> None:
    care = actors[rng.choice(["cskh1", "cskh2"])]
    care = Actor(care.user_id, care.name, Role.CARE, care.roles)
    manager = Actor(actors["quanly"].user_id, actors["quanly"].name, Role.MANAGER, actors["quanly"].roles)
    ordering = actors[rng.choice(["dathang1", "dathang2"])]
    who = {"care": care, "manager": manager, "ordering": ordering, "system": SYSTEM_ACTOR}
    services = ["inspection"] if rng.random() < 0.4 else []
    if target == S.AWAITING_APPROVAL:
        services = ["cargo_insurance"]
    if kind == OrderKind.PURCHASE:
        items = []
        for _ in range(rng.randint(1, 4)):
            platform, shop = rng.choice(SHOPS)
            title, variant, price = rng.choice(PRODUCTS)
            items.append(orders.ItemInput(shop, platform, f"https://item.{platform}.com/item.htm?id={rng.randint(10**8, 10**9)}",
                                          rng.randint(1, 6), Decimal(price), title, variant))
        data = orders.OrderInput(kind, customer_id, wh["VN-HN"] if rng.random() < 0.6 else wh["VN-SG"],
                                 wh["CN-GZ"], items=items, services=services,
                                 note=rng.choice(["", "Khách cần gấp", "Đóng gói kỹ giúp khách"]))
    else:
        codes = [f"{rng.choice(['YT', 'ZT', 'SF', 'JT'])}{rng.randint(10**11, 10**12)}" for _ in range(rng.randint(1, 3))]
        data = orders.OrderInput(kind, customer_id, wh["VN-HN"], wh["CN-GZ"], tracking_codes=codes,
                                 goods_description=rng.choice(["Quần áo trẻ em", "Phụ kiện điện thoại",
                                                               "Đồ gia dụng", "Giày dép"]))
    oid = orders.create_order(db, care, data)
    if target == S.DRAFT:
        return
    path = _PURCHASE_PATH if kind == OrderKind.PURCHASE else _CONSIGNMENT_PATH
    exit_ = _EXITS.get(target)
    stop_at = exit_[0] if exit_ else target
    for role, action in path:
        if action == "deposit" and status != S.NEW:
            continue                        # the wallet paid it on submit
        clock.advance(hours=rng.uniform(1, 7))
        actor = who[role]
        if action == "accept":
            status = orders.confirm_order(db, manager, oid, care.user_id,
                                          ordering.user_id if kind == OrderKind.PURCHASE else None)
            if status == S.AWAITING_APPROVAL:
                if target == S.AWAITING_APPROVAL:
                    return
                clock.advance(hours=3)
                orders.apply_action(db, manager, oid, "approve")
        else:
            if action == "mark_purchased":
                _record_bought(db, oid, rng)
            status = orders.apply_action(db, actor, oid, action)
        if status == stop_at:
            break
    if exit_:
        clock.advance(hours=rng.uniform(1, 7))
        orders.apply_action(db, who[exit_[1]], oid, exit_[2], exit_[3])


def _record_bought(db: Database, order_id: int, rng: random.Random) -> None:
    # Stands in for the purchasing capability's shop orders: every item bought in full.
    with db.transaction() as tx:
        for it in tx.get(Order, order_id).items:
            it.quantity_bought = it.quantity


# -- bulk data for benchmarks ------------------------------------------------------------------

def generate_bulk(db: Database, n_orders: int, customers_per_order: float = 0.2, seed: int = 11,
                  progress: Progress | None = None, batch: int = 5000) -> dict[str, int]:
    """Append ``n_orders`` orders (two items each) and n_orders × 0.2 customers, quickly.

    Rows carry real search text so search benchmarks measure the real indexes; no activity
    events are written (they are not what the benchmark reads).
    """
    progress = progress or NullProgress()
    if n_orders <= 0:
        return {"customers": 0, "orders": 0}
    rng = random.Random(seed)
    statuses = [s.value for s in S]
    with db.transaction() as tx:
        staff = {r: list(tx.scalars(select(UserRole.user_id).where(UserRole.role == r.value)))
                 for r in (Role.CARE, Role.ORDERING)}
        if not staff[Role.CARE] or not staff[Role.ORDERING]:
            raise RuntimeError("bulk data needs at least one care and one ordering staff member "
                               "(create the demo company first)")
        warehouses = [w for w in tx.scalars(select(Warehouse.id).where(Warehouse.country == "VN"))]
        shops = []
        for platform, name in SHOPS:
            shop = tx.scalar(select(Shop).where(Shop.platform == platform, Shop.name == name))
            if shop is None:
                shop = Shop(platform=platform, name=name, search_text=search_blob(name), created_at=now(tx))
                tx.add(shop)
                tx.flush()
            shops.append(shop.id)
        first_customer = (tx.scalar(select(func.max(Customer.id))) or 0) + 1
        first_order = (tx.scalar(select(func.max(Order.id))) or 0) + 1
    n_customers = max(1, int(n_orders * customers_per_order))
    base_time = db.clock.now() - timedelta(days=720)
    for start in range(0, n_customers, batch):
        rows = []
        for i in range(start, min(n_customers, start + batch)):
            cid = first_customer + i
            name, tel = vietnamese_name(rng), phone(rng)
            at = base_time + timedelta(minutes=i)
            rows.append(dict(id=cid, code=f"KH{cid:06d}", name=name, phone=tel, phone2="", email="",
                             language="vi", care_staff_id=rng.choice(staff[Role.CARE]), note="",
                             is_active=True, search_text=search_blob(f"KH{cid:06d}", name, tel),
                             created_at=at, updated_at=at, version=1))
        with db.transaction() as tx:
            tx.execute(insert(Customer), rows)
            _catch_up_sequence(tx, Customer)
        progress.update(start, n_customers + n_orders, "customers")
    step = timedelta(days=720) / max(n_orders, 1)
    for start in range(0, n_orders, batch):
        order_rows, item_rows = [], []
        for i in range(start, min(n_orders, start + batch)):
            oid = first_order + i
            cid = first_customer + rng.randrange(n_customers)
            kind = OrderKind.PURCHASE.value if rng.random() < 0.75 else OrderKind.CONSIGNMENT.value
            status = rng.choice(statuses)
            at = base_time + step * i
            goods = Decimal(0)
            for pos in range(2):
                title, variant, price = rng.choice(PRODUCTS)
                qty = rng.randint(1, 5)
                goods += Decimal(price) * qty
                item_rows.append(dict(order_id=oid, position=pos, shop_id=rng.choice(shops),
                                      product_url="https://item.taobao.com/item.htm?id=1", title=title,
                                      variant=variant, quantity=qty, quantity_received=0,
                                      unit_price_cny=Decimal(price), note="", tally_exempt=False))
            code = f"{'DH' if kind == 'purchase' else 'KG'}{oid:07d}"
            order_rows.append(dict(
                id=oid, code=code, kind=kind, status=status, customer_id=cid,
                care_staff_id=rng.choice(staff[Role.CARE]) if status != S.DRAFT else None,
                ordering_staff_id=rng.choice(staff[Role.ORDERING]) if kind == "purchase" and rng.random() < 0.8 else None,
                destination_warehouse_id=rng.choice(warehouses), needs_approval=False,
                awaiting_customer=rng.random() < 0.03, goods_description="", note="", customer_note="",
                status_reason="", item_count=4, goods_cny=Money(goods, CNY), created_at=at,
                updated_at=at, status_changed_at=at, version=1))
        with db.transaction() as tx:
            tx.execute(insert(Order), order_rows)
            tx.execute(insert(OrderItem), item_rows)
            _catch_up_sequence(tx, Order)
        progress.update(n_customers + start, n_customers + n_orders, "orders")
    return {"customers": n_customers, "orders": n_orders}


def _catch_up_sequence(tx, model) -> None:
    """Rows inserted with their own ids leave PostgreSQL's id sequence behind them: move it to
    the highest id, or the next customer or order created by hand collides with a generated one.
    (SQLite takes max(rowid) + 1 by itself.)"""
    if tx.get_bind().dialect.name != "postgresql":
        return
    table = model.__tablename__
    tx.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"))
