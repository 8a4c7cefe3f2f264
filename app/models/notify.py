"""Tables and indexes of tasks, delays and notifications: secrets, measured stage durations.

The indexes below belong to tables declared elsewhere (orders, tasks, staff notifications,
customer messages); each serves one queue or timer of this capability: (filter…, sort, id).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.orders import Order
from app.models.system import CustomerMessage, StaffNotification, Task


class Secret(Base):
    """A value no screen may show (the SMTP password).

    Kept out of ``settings`` on purpose: every settings screen reads that table whole, and a
    change there is logged with its old and new value in the append-only activity log.
    """

    __tablename__ = "secrets"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class StageDuration(Base):
    """How long orders of one kind usually stay in one status: the median over recent history.

    Measured by app.services.delays.measure_stage_durations from the activity log's status
    changes; read when an order's "expecting delay" flag is worked out.
    """

    __tablename__ = "stage_durations"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    median_seconds: Mapped[int]
    samples: Mapped[int]
    measured_at: Mapped[datetime]


# -- indexes for this capability's queues and timers --------------------------------------------

#: an order carries a delay flag ("" is on time). The WHERE of the partial indexes below, as text
#: like migration 0004 writes it; the queue and the timer filter with this very SQL
#: (app.services.delays.FLAGGED) so both planners match it.
FLAGGED_SQL = "delay_state != ''"
#: "Delayed orders" (managers): flagged ORDER BY committed_deliver_by. Partial: only the flagged
#: orders (a few among a million), in the queue's order.
Index("ix_orders_delay_queue", Order.committed_deliver_by, Order.id,
      sqlite_where=text(FLAGGED_SQL), postgresql_where=text(FLAGGED_SQL))
#: "Delayed orders" (care staff: their own)
Index("ix_orders_care_delay_queue", Order.care_staff_id, Order.committed_deliver_by, Order.id,
      sqlite_where=text(FLAGGED_SQL), postgresql_where=text(FLAGGED_SQL))
#: the upcoming-shipments calendar: not yet shipped statuses, by planned ship date
Index("ix_orders_ship_plan", Order.status, Order.estimated_ship_at, Order.id)
#: the feedback window: delivered orders by the time they were delivered
Index("ix_orders_status_changed", Order.status, Order.status_changed_at, Order.id)
#: escalation (open, not escalated, due before…) and the escalated-tasks queue
Index("ix_tasks_escalation", Task.status, Task.escalated_at, Task.due_at, Task.id)
#: the notification centre: one person's notifications, newest first
Index("ix_staff_notifications_list", StaffNotification.user_id, StaffNotification.id)
#: the outbox screens: messages by status, newest first
Index("ix_customer_messages_status_list", CustomerMessage.status, CustomerMessage.id)
