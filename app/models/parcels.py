"""Parcels (kiện hàng / mã vận đơn, 包裹 / 快递单号), alert notes, stocktakes and partner imports.

A parcel is one package a Chinese seller (or a customer) sent with a domestic courier, known by
its tracking code. Orders declare the codes they expect; the China warehouse receives, weighs and
measures them, packs them into shipments; the Vietnam warehouse receives and delivers them.
``tracking_code`` is stored normalised (app.tracking.normalize_code).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base
from app.models.types import Fixed


def _where(condition: str) -> dict:
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Parcel(Base):
    __tablename__ = "parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(60), unique=True)
    carrier: Mapped[str] = mapped_column(String(40), default="")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    shop_order_id: Mapped[int | None] = mapped_column(ForeignKey("shop_orders.id"))
    #: the owner: copied from the order, or set when an ownerless parcel is matched
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(20), default="expected")
    #: vận đơn vô chủ: received without a known owner, waiting to be matched to an order
    ownerless: Mapped[bool] = mapped_column(default=False)
    #: thừa: one parcel more than its shop order expects
    excess: Mapped[bool] = mapped_column(default=False)
    #: where the parcel physically is now (None while expected, in transit or delivered)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    #: the Vietnam warehouse it travels to (from its order)
    destination_warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    #: shelf / bin in the warehouse (kệ / ô)
    shelf: Mapped[str] = mapped_column(String(30), default="")
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_requests.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("parcel_imports.id"))
    #: weighed and measured in China; chargeable = max(actual, L×W×H / volumetric divisor)
    weight_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    length_cm: Mapped[Decimal | None] = mapped_column(Fixed(1))
    width_cm: Mapped[Decimal | None] = mapped_column(Fixed(1))
    height_cm: Mapped[Decimal | None] = mapped_column(Fixed(1))
    chargeable_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    #: re-weighed in Vietnam
    vn_weight_kg: Mapped[Decimal | None] = mapped_column(Fixed(3))
    #: what the label and the box say, for matching an ownerless parcel ("shipping mark")
    label_name: Mapped[str] = mapped_column(String(200), default="")
    label_shop: Mapped[str] = mapped_column(String(200), default="")
    seller_order_no: Mapped[str] = mapped_column(String(60), default="")
    item_count: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    #: folded code, label and owner for the queues' search (trigram-indexed)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    received_cn_at: Mapped[datetime | None]
    received_cn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    packed_at: Mapped[datetime | None]
    departed_at: Mapped[datetime | None]
    received_vn_at: Mapped[datetime | None]
    received_vn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delivered_at: Mapped[datetime | None]
    lost_at: Mapped[datetime | None]
    matched_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    order = relationship("Order", back_populates="parcels")
    shop_order = relationship("ShopOrder")

    __table_args__ = (
        Index("ix_parcels_order", "order_id", "id"),
        Index("ix_parcels_shop_order", "shop_order_id", "id"),
        Index("ix_parcels_shipment", "shipment_id", "id"),
        Index("ix_parcels_delivery", "delivery_id", "id"),
        # Partial indexes: a parcel sits only in the few indexes of the state it is in, so a scan
        # moves two or three index entries instead of a dozen (every entry is a page written).
        # The queues' WHERE clauses repeat these conditions word for word (SQLite matches
        # them textually; bound parameters are fine).
        Index("ix_parcels_expected", "created_at", "id", **_where("status = 'expected'")),
        Index("ix_parcels_cn_stock", "received_cn_at", "id", **_where("status = 'received_cn'")),
        Index("ix_parcels_cn_stock_wh", "warehouse_id", "received_cn_at", "id",
              **_where("status = 'received_cn'")),
        Index("ix_parcels_vn_received", "received_vn_at", "id", **_where("status = 'received_vn'")),
        Index("ix_parcels_ready", "received_vn_at", "id", **_where("status = 'ready'")),
        Index("ix_parcels_lost", "lost_at", "id", **_where("status = 'lost'")),
        Index("ix_parcels_ownerless", "received_cn_at", "id",
              sqlite_where=text("ownerless = 1"), postgresql_where=text("ownerless")),
        Index("ix_parcels_excess", "received_cn_at", "id",
              sqlite_where=text("excess = 1"), postgresql_where=text("excess")),
        # what is physically in a warehouse now (stocktake), and a customer's parcels there
        # (delivery); warehouse_id is cleared when a parcel leaves
        Index("ix_parcels_in_warehouse", "warehouse_id", "status", "id",
              **_where("warehouse_id IS NOT NULL")),
        Index("ix_parcels_customer_stock", "customer_id", "warehouse_id", "status",
              **_where("warehouse_id IS NOT NULL")),
    )


class AlertNote(Base):
    """Lưu ý hàng hóa: a note pinned to an order or a tracking code for one stage; the scan at
    that stage stops and shows it until someone acknowledges it."""

    __tablename__ = "alert_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: receive_cn, pack, receive_vn, delivery
    stage: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    tracking_code: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(120), default="")
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_by_name: Mapped[str] = mapped_column(String(120), default="")

    __table_args__ = (
        Index("ix_alert_notes_code", "tracking_code", "stage", "acknowledged_at"),
        Index("ix_alert_notes_order", "order_id", "stage", "acknowledged_at"),
    )


class Stocktake(Base):
    """Kiểm kê: every parcel on a warehouse's shelves scanned; missing and excess listed at close."""

    __tablename__ = "stocktakes"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scanned_count: Mapped[int] = mapped_column(default=0)
    expected_count: Mapped[int] = mapped_column(default=0)
    missing_count: Mapped[int] = mapped_column(default=0)
    excess_count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_stocktakes_started", "started_at", "id"),
                      Index("ix_stocktakes_warehouse", "warehouse_id", "status"),
                      # one open stocktake per warehouse
                      Index("uq_stocktakes_open", "warehouse_id", unique=True,
                            sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")))


class StocktakeLine(Base):
    """One line of a stocktake: a code scanned (found, or excess), or a parcel missing at close."""

    __tablename__ = "stocktake_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id", ondelete="CASCADE"))
    tracking_code: Mapped[str] = mapped_column(String(60))
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id"))
    #: found (scanned and expected here), excess (scanned, not expected here), missing
    result: Mapped[str] = mapped_column(String(10))
    #: where the records say the parcel is (status, warehouse), for excess and missing lines
    detail: Mapped[str] = mapped_column(String(200), default="")
    scanned_at: Mapped[datetime | None]
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (UniqueConstraint("stocktake_id", "tracking_code", name="uq_stocktake_lines_code"),
                      Index("ix_stocktake_lines_result", "stocktake_id", "result", "id"))


class ParcelImport(Base):
    """One partner warehouse's tracking list imported (all rows or none)."""

    __tablename__ = "parcel_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(default=0)
    received: Mapped[int] = mapped_column(default=0)
    ownerless: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


@event.listens_for(Parcel, "before_insert")
def _searchable(mapper, connection, parcel: Parcel) -> None:
    """A parcel declared by an order is found by its code in the queues' search."""
    if not parcel.search_text:
        parcel.search_text = (parcel.tracking_code or "").lower()
