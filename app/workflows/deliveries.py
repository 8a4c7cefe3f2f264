"""Delivery request status table (yêu cầu giao → phiếu xuất → bàn giao → đã giao)."""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.i18n import N_
from app.permissions import Actor, Role
from app.workflows.engine import Workflow, step



class DeliveryStatus(StrEnum):
    REQUESTED = "requested"          # yêu cầu giao: parcels chosen, being packed
    SLIP_ISSUED = "slip_issued"      # phiếu xuất: packed in boxes, the export slip printed
    HANDED_OVER = "handed_over"      # đã bàn giao: to the customer or the courier
    DELIVERED = "delivered"          # đã giao: the signed slip is back
    CANCELLED = "cancelled"



DELIVERY_STATUS_LABELS: dict[str, str] = {
    DeliveryStatus.REQUESTED: N_("Requested"),
    DeliveryStatus.SLIP_ISSUED: N_("Export slip issued"),
    DeliveryStatus.HANDED_OVER: N_("Handed over"),
    DeliveryStatus.DELIVERED: N_("Delivered"),
    DeliveryStatus.CANCELLED: N_("Cancelled"),
}

DELIVERY_METHOD_LABELS: dict[str, str] = {
    "pickup": N_("Customer collects"),
    "courier": N_("Delivery company"),
    "company": N_("Our driver"),
}


def all_packed(delivery: Any, actor: Actor) -> str | None:
    lines = delivery.lines
    if not lines:
        return N_("The delivery request has no parcels.")
    if any(line.box_no is None for line in lines):
        return N_("Scan every parcel into a box before issuing the export slip.")
    return None


_WH = {Role.WAREHOUSE_VN, Role.SYSTEM}

#:  from                          action               to              who   label                          guard
DELIVERY_FLOW = Workflow("delivery", dict(DELIVERY_STATUS_LABELS), DeliveryStatus.REQUESTED, [
    step(DeliveryStatus.REQUESTED,               "issue_slip",        DeliveryStatus.SLIP_ISSUED,  _WH,  N_("Issue the export slip"),     all_packed),
    step(DeliveryStatus.SLIP_ISSUED,             "hand_over",         DeliveryStatus.HANDED_OVER,  _WH,  N_("Record the hand-over")),
    step(DeliveryStatus.HANDED_OVER,             "confirm_delivered", DeliveryStatus.DELIVERED,    _WH,  N_("Record the signed slip")),
    step(DeliveryStatus.HANDED_OVER,             "failed",            DeliveryStatus.SLIP_ISSUED,  _WH,  N_("Delivery failed"), reason=True),
    step({DeliveryStatus.REQUESTED, DeliveryStatus.SLIP_ISSUED}, "cancel",         DeliveryStatus.CANCELLED,    {Role.WAREHOUSE_VN, Role.MANAGER, Role.SYSTEM}, N_("Cancel the request"), reason=True),
], terminal=frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.CANCELLED}))
