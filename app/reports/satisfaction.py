"""Customer satisfaction and the inspection acceptance rate in statistics.

- Satisfaction (seed 003): the ratings recorded in the period (the customer's e-mail reply to the
  question sent when the order completed, or care staff after a call), 1 very dissatisfied to
  5 very satisfied — by month, by the order's care staff (when rated) and by shop (an order
  counts once for each shop it bought from).
- Inspection acceptance (seed 000): of the inspections the customers gave in the period (care
  staff record them on the order: accepted, rejected, requires rework, partly accepted), the share
  accepted — by month. A high acceptance rate is what the company promises its customers.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import Inspection, OrderItem, OrderRating, Shop, User
from app.reports.base import REPORTS, BoundedSource, Column, Report, ReportContext, Total, percent
from app.reports.customers import PLATFORM_LABELS
from app.reports.sql import in_period, local_bucket
from app.workflows.complaints import InspectionResult

_TWO = Decimal("0.01")


def average(total: Any, n: Any) -> Decimal | None:
    if total is None or not n:
        return None
    return (Decimal(total) / Decimal(n)).quantize(_TWO, rounding=ROUND_HALF_UP)


def _figures():
    """Per group: ratings, their sum, how many were 4–5 and 1–2, how many came by e-mail."""
    return (func.count(OrderRating.id).label("ratings"), func.sum(OrderRating.score).label("score_sum"),
            func.sum(case((OrderRating.score >= 4, 1), else_=0)).label("satisfied"),
            func.sum(case((OrderRating.score <= 2, 1), else_=0)).label("dissatisfied"),
            func.sum(case((OrderRating.source == "email", 1), else_=0)).label("by_email"))


def _month(ctx: ReportContext, expr: Any) -> Any:
    return local_bucket(expr, "month", ctx.period.utc_offset_minutes, ctx.dialect)


def _by_month(session: Session, ctx: ReportContext) -> list[Any]:
    month = _month(ctx, OrderRating.recorded_at)
    rows = session.execute(select(month.label("month"), *_figures()).where(in_period(OrderRating.recorded_at, ctx))
                           .group_by(month).order_by(month)).all()
    return [SimpleNamespace(**r._mapping, month_label=str(r.month)[:7]) for r in rows]


def _by_staff(session: Session, ctx: ReportContext) -> list[Any]:
    rows = session.execute(select(OrderRating.care_staff_id.label("uid"), User.full_name.label("staff"), *_figures())
                           .outerjoin(User, User.id == OrderRating.care_staff_id)
                           .where(in_period(OrderRating.recorded_at, ctx))
                           .group_by(OrderRating.care_staff_id, User.full_name).order_by(User.full_name)).all()
    return [SimpleNamespace(**r._mapping) for r in rows]


def _by_shop(session: Session, ctx: ReportContext) -> list[Any]:
    pairs = (select(OrderItem.order_id.label("order_id"), OrderItem.shop_id.label("shop_id"))
             .where(OrderItem.shop_id.isnot(None)).distinct().subquery("order_shops"))
    rows = session.execute(select(Shop.id.label("shop_id"), Shop.platform.label("platform"), Shop.name.label("shop_name"),
                                  *_figures())
                           .select_from(OrderRating).join(pairs, pairs.c.order_id == OrderRating.order_id)
                           .join(Shop, Shop.id == pairs.c.shop_id)
                           .where(in_period(OrderRating.recorded_at, ctx))
                           .group_by(Shop.id, Shop.platform, Shop.name).order_by(Shop.name)).all()
    return [SimpleNamespace(**r._mapping) for r in rows]


def _rating_totals(session: Session, ctx: ReportContext) -> Any:
    return session.execute(select(*_figures()).where(in_period(OrderRating.recorded_at, ctx))).one()


_AVERAGE = N_("Average rating (1–5)")
_SATISFIED = N_("Satisfied, 4–5 (%)")
_DISSATISFIED = N_("Dissatisfied, 1–2 (%)")


def _rating_columns() -> tuple[Column, ...]:
    return (Column("ratings", N_("Ratings"), "int", width=80),
            Column("average", _AVERAGE, "decimal", get=lambda r: average(r.score_sum, r.ratings), width=110),
            Column("satisfied_rate", _SATISFIED, "percent", get=lambda r: percent(r.satisfied, r.ratings), width=110),
            Column("dissatisfied_rate", _DISSATISFIED, "percent",
                   get=lambda r: percent(r.dissatisfied, r.ratings), width=110),
            Column("by_email", N_("By e-mail"), "int", width=80))


def _rating_totals_columns() -> tuple[Total, ...]:
    return (Total("ratings", N_("Ratings"), "int"),
            Total("average", _AVERAGE, "decimal", get=lambda r: average(r.score_sum, r.ratings)),
            Total("satisfied_rate", _SATISFIED, "percent", get=lambda r: percent(r.satisfied, r.ratings)),
            Total("dissatisfied_rate", _DISSATISFIED, "percent", get=lambda r: percent(r.dissatisfied, r.ratings)))


_HOW = N_("Ratings recorded in the period: the customer's answer by e-mail to the question sent when the "
          "order completed, or recorded by care staff after a call; 5 very satisfied … 1 very dissatisfied.")

REPORTS.add(Report(
    "satisfaction.by_month", N_("Satisfaction by month"), N_("Satisfaction by month"),
    _HOW, (Column("month_label", N_("Month"), width=90),) + _rating_columns(),
    BoundedSource(_by_month), totals=_rating_totals_columns(), total_query=_rating_totals, order=76))

REPORTS.add(Report(
    "satisfaction.by_staff", N_("Satisfaction by care staff"), N_("Satisfaction by staff"),
    N_("As 'Satisfaction by month', per the care staff who looked after the order when it was rated."),
    (Column("staff", N_("Care staff"), width=180),) + _rating_columns(),
    BoundedSource(_by_staff, limit=1000), totals=_rating_totals_columns(), total_query=_rating_totals, order=77))

REPORTS.add(Report(
    "satisfaction.by_shop", N_("Satisfaction by shop"), N_("Satisfaction by shop"),
    N_("As 'Satisfaction by month', per Chinese shop: an order counts once for each shop it bought from."),
    (Column("platform", N_("Platform"), labels=PLATFORM_LABELS, width=80),
     Column("shop_name", N_("Shop"), width=200)) + _rating_columns(),
    BoundedSource(_by_shop, limit=5000), order=78))


# -- inspection acceptance (seed 000) -------------------------------------------------------------------

def _inspection_figures():
    r = Inspection.result
    return (func.count(Inspection.id).label("inspections"),
            func.sum(case((r == InspectionResult.ACCEPTED.value, 1), else_=0)).label("accepted"),
            func.sum(case((r == InspectionResult.PARTLY_ACCEPTED.value, 1), else_=0)).label("partly"),
            func.sum(case((r == InspectionResult.REWORK.value, 1), else_=0)).label("rework"),
            func.sum(case((r == InspectionResult.REJECTED.value, 1), else_=0)).label("rejected"))


def _acceptance(session: Session, ctx: ReportContext) -> list[Any]:
    month = _month(ctx, Inspection.recorded_at)
    rows = session.execute(select(month.label("month"), *_inspection_figures())
                           .where(in_period(Inspection.recorded_at, ctx)).group_by(month).order_by(month)).all()
    return [SimpleNamespace(**r._mapping, month_label=str(r.month)[:7]) for r in rows]


def _acceptance_totals(session: Session, ctx: ReportContext) -> Any:
    return session.execute(select(*_inspection_figures()).where(in_period(Inspection.recorded_at, ctx))).one()


_ACCEPTANCE = N_("Acceptance rate (%)")

REPORTS.add(Report(
    "inspections.acceptance", N_("Inspection acceptance rate"), N_("Inspection acceptance"),
    N_("The customers' inspections of delivered orders recorded in the period, by verdict, and the "
       "acceptance rate: the share accepted in full."),
    (Column("month_label", N_("Month"), width=90),
     Column("inspections", N_("Inspections"), "int", width=90),
     Column("accepted", N_("Accepted"), "int", width=80),
     Column("partly", N_("Partly accepted"), "int", width=90),
     Column("rework", N_("Requires rework"), "int", width=90),
     Column("rejected", N_("Rejected"), "int", width=80),
     Column("acceptance_rate", _ACCEPTANCE, "percent", get=lambda r: percent(r.accepted, r.inspections), width=110)),
    BoundedSource(_acceptance),
    totals=(Total("inspections", N_("Inspections"), "int"), Total("accepted", N_("Accepted"), "int"),
            Total("acceptance_rate", _ACCEPTANCE, "percent", get=lambda r: percent(r.accepted, r.inspections))),
    total_query=_acceptance_totals, order=79))
