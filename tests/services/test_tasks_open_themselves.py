"""The tasks seed 004 lists open themselves and close when the work is done: matching an ownerless
parcel, receiving a shipment into the warehouse, delivering; a new customer is welcomed with their
code and the ordering extension's link."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import CustomerMessage, Task
from app.money import VND, Money
from app.services import customers, deliveries, parcels, settings as settings_service, shipments
from app.services.deliveries import DeliveryInput
from app.permissions import Role
from tests.factories import arrive_sealed, make_customer, make_user
from tests.services.warehouse_helpers import consignment_order, kg, make_staff


@pytest.fixture
def st(db):
    return make_staff(db)


def _tasks(db, kind):
    with db.read() as s:
        return [(t.role, t.status, t.entity, t.entity_id, t.due_at is not None)
                for t in s.scalars(select(Task).where(Task.kind == kind).order_by(Task.id))]


def test_an_ownerless_parcel_opens_a_matching_task_that_matching_closes(db, st):
    pid = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "ZT7700000000001", kg("1.0")).parcel_id
    assert _tasks(db, "match_parcel") == [("forwarder_cn", "open", "parcel", pid, True)]
    oid = consignment_order(db, st, ["YT7700000000009"])
    parcels.match_parcel(db, st.cn, pid, oid, "Khách gửi ảnh vận đơn")
    assert _tasks(db, "match_parcel")[0][1] == "done"


def _to_hanoi(db, st, code, on_the_way=None):
    """A consignment parcel received in Guangzhou, sent, and received in Hà Nội; ``on_the_way``
    runs after departure and again after arrival, before the parcel is scanned in."""
    cid = make_customer(db, st.care)
    consignment_order(db, st, [code], customer_id=cid)
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, kg("1.5"))
    shipments.pack_scan(db, st.cn, sid, code)
    shipments.seal_shipment(db, st.cn, sid, Decimal("2"), "H1")
    shipments.depart_shipment(db, st.cn, sid)
    (on_the_way or (lambda _sid, _arrived: None))(sid, False)
    arrive_sealed(db, st.vn, shipments.get_shipment(db, st.vn, sid).code)
    (on_the_way or (lambda _sid, _arrived: None))(sid, True)
    shipments.receive_scan(db, st.vn, sid, code, Decimal("1.5"))
    shipments.close_shipment(db, st.vn, sid)
    return cid


def test_an_arrived_shipment_is_a_task_to_receive_and_a_delivery_a_task_to_deliver(db, st):
    def receiving_task(sid, arrived):
        expected = [("forwarder_vn", "open", "shipment", sid, True)] if arrived else []
        assert _tasks(db, "receive_warehouse") == expected

    cid = _to_hanoi(db, st, "SF7800000001", receiving_task)
    assert _tasks(db, "receive_warehouse")[0][1] == "done"
    ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
    did = deliveries.create_delivery(db, st.store, DeliveryInput(
        cid, st.wh["VN-HN"], [p.id for p in ready], "courier", delivery_fee=Money.of("0", VND)))
    assert _tasks(db, "deliver") == [("warehouse_vn", "open", "delivery", did, True)]
    deliveries.cancel_delivery(db, st.store, did, "Khách đổi ngày")
    assert _tasks(db, "deliver")[0][1] == "done"


def test_a_new_customer_is_welcomed_with_their_code_and_the_extension_link(db, st):
    admin = make_user(db, Role.ADMIN)
    settings_service.update_settings(db, admin, {"orders.extension_url": "https://hangnga.vn/tien-ich"})
    cid = customers.create_customer(db, st.care, customers.CustomerInput("Đặng Thu Hà", "0912000111",
                                                                          email="ha@example.com"))
    with db.read() as s:
        message = s.scalar(select(CustomerMessage).where(CustomerMessage.customer_id == cid))
    assert message.event == "welcome" and message.to_address == "ha@example.com"
    assert f"KH{cid:06d}" in message.subject and f"KH{cid:06d}" in message.body
    assert "https://hangnga.vn/tien-ich" in message.body
    settings_service.update_settings(db, admin, {"orders.extension_url": ""})
    other = customers.create_customer(db, st.care, customers.CustomerInput("Lý Văn Tám", "0912000222"))
    with db.read() as s:
        message = s.scalar(select(CustomerMessage).where(CustomerMessage.customer_id == other))
    assert message.event == "welcome_no_extension" and "http" not in message.body


def test_a_failed_delivery_tells_the_customer_and_sets_the_warehouse_a_new_task(db, st):
    cid = _to_hanoi(db, st, "SF7900000001")
    ids = [p.id for p in deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])]
    did = deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], ids))
    deliveries.pack_scan(db, st.store, did, "SF7900000001")
    deliveries.issue_slip(db, st.store, did)
    deliveries.hand_over(db, st.store, did, "Tài xế")
    deliveries.delivery_failed(db, st.store, did, "Không liên lạc được khách")
    tasks = _tasks(db, "deliver")
    assert [t[:4] for t in tasks] == [("warehouse_vn", "cancelled", "delivery", did),
                                      ("warehouse_vn", "open", "delivery", did)]
    with db.read() as s:
        message = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "delivery_failed"))
        task = s.scalar(select(Task).where(Task.kind == "deliver", Task.status == "open"))
    assert message.customer_id == cid and "Không liên lạc được khách" in message.body
    assert "Không liên lạc được khách" in task.title


def _due_hours(db, kind):
    """Each task of ``kind``: the hours from its opening to its due time, oldest first."""
    with db.read() as s:
        return [(t.due_at - t.created_at) / timedelta(hours=1)
                for t in s.scalars(select(Task).where(Task.kind == kind).order_by(Task.id))]


def test_each_task_is_due_after_the_hours_its_setting_says_now(db, st):
    """Receiving, matching and delivering take their due time from their own setting, read when
    the task opens: a changed setting changes the next task's due time, not the one already open."""
    admin = make_user(db, Role.ADMIN)
    kinds = ("match_parcel", "receive_warehouse", "deliver")
    for n, hours in enumerate(((5, 7, 9), (30, 2, 100)), start=1):
        settings_service.update_settings(db, admin, {f"tasks.due_hours.{k}": h for k, h in zip(kinds, hours)})
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], f"ZT771000000000{n}", kg("1.0"))   # ownerless: match
        cid = _to_hanoi(db, st, f"SF781000000{n}")                                       # arrives: receive
        ready = deliveries.deliverable_parcels(db, st.store, cid, st.wh["VN-HN"])
        deliveries.create_delivery(db, st.store, DeliveryInput(cid, st.wh["VN-HN"], [p.id for p in ready],
                                                               "courier", delivery_fee=Money.of("0", VND)))
    # each task kept the hours of its own day: the one already open did not move
    assert [_due_hours(db, k) for k in kinds] == [[5, 30], [7, 2], [9, 100]]
