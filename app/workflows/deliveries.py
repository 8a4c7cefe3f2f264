"""Delivery request status table (yêu cầu giao → phiếu xuất → bàn giao → đã giao)."""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.i18n import N_
from app.permissions import Actor, Role
from app.workflows.engine import Workflow, step

R = Role


class DeliveryStatus(StrEnum):
    REQUESTED = "requested"          # yêu cầu giao: parcels chosen, being packed
    SLIP_ISSUED = "slip_issued"      # phiếu xuất: packed in boxes, the export slip printed
    HANDED_OVER = "handed_over"      # đã bàn giao: to the customer or the courier
    DELIVERED = "delivered"          # đã giao: the signed slip is back
    CANCELLED = "cancelled"


D = DeliveryStatus

DELIVERY_STATUS_LABELS: dict[str, str] = {
    D.REQUESTED: N_("Requested"),
    D.SLIP_ISSUED: N_("Export slip issued"),
    D.HANDED_OVER: N_("Handed over"),
    D.DELIVERED: N_("Delivered"),
    D.CANCELLED: N_("Cancelled"),
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


_WH = {R.WAREHOUSE_VN, R.SYSTEM}

#:  from                          action               to              who   label                          guard
DELIVERY_FLOW = Workflow("delivery", dict(DELIVERY_STATUS_LABELS), D.REQUESTED, [
    step(D.REQUESTED,               "issue_slip",        D.SLIP_ISSUED,  _WH,  N_("Issue the export slip"),     all_packed),
    step(D.SLIP_ISSUED,             "hand_over",         D.HANDED_OVER,  _WH,  N_("Record the hand-over")),
    step(D.HANDED_OVER,             "confirm_delivered", D.DELIVERED,    _WH,  N_("Record the signed slip")),
    step(D.HANDED_OVER,             "failed",            D.SLIP_ISSUED,  _WH,  N_("Delivery failed"), reason=True),
    step({D.REQUESTED, D.SLIP_ISSUED}, "cancel",         D.CANCELLED,    {R.WAREHOUSE_VN, R.MANAGER, R.SYSTEM}, N_("Cancel the request"), reason=True),
], terminal=frozenset({D.DELIVERED, D.CANCELLED}))
