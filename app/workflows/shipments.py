"""Shipment status table (bao hàng, 集包): open → sealed → departed → arrived → reconciled.

Sealing freezes the manifest (gross weight and seal number recorded); reopening a sealed
shipment needs a reason. The warehouse at the destination marks it arrived (its first scan
there) and closes it with a reconciliation of the manifest: received, missing, extra.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.i18n import N_
from app.permissions import Actor, Role
from app.workflows.engine import Workflow, step
from app.workflows.parcels import ParcelStatus, Stage



class ShipmentStatus(StrEnum):
    OPEN = "open"                # đang đóng: parcels are being scanned in
    SEALED = "sealed"            # đã niêm phong: manifest frozen
    DEPARTED = "departed"        # đã xuất kho
    ARRIVED = "arrived"          # đã đến kho đích
    RECONCILED = "reconciled"    # đã đối soát
    CANCELLED = "cancelled"


class Direction(StrEnum):
    TO_VN = "to_vn"              # China → Vietnam
    TO_CN = "to_cn"              # a return to China


#: what a parcel must be to go into a shipment of each direction
PACKABLE = {Direction.TO_VN: ParcelStatus.RECEIVED_CN,
            Direction.TO_CN: (ParcelStatus.RECEIVED_VN, ParcelStatus.READY)}
#: the alert-note stage of receiving a shipment of each direction
RECEIVE_STAGE = {Direction.TO_VN: Stage.RECEIVE_VN, Direction.TO_CN: Stage.RECEIVE_CN}


SH = ShipmentStatus

SHIPMENT_STATUS_LABELS: dict[str, str] = {
    SH.OPEN: N_("Packing"),
    SH.SEALED: N_("Sealed"),
    SH.DEPARTED: N_("Departed"),
    SH.ARRIVED: N_("Arrived"),
    SH.RECONCILED: N_("Reconciled"),
    SH.CANCELLED: N_("Cancelled"),
}

DIRECTION_LABELS: dict[str, str] = {
    Direction.TO_VN: N_("China → Vietnam"),
    Direction.TO_CN: N_("Return to China"),
}

#: who packs and dispatches, and who receives, by direction
PACKERS = {Direction.TO_VN: {Role.FORWARDER_CN}, Direction.TO_CN: {Role.FORWARDER_VN, Role.WAREHOUSE_VN}}
RECEIVERS = {Direction.TO_VN: {Role.FORWARDER_VN}, Direction.TO_CN: {Role.FORWARDER_CN}}


def _packer(shipment: Any, actor: Actor) -> str | None:
    if actor.role is Role.SYSTEM or actor.role in PACKERS[Direction(shipment.direction)]:
        return None
    return N_("This shipment is packed and sent by the warehouse it leaves from.")


def _receiver(shipment: Any, actor: Actor) -> str | None:
    if actor.role is Role.SYSTEM or actor.role in RECEIVERS[Direction(shipment.direction)]:
        return None
    return N_("This shipment is received by the warehouse it goes to.")


def _not_empty(shipment: Any, actor: Actor) -> str | None:
    return _packer(shipment, actor) or (
        None if shipment.parcel_count > 0 else N_("Scan at least one parcel into the shipment first."))


def _empty(shipment: Any, actor: Actor) -> str | None:
    return _packer(shipment, actor) or (
        None if shipment.parcel_count == 0 else N_("Take the parcels out before cancelling the shipment."))


_PACK = {Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.SYSTEM}
_RECEIVE = {Role.FORWARDER_VN, Role.FORWARDER_CN, Role.SYSTEM}

#:  from                       action       to              who       label                       guard
SHIPMENT_FLOW = Workflow("shipment", dict(SHIPMENT_STATUS_LABELS), SH.OPEN, [
    step(SH.OPEN,                "seal",      SH.SEALED,      _PACK,    N_("Seal"),                 _not_empty),
    step(SH.SEALED,              "reopen",    SH.OPEN,        _PACK,    N_("Reopen"),               _packer, reason=True),
    step(SH.SEALED,              "depart",    SH.DEPARTED,    _PACK,    N_("Mark departed"),        _packer),
    step(SH.DEPARTED,            "arrive",    SH.ARRIVED,     _RECEIVE, N_("Mark arrived"),         _receiver),
    step(SH.ARRIVED,             "reconcile", SH.RECONCILED,  _RECEIVE, N_("Close and reconcile"),  _receiver),
    step(SH.OPEN,                "cancel",    SH.CANCELLED,   _PACK,    N_("Cancel shipment"),      _empty),
], terminal=frozenset({SH.CANCELLED, SH.RECONCILED}))
