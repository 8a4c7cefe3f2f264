"""Deposits and purchasing on SQLite and PostgreSQL: the deposit on submit (or the wait for it),
shop orders grouped by shop and paid in CNY, shortages refunded, purchased when every item is
bought or short, the purchase deadline, bargaining alerts, chasing shops — and who may do it."""
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import DomainError, PermissionDenied, ValidationFailed
from app.models import CustomerMessage, JournalLine, Order, OrderMoney, StaffNotification, Task, VipLevel
from app.money import CNY, VND, Money
from app.permissions import Role
from app.queries import reader
from app.queries.paging import PageRequest
from app.services import billing, ledger, orders, purchasing, wallets
from app.services.ledger import InsufficientFunds
from tests.factories import item, make_customer, make_order, make_user
from tests.money_helpers import accounts, fund, set_rates


def vnd(n) -> Money:
    return Money.of(str(n), VND)


def cny(x) -> Money:
    return Money.of(str(x), CNY)


@pytest.fixture
def staff(db):
    return {
        "care": make_user(db, Role.CARE, full_name="Lê Thu Trang"),
        "manager": make_user(db, Role.MANAGER, full_name="Phạm Quốc Hùng"),
        "ordering": make_user(db, Role.ORDERING, full_name="Vũ Minh Đức"),
        "accountant": make_user(db, Role.ACCOUNTANT, full_name="Ngô Thị Phương"),
        "forwarder": make_user(db, Role.FORWARDER_CN, full_name="Lý Văn Quang"),
    }


def _status(db, oid):
    with db.read() as s:
        return s.get(Order, oid).status


def _accepted(db, staff, items=None, amount="10000000"):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid, items=items)
    fund(db, cid, amount)
    orders.apply_action(db, care, oid, "submit")
    orders.confirm_order(db, manager, oid, care.user_id, ordering.user_id)
    return cid, oid


def _record(db, actor, so, goods, shipping="0", discount="0", bought=None, no="TB-2611001", codes=()):
    cny_account = accounts(db)[1]
    quantities = {i.id: i.quantity for i in so.items}
    quantities.update(bought or {})
    return purchasing.record_shop_order(db, actor, so.id, purchasing.ShopOrderInput(
        no, Decimal(goods), Decimal(shipping), Decimal(discount), cny_account, quantities, tracking_codes=list(codes)))


def _notes(db, user_id, oid):
    from sqlalchemy import func

    with db.read() as s:
        return s.scalar(select(func.count()).select_from(StaffNotification).where(
            StaffNotification.user_id == user_id, StaffNotification.entity == "order", StaffNotification.entity_id == oid))


def _shop_orders(db, actor, oid):
    purchasing.prepare_shop_orders(db, actor, oid)
    return purchasing.purchasing_view(db, actor, oid).shop_orders


# -- the deposit ----------------------------------------------------------------------------------------

def test_submitting_takes_the_deposit_from_the_wallet_at_the_orders_rate(db, staff):
    care = staff["care"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)                      # goods ¥194.80
    fund(db, cid, "1000000")                             # rates 3,650 / 3,600
    assert orders.apply_action(db, care, oid, "submit") == "deposited"
    view = billing.order_money_view(db, care, oid)
    assert view.rate == Decimal("3650") and view.deposit_percent == Decimal(70)
    assert view.deposit_held == vnd(497714)              # 194.80 × 3,650 = 711,020 × 70 % = 497,714
    assert wallets.wallet_view(db, care, cid).balance == vnd(1000000 - 497714)
    assert view.balance_due == vnd(-497714)              # paid in advance
    with db.read() as s:
        assert set(s.scalars(select(Task.kind).where(Task.entity_id == oid, Task.status == "open"))) == {"handle_order"}


def test_without_enough_money_the_order_waits_and_care_and_customer_are_told(db, staff):
    care, accountant = staff["care"], staff["accountant"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid, "100000")
    assert orders.apply_action(db, care, oid, "submit") == "new"
    with db.read() as s:
        task = s.scalar(select(Task).where(Task.kind == "take_deposit", Task.entity_id == oid))
        assert task.status == "open" and task.assignee_id == care.user_id and "497" in task.note
        msg = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "deposit_needed"))
        assert "497.714" in msg.body and "100.000" in msg.body
    with pytest.raises(InsufficientFunds):
        orders.apply_action(db, care, oid, "deposit")    # the step itself needs the money
    assert _status(db, oid) == "new"
    assert wallets.wallet_view(db, care, cid).balance == vnd(100000)
    fund(db, cid, "500000", accountant)                  # the money arrives: the deposit is taken
    assert _status(db, oid) == "deposited"
    with db.read() as s:
        assert s.scalar(select(Task.status).where(Task.kind == "take_deposit", Task.entity_id == oid)) == "done"
    assert wallets.wallet_view(db, care, cid).balance == vnd(600000 - 497714)


def test_no_selling_rate_yet_leaves_the_order_waiting_in_cny(db, staff):
    care = staff["care"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    assert orders.apply_action(db, care, oid, "submit") == "new"
    with db.read() as s:
        tid = s.scalar(select(Task.id).where(Task.kind == "take_deposit"))
    from app.i18n import Lazy
    from app.services import rates, tasks

    note = tasks.get_task(db, care, tid).note                  # as the care staff reads it

    assert note == str(rates.NoRate(kind=Lazy(rates.RATE_KINDS[rates.SELLING])))   # says which rate is missing
    view = billing.order_money_view(db, care, oid)
    assert view.rate is None and view.quote.goods_vnd is None and view.quote.goods_cny == cny("194.80")


def test_the_vip_levels_deposit_percent_and_rate_band_apply(db, staff):
    from app.services import fee_policies, rates

    care, manager = staff["care"], staff["manager"]
    with db.transaction() as tx:
        level = VipLevel(code="VIP2", name="VIP 2", rank=2, min_spend=Money.zero(VND), deposit_percent=Decimal(50),
                         service_fee_discount_percent=Decimal(10))
        tx.add(level)
        tx.flush()
        level_id = level.id
    rates.set_rate(db, manager, "buying", Decimal("3580"))
    rates.set_rate(db, manager, "selling", Decimal("3650"), adjustments=[
        rates.AdjustmentInput(level_id, Decimal("100"), Decimal("-20")), rates.AdjustmentInput(None, Decimal("0"), Decimal("5"))])
    from app.services.customers import CustomerInput, create_customer

    cid = create_customer(db, care, CustomerInput("Khách VIP", "0912 000 111", vip_level_id=level_id))
    oid = make_order(db, care, cid)
    fund(db, cid, "1000000")
    orders.apply_action(db, care, oid, "submit")
    view = billing.order_money_view(db, care, oid)
    assert view.rate == Decimal("3630") and view.deposit_percent == Decimal(50)
    assert view.deposit_held == vnd(353562)               # 194.80 × 3,630 = 707,124 × 50 %
    with db.read() as s:                                  # the order keeps the policy it was priced by
        assert s.get(OrderMoney, oid).fee_policy_id == fee_policies.policy_for(s, level_id).id


def test_a_credit_limit_lets_the_deposit_through_but_never_further(db, staff):
    care, manager = staff["care"], staff["manager"]
    cid = make_customer(db, care)
    set_rates(db)
    wallets.grant_credit(db, manager, cid, Decimal(500000), "Khách quen")
    first = make_order(db, care, cid)
    assert orders.apply_action(db, care, first, "submit") == "deposited"
    assert wallets.wallet_view(db, care, cid).balance == vnd(-497714)
    second = make_order(db, care, cid)
    assert orders.apply_action(db, care, second, "submit") == "new"
    assert wallets.wallet_view(db, care, cid).balance == vnd(-497714)


def test_cancelling_gives_the_deposit_back(db, staff):
    care = staff["care"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid, "1000000")
    orders.apply_action(db, care, oid, "submit")
    orders.apply_action(db, care, oid, "cancel", "Khách đổi ý")
    assert wallets.wallet_view(db, care, cid).balance == vnd(1000000)
    view = billing.order_money_view(db, care, oid)
    assert view.deposit_held == vnd(0) and view.balance_due == vnd(0)
    assert [e.kind for e in view.entries] == ["deposit", "deposit_refund"]
    with db.read() as s:
        assert s.scalar(select(CustomerMessage.body).where(CustomerMessage.event == "refund")).count("497.714")


# -- shop orders ----------------------------------------------------------------------------------------

def test_items_are_grouped_into_one_shop_order_per_shop(db, staff):
    items = [item("女士连衣裙", 2, "59.90", shop="杭州女装旗舰店"), item("发夹", 10, "0.35", shop="义乌小商品", platform="1688"),
             item("男士T恤", 3, "25", shop="杭州女装旗舰店")]
    _cid, oid = _accepted(db, staff, items)
    sos = _shop_orders(db, staff["ordering"], oid)
    assert sorted((s.shop_name, len(s.items)) for s in sos) == [("义乌小商品", 1), ("杭州女装旗舰店", 2)]
    assert purchasing.prepare_shop_orders(db, staff["ordering"], oid) == []      # done once


def test_a_shortage_refunds_the_deposit_for_the_missing_items_and_tells_the_customer(db, staff):
    buyer, care = staff["ordering"], staff["care"]
    cid, oid = _accepted(db, staff, amount="1000000")
    so = _shop_orders(db, buyer, oid)[0]
    dress = next(i for i in so.items if i.quantity == 2)          # 2 × ¥59.90 ordered, 1 to be had
    before = wallets.wallet_view(db, care, cid).balance
    told = _notes(db, care.user_id, oid)
    result = _record(db, buyer, so, "130", shipping="8", bought={dress.id: 1}, codes=[])
    assert result.short_items == 1
    assert result.refund == vnd(153045)                           # 59.90 × 3,650 × 70 % = 153,044.5 → 153,045
    assert wallets.wallet_view(db, care, cid).balance == before + vnd(153045)
    assert result.order_status == "purchased"                     # every item bought or short
    with db.read() as s:
        msg = s.scalar(select(CustomerMessage).where(CustomerMessage.event == "shortage_refund"))
        assert "153.045" in msg.body and "杭州女装旗舰店" in msg.body
    assert _notes(db, care.user_id, oid) == told + 1              # the order's care staff hear of it
    view = orders.get_order(db, care, oid)
    assert [(i.quantity, i.quantity_bought) for i in view.items] == [(2, 1), (3, 3)]


def test_the_order_is_purchased_only_when_every_shop_order_is_recorded(db, staff):
    buyer = staff["ordering"]
    items = [item("A", 1, "100", shop="Shop A"), item("B", 1, "50", shop="Shop B")]
    _cid, oid = _accepted(db, staff, items)
    a, b = sorted(_shop_orders(db, buyer, oid), key=lambda s: s.shop_name)
    assert _record(db, buyer, a, "95", no="A-1").order_status == "purchasing"
    assert _status(db, oid) == "purchasing"
    assert _record(db, buyer, b, "50", no="B-1").order_status == "purchased"
    money = billing.order_money_view(db, staff["manager"], oid)
    fee = money.quote.line("purchasing_fee")
    assert [e.kind for e in money.entries].count("service_fee") == 1
    assert money.charged == vnd(150 * 3650 + fee.amount.amount)


def test_nothing_to_be_had_is_out_of_stock_with_the_whole_deposit_back(db, staff):
    buyer, care = staff["ordering"], staff["care"]
    cid, oid = _accepted(db, staff, amount="1000000")
    so = _shop_orders(db, buyer, oid)[0]
    result = _record(db, buyer, so, "0", bought={i.id: 0 for i in so.items}, no="")
    assert result.order_status == "out_of_stock"
    assert wallets.wallet_view(db, care, cid).balance == vnd(1000000)
    assert billing.order_money_view(db, care, oid).balance_due == vnd(0)


def test_purchase_entry_balances_per_currency_and_books_fx_margin_and_bargaining(db, staff):
    buyer, manager = staff["ordering"], staff["manager"]
    _cid, oid = _accepted(db, staff)
    so = _shop_orders(db, buyer, oid)[0]                          # customer prices: ¥194.80
    _record(db, buyer, so, "180", shipping="10", discount="5")   # paid ¥185; charged ¥204.80
    with db.read() as s:
        for entry_id, in s.execute(select(JournalLine.entry_id).distinct()):
            sums = {}
            for l in s.scalars(select(JournalLine).where(JournalLine.entry_id == entry_id)):
                sums[l.currency] = sums.get(l.currency, 0) + l.amount
            assert all(v == 0 for v in sums.values()), (entry_id, sums)
    profit = billing.net_profit(db, manager, oid)
    assert profit.bargaining == vnd(72270)                # (204.80 − 185) × 3,650
    assert profit.fx_margin == vnd(9250)                  # 185 × (3,650 − 3,600)
    cn = ledger.book_summary(db, staff["accountant"], "cn")
    assert cn.money_out == cny("185.00") and cn.closing == cny("-185.00")


def test_recording_a_shop_order_is_checked_field_by_field_and_nothing_is_saved(db, staff):
    buyer = staff["ordering"]
    _cid, oid = _accepted(db, staff)
    so = _shop_orders(db, buyer, oid)[0]
    vnd_account, cny_account = accounts(db)
    bad = purchasing.ShopOrderInput("", Decimal("-1"), Decimal("1.234"), Decimal("0"), vnd_account,
                                    {so.items[0].id: 3, so.items[1].id: 9})
    with pytest.raises(ValidationFailed) as err:
        purchasing.record_shop_order(db, buyer, so.id, bad)
    assert {"platform_order_no", "goods_cny", "domestic_shipping_cny", "paying_account_id",
            f"quantity.{so.items[0].id}", f"quantity.{so.items[1].id}"} <= set(err.value.field_errors)
    assert _status(db, oid) == "accepted"
    with db.read() as s:
        assert s.scalar(select(JournalLine.id).where(JournalLine.order_id == oid,
                                                     JournalLine.currency == CNY)) is None


def test_only_the_orders_ordering_staff_place_shop_orders(db, staff):
    _cid, oid = _accepted(db, staff)
    for who in ("care", "manager", "accountant", "forwarder"):
        with pytest.raises(PermissionDenied):
            purchasing.prepare_shop_orders(db, staff[who], oid)
    other = make_user(db, Role.ORDERING, full_name="Hoàng Gia Bảo")
    with pytest.raises(DomainError) as err:
        purchasing.prepare_shop_orders(db, other, oid)
    assert "another ordering staff" in err.value.msgid


def test_a_paid_shop_order_is_not_recorded_twice(db, staff):
    buyer = staff["ordering"]
    _cid, oid = _accepted(db, staff)
    so = _shop_orders(db, buyer, oid)[0]
    _record(db, buyer, so, "190")
    with pytest.raises(DomainError):
        _record(db, buyer, so, "190")


# -- bargaining profit ---------------------------------------------------------------------------------------

def test_paying_more_than_the_customer_is_charged_alerts_the_managers(db, staff):
    buyer, manager = staff["ordering"], staff["manager"]
    _cid, oid = _accepted(db, staff)
    so = _shop_orders(db, buyer, oid)[0]
    result = _record(db, buyer, so, "210")                        # customer prices total ¥194.80
    assert result.bargain_alert
    rows = reader.queue_page(db, manager, "money.bargain_alerts", PageRequest()).rows
    assert [(r.profit_cny, r.platform_order_no) for r in rows] == [(cny("-15.20"), "TB-2611001")]
    with db.read() as s:
        assert s.scalar(select(StaffNotification.user_id).where(StaffNotification.entity == "shop_order")) == manager.user_id
    assert purchasing.purchasing_view(db, buyer, oid).shop_orders[0].bargain_profit_cny is None   # not for them
    assert purchasing.purchasing_view(db, manager, oid).shop_orders[0].bargain_profit_cny == cny("-15.20")
    with pytest.raises(PermissionDenied):
        reader.queue_page(db, buyer, "money.bargain_alerts", PageRequest())


@pytest.mark.parametrize("paid, alert", [("194.80", False), ("170", False), ("165", True)])
def test_a_bargaining_profit_above_the_configured_percent_is_flagged(db, staff, paid, alert):
    buyer = staff["ordering"]
    _cid, oid = _accepted(db, staff)
    so = _shop_orders(db, buyer, oid)[0]
    # 15 % of ¥194.80 = ¥29.22: ¥24.80 profit is fine, ¥29.80 is flagged
    assert _record(db, buyer, so, paid).bargain_alert is alert


# -- deadlines and chasing ---------------------------------------------------------------------------------

def test_a_purchase_not_placed_within_the_deadline_is_red_in_the_ordering_queue(db, staff, clock):
    buyer = staff["ordering"]
    _cid, oid = _accepted(db, staff)
    page = reader.queue_page(db, buyer, "purchasing.to_buy", PageRequest())
    queue = reader.QUEUES["purchasing.to_buy"]
    row = next(r for r in page.rows if r.id == oid)
    assert row.purchase_due_at == clock.now() + timedelta(hours=24)
    assert queue.flag(row, reader.context(db, buyer)) is None
    clock.advance(hours=25)
    assert queue.flag(row, reader.context(db, buyer)) == "overdue"


def test_a_shop_order_without_a_tracking_code_is_chased_after_the_configured_days(db, staff, clock):
    buyer = staff["ordering"]
    _cid, oid = _accepted(db, staff)
    so = _shop_orders(db, buyer, oid)[0]
    _record(db, buyer, so, "190")
    assert purchasing.chase_missing_tracking_codes(db) == 0
    clock.advance(days=3, hours=1)                              # orders.tracking_code_days = 3
    assert purchasing.chase_missing_tracking_codes(db) == 1
    assert purchasing.chase_missing_tracking_codes(db) == 0     # one task, however often the timer runs
    rows = reader.queue_page(db, buyer, "tasks.mine", PageRequest()).rows
    assert [r.kind for r in rows] == ["chase_shop"]
    assert purchasing.add_tracking_codes(db, buyer, so.id, ["YT 8800 1234 5678"]) == 1
    with db.read() as s:
        assert s.scalar(select(Task.status).where(Task.kind == "chase_shop")) == "done"
    assert _status(db, oid) == "seller_shipped"
    assert purchasing.purchasing_view(db, buyer, oid).shop_orders[0].tracking_codes == ("YT880012345678",)


# -- net profit -------------------------------------------------------------------------------------------------

def test_net_profit_is_for_managers_only(db, staff):
    _cid, oid = _accepted(db, staff)
    for who in ("care", "ordering", "forwarder"):
        with pytest.raises(PermissionDenied):
            billing.net_profit(db, staff[who], oid)
        if who != "forwarder":
            assert billing.order_money_view(db, staff[who], oid).net_profit is None
    assert billing.net_profit(db, staff["manager"], oid).total == vnd(0)
    with pytest.raises(PermissionDenied):
        billing.order_money_view(db, staff["forwarder"], oid)
