"""Money that carries its currency, one rounding rule, and exchange rates.

VND has no minor unit, CNY has two decimals (ISO 4217, CLDR agrees). Amounts are Decimal,
never float; the database stores booked amounts as integer minor units (see app.models.types).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Iterable

VND = "VND"
CNY = "CNY"
EXPONENT: dict[str, int] = {VND: 0, CNY: 2, "USD": 2}

#: The one rounding rule for booked money: half away from zero ("làm tròn" as accountants do it),
#: applied at the currency's minor unit. 0.5 đ -> 1 đ, -0.5 đ -> -1 đ, 0.005 ¥ -> 0.01 ¥.
ROUNDING = ROUND_HALF_UP


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined without an exchange rate."""


def minor_step(currency: str) -> Decimal:
    return Decimal(1).scaleb(-EXPONENT[currency])


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round an amount to its currency's minor unit by the house rule (half up)."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money needs a Decimal, got {type(amount).__name__}")
    return amount.quantize(minor_step(currency), rounding=ROUNDING)


def to_decimal(value: str | int | Decimal) -> Decimal:
    """Exact conversion for values that arrive as text or int; floats are refused."""
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError("floats are not accepted for money; pass a str or Decimal")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in EXPONENT:
            raise ValueError(f"unknown currency {self.currency!r}")
        object.__setattr__(self, "amount", round_money(self.amount, self.currency))

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def of(cls, value: str | int | Decimal, currency: str) -> "Money":
        return cls(to_decimal(value), currency)

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> "Money":
        return cls(Decimal(int(minor)).scaleb(-EXPONENT[currency]), currency)

    @classmethod
    def total(cls, items: Iterable["Money"], currency: str) -> "Money":
        result = cls.zero(currency)
        for m in items:
            result = result + m
        return result

    @property
    def minor(self) -> int:
        """What the database stores: an exact integer on SQLite and PostgreSQL alike."""
        return int(self.amount.scaleb(EXPONENT[self.currency]))

    # -- arithmetic -----------------------------------------------------------------------
    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} vs {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __abs__(self) -> "Money":
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: int | Decimal) -> "Money":
        if isinstance(factor, (float, bool)) or not isinstance(factor, (int, Decimal)):
            raise TypeError("multiply money by an int or Decimal")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def percent(self, percent: Decimal | int) -> "Money":
        """``percent`` per cent of this amount, rounded by the house rule (3 means 3 %)."""
        return self * (to_decimal(percent) / 100)

    def _cmp(self, other: "Money") -> tuple[Decimal, Decimal]:
        self._same(other)
        return self.amount, other.amount

    def __lt__(self, other: "Money") -> bool:
        a, b = self._cmp(other)
        return a < b

    def __le__(self, other: "Money") -> bool:
        a, b = self._cmp(other)
        return a <= b

    def __gt__(self, other: "Money") -> bool:
        a, b = self._cmp(other)
        return a > b

    def __ge__(self, other: "Money") -> bool:
        a, b = self._cmp(other)
        return a >= b

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def __repr__(self) -> str:
        return f"Money('{self.amount}', {self.currency})"


@dataclass(frozen=True, slots=True)
class Rate:
    """How many ``quote`` units one ``base`` unit costs, e.g. 1 CNY = 3,575.5 VND.

    Rates keep their own precision (a plain Decimal); only the converted amount is rounded.
    """

    base: str
    quote: str
    value: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or self.value <= 0:
            raise ValueError("a rate is a positive Decimal")

    def convert(self, money: Money) -> Money:
        if money.currency != self.base:
            raise CurrencyMismatch(f"rate is {self.base}->{self.quote}, got {money.currency}")
        return Money(money.amount * self.value, self.quote)
