"""Building blocks for the warehouse tests: staff, orders whose parcels are expected, scans."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.db import Database
from app.models import Order, Parcel, ShopOrder
from app.permissions import SYSTEM_ACTOR, Actor, Role
from app.services import orders
from app.services.activity import now
from app.services.scanning import Measurements
from tests.factories import make_customer, make_order, make_user, make_warehouses


@dataclass
class Staff:
    wh: dict[str, int]
    care: Actor
    manager: Actor
    ordering: Actor
    cn: Actor
    cn2: Actor
    vn: Actor
    store: Actor
    accountant: Actor


def make_staff(db: Database) -> Staff:
    wh = make_warehouses(db)
    return Staff(wh,
                 make_user(db, Role.CARE, full_name="Lê Thu Trang"),
                 make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
                 make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
                 make_user(db, Role.FORWARDER_CN, full_name="王小明", warehouse_code="CN-GZ"),
                 make_user(db, Role.FORWARDER_CN, full_name="李华", warehouse_code="CN-GZ"),
                 make_user(db, Role.FORWARDER_VN, full_name="Đỗ Văn Nam", warehouse_code="VN-HN"),
                 make_user(db, Role.WAREHOUSE_VN, full_name="Ngô Thị Lan", warehouse_code="VN-HN"),
                 make_user(db, Role.ACCOUNTANT))


def purchase_order(db: Database, st: Staff, codes: list[str], expected_parcels: int = 1,
                   customer_id: int | None = None, seller_order_no: str = "") -> tuple[int, int]:
    """A purchase order bought and shipped by the seller, whose shop order expects
    ``expected_parcels`` and has declared ``codes`` (what the purchasing capability records).
    Returns (order id, shop order id)."""
    cid = customer_id or make_customer(db, st.care)
    oid = make_order(db, st.care, cid)
    orders.apply_action(db, st.care, oid, "submit")
    orders.apply_action(db, st.care, oid, "deposit")
    orders.confirm_order(db, st.manager, oid, st.care.user_id, st.ordering.user_id)
    orders.apply_action(db, st.ordering, oid, "start_purchase")
    with db.transaction() as tx:
        order = tx.get(Order, oid)
        for it in order.items:
            it.quantity_bought = it.quantity
        at = now(tx)
        so = ShopOrder(order_id=oid, shop_id=order.items[0].shop_id, platform_order_no=seller_order_no,
                       expected_parcels=expected_parcels, created_at=at, updated_at=at)
        tx.add(so)
        tx.flush()
        for code in codes:
            tx.add(Parcel(tracking_code=code, order_id=oid, shop_order_id=so.id, customer_id=cid,
                          destination_warehouse_id=order.destination_warehouse_id, status="expected",
                          search_text=code.lower(), created_at=at, updated_at=at))
        so_id = so.id
    orders.apply_action(db, st.ordering, oid, "mark_purchased")
    orders.apply_action(db, st.ordering, oid, "seller_ship")
    return oid, so_id


def consignment_order(db: Database, st: Staff, codes: list[str], customer_id: int | None = None) -> int:
    cid = customer_id or make_customer(db, st.care)
    oid = make_order(db, st.care, cid, "consignment", codes=codes)
    orders.apply_action(db, st.care, oid, "submit")
    orders.confirm_order(db, st.manager, oid, st.care.user_id, None)
    return oid


def kg(text: str) -> Measurements:
    return Measurements(Decimal(text))


def parcel(db: Database, code: str) -> Parcel:
    with db.read() as s:
        return s.scalar(select(Parcel).where(Parcel.tracking_code == code))


def order_status(db: Database, oid: int) -> str:
    with db.read() as s:
        return s.get(Order, oid).status


__all__ = ["Staff", "make_staff", "purchase_order", "consignment_order", "kg", "parcel",
           "order_status", "SYSTEM_ACTOR", "timedelta"]
