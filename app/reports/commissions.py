"""Commissions (hoa hồng) of a period, as they accrued when orders were completed
(app.services.commissions): the accrual rows of the orders completed in the period, at the rates
in force when each order completed —

- customer care and ordering staff: a percentage of the service fee (the purchasing fee booked on
  the ledger, revenue:purchasing_fee) of the orders they looked after or bought;
- forwarders: VND per kg of those orders' parcels they received into a warehouse — in China as
  weighed at receipt, in Vietnam as re-weighed there (else China's weight).

Each accrual was rounded to the đồng once, when booked; a sheet adds them up, so its rows sum to
its total, and the total is the "commissions" of net profit for the same orders.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import CommissionAccrual, User, Warehouse
from app.models.types import Fixed, MoneyType
from app.money import VND, Money
from app.permissions import ROLE_LABELS, Perm, Role
from app.reports.base import REPORTS, Column, Param, Report, ReportContext, SqlSource, Total
from app.reports.sql import in_period
from app.services.commissions import CARE, FORWARDER_ROLES, ORDERING, STAFF_ROLES

CA = CommissionAccrual
ROLE_RANK = {CARE: 0, ORDERING: 1}

STAFF_ROLE = Param("role", N_("Staff"), (("all", N_("Customer care and ordering staff")),
                                         (Role.CARE.value, ROLE_LABELS[Role.CARE]),
                                         (Role.ORDERING.value, ROLE_LABELS[Role.ORDERING])), "all")


def _sum_money(expr: Any) -> Any:
    """SUM of đồng amounts (0 when there are none), read back as Money."""
    return type_coerce(func.coalesce(func.sum(expr), 0), MoneyType(VND))


# -- customer care and ordering staff ---------------------------------------------------------------------

def _roles(ctx: ReportContext) -> list[str]:
    return list(STAFF_ROLES) if ctx["role"] == "all" else [ctx["role"]]


def _staff_where(ctx: ReportContext) -> list:
    return [in_period(CA.at, ctx), CA.role.in_(_roles(ctx))]


def _staff(ctx: ReportContext):
    return (select(CA.role.label("role"), case(ROLE_RANK, value=CA.role).label("role_rank"),
                   CA.user_id.label("uid"), User.full_name.label("staff"),
                   func.count(CA.order_id.distinct()).label("orders"), _sum_money(CA.fee).label("fee"),
                   type_coerce(func.max(CA.rate), Fixed(2)).label("rate"),
                   _sum_money(CA.amount).label("commission"))
            .join(User, User.id == CA.user_id)
            .where(*_staff_where(ctx))
            .group_by(CA.role, CA.user_id, User.full_name))


_STAFF_SOURCE = SqlSource(_staff, ("role_rank", "staff", "uid"), grouped=True)


def _staff_totals(session: Session, ctx: ReportContext) -> Any:
    where = _staff_where(ctx)
    # an order's fee is on its care and its ordering row: counted once
    per_order = select(CA.order_id, func.max(CA.fee).label("fee")).where(*where).group_by(CA.order_id).subquery()
    orders, fee = session.execute(select(func.count(), _sum_money(per_order.c.fee)).select_from(per_order)).one()
    care, ordering, commission = session.execute(select(
        *[_sum_money(case((CA.role == role, CA.amount), else_=0)) for role in (CARE, ORDERING)],
        _sum_money(CA.amount)).where(*where)).one()
    return SimpleNamespace(orders=orders, fee=fee, care=care, ordering=ordering, commission=commission)


REPORTS.add(Report(
    "commissions.staff", N_("Commissions of customer care and ordering staff"), N_("Staff commissions"),
    N_("Commissions accrue when an order is completed. For the orders completed in the period: "
       "each person's share of their service fee — customer care for the orders they look after, "
       "ordering staff for the orders they bought — at the percentage in force when each order "
       "completed."),
    (Column("staff", N_("Staff member"), width=180),
     Column("role", N_("Role"), labels={r: ROLE_LABELS[Role(r)] for r in STAFF_ROLES}, width=130),
     Column("orders", N_("Completed orders"), "int", width=90),
     Column("fee", N_("Service fee"), "money_vnd", width=130),
     Column("rate", N_("Rate (%)"), "percent", width=80),
     Column("commission", N_("Commission"), "money_vnd", width=130)),
    _STAFF_SOURCE, params=(STAFF_ROLE,),
    totals=(Total("orders", N_("Completed orders"), "int"), Total("fee", N_("Service fee"), "money_vnd"),
            Total("care", N_("Customer care commissions"), "money_vnd"),
            Total("ordering", N_("Ordering staff commissions"), "money_vnd"),
            Total("commission", N_("Commissions"), "money_vnd")),
    total_query=_staff_totals, perm=Perm.VIEW_COMMISSIONS, order=300))


# -- forwarders ---------------------------------------------------------------------------------------------

def _forwarder_where(ctx: ReportContext) -> list:
    return [in_period(CA.at, ctx), CA.role.in_(FORWARDER_ROLES)]


def _forwarders(ctx: ReportContext):
    return (select(CA.user_id.label("uid"), User.full_name.label("staff"),
                   func.coalesce(Warehouse.code, "").label("warehouse_code"),
                   func.coalesce(Warehouse.name, "").label("warehouse"),
                   func.sum(CA.parcels).label("parcels"), type_coerce(func.sum(CA.kg), Fixed(3)).label("kg"),
                   type_coerce(func.max(CA.rate), Fixed(2)).label("rate"),
                   _sum_money(CA.amount).label("commission"))
            .join(User, User.id == CA.user_id).outerjoin(Warehouse, Warehouse.id == CA.warehouse_id)
            .where(*_forwarder_where(ctx))
            .group_by(CA.user_id, User.full_name, Warehouse.code, Warehouse.name))


_FORWARDER_SOURCE = SqlSource(_forwarders, ("staff", "uid", "warehouse_code"), grouped=True)


def _forwarder_totals(session: Session, ctx: ReportContext) -> Any:
    parcels, kg, commission = session.execute(select(
        func.coalesce(func.sum(CA.parcels), 0), type_coerce(func.coalesce(func.sum(CA.kg), 0), Fixed(3)),
        _sum_money(CA.amount)).where(*_forwarder_where(ctx))).one()
    return SimpleNamespace(parcels=parcels, kg=kg, commission=commission)


def _per_kg(row: Any) -> Money:
    """A forwarder row's rate is stored as VND per kg (CommissionAccrual.rate)."""
    return Money(row.rate, VND)


REPORTS.add(Report(
    "commissions.forwarders", N_("Commissions of forwarders"), N_("Forwarder commissions"),
    N_("Commissions accrue when an order is completed. Per forwarder and warehouse: the parcels of "
       "the orders completed in the period that they received and their weight (in China as "
       "weighed at receipt, in Vietnam as re-weighed there), at the VND per kg in force for that "
       "side of the border when each order completed."),
    (Column("staff", N_("Forwarder"), width=180),
     Column("warehouse", N_("Warehouse"), width=180),
     Column("parcels", N_("Parcels received"), "int", width=90),
     Column("kg", N_("Weight (kg)"), "decimal", width=100),
     Column("rate", N_("VND per kg"), "money_vnd", get=_per_kg, width=100),
     Column("commission", N_("Commission"), "money_vnd", width=130)),
    _FORWARDER_SOURCE,
    totals=(Total("parcels", N_("Parcels received"), "int"), Total("kg", N_("Weight (kg)"), "decimal"),
            Total("commission", N_("Commissions"), "money_vnd")),
    total_query=_forwarder_totals, perm=Perm.VIEW_COMMISSIONS, order=310))
