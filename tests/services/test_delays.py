"""Delays on SQLite and PostgreSQL: usual durations from the company's history, the flags the
timer and every order move keep, the delayed-orders queue and the shipments calendar."""
from datetime import timedelta, timezone

import pytest
from sqlalchemy import select

from app.i18n import render_stored, translate
from app.models import ActivityEvent, CustomerMessage, Order, StaffNotification
from app.permissions import SYSTEM_ACTOR, Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.queries.queues import QUEUES
from app.services import delays, orders
from app.services import settings as settings_service
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import fund

VN = timezone(timedelta(hours=7))


@pytest.fixture
def staff(db):
    return {
        "care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
        "care2": make_user(db, Role.CARE, full_name="Ngô Bảo Châu"),
        "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
        "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
        "admin": make_user(db, Role.ADMIN),
    }


def accepted(db, staff, care="care", kind="purchase"):
    """An order confirmed now (committed: ship in 7 days, deliver in 15)."""
    cid = make_customer(db, staff[care], care=staff[care])
    oid = make_order(db, staff[care], cid, kind)
    if kind == "purchase":
        fund(db, cid)                               # submitting takes the deposit from the wallet
    orders.apply_action(db, staff[care], oid, "submit")
    orders.confirm_order(db, staff["manager"], oid, staff[care].user_id,
                         staff["ordering"].user_id if kind == "purchase" else None)
    return oid


def bought(db, staff, oid):
    orders.apply_action(db, staff["ordering"], oid, "start_purchase")
    with db.transaction() as tx:
        for it in tx.get(Order, oid).items:
            it.quantity_bought = it.quantity
    orders.apply_action(db, staff["ordering"], oid, "mark_purchased")


def _order(db, oid):
    with db.read() as s:
        return s.get(Order, oid)


def _inbox(db, user):
    with db.read() as s:
        return [render_stored(n.title, n.title_key, n.title_params, "vi") for n in s.scalars(
            select(StaffNotification).where(StaffNotification.user_id == user.user_id)
            .order_by(StaffNotification.id))]


def test_usual_durations_are_the_companys_own_medians_once_enough_orders_passed(db, staff, clock):
    settings_service.update_settings(db, staff["admin"], {"delays.min_samples": "3"})
    for hours_buying in (10, 30, 20):
        oid = accepted(db, staff)
        clock.advance(hours=2)
        orders.apply_action(db, staff["ordering"], oid, "start_purchase")
        clock.advance(hours=hours_buying)
        with db.transaction() as tx:
            for it in tx.get(Order, oid).items:
                it.quantity_bought = it.quantity
        orders.apply_action(db, staff["ordering"], oid, "mark_purchased")
    measured = delays.measure_stage_durations(db)
    assert measured[("purchase", "accepted")] == (timedelta(hours=2), 3)
    assert measured[("purchase", "purchasing")] == (timedelta(hours=20), 3)   # median of 10, 30, 20
    with db.read() as s:
        usual = delays.usual_durations(s)
    assert usual.detail("purchase", "purchasing").measured
    assert usual("purchase", "purchasing") == timedelta(hours=20)
    # Not enough history for transit yet: the setting stands in.
    transit = usual.detail("purchase", "in_transit")
    assert not transit.measured and transit.duration == timedelta(hours=96)
    # Consignments wait for the customer's parcels while accepted: their own default.
    assert usual("consignment", "accepted") == timedelta(hours=72)


def test_history_older_than_the_window_is_not_measured(db, staff, clock):
    oid = accepted(db, staff)
    clock.advance(hours=5)
    orders.apply_action(db, staff["ordering"], oid, "start_purchase")
    clock.advance(days=100)
    assert delays.measure_stage_durations(db) == {}


def test_a_passed_shipping_date_flags_the_order_delayed_and_tells_care_and_managers_once(db, staff, clock):
    oid = accepted(db, staff)
    assert _order(db, oid).delay_state == ""
    assert delays.refresh_delay_flags(db) == 0
    clock.advance(days=7, hours=1)                  # nobody touched the order: only time passed
    version = _order(db, oid).version
    assert delays.refresh_delay_flags(db) == 1
    o = _order(db, oid)
    assert (o.delay_state, o.delay_reason) == ("delayed", "ship_date_passed")
    assert o.version == version                     # a person's open edit is not made stale
    code = o.code
    delayed = translate("Order {code} is delayed: {reason}", "vi").format(
        code=code, reason=translate("The committed shipping date has passed", "vi"))
    for who in ("care", "manager"):
        assert _inbox(db, staff[who]).count(delayed) == 1
    assert delays.refresh_delay_flags(db) == 0      # told once
    assert _inbox(db, staff["care"]).count(delayed) == 1
    with db.read() as s:
        flags = [(e.before, e.after["delay"]) for e in s.scalars(select(ActivityEvent).where(
            ActivityEvent.entity_id == oid, ActivityEvent.action == "delay_flag"))]
    assert flags == [({"delay": "on_time"}, "delayed")]


def test_stages_that_cannot_fit_flag_expecting_delay_as_soon_as_the_order_is_accepted(db, staff):
    settings_service.update_settings(db, staff["admin"], {"delays.hours.in_transit": "400"})
    oid = accepted(db, staff)
    o = _order(db, oid)
    assert (o.delay_state, o.delay_reason) == ("expecting", "deliver_forecast_late")
    assert o.forecast_deliver_at > o.committed_deliver_by
    expecting = translate("Order {code} is expecting a delay: {reason}", "vi").format(
        code=o.code, reason=translate("The stages left will not fit before the delivery date", "vi"))
    assert expecting in _inbox(db, staff["care"]) and expecting not in _inbox(db, staff["manager"])


def test_the_order_window_shows_the_delivery_day_the_customer_is_told(db, staff, clock):
    """The header's "Expected delivery" is the shipping e-mails' day: the Schedule tab's forecast
    (here later than promised, the stages left not fitting), not the estimate fixed at acceptance."""
    from app.services.order_view import get_order

    settings_service.update_settings(db, staff["admin"], {"delays.hours.in_transit": "400"})
    oid = accepted(db, staff)
    view = get_order(db, staff["care"], oid)
    schedule = delays.order_schedule(db, staff["care"], oid)
    with db.read() as s:
        told = delays.expected_delivery(s, s.get(Order, oid))
    assert view.expected_deliver_at == told == schedule.forecast_deliver_at
    assert view.expected_deliver_at > view.committed_deliver_by and view.estimated_deliver_at == view.committed_deliver_by
    clock.advance(days=2)                           # nothing moved: the stages left end later
    later = get_order(db, staff["care"], oid).expected_deliver_at
    assert later > told and later == delays.order_schedule(db, staff["care"], oid).forecast_deliver_at


def test_a_later_estimate_flags_the_order_at_once_and_the_customer_is_told(db, staff, clock):
    oid = accepted(db, staff)
    o = _order(db, oid)
    later = o.committed_deliver_by + timedelta(days=3)
    orders.update_estimates(db, staff["care"], oid, o.estimated_ship_at, later, "Shop nghỉ Tết")
    o = _order(db, oid)
    assert (o.delay_state, o.delay_reason) == ("delayed", "deliver_estimate_late")
    with db.read() as s:
        told = s.scalars(select(CustomerMessage).where(CustomerMessage.entity_id == oid,
                                                       CustomerMessage.event == "order_delayed")).all()
    assert len(told) == 1 and "Shop nghỉ Tết" in told[0].body
    orders.update_estimates(db, staff["care"], oid, o.estimated_ship_at, o.committed_deliver_by, "Shop giao sớm")
    assert _order(db, oid).delay_state == ""


def test_moving_on_recomputes_the_flag_and_delivery_clears_it(db, staff, clock):
    oid = accepted(db, staff)
    bought(db, staff, oid)
    clock.advance(days=8)
    delays.refresh_delay_flags(db)
    assert _order(db, oid).delay_reason == "ship_date_passed"
    for action in ("arrive_cn", "depart_cn"):       # it left China: only the delivery date matters now
        orders.apply_action(db, SYSTEM_ACTOR, oid, action)
    assert _order(db, oid).delay_state == ""
    clock.advance(days=8)
    delays.refresh_delay_flags(db)
    assert _order(db, oid).delay_reason == "deliver_date_passed"
    for action in ("arrive_vn", "start_delivery", "deliver"):
        orders.apply_action(db, SYSTEM_ACTOR, oid, action)
    o = _order(db, oid)
    assert (o.delay_state, o.forecast_deliver_at) == ("", None)


def test_the_delayed_orders_queue_lists_delayed_and_expecting_orders_each_care_staff_their_own(db, staff, clock):
    mine = accepted(db, staff, "care")
    theirs = accepted(db, staff, "care2")
    on_time = accepted(db, staff, "care")
    clock.advance(days=1)
    soon = accepted(db, staff, "care")
    for oid in (mine, theirs, on_time, soon):
        bought(db, staff, oid)
    orders.apply_action(db, SYSTEM_ACTOR, on_time, "arrive_cn")
    orders.apply_action(db, SYSTEM_ACTOR, on_time, "depart_cn")
    clock.advance(days=6, hours=12)             # the first three promised to ship by now
    settings_service.update_settings(db, staff["admin"], {"delays.hours.purchased": "200"})
    delays.refresh_delay_flags(db)
    rows = reader.queue_page(db, staff["manager"], "orders.delayed", PageRequest()).rows
    assert [(r.id, r.delay_state) for r in rows] == [(mine, "delayed"), (theirs, "delayed"), (soon, "expecting")]
    queue, ctx = QUEUES["orders.delayed"], reader.context(db, staff["manager"])
    assert [queue.flag(r, ctx) for r in rows] == ["overdue", "overdue", "warning"]
    care_rows = reader.queue_page(db, staff["care"], "orders.delayed", PageRequest()).rows
    assert [r.id for r in care_rows] == [mine, soon]
    only = reader.queue_page(db, staff["manager"], "orders.delayed", PageRequest(filters={"delay_state": "expecting"}))
    assert [r.id for r in only.rows] == [soon]


def test_the_calendar_counts_unshipped_orders_per_local_day_and_lists_a_day_delayed_first(db, staff, clock):
    first = accepted(db, staff)                              # ship by 23/11 + 7 days, 09:00 in Hà Nội
    clock.advance(hours=1)
    second = accepted(db, staff)
    clock.advance(days=1)
    third = accepted(db, staff, kind="consignment")
    o = _order(db, second)
    orders.update_estimates(db, staff["care"], second, o.committed_ship_by + timedelta(hours=2),
                            o.estimated_deliver_at, "Shop giao chậm")
    ship_day = _order(db, first).committed_ship_by.astimezone(VN).date()
    counts = delays.shipment_counts(db, staff["manager"], ship_day - timedelta(days=3),
                                    ship_day + timedelta(days=3), VN)
    assert counts[ship_day] == delays.DayCount(total=2, delayed=1, expecting=0)
    assert counts[ship_day + timedelta(days=1)].total == 1
    day = delays.shipments_on(db, staff["manager"], ship_day, VN)
    assert [r.id for r in day] == [second, first] and day[0].delay_state == "delayed"
    assert [r.id for r in delays.shipments_on(db, staff["manager"], ship_day + timedelta(days=1), VN)] == [third]
    orders.apply_action(db, SYSTEM_ACTOR, third, "arrive_cn")
    orders.apply_action(db, SYSTEM_ACTOR, third, "depart_cn")   # shipped: off the calendar
    assert delays.shipments_on(db, staff["manager"], ship_day + timedelta(days=1), VN) == []


def test_an_orders_schedule_shows_its_stages_left_with_where_each_duration_comes_from(db, staff, clock):
    oid = accepted(db, staff)
    view = delays.order_schedule(db, staff["care"], oid)
    assert [s.status for s in view.stages][:2] == ["accepted", "purchasing"]
    assert view.stages[-1].ends_at == view.forecast_deliver_at
    assert not any(s.measured for s in view.stages)
    table = delays.stage_table(db, staff["manager"])
    assert ("consignment", "accepted", timedelta(hours=72)) in [(u.kind, u.status, u.duration) for u in table]


def test_many_new_delays_for_one_person_in_a_run_come_as_one_summary(db, staff, clock, monkeypatch):
    monkeypatch.setattr(delays, "SUMMARY_AFTER", 2)
    mine = [accepted(db, staff, "care") for _ in range(3)]          # one more than SUMMARY_AFTER
    theirs = accepted(db, staff, "care2")
    clock.advance(days=7, hours=1)                                   # all four promised to ship by now
    seen = {who: len(_inbox(db, staff[who])) for who in staff}
    assert delays.refresh_delay_flags(db) == 4
    summary = translate("Orders newly delayed: {n}", "vi")
    one_by_one = translate("Order {code} is delayed: {reason}", "vi").format(
        code=_order(db, theirs).code, reason=translate("The committed shipping date has passed", "vi"))

    def new(who):
        return _inbox(db, staff[who])[seen[who]:]

    assert new("care") == [summary.format(n=3)]                      # not three notifications
    assert new("care2") == [one_by_one]                              # below the threshold: as before
    assert new("manager") == [summary.format(n=4)]                   # managers hear of every delay
    assert {_order(db, oid).delay_state for oid in mine + [theirs]} == {"delayed"}
    with db.read() as s:
        last = s.scalars(select(StaffNotification).where(
            StaffNotification.user_id == staff["care"].user_id).order_by(StaffNotification.id.desc())).first()
        body = render_stored(last.body, last.body_key, last.body_params, "vi")
    assert body == translate("See the queue “Delayed orders”.", "vi")
    assert delays.refresh_delay_flags(db) == 0 and len(new("manager")) == 1


def test_the_timer_leaves_a_late_orders_creeping_forecast_alone_within_the_tolerance(db, staff, clock):
    oid = accepted(db, staff)
    clock.advance(days=7, hours=1)                   # stuck in "accepted" long past its usual time
    assert delays.refresh_delay_flags(db) == 1
    told = _inbox(db, staff["care"])
    written = _order(db, oid).forecast_deliver_at
    clock.advance(hours=1)                           # the forecast moved an hour with the clock…
    assert delays.order_schedule(db, staff["care"], oid).forecast_deliver_at == written + timedelta(hours=1)
    assert delays.refresh_delay_flags(db) == 0       # …not worth a write
    clock.advance(hours=6)
    assert delays.refresh_delay_flags(db) == 1       # beyond FORECAST_TOLERANCE: rewritten
    assert _order(db, oid).forecast_deliver_at == written + timedelta(hours=7)
    assert _inbox(db, staff["care"]) == told         # the flag did not change: nobody told again


def _generic_plan(db, actor, req: PageRequest) -> str:
    """The plan of the delayed-orders page with its parameters bound, not written in: PostgreSQL
    forced to a generic plan (as for a statement prepared once and reused)."""
    from sqlalchemy.dialects import postgresql

    from app.queries import paging

    queue = QUEUES["orders.delayed"]
    with db.read() as s:
        conn = s.connection()
        sel = paging._filtered(queue, reader.context(db, actor), req, conn.dialect.name)
        key, desc = queue.sort
        sort_expr, id_expr = paging._expr(sel, key), paging._expr(sel, "id")
        sel = sel.order_by(sort_expr.desc() if desc else sort_expr, id_expr.desc() if desc else id_expr).limit(100)
        if conn.dialect.name == "sqlite":
            compiled = sel.compile(dialect=conn.dialect)
            params = tuple(compiled.params[k] for k in compiled.positiontup)
            return "\n".join(r[-1] for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params))
        compiled = sel.compile(dialect=postgresql.dialect(paramstyle="numeric_dollar"))
        args = ", ".join(repr(compiled.params[k]) for k in compiled.positiontup)
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql(f"PREPARE delayed_page AS {compiled}")
        try:
            return "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN EXECUTE delayed_page({args})"))
        finally:
            conn.exec_driver_sql("DEALLOCATE delayed_page")


@pytest.mark.parametrize("who, index", [("manager", "ix_orders_delay_queue"),
                                        ("care", "ix_orders_care_delay_queue")])
def test_the_delayed_orders_queue_pages_along_its_partial_index(db, staff, clock, who, index):
    for _ in range(2):
        accepted(db, staff)
    clock.advance(days=8)
    delays.refresh_delay_flags(db)
    for req in (PageRequest(), PageRequest(filters={"delay_state": "delayed"})):
        plan = _generic_plan(db, staff[who], req)
        assert index in plan, plan
        if db.kind == "sqlite":
            assert "TEMP B-TREE" not in plan, plan         # read in the queue's order, no sort
