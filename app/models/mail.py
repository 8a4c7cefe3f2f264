"""The customer chat by e-mail (hộp thư khách hàng): which chat line went out as which outbox
message, the e-mails read back from the company's mailbox, and the customers' satisfaction ratings."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class ChatMail(Base):
    """A staff line of an order's customer chat and the outbox message that carries it."""

    __tablename__ = "chat_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_message_id: Mapped[int] = mapped_column(ForeignKey("order_messages.id", ondelete="CASCADE"))
    customer_message_id: Mapped[int] = mapped_column(ForeignKey("customer_messages.id"))

    __table_args__ = (
        UniqueConstraint("order_message_id", name="uq_chat_mails_order_message"),
        UniqueConstraint("customer_message_id", name="uq_chat_mails_customer_message"),
    )


class InboundMail(Base):
    """One e-mail read from the mailbox, kept once by its Message-ID: threaded into an order's
    customer chat, or waiting for staff when it names no order ("unmatched")."""

    __tablename__ = "inbound_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the Message-ID header (or a digest of the message when it has none)
    message_id: Mapped[str] = mapped_column(String(500))
    from_address: Mapped[str] = mapped_column(String(200), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None]
    imported_at: Mapped[datetime]
    #: threaded (in an order's chat), unmatched (staff must look), filed (staff put it on an order),
    #: dismissed (staff decided it concerns no order)
    status: Mapped[str] = mapped_column(String(12))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    order_message_id: Mapped[int | None] = mapped_column(ForeignKey("order_messages.id", ondelete="SET NULL"))

    __table_args__ = (
        UniqueConstraint("message_id", name="uq_inbound_mails_message_id"),
        Index("ix_inbound_mails_status", "status", "id"),
    )


class OrderRating(Base):
    """The customer's satisfaction with a completed order, 1 (very unhappy) to 5 (very happy):
    from their e-mail reply, or recorded by care staff after a call. One per order; a later
    answer replaces it (the activity log keeps the earlier one)."""

    __tablename__ = "order_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    score: Mapped[int]
    #: email (the customer's reply) or call (recorded by staff)
    source: Mapped[str] = mapped_column(String(10))
    comment: Mapped[str] = mapped_column(Text, default="")
    #: the order's care staff when rated: the figure belongs to who looked after the order
    care_staff_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("order_id", name="uq_order_ratings_order"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        Index("ix_order_ratings_recorded", "recorded_at", "id"),
    )
