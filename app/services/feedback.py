"""The feedback window (thời gian phản hồi): a delivered order nobody complained about within the
configured days (orders.feedback_days, default 14) completes by itself — a SYSTEM
"confirm_received" step from "delivered" to "received".
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.db import Database
from app.i18n import _
from app.models import Order
from app.permissions import SYSTEM_ACTOR
from app.services import complaints, order_lifecycle
from app.services import settings as settings_service
from app.services.activity import now
from app.workflows.orders import OrderStatus


def has_open_complaint(tx: Session, order_id: int) -> bool:
    """Is a complaint on this order still waiting on someone? Read inside the transaction that
    completes the order, so a complaint opened at the same moment either blocks the completion or
    comes after it — never half of each."""
    return complaints.has_open_complaint(tx, order_id)


def complete_after_feedback_window(db: Database, batch: int = 200) -> int:
    """Orders delivered more than the feedback window ago, without an open complaint, become
    "received". Each order moves in its own transaction, locked and re-checked there, so two
    desktops running the timer never move one twice. Returns how many completed."""
    with db.read() as s:
        days = settings_service.get(s, "orders.feedback_days")
    cutoff = db.clock.now() - timedelta(days=days)
    completed = 0
    after: tuple = ()
    while True:
        q = select(Order.id, Order.status_changed_at).where(
            Order.status == OrderStatus.DELIVERED.value, Order.status_changed_at <= cutoff)
        if after:
            q = q.where(tuple_(Order.status_changed_at, Order.id) > tuple_(*after))
        with db.read() as s:
            due = s.execute(q.order_by(Order.status_changed_at, Order.id).limit(batch)).all()
        for order_id, _delivered in due:
            completed += _complete(db, order_id, days)
        if len(due) < batch:
            return completed
        after = (due[-1][1], due[-1][0])


def _complete(db: Database, order_id: int, days: int) -> int:
    with db.transaction() as tx:
        order = tx.get(Order, order_id, with_for_update=True)
        if order is None or order.status != OrderStatus.DELIVERED.value:
            return 0   # someone else took the step meanwhile
        if order.status_changed_at > now(tx) - timedelta(days=days) or has_open_complaint(tx, order.id):
            return 0
        reason = _("No complaint within {days} days of delivery.").format(days=days)
        order_lifecycle.move(tx, SYSTEM_ACTOR, order, "confirm_received", reason)
        return 1
