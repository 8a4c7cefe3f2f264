"""Commissions (hoa hồng) accrue when an order is completed (its "received" step, by care staff,
the feedback window or an accepted inspection): at the rates in the settings at that moment,

- its customer care and its ordering staff earn a percentage of the service fee booked on it
  (revenue:purchasing_fee);
- each forwarder earns VND per kg of its parcels they received into a warehouse — in China as
  weighed at receipt, in Vietnam as re-weighed there (else China's weight) — per warehouse.

One ``CommissionAccrual`` row per person and role (and warehouse), each rounded to the đồng by
the money rule, and one balanced entry debiting commission_expense on the order and crediting
commissions_payable. Net profit (billing.PROFIT_PARTS), the money reports and the commission
reports all read these, so they agree; a later change of rates never rewrites them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from app import posting_rules
from app.i18n import Message, N_
from app.models import (ActivityEvent, CommissionAccrual, JournalLine, LedgerAccount, Order, Parcel, Shipment,
                        ShipmentParcel)
from app.money import VND, Money
from app.permissions import Actor
from app.services import ledger
from app.services import settings as settings_service
from app.services.activity import now, record

SERVICE_FEE_ACCOUNT = posting_rules.fee_account("purchasing_fee")
CARE, ORDERING, FORWARDER_CN, FORWARDER_VN = "care", "ordering", "forwarder_cn", "forwarder_vn"
STAFF_ROLES = (CARE, ORDERING)
FORWARDER_ROLES = (FORWARDER_CN, FORWARDER_VN)
#: role -> the setting its rate is read from: a percentage of the service fee (staff) or VND per
#: kg (forwarders)
RATE_SETTINGS = {CARE: "commission.care_percent", ORDERING: "commission.ordering_percent",
                 FORWARDER_CN: "commission.forwarder_cn_vnd_per_kg",
                 FORWARDER_VN: "commission.forwarder_vn_vnd_per_kg"}


def service_fee_of(tx: Session, order_id: int) -> Money:
    """The service fee booked on an order: the credit side of its revenue:purchasing_fee lines."""
    total = tx.scalar(select(func.sum(JournalLine.amount))
                      .join(LedgerAccount, LedgerAccount.id == JournalLine.account_id)
                      .where(LedgerAccount.code == SERVICE_FEE_ACCOUNT, JournalLine.currency == VND,
                             JournalLine.order_id == order_id))
    return Money.from_minor(-int(total or 0), VND)


@dataclass
class _Handled:
    parcels: int = 0
    kg: Decimal = Decimal(0)


def _cn_warehouses(tx: Session, parcel_ids: list[int]) -> dict[int, int | None]:
    """The China warehouse each parcel was (last) received into, from its receipt's event."""
    out: dict[int, int | None] = {}
    if not parcel_ids:
        return out
    E = ActivityEvent
    for pid, after in tx.execute(select(E.entity_id, E.after)
                                 .where(E.entity == "parcel", E.action == "received_cn",
                                        E.entity_id.in_(parcel_ids)).order_by(E.id)):
        out[pid] = (after or {}).get("warehouse_id")
    return out


def _forwarded(tx: Session, order_id: int) -> dict[tuple[str, int, int | None], _Handled]:
    """(role, forwarder, warehouse) -> the order's parcels they received there and their weight."""
    china = tx.execute(select(Parcel.id, Parcel.received_cn_by_id, Parcel.weight_kg)
                       .where(Parcel.order_id == order_id, Parcel.received_cn_by_id.isnot(None))
                       .order_by(Parcel.id)).all()
    where = _cn_warehouses(tx, [p.id for p in china])
    received = [(FORWARDER_CN, uid, where.get(pid), kg) for pid, uid, kg in china]
    received += [(FORWARDER_VN, uid, wid, kg) for uid, wid, kg in tx.execute(
        select(ShipmentParcel.received_by_id, Shipment.destination_warehouse_id,
               func.coalesce(ShipmentParcel.vn_weight_kg, Parcel.weight_kg))
        .join(Shipment, Shipment.id == ShipmentParcel.shipment_id)
        .join(Parcel, Parcel.id == ShipmentParcel.parcel_id)
        .where(Parcel.order_id == order_id, Shipment.direction == "to_vn", ShipmentParcel.received_by_id.isnot(None))
        .order_by(ShipmentParcel.id))]
    handled: dict[tuple[str, int, int | None], _Handled] = defaultdict(_Handled)
    for role, uid, wid, kg in received:
        h = handled[(role, uid, wid)]
        h.parcels += 1
        h.kg += kg or Decimal(0)
    return handled


def _rows(tx: Session, order: Order, at: datetime) -> list[CommissionAccrual]:
    rates = settings_service.load_keys(tx, tuple(RATE_SETTINGS.values()))
    rows = []
    fee = service_fee_of(tx, order.id)
    for role, uid in ((CARE, order.care_staff_id), (ORDERING, order.ordering_staff_id)):
        rate = Decimal(rates[RATE_SETTINGS[role]])
        rows.append(CommissionAccrual(order_id=order.id, user_id=uid, role=role, warehouse_id=None, parcels=0,
                                      fee=fee, kg=Decimal(0), rate=rate, amount=fee.percent(rate), at=at))
    for (role, uid, wid), h in _forwarded(tx, order.id).items():
        rate = Decimal(rates[RATE_SETTINGS[role]])
        rows.append(CommissionAccrual(order_id=order.id, user_id=uid, role=role, warehouse_id=wid,
                                      parcels=h.parcels, fee=Money.zero(VND), kg=h.kg, rate=rate,
                                      amount=Money(h.kg * rate, VND), at=at))
    return [r for r in rows if r.user_id is not None and not r.amount.is_zero()]


def accrue_for_completed_order(tx: Session, actor: Actor, order: Order) -> Money:
    """Book the commissions a just-completed order earned, in the caller's transaction; nothing
    if it earned none or they were booked already. Returns the total booked."""
    if tx.scalar(select(exists().where(CommissionAccrual.order_id == order.id))):
        return Money.zero(VND)
    at = now(tx)
    rows = _rows(tx, order, at)
    if not rows:
        return Money.zero(VND)
    total = Money.total((r.amount for r in rows), VND)
    entry = ledger.post_lines(tx, actor, "commission", posting_rules.commission(total, order.id),
        memo=Message(N_("Commissions of order {code}"), code=order.code), order_id=order.id)
    for r in rows:
        r.entry_id = entry.id
    tx.add_all(rows)
    tx.flush()
    record(tx, actor, "order", order.id, "commissions_accrued", after={
        "total": total, "entry": entry.id,
        "rows": [{"role": r.role, "user_id": r.user_id, "warehouse_id": r.warehouse_id, "amount": r.amount}
                 for r in rows]},
        note=Message(N_("Commissions booked: {total}"), total=total))
    return total
