"""Delivery requests (yêu cầu giao / phiếu xuất, 出库单): a customer's parcels leaving the
Vietnam warehouse, packed in boxes, handed over and signed for."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import MoneyType
from app.money import VND, Money


#: requests still in the warehouse's hands: the open-deliveries queue and its partial index
ACTIVE = "status IN ('requested', 'slip_issued', 'handed_over')"


class DeliveryRequest(Base):
    __tablename__ = "delivery_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(20), default="requested")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: pickup (the customer collects), courier (a delivery company), company (own driver)
    method: Mapped[str] = mapped_column(String(20), default="courier")
    recipient: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(400), default="")
    courier: Mapped[str] = mapped_column(String(120), default="")
    courier_tracking: Mapped[str] = mapped_column(String(60), default="")
    box_count: Mapped[int] = mapped_column(default=0)
    delivery_fee: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    #: to collect on delivery: the VN delivery fee plus what the customer owes
    cod: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    slip_issued_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    #: who took the goods: the customer, or the courier's driver
    handed_to: Mapped[str] = mapped_column(String(120), default="")
    delivered_at: Mapped[datetime | None]
    signed_by: Mapped[str] = mapped_column(String(120), default="")
    signed_slip_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    version: Mapped[int] = mapped_column(default=1)

    customer = relationship("Customer")
    warehouse = relationship("Warehouse")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_delivery_requests_active", "created_at", "id",
              sqlite_where=text(ACTIVE), postgresql_where=text(ACTIVE)),
        Index("ix_delivery_requests_customer", "customer_id", "created_at", "id"),
    )


class DeliveryParcel(Base):
    """A parcel on a delivery request, and the box it was packed in."""

    __tablename__ = "delivery_parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery_requests.id", ondelete="CASCADE"))
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    box_no: Mapped[int | None]
    packed_at: Mapped[datetime | None]
    packed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("delivery_id", "parcel_id", name="uq_delivery_parcels_line"),
                      Index("ix_delivery_parcels_parcel", "parcel_id", "id"))
