"""Shipping messages say where the goods are (seeds 001, 003): the shipment and its transport when
they leave China, the warehouse when they arrive, the courier, its tracking number and page and
the expected date when they are on their way; staff correct the courier's tracking number."""
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import CustomerMessage
from app.services import deliveries, parcels, shipments
from app.services.deliveries import DeliveryInput
from app.clock import local_day
from app.services import delays
from app.tracking import parse_link_templates, tracking_link
from tests.factories import arrive_sealed, make_customer
from tests.services.warehouse_helpers import consignment_order, kg, make_staff


@pytest.fixture
def st(db):
    return make_staff(db)


def _day(body):
    """The day a message names (dd/mm/yyyy as the Vietnamese customer reads it)."""
    d, m, y = re.search(r"(\d\d)/(\d\d)/(\d{4})", body).groups()
    return date(int(y), int(m), int(d))


def _messages(db, event):
    with db.read() as s:
        return list(s.scalars(select(CustomerMessage).where(CustomerMessage.event == event)))


def test_the_customer_is_told_where_the_goods_are_at_each_leg(db, st):
    cid = make_customer(db, st.care)
    oid = consignment_order(db, st, ["SF8100000001"], customer_id=cid)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"], transport="Xe 29C-123.45")
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF8100000001", kg("1.5"))
    shipments.pack_scan(db, st.cn, sid, "SF8100000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("2"), "H1")
    shipments.depart_shipment(db, st.cn, sid)
    code = shipments.get_shipment(db, st.cn, sid).code
    shipped = _messages(db, "order_shipped")[0].body
    assert code in shipped and "Xe 29C-123.45" in shipped and "{" not in shipped
    # the expected date is the forecast the order window's Schedule tab shows, not the committed estimate
    schedule = delays.order_schedule(db, st.care, oid)
    assert _day(shipped) == local_day(schedule.forecast_deliver_at) != local_day(schedule.estimated_deliver_at)
    arrive_sealed(db, st.vn, code)
    shipments.receive_scan(db, st.vn, sid, "SF8100000001", Decimal("1.5"))
    shipments.close_shipment(db, st.vn, sid)
    arrived = _messages(db, "order_arrived")[0].body
    assert "{" not in arrived and "Hà Nội" in arrived
    assert _day(arrived) == local_day(delays.order_schedule(db, st.care, oid).forecast_deliver_at)
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready]))
    deliveries.pack_scan(db, st.store, did, "SF8100000001")
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Tài xế GHN", "Giao Hàng Nhanh (GHN)", "GHN 5566 7788")
    on_the_way = _messages(db, "order_on_the_way")[0]
    assert "GHN 5566 7788" in on_the_way.body and "https://donhang.ghn.vn/?order_code=GHN55667788" in on_the_way.body
    assert re.search(r"(Expected delivery|Dự kiến giao): \d\d/\d\d/\d{4}\.", on_the_way.body)   # a day, not a minute
    assert _day(on_the_way.body) == local_day(delays.order_schedule(db, st.care, oid).forecast_deliver_at)
    # the number was wrong: corrected from the delivery window, the customer gets the one to follow
    deliveries.set_courier_tracking(db, st.store, did, "GHTK", "S1234567")
    assert deliveries.order_courier_links(db, st.store, oid) == [
        ("GHTK", "S1234567", "https://i.ghtk.vn/S1234567")]
    corrected = _messages(db, "order_on_the_way")
    assert len(corrected) == 2 and "S1234567" in corrected[1].body and "https://i.ghtk.vn/S1234567" in corrected[1].body
    deliveries.set_courier_tracking(db, st.store, did, "GHTK", "S 1234 567")     # the same number retyped
    assert len(_messages(db, "order_on_the_way")) == 2


def test_a_tracking_number_entered_after_the_hand_over_is_sent_to_the_customer(db, st):
    cid = make_customer(db, st.care)
    oid = consignment_order(db, st, ["SF8200000001"], customer_id=cid)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF8200000001", kg("1"))
    shipments.pack_scan(db, st.cn, sid, "SF8200000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("1.2"), "H2")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.cn, sid).code)
    shipments.receive_scan(db, st.vn, sid, "SF8200000001", Decimal("1"))
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready]))
    deliveries.pack_scan(db, st.store, did, "SF8200000001")
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Tài xế Viettel", "Viettel Post")       # the number comes later
    (first,) = _messages(db, "order_on_the_way_no_link")
    assert "Viettel Post" in first.body and "http" not in first.body
    deliveries.set_courier_tracking(db, st.store, did, "Viettel Post", "VTP 778 899")
    (later,) = _messages(db, "order_on_the_way")
    assert later.entity_id == oid and "VTP778899" in later.body
    assert "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code=VTP778899" in later.body


@pytest.mark.parametrize("courier, link", [
    ("GHN", "https://donhang.ghn.vn/?order_code=X1"),
    ("viettel post", "https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code=X1"),
    ("Xe nhà", ""),
])
def test_a_courier_is_found_in_the_company_templates(courier, link):
    templates = ("GHN = https://donhang.ghn.vn/?order_code={code}; "
                 "Viettel Post = https://viettelpost.com.vn/tra-cuu-hanh-trinh-don/?code={code}")
    assert tracking_link(templates, courier, "X1") == link


def test_a_template_without_its_code_is_refused():
    with pytest.raises(ValueError):
        parse_link_templates("GHN = https://donhang.ghn.vn/")
