"""Freight carriers' bills (hóa đơn nhà vận chuyển, 承运商账单): what the carrier charges for each
shipment it carried, checked against what we weighed and sealed and what the route should cost.

A bill is imported from the carrier's file or typed in; its lines keep what the carrier billed
and, next to it, our figures at the time of the check (sealed gross weight, the sum of our
parcels, the route's cost price) and the flags the comparison raised. Accepting a bill posts the
payable to the carrier; disputing it opens a task with the evidence.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import Fixed, MoneyType
from app.money import VND, Money


class CarrierBill(Base):
    __tablename__ = "carrier_bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(String(120))
    #: the carrier's own number for the bill
    bill_no: Mapped[str] = mapped_column(String(60))
    bill_date: Mapped[date] = mapped_column(Date)
    #: open (checked, waiting for a decision), disputed, accepted
    status: Mapped[str] = mapped_column(String(12), default="open")
    file_name: Mapped[str] = mapped_column(String(255), default="")
    billed: Mapped[Money] = mapped_column(MoneyType(VND))
    expected: Mapped[Money] = mapped_column(MoneyType(VND))
    #: what was finally accepted (the payable posted); None until accepted
    accepted_amount: Mapped[Money | None] = mapped_column(MoneyType(VND))
    flagged_lines: Mapped[int] = mapped_column(default=0)
    disputed_at: Mapped[datetime | None]
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lines: Mapped[list["CarrierBillLine"]] = relationship(order_by="CarrierBillLine.line_no",
                                                          cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("carrier", "bill_no", name="uq_carrier_bills_number"),
        Index("ix_carrier_bills_carrier_date", "carrier", "bill_date", "id"),
    )


class CarrierBillLine(Base):
    """One shipment (sack) on a carrier's bill, with our figures beside the carrier's."""

    __tablename__ = "carrier_bill_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("carrier_bills.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    shipment_code: Mapped[str] = mapped_column(String(24))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    billed_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    billed_m3: Mapped[Decimal | None] = mapped_column(Fixed(4))
    unit_price: Mapped[Money | None] = mapped_column(MoneyType(VND))
    surcharges: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    amount: Mapped[Money] = mapped_column(MoneyType(VND))
    our_gross_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    our_parcels_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    our_m3: Mapped[Decimal | None] = mapped_column(Fixed(4))
    expected: Mapped[Money] = mapped_column(MoneyType(VND))
    #: the flags the check raised (codes of app.services.carrier_bills.FLAG_LABELS)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (
        UniqueConstraint("bill_id", "shipment_code", name="uq_carrier_bill_lines_shipment"),
        Index("ix_carrier_bill_lines_shipment", "shipment_id", "id"),
    )
