"""Staff KPIs from the activity log: orders handled, time to confirm, time to buy.

- Orders handled: distinct orders on which the person took a workflow step in the period.
- Time to confirm: from the order's submission to the step that confirmed it ("accept" by a
  manager, "claim" by ordering or care staff), for confirmations made in the period, counted for
  the person who confirmed.
- Time to buy: from the order entering "accepted" (after any approval) to "purchased", for
  purchases completed in the period, counted for the order's ordering staff (the purchase may be
  marked by the system once every shop order is placed).
Durations are whole seconds in SQL; averages and medians are shown in hours.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, distinct, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from app.i18n import N_
from app.models import ActivityEvent, Order, User, UserRole
from app.permissions import ROLE_LABELS, Role
from app.reports.base import REPORTS, Column, Param, Report, ReportContext, SqlSource, Total, hours
from app.reports.sql import in_period, median_parts, seconds_between
from app.workflows.orders import CONSIGNMENT_FLOW, PURCHASE_FLOW, OrderStatus

STEP_ACTIONS = sorted({s.action for flow in (PURCHASE_FLOW, CONSIGNMENT_FLOW) for s in flow.steps})
CONFIRM_ACTIONS = ("accept", "claim")
KPI_ROLES = (Role.CARE, Role.ORDERING, Role.MANAGER)

ROLE = Param("role", N_("Staff"), (("all", N_("Everyone who handles orders")),)
             + tuple((r.value, ROLE_LABELS[r]) for r in KPI_ROLES), "all")


def _holders(ctx: ReportContext):
    roles = [r.value for r in KPI_ROLES] if ctx["role"] == "all" else [ctx["role"]]
    return select(UserRole.user_id).where(UserRole.role.in_(roles))


def _who(column: Any, ctx: ReportContext) -> Any:
    return true() if ctx["role"] == "all" else column.in_(_holders(ctx))


def _steps(ctx: ReportContext):
    return (select(ActivityEvent.actor_id.label("uid"), ActivityEvent.entity_id.label("oid"))
            .where(ActivityEvent.entity == "order", ActivityEvent.action.in_(STEP_ACTIONS), ActivityEvent.actor_id.isnot(None),
                   in_period(ActivityEvent.at, ctx), _who(ActivityEvent.actor_id, ctx)).subquery("steps"))


def _confirm_times(ctx: ReportContext):
    return (select(ActivityEvent.actor_id.label("uid"), seconds_between(Order.submitted_at, ActivityEvent.at, ctx.dialect).label("secs"))
            .join(Order, Order.id == ActivityEvent.entity_id)
            .where(ActivityEvent.entity == "order", ActivityEvent.action.in_(CONFIRM_ACTIONS), ActivityEvent.actor_id.isnot(None),
                   in_period(ActivityEvent.at, ctx), Order.submitted_at.isnot(None), _who(ActivityEvent.actor_id, ctx))
            .subquery("confirm_times"))


def _buy_times(ctx: ReportContext):
    before = aliased(ActivityEvent, name="earlier")
    accepted_at = (select(func.max(before.at))
                   .where(before.entity == "order", before.entity_id == ActivityEvent.entity_id, before.id < ActivityEvent.id,
                          before.after["status"].as_string() == OrderStatus.ACCEPTED.value)
                   .correlate(ActivityEvent).scalar_subquery())
    return (select(Order.ordering_staff_id.label("uid"),
                   seconds_between(accepted_at, ActivityEvent.at, ctx.dialect).label("secs"))
            .join(Order, Order.id == ActivityEvent.entity_id)
            .where(ActivityEvent.entity == "order", ActivityEvent.action == "mark_purchased", in_period(ActivityEvent.at, ctx),
                   Order.ordering_staff_id.isnot(None), _who(Order.ordering_staff_id, ctx))
            .subquery("buy_times"))


def _per_person(times, name: str):
    return (select(times.c.uid, func.count(times.c.secs).label("n"), func.sum(times.c.secs).label("total"))
            .group_by(times.c.uid).subquery(name))


def _kpis(ctx: ReportContext):
    steps = _steps(ctx)
    handled = (select(steps.c.uid, func.count(distinct(steps.c.oid)).label("handled"),
                      func.count().label("steps")).group_by(steps.c.uid).subquery("handled"))
    confirm, buy = _confirm_times(ctx), _buy_times(ctx)
    c, b = _per_person(confirm, "confirm"), _per_person(buy, "buy")
    cm = median_parts(confirm, "secs", "uid").subquery("confirm_median")
    bm = median_parts(buy, "secs", "uid").subquery("buy_median")
    listed = or_(and_(User.is_active.is_(True), User.id.in_(_holders(ctx))),
                 handled.c.uid.isnot(None), c.c.uid.isnot(None), b.c.uid.isnot(None))
    return (select(User.id.label("id"), User.full_name.label("staff"),
                   func.coalesce(handled.c.handled, 0).label("handled"),
                   func.coalesce(handled.c.steps, 0).label("steps"),
                   func.coalesce(c.c.n, 0).label("confirmed"), c.c.total.label("confirm_total"),
                   cm.c.mid_sum.label("confirm_mid_sum"), cm.c.mid_n.label("confirm_mid_n"),
                   func.coalesce(b.c.n, 0).label("bought"), b.c.total.label("buy_total"),
                   bm.c.mid_sum.label("buy_mid_sum"), bm.c.mid_n.label("buy_mid_n"))
            .outerjoin(handled, handled.c.uid == User.id)
            .outerjoin(c, c.c.uid == User.id).outerjoin(cm, cm.c.grp == User.id)
            .outerjoin(b, b.c.uid == User.id).outerjoin(bm, bm.c.grp == User.id)
            .where(listed))


def _kpi_totals(session: Session, ctx: ReportContext) -> Any:
    steps = _steps(ctx)
    confirm, buy = _confirm_times(ctx), _buy_times(ctx)
    handled = session.execute(select(func.count(distinct(steps.c.oid)).label("handled"),
                                     func.count().label("steps"))).one()
    c = session.execute(select(func.count(confirm.c.secs).label("n"), func.sum(confirm.c.secs).label("total"))).one()
    cm = session.execute(median_parts(confirm, "secs")).one()
    b = session.execute(select(func.count(buy.c.secs).label("n"), func.sum(buy.c.secs).label("total"))).one()
    bm = session.execute(median_parts(buy, "secs")).one()
    return SimpleNamespace(handled=handled.handled, steps=handled.steps, confirmed=c.n, confirm_total=c.total,
                           confirm_mid_sum=cm.mid_sum, confirm_mid_n=cm.mid_n, bought=b.n,
                           buy_total=b.total, buy_mid_sum=bm.mid_sum, buy_mid_n=bm.mid_n)


_CONFIRM_AVG = N_("Time to confirm, average (h)")
_CONFIRM_MEDIAN = N_("Time to confirm, median (h)")
_BUY_AVG = N_("Time to buy, average (h)")
_BUY_MEDIAN = N_("Time to buy, median (h)")

REPORTS.add(Report(
    "staff.kpi", N_("Staff KPIs"), N_("Staff KPIs"),
    N_("Per person, from the activity log: orders on which they took a workflow step in the period; "
       "orders they confirmed and the time from submission to confirmation; orders bought for them "
       "as ordering staff and the time from acceptance to purchase."),
    (Column("staff", N_("Staff member"), width=180),
     Column("handled", N_("Orders handled"), "int", width=90),
     Column("steps", N_("Status changes"), "int", width=90),
     Column("confirmed", N_("Orders confirmed"), "int", width=90),
     Column("confirm_avg", _CONFIRM_AVG, "decimal", get=lambda r: hours(r.confirm_total, r.confirmed), width=110),
     Column("confirm_median", _CONFIRM_MEDIAN, "decimal",
            get=lambda r: hours(r.confirm_mid_sum, r.confirm_mid_n), width=110),
     Column("bought", N_("Orders bought"), "int", width=90),
     Column("buy_avg", _BUY_AVG, "decimal", get=lambda r: hours(r.buy_total, r.bought), width=110),
     Column("buy_median", _BUY_MEDIAN, "decimal", get=lambda r: hours(r.buy_mid_sum, r.buy_mid_n), width=110)),
    SqlSource(_kpis, ("staff", "id")),
    params=(ROLE,),
    totals=(Total("handled", N_("Orders handled (each counted once)"), "int"),
            Total("steps", N_("Status changes"), "int"),
            Total("confirmed", N_("Orders confirmed"), "int"),
            Total("confirm_avg", _CONFIRM_AVG, "decimal", get=lambda r: hours(r.confirm_total, r.confirmed)),
            Total("confirm_median", _CONFIRM_MEDIAN, "decimal", get=lambda r: hours(r.confirm_mid_sum, r.confirm_mid_n)),
            Total("bought", N_("Orders bought"), "int"),
            Total("buy_avg", _BUY_AVG, "decimal", get=lambda r: hours(r.buy_total, r.bought)),
            Total("buy_median", _BUY_MEDIAN, "decimal", get=lambda r: hours(r.buy_mid_sum, r.buy_mid_n))),
    total_query=_kpi_totals, order=80))
