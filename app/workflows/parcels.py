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

R = Role


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


P = ParcelStatus

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
    P.EXPECTED: N_("Expected"),
    # before "received": a lost parcel that turns up is received forwards, without a reason
    P.LOST: N_("Lost"),
    P.RECEIVED_CN: N_("Received in China"),
    P.PACKED: N_("Packed"),
    P.IN_TRANSIT: N_("In transit"),
    P.RECEIVED_VN: N_("Received in Vietnam"),
    P.READY: N_("Ready for delivery"),
    P.OUT_FOR_DELIVERY: N_("Out for delivery"),
    P.DELIVERED: N_("Delivered"),
    P.RETURNING: N_("Returning to China"),
    P.RETURNED: N_("Returned to China"),
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
ON_SHELF = frozenset({P.RECEIVED_CN, P.PACKED, P.RECEIVED_VN, P.READY})
#: in (or past) a Vietnam warehouse: its goods can be counted against the order
IN_VIETNAM = frozenset({P.RECEIVED_VN, P.READY, P.OUT_FOR_DELIVERY, P.DELIVERED})
#: how far along the line a parcel is, for an order to follow its least advanced parcel
RANK = {P.EXPECTED: 0, P.LOST: 0, P.RECEIVED_CN: 1, P.PACKED: 1, P.IN_TRANSIT: 2,
        P.RECEIVED_VN: 3, P.READY: 3, P.OUT_FOR_DELIVERY: 4, P.DELIVERED: 5}

_CN = {R.FORWARDER_CN, R.SYSTEM}
_VN = {R.FORWARDER_VN, R.SYSTEM}
_VN_STORE = {R.FORWARDER_VN, R.WAREHOUSE_VN, R.SYSTEM}

#:  from                                   action            to                 who         label
PARCEL_FLOW = Workflow("parcel", dict(PARCEL_STATUS_LABELS), P.EXPECTED, [
    step({P.EXPECTED, P.LOST},               "receive_cn",     P.RECEIVED_CN,     _CN,        N_("Receive in China")),
    step(P.RECEIVED_CN,                      "pack",           P.PACKED,          {R.FORWARDER_CN, R.FORWARDER_VN, R.WAREHOUSE_VN, R.SYSTEM}, N_("Pack into a shipment")),
    step(P.PACKED,                           "unpack",         P.RECEIVED_CN,     {R.FORWARDER_CN, R.FORWARDER_VN, R.WAREHOUSE_VN, R.SYSTEM}, N_("Take out of the shipment")),
    step(P.PACKED,                           "depart",         P.IN_TRANSIT,      _CN,        N_("Leave China")),
    # a parcel put into the wrong sack unscanned still arrives: received as "extra"
    # (even one never scanned in China: it is in the sack, so it is here)
    step({P.IN_TRANSIT, P.PACKED, P.RECEIVED_CN, P.EXPECTED, P.LOST}, "receive_vn", P.RECEIVED_VN, _VN, N_("Receive in Vietnam")),
    step(P.RECEIVED_VN,                      "mark_ready",     P.READY,           _VN_STORE,  N_("Ready for delivery")),
    step({P.RECEIVED_VN, P.READY},           "hand_over",      P.OUT_FOR_DELIVERY, {R.WAREHOUSE_VN, R.SYSTEM}, N_("Hand over for delivery")),
    step(P.OUT_FOR_DELIVERY,                 "back_to_stock",  P.READY,           {R.WAREHOUSE_VN, R.SYSTEM}, N_("Back from a failed delivery"), reason=True),
    step(P.OUT_FOR_DELIVERY,                 "deliver",        P.DELIVERED,       {R.WAREHOUSE_VN, R.SYSTEM}, N_("Delivered")),
    step({P.EXPECTED, P.IN_TRANSIT},         "mark_lost",      P.LOST,            {R.MANAGER, R.SYSTEM}, N_("Mark lost"), reason=True),
    step({P.RECEIVED_VN, P.READY},           "pack_return",    P.RETURNING,       {R.FORWARDER_VN, R.WAREHOUSE_VN, R.SYSTEM}, N_("Pack to return to China")),
    step(P.RETURNING,                        "unpack_return",  P.RECEIVED_VN,     {R.FORWARDER_VN, R.WAREHOUSE_VN, R.SYSTEM}, N_("Take out of the return shipment")),
    step(P.RETURNING,                        "receive_return", P.RETURNED,        _CN,        N_("Receive back in China")),
    # a complaint sends delivered goods back to China: the customer brings them to the warehouse
    step(P.DELIVERED,                        "take_back",      P.RECEIVED_VN,     {R.FORWARDER_VN, R.WAREHOUSE_VN, R.SYSTEM}, N_("Taken back from the customer"), reason=True),
], terminal=frozenset({P.RETURNED}), optional=frozenset({P.LOST, P.RETURNING, P.RETURNED}))
