"""Commissions (hoa hồng) of a period, at the rates in the company settings:

- customer care and ordering staff: a percentage of the service fee (the purchasing fee booked on
  the ledger, revenue:purchasing_fee) of the orders completed in the period that they looked
  after or bought (an order counts for both);
- forwarders: VND per kg of the parcels they received into a warehouse in the period — in China
  the scan at the receiving station (its weight), in Vietnam the receipt from a shipment (the
  weight there, or China's when not re-weighed).

A commission is rounded to the đồng once per person (and warehouse), by the money rule; the
totals add those up, so the sheet's rows sum to its total exactly.
"""
from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import case, func, literal, select, type_coerce, union_all
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import (ActivityEvent, JournalLine, LedgerAccount, Order, Parcel, Shipment, ShipmentParcel, User,
                        Warehouse)
from app.models.types import Fixed, MoneyType
from app.money import VND, Money
from app.permissions import ROLE_LABELS, Perm, Role
from app.reports.base import REPORTS, Column, Param, Report, ReportContext, SqlSource, Total
from app.reports.orders import received_where
from app.reports.sql import in_period
from app.services.billing import FEE_ACCOUNT_PREFIX

SERVICE_FEE_ACCOUNT = FEE_ACCOUNT_PREFIX + "purchasing_fee"
STAFF_ROLES = {Role.CARE.value: "commission.care_percent", Role.ORDERING.value: "commission.ordering_percent"}
ROLE_RANK = {Role.CARE.value: 0, Role.ORDERING.value: 1}
SIDE_RATES = {"CN": "commission.forwarder_cn_vnd_per_kg", "VN": "commission.forwarder_vn_vnd_per_kg"}

STAFF_ROLE = Param("role", N_("Staff"), (("all", N_("Customer care and ordering staff")),
                                         (Role.CARE.value, ROLE_LABELS[Role.CARE]),
                                         (Role.ORDERING.value, ROLE_LABELS[Role.ORDERING])), "all")


def _rows_of(source: SqlSource, session: Session, ctx: ReportContext) -> list[Any]:
    """Every row of a per-person report (a few dozen at most: one per person and role)."""
    return list(source.stream(session, ctx))


# -- customer care and ordering staff ---------------------------------------------------------------------

def _service_fees(where: list):
    """The service fee booked on each order of ``where`` (credit side of revenue:purchasing_fee)."""
    return (select(JournalLine.order_id.label("oid"), (-func.sum(JournalLine.amount)).label("fee"))
            .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
            .where(LedgerAccount.code == SERVICE_FEE_ACCOUNT, JournalLine.currency == VND,
                   JournalLine.order_id.in_(select(Order.id).where(*where)))
            .group_by(JournalLine.order_id).subquery("service_fees"))


def _roles(ctx: ReportContext) -> list[str]:
    return list(STAFF_ROLES) if ctx["role"] == "all" else [ctx["role"]]


def _staff(ctx: ReportContext):
    where = received_where(ctx, of_kind=False)
    parts = []
    for role in _roles(ctx):
        who = Order.care_staff_id if role == Role.CARE.value else Order.ordering_staff_id
        parts.append(select(literal(role).label("role"), who.label("uid"), Order.id.label("oid"))
                     .where(*where, who.isnot(None)))
    handled = union_all(*parts).subquery("handled")
    fees = _service_fees(where)
    rate = case(*[(handled.c.role == role, literal(ctx.settings[key], Fixed(2))) for role, key in STAFF_ROLES.items()])
    return (select(handled.c.role, case(ROLE_RANK, value=handled.c.role).label("role_rank"),
                   handled.c.uid, User.full_name.label("staff"), func.count().label("orders"),
                   type_coerce(func.coalesce(func.sum(fees.c.fee), 0), MoneyType(VND)).label("fee"),
                   type_coerce(rate, Fixed(2)).label("rate"))
            .join(User, User.id == handled.c.uid)
            .outerjoin(fees, fees.c.oid == handled.c.oid)
            .group_by(handled.c.role, handled.c.uid, User.full_name))


_STAFF_SOURCE = SqlSource(_staff, ("role_rank", "staff", "uid"), grouped=True)


def staff_commission(row: Any) -> Money:
    return row.fee.percent(row.rate)


def _staff_totals(session: Session, ctx: ReportContext) -> Any:
    rows = _rows_of(_STAFF_SOURCE, session, ctx)
    where = received_where(ctx, of_kind=False)
    fees = _service_fees(where)
    fee = session.scalar(select(func.coalesce(func.sum(fees.c.fee), 0)))

    def by_role(role: str) -> Money:
        return Money.total((staff_commission(r) for r in rows if r.role == role), VND)

    return SimpleNamespace(orders=session.scalar(select(func.count()).select_from(Order).where(*where)),
                           fee=Money.from_minor(int(fee), VND), care=by_role(Role.CARE.value),
                           ordering=by_role(Role.ORDERING.value),
                           commission=Money.total((staff_commission(r) for r in rows), VND))


REPORTS.add(Report(
    "commissions.staff", N_("Commissions of customer care and ordering staff"), N_("Staff commissions"),
    N_("For the orders completed in the period: each person's share of their service fee at the "
       "percentage set in the settings — customer care for the orders they look after, ordering "
       "staff for the orders they bought."),
    (Column("staff", N_("Staff member"), width=180),
     Column("role", N_("Role"), labels={r: ROLE_LABELS[Role(r)] for r in STAFF_ROLES}, width=130),
     Column("orders", N_("Completed orders"), "int", width=90),
     Column("fee", N_("Service fee"), "money_vnd", width=130),
     Column("rate", N_("Rate (%)"), "percent", width=80),
     Column("commission", N_("Commission"), "money_vnd", get=staff_commission, width=130)),
    _STAFF_SOURCE, params=(STAFF_ROLE,),
    totals=(Total("orders", N_("Completed orders"), "int"), Total("fee", N_("Service fee"), "money_vnd"),
            Total("care", N_("Customer care commissions"), "money_vnd"),
            Total("ordering", N_("Ordering staff commissions"), "money_vnd"),
            Total("commission", N_("Commissions"), "money_vnd")),
    total_query=_staff_totals, perm=Perm.VIEW_COMMISSIONS, order=300))


# -- forwarders ---------------------------------------------------------------------------------------------

E = ActivityEvent


def _handled(ctx: ReportContext):
    """One row per parcel a forwarder received into a warehouse in the period, with its weight."""
    china = (select(literal("CN").label("side"), E.actor_id.label("uid"),
                    E.after["warehouse_id"].as_integer().label("wid"), Parcel.weight_kg.label("kg"))
             .join(Parcel, Parcel.id == E.entity_id)
             .where(E.entity == "parcel", E.action == "received_cn", E.actor_id.isnot(None), in_period(E.at, ctx)))
    vietnam = (select(literal("VN"), ShipmentParcel.received_by_id, Shipment.destination_warehouse_id,
                      func.coalesce(ShipmentParcel.vn_weight_kg, Parcel.weight_kg))
               .join(Shipment, Shipment.id == ShipmentParcel.shipment_id)
               .join(Parcel, Parcel.id == ShipmentParcel.parcel_id)
               .where(Shipment.direction == "to_vn", ShipmentParcel.received_by_id.isnot(None),
                      in_period(ShipmentParcel.received_at, ctx)))
    return union_all(china, vietnam).subquery("handled")


def _forwarders(ctx: ReportContext):
    h = _handled(ctx)
    rate = case(*[(h.c.side == side, literal(int(ctx.settings[key]))) for side, key in SIDE_RATES.items()])
    return (select(h.c.uid, User.full_name.label("staff"), Warehouse.code.label("warehouse_code"),
                   Warehouse.name.label("warehouse"), func.count().label("parcels"),
                   type_coerce(func.coalesce(func.sum(type_coerce(h.c.kg, Fixed(3))), 0), Fixed(3)).label("kg"),
                   type_coerce(rate, MoneyType(VND)).label("rate"))
            .join(User, User.id == h.c.uid).join(Warehouse, Warehouse.id == h.c.wid)
            .group_by(h.c.uid, User.full_name, Warehouse.code, Warehouse.name, h.c.side))


_FORWARDER_SOURCE = SqlSource(_forwarders, ("staff", "uid", "warehouse_code"), grouped=True)


def forwarder_commission(row: Any) -> Money:
    return Money(row.kg * row.rate.amount, VND)


def _forwarder_totals(session: Session, ctx: ReportContext) -> Any:
    rows = _rows_of(_FORWARDER_SOURCE, session, ctx)
    return SimpleNamespace(parcels=sum(r.parcels for r in rows), kg=sum((r.kg for r in rows), start=Decimal(0)),
                           commission=Money.total((forwarder_commission(r) for r in rows), VND))


REPORTS.add(Report(
    "commissions.forwarders", N_("Commissions of forwarders"), N_("Forwarder commissions"),
    N_("Per forwarder and warehouse: the parcels they received in the period and their weight (in "
       "China as weighed at receipt, in Vietnam as re-weighed there), at the VND per kg set in "
       "the settings for that side of the border."),
    (Column("staff", N_("Forwarder"), width=180),
     Column("warehouse", N_("Warehouse"), width=180),
     Column("parcels", N_("Parcels received"), "int", width=90),
     Column("kg", N_("Weight (kg)"), "decimal", width=100),
     Column("rate", N_("VND per kg"), "money_vnd", width=100),
     Column("commission", N_("Commission"), "money_vnd", get=forwarder_commission, width=130)),
    _FORWARDER_SOURCE,
    totals=(Total("parcels", N_("Parcels received"), "int"), Total("kg", N_("Weight (kg)"), "decimal"),
            Total("commission", N_("Commissions"), "money_vnd")),
    total_query=_forwarder_totals, perm=Perm.VIEW_COMMISSIONS, order=310))
