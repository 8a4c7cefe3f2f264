"""Shop KPIs on SQLite and PostgreSQL, worked out by hand: on-time shipping, time to ship,
shortages and complaints per Chinese shop; ordering staff may open them, forwarders may not."""
from datetime import date
from decimal import Decimal

import pytest

from app.errors import PermissionDenied
from app.reports import Period
from app.reports.reader import open_report, reports_for
from app.services import complaints, orders, purchasing
from tests.factories import arrive_sealed, item, make_customer, make_order
from tests.money_helpers import accounts, fund
from tests.services.warehouse_helpers import make_staff, purchase_order



@pytest.fixture
def st(db):
    return make_staff(db)


def _bought_short(db, st):
    """A third shop order: 4 pieces ordered, the shop had 3; no tracking code yet."""
    cid = make_customer(db, st.care)
    oid = make_order(db, st.care, cid, items=[item("男士T恤", 4, "25")])
    fund(db, cid)
    orders.apply_action(db, st.care, oid, "submit")
    orders.confirm_order(db, st.manager, oid, st.care.user_id, st.ordering.user_id)
    purchasing.prepare_shop_orders(db, st.ordering, oid)
    so = purchasing.purchasing_view(db, st.ordering, oid).shop_orders[0]
    purchasing.record_shop_order(db, st.ordering, so.id, purchasing.ShopOrderInput(
        "TB-SHORT", Decimal("75"), Decimal("0"), Decimal("0"), accounts(db)[1], {so.items[0].id: 3}))
    return oid


def test_shop_kpis_on_hand_worked_shop_orders(db, st, clock):
    on_time, _so1 = purchase_order(db, st, ["YT8100000000001"])            # code at payment: 0 h
    late, so2 = purchase_order(db, st, [], shipped=False)
    _bought_short(db, st)
    clock.advance(days=4)                                                    # setting: 3 days
    purchasing.add_tracking_codes(db, st.ordering, so2, ["YT8100000000002"])  # 96 h after payment
    with db.read() as s:
        from app.models import OrderItem
        first_item = s.query(OrderItem.id).filter(OrderItem.order_id == on_time).first()[0]
    complaints.open_complaint(db, st.care, complaints.ComplaintInput(
        on_time, "damaged", "Váy bị rách ở gấu", [complaints.LineInput(order_item_id=first_item, quantity=1)]))

    today = clock.now().date()
    view = open_report(db, st.ordering, "shops.kpis", Period(date(today.year, today.month, 1), today))
    cols = [c.key for c in view.columns]
    (row,) = [dict(zip(cols, r)) for r in view.first.rows]
    assert row["shop_name"] == "杭州女装旗舰店" and row["shop_orders"] == 3
    assert row["on_time_rate"] == Decimal("33.33")                  # one of three had its code within 3 days
    assert row["ship_avg"] == Decimal("48.00")                      # (0 h + 96 h) / 2 shipped
    assert row["items"] == 2 + 2 + 4 and row["short_rate"] == Decimal("12.50")    # 1 of 8 pieces short
    assert row["complaints"] == 1 and row["complaint_rate"] == Decimal("33.33")
    totals = {t.key: t.value for t in view.totals}
    assert totals["shop_orders"] == 3 and totals["on_time_rate"] == Decimal("33.33")


def test_ordering_staff_see_only_the_shop_kpis_and_forwarders_nothing(db, st):
    assert [r.name for r in reports_for(st.ordering)] == ["shops.kpis"]
    assert "shops.kpis" in [r.name for r in reports_for(st.manager)]
    assert reports_for(st.cn) == []
    with pytest.raises(PermissionDenied):
        open_report(db, st.cn, "shops.kpis", Period(date(2026, 11, 1), date(2026, 11, 30)))
    with pytest.raises(PermissionDenied):
        open_report(db, st.ordering, "orders.by_status", Period(date(2026, 11, 1), date(2026, 11, 30)))


def test_the_complaint_rate_counts_complaints_per_hundred_delivered_orders(db, st, clock):
    from app.reports.dashboard import dashboard
    from app.services import deliveries, parcels, shipments
    from app.services.deliveries import DeliveryInput
    from app.money import VND, Money
    from tests.services.warehouse_helpers import consignment_order, kg

    cid = make_customer(db, st.care)
    codes = ["SF8200000001", "SF8200000002", "SF8200000003"]
    oids = [consignment_order(db, st, [c], customer_id=cid) for c in codes]
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for c in codes:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, kg("1.5"))
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal("5"), "H9")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    for c in codes:
        shipments.receive_scan(db, st.vn, sid, c, Decimal("1.5"))
    shipments.close_shipment(db, st.vn, sid)
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready], "pickup",
                                                                 delivery_fee=Money.of("0", VND)))
    for p in ready:
        deliveries.pack_scan(db, st.store, did, p.tracking_code, 1)
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Nguyễn Thị Hằng")
    deliveries.confirm_delivered(db, st.store, did, "Nguyễn Thị Hằng", True)
    complaints.open_complaint(db, st.care, complaints.ComplaintInput(
        oids[0], "missing", "Thiếu 1 áo", [complaints.LineInput(parcel_id=ready[0].id)]))
    today = clock.now().date()
    period = Period(date(today.year, today.month, 1), today)
    view = open_report(db, st.manager, "complaints.rate", period)
    totals = {t.key: t.value for t in view.totals}
    assert (totals["complaints"], totals["delivered"], totals["rate"]) == (1, 3, Decimal("33.33"))
    rows = {r[0]: r[1] for r in view.first.rows}
    assert sum(rows.values()) == 1
    board = dashboard(db, st.manager, period)
    assert board.figure("complaint_rate").value == Decimal("33.33")          # the dashboard = the report
