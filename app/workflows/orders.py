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



STATUS_LABELS: dict[str, str] = {
    OrderStatus.DRAFT: N_("Cart (draft)"),
    OrderStatus.NEW: N_("Submitted"),
    OrderStatus.DEPOSITED: N_("Deposited"),
    OrderStatus.AWAITING_APPROVAL: N_("Awaiting approval"),   # before "accepted": approving moves forward
    OrderStatus.ACCEPTED: N_("Accepted"),
    OrderStatus.PURCHASING: N_("Purchasing"),
    OrderStatus.PURCHASED: N_("Purchased"),
    OrderStatus.SELLER_SHIPPED: N_("Seller shipped"),
    OrderStatus.IN_CN_WAREHOUSE: N_("In China warehouse"),
    OrderStatus.IN_TRANSIT: N_("International transit"),
    OrderStatus.AWAITING_DELIVERY: N_("Awaiting delivery"),
    OrderStatus.DELIVERING: N_("Delivering"),
    OrderStatus.DELIVERED: N_("Delivered"),
    OrderStatus.RECEIVED: N_("Received"),
    OrderStatus.CANCELLED: N_("Cancelled"),
    OrderStatus.OUT_OF_STOCK: N_("Out of stock"),
    OrderStatus.LOST: N_("Lost"),
    OrderStatus.REFUSED: N_("Refused by customer"),
}

EXITS = frozenset({OrderStatus.CANCELLED, OrderStatus.OUT_OF_STOCK, OrderStatus.LOST, OrderStatus.REFUSED})
CLOSED = EXITS | {OrderStatus.RECEIVED}
#: an order's items may still be edited (the form and the order window's "can edit items")
ITEMS_EDITABLE = {OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.DEPOSITED, OrderStatus.ACCEPTED, OrderStatus.AWAITING_APPROVAL}

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
    if actor.role in (Role.ORDERING,) and order.ordering_staff_id not in (None, actor.user_id):
        return N_("This order is assigned to another ordering staff member.")
    return None


def everything_bought(order: Any, actor: Actor) -> str | None:
    if any(i.quantity_bought is None for i in order.items):
        return N_("Record what was bought (or short) for every item first.")
    return None


_LOST_FROM = {OrderStatus.SELLER_SHIPPED, OrderStatus.IN_CN_WAREHOUSE, OrderStatus.IN_TRANSIT, OrderStatus.AWAITING_DELIVERY, OrderStatus.DELIVERING}
_REFUSE_FROM = {OrderStatus.AWAITING_DELIVERY, OrderStatus.DELIVERING}


def _shipping_tail(lost_from: set[str]) -> list:
    """From the China warehouse to the customer: the same for both kinds of order."""
    return [
    step({OrderStatus.IN_CN_WAREHOUSE}, "depart_cn", OrderStatus.IN_TRANSIT, {Role.SYSTEM}, N_("Left the China warehouse")),
    step({OrderStatus.IN_TRANSIT, OrderStatus.IN_CN_WAREHOUSE}, "arrive_vn", OrderStatus.AWAITING_DELIVERY, {Role.SYSTEM},
         N_("Arrived in the Vietnam warehouse")),
    step({OrderStatus.AWAITING_DELIVERY}, "start_delivery", OrderStatus.DELIVERING, {Role.SYSTEM, Role.WAREHOUSE_VN},
         N_("Start delivery")),
    step({OrderStatus.DELIVERING, OrderStatus.AWAITING_DELIVERY}, "deliver", OrderStatus.DELIVERED, {Role.SYSTEM, Role.WAREHOUSE_VN},
         N_("Mark delivered")),
    step({OrderStatus.DELIVERED}, "confirm_received", OrderStatus.RECEIVED, {Role.CARE, Role.MANAGER, Role.SYSTEM},
         N_("Customer confirmed receipt")),
    step(lost_from, "mark_lost", OrderStatus.LOST, {Role.MANAGER, Role.SYSTEM}, N_("Mark lost"), reason=True),
    step(_REFUSE_FROM, "refuse", OrderStatus.REFUSED, {Role.CARE, Role.MANAGER}, N_("Customer refused"), reason=True),
    ]

#:  from                        action            to                    who                         guard
PURCHASE_FLOW = Workflow("order.purchase", {**STATUS_LABELS, OrderStatus.NEW: N_("Waiting for deposit")}, OrderStatus.DRAFT, [
    step(OrderStatus.DRAFT,                 "submit",         OrderStatus.NEW,                {Role.CARE, Role.MANAGER},        N_("Submit order"), has_items),
    step(OrderStatus.DRAFT,                 "expire",         OrderStatus.CANCELLED,          {Role.SYSTEM},                 N_("Cart expired")),
    step(OrderStatus.NEW,                   "deposit",        OrderStatus.DEPOSITED,          {Role.CARE, Role.ACCOUNTANT, Role.MANAGER, Role.SYSTEM}, N_("Take deposit")),
    step(OrderStatus.DEPOSITED,             "accept",         OrderStatus.ACCEPTED,           {Role.MANAGER},                N_("Confirm and assign"), no_approval_needed),
    step(OrderStatus.DEPOSITED,             "accept",         OrderStatus.AWAITING_APPROVAL,  {Role.MANAGER},                N_("Confirm and assign"), needs_approval),
    step(OrderStatus.DEPOSITED,             "claim",          OrderStatus.ACCEPTED,           {Role.ORDERING},               N_("Claim order"), claim_no_approval),
    step(OrderStatus.DEPOSITED,             "claim",          OrderStatus.AWAITING_APPROVAL,  {Role.ORDERING},               N_("Claim order"), claim_with_approval),
    step(OrderStatus.AWAITING_APPROVAL,     "approve",        OrderStatus.ACCEPTED,           {Role.MANAGER},                N_("Approve services")),
    # a complaint's approved reship: a new order, accepted at once, bought at the company's cost
    step(OrderStatus.DRAFT,                 "reship",         OrderStatus.ACCEPTED,           {Role.SYSTEM},                 N_("Reship")),
    step(OrderStatus.ACCEPTED,              "start_purchase", OrderStatus.PURCHASING,         {Role.ORDERING},               N_("Start purchasing"), is_my_purchase),
    step(OrderStatus.PURCHASING,            "mark_purchased", OrderStatus.PURCHASED,          {Role.ORDERING, Role.SYSTEM},     N_("Mark purchased"), everything_bought),
    step(OrderStatus.PURCHASING,            "out_of_stock",   OrderStatus.OUT_OF_STOCK,       {Role.ORDERING, Role.MANAGER},    N_("Out of stock"), reason=True),
    step(OrderStatus.PURCHASED,             "seller_ship",    OrderStatus.SELLER_SHIPPED,     {Role.ORDERING, Role.SYSTEM},     N_("Seller shipped")),
    step({OrderStatus.PURCHASED, OrderStatus.SELLER_SHIPPED}, "arrive_cn", OrderStatus.IN_CN_WAREHOUSE, {Role.SYSTEM},                 N_("Arrived in the China warehouse")),
    *_shipping_tail(_LOST_FROM),
    step({OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.DEPOSITED, OrderStatus.ACCEPTED, OrderStatus.AWAITING_APPROVAL, OrderStatus.PURCHASING},
         "cancel", OrderStatus.CANCELLED, {Role.CARE, Role.MANAGER}, N_("Cancel order"), reason=True),
], terminal=frozenset(EXITS), optional=frozenset({OrderStatus.AWAITING_APPROVAL}))

_CONSIGNMENT_STATUSES = (OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.IN_CN_WAREHOUSE, OrderStatus.IN_TRANSIT,
                         OrderStatus.AWAITING_DELIVERY, OrderStatus.DELIVERING, OrderStatus.DELIVERED, OrderStatus.RECEIVED, OrderStatus.CANCELLED,
                         OrderStatus.LOST, OrderStatus.REFUSED)

CONSIGNMENT_FLOW = Workflow("order.consignment", {s: STATUS_LABELS[s] for s in _CONSIGNMENT_STATUSES}
                            | {OrderStatus.NEW: N_("Waiting for confirmation")},
                            OrderStatus.DRAFT, [
    step(OrderStatus.DRAFT,                 "submit",         OrderStatus.NEW,                {Role.CARE, Role.MANAGER},        N_("Submit order"), has_tracking_codes),
    step(OrderStatus.DRAFT,                 "expire",         OrderStatus.CANCELLED,          {Role.SYSTEM},                 N_("Cart expired")),
    step(OrderStatus.NEW,                   "accept",         OrderStatus.ACCEPTED,           {Role.MANAGER},                N_("Confirm and assign")),
    step(OrderStatus.NEW,                   "claim",          OrderStatus.ACCEPTED,           {Role.CARE},                   N_("Claim order")),
    step({OrderStatus.NEW, OrderStatus.ACCEPTED},     "arrive_cn",      OrderStatus.IN_CN_WAREHOUSE,    {Role.SYSTEM},                 N_("Arrived in the China warehouse")),
    *_shipping_tail(_LOST_FROM - {OrderStatus.SELLER_SHIPPED}),
    step({OrderStatus.DRAFT, OrderStatus.NEW, OrderStatus.ACCEPTED}, "cancel",    OrderStatus.CANCELLED,          {Role.CARE, Role.MANAGER},        N_("Cancel order"), reason=True),
], terminal=frozenset(EXITS - {OrderStatus.OUT_OF_STOCK}))


def flow_for(kind: str) -> Workflow:
    return PURCHASE_FLOW if kind == OrderKind.PURCHASE else CONSIGNMENT_FLOW
