"""Formatting per locale: VND without decimals, CNY with two; strict number parsing."""
from datetime import date
from decimal import Decimal

import pytest

from app.i18n import NumberInputError, fmt_date, fmt_money, parse_decimal, set_language
from app.money import CNY, VND, Money


def test_money_per_locale():
    assert fmt_money(Money.of("1234567", VND), "vi") == "1.234.567\xa0₫"
    assert fmt_money(Money.of("1234.5", CNY), "vi") == "1.234,50\xa0CN¥"
    assert fmt_money(Money.of("1234.5", CNY), "en") == "CN¥1,234.50"
    assert fmt_money(Money.of("1234.5", CNY), "zh_CN") == "¥1,234.50"


def test_dates_per_locale():
    assert fmt_date(date(2026, 11, 23), "vi") == "23/11/2026"
    assert fmt_date(date(2026, 11, 23), "zh_CN") == "2026/11/23"


@pytest.mark.parametrize("lang,text,expected", [
    ("vi", "1.234.567", Decimal("1234567")), ("vi", "1,5", Decimal("1.5")), ("vi", "1.5", Decimal("1.5")),
    ("vi", "1.234,56", Decimal("1234.56")), ("en", "1,234.56", Decimal("1234.56")), ("en", "2.75", Decimal("2.75")),
    ("vi", "12", Decimal("12")),
])
def test_parse_what_people_type(lang, text, expected):
    assert parse_decimal(text, lang) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.2.3,4,5"])
def test_nonsense_is_refused_with_a_message(text):
    set_language("en")
    with pytest.raises(NumberInputError) as err:
        parse_decimal(text, "vi")
    assert str(err.value)
