"""The China receiving scan on SQLite and PostgreSQL: every outcome a forwarder can hear."""
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app import db as dbmod
from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.models import ActivityEvent, CustomerMessage, Parcel, StaffNotification, Task
from app.services import alerts, parcels, settings as settings_service
from app.services.scanning import Measurements, Outcome
from tests.services.warehouse_helpers import (consignment_order, kg, make_staff, order_status,
                                              parcel, purchase_order)


@pytest.fixture
def st(db):
    return make_staff(db)


def _events(db, pid, action=None):
    with db.read() as s:
        q = select(ActivityEvent).where(ActivityEvent.entity == "parcel", ActivityEvent.entity_id == pid)
        if action:
            q = q.where(ActivityEvent.action == action)
        return list(s.scalars(q.order_by(ActivityEvent.id)))


def test_a_declared_parcel_is_received_with_customer_order_and_shelf_and_the_order_follows(db, st):
    oid, _so = purchase_order(db, st, ["YT1234567890123"])
    assert order_status(db, oid) == "seller_shipped"
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], " yt 1234567890123 ", kg("1.25"))
    assert r.outcome == Outcome.RECEIVED and r.tone == "ok"
    p = parcel(db, "YT1234567890123")
    assert (p.status, p.warehouse_id, p.weight_kg) == ("received_cn", st.wh["CN-GZ"], Decimal("1.250"))
    assert r.customer_code.startswith("KH") and r.order_code == f"DH{oid:07d}"
    assert r.shelf == p.shelf and r.shelf.startswith("HN-")          # the Hà Nội row, the customer's bin
    assert r.customer_code in r.title and r.shelf in r.detail
    assert order_status(db, oid) == "in_cn_warehouse"                # orders follow their parcels
    ev = _events(db, p.id, "received_cn")
    assert len(ev) == 1 and ev[0].actor_name == "王小明" and ev[0].after["weight_kg"] == "1.250"


def test_the_order_moved_by_a_scan_shows_the_step_in_its_history_like_any_other(db, st, clock):
    """The scan station moves the order without loading it (the hot path); its status tracker and
    a person's edit check must not be able to tell the difference."""
    from app.models import Order

    oid, _so = purchase_order(db, st, ["YT1234567890124"])
    with db.read() as s:
        before = s.get(Order, oid)
    clock.advance(hours=3)
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT1234567890124", kg("1.0"))
    with db.read() as s:
        after = s.get(Order, oid)
        steps = list(s.scalars(select(ActivityEvent).where(
            ActivityEvent.entity == "order", ActivityEvent.entity_id == oid,
            ActivityEvent.action == "arrive_cn")))
    assert after.status == "in_cn_warehouse" and after.status_changed_at == clock.now()
    assert after.version == before.version + 1                       # a person's open editor is stale now
    assert after.updated_by_id == st.cn.user_id
    assert [(e.before, e.after, e.actor_name, e.role) for e in steps] == [
        ({"status": "seller_shipped"}, {"status": "in_cn_warehouse"}, "王小明", "system")]
    assert after.forecast_deliver_at != before.forecast_deliver_at   # the delay rule ran for the new stage


def test_an_order_another_desktop_moved_after_the_scan_read_it_is_moved_from_where_it_is(db, st):
    """The receiving scan moves the order from what its lookup read, only if the order has not
    moved since; otherwise it reads the order again (locked) and takes the step from there."""
    from app.models import Order
    from app.services import order_lifecycle
    from app.services.delays import ORDER_DELAY_COLUMNS
    from app.services.writes import system_actor_for

    oid, _so = purchase_order(db, st, ["YT1234567890125"])
    with db.read() as s:
        o = s.get(Order, oid)
        stale = {"id": o.id, "code": o.code, "kind": o.kind, "status": "purchased",
                 "care_staff_id": o.care_staff_id, "ordering_staff_id": o.ordering_staff_id,
                 **{c: getattr(o, c) for c in ORDER_DELAY_COLUMNS}}
    robot = system_actor_for(st.cn)
    with db.transaction() as tx:     # read as "purchased"; it is "seller_shipped" by now
        assert order_lifecycle.follow_parcels(tx, robot, oid, ["arrive_cn"], seen=stale) == ["arrive_cn"]
    with db.transaction() as tx:     # read before it arrived; it is in the warehouse already
        assert order_lifecycle.follow_parcels(tx, robot, oid, ["arrive_cn"], seen=stale) == []
    with db.read() as s:
        steps = [(e.before, e.after) for e in s.scalars(select(ActivityEvent).where(
            ActivityEvent.entity == "order", ActivityEvent.entity_id == oid,
            ActivityEvent.action == "arrive_cn"))]
    assert order_status(db, oid) == "in_cn_warehouse"
    assert steps == [({"status": "seller_shipped"}, {"status": "in_cn_warehouse"})]


def test_the_same_code_scanned_twice_in_a_row_counts_once(db, st):
    consignment_order(db, st, ["SF1400000001"])
    first = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000001")
    again = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "sf1400000001")
    assert first.outcome == Outcome.RECEIVED and again.outcome == Outcome.ALREADY
    assert "王小明" in again.detail                                    # who received it, and when
    p = parcel(db, "SF1400000001")
    assert len(_events(db, p.id, "received_cn")) == 1 and p.version == 2


def test_weighing_after_the_scan_records_the_weight_without_a_second_receipt(db, st):
    consignment_order(db, st, ["SF1400000002"])
    parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000002")
    again = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000002",
                               Measurements(Decimal("2.5"), Decimal(40), Decimal(30), Decimal(30)))
    assert again.outcome == Outcome.ALREADY and again.chargeable_kg == Decimal("6.000")
    p = parcel(db, "SF1400000002")
    assert (p.weight_kg, p.chargeable_kg) == (Decimal("2.500"), Decimal("6.000"))
    assert len(_events(db, p.id, "received_cn")) == 1 and len(_events(db, p.id, "measured")) == 1


def test_chargeable_weight_is_the_larger_of_actual_and_volumetric_with_the_configured_divisor(db, st):
    consignment_order(db, st, ["SF1400000003", "SF1400000004"])
    light_big = Measurements(Decimal("1.2"), Decimal(50), Decimal(40), Decimal(30))   # 60000 cm³
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000003", light_big)
    assert r.chargeable_kg == Decimal("10.000") and "10" in r.detail
    admin = __import__("tests.factories", fromlist=["make_user"]).make_user(
        db, __import__("app.permissions", fromlist=["Role"]).Role.ADMIN)
    settings_service.update_settings(db, admin, {"warehouse.volumetric_divisor": "7000"})
    heavy_small = Measurements(Decimal("9.8"), Decimal(50), Decimal(40), Decimal(30))  # 8.571 by volume
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000004", heavy_small)
    assert r.chargeable_kg == Decimal("9.800")


def test_an_unknown_code_becomes_an_ownerless_parcel_once(db, st):
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "ZTO:75300012345678", kg("0.8"))
    assert r.outcome == Outcome.OWNERLESS and r.tone == "unknown" and r.shelf == "OWNERLESS"
    p = parcel(db, "75300012345678")
    assert (p.ownerless, p.status, p.carrier, p.order_id) == (True, "received_cn", "ZTO", None)
    assert parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "75300012345678").outcome == Outcome.ALREADY
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == 1


def test_a_parcel_beyond_what_its_shop_order_expects_is_excess_and_the_buyer_is_asked(db, st):
    oid, _so = purchase_order(db, st, ["YT2000000000001", "YT2000000000002"], expected_parcels=1)
    assert parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT2000000000001").outcome == Outcome.RECEIVED
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT2000000000002")
    assert r.outcome == Outcome.EXCESS and r.tone == "warn"
    assert parcel(db, "YT2000000000002").excess and not parcel(db, "YT2000000000001").excess
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "check_parcel"))
        assert task.role == "ordering" and task.assignee_id == st.ordering.user_id
        assert s.scalar(select(func.count()).select_from(StaffNotification)
                        .where(StaffNotification.user_id == st.ordering.user_id,
                               StaffNotification.title.contains("YT2000000000002"))) == 1


@pytest.mark.parametrize("raw", ["", "hello", "12345", "AB-CD-EF-GH", "YT 12.5"])
def test_an_implausible_code_is_refused_and_nothing_is_written(db, st, raw):
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], raw)
    assert r.outcome == Outcome.REFUSED and r.tone == "error" and r.detail
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == 0


def test_an_alert_note_stops_the_scan_until_acknowledged(db, st):
    oid = consignment_order(db, st, ["SF1400000005"])
    alerts.pin_alert(db, st.care, "receive_cn", "Hàng dễ vỡ — chụp ảnh trước khi nhập", order_id=oid)
    alerts.pin_alert(db, st.care, "pack", "Đóng gỗ", order_id=oid)     # another stage: not now
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000005")
    assert r.outcome == Outcome.ALERT and len(r.alerts) == 1 and "dễ vỡ" in r.detail
    assert parcel(db, "SF1400000005").status == "expected"
    again = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000005")
    assert again.outcome == Outcome.ALERT                               # still stops
    alerts.acknowledge_alerts(db, st.cn, [a.id for a in r.alerts])
    assert parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000005").outcome == Outcome.RECEIVED
    with db.read() as s:                                                 # the author hears it was read
        assert s.scalar(select(StaffNotification.title).where(
            StaffNotification.user_id == st.care.user_id, StaffNotification.entity == "alert"))


def test_an_alert_on_a_tracking_code_nobody_declared_stops_it_too(db, st):
    alerts.pin_alert(db, st.care, "receive_cn", "Khách gọi: mã này của KH000123", tracking_code="yt 9999 0000 1111")
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT999900001111")
    assert r.outcome == Outcome.ALERT
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == 0


def test_wrong_roles_warehouses_and_weights_are_refused(db, st):
    consignment_order(db, st, ["SF1400000006"])
    for actor in (st.care, st.vn, st.store, st.accountant):
        with pytest.raises(PermissionDenied):
            parcels.receive_cn(db, actor, st.wh["CN-GZ"], "SF1400000006")
    with pytest.raises(DomainError):
        parcels.receive_cn(db, st.cn, st.wh["VN-HN"], "SF1400000006")
    with pytest.raises(ValidationFailed):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000006", kg("-1"))
    with pytest.raises(ValidationFailed):
        parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000006",
                           Measurements(None, Decimal(10), None, Decimal(5)))
    assert parcel(db, "SF1400000006").status == "expected"


def test_an_expected_parcel_not_received_in_time_is_flagged_lost_with_a_task_and_found_again(db, st, clock):
    oid, _ = purchase_order(db, st, ["YT3000000000001"])
    consignment_order(db, st, ["SF1400000007"])
    assert parcels.flag_lost_parcels(db) == 0
    clock.advance(days=9)
    assert parcels.flag_lost_parcels(db) == 0
    clock.advance(days=2)                                                # default: 10 days
    assert parcels.flag_lost_parcels(db) == 2
    assert parcels.flag_lost_parcels(db) == 0                            # flagged once
    assert parcel(db, "YT3000000000001").status == "lost"
    with db.read() as s:
        tasks = {t.role: t for t in s.scalars(select(Task).where(Task.kind == "lost_parcel"))}
    assert tasks["ordering"].assignee_id == st.ordering.user_id and tasks["care"].assignee_id == st.care.user_id
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "YT3000000000001")
    assert r.outcome == Outcome.RECEIVED and order_status(db, oid) == "in_cn_warehouse"
    with db.read() as s:
        assert s.get(Task, tasks["ordering"].id).status == "done"


def test_two_desktops_scanning_the_same_codes_at_once_make_exactly_one_receipt_each(db, st):
    """Real parallel connections: two Database objects (two pools), two threads, one barrier."""
    known = [f"YT40000000000{i:02d}" for i in range(12)]
    unknown = [f"JT50000000000{i:02d}" for i in range(12)]
    consignment_order(db, st, known)
    desktops = [dbmod.Database(db.url.render_as_string(hide_password=False), clock=db.clock) for _ in range(2)]
    results: list[list] = [[], []]
    barrier = threading.Barrier(2)
    errors = []

    def work(i):
        try:
            actor = (st.cn, st.cn2)[i]
            barrier.wait()
            for code in [c for pair in zip(known, unknown) for c in pair]:
                results[i].append(parcels.receive_cn(desktops[i], actor, st.wh["CN-GZ"], code).outcome)
        except Exception as exc:   # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for d in desktops:
        d.dispose()
    assert not errors, errors
    for k in range(len(known) + len(unknown)):
        pair = sorted([results[0][k], results[1][k]])
        assert Outcome.ALREADY in pair and pair != [Outcome.ALREADY, Outcome.ALREADY], pair
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Parcel)) == len(known) + len(unknown)
        counts = s.execute(select(ActivityEvent.entity_id, func.count()).where(
            ActivityEvent.entity == "parcel", ActivityEvent.action == "received_cn")
            .group_by(ActivityEvent.entity_id)).all()
    assert len(counts) == len(known) + len(unknown) and all(n == 1 for _pid, n in counts)


def test_a_parcel_of_an_order_still_being_purchased_is_received_and_the_order_waits(db, st):
    from app.services import orders
    from tests.factories import make_customer, make_order

    cid = make_customer(db, st.care)
    oid = make_order(db, st.care, cid, "consignment", codes=["SF1400000008"])
    orders.apply_action(db, st.care, oid, "submit")           # not yet accepted: "new"
    r = parcels.receive_cn(db, st.cn, st.wh["CN-GZ"], "SF1400000008")
    assert r.outcome == Outcome.RECEIVED and order_status(db, oid) == "in_cn_warehouse"
    with db.read() as s:                                       # the customer was not told yet
        assert s.scalar(select(func.count()).select_from(CustomerMessage)
                        .where(CustomerMessage.event == "order_shipped")) == 0
