"""Shipments China → Vietnam and back, on SQLite and PostgreSQL: packing refusals, sealing,
departure, receiving in Vietnam with re-weighing, and the reconciliation of a partly arrived one."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, PermissionDenied, TransitionRefused, ValidationFailed
from app.models import ActivityEvent, CustomerMessage, Parcel, Task
from app.services import alerts, parcels, shipments
from app.services.scanning import Outcome
from tests.factories import arrive_sealed, make_customer
from tests.services.warehouse_helpers import (consignment_order, kg, make_staff, order_status,
                                              parcel, purchase_order)


@pytest.fixture
def st(db):
    return make_staff(db)


def _received(db, st, codes_by_order):
    """Orders with their parcels received (and weighed) in Guangzhou."""
    oids = []
    for codes in codes_by_order:
        oids.append(consignment_order(db, st, codes))
        for code in codes:
            assert parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, kg("2.0")).outcome == Outcome.RECEIVED
    return oids


def test_a_shipment_packed_sealed_sent_and_partly_received_is_reconciled(db, st):
    o1, o2 = _received(db, st, [["SF1000000001", "SF1000000002"], ["SF1000000003"]])
    stray = _received(db, st, [["SF1000000004"]])[0]             # received, never packed
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"], transport="Xe 29C-123.45")
    view = shipments.get_shipment(db, st.cn, sid)
    assert view.code.startswith("BH") and view.direction == "to_vn" and view.status == "open"
    for code in ("SF1000000001", "SF1000000002", "SF1000000003"):
        r = shipments.pack_scan(db, st.cn, sid, code)
        assert r.outcome == Outcome.PACKED, r.title
    assert shipments.pack_scan(db, st.cn, sid, "SF1000000001").outcome == Outcome.ALREADY
    assert parcel(db, "SF1000000001").status == "packed"
    with pytest.raises(ValidationFailed) as err:
        shipments.seal_shipment(db, st.cn, sid, Decimal("5.5"), "S-778899")     # less than 6 kg inside
    assert "gross_weight_kg" in err.value.field_errors
    with pytest.raises(ValidationFailed):
        shipments.seal_shipment(db, st.cn, sid, Decimal("6.4"), " ")
    shipments.seal_shipment(db, st.cn, sid, Decimal("6.4"), "s-778899")
    r = shipments.pack_scan(db, st.cn, sid, "SF1000000004")
    assert r.outcome == Outcome.WRONG and "BH" in r.title                       # sealed: manifest frozen
    assert shipments.depart_shipment(db, st.cn, sid) == 3
    assert parcel(db, "SF1000000001").status == "in_transit" and parcel(db, "SF1000000001").warehouse_id is None
    assert order_status(db, o1) == "in_transit" and order_status(db, o2) == "in_transit"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CustomerMessage)
                        .where(CustomerMessage.event == "order_shipped")) == 2

    # Vietnam: scan the shipment, then its parcels
    with pytest.raises(PermissionDenied):
        shipments.arrive_scan(db, st.cn, view.code)
    r = arrive_sealed(db, st.vn, view.code.lower())
    assert r.outcome == Outcome.SHIPMENT and r.facts["shipment_id"] == sid
    r = shipments.receive_scan(db, st.vn, sid, "SF1000000001", Decimal("2.1"))
    assert r.outcome == Outcome.RECEIVED and r.shelf.startswith("HN-")
    r = shipments.receive_scan(db, st.vn, sid, "SF1000000003", Decimal("3.2"))   # left at 2.0 kg
    assert r.outcome == Outcome.WEIGHT_WARNING and r.tone == "warn" and "1,2" in r.detail
    assert shipments.receive_scan(db, st.vn, sid, "SF1000000003", Decimal("3.2")).outcome == Outcome.ALREADY
    r = shipments.receive_scan(db, st.vn, sid, "SF1000000004")                  # in the sack unscanned
    assert r.outcome == Outcome.EXTRA
    r = shipments.receive_scan(db, st.vn, sid, "JT9000000000001")               # nobody knows it
    assert r.outcome == Outcome.EXTRA and parcel(db, "JT9000000000001").ownerless
    assert order_status(db, o2) == "awaiting_delivery"                          # its only parcel is here
    assert order_status(db, o1) == "in_transit"                                 # one of two still missing
    assert order_status(db, stray) == "awaiting_delivery"
    p3 = parcel(db, "SF1000000003")
    with db.read() as s:
        logged = s.scalar(select(ActivityEvent).where(ActivityEvent.entity_id == p3.id,
                                                      ActivityEvent.action == "weight_difference"))
        assert logged.after["difference_kg"] == "1.200"

    recon = shipments.close_shipment(db, st.vn, sid)
    assert [r.tracking_code for r in recon.received] == ["SF1000000001", "SF1000000003"]
    assert [r.tracking_code for r in recon.missing] == ["SF1000000002"]
    assert {r.tracking_code for r in recon.extra} == {"SF1000000004", "JT9000000000001"}
    assert [r.tracking_code for r in recon.weight_warnings] == ["SF1000000003"]
    assert parcel(db, "SF1000000001").status == "ready" and parcel(db, "SF1000000002").status == "in_transit"
    view = shipments.get_shipment(db, st.vn, sid)
    assert view.status == "reconciled" and (view.received_count, view.missing_count, view.extra_count) == (2, 1, 2)
    assert [ln.missing for ln in view.lines if ln.tracking_code == "SF1000000002"] == [True]
    with db.read() as s:
        tasks = list(s.scalars(select(Task).where(Task.role == "forwarder_cn")))
    assert sorted(t.kind for t in tasks) == ["check_parcel", "check_parcel", "lost_parcel"]
    assert any("SF1000000002" in t.title for t in tasks if t.kind == "lost_parcel")


def test_packing_refuses_other_destinations_unreceived_ownerless_and_already_packed_parcels(db, st):
    cid = make_customer(db, st.care)
    _received(db, st, [["SF1100000001"], ["SF1100000002"]])
    consignment_order(db, st, ["SF1100000003"], customer_id=cid)                 # expected only
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "ZT8800000001")                 # ownerless
    with db.transaction() as tx:                                                  # goes to Sài Gòn
        tx.scalar(select(Parcel).where(Parcel.tracking_code == "SF1100000002")).destination_warehouse_id = st.wh["VN-SG"]
    hn = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    other = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    r = shipments.pack_scan(db, st.cn, hn, "SF1100000002")
    assert r.outcome == Outcome.WRONG and "Hồ Chí Minh" in r.title
    assert shipments.pack_scan(db, st.cn, hn, "SF1100000003").outcome == Outcome.WRONG
    r = shipments.pack_scan(db, st.cn, hn, "ZT8800000001")
    assert r.outcome == Outcome.WRONG and parcel(db, "ZT8800000001").status == "received_cn"
    assert shipments.pack_scan(db, st.cn, hn, "JT0000000000404").outcome == Outcome.WRONG   # unknown
    assert shipments.pack_scan(db, st.cn, hn, "nope").outcome == Outcome.REFUSED
    assert shipments.pack_scan(db, st.cn, hn, "SF1100000001").outcome == Outcome.PACKED
    r = shipments.pack_scan(db, st.cn, other, "SF1100000001")
    assert r.outcome == Outcome.WRONG and shipments.get_shipment(db, st.cn, hn).code in r.title
    assert shipments.get_shipment(db, st.cn, other).parcel_count == 0
    shipments.unpack(db, st.cn, hn, parcel(db, "SF1100000001").id, "Khách yêu cầu gửi chung")
    assert parcel(db, "SF1100000001").status == "received_cn"
    assert shipments.pack_scan(db, st.cn, other, "SF1100000001").outcome == Outcome.PACKED
    with pytest.raises(DomainError):
        shipments.cancel_shipment(db, st.cn, other)                               # not empty
    shipments.cancel_shipment(db, st.cn, hn)
    assert shipments.get_shipment(db, st.cn, hn).status == "cancelled"


def test_an_alert_note_stops_packing_until_read(db, st):
    oid = _received(db, st, [["SF1200000001"]])[0]
    alerts.pin_alert(db, st.care, "pack", "Đóng thùng gỗ riêng", order_id=oid)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    r = shipments.pack_scan(db, st.cn, sid, "SF1200000001")
    assert r.outcome == Outcome.ALERT and "gỗ" in r.detail and parcel(db, "SF1200000001").status == "received_cn"
    alerts.acknowledge_alerts(db, st.cn, [a.id for a in r.alerts])
    assert shipments.pack_scan(db, st.cn, sid, "SF1200000001").outcome == Outcome.PACKED


def test_each_side_does_only_its_part(db, st):
    _received(db, st, [["SF1300000001"]])
    with pytest.raises(PermissionDenied):
        shipments.open_shipment(db, st.vn, st.wh["CN-GZ"], st.wh["VN-HN"])
    with pytest.raises(PermissionDenied):
        shipments.open_shipment(db, st.care, st.wh["CN-GZ"], st.wh["VN-HN"])
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    with pytest.raises(PermissionDenied):
        shipments.pack_scan(db, st.vn, sid, "SF1300000001")
    shipments.pack_scan(db, st.cn, sid, "SF1300000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("2.3"), "A1")
    with pytest.raises(DomainError):
        shipments.reopen_shipment(db, st.cn, sid, "")                              # needs a reason
    with pytest.raises(TransitionRefused):
        shipments.close_shipment(db, st.vn, sid)
    shipments.depart_shipment(db, st.cn, sid)
    with pytest.raises(PermissionDenied):
        shipments.receive_scan(db, st.cn, sid, "SF1300000001")
    r = shipments.receive_scan(db, st.vn, sid, "SF1300000001")
    assert r.outcome == Outcome.WRONG                                              # scan the sack first
    with pytest.raises(ValidationFailed):
        shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["CN-PX"])


def test_goods_a_complaint_sends_back_travel_to_china_with_the_same_scans(db, st):
    oid = _received(db, st, [["SF1400000001", "SF1400000002"]])[0]
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    for code in ("SF1400000001", "SF1400000002"):
        shipments.pack_scan(db, st.cn, sid, code)
    shipments.seal_shipment(db, st.cn, sid, Decimal("4.2"), "B7")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    for code in ("SF1400000001", "SF1400000002"):
        shipments.receive_scan(db, st.vn, sid, code, Decimal("2.0"))
    shipments.close_shipment(db, st.vn, sid)
    assert order_status(db, oid) == "awaiting_delivery"

    with pytest.raises(ValidationFailed):                      # a return says why
        shipments.open_shipment(db, st.store, st.wh["VN-HN"], st.wh["CN-GZ"])
    back = shipments.open_shipment(db, st.store, st.wh["VN-HN"], st.wh["CN-GZ"],
                                   note="Khiếu nại KN-12: sai màu, trả shop")
    assert shipments.get_shipment(db, st.store, back).code.startswith("HT")
    r = shipments.pack_scan(db, st.store, back, "SF1400000002")
    assert r.outcome == Outcome.PACKED and parcel(db, "SF1400000002").status == "returning"
    shipments.seal_shipment(db, st.store, back, Decimal("2.2"), "R-1")
    shipments.depart_shipment(db, st.store, back)
    with pytest.raises(PermissionDenied):
        arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, back).code)
    shipments.arrive_scan(db, st.cn, shipments.get_shipment(db, st.cn, back).code)
    r = shipments.receive_scan(db, st.cn, back, "SF1400000002", Decimal("2.0"))
    assert r.outcome == Outcome.RECEIVED
    p = parcel(db, "SF1400000002")
    assert (p.status, p.warehouse_id, p.shelf) == ("returned", st.wh["CN-GZ"], "RETURN")
    recon = shipments.close_shipment(db, st.cn, back)
    assert [x.tracking_code for x in recon.received] == ["SF1400000002"] and not recon.missing
    assert parcel(db, "SF1400000001").status == "ready"
    assert order_status(db, oid) == "awaiting_delivery"        # the other parcel still waits to be delivered


def test_a_purchase_order_with_two_parcels_waits_in_china_until_both_have_left(db, st):
    oid, _ = purchase_order(db, st, ["YT5000000000001", "YT5000000000002"], expected_parcels=2)
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT5000000000001", kg("1"))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, "YT5000000000001")
    shipments.seal_shipment(db, st.cn, sid, Decimal("1.1"), "C3")
    shipments.depart_shipment(db, st.cn, sid)
    assert order_status(db, oid) == "in_cn_warehouse"          # the second parcel has not even arrived
