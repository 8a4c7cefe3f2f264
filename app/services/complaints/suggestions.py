"""What the rules in settings propose for a complaint (seed 003).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.db import Database
from app.fees import to_vnd
from app.models import Complaint, Order
from app.permissions import Actor, Perm, require
from app.remedy_rule import (IssueFacts, Suggestion, complaint_history_days, compensation_rules_from_settings,
                          suggest_remedies)
from app.services import settings as settings_service
from app.services.complaints.views import get_complaint
from app.services.remedies import days_late, delivered_at


def suggest_for_complaint(db: Database, actor: Actor, complaint_id: int) -> Suggestion:
    """What the rules in settings propose for this complaint (a delay is a complaint of kind
    "late"): staff take it into the plan or change it."""
    require(actor, Perm.HANDLE_COMPLAINTS)
    view = get_complaint(db, actor, complaint_id)
    with db.read() as s:
        get = lambda key: settings_service.get(s, key)   # noqa: E731
        order = s.get(Order, view.order_id)
        at = s.get(Complaint, complaint_id).opened_at
        delivered = delivered_at(s, order.id)
        late = days_late(order.committed_deliver_by, min(delivered, at) if delivered else at)
        since = at - timedelta(days=complaint_history_days(get))
        earlier = s.scalar(select(func.count()).select_from(Complaint).where(
            Complaint.customer_id == view.customer_id, Complaint.id != complaint_id,
            Complaint.opened_at >= since, Complaint.opened_at <= at)) or 0
        rate = view.selling_rate
        order_value = view.charged
        if order_value.is_zero() and rate and not order.goods_cny.is_zero():
            order_value = to_vnd(order.goods_cny, rate)
        items_value = to_vnd(view.items_value_cny, rate) if rate and not view.items_value_cny.is_zero() else None
        rules = compensation_rules_from_settings(get)
    return suggest_remedies(IssueFacts(view.kind, late, order_value, items_value, int(earlier)), rules)
