"""The warehouses' queues on SQLite and PostgreSQL: what each lists, search, and that each page
is read along its own index (no table scan, no sort of the whole table)."""
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.money import Money, VND
from app.queries import paging, reader
from app.queries.paging import PageRequest
from app.queries.queues import QUEUES
from app.services import deliveries, parcels, shipments, stocktakes
from app.services.deliveries import DeliveryInput
from tests.factories import arrive_sealed, make_customer
from tests.services.warehouse_helpers import consignment_order, kg, make_staff

WAREHOUSE_QUEUES = {
    # queue: (role attribute, index its page must use)
    "parcels.cn_stock": ("cn", "ix_parcels_cn_stock"),
    "parcels.expected": ("cn", "ix_parcels_expected"),
    "parcels.ownerless": ("care", "ix_parcels_ownerless"),
    "parcels.excess": ("ordering", "ix_parcels_excess"),
    "parcels.lost": ("manager", "ix_parcels_lost"),
    "parcels.vn_received": ("vn", "ix_parcels_vn_received"),
    "parcels.ready": ("store", "ix_parcels_ready"),
    "shipments.outgoing": ("cn", "ix_shipments_outgoing"),
    "shipments.incoming": ("vn", "ix_shipments_incoming"),
    "shipments.all": ("manager", "ix_shipments_created"),
    "deliveries.open": ("store", "ix_delivery_requests_active"),
    "stocktakes.all": ("cn", "ix_stocktakes_started"),
}


@pytest.fixture
def world(db):
    st = make_staff(db)
    cid = make_customer(db, st.care)
    consignment_order(db, st, ["SF4000000001", "SF4000000002", "SF4000000003", "SF4000000004"], customer_id=cid)
    consignment_order(db, st, ["SF4000000009"])
    for code in ("SF4000000001", "SF4000000002", "SF4000000003"):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, kg("1.1"))
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "JT4000000000099")                  # ownerless
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, "SF4000000001")
    shipments.pack_scan(db, st.cn, sid, "SF4000000002")
    shipments.seal_shipment(db, st.cn, sid, Decimal("2.5"), "Q1")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    shipments.receive_scan(db, st.vn, sid, "SF4000000001", Decimal("1.1"))
    shipments.receive_scan(db, st.vn, sid, "SF4000000002", Decimal("1.1"))
    shipments.close_shipment(db, st.vn, sid)
    shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-SG"])
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [ready[0].id],
                                                           delivery_fee=Money.of("20000", VND)))
    stocktakes.start_stocktake(db, st.cn, st.wh["CN-GZ"])
    return st


def _codes(db, actor, name, **req):
    rows = reader.queue_page(db, actor, name, PageRequest(**req)).rows
    return [getattr(r, "tracking_code", None) or getattr(r, "code", None) or r.id for r in rows]


def test_each_role_sees_its_warehouse_queues_with_the_right_parcels(db, world):
    st = world
    assert _codes(db, st.cn, "parcels.cn_stock") == ["JT4000000000099", "SF4000000003"]   # newest first
    assert _codes(db, st.cn, "parcels.cn_stock", filters={"warehouse": st.wh["CN-PX"]}) == []
    assert _codes(db, st.cn, "parcels.expected") == ["SF4000000004", "SF4000000009"]
    assert _codes(db, st.care, "parcels.ownerless") == ["JT4000000000099"]
    assert _codes(db, st.store, "parcels.ready") == ["SF4000000002", "SF4000000001"]
    assert len(_codes(db, st.cn, "shipments.outgoing")) == 1
    assert _codes(db, st.manager, "shipments.all")[1].startswith("BH")
    assert len(_codes(db, st.store, "deliveries.open")) == 1
    assert _codes(db, st.cn, "parcels.expected", search="0009") == ["SF4000000009"]
    assert _codes(db, st.store, "parcels.ready", search="sf4000000002") == ["SF4000000002"]
    assert _codes(db, st.manager, "shipments.all", search="bh") and _codes(db, st.store, "deliveries.open", search="px")
    names = {q.name for q in reader.queues_for(st.cn)}
    assert {"parcels.cn_stock", "parcels.expected", "shipments.outgoing", "stocktakes.all"} <= names
    assert "parcels.ready" not in names and "deliveries.open" not in {q.name for q in reader.queues_for(st.cn)}
    assert "parcels.ownerless" in {q.name for q in reader.queues_for(st.care)}


def _plan(db, actor, name, req: PageRequest) -> str:
    queue = QUEUES[name]
    with db.read() as s:
        dialect = s.get_bind().dialect
        sel = paging._filtered(queue, reader.context(db, actor), req, dialect.name)
        key, desc = queue.sort
        sort_expr, id_expr = paging._expr(sel, key), paging._expr(sel, "id")
        order = (sort_expr.desc(), id_expr.desc()) if desc else (sort_expr.asc(), id_expr.asc())
        compiled = sel.order_by(*order).limit(100).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        if dialect.name == "sqlite":
            return "\n".join(r[-1] for r in s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
        s.execute(text("SET enable_seqscan = off"))
        return "\n".join(r[0] for r in s.execute(text(f"EXPLAIN {compiled}")))


@pytest.mark.parametrize("name", sorted(WAREHOUSE_QUEUES))
def test_every_warehouse_queue_pages_along_its_own_index(db, world, name):
    role, index = WAREHOUSE_QUEUES[name]
    plan = _plan(db, getattr(world, role), name, PageRequest())
    assert index in plan, plan
    if db.kind == "sqlite":
        main_table = {"parcels": "parcels", "shipments": "shipments", "deliveries": "delivery_requests",
                      "stocktakes": "stocktakes"}[name.split(".")[0]]
        assert f"SCAN {main_table}\n" not in plan + "\n", plan


def test_the_china_stock_filtered_by_warehouse_uses_the_warehouse_index(db, world):
    plan = _plan(db, world.cn, "parcels.cn_stock", PageRequest(filters={"warehouse": world.wh["CN-GZ"]}))
    assert "ix_parcels_cn_stock_wh" in plan, plan


def test_every_declared_warehouse_queue_is_covered_here():
    from app.queries.queues import warehouse  # noqa: F401

    mine = {n for n, q in QUEUES.queues.items() if q.entity in ("parcel", "shipment", "delivery", "stocktake")}
    assert mine == set(WAREHOUSE_QUEUES)
