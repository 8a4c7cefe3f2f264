"""Parcel status table (kiện hàng / mã vận đơn): from expected to delivered, with the side
states lost and returned to China (also after delivery, when a complaint sends goods back).

Most moves happen by scanning (the scan services call ``PARCEL_FLOW.check`` with the scanning
person), a few by the system (a lost-parcel sweep, a shipment departing, a delivery signed for).
Alert-note stages name where a scan can be stopped.
"""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_
from app.permissions import Role
from app.workflows.engine import Workflow, step



class ParcelStatus(StrEnum):
    EXPECTED = "expected"                    # chờ nhận: the tracking code is known
    RECEIVED_CN = "received_cn"              # đã nhập kho TQ: scanned, weighed, measured
    PACKED = "packed"                        # đã đóng bao
    IN_TRANSIT = "in_transit"                # đang vận chuyển quốc tế
    RECEIVED_VN = "received_vn"              # đã nhập kho VN: scanned, re-weighed
    READY = "ready"                          # chờ giao: checked against the manifest
    OUT_FOR_DELIVERY = "out_for_delivery"    # đang giao
    DELIVERED = "delivered"                  # đã giao
    LOST = "lost"                            # thất lạc (found again if it is scanned)
    RETURNING = "returning"                  # packed to go back to China
    RETURNED = "returned"                    # back in China (returned to the seller from there)



#: the shelf the app puts a parcel nobody expects on: stored as this code, shown translated
OWNERLESS_SHELF = "OWNERLESS"
#: shelves the app names (stored code -> N_ label); the others are the company's own bin codes
SHELF_LABELS: dict[str, str] = {OWNERLESS_SHELF: N_("Ownerless shelf")}


def shelf_label(shelf: str | None) -> str:
    """A shelf as people read it: the app's own shelves in the reader's language, the company's
    bins (HN-07) as written."""
    from app.i18n import _

    if not shelf:
        return ""
    return _(SHELF_LABELS[shelf]) if shelf in SHELF_LABELS else shelf


PARCEL_STATUS_LABELS: dict[str, str] = {
    ParcelStatus.EXPECTED: N_("Expected"),
    # before "received": a lost parcel that turns up is received forwards, without a reason
    ParcelStatus.LOST: N_("Lost"),
    ParcelStatus.RECEIVED_CN: N_("Received in China"),
    ParcelStatus.PACKED: N_("Packed"),
    ParcelStatus.IN_TRANSIT: N_("In transit"),
    ParcelStatus.RECEIVED_VN: N_("Received in Vietnam"),
    ParcelStatus.READY: N_("Ready for delivery"),
    ParcelStatus.OUT_FOR_DELIVERY: N_("Out for delivery"),
    ParcelStatus.DELIVERED: N_("Delivered"),
    ParcelStatus.RETURNING: N_("Returning to China"),
    ParcelStatus.RETURNED: N_("Returned to China"),
}


class Stage(StrEnum):
    """Where an alert note stops the scan (lưu ý hàng hóa)."""

    RECEIVE_CN = "receive_cn"
    PACK = "pack"
    RECEIVE_VN = "receive_vn"
    DELIVERY = "delivery"


STAGE_LABELS: dict[str, str] = {
    Stage.RECEIVE_CN: N_("Receiving in China"),
    Stage.PACK: N_("Packing into a shipment"),
    Stage.RECEIVE_VN: N_("Receiving in Vietnam"),
    Stage.DELIVERY: N_("Delivery"),
}

#: where a parcel physically sits on a warehouse's shelves (what a stocktake expects to find)
ON_SHELF = frozenset({ParcelStatus.RECEIVED_CN, ParcelStatus.PACKED, ParcelStatus.RECEIVED_VN, ParcelStatus.READY})
#: in (or past) a Vietnam warehouse: its goods can be counted against the order
IN_VIETNAM = frozenset({ParcelStatus.RECEIVED_VN, ParcelStatus.READY, ParcelStatus.OUT_FOR_DELIVERY, ParcelStatus.DELIVERED})
#: how far along the line a parcel is, for an order to follow its least advanced parcel
RANK = {ParcelStatus.EXPECTED: 0, ParcelStatus.LOST: 0, ParcelStatus.RECEIVED_CN: 1, ParcelStatus.PACKED: 1, ParcelStatus.IN_TRANSIT: 2,
        ParcelStatus.RECEIVED_VN: 3, ParcelStatus.READY: 3, ParcelStatus.OUT_FOR_DELIVERY: 4, ParcelStatus.DELIVERED: 5}

_CN = {Role.FORWARDER_CN, Role.SYSTEM}
_VN = {Role.FORWARDER_VN, Role.SYSTEM}
_VN_STORE = {Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.SYSTEM}

#:  from                                   action            to                 who         label
PARCEL_FLOW = Workflow("parcel", dict(PARCEL_STATUS_LABELS), ParcelStatus.EXPECTED, [
    step({ParcelStatus.EXPECTED, ParcelStatus.LOST},               "receive_cn",     ParcelStatus.RECEIVED_CN,     _CN,        N_("Receive in China")),
    step(ParcelStatus.RECEIVED_CN,                      "pack",           ParcelStatus.PACKED,          {Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Pack into a shipment")),
    step(ParcelStatus.PACKED,                           "unpack",         ParcelStatus.RECEIVED_CN,     {Role.FORWARDER_CN, Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Take out of the shipment")),
    step(ParcelStatus.PACKED,                           "depart",         ParcelStatus.IN_TRANSIT,      _CN,        N_("Leave China")),
    # a parcel put into the wrong sack unscanned still arrives: received as "extra"
    # (even one never scanned in China: it is in the sack, so it is here)
    step({ParcelStatus.IN_TRANSIT, ParcelStatus.PACKED, ParcelStatus.RECEIVED_CN, ParcelStatus.EXPECTED, ParcelStatus.LOST}, "receive_vn", ParcelStatus.RECEIVED_VN, _VN, N_("Receive in Vietnam")),
    step(ParcelStatus.RECEIVED_VN,                      "mark_ready",     ParcelStatus.READY,           _VN_STORE,  N_("Ready for delivery")),
    step({ParcelStatus.RECEIVED_VN, ParcelStatus.READY},           "hand_over",      ParcelStatus.OUT_FOR_DELIVERY, {Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Hand over for delivery")),
    step(ParcelStatus.OUT_FOR_DELIVERY,                 "back_to_stock",  ParcelStatus.READY,           {Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Back from a failed delivery"), reason=True),
    step(ParcelStatus.OUT_FOR_DELIVERY,                 "deliver",        ParcelStatus.DELIVERED,       {Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Delivered")),
    step({ParcelStatus.EXPECTED, ParcelStatus.IN_TRANSIT},         "mark_lost",      ParcelStatus.LOST,            {Role.MANAGER, Role.SYSTEM}, N_("Mark lost"), reason=True),
    step({ParcelStatus.RECEIVED_VN, ParcelStatus.READY},           "pack_return",    ParcelStatus.RETURNING,       {Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Pack to return to China")),
    step(ParcelStatus.RETURNING,                        "unpack_return",  ParcelStatus.RECEIVED_VN,     {Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Take out of the return shipment")),
    step(ParcelStatus.RETURNING,                        "receive_return", ParcelStatus.RETURNED,        _CN,        N_("Receive back in China")),
    # a complaint sends delivered goods back to China: the customer brings them to the warehouse
    step(ParcelStatus.DELIVERED,                        "take_back",      ParcelStatus.RECEIVED_VN,     {Role.FORWARDER_VN, Role.WAREHOUSE_VN, Role.SYSTEM}, N_("Taken back from the customer"), reason=True),
], terminal=frozenset({ParcelStatus.RETURNED}), optional=frozenset({ParcelStatus.LOST, ParcelStatus.RETURNING, ParcelStatus.RETURNED}))
