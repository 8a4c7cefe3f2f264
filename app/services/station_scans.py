"""Scans from a station's journal (app.journal), applied to the database exactly once, and what a
station caches to answer on its own while the database cannot be reached.

Four kinds of station journal their scans: China receiving (``receive_cn``), packing a shipment
(``pack``), receiving a shipment in Vietnam (``receive_vn``) and a stocktake (``stocktake``).
``apply_station_scan`` runs the kind's scan inside one transaction (``parcels.receive_in_transaction``,
``shipments.pack_in_transaction``, ``shipments.receive_vn_in_transaction``,
``stocktakes.stocktake_in_transaction``) and writes a ``station_scans`` row keyed by the scan id
the station made, in the same transaction. The scan is credited to the person who sends it (the
actor, ``user_id``); the person who scanned it at the station is kept beside (``scanned_by_id``).
The same scan id sent again (the station did not hear the first answer) finds that row and gets
the stored answer back: nothing is received or counted twice. Two copies sent at the same moment
collide on the primary key; the loser's transaction rolls back and it reads the winner's answer.
"""
from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.db import Database
from app.errors import DatabaseUnavailable, DomainError, ValidationFailed
from app.i18n import _
from app.models import AlertNote, Customer, Order, Parcel, StationScan, User, Warehouse
from app.permissions import Actor, Perm, require
from app.services import parcels
from app.services import settings as settings_service
from app.services.activity import now
from app.services.seals import SealCheck
from app.services.scanning import (Measurements, Outcome, ScanResult, check_measurements, refused)
from app.tracking import is_plausible, normalize_code
from app.workflows.parcels import ParcelStatus, Stage

KIND_RECEIVE_CN = "receive_cn"
KIND_PACK = "pack"
KIND_RECEIVE_VN = "receive_vn"
KIND_STOCKTAKE = "stocktake"
#: a sack's code scanned at the receiving warehouse, with its seal check: the shipment arrives
KIND_ARRIVE = "arrive"
KINDS = (KIND_RECEIVE_CN, KIND_PACK, KIND_RECEIVE_VN, KIND_STOCKTAKE, KIND_ARRIVE)
#: the kinds that scan into something (a shipment, a stocktake): ``target_id`` names it
TARGETED = (KIND_PACK, KIND_RECEIVE_VN, KIND_STOCKTAKE, KIND_ARRIVE)


@dataclass(frozen=True)
class StationScanIn:
    """One scan as the station journalled it."""

    scan_id: str
    station: str
    warehouse_id: int
    raw_code: str
    scanned_at: datetime
    measurements: Measurements = Measurements()
    kind: str = KIND_RECEIVE_CN
    #: the shipment packed or received, the stocktake counted (None for China receiving)
    target_id: int | None = None
    #: who scanned it at the station (the sender, signed in now, is credited with it)
    scanned_by: int | None = None
    #: an arrival (``arrive``): the seal's number and the gross weight the station saw (no photo
    #: offline); None for a shipment that needs no seal check
    seal: SealCheck | None = None


def _answer(r: ScanResult) -> dict:
    return {"title": r.title, "detail": r.detail, "customer_code": r.customer_code,
            "order_code": r.order_code, "shelf": r.shelf, "destination": r.destination,
            "weight_kg": str(r.weight_kg) if r.weight_kg is not None else None,
            "chargeable_kg": str(r.chargeable_kg) if r.chargeable_kg is not None else None}


def _stored(row: StationScan) -> ScanResult:
    a = row.answer or {}
    dec = lambda v: Decimal(v) if v is not None else None  # noqa: E731
    return ScanResult(Outcome(row.outcome), row.code, a.get("title", ""), a.get("detail", ""),
                      row.parcel_id, a.get("customer_code", ""), a.get("order_code", ""),
                      a.get("shelf", ""), a.get("destination", ""), dec(a.get("weight_kg")),
                      dec(a.get("chargeable_kg")), facts={"scan_id": row.scan_id, "repeated": True})


def _check(scan: StationScanIn) -> tuple[str, str, Measurements]:
    errors: dict[str, str] = {}
    try:
        scan_id = str(uuid.UUID(str(scan.scan_id)))
    except ValueError:
        scan_id = ""
        errors["scan_id"] = _("The station sent a scan without a valid id.")
    station = unicodedata.normalize("NFC", (scan.station or "").strip())
    if not station or len(station) > 64:
        errors["station"] = _("The station sent a scan without a valid station name.")
    if scan.kind not in KINDS:
        errors["kind"] = _("This kind of station scan is not known.")
    elif (scan.kind in TARGETED) != (scan.target_id is not None):
        errors["target_id"] = _("The station sent a scan without the shipment or stocktake it belongs to.")
    if not isinstance(scan.scanned_at, datetime) or scan.scanned_at.tzinfo is None:
        errors["scanned_at"] = _("The station sent a scan without its time.")
    if errors:
        raise ValidationFailed(errors)
    m = check_measurements(scan.measurements) if not scan.measurements.empty else scan.measurements
    return scan_id, station, m


_PERM = {KIND_RECEIVE_CN: Perm.RECEIVE_CN, KIND_PACK: Perm.PACK_SHIPMENTS, KIND_STOCKTAKE: Perm.STOCKTAKE}


def _require_kind(actor: Actor, kind: str) -> None:
    if kind in (KIND_RECEIVE_VN, KIND_ARRIVE):     # a return to China is received by the China team
        require(actor, Perm.RECEIVE_VN if actor.can(Perm.RECEIVE_VN) else Perm.RECEIVE_CN)
    elif kind in _PERM:
        require(actor, _PERM[kind])


def _run(tx, actor: Actor, scan: StationScanIn, code: str, m: Measurements) -> ScanResult:
    """The kind's scan inside the caller's transaction."""
    from app.services import shipments, stocktakes

    if scan.kind == KIND_ARRIVE:
        # the sack's code as the station saw it, opened with its seal check (a claim if it differs)
        return shipments.arrive_in_transaction(tx, actor, "".join((scan.raw_code or "").split()).upper(),
                                               scan.seal)
    if not is_plausible(code):
        return refused(scan.raw_code)
    if scan.kind == KIND_RECEIVE_CN:
        return parcels.receive_in_transaction(tx, actor, scan.warehouse_id, code, scan.raw_code, m)
    if scan.kind == KIND_PACK:
        return shipments.pack_in_transaction(tx, actor, scan.target_id, code)
    if scan.kind == KIND_RECEIVE_VN:
        return shipments.receive_vn_in_transaction(tx, actor, scan.target_id, code, scan.raw_code, m)
    return stocktakes.stocktake_in_transaction(tx, actor, scan.target_id, code)


def _apply_in(tx, actor: Actor, scan: StationScanIn, scan_id: str, station: str, m: Measurements,
              code: str) -> ScanResult:
    """The scan and its ``station_scans`` row in the caller's transaction (or the stored answer)."""
    seen = tx.get(StationScan, scan_id)
    if seen is not None:
        return _stored(seen)
    result = _run(tx, actor, scan, code, m)
    if scan.kind == KIND_ARRIVE:
        code = "".join((scan.raw_code or "").split()).upper()
    scanned_by = scan.scanned_by
    if scanned_by is not None and scanned_by != actor.user_id and tx.get(User, scanned_by) is None:
        scanned_by = None           # a person since deleted: the scan still counts
    tx.add(StationScan(scan_id=scan_id, station=station, kind=scan.kind,
                       warehouse_id=scan.warehouse_id, user_id=actor.user_id,
                       scanned_by_id=scanned_by, target_id=scan.target_id,
                       code=(code if is_plausible(code) else scan.raw_code.strip())[:60],
                       scanned_at=scan.scanned_at, received_at=now(tx),
                       outcome=result.outcome.value, parcel_id=result.parcel_id,
                       answer=_answer(result)))
    tx.flush()
    return result


def apply_station_scan(db: Database, actor: Actor, scan: StationScanIn) -> ScanResult:
    """Apply one journalled scan once; the same scan id again returns the stored answer."""
    _require_kind(actor, scan.kind)
    scan_id, station, m = _check(scan)
    code = normalize_code(scan.raw_code)
    for _attempt in range(2):
        try:
            with db.transaction() as tx:
                result = _apply_in(tx, actor, scan, scan_id, station, m, code)
            return result
        except IntegrityError:
            # the same scan id applied by another sender meanwhile: its answer is the answer
            continue
    with db.read() as s:
        row = s.get(StationScan, scan_id)
        if row is None:
            raise IntegrityError("station scan", {}, Exception(scan_id))
        return _stored(row)


def _refusal(scan: StationScanIn, exc: DomainError) -> ScanResult:
    return ScanResult(Outcome.WRONG, normalize_code(scan.raw_code)[:60] or scan.raw_code[:60],
                      _("Refused"), str(exc), facts={"refused": True})


def apply_station_scans(db: Database, actor: Actor, scans: list[StationScanIn]) -> list[ScanResult]:
    """Several journalled scans in their order, in one transaction with a savepoint per scan (one
    commit, so a station's backlog catches up at the speed of the scans, not of the disk's syncs):
    one request from a station carries a whole batch of its journal. Each scan is applied once by
    its id; if the database drops mid-batch nothing of the batch is kept and the station sends it
    again.

    A scan the database refuses (a shipment since sealed or gone, a right the sender does not
    hold) gets that refusal as its answer and the batch goes on; a database that cannot be reached
    stops the batch (the station keeps it and sends it again)."""
    if len(scans) == 1:
        try:
            return [apply_station_scan(db, actor, scans[0])]
        except DatabaseUnavailable:
            raise
        except DomainError as exc:
            return [_refusal(scans[0], exc)]
    out: list[ScanResult] = []
    with db.transaction() as tx:
        for scan in scans:
            try:
                _require_kind(actor, scan.kind)
                scan_id, station, m = _check(scan)
            except DomainError as exc:
                out.append(_refusal(scan, exc))
                continue
            code = normalize_code(scan.raw_code)
            for attempt in range(2):
                try:
                    with tx.begin_nested():
                        out.append(_apply_in(tx, actor, scan, scan_id, station, m, code))
                    break
                except IntegrityError:
                    # the same scan id committed by another sender while this batch ran
                    seen = tx.get(StationScan, scan_id)
                    if seen is not None:
                        out.append(_stored(seen))
                        break
                    if attempt:
                        raise
                except DatabaseUnavailable:
                    raise
                except DomainError as exc:
                    out.append(_refusal(scan, exc))
                    break
    return out


# -- what a station knows to answer offline ------------------------------------------------------

@dataclass(frozen=True)
class ExpectedCode:
    code: str
    customer_code: str
    order_code: str
    shelf: str
    destination: str
    alert: str          # the alert note's text when one waits for this code (or its order)
    #: what else the station needs to answer (see ``station_cache``): "" when all is well
    flag: str = ""
    #: a Vietnam receiving station's manifest: the weight the parcel left China with and the
    #: difference allowed (warehouse.weight_warning_kg), so a re-weighed parcel is warned about
    #: at once, also with the link down
    weight_kg: Decimal | None = None
    weight_limit_kg: Decimal | None = None


#: ExpectedCode.flag values
HERE, ELSEWHERE, WRONG_DESTINATION, UNWEIGHED, OWNERLESS_FLAG, DONE = (
    "here", "elsewhere", "wrong_destination", "unweighed", "ownerless", "done")


_dest = Warehouse.__table__.alias("dest")


def expected_codes(db: Database, actor: Actor, warehouse_id: int) -> list[ExpectedCode]:
    """The parcels a China receiving station may see: every code still expected (or lost), with
    its customer, order, the shelf it will go to and any alert note waiting at this stage."""
    require(actor, Perm.RECEIVE_CN)
    P = ParcelStatus
    with db.read() as s:
        rows = s.execute(
            select(Parcel.tracking_code, Parcel.order_id, Customer.id.label("cid"),
                   Customer.code.label("customer_code"), Order.code.label("order_code"),
                   _dest.c.code.label("dest"))
            .outerjoin(Order, Order.id == Parcel.order_id)
            .outerjoin(Customer, Customer.id == func.coalesce(Parcel.customer_id, Order.customer_id))
            .outerjoin(_dest, _dest.c.id == func.coalesce(Parcel.destination_warehouse_id,
                                                        Order.destination_warehouse_id))
            .where(or_(Parcel.status == P.EXPECTED.value, Parcel.status == P.LOST.value))).all()
        notes = s.execute(select(AlertNote.tracking_code, AlertNote.order_id, AlertNote.text)
                          .where(AlertNote.stage == Stage.RECEIVE_CN.value,
                                 AlertNote.acknowledged_at.is_(None))).all()
    by_code = {n.tracking_code: n.text for n in notes if n.tracking_code}
    by_order = {n.order_id: n.text for n in notes if n.order_id}
    out = [ExpectedCode(r.tracking_code, r.customer_code or "", r.order_code or "",
                        parcels.shelf_for(r.dest, r.cid), r.dest or "",
                        by_code.get(r.tracking_code) or by_order.get(r.order_id) or "")
           for r in rows]
    known = {e.code for e in out}
    # an alert pinned to a code no order declares still stops that code
    out += [ExpectedCode(c, "", "", "", "", t) for c, t in by_code.items() if c not in known]
    return out


def _notes(s, stage: str) -> tuple[dict[str, str], dict[int, str]]:
    notes = s.execute(select(AlertNote.tracking_code, AlertNote.order_id, AlertNote.text)
                      .where(AlertNote.stage == stage, AlertNote.acknowledged_at.is_(None))).all()
    return ({n.tracking_code: n.text for n in notes if n.tracking_code},
            {n.order_id: n.text for n in notes if n.order_id})


_owner = (select(Parcel.tracking_code, Parcel.id, Parcel.order_id, Parcel.customer_id, Parcel.status,
                 Parcel.shelf, Parcel.weight_kg, Parcel.ownerless, Parcel.shipment_id,
                 Parcel.destination_warehouse_id, Customer.code.label("customer_code"),
                 Order.code.label("order_code"))
          .outerjoin(Order, Order.id == Parcel.order_id)
          .outerjoin(Customer, Customer.id == func.coalesce(Parcel.customer_id, Order.customer_id)))


def station_cache(db: Database, actor: Actor, kind: str, warehouse_id: int,
                  target_id: int | None = None) -> list[ExpectedCode]:
    """What a station of ``kind`` caches to answer scans on its own while the link is down.

    - ``receive_cn``: ``expected_codes`` of the warehouse;
    - ``pack`` (target: the open shipment): the parcels in its origin warehouse that may be packed
      or are packed, flagged ``here`` (in this shipment), ``elsewhere`` (another shipment),
      ``wrong_destination``, ``ownerless`` or ``unweighed``; alert notes of the packing stage;
    - ``receive_vn`` (target: the arrived shipment): its manifest, with the shelf each parcel
      goes to, ``done`` when received already; alert notes of the receiving stage;
    - ``stocktake`` (target: the open stocktake): the parcels the records put in the warehouse,
      ``done`` when counted already.
    """
    from app.models import Shipment, ShipmentParcel, StocktakeLine
    from app.workflows.shipments import PACKABLE, RECEIVE_STAGE, Direction

    if kind == KIND_RECEIVE_CN:
        return expected_codes(db, actor, warehouse_id)
    _require_kind(actor, kind)
    if kind not in TARGETED or target_id is None:
        raise ValidationFailed({"kind": _("This kind of station scan is not known.")})
    out: list[ExpectedCode] = []
    with db.read() as s:
        if kind == KIND_STOCKTAKE:
            from app.models import Stocktake

            st = s.get(Stocktake, target_id)
            if st is None:
                return []
            counted = set(s.scalars(select(StocktakeLine.tracking_code)
                                    .where(StocktakeLine.stocktake_id == st.id)))
            for r in s.execute(_owner.where(Parcel.warehouse_id == st.warehouse_id)):
                out.append(ExpectedCode(r.tracking_code, r.customer_code or "", r.order_code or "",
                                        r.shelf or "", "", "", DONE if r.tracking_code in counted else ""))
            # a code counted that the records put elsewhere is "already counted" too
            known = {e.code for e in out}
            out += [ExpectedCode(c, "", "", "", "", "", DONE) for c in counted if c not in known]
            return out
        sh = s.get(Shipment, target_id)
        if sh is None:
            return []
        direction = Direction(sh.direction)
        dest = s.get(Warehouse, sh.destination_warehouse_id)
        if kind == KIND_PACK:
            by_code, by_order = _notes(s, Stage.PACK.value)
            packable = PACKABLE[direction]
            statuses = [str(x) for x in (packable if isinstance(packable, tuple) else (packable,))]
            packed = [ParcelStatus.PACKED.value, ParcelStatus.RETURNING.value]
            rows = s.execute(_owner.where(Parcel.warehouse_id == sh.origin_warehouse_id,
                                          Parcel.status.in_(statuses + packed)))
            for r in rows:
                if r.status in packed:
                    flag = HERE if r.shipment_id == sh.id else ELSEWHERE
                elif r.ownerless:
                    flag = OWNERLESS_FLAG
                elif direction is Direction.TO_VN and r.destination_warehouse_id != sh.destination_warehouse_id:
                    flag = WRONG_DESTINATION
                elif r.weight_kg is None:
                    flag = UNWEIGHED
                else:
                    flag = ""
                out.append(ExpectedCode(r.tracking_code, r.customer_code or "", r.order_code or "",
                                        r.shelf or "", dest.code if dest else "",
                                        by_code.get(r.tracking_code) or by_order.get(r.order_id) or "", flag))
            return out
        by_code, by_order = _notes(s, RECEIVE_STAGE[direction].value)
        limit = settings_service.get(s, "warehouse.weight_warning_kg")
        rows = s.execute(_owner.add_columns(ShipmentParcel.received_at, ShipmentParcel.weight_kg.label("line_kg"))
                         .join(ShipmentParcel, ShipmentParcel.parcel_id == Parcel.id)
                         .where(ShipmentParcel.shipment_id == sh.id))
        for r in rows:
            shelf = (parcels.shelf_for(dest.code if dest else None, r.customer_id)
                     if direction is Direction.TO_VN else "RETURN")
            out.append(ExpectedCode(r.tracking_code, r.customer_code or "", r.order_code or "",
                                    r.shelf if r.received_at else shelf, dest.code if dest else "",
                                    by_code.get(r.tracking_code) or by_order.get(r.order_id) or "",
                                    DONE if r.received_at is not None else "",
                                    r.line_kg if r.line_kg is not None else r.weight_kg, limit))
        known = {e.code for e in out}
        out += [ExpectedCode(c, "", "", "", "", t) for c, t in by_code.items() if c not in known]
        return out


# -- the sacks on their way to a receiving station -------------------------------------------------

@dataclass(frozen=True)
class InTransit:
    """A shipment departed to the station's warehouse and not arrived yet: what the station needs to
    check its seal and open it offline (``Station.arrive``)."""

    id: int
    code: str
    seal_no: str
    gross_weight_kg: Decimal | None
    #: how far the gross weight on arrival may be off (``seals.tolerance_kg``), None: not weighed
    tolerance_kg: Decimal | None
    parcel_count: int
    origin: str
    #: the seal is checked before it is opened (a sack to Vietnam not checked yet)
    needs_seal: bool
    #: held at an earlier arrival (a manager must release it)
    held: bool


@dataclass(frozen=True)
class SackOnTheWay:
    """A sack on its way to a receiving station with its manifest (the ``receive_vn`` cache)."""

    sack: InTransit
    manifest: list[ExpectedCode]


def sacks_on_the_way(db: Database, actor: Actor, warehouse_id: int) -> list[SackOnTheWay]:
    """Every sack on its way to ``warehouse_id`` with its manifest, in one call: a station over a
    slow link refreshes in one round trip, not one per sack."""
    return [SackOnTheWay(t, station_cache(db, actor, KIND_RECEIVE_VN, warehouse_id, t.id))
            for t in in_transit(db, actor, warehouse_id)]


def in_transit(db: Database, actor: Actor, warehouse_id: int) -> list[InTransit]:
    """The shipments departed to ``warehouse_id`` and not arrived (to Vietnam and returns alike)."""
    from app.models import Shipment
    from app.services import seals
    from app.workflows.shipments import Direction, ShipmentStatus

    _require_kind(actor, KIND_ARRIVE)
    out = []
    with db.read() as s:
        rows = s.execute(select(Shipment, Warehouse.code)
                         .join(Warehouse, Warehouse.id == Shipment.origin_warehouse_id)
                         .where(Shipment.destination_warehouse_id == warehouse_id,
                                Shipment.status == ShipmentStatus.DEPARTED.value)
                         .order_by(Shipment.id)).all()
        for sh, origin in rows:
            gross = sh.gross_weight_kg
            out.append(InTransit(sh.id, sh.code, sh.seal_no or "", gross,
                                 seals.tolerance_kg(s, gross) if gross is not None else None,
                                 sh.parcel_count, origin,
                                 sh.direction == Direction.TO_VN.value and sh.seal_check not in ("ok", "released"),
                                 sh.seal_check == "held"))
    return out
