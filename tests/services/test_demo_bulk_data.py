"""`main.py demo-data`: the bulk orders it appends leave the database ready for ordinary work."""
from __future__ import annotations

from sqlalchemy import func, select

from app.demo import generate_bulk
from app.models import Customer, Order, Shop
from app.permissions import Role
from tests.factories import make_customer, make_order, make_user, make_warehouses


def _counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Customer, Order, Shop))


def test_customers_and_orders_are_created_as_usual_after_the_bulk_load(db):
    care = make_user(db, Role.CARE)
    make_user(db, Role.ORDERING)
    make_warehouses(db)
    make_order(db, care, make_customer(db, care))            # ids taken through the sequences first
    assert generate_bulk(db, 60, batch=25) == {"customers": 12, "orders": 60}
    cid = make_customer(db, care, name="Trần Văn Đức", phone="0987 654 321")
    oid = make_order(db, care, cid)
    with db.read() as s:
        assert s.get(Customer, cid).code == f"KH{cid:06d}" and cid == 14
        assert s.get(Order, oid).code == f"DH{oid:07d}" and oid == 62


def test_demo_data_with_no_orders_adds_nothing(db):
    make_user(db, Role.CARE)
    make_user(db, Role.ORDERING)
    make_warehouses(db)
    before = _counts(db)
    assert generate_bulk(db, 0) == {"customers": 0, "orders": 0}
    assert _counts(db) == before
