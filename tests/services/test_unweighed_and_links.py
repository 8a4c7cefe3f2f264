"""What a new user tripped over in the warehouse and the order editor: a parcel packed without a
weight is not let through silently, and a product link decides the item's platform."""
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import UnweighedParcels
from app.models import ActivityEvent
from app.services import orders, parcels, shipments
from app.services.orders import platform_of
from app.services.scanning import Outcome
from tests.factories import item, make_customer, make_order
from tests.services.warehouse_helpers import consignment_order, kg, make_staff


@pytest.fixture
def st(db):
    return make_staff(db)


def test_packing_an_unweighed_parcel_warns_and_sealing_needs_a_confirmation(db, st):
    consignment_order(db, st, ["SF5000000001", "SF5000000002"])
    assert parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF5000000001", kg("2.0")).outcome == Outcome.RECEIVED
    assert parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF5000000002").outcome == Outcome.RECEIVED   # no scale
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    assert shipments.pack_scan(db, st.cn, sid, "SF5000000001").outcome == Outcome.PACKED
    r = shipments.pack_scan(db, st.cn, sid, "SF5000000002")
    assert r.outcome == Outcome.UNWEIGHED and r.tone == "warn"
    assert shipments.get_shipment(db, st.cn, sid).status == "open"
    with pytest.raises(UnweighedParcels) as refused:
        shipments.seal_shipment(db, st.cn, sid, Decimal("3"), "S-1")
    assert "SF5000000002" in str(refused.value) and "SF5000000001" not in str(refused.value)
    assert shipments.get_shipment(db, st.cn, sid).status == "open"
    shipments.seal_shipment(db, st.cn, sid, Decimal("3"), "S-1", unweighed_ok=True)
    assert shipments.get_shipment(db, st.cn, sid).status == "sealed"
    with db.read() as s:
        seal = s.scalar(select(ActivityEvent).where(ActivityEvent.entity == "shipment",
                                                    ActivityEvent.action == "seal"))
        assert seal.after["unweighed"] == 1


def test_a_shipment_of_weighed_parcels_seals_without_asking(db, st):
    consignment_order(db, st, ["SF5100000001"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF5100000001", kg("1.2"))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, "SF5100000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("1.5"), "S-2")
    assert shipments.get_shipment(db, st.cn, sid).status == "sealed"


@pytest.mark.parametrize("link, platform", [
    ("https://detail.1688.com/offer/6543.html", "1688"),
    ("https://m.1688.com/offer/6543.html", "1688"),
    ("https://qr.1688.com/s/AbCd", "1688"),
    ("https://detail.tmall.com/item.htm?id=1", "tmall"),
    ("https://detail.m.tmall.com/item.htm?id=1", "tmall"),
    ("https://item.taobao.com/item.htm?id=1", "taobao"),
    ("https://h5.m.taobao.com/awp/core/detail.htm?id=1", "taobao"),
    ("https://m.tb.cn/h.5Xyz", "taobao"),
    ("【淘宝】https://m.tb.cn/h.5Xyz?tk=abc 「连衣裙」点击链接直接打开", "taobao"),
    ("https://shop1688.example.com/item", "other"),
    ("https://www.amazon.com/dp/1", "other"),
])
def test_the_platform_is_read_from_every_form_of_link(link, platform):
    assert platform_of(link) == platform


def test_a_1688_link_chosen_as_taobao_is_stored_as_1688(db):
    st = make_staff(db)
    cid = make_customer(db, st.care)
    hairpin = replace(item("发夹", 10, "0.35", shop="义乌小商品"), product_url="https://detail.1688.com/offer/2.html")
    unknown = replace(item("杯子", 1, "9", shop="某店", platform="tmall"), product_url="https://shop.example.cn/1")
    oid = make_order(db, st.care, cid, items=[hairpin, unknown])
    platforms = {i.title: i.platform for i in orders.get_order(db, st.care, oid).items}
    assert platforms == {"发夹": "1688", "杯子": "tmall"}          # a link it cannot read keeps the choice
