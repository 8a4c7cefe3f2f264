"""Each report's figures on small, hand-built histories whose right answers can be read off the
steps taken — on SQLite and PostgreSQL alike."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.i18n import _
from app.models import Order
from app.money import CNY, Money
from app.permissions import Role
from app.reports import Period, reader
from app.reports.base import BadParameter, BadPeriod
from app.services import orders
from tests.factories import item, make_customer, make_order, make_user, make_warehouses
from tests.money_helpers import accounts, set_rates

UTC = timezone.utc
HANOI = 420
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), HANOI)


@pytest.fixture
def staff(db):
    make_warehouses(db)
    return {
        "manager": make_user(db, Role.MANAGER, username="quanly", full_name="Phạm Quốc Hùng"),
        "care": make_user(db, Role.CARE, username="trang", full_name="Lê Thu Trang"),
        "care2": make_user(db, Role.CARE, username="anh", full_name="Nguyễn Ngọc Ánh"),
        "duc": make_user(db, Role.ORDERING, username="duc", full_name="Vũ Minh Đức"),
        "bao": make_user(db, Role.ORDERING, username="bao", full_name="Hoàng Gia Bảo"),
    }


def paying_customer(db, staff) -> int:
    """A customer whose wallet pays deposits on submission (rates set by the staff's manager and
    the money received on 1 November, before any order of these tests)."""
    from app.services import wallets

    at(db, datetime(2026, 11, 1, tzinfo=UTC))
    set_rates(db, manager=staff["manager"])
    cid = make_customer(db, staff["care"])
    wallets.record_payment(db, make_user(db, Role.ACCOUNTANT), "topup", cid, Decimal(10_000_000), "FT0001",
                           date(2026, 11, 1), accounts(db)[0])
    return cid


def at(db, when: datetime) -> None:
    db.clock.set(when)


def step(db, actor, oid, action, when=None, reason=None):
    if when is not None:
        at(db, when)
    if action == "mark_purchased":
        with db.transaction() as tx:
            for it in tx.get(Order, oid).items:
                it.quantity_bought = it.quantity
    return orders.apply_action(db, actor, oid, action, reason)


def rows(db, actor, name, period=NOVEMBER, **params):
    view = reader.open_report(db, actor, name, period, params, limit=500)
    return view.first.rows, {t.key: t.value for t in view.totals}


def test_orders_by_type_and_status_count_placed_orders_by_hanoi_days(db, staff):
    care, manager = staff["care"], staff["manager"]
    cid = make_customer(db, care)
    # 00:30 on 1 November in Hanoi is still 31 October in UTC: it belongs to November.
    at(db, datetime(2026, 10, 31, 17, 30, tzinfo=UTC))
    a = make_order(db, care, cid)
    step(db, care, a, "submit")
    # 23:30 on 31 October in Hanoi: October.
    at(db, datetime(2026, 10, 31, 16, 30, tzinfo=UTC))
    b = make_order(db, care, cid)
    step(db, care, b, "submit")
    at(db, datetime(2026, 11, 30, 16, 59, tzinfo=UTC))            # 23:59 on 30 November
    c = make_order(db, care, cid, "consignment")
    step(db, care, c, "submit")
    at(db, datetime(2026, 11, 12, 3, 0, tzinfo=UTC))
    make_order(db, care, cid)                                       # a cart: not an order yet
    e = make_order(db, care, cid)
    step(db, care, e, "submit")
    step(db, care, e, "cancel", datetime(2026, 11, 13, 3, 0, tzinfo=UTC), reason="Khách đổi ý")
    at(db, datetime(2026, 12, 5, tzinfo=UTC))

    table, totals = rows(db, manager, "orders.by_status")
    goods = Money.of("194.80", CNY)                                  # 2 × 59.90 + 3 × 25
    assert table == [
        (_("Purchase order"), _("Waiting for deposit"), 1, Decimal("33.33"), 5, goods),
        (_("Purchase order"), _("Cancelled"), 1, Decimal("33.33"), 5, goods),
        (_("Consignment order"), _("Waiting for confirmation"), 1, Decimal("33.33"), 0, Money.zero(CNY)),
    ]
    assert totals == {"orders": 3, "purchase": 2, "consignment": 1, "items": 10, "goods_cny": goods + goods}

    purchase_only, purchase_totals = rows(db, manager, "orders.by_status", kind="purchase")
    assert [r[1] for r in purchase_only] == [_("Waiting for deposit"), _("Cancelled")]
    assert purchase_totals["orders"] == 2 and purchase_totals["consignment"] == 0

    register, register_totals = rows(db, manager, "orders.list")
    assert len(register) == register_totals["orders"] == 4           # the cart is in the register
    assert orders.get_order(db, care, b).code not in {r[0] for r in register}
    assert rows(db, manager, "orders.list", status="draft")[1]["orders"] == 1

    daily, daily_totals = rows(db, manager, "orders.over_time", by="day")
    assert len(daily) == 30 and daily[0][0] == date(2026, 11, 1) and daily[-1][0] == date(2026, 11, 30)
    by_day = {r[0]: r[1:] for r in daily}
    assert by_day[date(2026, 11, 1)] == (1, 0, 1, goods, 0, 0)
    assert by_day[date(2026, 11, 12)] == (1, 0, 1, goods, 0, 0)
    assert by_day[date(2026, 11, 13)] == (0, 0, 0, Money.zero(CNY), 0, 1)   # the cancellation
    assert by_day[date(2026, 11, 30)] == (0, 1, 1, Money.zero(CNY), 0, 0)
    assert sum(r[3] for r in daily) == daily_totals["orders"] == totals["orders"]
    assert daily_totals["exits"] == 1

    weekly, _t = rows(db, manager, "orders.over_time", by="week")
    # 1 November 2026 is a Sunday: its week began on Monday 26 October (only the Sunday counts)
    assert [r[0] for r in weekly][:2] == [date(2026, 10, 26), date(2026, 11, 2)]
    assert weekly[0][1:4] == (1, 0, 1)
    monthly, _t = rows(db, manager, "orders.over_time", by="month")
    assert monthly == [(date(2026, 11, 1), 2, 1, 3, goods + goods, 0, 1)]
    october, _t = rows(db, manager, "orders.by_status", Period(date(2026, 10, 1), date(2026, 10, 31), HANOI))
    assert [r[2] for r in october] == [1]


def test_completed_orders_are_those_received_in_the_period_with_days_from_submission(db, staff):
    care, manager = staff["care"], staff["manager"]
    cid = make_customer(db, care)
    t0 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    done = []
    for n, received_after in enumerate((timedelta(days=3), timedelta(days=4, hours=12), timedelta(days=40))):
        at(db, t0 + timedelta(hours=n))
        oid = make_order(db, care, cid, "consignment", codes=[f"YT99887766{n:04d}"])
        step(db, care, oid, "submit")
        orders.confirm_order(db, manager, oid, care.user_id, None)
        for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery", "deliver"):
            from app.permissions import SYSTEM_ACTOR
            step(db, SYSTEM_ACTOR, oid, action)
        step(db, care, oid, "confirm_received", t0 + timedelta(hours=n) + received_after)
        done.append(oid)
    table, totals = rows(db, manager, "orders.received")
    assert [r[0] for r in table] == [orders.get_order(db, care, oid).code for oid in done[:2]]
    assert [r[8] for r in table] == [Decimal("3.0"), Decimal("4.5")]
    assert totals["orders"] == 2 and totals["days"] == Decimal("3.8")    # 7.5 days / 2, half up


def test_funnel_counts_each_order_at_every_step_it_reached_even_after_leaving_the_flow(db, staff):
    from app.permissions import SYSTEM_ACTOR

    care, manager, duc = staff["care"], staff["manager"], staff["duc"]
    cid = paying_customer(db, staff)
    at(db, datetime(2026, 11, 5, 2, 0, tzinfo=UTC))
    full = make_order(db, care, cid)
    step(db, care, full, "submit")                                  # the wallet pays the deposit
    orders.confirm_order(db, manager, full, care.user_id, duc.user_id)
    for action in ("start_purchase", "mark_purchased", "seller_ship"):
        step(db, duc, full, action)
    for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery", "deliver"):
        step(db, SYSTEM_ACTOR, full, action)
    step(db, care, full, "confirm_received")
    gone = make_order(db, care, cid)
    step(db, care, gone, "submit")
    orders.confirm_order(db, manager, gone, care.user_id, duc.user_id)
    step(db, duc, gone, "start_purchase")
    step(db, duc, gone, "out_of_stock", reason="Shop hết hàng")
    make_order(db, care, cid)                                        # a cart only
    consignment = make_order(db, care, cid, "consignment")
    step(db, care, consignment, "submit")
    step(db, SYSTEM_ACTOR, consignment, "arrive_cn")                 # arrived before anyone confirmed

    table, totals = rows(db, manager, "orders.funnel")
    purchase = {r[1]: r[2:] for r in table if r[0] == _("Purchase order")}
    assert purchase[_("Order created")] == (3, Decimal("100.00"), Decimal("100.00"))
    assert purchase[_("Submitted")] == (2, Decimal("66.67"), Decimal("66.67"))
    assert purchase[_("Purchasing")] == (2, Decimal("66.67"), Decimal("100.00"))
    assert purchase[_("Purchased")] == (1, Decimal("33.33"), Decimal("50.00"))
    assert purchase[_("Received")] == (1, Decimal("33.33"), Decimal("100.00"))
    consign = [(r[1], r[2]) for r in table if r[0] == _("Consignment order")]
    # reaching the China warehouse counts as having passed "accepted" on the way
    assert consign[:5] == [(_("Order created"), 1), (_("Submitted"), 1), (_("Accepted"), 1),
                           (_("In China warehouse"), 1), (_("International transit"), 0)]
    assert totals == {"created": 4, "submitted": 3, "received": 1, "completion": Decimal("25.00")}
    only_consignment, t = rows(db, manager, "orders.funnel", kind="consignment")
    assert {r[0] for r in only_consignment} == {_("Consignment order")} and t["created"] == 1


def test_staff_kpis_time_to_confirm_and_to_buy_with_averages_and_medians(db, staff):
    care, manager, duc, bao = staff["care"], staff["manager"], staff["duc"], staff["bao"]
    cid = paying_customer(db, staff)
    t0 = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)
    ids = []
    for _n in range(3):
        at(db, t0 - timedelta(hours=1))
        oid = make_order(db, care, cid)
        step(db, care, oid, "submit", t0)                           # and the deposit, from the wallet
        ids.append(oid)
    o1, o2, o3 = ids
    at(db, t0 + timedelta(hours=2))
    orders.confirm_order(db, manager, o1, care.user_id, duc.user_id)        # confirmed after 2 h
    step(db, duc.as_role(Role.ORDERING), o3, "claim", t0 + timedelta(hours=3))  # 3 h
    at(db, t0 + timedelta(hours=6))
    orders.confirm_order(db, manager, o2, care.user_id, bao.user_id)        # 6 h
    step(db, duc, o3, "start_purchase", t0 + timedelta(hours=3, minutes=30))
    step(db, duc, o3, "mark_purchased", t0 + timedelta(hours=4))            # bought 1 h after acceptance
    step(db, duc, o1, "start_purchase", t0 + timedelta(hours=5))
    step(db, duc, o1, "mark_purchased", t0 + timedelta(hours=7))            # 5 h
    step(db, bao, o2, "start_purchase", t0 + timedelta(hours=8))
    step(db, bao, o2, "mark_purchased", t0 + timedelta(hours=15))           # 9 h
    at(db, datetime(2026, 12, 1, tzinfo=UTC))

    table, totals = rows(db, manager, "staff.kpi")
    by_name = {r[0]: r[1:] for r in table}
    h = Decimal
    #                            handled steps confirmed avg     median   bought avg     median
    assert by_name["Phạm Quốc Hùng"] == (2, 2, 2, h("4.00"), h("4.00"), 0, None, None)
    assert by_name["Vũ Minh Đức"] == (2, 5, 1, h("3.00"), h("3.00"), 2, h("3.00"), h("3.00"))
    assert by_name["Hoàng Gia Bảo"] == (1, 2, 0, None, None, 1, h("9.00"), h("9.00"))
    assert by_name["Lê Thu Trang"] == (3, 6, 0, None, None, 0, None, None)
    assert by_name["Nguyễn Ngọc Ánh"] == (0, 0, 0, None, None, 0, None, None)   # listed, idle
    assert totals == {"handled": 3, "steps": 15, "confirmed": 3, "confirm_avg": h("3.67"),
                      "confirm_median": h("3.00"), "bought": 3, "buy_avg": h("5.00"), "buy_median": h("5.00")}
    ordering_only, t = rows(db, manager, "staff.kpi", role="ordering")
    assert [r[0] for r in ordering_only] == ["Hoàng Gia Bảo", "Vũ Minh Đức"]
    assert t["confirmed"] == 1 and t["bought"] == 3
    october, t = rows(db, manager, "staff.kpi", Period(date(2026, 10, 1), date(2026, 10, 31), HANOI))
    assert t["steps"] == 0 and all(r[1] == 0 for r in october)


def test_top_customers_and_shops_rank_by_goods_or_count_and_shops_add_up_to_the_orders(db, staff):
    care, manager = staff["care"], staff["manager"]
    big = make_customer(db, care, name="Nguyễn Thị Hằng", phone="0912 000 001")
    often = make_customer(db, care, name="Trần Văn Đức", phone="0912 000 002")
    carts = make_customer(db, care, name="Lê Thị Lan", phone="0912 000 003")
    at(db, datetime(2026, 11, 3, 2, 0, tzinfo=UTC))
    o = make_order(db, care, big, items=[item("真皮女包", 5, "168.00", shop="广州白云皮具厂", platform="1688")])
    step(db, care, o, "submit")
    for n in range(3):
        o = make_order(db, care, often, items=[item("发夹", 3, "0.035", shop="义乌小商品批发"),
                                              item("保温杯", 1, "19.90", shop="")])
        step(db, care, o, "submit")
    make_order(db, care, carts, items=[item("运动鞋", 50, "139.00", shop="泉州运动鞋专卖")])   # cart only

    by_goods, totals = rows(db, manager, "customers.top")
    assert [(r[0], r[2], r[5], r[9]) for r in by_goods] == [
        (1, "Nguyễn Thị Hằng", 1, Money.of("840.00", CNY)),
        (2, "Trần Văn Đức", 3, Money.of("60.03", CNY))]             # 3 × (0.105 → 0.11 + 19.90)
    assert totals == {"customers": 2, "orders": 4, "goods_cny": Money.of("900.03", CNY)}
    by_count, _t = rows(db, manager, "customers.top", rank_by="count")
    assert [r[2] for r in by_count] == ["Trần Văn Đức", "Nguyễn Thị Hằng"]
    assert len(rows(db, manager, "customers.top", top="10", kind="consignment")[0]) == 0

    shops, shop_totals = rows(db, manager, "shops.top")
    assert [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in shops] == [
        (1, "1688", "广州白云皮具厂", 1, 5, Money.of("840.00", CNY)),
        (2, None, _("(no shop recorded)"), 3, 3, Money.of("59.70", CNY)),
        (3, "Taobao", "义乌小商品批发", 3, 9, Money.of("0.33", CNY))]  # each line 0.105 → 0.11
    by_status_totals = rows(db, manager, "orders.by_status")[1]
    assert shop_totals["goods_cny"] == by_status_totals["goods_cny"] == totals["goods_cny"]
    by_items, _t = rows(db, manager, "shops.top", rank_by="count", top="10")
    assert [r[2] for r in by_items][0] == "义乌小商品批发"


def test_delayed_deliveries_late_overdue_and_expected_late(db, staff):
    from app.permissions import SYSTEM_ACTOR
    from app.services import settings as settings_service

    care, manager = staff["care"], staff["manager"]
    cid = make_customer(db, care)
    days = settings_service.read_all(db)["orders.delivery_days"]
    t0 = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)

    def accepted(n: int, when: datetime) -> int:
        at(db, when - timedelta(hours=1))
        oid = make_order(db, care, cid, "consignment", codes=[f"ZT55443322{n:04d}"])
        step(db, care, oid, "submit")
        at(db, when)
        orders.confirm_order(db, manager, oid, care.user_id, None)
        return oid

    def deliver(oid: int, when: datetime) -> None:
        for action in ("arrive_cn", "depart_cn", "arrive_vn", "start_delivery"):
            step(db, SYSTEM_ACTOR, oid, action, when - timedelta(hours=1))
        step(db, SYSTEM_ACTOR, oid, "deliver", when)

    late, on_time, overdue = accepted(1, t0), accepted(2, t0), accepted(3, t0)
    expected = accepted(4, t0 + timedelta(days=10))
    cancelled = accepted(5, t0)
    promised = t0 + timedelta(days=days)
    deliver(late, promised + timedelta(days=1))
    deliver(on_time, promised - timedelta(days=1))
    now = promised + timedelta(days=5)
    at(db, now)
    orders.apply_action(db, care, cancelled, "cancel", "Khách huỷ")
    orders.update_estimates(db, care, expected, None, t0 + timedelta(days=10 + days + 3), "Tắc biên")

    period = Period(promised.date() - timedelta(days=1), (t0 + timedelta(days=10 + days)).date() + timedelta(days=1), HANOI)
    table, totals = rows(db, manager, "orders.delayed", period)
    code = {oid: orders.get_order(db, care, oid).code for oid in (late, overdue, expected)}
    assert [(r[0], r[9], r[10]) for r in table] == [
        (code[late], Decimal("1.0"), _("Delivered late")),
        (code[overdue], Decimal("5.0"), _("Promised date passed, not delivered")),
        (code[expected], Decimal("3.0"), _("Estimate later than promised"))]
    assert totals == {"due": 4, "delayed": 3, "delayed_share": Decimal("75.00"), "late": 1, "overdue": 1,
                      "expected": 1, "days_late": Decimal("3.0")}


def test_a_period_must_not_end_before_it_starts_and_choices_are_checked(db, staff):
    with pytest.raises(BadPeriod):
        Period(date(2026, 11, 30), date(2026, 11, 1))
    with pytest.raises(BadParameter) as err:
        reader.report_page(db, staff["manager"], "orders.by_status", NOVEMBER, {"kind": "airmail"})
    assert "airmail" in str(err.value)
    this, last = Period.this_month(datetime(2026, 12, 31, 18, 0, tzinfo=UTC), HANOI), \
        Period.last_month(datetime(2026, 12, 31, 18, 0, tzinfo=UTC), HANOI)
    # 18:00 UTC on 31 December is already 1 January in Hanoi
    assert (this.start, this.end) == (date(2027, 1, 1), date(2027, 1, 31))
    assert (last.start, last.end) == (date(2026, 12, 1), date(2026, 12, 31))
