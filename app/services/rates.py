"""Exchange rates (tỷ giá): the selling rate charged to customers and the buying rate paid for
CNY, each effective from a time and set by a named person; the selling rate optionally adjusted
per customer group (VIP level) by order value. History is kept: a new rate takes over from its
time, nothing is edited. An order keeps the rate it was given (app.models.OrderMoney).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.errors import DomainError, ValidationFailed
from app.i18n import N_, _, fmt_decimal, fmt_money
from app.models import ExchangeRate, RateAdjustment, VipLevel
from app.money import CNY, Money
from app.permissions import Actor, Perm, require
from app.services.activity import now, record
from app.text import clean

SELLING, BUYING = "selling", "buying"
RATE_KINDS = {SELLING: N_("Selling rate (charged to customers)"), BUYING: N_("Buying rate (paid for CNY)")}
#: a rate may start this long before "now" (the dialog was open a while); earlier is refused
PAST_TOLERANCE = timedelta(minutes=10)
MAX_RATE = Decimal(100000)


@dataclass
class AdjustmentInput:
    vip_level_id: int | None
    min_goods_cny: Decimal
    delta: Decimal


@dataclass(frozen=True)
class AdjustmentView:
    vip_level_id: int | None
    vip_level_name: str
    min_goods_cny: Money
    delta: Decimal


@dataclass(frozen=True)
class RateView:
    id: int
    kind: str
    value: Decimal
    effective_from: datetime
    set_by: str
    set_at: datetime
    note: str
    adjustments: tuple[AdjustmentView, ...] = field(default_factory=tuple)
    current: bool = False


@dataclass(frozen=True)
class AppliedRate:
    """The selling rate an order gets, and how it was arrived at."""

    rate_id: int
    base: Decimal
    value: Decimal
    explanation: str


class NoRate(DomainError):
    msgid = N_("No {kind} is set yet: a manager sets it in Exchange rates.")


def parse_rate(value: Decimal | str) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(clean(str(value)))
    except InvalidOperation:
        d = Decimal("NaN")
    if not d.is_finite() or d <= 0:
        raise ValueError(_("A rate is a positive number of đồng per yuan, e.g. 3,650."))
    if d > MAX_RATE:
        raise ValueError(_("A rate above {maximum} ₫ per ¥ cannot be right.").format(maximum=fmt_decimal(MAX_RATE)))
    if d != d.quantize(Decimal("0.000001")):
        raise ValueError(_("A rate has at most six decimals."))
    return d


def current(tx: Session, kind: str, at: datetime | None = None) -> ExchangeRate | None:
    """The rate of ``kind`` in force at ``at`` (now by default)."""
    at = at or now(tx)
    return tx.scalar(select(ExchangeRate).where(ExchangeRate.kind == kind, ExchangeRate.effective_from <= at)
                     .order_by(ExchangeRate.effective_from.desc(), ExchangeRate.id.desc()).limit(1))


def selling_rate_for(tx: Session, vip_level_id: int | None, goods_cny: Money,
                     at: datetime | None = None) -> AppliedRate | None:
    """The selling rate for an order of ``goods_cny`` by a customer of ``vip_level_id``: the
    base rate plus the adjustment of the highest value band reached — the group's own bands
    first, else the bands for every customer. None when no selling rate exists yet."""
    rate = current(tx, SELLING, at)
    if rate is None:
        return None
    best: RateAdjustment | None = None
    for group in ([vip_level_id] if vip_level_id is not None else []) + [None]:
        bands = [a for a in rate.adjustments if a.vip_level_id == group and goods_cny >= a.min_goods_cny]
        if bands:
            best = max(bands, key=lambda a: a.min_goods_cny.amount)
            break
    if best is None:
        return AppliedRate(rate.id, rate.value, rate.value,
                           _("selling rate {rate} ₫ per ¥").format(rate=fmt_decimal(rate.value)))
    value = rate.value + best.delta
    group_name = (tx.get(VipLevel, best.vip_level_id).name if best.vip_level_id else _("every customer"))
    return AppliedRate(rate.id, rate.value, value, _(
        "selling rate {base} {sign} {delta} for {group} orders from {band} = {rate} ₫ per ¥").format(
        base=fmt_decimal(rate.value), sign="+" if best.delta >= 0 else "−", delta=fmt_decimal(abs(best.delta)),
        group=group_name, band=fmt_money(best.min_goods_cny), rate=fmt_decimal(value)))


def set_rate(db: Database, actor: Actor, kind: str, value: Decimal | str, effective_from: datetime | None = None,
             adjustments: list[AdjustmentInput] | None = None, note: str = "") -> int:
    """A new selling or buying rate, in force from ``effective_from`` (now if not given)."""
    require(actor, Perm.SET_EXCHANGE_RATES)
    errors: dict[str, str] = {}
    if kind not in RATE_KINDS:
        errors["kind"] = _("Choose the selling or the buying rate.")
    parsed: Decimal | None = None
    try:
        parsed = parse_rate(value)
    except (ValueError, ArithmeticError) as exc:
        errors["value"] = str(exc) if isinstance(exc, ValueError) and str(exc) else _("Enter a number.")
    adjustments = adjustments or []
    if kind == BUYING and adjustments:
        errors["adjustments"] = _("Only the selling rate is adjusted per customer group.")
    with db.transaction() as tx:
        at = now(tx)
        start = effective_from or at
        if start.tzinfo is None:
            raise ValueError("effective_from must be timezone-aware")
        if start < at - PAST_TOLERANCE:
            errors["effective_from"] = _("A rate cannot start in the past: history is not rewritten.")
        seen: set[tuple[int | None, Decimal]] = set()
        for i, a in enumerate(adjustments):
            if a.vip_level_id is not None and tx.get(VipLevel, a.vip_level_id) is None:
                errors[f"adjustments.{i}"] = _("Row {n}: choose an existing VIP level.").format(n=i + 1)
            elif not isinstance(a.min_goods_cny, Decimal) or a.min_goods_cny < 0 or \
                    a.min_goods_cny != a.min_goods_cny.quantize(Decimal("0.01")):
                errors[f"adjustments.{i}"] = _("Row {n}: the order value is an amount in CNY from 0.").format(n=i + 1)
            elif not isinstance(a.delta, Decimal) or a.delta == 0 or a.delta != a.delta.quantize(Decimal("0.000001")):
                errors[f"adjustments.{i}"] = _("Row {n}: the adjustment is a non-zero number of đồng per yuan.").format(n=i + 1)
            elif parsed is not None and parsed + a.delta <= 0:
                errors[f"adjustments.{i}"] = _("Row {n}: the adjusted rate must stay above zero.").format(n=i + 1)
            elif (a.vip_level_id, a.min_goods_cny) in seen:
                errors[f"adjustments.{i}"] = _("Row {n}: the same group and value band is listed twice.").format(n=i + 1)
            seen.add((a.vip_level_id, a.min_goods_cny))
        if parsed is not None and kind == SELLING:
            buying = current(tx, BUYING, start)
            if buying is not None and parsed < buying.value:
                errors["value"] = _("The selling rate is below the buying rate ({buying}): every yuan "
                                    "would be sold at a loss.").format(buying=fmt_decimal(buying.value))
        if parsed is not None and kind == BUYING:
            selling = current(tx, SELLING, start)
            if selling is not None and parsed > selling.value:
                errors["value"] = _("The buying rate is above the selling rate ({selling}): set the new "
                                    "selling rate first.").format(selling=fmt_decimal(selling.value))
        if errors:
            raise ValidationFailed(errors)
        rate = ExchangeRate(kind=kind, value=parsed, effective_from=start, set_by_id=actor.user_id,
                            set_by_name=actor.name, set_at=at, note=(note or "").strip())
        rate.adjustments = [RateAdjustment(vip_level_id=a.vip_level_id, min_goods_cny=Money(a.min_goods_cny, CNY),
                                           delta=a.delta) for a in adjustments]
        tx.add(rate)
        tx.flush()
        record(tx, actor, "exchange_rate", rate.id, "set", after={
            "kind": kind, "value": parsed, "effective_from": start,
            "adjustments": [f"{a.vip_level_id or '*'} ≥ {a.min_goods_cny} CNY: {a.delta:+}" for a in adjustments]},
            note=rate.note)
        return rate.id


def history(db: Database, actor: Actor, kind: str | None = None, limit: int = 200) -> list[RateView]:
    """Rates newest first, the one in force now marked, with who set them and when."""
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        at = db.clock.now()
        in_force = {k: (r.id if (r := current(s, k, at)) else None) for k in RATE_KINDS}
        q = select(ExchangeRate).order_by(ExchangeRate.effective_from.desc(), ExchangeRate.id.desc()).limit(limit)
        if kind:
            q = q.where(ExchangeRate.kind == kind)
        names = {v.id: v.name for v in s.scalars(select(VipLevel))}
        return [RateView(r.id, r.kind, r.value, r.effective_from, r.set_by_name, r.set_at, r.note,
                         tuple(AdjustmentView(a.vip_level_id, names.get(a.vip_level_id, _("every customer")),
                                              a.min_goods_cny, a.delta) for a in r.adjustments),
                         in_force.get(r.kind) == r.id)
                for r in s.scalars(q)]


def current_values(db: Database) -> dict[str, Decimal | None]:
    """Selling and buying rates in force now (None where none was ever set)."""
    with db.read() as s:
        return {k: (r.value if (r := current(s, k)) else None) for k in RATE_KINDS}
