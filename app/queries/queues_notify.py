"""Queues of tasks, delays and notifications: escalated tasks, delayed orders, the outbox.

Each filter/sort pair has its composite index in app/models/notify.py.
"""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from app.delays import DELAY_REASON_LABELS, DELAY_STATE_LABELS, DELAYED, EXPECTING
from app.i18n import N_
from app.models import Customer, Order, Task, User
from app.permissions import Perm, Role
from app.queries.paging import Column, Context, Filter, Queue
from app.queries.queues import (_TASK_COLUMNS, _TASK_FILTERS, _TASK_SEARCH, QUEUES, _task_select)
from app.workflows.orders import ORDER_KIND_LABELS, STATUS_LABELS
from app.workflows.tasks import TaskStatus

R = Role

# -- tasks that went past due: the managers' queue ------------------------------------------------------

QUEUES.add(Queue(
    "tasks.escalated", N_("Overdue tasks"), "task",
    lambda ctx: _task_select().add_columns(Task.escalated_at.label("escalated_at"))
    .where(Task.status == TaskStatus.OPEN.value, Task.escalated_at.isnot(None)),
    _TASK_COLUMNS + (Column("escalated_at", N_("Escalated"), "datetime", width=140),),
    ("due_at", False), frozenset({"tasks", "users"}), _TASK_SEARCH, _TASK_FILTERS,
    flag=lambda row, ctx: "overdue",
    hint=N_("Tasks still open after their due time, most overdue first: assign, reschedule or chase.")),
    [R.MANAGER])

# -- delayed and expecting-delay orders -------------------------------------------------------------------

_care = aliased(User)


def _delayed_select(ctx: Context) -> Select:
    sel = (select(Order.id.label("id"), Order.code.label("code"), Order.kind.label("kind"),
                  Order.status.label("status"), Customer.name.label("customer_name"),
                  _care.full_name.label("care_staff"), Order.delay_state.label("delay_state"),
                  Order.delay_reason.label("delay_reason"),
                  Order.committed_ship_by.label("committed_ship_by"),
                  Order.estimated_ship_at.label("estimated_ship_at"),
                  Order.committed_deliver_by.label("committed_deliver_by"),
                  Order.estimated_deliver_at.label("estimated_deliver_at"),
                  Order.forecast_deliver_at.label("forecast_deliver_at"))
           .join(Customer, Customer.id == Order.customer_id)
           .outerjoin(_care, _care.id == Order.care_staff_id)
           .where(Order.delay_state.in_([DELAYED, EXPECTING])))
    if ctx.actor.role is R.CARE:   # care staff: the orders they look after
        sel = sel.where(Order.care_staff_id == ctx.actor.user_id)
    return sel


def _delay_flag(row, ctx: Context) -> str | None:
    return "overdue" if row.delay_state == DELAYED else "warning"


QUEUES.add(Queue(
    "orders.delayed", N_("Delayed orders"), "order", _delayed_select,
    (Column("code", N_("Order"), width=110),
     Column("delay_state", N_("Delay"), "label", labels=DELAY_STATE_LABELS, width=120),
     Column("delay_reason", N_("Why"), "label", labels=DELAY_REASON_LABELS, width=260),
     Column("status", N_("Status"), "label", labels=STATUS_LABELS, width=150),
     Column("customer_name", N_("Customer"), width=170),
     Column("care_staff", N_("Customer care"), width=140),
     Column("committed_ship_by", N_("To be shipped by"), "date", width=110),
     Column("estimated_ship_at", N_("Estimated shipping"), "date", width=110),
     Column("committed_deliver_by", N_("To be delivered by"), "date", sortable=True, width=110),
     Column("estimated_deliver_at", N_("Estimated delivery"), "date", width=110),
     Column("forecast_deliver_at", N_("Forecast delivery"), "date", width=110),
     Column("kind", N_("Type"), "label", labels=ORDER_KIND_LABELS, width=120)),
    ("committed_deliver_by", False), frozenset({"orders", "customers", "users"}),
    filters=(Filter("delay_state", N_("Delay"),
                    lambda s, a: [(DELAYED, DELAY_STATE_LABELS[DELAYED]), (EXPECTING, DELAY_STATE_LABELS[EXPECTING])],
                    lambda sel, v: sel.where(Order.delay_state == v)),),
    perm=Perm.VIEW_ORDERS, flag=_delay_flag,
    hint=N_("Delayed orders (red) and orders expecting a delay (yellow), the earliest promise first. "
            "Change the estimated dates to tell the customer.")),
    [R.MANAGER, R.CARE])
