"""Money: Decimal only, one rounding rule (half up at the currency's minor unit), exact rates."""
from decimal import Decimal

import pytest

from app.money import CNY, VND, CurrencyMismatch, Money, Rate, round_money


@pytest.mark.parametrize("amount,currency,expected", [
    ("0.5", VND, "1"), ("1.49", VND, "1"), ("-0.5", VND, "-1"), ("2.5", VND, "3"),
    ("0.005", CNY, "0.01"), ("0.004", CNY, "0.00"), ("-0.005", CNY, "-0.01"), ("1234.565", CNY, "1234.57"),
    ("12345678901234567.89", CNY, "12345678901234567.89"),
])
def test_rounding_is_half_up_at_the_minor_unit(amount, currency, expected):
    assert round_money(Decimal(amount), currency) == Decimal(expected)
    assert Money.of(amount, currency).amount == Decimal(expected)


def test_vnd_has_no_minor_unit_and_cny_has_two():
    assert Money.of("1234567", VND).minor == 1234567
    assert Money.of("12.34", CNY).minor == 1234
    assert Money.from_minor(1234, CNY) == Money.of("12.34", CNY)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money.of(1.5, CNY)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1", VND) * 1.5  # type: ignore[operator]


def test_currencies_do_not_mix_without_a_rate():
    with pytest.raises(CurrencyMismatch):
        Money.of("1", VND) + Money.of("1", CNY)
    with pytest.raises(CurrencyMismatch):
        Money.of("1", VND) < Money.of("1", CNY)


def test_rate_converts_and_rounds_only_the_result():
    rate = Rate(CNY, VND, Decimal("3575.5"))
    assert rate.convert(Money.of("10.01", CNY)) == Money.of("35791", VND)  # 35790.755 -> 35791
    with pytest.raises(CurrencyMismatch):
        rate.convert(Money.of("1", VND))


def test_percent_of_an_amount():
    assert Money.of("1000000", VND).percent(Decimal("2.5")) == Money.of("25000", VND)
    assert Money.of("99.99", CNY).percent(3) == Money.of("3.00", CNY)  # 2.9997 -> 3.00


def test_total_of_nothing_is_zero_in_that_currency():
    assert Money.total([], VND) == Money.zero(VND)
    assert Money.total([Money.of("1.10", CNY), Money.of("2.25", CNY)], CNY) == Money.of("3.35", CNY)
