"""A demo company to click through, and bulk data for benchmarks.

``create_demo_company`` (app.demo_company) plays a month of the business through the real
services, so every record has a true timeline; ``generate_bulk`` inserts many orders fast for
benchmarks (plain INSERTs in batches, no timelines).
"""
from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from app.db import Database
from app.models import Customer, Order, OrderItem, Shop, UserRole, Warehouse
from app.money import CNY, Money
from app.permissions import Role
from app.progress import NullProgress, Progress
from app.services.activity import now
from app.text import search_blob
from app.workflows.orders import OrderKind, OrderStatus

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


#: the settings row that marks the demo company and keeps its accounts for the sign-in dialog
ACCOUNTS_KEY = "demo.accounts"


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


def new_password() -> str:
    return "-".join(secrets.token_hex(2) for _ in range(3))


def create_demo_company(db: Database, seed: int = 7) -> list[DemoAccount]:
    """The demo company, played through the real services (app.demo_company)."""
    from app import demo_company

    return demo_company.create_demo_company(db, seed)


def demo_accounts(db: Database) -> list[DemoAccount]:
    """The demo company's accounts as its sign-in dialog lists them: user name, full name, the
    roles held now and the password printed when the demo was made. Empty for any other company
    (only ``create_demo_company`` writes the row that keeps them)."""
    import json

    from app.models import SettingValue, User

    with db.read() as s:
        raw = s.scalar(select(SettingValue.value).where(SettingValue.key == ACCOUNTS_KEY))
        if not raw:
            return []
        try:
            kept = [(str(e["username"]), str(e.get("password", ""))) for e in json.loads(raw)]
        except (ValueError, TypeError, KeyError):
            return []
        users = {u.username: u for u in s.scalars(select(User).where(User.username.in_([k for k, _p in kept])))}
        out = []
        for username, password in kept:
            user = users.get(username)
            if user is None or not user.is_active:
                continue
            held = {ur.role for ur in user.roles}
            out.append(DemoAccount(username, user.full_name, tuple(r for r in Role if r.value in held), password))
        return out


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
    statuses = [s.value for s in OrderStatus]
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
                care_staff_id=rng.choice(staff[Role.CARE]) if status != OrderStatus.DRAFT else None,
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
