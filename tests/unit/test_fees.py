"""The fee engine, table by table: each fee, its tiers and edges, discounts, and the one rounding
rule (half up, once per fee: VND to the đồng, CNY to the fen). No database, no Qt."""
from dataclasses import replace
from decimal import Decimal

import pytest

from app import fees
from app.fees import (DEFAULT_TARIFF, DiscountRule, ItemFact, OrderFacts, Package, Tariff,
                      TariffError)
from app.i18n import set_language
from app.money import CNY, VND, Money, round_money



def cny(x: str) -> Money:
    return Money.of(x, CNY)


def vnd(x: str | int) -> Money:
    return Money.of(str(x), VND)


@pytest.fixture(autouse=True)
def _english():
    set_language("en")
    yield
    set_language("vi")


# -- rounding: one rule, half up at the currency's minor unit -------------------------------------------

@pytest.mark.parametrize("amount, currency, expected", [
    ("0.5", VND, "1"), ("1.4999", VND, "1"), ("2.5", VND, "3"), ("-0.5", VND, "-1"), ("-2.5", VND, "-3"),
    ("0.005", CNY, "0.01"), ("0.0049", CNY, "0.00"), ("1.115", CNY, "1.12"), ("-0.005", CNY, "-0.01"),
    ("12345678901234567.5", VND, "12345678901234568"),
])
def test_money_rounds_half_up_at_its_minor_unit(amount, currency, expected):
    assert round_money(Decimal(amount), currency) == Decimal(expected)


@pytest.mark.parametrize("goods, rate, expected_vnd", [
    ("0.01", "3650", "37"),          # 36.5 → 37 (half up)
    ("0.03", "3650.5", "110"),       # 109.515 → 110
    ("1.23", "3575.5", "4398"),      # 4397.865 → 4398
    ("100.00", "3651.123456", "365112"),  # 365112.3456 → 365112
])
def test_a_cny_amount_converts_to_vnd_rounded_once(goods, rate, expected_vnd):
    assert fees.to_vnd(cny(goods), Decimal(rate)) == vnd(expected_vnd)


def test_floats_never_reach_money():
    with pytest.raises(TypeError):
        Money.of(1.5, VND)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vnd(100) * 1.5      # type: ignore[operator]


# -- purchasing service fee -------------------------------------------------------------------------------

@pytest.mark.parametrize("goods_cny, expected, why", [
    ("100.00", "10950", "365,000 × 3 % = 10,950: above the minimum"),
    ("50.00", "10000", "182,500 × 3 % = 5,475: the 10,000 minimum instead"),
    ("91.32", "10000", "333,318 × 3 % = 9,999.54 → 10,000"),
    ("91.33", "10001", "333,354.5 → 333,355 × 3 % = 10,000.65 → 10,001"),
    ("0.00", "10000", "nothing bought still costs the minimum"),
])
def test_service_fee_is_a_percent_with_a_minimum(goods_cny, expected, why):
    line = fees.service_fee(DEFAULT_TARIFF, cny(goods_cny), Decimal("3650"))
    assert line.amount == vnd(expected), why


@pytest.mark.parametrize("goods_cny, percent", [
    ("4999.99", Decimal(3)), ("5000.00", Decimal("2.5")), ("19999.99", Decimal("2.5")), ("20000.00", Decimal(2)), ("150000", Decimal(2)),
])
def test_service_fee_percent_follows_the_goods_value_band(goods_cny, percent):
    assert fees.service_percent(DEFAULT_TARIFF, cny(goods_cny)) == percent
    line = fees.service_fee(DEFAULT_TARIFF, cny(goods_cny), Decimal("3650"))
    assert line.amount == max(fees.to_vnd(cny(goods_cny), Decimal("3650")).percent(percent), vnd(10000))


def test_service_fee_explains_itself():
    line = fees.service_fee(DEFAULT_TARIFF, cny("1234.50"), Decimal("3650"))
    assert line.amount == vnd("135178")             # 4,505,925 × 3 % = 135,177.75 → 135,178
    assert "3 %" in line.explanation and "4,505,925" in line.explanation and "135,178" in line.explanation


def test_vip_discount_takes_its_percent_off_the_service_fee():
    facts = OrderFacts(cny("1234.50"), Decimal("3650"), vip_service_discount=Decimal(5))
    line = fees.quote(DEFAULT_TARIFF, facts, "purchase").line("purchasing_fee")
    assert line.gross == vnd("135178") and line.amount == vnd("128419")   # − 6,758.9 → −6,759
    assert "group discount 5 %" in line.explanation


# -- chargeable weight and freight ------------------------------------------------------------------------

@pytest.mark.parametrize("actual, dims, divisor, expected", [
    ("3.2", ("50", "40", "30"), 6000, "10.000"),      # volumetric 60,000/6,000 = 10 kg wins
    ("12.5", ("50", "40", "30"), 6000, "12.500"),     # actual wins
    ("1", ("33", "33", "33"), 6000, "5.990"),         # 35,937/6,000 = 5.9895 → 5.990 (half up, grams)
    ("1", ("33", "33", "33"), 7000, "5.134"),         # 5.13385… → 5.134
    ("0.4", ("0", "0", "0"), 6000, "0.400"),          # no dimensions: the actual weight
    ("2.0005", ("0", "0", "0"), 6000, "2.001"),       # weights are kept to the gram, half up
])
def test_chargeable_weight_is_the_larger_of_actual_and_volumetric(actual, dims, divisor, expected):
    p = Package(Decimal(actual), *(Decimal(d) for d in dims))
    assert fees.chargeable_kg(p, divisor) == Decimal(expected)


@pytest.mark.parametrize("kg, price", [
    ("0.5", 29000), ("9.999", 29000), ("10", 25000), ("49.999", 25000), ("50", 22000), ("100", 19000),
])
def test_freight_price_per_kg_follows_the_weight_tier(kg, price):
    line = fees.freight_fee(DEFAULT_TARIFF, [Package(Decimal(kg))], "normal", "VN-HN")
    assert line.amount == Money(Decimal(kg) * price, VND)


def test_freight_to_ho_chi_minh_city_has_its_own_route_and_the_cost_is_kept():
    line = fees.freight_fee(DEFAULT_TARIFF, [Package(Decimal("10"))], "normal", "VN-SG")
    assert line.amount == vnd(290000) and line.cost == vnd(200000)


def test_freight_sums_packages_before_choosing_the_tier_and_explains_each():
    line = fees.freight_fee(DEFAULT_TARIFF, [Package(Decimal("3.2"), Decimal(50), Decimal(40), Decimal(30)), Package(Decimal("0.8"))], "normal", "VN-HN")
    assert line.amount == vnd(270000)            # 10.8 kg × 25,000
    assert "volumetric 50×40×30/6000 = 10 kg > actual 3.2 kg" in line.explanation
    assert "parcel 2: actual 0.8 kg" in line.explanation


def test_the_ecommerce_line_uses_its_own_divisor():
    line = fees.freight_fee(DEFAULT_TARIFF, [Package(Decimal(1), Decimal(70), Decimal(50), Decimal(20))], "ecommerce", "VN-HN")
    assert line.amount == vnd(240000)            # 70,000/7,000 = 10 kg × 24,000


def test_a_bulky_line_charges_per_cubic_metre():
    bulky = replace(DEFAULT_TARIFF, freight=DEFAULT_TARIFF.freight + (fees.FreightRoute("express", "VN-DN", 6000, (), Decimal(3200000), Decimal(2500000)),))
    line = fees.freight_fee(bulky, [Package(Decimal(40), Decimal(100), Decimal(80), Decimal(60))], "express", "VN-DN")
    assert line.amount == vnd(1536000) and line.cost == vnd(1200000)   # 0.48 m³


def test_a_shipping_service_chooses_the_freight_line():
    facts = OrderFacts(cny("100"), Decimal("3650"), services=frozenset({"express_shipping"}),
                       packages=(Package(Decimal(2)),), deliver=False)
    assert fees.quote(DEFAULT_TARIFF, facts, "billing").line("freight").amount == vnd(78000)   # 2 × 39,000


# -- tally / inspection ------------------------------------------------------------------------------------

@pytest.mark.parametrize("items, expected", [
    ([ItemFact(1, Decimal("10"))], 5000),
    ([ItemFact(5, Decimal("10"))], 25000),
    ([ItemFact(6, Decimal("10"))], 21000),                          # band from 6: 3,500 each
    ([ItemFact(3, Decimal("99.99")), ItemFact(2, Decimal("100"))], 35000),  # 3 × 5,000 + 2 × 10,000 (¥100 is dear)
    ([ItemFact(21, Decimal("1"))], 42000),
    ([ItemFact(101, Decimal("1"))], 151500),
    ([ItemFact(4, Decimal("10")), ItemFact(50, Decimal("1"), tally_exempt=True)], 20000),  # exempt items not counted
    ([ItemFact(3, Decimal("1"), tally_exempt=True)], 0),
])
def test_tally_fee_per_item_by_band_and_price_with_exempt_items(items, expected):
    assert fees.tally_fee(DEFAULT_TARIFF, items).amount == vnd(expected)


def test_tally_explains_what_was_not_counted():
    line = fees.tally_fee(DEFAULT_TARIFF, [ItemFact(4, Decimal("10")), ItemFact(50, Decimal("1"), tally_exempt=True)])
    assert "50 exempt items not counted" in line.explanation


# -- wooden crate, bubble wrap, insurance, delivery, domestic shipping ---------------------------------------

@pytest.mark.parametrize("kg, expected_cny", [
    ("0", "0.00"), ("0.3", "20.00"), ("1", "20.00"), ("1.5", "20.40"), ("2", "20.80"), ("10", "27.20"),
    ("1.006", "20.00"),     # 0.0048 → 0.00 (half up at the fen)
    ("1.007", "20.01"),     # 0.0056 → 0.01
])
def test_wooden_crate_is_20_cny_the_first_kg_and_0_8_each_further(kg, expected_cny):
    assert fees.weight_rule_cny(DEFAULT_TARIFF.crate, Decimal(kg)) == cny(expected_cny)


def test_crate_fee_is_converted_at_the_orders_rate_and_shows_both_currencies():
    line = fees.crate_fee(DEFAULT_TARIFF, [Package(Decimal("3.2")), Package(Decimal("0.8"))], Decimal("3650"))
    assert line.original == cny("41.76") and line.amount == vnd(152424)
    assert "CN¥41.76 × 3,650" in line.explanation


@pytest.mark.parametrize("declared, expected", [(1000000, 15000), (33333, 500), (100, 2), (99, 1)])
def test_insurance_is_a_percent_of_the_declared_value(declared, expected):
    # 33,333 × 1.5 % = 499.995 → 500; 100 → 1.5 → 2; 99 → 1.485 → 1
    assert fees.insurance_fee(DEFAULT_TARIFF, vnd(declared)).amount == vnd(expected)


@pytest.mark.parametrize("kg, expected", [("0.5", 30000), ("3", 30000), ("3.2", 31000), ("10", 65000)])
def test_vn_delivery_is_a_base_then_per_extra_kg(kg, expected):
    assert fees.vn_delivery_fee(DEFAULT_TARIFF, [Package(Decimal(kg))]).amount == vnd(expected)


def test_domestic_shipping_is_passed_through_in_cny_and_stays_in_cny_without_a_rate():
    assert fees.domestic_shipping_line(cny("12.30"), Decimal("3650")).amount == vnd(44895)
    line = fees.domestic_shipping_line(cny("12.30"), None)
    assert line.amount is None and line.original == cny("12.30") and "CN¥12.30" in line.explanation


# -- discounts --------------------------------------------------------------------------------------------

def _lines():
    return (fees.FeeLine("freight", vnd(270000), "f", vnd(270000)),
            fees.FeeLine("inspection", vnd(35000), "i", vnd(35000)),
            fees.FeeLine("domestic_shipping", vnd(36500), "d", vnd(36500)))


def test_a_percent_code_takes_off_only_the_fees_it_names():
    out = fees.apply_discounts(_lines(), {}, DiscountRule("SALE10", frozenset({"freight"}), percent=Decimal(10)))
    assert [l.amount for l in out] == [vnd(243000), vnd(35000), vnd(36500)]
    assert "code SALE10 10 %" in out[0].explanation


def test_an_amount_code_is_spread_over_its_fees_and_never_makes_one_negative():
    code = DiscountRule("GIAM300K", frozenset({"freight", "inspection"}), amount_vnd=Decimal(300000))
    out = fees.apply_discounts(_lines(), {}, code)
    assert [l.amount for l in out] == [vnd(0), vnd(5000), vnd(36500)]


def test_domestic_shipping_is_never_discounted():
    code = DiscountRule("ALL", frozenset(fees.FEE_LABELS), percent=Decimal(50))
    out = fees.apply_discounts(_lines(), {"domestic_shipping": Decimal(50)}, code)
    assert out[2].amount == vnd(36500)


def test_group_discount_applies_before_the_code():
    code = DiscountRule("SALE10", frozenset({"freight"}), percent=Decimal(10))
    out = fees.apply_discounts(_lines(), {"freight": Decimal(5)}, code)
    assert out[0].amount == vnd(230850)          # 270,000 − 13,500 = 256,500 − 25,650


# -- the whole quote ---------------------------------------------------------------------------------------

def test_a_full_quote_lists_every_chosen_service_and_totals_in_vnd_and_cny():
    facts = OrderFacts(cny("1234.50"), Decimal("3650"),
                       items=(ItemFact(3, Decimal("59.9")), ItemFact(2, Decimal("150")), ItemFact(4, Decimal(1), True)),
                       services=frozenset({"inspection", "special_packaging", "cargo_insurance"}),
                       destination="VN-HN", domestic_shipping_cny=cny("12"),
                       packages=(Package(Decimal("3.2"), Decimal(50), Decimal(40), Decimal(30)), Package(Decimal("0.8"))))
    q = fees.quote(DEFAULT_TARIFF, facts)
    assert [l.code for l in q.lines] == ["purchasing_fee", "domestic_shipping", "freight", "inspection",
                                         "special_packaging", "cargo_insurance", "vn_delivery"]
    assert q.goods_vnd == vnd(4505925)
    expected = 4505925 + 135178 + 43800 + 270000 + 35000 + 152424 + 67589 + 35000
    assert q.total_vnd == vnd(expected)
    assert q.total_cny(Decimal("3650")) == cny(str(round(Decimal(expected) / Decimal("3650"), 2)))
    assert not q.pending


def test_fees_needing_weights_wait_for_the_billing_notice():
    q = fees.quote(DEFAULT_TARIFF, OrderFacts(cny("100"), Decimal("3650"), services=frozenset({"special_packaging"})))
    assert {l.code for l in q.pending} == {"freight", "special_packaging", "vn_delivery"}
    assert q.total_vnd == vnd(365000 + 10950 + 0)


def test_without_a_rate_the_goods_stay_in_cny():
    q = fees.quote(DEFAULT_TARIFF, OrderFacts(cny("100"), None))
    assert q.goods_vnd is None and q.total_vnd is None
    assert q.line("purchasing_fee").amount is None


# -- the tariff: stored, read back, validated ---------------------------------------------------------------

def test_the_default_tariff_survives_its_stored_form():
    assert Tariff.from_json(DEFAULT_TARIFF.to_json()) == DEFAULT_TARIFF


@pytest.mark.parametrize("path, value, field", [
    (("service_fee", "bands", 0, "percent"), "101", "service_fee.bands.0.percent"),
    (("service_fee", "bands", 1, "from_cny"), "0", "service_fee.bands"),
    (("service_fee", "minimum_vnd"), "-1", "service_fee.minimum_vnd"),
    (("freight", 0, "divisor"), "50", "freight.0.divisor"),
    (("freight", 0, "tiers", 0, "price_vnd"), "abc", "freight.0.tiers.0.price_vnd"),
    (("freight", 0, "line"), "air", "freight.0.line"),
    (("tally", "tiers", 0, "from_qty"), "5", "tally.tiers"),
    (("insurance_percent",), None, "insurance_percent"),
    (("crate", "next_kg_cny"), 0.8, "crate.next_kg_cny"),     # a float is refused like any non-number
])
def test_a_bad_tariff_reports_the_field(path, value, field):
    data = DEFAULT_TARIFF.to_json()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(TariffError) as err:
        Tariff.from_json(data)
    assert field in err.value.field_errors


def test_a_tariff_needs_a_normal_route_to_anywhere():
    data = DEFAULT_TARIFF.to_json()
    data["freight"] = [r for r in data["freight"] if r["line"] != "normal" or r["destination"] != "*"]
    with pytest.raises(TariffError) as err:
        Tariff.from_json(data)
    assert "freight" in err.value.field_errors


def test_a_discount_on_an_unknown_fee_is_refused():
    data = DEFAULT_TARIFF.to_json()
    data["discounts"] = {"parking": "5"}
    with pytest.raises(TariffError) as err:
        Tariff.from_json(data)
    assert "discounts.parking" in err.value.field_errors

