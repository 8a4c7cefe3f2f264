"""Order status tables: purchase orders (đơn order hộ, 代购单) and consignment orders (đơn ký gửi, 集运单).

Status names follow the trade's reference product (Gobiz) so staff recognise them. Automatic
moves — an order following its parcels — are steps of the SYSTEM role and never shown as buttons.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from app.i18n import N_
from app.permissions import Actor, Role
from app.workflows.engine import Workflow, step

R = Role


class OrderKind(StrEnum):
    PURCHASE = "purchase"
    CONSIGNMENT = "consignment"


ORDER_KIND_LABELS = {
    OrderKind.PURCHASE: N_("Purchase order"),
    OrderKind.CONSIGNMENT: N_("Consignment order"),
}


class OrderStatus(StrEnum):
    DRAFT = "draft"                          # giỏ hàng: a cart that expires unless submitted
    NEW = "new"                              # submitted, waiting for the deposit
    DEPOSITED = "deposited"                  # đã đặt cọc
    ACCEPTED = "accepted"                    # đã tiếp nhận
    AWAITING_APPROVAL = "awaiting_approval"  # chờ duyệt (a chosen service needs approval)
    PURCHASING = "purchasing"                # đang mua
    PURCHASED = "purchased"                  # đã mua hàng
    SELLER_SHIPPED = "seller_shipped"        # người bán giao
    IN_CN_WAREHOUSE = "in_cn_warehouse"      # hàng về kho TQ
    IN_TRANSIT = "in_transit"                # vận chuyển quốc tế
    AWAITING_DELIVERY = "awaiting_delivery"  # chờ giao (in the VN warehouse)
    DELIVERING = "delivering"                # đang giao
    DELIVERED = "delivered"                  # đã giao (hand-over signed)
    RECEIVED = "received"                    # đã nhận hàng (confirmed, or feedback window passed)
    CANCELLED = "cancelled"
    OUT_OF_STOCK = "out_of_stock"            # hết hàng
    LOST = "lost"                            # thất lạc
    REFUSED = "refused"                      # khách từ chối


S = OrderStatus

STATUS_LABELS: dict[str, str] = {
    S.DRAFT: N_("Cart (draft)"),
    S.NEW: N_("Submitted"),
    S.DEPOSITED: N_("Deposited"),
    S.AWAITING_APPROVAL: N_("Awaiting approval"),   # before "accepted": approving moves forward
    S.ACCEPTED: N_("Accepted"),
    S.PURCHASING: N_("Purchasing"),
    S.PURCHASED: N_("Purchased"),
    S.SELLER_SHIPPED: N_("Seller shipped"),
    S.IN_CN_WAREHOUSE: N_("In China warehouse"),
    S.IN_TRANSIT: N_("International transit"),
    S.AWAITING_DELIVERY: N_("Awaiting delivery"),
    S.DELIVERING: N_("Delivering"),
    S.DELIVERED: N_("Delivered"),
    S.RECEIVED: N_("Received"),
    S.CANCELLED: N_("Cancelled"),
    S.OUT_OF_STOCK: N_("Out of stock"),
    S.LOST: N_("Lost"),
    S.REFUSED: N_("Refused by customer"),
}

EXITS = frozenset({S.CANCELLED, S.OUT_OF_STOCK, S.LOST, S.REFUSED})
CLOSED = EXITS | {S.RECEIVED}

# -- guards: return None when the step may happen, else the message id saying why not ---------


def has_items(order: Any, actor: Actor) -> str | None:
    return None if order.items else N_("Add at least one item before submitting the order.")


def has_tracking_codes(order: Any, actor: Actor) -> str | None:
    return None if order.declared_codes else N_(
        "Add at least one tracking code the customer declared before submitting.")


def has_staff(order: Any, actor: Actor) -> str | None:
    if order.care_staff_id is None:
        return N_("Assign a customer-care staff member first.")
    if order.kind == OrderKind.PURCHASE and order.ordering_staff_id is None:
        return N_("Assign an ordering staff member first.")
    return None


def needs_approval(order: Any, actor: Actor) -> str | None:
    return None if order.needs_approval else N_("No chosen service needs approval.")


def no_approval_needed(order: Any, actor: Actor) -> str | None:
    return None if not order.needs_approval else N_("A chosen service needs a manager's approval first.")


def claim_no_approval(order: Any, actor: Actor) -> str | None:
    return no_approval_needed(order, actor)


def claim_with_approval(order: Any, actor: Actor) -> str | None:
    return needs_approval(order, actor)


def is_my_purchase(order: Any, actor: Actor) -> str | None:
    if actor.role in (R.ORDERING,) and order.ordering_staff_id not in (None, actor.user_id):
        return N_("This order is assigned to another ordering staff member.")
    return None


def everything_bought(order: Any, actor: Actor) -> str | None:
    if any(i.quantity_bought is None for i in order.items):
        return N_("Record what was bought (or short) for every item first.")
    return None


_LOST_FROM = {S.SELLER_SHIPPED, S.IN_CN_WAREHOUSE, S.IN_TRANSIT, S.AWAITING_DELIVERY, S.DELIVERING}
_REFUSE_FROM = {S.AWAITING_DELIVERY, S.DELIVERING}


def _shipping_tail(lost_from: set[str]) -> list:
    """From the China warehouse to the customer: the same for both kinds of order."""
    return [
    step({S.IN_CN_WAREHOUSE}, "depart_cn", S.IN_TRANSIT, {R.SYSTEM}, N_("Left the China warehouse")),
    step({S.IN_TRANSIT, S.IN_CN_WAREHOUSE}, "arrive_vn", S.AWAITING_DELIVERY, {R.SYSTEM},
         N_("Arrived in the Vietnam warehouse")),
    step({S.AWAITING_DELIVERY}, "start_delivery", S.DELIVERING, {R.SYSTEM, R.WAREHOUSE_VN},
         N_("Start delivery")),
    step({S.DELIVERING, S.AWAITING_DELIVERY}, "deliver", S.DELIVERED, {R.SYSTEM, R.WAREHOUSE_VN},
         N_("Mark delivered")),
    step({S.DELIVERED}, "confirm_received", S.RECEIVED, {R.CARE, R.MANAGER, R.SYSTEM},
         N_("Customer confirmed receipt")),
    step(lost_from, "mark_lost", S.LOST, {R.MANAGER, R.SYSTEM}, N_("Mark lost"), reason=True),
    step(_REFUSE_FROM, "refuse", S.REFUSED, {R.CARE, R.MANAGER}, N_("Customer refused"), reason=True),
    ]

#:  from                        action            to                    who                         guard
PURCHASE_FLOW = Workflow("order.purchase", {**STATUS_LABELS, S.NEW: N_("Waiting for deposit")}, S.DRAFT, [
    step(S.DRAFT,                 "submit",         S.NEW,                {R.CARE, R.MANAGER},        N_("Submit order"), has_items),
    step(S.DRAFT,                 "expire",         S.CANCELLED,          {R.SYSTEM},                 N_("Cart expired")),
    step(S.NEW,                   "deposit",        S.DEPOSITED,          {R.CARE, R.ACCOUNTANT, R.MANAGER, R.SYSTEM}, N_("Take deposit")),
    step(S.DEPOSITED,             "accept",         S.ACCEPTED,           {R.MANAGER},                N_("Confirm and assign"), no_approval_needed),
    step(S.DEPOSITED,             "accept",         S.AWAITING_APPROVAL,  {R.MANAGER},                N_("Confirm and assign"), needs_approval),
    step(S.DEPOSITED,             "claim",          S.ACCEPTED,           {R.ORDERING},               N_("Claim order"), claim_no_approval),
    step(S.DEPOSITED,             "claim",          S.AWAITING_APPROVAL,  {R.ORDERING},               N_("Claim order"), claim_with_approval),
    step(S.AWAITING_APPROVAL,     "approve",        S.ACCEPTED,           {R.MANAGER},                N_("Approve services")),
    # a complaint's approved reship: a new order, accepted at once, bought at the company's cost
    step(S.DRAFT,                 "reship",         S.ACCEPTED,           {R.SYSTEM},                 N_("Reship")),
    step(S.ACCEPTED,              "start_purchase", S.PURCHASING,         {R.ORDERING},               N_("Start purchasing"), is_my_purchase),
    step(S.PURCHASING,            "mark_purchased", S.PURCHASED,          {R.ORDERING, R.SYSTEM},     N_("Mark purchased"), everything_bought),
    step(S.PURCHASING,            "out_of_stock",   S.OUT_OF_STOCK,       {R.ORDERING, R.MANAGER},    N_("Out of stock"), reason=True),
    step(S.PURCHASED,             "seller_ship",    S.SELLER_SHIPPED,     {R.ORDERING, R.SYSTEM},     N_("Seller shipped")),
    step({S.PURCHASED, S.SELLER_SHIPPED}, "arrive_cn", S.IN_CN_WAREHOUSE, {R.SYSTEM},                 N_("Arrived in the China warehouse")),
    *_shipping_tail(_LOST_FROM),
    step({S.DRAFT, S.NEW, S.DEPOSITED, S.ACCEPTED, S.AWAITING_APPROVAL, S.PURCHASING},
         "cancel", S.CANCELLED, {R.CARE, R.MANAGER}, N_("Cancel order"), reason=True),
], terminal=frozenset(EXITS), optional=frozenset({S.AWAITING_APPROVAL}))

_CONSIGNMENT_STATUSES = (S.DRAFT, S.NEW, S.ACCEPTED, S.IN_CN_WAREHOUSE, S.IN_TRANSIT,
                         S.AWAITING_DELIVERY, S.DELIVERING, S.DELIVERED, S.RECEIVED, S.CANCELLED,
                         S.LOST, S.REFUSED)

CONSIGNMENT_FLOW = Workflow("order.consignment", {s: STATUS_LABELS[s] for s in _CONSIGNMENT_STATUSES}
                            | {S.NEW: N_("Waiting for confirmation")},
                            S.DRAFT, [
    step(S.DRAFT,                 "submit",         S.NEW,                {R.CARE, R.MANAGER},        N_("Submit order"), has_tracking_codes),
    step(S.DRAFT,                 "expire",         S.CANCELLED,          {R.SYSTEM},                 N_("Cart expired")),
    step(S.NEW,                   "accept",         S.ACCEPTED,           {R.MANAGER},                N_("Confirm and assign")),
    step(S.NEW,                   "claim",          S.ACCEPTED,           {R.CARE},                   N_("Claim order")),
    step({S.NEW, S.ACCEPTED},     "arrive_cn",      S.IN_CN_WAREHOUSE,    {R.SYSTEM},                 N_("Arrived in the China warehouse")),
    *_shipping_tail(_LOST_FROM - {S.SELLER_SHIPPED}),
    step({S.DRAFT, S.NEW, S.ACCEPTED}, "cancel",    S.CANCELLED,          {R.CARE, R.MANAGER},        N_("Cancel order"), reason=True),
], terminal=frozenset(EXITS - {S.OUT_OF_STOCK}))


def flow_for(kind: str) -> Workflow:
    return PURCHASE_FLOW if kind == OrderKind.PURCHASE else CONSIGNMENT_FLOW
