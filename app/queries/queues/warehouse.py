"""The warehouses' queues: forwarder China, forwarder Vietnam, warehouse Vietnam, and care staff's
ownerless parcels. Every filter + sort pair has a matching index (see app.models.parcels,
shipments and deliveries; the parcel ones are partial, on exactly the WHERE written here).
"""
from __future__ import annotations

from sqlalchemy import Select, func, literal_column, select, text, true
from sqlalchemy.orm import Session, aliased

from app.i18n import N_
from app.models import (Customer, DeliveryRequest, Order, Parcel, Shipment, Stocktake, User,
                        Warehouse)
from app.models.deliveries import ACTIVE
from app.models.shipments import INCOMING, OUTGOING
from app.permissions import Actor, Perm, Role
from app.queries.paging import Column, Context, Filter, Queue, Search
from app.queries.queues.registry import QUEUES
from app.workflows.deliveries import DELIVERY_METHOD_LABELS, DELIVERY_STATUS_LABELS
from app.workflows.parcels import PARCEL_STATUS_LABELS, SHELF_LABELS, ParcelStatus
from app.workflows.shipments import DIRECTION_LABELS, SHIPMENT_STATUS_LABELS, ShipmentStatus

SH = ShipmentStatus

# -- parcels -------------------------------------------------------------------------------------

_wh = aliased(Warehouse)
_dest = aliased(Warehouse)


def _parcel_select() -> Select:
    return (select(Parcel.id.label("id"), Parcel.tracking_code.label("tracking_code"),
                   Parcel.status.label("status"), Customer.code.label("customer_code"),
                   Order.code.label("order_code"), _wh.code.label("warehouse"), Parcel.shelf.label("shelf"),
                   _dest.code.label("destination"), Parcel.weight_kg.label("weight_kg"),
                   Parcel.chargeable_kg.label("chargeable_kg"), Parcel.vn_weight_kg.label("vn_weight_kg"),
                   Parcel.label_name.label("label_name"), Parcel.excess.label("excess"),
                   Parcel.created_at.label("created_at"), Parcel.received_cn_at.label("received_cn_at"),
                   Parcel.received_vn_at.label("received_vn_at"), Parcel.lost_at.label("lost_at"))
            .outerjoin(Order, Order.id == Parcel.order_id)
            .outerjoin(Customer, Customer.id == func.coalesce(Parcel.customer_id, Order.customer_id))
            .outerjoin(_wh, _wh.id == Parcel.warehouse_id)
            .outerjoin(_dest, _dest.id == Parcel.destination_warehouse_id))


_CODE = Column("tracking_code", N_("Tracking code"), width=150)
_STATUS = Column("status", N_("Status"), "label", labels=PARCEL_STATUS_LABELS, width=140)
_CUSTOMER = Column("customer_code", N_("Customer code"), width=100)
_ORDER = Column("order_code", N_("Order"), width=100)
_WAREHOUSE = Column("warehouse", N_("Warehouse"), width=80)
_SHELF = Column("shelf", N_("Shelf"), "label", labels=SHELF_LABELS, width=80)
_DEST = Column("destination", N_("To"), width=70)
_WEIGHT = Column("weight_kg", N_("Weight (kg)"), "decimal", width=90)
_CHARGE = Column("chargeable_kg", N_("Chargeable (kg)"), "decimal", width=110)
_VN_WEIGHT = Column("vn_weight_kg", N_("Weight in VN (kg)"), "decimal", width=110)
_RECEIVED_CN = Column("received_cn_at", N_("Received in China"), "datetime", sortable=True, width=140)
_RECEIVED_VN = Column("received_vn_at", N_("Received in Vietnam"), "datetime", sortable=True, width=140)
_PARCEL_SEARCH = Search(Parcel.search_text, "parcels_fts")
_PARCEL_TABLES = frozenset({"parcels", "orders", "customers"})


def _is(status: str):
    """``status = 'x'`` written out, so the planner matches the partial index on it (PostgreSQL's
    generic plans cannot prove a bound parameter equal to the index's condition)."""
    return Parcel.status == literal_column(f"'{ParcelStatus(status).value}'")


def _warehouses(country: str):
    def options(session: Session, actor: Actor) -> list[tuple[int, str]]:
        return [(wid, f"{code} · {name}") for wid, code, name in session.execute(
            select(Warehouse.id, Warehouse.code, Warehouse.name)
            .where(Warehouse.country == country, Warehouse.is_active.is_(True)).order_by(Warehouse.code))]
    return options


def _parcel_flag(row, ctx: Context) -> str | None:
    if row.status == ParcelStatus.LOST:
        return "overdue"
    if row.excess:
        return "warning"
    return None


def _parcels(name: str, title: str, where, columns, sort, roles, perm: Perm, hint: str,
             filters: tuple[Filter, ...] = ()) -> None:
    QUEUES.add(Queue(name, title, "parcel", lambda ctx: _parcel_select().where(where),
                     columns, sort, _PARCEL_TABLES, _PARCEL_SEARCH, filters, perm=perm,
                     flag=_parcel_flag, hint=hint), roles)


# ix_parcels_cn_stock (no filter) and ix_parcels_cn_stock_wh (warehouse chosen)
_parcels("parcels.cn_stock", N_("In the China warehouse"), _is(ParcelStatus.RECEIVED_CN),
         (_CODE, _CUSTOMER, _ORDER, _DEST, _WAREHOUSE, _SHELF, _WEIGHT, _CHARGE, _RECEIVED_CN),
         ("received_cn_at", True), [Role.FORWARDER_CN], Perm.RECEIVE_CN,
         N_("Parcels received and on the shelves, not packed yet. Search by tracking code."),
         (Filter("warehouse", N_("Warehouse"), _warehouses("CN"),
                 lambda sel, v: sel.where(Parcel.warehouse_id == v)),))
# ix_parcels_expected
_parcels("parcels.expected", N_("Expected parcels"), _is(ParcelStatus.EXPECTED),
         (_CODE, _CUSTOMER, _ORDER, _DEST, Column("created_at", N_("Expected since"), "datetime",
                                                  sortable=True, width=140)),
         ("created_at", False), [Role.FORWARDER_CN, Role.ORDERING, Role.MANAGER], Perm.VIEW_ORDERS,
         N_("Tracking codes known from orders, not received yet; the oldest first."))
# ix_parcels_ownerless
_parcels("parcels.ownerless", N_("Ownerless parcels"), Parcel.ownerless == true(),
         (_CODE, _STATUS, _WAREHOUSE, _SHELF, Column("label_name", N_("Name on the label"), width=200),
          _WEIGHT, _RECEIVED_CN),
         ("received_cn_at", True), [Role.CARE, Role.FORWARDER_CN, Role.MANAGER], Perm.MATCH_PARCELS,
         N_("Parcels nobody declared: open one to see the orders it may belong to, best first."))
# ix_parcels_excess
_parcels("parcels.excess", N_("Excess parcels"), Parcel.excess == true(),
         (_CODE, _STATUS, _CUSTOMER, _ORDER, _WAREHOUSE, _WEIGHT, _RECEIVED_CN),
         ("received_cn_at", True), [Role.ORDERING, Role.FORWARDER_CN, Role.MANAGER], Perm.VIEW_ORDERS,
         N_("Parcels beyond what their shop order expects: check with the shop."))
# ix_parcels_lost
_parcels("parcels.lost", N_("Lost parcels"), _is(ParcelStatus.LOST),
         (_CODE, _CUSTOMER, _ORDER, Column("created_at", N_("Expected since"), "datetime", width=140),
          Column("lost_at", N_("Flagged lost"), "datetime", sortable=True, width=140)),
         ("lost_at", True), [Role.ORDERING, Role.CARE, Role.MANAGER, Role.FORWARDER_CN], Perm.VIEW_ORDERS,
         N_("Expected parcels not received in time, and parcels missing from a shipment."))
# ix_parcels_vn_received
_parcels("parcels.vn_received", N_("Received in Vietnam"), _is(ParcelStatus.RECEIVED_VN),
         (_CODE, _CUSTOMER, _ORDER, _WAREHOUSE, _SHELF, _WEIGHT, _VN_WEIGHT, _RECEIVED_VN),
         ("received_vn_at", True), [Role.FORWARDER_VN, Role.WAREHOUSE_VN], Perm.VIEW_ORDERS,
         N_("Parcels scanned in from shipments that are not closed yet."))
# ix_parcels_ready
_parcels("parcels.ready", N_("Ready for delivery"), _is(ParcelStatus.READY),
         (_CODE, _CUSTOMER, _ORDER, _WAREHOUSE, _SHELF, _VN_WEIGHT, _CHARGE, _RECEIVED_VN),
         ("received_vn_at", True), [Role.WAREHOUSE_VN, Role.FORWARDER_VN], Perm.VIEW_ORDERS,
         N_("Parcels checked in Vietnam, waiting for a delivery request."))

# -- shipments -----------------------------------------------------------------------------------

_origin, _to = aliased(Warehouse), aliased(Warehouse)


def _shipment_select() -> Select:
    return (select(Shipment.id.label("id"), Shipment.code.label("code"), Shipment.direction.label("direction"),
                   Shipment.status.label("status"), _origin.code.label("origin"), _to.code.label("destination"),
                   Shipment.parcel_count.label("parcel_count"), Shipment.received_count.label("received_count"),
                   Shipment.net_weight_kg.label("net_weight_kg"), Shipment.gross_weight_kg.label("gross_weight_kg"),
                   Shipment.seal_no.label("seal_no"), Shipment.created_at.label("created_at"),
                   Shipment.departed_at.label("departed_at"), Shipment.missing_count.label("missing_count"),
                   Shipment.extra_count.label("extra_count"))
            .join(_origin, _origin.id == Shipment.origin_warehouse_id)
            .join(_to, _to.id == Shipment.destination_warehouse_id))


_SHIPMENT_COLUMNS = (
    Column("code", N_("Shipment"), sortable=True, width=100),
    Column("direction", N_("Kind"), "label", labels=DIRECTION_LABELS, width=120),
    Column("status", N_("Status"), "label", labels=SHIPMENT_STATUS_LABELS, width=100),
    Column("origin", N_("From"), width=70),
    Column("destination", N_("To"), width=70),
    Column("parcel_count", N_("Parcels"), "int", width=70),
    Column("received_count", N_("Received"), "int", width=80),
    Column("net_weight_kg", N_("Net (kg)"), "decimal", width=80),
    Column("gross_weight_kg", N_("Gross (kg)"), "decimal", width=80),
    Column("seal_no", N_("Seal"), width=90),
    Column("created_at", N_("Opened"), "datetime", sortable=True, width=140),
    Column("departed_at", N_("Departed"), "datetime", sortable=True, width=140),
)
_SHIPMENT_TABLES = frozenset({"shipments", "shipment_parcels"})


def _shipment_flag(row, ctx: Context) -> str | None:
    if row.missing_count or row.extra_count:
        return "warning"
    if row.status in (SH.RECONCILED, SH.CANCELLED):
        return "done"
    return None


def _shipments(name: str, title: str, where, sort, roles, hint: str) -> None:
    QUEUES.add(Queue(name, title, "shipment", lambda ctx: _shipment_select().where(where),
                     _SHIPMENT_COLUMNS, sort, _SHIPMENT_TABLES, Search(func.lower(Shipment.code)), perm=Perm.PACK_SHIPMENTS
                     if name == "shipments.outgoing" else Perm.VIEW_ORDERS, flag=_shipment_flag, hint=hint),
               roles)


# ix_shipments_outgoing
_shipments("shipments.outgoing", N_("Shipments being packed"),
           text(f"shipments.{OUTGOING}"), ("created_at", True),
           [Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN],
           N_("Open and sealed shipments: scan parcels in, seal, print the manifest, send."))
# ix_shipments_incoming
_shipments("shipments.incoming", N_("Incoming shipments"),
           text(f"shipments.{INCOMING}"), ("departed_at", True),
           [Role.FORWARDER_VN, Role.FORWARDER_CN, Role.MANAGER],
           N_("Shipments on the way or being received: scan the sack's code to start."))
# ix_shipments_created
_shipments("shipments.all", N_("All shipments"), Shipment.id.is_not(None), ("created_at", True),
           [Role.FORWARDER_CN, Role.FORWARDER_VN, Role.MANAGER], N_("Every shipment, newest first."))

# -- delivery requests ---------------------------------------------------------------------------

_creator = aliased(User)

QUEUES.add(Queue(
    "deliveries.open", N_("Delivery requests"), "delivery",
    lambda ctx: (select(DeliveryRequest.id.label("id"), DeliveryRequest.code.label("code"),
                        DeliveryRequest.status.label("status"), Customer.code.label("customer_code"),
                        Customer.name.label("customer_name"), DeliveryRequest.method.label("method"),
                        DeliveryRequest.recipient.label("recipient"), DeliveryRequest.box_count.label("box_count"),
                        DeliveryRequest.cod.label("cod"), DeliveryRequest.created_at.label("created_at"),
                        _creator.full_name.label("created_by"))
                 .join(Customer, Customer.id == DeliveryRequest.customer_id)
                 .outerjoin(_creator, _creator.id == DeliveryRequest.created_by_id)
                 .where(text(f"delivery_requests.{ACTIVE}"))),
    (Column("code", N_("Delivery"), sortable=True, width=100),
     Column("status", N_("Status"), "label", labels=DELIVERY_STATUS_LABELS, width=130),
     Column("customer_code", N_("Customer code"), width=100),
     Column("customer_name", N_("Customer"), width=180),
     Column("method", N_("Delivery by"), "label", labels=DELIVERY_METHOD_LABELS, width=130),
     Column("recipient", N_("Recipient"), width=160),
     Column("box_count", N_("Boxes"), "int", width=60),
     Column("cod", N_("COD"), "money", width=110),
     Column("created_at", N_("Requested"), "datetime", sortable=True, width=140),
     Column("created_by", N_("By"), width=140)),
    ("created_at", True), frozenset({"delivery_requests", "delivery_parcels", "customers"}),
    Search(func.lower(DeliveryRequest.code)), perm=Perm.VIEW_ORDERS,
    hint=N_("Requests being packed, slips issued and goods on their way to the customer.")),
    [Role.WAREHOUSE_VN, Role.CARE, Role.MANAGER])

# -- stocktakes ----------------------------------------------------------------------------------

_st_wh, _st_by = aliased(Warehouse), aliased(User)
QUEUES.add(Queue(
    "stocktakes.all", N_("Stocktakes"), "stocktake",
    lambda ctx: (select(Stocktake.id.label("id"), _st_wh.code.label("warehouse"),
                        Stocktake.status.label("status"), Stocktake.started_at.label("started_at"),
                        _st_by.full_name.label("started_by"), Stocktake.scanned_count.label("scanned_count"),
                        Stocktake.missing_count.label("missing_count"), Stocktake.excess_count.label("excess_count"))
                 .join(_st_wh, _st_wh.id == Stocktake.warehouse_id)
                 .outerjoin(_st_by, _st_by.id == Stocktake.started_by_id)),
    (Column("id", N_("ID"), "int", width=60),
     Column("warehouse", N_("Warehouse"), width=90),
     Column("status", N_("Status"), "label", labels={"open": N_("Counting"), "closed": N_("Closed")}, width=90),
     Column("started_at", N_("Started"), "datetime", sortable=True, width=140),
     Column("started_by", N_("By"), width=150),
     Column("scanned_count", N_("Counted"), "int", width=80),
     Column("missing_count", N_("Missing"), "int", width=80),
     Column("excess_count", N_("Should not be there"), "int", width=130)),
    ("started_at", True), frozenset({"stocktakes", "stocktake_lines"}), perm=Perm.STOCKTAKE,
    flag=lambda row, ctx: "warning" if (row.missing_count or row.excess_count) else None,
    hint=N_("Counts of a warehouse's shelves; open one to continue counting or to see what was missing.")),
    [Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN])
