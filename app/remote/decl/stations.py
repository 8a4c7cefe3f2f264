"""Remote operations of the stations area (see app.remote.decl): the scan stations (China
receiving, packing, Vietnam receiving, stocktake), their journal, the parcel window, alert notes
and partner imports.

Wrappers here where a service does not fit the wire: labels come back as PDF bytes (the desktop
writes the file), an import runs without a progress callback, an order is found by its code.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from app.db import Database
from app.permissions import Actor, Perm, require
from app.services import activity, alerts, parcels, station_scans, stocktakes
from app.remote import views_work


def journal_key(db: Database) -> str:
    """Which database a station's journal belongs to (a short hash of its address, no password):
    a desktop that opens the demo and the company's file keeps their journals apart."""
    import hashlib

    u = db.url
    where = u.database if db.kind == "sqlite" else f"{u.host}:{u.port}/{u.database}"
    return hashlib.sha1(f"{db.kind}:{where}".encode()).hexdigest()[:12]


def volumetric_divisor(db: Database, actor: Actor) -> int:
    """The divisor of L × W × H for the chargeable weight the receiving station previews."""
    from app.services import settings as settings_service

    require(actor, Perm.VIEW_ORDERS)
    return int(settings_service.read_all(db)["warehouse.volumetric_divisor"])


def label_pdf(db: Database, actor: Actor, parcel_ids: list[int]) -> bytes:
    """The parcels' labels as PDF bytes (``parcels.write_labels`` without a path on the server)."""
    with tempfile.TemporaryDirectory(prefix="importdesk-label-") as folder:
        path = parcels.write_labels(db, actor, parcel_ids, Path(folder) / "label.pdf")
        return Path(path).read_bytes()


def order_id_by_code(db: Database, actor: Actor, code: str) -> int | None:
    """The order with this code (typed by hand to match an ownerless parcel), or None."""
    from sqlalchemy import select

    from app.models import Order

    require(actor, Perm.MATCH_PARCELS)
    with db.read() as s:
        return s.scalar(select(Order.id).where(Order.code == (code or "").strip().upper()[:40]))


def declare(add) -> None:
    # the stations' journal: a batch of journalled scans applied once each, and each station's cache
    add("stations.apply_scans", station_scans.apply_station_scans)
    add("stations.cache", station_scans.station_cache)
    add("stations.sacks_on_the_way", station_scans.sacks_on_the_way)   # what a station opens offline
    add("stations.journal_key", journal_key)
    add("stations.volumetric_divisor", volumetric_divisor)
    add("shipments.warehouses", views_work.warehouses)   # the same operation as the work screens'
    # the China receiving station
    add("parcels.record_measurements", parcels.record_measurements)
    add("parcels.label_pdf", label_pdf)
    add("alerts.acknowledge", alerts.acknowledge_alerts)
    # the parcel window
    add("parcels.get", parcels.get_parcel)
    add("activity.history", activity.history)
    add("parcels.candidates", parcels.candidates)
    add("parcels.describe_ownerless", parcels.describe_ownerless)
    add("parcels.match", parcels.match_parcel)
    add("stations.order_id_by_code", order_id_by_code)
    add("parcels.set_shelf", parcels.set_shelf)
    add("parcels.mark_lost", parcels.mark_parcel_lost)
    # alert notes and the order's parcels tab
    add("alerts.pin", alerts.pin_alert)
    add("alerts.for_order", alerts.alerts_for)
    add("parcels.of_order", parcels.parcels_of_order)
    # stocktake
    add("stocktakes.start", stocktakes.start_stocktake)
    add("stocktakes.open_for", stocktakes.open_stocktake_for)
    add("stocktakes.get", stocktakes.get_stocktake)
    add("stocktakes.close", stocktakes.close_stocktake)
