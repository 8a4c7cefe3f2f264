"""Commissions accrue when an order is completed, on SQLite and PostgreSQL: one row per person and
role at the rates of that moment, one balanced entry (commission_expense / commissions_payable),
never twice, and what net profit subtracts."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import ActivityEvent, CommissionAccrual, JournalEntry, Order
from app.money import VND, Money
from app.permissions import SYSTEM_ACTOR, Role
from app.services import billing, commissions, feedback, ledger, orders
from app.services.settings import update_settings
from tests.factories import make_user
from tests.services.warehouse_helpers import carried_and_billed, consignment_order, make_staff, purchase_order

CODE = "YT8800000000001"


def vnd(n) -> Money:
    return Money.of(str(n), VND)


@pytest.fixture
def st(db):
    staff = make_staff(db)
    update_settings(db, make_user(db, Role.ADMIN), {
        "commission.care_percent": "2.00", "commission.ordering_percent": "3.50",
        "commission.forwarder_cn_vnd_per_kg": "500", "commission.forwarder_vn_vnd_per_kg": "400"})
    return staff


def delivered(db, st, oid, code=CODE, cn_kg="2.500", vn_kg="2.600"):
    """Received in Guangzhou, shipped, received in Hanoi (re-weighed), billed and delivered."""
    carried_and_billed(db, st, oid, code, cn_kg, vn_kg)
    orders.apply_action(db, st.store, oid, "start_delivery")
    orders.apply_action(db, st.store, oid, "deliver")
    return oid


def accruals(db, oid):
    with db.read() as s:
        return [(r.role, r.user_id, r.warehouse_id, r.parcels, r.fee, r.kg, r.rate, r.amount)
                for r in s.scalars(select(CommissionAccrual).where(CommissionAccrual.order_id == oid)
                                   .order_by(CommissionAccrual.id))]


def commission_entries(db, oid):
    with db.read() as s:
        return list(s.scalars(select(JournalEntry).where(JournalEntry.order_id == oid,
                                                         JournalEntry.kind == "commission")))


def test_completing_an_order_books_each_persons_commission_and_one_balanced_entry(db, st, clock):
    oid, _so = purchase_order(db, st, [CODE])
    delivered(db, st, oid)
    assert accruals(db, oid) == [] and commission_entries(db, oid) == []     # nothing before completion
    clock.advance(hours=5)
    orders.apply_action(db, st.care, oid, "confirm_received")

    # service fee 3 % × ¥91 × 3 650 = 9 964.5 → the 10 000 ₫ minimum; 2 % and 3.5 % of it;
    # 2.5 kg × 500 ₫ received in Guangzhou; 2.6 kg (re-weighed) × 400 ₫ in Hanoi
    fee = vnd(10000)
    assert accruals(db, oid) == [
        ("care", st.care.user_id, None, 0, fee, Decimal("0.000"), Decimal("2.00"), vnd(200)),
        ("ordering", st.ordering.user_id, None, 0, fee, Decimal("0.000"), Decimal("3.50"), vnd(350)),
        ("forwarder_cn", st.cn.user_id, st.wh["CN-GZ"], 1, vnd(0), Decimal("2.500"), Decimal("500.00"), vnd(1250)),
        ("forwarder_vn", st.vn.user_id, st.wh["VN-HN"], 1, vnd(0), Decimal("2.600"), Decimal("400.00"), vnd(1040))]
    [entry] = commission_entries(db, oid)
    view = ledger.get_entry(db, st.accountant, entry.id)
    assert sorted((l.account_code, l.amount) for l in view.lines) == [
        ("commission_expense", vnd(2840)), ("commissions_payable", vnd(-2840))]
    with db.read() as s:
        rows = list(s.scalars(select(CommissionAccrual).where(CommissionAccrual.order_id == oid)))
        order = s.get(Order, oid)
        event = s.scalar(select(ActivityEvent).where(ActivityEvent.entity == "order", ActivityEvent.entity_id == oid,
                                                     ActivityEvent.action == "commissions_accrued"))
        assert set(ledger.trial_balance(s).values()) == {0}                 # every currency balances
    assert {r.entry_id for r in rows} == {entry.id}
    assert {r.at for r in rows} == {order.status_changed_at} == {clock.now()}
    assert event.after["total"] == "2840 VND" and event.after["entry"] == entry.id
    assert entry.actor_id == st.care.user_id
    profit = billing.net_profit(db, st.manager, oid)
    assert profit.commissions == vnd(2840)
    assert profit.total == profit.fees + profit.bargaining + profit.fx_margin - profit.freight_cost \
        - profit.unrecovered - profit.compensation - vnd(2840)


def test_the_feedback_window_completing_an_order_accrues_its_commissions(db, st, clock):
    oid, _so = purchase_order(db, st, [CODE])
    delivered(db, st, oid)
    clock.advance(days=15)
    assert feedback.complete_after_feedback_window(db) == 1
    assert [(role, amount) for role, _u, _w, _p, _f, _k, _r, amount in accruals(db, oid)] == [
        ("care", vnd(200)), ("ordering", vnd(350)), ("forwarder_cn", vnd(1250)), ("forwarder_vn", vnd(1040))]
    [entry] = commission_entries(db, oid)
    assert entry.actor_id is None and entry.actor_name == SYSTEM_ACTOR.name
    assert billing.net_profit(db, st.manager, oid).commissions == vnd(2840)


def test_an_order_accrues_once(db, st):
    oid, _so = purchase_order(db, st, [CODE])
    delivered(db, st, oid)
    orders.apply_action(db, st.care, oid, "confirm_received")
    before = accruals(db, oid)
    with db.transaction() as tx:
        assert commissions.accrue_for_completed_order(tx, st.care, tx.get(Order, oid)) == vnd(0)
    assert accruals(db, oid) == before and len(commission_entries(db, oid)) == 1
    assert billing.net_profit(db, st.manager, oid).commissions == vnd(2840)


def test_rates_changed_afterwards_do_not_change_what_was_booked(db, st):
    oid, _so = purchase_order(db, st, [CODE])
    delivered(db, st, oid)
    orders.apply_action(db, st.care, oid, "confirm_received")
    booked, profit = accruals(db, oid), billing.net_profit(db, st.manager, oid)
    update_settings(db, make_user(db, Role.ADMIN), {
        "commission.care_percent": "10.00", "commission.ordering_percent": "0",
        "commission.forwarder_cn_vnd_per_kg": "9000", "commission.forwarder_vn_vnd_per_kg": "1"})
    assert accruals(db, oid) == booked
    assert billing.net_profit(db, st.manager, oid) == profit and profit.commissions == vnd(2840)


def test_a_role_nobody_holds_or_that_earns_nothing_gets_no_row(db, st):
    # a purchase order whose ordering staff was taken off it: care and the forwarders only
    oid, _so = purchase_order(db, st, [CODE])
    delivered(db, st, oid)
    with db.transaction() as tx:
        tx.get(Order, oid).ordering_staff_id = None
    orders.apply_action(db, st.care, oid, "confirm_received")
    assert [role for role, *_rest in accruals(db, oid)] == ["care", "forwarder_cn", "forwarder_vn"]
    assert billing.net_profit(db, st.manager, oid).commissions == vnd(200 + 1250 + 1040)
    # a consignment order has no service fee: its care staff earn nothing on it, the forwarders do
    code = "SF1400000009"
    other = consignment_order(db, st, [code])
    delivered(db, st, other, code, "1.000", "1.000")
    orders.apply_action(db, st.care, other, "confirm_received")
    assert [(role, amount) for role, _u, _w, _p, _f, _k, _r, amount in accruals(db, other)] == [
        ("forwarder_cn", vnd(500)), ("forwarder_vn", vnd(400))]


def test_an_order_that_earns_no_commission_books_no_entry(db, st):
    update_settings(db, make_user(db, Role.ADMIN), {
        "commission.care_percent": "0", "commission.ordering_percent": "0",
        "commission.forwarder_cn_vnd_per_kg": "0", "commission.forwarder_vn_vnd_per_kg": "0"})
    oid, _so = purchase_order(db, st, [CODE])
    delivered(db, st, oid)
    orders.apply_action(db, st.care, oid, "confirm_received")
    assert accruals(db, oid) == [] and commission_entries(db, oid) == []
    assert billing.net_profit(db, st.manager, oid).commissions == vnd(0)
