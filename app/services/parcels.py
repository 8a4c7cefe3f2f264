"""Parcels in the China warehouse: the receiving scan, measurements, ownerless parcels and their
matching, lost parcels, and what the parcel window and the order's parcels tab show.

``receive_cn`` is the scan station's hot path: one transaction, statements built once, one
lookup that also fetches the warehouse, the volumetric divisor and whether an alert note waits.
Two desktops scanning the same code at once get exactly one receipt: the receipt is a
conditional UPDATE (status still expected) or an INSERT that does nothing on a conflict, so the
second desktop finds the parcel already received.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from pathlib import Path

from app.db import Database
from app.documents.labels import Label
from app.errors import DomainError, NotFound, ValidationFailed
from app.bounds import too_long
from app.i18n import Lazy, Message, N_, _, fmt_datetime, fmt_decimal
from app.models import (AlertNote, Customer, Order, OrderItem, Parcel, SettingValue, Shop,
                        ShopOrder, Shipment, User, Warehouse)
from app.permissions import SYSTEM_ACTOR, Actor, Perm, Role, require
from app.services import order_lifecycle
from app.services import settings as settings_service
from app.services.activity import now, record
from app.services.alerts import alert_detail, alert_title, open_alerts
from app.services.delays import ORDER_DELAY_COLUMNS
from app.services.notifications import notify_staff
from app.services.scanning import (NO_MEASUREMENTS, AlertView, Measurements, Outcome,
                                   ScanResult, check_measurements, chargeable_kg, fmt_kg,
                                   follow_orders, refused)
from app.services.writes import core, events_together, log_event, system_actor_for
from app.services.tasks import close_tasks, open_task
from app.services.transitions import move
from app.settings import SETTINGS
from app.text import clean, fold, search_blob
from app.tracking import carrier_of, is_plausible, normalize_code
from app.workflows.orders import CLOSED, OrderKind, OrderStatus, flow_for
from app.workflows.parcels import (OWNERLESS_SHELF, PARCEL_FLOW, PARCEL_STATUS_LABELS, ParcelStatus, Stage,
                                   shelf_label)
from app.workflows.tasks import TaskKind

#: bins per destination: a customer's parcels always go to the same bin (HN-07)
BINS = 40


def shelf_for(destination_code: str | None, customer_id: int | None) -> str:
    """Where a received parcel goes: its destination's row, its customer's bin (kệ / ô)."""
    if customer_id is None:
        return OWNERLESS_SHELF
    row = (destination_code or "XX").split("-")[-1]
    return f"{row}-{customer_id % BINS + 1:02d}"


# -- prebuilt statements of the receiving scan -----------------------------------------------------
# Table columns (not ORM attributes) keep these plain Core statements: an ORM-enabled select
# costs several times more per call on this path.

_T = Parcel.__table__
_O, _C, _A = Order.__table__, Customer.__table__, AlertNote.__table__
_dest = Warehouse.__table__.alias("dest")
_wh = Warehouse.__table__.alias("wh")
_ALERTS_WAITING = (select(func.count()).select_from(_A)
                   .where(_A.c.stage == Stage.RECEIVE_CN.value, _A.c.acknowledged_at.is_(None),
                          or_(_A.c.tracking_code == bindparam("code"),
                              and_(_T.c.order_id.is_not(None), _A.c.order_id == _T.c.order_id)))
                   .scalar_subquery())
_DIVISOR = (select(SettingValue.__table__.c.value)
            .where(SettingValue.__table__.c.key == "warehouse.volumetric_divisor").scalar_subquery())

#: the warehouse scanned into, and the parcel (if any) with everything the answer shows
_LOOKUP_CN = (
    select(_wh.c.country.label("wh_country"), _DIVISOR.label("divisor"),
           _T.c.id, _T.c.status, _T.c.order_id, _T.c.shop_order_id, _T.c.ownerless,
           _T.c.excess, _T.c.shelf, _T.c.warehouse_id, _T.c.received_cn_at,
           _T.c.received_cn_by_id, _T.c.weight_kg, _T.c.length_cm, _T.c.width_cm,
           _T.c.height_cm, _T.c.chargeable_kg,
           _O.c.code.label("order_code"), _O.c.status.label("order_status"),
           _O.c.kind.label("order_kind"), _O.c.ordering_staff_id, _O.c.care_staff_id,
           # what the order's move needs (delays.ORDER_DELAY_COLUMNS), so it is not read again
           *(_O.c[c].label(f"order_{c}") for c in ORDER_DELAY_COLUMNS),
           _C.c.id.label("customer_id"), _C.c.code.label("customer_code"),
           _C.c.name.label("customer_name"),
           _dest.c.id.label("dest_id"), _dest.c.code.label("dest_code"),
           _ALERTS_WAITING.label("alerts"))
    .select_from(_wh)
    .outerjoin(_T, _T.c.tracking_code == bindparam("code"))
    .outerjoin(_O, _O.c.id == _T.c.order_id)
    .outerjoin(_C, _C.c.id == func.coalesce(_T.c.customer_id, _O.c.customer_id))
    .outerjoin(_dest, _dest.c.id == func.coalesce(_T.c.destination_warehouse_id,
                                                 _O.c.destination_warehouse_id))
    .where(_wh.c.id == bindparam("wid")))

#: the step "receive_cn" of PARCEL_FLOW as one conditional UPDATE (the scan's fast path): its
#: WHERE and SET come from the table, so a change to the step changes the SQL
_RECEIVE_FROM = sorted(s.value for s in PARCEL_FLOW.sources("receive_cn"))
_RECEIVED = PARCEL_FLOW.target("receive_cn").value
_RECEIVE = (update(_T)
            # (one comparison each, not IN: an IN list is re-rendered on every execution)
            .where(_T.c.id == bindparam("pid"), or_(*(_T.c.status == s for s in _RECEIVE_FROM)))
            .values(status=_RECEIVED, warehouse_id=bindparam("wid"),
                    customer_id=bindparam("cid"), destination_warehouse_id=bindparam("did"),
                    shelf=bindparam("shelf"), excess=bindparam("excess"),
                    weight_kg=bindparam("w", type_=_T.c.weight_kg.type),
                    length_cm=bindparam("l", type_=_T.c.length_cm.type),
                    width_cm=bindparam("wd", type_=_T.c.width_cm.type),
                    height_cm=bindparam("h", type_=_T.c.height_cm.type),
                    chargeable_kg=bindparam("cw", type_=_T.c.chargeable_kg.type),
                    received_cn_at=bindparam("at", type_=_T.c.received_cn_at.type),
                    received_cn_by_id=bindparam("uid"),
                    updated_at=bindparam("at2", type_=_T.c.updated_at.type),
                    lost_at=None, version=_T.c.version + 1)
            .returning(_T.c.id))
_MEASURE = (update(_T).where(_T.c.id == bindparam("pid"))
            .values(weight_kg=bindparam("w", type_=_T.c.weight_kg.type),
                    length_cm=bindparam("l", type_=_T.c.length_cm.type),
                    width_cm=bindparam("wd", type_=_T.c.width_cm.type),
                    height_cm=bindparam("h", type_=_T.c.height_cm.type),
                    chargeable_kg=bindparam("cw", type_=_T.c.chargeable_kg.type),
                    updated_at=bindparam("at", type_=_T.c.updated_at.type),
                    version=_T.c.version + 1))
_SO = ShopOrder.__table__
_SHOP_ORDER_FILL = (select(_SO.c.expected_parcels,
                           select(func.count()).select_from(_T)
                           .where(_T.c.shop_order_id == _SO.c.id, _T.c.received_cn_at.is_not(None))
                           .scalar_subquery().label("received"))
                    .where(_SO.c.id == bindparam("sid")))
_SHOP_ORDER_LOCK = select(_SO.c.id).where(_SO.c.id == bindparam("sid")).with_for_update()
_OWNERLESS_VALUES = dict(
    tracking_code=bindparam("code"), carrier=bindparam("carrier"), status=_RECEIVED,
    ownerless=True, warehouse_id=bindparam("wid"), shelf=OWNERLESS_SHELF,
    weight_kg=bindparam("w", type_=_T.c.weight_kg.type),
    length_cm=bindparam("l", type_=_T.c.length_cm.type),
    width_cm=bindparam("wd", type_=_T.c.width_cm.type),
    height_cm=bindparam("h", type_=_T.c.height_cm.type),
    chargeable_kg=bindparam("cw", type_=_T.c.chargeable_kg.type),
    search_text=bindparam("search"),
    created_at=bindparam("at", type_=_T.c.created_at.type),
    updated_at=bindparam("at2", type_=_T.c.updated_at.type),
    received_cn_at=bindparam("at3", type_=_T.c.received_cn_at.type),
    received_cn_by_id=bindparam("uid"))
_INSERT_OWNERLESS = {
    "sqlite": sqlite.insert(_T).values(**_OWNERLESS_VALUES)
    .on_conflict_do_nothing(index_elements=["tracking_code"]).returning(_T.c.id),
    "postgresql": postgresql.insert(_T).values(**_OWNERLESS_VALUES)
    .on_conflict_do_nothing(index_elements=["tracking_code"]).returning(_T.c.id),
}
#: order kinds -> statuses from which the first parcel received moves the order to "in CN warehouse"
_ARRIVE_CN_FROM = {kind: frozenset().union(*(s.sources for s in flow_for(kind).steps if s.action == "arrive_cn"))
                   for kind in (OrderKind.PURCHASE, OrderKind.CONSIGNMENT)}
_DIVISOR_SETTING = SETTINGS["warehouse.volumetric_divisor"]


def _divisor(raw: str | None) -> int:
    if raw is None:
        return _DIVISOR_SETTING.default
    try:
        return _DIVISOR_SETTING.parse(raw)
    except ValueError:
        return _DIVISOR_SETTING.default


def _m_params(m: Measurements, charge: Decimal | None) -> dict:
    return {"w": m.weight_kg, "l": m.length_cm, "wd": m.width_cm, "h": m.height_cm, "cw": charge}


def _weights(m_weight: Decimal | None, charge: Decimal | None) -> str:
    if m_weight is None and charge is None:
        return _("not weighed yet")
    if charge is not None and m_weight is not None and charge > m_weight:
        return _("{kg} kg, chargeable {ckg} kg (by volume)").format(kg=fmt_kg(m_weight),
                                                                   ckg=fmt_kg(charge))
    if m_weight is None:
        return _("chargeable {ckg} kg (by volume)").format(ckg=fmt_kg(charge))
    return _("{kg} kg").format(kg=fmt_kg(m_weight))


def _weights_sentence(m_weight: Decimal | None, charge: Decimal | None) -> str:
    """The weighing as a sentence of its own (a fragment glued after another sentence read
    "… to be matched. not weighed yet" in every language)."""
    if m_weight is None and charge is None:
        return _("Not weighed yet.")
    return _("Weight: {weights}.").format(weights=_weights(m_weight, charge))


def receive_cn(db: Database, actor: Actor, warehouse_id: int, raw_code: str,
               measurements: Measurements = NO_MEASUREMENTS) -> ScanResult:
    """One scan at the China receiving station: received, already received, unknown (becomes an
    ownerless parcel), excess, stopped by an alert note, or refused as implausible."""
    require(actor, Perm.RECEIVE_CN)
    code = normalize_code(raw_code)
    if not is_plausible(code):
        return refused(raw_code)
    m = check_measurements(measurements) if not measurements.empty else measurements
    with db.transaction() as tx:
        return receive_in_transaction(tx, actor, warehouse_id, code, raw_code, m)


def receive_in_transaction(tx: Session, actor: Actor, warehouse_id: int, code: str, raw_code: str,
                           m: Measurements, stop_on_alerts: bool = True) -> ScanResult:
    """The receipt itself, inside the caller's transaction (the scan, or a partner import whose
    goods were received elsewhere, so alert notes do not stop it). ``code`` is normalised."""
    conn = core(tx)
    row = conn.execute(_LOOKUP_CN, {"code": code, "wid": warehouse_id}).first()
    if row is None or row.wh_country != "CN":
        raise DomainError(N_("Choose a warehouse in China to receive into."))
    if row.alerts and stop_on_alerts:
        alerts = open_alerts(tx, Stage.RECEIVE_CN, code, row.order_id)
        if alerts:
            return _alert_result(code, row, alerts)
    divisor = _divisor(row.divisor)
    if row.id is None:
        result = _receive_unknown(tx, actor, warehouse_id, code, raw_code, m, divisor)
    elif row.status in _RECEIVE_FROM:
        result = _receive_known(tx, actor, warehouse_id, code, row, m, divisor)
    else:
        result = None
    if result is None:
        # already received (or just now by another desktop: re-read what it recorded)
        row = conn.execute(_LOOKUP_CN, {"code": code, "wid": warehouse_id}).first()
        result = _already(tx, actor, warehouse_id, code, row, m, divisor)
    return result


def _alert_result(code: str, row, alerts: tuple[AlertView, ...]) -> ScanResult:
    return ScanResult(Outcome.ALERT, code, alert_title(alerts), alert_detail(alerts), row.id,
                      row.customer_code or "", row.order_code or "", alerts=alerts)


def _receive_known(tx: Session, actor: Actor, warehouse_id: int, code: str, row, m: Measurements,
                   divisor: int) -> ScanResult | None:
    at = now(tx)
    excess = False
    if row.shop_order_id is not None:
        conn = core(tx)
        if conn.dialect.name == "postgresql":
            conn.execute(_SHOP_ORDER_LOCK, {"sid": row.shop_order_id})
        fill = conn.execute(_SHOP_ORDER_FILL, {"sid": row.shop_order_id}).first()
        excess = fill is not None and fill.received >= fill.expected_parcels
    shelf = shelf_for(row.dest_code, row.customer_id)
    charge = chargeable_kg(m.weight_kg, m.dims, divisor)
    done = core(tx, "parcels").execute(_RECEIVE, {"pid": row.id, "wid": warehouse_id, "cid": row.customer_id,
                                 "did": row.dest_id, "shelf": shelf, "excess": excess,
                                 "at": at, "at2": at, "uid": actor.user_id,
                                 **_m_params(m, charge)}).first()
    if done is None:
        return None
    after = {"status": _RECEIVED, "warehouse_id": warehouse_id, "shelf": shelf}
    if m.weight_kg is not None:
        after["weight_kg"] = m.weight_kg
    if m.dims is not None:
        after["dims_cm"] = "×".join(str(s) for s in m.dims)
        after["chargeable_kg"] = charge
    if excess:
        after["excess"] = True
    with events_together(tx):    # this event and the order's: one statement
        log_event(tx, actor, at, "parcel", row.id, "received_cn", {"status": row.status}, after)
        if row.status == ParcelStatus.LOST:
            close_tasks(tx, actor, "parcel", row.id, {TaskKind.LOST_PARCEL})
            notify_staff(tx, [row.care_staff_id, row.ordering_staff_id],
                         Message(N_("Parcel {code} of order {order}, flagged lost, has arrived"),
                                 code=code, order=row.order_code or "—"), entity="parcel", entity_id=row.id)
        if excess:
            title = f"{row.order_code} · {code}"
            open_task(tx, actor, TaskKind.CHECK_PARCEL, Role.ORDERING,
                      Message(N_("Excess parcel for {order}: the shop sent more parcels than expected"),
                              order=row.order_code), "parcel", row.id,
                      assignee_id=row.ordering_staff_id, note=title)
            notify_staff(tx, [row.ordering_staff_id],
                         Message(N_("Excess parcel {code} for order {order}"), code=code, order=row.order_code),
                         entity="parcel", entity_id=row.id)
        if row.order_id is not None and row.order_status in _ARRIVE_CN_FROM.get(row.order_kind, ()):
            seen = {"id": row.order_id, "code": row.order_code, "kind": row.order_kind,
                    "status": row.order_status, "care_staff_id": row.care_staff_id,
                    "ordering_staff_id": row.ordering_staff_id,
                    **{c: row._mapping[f"order_{c}"] for c in ORDER_DELAY_COLUMNS}}
            order_lifecycle.follow_parcels(tx, system_actor_for(actor), row.order_id, ["arrive_cn"],
                                           seen=seen)
    who = f"{row.customer_code} · {row.order_code}" if row.order_code else (row.customer_code or "")
    detail = _("Order {order} · {customer} · shelf {shelf} · {weights}").format(
        order=row.order_code or "—", customer=row.customer_name or "—", shelf=shelf,
        weights=_weights(m.weight_kg, charge))
    if excess:
        return ScanResult(Outcome.EXCESS, code, _("Excess parcel — {who}").format(who=who),
                          detail + "\n" + _("The shop order expects fewer parcels; the ordering staff "
                                            "has been asked to check."),
                          row.id, row.customer_code or "", row.order_code or "", shelf,
                          row.dest_code or "", m.weight_kg, charge)
    return ScanResult(Outcome.RECEIVED, code, _("Received — {who}").format(who=who), detail, row.id,
                      row.customer_code or "", row.order_code or "", shelf, row.dest_code or "",
                      m.weight_kg, charge)


def _receive_unknown(tx: Session, actor: Actor, warehouse_id: int, code: str, raw: str,
                     m: Measurements, divisor: int) -> ScanResult | None:
    # (alert notes pinned to this code were counted by the lookup and have stopped the scan)
    at = now(tx)
    charge = chargeable_kg(m.weight_kg, m.dims, divisor)
    conn = core(tx, "parcels")
    pid = conn.execute(_INSERT_OWNERLESS[conn.dialect.name], {"code": code, "carrier": carrier_of(raw), "wid": warehouse_id,
                            "search": search_blob(code), "at": at, "at2": at, "at3": at,
                            "uid": actor.user_id, **_m_params(m, charge)}).scalar()
    if pid is None:
        return None
    log_event(tx, actor, at, "parcel", pid, "received_cn", None,
              {"status": _RECEIVED, "ownerless": True, "warehouse_id": warehouse_id,
               "weight_kg": m.weight_kg})
    open_task(tx, actor, TaskKind.MATCH_PARCEL, Role.FORWARDER_CN,
              Message(N_("Find the owner of parcel {code}"), code=code), "parcel", pid)
    return ScanResult(Outcome.OWNERLESS, code, _("Unknown code — ownerless parcel"),
                      _("No order expects {code}. Put it on the ownerless shelf; it is in the "
                        "ownerless queue to be matched.").format(code=code)
                      + "\n" + _weights_sentence(m.weight_kg, charge),
                      pid, shelf=OWNERLESS_SHELF, weight_kg=m.weight_kg, chargeable_kg=charge)


def _already(tx: Session, actor: Actor, warehouse_id: int, code: str, row, m: Measurements,
             divisor: int) -> ScanResult:
    """Scanned before: nothing is counted again. A weight or size given now (weigh after the
    first scan) is recorded if the parcel is still on this warehouse's shelves."""
    detail_parts = []
    weight, charge = row.weight_kg, row.chargeable_kg
    if not m.empty and row.status == ParcelStatus.RECEIVED_CN and row.warehouse_id == warehouse_id:
        weight, charge = _apply_measurements(tx, actor, row, m, divisor)
        detail_parts.append(_("Measurements recorded: {weights}.").format(weights=_weights(weight, charge)))
    who = tx.scalar(select(User.full_name).where(User.id == row.received_cn_by_id)) if row.received_cn_by_id else ""
    detail_parts.insert(0, _("Received {when} by {who}; now: {status}. Shelf {shelf}.").format(
        when=fmt_datetime(row.received_cn_at), who=who or "—",
        status=_(PARCEL_STATUS_LABELS.get(row.status, row.status)), shelf=shelf_label(row.shelf) or "—"))
    owner = _("ownerless") if row.ownerless else f"{row.customer_code or ''} · {row.order_code or ''}"
    return ScanResult(Outcome.ALREADY, code, _("Already received — {who}").format(who=owner),
                      "\n".join(detail_parts), row.id, row.customer_code or "", row.order_code or "",
                      row.shelf or "", row.dest_code or "", weight, charge)


def _apply_measurements(tx: Session, actor: Actor, row, m: Measurements,
                        divisor: int) -> tuple[Decimal | None, Decimal | None]:
    weight = m.weight_kg if m.weight_kg is not None else row.weight_kg
    dims = m.dims or ((row.length_cm, row.width_cm, row.height_cm) if row.length_cm is not None else None)
    charge = chargeable_kg(weight, dims, divisor)
    at = now(tx)
    core(tx, "parcels").execute(_MEASURE, {"pid": row.id, "w": weight, "l": dims[0] if dims else None,
                          "wd": dims[1] if dims else None, "h": dims[2] if dims else None,
                          "cw": charge, "at": at})
    before = {"weight_kg": row.weight_kg, "chargeable_kg": row.chargeable_kg}
    after = {"weight_kg": weight, "chargeable_kg": charge}
    if dims:
        after["dims_cm"] = "×".join(str(s) for s in dims)
    log_event(tx, actor, at, "parcel", row.id, "measured", before, after)
    return weight, charge


def record_measurements(db: Database, actor: Actor, parcel_id: int, measurements: Measurements) -> ScanResult:
    """Weigh or measure a parcel already received (the scale after the scan)."""
    require(actor, Perm.RECEIVE_CN)
    m = check_measurements(measurements)
    if m.empty:
        raise ValidationFailed({"weight_kg": _("Enter the weight or the three sides.")})
    with db.transaction() as tx:
        parcel = tx.get(Parcel, parcel_id, with_for_update=True)
        if parcel is None:
            raise NotFound(what=Lazy(N_("The parcel")))
        if parcel.status != ParcelStatus.RECEIVED_CN:
            raise DomainError(N_("Only a parcel on the China warehouse's shelves can be weighed here "
                                 "(this one is: {status})."), status=Lazy(PARCEL_STATUS_LABELS[parcel.status]))
        row = core(tx).execute(_LOOKUP_CN, {"code": parcel.tracking_code, "wid": parcel.warehouse_id}).first()
        weight, charge = _apply_measurements(tx, actor, row, m, _divisor(row.divisor))
        return ScanResult(Outcome.RECEIVED, parcel.tracking_code, _("Measurements recorded"),
                          _weights(weight, charge), parcel.id, row.customer_code or "",
                          row.order_code or "", parcel.shelf, row.dest_code or "", weight, charge)


# -- the parcel window and the order's parcels tab -------------------------------------------------

@dataclass(frozen=True)
class ParcelLine:
    id: int
    tracking_code: str
    carrier: str
    status: str
    status_label: str
    warehouse: str
    shelf: str
    weight_kg: Decimal | None
    dims: str
    chargeable_kg: Decimal | None
    vn_weight_kg: Decimal | None
    shipment_code: str
    received_cn_at: datetime | None
    received_vn_at: datetime | None
    excess: bool
    ownerless: bool


def _dims(p: Parcel) -> str:
    if p.length_cm is None:
        return ""
    return f"{fmt_decimal(p.length_cm)}×{fmt_decimal(p.width_cm)}×{fmt_decimal(p.height_cm)}"


def _line(p: Parcel, warehouse: str | None, shipment: str | None) -> ParcelLine:
    return ParcelLine(p.id, p.tracking_code, p.carrier, p.status, PARCEL_STATUS_LABELS.get(p.status, p.status),
                      warehouse or "", p.shelf, p.weight_kg, _dims(p), p.chargeable_kg, p.vn_weight_kg,
                      shipment or "", p.received_cn_at, p.received_vn_at, p.excess, p.ownerless)


def parcels_of_order(db: Database, actor: Actor, order_id: int) -> list[ParcelLine]:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        rows = s.execute(select(Parcel, Warehouse.code, Shipment.code)
                         .outerjoin(Warehouse, Warehouse.id == Parcel.warehouse_id)
                         .outerjoin(Shipment, Shipment.id == Parcel.shipment_id)
                         .where(Parcel.order_id == order_id).order_by(Parcel.id))
        return [_line(p, w, sh) for p, w, sh in rows]


@dataclass(frozen=True)
class ParcelView:
    line: ParcelLine
    order_id: int | None
    order_code: str
    customer_id: int | None
    customer_code: str
    customer_name: str
    destination: str
    label_name: str
    label_shop: str
    seller_order_no: str
    item_count: int | None
    note: str
    created_at: datetime
    lost_at: datetime | None
    alerts: tuple[AlertView, ...]
    can_declare_lost: bool = False      # the workflow lets this user declare it lost now


def find_parcel(db: Database, actor: Actor, raw_code: str) -> int | None:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        return s.scalar(select(Parcel.id).where(Parcel.tracking_code == normalize_code(raw_code)))


def get_parcel(db: Database, actor: Actor, parcel_id: int) -> ParcelView:
    require(actor, Perm.VIEW_ORDERS)
    with db.read() as s:
        p = s.get(Parcel, parcel_id)
        if p is None:
            raise NotFound(what=Lazy(N_("The parcel")))
        wh = s.get(Warehouse, p.warehouse_id) if p.warehouse_id else None
        dest = s.get(Warehouse, p.destination_warehouse_id) if p.destination_warehouse_id else None
        sh = s.get(Shipment, p.shipment_id) if p.shipment_id else None
        order = s.get(Order, p.order_id) if p.order_id else None
        customer = s.get(Customer, p.customer_id) if p.customer_id else None
        alerts = []
        for stage in Stage:
            alerts.extend(open_alerts(s, stage, p.tracking_code, p.order_id))
        return ParcelView(_line(p, wh.code if wh else None, sh.code if sh else None),
                          p.order_id, order.code if order else "", p.customer_id,
                          customer.code if customer else "", customer.name if customer else "",
                          dest.code if dest else "", p.label_name, p.label_shop, p.seller_order_no,
                          p.item_count, p.note, p.created_at, p.lost_at, tuple(alerts),
                          any(step.action == "mark_lost" for step in PARCEL_FLOW.allowed(p, actor)))


def set_shelf(db: Database, actor: Actor, parcel_id: int, shelf: str) -> None:
    """Move a parcel to another shelf / bin in its warehouse."""
    if not (actor.can(Perm.RECEIVE_CN) or actor.can(Perm.RECEIVE_VN) or actor.can(Perm.DELIVER)):
        require(actor, Perm.RECEIVE_CN)
    shelf = (shelf or "").strip().upper()
    if not shelf or len(shelf) > 30:
        raise ValidationFailed({"shelf": _("Enter the shelf code (at most 30 characters).")})
    with db.transaction() as tx:
        p = _load(tx, parcel_id)
        if p.warehouse_id is None:
            raise DomainError(N_("The parcel is not in a warehouse."))
        if p.shelf != shelf:
            record(tx, actor, "parcel", p.id, "shelf", {"shelf": p.shelf}, {"shelf": shelf})
            p.shelf, p.updated_at = shelf, now(tx)


def _load(tx: Session, parcel_id: int) -> Parcel:
    p = tx.get(Parcel, parcel_id, with_for_update=True)
    if p is None:
        raise NotFound(what=Lazy(N_("The parcel")))
    return p


# -- ownerless parcels: describe, rank candidate orders, match ------------------------------------

@dataclass
class LabelFacts:
    """What an ownerless parcel's label and box say (its "shipping mark")."""

    label_name: str = ""
    label_shop: str = ""
    seller_order_no: str = ""
    item_count: int | None = None
    note: str = ""


def describe_ownerless(db: Database, actor: Actor, parcel_id: int, facts: LabelFacts) -> None:
    """Record the label's recipient, the sender shop, the seller's order number and the count of
    items inside: the facts candidate orders are ranked by."""
    require(actor, Perm.MATCH_PARCELS)
    if facts.item_count is not None and not 0 <= facts.item_count <= 100000:
        raise ValidationFailed({"item_count": _("The item count is a whole number from 0.")})
    with db.transaction() as tx:
        p = _load(tx, parcel_id)
        before, after = {}, {}
        for key, value in (("label_name", facts.label_name.strip()[:200]),
                           ("label_shop", facts.label_shop.strip()[:200]),
                           ("seller_order_no", facts.seller_order_no.strip()[:60]),
                           ("item_count", facts.item_count), ("note", facts.note.strip())):
            if getattr(p, key) != value:
                before[key], after[key] = getattr(p, key), value
                setattr(p, key, value)
        if after:
            p.search_text = search_blob(p.tracking_code, p.label_name, p.label_shop, p.seller_order_no)
            p.updated_at = now(tx)
            record(tx, actor, "parcel", p.id, "described", before, after)


@dataclass(frozen=True)
class Candidate:
    order_id: int
    order_code: str
    customer_code: str
    customer_name: str
    status: str
    created_at: datetime
    score: int
    evidence: tuple[str, ...]
    shop_order_id: int | None = None


_TOKEN = re.compile(r"[A-Z]{1,4}\d{4,}")
#: orders still waiting for goods from China
_WAITING = [s.value for s in (OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PURCHASING,
                              OrderStatus.PURCHASED, OrderStatus.SELLER_SHIPPED,
                              OrderStatus.IN_CN_WAREHOUSE)]
_OPEN_ORDER = [s.value for s in OrderStatus if s not in CLOSED and s is not OrderStatus.DRAFT]


def candidates(db: Database, actor: Actor, parcel_id: int, limit: int = 10) -> list[Candidate]:
    """Orders this ownerless parcel may belong to, best first, each with its evidence: the
    shipping mark (an order or customer code written in the recipient's name), the seller's
    order number, the shop, dates, the item count and the weight."""
    require(actor, Perm.MATCH_PARCELS)
    with db.read() as s:
        p = s.get(Parcel, parcel_id)
        if p is None:
            raise NotFound(what=Lazy(N_("The parcel")))
        received = p.received_cn_at or p.created_at
        scores: dict[int, int] = {}
        evidence: dict[int, list[str]] = {}
        shop_orders: dict[int, int] = {}

        def add(oid: int, points: int, why: str) -> None:
            scores[oid] = scores.get(oid, 0) + points
            evidence.setdefault(oid, []).append(why)

        text = f"{p.label_name} {p.note}".upper()
        tokens = set(_TOKEN.findall(re.sub(r"[^A-Z0-9]+", " ", text))) | set(
            _TOKEN.findall(text.replace(" ", "")))
        if tokens:
            for oid, code in s.execute(select(Order.id, Order.code).where(Order.code.in_(tokens))):
                add(oid, 100, _("order code {code} is written on the label").format(code=code))
            for cid, ccode in s.execute(select(Customer.id, Customer.code).where(Customer.code.in_(tokens))):
                for (oid,) in s.execute(select(Order.id).where(Order.customer_id == cid,
                                                                Order.status.in_(_OPEN_ORDER))
                                        .order_by(Order.created_at.desc()).limit(20)):
                    add(oid, 60, _("customer code {code} is written on the label").format(code=ccode))
        if p.seller_order_no:
            for so_id, oid in s.execute(select(ShopOrder.id, ShopOrder.order_id)
                                        .where(ShopOrder.platform_order_no == p.seller_order_no)):
                add(oid, 80, _("the seller's order number {no} is on its shop order").format(no=p.seller_order_no))
                shop_orders[oid] = so_id
        if p.label_shop.strip():
            folded = fold(p.label_shop)
            shop_ids = list(s.scalars(select(Shop.id).where(
                Shop.search_text.like(f"%{folded}%")).limit(20)))
            if shop_ids:
                since = received - timedelta(days=60)
                rows = s.execute(select(OrderItem.order_id, Shop.name).join(Shop, Shop.id == OrderItem.shop_id)
                                 .join(Order, Order.id == OrderItem.order_id)
                                 .where(OrderItem.shop_id.in_(shop_ids), Order.status.in_(_WAITING),
                                        Order.created_at >= since)
                                 .distinct().limit(50))
                for oid, shop in rows:
                    add(oid, 30, _("it buys from the shop {shop}").format(shop=shop))
        if not scores:
            return []
        orders = {o.id: o for o in s.scalars(select(Order).where(Order.id.in_(scores)))}
        customers = {c.id: c for c in s.scalars(select(Customer).where(
            Customer.id.in_({o.customer_id for o in orders.values()})))}
        expected = dict(s.execute(select(Parcel.order_id, func.count()).where(
            Parcel.order_id.in_(scores), Parcel.status == ParcelStatus.EXPECTED.value).group_by(Parcel.order_id)).all())
        weights: dict[int, list[Decimal]] = {}
        for oid, w in s.execute(select(Parcel.order_id, Parcel.weight_kg).where(
                Parcel.order_id.in_(scores), Parcel.weight_kg.is_not(None))):
            weights.setdefault(oid, []).append(w)
        out = []
        for oid, o in orders.items():
            if o.status in _WAITING:
                add(oid, 10, _("it is still waiting for goods"))
            if expected.get(oid):
                add(oid, 15, _("{n} of its parcels are still expected").format(n=expected[oid]))
            days = (received - o.created_at).days
            if 0 <= days <= 30:
                add(oid, 10 - days // 3, _("ordered {n} days before the parcel arrived").format(n=days))
            elif days < 0:
                add(oid, -20, _("ordered after the parcel arrived"))
            if p.item_count is not None and o.item_count:
                if p.item_count == o.item_count:
                    add(oid, 20, _("same number of items ({n})").format(n=o.item_count))
                elif abs(p.item_count - o.item_count) <= 1:
                    add(oid, 5, _("almost the same number of items ({n} ordered)").format(n=o.item_count))
            if p.weight_kg is not None and weights.get(oid):
                mean = sum(weights[oid]) / len(weights[oid])
                if mean > 0 and abs(p.weight_kg - mean) / mean <= Decimal("0.3"):
                    add(oid, 5, _("weighs about what its other parcels weigh ({kg} kg)").format(
                        kg=fmt_decimal(mean.quantize(Decimal("0.01")))))
            c = customers.get(o.customer_id)
            out.append(Candidate(oid, o.code, c.code if c else "", c.name if c else "", o.status,
                                 o.created_at, scores[oid], tuple(evidence[oid]), shop_orders.get(oid)))
        out.sort(key=lambda c: (-c.score, -c.order_id))
        return out[:limit]


def match_parcel(db: Database, actor: Actor, parcel_id: int, order_id: int, evidence: str = "",
                 shop_order_id: int | None = None) -> None:
    """Give an ownerless parcel its owner: the order (and its customer and destination) it belongs
    to. The match and the evidence it rests on are logged on the parcel and on the order."""
    require(actor, Perm.MATCH_PARCELS)
    with db.transaction() as tx:
        p = _load(tx, parcel_id)
        if not p.ownerless:
            raise DomainError(N_("This parcel already has an owner."))
        order = tx.get(Order, order_id)
        if order is None:
            raise NotFound(what=Lazy(N_("The order")))
        if order.status in CLOSED or order.status == OrderStatus.DRAFT:
            raise DomainError(N_("Order {code} is closed; choose an open order."), code=order.code)
        if shop_order_id is not None:
            so = tx.get(ShopOrder, shop_order_id)
            if so is None or so.order_id != order.id:
                raise DomainError(N_("That shop order belongs to another order."))
        dest = tx.get(Warehouse, order.destination_warehouse_id) if order.destination_warehouse_id else None
        customer = tx.get(Customer, order.customer_id)
        at = now(tx)
        before = {"ownerless": True, "shelf": p.shelf}
        p.ownerless, p.order_id, p.customer_id = False, order.id, order.customer_id
        p.shop_order_id = shop_order_id
        p.destination_warehouse_id = order.destination_warehouse_id
        if p.warehouse_id is not None and p.status in (ParcelStatus.RECEIVED_CN, ParcelStatus.RECEIVED_VN, ParcelStatus.READY):
            p.shelf = shelf_for(dest.code if dest else None, order.customer_id)
        p.matched_at, p.updated_at = at, at
        p.search_text = search_blob(p.tracking_code, customer.code, p.label_name, p.label_shop,
                                    p.seller_order_no)
        after = {"ownerless": False, "order": order.code, "customer": customer.code, "shelf": p.shelf}
        note = (evidence or "").strip()
        record(tx, actor, "parcel", p.id, "matched", before, after, note)
        record(tx, actor, "order", order.id, "parcel_matched",
               after={"tracking_code": p.tracking_code, "shelf": p.shelf}, note=note)
        close_tasks(tx, actor, "parcel", p.id, {TaskKind.MATCH_PARCEL})
        notify_staff(tx, [order.care_staff_id, order.ordering_staff_id],
                     Message(N_("Ownerless parcel {code} was matched to order {order}"),
                             code=p.tracking_code, order=order.code), note[:200], "order", order.id)
        tx.flush()
        follow_orders(tx, actor, [order.id])


# -- lost parcels ----------------------------------------------------------------------------------

def flag_lost_parcels(db: Database, actor: Actor = SYSTEM_ACTOR, batch: int = 500) -> int:
    """Expected parcels not received within ``warehouse.lost_parcel_days`` are flagged lost and a
    task is raised (ordering staff chase the shop; care staff the consignment customer). Meant
    for a timer; safe to run any time and from two desktops at once. Returns how many were flagged."""
    if actor.role is not Role.SYSTEM:
        require(actor, Perm.ASSIGN_TASKS)
    total = 0
    while True:
        with db.transaction() as tx:
            days = settings_service.get(tx, "warehouse.lost_parcel_days")
            at = now(tx)
            # (only expected parcels time out: one in transit is lost when its shipment is)
            ids = list(tx.scalars(select(Parcel.id).where(Parcel.status == ParcelStatus.EXPECTED.value,
                                                          Parcel.created_at < at - timedelta(days=days))
                                  .order_by(Parcel.created_at, Parcel.id).limit(batch)
                                  .with_for_update(skip_locked=True)))
            if not ids:
                return total
            reason = _("Not received within {n} days").format(n=days)
            order_ids = []
            for parcel, order in tx.execute(select(Parcel, Order).outerjoin(Order, Order.id == Parcel.order_id)
                                            .where(Parcel.id.in_(ids)).order_by(Parcel.id)):
                move(tx, actor, parcel, PARCEL_FLOW, "mark_lost", reason, cascade=True, note=reason,
                     stamp={"lost_at": at, "updated_at": at})
                purchase = order is not None and order.kind == OrderKind.PURCHASE
                assignee = (order.ordering_staff_id if purchase else order.care_staff_id) if order else None
                title = Message(N_("Lost parcel {code} of order {order}: not received after {n} days"),
                                code=parcel.tracking_code, order=order.code if order else "—", n=days)
                open_task(tx, actor, TaskKind.LOST_PARCEL, Role.ORDERING if purchase else Role.CARE,
                          title, "parcel", parcel.id, assignee_id=assignee)
                notify_staff(tx, [assignee], title, entity="parcel", entity_id=parcel.id)
                order_ids.append(parcel.order_id)
            tx.flush()
            follow_orders(tx, actor, order_ids)
            total += len(ids)


#: the longest reason for declaring a parcel lost (it goes to the order's staff)
MAX_LOST_REASON = 1000


def mark_parcel_lost(db: Database, actor: Actor, parcel_id: int, reason: str) -> None:
    """A manager declares a parcel lost (e.g. missing from a shipment and not found): its order's
    staff are told and the lost-parcel task opens for them, as when the timer declares one lost;
    the order follows its other parcels (declaring the order lost is a step of its own)."""
    reason = clean(reason or "")
    if not reason:
        raise ValidationFailed({"reason": _("Say why the parcel is declared lost.")})
    if len(reason) > MAX_LOST_REASON:
        raise ValidationFailed({"reason": too_long(_("Reason"), MAX_LOST_REASON)})
    with db.transaction() as tx:
        p = _load(tx, parcel_id)
        at = now(tx)
        move(tx, actor, p, PARCEL_FLOW, "mark_lost", reason, stamp={"lost_at": at, "updated_at": at})
        order = tx.get(Order, p.order_id) if p.order_id else None
        if order is not None:
            title = Message(N_("Parcel {code} of order {order} was declared lost"),
                            code=p.tracking_code, order=order.code)
            notify_staff(tx, [order.care_staff_id, order.ordering_staff_id], title, reason, "order", order.id)
            purchase = order.kind == OrderKind.PURCHASE
            open_task(tx, actor, TaskKind.LOST_PARCEL, Role.ORDERING if purchase else Role.CARE, title,
                      "parcel", p.id, assignee_id=order.ordering_staff_id if purchase else order.care_staff_id,
                      note=reason)
        tx.flush()
        follow_orders(tx, actor, [p.order_id])


# -- labels ----------------------------------------------------------------------------------------

def label_data(db: Database, actor: Actor, parcel_ids: list[int]) -> list[Label]:
    """What each parcel's label prints: the parcel code as Code128, customer code, destination."""
    if not (actor.can(Perm.RECEIVE_CN) or actor.can(Perm.RECEIVE_VN) or actor.can(Perm.MATCH_PARCELS)):
        require(actor, Perm.RECEIVE_CN)
    dest, wh = aliased(Warehouse), aliased(Warehouse)
    with db.read() as s:
        rows = s.execute(select(Parcel, Customer.code, Customer.name, Order.code, dest.code, dest.name, wh.code)
                         .outerjoin(Customer, Customer.id == Parcel.customer_id)
                         .outerjoin(Order, Order.id == Parcel.order_id)
                         .outerjoin(dest, dest.id == Parcel.destination_warehouse_id)
                         .outerjoin(wh, wh.id == Parcel.warehouse_id)
                         .where(Parcel.id.in_(parcel_ids)))
        by_id = {p.id: Label(p.tracking_code, cc or "", cn or "", oc or "", dc or "", dn or "",
                                 p.shelf, p.weight_kg, p.chargeable_kg, _dims(p), p.received_cn_at, wc or "")
                 for p, cc, cn, oc, dc, dn, wc in rows}
    return [by_id[i] for i in parcel_ids if i in by_id]


def write_labels(db: Database, actor: Actor, parcel_ids: list[int], path) -> Path:
    """The parcels' labels as a PDF (one 100 × 75 mm label per page) at ``path``."""
    from app.documents.labels import write_labels_pdf

    labels = label_data(db, actor, parcel_ids)
    if not labels:
        raise NotFound(what=Lazy(N_("The parcel")))
    company = settings_service.read_all(db)["company.name"]
    return write_labels_pdf(labels, path, company)
