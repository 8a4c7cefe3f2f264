"""Building blocks for the warehouse tests: staff, orders whose parcels are expected, scans."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.db import Database
from app.models import Order, Parcel, ShopOrder
from app.permissions import SYSTEM_ACTOR, Actor, Role
from app.services import orders, purchasing
from app.services.scanning import Measurements
from tests.factories import arrive_sealed, item, make_customer, make_order, make_user, make_warehouses
from tests.money_helpers import accounts, fund


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


_seller_numbers = iter(range(1, 10**9))


def purchase_order(db: Database, st: Staff, codes: list[str], expected_parcels: int | None = None,
                   customer_id: int | None = None, seller_order_no: str = "", shipped: bool = True) -> tuple[int, int]:
    """A purchase order bought the way ordering staff buy it (deposit, confirmation, one shop order
    recorded with the seller's tracking ``codes``) and shipped by the seller. ``expected_parcels``
    overrides how many parcels the shop said it sends (by default one per declared code); without
    ``shipped`` an order with no codes stays purchased (the shop has not shipped yet).
    Returns (order id, shop order id)."""
    cid = customer_id or make_customer(db, st.care)
    oid = make_order(db, st.care, cid, items=[item("女士连衣裙 夏季", 2, "45.50")])
    fund(db, cid)
    orders.apply_action(db, st.care, oid, "submit")
    orders.confirm_order(db, st.manager, oid, st.care.user_id, st.ordering.user_id)
    purchasing.prepare_shop_orders(db, st.ordering, oid)
    so = purchasing.purchasing_view(db, st.ordering, oid).shop_orders[0]
    number = seller_order_no or f"TB-{next(_seller_numbers):010d}"
    purchasing.record_shop_order(db, st.ordering, so.id, purchasing.ShopOrderInput(
        number, so.items_value.amount, Decimal("0"), Decimal("0"), accounts(db)[1],
        {i.id: i.quantity for i in so.items}, tracking_codes=list(codes)))
    if expected_parcels is not None:
        with db.transaction() as tx:
            tx.get(ShopOrder, so.id).expected_parcels = expected_parcels
    if shipped and order_status(db, oid) == "purchased":
        orders.apply_action(db, st.ordering, oid, "seller_ship")
    return oid, so.id


def consignment_order(db: Database, st: Staff, codes: list[str], customer_id: int | None = None) -> int:
    cid = customer_id or make_customer(db, st.care)
    oid = make_order(db, st.care, cid, "consignment", codes=codes)
    orders.apply_action(db, st.care, oid, "submit")
    orders.confirm_order(db, st.manager, oid, st.care.user_id, None)
    return oid


def kg(text: str) -> Measurements:
    return Measurements(Decimal(text))


def carried_and_billed(db: Database, st: Staff, oid: int, code: str, cn_kg: str, vn_kg: str) -> None:
    """The order's parcel ``code`` received in Guangzhou (weighed ``cn_kg``), shipped in a sack of
    its own, received in Hanoi (re-weighed ``vn_kg``), and the order billed from the weights."""
    from app.models import Shipment
    from app.services import billing, parcels, shipments

    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, kg(cn_kg))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, code)
    shipments.seal_shipment(db, st.cn, sid, Decimal(cn_kg) + Decimal("0.2"), f"S{oid}")
    shipments.depart_shipment(db, st.cn, sid)
    with db.read() as s:
        arrive_sealed(db, st.vn, s.get(Shipment, sid).code)
    shipments.receive_scan(db, st.vn, sid, code, Decimal(vn_kg))
    billing.issue_billing_notice(db, st.accountant, oid, billing.measured_packages(db, st.accountant, oid))


def parcel(db: Database, code: str) -> Parcel:
    with db.read() as s:
        return s.scalar(select(Parcel).where(Parcel.tracking_code == code))


def order_status(db: Database, oid: int) -> str:
    with db.read() as s:
        return s.get(Order, oid).status


__all__ = ["Staff", "make_staff", "purchase_order", "consignment_order", "kg", "carried_and_billed", "parcel",
           "order_status", "SYSTEM_ACTOR", "timedelta"]
