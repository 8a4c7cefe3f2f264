"""Complaints in statistics: complaints opened in the period by kind, and the complaint rate —
complaints opened per 100 orders delivered in the period (an order counts as delivered when one
of its parcels was handed to the customer)."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.models import Complaint, Parcel
from app.reports.base import BoundedSource, Column, Report, ReportContext, REPORTS, Total, percent
from app.reports.sql import in_period
from app.workflows.complaints import COMPLAINT_KIND_LABELS


def _delivered(session: Session, ctx: ReportContext) -> int:
    return int(session.scalar(select(func.count(distinct(Parcel.order_id)))
                              .where(Parcel.order_id.isnot(None), in_period(Parcel.delivered_at, ctx))) or 0)


def _rows(session: Session, ctx: ReportContext) -> list[Any]:
    counts = dict(session.execute(select(Complaint.kind, func.count()).where(in_period(Complaint.opened_at, ctx))
                                  .group_by(Complaint.kind)).all())
    total = sum(counts.values())
    return [SimpleNamespace(kind=kind, complaints=counts.get(kind, 0), all_complaints=total)
            for kind in COMPLAINT_KIND_LABELS]


def _totals(session: Session, ctx: ReportContext) -> Any:
    n = int(session.scalar(select(func.count()).select_from(Complaint).where(in_period(Complaint.opened_at, ctx))) or 0)
    return SimpleNamespace(complaints=n, delivered=_delivered(session, ctx))


_RATE = N_("Complaints per 100 delivered orders")

REPORTS.add(Report(
    "complaints.rate", N_("Complaints"), N_("Complaints"),
    N_("Complaints opened in the period, by kind, and the complaint rate: complaints opened per 100 "
       "orders delivered in the period (an order is delivered when a parcel of it reached the customer)."),
    (Column("kind", N_("Kind"), labels=COMPLAINT_KIND_LABELS, width=160),
     Column("complaints", N_("Complaints"), "int", width=90),
     Column("share", N_("Share (%)"), "percent", get=lambda r: percent(r.complaints, r.all_complaints), width=80)),
    BoundedSource(_rows),
    totals=(Total("complaints", N_("Complaints"), "int"), Total("delivered", N_("Orders delivered"), "int"),
            Total("rate", _RATE, "percent", get=lambda r: percent(r.complaints, r.delivered))),
    total_query=_totals, order=74))
