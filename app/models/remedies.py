"""Remedies the customer holds for later (seed 003): a "priority shipping on the next order"
voucher, given by a complaint's plan and used once by the customer's next billed order.

``used_order_id`` is unique (an order uses at most one voucher) and a voucher is taken with one
conditional UPDATE (``used_order_id IS NULL``), so two desktops billing two orders of the same
customer at once cannot both use it.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class PriorityVoucher(Base):
    __tablename__ = "priority_vouchers"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    used_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_priority_vouchers_customer", "customer_id", "used_order_id", "id"),)
