"""Vendor KPIs (seed 003): per Chinese shop, for the shop orders paid in the period — how often the
shop shipped on time (a tracking code within the days a shop order may go without one), how long
it took to ship, how many items it was short of, and how often its goods were complained about or
claimed against. Ordering staff see it to choose where to buy; managers to judge the shops.
"""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BigInteger, String, case, distinct, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import Complaint, ComplaintLine, OrderItem, Parcel, SellerComplaint, Shop, ShopOrder
from app.models.types import MoneyType
from app.remedy_rule import ReviewThresholds, ShopKpis, review_thresholds_from_settings, shop_review_flags
from app.money import CNY
from app.permissions import Perm
from app.reports.base import REPORTS, Column, Report, ReportContext, SqlSource, Total, hours, percent
from app.reports.customers import PLATFORM_LABELS
from app.reports.sql import in_period, seconds_between
from app.workflows.money import ShopOrderStatus

#: the default of "orders.tracking_code_days" (the report reads the company's own setting)
_DEFAULT_SHIP_DAYS = 3


def _ship_days(ctx: ReportContext) -> int:
    return int(ctx.settings.get("orders.tracking_code_days", _DEFAULT_SHIP_DAYS))


def _shop_orders(ctx: ReportContext):
    """One row per shop order paid in the period: its shop, seconds to its first tracking code."""
    first_code = (select(Parcel.shop_order_id.label("so_id"), func.min(Parcel.created_at).label("first_at"))
                  .where(Parcel.shop_order_id.isnot(None)).group_by(Parcel.shop_order_id).subquery("first_code"))
    return (select(ShopOrder.id.label("so_id"), ShopOrder.shop_id.label("shop_id"),
                   seconds_between(ShopOrder.paid_at, first_code.c.first_at, ctx.dialect).label("secs"))
            .outerjoin(first_code, first_code.c.so_id == ShopOrder.id)
            .where(ShopOrder.status == ShopOrderStatus.PAID.value, in_period(ShopOrder.paid_at, ctx))
            .subquery("paid"))


def _per_shop(ctx: ReportContext, paid):
    limit = _ship_days(ctx) * 86400
    orders = (select(paid.c.shop_id, func.count().label("shop_orders"),
                     func.count(paid.c.secs).label("shipped"),
                     func.sum(case((paid.c.secs <= limit, 1), else_=0)).label("on_time"),
                     func.sum(paid.c.secs).label("ship_secs"))
              .group_by(paid.c.shop_id).subquery("orders"))
    short = func.coalesce(OrderItem.quantity - func.coalesce(OrderItem.quantity_bought, OrderItem.quantity), 0)
    items = (select(paid.c.shop_id, func.sum(OrderItem.quantity).label("pieces"),
                    func.sum(case((short > 0, short), else_=0)).label("short"))
             .join(OrderItem, OrderItem.shop_order_id == paid.c.so_id)
             .group_by(paid.c.shop_id).subquery("items"))
    complaints = (select(ComplaintLine.shop_id, func.count(distinct(Complaint.id)).label("complaints"))
                  .join(Complaint, Complaint.id == ComplaintLine.complaint_id)
                  .where(ComplaintLine.shop_id.isnot(None), in_period(Complaint.opened_at, ctx))
                  .group_by(ComplaintLine.shop_id).subquery("complaints"))
    claims = (select(SellerComplaint.shop_id, func.count().label("claims"),
                     func.sum(type_coerce(SellerComplaint.recovered_cny, BigInteger)).label("recovered_fen"))
              .where(in_period(SellerComplaint.opened_at, ctx))
              .group_by(SellerComplaint.shop_id).subquery("claims"))
    return orders, items, complaints, claims


def _thresholds(ctx: ReportContext) -> ReviewThresholds:
    from app.settings import SETTINGS

    return review_thresholds_from_settings(lambda key: ctx.settings.get(key, SETTINGS[key].default))


def _kpis(ctx: ReportContext):
    orders, items, complaints, claims = _per_shop(ctx, _shop_orders(ctx))
    t = _thresholds(ctx)
    # the company's review thresholds ride along each row, for the "Review" column's rule
    marks = [literal(str(v), String).label(k) for k, v in (
        ("review_min_orders", t.min_orders), ("review_on_time", t.on_time_percent),
        ("review_short", t.short_percent), ("review_complaints", t.complaints_per_100))]
    return (select(Shop.id.label("id"), Shop.platform.label("platform"), Shop.name.label("shop_name"), *marks,
                   orders.c.shop_orders, orders.c.shipped, func.coalesce(orders.c.on_time, 0).label("on_time"),
                   orders.c.ship_secs, func.coalesce(items.c.pieces, 0).label("items"),
                   func.coalesce(items.c.short, 0).label("short"),
                   func.coalesce(complaints.c.complaints, 0).label("complaints"),
                   func.coalesce(claims.c.claims, 0).label("claims"),
                   type_coerce(func.coalesce(claims.c.recovered_fen, 0), MoneyType(CNY)).label("recovered_cny"))
            .join(orders, orders.c.shop_id == Shop.id)
            .outerjoin(items, items.c.shop_id == Shop.id)
            .outerjoin(complaints, complaints.c.shop_id == Shop.id)
            .outerjoin(claims, claims.c.shop_id == Shop.id))


def kpi_row(session: Session, ctx: ReportContext, shop_id: int) -> ShopKpis:
    """One shop's figures over the context's period (zeros when it had no paid shop order)."""
    row = session.execute(_kpis(ctx).where(Shop.id == shop_id)).first()
    if row is None:
        return ShopKpis(0, 0, 0, 0, 0)
    return ShopKpis(int(row.shop_orders or 0), int(row.on_time or 0), int(row.items or 0), int(row.short or 0),
                    int(row.complaints or 0))


def review_text(r: Any) -> str:
    """The "Review" column: which KPIs fall under the thresholds in settings, with their values."""
    t = ReviewThresholds(int(r.review_min_orders), Decimal(r.review_on_time), Decimal(r.review_short),
                         Decimal(r.review_complaints))
    flags = shop_review_flags(ShopKpis(int(r.shop_orders or 0), int(r.on_time or 0), int(r.items or 0),
                                       int(r.short or 0), int(r.complaints or 0)), t)
    return "; ".join(f.text() for f in flags)


def _kpi_totals(session: Session, ctx: ReportContext) -> Any:
    sub = _kpis(ctx).subquery("kpis")
    row = session.execute(select(
        func.count().label("shops"), func.coalesce(func.sum(sub.c.shop_orders), 0).label("shop_orders"),
        func.coalesce(func.sum(sub.c.shipped), 0).label("shipped"),
        func.coalesce(func.sum(sub.c.on_time), 0).label("on_time"), func.sum(sub.c.ship_secs).label("ship_secs"),
        func.coalesce(func.sum(sub.c["items"]), 0).label("items"), func.coalesce(func.sum(sub.c.short), 0).label("short"),
        func.coalesce(func.sum(sub.c.complaints), 0).label("complaints"),
        func.coalesce(func.sum(sub.c.claims), 0).label("claims"))).one()
    return SimpleNamespace(**row._mapping)


_ON_TIME = N_("Shipped on time (%)")
_SHIP_AVG = N_("Time to ship, average (h)")
_SHORT = N_("Items short (%)")
_COMPLAINED = N_("Complaints per 100 shop orders")

REPORTS.add(Report(
    "shops.kpis", N_("Shop KPIs"), N_("Shop KPIs"),
    N_("Per Chinese shop, the shop orders paid in the period: the share that got a tracking code "
       "within the days a shop order may go without one (Settings → Orders), the average time from "
       "payment to the first tracking code, the share of items the shop could not supply, and the "
       "customer complaints naming its goods and the claims made against it in the period."),
    (Column("platform", N_("Platform"), labels=PLATFORM_LABELS, width=80),
     Column("shop_name", N_("Shop"), width=200),
     Column("shop_orders", N_("Shop orders"), "int", width=90),
     Column("on_time_rate", _ON_TIME, "percent", get=lambda r: percent(r.on_time, r.shop_orders), width=110),
     Column("ship_avg", _SHIP_AVG, "decimal", get=lambda r: hours(r.ship_secs, r.shipped), width=110),
     Column("items", N_("Items ordered"), "int", width=90),
     Column("short_rate", _SHORT, "percent", get=lambda r: percent(r.short, r.items), width=90),
     Column("complaints", N_("Complaints"), "int", width=90),
     Column("complaint_rate", _COMPLAINED, "percent", get=lambda r: percent(r.complaints, r.shop_orders), width=120),
     Column("claims", N_("Claims against the shop"), "int", width=100),
     Column("recovered_cny", N_("Recovered (CNY)"), "money_cny", width=110),
     Column("review", N_("Flagged for review"), get=review_text, width=260)),
    SqlSource(_kpis, ("shop_name", "id")),
    totals=(Total("shops", N_("Shops"), "int"), Total("shop_orders", N_("Shop orders"), "int"),
            Total("on_time_rate", _ON_TIME, "percent", get=lambda r: percent(r.on_time, r.shop_orders)),
            Total("ship_avg", _SHIP_AVG, "decimal", get=lambda r: hours(r.ship_secs, r.shipped)),
            Total("short_rate", _SHORT, "percent", get=lambda r: percent(r.short, r.items)),
            Total("complaints", N_("Complaints"), "int"),
            Total("claims", N_("Claims against the shop"), "int")),
    total_query=_kpi_totals, perm=Perm.VIEW_VENDOR_KPIS, order=72))
