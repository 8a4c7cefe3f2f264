"""Money reports to the đồng: two orders bought, shipped, billed and completed by hand, whose net
profit, FX margin, bargaining profit, books, debts and commissions can be worked out on paper —
and the same reports on the generated two months agree with the money services (the order
window's net profit, the money book screen, customer debts), on SQLite and PostgreSQL."""
from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.errors import ValidationFailed
from app.i18n import _
from app.models import (JournalLine, LedgerAccount, Order, OrderMoney, Parcel, Shipment, ShipmentParcel, ShopOrder,
                        User, Warehouse)
from app.money import CNY, VND, Money
from app.permissions import Role
from app.reports import Period, reader
from app.services import billing, ledger, orders, purchasing, wallets
from app.services.settings import update_settings
from tests.factories import item, make_customer, make_order, make_user
from tests.money_helpers import accounts, set_rates
from tests.reports.business import NOVEMBER, OCTOBER, WHOLE
from tests.services.warehouse_helpers import carried_and_billed, make_staff

UTC = timezone.utc
HANOI = 420
LATE_NOVEMBER = Period(date(2026, 11, 20), date(2026, 11, 30), HANOI)


def vnd(n) -> Money:
    return Money.of(str(n), VND)


def cny(x) -> Money:
    return Money.of(str(x), CNY)


def rows(db, actor, name, period=LATE_NOVEMBER, **params):
    view = reader.open_report(db, actor, name, period, params, limit=500)
    keys = [c.key for c in reader.report(actor, name).columns]
    return [dict(zip(keys, r)) for r in view.first.rows], {t.key: t.value for t in view.totals}


@pytest.fixture
def shop(db):
    """Rates 3 650 (selling) / 3 600 (buying) ₫ per ¥, the company's accounts, and the staff."""
    st = make_staff(db)
    db.clock.set(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    set_rates(db, "3650", "3600", st.manager)
    bank, alipay = accounts(db)
    admin = make_user(db, Role.ADMIN)
    update_settings(db, admin, {"commission.care_percent": "2.00", "commission.ordering_percent": "3.50",
                                "commission.forwarder_cn_vnd_per_kg": "500",
                                "commission.forwarder_vn_vnd_per_kg": "400"})
    return st, bank, alipay


def _bought(db, st, alipay, customer, items, goods, shipping, code):
    """Submitted (deposit from the wallet), confirmed, bought from one shop and paid from Alipay."""
    oid = make_order(db, st.care, customer, items=items)
    orders.apply_action(db, st.care, oid, "submit")
    orders.confirm_order(db, st.manager, oid, st.care.user_id, st.ordering.user_id)
    purchasing.prepare_shop_orders(db, st.ordering, oid)
    so = purchasing.purchasing_view(db, st.ordering, oid).shop_orders[0]
    purchasing.record_shop_order(db, st.ordering, so.id, purchasing.ShopOrderInput(
        f"TB-{oid:08d}", Decimal(goods), Decimal(shipping), Decimal(0), alipay, {i.id: i.quantity for i in so.items},
        tracking_codes=[code]))
    return oid


def _completed(db, st, oid):
    orders.apply_action(db, st.store, oid, "start_delivery")
    orders.apply_action(db, st.store, oid, "deliver")
    orders.apply_action(db, st.care, oid, "confirm_received")


def test_net_profit_revenue_books_debts_and_commissions_of_two_orders_to_the_dong(db, shop):
    st, bank, alipay = shop
    hang = make_customer(db, st.care, name="Nguyễn Thị Hằng")
    lan = make_customer(db, st.care, name="Lê Thị Lan", phone="0987 111 222")
    for cid, amount, ref in ((hang, 10_000_000, "FT-HANG"), (lan, 300_000, "FT-LAN")):
        wallets.record_payment(db, st.accountant, "topup", cid, Decimal(amount), ref, date(2026, 11, 23), bank)

    # Order A: 2 × ¥45.50 = ¥91.00, paid exactly that — no bargaining. FX margin on the yuan paid:
    # 91 × (3 650 − 3 600) = 4 550 ₫. Charged 91 × 3 650 = 332 150 ₫.
    a = _bought(db, st, alipay, hang, [item("女士连衣裙 夏季", 2, "45.50")], "91.00", "0", "YT8800000000001")
    # Order B (Lan): ¥100 listed, bargained to ¥92, shop shipping ¥8 passed on: charged ¥108,
    # paid ¥100 → bargaining ¥8 = 29 200 ₫, FX 100 × 50 = 5 000 ₫.
    b = _bought(db, st, alipay, lan, [item("真皮女包", 1, "100.00")], "92.00", "8", "YT8800000000002")
    db.clock.advance(days=2)
    carried_and_billed(db, st, a, "YT8800000000001", "2.500", "2.600")
    carried_and_billed(db, st, b, "YT8800000000002", "1.000", "1.000")
    db.clock.advance(days=1)
    _completed(db, st, a)
    _completed(db, st, b)
    db.clock.advance(hours=2)

    window = {oid: billing.net_profit(db, st.manager, oid) for oid in (a, b)}
    assert window[a].fx_margin == vnd(4550) and window[a].bargaining == vnd(0)
    assert window[b].fx_margin == vnd(5000) and window[b].bargaining == vnd(29200)
    # service fee: 3 % of the goods bought (at their listed price) in đồng, at least 10 000 ₫:
    # A 3 % × 332 150 = 9 964.5 → the minimum 10 000; B 3 % × 100 × 3 650 = 10 950
    fees = {oid: dict(_fee_lines(db, oid)) for oid in (a, b)}
    assert fees[a]["purchasing_fee"] == vnd(10000) and fees[b]["purchasing_fee"] == vnd(10950)
    # freight: 29 000 ₫/kg charged, 18 000 ₫/kg cost, on China's weight
    assert fees[a]["freight"] == vnd(72500) and fees[b]["freight"] == vnd(29000)
    assert window[a].freight_cost == vnd(45000) and window[b].freight_cost == vnd(18000)

    table, totals = rows(db, st.manager, "money.net_profit")
    by_code = {r["code"]: r for r in table}
    for oid in (a, b):
        row = by_code[orders.get_order(db, st.care, oid).code]
        parts = {f.name: getattr(window[oid], f.name) for f in fields(window[oid])}
        assert {k: row[k] for k in parts} == parts
        assert row["net_profit"] == window[oid].total
    assert totals["orders"] == 2
    assert totals["net_profit"] == window[a].total + window[b].total
    assert totals["per_order"] == Money((window[a].total + window[b].total).amount / 2, VND)
    assert totals["fx_margin"] == vnd(9550) and totals["bargaining"] == vnd(29200)

    # the books of the period: every fee and cost booked, whichever order
    revenue, booked = rows(db, st.manager, "money.revenue")
    assert booked["fx_margin"] == vnd(9550) and booked["bargaining"] == vnd(29200)
    assert booked["freight_cost"] == vnd(63000)
    assert booked["fee_freight"] == vnd(101500) and booked["fee_purchasing_fee"] == vnd(20950)
    assert booked["fees"] == window[a].fees + window[b].fees
    assert booked["result"] == window[a].total + window[b].total
    assert {r["account"] for r in revenue} >= {_("FX margin"), _("Bargaining profit"), _("Freight cost")}

    # China book: ¥91 and ¥100 out of Alipay, nothing in; VN book: the two top-ups in
    cn, cn_totals = rows(db, st.manager, "money.book_cn")
    assert [r["money_out"] for r in cn] == [cny("91.00"), cny("100.00")]
    assert [r["balance"] for r in cn] == [cny("-91.00"), cny("-191.00")]
    assert cn[0]["amount_vnd"] == vnd(327600)               # ¥91 at the buying rate
    assert cn_totals == {"opening": cny(0), "money_in": cny(0), "money_out": cny("191.00"), "closing": cny("-191.00")}
    vn, vn_totals = rows(db, st.manager, "money.book_vn")
    assert [(r["reference"], r["money_in"]) for r in vn] == [("FT-HANG", vnd(10_000_000)), ("FT-LAN", vnd(300_000))]
    assert vn_totals["closing"] == vnd(10_300_000)

    # Lan's wallet paid her deposit only: the rest of order B is owed since it was bought (3 days)
    with db.read() as s:
        due_b = s.get(OrderMoney, b).balance_due
    assert due_b > vnd(0)
    debts, owed = rows(db, st.accountant, "money.debts")
    assert [(r["customer_name"], r["due"], r["b0"], r["orders"]) for r in debts] == [("Lê Thị Lan", due_b, due_b, 1)]
    assert owed["due"] == due_b and owed["customers"] == 1
    db.clock.advance(days=10)
    debts, owed = rows(db, st.accountant, "money.debts")
    assert debts[0]["b0"] == vnd(0) and debts[0]["b1"] == due_b == owed["b1"]     # now 13 days: 8–30
    per_order, _t = rows(db, st.accountant, "money.debt_orders")
    assert [(r["order_code"], r["due"], r["age_days"], r["age"]) for r in per_order] == [
        (orders.get_order(db, st.care, b).code, due_b, 13, _("8–30 days"))]

    # commissions accrue when each order completes, at the rates set above: 2 % (care) and 3.5 %
    # (ordering) of its service fee, 500 ₫/kg it had received in China, 400 ₫/kg in Vietnam —
    # each rounded to the đồng by the money rule.
    # A: care 2 % × 10 000 = 200, ordering 3.5 % × 10 000 = 350, China 2.5 kg × 500 = 1 250,
    #    Vietnam 2.6 kg × 400 = 1 040: 2 840 ₫
    # B: care 2 % × 10 950 = 219, ordering 3.5 % × 10 950 = 383.25 → 383, China 1 kg × 500 = 500,
    #    Vietnam 1 kg × 400 = 400: 1 502 ₫
    assert window[a].commissions == vnd(2840) and window[b].commissions == vnd(1502)
    for oid, accrued in ((a, vnd(2840)), (b, vnd(1502))):
        without = replace(window[oid], commissions=vnd(0))
        assert window[oid].total == without.total - accrued
        assert by_code[orders.get_order(db, st.care, oid).code]["commissions"] == accrued
    staff_rows, staff_totals = rows(db, st.manager, "commissions.staff", LATE_NOVEMBER)
    fee = fees[a]["purchasing_fee"] + fees[b]["purchasing_fee"]
    assert [(r["staff"], r["role"], r["orders"], r["fee"], r["rate"], r["commission"]) for r in staff_rows] == [
        ("Lê Thu Trang", _("Customer care"), 2, vnd(20950), Decimal("2.00"), vnd(419)),
        ("Vũ Minh Đức", _("Ordering staff"), 2, vnd(20950), Decimal("3.50"), vnd(733))]
    assert staff_totals == {"orders": 2, "fee": fee, "care": vnd(419), "ordering": vnd(733),
                            "commission": vnd(1152)}
    forwarders, fw_totals = rows(db, st.manager, "commissions.forwarders", LATE_NOVEMBER)
    assert [(r["staff"], r["parcels"], r["kg"], r["rate"], r["commission"]) for r in forwarders] == [
        ("Đỗ Văn Nam", 2, Decimal("3.600"), vnd(400), vnd(1440)),
        ("王小明", 2, Decimal("3.500"), vnd(500), vnd(1750))]
    assert fw_totals == {"parcels": 4, "kg": Decimal("7.100"), "commission": vnd(3190)}
    # one figure everywhere: the orders' net profit, the books of the period, the commission sheets
    assert totals["commissions"] == booked["commissions"] == vnd(4342)
    assert totals["commissions"] == staff_totals["commission"] + fw_totals["commission"]
    # changing the rates now changes nothing already earned
    update_settings(db, make_user(db, Role.ADMIN), {"commission.care_percent": "9.00",
                                                    "commission.forwarder_cn_vnd_per_kg": "9000"})
    assert rows(db, st.manager, "commissions.staff", LATE_NOVEMBER)[1]["commission"] == vnd(1152)
    assert rows(db, st.manager, "commissions.forwarders", LATE_NOVEMBER)[1]["commission"] == vnd(3190)
    assert billing.net_profit(db, st.manager, a) == window[a]


def _fee_lines(db, oid):
    """(fee code, amount) of everything booked on an order's fee revenue accounts."""
    with db.read() as s:
        for code, total in s.execute(select(LedgerAccount.code, JournalLine.amount)
                                     .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                                     .where(JournalLine.order_id == oid, LedgerAccount.code.like("revenue:%"))):
            yield code.split(":", 1)[1], Money.from_minor(-total, VND)


def test_commission_rates_are_checked_before_they_are_saved(db):
    admin = make_user(db, Role.ADMIN)
    for key, bad in (("commission.care_percent", "101"), ("commission.care_percent", "-1"),
                     ("commission.ordering_percent", "1.255"), ("commission.ordering_percent", "abc"),
                     ("commission.forwarder_cn_vnd_per_kg", "2.5"), ("commission.forwarder_vn_vnd_per_kg", "-300"),
                     ("commission.forwarder_vn_vnd_per_kg", "100001")):
        with pytest.raises(ValidationFailed) as err:
            update_settings(db, admin, {key: bad})
        assert key in err.value.field_errors
    assert update_settings(db, admin, {"commission.care_percent": "1,25"}) == {"commission.care_percent": Decimal("1.25")}


# -- the generated two months: the reports say what the money services say ---------------------------------

def test_net_profit_rows_are_the_order_windows_net_profit(business_db, manager_of):
    db, manager = business_db, manager_of(business_db)
    for period in (OCTOBER, NOVEMBER):
        table, totals = rows(db, manager, "money.net_profit", period)
        assert table and totals["orders"] == len(table)
        with db.read() as s:
            ids = dict(s.execute(select(Order.code, Order.id)).all())
        for r in table:
            window = billing.net_profit(db, manager, ids[r["code"]])
            assert (r["fees"], r["bargaining"], r["fx_margin"], r["freight_cost"], r["net_profit"]) == (
                window.fees, window.bargaining, window.fx_margin, window.freight_cost, window.total)
        assert totals["net_profit"] == Money.total((r["net_profit"] for r in table), VND)
        completed, _t = rows(db, manager, "orders.received", period)
        assert {r["code"] for r in completed} == {r["code"] for r in table}


def test_fx_margin_and_bargaining_are_what_the_shop_orders_say(business_db, manager_of):
    """Independently of the ledger: FX margin = CNY paid × (selling − buying rate) per shop order;
    bargaining = (charged − paid) in CNY at the order's selling rate, less nothing else."""
    db, manager = business_db, manager_of(business_db)
    _t, booked = rows(db, manager, "money.revenue", WHOLE)
    with db.read() as s:
        fx, bargain = Money.zero(VND), Money.zero(VND)
        for so, rate in s.execute(select(ShopOrder, OrderMoney.selling_rate)
                                  .join(OrderMoney, OrderMoney.order_id == ShopOrder.order_id)
                                  .where(ShopOrder.status == "paid")):
            if so.paid_cny is None or so.paid_cny.is_zero():
                continue
            fx += Money(so.paid_cny.amount * (rate - so.buying_rate), VND)
            bargain += (Money(so.charged_cny.amount * rate, VND) - Money(so.paid_cny.amount * so.buying_rate, VND)
                        - Money(so.paid_cny.amount * (rate - so.buying_rate), VND))
    assert booked["fx_margin"] == fx > vnd(0)
    assert booked["bargaining"] == bargain


def test_freight_cost_and_fees_are_what_the_billing_notices_say(business_db, manager_of):
    db, manager = business_db, manager_of(business_db)
    _t, booked = rows(db, manager, "money.revenue", WHOLE)
    from app.models import Bill

    with db.read() as s:
        cost, freight = Money.zero(VND), Money.zero(VND)
        for bill in s.scalars(select(Bill).where(Bill.kind == "notice")):
            for line in bill.lines:
                cost += Money(Decimal(line["cost"]), VND) if line["cost"] else Money.zero(VND)
                freight += Money(Decimal(line["amount"]), VND) if line["code"] == "freight" else Money.zero(VND)
    assert booked["freight_cost"] == cost > vnd(0)
    assert booked["fee_freight"] == freight


def test_money_books_are_the_money_book_screens(business_db, manager_of):
    db, manager = business_db, manager_of(business_db)
    for book in ("vn", "cn"):
        for period in (OCTOBER, NOVEMBER):
            table, totals = rows(db, manager, f"money.book_{book}", period)
            shown = ledger.book_lines(db, manager, book, None, period.start_utc, period.end_utc, limit=None)
            assert [(r["id"], r["money_in"], r["money_out"], r["balance"]) for r in table] == [
                (l.id, l.money_in, l.money_out, l.balance) for l in shown]
            summary = ledger.book_summary(db, manager, book, None, period.start_utc, period.end_utc)
            assert totals == {"opening": summary.opening, "money_in": summary.money_in,
                              "money_out": summary.money_out, "closing": summary.closing}
            assert summary.opening + summary.money_in - summary.money_out == summary.closing
        october = rows(db, manager, f"money.book_{book}", OCTOBER)[1]
        november = rows(db, manager, f"money.book_{book}", NOVEMBER)[1]
        assert october["closing"] == november["opening"]
    # one account of the China book
    cny_accounts = ledger.cash_accounts(db, manager, "cn")
    assert len(cny_accounts) == 2
    one, t = rows(db, manager, "money.book_cn", WHOLE, account=str(cny_accounts[1].id))
    assert one and {r["account_name"] for r in one} == {cny_accounts[1].name}
    assert t["closing"] == cny_accounts[1].balance


def test_debts_are_customer_debts_aged_by_the_same_buckets(business_db, manager_of):
    db, manager = business_db, manager_of(business_db)
    debts = billing.customer_debts(db, manager)
    assert len(debts) >= 3
    per_order, totals = rows(db, manager, "money.debt_orders", NOVEMBER)
    assert [(r["order_code"], r["charged"], r["paid"], r["due"], r["due_since"], r["age_days"], r["age"])
            for r in per_order] == [(d.order_code, d.charged, d.paid, d.due, d.due_since, d.age_days, _(d.bucket))
                                    for d in debts]
    per_customer, same = rows(db, manager, "money.debts", NOVEMBER)
    assert totals == {k: v for k, v in same.items() if k != "customers"}
    assert same["due"] == Money.total((d.due for d in debts), VND) and same["customers"] == len(per_customer)
    for r in per_customer:
        mine = [d for d in debts if d.customer_code == r["customer_code"]]
        assert r["due"] == Money.total((d.due for d in mine), VND) and r["orders"] == len(mine)
        for i, (_limit, label) in enumerate(billing.AGE_BUCKETS):
            assert r[f"b{i}"] == Money.total((d.due for d in mine if d.bucket == label), VND)
    assert [r["due"] for r in per_customer] == sorted((r["due"] for r in per_customer), reverse=True)


def _completed_in(s, period):
    return list(s.scalars(select(Order).where(Order.status == "received",
                                              Order.status_changed_at >= period.start_utc,
                                              Order.status_changed_at < period.end_utc).order_by(Order.id)))


def test_commissions_from_the_settings_and_what_each_person_handled(business_db, manager_of):
    """Worked out from the orders completed in the period, independently of the accrual rows: the
    settings' default rates (1 % care, 1.5 % ordering, 300 ₫/kg each side), each order's service
    fee and the parcels of those orders each forwarder received — rounded once per order and
    person, rows that earn nothing left out."""
    db, manager = business_db, manager_of(business_db)
    table, totals = rows(db, manager, "commissions.staff", NOVEMBER)
    pct = {"care": Decimal("1.00"), "ordering": Decimal("1.50")}          # the settings' defaults
    with db.read() as s:
        done = _completed_in(s, NOVEMBER)
        fee = {o.id: dict(_fee_lines(db, o.id)).get("purchasing_fee", vnd(0)) for o in done}
        expected, earning = {}, set()
        for o in done:
            for role, uid in (("care", o.care_staff_id), ("ordering", o.ordering_staff_id)):
                if uid is not None and not fee[o.id].percent(pct[role]).is_zero():
                    n, f, c = expected.get((role, uid), (0, vnd(0), vnd(0)))
                    expected[(role, uid)] = (n + 1, f + fee[o.id], c + fee[o.id].percent(pct[role]))
                    earning.add(o.id)
    assert sorted((r["orders"], r["fee"], r["rate"], r["commission"]) for r in table) == sorted(
        (n, f, pct[role], c) for (role, _uid), (n, f, c) in expected.items())
    assert 0 < totals["orders"] == len(earning) < len(done)           # consignment orders earn no fee
    assert totals["fee"] == Money.total((fee[oid] for oid in earning), VND)
    assert totals["commission"] == Money.total((r["commission"] for r in table), VND) > vnd(0)
    assert totals["care"] + totals["ordering"] == totals["commission"]

    forwarders, fw = rows(db, manager, "commissions.forwarders", WHOLE)
    with db.read() as s:
        names = dict(s.execute(select(User.id, User.full_name)).all())
        warehouses = dict(s.execute(select(Warehouse.id, Warehouse.name)).all())
        handled = {}
        for o in _completed_in(s, WHOLE):
            for p in s.scalars(select(Parcel).where(Parcel.order_id == o.id)):
                legs = [(sp.received_by_id, sh.destination_warehouse_id,
                         sp.vn_weight_kg if sp.vn_weight_kg is not None else p.weight_kg)
                        for sp, sh in s.execute(select(ShipmentParcel, Shipment)
                                                .join(Shipment, Shipment.id == ShipmentParcel.shipment_id)
                                                .where(ShipmentParcel.parcel_id == p.id,
                                                       Shipment.direction == "to_vn",
                                                       ShipmentParcel.received_by_id.isnot(None)))]
                if p.received_cn_by_id is not None:      # China: where the to-Vietnam sack left from
                    origin = s.scalar(select(Shipment.origin_warehouse_id)
                                      .join(ShipmentParcel, ShipmentParcel.shipment_id == Shipment.id)
                                      .where(ShipmentParcel.parcel_id == p.id, Shipment.direction == "to_vn"))
                    legs.append((p.received_cn_by_id, origin, p.weight_kg))
                for uid, wid, kg in legs:
                    key = (names[uid], warehouses[wid])
                    n, total_kg = handled.get(key, (0, Decimal(0)))
                    handled[key] = (n + 1, total_kg + kg)
    rate = vnd(300)                                                          # the default
    assert sorted((r["staff"], r["warehouse"], r["parcels"], r["kg"], r["rate"], r["commission"]) for r in forwarders) \
        == sorted((who, where, n, kg, rate, Money(kg * rate.amount, VND)) for (who, where), (n, kg) in handled.items())
    assert {r["warehouse"] for r in forwarders} >= {"Kho Quảng Châu 广州仓", "Kho Bằng Tường 凭祥仓", "Kho Hà Nội"}
    assert fw["parcels"] == sum(r["parcels"] for r in forwarders) > 0
    assert fw["commission"] == Money.total((r["commission"] for r in forwarders), VND)

    # net profit's commissions of the orders completed in a period are the two sheets' totals
    for period in (OCTOBER, NOVEMBER, WHOLE):
        _t, profit = rows(db, manager, "money.net_profit", period)
        staff_total = rows(db, manager, "commissions.staff", period)[1]["commission"]
        forwarder_total = rows(db, manager, "commissions.forwarders", period)[1]["commission"]
        assert profit["commissions"] == staff_total + forwarder_total > vnd(0)


def test_every_money_report_pages_one_row_at_a_time_as_it_streams(business_db, manager_of):
    """Keyset paging on each report's own key (a Money total, a time, a name) gives the rows the
    stream gives, none twice — as the reports screen reads them while the user scrolls."""
    db, manager = business_db, manager_of(business_db)
    for name in ("money.revenue", "money.net_profit", "money.book_vn", "money.book_cn", "money.debts",
                 "money.debt_orders", "commissions.staff", "commissions.forwarders"):
        shown, after = [], None
        while True:
            page = reader.report_page(db, manager, name, WHOLE, {}, after, 1)
            shown += page.rows
            if page.exhausted:
                break
            after = page.last_key
        with reader.report_rows(db, manager, name, WHOLE) as streamed:
            assert shown == list(streamed), name
        assert len(shown) == reader.report_count(db, manager, name, WHOLE) > 1, name
