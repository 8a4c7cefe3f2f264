"""The posting rules (app.posting_rules) as tables, no database: each money operation's lines —
which account, which side, how much, for which order — and that every entry balances in each
currency."""
from decimal import Decimal

import pytest

from app import posting_rules
from app.money import CNY, VND, Money
from app.services import ledger


def vnd(n) -> Money:
    return Money.of(str(n), VND)


def cny(n) -> Money:
    return Money.of(str(n), CNY)


def table(lines) -> list[tuple]:
    """(account, signed amount as text, currency, order) per line: debit positive, credit negative."""
    return [(l.account, str(l.amount.amount), l.amount.currency, l.order_id) for l in lines]


BANK, ALIPAY = 101, 202   # accounts a person chose (ids)


@pytest.mark.parametrize("lines, expected", [
    (posting_rules.topup(BANK, vnd(500_000)), [(BANK, "500000", "VND", None), (posting_rules.WALLET, "-500000", "VND", None)]),
    (posting_rules.refund_paid_out(BANK, vnd(200_000)), [(posting_rules.WALLET, "200000", "VND", None), (BANK, "-200000", "VND", None)]),
    (posting_rules.deposit(vnd(730_000), 7), [(posting_rules.WALLET, "730000", "VND", None), ("receivable", "-730000", "VND", 7)]),
    (posting_rules.deposit_refund(vnd(730_000), 7), [("receivable", "730000", "VND", 7), (posting_rules.WALLET, "-730000", "VND", None)]),
    (posting_rules.shortage_refund(vnd(36_500), 7), [("receivable", "36500", "VND", 7), (posting_rules.WALLET, "-36500", "VND", None)]),
    (posting_rules.settlement(vnd(1_200_000), 7), [(posting_rules.WALLET, "1200000", "VND", None), ("receivable", "-1200000", "VND", 7)]),
    (posting_rules.overpayment_back(vnd(50_000), 7), [("receivable", "50000", "VND", 7), (posting_rules.WALLET, "-50000", "VND", None)]),
    (posting_rules.service_fee(vnd(10_950), 7), [("receivable", "10950", "VND", 7),
                                     ("revenue:purchasing_fee", "-10950", "VND", None)]),
    (posting_rules.carrier_bill(vnd(-20_000)), [("freight_cost", "-20000", "VND", None), ("freight_payable", "20000", "VND", None)]),
    (posting_rules.commission(vnd(15_000), 7), [("commission_expense", "15000", "VND", 7),
                                    ("commissions_payable", "-15000", "VND", None)]),
    (posting_rules.compensation(vnd(40_000)), [("compensation", "40000", "VND", None), (posting_rules.WALLET, "-40000", "VND", None)]),
    (posting_rules.complaint_refund(vnd(100_000), vnd(30_000), vnd(70_000), 7),
     [("unrecovered_cost", "100000", "VND", None), ("receivable", "-30000", "VND", 7),
      (posting_rules.WALLET, "-70000", "VND", None)]),
])
def test_each_operation_posts_these_lines(lines, expected):
    assert table(lines) == expected


def test_a_shop_paid_splits_the_charge_into_goods_at_cost_fx_margin_and_bargaining_profit():
    # paid ¥91 at the buying rate 3,600 (327,600 ₫); charged ¥100 at 3,650 = 365,000 ₫;
    # FX margin 91 × 50 = 4,550 ₫; bargaining profit what is left: 32,850 ₫
    lines = posting_rules.purchase(ALIPAY, cny("91.00"), vnd(327_600), vnd(365_000), vnd(4_550), vnd(32_850), 7)
    assert table(lines) == [(ALIPAY, "-91.00", "CNY", None), ("purchase_cost", "91.00", "CNY", None),
                            ("receivable", "365000", "VND", 7), ("goods_recharged", "-327600", "VND", None),
                            ("fx_margin", "-4550", "VND", None), ("bargaining_profit", "-32850", "VND", None)]
    assert [l.amount_vnd for l in lines[:2]] == [vnd(327_600), vnd(327_600)]   # the yuan valued at cost


def test_yuan_bought_and_recovered_from_a_seller_carry_their_dong_value():
    lines = posting_rules.cny_funding(ALIPAY, BANK, cny("1000.00"), vnd(3_620_000))
    assert table(lines) == [(ALIPAY, "1000.00", "CNY", None), ("currency_exchange", "-1000.00", "CNY", None),
                            ("currency_exchange", "3620000", "VND", None), (BANK, "-3620000", "VND", None)]
    assert lines[0].amount_vnd == vnd(3_620_000)
    back = posting_rules.seller_recovery(ALIPAY, cny("20.00"), vnd(72_000))
    assert table(back) == [(ALIPAY, "20.00", "CNY", None), ("purchase_cost", "-20.00", "CNY", None)]
    assert {l.amount_vnd for l in back} == {vnd(72_000)}


def test_a_billing_notice_charges_each_fee_to_its_account_and_books_the_freight_cost():
    lines = posting_rules.billing_notice(vnd(180_000), [("freight", vnd(150_000)), ("inspection", vnd(30_000))],
                             vnd(90_000), 7)
    assert table(lines) == [("receivable", "180000", "VND", 7), ("revenue:freight", "-150000", "VND", None),
                            ("revenue:inspection", "-30000", "VND", None), ("freight_cost", "90000", "VND", None),
                            ("freight_payable", "-90000", "VND", None)]
    # nothing charged and no cost: only the (zero) fee lines, which post leaves out
    assert table(posting_rules.billing_notice(vnd(0), [("inspection", vnd(0))], vnd(0), 7)) == [("revenue:inspection", "0", "VND", None)]
    # a supplementary bill lowering the charge
    assert table(posting_rules.supplementary(vnd(-30_000), [("inspection", vnd(-30_000))], 7)) == [
        ("receivable", "-30000", "VND", 7), ("revenue:inspection", "30000", "VND", None)]


def test_a_reversal_is_the_exact_opposite():
    original = posting_rules.purchase(ALIPAY, cny("91.00"), vnd(327_600), vnd(365_000), vnd(4_550), vnd(32_850), 7)
    back = posting_rules.reversal(original)
    assert [(l.account, -l.amount, -l.amount_vnd if l.amount_vnd else None, l.order_id) for l in back] == \
        [(l.account, l.amount, l.amount_vnd, l.order_id) for l in original]


def test_lines_that_do_not_balance_in_a_currency_are_refused():
    with pytest.raises(posting_rules.Unbalanced, match="does not balance"):
        posting_rules.billing_notice(vnd(180_000), [("inspection", vnd(30_000))], vnd(0), 7)
    with pytest.raises(posting_rules.Unbalanced):     # balanced in total, not per currency
        posting_rules.balanced("x", [posting_rules.debit(1, cny("1.00")), posting_rules.credit(2, Money(Decimal("1.00"), VND))])


def test_every_account_a_rule_names_is_in_the_chart():
    assert ledger.SYSTEM_ACCOUNTS is posting_rules.CHART and ledger.FEE_ACCOUNT_PREFIX == posting_rules.FEE_ACCOUNT_PREFIX
    named = {posting_rules.RECEIVABLE, posting_rules.FX_MARGIN, posting_rules.BARGAINING_PROFIT, posting_rules.GOODS_RECHARGED, posting_rules.PURCHASE_COST, posting_rules.FREIGHT_COST,
             posting_rules.FREIGHT_PAYABLE, posting_rules.UNRECOVERED_COST, posting_rules.COMPENSATION, posting_rules.COMMISSION_EXPENSE, posting_rules.COMMISSIONS_PAYABLE,
             posting_rules.CURRENCY_EXCHANGE, posting_rules.fee_account("purchasing_fee")}
    assert named <= set(posting_rules.CHART)
    assert posting_rules.CHART[posting_rules.PURCHASE_COST][1] == CNY and posting_rules.CHART[posting_rules.CURRENCY_EXCHANGE][1] == "*"
