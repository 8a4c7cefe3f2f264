"""Order reports: the register, orders by type and status, completed orders, orders over time,
the status funnel and delayed deliveries.

"Orders of a period" are the orders created in it (the register's date, indexed) that left the
cart — a cart still in draft, or one that expired unsubmitted, is not an order the customer
placed. The register (orders.list) shows every order created, carts included.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, case, func, literal_column, select, true, union_all
from sqlalchemy.orm import Session, aliased

from app.i18n import N_, _
from app.models import ActivityEvent, Customer, Order, User
from app.models.types import MoneyType
from app.money import CNY, Money
from app.reports.base import (REPORTS, BoundedSource, CalendarSource, Column, Param, Report,
                              ReportContext, SqlSource, Total, average_days, days, percent)
from app.reports.sql import (at, event_status, in_period, in_range, local_bucket, minor, placed,
                             rank_of, seconds_between)
from app.workflows.orders import EXITS, ORDER_KIND_LABELS, STATUS_LABELS, OrderKind, OrderStatus, flow_for

PURCHASE, CONSIGNMENT = OrderKind.PURCHASE.value, OrderKind.CONSIGNMENT.value
KIND_RANK = {PURCHASE: 0, CONSIGNMENT: 1}
STATUS_RANK = {s: i for i, s in enumerate(STATUS_LABELS)}

# -- parameters shared by the order reports -----------------------------------------------------

KIND = Param("kind", N_("Type"), (("all", N_("All types")), (PURCHASE, ORDER_KIND_LABELS[OrderKind.PURCHASE]),
                                  (CONSIGNMENT, ORDER_KIND_LABELS[OrderKind.CONSIGNMENT])), "all")
GRAIN = Param("by", N_("Group by"), (("auto", N_("Automatic")), ("day", N_("Day")), ("week", N_("Week")),
                                     ("month", N_("Month"))), "auto")
STATUS = Param("status", N_("Status"), (("all", N_("All statuses")),) + tuple(STATUS_LABELS.items()), "all")


def kind_is(ctx: ReportContext, column: Any = Order.kind) -> Any:
    return true() if ctx["kind"] == "all" else column == ctx["kind"]


def kinds_of(ctx: ReportContext) -> list[str]:
    return [PURCHASE, CONSIGNMENT] if ctx["kind"] == "all" else [ctx["kind"]]


def status_label(kind: str, status: str) -> str:
    """The status as that kind of order names it ("Waiting for deposit" for a purchase order)."""
    return _(flow_for(kind).label(status)) if status else ""


def _status_column(key: str = "status", title: str = N_("Status")) -> Column:
    return Column(key, title, get=lambda r: status_label(r.kind, getattr(r, key)), width=150)


TYPE_COLUMN = Column("kind", N_("Type"), labels=ORDER_KIND_LABELS, width=130)
CARE_STAFF, ORDERING_STAFF = aliased(User, name="care_staff"), aliased(User, name="ordering_staff")


def with_people(sel):
    """The order's customer, customer care and ordering staff, for their names."""
    return (sel.join(Customer, Customer.id == Order.customer_id)
            .outerjoin(CARE_STAFF, CARE_STAFF.id == Order.care_staff_id)
            .outerjoin(ORDERING_STAFF, ORDERING_STAFF.id == Order.ordering_staff_id))


def _one(session: Session, sel) -> Any:
    return session.execute(sel).one()


# -- the register: every order created in the period ---------------------------------------------

def _register_where(ctx: ReportContext) -> list:
    where = [in_period(Order.created_at, ctx), kind_is(ctx)]
    if ctx["status"] != "all":
        where.append(Order.status == ctx["status"])
    return where


def _register(ctx: ReportContext):
    return with_people(select(
        Order.id.label("id"), Order.code.label("code"), Order.kind.label("kind"),
        Order.status.label("status"), Customer.code.label("customer_code"),
        Customer.name.label("customer_name"), CARE_STAFF.full_name.label("care_staff"),
        ORDERING_STAFF.full_name.label("ordering_staff"), Order.created_at.label("created_at"),
        Order.item_count.label("item_count"), Order.goods_cny.label("goods_cny"),
    )).where(*_register_where(ctx))


def _register_totals(session: Session, ctx: ReportContext) -> Any:
    return _one(session, select(func.count().label("orders"),
                                func.coalesce(func.sum(Order.item_count), 0).label("items"),
                                func.coalesce(func.sum(Order.goods_cny), 0).label("goods_cny"))
                .where(*_register_where(ctx)))


REPORTS.add(Report(
    "orders.list", N_("Order register"), N_("Orders"),
    N_("Every order created in the period, carts included, with its current status, customer, "
       "staff and goods value."),
    (Column("code", N_("Order"), width=100), TYPE_COLUMN, _status_column(),
     Column("customer_code", N_("Customer code"), width=95),
     Column("customer_name", N_("Customer"), width=170),
     Column("care_staff", N_("Customer care"), width=140),
     Column("ordering_staff", N_("Ordering staff"), width=140),
     Column("created_at", N_("Created"), "datetime", width=130),
     Column("item_count", N_("Quantity"), "int", width=70),
     Column("goods_cny", N_("Goods (CNY)"), "money_cny", width=110)),
    SqlSource(_register, ("created_at", "id")),
    params=(KIND, STATUS),
    totals=(Total("orders", N_("Orders"), "int"), Total("items", N_("Quantity"), "int"),
            Total("goods_cny", N_("Goods (CNY)"), "money_cny")),
    total_query=_register_totals, order=90))


# -- orders by type and status ----------------------------------------------------------------------

def _placed_in(ctx: ReportContext) -> list:
    return [in_period(Order.created_at, ctx), placed(), kind_is(ctx)]


def _by_status(ctx: ReportContext):
    return (select(Order.kind.label("kind"), Order.status.label("status"),
                   rank_of(Order.kind, KIND_RANK).label("kind_rank"),
                   rank_of(Order.status, STATUS_RANK).label("status_rank"),
                   func.count().label("orders"),
                   func.sum(func.count()).over().label("all_orders"),
                   func.coalesce(func.sum(Order.item_count), 0).label("items"),
                   func.coalesce(func.sum(Order.goods_cny), 0).label("goods_cny"))
            .where(*_placed_in(ctx)).group_by(Order.kind, Order.status))


def _by_status_totals(session: Session, ctx: ReportContext) -> Any:
    return _one(session, select(
        func.count().label("orders"),
        func.coalesce(func.sum(case((Order.kind == PURCHASE, 1), else_=0)), 0).label("purchase"),
        func.coalesce(func.sum(case((Order.kind == CONSIGNMENT, 1), else_=0)), 0).label("consignment"),
        func.coalesce(func.sum(Order.item_count), 0).label("items"),
        func.coalesce(func.sum(Order.goods_cny), 0).label("goods_cny")).where(*_placed_in(ctx)))


REPORTS.add(Report(
    "orders.by_status", N_("Orders by type and status"), N_("By type and status"),
    N_("Orders created in the period (carts left out), by type and by the status they are in now."),
    (TYPE_COLUMN, _status_column(),
     Column("orders", N_("Orders"), "int", width=80),
     Column("share", N_("Share (%)"), "percent", get=lambda r: percent(r.orders, r.all_orders), width=80),
     Column("items", N_("Quantity"), "int", width=80),
     Column("goods_cny", N_("Goods (CNY)"), "money_cny", width=120)),
    SqlSource(_by_status, ("kind_rank", "status_rank"), grouped=True),
    params=(KIND,),
    totals=(Total("orders", N_("Orders"), "int"), Total("purchase", N_("Purchase orders"), "int"),
            Total("consignment", N_("Consignment orders"), "int"), Total("items", N_("Quantity"), "int"),
            Total("goods_cny", N_("Goods (CNY)"), "money_cny")),
    total_query=_by_status_totals, order=10))


# -- completed (received) orders ---------------------------------------------------------------------

def received_where(ctx: ReportContext, of_kind: bool = True) -> list:
    """Completed orders of the period: received (by the customer or the feedback window) in it;
    of the chosen type, for reports that have the "Type" parameter."""
    where = [Order.status == OrderStatus.RECEIVED.value, in_period(Order.status_changed_at, ctx)]
    return where + [kind_is(ctx)] if of_kind else where


def _received(ctx: ReportContext):
    return with_people(select(
        Order.id.label("id"), Order.code.label("code"), Order.kind.label("kind"),
        Customer.code.label("customer_code"), Customer.name.label("customer_name"),
        CARE_STAFF.full_name.label("care_staff"), ORDERING_STAFF.full_name.label("ordering_staff"),
        Order.submitted_at.label("submitted_at"), Order.status_changed_at.label("received_at"),
        seconds_between(Order.submitted_at, Order.status_changed_at, ctx.dialect).label("seconds"),
        Order.item_count.label("item_count"), Order.goods_cny.label("goods_cny"),
    )).where(*received_where(ctx))


def _received_totals(session: Session, ctx: ReportContext) -> Any:
    secs = seconds_between(Order.submitted_at, Order.status_changed_at, ctx.dialect)
    return _one(session, select(func.count().label("orders"),
                                func.coalesce(func.sum(Order.goods_cny), 0).label("goods_cny"),
                                func.sum(secs).label("seconds"), func.count(secs).label("timed"))
                .where(*received_where(ctx)))


REPORTS.add(Report(
    "orders.received", N_("Completed orders"), N_("Completed"),
    N_("Orders the customer received (confirmed, or the feedback window passed) in the period, "
       "with the days from submission to receipt."),
    (Column("code", N_("Order"), width=100), TYPE_COLUMN,
     Column("customer_code", N_("Customer code"), width=95),
     Column("customer_name", N_("Customer"), width=170),
     Column("care_staff", N_("Customer care"), width=140),
     Column("ordering_staff", N_("Ordering staff"), width=140),
     Column("submitted_at", N_("Submitted"), "datetime", width=130),
     Column("received_at", N_("Received"), "datetime", width=130),
     Column("days", N_("Days to complete"), "decimal", get=lambda r: days(r.seconds), width=90),
     Column("item_count", N_("Quantity"), "int", width=70),
     Column("goods_cny", N_("Goods (CNY)"), "money_cny", width=110)),
    SqlSource(_received, ("received_at", "id")),
    params=(KIND,),
    totals=(Total("orders", N_("Completed orders"), "int"),
            Total("goods_cny", N_("Goods (CNY)"), "money_cny"),
            Total("days", N_("Average days to complete"), "decimal",
                  get=lambda r: average_days(r.seconds, r.timed))),
    total_query=_received_totals, order=20))


# -- orders over time -------------------------------------------------------------------------------

_ZERO = literal_column("0")
_ONE = literal_column("1")


def _over_time(ctx: ReportContext, grain: str, lo: datetime, hi: datetime):
    off, d = ctx.period.utc_offset_minutes, ctx.dialect
    created = select(local_bucket(Order.created_at, grain, off, d).label("bucket"),
                     case((Order.kind == PURCHASE, 1), else_=0).label("purchase"),
                     case((Order.kind == CONSIGNMENT, 1), else_=0).label("consignment"),
                     minor(Order.goods_cny).label("goods"), _ZERO.label("received"), _ZERO.label("exits")
                     ).where(in_range(Order.created_at, lo, hi), placed(), kind_is(ctx))
    received = select(local_bucket(Order.status_changed_at, grain, off, d), _ZERO, _ZERO, _ZERO, _ONE, _ZERO
                      ).where(Order.status == OrderStatus.RECEIVED.value, in_range(Order.status_changed_at, lo, hi),
                              kind_is(ctx))
    exits = select(local_bucket(Order.status_changed_at, grain, off, d), _ZERO, _ZERO, _ZERO, _ZERO, _ONE
                   ).where(Order.status.in_([s.value for s in EXITS]), placed(),
                           in_range(Order.status_changed_at, lo, hi), kind_is(ctx))
    u = union_all(created, received, exits).subquery("events")
    return (select(u.c.bucket.label("bucket"),
                   func.sum(u.c.purchase).label("purchase"), func.sum(u.c.consignment).label("consignment"),
                   (func.sum(u.c.purchase) + func.sum(u.c.consignment)).label("orders"),
                   func.sum(u.c.goods, type_=MoneyType(CNY)).label("goods_cny"),
                   func.sum(u.c.received).label("received"), func.sum(u.c.exits).label("exits"))
            .group_by(u.c.bucket))


def _over_time_totals(session: Session, ctx: ReportContext) -> Any:
    exits = [s.value for s in EXITS]
    created = _one(session, select(
        func.coalesce(func.sum(case((Order.kind == PURCHASE, 1), else_=0)), 0).label("purchase"),
        func.coalesce(func.sum(case((Order.kind == CONSIGNMENT, 1), else_=0)), 0).label("consignment"),
        func.coalesce(func.sum(Order.goods_cny), 0).label("goods_cny")).where(*_placed_in(ctx)))
    received = session.scalar(select(func.count()).where(*received_where(ctx)))
    left = session.scalar(select(func.count()).where(
        Order.status.in_(exits), placed(), in_period(Order.status_changed_at, ctx), kind_is(ctx)))
    return SimpleNamespace(purchase=created.purchase, consignment=created.consignment,
                           orders=created.purchase + created.consignment, goods_cny=created.goods_cny,
                           received=received, exits=left)


REPORTS.add(Report(
    "orders.over_time", N_("Orders over time"), N_("Over time"),
    N_("Per day, week or month: orders created (carts left out), their goods value, orders "
       "received, and orders that ended cancelled, out of stock, lost or refused."),
    (Column("bucket", N_("From"), "date", width=100),
     Column("purchase", N_("Purchase orders"), "int", width=90),
     Column("consignment", N_("Consignment orders"), "int", width=90),
     Column("orders", N_("Orders"), "int", width=80),
     Column("goods_cny", N_("Goods (CNY)"), "money_cny", width=120),
     Column("received", N_("Received"), "int", width=80),
     Column("exits", N_("Cancelled or lost"), "int", width=90)),
    CalendarSource(_over_time, {"purchase": 0, "consignment": 0, "orders": 0,
                                "goods_cny": Money.zero(CNY), "received": 0, "exits": 0}),
    params=(GRAIN, KIND),
    totals=(Total("orders", N_("Orders"), "int"), Total("purchase", N_("Purchase orders"), "int"),
            Total("consignment", N_("Consignment orders"), "int"),
            Total("goods_cny", N_("Goods (CNY)"), "money_cny"),
            Total("received", N_("Received"), "int"), Total("exits", N_("Cancelled or lost"), "int")),
    total_query=_over_time_totals, order=30))


# -- the status funnel ------------------------------------------------------------------------------

#: the main line of each kind, in order; an order "reached" a stage if its history (or its
#: current status) shows that stage or a later one — side exits keep what was reached before
FUNNEL_STAGES = {
    PURCHASE: (OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.DEPOSITED, OrderStatus.ACCEPTED, OrderStatus.PURCHASING, OrderStatus.PURCHASED, OrderStatus.SELLER_SHIPPED,
               OrderStatus.IN_CN_WAREHOUSE, OrderStatus.IN_TRANSIT, OrderStatus.AWAITING_DELIVERY, OrderStatus.DELIVERING, OrderStatus.DELIVERED,
               OrderStatus.RECEIVED),
    CONSIGNMENT: (OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.IN_CN_WAREHOUSE, OrderStatus.IN_TRANSIT, OrderStatus.AWAITING_DELIVERY,
                  OrderStatus.DELIVERING, OrderStatus.DELIVERED, OrderStatus.RECEIVED),
}
FUNNEL_RANK = {s.value: i for i, s in enumerate(FUNNEL_STAGES[PURCHASE])}
FUNNEL_RANK[OrderStatus.AWAITING_APPROVAL.value] = FUNNEL_RANK[OrderStatus.DEPOSITED.value]
STAGE_LABELS = {**STATUS_LABELS, OrderStatus.DRAFT: N_("Order created"), OrderStatus.NEW: N_("Submitted")}


def _reached(ctx: ReportContext):
    """Per order of the cohort (created in the period): the furthest main-line stage reached."""
    cohort = [in_period(Order.created_at, ctx), kind_is(ctx)]
    current = select(Order.id.label("oid"), Order.kind.label("kind"), Order.status.label("st")).where(*cohort)
    history = (select(Order.id, Order.kind, event_status())
               .join(ActivityEvent, and_(ActivityEvent.entity == "order", ActivityEvent.entity_id == Order.id))
               .where(*cohort, event_status().isnot(None)))
    u = union_all(current, history).subquery("seen")
    return (select(u.c.oid, u.c.kind, func.coalesce(func.max(rank_of(u.c.st, FUNNEL_RANK)), 0).label("r"))
            .group_by(u.c.oid, u.c.kind).subquery("reached"))


@dataclass(frozen=True)
class FunnelRow:
    kind: str
    stage: str
    orders: int
    created: int
    previous: int


def _funnel_rows(session: Session, ctx: ReportContext) -> list[FunnelRow]:
    reached = _reached(ctx)
    last = len(FUNNEL_STAGES[PURCHASE])
    sel = select(reached.c.kind, *[func.sum(case((reached.c.r >= i, 1), else_=0)).label(f"s{i}")
                                   for i in range(last)]).group_by(reached.c.kind)
    counts = {row.kind: row for row in session.execute(sel)}
    out = []
    for kind in kinds_of(ctx):
        row = counts.get(kind)
        created = int(row.s0) if row else 0
        previous = created
        for stage in FUNNEL_STAGES[kind]:
            n = int(getattr(row, f"s{FUNNEL_RANK[stage]}")) if row else 0
            out.append(FunnelRow(kind, stage.value, n, created, previous))
            previous = n
    return out


def _funnel_totals(session: Session, ctx: ReportContext) -> Any:
    reached = _reached(ctx)
    return _one(session, select(
        func.count().label("created"),
        func.coalesce(func.sum(case((reached.c.r >= FUNNEL_RANK[OrderStatus.NEW], 1), else_=0)), 0).label("submitted"),
        func.coalesce(func.sum(case((reached.c.r >= FUNNEL_RANK[OrderStatus.RECEIVED], 1), else_=0)), 0).label("received")))


REPORTS.add(Report(
    "orders.funnel", N_("Status funnel"), N_("Funnel"),
    N_("Of the orders created in the period (carts included), how many reached each step of "
       "their flow so far, from the activity log; an order that later left the flow (cancelled, "
       "out of stock, lost) keeps the steps it reached."),
    (TYPE_COLUMN,
     Column("stage", N_("Step"), labels=STAGE_LABELS, width=170),
     Column("orders", N_("Orders"), "int", width=80),
     Column("of_created", N_("Of created (%)"), "percent", get=lambda r: percent(r.orders, r.created), width=90),
     Column("of_previous", N_("Of previous step (%)"), "percent",
            get=lambda r: percent(r.orders, r.previous), width=110)),
    BoundedSource(_funnel_rows, limit=2 * len(FUNNEL_STAGES[PURCHASE])),
    params=(KIND,),
    totals=(Total("created", N_("Orders created"), "int"), Total("submitted", N_("Submitted"), "int"),
            Total("received", N_("Received"), "int"),
            Total("completion", N_("Received of created (%)"), "percent",
                  get=lambda r: percent(r.received, r.created))),
    total_query=_funnel_totals, order=40))


# -- delayed deliveries -----------------------------------------------------------------------------

#: orders that will never be delivered by the company's doing: no promise was broken
_NOT_DUE = [OrderStatus.CANCELLED.value, OrderStatus.OUT_OF_STOCK.value, OrderStatus.REFUSED.value]
DELAY_REASONS = {
    "late": N_("Delivered late"),
    "overdue": N_("Promised date passed, not delivered"),
    "expected": N_("Estimate later than promised"),
}


def _due(ctx: ReportContext):
    """Orders whose promised delivery date falls in the period, with when they were delivered."""
    delivered = (select(func.min(ActivityEvent.at)).where(ActivityEvent.entity == "order", ActivityEvent.entity_id == Order.id,
                                              event_status() == OrderStatus.DELIVERED.value)
                 .correlate(Order).scalar_subquery())
    inner = with_people(select(
        Order.id.label("id"), Order.code.label("code"), Order.kind.label("kind"),
        Order.status.label("status"), Customer.code.label("customer_code"),
        Customer.name.label("customer_name"), CARE_STAFF.full_name.label("care_staff"),
        Order.committed_deliver_by.label("promised"), Order.estimated_deliver_at.label("estimated"),
        delivered.label("delivered_at"),
    )).where(in_period(Order.committed_deliver_by, ctx), Order.status.notin_(_NOT_DUE),
             kind_is(ctx)).subquery("due")
    now = at(ctx.now)
    c = inner.c
    reason = case((c.delivered_at > c.promised, "late"),
                  (and_(c.delivered_at.is_(None), c.promised < now), "overdue"),
                  (and_(c.delivered_at.is_(None), c.estimated > c.promised), "expected"), else_=None)
    late = case((c.delivered_at.isnot(None), seconds_between(c.promised, c.delivered_at, ctx.dialect)),
                (c.promised < now, seconds_between(c.promised, now, ctx.dialect)),
                else_=seconds_between(c.promised, c.estimated, ctx.dialect))
    return inner, reason, late


def _delayed(ctx: ReportContext):
    inner, reason, late = _due(ctx)
    return select(*inner.c, reason.label("reason"), late.label("late_seconds")).where(reason.isnot(None))


def _delayed_totals(session: Session, ctx: ReportContext) -> Any:
    inner, reason, late = _due(ctx)

    def n(code: str):
        return func.coalesce(func.sum(case((reason == code, 1), else_=0)), 0)

    return _one(session, select(
        func.count().label("due"), func.coalesce(func.sum(case((reason.isnot(None), 1), else_=0)), 0).label("delayed"),
        n("late").label("late"), n("overdue").label("overdue"), n("expected").label("expected"),
        func.sum(case((reason.isnot(None), late), else_=None)).label("late_seconds")).select_from(inner))


REPORTS.add(Report(
    "orders.delayed", N_("Delayed deliveries"), N_("Delayed"),
    N_("Orders whose promised delivery date (fixed at acceptance) falls in the period and that were "
       "delivered after it, are still not delivered after it, or have a newer estimate later than "
       "it. Cancelled, out-of-stock and refused orders are not counted."),
    (Column("code", N_("Order"), width=100), TYPE_COLUMN, _status_column(),
     Column("customer_code", N_("Customer code"), width=95),
     Column("customer_name", N_("Customer"), width=170),
     Column("care_staff", N_("Customer care"), width=140),
     Column("promised", N_("Promised by"), "datetime", width=130),
     Column("estimated", N_("Current estimate"), "datetime", width=130),
     Column("delivered_at", N_("Delivered"), "datetime", width=130),
     Column("days_late", N_("Days late"), "decimal", get=lambda r: days(r.late_seconds), width=80),
     Column("reason", N_("Why"), labels=DELAY_REASONS, width=220)),
    SqlSource(_delayed, ("promised", "id")),
    params=(KIND,),
    totals=(Total("due", N_("Deliveries due"), "int"), Total("delayed", N_("Delayed"), "int"),
            Total("delayed_share", N_("Delayed (%)"), "percent", get=lambda r: percent(r.delayed, r.due)),
            Total("late", N_("Delivered late"), "int"),
            Total("overdue", N_("Promised date passed, not delivered"), "int"),
            Total("expected", N_("Estimate later than promised"), "int"),
            Total("days_late", N_("Average days late"), "decimal",
                  get=lambda r: average_days(r.late_seconds, r.delayed))),
    total_query=_delayed_totals, order=50))
