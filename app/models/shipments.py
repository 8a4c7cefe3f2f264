"""Shipments (bao hàng / chuyến, 集包 / 批次): sacks and crates of parcels between warehouses.

A shipment goes China → Vietnam (``to_vn``) or, for goods a complaint sends back, Vietnam →
China (``to_cn``). Its manifest is the list of ``ShipmentParcel`` lines packed into it; at the
destination each line is scanned in, re-weighed, and closing the shipment reconciles the
manifest (received, missing, extra).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import Fixed


#: the conditions of the outgoing and incoming queues, written once for the indexes and the queries
OUTGOING = "status IN ('open', 'sealed')"
INCOMING = "status IN ('departed', 'arrived')"


def _where(condition: str) -> dict:
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    #: to_vn (China → Vietnam) or to_cn (a return to China)
    direction: Mapped[str] = mapped_column(String(10), default="to_vn")
    origin_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    destination_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    parcel_count: Mapped[int] = mapped_column(default=0)
    #: sum of the packed parcels' weights; the gross weight (sack included) is weighed at sealing
    net_weight_kg: Mapped[Decimal] = mapped_column(Fixed(3), default=Decimal(0))
    gross_weight_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    seal_no: Mapped[str] = mapped_column(String(40), default="")
    #: the seal looked at on arrival: "" (not yet) | ok | held (a claim stopped the receipt) |
    #: released (a manager let it be received despite the claim)
    seal_check: Mapped[str] = mapped_column(String(10), default="")
    transport: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    received_count: Mapped[int] = mapped_column(default=0)
    missing_count: Mapped[int] = mapped_column(default=0)
    extra_count: Mapped[int] = mapped_column(default=0)
    weight_warnings: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime]
    sealed_at: Mapped[datetime | None]
    departed_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    reconciled_at: Mapped[datetime | None]

    origin = relationship("Warehouse", foreign_keys=[origin_warehouse_id])
    destination = relationship("Warehouse", foreign_keys=[destination_warehouse_id])

    __table_args__ = (
        # partial, on the queues' exact conditions (app.queries.queues.warehouse)
        Index("ix_shipments_outgoing", "created_at", "id", **_where(OUTGOING)),
        Index("ix_shipments_incoming", "departed_at", "id", **_where(INCOMING)),
        Index("ix_shipments_created", "created_at", "id"),
    )


class ShipmentParcel(Base):
    """One manifest line: a parcel packed into a shipment, and what happened to it on arrival."""

    __tablename__ = "shipment_parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    packed_at: Mapped[datetime | None]
    packed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: the weight the parcel left with (its China weight)
    weight_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    received_at: Mapped[datetime | None]
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    vn_weight_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    weight_warning: Mapped[bool] = mapped_column(default=False)
    #: arrived with this shipment though it was not on its manifest
    extra: Mapped[bool] = mapped_column(default=False)
    #: on the manifest but not scanned when the shipment was closed
    missing: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("shipment_id", "parcel_id", name="uq_shipment_parcels_line"),
                      Index("ix_shipment_parcels_parcel", "parcel_id", "id"))


class ShipmentCustody(Base):
    """One hand-over of a sack (sealed, departed, arrived, opened; a refused seal; a release):
    who, when, and what was seen (the seal's number, the gross weight, a photo)."""

    __tablename__ = "shipment_custody"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    event: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(120), default="")
    seal_no: Mapped[str] = mapped_column(String(40), default="")
    seal_intact: Mapped[bool | None]
    gross_weight_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    photo_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("carrier_claims.id"))
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_shipment_custody_shipment", "shipment_id", "id"),)


class CarrierClaim(Base):
    """A claim against the freight carrier: a sack arrived with another seal, a broken seal or
    another weight than it left with. Separate from any compensation to customers."""

    __tablename__ = "carrier_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    #: what was wrong, comma-separated: seal_number, seal_broken, weight
    reasons: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default="open")   # open | closed
    sealed_seal_no: Mapped[str] = mapped_column(String(40), default="")
    found_seal_no: Mapped[str] = mapped_column(String(40), default="")
    sealed_gross_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    found_gross_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    photo_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    opened_at: Mapped[datetime]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_carrier_claims_open", "status", "id"),)
