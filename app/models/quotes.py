"""Quotes (báo giá): what an order will cost at the selling rate of the moment, valid until a time.

Every version of an order's quote is a row; a new version never rewrites an older one. The
figures are a snapshot (items, rate, fees, deposit), so a version prints later as it was sent.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.types import Fixed, MoneyType
from app.money import CNY, VND, Money


class QuoteVersion(Base):
    """One version of an order's quote: sent, awaiting the customer, accepted, refused, taken
    by the deposit, expired or superseded by a later version."""

    __tablename__ = "quote_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    version: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    selling_rate: Mapped[Decimal] = mapped_column(Fixed(6))
    rate_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_rates.id"))
    goods_cny: Mapped[Money] = mapped_column(MoneyType(CNY))
    goods_vnd: Mapped[Money] = mapped_column(MoneyType(VND))
    fees_vnd: Mapped[Money] = mapped_column(MoneyType(VND))
    total_vnd: Mapped[Money] = mapped_column(MoneyType(VND))
    deposit_percent: Mapped[Decimal] = mapped_column(Fixed(2))
    deposit_vnd: Mapped[Money] = mapped_column(MoneyType(VND))
    #: the total of this version minus the previous version's (None for the first)
    difference_vnd: Mapped[Money | None] = mapped_column(MoneyType(VND))
    valid_until: Mapped[datetime]
    #: what was quoted: items [{title, variant, quantity, unit_price_cny}] and fees [{code, vnd}]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None]
    decided_by_name: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("order_id", "version", name="uq_quote_versions_order_version"),
                      Index("ix_quote_versions_status", "status", "valid_until", "id"))
