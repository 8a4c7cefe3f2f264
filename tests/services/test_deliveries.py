"""Delivery from the Vietnam warehouse on SQLite and PostgreSQL: request, box-by-box packing,
export slip, hand-over, signed slip; the orders become delivered."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.models import CustomerMessage, StoredFile
from app.money import VND, Money
from app.services import alerts, deliveries, parcels, shipments
from app.services.deliveries import DeliveryInput
from app.services.scanning import Outcome
from tests.factories import arrive_sealed, make_customer
from tests.services.warehouse_helpers import consignment_order, kg, make_staff, order_status, parcel


@pytest.fixture
def st(db):
    return make_staff(db)


def _in_hanoi(db, st, orders_codes, customer_id):
    """Orders of one customer whose parcels came to Hà Nội in one shipment."""
    oids = [consignment_order(db, st, codes, customer_id=customer_id) for codes in orders_codes]
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    codes = [c for cs in orders_codes for c in cs]
    for c in codes:
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], c, kg("1.5"))
        shipments.pack_scan(db, st.cn, sid, c)
    shipments.seal_shipment(db, st.cn, sid, Decimal(len(codes) * 2), "H1")
    shipments.depart_shipment(db, st.cn, sid)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    for c in codes:
        shipments.receive_scan(db, st.vn, sid, c, Decimal("1.5"))
    shipments.close_shipment(db, st.vn, sid)
    return oids


def test_a_delivery_request_is_packed_slipped_handed_over_and_signed_and_the_orders_are_delivered(db, st):
    cid = make_customer(db, st.care)
    o1, o2 = _in_hanoi(db, st, [["SF3000000001", "SF3000000002"], ["SF3000000003"]], cid)
    assert order_status(db, o1) == "awaiting_delivery"
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    assert [p.tracking_code for p in ready] == ["SF3000000001", "SF3000000002", "SF3000000003"]
    did = deliveries.create_delivery(db, st.store, DeliveryInput(
        cid, st.wh["VN-HN"], [p.id for p in ready], "courier", delivery_fee=Money.of("30000", VND)))
    v = deliveries.get_delivery(db, st.store, did)
    assert v.code.startswith("PX") and v.recipient == "Nguyễn Thị Hằng" and "Phố Huế" in v.address
    assert v.cod == Money.of("30000", VND) and v.status == "requested"
    assert deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"]) == []   # held by the request
    with pytest.raises(DomainError):
        deliveries.issue_slip(db, st.store, did)                                     # nothing packed yet
    assert deliveries.pack_scan(db, st.store, did, "SF3000000001", 1).outcome == Outcome.PACKED
    assert deliveries.pack_scan(db, st.store, did, "SF3000000001", 1).outcome == Outcome.ALREADY
    assert deliveries.pack_scan(db, st.store, did, "SF3000000002", 1).outcome == Outcome.PACKED
    r = deliveries.pack_scan(db, st.store, did, "SF3000000003", 2)
    assert r.outcome == Outcome.PACKED and r.facts == {"packed": 3, "total": 3}
    assert deliveries.pack_scan(db, st.store, did, "YT0000000000999", 1).outcome == Outcome.WRONG
    deliveries.issue_slip(db, st.store, did)
    v = deliveries.get_delivery(db, st.store, did)
    assert (v.status, v.box_count, v.boxes()) == ("slip_issued", 2, [1, 2])
    with pytest.raises(ValidationFailed):
        deliveries.hand_over(db, st.store, did, "  ")
    deliveries.hand_over(db, st.store, did, "Tài xế Trần Văn Tài", "GHN", "GHN123456")
    assert parcel(db, "SF3000000001").status == "out_for_delivery" and parcel(db, "SF3000000001").warehouse_id is None
    assert order_status(db, o1) == "delivering" and order_status(db, o2) == "delivering"
    with pytest.raises(ValidationFailed):
        deliveries.confirm_delivered(db, st.store, did, "Nguyễn Thị Hằng", has_signed_copy=False)
    deliveries.confirm_delivered(db, st.store, did, "Nguyễn Thị Hằng", True, ("ky-nhan.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64))
    v = deliveries.get_delivery(db, st.store, did)
    assert v.status == "delivered" and v.signed_slip_file_id is not None
    assert order_status(db, o1) == "delivered" and order_status(db, o2) == "delivered"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(CustomerMessage)
                        .where(CustomerMessage.event == "order_delivered")) == 2
        assert s.get(StoredFile, v.signed_slip_file_id).size == 72


def _owe(db, st, order_id, amount):
    """A supplementary bill the manager approved: the order owes ``amount`` đồng."""
    from app.services import billing

    bill = billing.propose_supplementary_bill(db, st.manager, order_id, [billing.BillLineInput(
        "vn_delivery", Decimal(amount), "Giao tận nơi")], "Giao hàng ngoài nội thành")
    billing.approve_bill(db, st.manager, bill)


def test_a_customer_owing_more_than_the_credit_limit_is_refused_until_the_wallet_pays(db, st):
    from app.services import wallets

    cid = make_customer(db, st.care)
    (oid,) = _in_hanoi(db, st, [["SF3100000001"]], cid)
    _owe(db, st, oid, "250000")
    ids = [p.id for p in deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])]
    with pytest.raises(deliveries.DebtTooHigh) as err:
        deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], ids))
    assert "Nguyễn Thị Hằng" in str(err.value)
    wallets.grant_credit(db, st.manager, cid, Decimal("300000"), "Khách quen")
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], ids, "pickup",
                                                                 delivery_fee=Money.of("0", VND)))
    assert deliveries.get_delivery(db, st.store, did).cod == Money.of("250000", VND)   # COD collects the debt


def test_money_in_the_wallet_pays_what_is_owed_before_the_delivery_is_judged(db, st):
    from tests.money_helpers import fund

    cid = make_customer(db, st.care)
    (oid,) = _in_hanoi(db, st, [["SF3200000001"]], cid)
    _owe(db, st, oid, "180000")
    fund(db, cid, "200000")            # a top-up retries only deposits; the bill is paid at delivery
    ids = [p.id for p in deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])]
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], ids, "pickup",
                                                                 delivery_fee=Money.of("0", VND)))
    assert deliveries.get_delivery(db, st.store, did).cod == Money.of("0", VND)
    with db.read() as s:
        assert deliveries.customer_debt(s, cid) == Money.of("0", VND)


def test_only_the_customers_parcels_on_the_shelves_and_only_warehouse_staff(db, st):
    cid, other = make_customer(db, st.care), make_customer(db, st.care, name="Trần Văn Đức")
    _in_hanoi(db, st, [["SF3200000001"]], cid)
    _in_hanoi(db, st, [["SF3200000002"]], other)
    mine = [p.id for p in deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])]
    theirs = [p.id for p in deliveries.deliverable_parcels(db, st.store, other, st.wh["VN-HN"])]
    with pytest.raises(DomainError):
        deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], mine + theirs))
    with pytest.raises(PermissionDenied):
        deliveries.create_delivery(db, st.vn, DeliveryInput(cid, st.wh["VN-HN"], mine))
    with pytest.raises(PermissionDenied):
        deliveries.deliverable_parcels(db, st.care, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], mine))
    with pytest.raises(DomainError):
        deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], mine))   # already held
    deliveries.cancel_delivery(db, st.store, did, "Khách đổi ngày")
    assert [p.id for p in deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])] == mine


def test_an_alert_for_delivery_stops_packing_and_a_failed_delivery_comes_back(db, st):
    cid = make_customer(db, st.care)
    oid = _in_hanoi(db, st, [["SF3300000001"]], cid)[0]
    alerts.pin_alert(db, st.care, "delivery", "Gọi khách trước khi giao: 0912 345 678", order_id=oid)
    ids = [p.id for p in deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])]
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], ids))
    r = deliveries.pack_scan(db, st.store, did, "SF3300000001")
    assert r.outcome == Outcome.ALERT and "0912" in r.detail
    alerts.acknowledge_alerts(db, st.store, [a.id for a in r.alerts])
    assert deliveries.pack_scan(db, st.store, did, "SF3300000001").outcome == Outcome.PACKED
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Tài xế")
    assert order_status(db, oid) == "delivering"
    with pytest.raises(DomainError):
        deliveries.delivery_failed(db, st.store, did, "")
    deliveries.delivery_failed(db, st.store, did, "Không liên lạc được khách")
    p = parcel(db, "SF3300000001")
    assert (p.status, p.warehouse_id) == ("ready", st.wh["VN-HN"])
    assert deliveries.get_delivery(db, st.store, did).status == "slip_issued"
