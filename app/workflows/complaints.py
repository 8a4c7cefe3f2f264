"""Status tables of complaints: a customer's complaint to the company (khiếu nại, 投诉) and the
company's complaint to a Chinese seller (khiếu nại người bán, KNNB).

A customer complaint is investigated (care staff talk to the customer, ordering staff to the
shop), a plan is proposed, a manager approves or rejects it, and executing the approved plan
(money, return shipment, reship order, discount code) closes it. A seller complaint is filed on
the platform before its after-sale window closes and ends with money recovered or refused.
"""
from __future__ import annotations

from enum import StrEnum

from app.i18n import N_
from app.permissions import Role
from app.workflows.engine import Workflow, step
from app.workflows.orders import OrderStatus

_O = OrderStatus
#: orders nobody can complain about yet (nothing bought or sent) or any more (cancelled)
NOT_COMPLAINABLE = frozenset({_O.DRAFT, _O.NEW, _O.CANCELLED, _O.OUT_OF_STOCK})
#: the customer has the goods: they inspect them, a complaint is "after receipt"
AFTER_RECEIPT = frozenset({_O.DELIVERED, _O.RECEIVED})
#: purchase-order statuses from which a shop order may be claimed from its seller
CLAIMABLE = frozenset({_O.PURCHASED, _O.SELLER_SHIPPED, _O.IN_CN_WAREHOUSE, _O.IN_TRANSIT, _O.AWAITING_DELIVERY,
                       _O.DELIVERING, _O.DELIVERED, _O.RECEIVED})


class ComplaintStatus(StrEnum):
    OPEN = "open"                      # mới: waiting for care and ordering staff
    INVESTIGATING = "investigating"    # đang xử lý: contacts with the shop and the customer
    PROPOSED = "proposed"              # chờ duyệt: a plan waits for a manager
    APPROVED = "approved"              # đã duyệt: waiting to be carried out
    CLOSED = "closed"                  # đã xử lý: the plan was carried out
    DISMISSED = "dismissed"            # từ chối: decided without a remedy
    WITHDRAWN = "withdrawn"            # khách rút khiếu nại


CS = ComplaintStatus

COMPLAINT_STATUS_LABELS: dict[str, str] = {
    CS.OPEN: N_("New"),
    CS.INVESTIGATING: N_("Investigating"),
    CS.PROPOSED: N_("Plan awaiting approval"),
    CS.APPROVED: N_("Plan approved"),
    CS.CLOSED: N_("Done and closed"),
    CS.DISMISSED: N_("Dismissed"),
    CS.WITHDRAWN: N_("Withdrawn"),
}
#: a complaint in one of these still waits on someone (the order must not complete meanwhile)
ACTIVE_COMPLAINT = frozenset({CS.OPEN, CS.INVESTIGATING, CS.PROPOSED, CS.APPROVED})


class ComplaintKind(StrEnum):
    WRONG_ITEM = "wrong_item"          # giao sai hàng
    MISSING = "missing"                # thiếu hàng
    DAMAGED = "damaged"                # hỏng, vỡ
    LATE = "late"                      # giao chậm
    OTHER = "other"


COMPLAINT_KIND_LABELS: dict[str, str] = {
    ComplaintKind.WRONG_ITEM: N_("Wrong item"),
    ComplaintKind.MISSING: N_("Missing"),
    ComplaintKind.DAMAGED: N_("Damaged"),
    ComplaintKind.LATE: N_("Late"),
    ComplaintKind.OTHER: N_("Other"),
}


class ComplaintStage(StrEnum):
    BEFORE_RECEIPT = "before_receipt"  # found by the VN warehouse's inspection
    AFTER_RECEIPT = "after_receipt"    # the customer has the goods


COMPLAINT_STAGE_LABELS: dict[str, str] = {
    ComplaintStage.BEFORE_RECEIPT: N_("Before receipt (warehouse inspection)"),
    ComplaintStage.AFTER_RECEIPT: N_("After the customer received the goods"),
}


class Fault(StrEnum):
    """Where the fault lies (nguồn lỗi), recorded with the plan."""

    SHOP = "shop"
    CN_WAREHOUSE = "cn_warehouse"
    TRANSPORT = "transport"
    VN_WAREHOUSE = "vn_warehouse"
    STAFF = "staff"


FAULT_LABELS: dict[str, str] = {
    Fault.SHOP: N_("The shop"),
    Fault.CN_WAREHOUSE: N_("China warehouse"),
    Fault.TRANSPORT: N_("Transport"),
    Fault.VN_WAREHOUSE: N_("Vietnam warehouse"),
    Fault.STAFF: N_("Our staff"),
}


class RemedyKind(StrEnum):
    REFUND = "refund"                  # hoàn tiền: lowers what the order was charged
    RESHIP = "reship"                  # gửi lại: a new order buys the items again, free to the customer
    RETURN_CN = "return_cn"            # trả hàng về Trung Quốc
    DISCOUNT = "discount"              # giảm giá đơn sau: a personal discount code
    COMPENSATION = "compensation"      # bồi thường: an internal loss paid into the wallet
    PRIORITY_SHIPPING = "priority_shipping"  # ưu tiên vận chuyển đơn sau: a voucher on the customer


REMEDY_LABELS: dict[str, str] = {
    RemedyKind.REFUND: N_("Refund to the customer"),
    RemedyKind.RESHIP: N_("Reship"),
    RemedyKind.RETURN_CN: N_("Send back to China"),
    RemedyKind.DISCOUNT: N_("Discount on a later order"),
    RemedyKind.COMPENSATION: N_("Compensation"),
    RemedyKind.PRIORITY_SHIPPING: N_("Priority shipping on the next order"),
}
#: remedies that carry an amount in VND
MONEY_REMEDIES = frozenset({RemedyKind.REFUND, RemedyKind.DISCOUNT, RemedyKind.COMPENSATION})


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXECUTED = "executed"
    ABANDONED = "abandoned"            # the complaint was dismissed or withdrawn meanwhile


PLAN_STATUS_LABELS: dict[str, str] = {
    PlanStatus.PROPOSED: N_("Awaiting approval"),
    PlanStatus.APPROVED: N_("Approved"),
    PlanStatus.REJECTED: N_("Rejected"),
    PlanStatus.EXECUTED: N_("Carried out"),
    PlanStatus.ABANDONED: N_("Abandoned"),
}

PS = PlanStatus
#: a plan follows its complaint's steps (approve, reject, execute); ``abandon`` is the
#: system's, when the complaint ends without it
PLAN_FLOW = Workflow("complaint_plan", dict(PLAN_STATUS_LABELS), PS.PROPOSED, [
    step(PS.PROPOSED, "approve", PS.APPROVED,  {Role.MANAGER},                   N_("Approve the plan")),
    step(PS.PROPOSED, "reject",  PS.REJECTED,  {Role.MANAGER},                   N_("Reject the plan"), reason=True),
    step(PS.APPROVED, "execute", PS.EXECUTED,  {Role.CARE, Role.MANAGER},           N_("Carry out the plan")),
    step(PS.PROPOSED, "abandon", PS.ABANDONED, {Role.SYSTEM},                    N_("Abandoned")),
], terminal=frozenset({PS.REJECTED, PS.EXECUTED, PS.ABANDONED}))

_HANDLERS = {Role.CARE, Role.ORDERING, Role.MANAGER}

#:  from                                   action         to                who                  label
COMPLAINT_FLOW = Workflow("complaint", dict(COMPLAINT_STATUS_LABELS), CS.OPEN, [
    step(CS.OPEN,                            "investigate", CS.INVESTIGATING, _HANDLERS,           N_("Start investigating")),
    step({CS.OPEN, CS.INVESTIGATING},        "propose",     CS.PROPOSED,      _HANDLERS,           N_("Propose a plan")),
    step(CS.PROPOSED,                        "approve",     CS.APPROVED,      {Role.MANAGER},         N_("Approve the plan")),
    step(CS.PROPOSED,                        "reject",      CS.INVESTIGATING, {Role.MANAGER},         N_("Reject the plan"), reason=True),
    step(CS.APPROVED,                        "execute",     CS.CLOSED,        {Role.CARE, Role.MANAGER}, N_("Carry out the plan")),
    step({CS.OPEN, CS.INVESTIGATING, CS.PROPOSED}, "dismiss", CS.DISMISSED,   {Role.MANAGER},         N_("Dismiss the complaint"), reason=True),
    step({CS.OPEN, CS.INVESTIGATING},        "withdraw",    CS.WITHDRAWN,     {Role.CARE, Role.MANAGER}, N_("Customer withdrew"), reason=True),
], terminal=frozenset({CS.CLOSED, CS.DISMISSED, CS.WITHDRAWN}))


class SellerComplaintStatus(StrEnum):
    OPEN = "open"                      # to file on the platform
    CLAIMED = "claimed"                # filed, waiting for the seller
    RECOVERED = "recovered"            # money came back (all or part of the claim)
    REFUSED = "refused"                # the seller (or the platform) refused
    EXPIRED = "expired"                # never filed before the after-sale window closed
    WITHDRAWN = "withdrawn"


SC = SellerComplaintStatus

SELLER_STATUS_LABELS: dict[str, str] = {
    SC.OPEN: N_("To file"),
    SC.CLAIMED: N_("Filed, waiting for the seller"),
    SC.RECOVERED: N_("Money recovered"),
    SC.REFUSED: N_("Refused by the seller"),
    SC.EXPIRED: N_("Window closed before filing"),
    SC.WITHDRAWN: N_("Withdrawn"),
}
ACTIVE_SELLER = frozenset({SC.OPEN, SC.CLAIMED})


class SellerReason(StrEnum):
    WRONG_ITEM = "wrong_item"
    DEFECTIVE = "defective"
    SHORT = "short"                    # fewer pieces than paid for
    NOT_AS_DESCRIBED = "not_as_described"
    OTHER = "other"


SELLER_REASON_LABELS: dict[str, str] = {
    SellerReason.WRONG_ITEM: N_("Wrong item sent"),
    SellerReason.DEFECTIVE: N_("Defective or damaged"),
    SellerReason.SHORT: N_("Fewer pieces than paid for"),
    SellerReason.NOT_AS_DESCRIBED: N_("Not as described"),
    SellerReason.OTHER: N_("Other"),
}

_BUYERS = {Role.ORDERING, Role.MANAGER}

SELLER_COMPLAINT_FLOW = Workflow("seller_complaint", dict(SELLER_STATUS_LABELS), SC.OPEN, [
    step(SC.OPEN,              "file",     SC.CLAIMED,   _BUYERS,    N_("Filed on the platform")),
    step({SC.OPEN, SC.CLAIMED}, "recover", SC.RECOVERED, _BUYERS,    N_("Record money recovered")),
    step(SC.CLAIMED,           "refuse",   SC.REFUSED,   _BUYERS,    N_("Seller refused"), reason=True),
    step(SC.OPEN,              "expire",   SC.EXPIRED,   {Role.SYSTEM}, N_("After-sale window closed")),
    step({SC.OPEN, SC.CLAIMED}, "withdraw", SC.WITHDRAWN, _BUYERS,   N_("Withdraw the claim"), reason=True),
], terminal=frozenset({SC.RECOVERED, SC.REFUSED, SC.EXPIRED, SC.WITHDRAWN}))


class InspectionResult(StrEnum):
    """The customer's inspection after delivery (seed 000's inspection statuses)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REWORK = "rework"
    PARTLY_ACCEPTED = "partly_accepted"


INSPECTION_LABELS: dict[str, str] = {
    InspectionResult.ACCEPTED: N_("Accepted"),
    InspectionResult.REJECTED: N_("Rejected"),
    InspectionResult.REWORK: N_("Requires rework"),
    InspectionResult.PARTLY_ACCEPTED: N_("Partly accepted"),
}
