"""Status tables of purchasing and money: shop orders (đơn mua shop), manual payments
(top-ups and refunds that may need a second person), and bills (billing notices, supplementary
bills a manager approves)."""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_
from app.permissions import Perm, Role
from app.workflows.engine import Workflow, holders, step
from app.workflows.orders import OrderStatus

_O = OrderStatus
#: order statuses in which the order may be billed (a billing notice, a supplementary bill)
BILLABLE = frozenset({_O.PURCHASED, _O.SELLER_SHIPPED, _O.IN_CN_WAREHOUSE, _O.IN_TRANSIT, _O.AWAITING_DELIVERY,
                      _O.DELIVERING, _O.DELIVERED, _O.ACCEPTED})
#: order statuses in which its shop orders are placed, paid and followed
SHOP_ORDER_STAGES = frozenset({_O.ACCEPTED, _O.PURCHASING, _O.PURCHASED, _O.SELLER_SHIPPED, _O.IN_CN_WAREHOUSE})


class ShopOrderStatus(StrEnum):
    DRAFT = "draft"            # grouped from the order's items, not placed yet
    PLACED = "placed"          # đã pai: placed on the platform, seller order number known
    PAID = "paid"              # đã thanh toán: amounts recorded, paid from a CNY account
    CANCELLED = "cancelled"


SHOP_ORDER_LABELS = {
    ShopOrderStatus.DRAFT: N_("To place"),
    ShopOrderStatus.PLACED: N_("Placed, awaiting payment"),
    ShopOrderStatus.PAID: N_("Paid"),
    ShopOrderStatus.CANCELLED: N_("Cancelled"),
}

SO = ShopOrderStatus
SHOP_ORDER_FLOW = Workflow("shop_order", dict(SHOP_ORDER_LABELS), SO.DRAFT, [
    step(SO.DRAFT,             "place",  SO.PLACED,    {Role.ORDERING},            N_("Placed on the platform")),
    step({SO.DRAFT, SO.PLACED}, "pay",   SO.PAID,      {Role.ORDERING},            N_("Record payment")),
    step({SO.DRAFT, SO.PLACED}, "cancel", SO.CANCELLED, {Role.ORDERING, Role.MANAGER}, N_("Cancel shop order"), reason=True),
], terminal=frozenset({SO.CANCELLED}))


class PaymentStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    POSTED = "posted"
    REJECTED = "rejected"


PAYMENT_LABELS = {
    PaymentStatus.AWAITING_APPROVAL: N_("Awaiting a second approval"),
    PaymentStatus.POSTED: N_("Posted"),
    PaymentStatus.REJECTED: N_("Rejected"),
}
PAYMENT_KIND_LABELS = {"topup": N_("Top-up"), "refund": N_("Refund paid out")}

PS = PaymentStatus
PAYMENT_FLOW = Workflow("payment", dict(PAYMENT_LABELS), PS.AWAITING_APPROVAL, [
    # within the approval limit the one who records it posts it at once
    step(PS.AWAITING_APPROVAL, "post",    PS.POSTED,   holders(Perm.RECORD_PAYMENTS), N_("Posted")),
    step(PS.AWAITING_APPROVAL, "approve", PS.POSTED,   {Role.ACCOUNTANT, Role.MANAGER}, N_("Approve and post")),
    step(PS.AWAITING_APPROVAL, "reject",  PS.REJECTED, {Role.ACCOUNTANT, Role.MANAGER}, N_("Reject"), reason=True),
], terminal=frozenset({PS.REJECTED}))


class BillStatus(StrEnum):
    ISSUED = "issued"          # a billing notice: ledgered when issued
    PROPOSED = "proposed"      # a supplementary bill waiting for a manager
    APPROVED = "approved"
    REJECTED = "rejected"


BILL_LABELS = {
    BillStatus.ISSUED: N_("Issued"),
    BillStatus.PROPOSED: N_("Awaiting approval"),
    BillStatus.APPROVED: N_("Approved"),
    BillStatus.REJECTED: N_("Rejected"),
}
BILL_KIND_LABELS = {"notice": N_("Billing notice"), "supplementary": N_("Supplementary bill")}

BS = BillStatus
#: the approval of supplementary bills (billing notices are issued as they are, no steps)
BILL_FLOW = Workflow("bill", {s: BILL_LABELS[s] for s in (BS.PROPOSED, BS.APPROVED, BS.REJECTED)}, BS.PROPOSED, [
    step(BS.PROPOSED, "approve", BS.APPROVED, {Role.MANAGER}, N_("Approve bill")),
    step(BS.PROPOSED, "reject",  BS.REJECTED, {Role.MANAGER}, N_("Reject bill"), reason=True),
], terminal=frozenset({BS.REJECTED}))


class CarrierBillStatus(StrEnum):
    OPEN = "open"              # recorded, checked against our weights
    DISPUTED = "disputed"      # we told the carrier what is wrong
    ACCEPTED = "accepted"      # paid (what we accepted of it)


CARRIER_BILL_LABELS = {
    CarrierBillStatus.OPEN: N_("To check"),
    CarrierBillStatus.DISPUTED: N_("Disputed"),
    CarrierBillStatus.ACCEPTED: N_("Accepted (payable posted)"),
}

CB = CarrierBillStatus
_BILL_PAYERS = holders(Perm.APPROVE_PAYMENTS)
CARRIER_BILL_FLOW = Workflow("carrier_bill", dict(CARRIER_BILL_LABELS), CB.OPEN, [
    step(CB.OPEN,                "dispute", CB.DISPUTED, _BILL_PAYERS, N_("Carrier's bill disputed"), reason=True),
    step({CB.OPEN, CB.DISPUTED}, "accept",  CB.ACCEPTED, _BILL_PAYERS, N_("Carrier's bill accepted")),
], terminal=frozenset({CB.ACCEPTED}))
