"""A manager declares a parcel lost from its window (parcels.mark_parcel_lost), on SQLite and
PostgreSQL: only a manager, only a parcel expected or on its way, only with a reason; the parcel
is lost with when and why, its order's staff are told and the lost-parcel task opens for them."""
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.i18n import render_stored
from app.models import ActivityEvent, StaffNotification, Task
from app.services import parcels, shipments
from tests.services.warehouse_helpers import consignment_order, kg, make_staff, order_status, parcel


@pytest.fixture
def st(db):
    return make_staff(db)


def _on_its_way(db, st, code):
    oid = consignment_order(db, st, [code])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], code, kg("1.0"))
    sid = shipments.open_shipment(db, st.cn, st.wh["CN-GZ"], st.wh["VN-HN"])
    shipments.pack_scan(db, st.cn, sid, code)
    shipments.seal_shipment(db, st.cn, sid, Decimal("1.2"), "L1")
    shipments.depart_shipment(db, st.cn, sid)
    return oid, parcel(db, code).id


def test_a_manager_declares_a_parcel_on_its_way_lost_and_its_order_and_staff_follow(db, st):
    oid, pid = _on_its_way(db, st, "SF9960000001")
    parcels.mark_parcel_lost(db, st.manager, pid, "  Không thấy trong bao khi mở ở Hà Nội ")
    p = parcel(db, "SF9960000001")
    assert p.status == "lost" and p.lost_at is not None
    # the order itself is declared lost (or reshipped) by a decision of its own, with the task's answer
    assert order_status(db, oid) == "in_transit"
    with db.read() as s:
        ev = s.scalar(select(ActivityEvent).where(ActivityEvent.entity == "parcel", ActivityEvent.entity_id == pid,
                                                  ActivityEvent.action == "mark_lost"))
        assert (ev.actor_id, ev.note, ev.after["status"]) == (st.manager.user_id,
                                                             "Không thấy trong bao khi mở ở Hà Nội", "lost")
        told = s.scalars(select(StaffNotification).where(StaffNotification.user_id == st.care.user_id,
                                                         StaffNotification.entity == "order",
                                                         StaffNotification.entity_id == oid)).all()
        assert any("SF9960000001" in render_stored(n.title, n.title_key, n.title_params, "en") for n in told)
        (task,) = s.scalars(select(Task).where(Task.kind == "lost_parcel", Task.entity_id == pid)).all()
        assert (task.role, task.assignee_id, task.status) == ("care", st.care.user_id, "open")


def test_only_a_manager_with_a_reason_declares_only_a_parcel_not_yet_arrived(db, st):
    _oid, pid = _on_its_way(db, st, "SF9960000002")
    for actor in (st.care, st.cn, st.vn, st.store):
        with pytest.raises(PermissionDenied):
            parcels.mark_parcel_lost(db, actor, pid, "Mất")
    for reason in ("", "   ", "\x00"):
        with pytest.raises(ValidationFailed) as refused:
            parcels.mark_parcel_lost(db, st.manager, pid, reason)
        assert "reason" in refused.value.field_errors
    with pytest.raises(ValidationFailed) as refused:
        parcels.mark_parcel_lost(db, st.manager, pid, "x" * 1001)
    assert "1000" in refused.value.field_errors["reason"]
    assert parcel(db, "SF9960000002").status == "in_transit"
    with db.read() as s:
        assert s.scalars(select(Task).where(Task.kind == "lost_parcel")).all() == []
    # a parcel already in the China warehouse is not "on its way": nothing to declare
    consignment_order(db, st, ["SF9960000003"])
    in_stock = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF9960000003", kg("1.0")).parcel_id
    with pytest.raises(DomainError):
        parcels.mark_parcel_lost(db, st.manager, in_stock, "Không thấy")
    assert parcel(db, "SF9960000003").status != "lost"
