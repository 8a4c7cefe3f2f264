"""Complaints (khiếu nại, 投诉) and seller complaints (khiếu nại người bán, KNNB).

A ``Complaint`` is a customer's, on an order: which items or parcels, what is wrong, photos,
the contacts with the shop and the customer, and the plans proposed (each with its remedies:
refund, reship, return to China, discount, compensation) until one is approved and carried out.
A ``SellerComplaint`` is the company's claim against a Chinese shop for a shop order, with the
platform's after-sale deadline it must beat. An ``Inspection`` is the customer's verdict after
delivery (accepted, rejected, rework, partly accepted).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import MoneyType
from app.money import CNY, VND, Money

#: the conditions of the active queues, written once for the partial indexes and the queries
ACTIVE = "status IN ('open', 'investigating', 'proposed', 'approved')"
SELLER_ACTIVE = "status IN ('open', 'claimed')"


def _where(condition: str) -> dict:
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Complaint(Base):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    #: before_receipt (the VN warehouse's inspection) or after_receipt (the customer has the goods)
    stage: Mapped[str] = mapped_column(String(20))
    #: wrong_item, missing, damaged, late, other
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: where the fault lies, recorded with the plan (shop, cn_warehouse, transport, vn_warehouse, staff)
    fault: Mapped[str | None] = mapped_column(String(20))
    care_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ordering_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_name: Mapped[str] = mapped_column(String(120), default="")
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    proposed_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: folded code, order code and customer for the queues' search
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list["ComplaintLine"]] = relationship(
        back_populates="complaint", cascade="all, delete-orphan", order_by="ComplaintLine.id")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_complaints_order", "order_id", "id"),
        Index("ix_complaints_opened", "opened_at", "id"),
        Index("ix_complaints_status", "status", "opened_at", "id"),
        # the care and ordering queues: active complaints of one person (partial: closed ones
        # leave the index)
        Index("ix_complaints_care", "care_staff_id", "opened_at", "id", **_where(ACTIVE)),
        Index("ix_complaints_ordering", "ordering_staff_id", "opened_at", "id", **_where(ACTIVE)),
    )


class ComplaintLine(Base):
    """One thing complained about: an item of the order (with how many pieces) or a parcel."""

    __tablename__ = "complaint_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    order_item_id: Mapped[int | None] = mapped_column(ForeignKey("order_items.id"))
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"))
    quantity: Mapped[int | None]
    #: the item's (or the parcel's shop order's) shop: vendor figures count complaints per shop
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))

    complaint: Mapped[Complaint] = relationship(back_populates="lines")

    __table_args__ = (Index("ix_complaint_lines_complaint", "complaint_id", "id"),
                      Index("ix_complaint_lines_shop", "shop_id", "complaint_id"),
                      Index("ix_complaint_lines_parcel", "parcel_id", "complaint_id"))


class ComplaintFile(Base):
    """A photo or document of a complaint or a seller complaint (the evidence)."""

    __tablename__ = "complaint_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    seller_complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("seller_complaints.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime]

    __table_args__ = (Index("ix_complaint_files_complaint", "complaint_id", "id"),
                      Index("ix_complaint_files_seller", "seller_complaint_id", "id"))


class ComplaintContact(Base):
    """A contact with the shop or the customer about a complaint: who talked, how, what was said."""

    __tablename__ = "complaint_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    #: customer, shop, or internal (a note between staff)
    party: Mapped[str] = mapped_column(String(12))
    #: phone, zalo, wangwang (the platform's chat), email, other
    channel: Mapped[str] = mapped_column(String(20), default="")
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(120))

    __table_args__ = (Index("ix_complaint_contacts_complaint", "complaint_id", "id"),)


class ComplaintPlan(Base):
    """A plan proposed for a complaint; a manager approves or rejects it, approved ones are
    carried out. Rejected plans stay, so the history of proposals is kept."""

    __tablename__ = "complaint_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    fault: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    #: the money the plan gives (refund + discount + compensation), for the manager's queue
    total: Mapped[Money] = mapped_column(MoneyType(VND), default=Money.zero(VND))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_by_name: Mapped[str] = mapped_column(String(120))
    proposed_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_name: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")
    executed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[datetime | None]

    remedies: Mapped[list["ComplaintRemedy"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ComplaintRemedy.id")

    __table_args__ = (Index("ix_complaint_plans_complaint", "complaint_id", "id"),)


class ComplaintRemedy(Base):
    """One part of a plan, and what carrying it out made: the journal entry, the return
    shipment, the reship order or the discount code."""

    __tablename__ = "complaint_remedies"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("complaint_plans.id", ondelete="CASCADE"))
    #: refund, reship, return_cn, discount, compensation
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Money | None] = mapped_column(MoneyType(VND))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    reship_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    discount_code_id: Mapped[int | None] = mapped_column(ForeignKey("discount_codes.id"))

    plan: Mapped[ComplaintPlan] = relationship(back_populates="remedies")

    __table_args__ = (Index("ix_complaint_remedies_plan", "plan_id", "id"),
                      # a return shipment's packing scan asks which parcels it is for
                      Index("ix_complaint_remedies_shipment", "shipment_id"))


class SellerComplaint(Base):
    """The company's claim against a Chinese shop for one shop order (KNNB)."""

    __tablename__ = "seller_complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    shop_order_id: Mapped[int] = mapped_column(ForeignKey("shop_orders.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    #: the customer complaint that led to it, if any
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    platform: Mapped[str] = mapped_column(String(20))
    #: wrong_item, defective, short, not_as_described, other
    reason: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    claimed_cny: Mapped[Money] = mapped_column(MoneyType(CNY))
    recovered_cny: Mapped[Money | None] = mapped_column(MoneyType(CNY))
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    #: the dispute's number on the platform once filed
    platform_case_no: Mapped[str] = mapped_column(String(60), default="")
    #: when the seller shipped, and when the platform's after-sale window closes (fixed at opening)
    seller_shipped_at: Mapped[datetime]
    deadline_at: Mapped[datetime]
    #: the near-deadline warning went out
    warned_at: Mapped[datetime | None]
    ordering_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_name: Mapped[str] = mapped_column(String(120), default="")
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    filed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cny_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_accounts.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # the ordering staff's queue: active claims by time left
        Index("ix_seller_complaints_active", "deadline_at", "id", **_where(SELLER_ACTIVE)),
        Index("ix_seller_complaints_opened", "opened_at", "id"),
        Index("ix_seller_complaints_shop", "shop_id", "opened_at"),
        Index("ix_seller_complaints_shop_order", "shop_order_id", "id"),
        Index("ix_seller_complaints_order", "order_id", "id"),
    )


class Inspection(Base):
    """The customer's inspection after delivery: accepted, rejected, requires rework or partly
    accepted, with what was not accepted; a rejection opens a complaint."""

    __tablename__ = "order_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    result: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    #: the lines not accepted: [{"order_item_id" or "parcel_id": id, "quantity": n}]
    rejected: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_name: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime]

    __table_args__ = (Index("ix_order_inspections_order", "order_id", "id"),)
