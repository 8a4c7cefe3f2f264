"""CNY lots on SQLite and PostgreSQL: yuan leave each CNY account first in, first out at the rate
they were bought at; a seller's refund goes back where it came from; an empty account is refused
(or borrows at the buying rate, settled by the next lot); each order shows what its yuan really
cost; two desktops paying at once never take the same yuan twice."""
import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import ValidationFailed
from app.models import CnyLot, CnyLotUse, LedgerAccount
from app.money import CNY, VND, Money
from app.permissions import Role
from app.services import cny_lots, ledger, orders, purchasing, seller_complaints
from app.services import settings as settings_service
from tests.factories import make_customer, make_order, make_user
from tests.money_helpers import accounts, fund, set_rates


@pytest.fixture
def staff(db):
    set_rates(db, selling="3650", buying="3600")
    return {
        "care": make_user(db, Role.CARE),
        "manager": make_user(db, Role.MANAGER),
        "ordering": make_user(db, Role.ORDERING),
        "accountant": make_user(db, Role.ACCOUNTANT),
    }


def vnd(n) -> Money:
    return Money.of(str(n), VND)


def cny(x) -> Money:
    return Money.of(str(x), CNY)


def buy_yuan(db, staff, amount: str, rate: str, account: int | None = None) -> int:
    bank, alipay = accounts(db, borrow=False)
    return ledger.record_cny_purchase(db, staff["accountant"], account or alipay, Decimal(amount), bank,
                                      (Decimal(amount) * Decimal(rate)).to_integral_value(), f"FX-{amount}-{rate}",
                                      date(2026, 12, 1))


def order_with_shop_order(db, staff):
    care, manager, ordering = staff["care"], staff["manager"], staff["ordering"]
    cid = make_customer(db, care)
    oid = make_order(db, care, cid)
    fund(db, cid, "10000000")
    orders.apply_action(db, care, oid, "submit")
    orders.confirm_order(db, manager, oid, care.user_id, ordering.user_id)
    purchasing.prepare_shop_orders(db, ordering, oid)
    so = purchasing.purchasing_view(db, ordering, oid).shop_orders[0]
    return oid, so


def pay(db, staff, so, goods: str, account: int | None = None):
    alipay = account or accounts(db, borrow=_borrowing(db))[1]
    quantities = {i.id: i.quantity for i in so.items}
    return purchasing.record_shop_order(db, staff["ordering"], so.id, purchasing.ShopOrderInput(
        f"TB-{so.id}", Decimal(goods), Decimal(0), Decimal(0), alipay, quantities))


def _borrowing(db) -> bool:
    return settings_service.read_all(db)["money.cny_borrow"]


def lots(db, account=None):
    with db.read() as s:
        q = select(CnyLot).order_by(CnyLot.id)
        if account:
            q = q.where(CnyLot.account_id == account)
        return [(l.cny_left, l.vnd_left) for l in s.scalars(q)]


def assert_whole(db):
    with db.read() as s:
        for acc in s.scalars(select(LedgerAccount.id).where(LedgerAccount.book == "cn")):
            balance, held = cny_lots.account_check(s, acc)
            assert balance == held


# -- first in, first out ----------------------------------------------------------------------------

def test_a_payment_spanning_three_lots_costs_each_lots_rate(db, staff):
    buy_yuan(db, staff, "100.00", "3500")
    buy_yuan(db, staff, "100.00", "3550")
    buy_yuan(db, staff, "100.00", "3600")
    oid, so = order_with_shop_order(db, staff)
    pay(db, staff, so, "250.00")
    assert lots(db) == [(0, 0), (0, 0), (5000, 180000)]
    result = cny_lots.order_currency_result(db, staff["accountant"], oid)
    assert result.paid_cny == cny("250.00")
    assert result.at_lots == vnd(350000 + 355000 + 180000)
    assert result.at_buying == vnd(900000)          # 250 × the buying rate 3,600 in force
    assert result.currency_result == vnd(15000)     # the yuan cost 15,000 ₫ less than predicted
    assert result.at_selling == vnd(250 * 3650)
    assert result.margin == vnd(250 * 3650 - 885000)
    assert_whole(db)


def test_the_last_yuan_of_a_lot_takes_its_last_dong(db, staff):
    """Rounding never leaves a lot with đồng and no yuan (or the reverse)."""
    buy_yuan(db, staff, "3.00", "3333.33")          # 9,999.99 → 10,000 ₫ for ¥3
    first_oid, first = order_with_shop_order(db, staff)
    pay(db, staff, first, "1.00")
    second_oid, second = order_with_shop_order(db, staff)
    pay(db, staff, second, "2.00")
    assert lots(db) == [(0, 0)]
    a = cny_lots.order_currency_result(db, staff["accountant"], first_oid).at_lots
    b = cny_lots.order_currency_result(db, staff["accountant"], second_oid).at_lots
    assert a + b == vnd(10000)


def test_an_account_without_enough_yuan_is_refused_and_nothing_moves(db, staff):
    buy_yuan(db, staff, "50.00", "3500")
    oid, so = order_with_shop_order(db, staff)
    with pytest.raises(cny_lots.CnyShort) as refused:
        pay(db, staff, so, "80.00")
    assert "50,00" in str(refused.value) and "80,00" in str(refused.value)
    assert lots(db) == [(5000, 175000)]
    with db.read() as s:
        assert s.scalar(select(CnyLotUse.id).limit(1)) is None
        assert s.get(LedgerAccount, accounts(db, borrow=False)[1]).balance == 5000
    assert orders.get_order(db, staff["care"], oid).status != "purchased"


# -- refunds -----------------------------------------------------------------------------------------

def test_a_sellers_refund_after_the_lot_was_used_up_returns_at_the_rate_it_left(db, staff):
    buy_yuan(db, staff, "100.00", "3500")
    oid, so = order_with_shop_order(db, staff)
    pay(db, staff, so, "100.00")
    buy_yuan(db, staff, "100.00", "3600")
    assert lots(db) == [(0, 0), (10000, 360000)]
    alipay = accounts(db, borrow=False)[1]
    ordering = staff["ordering"]
    sc = seller_complaints.open_seller_complaint(db, ordering, seller_complaints.SellerComplaintInput(
        so.id, next(iter(seller_complaints.SellerReason)).value, "Hàng vỡ", Decimal("40.00")))
    seller_complaints.file_seller_complaint(db, ordering, sc, "CASE-1")
    seller_complaints.record_recovery(db, ordering, sc, Decimal("40.00"), alipay)
    assert lots(db) == [(4000, 140000), (10000, 360000)]      # back into the first lot, at 3,500
    result = cny_lots.order_currency_result(db, staff["accountant"], oid)
    assert result.paid_cny == cny("60.00") and result.at_lots == vnd(210000)
    # the next payment takes the returned yuan first: they are the oldest
    other_oid, other = order_with_shop_order(db, staff)
    pay(db, staff, other, "60.00")
    assert lots(db) == [(0, 0), (8000, 288000)]
    assert cny_lots.order_currency_result(db, staff["accountant"], other_oid).at_lots == vnd(140000 + 72000)
    assert_whole(db)


# -- borrowing ---------------------------------------------------------------------------------------

def test_borrowed_yuan_cost_the_buying_rate_until_the_next_lot_settles_them(db, staff):
    accounts(db, borrow=True)
    oid, so = order_with_shop_order(db, staff)
    pay(db, staff, so, "100.00")
    before = cny_lots.order_currency_result(db, staff["accountant"], oid)
    assert before.at_lots == vnd(360000) and before.borrowed_cny == cny("100.00")
    report = cny_lots.lots_report(db, staff["accountant"])
    assert list(report.borrowed.values()) == [cny("100.00")]
    buy_yuan(db, staff, "150.00", "3550")
    after = cny_lots.order_currency_result(db, staff["accountant"], oid)
    assert after.at_lots == vnd(355000) and after.borrowed_cny.is_zero()
    assert after.currency_result == vnd(5000)
    assert lots(db) == [(5000, 177500)]
    assert cny_lots.lots_report(db, staff["accountant"]).borrowed == {}
    assert_whole(db)


def test_reversing_a_purchase_of_yuan_takes_that_lots_yuan(db, staff):
    first = buy_yuan(db, staff, "100.00", "3500")
    buy_yuan(db, staff, "100.00", "3600")
    ledger.reverse_entry(db, staff["accountant"], first, "Nhập nhầm")
    assert lots(db) == [(0, 0), (10000, 360000)]
    assert_whole(db)


# -- two desktops at once -----------------------------------------------------------------------------

def test_two_desktops_paying_from_one_account_at_once_never_take_the_same_yuan(db, staff):
    buy_yuan(db, staff, "100.00", "3500")
    buy_yuan(db, staff, "100.00", "3600")
    pairs = [order_with_shop_order(db, staff) for _ in range(4)]
    barrier = threading.Barrier(len(pairs))
    errors: list[BaseException] = []

    def run(so):
        try:
            barrier.wait()
            pay(db, staff, so, "45.00")
        except BaseException as exc:   # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(so,)) for _oid, so in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert lots(db) == [(0, 0), (2000, 72000)]
    total = sum((cny_lots.order_currency_result(db, staff["accountant"], oid).at_lots for oid, _so in pairs),
                vnd(0))
    assert total == vnd(350000 + 288000)
    assert_whole(db)


def test_the_money_changers_fee_is_part_of_what_the_lot_cost(db, staff):
    bank, alipay = accounts(db, borrow=False)
    ledger.record_cny_purchase(db, staff["accountant"], alipay, Decimal("100.00"), bank, Decimal("355000"), "FX-FEE",
                               date(2026, 12, 1), fee_vnd=Decimal("5000"))
    assert lots(db) == [(10000, 360000)]
    with db.read() as s:
        assert s.get(LedgerAccount, bank).balance == -360000        # the fee left the bank too
    oid, so = order_with_shop_order(db, staff)
    pay(db, staff, so, "40.00")
    assert cny_lots.order_currency_result(db, staff["accountant"], oid).at_lots == vnd(144000)   # 40 × 3,600
    with pytest.raises(ValidationFailed):
        ledger.record_cny_purchase(db, staff["accountant"], alipay, Decimal("1.00"), bank, Decimal("3600"), "FX-BAD",
                                   date(2026, 12, 1), fee_vnd=Decimal("-1"))


# -- the reports ------------------------------------------------------------------------------------

def test_the_net_profit_report_shows_each_orders_currency_result_and_the_lots_report_what_is_left(db):
    """An order paid from two lots (goods and the shop's domestic shipping), carried, delivered and
    received: the net profit report's "Currency result (CNY lots)" column is what the buying rate
    predicted less what the lots cost; the CNY lots report lists each lot with what was used and
    what is left, and the lot uses report names the order."""
    from app.i18n import _
    from app.reports import Period
    from app.reports.reader import report, report_page, report_totals
    from tests.services.warehouse_helpers import carried_and_billed, make_staff

    st = make_staff(db)
    set_rates(db, selling="3650", buying="3600")
    bank, alipay = accounts(db, borrow=False)
    for amount, rate, ref in (("50.00", "3500", "FX-A"), ("200.00", "3580", "FX-B")):
        ledger.record_cny_purchase(db, st.accountant, alipay, Decimal(amount), bank,
                                   Decimal(amount) * Decimal(rate), ref, date(2026, 12, 1))
    cid = make_customer(db, st.care)
    oid = make_order(db, st.care, cid)                     # ¥194.80 of goods
    fund(db, cid)
    orders.apply_action(db, st.care, oid, "submit")
    orders.confirm_order(db, st.manager, oid, st.care.user_id, st.ordering.user_id)
    purchasing.prepare_shop_orders(db, st.ordering, oid)
    so = purchasing.purchasing_view(db, st.ordering, oid).shop_orders[0]
    purchasing.record_shop_order(db, st.ordering, so.id, purchasing.ShopOrderInput(
        "TB-77001", Decimal("90.00"), Decimal("10.00"), Decimal(0), alipay,
        {i.id: i.quantity for i in so.items}, tracking_codes=["YT8800000077001"]))
    orders.apply_action(db, st.ordering, oid, "seller_ship")
    carried_and_billed(db, st, oid, "YT8800000077001", "1.500", "1.500")
    orders.apply_action(db, st.store, oid, "start_delivery")
    orders.apply_action(db, st.store, oid, "deliver")
    orders.apply_action(db, st.care, oid, "confirm_received")

    # ¥100 paid: ¥50 at 3,500 + ¥50 at 3,580 = 354,000 ₫; the buying rate predicted 360,000 ₫
    result = cny_lots.order_currency_result(db, st.accountant, oid)
    assert result.paid_cny == cny("100.00") and result.at_lots == vnd(354000)
    assert result.at_buying == vnd(360000) and result.currency_result == vnd(6000)
    assert result.at_selling == vnd(365000) and result.margin == vnd(11000)

    period = Period(date(2026, 11, 1), date(2026, 12, 31), 420)
    rows = report_page(db, st.accountant, "money.net_profit", period).rows
    columns = [c.key for c in report(st.accountant, "money.net_profit").columns]
    assert len(rows) == 1 and "currency_result" in columns
    row = dict(zip(columns, rows[0]))
    assert row["code"] and row["currency_result"] == vnd(6000)
    totals = {t.key: t.value for t in report_totals(db, st.accountant, "money.net_profit", period)}
    assert totals["currency_result"] == vnd(6000) and totals["orders"] == 1

    lot_columns = [c.key for c in report(st.accountant, "money.cny_lots").columns]
    lots_rows = [dict(zip(lot_columns, r)) for r in report_page(db, st.accountant, "money.cny_lots", period).rows]
    assert [(r["reference"], r["cny_total"], r["cny_used"], r["cny_left"], r["vnd_left"]) for r in lots_rows] == [
        ("FX-B", cny("200.00"), cny("50.00"), cny("150.00"), vnd(537000)),
        ("FX-A", cny("50.00"), cny("50.00"), cny("0.00"), vnd(0))]
    assert [r["rate"] for r in lots_rows] == [Decimal("3580.00"), Decimal("3500.00")]
    totals = {t.key: t.value for t in report_totals(db, st.accountant, "money.cny_lots", period)}
    assert totals["cny_left"] == cny("150.00") and totals["vnd_left"] == vnd(537000)
    use_columns = [c.key for c in report(st.accountant, "money.cny_lot_uses").columns]
    uses = [dict(zip(use_columns, r)) for r in report_page(db, st.accountant, "money.cny_lot_uses", period).rows]
    assert sorted((u["lot_reference"], u["cny"], u["vnd"]) for u in uses if u["kind"] == _("Paid to a shop")) == [
        ("FX-A", cny("50.00"), vnd(175000)), ("FX-B", cny("50.00"), vnd(179000))]
    assert all(u["order_code"] == row["code"] for u in uses)
    assert_whole(db)


def test_first_in_first_out_is_per_paying_account(db, staff):
    """An older, cheaper lot in another CNY account is not touched: the payment takes the lots of
    the account it is paid from, and that account alone decides whether there are enough yuan."""
    bank, alipay = accounts(db, borrow=False)
    wechat = ledger.create_cash_account(db, staff["accountant"], "WeChat Pay Quảng Châu", "cn")
    buy_yuan(db, staff, "100.00", "3400", account=wechat)          # the oldest and cheapest yuan
    buy_yuan(db, staff, "100.00", "3600", account=alipay)
    oid, so = order_with_shop_order(db, staff)
    pay(db, staff, so, "60.00", account=alipay)
    assert lots(db, wechat) == [(10000, 340000)]
    assert lots(db, alipay) == [(4000, 144000)]
    assert cny_lots.order_currency_result(db, staff["accountant"], oid).at_lots == vnd(216000)   # 60 × 3,600
    other_oid, other = order_with_shop_order(db, staff)
    with pytest.raises(cny_lots.CnyShort):                          # WeChat's ¥100 do not count
        pay(db, staff, other, "50.00", account=alipay)
    pay(db, staff, other, "50.00", account=wechat)
    assert lots(db, wechat) == [(5000, 170000)] and lots(db, alipay) == [(4000, 144000)]
    assert_whole(db)
