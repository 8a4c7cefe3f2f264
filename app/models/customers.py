"""Customers (khách hàng, 客户), their delivery addresses and VIP levels."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import Fixed, MoneyType
from app.money import VND, Money


class VipLevel(Base):
    """A customer group: spend threshold, deposit percent and fee discount (cấp VIP)."""

    __tablename__ = "vip_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    rank: Mapped[int] = mapped_column(default=0)
    min_spend: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    #: None = use the company setting orders.deposit_percent
    deposit_percent: Mapped[Decimal | None] = mapped_column(Fixed(2))
    service_fee_discount_percent: Mapped[Decimal] = mapped_column(Fixed(2), default=Decimal(0))
    is_active: Mapped[bool] = mapped_column(default=True)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    phone2: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="vi")
    vip_level_id: Mapped[int | None] = mapped_column(ForeignKey("vip_levels.id"))
    care_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    #: folded code + name + phones (app.text.search_blob), trigram-indexed on both databases
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    addresses: Mapped[list["CustomerAddress"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerAddress.id")
    vip_level: Mapped[VipLevel | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_customers_care", "care_staff_id", "created_at", "id"),
        Index("ix_customers_created", "created_at", "id"),
        Index("ix_customers_name", "name", "id"),
    )


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    recipient: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    line: Mapped[str] = mapped_column(String(300))
    district: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    is_default: Mapped[bool] = mapped_column(default=False)

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    def one_line(self) -> str:
        return ", ".join(p for p in (self.line, self.district, self.city) if p)
