"""Scans from a station's journal (app.journal), applied to the database exactly once, and what a
station caches to answer on its own while the database cannot be reached.

``apply_station_scan`` runs the China receiving scan (``parcels.receive_in_transaction``) and
writes a ``station_scans`` row keyed by the scan id the station made, in the same transaction.
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
from app.errors import ValidationFailed
from app.i18n import _
from app.models import AlertNote, Customer, Order, Parcel, StationScan, Warehouse
from app.permissions import Actor, Perm, require
from app.services import parcels
from app.services.activity import now
from app.services.scanning import (Measurements, Outcome, ScanResult, check_measurements, refused)
from app.tracking import is_plausible, normalize_code
from app.workflows.parcels import ParcelStatus, Stage

KIND_RECEIVE_CN = "receive_cn"


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
    if scan.kind != KIND_RECEIVE_CN:
        errors["kind"] = _("This kind of station scan is not known.")
    if not isinstance(scan.scanned_at, datetime) or scan.scanned_at.tzinfo is None:
        errors["scanned_at"] = _("The station sent a scan without its time.")
    if errors:
        raise ValidationFailed(errors)
    m = check_measurements(scan.measurements) if not scan.measurements.empty else scan.measurements
    return scan_id, station, m


def apply_station_scan(db: Database, actor: Actor, scan: StationScanIn) -> ScanResult:
    """Apply one journalled scan once; the same scan id again returns the stored answer."""
    require(actor, Perm.RECEIVE_CN)
    scan_id, station, m = _check(scan)
    code = normalize_code(scan.raw_code)
    for _attempt in range(2):
        try:
            with db.transaction() as tx:
                seen = tx.get(StationScan, scan_id)
                if seen is not None:
                    return _stored(seen)
                if is_plausible(code):
                    result = parcels.receive_in_transaction(tx, actor, scan.warehouse_id, code,
                                                            scan.raw_code, m)
                else:
                    result = refused(scan.raw_code)
                tx.add(StationScan(scan_id=scan_id, station=station, kind=scan.kind,
                                   warehouse_id=scan.warehouse_id, user_id=actor.user_id,
                                   code=(code if is_plausible(code) else scan.raw_code.strip())[:60],
                                   scanned_at=scan.scanned_at, received_at=now(tx),
                                   outcome=result.outcome.value, parcel_id=result.parcel_id,
                                   answer=_answer(result)))
                tx.flush()
            return result
        except IntegrityError:
            # the same scan id applied by another sender meanwhile: its answer is the answer
            continue
    with db.read() as s:
        row = s.get(StationScan, scan_id)
        if row is None:
            raise IntegrityError("station scan", {}, Exception(scan_id))
        return _stored(row)


def apply_station_scans(db: Database, actor: Actor, scans: list[StationScanIn]) -> list[ScanResult]:
    """Several journalled scans in their order (each its own transaction, so what was applied
    before a lost link stays applied)."""
    return [apply_station_scan(db, actor, s) for s in scans]


# -- what a station knows to answer offline ------------------------------------------------------

@dataclass(frozen=True)
class ExpectedCode:
    code: str
    customer_code: str
    order_code: str
    shelf: str
    destination: str
    alert: str          # the alert note's text when one waits for this code (or its order)


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
