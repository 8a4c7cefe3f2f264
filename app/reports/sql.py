"""SQL building blocks for reports that must give the same figures on SQLite and PostgreSQL.

Durations are whole seconds between epoch values (integers on both databases, so sums and
medians are exact); calendar buckets are the local day, Monday or first of month as
'YYYY-MM-DD' text; medians use window functions both databases have.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import (BigInteger, Integer, String, and_, case, cast, extract, func, literal,
                        literal_column, or_, select, type_coerce)
from sqlalchemy.sql.elements import ColumnElement

from app.models import ActivityEvent, Order
from app.models.types import UTCDateTime
from app.reports.base import ReportContext
from app.workflows.orders import OrderStatus



def at(value: datetime) -> ColumnElement:
    """A bound UTC time usable in arithmetic on both databases."""
    return literal(value, UTCDateTime())


def epoch(expr: Any, dialect: str) -> ColumnElement:
    """Whole seconds since 1970 of a stored UTC time (fractions dropped the same way on both)."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", expr), Integer)
    return cast(func.floor(extract("epoch", expr)), BigInteger)


def seconds_between(start: Any, end: Any, dialect: str) -> ColumnElement:
    return epoch(end, dialect) - epoch(start, dialect)


def in_range(expr: Any, lo: datetime, hi: datetime) -> ColumnElement:
    return and_(expr >= lo, expr < hi)


def in_period(expr: Any, ctx: ReportContext) -> ColumnElement:
    return in_range(expr, ctx.start_utc, ctx.end_utc)


def local_bucket(expr: Any, grain: str, offset_minutes: int, dialect: str) -> ColumnElement:
    """The first local day of the day/week/month ``expr`` falls in, as 'YYYY-MM-DD'."""
    offset = int(offset_minutes)
    if dialect == "sqlite":
        shift = f"{offset:+d} minutes"
        if grain == "day":
            return func.date(expr, shift)
        if grain == "week":   # back 6 days, then forward to a Monday: the Monday on or before
            return func.date(expr, shift, "-6 days", "weekday 1")
        if grain == "month":
            return func.strftime("%Y-%m-01", expr, shift)
        raise ValueError(grain)
    local = func.timezone("UTC", expr) + literal_column(f"interval '{offset} minutes'")
    if grain == "day":
        return func.to_char(local, "YYYY-MM-DD")
    if grain in ("week", "month"):
        return func.to_char(func.date_trunc(grain, local), "YYYY-MM-DD")
    raise ValueError(grain)


def event_status() -> ColumnElement:
    """The status an activity event moved its record to (``after.status``), or NULL."""
    return ActivityEvent.after["status"].as_string()


def rank_of(expr: Any, ranks: Mapping[str, int]) -> ColumnElement:
    """A CASE giving each stored value its position (statuses in flow order); others NULL."""
    return case({k: v for k, v in ranks.items()}, value=expr, else_=None)


def placed() -> ColumnElement:
    """Orders that left the cart: not a draft, and not a cart that expired unsubmitted."""
    return and_(Order.status != OrderStatus.DRAFT.value,
                or_(Order.submitted_at.isnot(None), Order.status != OrderStatus.CANCELLED.value))


def minor(expr: Any) -> ColumnElement:
    """A money column as its stored integer (minor units), for sums across unions."""
    return type_coerce(expr, BigInteger)


def as_text(expr: Any) -> ColumnElement:
    return type_coerce(expr, String)


def median_parts(sub: Any, value: str, group: str | None = None):
    """Per group (or over everything): SUM and COUNT of the middle value(s) of ``sub.c[value]``
    — one for an odd count, two for an even one; their quotient is the median."""
    partition = [sub.c[group]] if group else None
    ranked = select(
        *([sub.c[group].label("grp")] if group else []),
        sub.c[value].label("v"),
        func.row_number().over(partition_by=partition, order_by=sub.c[value]).label("rn"),
        func.count().over(partition_by=partition).label("n"),
    ).where(sub.c[value].isnot(None)).subquery()
    middle = or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    cols = [func.sum(ranked.c.v).label("mid_sum"), func.count().label("mid_n")]
    if group:
        return select(ranked.c.grp, *cols).where(middle).group_by(ranked.c.grp)
    return select(*cols).where(middle)
