"""Object mother: people and records in the few lines a test needs, through the real services."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from app.db import Database
from app.models import User, UserRole, Warehouse
from app.permissions import Actor, Role
from app.services.activity import now
from app.services.auth import hash_password

_seq = itertools.count(1)
PASSWORD = "correct horse 9"


def make_user(db: Database, *roles: Role, username: str | None = None, full_name: str | None = None,
              warehouse_code: str | None = None) -> Actor:
    """A staff member holding ``roles``, returned as an Actor in the first of them."""
    roles = roles or (Role.CARE,)
    n = next(_seq)
    username = username or f"{roles[0].value}{n}"
    with db.transaction() as tx:
        wid = None
        if warehouse_code:
            wid = tx.scalar(select(Warehouse.id).where(Warehouse.code == warehouse_code))
        user = User(username=username, full_name=full_name or f"Nhân viên {n}",
                    password_hash=hash_password(PASSWORD), created_at=now(tx), home_warehouse_id=wid)
        user.roles = [UserRole(role=r.value) for r in roles]
        tx.add(user)
        tx.flush()
        uid = user.id
    return Actor(uid, full_name or f"Nhân viên {n}", roles[0], frozenset(roles), wid)


def make_warehouses(db: Database) -> dict[str, int]:
    from app.services.auth import DEFAULT_WAREHOUSES

    with db.transaction() as tx:
        for code, name, country, city in DEFAULT_WAREHOUSES:
            if tx.scalar(select(Warehouse.id).where(Warehouse.code == code)) is None:
                tx.add(Warehouse(code=code, name=name, country=country, city=city))
    with db.read() as s:
        return {w.code: w.id for w in s.scalars(select(Warehouse))}


def make_customer(db: Database, actor: Actor | None = None, name: str = "Nguyễn Thị Hằng",
                  phone: str = "0912 345 678", care: Actor | None = None, language: str = "vi",
                  email: str = "hang@example.com") -> int:
    from app.services.customers import AddressInput, CustomerInput, create_customer

    actor = actor or make_user(db, Role.CARE)
    return create_customer(db, actor, CustomerInput(
        name=name, phone=phone, email=email, language=language,
        care_staff_id=care.user_id if care else None,
        addresses=[AddressInput("Nguyễn Thị Hằng", "12 Phố Huế", district="Hai Bà Trưng", city="Hà Nội")]))


def item(title: str = "女士连衣裙 夏季", qty: int = 2, price: str = "59.90", shop: str = "杭州女装旗舰店",
         platform: str = "taobao", variant: str = "Màu đỏ / L"):
    from decimal import Decimal

    from app.services.orders import ItemInput

    link = {"1688": "https://detail.1688.com/offer/1.html", "tmall": "https://detail.tmall.com/item.htm?id=1",
            "other": "https://shop.example.cn/item/1"}.get(platform, "https://item.taobao.com/item.htm?id=1")
    return ItemInput(shop_name=shop, platform=platform, product_url=link,
                     quantity=qty, unit_price_cny=Decimal(price), title=title, variant=variant)


def make_order(db: Database, care: Actor, customer_id: int, kind: str = "purchase", items=None,
               codes=None, services=()) -> int:
    from app.services.orders import OrderInput, create_order

    wh = make_warehouses(db)
    if kind == "purchase":
        data = OrderInput(kind, customer_id, wh["VN-HN"], wh["CN-GZ"], items=items or [item(), item("男士T恤", 3, "25")],
                          services=list(services))
    else:
        data = OrderInput(kind, customer_id, wh["VN-HN"], wh["CN-GZ"], tracking_codes=codes or ["YT1234567890123"],
                          goods_description="Quần áo, 2 kiện", services=list(services))
    return create_order(db, care, data)


def arrive_sealed(db, actor, raw_code: str):
    """The receiving warehouse scans a sack's code having read its seal and weighed it as it was
    sealed (``shipments.arrive_scan`` asks for both before a sack to Vietnam is opened)."""
    from sqlalchemy import select

    from app.models import Shipment
    from app.services import seals, shipments

    with db.read() as s:
        sh = s.scalar(select(Shipment).where(Shipment.code == "".join((raw_code or "").split()).upper()))
    check = seals.SealCheck(sh.seal_no, sh.gross_weight_kg) if sh is not None and sh.seal_no else None
    return shipments.arrive_scan(db, actor, raw_code, check)
