"""Scans sent by scan stations from their own journal (app.journal), applied exactly once.

A station writes each scan to a journal on its own disk with an id it makes itself (uuid4) and
sends the journal in order whenever the database is reachable. ``station_scans`` keeps one row
per scan id, written in the same transaction as the scan's effect: a scan sent twice (the link
dropped before the station heard the answer) finds its row and gets the stored outcome back.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class StationScan(Base):
    __tablename__ = "station_scans"

    #: made by the station (uuid4, 36 characters)
    scan_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20), default="receive_cn")
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    #: who was signed in when the scan was sent (the scan is credited to them)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: who scanned it at the station (kept by the station's journal; may differ from user_id)
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the shipment packed or received, the stocktake counted (None for China receiving)
    target_id: Mapped[int | None]
    code: Mapped[str] = mapped_column(String(60))
    #: when the station scanned it (its own clock) and when the database applied it
    scanned_at: Mapped[datetime]
    received_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(20))
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"))
    #: what the station is answered again if the same scan id comes back
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_station_scans_station", "station", "received_at"),
    )
