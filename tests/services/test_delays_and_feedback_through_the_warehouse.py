"""Delay flags and the feedback window on orders the warehouses move (SQLite and PostgreSQL):
parcels received and shipped, a delivery signed for — no one presses the order's buttons."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import ActivityEvent, CustomerMessage, Order
from app.money import VND, Money
from app.services import deliveries, delays, feedback, parcels, shipments
from app.services.deliveries import DeliveryInput
from tests.factories import arrive_sealed, make_customer
from tests.services.warehouse_helpers import consignment_order, kg, make_staff, order_status

CODE = "SF6000000001"


@pytest.fixture
def st(db):
    return make_staff(db)


def _order(db, oid):
    with db.read() as s:
        return s.get(Order, oid)


def _told(db, oid, event):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(CustomerMessage).where(
            CustomerMessage.entity == "order", CustomerMessage.entity_id == oid, CustomerMessage.event == event))


def test_a_late_order_shipped_and_delivered_by_the_warehouses_loses_its_flag_and_completes_after_the_window(
        db, st, clock):
    cid = make_customer(db, st.care, care=st.care)
    oid = consignment_order(db, st, [CODE], customer_id=cid)       # ship in 7 days, deliver in 15
    clock.advance(days=8)
    delays.refresh_delay_flags(db)
    assert (_order(db, oid).delay_state, _order(db, oid).delay_reason) == ("delayed", "ship_date_passed")

    # China: received late, shipped the same day
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], CODE, kg("2.0"))
    assert order_status(db, oid) == "in_cn_warehouse" and _order(db, oid).delay_state == "delayed"
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, CODE)
    shipments.seal_shipment(db, st.cn, sid, Decimal("2.5"), "H1")
    shipments.depart_shipment(db, st.cn, sid)
    o = _order(db, oid)
    # left China: transit 96 h + 24 h in the warehouse + 24 h out for delivery fit before day 15
    assert (o.status, o.delay_state, o.delay_reason) == ("in_transit", "", "")
    assert o.forecast_deliver_at == clock.now() + timedelta(hours=96 + 24 + 24)

    # Vietnam: received, then delivered with a signed slip
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    shipments.receive_scan(db, st.vn, sid, CODE, Decimal("2.0"))
    shipments.close_shipment(db, st.vn, sid)
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready],
                                                                 delivery_fee=Money.of("20000", VND)))
    deliveries.pack_scan(db, st.store, did, CODE, 1)
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Tài xế Trần Văn Tài")
    clock.advance(days=2)
    deliveries.confirm_delivered(db, st.store, did, "Nguyễn Thị Hằng", True)
    o = _order(db, oid)
    assert (o.status, o.delay_state, o.forecast_deliver_at) == ("delivered", "", None)
    assert o.status_changed_at == clock.now()                       # the feedback window opens now
    for event in ("order_shipped", "order_arrived", "order_delivered"):
        assert _told(db, oid, event) == 1, event                    # once each, not once per path

    # the feedback window: no complaint in 14 days, the order completes by itself
    clock.advance(days=13, hours=23)
    assert feedback.complete_after_feedback_window(db) == 0
    clock.advance(hours=2)
    assert feedback.complete_after_feedback_window(db) == 1
    assert order_status(db, oid) == "received"
    with db.read() as s:
        flags = s.scalars(select(ActivityEvent.after).where(ActivityEvent.entity_id == oid,
                                                            ActivityEvent.entity == "order",
                                                            ActivityEvent.action == "delay_flag")).all()
    assert [f["delay"] for f in flags] == ["delayed", "on_time"]
