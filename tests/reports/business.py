"""Two months of a small company's orders, generated through the real services with a moving clock,
so every order has a true timeline in the activity log (who took each step, and when).

Deterministic for a seed: the same calls in the same order on SQLite and PostgreSQL give the same
records, ids and times — which is what lets the two databases' reports be compared.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from app.db import Database
from app.permissions import SYSTEM_ACTOR, Actor, Role
from app.reports import Period
from app.services import orders
from app.workflows.orders import OrderKind, OrderStatus as S
from tests.factories import make_customer, make_user, make_warehouses

#: the company is in Hanoi: reports count days from local midnight (UTC+7)
HANOI = 7 * 60
START = datetime(2026, 10, 3, 1, 0, tzinfo=timezone.utc)
END = datetime(2026, 11, 26, 3, 0, tzinfo=timezone.utc)      # "now" when generation ends
WHOLE = Period(date(2026, 10, 1), date(2026, 11, 30), HANOI)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), HANOI)
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), HANOI)

SHOPS = [("taobao", "杭州女装旗舰店"), ("1688", "广州白云皮具厂"), ("tmall", "小米官方旗舰店"),
         ("taobao", "义乌小商品批发"), ("1688", "汕头玩具厂家直销"), ("", "")]
PRODUCTS = [("女士连衣裙 夏季", "Đỏ / L", "59.90"), ("真皮女包", "Nâu", "168.00"), ("蓝牙耳机", "Đen", "89.50"),
            ("发夹 一套10个", "Mix", "0.035"), ("不锈钢保温杯", "Xanh", "19.90"), ("运动鞋 男款", "42", "139.00")]
PURCHASE_PATH = [("care", "submit"), ("care", "deposit"), ("manager", "accept"), ("ordering", "start_purchase"),
                 ("ordering", "mark_purchased"), ("ordering", "seller_ship"), ("system", "arrive_cn"),
                 ("system", "depart_cn"), ("system", "arrive_vn"), ("system", "start_delivery"),
                 ("system", "deliver"), ("care", "confirm_received")]
CONSIGNMENT_PATH = [("care", "submit"), ("manager", "accept"), ("system", "arrive_cn"), ("system", "depart_cn"),
                    ("system", "arrive_vn"), ("system", "start_delivery"), ("system", "deliver"),
                    ("care", "confirm_received")]
PURCHASE_TARGETS = [S.DRAFT, S.NEW, S.DEPOSITED, S.AWAITING_APPROVAL, S.ACCEPTED, S.PURCHASING, S.PURCHASED,
                    S.SELLER_SHIPPED, S.IN_TRANSIT, S.AWAITING_DELIVERY, S.DELIVERED, S.RECEIVED, S.RECEIVED,
                    S.RECEIVED, S.CANCELLED, S.OUT_OF_STOCK, S.LOST, S.REFUSED]
CONSIGNMENT_TARGETS = [S.DRAFT, S.NEW, S.ACCEPTED, S.IN_CN_WAREHOUSE, S.IN_TRANSIT, S.DELIVERING,
                       S.RECEIVED, S.RECEIVED, S.CANCELLED, S.LOST]
EXITS = {S.CANCELLED: (S.NEW, "care", "cancel", "Khách đổi ý"),
         S.OUT_OF_STOCK: (S.PURCHASING, "ordering", "out_of_stock", "Shop hết hàng"),
         S.LOST: (S.IN_TRANSIT, "manager", "mark_lost", "Thất lạc trên đường"),
         S.REFUSED: (S.DELIVERING, "care", "refuse", "Khách không nhận")}


@dataclass
class Business:
    db: Database
    manager: Actor
    care: list[Actor]
    ordering: list[Actor]
    customers: list[int]
    orders: list[int]


def generate(db: Database, n_orders: int = 40, seed: int = 5) -> Business:
    rng = random.Random(seed)
    clock = db.clock
    clock.set(START - timedelta(days=2))
    make_warehouses(db)
    manager = make_user(db, Role.MANAGER, Role.CARE, username="quanly", full_name="Phạm Quốc Hùng")
    care = [make_user(db, Role.CARE, username="trang", full_name="Lê Thu Trang"),
            make_user(db, Role.CARE, username="anh", full_name="Nguyễn Ngọc Ánh")]
    ordering = [make_user(db, Role.ORDERING, username="duc", full_name="Vũ Minh Đức"),
                make_user(db, Role.ORDERING, username="bao", full_name="Hoàng Gia Bảo")]
    names = ["Nguyễn Thị Hằng", "Trần Văn Đức", "Lê Thị Lan", "Phạm Minh Tuấn", "Hoàng Thu Trang",
             "Vũ Quốc Dũng", "Đặng Ngọc Yến", "Bùi Hải Sơn"]
    customers = [make_customer(db, care[i % 2], name=n, phone=f"09{i}2 345 67{i}", care=care[i % 2],
                               email=f"khach{i}@example.com") for i, n in enumerate(names)]
    wh = make_warehouses(db)
    span = (END - START - timedelta(days=4)).total_seconds()
    starts = sorted(START + timedelta(seconds=rng.uniform(0, span)) for _ in range(n_orders))
    made = []
    for i, at in enumerate(starts):
        kind = OrderKind.PURCHASE if rng.random() < 0.65 else OrderKind.CONSIGNMENT
        targets = PURCHASE_TARGETS if kind == OrderKind.PURCHASE else CONSIGNMENT_TARGETS
        clock.set(at)
        made.append(_order(db, rng, kind, rng.choice(targets), manager, care, ordering,
                           rng.choice(customers), wh, clock))
    clock.set(END)
    return Business(db, manager, care, ordering, customers, made)


def _order(db, rng, kind, target, manager, care_staff, buyers, customer_id, wh, clock) -> int:
    care = rng.choice(care_staff)
    buyer = rng.choice(buyers)
    who = {"care": care, "manager": manager.as_role(Role.MANAGER), "ordering": buyer, "system": SYSTEM_ACTOR}
    services = ["cargo_insurance"] if rng.random() < 0.15 else []
    if kind == OrderKind.PURCHASE:
        items = []
        for _n in range(rng.randint(1, 3)):
            platform, shop = rng.choice(SHOPS)
            title, variant, price = rng.choice(PRODUCTS)
            items.append(orders.ItemInput(shop, platform or "taobao", f"https://item.taobao.com/item.htm?id={rng.randint(1, 10**9)}",
                                          rng.randint(1, 7), Decimal(price), title, variant))
        data = orders.OrderInput(kind, customer_id, wh["VN-HN"], wh["CN-GZ"], items=items, services=services)
    else:
        codes = [f"YT{rng.randint(10**11, 10**12)}" for _n in range(rng.randint(1, 2))]
        data = orders.OrderInput(kind, customer_id, wh["VN-HN"], wh["CN-GZ"], tracking_codes=codes,
                                 goods_description="Quần áo")
    oid = orders.create_order(db, care, data)
    if target == S.DRAFT:
        return oid
    exit_ = EXITS.get(target)
    stop_at = exit_[0] if exit_ else target
    slow = rng.random() < 0.3   # some orders wait weeks at the border: their delivery is late
    path = PURCHASE_PATH if kind == OrderKind.PURCHASE else CONSIGNMENT_PATH
    for role, action in path:
        clock.advance(hours=rng.uniform(0.5, 30))
        if action == "arrive_vn" and slow:
            clock.advance(days=rng.uniform(10, 20))
        if action == "accept":
            if kind == OrderKind.PURCHASE and rng.random() < 0.3 and not services:
                status = orders.apply_action(db, buyer.as_role(Role.ORDERING), oid, "claim")
            elif kind == OrderKind.CONSIGNMENT and rng.random() < 0.3:
                status = orders.apply_action(db, care, oid, "claim")
            else:
                status = orders.confirm_order(db, who["manager"], oid, care.user_id,
                                              buyer.user_id if kind == OrderKind.PURCHASE else None)
            if status == S.AWAITING_APPROVAL:
                if target == S.AWAITING_APPROVAL:
                    return oid
                clock.advance(hours=rng.uniform(1, 10))
                status = orders.apply_action(db, who["manager"], oid, "approve")
        else:
            if action == "mark_purchased":
                from app.models import Order

                with db.transaction() as tx:
                    for it in tx.get(Order, oid).items:
                        it.quantity_bought = it.quantity
            status = orders.apply_action(db, who[role], oid, action)
        if status == stop_at:
            break
    if exit_:
        clock.advance(hours=rng.uniform(1, 20))
        orders.apply_action(db, who[exit_[1]], oid, exit_[2], exit_[3])
    elif target not in (S.RECEIVED, S.DELIVERED) and rng.random() < 0.4:
        # the border is slow this week: care staff push the estimate out, with a reason
        view = orders.get_order(db, care, oid)
        if view.committed_deliver_by is not None:
            orders.update_estimates(db, care, oid, view.estimated_ship_at,
                                    view.committed_deliver_by + timedelta(days=rng.randint(2, 9)),
                                    "Hàng ùn tắc ở cửa khẩu")
    return oid
