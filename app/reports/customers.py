"""Who buys and from whom: top customers (orders, goods value) and top shops (items, goods value).

Both count the orders of the period as the other order reports do: created in it, carts left
out. A shop's goods value is the sum of its item lines, each rounded to the fen as the order's
own goods value is, so the shops of a period add up to the orders' goods value exactly.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, case, distinct, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from app.i18n import N_, _
from app.models import Customer, Order, OrderItem, Shop, User
from app.models.types import MoneyType
from app.money import CNY
from app.reports.base import REPORTS, Column, Param, Report, ReportContext, SqlSource, Total
from app.reports.orders import KIND, PURCHASE, CONSIGNMENT, kind_is
from app.reports.sql import in_period, placed
from app.workflows.orders import OrderStatus

TOP = Param("top", N_("Show"), (("10", N_("Top 10")), ("20", N_("Top 20")), ("50", N_("Top 50")),
                                ("100", N_("Top 100")), ("all", N_("All"))), "20")
PLATFORM_LABELS = {"taobao": "Taobao", "1688": "1688", "tmall": "Tmall", "other": N_("Other")}


def _top(ranked, ctx: ReportContext):
    """The ranked rows, cut at the chosen "top N"."""
    sub = ranked.subquery("ranked")
    sel = select(sub)
    if ctx["top"] != "all":
        sel = sel.where(sub.c.rank <= int(ctx["top"]))
    return sel


# -- top customers ----------------------------------------------------------------------------------

#: "count" is the number of orders for customers and of items for shops, so one choice fits both
CUSTOMER_RANK = Param("rank_by", N_("Rank by"), (("goods", N_("Goods value")), ("count", N_("Number of orders"))),
                      "goods")
_care = aliased(User, name="customer_care")


def _customer_figures(ctx: ReportContext):
    return (select(Order.customer_id.label("customer_id"), func.count().label("orders"),
                   func.sum(case((Order.kind == PURCHASE, 1), else_=0)).label("purchase"),
                   func.sum(case((Order.kind == CONSIGNMENT, 1), else_=0)).label("consignment"),
                   func.coalesce(func.sum(Order.goods_cny), 0).label("goods_cny"),
                   func.sum(case((Order.status == OrderStatus.RECEIVED.value, 1), else_=0)).label("received"))
            .where(in_period(Order.created_at, ctx), placed(), kind_is(ctx))
            .group_by(Order.customer_id).subquery("per_customer"))


def _top_customers(ctx: ReportContext):
    f = _customer_figures(ctx)
    if ctx["rank_by"] == "count":
        order = (f.c.orders.desc(), f.c.goods_cny.desc(), f.c.customer_id)
    else:
        order = (f.c.goods_cny.desc(), f.c.orders.desc(), f.c.customer_id)
    ranked = (select(func.row_number().over(order_by=order).label("rank"), f.c.customer_id,
                     Customer.code.label("customer_code"), Customer.name.label("customer_name"),
                     Customer.phone.label("phone"), _care.full_name.label("care_staff"),
                     f.c.orders, f.c.purchase, f.c.consignment, f.c.goods_cny, f.c.received)
              .join(Customer, Customer.id == f.c.customer_id)
              .outerjoin(_care, _care.id == Customer.care_staff_id))
    return _top(ranked, ctx)


def _top_customers_totals(session: Session, ctx: ReportContext) -> Any:
    sub = _top_customers(ctx).subquery("top")
    return session.execute(select(
        func.count().label("customers"), func.coalesce(func.sum(sub.c.orders), 0).label("orders"),
        func.coalesce(func.sum(sub.c.goods_cny), 0).label("goods_cny"))).one()


REPORTS.add(Report(
    "customers.top", N_("Top customers"), N_("Top customers"),
    N_("Customers ranked by the goods value or the number of their orders created in the period "
       "(carts left out)."),
    (Column("rank", N_("Rank"), "int", width=50),
     Column("customer_code", N_("Customer code"), width=95),
     Column("customer_name", N_("Customer"), width=180),
     Column("phone", N_("Phone"), width=110),
     Column("care_staff", N_("Customer care"), width=140),
     Column("orders", N_("Orders"), "int", width=70),
     Column("purchase", N_("Purchase orders"), "int", width=90),
     Column("consignment", N_("Consignment orders"), "int", width=90),
     Column("received", N_("Received"), "int", width=80),
     Column("goods_cny", N_("Goods (CNY)"), "money_cny", width=120)),
    SqlSource(_top_customers, ("rank",), grouped=True),
    params=(CUSTOMER_RANK, TOP, KIND),
    totals=(Total("customers", N_("Customers"), "int"), Total("orders", N_("Orders"), "int"),
            Total("goods_cny", N_("Goods (CNY)"), "money_cny")),
    total_query=_top_customers_totals, order=60))


# -- top shops --------------------------------------------------------------------------------------

SHOP_RANK = Param("rank_by", N_("Rank by"), (("goods", N_("Goods value")), ("count", N_("Items bought"))),
                  "goods")
#: a line's goods value in fen, rounded half up as Money rounds an order's line total
_LINE_FEN = (type_coerce(OrderItem.unit_price_cny, BigInteger) * OrderItem.quantity + 50) // 100
_NO_SHOP = 0


def _shop_figures(ctx: ReportContext):
    shop = func.coalesce(OrderItem.shop_id, _NO_SHOP)
    return (select(shop.label("shop_key"), func.count(distinct(OrderItem.order_id)).label("orders"),
                   func.count().label("lines"), func.sum(OrderItem.quantity).label("quantity"),
                   func.sum(_LINE_FEN).label("goods_fen"))
            .join(Order, Order.id == OrderItem.order_id)
            .where(in_period(Order.created_at, ctx), placed())
            .group_by(shop).subquery("per_shop"))


def _top_shops(ctx: ReportContext):
    f = _shop_figures(ctx)
    if ctx["rank_by"] == "count":
        order = (f.c.quantity.desc(), f.c.goods_fen.desc(), f.c.shop_key)
    else:
        order = (f.c.goods_fen.desc(), f.c.quantity.desc(), f.c.shop_key)
    ranked = (select(func.row_number().over(order_by=order).label("rank"), f.c.shop_key,
                     Shop.platform.label("platform"), Shop.name.label("shop_name"),
                     f.c.orders, f.c.lines, f.c.quantity,
                     type_coerce(f.c.goods_fen, MoneyType(CNY)).label("goods_cny"))
              .outerjoin(Shop, Shop.id == f.c.shop_key))
    return _top(ranked, ctx)


def _top_shops_totals(session: Session, ctx: ReportContext) -> Any:
    sub = _top_shops(ctx).subquery("top")
    return session.execute(select(
        func.count().label("shops"), func.coalesce(func.sum(sub.c.lines), 0).label("lines"),
        func.coalesce(func.sum(sub.c.quantity), 0).label("quantity"),
        func.coalesce(func.sum(sub.c.goods_cny), 0).label("goods_cny"))).one()


REPORTS.add(Report(
    "shops.top", N_("Top shops"), N_("Top shops"),
    N_("Chinese shops ranked by the goods value or the number of items of the orders created in "
       "the period (carts left out); items with no shop recorded yet are counted together."),
    (Column("rank", N_("Rank"), "int", width=50),
     Column("platform", N_("Platform"), labels=PLATFORM_LABELS, width=80),
     Column("shop_name", N_("Shop"), get=lambda r: r.shop_name if r.shop_key else _("(no shop recorded)"),
            width=200),
     Column("orders", N_("Orders"), "int", width=70),
     Column("lines", N_("Item lines"), "int", width=80),
     Column("quantity", N_("Items bought"), "int", width=80),
     Column("goods_cny", N_("Goods (CNY)"), "money_cny", width=120)),
    SqlSource(_top_shops, ("rank",), grouped=True),
    params=(SHOP_RANK, TOP),
    totals=(Total("shops", N_("Shops"), "int"), Total("lines", N_("Item lines"), "int"),
            Total("quantity", N_("Items bought"), "int"), Total("goods_cny", N_("Goods (CNY)"), "money_cny")),
    total_query=_top_shops_totals, order=70))
