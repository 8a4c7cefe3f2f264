"""Queues of tasks, delays and notifications: escalated tasks, delayed orders, the outbox.

Each filter/sort pair has its composite index in app/models/notify.py.
"""
from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from app.delay_rule import DELAY_REASON_LABELS, DELAY_STATE_LABELS, DELAYED, EXPECTING
from app.i18n import N_
from app.models import Customer, CustomerMessage, Order, Task, User
from app.permissions import Perm, Role
from app.queries.paging import Column, Context, Filter, Queue
from app.queries.queues.registry import QUEUES
from app.queries.queues.tasks import TASK_COLUMNS, TASK_FILTERS, TASK_SEARCH, task_select
from app.services.delays import FLAGGED
from app.services.outbox import (CUSTOMER_EVENT_LABELS, FAILED, NO_EMAIL, OUTBOX_STATUS_LABELS, PENDING,
                                 PHONED, SENT)
from app.workflows.orders import ORDER_KIND_LABELS, STATUS_LABELS
from app.workflows.tasks import TaskStatus


# -- tasks that went past due: the managers' queue ------------------------------------------------------

QUEUES.add(Queue(
    "tasks.escalated", N_("Overdue tasks"), "task",
    lambda ctx: task_select().add_columns(Task.escalated_at.label("escalated_at"))
    .where(Task.status == TaskStatus.OPEN.value, Task.escalated_at.isnot(None)),
    TASK_COLUMNS + (Column("escalated_at", N_("Escalated"), "datetime", width=140),),
    ("due_at", False), frozenset({"tasks", "users"}), TASK_SEARCH, TASK_FILTERS,
    flag=lambda row, ctx: "overdue",
    hint=N_("Tasks still open after their due time, most overdue first: assign, reschedule or chase.")),
    [Role.MANAGER])

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
           .where(FLAGGED))     # exactly the partial indexes' WHERE (app/models/notify.py)
    if ctx.actor.role is Role.CARE:   # care staff: the orders they look after
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
    [Role.MANAGER, Role.CARE])

# -- the customer outbox -------------------------------------------------------------------------------------

_msg_customer = aliased(Customer)


def _outbox_select(ctx: Context) -> Select:
    return (select(CustomerMessage.id.label("id"), CustomerMessage.created_at.label("created_at"),
                   _msg_customer.code.label("customer_code"), _msg_customer.name.label("customer_name"),
                   _msg_customer.phone.label("customer_phone"), CustomerMessage.event.label("event"),
                   CustomerMessage.to_address.label("to_address"), CustomerMessage.subject.label("subject"),
                   CustomerMessage.status.label("status"), CustomerMessage.attempts.label("attempts"),
                   CustomerMessage.next_attempt_at.label("next_attempt_at"),
                   CustomerMessage.last_error.label("last_error"), CustomerMessage.sent_at.label("sent_at"))
            .join(_msg_customer, _msg_customer.id == CustomerMessage.customer_id))


def _outbox_flag(row, ctx: Context) -> str | None:
    if row.status in (FAILED, NO_EMAIL):
        return "overdue"
    if row.status == PENDING and row.attempts:
        return "warning"   # the server was unreachable: retrying
    if row.status in (SENT, PHONED):
        return "done"
    return None


_OUTBOX_COLUMNS = (
    Column("id", N_("ID"), "int", sortable=True, width=70),
    Column("created_at", N_("Queued"), "datetime", width=130),
    Column("status", N_("Status"), "label", labels=OUTBOX_STATUS_LABELS, width=200),
    Column("customer_code", N_("Customer code"), width=100),
    Column("customer_name", N_("Customer"), width=160),
    Column("customer_phone", N_("Phone"), width=110),
    Column("event", N_("About"), "label", labels=CUSTOMER_EVENT_LABELS, width=150),
    Column("subject", N_("Subject"), width=260),
    Column("to_address", N_("E-mail"), width=170),
    Column("attempts", N_("Attempts"), "int", width=70),
    Column("next_attempt_at", N_("Next attempt"), "datetime", width=130),
    Column("sent_at", N_("Sent"), "datetime", width=130),
    Column("last_error", N_("Last error"), width=260),
)
_OUTBOX_TABLES = frozenset({"customer_messages", "customers"})

QUEUES.add(Queue(
    "outbox.messages", N_("Customer outbox"), "customer_message", _outbox_select, _OUTBOX_COLUMNS,
    ("id", True), _OUTBOX_TABLES,
    filters=(Filter("status", N_("Status"), lambda s, a: list(OUTBOX_STATUS_LABELS.items()),
                    lambda sel, v: sel.where(CustomerMessage.status == v)),),
    perm=Perm.VIEW_CUSTOMERS, flag=_outbox_flag,
    hint=N_("Every message to customers, newest first: red ones did not go out, yellow ones are being "
            "retried.")),
    [Role.MANAGER, Role.ADMIN])

def _to_phone_select(ctx: Context) -> Select:
    sel = _outbox_select(ctx).where(CustomerMessage.status.in_([NO_EMAIL, FAILED]))
    if ctx.actor.role is Role.CARE:   # care staff: their customers, and customers nobody looks after
        sel = sel.where(or_(_msg_customer.care_staff_id == ctx.actor.user_id,
                            _msg_customer.care_staff_id.is_(None)))
    return sel


QUEUES.add(Queue(
    "outbox.to_phone", N_("Customers to phone"), "customer_message", _to_phone_select,
    _OUTBOX_COLUMNS, ("id", True), _OUTBOX_TABLES, perm=Perm.VIEW_CUSTOMERS, flag=_outbox_flag,
    hint=N_("Messages that could not be e-mailed (no address, or refused): phone the customer, "
            "then mark the message as told by phone.")),
    [Role.CARE, Role.MANAGER])
