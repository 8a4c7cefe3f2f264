"""Freight carriers' bills per carrier and month (the bill's own date): what they billed, what
the routes' cost prices said it should cost, what was disputed, and what the disputes recovered
(billed minus the amount finally accepted on a disputed bill). Same figures as the comparison
screen (app.services.carrier_bills)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, case, cast, extract, func, select, type_coerce
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import CarrierBill
from app.models.types import MoneyType
from app.money import VND
from app.permissions import Perm
from app.reports.base import REPORTS, Column, Report, ReportContext, SqlSource, Total



def _in_period(ctx: ReportContext):
    return and_(CarrierBill.bill_date >= ctx.period.start, CarrierBill.bill_date <= ctx.period.end)


def _sums() -> list:
    def money(expr, name: str):
        return type_coerce(func.coalesce(func.sum(type_coerce(expr, BigInteger)), 0), MoneyType(VND)).label(name)

    disputed = CarrierBill.disputed_at.isnot(None)
    return [func.count().label("bills"), money(CarrierBill.billed, "billed"), money(CarrierBill.expected, "expected"),
            money(case((disputed, type_coerce(CarrierBill.billed, BigInteger)), else_=0), "disputed"),
            money(case((and_(disputed, CarrierBill.accepted_amount.isnot(None)),
                        type_coerce(CarrierBill.billed, BigInteger) - type_coerce(CarrierBill.accepted_amount, BigInteger)),
                       else_=0), "recovered")]


def _rows(ctx: ReportContext):
    year = cast(extract("year", CarrierBill.bill_date), Integer).label("year")
    month = cast(extract("month", CarrierBill.bill_date), Integer).label("month")
    return (select(CarrierBill.carrier.label("carrier"), year, month, *_sums())
            .where(_in_period(ctx)).group_by(CarrierBill.carrier, year, month))


def _totals(session: Session, ctx: ReportContext) -> Any:
    row = session.execute(select(*_sums()).where(_in_period(ctx))).one()
    return SimpleNamespace(**row._mapping)


REPORTS.add(Report(
    "carriers.bills", N_("Carriers' bills"), N_("Carriers' bills"),
    N_("Per freight carrier and month of the bill: what the carrier billed, what our weights at the "
       "routes' cost prices say it should have cost, the bills disputed, and what disputes recovered "
       "(billed less the amount finally accepted)."),
    (Column("carrier", N_("Carrier"), width=180),
     Column("period", N_("Month"), get=lambda r: f"{r.month:02d}/{r.year}", width=80),
     Column("bills", N_("Number of bills"), "int", width=60),
     Column("billed", N_("Billed"), "money_vnd", width=120),
     Column("expected", N_("Expected cost"), "money_vnd", width=120),
     Column("difference", N_("Difference"), "money_vnd", get=lambda r: r.billed - r.expected, width=110),
     Column("disputed", N_("Disputed"), "money_vnd", width=110),
     Column("recovered", N_("Recovered"), "money_vnd", width=110)),
    SqlSource(_rows, ("carrier", "year", "month"), grouped=True),
    totals=(Total("bills", N_("Number of bills"), "int"), Total("billed", N_("Billed"), "money_vnd"),
            Total("expected", N_("Expected cost"), "money_vnd"), Total("disputed", N_("Disputed"), "money_vnd"),
            Total("recovered", N_("Recovered"), "money_vnd")),
    total_query=_totals, perm=Perm.VIEW_MONEY, order=66))
