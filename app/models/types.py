"""Column types that keep values exact on SQLite and PostgreSQL alike.

SQLite's NUMERIC goes through float (12345678901234567.89 came back …568.00), so money and
other fixed-point values are stored as integers of their smallest unit and come back as Decimal
(or Money). Times are stored in UTC and always come back timezone-aware.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime
from sqlalchemy.types import TypeDecorator

from app.money import EXPONENT, Money, round_money


class Fixed(TypeDecorator):
    """A Decimal with ``scale`` decimals, stored as an integer (weights in grams, rates ×10⁴…)."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("floats are not stored; use Decimal")
        scaled = Decimal(value).scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)

    @property
    def python_type(self) -> type:
        return Decimal


class MoneyType(TypeDecorator):
    """An amount in one fixed currency, stored in minor units, loaded as ``Money``."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, currency: str) -> None:
        super().__init__()
        self.currency = currency

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, Money):
            if value.currency != self.currency:
                raise ValueError(f"column holds {self.currency}, got {value.currency}")
            return value.minor
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # already minor units (e.g. SUM() results compared in SQL)
        if isinstance(value, Decimal):
            return Money(round_money(value, self.currency), self.currency).minor
        raise TypeError(f"expected Money, got {type(value).__name__}")

    def process_result_value(self, value: Any, dialect: Any) -> Money | None:
        if value is None:
            return None
        return Money.from_minor(int(value), self.currency)

    @property
    def python_type(self) -> type:
        return Money


def money_column_check(currency: str) -> int:
    return EXPONENT[currency]


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both databases (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC time (app.clock)")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    @property
    def python_type(self) -> type:
        return datetime
